// Protocol P1 ("synth-drift") generator.
//
// Every random number comes from one std::mt19937_64 seeded with spec.seed
// (whose output sequence the C++ standard fixes), turned into uniforms and
// normals by code in this file, so a spec gives the same data everywhere.
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
// Uniform: (u64 >> 11) * 2^-53. Normal: Marsaglia's polar method on pairs of
// uniforms 2u-1, accepting 0 < w < 1, returning x * sqrt(-2 ln w / w) and
// discarding the second value. Uniform integer in [0, b): rejection of raw
// draws below 2^64 mod b, then modulo b.
#include "data/synth.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>

namespace tdcm::data {
namespace {

class Rng {
 public:
  explicit Rng(uint64_t seed) : gen_(seed) {}

  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(gen_() >> 11) * 0x1.0p-53; }

  double normal() {
    for (;;) {
      const double a = 2.0 * uniform() - 1.0;
      const double b = 2.0 * uniform() - 1.0;
      const double w = a * a + b * b;
      if (w > 0.0 && w < 1.0) return a * std::sqrt(-2.0 * std::log(w) / w);
    }
  }

  // Uniform integer in [0, bound), bound >= 1, without modulo bias.
  uint64_t below(uint64_t bound) {
    const uint64_t threshold = (0 - bound) % bound;  // 2^64 mod bound
    for (;;) {
      const uint64_t r = gen_();
      if (r >= threshold) return r % bound;
    }
  }

 private:
  std::mt19937_64 gen_;
};

// Q factor (D x D, row-major) of a square matrix by modified Gram-Schmidt in
// double. Gram-Schmidt yields R with a positive diagonal, which is exactly the
// sign-fixed Q (column j multiplied by sign(R_jj)) of any other QR.
std::vector<double> q_factor(std::vector<double> a, int64_t d) {
  const size_t n = static_cast<size_t>(d);
  for (size_t j = 0; j < n; ++j) {
    double norm = 0.0;
    for (size_t i = 0; i < n; ++i) norm += a[i * n + j] * a[i * n + j];
    norm = std::sqrt(norm);
    if (!(norm > 0.0)) {
      // Probability zero for a Gaussian matrix; refuse rather than divide.
      throw std::runtime_error("synth: singular Gaussian matrix in QR");
    }
    for (size_t i = 0; i < n; ++i) a[i * n + j] /= norm;
    for (size_t k = j + 1; k < n; ++k) {
      double dot = 0.0;
      for (size_t i = 0; i < n; ++i) dot += a[i * n + j] * a[i * n + k];
      for (size_t i = 0; i < n; ++i) a[i * n + k] -= dot * a[i * n + j];
    }
  }
  return a;
}

struct Cluster {
  std::vector<double> q;       // d x d rotation, row-major
  std::vector<double> sqrt_l;  // d square roots of the eigenvalues
};

void draw_rows(Rng &rng, const std::vector<double> &mu, const Cluster &cl, int64_t d, int64_t count,
               int32_t label, LabelledSet &out, int64_t &row) {
  const size_t n = static_cast<size_t>(d);
  std::vector<double> e(n);
  for (int64_t r = 0; r < count; ++r, ++row) {
    for (size_t i = 0; i < n; ++i) e[i] = rng.normal() * cl.sqrt_l[i];
    float *dst = out.x.data() + static_cast<size_t>(row) * n;
    for (size_t i = 0; i < n; ++i) {
      double v = mu[i];
      for (size_t j = 0; j < n; ++j) v += cl.q[i * n + j] * e[j];
      dst[i] = static_cast<float>(v);
    }
    out.y[static_cast<size_t>(row)] = label;
  }
}

void shuffle_rows(Rng &rng, LabelledSet &set) {
  const size_t d = static_cast<size_t>(set.d);
  for (int64_t i = set.rows - 1; i >= 1; --i) {
    const int64_t j = static_cast<int64_t>(rng.below(static_cast<uint64_t>(i) + 1));
    if (j == i) continue;
    float *a = set.x.data() + static_cast<size_t>(i) * d;
    float *b = set.x.data() + static_cast<size_t>(j) * d;
    for (size_t c = 0; c < d; ++c) std::swap(a[c], b[c]);
    std::swap(set.y[static_cast<size_t>(i)], set.y[static_cast<size_t>(j)]);
  }
}

}  // namespace

DriftPair make_drift_pair(const DriftSpec &spec) {
  if (spec.k < 1 || spec.d < 1 || spec.n_per_cluster < 1) {
    throw std::invalid_argument("synth: k, d and n_per_cluster must be >= 1 (got k=" +
                                std::to_string(spec.k) + ", d=" + std::to_string(spec.d) +
                                ", n_per_cluster=" + std::to_string(spec.n_per_cluster) + ")");
  }
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
  if (spec.k > std::numeric_limits<int32_t>::max()) {
    throw std::invalid_argument("synth: k does not fit an int32 label");
  }
  // rows * d floats per set, and d * d doubles per cluster, must be addressable.
  const int64_t max_elems = std::numeric_limits<int64_t>::max() / 8;
  if (spec.n_per_cluster > max_elems / spec.k || spec.d > max_elems / spec.d ||
      spec.k * spec.n_per_cluster > max_elems / spec.d) {
    throw std::invalid_argument("synth: k * n_per_cluster * d is too large");
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
  std::vector<Cluster> clusters(static_cast<size_t>(k));
  for (auto &cl : clusters) {
    std::vector<double> g(nd * nd);
    for (double &v : g) v = rng.normal();
    cl.q = q_factor(std::move(g), d);
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
