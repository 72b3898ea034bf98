// TDCM's default adaptation to a target set (metric=gaussian): the Gaussian
// blocks (core/gaussian_mixture.h) run from the source's mixture and from
// k-means++ seedings of the target, the most likely is kept, its clusters take
// the names of the source clusters they continue (core/identity.h), and a few
// more blocks refine it with the source's cluster shapes as a prior.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <vector>

#include "core/gaussian_mixture.h"

namespace tdcm {

struct GaussianAdaptOptions {
  int64_t k = 5;
  int64_t restarts = 5;         // k-means++ seedings tried beside the source's mixture
  int64_t restart_rows = 2048;  // larger sets compare the starts on a seeded subset this large
  int64_t chunk_rows = 65536;
  EmOptions em;
  // Pseudo-counts of the shape prior, as a multiple of each source cluster's
  // own row count (0 = no prior).
  double shape_prior = 0.1;
  // When defined (b x b, double): every component's covariance, fixed; only
  // means and weights adapt (a metric learned on a family of sets).
  at::Tensor fixed_cov;
};

struct GaussianAdaptation {
  Mixture mixture;                 // in the source's numbering when there is a source
  std::vector<double> confidence;  // per cluster, when there is a source
  int64_t starts = 0;              // starts compared
};

// z: the whole embedded target set (n x b). `source` may be null (a model
// fitted on a collection of sets: no names to keep) or lack covariances
// (centroids given by the user: positions only).
GaussianAdaptation adapt_mixture(const at::Tensor &z, const Mixture *source,
                                 const GaussianAdaptOptions &options, at::Generator &gen);

}  // namespace tdcm
