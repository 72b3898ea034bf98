#include "core/nearest.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "core/block_ops.h"
#include "core/finite_scan.h"
#include "core/nearest_tiles.h"
#include "core/simd.h"

namespace tdcm {
namespace {

// A block's scores and rows fit in this many bytes: half of the 1 MiB L2 of
// the cores measured (AMD EPYC), so that the argmin and the sums read the rows
// the GEMM has just read, from cache.
constexpr int64_t kBlockBytes = 192 * 1024;
constexpr int64_t kMinBlockRows = 16;
constexpr int64_t kMaxBlockRows = 4096;
// Up to this many columns the scores come from a direct loop: a GEMM with so
// short an inner dimension spends more on packing than on arithmetic.
constexpr int64_t kDirectMaxDims = 4;
// Below this many multiply-adds (rows x k x max(d, 8)) one thread does the
// whole pass: waking the pool costs more than it saves (small and 1-row calls).
constexpr int64_t kParallelWork = int64_t{1} << 18;

// The scores' minimum is kept in registers for a tile of this many rows.
constexpr int64_t kTile = 16;

// The kernels below are SIMD clones (core/simd.h). The file is compiled with
// -ffp-contract=off (CMakeLists.txt): a multiply and an add stay two roundings
// unless std::fma says otherwise.

// b, l = v, j where v < b (the first minimum wins ties), written with masks
// so that the compiler keeps it branch-free: a branch on "any lane lower"
// is taken on most tiles while the minimum is still settling.
inline void keep_lower(float v, int32_t j, float &b, int32_t &l) {
  const int32_t lower = -static_cast<int32_t>(v < b);
  l = (l & ~lower) | (j & lower);
  b = std::min(b, v);
}

// Minimum over centroids of scores[j * rows + i] + norms[j], for every row i.
TDCM_SIMD_CLONES
void argmin_columns(const float *scores, int64_t rows, const float *norms, int64_t k, float *best,
                    int32_t *label) {
  int64_t i0 = 0;
  for (; i0 + kTile <= rows; i0 += kTile) {
    float b[kTile];
    int32_t l[kTile];
    for (int64_t t = 0; t < kTile; ++t) {
      b[t] = scores[i0 + t] + norms[0];
      l[t] = 0;
    }
    for (int64_t j = 1; j < k; ++j) {
      const float *g = scores + j * rows + i0;
      const float norm = norms[j];
      const auto jj = static_cast<int32_t>(j);
      for (int64_t t = 0; t < kTile; ++t) {
        keep_lower(g[t] + norm, jj, b[t], l[t]);
      }
    }
    for (int64_t t = 0; t < kTile; ++t) {
      best[i0 + t] = b[t];
      label[i0 + t] = l[t];
    }
  }
  for (int64_t i = i0; i < rows; ++i) {
    float b = scores[i] + norms[0];
    int32_t l = 0;
    for (int64_t j = 1; j < k; ++j) {
      const float s = scores[j * rows + i] + norms[j];
      if (s < b) {
        b = s;
        l = static_cast<int32_t>(j);
      }
    }
    best[i] = b;
    label[i] = l;
  }
}

// The direct loop for D columns, exactly as squared_distances computes each
// distance: (||x||^2 - 2 x.c) + ||c||^2, clamped at 0, with the squares summed
// in column order (as LibTorch sums so few columns) and x.c as one multiply-add
// after another (as OpenBLAS's sgemm kernels do). So the labels are the
// distance matrix's, ties included. A tile of rows stays in registers, and no
// score matrix is written.
template <int D>
inline __attribute__((always_inline)) void direct_tiles(const float *x, int64_t rows,
                                                        const float *c, const float *norms,
                                                        int64_t k, float *best, int32_t *label) {
  auto distance = [](const float *xi, float xx, const float *cj, float cc) {
    float dot = xi[0] * cj[0];
    for (int dd = 1; dd < D; ++dd) dot = std::fma(xi[dd], cj[dd], dot);
    return std::max((xx - 2.0f * dot) + cc, 0.0f);
  };
  auto squares = [](const float *xi) {
    float s = xi[0] * xi[0];
    for (int dd = 1; dd < D; ++dd) s = s + xi[dd] * xi[dd];
    return s;
  };
  int64_t i0 = 0;
  for (; i0 + kTile <= rows; i0 += kTile) {
    // Columns of the tile contiguous: each step below is one vector operation.
    float xt[D][kTile];
    float xx[kTile];
    for (int64_t t = 0; t < kTile; ++t) {
      for (int dd = 0; dd < D; ++dd) xt[dd][t] = x[(i0 + t) * D + dd];
    }
    for (int64_t t = 0; t < kTile; ++t) {
      xx[t] = xt[0][t] * xt[0][t];
      for (int dd = 1; dd < D; ++dd) xx[t] = xx[t] + xt[dd][t] * xt[dd][t];
    }
    float b[kTile];
    int32_t l[kTile];
    for (int64_t t = 0; t < kTile; ++t) {
      b[t] = std::numeric_limits<float>::infinity();
      l[t] = 0;
    }
    for (int64_t j = 0; j < k; ++j) {
      float cj[D];
      for (int dd = 0; dd < D; ++dd) cj[dd] = c[j * D + dd];
      const float cc = norms[j];
      const auto jj = static_cast<int32_t>(j);
      for (int64_t t = 0; t < kTile; ++t) {
        float dot = xt[0][t] * cj[0];
        for (int dd = 1; dd < D; ++dd) dot = std::fma(xt[dd][t], cj[dd], dot);
        const float dist = std::max((xx[t] - 2.0f * dot) + cc, 0.0f);
        keep_lower(dist, jj, b[t], l[t]);
      }
    }
    for (int64_t t = 0; t < kTile; ++t) {
      best[i0 + t] = b[t];
      label[i0 + t] = l[t];
    }
  }
  for (int64_t i = i0; i < rows; ++i) {
    const float *xi = x + i * D;
    const float xx = squares(xi);
    float b = std::numeric_limits<float>::infinity();
    int32_t l = 0;
    for (int64_t j = 0; j < k; ++j) {
      const float dist = distance(xi, xx, c + j * D, norms[j]);
      if (dist < b) {
        b = dist;
        l = static_cast<int32_t>(j);
      }
    }
    best[i] = b;
    label[i] = l;
  }
}

// The direct loop, for each width it serves (1 to kDirectMaxDims).
TDCM_SIMD_CLONES
void direct_argmin(const float *x, int64_t rows, int64_t d, const float *c, const float *norms,
                   int64_t k, float *best, int32_t *label) {
  switch (d) {
    case 1:
      return direct_tiles<1>(x, rows, c, norms, k, best, label);
    case 2:
      return direct_tiles<2>(x, rows, c, norms, k, best, label);
    case 3:
      return direct_tiles<3>(x, rows, c, norms, k, best, label);
    default:
      return direct_tiles<4>(x, rows, c, norms, k, best, label);
  }
}

// sums[label[i]] += x_i, row after row: each sum is added to in row order,
// whatever the vector width (the columns are independent), so the sums are
// those of a plain loop; in SIMD, as Lloyd's pass reads each row twice.
TDCM_SIMD_CLONES
void add_rows_by_label(const float *x, int64_t rows, int64_t d, const int32_t *label, float *sums) {
  for (int64_t i = 0; i < rows; ++i) {
    float *to = sums + static_cast<int64_t>(label[i]) * d;
    const float *from = x + i * d;
    for (int64_t dd = 0; dd < d; ++dd) to[dd] += from[dd];
  }
}

// Per-thread scratch, grown once and reused by every later call on the thread.
struct Scratch {
  std::vector<float> scores, best, scaled;
  std::vector<int32_t> label;
  void reserve(int64_t rows, int64_t k, int64_t d, bool scaling) {
    const auto need = static_cast<size_t>(rows * k);
    if (scores.size() < need) scores.resize(need);
    if (scaling && scaled.size() < static_cast<size_t>(rows * d)) {
      scaled.resize(static_cast<size_t>(rows * d));
    }
    if (best.size() < static_cast<size_t>(rows)) {
      best.resize(static_cast<size_t>(rows));
      label.resize(static_cast<size_t>(rows));
    }
  }
};

Scratch &thread_scratch() {
  thread_local Scratch s;
  return s;
}

// What one part of the rows adds, merged into the outputs in part order.
struct Partial {
  std::vector<float> sums;
  std::vector<int64_t> counts;
  double inertia = 0.0;
  bool non_finite = false;
};

}  // namespace

bool nearest_kernel_applies(const at::Tensor &x, const at::Tensor &c) {
  return x.device().is_cpu() && c.device().is_cpu() && x.scalar_type() == at::kFloat &&
         c.scalar_type() == at::kFloat && x.dim() == 2 && c.dim() == 2 && x.size(1) == c.size(1);
}

NearestCentroids::NearestCentroids(const at::Tensor &centroids) {
  const at::Tensor c = centroids.contiguous();
  k_ = c.size(0);
  d_ = c.size(1);
  const float *p = c.data_ptr<float>();
  c_.assign(p, p + k_ * d_);
  // ||c||^2 summed in column order, as squared_distances does for few columns.
  c_norms_.assign(static_cast<size_t>(k_), 0.0f);
  for (int64_t j = 0; j < k_; ++j) {
    float s = 0.0f;
    for (int64_t dd = 0; dd < d_; ++dd) s = s + p[j * d_ + dd] * p[j * d_ + dd];
    c_norms_[static_cast<size_t>(j)] = s;
  }
  if (nearest_tiles_serve(k_, d_)) {
    const int64_t padded = nearest_tile_padded(k_);
    tile_c_.assign(static_cast<size_t>(padded * d_), 0.0f);
    std::copy(c_.begin(), c_.end(), tile_c_.begin());
    tile_norms_.assign(static_cast<size_t>(padded), std::numeric_limits<float>::infinity());
    std::copy(c_norms_.begin(), c_norms_.end(), tile_norms_.begin());
  }
  const int64_t rows = kBlockBytes / (4 * (k_ + d_));
  block_rows_ =
      std::clamp<int64_t>(rows / kMinBlockRows * kMinBlockRows, kMinBlockRows, kMaxBlockRows);
}

bool NearestCentroids::block_argmin(const float *x, int64_t rows, const float *next, int64_t ahead,
                                    float *scratch, float *best, int32_t *label) const {
  const float *c = c_.data();
  const float *norms = c_norms_.data();
  static_assert(kDirectMaxDims == 4, "direct_argmin covers the direct loop's widths");
  if (d_ <= kDirectMaxDims) {
    direct_argmin(x, rows, d_, c, norms, k_, best, label);
    return true;
  }
  if (!tile_c_.empty()) {
    nearest_tiles(x, rows, d_, tile_c_.data(), tile_norms_.data(),
                  static_cast<int64_t>(tile_norms_.size()), best, label, next, ahead);
    return false;
  }
  block_gemm(c, k_, x, rows, d_, -2.0f, scratch);  // k x rows: -2 c.x
  argmin_columns(scratch, rows, norms, k_, best, label);
  return false;
}

void NearestCentroids::run(const float *x, int64_t n, const NearestOutputs &out,
                           const RowScaling &scaling) const {
  if (n <= 0) return;
  const int64_t blocks = (n + block_rows_ - 1) / block_rows_;
  const bool large = n * k_ * std::max<int64_t>(d_, 8) >= kParallelWork;
  const int64_t parts =
      large && !at::in_parallel_region() ? std::min<int64_t>(at::get_num_threads(), blocks) : 1;
  std::vector<Partial> partials(static_cast<size_t>(parts));
  const int64_t d = d_;

  auto part = [&](int64_t p) {
    const int64_t first = blocks * p / parts * block_rows_;
    const int64_t last = std::min(n, blocks * (p + 1) / parts * block_rows_);
    Partial &mine = partials[static_cast<size_t>(p)];
    // Part 0 adds straight into the outputs: on one thread, in row order.
    float *sums = out.sums;
    int64_t *counts = out.counts;
    if (p > 0 && out.sums != nullptr) {
      mine.sums.assign(static_cast<size_t>(k_ * d), 0.0f);
      sums = mine.sums.data();
    }
    if (p > 0 && out.counts != nullptr) {
      mine.counts.assign(static_cast<size_t>(k_), 0);
      counts = mine.counts.data();
    }
    Scratch &s = thread_scratch();
    const bool scaled = scaling.mean != nullptr;
    s.reserve(block_rows_, k_, d, scaled);
    for (int64_t r = first; r < last; r += block_rows_) {
      const int64_t rows = std::min(block_rows_, last - r);
      const float *xb = x + r * d;
      if (scaled) {
        scale_block(xb, rows, d, scaling, s.scaled.data());
        xb = s.scaled.data();
      }
      // The part's next block, which the tiles read ahead while they work on this one.
      const int64_t ahead = std::min(block_rows_, last - r - rows) * d;
      const float *next = ahead > 0 ? x + (r + rows) * d : nullptr;
      const bool distances =
          block_argmin(xb, rows, next, ahead, s.scores.data(), s.best.data(), s.label.data());
      // A row that holds a NaN or an infinity has no finite score on any path
      // (each of its scores is NaN or infinite, and a NaN never wins the
      // argmin), so only a block whose best scores are not all finite is
      // scanned, and the rows are read once; finite rows whose scores overflow
      // are told apart by that scan.
      if (out.non_finite != nullptr && any_non_finite(s.best.data(), rows) &&
          any_non_finite(x + r * d, rows * d)) {
        mine.non_finite = true;
      }
      const int32_t *label = s.label.data();
      if (out.labels != nullptr) std::memcpy(out.labels + r, label, sizeof(int32_t) * rows);
      if (out.distances != nullptr || out.inertia != nullptr) {
        for (int64_t i = 0; i < rows; ++i) {
          float dist = s.best[static_cast<size_t>(i)];
          if (!distances) {
            float norm = 0.0f;
            for (int64_t dd = 0; dd < d; ++dd) norm = norm + xb[i * d + dd] * xb[i * d + dd];
            dist = std::max(dist + norm, 0.0f);
          }
          if (out.distances != nullptr) out.distances[r + i] = dist;
          mine.inertia += dist;
        }
      }
      if (counts != nullptr) {
        for (int64_t i = 0; i < rows; ++i) ++counts[label[i]];
      }
      if (sums != nullptr) add_rows_by_label(xb, rows, d, label, sums);
    }
  };

  if (parts == 1) {
    part(0);
  } else {
    at::parallel_for(0, parts, 1, [&](int64_t begin, int64_t end) {
      for (int64_t p = begin; p < end; ++p) part(p);
    });
  }
  // The parts' additions, in part order: the same result for the same thread count.
  for (int64_t p = 0; p < parts; ++p) {
    const Partial &q = partials[static_cast<size_t>(p)];
    if (out.non_finite != nullptr && q.non_finite) *out.non_finite = true;
    if (out.inertia != nullptr) *out.inertia += q.inertia;
    if (p == 0) continue;
    if (out.sums != nullptr) {
      for (int64_t e = 0; e < k_ * d; ++e) out.sums[e] += q.sums[static_cast<size_t>(e)];
    }
    if (out.counts != nullptr) {
      for (int64_t j = 0; j < k_; ++j) out.counts[j] += q.counts[static_cast<size_t>(j)];
    }
  }
}

}  // namespace tdcm
