// The Gaussian blocks' labelling on the CPU in float32: for every row the
// component j of highest log pi_j + log N(x | mu_j, Sigma_j), the hot loop of
// TDCM's assign and predict. As core/nearest.h does for k-means: rows in
// blocks whose projections stay in cache, one GEMM per block against every
// component's whitening [P_1 ... P_k], the squares summed and the argmax taken
// in the same pass, and no n x k matrix. The EM that fits the mixture stays in
// double precision (core/gaussian_mixture.h); only the labels come from here.
#pragma once

#include <cstdint>
#include <vector>

#include "core/gaussian_mixture.h"
#include "core/nearest.h"

namespace tdcm {

class MixtureLabels {
 public:
  // The factors in any dtype and on any device; copied once, in float32.
  explicit MixtureLabels(const PrecisionFactors &f);

  int64_t k() const { return k_; }
  int64_t d() const { return d_; }

  // labels[i] for n rows (row-major n x d float32; with `scaling`, of the
  // standardised rows): the first component of highest score on ties. Runs
  // on LibTorch's intra-op threads when the work is large enough.
  void run(const float *x, int64_t n, int32_t *labels, const RowScaling &scaling = {}) const;

  int64_t block_rows() const { return block_rows_; }

 private:
  void block_labels(const float *x, int64_t rows, float *scratch, int32_t *label) const;

  int64_t k_ = 0;
  int64_t d_ = 0;
  int64_t block_rows_ = 0;
  std::vector<float> w_;          // kd x d: row j d + t is column t of P_j
  std::vector<float> mean_proj_;  // kd: mu_j P_j
  std::vector<float> log_norm_;   // k
};

}  // namespace tdcm
