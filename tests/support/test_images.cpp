// Protocol P2's image shift: centre crop and bilinear resize (half-pixel
// convention), on small images with known results and on the real test set.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <vector>

#include "data/images.h"

using tdcm::data::center_crop_resize;
using tdcm::data::ImageShape;

namespace {

std::vector<float> iota(int64_t count) {
  std::vector<float> v(static_cast<size_t>(count));
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i);
  return v;
}

}  // namespace

TEST(Images, FullWindowSameSizeIsTheIdentity) {
  const std::vector<float> x = iota(2 * 3 * 5 * 4);  // n=2, C=3, 5x4
  EXPECT_EQ(center_crop_resize(x.data(), 2, {3, 5, 4}, 5, 4, 5, 4), x);
}

TEST(Images, CropWithoutResizeCutsTheCentre) {
  // 6x6 image of values 6r + c: the centre 2x2 starts at (2, 2); a 3x2
  // window of a 6x5 image starts at (1, 1) (odd differences round down).
  const std::vector<float> x = iota(36);
  EXPECT_EQ(center_crop_resize(x.data(), 1, {1, 6, 6}, 2, 2, 2, 2),
            (std::vector<float>{14, 15, 20, 21}));
  const std::vector<float> y = iota(30);
  EXPECT_EQ(center_crop_resize(y.data(), 1, {1, 6, 5}, 3, 2, 3, 2),
            (std::vector<float>{6, 7, 11, 12, 16, 17}));
}

TEST(Images, BilinearEnlargementMatchesTheHalfPixelConvention) {
  // torch.nn.functional.interpolate([[0, 1], [2, 3]], size=(4, 4),
  // mode="bilinear", align_corners=False) gives exactly these values.
  const std::vector<float> x{0, 1, 2, 3};
  const std::vector<float> want{0.0f, 0.25f, 0.75f, 1.0f, 0.5f, 0.75f, 1.25f, 1.5f,
                                1.5f, 1.75f, 2.25f, 2.5f, 2.0f, 2.25f, 2.75f, 3.0f};
  EXPECT_EQ(center_crop_resize(x.data(), 1, {1, 2, 2}, 2, 2, 4, 4), want);
  // Shrinking 4 -> 2 samples at 0.5 and 2.5: the mean of each pixel pair.
  const std::vector<float> row{0, 2, 4, 8};
  EXPECT_EQ(center_crop_resize(row.data(), 1, {1, 1, 4}, 1, 4, 1, 2), (std::vector<float>{1, 6}));
}

TEST(Images, ConstantImagesStayConstantAndRangesHold) {
  const std::vector<float> c(2 * 28 * 28, 0.37f);
  for (const float v : tdcm::data::p2_shift(c.data(), 2)) ASSERT_EQ(v, 0.37f);
  // Random [0, 1] images: every output pixel lies within its image's range,
  // and the shift really changes the image.
  std::mt19937 gen(7);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  std::vector<float> x(3 * 28 * 28);
  for (float &v : x) v = u(gen);
  const std::vector<float> y = tdcm::data::p2_shift(x.data(), 3);
  ASSERT_EQ(y.size(), x.size());
  for (size_t img = 0; img < 3; ++img) {
    const auto first = x.begin() + static_cast<int64_t>(img * 784);
    const auto [lo, hi] = std::minmax_element(first, first + 784);
    for (size_t i = img * 784; i < (img + 1) * 784; ++i) {
      ASSERT_GE(y[i], *lo);
      ASSERT_LE(y[i], *hi);
    }
  }
  EXPECT_NE(y, x);
  // The output's corner pixel samples the window's corner: pixel (3, 3).
  EXPECT_EQ(y[0], x[3 * 28 + 3]);
  EXPECT_EQ(y[783], x[24 * 28 + 24]);
}

TEST(Images, ChannelsAreResizedSeparately) {
  // Two channels, each constant: they must not mix.
  std::vector<float> x(2 * 4 * 4, 1.0f);
  std::fill(x.begin() + 16, x.end(), 5.0f);
  const std::vector<float> y = center_crop_resize(x.data(), 1, {2, 4, 4}, 2, 2, 3, 3);
  ASSERT_EQ(y.size(), 18u);
  for (size_t i = 0; i < 9; ++i) EXPECT_EQ(y[i], 1.0f);
  for (size_t i = 9; i < 18; ++i) EXPECT_EQ(y[i], 5.0f);
}

TEST(Images, BadArgumentsThrow) {
  const std::vector<float> x(16, 0.0f);
  EXPECT_THROW(center_crop_resize(x.data(), 1, {1, 4, 4}, 5, 2, 4, 4), std::invalid_argument);
  EXPECT_THROW(center_crop_resize(x.data(), 1, {1, 4, 4}, 2, 2, 0, 4), std::invalid_argument);
  EXPECT_THROW(center_crop_resize(x.data(), -1, {1, 4, 4}, 2, 2, 4, 4), std::invalid_argument);
  EXPECT_THROW(center_crop_resize(nullptr, 1, {1, 4, 4}, 2, 2, 4, 4), std::invalid_argument);
  EXPECT_THROW(center_crop_resize(x.data(), 1, {0, 4, 4}, 2, 2, 4, 4), std::invalid_argument);
  EXPECT_TRUE(center_crop_resize(nullptr, 0, {1, 4, 4}, 2, 2, 4, 4).empty());
}
