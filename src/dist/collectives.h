// The collectives the algorithms call while a distributed call runs on this
// thread: sums over ranks of per-rank partial statistics, and the offset of
// this rank's rows in the concatenated set. Without an active group each is
// the identity, so single-process results are unchanged bit for bit.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <string>

namespace tdcm::dist {

class Group;

// The group of the distributed call running on this thread, or null.
const Group *active();

// Makes `group` (may be null) the active one for its lifetime.
class ActiveScope {
 public:
  explicit ActiveScope(const Group *group);
  ~ActiveScope();
  ActiveScope(const ActiveScope &) = delete;
  ActiveScope &operator=(const ActiveScope &) = delete;

 private:
  const Group *previous_;
};

// This rank and the world size (0 and 1 without a group).
int rank();
int world_size();

// The sum over ranks of each rank's `t` (same shape and dtype everywhere), on
// t's device and in its dtype. Added in rank order: every rank gets the same bits.
at::Tensor sum(const at::Tensor &t);
double sum_of(double value);
// Rows of all ranks: the sum of each rank's `local_rows`.
int64_t total_rows(int64_t local_rows);
// The largest of each rank's value.
double max(double value);

// Rows held by the ranks before this one: the global index of this rank's first row.
int64_t rows_before(int64_t local_rows);

// Every rank must run the same call on the same parameters and widths, each
// having passed its own checks (`local_status` 0): a rank that differs, or
// failed its checks, fails the others with TDCM_ERR_DISTRIBUTED naming it and
// what differs. A rank whose own status is not 0 returns (it reports its own error).
void check_agreement(const std::string &call, const std::string &params, int64_t d, int64_t k,
                     int32_t local_status);

}  // namespace tdcm::dist
