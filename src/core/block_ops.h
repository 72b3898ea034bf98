// What the CPU passes over rows do to one block of rows on the way: k-means'
// (core/nearest.h) standardises it into scratch as it is read and multiplies
// it by the centroids through the process's sgemm, in float32; the register-
// tile kernels (core/nearest_tiles.h, core/mixture_labels.h) read it
// transposed, 16 rows at a time.
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

// Row-major out (d x d, both triangles) = x^T x for rows x d row-major x:
// the BLAS's ssyrk (half a GEMM's multiply-adds, on the BLAS's own threads),
// else LibTorch's GEMM.
void block_gram(const float *x, int64_t rows, int64_t d, float *out);

// (x - mean) / std of rows x d values into `to`: a subtraction and a division,
// each rounded, as LibTorch's elementwise operators round them.
void scale_block(const float *x, int64_t rows, int64_t d, const RowScaling &scaling, float *to);

// Rows x d values into tiles of 16 rows stored column-major (coordinate c of
// the tile's row t at to[(tile d + c) 16 + t]), standardised on the way where
// `scaling` has a mean (rounded as scale_block's); the last tile padded with
// zeros. The register-tile kernels read their rows from this.
constexpr int64_t kTransposeTile = 16;
void transpose_tiles(const float *x, int64_t rows, int64_t d, const RowScaling &scaling, float *to);

}  // namespace tdcm
