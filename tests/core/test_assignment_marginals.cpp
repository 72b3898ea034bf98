// The posterior over one-to-one pairings (core/assignment_marginals.h):
// exact marginals against enumeration of every permutation, Sinkhorn's
// balance above the exact size, and the property the identity posterior
// needs: a source item another target item claims is not free.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <vector>

#include "core/assignment_marginals.h"

namespace {

std::vector<double> random_costs(int64_t k, double scale, uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> u(0.0, scale);
  std::vector<double> c(static_cast<size_t>(k * k));
  for (double &v : c) v = u(gen);
  return c;
}

// Marginals by summing exp(-cost) over all k! permutations.
std::vector<double> enumerated(const std::vector<double> &cost, int64_t k) {
  std::vector<int64_t> perm(static_cast<size_t>(k));
  std::iota(perm.begin(), perm.end(), 0);
  std::vector<double> out(static_cast<size_t>(k * k), 0.0);
  double total = 0;
  do {
    double c = 0;
    for (int64_t i = 0; i < k; ++i) c += cost[i * k + perm[i]];
    const double w = std::exp(-c);
    total += w;
    for (int64_t i = 0; i < k; ++i) out[i * k + perm[i]] += w;
  } while (std::next_permutation(perm.begin(), perm.end()));
  for (double &v : out) v /= total;
  return out;
}

void expect_doubly_stochastic(const std::vector<double> &p, int64_t k, double tol) {
  for (int64_t i = 0; i < k; ++i) {
    double row = 0, col = 0;
    for (int64_t j = 0; j < k; ++j) {
      EXPECT_GE(p[i * k + j], 0.0);
      row += p[i * k + j];
      col += p[j * k + i];
    }
    EXPECT_NEAR(row, 1.0, tol);
    EXPECT_NEAR(col, 1.0, tol);
  }
}

TEST(CoreAssignmentMarginals, ExactMarginalsEqualEnumerationOfEveryPairing) {
  for (int64_t k : {1, 2, 3, 5, 7}) {
    for (uint32_t seed : {1u, 2u, 3u}) {
      const std::vector<double> cost = random_costs(k, 4.0, seed);
      const std::vector<double> p = tdcm::pairing_marginals(cost, k);
      const std::vector<double> want = enumerated(cost, k);
      ASSERT_EQ(p.size(), want.size());
      for (size_t i = 0; i < p.size(); ++i) {
        EXPECT_NEAR(p[i], want[i], 1e-12) << "k=" << k;
        EXPECT_LE(p[i], 1.0);  // a probability, also after rounding
      }
      expect_doubly_stochastic(p, k, 1e-12);
    }
  }
}

TEST(CoreAssignmentMarginals, CostsHundredsApartNeitherOverflowNorUnderflow) {
  // One pairing is cheaper by hundreds of nats: its marginals are 1, the rest 0.
  const int64_t k = 6;
  std::vector<double> cost = random_costs(k, 1.0, 7);
  for (double &c : cost) c += 800.0;
  for (int64_t i = 0; i < k; ++i) cost[i * k + (i + 1) % k] = 0.0;
  const std::vector<double> p = tdcm::pairing_marginals(cost, k);
  for (int64_t i = 0; i < k; ++i) {
    for (int64_t j = 0; j < k; ++j) {
      EXPECT_NEAR(p[i * k + j], j == (i + 1) % k ? 1.0 : 0.0, 1e-12);
    }
  }
}

TEST(CoreAssignmentMarginals, AClaimedSourceIsNotFreeForAnother) {
  // Target 0 fits source 0 only; target 1 fits source 0 a little better than
  // source 1, and source 1 is the only one left for it. A row softmax would
  // give target 1 to source 0 (e^-1 against e^-2, 0.73); the pairings say 1.
  const std::vector<double> cost = {0.0, 50.0,  //
                                    1.0, 2.0};
  const std::vector<double> p = tdcm::pairing_marginals(cost, 2);
  EXPECT_NEAR(p[0], 1.0, 1e-12);
  EXPECT_NEAR(p[3], 1.0, 1e-12);
}

TEST(CoreAssignmentMarginals, SinkhornAboveTheExactSizeIsBalancedAndPicksTheCheapPairing) {
  const int64_t k = tdcm::kExactPairingItems + 6;
  std::vector<double> cost = random_costs(k, 3.0, 11);
  for (int64_t i = 0; i < k; ++i) cost[i * k + (k - 1 - i)] -= 10.0;  // a clear pairing
  const std::vector<double> p = tdcm::pairing_marginals(cost, k);
  expect_doubly_stochastic(p, k, 1e-2);  // columns balanced to within a percent (capped passes)
  for (int64_t i = 0; i < k; ++i) EXPECT_GT(p[i * k + (k - 1 - i)], 0.9);
}

}  // namespace
