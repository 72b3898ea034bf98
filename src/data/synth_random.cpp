#include "data/synth_random.h"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>

namespace tdcm::data {

double Rng::normal() {
  for (;;) {
    const double a = 2.0 * uniform() - 1.0;
    const double b = 2.0 * uniform() - 1.0;
    const double w = a * a + b * b;
    if (w > 0.0 && w < 1.0) return a * std::sqrt(-2.0 * std::log(w) / w);
  }
}

uint64_t Rng::below(uint64_t bound) {
  const uint64_t threshold = (0 - bound) % bound;  // 2^64 mod bound
  for (;;) {
    const uint64_t r = gen_();
    if (r >= threshold) return r % bound;
  }
}

void check_set_size(int64_t k, int64_t d, int64_t n_per_cluster) {
  if (k < 1 || d < 1 || n_per_cluster < 1) {
    throw std::invalid_argument(
        "synth: k, d and n_per_cluster must be >= 1 (got k=" + std::to_string(k) +
        ", d=" + std::to_string(d) + ", n_per_cluster=" + std::to_string(n_per_cluster) + ")");
  }
  if (k > std::numeric_limits<int32_t>::max()) {
    throw std::invalid_argument("synth: k does not fit an int32 label");
  }
  const int64_t max_elems = std::numeric_limits<int64_t>::max() / 8;
  if (n_per_cluster > max_elems / k || d > max_elems / d || k * n_per_cluster > max_elems / d) {
    throw std::invalid_argument("synth: k * n_per_cluster * d is too large");
  }
}

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

std::vector<double> random_rotation(Rng &rng, int64_t d) {
  std::vector<double> g(static_cast<size_t>(d * d));
  for (double &v : g) v = rng.normal();
  return q_factor(std::move(g), d);
}

void draw_rows(Rng &rng, const std::vector<double> &mu, const Shape &shape, int64_t d,
               int64_t count, int32_t label, LabelledSet &out, int64_t &row) {
  const size_t n = static_cast<size_t>(d);
  std::vector<double> e(n);
  for (int64_t r = 0; r < count; ++r, ++row) {
    for (size_t i = 0; i < n; ++i) e[i] = rng.normal() * shape.sqrt_l[i];
    float *dst = out.x.data() + static_cast<size_t>(row) * n;
    for (size_t i = 0; i < n; ++i) {
      double v = mu[i];
      for (size_t j = 0; j < n; ++j) v += shape.q[i * n + j] * e[j];
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

}  // namespace tdcm::data
