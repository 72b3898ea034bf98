// Cluster identities across domains (core/identity.h): matching drifted,
// shuffled components back to the source's, the confidences and posteriors
// of a pairing, and the per-cluster report's flags.
#include <gtest/gtest.h>

#include <cstdint>
#include <numeric>
#include <vector>

#include "core/identity.h"
#include "core_test_util.h"

namespace {

using tdcm::Mixture;
using tdcm_test::max_abs_diff;

at::Tensor matrix(std::vector<double> values, int64_t rows, int64_t cols) {
  return at::tensor(values, at::kDouble).view({rows, cols}).clone();
}

// Four components on a grid of spacing 10, each of its own shape, 400 rows each.
Mixture grid_source() {
  Mixture m;
  m.means = matrix({0, 0, 10, 0, 0, 10, 10, 10}, 4, 2);
  m.covs = matrix({1.0, 0.0, 0.0, 0.3,  //
                   0.3, 0.0, 0.0, 1.0,  //
                   0.6, 0.3, 0.3, 0.6,  //
                   2.0, -0.5, -0.5, 0.5},
                  4, 4)
               .view({4, 2, 2});
  m.sizes = at::full({4}, 400.0, at::kDouble);
  m.weights = at::full({4}, 0.25, at::kDouble);
  return m;
}

// The source's components moved by less than a third of the spacing, shapes kept.
Mixture drifted(const Mixture &source) {
  Mixture t = source;
  t.means = source.means + matrix({2.0, 1.0, -1.0, 2.0, 1.5, -1.0, -2.0, -2.0}, 4, 2);
  return t;
}

Mixture means_only(const Mixture &m) { return Mixture{m.means, {}, {}, {}}; }

void expect_confidences_in_unit_interval(const std::vector<double> &c) {
  for (double v : c) {
    EXPECT_GE(v, 0.0);
    EXPECT_LE(v, 1.0);
  }
}

}  // namespace

TEST(CoreIdentity, MatchingRecoversAShuffledDriftedMixture) {
  const Mixture source = grid_source();
  // Target component j is source component order[j].
  const std::vector<int64_t> order{2, 0, 3, 1};
  const Mixture target = drifted(source).permuted(order);
  const tdcm::ClusterMatch m = tdcm::match_components(source, target);
  EXPECT_EQ(m.source_of, order);
  ASSERT_EQ(m.confidence.size(), 4u);
  expect_confidences_in_unit_interval(m.confidence);
  // Shapes identical and shifts a quarter of the spacing: the wrong pairings
  // are far less likely (measured: every confidence 1 to double precision).
  for (double c : m.confidence) EXPECT_GT(c, 0.99);
  // Undoing the shuffle: the pairing j -> j is the one found, with the same confidences.
  std::vector<int64_t> back(4);
  for (int64_t j = 0; j < 4; ++j) back[static_cast<size_t>(order[static_cast<size_t>(j)])] = j;
  const std::vector<double> same = tdcm::pairing_confidence(source, target.permuted(back));
  for (double c : same) EXPECT_GT(c, 0.99);
}

TEST(CoreIdentity, PositionsAloneWhenCovariancesAreUndefined) {
  const Mixture source = means_only(grid_source());
  const std::vector<int64_t> order{3, 1, 0, 2};
  for (const bool target_shapes : {true, false}) {
    SCOPED_TRACE(target_shapes ? "target with covariances" : "means only on both sides");
    const Mixture moved = drifted(grid_source()).permuted(order);
    const Mixture target = target_shapes ? moved : means_only(moved);
    const tdcm::ClusterMatch m = tdcm::match_components(source, target);
    EXPECT_EQ(m.source_of, order);
    expect_confidences_in_unit_interval(m.confidence);
    // Shifts of at most 2.9 against distances of 8 or more between the wrong
    // pairs (measured: every confidence above 0.99997).
    for (double c : m.confidence) EXPECT_GT(c, 0.99);
  }
}

