// Protocol P3 generator.
//
// Draw order (the protocol; changing it changes every published number):
//   family, from a generator seeded with family_seed:
//     1. Q: the Q factor (positive diagonal R) of a D x D Gaussian matrix
//        (D*D normals, row-major); Lambda = diag(1 x S, v x (D - S));
//   one set, from a generator seeded with the set's seed:
//     2. for k = 0..K-1: m_k = s z, z ~ N(0, I_S) (S normals); mu_k = Q [m_k; 0];
//     3. for k, for each of n rows: e ~ N(0, I_D) (D normals),
//        x = mu_k + Q diag(sqrt(Lambda)) e;
//     4. Fisher-Yates shuffle of the rows (data/synth_random.h).
#include "data/synth_structured.h"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "data/synth_random.h"

namespace tdcm::data {
namespace {

void check(const StructuredSpec &spec) {
  check_set_size(spec.k, spec.d, spec.n_per_cluster);
  if (spec.signal < 1 || spec.signal > spec.d) {
    throw std::invalid_argument("synth: signal directions must be in [1, d] (got " +
                                std::to_string(spec.signal) + ")");
  }
  if (!(spec.nuisance > 0.0) || !std::isfinite(spec.nuisance) || !(spec.spread > 0.0) ||
      !std::isfinite(spec.spread)) {
    throw std::invalid_argument("synth: nuisance variance and spread must be finite numbers > 0");
  }
}

// The family's shape: Q and the square roots of Lambda.
Shape make_family(const StructuredSpec &spec) {
  Rng rng(spec.family_seed);
  Shape f;
  f.q = random_rotation(rng, spec.d);
  f.sqrt_l.assign(static_cast<size_t>(spec.d), std::sqrt(spec.nuisance));
  for (int64_t i = 0; i < spec.signal; ++i) f.sqrt_l[static_cast<size_t>(i)] = 1.0;
  return f;
}

}  // namespace

std::vector<double> structured_covariance(const StructuredSpec &spec) {
  check(spec);
  const Shape f = make_family(spec);
  const size_t n = static_cast<size_t>(spec.d);
  std::vector<double> sigma(n * n, 0.0);
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < n; ++j) {
      double v = 0.0;
      for (size_t c = 0; c < n; ++c)
        v += f.q[i * n + c] * f.sqrt_l[c] * f.sqrt_l[c] * f.q[j * n + c];
      sigma[i * n + j] = v;
    }
  }
  return sigma;
}

LabelledSet make_structured_set(const StructuredSpec &spec) {
  check(spec);
  const Shape f = make_family(spec);
  const size_t n = static_cast<size_t>(spec.d);
  const size_t s = static_cast<size_t>(spec.signal);
  Rng rng(spec.seed);

  // 2. Centres in the signal directions: mu_k = Q[:, :S] m_k.
  std::vector<std::vector<double>> mu(static_cast<size_t>(spec.k), std::vector<double>(n, 0.0));
  for (auto &m : mu) {
    std::vector<double> sig(s);
    for (double &v : sig) v = spec.spread * rng.normal();
    for (size_t i = 0; i < n; ++i) {
      for (size_t c = 0; c < s; ++c) m[i] += f.q[i * n + c] * sig[c];
    }
  }

  LabelledSet out;
  out.d = spec.d;
  out.rows = spec.k * spec.n_per_cluster;
  out.x.resize(static_cast<size_t>(out.rows) * n);
  out.y.resize(static_cast<size_t>(out.rows));

  // 3. Rows.
  int64_t row = 0;
  for (int64_t k = 0; k < spec.k; ++k) {
    draw_rows(rng, mu[static_cast<size_t>(k)], f, spec.d, spec.n_per_cluster,
              static_cast<int32_t>(k), out, row);
  }

  // 4. Shuffle.
  shuffle_rows(rng, out);
  return out;
}

}  // namespace tdcm::data
