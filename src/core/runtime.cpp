#include "core/runtime.h"

#include <ATen/Context.h>
#include <ATen/Parallel.h>

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

void apply_threads(int64_t threads, Work work) {
  int want = static_cast<int>(threads);
  if (want <= 0 && work == Work::Training) want = 1;
  if (want <= 0) {
    want = static_cast<int>(std::thread::hardware_concurrency());
    if (want <= 0) want = 1;
  }
  if (at::get_num_threads() != want) at::set_num_threads(want);
}

void copy_to_buffer(const at::Tensor &src, void *dst) {
  const at::Tensor cpu = src.to(at::kCPU).contiguous();
  std::memcpy(dst, cpu.data_ptr(), static_cast<size_t>(cpu.numel()) * cpu.element_size());
}

}  // namespace tdcm
