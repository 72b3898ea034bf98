// Clustering metrics on integer labellings: NMI, ARI, ACC (Hungarian), ACC-kept.
#pragma once

#include <cstdint>
#include <vector>

namespace tdcm::metrics {

struct Scores {
  double nmi = 0.0;
  double ari = 0.0;
  double acc = 0.0;
};

// Labels are any non-negative int32 values; the number of distinct values in
// truth and pred may differ. Throws std::invalid_argument on n == 0 or a
// negative label.
Scores evaluate(const int32_t *truth, const int32_t *pred, int64_t n);

// NMI with arithmetic-mean normalisation: 2 I(Y;C) / (H(Y) + H(C)); 1.0 when
// both labellings have a single cluster (scikit-learn's convention).
double nmi(const int32_t *truth, const int32_t *pred, int64_t n);
double ari(const int32_t *truth, const int32_t *pred, int64_t n);
double acc(const int32_t *truth, const int32_t *pred, int64_t n);

// Best one-to-one map cluster -> label maximising agreement (Hungarian,
// exact). Result[c] is the label mapped to cluster c, or -1 for a cluster
// left unmatched (more clusters than labels). Indexed by cluster value.
std::vector<int32_t> best_map(const int32_t *truth, const int32_t *pred, int64_t n);

// Accuracy of the target under the map found on the source.
double acc_kept(const int32_t *source_truth, const int32_t *source_pred, int64_t n_source,
                const int32_t *target_truth, const int32_t *target_pred, int64_t n_target);

// Calibration of target probabilities (n_target x k) under the cluster -> label
// map found on the source: the expected calibration error of each row's top
// probability (10 equal-width bins) and the mean log-loss of the true label
// (the probability of the clusters mapped to it, at least 1e-15). Throws
// std::invalid_argument on empty input, k < 1, negative labels or
// probabilities outside [0, 1].
struct Calibration {
  double ece = 0.0;
  double log_loss = 0.0;
};
Calibration calibration(const int32_t *source_truth, const int32_t *source_pred, int64_t n_source,
                        const int32_t *target_truth, const float *target_probs, int64_t n_target,
                        int64_t k);

// The sums behind Calibration, per confidence bin, so that several target sets
// can be pooled into one estimate: one set's ECE mostly measures whether its few
// naming decisions came out right, the pooled one whether a stated confidence of
// p is right a fraction p of the time.
struct CalibrationBins {
  static constexpr int kBins = 10;
  double rows[kBins] = {};
  double confidence[kBins] = {};  // sum of the top probabilities
  double hits[kBins] = {};        // rows whose top cluster's label is the truth
  double loss = 0.0;              // sum of -log p(true label)

  void merge(const CalibrationBins &other);
  Calibration summary() const;
};
CalibrationBins calibration_bins(const int32_t *source_truth, const int32_t *source_pred,
                                 int64_t n_source, const int32_t *target_truth,
                                 const float *target_probs, int64_t n_target, int64_t k);

// Minimum-cost assignment of rows to columns of a dense rows x cols cost
// matrix (row-major), rows <= cols. Returns the column of each row.
std::vector<int64_t> hungarian_min_cost(const std::vector<double> &cost, int64_t rows,
                                        int64_t cols);

}  // namespace tdcm::metrics
