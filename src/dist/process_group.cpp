#include "dist/process_group.h"

#include <c10/util/Exception.h>

#include <cstdlib>
#include <exception>

#include "core/errors.h"

#if TDCM_HAVE_GLOO
#include <torch/csrc/distributed/c10d/FileStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#endif

namespace tdcm::dist {

namespace {

struct Address {
  bool file = false;
  std::string host;  // or the file's path
  uint16_t port = 0;
};

Address parse_rendezvous(const std::string &text) {
  Address a;
  if (text.rfind("file:", 0) == 0) {
    a.file = true;
    a.host = text.substr(5);
    if (a.host.rfind("//", 0) == 0) a.host = a.host.substr(2);  // file:///tmp/x
    if (a.host.empty()) fail(TDCM_ERR_INVALID_ARGUMENT, "rendezvous 'file:' names no file");
    return a;
  }
  std::string rest = text.rfind("tcp://", 0) == 0 ? text.substr(6) : text;
  const size_t colon = rest.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == rest.size()) {
    fail(TDCM_ERR_INVALID_ARGUMENT, "rendezvous '" + text + "' is neither HOST:PORT nor file:PATH");
  }
  a.host = rest.substr(0, colon);
  if (a.host.size() > 2 && a.host.front() == '[' && a.host.back() == ']') {
    a.host = a.host.substr(1, a.host.size() - 2);  // [::1]:port
  }
  const std::string port = rest.substr(colon + 1);
  char *end = nullptr;
  const long value = std::strtol(port.c_str(), &end, 10);
  if (*end != '\0' || value < 1 || value > 65535) {
    fail(TDCM_ERR_INVALID_ARGUMENT,
         "rendezvous '" + text + "': port '" + port + "' is not in [1, 65535]");
  }
  a.port = static_cast<uint16_t>(value);
  return a;
}

// The checks every build makes of a group's options (with or without Gloo).
Address checked(const GroupOptions &o) {
  if (o.world_size < 1) {
    fail(TDCM_ERR_INVALID_ARGUMENT,
         "world size must be at least 1, got " + std::to_string(o.world_size));
  }
  if (o.rank < 0 || o.rank >= o.world_size) {
    fail(TDCM_ERR_INVALID_ARGUMENT,
         "rank " + std::to_string(o.rank) + " is not in [0, " + std::to_string(o.world_size) + ")");
  }
  if (o.timeout.count() < 1) fail(TDCM_ERR_INVALID_ARGUMENT, "the timeout must be positive");
  return parse_rendezvous(o.rendezvous);
}

}  // namespace

#if TDCM_HAVE_GLOO
namespace {

bool loopback(const std::string &host) {
  return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1";
}

// c10d and Gloo report failures as exceptions with messages; a timed-out
// rendezvous or collective says so in its text.
[[noreturn]] void rethrow_as_status(const std::string &what, const std::string &context) {
  for (const char *phrase : {"imed out", "imeout", "timeout"}) {
    if (what.find(phrase) != std::string::npos) {
      fail(TDCM_ERR_TIMEOUT, context + ": timed out (" + what + ")");
    }
  }
  fail(TDCM_ERR_DISTRIBUTED, context + ": " + what);
}

std::string message_of(const std::exception &e) {
  if (const auto *c10 = dynamic_cast<const c10::Error *>(&e)) return c10->what_without_backtrace();
  return e.what();
}

}  // namespace

struct Group::Impl {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> pg;
};

bool available() { return true; }

std::shared_ptr<Group> Group::create(const GroupOptions &o) {
  const Address address = checked(o);
  auto impl = std::make_unique<Impl>();
  const std::string context = "rank " + std::to_string(o.rank) + " of " +
                              std::to_string(o.world_size) + " meeting at " + o.rendezvous;
  try {
    if (address.file) {
      impl->store = c10::make_intrusive<c10d::FileStore>(address.host, o.world_size);
    } else {
      c10d::TCPStoreOptions so;
      so.port = address.port;
      so.isServer = o.rank == 0;
      so.numWorkers = static_cast<size_t>(o.world_size);
      so.waitWorkers = true;
      so.timeout = o.timeout;
      impl->store = c10::make_intrusive<c10d::TCPStore>(address.host, so);
    }
    impl->store->setTimeout(o.timeout);
    auto options = c10d::ProcessGroupGloo::Options::create(o.timeout);
    // GLOO_SOCKET_IFNAME names the interface, as for torch.distributed; else
    // loopback for a loopback master, the host's own address otherwise.
    const char *iface = std::getenv("GLOO_SOCKET_IFNAME");
    if (iface != nullptr && *iface != '\0') {
      options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(iface));
    } else if (!address.file && loopback(address.host)) {
      options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
    } else {
      options->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
    }
    options->threads = 1;
    impl->pg =
        c10::make_intrusive<c10d::ProcessGroupGloo>(impl->store, o.rank, o.world_size, options);
  } catch (const Error &) {
    throw;
  } catch (const std::exception &e) {
    rethrow_as_status(message_of(e), context);
  }
  return std::shared_ptr<Group>(new Group(std::move(impl), o));
}

std::vector<at::Tensor> Group::all_gather(const at::Tensor &t) const {
  const at::Tensor input = t.to(at::kCPU).contiguous();
  std::vector<at::Tensor> inputs{input};
  std::vector<std::vector<at::Tensor>> outputs(1);
  for (int r = 0; r < world_size_; ++r) outputs[0].push_back(at::empty_like(input));
  try {
    impl_->pg->allgather(outputs, inputs)->wait();
  } catch (const std::exception &e) {
    rethrow_as_status(message_of(e), "rank " + std::to_string(rank_) + ": a collective failed");
  }
  return outputs[0];
}

#else

struct Group::Impl {};

bool available() { return false; }

std::shared_ptr<Group> Group::create(const GroupOptions &o) {
  checked(o);  // bad arguments are reported as such here too
  fail(TDCM_ERR_DISTRIBUTED,
       "this libtdcm was built without c10d's Gloo backend (its LibTorch ships no Gloo "
       "headers): no process group can be created");
}

std::vector<at::Tensor> Group::all_gather(const at::Tensor &t) const { return {t}; }

#endif

Group::Group(std::unique_ptr<Impl> impl, const GroupOptions &o)
    : impl_(std::move(impl)), rank_(o.rank), world_size_(o.world_size), timeout_(o.timeout) {}

Group::~Group() = default;

std::unique_lock<std::mutex> Group::claim() const {
  std::unique_lock<std::mutex> lock(busy_, std::try_to_lock);
  if (!lock.owns_lock()) {
    fail(TDCM_ERR_BUSY,
         "the communicator is in use by another call (one distributed call at a "
         "time per communicator)");
  }
  return lock;
}

}  // namespace tdcm::dist
