// Metrics against hand-computed values, scikit-learn's published numbers and
// brute force on small random labellings.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <random>
#include <stdexcept>
#include <vector>

#include "metrics/metrics.h"

namespace m = tdcm::metrics;

namespace {

using Labels = std::vector<int32_t>;

int64_t size(const Labels &v) { return static_cast<int64_t>(v.size()); }

// ARI from pair counts over all O(n^2) pairs, scikit-learn's formula
// 2 (tp tn - fn fp) / ((tp + fn)(fn + tn) + (tp + fp)(fp + tn)); 1 when fn = fp = 0.
double ari_pairs(const Labels &t, const Labels &p) {
  double tp = 0, fp = 0, fn = 0, tn = 0;
  for (size_t i = 0; i < t.size(); ++i) {
    for (size_t j = i + 1; j < t.size(); ++j) {
      const bool same_t = t[i] == t[j];
      const bool same_p = p[i] == p[j];
      if (same_t && same_p) tp += 1;
      if (!same_t && same_p) fp += 1;
      if (same_t && !same_p) fn += 1;
      if (!same_t && !same_p) tn += 1;
    }
  }
  if (fn == 0 && fp == 0) return 1.0;
  return 2.0 * (tp * tn - fn * fp) / ((tp + fn) * (fn + tn) + (tp + fp) * (fp + tn));
}

// Best accuracy over all injective maps cluster -> label (or label -> cluster),
// by enumerating permutations of the larger side.
double acc_brute(const Labels &t, const Labels &p, int32_t nt, int32_t np) {
  std::vector<std::vector<int64_t>> counts(static_cast<size_t>(np),
                                           std::vector<int64_t>(static_cast<size_t>(nt), 0));
  for (size_t i = 0; i < t.size(); ++i)
    ++counts[static_cast<size_t>(p[i])][static_cast<size_t>(t[i])];
  const int32_t big = std::max(nt, np);
  std::vector<int32_t> perm(static_cast<size_t>(big));
  std::iota(perm.begin(), perm.end(), 0);
  int64_t best = 0;
  do {
    // cluster c <-> label perm[c]; pairs outside the table are dummies.
    int64_t s = 0;
    for (int32_t c = 0; c < np; ++c) {
      if (perm[static_cast<size_t>(c)] < nt)
        s += counts[static_cast<size_t>(c)][static_cast<size_t>(perm[static_cast<size_t>(c)])];
    }
    best = std::max(best, s);
  } while (std::next_permutation(perm.begin(), perm.end()));
  return static_cast<double>(best) / static_cast<double>(t.size());
}

}  // namespace

// truth [0,0,1,1], pred [0,0,1,2]: scikit-learn gives NMI 0.8 and ARI 4/7.
// By hand: a = (2,2), b = (2,1,1), n = 4.
//   I = 2/4 ln(4*2/(2*2)) + 2 * 1/4 ln(4*1/(2*1)) = ln 2,
//   H(Y) = ln 2, H(C) = 1.5 ln 2, NMI = 2 ln 2 / 2.5 ln 2 = 0.8.
//   sum C(n_ij,2) = 1, sum C(a,2) = 2, sum C(b,2) = 1, C(4,2) = 6,
//   E = 2*1/6 = 1/3, max = 1.5, ARI = (1 - 1/3) / (1.5 - 1/3) = 4/7.
//   ACC: clusters 0->0, 1->1 (or 2->1): 3/4.
TEST(Metrics, SklearnReferenceValues) {
  const Labels t{0, 0, 1, 1}, p{0, 0, 1, 2};
  EXPECT_NEAR(m::nmi(t.data(), p.data(), 4), 0.8, 1e-12);
  EXPECT_NEAR(m::ari(t.data(), p.data(), 4), 0.5714285714285714, 1e-12);
  EXPECT_NEAR(m::acc(t.data(), p.data(), 4), 0.75, 1e-12);
}

