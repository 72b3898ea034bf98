// The image path end to end through the public C API, on a slice of Debian's
// Fashion-MNIST (run.sh installs dataset-fashion-mnist; TDCM_FASHION_MNIST_DIR
// overrides the folder): a LeNet warmed up as an autoencoder on 600 training
// images clusters 300 shifted test images (protocol P2's crop and resize).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "capi_test_util.h"
#include "data/images.h"
#include "data/readers.h"
#include "tdcm/tdcm.h"

namespace {

using namespace tdcm_capi_test;

constexpr int64_t kSourceRows = 600;
constexpr int64_t kTargetRows = 300;
constexpr const char *kParams =
    "k=10 encoder=lenet input_shape=1x28x28 embed_dim=16 pretrain_epochs=2 epochs=0 "
    "lr=0.003 seed=3 device=cpu threads=1";

std::string fashion_file(const std::string &name) {
  const char *env = std::getenv("TDCM_FASHION_MNIST_DIR");
  return std::string(env != nullptr ? env : "/usr/share/datasets/fashion-mnist") + "/" + name;
}

struct Slice {
  std::vector<float> x;
  std::vector<int32_t> y;
};

Slice read_slice(const std::string &images, const std::string &labels, int64_t rows) {
  const std::string image_path = fashion_file(images);
  EXPECT_TRUE(std::filesystem::exists(image_path))
      << image_path << " is missing: install Debian's dataset-fashion-mnist (run.sh does)";
  const tdcm::data::Matrix m = tdcm::data::read_idx(image_path, tdcm::data::Uint8As::kUnit);
  const tdcm::data::Matrix l = tdcm::data::read_idx(fashion_file(labels));
  Slice s;
  s.x.assign(m.x.begin(), m.x.begin() + rows * m.cols);
  s.y.assign(l.labels.begin(), l.labels.begin() + rows);
  return s;
}

std::vector<int32_t> fit_and_assign(const Slice &source, const Slice &target) {
  ModelPtr m = create(kParams);
  EXPECT_TRUE(m) << tdcm_last_error();
  if (!m) return {};
  EXPECT_EQ(tdcm_fit(m.get(), source.x.data(), kSourceRows, 784, nullptr), TDCM_OK)
      << tdcm_last_error();
  std::vector<int32_t> labels(kTargetRows, -1);
  EXPECT_EQ(tdcm_assign(m.get(), target.x.data(), kTargetRows, 784, labels.data(), nullptr),
            TDCM_OK)
      << tdcm_last_error();
  // Rows of another width are refused: the model records its input shape.
  std::vector<int32_t> unused(4);
  EXPECT_EQ(tdcm_assign(m.get(), target.x.data(), 4, 783, unused.data(), nullptr), TDCM_ERR_SHAPE);
  return labels;
}

double nmi(const std::vector<int32_t> &truth, const std::vector<int32_t> &pred) {
  tdcm_metrics_result s{};
  EXPECT_EQ(tdcm_metrics(truth.data(), pred.data(), static_cast<int64_t>(truth.size()), &s),
            TDCM_OK);
  return s.nmi;
}

TEST(FashionLenet, ClustersShiftedTestImagesAboveChanceAndBySeed) {
  const Slice source =
      read_slice("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", kSourceRows);
  Slice target = read_slice("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", kTargetRows);
  ASSERT_EQ(source.x.size(), static_cast<size_t>(kSourceRows * 784));
  target.x = tdcm::data::p2_shift(target.x.data(), kTargetRows);

  const std::vector<int32_t> labels = fit_and_assign(source, target);
  ASSERT_EQ(labels.size(), static_cast<size_t>(kTargetRows));
  for (const int32_t l : labels) ASSERT_TRUE(l >= 0 && l < 10) << l;
  // More than one cluster is used, and the same seed gives the same labels.
  EXPECT_GT(std::set<int32_t>(labels.begin(), labels.end()).size(), 3u);
  EXPECT_EQ(fit_and_assign(source, target), labels);

  // Chance: the same labels against the classes shuffled (NMI of unrelated
  // labellings is above 0 on 300 rows).
  std::vector<int32_t> shuffled = target.y;
  std::mt19937 rng(5);
  std::shuffle(shuffled.begin(), shuffled.end(), rng);
  const double chance = nmi(shuffled, labels);
  const double score = nmi(target.y, labels);
  EXPECT_GT(score, chance + 0.07) << "target NMI " << score << ", chance " << chance;
}

}  // namespace
