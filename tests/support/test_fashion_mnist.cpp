// The IDX reader on the real Fashion-MNIST files of Debian's
// dataset-fashion-mnist package (run.sh installs it; TDCM_FASHION_MNIST_DIR
// overrides the folder).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "data/images.h"
#include "data/readers.h"

using tdcm::data::Matrix;
using tdcm::data::Uint8As;

namespace {

std::string fashion_file(const std::string &name) {
  const char *env = std::getenv("TDCM_FASHION_MNIST_DIR");
  const std::string dir = env != nullptr ? env : "/usr/share/datasets/fashion-mnist";
  return dir + "/" + name;
}

// Fails the test (rather than skipping it) when the package is missing.
#define REQUIRE_FILE(path)                                                                   \
  ASSERT_TRUE(std::filesystem::exists(path))                                                 \
      << path << " is missing: install Debian's dataset-fashion-mnist (run.sh does) or set " \
      << "TDCM_FASHION_MNIST_DIR"

std::vector<int64_t> class_counts(const std::vector<int32_t> &labels) {
  std::vector<int64_t> counts(10, 0);
  for (const int32_t y : labels) {
    EXPECT_TRUE(y >= 0 && y <= 9) << y;
    if (y >= 0 && y <= 9) ++counts[static_cast<size_t>(y)];
  }
  return counts;
}

}  // namespace

TEST(FashionMnist, TrainingImagesAndLabels) {
  const std::string images = fashion_file("train-images-idx3-ubyte.gz");
  const std::string labels = fashion_file("train-labels-idx1-ubyte.gz");
  REQUIRE_FILE(images);
  REQUIRE_FILE(labels);
  const Matrix x = tdcm::data::read_matrix(images, {}, Uint8As::kUnit);
  EXPECT_EQ(x.rows, 60000);
  EXPECT_EQ(x.cols, 784);
  EXPECT_EQ(x.shape, (std::vector<int64_t>{1, 28, 28}));
  ASSERT_EQ(x.x.size(), 60000u * 784u);
  EXPECT_TRUE(x.labels.empty());
  const auto [lo, hi] = std::minmax_element(x.x.begin(), x.x.end());
  EXPECT_EQ(*lo, 0.0f);
  EXPECT_EQ(*hi, 1.0f);
  // Every pixel is k/255, and the pixel sum over the set is known exactly.
  int64_t sum = 0;
  for (const float v : x.x) sum += static_cast<int64_t>(v * 255.0f + 0.5f);
  EXPECT_EQ(sum, 3431114169);
  // Image 0 (an ankle boot), row 10: columns 13..15.
  EXPECT_EQ(x.x[10 * 28 + 13], 193 / 255.0f);
  EXPECT_EQ(x.x[10 * 28 + 14], 228 / 255.0f);
  EXPECT_EQ(x.x[10 * 28 + 27], 0.0f);

  const Matrix y = tdcm::data::read_matrix(labels);
  EXPECT_EQ(y.rows, 60000);
  ASSERT_EQ(y.labels.size(), 60000u);
  EXPECT_EQ((std::vector<int32_t>(y.labels.begin(), y.labels.begin() + 6)),
            (std::vector<int32_t>{9, 0, 0, 3, 0, 2}));
  EXPECT_EQ(class_counts(y.labels), std::vector<int64_t>(10, 6000));
}

TEST(FashionMnist, TestImagesAndLabels) {
  const std::string images = fashion_file("t10k-images-idx3-ubyte.gz");
  const std::string labels = fashion_file("t10k-labels-idx1-ubyte.gz");
  REQUIRE_FILE(images);
  REQUIRE_FILE(labels);
  const Matrix x = tdcm::data::read_idx(images);  // raw 0..255
  EXPECT_EQ(x.rows, 10000);
  EXPECT_EQ(x.cols, 784);
  EXPECT_EQ(x.shape, (std::vector<int64_t>{1, 28, 28}));
  double sum = 0;
  for (const float v : x.x) sum += v;
  EXPECT_EQ(sum, 573469082.0);
  EXPECT_EQ(*std::max_element(x.x.begin(), x.x.end()), 255.0f);

  const Matrix y = tdcm::data::read_idx(labels);
  ASSERT_EQ(y.labels.size(), 10000u);
  EXPECT_EQ((std::vector<int32_t>(y.labels.begin(), y.labels.begin() + 6)),
            (std::vector<int32_t>{9, 2, 1, 1, 6, 1}));
  EXPECT_EQ(class_counts(y.labels), std::vector<int64_t>(10, 1000));
}

TEST(FashionMnist, P2ShiftEnlargesTheObjects) {
  const std::string images = fashion_file("t10k-images-idx3-ubyte.gz");
  REQUIRE_FILE(images);
  const Matrix x = tdcm::data::read_idx(images, Uint8As::kUnit);
  const std::vector<float> y = tdcm::data::p2_shift(x.x.data(), x.rows);
  ASSERT_EQ(y.size(), x.x.size());
  // Still [0, 1]; the objects (bright on a black background) fill more of
  // each frame, so the mean pixel grows, and fewer pixels stay black.
  double mean_x = 0, mean_y = 0;
  int64_t black_x = 0, black_y = 0;
  for (size_t i = 0; i < y.size(); ++i) {
    ASSERT_TRUE(y[i] >= 0.0f && y[i] <= 1.0f) << i;
    mean_x += x.x[i];
    mean_y += y[i];
    black_x += x.x[i] == 0.0f;
    black_y += y[i] == 0.0f;
  }
  mean_x /= static_cast<double>(y.size());
  mean_y /= static_cast<double>(y.size());
  EXPECT_GT(mean_y, mean_x * 1.2) << mean_x << " -> " << mean_y;
  EXPECT_LT(black_y, black_x);
}