// truth [0,0,0,1,1,1], pred [0,0,1,1,2,2]; contingency rows = classes:
//        c0 c1 c2
//   y0 [  2  1  0 ]  a = (3,3), b = (2,2,2), n = 6
//   y1 [  0  1  2 ]
//   I = 2 * (2/6) ln(6*2/(3*2)) + 2 * (1/6) ln(6*1/(3*2)) = (2/3) ln 2,
//   H(Y) = ln 2, H(C) = ln 3, NMI = (4/3) ln 2 / ln 6 = 0.51580374297938...
//   sum C(n_ij,2) = 2, sum C(a,2) = 6, sum C(b,2) = 3, C(6,2) = 15,
//   E = 6*3/15 = 1.2, max = 4.5, ARI = 0.8 / 3.3 = 8/33.
//   ACC: c0->y0 (2) + c2->y1 (2), c1 unmatched: 4/6.
TEST(Metrics, HandComputedContingency) {
  const Labels t{0, 0, 0, 1, 1, 1}, p{0, 0, 1, 1, 2, 2};
  const m::Scores s = m::evaluate(t.data(), p.data(), 6);
  EXPECT_NEAR(s.nmi, 4.0 / 3.0 * std::log(2.0) / std::log(6.0), 1e-12);
  EXPECT_NEAR(s.nmi, 0.5158037429793888, 1e-12);
  EXPECT_NEAR(s.ari, 8.0 / 33.0, 1e-12);
  EXPECT_NEAR(s.acc, 4.0 / 6.0, 1e-12);
  const std::vector<int32_t> map = m::best_map(t.data(), p.data(), 6);
  ASSERT_EQ(map.size(), 3u);
  EXPECT_EQ(map[0], 0);
  EXPECT_EQ(map[1], -1);
  EXPECT_EQ(map[2], 1);
}

TEST(Metrics, PermutedPerfectLabellingScoresOne) {
  const Labels t{0, 0, 1, 1, 2, 2, 2, 3};
  const Labels p{7, 7, 3, 3, 0, 0, 0, 12};  // a relabelling of t
  const m::Scores s = m::evaluate(t.data(), p.data(), size(t));
  EXPECT_NEAR(s.nmi, 1.0, 1e-12);
  EXPECT_NEAR(s.ari, 1.0, 1e-12);
  EXPECT_DOUBLE_EQ(s.acc, 1.0);
  const std::vector<int32_t> map = m::best_map(t.data(), p.data(), size(t));
  ASSERT_EQ(map.size(), 13u);
  EXPECT_EQ(map[7], 0);
  EXPECT_EQ(map[3], 1);
  EXPECT_EQ(map[0], 2);
  EXPECT_EQ(map[12], 3);
  EXPECT_EQ(map[1], -1);  // cluster value never used
}

TEST(Metrics, HugeLabelValuesAreCompressed) {
  const int32_t big = std::numeric_limits<int32_t>::max();
  const Labels t{big, big, 5, 5, 0};
  const Labels p{1000000000, 1000000000, big - 1, big - 1, 3};
  const m::Scores s = m::evaluate(t.data(), p.data(), size(t));
  EXPECT_NEAR(s.nmi, 1.0, 1e-12);
  EXPECT_NEAR(s.ari, 1.0, 1e-12);
  EXPECT_DOUBLE_EQ(s.acc, 1.0);
  // acc_kept must not allocate by cluster value either.
  EXPECT_DOUBLE_EQ(m::acc_kept(t.data(), p.data(), size(t), t.data(), p.data(), size(t)), 1.0);
}

