// The ABI boundary: checks handles, pointers, sizes and finite values, turns
// every exception into a status and a thread-local message, and enforces the
// one-writer-or-many-readers rule per model with TDCM_ERR_BUSY.
#include <c10/util/Exception.h>

#include <cmath>
#include <limits>
#include <memory>
#include <new>
#include <optional>
#include <shared_mutex>
#include <sstream>
#include <string>
#include <string_view>

#include "capi/status.h"
#include "core/errors.h"
#include "core/finite_scan.h"
#include "core/model.h"
#include "core/params.h"
#include "core/runtime.h"
#include "data/synth.h"
#include "data/synth_structured.h"
#include "dist/collectives.h"
#include "dist/process_group.h"
#include "metrics/cluster_matching.h"
#include "metrics/metrics.h"
#include "tdcm/tdcm.h"

struct tdcm_model {
  explicit tdcm_model(tdcm::Model m)
      : model(std::move(m)),
        algorithm(model.params().algo),
        device(tdcm::device_name(model.device())) {}

  tdcm::Model model;
  const std::string algorithm;
  const std::string device;
  tdcm_progress_fn progress = nullptr;
  void *progress_user = nullptr;
  // Set by tdcm_set_comm: fit, adapt and assign run over this group.
  std::shared_ptr<tdcm::dist::Group> comm;
  std::shared_mutex lock;
};

struct tdcm_comm {
  std::shared_ptr<tdcm::dist::Group> group;
};

namespace {

thread_local std::string last_error;

tdcm_status set_error(tdcm_status status, const std::string &message) {
  last_error = message;
  return status;
}

// LibTorch's allocators fail with c10::OutOfMemoryError (the CUDA caching allocator) or,
// in LibTorch 1.13, a plain c10::Error from the CPU allocator ("DefaultCPUAllocator:
// can't allocate memory").
bool is_out_of_memory(const std::string &what) {
  for (const char *phrase : {"out of memory", "can't allocate memory", "not enough memory"}) {
    if (what.find(phrase) != std::string::npos) return true;
  }
  return false;
}

void require(const void *p, const char *name) {
  if (p == nullptr) {
    tdcm::fail(TDCM_ERR_NULL_ARGUMENT, std::string("argument '") + name + "' is NULL");
  }
}

// Rows and columns in range, and (with `values`) every value finite.
void check_matrix(const float *x, int64_t n, int64_t d, bool values = true) {
  require(x, "x");
  if (n < 1)
    tdcm::fail(TDCM_ERR_INVALID_ARGUMENT, "n must be at least 1, got " + std::to_string(n));
  if (d < 1)
    tdcm::fail(TDCM_ERR_INVALID_ARGUMENT, "d must be at least 1, got " + std::to_string(d));
  if (n > std::numeric_limits<int64_t>::max() / d / static_cast<int64_t>(sizeof(float))) {
    tdcm::fail(TDCM_ERR_INVALID_ARGUMENT, "n x d is too large");
  }
  if (values) tdcm::require_finite(x, n, d);
}

// probs holds n x k floats: a size no buffer can have is refused before x is read.
void check_probs(int64_t n, int64_t k, const float *probs) {
  if (probs != nullptr &&
      n > std::numeric_limits<int64_t>::max() / k / static_cast<int64_t>(sizeof(float))) {
    tdcm::fail(TDCM_ERR_INVALID_ARGUMENT, "n x k probabilities is too large");
  }
}

// Scoped locks that refuse instead of waiting: a conflicting call is BUSY.
class ReadLock {
 public:
  explicit ReadLock(tdcm_model *m) : m_(m) {
    if (!m_->lock.try_lock_shared()) {
      tdcm::fail(TDCM_ERR_BUSY, "the model is being modified by another call");
    }
  }
  ~ReadLock() { m_->lock.unlock_shared(); }
  ReadLock(const ReadLock &) = delete;
  ReadLock &operator=(const ReadLock &) = delete;

 private:
  tdcm_model *m_;
};

class WriteLock {
 public:
  explicit WriteLock(tdcm_model *m) : m_(m) {
    if (!m_->lock.try_lock()) tdcm::fail(TDCM_ERR_BUSY, "the model is in use by another call");
  }
  ~WriteLock() { m_->lock.unlock(); }
  WriteLock(const WriteLock &) = delete;
  WriteLock &operator=(const WriteLock &) = delete;

