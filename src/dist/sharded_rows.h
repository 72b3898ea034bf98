// Rows of a set sharded over the ranks of the active group (rank 0's rows
// first): a subset drawn from the concatenated set, as each rank's own rows.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>

namespace tdcm {

// The entries of `global_indices` (into the concatenated set) that this rank
// holds, in their order, as indices into its own `local_rows` rows. Without an
// active group, `global_indices` itself.
at::Tensor local_rows_of(const at::Tensor &global_indices, int64_t local_rows);

}  // namespace tdcm