TEST(Metrics, TrivialLabellingConventions) {
  const Labels one{4, 4, 4, 4}, other{9, 9, 9, 9}, split{0, 1, 0, 1}, singletons{0, 1, 2, 3};
  // Both a single cluster: a perfect match (scikit-learn returns 1.0 for both).
  EXPECT_DOUBLE_EQ(m::nmi(one.data(), other.data(), 4), 1.0);
  EXPECT_DOUBLE_EQ(m::ari(one.data(), other.data(), 4), 1.0);
  EXPECT_DOUBLE_EQ(m::acc(one.data(), other.data(), 4), 1.0);
  // Exactly one trivial: NMI 0, ARI 0.
  EXPECT_DOUBLE_EQ(m::nmi(one.data(), split.data(), 4), 0.0);
  EXPECT_DOUBLE_EQ(m::nmi(split.data(), one.data(), 4), 0.0);
  EXPECT_NEAR(m::ari(one.data(), split.data(), 4), 0.0, 1e-12);
  EXPECT_DOUBLE_EQ(m::acc(one.data(), split.data(), 4), 0.5);
  // Both all singletons: identical partitions.
  EXPECT_DOUBLE_EQ(m::ari(singletons.data(), singletons.data(), 4), 1.0);
  EXPECT_NEAR(m::nmi(singletons.data(), singletons.data(), 4), 1.0, 1e-12);
  // n = 1.
  const int32_t a = 3, b = 0;
  EXPECT_DOUBLE_EQ(m::nmi(&a, &b, 1), 1.0);
  EXPECT_DOUBLE_EQ(m::ari(&a, &b, 1), 1.0);
  EXPECT_DOUBLE_EQ(m::acc(&a, &b, 1), 1.0);
}

TEST(Metrics, IndependentLabellingsHaveNegativeOrZeroAri) {
  // truth [0,0,1,1], pred [0,1,0,1]: every cell is 1, sum C(n_ij,2) = 0,
  // E = 2*2/6, max = 2, ARI = (0 - 2/3) / (2 - 2/3) = -0.5; MI = 0 -> NMI 0.
  const Labels t{0, 0, 1, 1}, p{0, 1, 0, 1};
  EXPECT_NEAR(m::ari(t.data(), p.data(), 4), -0.5, 1e-12);
  EXPECT_DOUBLE_EQ(m::nmi(t.data(), p.data(), 4), 0.0);
  EXPECT_DOUBLE_EQ(m::acc(t.data(), p.data(), 4), 0.5);
}

TEST(Metrics, AccWithMoreClustersThanClasses) {
  // 2 classes, 4 clusters: c0 and c1 split class 0 (3 + 1), c2 and c3 split
  // class 1 (2 + 2). Only one cluster per class counts: (3 + 2) / 8.
  const Labels t{0, 0, 0, 0, 1, 1, 1, 1};
  const Labels p{0, 0, 0, 1, 2, 2, 3, 3};
  EXPECT_DOUBLE_EQ(m::acc(t.data(), p.data(), 8), 5.0 / 8.0);
  const std::vector<int32_t> map = m::best_map(t.data(), p.data(), 8);
  ASSERT_EQ(map.size(), 4u);
  EXPECT_EQ(map[0], 0);
  EXPECT_EQ(map[1], -1);
  EXPECT_EQ(std::count(map.begin(), map.end(), 1), 1);
  EXPECT_EQ(std::count(map.begin(), map.end(), -1), 2);
}

TEST(Metrics, AccWithFewerClustersThanClasses) {
  // 3 classes, 2 clusters: cluster 0 holds classes 0 and 1 (2 + 2), cluster 1
  // holds class 2 (3) and one of class 1. Best: 0->0 (or 1) 2 + 1->2 3 = 5/8.
  const Labels t{0, 0, 1, 1, 1, 2, 2, 2};
  const Labels p{0, 0, 0, 0, 1, 1, 1, 1};
  EXPECT_DOUBLE_EQ(m::acc(t.data(), p.data(), 8), 5.0 / 8.0);
  const std::vector<int32_t> map = m::best_map(t.data(), p.data(), 8);
  ASSERT_EQ(map.size(), 2u);
  EXPECT_EQ(map[1], 2);
  EXPECT_TRUE(map[0] == 0 || map[0] == 1);
}

