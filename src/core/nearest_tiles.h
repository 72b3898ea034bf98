// k-means' scores for rows of 5 or more columns against few centroids, in
// register tiles: 16 rows across the SIMD lanes, each centroid's dot product
// with them made over the columns, a group of centroids at a time so that as
// many multiply-add chains hide the FMA's latency and share each load of the
// rows, and the argmin taken as the scores are made. A block GEMM with so few
// output columns spends more time packing its operands than multiplying; here
// nothing but one tile's transposed rows is stored.
#pragma once

#include <cstdint>

namespace tdcm {

// Whether the tiles beat the block GEMM for k centroids of d columns.
bool nearest_tiles_serve(int64_t k, int64_t d);

// The centroids whose dot products are made at once for k centroids: the
// fewest passes of at most kNearestTileMaxGroup, shared out evenly (k = 10:
// two passes of 5). The kernel takes whole groups, padded with zero centroids
// of norm +inf, which no row is ever nearest to. nearest_tile_padded(k) is
// the padded count, and the group of the padded count is the same group.
constexpr int64_t kNearestTileMaxGroup = 6;
int64_t nearest_tile_group(int64_t k);
int64_t nearest_tile_padded(int64_t k);

// For every row of x (rows x d, row-major): best[i] = min_j norms[j] - 2 x_i.c_j
// and label[i] its first minimiser (c: k x d row-major; norms: k; k =
// nearest_tile_padded of the true count). While it works it asks the memory
// for the `ahead` floats at `next` (the caller's next block, or null), a slice
// per tile, so that the next block's reading overlaps this one's arithmetic.
void nearest_tiles(const float *x, int64_t rows, int64_t d, const float *c, const float *norms,
                   int64_t k, float *best, int32_t *label, const float *next, int64_t ahead);

}  // namespace tdcm
