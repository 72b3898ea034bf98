// Nearest-centroid assignment and Lloyd's accumulation on the CPU in float32:
// the hot loop of k-means fit, adapt and assign. Rows are taken in blocks
// small enough that a block's rows x k score matrix stays in cache; the
// scores come from one GEMM per block (OpenBLAS's sgemm where LibTorch calls
// it), from register tiles for few centroids of few columns
// (core/nearest_tiles.h), or, for very few columns, from a direct loop, and the argmin, the
// distance and the per-cluster sums are fused into one pass over the block.
// No n x k matrix is ever built. Other devices and dtypes keep the at:: path
// (squared_distances in core/kmeans.h).
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <vector>

namespace tdcm {

// True when x and c are both float32 CPU tensors: the kernels below apply.
bool nearest_kernel_applies(const at::Tensor &x, const at::Tensor &c);

// What one pass over the rows produces; every pointer may be null.
struct NearestOutputs {
  int32_t *labels = nullptr;   // n: index of the nearest centroid (the first on ties)
  float *distances = nullptr;  // n: its squared distance, clamped at 0
  float *sums = nullptr;       // k x d: += each row, at its nearest centroid
  int64_t *counts = nullptr;   // k: += rows per nearest centroid
  double *inertia = nullptr;   // += the summed squared distances
  // With it, *non_finite is set where a row holds a NaN or an infinity, found
  // by the pass itself (no separate pass checks the rows: a block is scanned
  // only where its best scores are not all finite); the other outputs are
  // then meaningless.
  bool *non_finite = nullptr;
};

// The standardisation (x - mean) / std that a pass applies to each block of
// rows as it reads them, so that standardised rows are never stored: a pass
// over the caller's buffer reads it once, in place. Both null: the rows as
// they are. Each value rounds as LibTorch's (x - mean) / std does.
struct RowScaling {
  const float *mean = nullptr;  // d
  const float *std = nullptr;   // d
};

// Centroids prepared once (contiguous copy and squared norms) for many passes.
class NearestCentroids {
 public:
  explicit NearestCentroids(const at::Tensor &centroids);  // k x d, float32, CPU

  int64_t k() const { return k_; }
  int64_t d() const { return d_; }

  // One pass over n rows (row-major n x d float32). Runs on LibTorch's intra-op
  // threads when the work is large enough; sums, counts and inertia are added
  // in a fixed order for a given thread count, and on one thread in row order.
  // With `scaling`, every output is that of the standardised rows.
  void run(const float *x, int64_t n, const NearestOutputs &out,
           const RowScaling &scaling = {}) const;

  // The rows per block: the block's scores and rows stay within a core's L2.
  int64_t block_rows() const { return block_rows_; }

 private:
  // The nearest centroid of `rows` rows into label[i], and into best[i] its
  // squared distance (returns true: the direct loop, few columns) or its score
  // ||c||^2 - 2 x.c (returns false: the GEMM, where ||x||^2 is added only when asked).
  // `next` (`ahead` floats, or null) is the block after, which the register
  // tiles ask the memory for while they work.
  bool block_argmin(const float *x, int64_t rows, const float *next, int64_t ahead, float *scratch,
                    float *best, int32_t *label) const;

  int64_t k_ = 0;
  int64_t d_ = 0;
  int64_t block_rows_ = 0;
  std::vector<float> c_;        // k x d, row-major
  std::vector<float> c_norms_;  // k: ||c_j||^2
  // For register tiles (core/nearest_tiles.h) in place of the GEMM, else empty:
  // the centroids and norms padded to whole groups.
  std::vector<float> tile_c_, tile_norms_;
};

}  // namespace tdcm
