// Small helpers shared by the internal tests.
#pragma once

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <system_error>
#include <utility>

#include "core/errors.h"
#include "core/kmeans.h"
#include "tdcm/tdcm.h"
#include "temp_dir.h"

namespace tdcm_test {

// LibTorch's thread count for one test (the kernels split their rows by it), restored afterwards.
struct Threads {
  int before = at::get_num_threads();
  explicit Threads(int n) { at::set_num_threads(n); }
  ~Threads() { at::set_num_threads(before); }
};

inline at::Generator generator(uint64_t seed) { return at::detail::createCPUGenerator(seed); }

inline at::Tensor randn(at::IntArrayRef shape, at::Generator &gen,
                        at::ScalarType dtype = at::kFloat) {
  return at::randn(shape, gen, at::TensorOptions().dtype(dtype));
}

// Largest absolute difference of two tensors of one shape, in double.
inline double max_abs_diff(const at::Tensor &a, const at::Tensor &b) {
  EXPECT_EQ(a.sizes(), b.sizes());
  if (a.numel() == 0) return 0.0;
  return (a.to(at::kDouble) - b.to(at::kDouble)).abs().max().item<double>();
}

inline double max_abs(const at::Tensor &a) {
  return a.numel() == 0 ? 0.0 : a.to(at::kDouble).abs().max().item<double>();
}

// The status and message of the tdcm::Error that `fn` throws; TDCM_OK and ""
// when it throws none.
inline std::pair<tdcm_status, std::string> error_of(const std::function<void()> &fn) {
  try {
    fn();
  } catch (const tdcm::Error &e) {
    return {e.status(), e.what()};
  }
  return {TDCM_OK, ""};
}

using tdcm_testing::TempDir;

}  // namespace tdcm_test