// Two neighbours trade places but keep their (very different) shapes: by
// position alone their names swap, with their shapes they are kept.
TEST(CoreIdentity, ShapesDecideWhenPositionsMislead) {
  Mixture source;
  source.means = matrix({0, 0, 3, 0, 20, 0, 0, 20}, 4, 2);
  source.covs = matrix({4.0, 0.0, 0.0, 0.1,  //
                        0.1, 0.0, 0.0, 4.0,  //
                        1.0, 0.0, 0.0, 1.0,  //
                        0.5, 0.2, 0.2, 0.5},
                       4, 4)
                    .view({4, 2, 2});
  source.sizes = at::full({4}, 300.0, at::kDouble);
  source.weights = at::full({4}, 0.25, at::kDouble);
  Mixture target = source;
  target.means = matrix({2.5, 0.5, 0.5, 0.0, 21, 0, 0, 19}, 4, 2);
  const tdcm::ClusterMatch with_shapes = tdcm::match_components(source, target);
  EXPECT_EQ(with_shapes.source_of, (std::vector<int64_t>{0, 1, 2, 3}));
  for (double c : with_shapes.confidence) EXPECT_GT(c, 0.99);
  // The guard that the case is a real one: without the shapes the first two swap.
  const tdcm::ClusterMatch by_position = tdcm::match_components(means_only(source), target);
  EXPECT_EQ(by_position.source_of, (std::vector<int64_t>{1, 0, 2, 3}));
}

TEST(CoreIdentity, IdentityPosteriorIsDoublyStochasticAndItsDiagonalIsThePairingConfidence) {
  const Mixture source = grid_source();
  for (const std::vector<int64_t> &order :
       {std::vector<int64_t>{0, 1, 2, 3}, std::vector<int64_t>{1, 0, 2, 3}}) {
    const Mixture target = drifted(source).permuted(order);
    const at::Tensor post = tdcm::identity_posterior(source, target);
    ASSERT_EQ(post.sizes(), (at::IntArrayRef{4, 4}));
    EXPECT_LT(max_abs_diff(post.sum(1), at::ones({4}, at::kDouble)), 1e-12);
    // A posterior over one-to-one pairings: each source cluster is continued once.
    EXPECT_LT(max_abs_diff(post.sum(0), at::ones({4}, at::kDouble)), 1e-12);
    EXPECT_GE(post.min().item<double>(), 0.0);
    const std::vector<double> conf = tdcm::pairing_confidence(source, target);
    ASSERT_EQ(conf.size(), 4u);
    expect_confidences_in_unit_interval(conf);
    for (int64_t j = 0; j < 4; ++j) {
      EXPECT_NEAR(post[j][j].item<double>(), conf[static_cast<size_t>(j)], 1e-12);
    }
    if (order[0] == 0) {
      for (double c : conf) EXPECT_GT(c, 0.99);
    } else {
      // Target 0 is source 1 and target 1 source 0: the pairing j -> j is
      // wrong for them (below the report's threshold; measured 1.1e-5 each),
      // right for the others (0.9995 and 0.9999; 0.974 and 0.986 when each
      // row was a softmax of its own, blind to the pairing).
      EXPECT_LT(conf[0], tdcm::kConfidentMatch);
      EXPECT_LT(conf[1], tdcm::kConfidentMatch);
      EXPECT_GT(conf[2], 0.9);
      EXPECT_GT(conf[3], 0.9);
      EXPECT_GT(post[0][1].item<double>(), post[0][0].item<double>());
      EXPECT_GT(post[1][0].item<double>(), post[1][1].item<double>());
    }
  }
}

