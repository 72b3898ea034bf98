#include "core/runtime.h"

#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <dlfcn.h>

#include <cstring>
#include <thread>

#include "core/errors.h"

namespace tdcm {

c10::Device resolve_device(const std::string &name) {
  const bool have_cuda = at::hasCUDA();
  if (name == "cpu") return c10::Device(c10::kCPU);
  if (name == "auto") return have_cuda ? c10::Device(c10::kCUDA, 0) : c10::Device(c10::kCPU);
  int index = 0;
  if (name.rfind("cuda:", 0) == 0) {
    index = std::stoi(name.substr(5));
  } else if (name != "cuda") {
    fail(TDCM_ERR_DEVICE, "unknown device '" + name + "'");
  }
  if (!have_cuda) {
    fail(TDCM_ERR_DEVICE, "device '" + name + "' requested but this LibTorch has no usable CUDA");
  }
  const int count = static_cast<int>(at::getNumGPUs());
  if (index >= count) {
    fail(TDCM_ERR_DEVICE, "device '" + name + "' requested but only " + std::to_string(count) +
                              " CUDA device(s) are present");
  }
  return c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(index));
}

std::string device_name(const c10::Device &device) {
  if (device.is_cpu()) return "cpu";
  return "cuda:" + std::to_string(device.has_index() ? device.index() : 0);
}

namespace {

// OpenBLAS's own thread count, when the libblas.so.3 that LibTorch calls is
// OpenBLAS: looked up at run time, so any BLAS (or none) still works.
struct OpenBlasThreads {
  void (*set)(int) = nullptr;
  int (*get)() = nullptr;
};

void *find_symbol(const char *name) {
  if (void *sym = dlsym(RTLD_DEFAULT, name)) return sym;
  // Loaded with RTLD_LOCAL (e.g. a host that dlopens libtdcm): ask the BLAS itself.
  static void *const blas = dlopen("libblas.so.3", RTLD_NOW | RTLD_NOLOAD);
  return blas != nullptr ? dlsym(blas, name) : nullptr;
}

const OpenBlasThreads &openblas_threads() {
  static const OpenBlasThreads fns = [] {
    OpenBlasThreads f;
    f.set = reinterpret_cast<void (*)(int)>(find_symbol("openblas_set_num_threads"));
    f.get = reinterpret_cast<int (*)()>(find_symbol("openblas_get_num_threads"));
    if (f.set == nullptr || f.get == nullptr) f = OpenBlasThreads{};
    return f;
  }();
  return fns;
}

}  // namespace

void apply_threads(int64_t threads, Work work) {
  int want = static_cast<int>(threads);
  if (want <= 0 && work == Work::Training) want = 1;
  if (want <= 0) {
    want = static_cast<int>(std::thread::hardware_concurrency());
    if (want <= 0) want = 1;
  }
  if (at::get_num_threads() != want) at::set_num_threads(want);
  // LibTorch's thread count does not reach a system OpenBLAS, whose pool otherwise
  // spins on every core: threads=1 used twice the CPU time of its wall time on 2 cores.
  const OpenBlasThreads &openblas = openblas_threads();
  if (openblas.set != nullptr && openblas.get() != want) openblas.set(want);
}

void copy_to_buffer(const at::Tensor &src, void *dst) {
  const at::Tensor cpu = src.to(at::kCPU).contiguous();
  std::memcpy(dst, cpu.data_ptr(), static_cast<size_t>(cpu.numel()) * cpu.element_size());
}

}  // namespace tdcm
