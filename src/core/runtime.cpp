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
    // A CUDA LibTorch reports no device where there is no GPU or no driver for one.
    const std::string why = at::globalContext().hasCUDART()
                                ? "no CUDA GPU is present (this LibTorch has CUDA, but no device "
                                  "or driver answered)"
                                : "this LibTorch was built without CUDA";
    fail(TDCM_ERR_DEVICE,
         "device '" + name + "' requested but " + why + "; use device=cpu or device=auto");
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

void *blas_symbol(const char *name) {
  if (void *sym = dlsym(RTLD_DEFAULT, name)) return sym;
  // Loaded with RTLD_LOCAL (e.g. a host that dlopens libtdcm): ask the BLAS itself.
  static void *const blas = dlopen("libblas.so.3", RTLD_NOW | RTLD_NOLOAD);
  return blas != nullptr ? dlsym(blas, name) : nullptr;
}

void *dnnl_symbol(const char *name) {
  if (void *sym = dlsym(RTLD_DEFAULT, name)) return sym;
  static void *const dnnl = dlopen("libdnnl.so.2", RTLD_NOW | RTLD_NOLOAD);
  return dnnl != nullptr ? dlsym(dnnl, name) : nullptr;
}

namespace {

// OpenBLAS's thread controls, when the libblas.so.3 that LibTorch calls is
// OpenBLAS: looked up at run time, so any BLAS (or none) still works.
struct OpenBlas {
  void (*set_threads)(int) = nullptr;
  int (*get_threads)() = nullptr;
  int (*get_parallel)() = nullptr;  // 0 sequential, 1 pthreads, 2 OpenMP
};

const OpenBlas &openblas() {
  static const OpenBlas fns = [] {
    OpenBlas f;
    f.set_threads = reinterpret_cast<void (*)(int)>(blas_symbol("openblas_set_num_threads"));
    f.get_threads = reinterpret_cast<int (*)()>(blas_symbol("openblas_get_num_threads"));
    f.get_parallel = reinterpret_cast<int (*)()>(blas_symbol("openblas_get_parallel"));
    if (f.set_threads == nullptr || f.get_threads == nullptr) f = OpenBlas{};
    return f;
  }();
  return fns;
}

// LibTorch's thread count does not reach OpenBLAS. An OpenMP OpenBLAS shares
// LibTorch's OpenMP pool and gets the same count. A pthreads OpenBLAS keeps a
// second pool of its own, which competes with LibTorch's for the same cores, so
// it runs on the calling thread: on 2 cores, both at 2 threads ran P1m inference
// and k-means 2-3x slower than one thread, while LibTorch at 2 and OpenBLAS at 1
// was the fastest of all (README, "Threads").
void apply_blas_threads(int want) {
  const OpenBlas &blas = openblas();
  if (blas.set_threads == nullptr) return;
  const bool shares_pool = blas.get_parallel != nullptr && blas.get_parallel() == 2;
  const int threads = shares_pool ? want : 1;
  if (blas.get_threads() != threads) blas.set_threads(threads);
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
  apply_blas_threads(want);
}

void copy_to_buffer(const at::Tensor &src, void *dst) {
  const at::Tensor cpu = src.to(at::kCPU).contiguous();
  std::memcpy(dst, cpu.data_ptr(), static_cast<size_t>(cpu.numel()) * cpu.element_size());
}

}  // namespace tdcm
