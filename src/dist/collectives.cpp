#include "dist/collectives.h"

#include <algorithm>
#include <vector>

#include "core/errors.h"
#include "dist/process_group.h"

namespace tdcm::dist {
namespace {

thread_local const Group *current = nullptr;

// FNV-1a: a fingerprint of a string, the same in every process.
int64_t fingerprint(const std::string &s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return static_cast<int64_t>(h);
}

}  // namespace

const Group *active() { return current; }

ActiveScope::ActiveScope(const Group *group) : previous_(current) { current = group; }

ActiveScope::~ActiveScope() { current = previous_; }

int rank() { return current != nullptr ? current->rank() : 0; }

int world_size() { return current != nullptr ? current->world_size() : 1; }

at::Tensor sum(const at::Tensor &t) {
  if (current == nullptr || current->world_size() == 1) return t;
  const std::vector<at::Tensor> all = current->all_gather(t);
  at::Tensor total = all[0].clone();
  for (size_t r = 1; r < all.size(); ++r) total.add_(all[r]);
  return total.to(t.device());
}

double sum_of(double value) {
  if (current == nullptr) return value;
  return dist::sum(at::full({1}, value, at::kDouble)).item<double>();
}

int64_t total_rows(int64_t local_rows) {
  if (current == nullptr) return local_rows;
  return dist::sum(at::full({1}, local_rows, at::kLong)).item<int64_t>();
}

double max(double value) {
  if (current == nullptr) return value;
  const std::vector<at::Tensor> all = current->all_gather(at::full({1}, value, at::kDouble));
  double m = value;
  for (const at::Tensor &t : all) m = std::max(m, t.item<double>());
  return m;
}

int64_t rows_before(int64_t local_rows) {
  if (current == nullptr) return 0;
  const std::vector<at::Tensor> all = current->all_gather(at::full({1}, local_rows, at::kLong));
  int64_t before = 0;
  for (int r = 0; r < current->rank(); ++r) before += all[static_cast<size_t>(r)].item<int64_t>();
  return before;
}

void check_agreement(const std::string &call, const std::string &params, int64_t d, int64_t k,
                     int32_t local_status) {
  if (current == nullptr) return;
  const at::Tensor mine = at::tensor(
      std::vector<int64_t>{local_status, fingerprint(call), fingerprint(params), d, k}, at::kLong);
  const std::vector<at::Tensor> all = current->all_gather(mine);
  if (local_status != 0) return;
  for (size_t r = 0; r < all.size(); ++r) {
    const int64_t status = all[r].data_ptr<int64_t>()[0];
    if (status != 0) {
      fail(TDCM_ERR_DISTRIBUTED,
           "rank " + std::to_string(r) + " failed its own checks of this call with " +
               tdcm_status_name(static_cast<tdcm_status>(status)) + " (its message says why)");
    }
  }
  const int64_t *first = all[0].data_ptr<int64_t>() + 1;
  for (size_t r = 1; r < all.size(); ++r) {
    const int64_t *other = all[r].data_ptr<int64_t>() + 1;
    std::string what;
    if (other[0] != first[0]) {
      what = "a different call than rank 0 (this rank runs " + call + ")";
    } else if (other[1] != first[1]) {
      what = "different parameters";
    } else if (other[2] != first[2]) {
      what = "d=" + std::to_string(other[2]) + " where rank 0 has d=" + std::to_string(first[2]);
    } else if (other[3] != first[3]) {
      what = "k=" + std::to_string(other[3]) + " where rank 0 has k=" + std::to_string(first[3]);
    }
    if (!what.empty()) {
      fail(TDCM_ERR_DISTRIBUTED, "ranks disagree: rank " + std::to_string(r) + " has " + what +
                                     "; every rank must make the same call with the same "
                                     "parameters and widths");
    }
  }
}

}  // namespace tdcm::dist