TEST(CoreIdentity, ReportFlags) {
  Mixture source;
  source.means = matrix({0, 0, 10, 0, 0, 10}, 3, 2);
  source.covs = matrix({4, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1}, 3, 4).view({3, 2, 2});
  Mixture target = source;
  target.means = source.means + matrix({8, 0, 0, 2, 0, 2.9}, 3, 2);
  const std::vector<double> confidence{0.9, 0.3, 0.6};
  const std::vector<int64_t> source_sizes{100, 100, 100};
  const std::vector<int64_t> target_sizes{150, 130, 20};
  const std::vector<tdcm::ClusterReport> r =
      tdcm::cluster_report(source, target, confidence, source_sizes, target_sizes);
  ASSERT_EQ(r.size(), 3u);
  // Shift in the source cluster's own spread: sqrt(8^2 / 4) = 4, then 2 and 2.9.
  const double shift[] = {4.0, 2.0, 2.9};
  for (size_t j = 0; j < 3; ++j) {
    SCOPED_TRACE(j);
    EXPECT_EQ(r[j].source_cluster, static_cast<int64_t>(j));
    EXPECT_EQ(r[j].confidence, confidence[j]);
    EXPECT_NEAR(r[j].shift, shift[j], 1e-12);
    EXPECT_EQ(r[j].source_size, source_sizes[j]);
    EXPECT_EQ(r[j].target_size, target_sizes[j]);
    EXPECT_EQ(r[j].moved_far, j == 0);  // 4 > 3; 2.9 is not
    EXPECT_EQ(r[j].unmatched, j == 1);  // 0.3 < 0.5
    // Shares 0.5, 0.43, 0.067 of the target against 1/3 each on the source.
    EXPECT_EQ(r[j].shrank, j == 2);
  }
  // Without covariances on either side the shift is Euclidean.
  const std::vector<tdcm::ClusterReport> plain = tdcm::cluster_report(
      means_only(source), means_only(target), confidence, source_sizes, target_sizes);
  EXPECT_NEAR(plain[0].shift, 8.0, 1e-12);
  EXPECT_TRUE(plain[0].moved_far);
  EXPECT_FALSE(plain[2].moved_far);
  // Without source covariances (centroids set by the user) the target's spread is used.
  Mixture wide = target;
  wide.covs = wide.covs * 16.0;
  const std::vector<tdcm::ClusterReport> user =
      tdcm::cluster_report(means_only(source), wide, confidence, source_sizes, target_sizes);
  EXPECT_NEAR(user[0].shift, 1.0, 1e-12);  // sqrt(64 / 64)
  EXPECT_FALSE(user[0].moved_far);
}

TEST(CoreIdentity, ReportOfMatchedMixturesIsConfidentAndUnflagged) {
  const Mixture source = grid_source();
  const Mixture target = drifted(source);
  const std::vector<int64_t> sizes{400, 400, 400, 400};
  const std::vector<tdcm::ClusterReport> r =
      tdcm::cluster_report(source, target, tdcm::pairing_confidence(source, target), sizes, sizes);
  for (const tdcm::ClusterReport &c : r) {
    EXPECT_FALSE(c.unmatched);
    EXPECT_FALSE(c.shrank);
    EXPECT_GT(c.shift, 1.0);  // moved about 2 units against spreads near 1
  }
}

TEST(CoreIdentity, LabelCounts) {
  const std::vector<int32_t> labels{0, 2, 2, 1, 2, 0, 2};
  EXPECT_EQ(tdcm::label_counts(labels.data(), 7, 3), (std::vector<int64_t>{2, 1, 4}));
  EXPECT_EQ(tdcm::label_counts(labels.data(), 7, 4), (std::vector<int64_t>{2, 1, 4, 0}));
  // Labels outside [0, k) are not counted.
  EXPECT_EQ(tdcm::label_counts(labels.data(), 7, 2), (std::vector<int64_t>{2, 1}));
  const std::vector<int32_t> odd{-1, 5, 1};
  EXPECT_EQ(tdcm::label_counts(odd.data(), 3, 2), (std::vector<int64_t>{0, 1}));
}
