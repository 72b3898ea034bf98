// Clustering metrics: NMI, ARI, ACC (exact Hungarian), ACC-kept.
//
// Conventions follow scikit-learn (normalized_mutual_info_score with the
// arithmetic average, adjusted_rand_score) so that numbers can be compared
// with published results computed in Python.
#include "metrics/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>

namespace tdcm::metrics {
namespace {

void check_labels(const int32_t *labels, int64_t n, const char *what) {
  if (labels == nullptr) {
    throw std::invalid_argument(std::string("metrics: ") + what + " is a null pointer");
  }
  for (int64_t i = 0; i < n; ++i) {
    if (labels[i] < 0) {
      throw std::invalid_argument(std::string("metrics: ") + what + "[" + std::to_string(i) +
                                  "] = " + std::to_string(labels[i]) +
                                  " is negative; labels must be non-negative");
    }
  }
}

void check_pair(const int32_t *truth, const int32_t *pred, int64_t n) {
  if (n <= 0) {
    throw std::invalid_argument("metrics: n must be positive, got " + std::to_string(n));
  }
  check_labels(truth, n, "truth");
  check_labels(pred, n, "pred");
}

// Labels compressed to dense indices 0..values.size()-1 (values sorted
// ascending), so that huge label values cost nothing.
struct Dense {
  std::vector<int32_t> values;  // sorted distinct original labels
  std::vector<int64_t> index;   // per sample, position of its label in values
};

Dense compress(const int32_t *labels, int64_t n) {
  Dense out;
  out.values.assign(labels, labels + n);
  std::sort(out.values.begin(), out.values.end());
  out.values.erase(std::unique(out.values.begin(), out.values.end()), out.values.end());
  out.index.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    out.index[static_cast<size_t>(i)] =
        std::lower_bound(out.values.begin(), out.values.end(), labels[i]) - out.values.begin();
  }
  return out;
}

// Sparse contingency table: the non-zero cells n_ij plus the marginals.
struct Contingency {
  int64_t n = 0;
  std::vector<int64_t> row_sums;  // per truth class (a_i)
  std::vector<int64_t> col_sums;  // per predicted cluster (b_j)
  std::vector<int64_t> cells;     // non-zero n_ij, any order
  std::vector<std::pair<int64_t, int64_t>> cell_ij;
};

Contingency contingency(const int32_t *truth, const int32_t *pred, int64_t n) {
  const Dense t = compress(truth, n);
  const Dense p = compress(pred, n);
  const int64_t r = static_cast<int64_t>(t.values.size());
  const int64_t c = static_cast<int64_t>(p.values.size());
  Contingency out;
  out.n = n;
  out.row_sums.assign(static_cast<size_t>(r), 0);
  out.col_sums.assign(static_cast<size_t>(c), 0);
  // Pair codes i * c + j fit in int64 since r, c <= n.
  std::vector<int64_t> codes(static_cast<size_t>(n));
  for (size_t s = 0; s < codes.size(); ++s) {
    codes[s] = t.index[s] * c + p.index[s];
    ++out.row_sums[static_cast<size_t>(t.index[s])];
    ++out.col_sums[static_cast<size_t>(p.index[s])];
  }
  std::sort(codes.begin(), codes.end());
  for (size_t s = 0; s < codes.size();) {
    size_t e = s;
    while (e < codes.size() && codes[e] == codes[s]) ++e;
    out.cells.push_back(static_cast<int64_t>(e - s));
    out.cell_ij.emplace_back(codes[s] / c, codes[s] % c);
    s = e;
  }
  return out;
}

double entropy(const std::vector<int64_t> &counts, int64_t n) {
  const double dn = static_cast<double>(n);
  double h = 0.0;
  for (int64_t k : counts) {
    if (k > 0) {
      const double p = static_cast<double>(k) / dn;
      h -= p * std::log(p);
    }
  }
  return h;
}

double comb2(int64_t k) {
  const double dk = static_cast<double>(k);
  return dk * (dk - 1.0) / 2.0;
}

// Dense table counts[cluster][label] over compressed indices.
struct Dense2 {
  Dense truth;
  Dense pred;
  std::vector<int64_t> counts;  // pred.values.size() x truth.values.size()
};

Dense2 dense_table(const int32_t *truth, const int32_t *pred, int64_t n) {
  Dense2 out;
  out.truth = compress(truth, n);
  out.pred = compress(pred, n);
  const size_t nl = out.truth.values.size();
  const size_t nc = out.pred.values.size();
  out.counts.assign(nc * nl, 0);
  for (size_t s = 0; s < static_cast<size_t>(n); ++s) {
    ++out.counts[static_cast<size_t>(out.pred.index[s]) * nl +
                 static_cast<size_t>(out.truth.index[s])];
  }
  return out;
}

// Maximum-agreement matching on the dense table: match[c] is the dense label
// index matched to dense cluster c, or -1. Returns the matched count too.
std::pair<std::vector<int64_t>, int64_t> match_clusters(const Dense2 &t) {
  const int64_t nc = static_cast<int64_t>(t.pred.values.size());
  const int64_t nl = static_cast<int64_t>(t.truth.values.size());
  std::vector<int64_t> match(static_cast<size_t>(nc), -1);
  int64_t matched = 0;
  // The Hungarian routine wants rows <= cols: the smaller side is the rows.
  // This is equivalent to padding the table to a square with zero-agreement
  // dummy rows/columns, without the cost of the padding.
  if (nc <= nl) {
    std::vector<double> cost(static_cast<size_t>(nc * nl));
    for (size_t i = 0; i < cost.size(); ++i) cost[i] = -static_cast<double>(t.counts[i]);
    const std::vector<int64_t> col = hungarian_min_cost(cost, nc, nl);
    for (int64_t c = 0; c < nc; ++c) {
      match[static_cast<size_t>(c)] = col[static_cast<size_t>(c)];
      matched += t.counts[static_cast<size_t>(c * nl + col[static_cast<size_t>(c)])];
    }
  } else {
    std::vector<double> cost(static_cast<size_t>(nl * nc));
    for (int64_t l = 0; l < nl; ++l) {
      for (int64_t c = 0; c < nc; ++c) {
        cost[static_cast<size_t>(l * nc + c)] =
            -static_cast<double>(t.counts[static_cast<size_t>(c * nl + l)]);
      }
    }
    const std::vector<int64_t> col = hungarian_min_cost(cost, nl, nc);
    for (int64_t l = 0; l < nl; ++l) {
      const int64_t c = col[static_cast<size_t>(l)];
      match[static_cast<size_t>(c)] = l;
      matched += t.counts[static_cast<size_t>(c * nl + l)];
    }
  }
  return {match, matched};
}

// Matched (cluster value, label value) pairs, sorted by cluster value;
// clusters left unmatched are absent. Arguments already checked.
std::vector<std::pair<int32_t, int32_t>> matched_pairs(const int32_t *truth, const int32_t *pred,
                                                       int64_t n) {
  const Dense2 t = dense_table(truth, pred, n);
  const std::vector<int64_t> match = match_clusters(t).first;
  std::vector<std::pair<int32_t, int32_t>> out;
  for (size_t c = 0; c < match.size(); ++c) {
    if (match[c] >= 0) {
      out.emplace_back(t.pred.values[c], t.truth.values[static_cast<size_t>(match[c])]);
    }
  }
  return out;  // sorted: pred.values is sorted
}

}  // namespace

