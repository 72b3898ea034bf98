#include "core/mixture_labels.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <utility>

#include "core/block_ops.h"
#include "core/finite_scan.h"
#include "core/simd.h"

namespace tdcm {
namespace {

// Rows per tile: one vector's lanes.
constexpr int64_t kTile = kLanes;
// Projection coordinates computed at once: independent multiply-add chains
// that hide the FMA's latency, with the tile's rows and the sums in registers.
constexpr int kGroup = 4;
// Rows per part of a threaded pass (whole tiles).
constexpr int64_t kBlockRows = 4096;
// Below this many multiply-adds (rows x k x b x d) one thread does the whole
// pass: waking the pool costs more than it saves.
constexpr int64_t kParallelWork = int64_t{1} << 18;

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
        Lanes y[kGroup];
        dot_group<kGroup>(x, wj + c * d, d, y);
        for (int q = 0; q < kGroup; ++q) {
          y[q] -= mj[c + q];
          acc += y[q] * y[q];
        }
      }
      for (; c < b; ++c) {
        const float *wc = wj + c * d;
        Lanes y = Lanes{};
        for (int64_t s = 0; s < d; ++s) {
          Lanes xs;
          load_lanes(xs, x + s * kTile);
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

// Up to this many columns a row's score is taken as a quadratic form in its
// columns, about the mixture's centre u = x - r:
//   log_norm_j - |P_j^T u - m_j|^2 / 2 = c_j + l_j . u + sum_{s <= t} A_j,st u_s u_t,
// d + d (d + 1) / 2 multiply-adds per component (5 at d = 2) where the
// whitened form takes b d + b + 1 (7), with the row's products made once for
// every component. Past 4 columns the products no longer fit in registers.
constexpr int64_t kQuadraticColumns = 4;
// The terms of the quadratic form grow as the square of a row's distance from
// the centre r in a component's own spread, and they cancel: with float's
// 2^-24, a component whose own centre lies R spreads from r scores the rows it
// competes for with an error of about R^2 2^-24 a few times over, under 1e-3
// nats for R <= 60 (P1's mixtures reach 36; a mixture of many narrow
// components spread far apart, far more). Past it the whitened form, whose
// error grows as R, labels instead.
constexpr double kQuadraticReach = 60.0;

constexpr int64_t quadratic_terms(int64_t d) { return 1 + d + d * (d + 1) / 2; }

// Column s of a tile of 16 rows of D columns held row-major in v[0..D-1]
// (lane t is v's element D t + s), put together by two-source shuffles with
// constant masks: one per further vector the column reaches into.
constexpr int lane_source(int d, int s, int t) { return (d * t + s) / static_cast<int>(kTile); }
constexpr int lane_index(int d, int s, int t) { return (d * t + s) % static_cast<int>(kTile); }

// Lane t of step q >= 1's mask: lanes from v[q] take their element (16 +
// index), the others keep what the previous step put there (their own lane),
// except at step 1, where lanes from v[0] take theirs.
constexpr int merge_lane(int d, int s, int q, int t) {
  return lane_source(d, s, t) == q             ? static_cast<int>(kTile) + lane_index(d, s, t)
         : q == 1 && lane_source(d, s, t) == 0 ? lane_index(d, s, t)
                                               : t;
}

template <int D, int S, int Q, int... T>
inline __attribute__((always_inline)) void merge_step(Lanes &out, const Lanes *v,
                                                      std::integer_sequence<int, T...>) {
  out = __builtin_shufflevector(Q == 1 ? v[0] : out, v[Q], merge_lane(D, S, Q, T)...);
}

template <int D, int S, int Q = 1>
inline __attribute__((always_inline)) void merge_column(Lanes &out, const Lanes *v) {
  if constexpr (Q < D) {
    merge_step<D, S, Q>(out, v, std::make_integer_sequence<int, kTile>{});
    merge_column<D, S, Q + 1>(out, v);
  }
}

template <int D, int S = 0>
inline __attribute__((always_inline)) void columns(Lanes *f, const Lanes *v) {
  if constexpr (S < D) {
    if constexpr (D == 1) {
      f[0] = v[0];
    } else {
      merge_column<D, S>(f[S], v);
    }
    columns<D, S + 1>(f, v);
  }
}

// Labels of `rows` rows (row-major, D columns, read in place; standardised by
// `scaling` where it has a mean) from each component's quadratic_terms(D)
// coefficients: c, l_0..l_{D-1}, then A_st for s <= t in row-major order,
// about `centre`. The first maximum wins ties. Returns whether a value read
// was NaN or infinite.
template <int D>
inline __attribute__((always_inline)) bool quadratic_body(const float *x, int64_t rows, int64_t k,
                                                          const float *coef, const float *centre,
                                                          const RowScaling &scaling,
                                                          int32_t *label) {
  constexpr int kTerms = static_cast<int>(quadratic_terms(D)) - 1;  // without the constant
  // v - v is 0 for a finite value and NaN for NaN or an infinity: the sum
  // ends NaN in some lane exactly where a value read was not finite.
  Lanes poison = Lanes{};
  for (int64_t first = 0; first < rows; first += kTile) {
    const int64_t len = std::min(kTile, rows - first);
    Lanes v[D];
    if (len == kTile) {
      std::memcpy(v, x + first * D, sizeof v);
    } else {
      // The last rows padded with zeros, whose labels are dropped.
      float pad[D * kTile] = {};
      std::memcpy(pad, x + first * D, static_cast<size_t>(len * D) * sizeof(float));
      std::memcpy(v, pad, sizeof v);
    }
#pragma GCC unroll 4
    for (int s = 0; s < D; ++s) poison += v[s] - v[s];
    Lanes f[kTerms];
    columns<D>(f, v);
#pragma GCC unroll 4
    for (int s = 0; s < D; ++s) {
      // Standardised as LibTorch's elementwise operators round it, then centred.
      if (scaling.mean != nullptr) f[s] = (f[s] - scaling.mean[s]) / scaling.std[s];
      f[s] -= centre[s];
    }
    int q = D;
#pragma GCC unroll 4
    for (int s = 0; s < D; ++s) {
#pragma GCC unroll 4
      for (int t = s; t < D; ++t) f[q++] = f[s] * f[t];
    }
    Lanes best = Lanes{} - std::numeric_limits<float>::infinity();
    IntLanes which = IntLanes{};
    for (int64_t j = 0; j < k; ++j) {
      const float *cj = coef + j * (kTerms + 1);
      Lanes score = cj[0] + cj[1] * f[0];
#pragma GCC unroll 16
      for (int t = 1; t < kTerms; ++t) score += cj[t + 1] * f[t];
      const IntLanes higher = score > best;
      which = (which & ~higher) | (static_cast<int32_t>(j) & higher);
      best = higher ? score : best;
    }
    if (len == kTile) {
      std::memcpy(label + first, &which, sizeof which);
    } else {
      std::memcpy(label + first, &which, static_cast<size_t>(len) * sizeof(int32_t));
    }
  }
  for (int t = 0; t < static_cast<int>(kTile); ++t) {
    if (poison[t] != 0.0f) return true;  // NaN compares unequal to everything
  }
  return false;
}

// Whether the rows hold a NaN or infinity (checked as they are read).
TDCM_SIMD_CLONES
bool quadratic_labels(const float *x, int64_t rows, int64_t k, int64_t d, const float *coef,
                      const float *centre, const RowScaling &scaling, int32_t *label) {
  switch (d) {
    case 1:
      return quadratic_body<1>(x, rows, k, coef, centre, scaling, label);
    case 2:
      return quadratic_body<2>(x, rows, k, coef, centre, scaling, label);
    case 3:
      return quadratic_body<3>(x, rows, k, coef, centre, scaling, label);
    default:
      return quadratic_body<4>(x, rows, k, coef, centre, scaling, label);
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
  if (d_ <= kQuadraticColumns) prepare_quadratic(f);
}

void MixtureLabels::prepare_quadratic(const PrecisionFactors &f) {
  // In double: the constant and the linear terms cancel each other over a
  // component's far side, so they are rounded to float once, at the end.
  const at::Tensor p = f.prec_chol.to(at::kCPU, at::kDouble);  // k x d x b
  const at::Tensor m = f.mean_proj.to(at::kCPU, at::kDouble);  // k x b
  // The centre r: the mean of the components' centres in the rows' space (the
  // x with x P_j = m_j, least squares where P_j^T is not invertible). Rows far
  // from the origin would otherwise lose their digits to the cancellation.
  const at::Tensor centres = at::matmul(at::linalg_pinv(p.transpose(1, 2)), m.unsqueeze(2));
  const at::Tensor r = centres.squeeze(2).mean(0);  // d
  // m_j - r P_j: the offsets of the centred rows u = x - r.
  const at::Tensor mc = m - at::matmul(r, p);  // k x b
  // |m_j - r P_j|: how far component j's centre lies from r in its own spread.
  if (!(mc.pow(2).sum(1).max().item<double>() <= kQuadraticReach * kQuadraticReach)) return;
  const at::Tensor c = f.log_norm.to(at::kCPU, at::kDouble) - 0.5 * mc.pow(2).sum(1);
  const at::Tensor l = at::matmul(p, mc.unsqueeze(2)).squeeze(2);  // k x d
  const at::Tensor a = at::matmul(p, p.transpose(1, 2));           // k x d x d
  const int64_t terms = quadratic_terms(d_);
  std::vector<double> coef(static_cast<size_t>(k_ * terms));
  const auto cv = c.accessor<double, 1>();
  const auto lv = l.accessor<double, 2>();
  const auto av = a.accessor<double, 3>();
  for (int64_t j = 0; j < k_; ++j) {
    double *to = coef.data() + j * terms;
    *to++ = cv[j];
    for (int64_t s = 0; s < d_; ++s) *to++ = lv[j][s];
    // -u^T A u / 2 over the upper triangle: the off-diagonal terms twice.
    for (int64_t s = 0; s < d_; ++s) {
      for (int64_t t = s; t < d_; ++t) *to++ = (s == t ? -0.5 : -1.0) * av[j][s][t];
    }
  }
  quad_.assign(coef.begin(), coef.end());
  const at::Tensor rf = r.to(at::kFloat).contiguous();
  centre_.assign(rf.data_ptr<float>(), rf.data_ptr<float>() + d_);
}

bool MixtureLabels::block_labels(const float *x, int64_t rows, const RowScaling &scaling,
                                 int32_t *label) const {
  if (!quad_.empty()) {
    return quadratic_labels(x, rows, k_, d_, quad_.data(), centre_.data(), scaling, label);
  }
  // The block is read again at once below, from the cache.
  const bool bad = any_non_finite(x, rows * d_);
  const int64_t tiles = (rows + kTile - 1) / kTile;
  Scratch &s = thread_scratch();
  const auto size = static_cast<size_t>(tiles * kTile * d_);
  if (s.columns.size() < size) s.columns.resize(size);
  if (s.labels.size() < static_cast<size_t>(tiles * kTile)) {
    s.labels.resize(static_cast<size_t>(tiles * kTile));
  }
  // The rows transposed tile by tile, standardised on the way.
  float *cols = s.columns.data();
  transpose_tiles(x, rows, d_, scaling, cols);
  tile_labels(cols, tiles, k_, d_, b_, w_.data(), mean_proj_.data(), log_norm_.data(),
              s.labels.data());
  std::memcpy(label, s.labels.data(), static_cast<size_t>(rows) * sizeof(int32_t));
  return bad;
}

bool MixtureLabels::run(const float *x, int64_t n, int32_t *labels,
                        const RowScaling &scaling) const {
  if (n <= 0) return false;
  const int64_t blocks = (n + kBlockRows - 1) / kBlockRows;
  const bool large = n * k_ * b_ * d_ >= kParallelWork;
  const int64_t parts =
      large && !at::in_parallel_region() ? std::min<int64_t>(at::get_num_threads(), blocks) : 1;
  std::vector<char> bad(static_cast<size_t>(parts), 0);
  auto part = [&](int64_t p) {
    const int64_t first = blocks * p / parts * kBlockRows;
    const int64_t last = std::min(n, blocks * (p + 1) / parts * kBlockRows);
    for (int64_t r = first; r < last; r += kBlockRows) {
      if (block_labels(x + r * d_, std::min(kBlockRows, last - r), scaling, labels + r)) {
        bad[static_cast<size_t>(p)] = 1;
      }
    }
  };
  if (parts == 1) {
    part(0);
  } else {
    at::parallel_for(0, parts, 1, [&](int64_t begin, int64_t end) {
      for (int64_t p = begin; p < end; ++p) part(p);
    });
  }
  return std::find(bad.begin(), bad.end(), 1) != bad.end();
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
