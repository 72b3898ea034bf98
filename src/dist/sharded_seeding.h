// k-means++ on a set sharded over the ranks of the active group: every rank
// draws the same random numbers (same seed), and each draw picks a row of the
// concatenated set (rank 0's rows first) by all-reduced D^2 weights, so the
// centers are those one process picks on the whole set. Up to rounding: one
// process sums the weights in float, the ranks in double, so a pick moves to a
// neighbouring row only when a draw lands within that rounding (~1e-7 of the
// total) of a row's boundary. A subset drawn from the sharded set
// (rows.positions) is seeded in its one-process order, with one process's draws
// exactly.
#pragma once

#include <ATen/ATen.h>

#include "core/kmeans.h"

namespace tdcm {

at::Tensor sharded_kmeans_plus_plus(const RowSource &rows, int64_t k, at::Generator &gen);

}  // namespace tdcm
