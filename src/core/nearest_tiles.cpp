#include "core/nearest_tiles.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>

#include "core/block_ops.h"
#include "core/simd.h"

namespace tdcm {
namespace {

// Rows per tile: one vector's lanes.
constexpr int64_t kTile = kLanes;
static_assert(kTile == kTransposeTile, "a tile is one transpose's rows");
// Above this many centroids the block GEMM, whose packing is then shared by
// enough output columns, is faster, and the more so the wider the rows (1M
// rows, 1 and 2 threads, best of 8, ms, tiles against GEMM: 16 columns, 32
// centroids 16.8 / 10.2 against 30.6 / 16.7; 48 columns, 12 centroids 26.1 /
// 12.0 against 34.7 / 20.0; 64 columns, 10 centroids 26.0 / 15.9 against
// 31.1 / 17.4, 16 centroids 45.4 / 24.1 against 44.3 / 21.7; 500k rows of 128
// columns, 10 centroids 36.5 / 21.8 against 32.4 / 17.3).
constexpr int64_t kMaxTileCentroids = 32;
constexpr int64_t kNarrowColumns = 31;
constexpr int64_t kMaxWideTileCentroids = 12;
constexpr int64_t kMaxTileColumns = 64;
// Bytes the memory is asked for at once: a cache line.
constexpr int64_t kLine = 64;

inline __attribute__((always_inline)) void keep_lower(const Lanes &score, int32_t j, Lanes &best,
                                                      IntLanes &which) {
  const IntLanes lower = score < best;
  which = (which & ~lower) | (j & lower);
  best = lower ? score : best;
}

// One tile stored column-major (coordinate s of row t at x[s kTile + t])
// against k centroids in passes of G. A dot product is one multiply-add after
// another over the columns, as the sgemm kernels make them; the score
// -2 x.c + ||c||^2 is rounded as the GEMM path rounds it.
template <int G>
inline __attribute__((always_inline)) void tile_argmin(const float *x, int64_t d, const float *c,
                                                       const float *norms, int64_t k, Lanes &b,
                                                       IntLanes &which) {
  b = Lanes{} + std::numeric_limits<float>::infinity();
  which = IntLanes{};
  for (int64_t j = 0; j < k; j += G) {
    Lanes y[G];
    dot_group<G>(x, c + j * d, d, y);
    for (int q = 0; q < G; ++q) {
      keep_lower(-2.0f * y[q] + norms[j + q], static_cast<int32_t>(j + q), b, which);
    }
  }
}

// tile_argmin for the group chosen at run time (1 to kNearestTileMaxGroup).
template <int G>
inline __attribute__((always_inline)) void group_argmin(int64_t group, const float *x, int64_t d,
                                                        const float *c, const float *norms,
                                                        int64_t k, Lanes &b, IntLanes &which) {
  if constexpr (G < kNearestTileMaxGroup) {
    if (group != G) return group_argmin<G + 1>(group, x, d, c, norms, k, b, which);
  }
  tile_argmin<G>(x, d, c, norms, k, b, which);
}

// The tiles of a block: each transposed into `columns` (one tile, in L1) and
// scored at once; `next` is read ahead a slice per tile.
TDCM_SIMD_CLONES
void block_tiles(const float *x, int64_t rows, int64_t d, const float *c, const float *norms,
                 int64_t k, int64_t group, float *columns, float *best, int32_t *label,
                 const float *next, int64_t ahead) {
  const int64_t tiles = (rows + kTile - 1) / kTile;
  const auto *from = reinterpret_cast<const char *>(next);
  const int64_t ahead_bytes = next == nullptr ? 0 : ahead * static_cast<int64_t>(sizeof(float));
  const int64_t slice = (ahead_bytes / tiles + kLine) / kLine * kLine;
  for (int64_t tile = 0; tile < tiles; ++tile) {
    const int64_t first = tile * kTile;
    const int64_t in_tile = std::min(kTile, rows - first);
    transpose_tiles(x + first * d, in_tile, d, RowScaling{}, columns);
    // To L2 (locality 2): the next block is read from there by the finiteness
    // check and the transpose, and L1 keeps this tile and the centroids.
    const int64_t end = std::min(ahead_bytes, (tile + 1) * slice);
    for (int64_t at = tile * slice; at < end; at += kLine) __builtin_prefetch(from + at, 0, 2);
    Lanes b;
    IntLanes which;
    group_argmin<1>(group, columns, d, c, norms, k, b, which);
    const auto n = static_cast<size_t>(in_tile);
    std::memcpy(best + first, &b, n * sizeof(float));
    std::memcpy(label + first, &which, n * sizeof(int32_t));
  }
}

std::vector<float> &thread_columns() {
  thread_local std::vector<float> columns;
  return columns;
}

}  // namespace

bool nearest_tiles_serve(int64_t k, int64_t d) {
  if (d < 5 || d > kMaxTileColumns) return false;
  return k <= (d <= kNarrowColumns ? kMaxTileCentroids : kMaxWideTileCentroids);
}

int64_t nearest_tile_group(int64_t k) {
  const int64_t passes = (k + kNearestTileMaxGroup - 1) / kNearestTileMaxGroup;
  return (k + passes - 1) / passes;
}

int64_t nearest_tile_padded(int64_t k) {
  const int64_t group = nearest_tile_group(k);
  return (k + group - 1) / group * group;
}

void nearest_tiles(const float *x, int64_t rows, int64_t d, const float *c, const float *norms,
                   int64_t k, float *best, int32_t *label, const float *next, int64_t ahead) {
  if (rows <= 0) return;
  std::vector<float> &columns = thread_columns();
  if (columns.size() < static_cast<size_t>(kTile * d)) columns.resize(kTile * d);
  block_tiles(x, rows, d, c, norms, k, nearest_tile_group(k), columns.data(), best, label, next,
              ahead);
}

}  // namespace tdcm