std::vector<int64_t> hungarian_min_cost(const std::vector<double> &cost, int64_t rows,
                                        int64_t cols) {
  if (rows < 0 || cols < 0) {
    throw std::invalid_argument("hungarian_min_cost: negative dimension");
  }
  if (rows > cols) {
    throw std::invalid_argument("hungarian_min_cost: rows (" + std::to_string(rows) +
                                ") must not exceed cols (" + std::to_string(cols) + ")");
  }
  if (static_cast<uint64_t>(cost.size()) !=
      static_cast<uint64_t>(rows) * static_cast<uint64_t>(cols)) {
    throw std::invalid_argument("hungarian_min_cost: cost has " + std::to_string(cost.size()) +
                                " entries, expected rows * cols");
  }
  for (double v : cost) {
    if (!std::isfinite(v)) throw std::invalid_argument("hungarian_min_cost: non-finite cost");
  }
  if (rows == 0) return {};

  // Shortest augmenting paths with potentials (Kuhn-Munkres in the
  // Jonker-Volgenant formulation), O(rows^2 * cols). Indices are 1-based;
  // column 0 is a virtual column used to start each augmentation.
  const size_t n = static_cast<size_t>(rows);
  const size_t m = static_cast<size_t>(cols);
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> u(n + 1, 0.0), v(m + 1, 0.0);
  std::vector<size_t> p(m + 1, 0), way(m + 1, 0);  // p[j]: row assigned to column j
  std::vector<double> minv(m + 1);
  std::vector<char> used(m + 1);
  for (size_t i = 1; i <= n; ++i) {
    p[0] = i;
    size_t j0 = 0;
    std::fill(minv.begin(), minv.end(), inf);
    std::fill(used.begin(), used.end(), 0);
    do {
      used[j0] = 1;
      const size_t i0 = p[j0];
      double delta = inf;
      size_t j1 = 0;
      for (size_t j = 1; j <= m; ++j) {
        if (used[j]) continue;
        const double cur = cost[(i0 - 1) * m + (j - 1)] - u[i0] - v[j];
        if (cur < minv[j]) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      for (size_t j = 0; j <= m; ++j) {
        if (used[j]) {
          u[p[j]] += delta;
          v[j] -= delta;
        } else {
          minv[j] -= delta;
        }
      }
      j0 = j1;
    } while (p[j0] != 0);
    do {
      const size_t j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    } while (j0 != 0);
  }
  std::vector<int64_t> assignment(n, -1);
  for (size_t j = 1; j <= m; ++j) {
    if (p[j] != 0) assignment[p[j] - 1] = static_cast<int64_t>(j - 1);
  }
  return assignment;
}

double nmi(const int32_t *truth, const int32_t *pred, int64_t n) {
  check_pair(truth, pred, n);
  const Contingency t = contingency(truth, pred, n);
  const size_t r = t.row_sums.size();
  const size_t c = t.col_sums.size();
  if (r == 1 && c == 1) return 1.0;  // both trivial: a perfect (if empty) match
  if (r == 1 || c == 1) return 0.0;  // one trivial: no information shared
  const double dn = static_cast<double>(n);
  double mi = 0.0;
  for (size_t s = 0; s < t.cells.size(); ++s) {
    const double nij = static_cast<double>(t.cells[s]);
    const double ai = static_cast<double>(t.row_sums[static_cast<size_t>(t.cell_ij[s].first)]);
    const double bj = static_cast<double>(t.col_sums[static_cast<size_t>(t.cell_ij[s].second)]);
    mi += nij / dn * std::log(dn * nij / (ai * bj));
  }
  mi = std::max(mi, 0.0);
  if (mi == 0.0) return 0.0;
  const double denom = 0.5 * (entropy(t.row_sums, n) + entropy(t.col_sums, n));
  return mi / denom;
}

double ari(const int32_t *truth, const int32_t *pred, int64_t n) {
  check_pair(truth, pred, n);
  const Contingency t = contingency(truth, pred, n);
  // Identical partitions (each class in exactly one cluster and vice versa):
  // no disagreeing pair, ARI = 1 by convention (covers n = 1, both trivial and
  // both all-singletons, where the Hubert-Arabie ratio is 0/0).
  if (t.cells.size() == t.row_sums.size() && t.cells.size() == t.col_sums.size()) return 1.0;
  double sum_comb = 0.0, sum_a = 0.0, sum_b = 0.0;
  for (int64_t k : t.cells) sum_comb += comb2(k);
  for (int64_t k : t.row_sums) sum_a += comb2(k);
  for (int64_t k : t.col_sums) sum_b += comb2(k);
  const double total = comb2(n);
  const double expected = sum_a * sum_b / total;
  const double max_index = 0.5 * (sum_a + sum_b);
  const double denom = max_index - expected;
  if (denom == 0.0) return 1.0;  // unreachable for non-identical partitions; defensive
  return (sum_comb - expected) / denom;
}

double acc(const int32_t *truth, const int32_t *pred, int64_t n) {
  check_pair(truth, pred, n);
  const Dense2 t = dense_table(truth, pred, n);
  return static_cast<double>(match_clusters(t).second) / static_cast<double>(n);
}

Scores evaluate(const int32_t *truth, const int32_t *pred, int64_t n) {
  Scores s;
  s.nmi = nmi(truth, pred, n);
  s.ari = ari(truth, pred, n);
  s.acc = acc(truth, pred, n);
  return s;
}

std::vector<int32_t> best_map(const int32_t *truth, const int32_t *pred, int64_t n) {
  check_pair(truth, pred, n);
  const std::vector<std::pair<int32_t, int32_t>> pairs = matched_pairs(truth, pred, n);
  const int32_t max_cluster = *std::max_element(pred, pred + n);
  std::vector<int32_t> out(static_cast<size_t>(max_cluster) + 1, -1);
  for (const auto &cl : pairs) out[static_cast<size_t>(cl.first)] = cl.second;
  return out;
}

double acc_kept(const int32_t *source_truth, const int32_t *source_pred, int64_t n_source,
                const int32_t *target_truth, const int32_t *target_pred, int64_t n_target) {
  check_pair(source_truth, source_pred, n_source);
  check_pair(target_truth, target_pred, n_target);
  // (cluster, label) sorted by cluster; looked up by binary search so that huge
  // cluster values cost nothing.
  const std::vector<std::pair<int32_t, int32_t>> map =
      matched_pairs(source_truth, source_pred, n_source);
  int64_t correct = 0;
  for (int64_t i = 0; i < n_target; ++i) {
    const auto it = std::lower_bound(
        map.begin(), map.end(), target_pred[i],
        [](const std::pair<int32_t, int32_t> &e, int32_t c) { return e.first < c; });
    // A target cluster the source left unmatched (or never used) has no label: wrong.
    if (it != map.end() && it->first == target_pred[i] && it->second == target_truth[i]) {
      ++correct;
    }
  }
  return static_cast<double>(correct) / static_cast<double>(n_target);
}

CalibrationBins calibration_bins(const int32_t *source_truth, const int32_t *source_pred,
                                 int64_t n_source, const int32_t *target_truth,
                                 const float *target_probs, int64_t n_target, int64_t k) {
  check_pair(source_truth, source_pred, n_source);
  if (n_target < 1 || k < 1 || k > std::numeric_limits<int32_t>::max()) {
    throw std::invalid_argument("calibration: n_target and k must be at least 1");
  }
  // label_of[j]: the label cluster j stands for under the source's map, or -1.
  std::vector<int32_t> label_of(static_cast<size_t>(k), -1);
  for (const auto &[cluster, label] : matched_pairs(source_truth, source_pred, n_source)) {
    if (cluster < k) label_of[static_cast<size_t>(cluster)] = label;
  }
  constexpr int kBins = CalibrationBins::kBins;
  CalibrationBins out;
  for (int64_t i = 0; i < n_target; ++i) {
    if (target_truth[i] < 0) throw std::invalid_argument("calibration: negative label");
    const float *p = target_probs + i * k;
    int64_t top = 0;
    double truth_mass = 0.0;
    for (int64_t j = 0; j < k; ++j) {
      if (!(p[j] >= 0.0f && p[j] <= 1.0f + 1e-4f)) {
        throw std::invalid_argument("calibration: probabilities must lie in [0, 1]");
      }
      if (p[j] > p[top]) top = j;
      if (label_of[static_cast<size_t>(j)] == target_truth[i]) truth_mass += p[j];
    }
    const double c = std::min(1.0, static_cast<double>(p[top]));
    const int bin = std::min(kBins - 1, static_cast<int>(c * kBins));
    out.rows[bin] += 1.0;
    out.confidence[bin] += c;
    out.hits[bin] += label_of[static_cast<size_t>(top)] == target_truth[i] ? 1.0 : 0.0;
    out.loss -= std::log(std::max(truth_mass, 1e-15));
  }
  return out;
}

void CalibrationBins::merge(const CalibrationBins &other) {
  for (int b = 0; b < kBins; ++b) {
    rows[b] += other.rows[b];
    confidence[b] += other.confidence[b];
    hits[b] += other.hits[b];
  }
  loss += other.loss;
}

Calibration CalibrationBins::summary() const {
  Calibration out;
  double n = 0.0;
  for (int b = 0; b < kBins; ++b) n += rows[b];
  if (n == 0.0) return out;
  for (int b = 0; b < kBins; ++b) out.ece += std::abs(hits[b] - confidence[b]) / n;
  out.log_loss = loss / n;
  return out;
}

Calibration calibration(const int32_t *source_truth, const int32_t *source_pred, int64_t n_source,
                        const int32_t *target_truth, const float *target_probs, int64_t n_target,
                        int64_t k) {
  return calibration_bins(source_truth, source_pred, n_source, target_truth, target_probs, n_target,
                          k)
      .summary();
}

}  // namespace tdcm::metrics
