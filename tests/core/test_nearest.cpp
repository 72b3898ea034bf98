// The fused nearest-centroid kernel (core/nearest.h) against the distance
// matrix it replaces: labels, distances, Lloyd's sums and counts, inertia,
// ties, thread counts (and that they run in parallel), standardisation on the
// fly, and the direct loop and the GEMM path alike.
#include <ATen/Parallel.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <tuple>
#include <vector>

#include "core/kmeans.h"
#include "core/nearest.h"
#include "core_test_util.h"

namespace {

using tdcm_test::generator;
using tdcm_test::randn;

struct Pass {
  std::vector<int32_t> labels;
  std::vector<float> distances, sums;
  std::vector<int64_t> counts;
  double inertia = 0.0;
};

Pass run_pass(const at::Tensor &x, const at::Tensor &c, const tdcm::RowScaling &scaling = {}) {
  const tdcm::NearestCentroids nearest(c);
  const int64_t n = x.size(0), k = c.size(0), d = c.size(1);
  Pass p;
  p.labels.assign(static_cast<size_t>(n), -1);
  p.distances.assign(static_cast<size_t>(n), -1.0f);
  p.sums.assign(static_cast<size_t>(k * d), 0.0f);
  p.counts.assign(static_cast<size_t>(k), 0);
  tdcm::NearestOutputs out;
  out.labels = p.labels.data();
  out.distances = p.distances.data();
  out.sums = p.sums.data();
  out.counts = p.counts.data();
  out.inertia = &p.inertia;
  nearest.run(x.data_ptr<float>(), n, out, scaling);
  return p;
}

// Float32 sums of a few thousand rows, added in two orders (the parts of two
// threads, or one): they differ by the rounding of their running totals.
double sum_tolerance(float sum) { return 1e-5 * std::abs(sum) + 1e-3; }

using tdcm_test::Threads;

class NearestShapes : public ::testing::TestWithParam<std::tuple<int64_t, int64_t>> {};

// Every row's label is the distance matrix's argmin, up to rounding: where the
// two nearest centroids are closer than float rounding of the distances, either
// is right (the kernel leaves out ||x||^2, which moves the rounding).
TEST_P(NearestShapes, MatchesTheDistanceMatrix) {
  const auto [d, k] = GetParam();
  at::Generator gen = generator(static_cast<uint64_t>(d * 1000 + k));
  const int64_t n = 5003;  // not a multiple of any block
  const at::Tensor x = randn({n, d}, gen).mul_(3).add_(1).contiguous();
  const at::Tensor c = randn({k, d}, gen).mul_(3).contiguous();
  const Pass p = run_pass(x, c);

  const at::Tensor dist = tdcm::squared_distances(x, c);
  const at::Tensor ref = dist.argmin(1);
  const at::Tensor sorted = std::get<0>(dist.sort(1));
  int64_t differing = 0;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t want = ref[i].item<int64_t>();
    const float best = sorted[i][0].item<float>();
    ASSERT_NEAR(p.distances[static_cast<size_t>(i)], best, 1e-4 * (1 + best)) << "row " << i;
    if (p.labels[static_cast<size_t>(i)] == want) continue;
    ++differing;
    ASSERT_GT(k, 1);
    const float second = sorted[i][1].item<float>();
    EXPECT_LE(second - best, 1e-4 * (1 + best)) << "row " << i << " is no near tie";
  }
  EXPECT_LE(differing, 2);

  // Lloyd's statistics: the rows added at their labels, in row order.
  std::vector<float> sums(static_cast<size_t>(k * d), 0.0f);
  std::vector<int64_t> counts(static_cast<size_t>(k), 0);
  double inertia = 0.0;
  const float *xp = x.data_ptr<float>();
  for (int64_t i = 0; i < n; ++i) {
    const int64_t j = p.labels[static_cast<size_t>(i)];
    ++counts[static_cast<size_t>(j)];
    for (int64_t e = 0; e < d; ++e) sums[static_cast<size_t>(j * d + e)] += xp[i * d + e];
    inertia += p.distances[static_cast<size_t>(i)];
  }
  EXPECT_EQ(p.counts, counts);
  // The same float32 additions in row order: equal up to the order of parts.
  for (size_t e = 0; e < sums.size(); ++e) ASSERT_NEAR(p.sums[e], sums[e], sum_tolerance(sums[e]));
  EXPECT_NEAR(p.inertia, inertia, 1e-9 * inertia);
}

