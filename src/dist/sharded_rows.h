// Rows of a set sharded over the ranks of the active group (rank 0's rows
// first): a subset drawn from the concatenated set, as each rank's own rows.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>

namespace tdcm {

struct Subset {
  at::Tensor rows;       // indices into this rank's own rows
  at::Tensor positions;  // their places in `global_indices` (undefined in one process)
};

// The entries of `global_indices` (into the concatenated set) that this rank
// holds, in their order, as indices into its own `local_rows` rows, with their
// places in `global_indices`: the one-process order of the subset, which
// k-means++ draws from. Without an active group, `global_indices` itself.
Subset subset_of(const at::Tensor &global_indices, int64_t local_rows);

}  // namespace tdcm
