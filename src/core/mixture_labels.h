// The Gaussian blocks' labelling on the CPU in float32: for every row the
// component j of highest log pi_j + log N(x | mu_j, Sigma_j), the hot loop of
// TDCM's assign and predict. Tiles of 16 rows in registers: each whitened
// coordinate of each component (P_j^T x) made as a dot product, squared and
// summed as it is made, and the argmax taken in the same pass; no projection
// and no n x k matrix is stored. Rows of at most 4 columns are scored as a
// quadratic form in the row instead (fewer multiply-adds per component), read
// in place with no transposed copy. The EM that fits the mixture stays in
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
  // prec_chol may be k x d x b (fold_affine's): rows of d columns, scored in
  // b whitened coordinates.
  explicit MixtureLabels(const PrecisionFactors &f);

  int64_t k() const { return k_; }
  int64_t d() const { return d_; }
  int64_t b() const { return b_; }

  // labels[i] for n rows (row-major n x d float32; with `scaling`, of the
  // standardised rows): the first component of highest score on ties. Runs
  // on LibTorch's intra-op threads when the work is large enough. Returns
  // whether the rows hold a NaN or infinity, checked as they are read, so
  // that a caller need not scan them first (their labels are then meaningless).
  bool run(const float *x, int64_t n, int32_t *labels, const RowScaling &scaling = {}) const;

 private:
  bool block_labels(const float *x, int64_t rows, const RowScaling &scaling, int32_t *label) const;
  // For d <= 4, unless a component lies too far from the mixture's centre in
  // its own spread for float: each score as a quadratic form in the centred
  // row (quad_, centre_).
  void prepare_quadratic(const PrecisionFactors &f);

  int64_t k_ = 0;
  int64_t d_ = 0;
  int64_t b_ = 0;
  std::vector<float> w_;          // kb x d: row j b + c is column c of Q_j
  std::vector<float> mean_proj_;  // kb: mu_j P_j ((mu_j - c) P_j when folded)
  std::vector<float> log_norm_;   // k
  std::vector<float> quad_;       // k x (1 + d + d (d + 1) / 2), or empty: see the .cpp
  std::vector<float> centre_;     // d, subtracted from each row before quad_ scores it
};

// The factors that score rows x as `f` scores z = x a^T + c (a: b x d, c: b):
// an affine embedding folded into the whitening, so that the rows are read
// in place and z is never made. In double precision.
PrecisionFactors fold_affine(const PrecisionFactors &f, const at::Tensor &a, const at::Tensor &c);

}  // namespace tdcm
