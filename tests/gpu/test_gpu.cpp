// The CUDA path through the public C API: fit, assign, adapt/predict and save/load on
// device=cuda, CPU-vs-GPU agreement on protocol P1, model files crossing between the
// devices, device selection, and GPU out-of-memory. Every test skips where
// torch::cuda::is_available() is false (ctest label `gpu`).
#include <gtest/gtest.h>
#include <torch/cuda.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "capi/capi_test_util.h"
#include "tdcm/tdcm.h"

namespace {

using namespace tdcm_capi_test;

// Protocol P1 as the README's demo runs it: K = 5, 500 rows per cluster.
constexpr int64_t kK = 5;
constexpr int64_t kPerCluster = 500;
// The default network (untrained), a trained one, and k-means.
const char *const kTdcm = "k=5 seed=0 threads=1";
const char *const kTdcmTrained = "k=5 epochs=3 seed=0 threads=1";
const char *const kKmeans = "algo=kmeans k=5 n_init=3 seed=0 threads=1";

std::string on(const char *params, const std::string &device) {
  return std::string(params) + " device=" + device;
}

std::string device_of(tdcm_model *m) {
  const char *name = nullptr;
  EXPECT_EQ(tdcm_get_device(m, &name), TDCM_OK);
  return name != nullptr ? name : "";
}

tdcm_metrics_result scores(const std::vector<int32_t> &truth, const Output &o) {
  tdcm_metrics_result r{};
  EXPECT_EQ(tdcm_metrics(truth.data(), o.labels.data(), static_cast<int64_t>(truth.size()), &r),
            TDCM_OK)
      << tdcm_last_error();
  return r;
}

// Labels in range and probability rows that sum to one.
void expect_valid(const Output &o, int64_t k) {
  ASSERT_EQ(o.status, TDCM_OK) << tdcm_last_error();
  const int64_t n = static_cast<int64_t>(o.labels.size());
  for (int64_t i = 0; i < n; ++i) {
    ASSERT_GE(o.labels[i], 0) << "row " << i;
    ASSERT_LT(o.labels[i], k) << "row " << i;
    double sum = 0;
    for (int64_t j = 0; j < k; ++j) sum += o.probs[static_cast<size_t>(i * k + j)];
    ASSERT_NEAR(sum, 1.0, 1e-4) << "row " << i;
  }
}

// Two labellings of one set are the same up to ties: after the best one-to-one matching
// of their label names (ACC), at most 0.5% of the rows differ, and the NMI against the
// truth is within 0.005 (the criterion for CPU vs GPU).
void expect_agree(const Output &a, const Output &b, const std::vector<int32_t> &truth) {
  ASSERT_EQ(a.status, TDCM_OK);
  ASSERT_EQ(b.status, TDCM_OK);
  tdcm_metrics_result between{};
  ASSERT_EQ(tdcm_metrics(a.labels.data(), b.labels.data(), static_cast<int64_t>(a.labels.size()),
                         &between),
            TDCM_OK);
  EXPECT_GE(between.acc, 0.995);
  EXPECT_NEAR(scores(truth, a).nmi, scores(truth, b).nmi, 0.005);
}

class Gpu : public ::testing::TestWithParam<const char *> {
 protected:
  void SetUp() override {
    if (!torch::cuda::is_available()) {
      GTEST_SKIP() << "no CUDA GPU: torch::cuda::is_available() is false";
    }
    data_ = make_p1(0, kPerCluster, kK);
  }
  P1 data_;
};

TEST_P(Gpu, FitAssignAdaptPredictOnCuda) {
  ModelPtr m = fitted(on(GetParam(), "cuda").c_str(), data_);
  ASSERT_TRUE(m);
  EXPECT_EQ(device_of(m.get()), "cuda:0");
  EXPECT_EQ(is_fitted(m.get()), 1);
  const Output assigned = assign(m.get(), data_.target.data(), data_.n, data_.d);
  expect_valid(assigned, kK);
  // P1's drifted clusters are well separated: far above chance.
  EXPECT_GT(scores(data_.target_y, assigned).nmi, 0.5);

  ASSERT_EQ(tdcm_adapt(m.get(), data_.target.data(), data_.n, data_.d), TDCM_OK)
      << tdcm_last_error();
  EXPECT_EQ(is_adapted(m.get()), 1);
  const Output predicted = predict(m.get(), data_.target.data(), data_.n, data_.d);
  expect_valid(predicted, kK);
  EXPECT_GT(scores(data_.target_y, predicted).nmi, 0.5);
  // One row at a time against the kept centroids.
  int32_t label = -1;
  ASSERT_EQ(tdcm_predict(m.get(), data_.target.data(), 1, data_.d, &label, nullptr), TDCM_OK);
  EXPECT_EQ(label, predicted.labels[0]);
}

TEST_P(Gpu, CpuAndGpuGiveTheSameLabels) {
  ModelPtr cpu = fitted(on(GetParam(), "cpu").c_str(), data_);
  ModelPtr gpu = fitted(on(GetParam(), "cuda").c_str(), data_);
  ASSERT_TRUE(cpu && gpu);
  expect_agree(assign(cpu.get(), data_.target.data(), data_.n, data_.d),
               assign(gpu.get(), data_.target.data(), data_.n, data_.d), data_.target_y);
  expect_agree(assign(cpu.get(), data_.source.data(), data_.n, data_.d),
               assign(gpu.get(), data_.source.data(), data_.n, data_.d), data_.source_y);
}

// A model file written on one device and loaded on the other labels as the original
// does, adapted centroids included.
void expect_file_crosses(const char *params, const std::string &from, const std::string &to,
                         const P1 &data) {
  ModelPtr m = fitted(on(params, from).c_str(), data);
  ASSERT_TRUE(m);
  ASSERT_EQ(tdcm_adapt(m.get(), data.target.data(), data.n, data.d), TDCM_OK) << tdcm_last_error();
  TempDir dir;
  const std::string path = dir.file("model.tdcm");
  ASSERT_EQ(tdcm_save(m.get(), path.c_str()), TDCM_OK) << tdcm_last_error();

  tdcm_model *raw = nullptr;
  ASSERT_EQ(tdcm_load_with(&raw, path.c_str(), ("device=" + to).c_str()), TDCM_OK)
      << tdcm_last_error();
  ModelPtr loaded(raw);
  EXPECT_EQ(device_of(loaded.get()), to == "cuda" ? "cuda:0" : to);
  EXPECT_TRUE(contains(get_params(loaded.get()), "device=" + to)) << get_params(loaded.get());
  expect_agree(assign(m.get(), data.target.data(), data.n, data.d),
               assign(loaded.get(), data.target.data(), data.n, data.d), data.target_y);
  expect_agree(predict(m.get(), data.target.data(), data.n, data.d),
               predict(loaded.get(), data.target.data(), data.n, data.d), data.target_y);
}

TEST_P(Gpu, GpuTrainedModelLoadsOnCpu) { expect_file_crosses(GetParam(), "cuda", "cpu", data_); }

TEST_P(Gpu, CpuTrainedModelLoadsOnGpu) { expect_file_crosses(GetParam(), "cpu", "cuda", data_); }

std::string model_name(const ::testing::TestParamInfo<const char *> &info) {
  if (info.param == kTdcm) return "tdcm";
  return info.param == kTdcmTrained ? "tdcm_trained" : "kmeans";
}

INSTANTIATE_TEST_SUITE_P(Models, Gpu, ::testing::Values(kTdcm, kTdcmTrained, kKmeans), model_name);

class GpuDevices : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!torch::cuda::is_available()) {
      GTEST_SKIP() << "no CUDA GPU: torch::cuda::is_available() is false";
    }
  }
};

