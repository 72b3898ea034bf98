// The finiteness scan of caller matrices (core/finite_scan.h): the first NaN
// or infinity wherever it lies (a whole block, the tail past the last block,
// several blocks apart), at one thread and at two.
#include <ATen/Parallel.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <vector>

#include "core/finite_scan.h"
#include "core_test_util.h"

using tdcm_test::Threads;

TEST(CoreFiniteScan, FindsTheFirstBadValueAnywhere) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  // 3 million values: many blocks, and a tail that no whole block covers.
  const int64_t total = 3000001;
  std::vector<float> x(static_cast<size_t>(total), 1.5f);
  for (const int threads : {1, 2}) {
    Threads t(threads);
    EXPECT_EQ(tdcm::first_non_finite(x.data(), total), total);
    EXPECT_EQ(tdcm::first_non_finite(x.data(), 0), 0);
    for (const int64_t at :
         {int64_t{0}, int64_t{4095}, int64_t{4096}, int64_t{1234567}, total - 2, total - 1}) {
      for (const float bad : {nan, inf, -inf}) {
        x[static_cast<size_t>(at)] = bad;
        EXPECT_EQ(tdcm::first_non_finite(x.data(), total), at) << at << " " << bad;
        x[static_cast<size_t>(at)] = 1.5f;
      }
    }
    // Of several, the first: in an earlier block than another thread's find.
    x[2999000] = nan;
    x[1500000] = inf;
    x[1500003] = nan;
    EXPECT_EQ(tdcm::first_non_finite(x.data(), total), 1500000);
    x[2999000] = x[1500000] = x[1500003] = 1.5f;
  }
  // The largest finite values and the subnormals are finite.
  const std::vector<float> edge{std::numeric_limits<float>::max(),
                                -std::numeric_limits<float>::max(),
                                std::numeric_limits<float>::denorm_min(), -0.0f};
  EXPECT_EQ(tdcm::first_non_finite(edge.data(), 4), 4);
}
