// Asking for a GPU where there is none: TDCM_ERR_DEVICE, a message that says why
// and what to use instead, and no model. Runs in both builds (Debian's CPU LibTorch
// and a CUDA LibTorch on a machine without a GPU); skipped where a GPU is present.
#include <gtest/gtest.h>

#include <string>

#include "capi_test_util.h"
#include "tdcm/tdcm.h"

namespace {

using namespace tdcm_capi_test;

class CapiNoGpu : public ::testing::Test {
 protected:
  void SetUp() override {
    tdcm_model *probe = nullptr;
    if (tdcm_create(&probe, "device=cuda") == TDCM_OK) {
      tdcm_destroy(probe);
      GTEST_SKIP() << "a CUDA device is present";
    }
  }

  // Either reason, named: a LibTorch without CUDA, or a CUDA one that finds no GPU.
  static void expect_device_error(tdcm_status status, const std::string &device) {
    EXPECT_EQ(status, TDCM_ERR_DEVICE) << tdcm_last_error();
    const std::string message = tdcm_last_error();
    EXPECT_TRUE(contains(message, "device '" + device + "' requested")) << message;
    EXPECT_TRUE(contains(message, "this LibTorch was built without CUDA") ||
                contains(message, "no CUDA GPU is present"))
        << message;
    EXPECT_TRUE(contains(message, "use device=cpu or device=auto")) << message;
  }
};

TEST_F(CapiNoGpu, CreateOnEveryCudaDevice) {
  for (const std::string device : {"cuda", "cuda:0", "cuda:1", "cuda:7"}) {
    tdcm_model *out = nullptr;
    expect_device_error(tdcm_create(&out, ("k=3 device=" + device).c_str()), device);
    EXPECT_EQ(out, nullptr) << device;
  }
  // The same model on the CPU is fine.
  ModelPtr cpu = create("k=3 device=cpu");
  EXPECT_TRUE(cpu);
}

TEST_F(CapiNoGpu, LoadOntoCudaFailsAndTheFileStillLoadsOnTheCpu) {
  const P1 data = make_p1(5);
  ModelPtr m = fitted("k=3 embed_dim=8 epochs=2 hidden=32 seed=0 device=cpu threads=1", data);
  ASSERT_TRUE(m);
  TempDir dir;
  const std::string path = dir.file("model.tdcm");
  ASSERT_EQ(tdcm_save(m.get(), path.c_str()), TDCM_OK) << tdcm_last_error();

  tdcm_model *out = nullptr;
  expect_device_error(tdcm_load_with(&out, path.c_str(), "device=cuda"), "cuda");
  EXPECT_EQ(out, nullptr);
  expect_device_error(tdcm_load_with(&out, path.c_str(), "threads=1 device=cuda:0"), "cuda:0");
  EXPECT_EQ(out, nullptr);

  ASSERT_EQ(tdcm_load_with(&out, path.c_str(), "device=auto"), TDCM_OK) << tdcm_last_error();
  ModelPtr loaded(out);
  const char *device = nullptr;
  ASSERT_EQ(tdcm_get_device(loaded.get(), &device), TDCM_OK);
  EXPECT_STREQ(device, "cpu");
  EXPECT_TRUE(assign(loaded.get(), data.target.data(), data.n, data.d)
                  .same(assign(m.get(), data.target.data(), data.n, data.d)));
}

}  // namespace
