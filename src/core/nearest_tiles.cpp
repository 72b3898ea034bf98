#include "core/nearest_tiles.h"

#include <cstring>
#include <limits>
#include <vector>

#include "core/block_ops.h"
#include "core/simd.h"

namespace tdcm {
namespace {

// Rows per tile: one vector's lanes.
constexpr int64_t kTile = kLanes;
constexpr int64_t kGroup = kNearestTileGroup;
// Above this many centroids the block GEMM, whose packing is then shared by
// enough output columns, is faster; from this many columns on, too: the
// tiles' multiply-adds run at the GEMM's rate, and transposing the rows costs
// what its packing does (1M rows, 1 thread: 16 columns, 10 centroids 9.9 ms
// against 14.3, 32 centroids 16.6 against 27.8; 64 columns, 10 centroids
// 34.9 against 30.1).
constexpr int64_t kMaxTileCentroids = 32;
constexpr int64_t kMaxTileColumns = 31;

inline __attribute__((always_inline)) void keep_lower(const Lanes &score, int32_t j, Lanes &best,
                                                      IntLanes &which) {
  const IntLanes lower = score < best;
  which = (which & ~lower) | (j & lower);
  best = lower ? score : best;
}

// Whole tiles of rows stored column-major (coordinate s of the tile's row t
// at xt[(tile d + s) kTile + t]). A dot product is one multiply-add after
// another over the columns, as the sgemm kernels make them; the score
// -2 x.c + ||c||^2 is rounded as the GEMM path rounds it.
TDCM_SIMD_CLONES
void tile_argmin(const float *xt, int64_t tiles, int64_t d, const float *c, const float *norms,
                 int64_t k, float *best, int32_t *label) {
  for (int64_t tile = 0; tile < tiles; ++tile) {
    const float *x = xt + tile * d * kTile;
    Lanes b = Lanes{} + std::numeric_limits<float>::infinity();
    IntLanes which = IntLanes{};
    for (int64_t j = 0; j < k; j += kGroup) {
      Lanes y0, y1, y2, y3;
      dot4(x, c + j * d, d, y0, y1, y2, y3);
      keep_lower(-2.0f * y0 + norms[j], static_cast<int32_t>(j), b, which);
      keep_lower(-2.0f * y1 + norms[j + 1], static_cast<int32_t>(j + 1), b, which);
      keep_lower(-2.0f * y2 + norms[j + 2], static_cast<int32_t>(j + 2), b, which);
      keep_lower(-2.0f * y3 + norms[j + 3], static_cast<int32_t>(j + 3), b, which);
    }
    std::memcpy(best + tile * kTile, &b, sizeof b);
    std::memcpy(label + tile * kTile, &which, sizeof which);
  }
}

struct Scratch {
  std::vector<float> columns, best;
  std::vector<int32_t> labels;
};

Scratch &thread_scratch() {
  thread_local Scratch s;
  return s;
}

}  // namespace

bool nearest_tiles_serve(int64_t k, int64_t d) {
  return d >= 5 && d <= kMaxTileColumns && k <= kMaxTileCentroids;
}

void nearest_tiles(const float *x, int64_t rows, int64_t d, const float *c, const float *norms,
                   int64_t k, float *best, int32_t *label) {
  const int64_t tiles = (rows + kTile - 1) / kTile;
  Scratch &s = thread_scratch();
  const auto size = static_cast<size_t>(tiles * kTile);
  if (s.columns.size() < size * static_cast<size_t>(d)) s.columns.resize(size * d);
  if (s.best.size() < size) {
    s.best.resize(size);
    s.labels.resize(size);
  }
  transpose_tiles(x, rows, d, RowScaling{}, s.columns.data());
  tile_argmin(s.columns.data(), tiles, d, c, norms, k, s.best.data(), s.labels.data());
  std::memcpy(best, s.best.data(), static_cast<size_t>(rows) * sizeof(float));
  std::memcpy(label, s.labels.data(), static_cast<size_t>(rows) * sizeof(int32_t));
}

}  // namespace tdcm
