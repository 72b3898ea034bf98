// What a collection of data sets shares: one within-cluster covariance (the
// family's metric), learned without labels by alternating between clustering
// each training set in the space the current estimate whitens and
// re-estimating the covariance from the pooled within-cluster residuals; then
// the linear map that whitens by it and keeps the directions in which the
// training sets' clusters actually differ. A collection fit (metric=gaussian,
// collection=family) clusters every later set in that map's space with the
// covariance fixed to the identity: the EM blocks with a metric learned on
// the family, which a per-set refit cannot estimate from one small set.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <vector>

#include "core/gaussian_mixture.h"

namespace tdcm {

struct FamilyOptions {
  int64_t k = 5;
  int64_t rounds = 8;    // alternations of clustering and re-estimation (0: the pooled covariance)
  int64_t restarts = 3;  // k-means restarts per training set and round
  // Directions kept: those whose between-cluster variance, in units of the
  // within-cluster one, is at least this.
  double min_between = 0.1;
  double reg = 1e-6;  // covariance regularisation, times the mean feature variance
};

struct FamilyMetric {
  at::Tensor covariance;  // d x d, double: pooled within-cluster covariance
  at::Tensor between;     // d x d, double: pooled between-cluster scatter per row
  at::Tensor whitening;   // d x d, double: U^T L^-1, rows by descending between-cluster variance
  at::Tensor map;         // r x d, double: its first r rows, the kept directions
  at::Tensor spectrum;    // d: between-cluster variances along the whitened directions, descending
};

// x: all rows (n x d, double); sets: the row indices of each training set.
// Without `labels`, the clusters of each set come from k-means (restarts) in
// the current whitened space; with labels (n ids, clusters within each set),
// from them, in one round.
FamilyMetric learn_family_metric(const at::Tensor &x, const std::vector<at::Tensor> &sets,
                                 const FamilyOptions &options, at::Generator &gen,
                                 const int32_t *labels = nullptr);

// The held-out check that decides what a collection fit keeps: on up to
// `sets_checked` training sets, each split in two halves, the mean
// log-likelihood of the second half under (a) k clusters with the family's
// covariance, means from k-means on the first half in the whitened space, and
// (b) a Gaussian mixture with full covariances refitted on the first half.
// True when (a) is at least (b): the shared metric describes new sets better
// than each set's own estimates.
bool family_beats_refit(const at::Tensor &x, const std::vector<at::Tensor> &sets,
                        const FamilyMetric &metric, const FamilyOptions &options,
                        int64_t sets_checked, at::Generator &gen);

}  // namespace tdcm
