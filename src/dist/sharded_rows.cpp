#include "dist/sharded_rows.h"

#include "dist/collectives.h"

namespace tdcm {

at::Tensor local_rows_of(const at::Tensor &global_indices, int64_t local_rows) {
  if (dist::active() == nullptr) return global_indices;
  const int64_t first = dist::rows_before(local_rows);
  const at::Tensor mine = (global_indices >= first) & (global_indices < first + local_rows);
  return global_indices.masked_select(mine) - first;
}

}  // namespace tdcm