TEST(Metrics, AgreesWithBruteForceOnRandomLabellings) {
  std::mt19937 gen(12345);
  for (int trial = 0; trial < 200; ++trial) {
    const int32_t nt = 1 + static_cast<int32_t>(gen() % 5);
    const int32_t np = 1 + static_cast<int32_t>(gen() % 6);
    const size_t n = 1 + gen() % 40;
    Labels t(n), p(n);
    for (size_t i = 0; i < n; ++i) {
      t[i] = static_cast<int32_t>(gen() % static_cast<uint32_t>(nt));
      // Correlate p with t half of the time so scores span the range.
      p[i] = (gen() % 2) ? t[i] % np : static_cast<int32_t>(gen() % static_cast<uint32_t>(np));
    }
    const int64_t nn = static_cast<int64_t>(n);
    SCOPED_TRACE(trial);
    EXPECT_NEAR(m::acc(t.data(), p.data(), nn), acc_brute(t, p, nt, np), 1e-12);
    EXPECT_NEAR(m::ari(t.data(), p.data(), nn), ari_pairs(t, p), 1e-9);
    // Symmetry and range.
    const double nmi = m::nmi(t.data(), p.data(), nn);
    EXPECT_NEAR(nmi, m::nmi(p.data(), t.data(), nn), 1e-12);
    EXPECT_GE(nmi, 0.0);
    EXPECT_LE(nmi, 1.0 + 1e-12);
    EXPECT_NEAR(m::ari(t.data(), p.data(), nn), m::ari(p.data(), t.data(), nn), 1e-12);
    // best_map realises acc.
    const std::vector<int32_t> map = m::best_map(t.data(), p.data(), nn);
    int64_t hit = 0;
    for (size_t i = 0; i < n; ++i) hit += map[static_cast<size_t>(p[i])] == t[i];
    EXPECT_NEAR(static_cast<double>(hit) / static_cast<double>(n), m::acc(t.data(), p.data(), nn),
                1e-12);
    // One-to-one.
    Labels used;
    for (int32_t l : map) {
      if (l >= 0) used.push_back(l);
    }
    std::sort(used.begin(), used.end());
    EXPECT_TRUE(std::adjacent_find(used.begin(), used.end()) == used.end());
  }
}

TEST(Metrics, AccKeptUsesTheSourceMap) {
  // Source: cluster 1 is class 0, cluster 0 is class 1, cluster 2 is class 2.
  const Labels st{0, 0, 1, 1, 2, 2}, sp{1, 1, 0, 0, 2, 2};
  const Labels tt{0, 0, 1, 1, 2, 2};
  // Target keeps the identities: 1.0.
  const Labels same{1, 1, 0, 0, 2, 2};
  EXPECT_DOUBLE_EQ(m::acc_kept(st.data(), sp.data(), 6, tt.data(), same.data(), 6), 1.0);
  // Target swaps clusters 0 and 1: a perfect clustering on its own (acc 1.0),
  // but only class 2 keeps its identity under the source map: 2/6.
  const Labels swapped{0, 0, 1, 1, 2, 2};
  EXPECT_DOUBLE_EQ(m::acc(tt.data(), swapped.data(), 6), 1.0);
  EXPECT_DOUBLE_EQ(m::acc_kept(st.data(), sp.data(), 6, tt.data(), swapped.data(), 6), 2.0 / 6.0);
  // A target cluster unknown to the source counts as wrong.
  const Labels unseen{1, 1, 0, 0, 5, 5};
  EXPECT_DOUBLE_EQ(m::acc_kept(st.data(), sp.data(), 6, tt.data(), unseen.data(), 6), 4.0 / 6.0);
  // Target of a different size.
  const Labels tt2{2, 0, 1}, tp2{2, 1, 1};
  EXPECT_DOUBLE_EQ(m::acc_kept(st.data(), sp.data(), 6, tt2.data(), tp2.data(), 3), 2.0 / 3.0);
}

TEST(Metrics, AccKeptUnmatchedSourceClusterIsWrong) {
  // Source has 3 clusters for 2 classes: cluster 2 (minority of class 1) stays unmatched.
  const Labels st{0, 0, 0, 1, 1, 1}, sp{0, 0, 0, 1, 1, 2};
  const Labels tt{1, 1}, tp{2, 1};
  EXPECT_DOUBLE_EQ(m::acc_kept(st.data(), sp.data(), 6, tt.data(), tp.data(), 2), 0.5);
}

