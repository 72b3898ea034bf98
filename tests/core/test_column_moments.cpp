// Per-column moments of host rows (core/column_moments.h) against LibTorch's
// double sums of the same rows, standardised or not, at one thread and two;
// and mean_feature_variance through them, against its chunked path.
#include <ATen/Parallel.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "core/column_moments.h"
#include "core/kmeans.h"
#include "core_test_util.h"

namespace {

using tdcm_test::generator;
using tdcm_test::randn;

using tdcm_test::Threads;

}  // namespace

TEST(CoreColumnMoments, MatchDoubleSumsOfTheStandardisedRows) {
  at::Generator gen = generator(3);
  const int64_t n = 70001, d = 5;  // several tasks, and a part that ends mid-block
  const at::Tensor x = (randn({n, d}, gen) * 4 + 2).contiguous();
  const at::Tensor mean = randn({d}, gen).contiguous();
  const at::Tensor std = (randn({d}, gen).abs() + 0.5).contiguous();
  const at::Tensor scaled = ((x - mean) / std).to(at::kDouble);
  for (const int threads : {1, 2}) {
    Threads t(threads);
    const tdcm::ColumnMoments plain = tdcm::column_moments(x.data_ptr<float>(), n, d, {});
    const tdcm::ColumnMoments st = tdcm::column_moments(
        x.data_ptr<float>(), n, d, {mean.data_ptr<float>(), std.data_ptr<float>()});
    const at::Tensor xs = x.to(at::kDouble);
    for (int64_t j = 0; j < d; ++j) {
      const double s = xs.select(1, j).sum().item<double>();
      const double q = xs.select(1, j).pow(2).sum().item<double>();
      EXPECT_NEAR(plain.sum[j], s, 1e-9 * std::abs(q)) << j;
      EXPECT_NEAR(plain.sum_sq[j], q, 1e-12 * q) << j;
      const double ss = scaled.select(1, j).sum().item<double>();
      const double sq = scaled.select(1, j).pow(2).sum().item<double>();
      EXPECT_NEAR(st.sum[j], ss, 1e-9 * sq) << j;
      EXPECT_NEAR(st.sum_sq[j], sq, 1e-12 * sq) << j;
    }
    // The same thread count adds its parts in the same order.
    const tdcm::ColumnMoments again = tdcm::column_moments(x.data_ptr<float>(), n, d, {});
    EXPECT_EQ(plain.sum, again.sum);
    EXPECT_EQ(plain.sum_sq, again.sum_sq);
  }
}

TEST(CoreColumnMoments, MeanFeatureVarianceOfHostRowsIsTheChunkedOne) {
  at::Generator gen = generator(4);
  const at::Tensor x = (randn({20000, 3}, gen) * 3).contiguous();
  tdcm::RowSource host = tdcm::tensor_rows(x, 4096);
  ASSERT_NE(host.host, nullptr);
  tdcm::RowSource chunked = host;
  chunked.host = nullptr;
  EXPECT_NEAR(tdcm::mean_feature_variance(host), tdcm::mean_feature_variance(chunked), 1e-12);
  EXPECT_NEAR(tdcm::mean_feature_variance(host), 9.0, 0.3);
}