 private:
  tdcm_model *m_;
};

// The parameters every rank of a distributed call must share: the canonical
// string without the run-time keys (device, threads, chunk_rows), which may differ.
std::string shared_params(const tdcm::Params &params) {
  std::istringstream in(tdcm::to_string(params));
  std::string item, out;
  while (in >> item) {
    if (tdcm::is_runtime_param(item.substr(0, item.find('=')))) continue;
    out += item + ' ';
  }
  return out;
}

// Runs a call of the model: `checks` (the arguments, the lock), then `body`.
// With a communicator every rank first agrees that all make the same call on
// the same parameters and d, each after its own checks, and `body` runs with
// the group active for the algorithms' collectives.
template <class Checks, class Body>
void run_call(tdcm_model *model, const char *call, int64_t d, Checks checks, Body body) {
  const std::shared_ptr<tdcm::dist::Group> comm = model->comm;
  if (!comm) {
    checks();
    body();
    return;
  }
  const std::unique_lock<std::mutex> claim = comm->claim();
  const tdcm::dist::ActiveScope active(comm.get());
  std::exception_ptr error;
  int32_t status = TDCM_OK;
  try {
    checks();
  } catch (const tdcm::Error &e) {
    error = std::current_exception();
    status = e.status();
  } catch (...) {
    error = std::current_exception();
    status = TDCM_ERR_INTERNAL;
  }
  const tdcm::Params &params = model->model.params();
  tdcm::dist::check_agreement(call, shared_params(params), d, params.k, status);
  if (error) std::rethrow_exception(error);
  body();
}

}  // namespace

tdcm_status tdcm::capi::status_of(std::exception_ptr e) noexcept {
  try {
    try {
      std::rethrow_exception(e);
    } catch (const tdcm::Error &e) {
      return set_error(e.status(), e.what());
    } catch (const c10::OutOfMemoryError &e) {
      return set_error(TDCM_ERR_OUT_OF_MEMORY,
                       std::string("out of memory: ") + e.what_without_backtrace());
    } catch (const c10::Error &e) {
      const std::string what = e.what_without_backtrace();
      if (is_out_of_memory(what)) {
        return set_error(TDCM_ERR_OUT_OF_MEMORY, "out of memory: " + what);
      }
      return set_error(TDCM_ERR_INTERNAL, "LibTorch error: " + what);
    } catch (const std::bad_alloc &) {
      return set_error(TDCM_ERR_OUT_OF_MEMORY, "out of memory");
    } catch (const std::exception &e) {
      return set_error(TDCM_ERR_INTERNAL, e.what());
    } catch (...) {
      return set_error(TDCM_ERR_INTERNAL, "unknown internal error");
    }
  } catch (...) {
    // Building the message itself ran out of memory; this one fits the string's
    // inline buffer, so storing it allocates nothing.
    last_error = "out of memory";
    return TDCM_ERR_OUT_OF_MEMORY;
  }
}

// Every extern "C" body sits in one BEGIN/END pair: no exception crosses the ABI.
#define TDCM_API_BEGIN try {
#define TDCM_API_END                                        \
  }                                                         \
  catch (...) {                                             \
    return tdcm::capi::status_of(std::current_exception()); \
  }                                                         \
  return TDCM_OK;

