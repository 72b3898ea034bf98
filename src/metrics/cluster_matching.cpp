#include "metrics/cluster_matching.h"

#include <cmath>
#include <stdexcept>

#include "metrics/metrics.h"

namespace tdcm::metrics {
namespace {

using Matrix = std::vector<double>;  // d x d, row-major

// Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations; returns
// V diag(log lambda) V^T (eigenvalues floored at 1e-300).
Matrix log_symmetric(Matrix a, int64_t d) {
  const size_t n = static_cast<size_t>(d);
  Matrix v(n * n, 0.0);
  for (size_t i = 0; i < n; ++i) v[i * n + i] = 1.0;
  for (int sweep = 0; sweep < 100; ++sweep) {
    double off = 0.0;
    for (size_t p = 0; p < n; ++p) {
      for (size_t q = p + 1; q < n; ++q) off += a[p * n + q] * a[p * n + q];
    }
    if (off < 1e-30) break;
    for (size_t p = 0; p < n; ++p) {
      for (size_t q = p + 1; q < n; ++q) {
        if (std::abs(a[p * n + q]) < 1e-300) continue;
        const double theta = (a[q * n + q] - a[p * n + p]) / (2.0 * a[p * n + q]);
        const double t =
            (theta >= 0 ? 1.0 : -1.0) / (std::abs(theta) + std::sqrt(theta * theta + 1.0));
        const double c = 1.0 / std::sqrt(t * t + 1.0), s = t * c;
        for (size_t r = 0; r < n; ++r) {  // A <- A J (columns p, q)
          const double arp = a[r * n + p], arq = a[r * n + q];
          a[r * n + p] = c * arp - s * arq;
          a[r * n + q] = s * arp + c * arq;
        }
        for (size_t r = 0; r < n; ++r) {  // A <- J^T A (rows p, q)
          const double apr = a[p * n + r], aqr = a[q * n + r];
          a[p * n + r] = c * apr - s * aqr;
          a[q * n + r] = s * apr + c * aqr;
        }
        for (size_t r = 0; r < n; ++r) {
          const double vrp = v[r * n + p], vrq = v[r * n + q];
          v[r * n + p] = c * vrp - s * vrq;
          v[r * n + q] = s * vrp + c * vrq;
        }
      }
    }
  }
  Matrix out(n * n, 0.0);
  for (size_t e = 0; e < n; ++e) {
    const double l = std::log(std::max(a[e * n + e], 1e-300));
    for (size_t i = 0; i < n; ++i) {
      for (size_t j = 0; j < n; ++j) out[i * n + j] += v[i * n + e] * l * v[j * n + e];
    }
  }
  return out;
}

struct Stats {
  std::vector<Matrix> mean, log_cov;
};

Stats cluster_stats(const float *x, const int32_t *labels, int64_t n, int64_t d, int64_t k) {
  const size_t nd = static_cast<size_t>(d);
  std::vector<Matrix> sum(static_cast<size_t>(k + 1), Matrix(nd, 0.0));
  std::vector<Matrix> outer(static_cast<size_t>(k + 1), Matrix(nd * nd, 0.0));
  std::vector<double> count(static_cast<size_t>(k + 1), 0.0);
  for (int64_t i = 0; i < n; ++i) {
    if (labels[i] < 0 || labels[i] >= k) throw std::invalid_argument("label out of [0, k)");
    const float *row = x + i * d;
    // Slot k pools every row: the set's covariance, for clusters too small for their own.
    for (size_t c : {static_cast<size_t>(labels[i]), static_cast<size_t>(k)}) {
      count[c] += 1.0;
      for (size_t a = 0; a < nd; ++a) {
        sum[c][a] += row[a];
        for (size_t b = 0; b < nd; ++b) outer[c][a * nd + b] += double(row[a]) * row[b];
      }
    }
  }
  auto covariance = [&](size_t c) {
    Matrix cov(nd * nd);
    for (size_t a = 0; a < nd; ++a) {
      for (size_t b = 0; b < nd; ++b) {
        cov[a * nd + b] =
            outer[c][a * nd + b] / count[c] - sum[c][a] / count[c] * (sum[c][b] / count[c]);
      }
      cov[a * nd + a] += 1e-9;
    }
    return cov;
  };
  const Matrix pooled = covariance(static_cast<size_t>(k));
  Stats s;
  for (size_t c = 0; c < static_cast<size_t>(k); ++c) {
    Matrix m(nd, 0.0);
    for (size_t a = 0; a < nd; ++a) m[a] = count[c] > 0 ? sum[c][a] / count[c] : 0.0;
    s.mean.push_back(m);
    s.log_cov.push_back(log_symmetric(count[c] >= 2 ? covariance(c) : pooled, d));
  }
  return s;
}

}  // namespace

std::vector<int32_t> match_clusters(const float *source_x, const int32_t *source_labels,
                                    int64_t n_source, const float *target_x,
                                    const int32_t *target_labels, int64_t n_target, int64_t d,
                                    int64_t k, double drift_scale) {
  if (n_source < 1 || n_target < 1 || d < 1 || k < 1 || !(drift_scale > 0) ||
      !std::isfinite(drift_scale)) {
    throw std::invalid_argument("match_clusters: n, d, k must be >= 1 and drift_scale > 0");
  }
  const Stats s = cluster_stats(source_x, source_labels, n_source, d, k);
  const Stats t = cluster_stats(target_x, target_labels, n_target, d, k);
  const size_t nd = static_cast<size_t>(d);
  std::vector<double> cost(static_cast<size_t>(k * k));
  for (int64_t i = 0; i < k; ++i) {
    for (int64_t j = 0; j < k; ++j) {
      double shape = 0, pos = 0;
      for (size_t e = 0; e < nd * nd; ++e) {
        const double diff = t.log_cov[i][e] - s.log_cov[j][e];
        shape += diff * diff;
      }
      for (size_t a = 0; a < nd; ++a) {
        const double diff = t.mean[i][a] - s.mean[j][a];
        pos += diff * diff;
      }
      cost[i * k + j] = std::sqrt(shape) + pos / (2.0 * drift_scale * drift_scale * double(d));
    }
  }
  const std::vector<int64_t> to = hungarian_min_cost(cost, k, k);
  return std::vector<int32_t>(to.begin(), to.end());
}

}  // namespace tdcm::metrics
