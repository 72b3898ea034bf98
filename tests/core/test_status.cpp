// The ABI boundary's mapping of exceptions to statuses, with the exceptions that
// LibTorch (1.13 and 2.x) and the core really throw.
#include <ATen/ATen.h>
#include <c10/util/Exception.h>
#include <gtest/gtest.h>

#include <exception>
#include <new>
#include <stdexcept>
#include <string>

#include "capi/status.h"
#include "core/errors.h"
#include "tdcm/tdcm.h"

namespace {

template <typename Throw>
tdcm_status status_of_thrown(Throw &&throw_it) {
  try {
    throw_it();
  } catch (...) {
    return tdcm::capi::status_of(std::current_exception());
  }
  ADD_FAILURE() << "nothing was thrown";
  return TDCM_OK;
}

bool last_error_has(const std::string &word) {
  return std::string(tdcm_last_error()).find(word) != std::string::npos;
}

c10::SourceLocation here() { return c10::SourceLocation{__func__, __FILE__, __LINE__}; }

TEST(CapiStatus, CpuAllocationFailureIsOutOfMemory) {
  // 2^48 bytes is past the 47-bit address space of a process, so the allocation fails
  // whatever the kernel's overcommit setting, before any memory is touched.
  const tdcm_status status =
      status_of_thrown([] { at::empty({int64_t{1} << 46}, at::TensorOptions(at::kFloat)); });
  EXPECT_EQ(status, TDCM_ERR_OUT_OF_MEMORY) << tdcm_last_error();
  EXPECT_TRUE(last_error_has("out of memory")) << tdcm_last_error();
}

TEST(CapiStatus, OutOfMemoryErrorIsOutOfMemory) {
  // What the CUDA caching allocator throws when a GPU's memory is exhausted.
  const tdcm_status status = status_of_thrown([] {
    throw c10::OutOfMemoryError(here(), "CUDA out of memory. Tried to allocate 1024.00 GiB");
  });
  EXPECT_EQ(status, TDCM_ERR_OUT_OF_MEMORY);
  EXPECT_TRUE(last_error_has("out of memory: CUDA out of memory. Tried to allocate 1024.00 GiB"))
      << tdcm_last_error();
}

TEST(CapiStatus, OtherLibTorchErrorsAreInternal) {
  const tdcm_status status = status_of_thrown([] { at::zeros({2, 3}).matmul(at::zeros({2, 3})); });
  EXPECT_EQ(status, TDCM_ERR_INTERNAL);
  EXPECT_TRUE(last_error_has("LibTorch error: ")) << tdcm_last_error();
}

TEST(CapiStatus, CoreErrorsKeepTheirStatusAndMessage) {
  EXPECT_EQ(status_of_thrown([] { tdcm::fail(TDCM_ERR_DEVICE, "no such device"); }),
            TDCM_ERR_DEVICE);
  EXPECT_STREQ(tdcm_last_error(), "no such device");
}

TEST(CapiStatus, StandardExceptions) {
  EXPECT_EQ(status_of_thrown([] { throw std::bad_alloc(); }), TDCM_ERR_OUT_OF_MEMORY);
  EXPECT_STREQ(tdcm_last_error(), "out of memory");
  EXPECT_EQ(status_of_thrown([] { throw std::runtime_error("broken"); }), TDCM_ERR_INTERNAL);
  EXPECT_STREQ(tdcm_last_error(), "broken");
  EXPECT_EQ(status_of_thrown([] { throw 7; }), TDCM_ERR_INTERNAL);
  EXPECT_STREQ(tdcm_last_error(), "unknown internal error");
}

}  // namespace
