// Refining the family's map by gradient, through the objective of the
// Gaussian blocks it feeds: the negative log-likelihood of each training set's
// rows under a mixture whose clusters, in the first r columns of z = A x, are
// N(c_j, I) with weights pi_j (the blocks' EM on that set), and whose other
// d - r columns are one N(m, I) shared by all clusters (directions that carry
// no cluster), with the change of variables -log|det A|. That is the
// likelihood of a tied-covariance mixture with Sigma = (A^T A)^-1 and centres
// confined to r directions; the closed form of core/family_metric.h is a
// stationary point of it with hard assignments, and the gradient moves it to
// the soft-assignment optimum (or, from a cruder start, towards it).
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <vector>

namespace tdcm {

struct FamilyTrainOptions {
  int64_t k = 5;
  int64_t rank = 1;    // r: the columns the clusters live in
  int64_t epochs = 0;  // passes over the training sets (one Adam step per set)
  double lr = 1e-3;
  int64_t em_steps = 10;  // EM blocks per set and step (from a k-means++ start)
};

// Returns the refined d x d map (double). x: all rows (n x d, double); sets:
// the row indices of each training set; a0: the start (e.g. FamilyMetric::whitening).
// With `labels` (n cluster ids within each set), the responsibilities are the
// labels' one-hot rows instead of the blocks' EM.
at::Tensor refine_family_map(const at::Tensor &x, const std::vector<at::Tensor> &sets,
                             const at::Tensor &a0, const FamilyTrainOptions &options,
                             at::Generator &gen, const int32_t *labels = nullptr);

}  // namespace tdcm
