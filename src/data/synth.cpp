// Protocol P1 ("synth-drift") generator.
//
// Every random number comes from one std::mt19937_64 seeded with spec.seed
// (whose output sequence the C++ standard fixes), turned into uniforms and
// normals by data/synth_random.h, so a spec gives the same data everywhere.
//
// Draw order (the protocol; changing it changes every published number):
//   1. centers mu_k = s * z, z ~ N(0, I_D), for k = 0..K-1 (D normals each);
//   2. for k = 0..K-1: a D x D Gaussian matrix G (D*D normals, row-major),
//      then lambda_k (D uniforms in [0.2, 1.0)). Q_k is the Q factor of G with
//      a positive diagonal R (QR sign fix), Sigma_k = Q_k diag(lambda_k) Q_k^T;
//   3. source rows: for k, for each of n rows: e ~ N(0, I_D) (D normals),
//      x = mu_k + Q_k diag(sqrt(lambda_k)) e;
//   4. target centers mu'_k = mu_k + (r s) z, z ~ N(0, I_D) (drawn even when
//      r = 0, so the stream never depends on r);
//   5. target rows as in 3 around mu'_k with the same Sigma_k;
//   6. Fisher-Yates shuffle of the source rows, then of the target rows
//      (i from rows-1 down to 1, swap i with j uniform in [0, i]).
#include "data/synth.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>

#include "data/synth_random.h"

namespace tdcm::data {

DriftPair make_drift_pair(const DriftSpec &spec) {
  check_set_size(spec.k, spec.d, spec.n_per_cluster);
  if (!(spec.spread > 0.0) || !std::isfinite(spec.spread)) {
    throw std::invalid_argument("synth: spread must be a finite number > 0");
  }
  if (!(spec.drift >= 0.0) || !std::isfinite(spec.drift)) {
    throw std::invalid_argument("synth: drift must be a finite number >= 0");
  }
  if (!(spec.unequal >= 1.0) || !std::isfinite(spec.unequal) || !(spec.anisotropy > 0.0) ||
      !std::isfinite(spec.anisotropy)) {
    throw std::invalid_argument("synth: unequal must be >= 1 and anisotropy > 0");
  }

  const int64_t k = spec.k;
  const int64_t d = spec.d;
  const size_t nd = static_cast<size_t>(d);
  Rng rng(spec.seed);
  Rng variant(spec.seed ^ 0x9e3779b97f4a7c15ULL);
  std::vector<int64_t> count(static_cast<size_t>(k), spec.n_per_cluster);
  int64_t rows = 0;
  for (int64_t &c : count) {
    if (spec.unequal > 1.0) {
      const double share = std::pow(spec.unequal, -variant.uniform());
      c = std::max<int64_t>(1, std::llround(static_cast<double>(c) * share));
    }
    rows += c;
  }

  // 1. Source centers.
  std::vector<std::vector<double>> mu(static_cast<size_t>(k), std::vector<double>(nd));
  for (auto &m : mu) {
    for (double &v : m) v = spec.spread * rng.normal();
  }

  // 2. Covariances: rotation, then eigenvalues.
  std::vector<Shape> clusters(static_cast<size_t>(k));
  for (auto &cl : clusters) {
    cl.q = random_rotation(rng, d);
    cl.sqrt_l.resize(nd);
    for (double &v : cl.sqrt_l) v = std::sqrt(0.2 + 0.8 * rng.uniform());
    cl.sqrt_l[0] *= std::sqrt(spec.anisotropy);
  }

  DriftPair out;
  for (LabelledSet *set : {&out.source, &out.target}) {
    set->rows = rows;
    set->d = d;
    set->x.resize(static_cast<size_t>(rows) * nd);
    set->y.resize(static_cast<size_t>(rows));
  }

  // 3. Source rows.
  int64_t row = 0;
  for (int64_t c = 0; c < k; ++c) {
    draw_rows(rng, mu[static_cast<size_t>(c)], clusters[static_cast<size_t>(c)], d,
              count[static_cast<size_t>(c)], static_cast<int32_t>(c), out.source, row);
  }

  // 4. Target centers.
  const double step = spec.drift * spec.spread;
  std::vector<std::vector<double>> mu_t = mu;
  for (auto &m : mu_t) {
    for (double &v : m) v += step * rng.normal();
  }

  // 5. Target rows.
  row = 0;
  for (int64_t c = 0; c < k; ++c) {
    draw_rows(rng, mu_t[static_cast<size_t>(c)], clusters[static_cast<size_t>(c)], d,
              count[static_cast<size_t>(c)], static_cast<int32_t>(c), out.target, row);
  }

  // 6. Shuffle.
  shuffle_rows(rng, out.source);
  shuffle_rows(rng, out.target);
  return out;
}

}  // namespace tdcm::data
