// A process group of PyTorch's c10d (the Gloo backend), met through a TCPStore
// ("HOST:PORT", rank 0 serving it) or a FileStore ("file:PATH"), with one timeout
// bounding the rendezvous and every collective. The only file that sees c10d:
// the rest of the library calls these few collectives on CPU tensors.
#pragma once

#include <ATen/ATen.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace tdcm::dist {

struct GroupOptions {
  int rank = 0;
  int world_size = 1;
  std::string rendezvous;  // "HOST:PORT", "tcp://HOST:PORT" or "file:PATH"
  std::chrono::milliseconds timeout{30000};
};

// Whether this build has c10d's Gloo backend (false: Group::create fails).
bool available();

class Group {
 public:
  // Meets the other ranks. Fails with TDCM_ERR_INVALID_ARGUMENT on bad options,
  // TDCM_ERR_TIMEOUT when a rank does not arrive in time, TDCM_ERR_DISTRIBUTED otherwise.
  static std::shared_ptr<Group> create(const GroupOptions &options);
  ~Group();
  Group(const Group &) = delete;
  Group &operator=(const Group &) = delete;

  int rank() const { return rank_; }
  int world_size() const { return world_size_; }
  std::chrono::milliseconds timeout() const { return timeout_; }

  // Every rank's copy of `t` (same shape and dtype on every rank), in rank order.
  // A failed or timed-out peer fails it with TDCM_ERR_DISTRIBUTED or TDCM_ERR_TIMEOUT.
  std::vector<at::Tensor> all_gather(const at::Tensor &t) const;

  // One distributed call at a time per group: the collectives of two calls
  // must not interleave. Throws TDCM_ERR_BUSY when another call holds it.
  std::unique_lock<std::mutex> claim() const;

 private:
  struct Impl;
  Group(std::unique_ptr<Impl> impl, const GroupOptions &options);
  std::unique_ptr<Impl> impl_;
  int rank_;
  int world_size_;
  std::chrono::milliseconds timeout_;
  mutable std::mutex busy_;
};

}  // namespace tdcm::dist
