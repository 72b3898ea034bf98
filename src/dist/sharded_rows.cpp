#include "dist/sharded_rows.h"

#include "dist/collectives.h"

namespace tdcm {

Subset subset_of(const at::Tensor &global_indices, int64_t local_rows) {
  if (dist::active() == nullptr) return Subset{global_indices, at::Tensor()};
  const int64_t first = dist::rows_before(local_rows);
  const at::Tensor mine = (global_indices >= first) & (global_indices < first + local_rows);
  return Subset{global_indices.masked_select(mine) - first, mine.nonzero().squeeze(1)};
}

}  // namespace tdcm
