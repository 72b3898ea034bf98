#include "core/column_moments.h"

#include <ATen/Parallel.h>

#include <algorithm>

#include "core/simd.h"

namespace tdcm {
namespace {

// Rows per task of the parallel pass, and per inner block: a block's scaled
// rows stay in L1 between the scaling and the accumulation.
constexpr int64_t kRowsPerTask = 16384;
constexpr int64_t kBlockRows = 64;

// Adds rows [first, last) into sum and sum_sq (d each). The standardised
// value rounds as LibTorch's (x - mean) / std does; it is then widened.
TDCM_SIMD_CLONES
void accumulate(const float *x, int64_t first, int64_t last, int64_t d, const RowScaling &scaling,
                double *sum, double *sum_sq) {
  std::vector<float> block(static_cast<size_t>(kBlockRows * d));
  for (int64_t r = first; r < last; r += kBlockRows) {
    const int64_t rows = std::min(kBlockRows, last - r);
    const float *from = x + r * d;
    if (scaling.mean != nullptr) {
      for (int64_t i = 0; i < rows; ++i) {
        for (int64_t j = 0; j < d; ++j) {
          block[static_cast<size_t>(i * d + j)] =
              (from[i * d + j] - scaling.mean[j]) / scaling.std[j];
        }
      }
      from = block.data();
    }
    for (int64_t i = 0; i < rows; ++i) {
      for (int64_t j = 0; j < d; ++j) {
        const double v = from[i * d + j];
        sum[j] += v;
        sum_sq[j] += v * v;
      }
    }
  }
}

}  // namespace

ColumnMoments column_moments(const float *x, int64_t n, int64_t d, const RowScaling &scaling) {
  const int64_t tasks = std::max<int64_t>(1, (n + kRowsPerTask - 1) / kRowsPerTask);
  const int64_t parts =
      std::min<int64_t>(at::in_parallel_region() ? 1 : at::get_num_threads(), tasks);
  std::vector<ColumnMoments> partial(static_cast<size_t>(parts));
  auto part = [&](int64_t p) {
    ColumnMoments &m = partial[static_cast<size_t>(p)];
    m.sum.assign(static_cast<size_t>(d), 0.0);
    m.sum_sq.assign(static_cast<size_t>(d), 0.0);
    accumulate(x, n * p / parts, n * (p + 1) / parts, d, scaling, m.sum.data(), m.sum_sq.data());
  };
  if (parts == 1) {
    part(0);
  } else {
    at::parallel_for(0, parts, 1, [&](int64_t begin, int64_t end) {
      for (int64_t p = begin; p < end; ++p) part(p);
    });
  }
  ColumnMoments out = std::move(partial[0]);
  for (int64_t p = 1; p < parts; ++p) {
    for (int64_t j = 0; j < d; ++j) {
      out.sum[static_cast<size_t>(j)] +=
          partial[static_cast<size_t>(p)].sum[static_cast<size_t>(j)];
      out.sum_sq[static_cast<size_t>(j)] +=
          partial[static_cast<size_t>(p)].sum_sq[static_cast<size_t>(j)];
    }
  }
  return out;
}

}  // namespace tdcm
