#include "core/block_ops.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <utility>

#include "core/runtime.h"
#include "core/simd.h"

namespace tdcm {
namespace {

// Fortran BLAS sgemm, as OpenBLAS (or any libblas.so.3) exports it.
using SgemmFn = void (*)(const char *, const char *, const int *, const int *, const int *,
                         const float *, const float *, const int *, const float *, const int *,
                         const float *, float *, const int *);

SgemmFn blas_sgemm() {
  static const SgemmFn fn = reinterpret_cast<SgemmFn>(blas_symbol("sgemm_"));
  return fn;
}

using SsyrkFn = void (*)(const char *, const char *, const int *, const int *, const float *,
                         const float *, const int *, const float *, float *, const int *);

SsyrkFn blas_ssyrk() {
  static const SsyrkFn fn = reinterpret_cast<SsyrkFn>(blas_symbol("ssyrk_"));
  return fn;
}

// oneDNN's sgemm (row-major), where the process has it. On these blocks, a few
// thousand rows by 10 to 100 centroids with 16 to 64 columns, a whole assign
// ran 1.2-1.5x faster with it than with OpenBLAS's (0.3.21, AMD EPYC, 1 and 2
// threads): OpenBLAS spends most of such a product copying the rows into panels.
using DnnlSgemmFn = int (*)(char, char, int64_t, int64_t, int64_t, float, const float *, int64_t,
                            const float *, int64_t, float, float *, int64_t);

DnnlSgemmFn dnnl_sgemm() {
  static const DnnlSgemmFn fn = reinterpret_cast<DnnlSgemmFn>(dnnl_symbol("dnnl_sgemm"));
  return fn;
}

}  // namespace

void block_gemm(const float *a, int64_t m, const float *x, int64_t rows, int64_t d, float alpha,
                float *out) {
  if (DnnlSgemmFn sgemm = dnnl_sgemm()) {
    // Row-major m x rows = a (m x d) by x^T; 0 is dnnl_success.
    if (sgemm('N', 'T', m, rows, d, alpha, a, d, x, d, 0.0f, out, rows) == 0) return;
  }
  if (SgemmFn sgemm = blas_sgemm()) {
    // Column-major rows x m: the same bytes.
    const int mm = static_cast<int>(rows), n = static_cast<int>(m), kk = static_cast<int>(d);
    const float beta = 0.0f;
    sgemm("T", "N", &mm, &n, &kk, &alpha, x, &kk, a, &kk, &beta, out, &mm);
    return;
  }
  // No BLAS symbol in the process (e.g. LibTorch linked with a hidden MKL): LibTorch's GEMM.
  const at::Tensor xt = at::from_blob(const_cast<float *>(x), {rows, d}, at::kFloat);
  const at::Tensor at_ = at::from_blob(const_cast<float *>(a), {m, d}, at::kFloat);
  at::Tensor o = at::from_blob(out, {m, rows}, at::kFloat);
  at::addmm_out(o, o, at_, xt.t(), /*beta=*/0, /*alpha=*/alpha);
}

void block_gram(const float *x, int64_t rows, int64_t d, float *out) {
  SsyrkFn syrk = blas_ssyrk();
  if (syrk != nullptr && rows <= std::numeric_limits<int>::max() &&
      d <= std::numeric_limits<int>::max()) {
    // Column-major, x is d x rows (leading dimension d), and x x^T its gram.
    const int n = static_cast<int>(d), kk = static_cast<int>(rows);
    const float alpha = 1.0f, beta = 0.0f;
    std::fill(out, out + d * d, 0.0f);  // a BLAS may scale what is there by beta
    syrk("U", "N", &n, &kk, &alpha, x, &n, &beta, out, &n);
    // The upper triangle in column-major order is the lower one in row-major.
    for (int64_t r = 0; r < d; ++r) {
      for (int64_t c = r + 1; c < d; ++c) out[r * d + c] = out[c * d + r];
    }
    return;
  }
  const at::Tensor xt = at::from_blob(const_cast<float *>(x), {rows, d}, at::kFloat);
  at::Tensor o = at::from_blob(out, {d, d}, at::kFloat);
  at::mm_out(o, xt.t(), xt);
}

TDCM_SIMD_CLONES
void scale_block(const float *x, int64_t rows, int64_t d, const RowScaling &scaling, float *to) {
  for (int64_t i = 0; i < rows; ++i) {
    const float *from = x + i * d;
    float *row = to + i * d;
    for (int64_t dd = 0; dd < d; ++dd) row[dd] = (from[dd] - scaling.mean[dd]) / scaling.std[dd];
  }
}

namespace {

// One stage of a 16 x 16 transpose in registers: for each pair of rows r and
// r + S (r without bit S), lanes t with bit S set are exchanged with lanes
// t - S of the partner; after the stages S = 8, 4, 2, 1 every off-diagonal
// block has been swapped at every scale, which is the transpose.
constexpr int lo_lane(int s, int t) { return (t & s) == 0 ? t : 16 + t - s; }
constexpr int hi_lane(int s, int t) { return (t & s) == 0 ? t + s : 16 + t; }

template <int S, int... T>
inline __attribute__((always_inline)) void transpose_stage(Lanes *a,
                                                           std::integer_sequence<int, T...>) {
  for (int r = 0; r < 16; ++r) {
    if ((r & S) != 0) continue;
    const Lanes lo = __builtin_shufflevector(a[r], a[r + S], lo_lane(S, T)...);
    const Lanes hi = __builtin_shufflevector(a[r], a[r + S], hi_lane(S, T)...);
    a[r] = lo;
    a[r + S] = hi;
  }
}

// Whole tiles: 16 columns at a time through the registers, the rest one value
// at a time. Compiled apart with and without the scaling, so that the
// transposed vectors go straight to `to` (with the test inside the loop they
// went through the stack, and the stores were most of the transpose's time).
template <bool kScaled>
inline __attribute__((always_inline)) void whole_tiles(const float *x, int64_t tiles, int64_t d,
                                                       const RowScaling &scaling, float *to) {
  static_assert(kTransposeTile == 16 && kLanes == 16, "the stages transpose 16 x 16");
  constexpr auto lanes = std::make_integer_sequence<int, 16>{};
  const int64_t wide = d / 16 * 16;
  for (int64_t tile = 0; tile < tiles; ++tile) {
    const float *rows = x + tile * 16 * d;
    float *cols = to + tile * d * 16;
    for (int64_t c0 = 0; c0 < wide; c0 += 16) {
      Lanes a[16];
#pragma GCC unroll 16
      for (int r = 0; r < 16; ++r) std::memcpy(&a[r], rows + r * d + c0, sizeof(Lanes));
      transpose_stage<8>(a, lanes);
      transpose_stage<4>(a, lanes);
      transpose_stage<2>(a, lanes);
      transpose_stage<1>(a, lanes);
#pragma GCC unroll 16
      for (int c = 0; c < 16; ++c) {
        if (kScaled) a[c] = (a[c] - scaling.mean[c0 + c]) / scaling.std[c0 + c];
        std::memcpy(cols + (c0 + c) * 16, &a[c], sizeof(Lanes));
      }
    }
    for (int64_t c = wide; c < d; ++c) {
      for (int r = 0; r < 16; ++r) {
        const float v = rows[r * d + c];
        cols[c * 16 + r] = kScaled ? (v - scaling.mean[c]) / scaling.std[c] : v;
      }
    }
  }
}

TDCM_SIMD_CLONES
void transpose_whole_tiles(const float *x, int64_t tiles, int64_t d, const RowScaling &scaling,
                           float *to) {
  if (scaling.mean != nullptr) {
    whole_tiles<true>(x, tiles, d, scaling, to);
  } else {
    whole_tiles<false>(x, tiles, d, scaling, to);
  }
}

}  // namespace

void transpose_tiles(const float *x, int64_t rows, int64_t d, const RowScaling &scaling,
                     float *to) {
  const int64_t whole = rows / kTransposeTile;
  transpose_whole_tiles(x, whole, d, scaling, to);
  // The last, partial tile: padded with zeros.
  const int64_t first = whole * kTransposeTile;
  if (first == rows) return;
  float *cols = to + whole * d * kTransposeTile;
  for (int64_t t = 0; t < kTransposeTile; ++t) {
    const int64_t i = first + t;
    for (int64_t c = 0; c < d; ++c) {
      float v = 0.0f;
      if (i < rows) {
        v = x[i * d + c];
        if (scaling.mean != nullptr) v = (v - scaling.mean[c]) / scaling.std[c];
      }
      cols[c * kTransposeTile + t] = v;
    }
  }
}

}  // namespace tdcm
