// What k-means' CPU pass over rows (core/nearest.h) does to one block of rows
// on the way: standardise it into scratch as it is read, and multiply it by the
// centroids through the process's sgemm, in float32. (The Gaussian blocks'
// labelling, core/mixture_labels.h, multiplies in its own register tiles.)
#pragma once

#include <cstdint>

#include "core/nearest.h"

namespace tdcm {

// Row-major out (m x rows) = alpha * a (m x d, row-major) by x^T (x: rows x d,
// row-major): the values of one row of `a` against every row of the block lie
// contiguous, so that what follows runs along the rows in SIMD. oneDNN's sgemm
// where the process has it, else the BLAS's sgemm_, else LibTorch's GEMM; each
// single-threaded inside the pass's own threads.
void block_gemm(const float *a, int64_t m, const float *x, int64_t rows, int64_t d, float alpha,
                float *out);

// (x - mean) / std of rows x d values into `to`: a subtraction and a division,
// each rounded, as LibTorch's elementwise operators round them.
void scale_block(const float *x, int64_t rows, int64_t d, const RowScaling &scaling, float *to);

}  // namespace tdcm