// The pass finds a NaN or an infinity anywhere in the rows, on every path
// (it reads the scores, not the rows, and scans only a block whose best score
// is not finite), with and without standardisation, and tells huge finite
// values, whose scores overflow, apart from them.
TEST_P(NearestShapes, FlagsEveryNonFiniteValue) {
  const auto [d, k] = GetParam();
  at::Generator gen = generator(static_cast<uint64_t>(d * 1000 + k + 7));
  const int64_t n = 1003;
  at::Tensor x = randn({n, d}, gen).contiguous();
  const at::Tensor c = randn({k, d}, gen).mul_(3).contiguous();
  const tdcm::NearestCentroids nearest(c);
  const at::Tensor mean = x.mean(0).contiguous(), std = x.std(0).contiguous();
  std::vector<int32_t> labels(static_cast<size_t>(n));
  auto flagged = [&](bool scaled) {
    bool non_finite = false;
    tdcm::NearestOutputs out;
    out.labels = labels.data();
    out.non_finite = &non_finite;
    const tdcm::RowScaling scaling =
        scaled ? tdcm::RowScaling{mean.data_ptr<float>(), std.data_ptr<float>()}
               : tdcm::RowScaling{};
    nearest.run(x.data_ptr<float>(), n, out, scaling);
    return non_finite;
  };
  float *xp = x.data_ptr<float>();
  const float inf = std::numeric_limits<float>::infinity();
  for (const bool scaled : {false, true}) {
    SCOPED_TRACE(scaled ? "standardised" : "as they are");
    EXPECT_FALSE(flagged(scaled));
    for (const int64_t at : {int64_t{0}, n * d / 2 + d / 3, n * d - 1}) {
      for (const float bad : {std::nanf(""), inf, -inf}) {
        const float kept = xp[at];
        xp[at] = bad;
        EXPECT_TRUE(flagged(scaled)) << "value " << bad << " at " << at;
        xp[at] = kept;
      }
    }
    // Finite, but far past float's range once squared: every score overflows.
    const float kept = xp[d * 5];
    xp[d * 5] = 3e38f;
    EXPECT_FALSE(flagged(scaled));
    xp[d * 5] = kept;
  }
}

// D <= 4 runs the direct loop; 5 to 31 columns against at most 32 centroids,
// and 32 to 64 against at most 12, the register tiles (17: a transposed chunk
// of 16 and one column more; K = 1, 2, 3, 7, 10, 12 and 32: groups of 1, 2, 3,
// 4, 5, 6 and 6 with padding), other shapes the GEMM; K = 1 and K above a block.
INSTANTIATE_TEST_SUITE_P(
    Shapes, NearestShapes,
    ::testing::Combine(::testing::Values(1, 2, 3, 4, 5, 16, 17, 31, 48, 64, 65),
                       ::testing::Values(1, 2, 3, 7, 10, 12, 13, 32, 33, 100)));

TEST(CoreNearest, OneThreadAddsInRowOrder) {
  Threads one(1);
  at::Generator gen = generator(5);
  const at::Tensor x = randn({20000, 16}, gen).contiguous();
  const at::Tensor c = randn({10, 16}, gen).contiguous();
  const Pass p = run_pass(x, c);
  // What index_add_ gives: float32 sums in row order, bit for bit.
  const at::Tensor labels = at::tensor(p.labels, at::kInt).to(at::kLong);
  const at::Tensor ref = at::zeros({10, 16}, at::kFloat).index_add_(0, labels, x).contiguous();
  const std::vector<float> want(ref.data_ptr<float>(), ref.data_ptr<float>() + ref.numel());
  EXPECT_EQ(p.sums, want);
}

TEST(CoreNearest, ThreadCountsAgreeAndRepeat) {
  at::Generator gen = generator(6);
  const at::Tensor x = randn({50000, 8}, gen).contiguous();
  const at::Tensor c = randn({20, 8}, gen).contiguous();
  Pass one, two, again;
  {
    Threads t(1);
    one = run_pass(x, c);
  }
  {
    Threads t(2);
    two = run_pass(x, c);
    again = run_pass(x, c);
  }
  EXPECT_EQ(one.labels, two.labels);
  EXPECT_EQ(one.counts, two.counts);
  EXPECT_EQ(one.distances, two.distances);
  for (size_t e = 0; e < one.sums.size(); ++e) {
    ASSERT_NEAR(one.sums[e], two.sums[e], sum_tolerance(one.sums[e]));
  }
  // A given thread count adds its parts in a fixed order.
  EXPECT_EQ(two.sums, again.sums);
  EXPECT_EQ(two.inertia, again.inertia);
}

