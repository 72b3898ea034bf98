#include "core/mixture_labels.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cstring>
#include <limits>

#include "core/block_ops.h"
#include "core/simd.h"

namespace tdcm {
namespace {

// A block's projections (rows x kd) and rows stay within this many bytes:
// the L2 of one core (AMD EPYC: 512 KiB) with room for the factors.
constexpr int64_t kBlockBytes = 256 * 1024;
constexpr int64_t kTile = 16;
constexpr int64_t kMinBlockRows = kTile;
constexpr int64_t kMaxBlockRows = 4096;
// Below this many multiply-adds (rows x k x d x d) one thread does the whole
// pass: waking the pool costs more than it saves.
constexpr int64_t kParallelWork = int64_t{1} << 18;

// b, l = v, j where v > b (the first maximum wins ties), branch-free.
inline void keep_higher(float v, int32_t j, float &b, int32_t &l) {
  const int32_t higher = -static_cast<int32_t>(v > b);
  l = (l & ~higher) | (j & higher);
  b = std::max(b, v);
}

// The argmax over components of log_norm[j] - |y_j - m_j|^2 / 2, y column-major
// (row j d + t of `y` holds coordinate t of component j for every row).
TDCM_SIMD_CLONES
void argmax_projections(const float *y, int64_t rows, int64_t k, int64_t d, const float *mean_proj,
                        const float *log_norm, int32_t *label) {
  int64_t i0 = 0;
  for (; i0 + kTile <= rows; i0 += kTile) {
    float b[kTile];
    int32_t l[kTile];
    for (int64_t t = 0; t < kTile; ++t) {
      b[t] = -std::numeric_limits<float>::infinity();
      l[t] = 0;
    }
    for (int64_t j = 0; j < k; ++j) {
      float acc[kTile] = {};
      for (int64_t c = 0; c < d; ++c) {
        const float *g = y + (j * d + c) * rows + i0;
        const float m = mean_proj[j * d + c];
        for (int64_t t = 0; t < kTile; ++t) {
          const float v = g[t] - m;
          acc[t] += v * v;
        }
      }
      const auto jj = static_cast<int32_t>(j);
      for (int64_t t = 0; t < kTile; ++t) keep_higher(log_norm[j] - 0.5f * acc[t], jj, b[t], l[t]);
    }
    for (int64_t t = 0; t < kTile; ++t) label[i0 + t] = l[t];
  }
  for (int64_t i = i0; i < rows; ++i) {
    float b = -std::numeric_limits<float>::infinity();
    int32_t l = 0;
    for (int64_t j = 0; j < k; ++j) {
      float acc = 0.0f;
      for (int64_t c = 0; c < d; ++c) {
        const float v = y[(j * d + c) * rows + i] - mean_proj[j * d + c];
        acc += v * v;
      }
      keep_higher(log_norm[j] - 0.5f * acc, static_cast<int32_t>(j), b, l);
    }
    label[i] = l;
  }
}

struct Scratch {
  std::vector<float> projections, scaled;
};

Scratch &thread_scratch() {
  thread_local Scratch s;
  return s;
}

}  // namespace

MixtureLabels::MixtureLabels(const PrecisionFactors &f) {
  const at::Tensor p = f.prec_chol.to(at::kCPU, at::kFloat).contiguous();  // k x d x d
  k_ = p.size(0);
  d_ = p.size(1);
  // W[j d + t][s] = P_j[s][t]: the GEMM's rows are the projections' coordinates.
  const at::Tensor w = p.transpose(1, 2).contiguous();
  w_.assign(w.data_ptr<float>(), w.data_ptr<float>() + k_ * d_ * d_);
  const at::Tensor m = f.mean_proj.to(at::kCPU, at::kFloat).contiguous();
  mean_proj_.assign(m.data_ptr<float>(), m.data_ptr<float>() + k_ * d_);
  const at::Tensor ln = f.log_norm.to(at::kCPU, at::kFloat).contiguous();
  log_norm_.assign(ln.data_ptr<float>(), ln.data_ptr<float>() + k_);
  const int64_t rows = kBlockBytes / (4 * (k_ * d_ + d_));
  block_rows_ = std::clamp<int64_t>(rows / kTile * kTile, kMinBlockRows, kMaxBlockRows);
}

void MixtureLabels::block_labels(const float *x, int64_t rows, float *scratch,
                                 int32_t *label) const {
  block_gemm(w_.data(), k_ * d_, x, rows, d_, 1.0f, scratch);
  argmax_projections(scratch, rows, k_, d_, mean_proj_.data(), log_norm_.data(), label);
}

void MixtureLabels::run(const float *x, int64_t n, int32_t *labels,
                        const RowScaling &scaling) const {
  if (n <= 0) return;
  const int64_t blocks = (n + block_rows_ - 1) / block_rows_;
  const bool large = n * k_ * d_ * d_ >= kParallelWork;
  const int64_t parts =
      large && !at::in_parallel_region() ? std::min<int64_t>(at::get_num_threads(), blocks) : 1;
  auto part = [&](int64_t p) {
    const int64_t first = blocks * p / parts * block_rows_;
    const int64_t last = std::min(n, blocks * (p + 1) / parts * block_rows_);
    Scratch &s = thread_scratch();
    const bool scaled = scaling.mean != nullptr;
    if (s.projections.size() < static_cast<size_t>(block_rows_ * k_ * d_)) {
      s.projections.resize(static_cast<size_t>(block_rows_ * k_ * d_));
    }
    if (scaled && s.scaled.size() < static_cast<size_t>(block_rows_ * d_)) {
      s.scaled.resize(static_cast<size_t>(block_rows_ * d_));
    }
    for (int64_t r = first; r < last; r += block_rows_) {
      const int64_t rows = std::min(block_rows_, last - r);
      const float *xb = x + r * d_;
      if (scaled) {
        scale_block(xb, rows, d_, scaling, s.scaled.data());
        xb = s.scaled.data();
      }
      block_labels(xb, rows, s.projections.data(), labels + r);
    }
  };
  if (parts == 1) {
    part(0);
    return;
  }
  at::parallel_for(0, parts, 1, [&](int64_t begin, int64_t end) {
    for (int64_t p = begin; p < end; ++p) part(p);
  });
}

}  // namespace tdcm