TEST(Metrics, HungarianKnownSquare) {
  // Optimal: row0->1 (1) + row1->0 (2) + row2->2 (2) = 5, unique.
  const std::vector<double> cost{4, 1, 3, 2, 0, 5, 3, 2, 2};
  const std::vector<int64_t> a = m::hungarian_min_cost(cost, 3, 3);
  EXPECT_EQ(a, (std::vector<int64_t>{1, 0, 2}));
}

TEST(Metrics, HungarianKnownRectangular) {
  // 3 x 4: optimum row0->0 (10) + row1->2 (7) + row2->3 (14) = 31; next best is 32.
  const std::vector<double> cost{10, 19, 8, 15, 10, 18, 7, 17, 13, 16, 9, 14};
  const std::vector<int64_t> a = m::hungarian_min_cost(cost, 3, 4);
  EXPECT_EQ(a, (std::vector<int64_t>{0, 2, 3}));
}

TEST(Metrics, HungarianNegativeCostsAndRandomBruteForce) {
  std::mt19937 gen(7);
  std::uniform_int_distribution<int> dist(-50, 50);
  for (int trial = 0; trial < 100; ++trial) {
    const int64_t rows = 1 + trial % 5;
    const int64_t cols = rows + (trial / 5) % 3;
    std::vector<double> cost(static_cast<size_t>(rows * cols));
    for (double &v : cost) v = dist(gen);
    const std::vector<int64_t> a = m::hungarian_min_cost(cost, rows, cols);
    ASSERT_EQ(static_cast<int64_t>(a.size()), rows);
    double got = 0;
    for (int64_t r = 0; r < rows; ++r)
      got += cost[static_cast<size_t>(r * cols + a[static_cast<size_t>(r)])];
    std::vector<int64_t> perm(static_cast<size_t>(cols));
    std::iota(perm.begin(), perm.end(), 0);
    double best = std::numeric_limits<double>::infinity();
    do {
      double s = 0;
      for (int64_t r = 0; r < rows; ++r)
        s += cost[static_cast<size_t>(r * cols + perm[static_cast<size_t>(r)])];
      best = std::min(best, s);
    } while (std::next_permutation(perm.begin(), perm.end()));
    EXPECT_DOUBLE_EQ(got, best) << "trial " << trial;
    std::vector<int64_t> sorted = a;
    std::sort(sorted.begin(), sorted.end());
    EXPECT_TRUE(std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end());
  }
}

TEST(Metrics, HungarianRejectsBadShapes) {
  EXPECT_THROW(m::hungarian_min_cost({1, 2, 3, 4, 5, 6}, 3, 2), std::invalid_argument);
  EXPECT_THROW(m::hungarian_min_cost({1, 2, 3}, 2, 2), std::invalid_argument);
  EXPECT_THROW(m::hungarian_min_cost({1, std::nan(""), 3, 4}, 2, 2), std::invalid_argument);
  EXPECT_TRUE(m::hungarian_min_cost({}, 0, 3).empty());
}

TEST(Metrics, RejectsInvalidInput) {
  const Labels t{0, 1}, neg{0, -1};
  EXPECT_THROW(m::evaluate(t.data(), t.data(), 0), std::invalid_argument);
  EXPECT_THROW(m::nmi(t.data(), t.data(), -3), std::invalid_argument);
  EXPECT_THROW(m::ari(t.data(), neg.data(), 2), std::invalid_argument);
  EXPECT_THROW(m::acc(neg.data(), t.data(), 2), std::invalid_argument);
  EXPECT_THROW(m::nmi(nullptr, t.data(), 2), std::invalid_argument);
  EXPECT_THROW(m::best_map(t.data(), nullptr, 2), std::invalid_argument);
  EXPECT_THROW(m::acc_kept(t.data(), t.data(), 2, t.data(), neg.data(), 2), std::invalid_argument);
  EXPECT_THROW(m::acc_kept(t.data(), t.data(), 2, t.data(), t.data(), 0), std::invalid_argument);
}