// LibTorch's parallel_for splits the work only where the code is compiled for
// OpenMP (CMakeLists.txt): without it, every thread count ran on one thread.
TEST(CoreNearest, ParallelForRunsOnTheThreadsAskedFor) {
#if TDCM_OPENMP_KERNELS
  Threads two(2);
  std::vector<int> ran(2, -1);
  at::parallel_for(0, 2, 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) ran[static_cast<size_t>(i)] = at::get_thread_num();
  });
  EXPECT_NE(ran[0], ran[1]);
#else
  GTEST_SKIP() << "built without OpenMP (a sanitizer build, or no OpenMP runtime)";
#endif
}

// A pass through a standardisation gives what the standardised rows give, bit
// for bit, on the direct loop and on the GEMM path.
TEST(CoreNearest, ScalingIsTheStandardisedRows) {
  for (const int64_t d : {2, 16}) {
    at::Generator gen = generator(9);
    const at::Tensor x = (randn({3000, d}, gen) * 3 + 1).contiguous();
    const at::Tensor c = randn({7, d}, gen).contiguous();
    const at::Tensor mean = randn({d}, gen).contiguous();
    const at::Tensor std = (randn({d}, gen).abs() + 0.5).contiguous();
    const Pass want = run_pass(((x - mean) / std).contiguous(), c);
    const Pass got = run_pass(x, c, {mean.data_ptr<float>(), std.data_ptr<float>()});
    EXPECT_EQ(got.labels, want.labels) << d;
    EXPECT_EQ(got.distances, want.distances) << d;
    EXPECT_EQ(got.sums, want.sums) << d;
    EXPECT_EQ(got.counts, want.counts) << d;
    EXPECT_EQ(got.inertia, want.inertia) << d;
  }
}

TEST(CoreNearest, TiesGoToTheFirstCentroid) {
  // Centroids 1 and 3 are copies of 0 and 2: no row may take a copy.
  for (int64_t d : {2, 8}) {
    at::Generator gen = generator(7);
    const at::Tensor base = randn({2, d}, gen);
    const at::Tensor c = at::cat({base[0].unsqueeze(0), base[0].unsqueeze(0), base[1].unsqueeze(0),
                                  base[1].unsqueeze(0)})
                             .contiguous();
    const at::Tensor x = randn({3000, d}, gen).contiguous();
    const Pass p = run_pass(x, c);
    for (int32_t l : p.labels) ASSERT_TRUE(l == 0 || l == 2) << l;
    EXPECT_EQ(p.counts[1] + p.counts[3], 0);
  }
}

TEST(CoreNearest, RowOnACentroidIsAtDistanceZero) {
  at::Generator gen = generator(8);
  const at::Tensor c = randn({6, 16}, gen).mul_(100).contiguous();
  const Pass p = run_pass(c.clone(), c);
  for (int32_t j = 0; j < 6; ++j) {
    EXPECT_EQ(p.labels[static_cast<size_t>(j)], j);
    EXPECT_GE(p.distances[static_cast<size_t>(j)], 0.0f);  // clamped, never negative
    EXPECT_LT(p.distances[static_cast<size_t>(j)], 1.0f);  // rounding of ||c||^2 ~ 1e6
  }
}

TEST(CoreNearest, OnlyWhatIsAskedIsWritten) {
  at::Generator gen = generator(9);
  const at::Tensor x = randn({100, 3}, gen).contiguous();
  const at::Tensor c = randn({4, 3}, gen).contiguous();
  const tdcm::NearestCentroids nearest(c);
  std::vector<int32_t> labels(100, -1);
  tdcm::NearestOutputs out;
  out.labels = labels.data();
  nearest.run(x.data_ptr<float>(), 100, out);
  const Pass full = run_pass(x, c);
  EXPECT_EQ(labels, full.labels);
  EXPECT_TRUE(tdcm::nearest_kernel_applies(x, c));
  EXPECT_FALSE(tdcm::nearest_kernel_applies(x.to(at::kDouble), c));
}

}  // namespace
