// A measuring stick for cluster identities: the clusters of two labelled sets
// (e.g. a Gaussian mixture refitted on a target, and the source's) matched one
// to one by shape and position, so that a refit can be scored in the source's
// numbering (ACC-kept) beside methods that keep the numbering themselves.
#pragma once

#include <cstdint>
#include <vector>

namespace tdcm::metrics {

// Each cluster's mean and covariance from its rows; Hungarian assignment on
// cost = ||log S_t - log S_s||_F (matrix logarithm, log-Euclidean) +
// ||mu_t - mu_s||^2 / (2 drift_scale^2 d). Returns, for each target cluster
// 0..k-1, the source cluster it is matched to. Labels must lie in [0, k); a
// cluster with fewer than two rows gets the set's covariance. Throws
// std::invalid_argument on bad sizes, labels or drift_scale <= 0.
std::vector<int32_t> match_clusters(const float *source_x, const int32_t *source_labels,
                                    int64_t n_source, const float *target_x,
                                    const int32_t *target_labels, int64_t n_target, int64_t d,
                                    int64_t k, double drift_scale);

}  // namespace tdcm::metrics