extern "C" {

const char *tdcm_version(void) { return TDCM_VERSION_STRING; }

const char *tdcm_last_error(void) { return last_error.c_str(); }

const char *tdcm_status_name(tdcm_status status) {
  switch (status) {
    case TDCM_OK:
      return "TDCM_OK";
    case TDCM_ERR_NULL_ARGUMENT:
      return "TDCM_ERR_NULL_ARGUMENT";
    case TDCM_ERR_INVALID_ARGUMENT:
      return "TDCM_ERR_INVALID_ARGUMENT";
    case TDCM_ERR_UNKNOWN_PARAMETER:
      return "TDCM_ERR_UNKNOWN_PARAMETER";
    case TDCM_ERR_BAD_PARAMETER:
      return "TDCM_ERR_BAD_PARAMETER";
    case TDCM_ERR_NON_FINITE:
      return "TDCM_ERR_NON_FINITE";
    case TDCM_ERR_SHAPE:
      return "TDCM_ERR_SHAPE";
    case TDCM_ERR_NOT_FITTED:
      return "TDCM_ERR_NOT_FITTED";
    case TDCM_ERR_NOT_ADAPTED:
      return "TDCM_ERR_NOT_ADAPTED";
    case TDCM_ERR_IO:
      return "TDCM_ERR_IO";
    case TDCM_ERR_BAD_FILE:
      return "TDCM_ERR_BAD_FILE";
    case TDCM_ERR_UNSUPPORTED_VERSION:
      return "TDCM_ERR_UNSUPPORTED_VERSION";
    case TDCM_ERR_DEVICE:
      return "TDCM_ERR_DEVICE";
    case TDCM_ERR_BUSY:
      return "TDCM_ERR_BUSY";
    case TDCM_ERR_OUT_OF_MEMORY:
      return "TDCM_ERR_OUT_OF_MEMORY";
    case TDCM_ERR_CANCELLED:
      return "TDCM_ERR_CANCELLED";
    case TDCM_ERR_INTERNAL:
      return "TDCM_ERR_INTERNAL";
    case TDCM_ERR_DIVERGED:
      return "TDCM_ERR_DIVERGED";
    case TDCM_ERR_DISTRIBUTED:
      return "TDCM_ERR_DISTRIBUTED";
    case TDCM_ERR_TIMEOUT:
      return "TDCM_ERR_TIMEOUT";
  }
  return "TDCM_ERR_UNKNOWN_STATUS";
}

tdcm_status tdcm_param_count(size_t *count) {
  TDCM_API_BEGIN
  require(count, "count");
  *count = tdcm::param_table().size();
  TDCM_API_END
}

tdcm_status tdcm_param_info(size_t index, tdcm_param_desc *desc) {
  TDCM_API_BEGIN
  require(desc, "desc");
  const auto &table = tdcm::param_table();
  if (index >= table.size()) {
    tdcm::fail(TDCM_ERR_INVALID_ARGUMENT, "parameter index " + std::to_string(index) +
                                              " is out of range (count " +
                                              std::to_string(table.size()) + ")");
  }
  const tdcm::ParamSpec &s = table[index];
  *desc = tdcm_param_desc{s.name, s.type, s.default_value, s.range, s.help};
  TDCM_API_END
}

tdcm_status tdcm_create(tdcm_model **out, const char *params) {
  TDCM_API_BEGIN
  require(out, "out");
  *out = nullptr;
  *out = new tdcm_model(tdcm::Model(tdcm::parse_params(params)));
  TDCM_API_END
}

void tdcm_destroy(tdcm_model *model) { delete model; }

tdcm_status tdcm_set_progress_callback(tdcm_model *model, tdcm_progress_fn fn, void *user_data) {
  TDCM_API_BEGIN
  require(model, "model");
  WriteLock lock(model);
  model->progress = fn;
  model->progress_user = user_data;
  TDCM_API_END
}

namespace {

// The fit of tdcm_fit, tdcm_fit_progress and the labelled fits, on checked
// arguments with the write lock held; `fn` is the callback of this fit (or NULL).
void fit_locked(tdcm_model *model, const float *x, int64_t n, int64_t d, const int64_t *set_ids,
                tdcm_progress_fn fn, void *user_data, const int32_t *labels = nullptr) {
  const tdcm::Params &params = model->model.params();
  tdcm::apply_threads(params.threads,
                      params.algo == "tdcm" ? tdcm::Work::Training : tdcm::Work::Inference);
  tdcm::ProgressFn progress;
  if (fn != nullptr) {
    progress = [fn, user_data](const tdcm_progress &p) { return fn(&p, user_data) == 0; };
  }
  if (tdcm::dist::active() != nullptr) {
    // Every rank reports each epoch, callback or not, and all go on only if
    // none cancelled: one rank's cancel stops every rank at the same epoch.
    progress = [fn, user_data](const tdcm_progress &p) {
      const bool go = fn == nullptr || fn(&p, user_data) == 0;
      return tdcm::dist::max(go ? 0.0 : 1.0) == 0.0;
    };
  }
  model->model.fit(x, n, d, set_ids, progress, labels);
}

// Every fit: checks, the lock, and in a distributed fit the ranks' agreement
// (run_call). `labels`: tdcm_fit_labelled's, or NULL.
void fit_call(tdcm_model *model, const float *x, int64_t n, int64_t d, const int64_t *set_ids,
              tdcm_progress_fn fn, void *user_data, bool own_callback,
              const int32_t *labels = nullptr) {
  require(model, "model");
  std::optional<WriteLock> lock;
  run_call(
      model, "fit", d,
      [&] {
        check_matrix(x, n, d);
        if (set_ids != nullptr && model->comm) {
          tdcm::fail(TDCM_ERR_INVALID_ARGUMENT,
                     "set_ids must be NULL in a distributed fit (a collection of source sets "
                     "is fitted by one process)");
        }
        lock.emplace(model);
      },
      [&] {
        if (own_callback) {
          fn = model->progress;
          user_data = model->progress_user;
        }
        fit_locked(model, x, n, d, set_ids, fn, user_data, labels);
      });
}

}  // namespace

tdcm_status tdcm_fit(tdcm_model *model, const float *x, int64_t n, int64_t d,
                     const int64_t *set_ids) {
  TDCM_API_BEGIN
  fit_call(model, x, n, d, set_ids, nullptr, nullptr, /*own_callback=*/true);
  TDCM_API_END
}

tdcm_status tdcm_fit_progress(tdcm_model *model, const float *x, int64_t n, int64_t d,
                              const int64_t *set_ids, tdcm_progress_fn fn, void *user_data) {
  TDCM_API_BEGIN
  fit_call(model, x, n, d, set_ids, fn, user_data, /*own_callback=*/false);
  TDCM_API_END
}

tdcm_status tdcm_fit_labelled(tdcm_model *model, const float *x, int64_t n, int64_t d,
                              const int64_t *set_ids, const int32_t *labels) {
  TDCM_API_BEGIN
  require(set_ids, "set_ids");
  require(labels, "labels");
  fit_call(model, x, n, d, set_ids, nullptr, nullptr, /*own_callback=*/true, labels);
  TDCM_API_END
}

tdcm_status tdcm_fit_labelled_progress(tdcm_model *model, const float *x, int64_t n, int64_t d,
                                       const int64_t *set_ids, const int32_t *labels,
                                       tdcm_progress_fn fn, void *user_data) {
  TDCM_API_BEGIN
  require(set_ids, "set_ids");
  require(labels, "labels");
  fit_call(model, x, n, d, set_ids, fn, user_data, /*own_callback=*/false, labels);
  TDCM_API_END
}

tdcm_status tdcm_assign(tdcm_model *model, const float *x, int64_t n, int64_t d, int32_t *labels,
                        float *probs) {
  TDCM_API_BEGIN
  require(model, "model");
  std::optional<ReadLock> lock;
  run_call(
      model, "assign", d,
      [&] {
        require(labels, "labels");
        // The parameters never change after tdcm_create: k is read without the lock.
        check_probs(n, model->model.params().k, probs);
        // In one process the values are checked by the assign itself, in the
        // pass that reads them (a k-means assign reads every row once); ranks
        // check them first, so that all agree on the error before any work.
        check_matrix(x, n, d, /*values=*/model->comm != nullptr);
        lock.emplace(model);
        if (model->comm) model->model.check_input(n, d);
      },
      [&] {
        tdcm::apply_threads(model->model.params().threads, tdcm::Work::Inference);
        model->model.assign(x, n, d, labels, probs, /*values_checked=*/model->comm != nullptr);
      });
  TDCM_API_END
}

tdcm_status tdcm_adapt(tdcm_model *model, const float *x, int64_t n, int64_t d) {
  TDCM_API_BEGIN
  require(model, "model");
  std::optional<WriteLock> lock;
  run_call(
      model, "adapt", d,
      [&] {
        check_matrix(x, n, d);
        lock.emplace(model);
        if (model->comm) model->model.check_input(n, d);
      },
      [&] {
        tdcm::apply_threads(model->model.params().threads, tdcm::Work::Inference);
        model->model.adapt(x, n, d);
      });
  TDCM_API_END
}

tdcm_status tdcm_predict(tdcm_model *model, const float *x, int64_t n, int64_t d, int32_t *labels,
                         float *probs) {
  TDCM_API_BEGIN
  require(model, "model");
  require(labels, "labels");
  // The parameters never change after tdcm_create: k is read without the lock.
  check_probs(n, model->model.params().k, probs);
  check_matrix(x, n, d, /*values=*/false);
  ReadLock lock(model);
  tdcm::apply_threads(model->model.params().threads, tdcm::Work::Inference);
  model->model.predict(x, n, d, labels, probs, /*values_checked=*/false);
  TDCM_API_END
}

tdcm_status tdcm_save(tdcm_model *model, const char *path) {
  TDCM_API_BEGIN
  require(model, "model");
  require(path, "path");
  ReadLock lock(model);
  model->model.save(path);
  TDCM_API_END
}

tdcm_status tdcm_load_with(tdcm_model **out, const char *path, const char *params) {
  TDCM_API_BEGIN
  require(out, "out");
  *out = nullptr;
  require(path, "path");
  *out = new tdcm_model(tdcm::Model::load(path, params));
  TDCM_API_END
}

tdcm_status tdcm_load(tdcm_model **out, const char *path) {
  return tdcm_load_with(out, path, nullptr);
}

tdcm_status tdcm_save_buffer(tdcm_model *model, void *buf, size_t capacity, size_t *needed) {
  TDCM_API_BEGIN
  require(model, "model");
  ReadLock lock(model);
  const std::string bytes = model->model.save_bytes();
  if (needed != nullptr) *needed = bytes.size();
  if (capacity < bytes.size()) {
    tdcm::fail(TDCM_ERR_INVALID_ARGUMENT, "buffer of " + std::to_string(capacity) +
                                              " bytes is too small; " +
                                              std::to_string(bytes.size()) + " needed");
  }
  require(buf, "buf");
  std::memcpy(buf, bytes.data(), bytes.size());
  TDCM_API_END
}

tdcm_status tdcm_load_buffer_with(tdcm_model **out, const void *data, size_t size,
                                  const char *params) {
  TDCM_API_BEGIN
  require(out, "out");
  *out = nullptr;
  if (size > 0) require(data, "data");
  const std::string_view bytes(static_cast<const char *>(data), data != nullptr ? size : 0);
  *out = new tdcm_model(tdcm::Model::load_bytes(bytes, params));
  TDCM_API_END
}

tdcm_status tdcm_load_buffer(tdcm_model **out, const void *data, size_t size) {
  return tdcm_load_buffer_with(out, data, size, nullptr);
}

#define TDCM_GETTER(name, type, expr)               \
  tdcm_status name(tdcm_model *model, type value) { \
    TDCM_API_BEGIN                                  \
    require(model, "model");                        \
    require(value, #name);                          \
    ReadLock lock(model);                           \
    *value = (expr);                                \
    TDCM_API_END                                    \
  }

TDCM_GETTER(tdcm_get_k, int64_t *, model->model.params().k)
TDCM_GETTER(tdcm_get_input_dim, int64_t *, model->model.input_dim())
TDCM_GETTER(tdcm_get_embed_dim, int64_t *, model->model.embed_dim())
TDCM_GETTER(tdcm_get_algorithm, const char **, model->algorithm.c_str())
TDCM_GETTER(tdcm_get_device, const char **, model->device.c_str())
TDCM_GETTER(tdcm_is_fitted, int *, model->model.fitted() ? 1 : 0)
TDCM_GETTER(tdcm_is_adapted, int *, model->model.adapted() ? 1 : 0)

#undef TDCM_GETTER

tdcm_status tdcm_get_params(tdcm_model *model, char *buf, size_t capacity, size_t *needed) {
  TDCM_API_BEGIN
  require(model, "model");
  ReadLock lock(model);
  const std::string text = tdcm::to_string(model->model.params());
  if (needed != nullptr) *needed = text.size() + 1;
  if (capacity < text.size() + 1) {
    tdcm::fail(TDCM_ERR_INVALID_ARGUMENT, "buffer of " + std::to_string(capacity) +
                                              " bytes is too small; " +
                                              std::to_string(text.size() + 1) + " needed");
  }
  require(buf, "buf");
  std::memcpy(buf, text.c_str(), text.size() + 1);
  TDCM_API_END
}

namespace {

void copy_report(const std::vector<tdcm::ClusterReport> &from, tdcm_cluster_report *to) {
  for (size_t j = 0; j < from.size(); ++j) {
    const tdcm::ClusterReport &r = from[j];
    tdcm_cluster_report &out = to[j];
    out.cluster = static_cast<int32_t>(j);
    out.source_cluster = static_cast<int32_t>(r.source_cluster);
    out.flags = (r.unmatched ? TDCM_CLUSTER_UNMATCHED : 0) |
                (r.moved_far ? TDCM_CLUSTER_MOVED_FAR : 0) | (r.shrank ? TDCM_CLUSTER_SHRANK : 0);
    out.confidence = r.confidence;
    out.shift = r.shift;
    out.source_size = r.source_size;
    out.target_size = r.target_size;
  }
}

}  // namespace

tdcm_status tdcm_assign_report(tdcm_model *model, const float *x, int64_t n, int64_t d,
                               int32_t *labels, float *probs, tdcm_cluster_report *report) {
  TDCM_API_BEGIN
  require(model, "model");
  std::optional<ReadLock> lock;
  run_call(
      model, "assign_report", d,
      [&] {
        require(labels, "labels");
        require(report, "report");
        check_matrix(x, n, d);
        lock.emplace(model);
        if (model->comm) model->model.check_input(n, d);
      },
      [&] {
        tdcm::apply_threads(model->model.params().threads, tdcm::Work::Inference);
        copy_report(model->model.assign_report(x, n, d, labels, probs), report);
      });
  TDCM_API_END
}

tdcm_status tdcm_get_report(tdcm_model *model, tdcm_cluster_report *report) {
  TDCM_API_BEGIN
  require(model, "model");
  require(report, "report");
  ReadLock lock(model);
  copy_report(model->model.adapted_report(), report);
  TDCM_API_END
}

tdcm_status tdcm_get_centroid_dim(tdcm_model *model, int64_t *dim, int32_t *space) {
  TDCM_API_BEGIN
  require(model, "model");
  require(dim, "dim");
  ReadLock lock(model);
  *dim = model->model.centroid_dim();
  if (space != nullptr) {
    *space = model->model.centroids_in_input_space() ? TDCM_SPACE_INPUT : TDCM_SPACE_EMBEDDING;
  }
  TDCM_API_END
}

tdcm_status tdcm_get_centroids(tdcm_model *model, int32_t which, float *out, int64_t k,
                               int64_t dim) {
  TDCM_API_BEGIN
  require(model, "model");
  require(out, "out");
  if (which != TDCM_CENTROIDS_SOURCE && which != TDCM_CENTROIDS_ADAPTED) {
    tdcm::fail(TDCM_ERR_INVALID_ARGUMENT,
               "which must be TDCM_CENTROIDS_SOURCE or "
               "TDCM_CENTROIDS_ADAPTED, got " +
                   std::to_string(which));
  }
  ReadLock lock(model);
  const at::Tensor c = model->model.centroids(
      which == TDCM_CENTROIDS_SOURCE ? tdcm::Model::Which::Source : tdcm::Model::Which::Adapted);
  if (k != c.size(0) || dim != c.size(1)) {
    tdcm::fail(TDCM_ERR_SHAPE, "the centroids are " + std::to_string(c.size(0)) + " x " +
                                   std::to_string(c.size(1)) + ", the buffer " + std::to_string(k) +
                                   " x " + std::to_string(dim));
  }
  std::memcpy(out, c.data_ptr<float>(), sizeof(float) * static_cast<size_t>(c.numel()));
  TDCM_API_END
}

tdcm_status tdcm_set_centroids(tdcm_model *model, const float *centroids, int64_t k, int64_t d) {
  TDCM_API_BEGIN
  require(model, "model");
  check_matrix(centroids, k, d);
  WriteLock lock(model);
  model->model.set_centroids(centroids, k, d);
  TDCM_API_END
}

tdcm_status tdcm_metrics(const int32_t *truth, const int32_t *pred, int64_t n,
                         tdcm_metrics_result *out) {
  TDCM_API_BEGIN
  require(truth, "truth");
  require(pred, "pred");
  require(out, "out");
  if (n < 1) tdcm::fail(TDCM_ERR_INVALID_ARGUMENT, "n must be at least 1");
  try {
    const tdcm::metrics::Scores s = tdcm::metrics::evaluate(truth, pred, n);
    *out = tdcm_metrics_result{s.nmi, s.ari, s.acc};
  } catch (const std::invalid_argument &e) {
    tdcm::fail(TDCM_ERR_INVALID_ARGUMENT, e.what());
  }
  TDCM_API_END
}

tdcm_status tdcm_metrics_acc_kept(const int32_t *source_truth, const int32_t *source_pred,
                                  int64_t n_source, const int32_t *target_truth,
                                  const int32_t *target_pred, int64_t n_target, double *acc_kept) {
  TDCM_API_BEGIN
  require(source_truth, "source_truth");
  require(source_pred, "source_pred");
  require(target_truth, "target_truth");
  require(target_pred, "target_pred");
  require(acc_kept, "acc_kept");
  if (n_source < 1 || n_target < 1) {
    tdcm::fail(TDCM_ERR_INVALID_ARGUMENT, "n_source and n_target must be at least 1");
  }
  try {
    *acc_kept = tdcm::metrics::acc_kept(source_truth, source_pred, n_source, target_truth,
                                        target_pred, n_target);
  } catch (const std::invalid_argument &e) {
    tdcm::fail(TDCM_ERR_INVALID_ARGUMENT, e.what());
  }
  TDCM_API_END
}

tdcm_status tdcm_metrics_calibration(const int32_t *source_truth, const int32_t *source_pred,
                                     int64_t n_source, const int32_t *target_truth,
                                     const float *target_probs, int64_t n_target, int64_t k,
                                     double *ece, double *log_loss) {
  TDCM_API_BEGIN
  require(source_truth, "source_truth");
  require(source_pred, "source_pred");
  require(target_truth, "target_truth");
  require(target_probs, "target_probs");
  require(ece, "ece");
  require(log_loss, "log_loss");
  if (n_source < 1 || n_target < 1 || k < 1 ||
      n_target > std::numeric_limits<int64_t>::max() / k / static_cast<int64_t>(sizeof(float))) {
    tdcm::fail(TDCM_ERR_INVALID_ARGUMENT,
               "n_source, n_target and k must be at least 1, and n_target x k addressable");
  }
  try {
    const tdcm::metrics::Calibration c = tdcm::metrics::calibration(
        source_truth, source_pred, n_source, target_truth, target_probs, n_target, k);
    *ece = c.ece;
    *log_loss = c.log_loss;
  } catch (const std::invalid_argument &e) {
    tdcm::fail(TDCM_ERR_INVALID_ARGUMENT, e.what());
  }
  TDCM_API_END
}

tdcm_status tdcm_metrics_match_clusters(const float *source_x, const int32_t *source_labels,
                                        int64_t n_source, const float *target_x,
                                        const int32_t *target_labels, int64_t n_target, int64_t d,
                                        int64_t k, double drift_scale, int32_t *target_to_source) {
  TDCM_API_BEGIN
  require(source_labels, "source_labels");
  require(target_labels, "target_labels");
  require(target_to_source, "target_to_source");
  check_matrix(source_x, n_source, d);
  check_matrix(target_x, n_target, d);
  if (k < 1 || k > n_source || k > n_target) {
    tdcm::fail(TDCM_ERR_INVALID_ARGUMENT, "k must be in [1, n]");
  }
  try {
    const std::vector<int32_t> to = tdcm::metrics::match_clusters(
        source_x, source_labels, n_source, target_x, target_labels, n_target, d, k, drift_scale);
    std::copy(to.begin(), to.end(), target_to_source);
  } catch (const std::invalid_argument &e) {
    tdcm::fail(TDCM_ERR_INVALID_ARGUMENT, e.what());
  }
  TDCM_API_END
}

tdcm_status tdcm_synth_drift(int64_t k, int64_t d, int64_t n_per_cluster, uint64_t seed,
                             double spread, double drift, float *source_x, int32_t *source_y,
                             float *target_x, int32_t *target_y) {
  TDCM_API_BEGIN
  if (k < 1 || d < 1 || n_per_cluster < 1 || !(spread > 0) || !(drift >= 0) ||
      !std::isfinite(spread) || !std::isfinite(drift)) {
    tdcm::fail(TDCM_ERR_INVALID_ARGUMENT,
               "synth_drift needs k, d, n_per_cluster >= 1, spread > 0 and drift >= 0");
  }
  tdcm::data::DriftSpec spec{k, d, n_per_cluster, seed, spread, drift};
  const tdcm::data::DriftPair pair = tdcm::data::make_drift_pair(spec);
  auto copy = [](const auto &from, auto *to) {
    if (to != nullptr) std::copy(from.begin(), from.end(), to);
  };
  copy(pair.source.x, source_x);
  copy(pair.source.y, source_y);
  copy(pair.target.x, target_x);
  copy(pair.target.y, target_y);
  TDCM_API_END
}

tdcm_status tdcm_synth_structured(int64_t k, int64_t d, int64_t signal_dims, double nuisance_var,
                                  int64_t n_per_cluster, double spread, uint64_t family_seed,
                                  uint64_t seed, float *x, int32_t *y, double *covariance) {
  TDCM_API_BEGIN
  if (k < 1 || d < 1 || n_per_cluster < 1 || signal_dims < 1 || signal_dims > d ||
      !(nuisance_var > 0) || !(spread > 0) || !std::isfinite(nuisance_var) ||
      !std::isfinite(spread)) {
    tdcm::fail(TDCM_ERR_INVALID_ARGUMENT,
               "synth_structured needs k, d, n_per_cluster >= 1, 1 <= signal_dims <= d, "
               "nuisance_var > 0 and spread > 0");
  }
  tdcm::data::StructuredSpec spec{k,      d,           signal_dims, nuisance_var, n_per_cluster,
                                  spread, family_seed, seed};
  if (x != nullptr || y != nullptr) {
    const tdcm::data::LabelledSet set = tdcm::data::make_structured_set(spec);
    if (x != nullptr) std::copy(set.x.begin(), set.x.end(), x);
    if (y != nullptr) std::copy(set.y.begin(), set.y.end(), y);
  }
  if (covariance != nullptr) {
    const std::vector<double> sigma = tdcm::data::structured_covariance(spec);
    std::copy(sigma.begin(), sigma.end(), covariance);
  }
  TDCM_API_END
}

tdcm_status tdcm_comm_create(tdcm_comm **out, int32_t rank, int32_t world_size,
                             const char *rendezvous, int32_t timeout_ms) {
  TDCM_API_BEGIN
  require(out, "out");
  *out = nullptr;
  require(rendezvous, "rendezvous");
  if (timeout_ms < 1) {
    tdcm::fail(TDCM_ERR_INVALID_ARGUMENT,
               "timeout_ms must be positive, got " + std::to_string(timeout_ms));
  }
  tdcm::dist::GroupOptions options;
  options.rank = rank;
  options.world_size = world_size;
  options.rendezvous = rendezvous;
  options.timeout = std::chrono::milliseconds(timeout_ms);
  auto comm = std::make_unique<tdcm_comm>();
  comm->group = tdcm::dist::Group::create(options);
  *out = comm.release();
  TDCM_API_END
}

void tdcm_comm_destroy(tdcm_comm *comm) { delete comm; }

tdcm_status tdcm_comm_info(tdcm_comm *comm, int32_t *rank, int32_t *world_size) {
  TDCM_API_BEGIN
  require(comm, "comm");
  if (rank != nullptr) *rank = comm->group->rank();
  if (world_size != nullptr) *world_size = comm->group->world_size();
  TDCM_API_END
}

tdcm_status tdcm_set_comm(tdcm_model *model, tdcm_comm *comm) {
  TDCM_API_BEGIN
  require(model, "model");
  WriteLock lock(model);
  model->comm = comm != nullptr ? comm->group : nullptr;
  TDCM_API_END
}

}  // extern "C"
