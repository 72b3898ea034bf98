#include "core/block_ops.h"

#include <ATen/ATen.h>

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

TDCM_SIMD_CLONES
void scale_block(const float *x, int64_t rows, int64_t d, const RowScaling &scaling, float *to) {
  for (int64_t i = 0; i < rows; ++i) {
    const float *from = x + i * d;
    float *row = to + i * d;
    for (int64_t dd = 0; dd < d; ++dd) row[dd] = (from[dd] - scaling.mean[dd]) / scaling.std[dd];
  }
}

}  // namespace tdcm
