// k-means' scores for rows of 5 or more columns against few centroids, in
// register tiles: 16 rows across the SIMD lanes, each centroid's dot product
// with them made over the columns, four centroids at a time so that four
// multiply-add chains hide the FMA's latency, and the argmin taken as the
// scores are made. A block GEMM with so few output columns spends more time
// packing its operands than multiplying; here nothing but the block's
// transposed rows is stored.
#pragma once

#include <cstdint>

namespace tdcm {

// Whether the tiles beat the block GEMM for k centroids of d columns.
bool nearest_tiles_serve(int64_t k, int64_t d);

// Centroids whose dot products are made at once (independent chains): the
// kernel takes k in whole groups, padded with zero centroids of norm +inf,
// which no row is ever nearest to (a centroid left alone would make a chain
// of d dependent multiply-adds that the others cannot hide).
constexpr int64_t kNearestTileGroup = 4;

// For every row of x (rows x d, row-major): best[i] = min_j norms[j] - 2 x_i.c_j
// and label[i] its first minimiser (c: k x d row-major; norms: k; k a
// multiple of kNearestTileGroup).
void nearest_tiles(const float *x, int64_t rows, int64_t d, const float *c, const float *norms,
                   int64_t k, float *best, int32_t *label);

}  // namespace tdcm