TEST_F(GpuDevices, EveryPresentDeviceIsSelectableAndTheNextIsNot) {
  const int64_t count = static_cast<int64_t>(torch::cuda::device_count());
  ASSERT_GE(count, 1);
  EXPECT_EQ(device_of(create("device=cuda").get()), "cuda:0");
  EXPECT_EQ(device_of(create("device=auto").get()), "cuda:0");
  const P1 data = make_p1(1);
  for (int64_t i = 0; i < count; ++i) {
    const std::string device = "cuda:" + std::to_string(i);
    ModelPtr m = fitted(on("k=3 epochs=2 seed=0", device).c_str(), data);
    ASSERT_TRUE(m) << device;
    EXPECT_EQ(device_of(m.get()), device);
    expect_valid(assign(m.get(), data.target.data(), data.n, data.d), 3);
  }
  tdcm_model *out = nullptr;
  const std::string missing = "cuda:" + std::to_string(count);
  EXPECT_EQ(tdcm_create(&out, ("device=" + missing).c_str()), TDCM_ERR_DEVICE);
  EXPECT_EQ(out, nullptr);
  EXPECT_TRUE(contains(tdcm_last_error(), "only " + std::to_string(count) + " CUDA device(s)"))
      << tdcm_last_error();
}

TEST_F(GpuDevices, OutOfMemoryLeavesTheModelUsable) {
  // The embedding of a set is n x embed_dim floats on the device, allocated at once:
  // 32M rows at embed_dim 4096 ask for 512 GiB, more than any GPU holds, while the
  // rows take 256 MiB of host memory and the blocks' two 4096 x 4096 metrics 128 MiB
  // of the GPU's.
  const char *params = "k=2 embed_dim=4096 seed=0 threads=1 device=cuda";
  const P1 data = make_p1(2, 500, 2);
  ModelPtr m = fitted(params, data);
  ASSERT_TRUE(m);
  const Output before = assign(m.get(), data.target.data(), data.n, data.d);
  expect_valid(before, 2);

  const int64_t huge = int64_t{1} << 25;
  std::vector<float> rows(static_cast<size_t>(huge * data.d));
  for (size_t i = 0; i < rows.size(); ++i) rows[i] = data.target[i % data.target.size()];
  std::vector<int32_t> labels(static_cast<size_t>(huge));
  auto expect_oom = [](tdcm_status status) {
    EXPECT_EQ(status, TDCM_ERR_OUT_OF_MEMORY) << tdcm_last_error();
    EXPECT_TRUE(contains(tdcm_last_error(), "out of memory")) << tdcm_last_error();
  };
  expect_oom(tdcm_assign(m.get(), rows.data(), huge, data.d, labels.data(), nullptr));
  expect_oom(tdcm_adapt(m.get(), rows.data(), huge, data.d));
  EXPECT_EQ(is_adapted(m.get()), 0);
  expect_oom(tdcm_fit(m.get(), rows.data(), huge, data.d, nullptr));
  EXPECT_EQ(is_fitted(m.get()), 1);

  // The same model goes on: the same labels as before, and it still adapts and predicts.
  expect_agree(before, assign(m.get(), data.target.data(), data.n, data.d), data.target_y);
  ASSERT_EQ(tdcm_adapt(m.get(), data.target.data(), data.n, data.d), TDCM_OK) << tdcm_last_error();
  expect_valid(predict(m.get(), data.target.data(), data.n, data.d), 2);
}

}  // namespace
