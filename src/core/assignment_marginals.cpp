#include "core/assignment_marginals.h"

#include <algorithm>
#include <cmath>

namespace tdcm {
namespace {

// log(exp(a) + exp(b)) without overflow; -inf is the empty sum.
double log_add(double a, double b) {
  if (a == -INFINITY) return b;
  if (b == -INFINITY) return a;
  const double hi = std::max(a, b);
  return hi + std::log1p(std::exp(std::min(a, b) - hi));
}

// Row i of the pairing is assigned after rows 0..i-1, so a subset of used
// columns determines how many rows are placed: forward[m] sums the weights of
// placing rows 0..|m|-1 on the columns m, backward[m] those of placing the
// remaining rows on the columns outside m. All in logs: costs can differ by
// hundreds, and products of k weights under- or overflow.
std::vector<double> exact(const std::vector<double> &cost, int64_t k) {
  const size_t subsets = size_t{1} << k;
  std::vector<double> forward(subsets, -INFINITY), backward(subsets, -INFINITY);
  forward[0] = 0.0;
  backward[subsets - 1] = 0.0;
  for (size_t m = 0; m < subsets; ++m) {
    if (forward[m] == -INFINITY) continue;
    const int64_t row = __builtin_popcountll(m);
    if (row == k) continue;
    for (int64_t j = 0; j < k; ++j) {
      if (m & (size_t{1} << j)) continue;
      const size_t next = m | (size_t{1} << j);
      forward[next] = log_add(forward[next], forward[m] - cost[row * k + j]);
    }
  }
  for (size_t m = subsets - 1; m-- > 0;) {
    const int64_t row = __builtin_popcountll(m);
    for (int64_t j = 0; j < k; ++j) {
      if (m & (size_t{1} << j)) continue;
      const size_t next = m | (size_t{1} << j);
      backward[m] = log_add(backward[m], backward[next] - cost[row * k + j]);
    }
  }
  const double total = backward[0];  // the log of the permanent of exp(-c)
  std::vector<double> out(static_cast<size_t>(k * k), 0.0);
  for (size_t m = 0; m + 1 < subsets; ++m) {
    if (forward[m] == -INFINITY) continue;
    const int64_t row = __builtin_popcountll(m);
    for (int64_t j = 0; j < k; ++j) {
      if (m & (size_t{1} << j)) continue;
      const double lw = forward[m] - cost[row * k + j] + backward[m | (size_t{1} << j)] - total;
      out[row * k + j] += std::exp(lw);
    }
  }
  // The sums in logs round: a certain pairing can come out a few ulps above 1.
  for (double &p : out) p = std::min(p, 1.0);
  return out;
}

// Sinkhorn: scales the rows and columns of exp(-c) until both sum to one.
// It converges slowly where one pairing dominates (the matrix is then nearly a
// permutation), so the passes are capped: the rows sum to one exactly, the
// columns closely.
std::vector<double> sinkhorn(const std::vector<double> &cost, int64_t k) {
  std::vector<double> u(static_cast<size_t>(k), 0.0), v(static_cast<size_t>(k), 0.0);
  constexpr int kIterations = 1000;
  for (int it = 0; it < kIterations; ++it) {
    double change = 0;
    for (int64_t i = 0; i < k; ++i) {
      double s = -INFINITY;
      for (int64_t j = 0; j < k; ++j) s = log_add(s, -cost[i * k + j] + v[j]);
      change = std::max(change, std::abs(-s - u[i]));
      u[i] = -s;
    }
    for (int64_t j = 0; j < k; ++j) {
      double s = -INFINITY;
      for (int64_t i = 0; i < k; ++i) s = log_add(s, -cost[i * k + j] + u[i]);
      v[j] = -s;
    }
    if (change < 1e-10) break;
  }
  std::vector<double> out(static_cast<size_t>(k * k));
  for (int64_t i = 0; i < k; ++i) {
    double total = 0;
    for (int64_t j = 0; j < k; ++j)
      total += out[i * k + j] = std::exp(-cost[i * k + j] + u[i] + v[j]);
    for (int64_t j = 0; j < k; ++j) out[i * k + j] /= total;
  }
  return out;
}

}  // namespace

std::vector<double> pairing_marginals(const std::vector<double> &cost, int64_t k) {
  return k <= kExactPairingItems ? exact(cost, k) : sinkhorn(cost, k);
}

}  // namespace tdcm
