// Gaussian mixtures with full covariances, fitted by EM on row chunks: the
// centroid-updating blocks with a metric per centroid. One E step is TDCM's
// assignment with score log pi_j + log N(z | c_j, Sigma_j) at tau = 1, and one
// M step its per-cluster weighted-mean update, extended to each cluster's
// covariance and weight (the paper's Gaussian-mixture special case). Used by
// algo=gmm and by TDCM's default adaptation (metric=gaussian).
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <vector>

#include "core/kmeans.h"

namespace tdcm {

// All tensors in double precision on the rows' device.
struct Mixture {
  at::Tensor means;    // k x d
  at::Tensor covs;     // k x d x d
  at::Tensor weights;  // k, summing to 1
  at::Tensor sizes;    // k: the (soft) row counts it was estimated from
  bool defined() const { return means.defined(); }
  int64_t k() const { return means.size(0); }
  Mixture to(const c10::Device &device) const;
  Mixture to(at::ScalarType dtype) const;
  // Components reordered: component j of the result is component order[j] of this.
  Mixture permuted(const std::vector<int64_t> &order) const;
};

// A conjugate prior on each component's covariance: the M step becomes
// Sigma_j = (S_j + strength_j Sigma0_j) / (N_j + strength_j), where S_j is the
// responsibility-weighted scatter and N_j the soft count: the prior counts as
// strength_j rows drawn with covariance Sigma0_j.
struct ShapePrior {
  at::Tensor covs;      // k x d x d
  at::Tensor strength;  // k pseudo-counts
};

// What the M step estimates of the covariances: one per component (full), one
// shared by all (tied, the pooled within-component scatter), or none (fixed:
// the starting mixture's, e.g. a metric learned elsewhere).
enum class CovarianceModel { Full, Tied, Fixed };

struct EmOptions {
  CovarianceModel covariance = CovarianceModel::Full;
  int64_t max_iter = 100;
  // Stop when the mean log-likelihood per row changes by at most tol (scikit-learn's).
  double tol = 1e-3;
  // Added to every covariance's diagonal, times the set's mean feature variance.
  double reg = 1e-6;
};

struct EmResult {
  Mixture mixture;
  double log_likelihood = 0.0;  // mean per row under `mixture`'s E step before the last M step
  int64_t iterations = 0;
};

// log pi_j + log N(x_i | mu_j, Sigma_j) for a chunk of rows (n x k, double).
// `factors` comes from precision_factors.
struct PrecisionFactors {
  at::Tensor prec_chol;  // k x d x d: L_j^{-T}, with Sigma_j = L_j L_j^T
  at::Tensor mean_proj;  // k x d: mu_j L_j^{-T}
  at::Tensor log_norm;   // k: log pi_j - d/2 log 2 pi + log det L_j^{-1}
};
PrecisionFactors precision_factors(const Mixture &m);
at::Tensor weighted_log_prob(const at::Tensor &x, const PrecisionFactors &f);

// The mixture that hard labels (nearest of `means`, squared Euclidean) imply.
Mixture mixture_from_means(const RowSource &rows, const at::Tensor &means, double reg);

// The mixture of hard labels in [0, k) (one per row), e.g. a k-means partition.
Mixture mixture_of_labels(const RowSource &rows, const int32_t *labels, int64_t k, double reg);

// EM from `init` until converged or max_iter, over all rows chunk by chunk.
// With `prior` (same k), the covariance step is the prior's MAP update.
EmResult em(const RowSource &rows, const Mixture &init, const EmOptions &options,
            const ShapePrior *prior = nullptr);

// The prior's log-density of the mixture's covariances, up to a constant:
// sum_j -strength_j / 2 (log det Sigma_j + tr(Sigma_j^-1 Sigma0_j)), the
// inverse-Wishart term whose maximum the MAP step of em() finds.
double prior_log_density(const Mixture &m, const ShapePrior &prior);

// The absolute diagonal regularisation for `rows`: options.reg x mean feature variance.
double covariance_reg(const RowSource &rows, double reg);

// Every component's covariance replaced by the size-weighted mean of all
// (the tied model's start from a partition).
Mixture tied(const Mixture &m);

// n_init restarts of k-means++, Lloyd (as scikit-learn's GaussianMixture
// initialises) and EM; the highest log-likelihood wins.
EmResult gmm_fit(const RowSource &rows, int64_t k, int64_t n_init, const EmOptions &options,
                 at::Generator &gen);

// Posterior labels (when labels is not null) and probabilities (when probs is
// not null) of every row.
// With `relabel` (k x k, rows summing to 1), the probabilities are the
// posterior times it: p'(c | x) = sum_j p(j | x) relabel[j, c]; the labels
// stay the posterior's.
void mixture_posterior(const RowSource &rows, const Mixture &m, int32_t *labels, float *probs,
                       const at::Tensor &relabel = {});
// The same with the mixture's factors prepared beforehand (relabel: double, on their device).
void mixture_posterior(const RowSource &rows, const PrecisionFactors &f, int32_t *labels,
                       float *probs, const at::Tensor &relabel = {});

}  // namespace tdcm
