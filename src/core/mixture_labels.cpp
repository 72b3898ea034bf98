#include "core/mixture_labels.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cstring>
#include <limits>

#include "core/simd.h"

namespace tdcm {
namespace {

// Rows per tile: one 16-lane vector (one AVX-512 register, two AVX2 ones).
constexpr int64_t kTile = 16;
// Projection coordinates computed at once: independent multiply-add chains
// that hide the FMA's latency, with the tile's rows and the sums in registers.
constexpr int64_t kGroup = 4;
// Rows per part of a threaded pass (whole tiles).
constexpr int64_t kBlockRows = 4096;
// Below this many multiply-adds (rows x k x b x d) one thread does the whole
// pass: waking the pool costs more than it saves.
constexpr int64_t kParallelWork = int64_t{1} << 18;

typedef float Lanes __attribute__((vector_size(kTile * sizeof(float))));
typedef int32_t IntLanes __attribute__((vector_size(kTile * sizeof(int32_t))));

// (By reference: a vector returned by value would change the ABI per clone.)
inline __attribute__((always_inline)) void load(Lanes &v, const float *p) {
  std::memcpy(&v, p, sizeof v);
}

// Labels of whole tiles of rows, stored column-major (`xt`: coordinate s of
// the tile's row t at xt[(tile d + s) kTile + t]): for each component j the
// score log_norm[j] - |x Q_j - m_j|^2 / 2 (w: row j b + c is column c of the
// d x b factor Q_j), each of the b projection coordinates a dot product over
// the d columns, squared and summed as it is made; no projection is stored.
// The first maximum wins ties.
TDCM_SIMD_CLONES
void tile_labels(const float *xt, int64_t tiles, int64_t k, int64_t d, int64_t b, const float *w,
                 const float *mean_proj, const float *log_norm, int32_t *label) {
  const int64_t groups = b / kGroup * kGroup;
  for (int64_t tile = 0; tile < tiles; ++tile) {
    const float *x = xt + tile * d * kTile;
    Lanes best = Lanes{} - std::numeric_limits<float>::infinity();
    IntLanes which = IntLanes{};
    for (int64_t j = 0; j < k; ++j) {
      const float *wj = w + j * b * d;
      const float *mj = mean_proj + j * b;
      Lanes acc = Lanes{};
      int64_t c = 0;
      for (; c < groups; c += kGroup) {
        const float *w0 = wj + c * d;
        Lanes y0 = Lanes{}, y1 = Lanes{}, y2 = Lanes{}, y3 = Lanes{};
        for (int64_t s = 0; s < d; ++s) {
          Lanes xs;
          load(xs, x + s * kTile);
          y0 += w0[s] * xs;
          y1 += w0[d + s] * xs;
          y2 += w0[2 * d + s] * xs;
          y3 += w0[3 * d + s] * xs;
        }
        y0 -= mj[c];
        y1 -= mj[c + 1];
        y2 -= mj[c + 2];
        y3 -= mj[c + 3];
        acc += y0 * y0;
        acc += y1 * y1;
        acc += y2 * y2;
        acc += y3 * y3;
      }
      for (; c < b; ++c) {
        const float *wc = wj + c * d;
        Lanes y = Lanes{};
        for (int64_t s = 0; s < d; ++s) {
          Lanes xs;
          load(xs, x + s * kTile);
          y += wc[s] * xs;
        }
        y -= mj[c];
        acc += y * y;
      }
      const Lanes score = log_norm[j] - 0.5f * acc;
      const IntLanes higher = score > best;
      which = (which & ~higher) | (static_cast<int32_t>(j) & higher);
      best = higher ? score : best;
    }
    std::memcpy(label + tile * kTile, &which, sizeof which);
  }
}

struct Scratch {
  std::vector<float> columns;   // a part's rows, tile by tile column-major
  std::vector<int32_t> labels;  // a part's labels, whole tiles
};

Scratch &thread_scratch() {
  thread_local Scratch s;
  return s;
}

}  // namespace

MixtureLabels::MixtureLabels(const PrecisionFactors &f) {
  const at::Tensor q = f.prec_chol.to(at::kCPU, at::kFloat).contiguous();  // k x d x b
  k_ = q.size(0);
  d_ = q.size(1);
  b_ = q.size(2);
  // Row j b + c is column c of Q_j: each projection coordinate's weights contiguous.
  const at::Tensor w = q.transpose(1, 2).contiguous();
  w_.assign(w.data_ptr<float>(), w.data_ptr<float>() + k_ * b_ * d_);
  const at::Tensor m = f.mean_proj.to(at::kCPU, at::kFloat).contiguous();
  mean_proj_.assign(m.data_ptr<float>(), m.data_ptr<float>() + k_ * b_);
  const at::Tensor ln = f.log_norm.to(at::kCPU, at::kFloat).contiguous();
  log_norm_.assign(ln.data_ptr<float>(), ln.data_ptr<float>() + k_);
}

void MixtureLabels::block_labels(const float *x, int64_t rows, const RowScaling &scaling,
                                 int32_t *label) const {
  const int64_t tiles = (rows + kTile - 1) / kTile;
  Scratch &s = thread_scratch();
  const auto size = static_cast<size_t>(tiles * kTile * d_);
  if (s.columns.size() < size) s.columns.resize(size);
  if (s.labels.size() < static_cast<size_t>(tiles * kTile)) {
    s.labels.resize(static_cast<size_t>(tiles * kTile));
  }
  // The rows transposed tile by tile, standardised on the way (a subtraction
  // and a division, as LibTorch's elementwise operators round them); the last
  // tile padded with zeros, whose labels are dropped.
  float *cols = s.columns.data();
  for (int64_t i = 0; i < tiles * kTile; ++i) {
    float *to = cols + (i / kTile) * d_ * kTile + i % kTile;
    if (i >= rows) {
      for (int64_t c = 0; c < d_; ++c) to[c * kTile] = 0.0f;
      continue;
    }
    const float *from = x + i * d_;
    if (scaling.mean != nullptr) {
      for (int64_t c = 0; c < d_; ++c) {
        to[c * kTile] = (from[c] - scaling.mean[c]) / scaling.std[c];
      }
    } else {
      for (int64_t c = 0; c < d_; ++c) to[c * kTile] = from[c];
    }
  }
  tile_labels(cols, tiles, k_, d_, b_, w_.data(), mean_proj_.data(), log_norm_.data(),
              s.labels.data());
  std::memcpy(label, s.labels.data(), static_cast<size_t>(rows) * sizeof(int32_t));
}

void MixtureLabels::run(const float *x, int64_t n, int32_t *labels,
                        const RowScaling &scaling) const {
  if (n <= 0) return;
  const int64_t blocks = (n + kBlockRows - 1) / kBlockRows;
  const bool large = n * k_ * b_ * d_ >= kParallelWork;
  const int64_t parts =
      large && !at::in_parallel_region() ? std::min<int64_t>(at::get_num_threads(), blocks) : 1;
  auto part = [&](int64_t p) {
    const int64_t first = blocks * p / parts * kBlockRows;
    const int64_t last = std::min(n, blocks * (p + 1) / parts * kBlockRows);
    for (int64_t r = first; r < last; r += kBlockRows) {
      block_labels(x + r * d_, std::min(kBlockRows, last - r), scaling, labels + r);
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

PrecisionFactors fold_affine(const PrecisionFactors &f, const at::Tensor &a, const at::Tensor &c) {
  const at::Tensor p = f.prec_chol.to(at::kDouble);
  PrecisionFactors folded;
  // (x a^T + c) P_j - mu_j P_j = x (a^T P_j) - (mu_j - c) P_j.
  folded.prec_chol = at::matmul(a.to(p.options()).t(), p).contiguous();
  folded.mean_proj = f.mean_proj.to(at::kDouble) - at::matmul(c.to(p.options()), p);
  folded.log_norm = f.log_norm;
  return folded;
}

}  // namespace tdcm
