// k-means on tensors: recovery of separated blobs, Lloyd's fixed point, the
// distance matrix, k-means++ and determinism by seed.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "core/kmeans.h"
#include "core_test_util.h"
#include "metrics/metrics.h"

namespace {

using tdcm_test::generator;
using tdcm_test::max_abs_diff;
using tdcm_test::randn;

struct Blobs {
  at::Tensor x;      // n x d float, shuffled
  at::Tensor truth;  // n labels
  at::Tensor means;  // k x d: the exact mean of each blob's rows
};

// Four blobs 10 apart with unit-scale noise, 75 rows each, shuffled.
Blobs make_blobs(uint64_t seed) {
  at::Generator gen = generator(seed);
  const at::Tensor centers =
      at::tensor({0.0f, 0.0f, 0.0f, 10.0f, 0.0f, 0.0f, 0.0f, 10.0f, 0.0f, 10.0f, 10.0f, 10.0f},
                 at::kFloat)
          .view({4, 3});
  const at::Tensor labels = at::arange(4, at::kLong).repeat_interleave(75);
  const at::Tensor order = at::randperm(300, gen);
  Blobs b;
  b.truth = labels.index_select(0, order);
  b.x = (centers.index_select(0, b.truth) + 0.7 * randn({300, 3}, gen)).contiguous();
  b.means = at::zeros({4, 3}, at::kFloat);
  for (int64_t j = 0; j < 4; ++j) {
    b.means[j].copy_(b.x.index_select(0, b.truth.eq(j).nonzero().squeeze(1)).mean(0));
  }
  return b;
}

std::vector<int32_t> nearest_labels(const at::Tensor &x, const at::Tensor &c) {
  const at::Tensor l = tdcm::squared_distances(x, c).argmin(1).to(at::kInt).contiguous();
  return std::vector<int32_t>(l.data_ptr<int32_t>(), l.data_ptr<int32_t>() + l.numel());
}

std::vector<int32_t> as_labels(const at::Tensor &t) {
  const at::Tensor l = t.to(at::kInt).contiguous();
  return std::vector<int32_t>(l.data_ptr<int32_t>(), l.data_ptr<int32_t>() + l.numel());
}

TEST(CoreKMeans, RecoversSeparatedBlobs) {
  const Blobs b = make_blobs(3);
  at::Generator gen = generator(0);
  tdcm::KMeansOptions options;
  options.k = 4;
  options.n_init = 3;
  // Chunks of 64 rows: the reductions over chunks must add up.
  const tdcm::KMeansResult r = tdcm::kmeans_fit(tdcm::tensor_rows(b.x, 64), options, gen);
  ASSERT_EQ(r.centroids.sizes(), (std::vector<int64_t>{4, 3}));
  const std::vector<int32_t> truth = as_labels(b.truth);
  const std::vector<int32_t> pred = nearest_labels(b.x, r.centroids);
  EXPECT_NEAR(tdcm::metrics::nmi(truth.data(), pred.data(), 300), 1.0, 1e-12);
  // The centroids are the blob means, in some order.
  const at::Tensor order = tdcm::squared_distances(b.means, r.centroids).argmin(1);
  EXPECT_LT(max_abs_diff(r.centroids.index_select(0, order), b.means), 1e-4);
  // The inertia is the sum of squared distances to the nearest centroid.
  const double inertia = std::get<0>(tdcm::squared_distances(b.x, r.centroids).min(1))
                             .to(at::kDouble)
                             .sum()
                             .item<double>();
  EXPECT_NEAR(r.inertia, inertia, 1e-3 * inertia);
  EXPECT_GE(r.iterations, 1);
}

TEST(CoreKMeans, LloydFromTrueMeansIsAFixedPoint) {
  const Blobs b = make_blobs(4);
  for (const int64_t chunk : {300, 7}) {
    const tdcm::KMeansResult r = tdcm::lloyd(tdcm::tensor_rows(b.x, chunk), b.means, 100, 1e-4);
    EXPECT_LT(max_abs_diff(r.centroids, b.means), 1e-5) << "chunk " << chunk;
    EXPECT_EQ(r.iterations, 1);
  }
}

TEST(CoreKMeans, LloydConvergesFromPerturbedMeans) {
  const Blobs b = make_blobs(5);
  const at::Tensor start = b.means + 2.0;
  const tdcm::KMeansResult r = tdcm::lloyd(tdcm::tensor_rows(b.x, 50), start, 100, 0.0);
  EXPECT_LT(max_abs_diff(r.centroids, b.means), 1e-4);
  EXPECT_GT(r.iterations, 1);
  // max_iter bounds the work, and the input is not modified.
  const tdcm::KMeansResult one = tdcm::lloyd(tdcm::tensor_rows(b.x, 50), start, 1, 0.0);
  EXPECT_EQ(one.iterations, 1);
  EXPECT_TRUE(at::equal(start, b.means + 2.0));
}

TEST(CoreKMeans, LloydKeepsAnEmptyClustersCentroid) {
  const Blobs b = make_blobs(6);
  at::Tensor start = b.means.clone();
  const at::Tensor far = at::full({3}, 1000.0f);
  start = at::cat({start, far.unsqueeze(0)});
  const tdcm::KMeansResult r = tdcm::lloyd(tdcm::tensor_rows(b.x, 300), start, 10, 1e-4);
  EXPECT_TRUE(at::isfinite(r.centroids).all().item<bool>());
  EXPECT_TRUE(at::equal(r.centroids[4], far));
}

TEST(CoreKMeans, SquaredDistancesMatchDirectComputation) {
  at::Generator gen = generator(9);
  const at::Tensor x = randn({23, 5}, gen) * 3.0;
  const at::Tensor c = randn({6, 5}, gen) * 3.0;
  const at::Tensor d = tdcm::squared_distances(x, c);
  ASSERT_EQ(d.sizes(), (std::vector<int64_t>{23, 6}));
  const at::Tensor xd = x.to(at::kDouble), cd = c.to(at::kDouble);
  for (int64_t i = 0; i < 23; ++i) {
    for (int64_t j = 0; j < 6; ++j) {
      const double direct = (xd[i] - cd[j]).pow(2).sum().item<double>();
      EXPECT_NEAR(d[i][j].item<double>(), direct, 1e-4 * (1 + direct)) << i << "," << j;
    }
  }
  // Distances of rows to themselves: near zero and never negative.
  const at::Tensor self = tdcm::squared_distances(x, x);
  EXPECT_TRUE((self >= 0).all().item<bool>());
  EXPECT_LT(tdcm_test::max_abs(self.diagonal()), 1e-4);
}

TEST(CoreKMeans, DeterministicBySeed) {
  at::Generator data_gen = generator(13);
  const at::Tensor x = randn({200, 4}, data_gen);  // no cluster structure: seeds matter
  tdcm::KMeansOptions options;
  options.k = 5;
  options.n_init = 2;
  auto fit = [&](uint64_t seed) {
    at::Generator gen = generator(seed);
    return tdcm::kmeans_fit(tdcm::tensor_rows(x, 64), options, gen);
  };
  const tdcm::KMeansResult a = fit(1), b = fit(1);
  EXPECT_TRUE(at::equal(a.centroids, b.centroids));
  EXPECT_EQ(a.inertia, b.inertia);
  EXPECT_EQ(a.iterations, b.iterations);

  at::Generator g1 = generator(1), g2 = generator(1), g3 = generator(2);
  const at::Tensor s1 = tdcm::kmeans_plus_plus(tdcm::tensor_rows(x, 64), 5, g1);
  const at::Tensor s2 = tdcm::kmeans_plus_plus(tdcm::tensor_rows(x, 64), 5, g2);
  const at::Tensor s3 = tdcm::kmeans_plus_plus(tdcm::tensor_rows(x, 64), 5, g3);
  EXPECT_TRUE(at::equal(s1, s2));
  EXPECT_FALSE(at::equal(s1, s3));
}

TEST(CoreKMeans, PlusPlusPicksDistinctDataRows) {
  const Blobs b = make_blobs(8);
  at::Generator gen = generator(3);
  const at::Tensor seeds = tdcm::kmeans_plus_plus(tdcm::tensor_rows(b.x, 64), 4, gen);
  ASSERT_EQ(seeds.sizes(), (std::vector<int64_t>{4, 3}));
  // Every seed is a row of the data.
  const at::Tensor d = tdcm::squared_distances(seeds, b.x);
  EXPECT_LT(tdcm_test::max_abs(std::get<0>(d.min(1))), 1e-4);
  // On separated blobs the greedy seeding lands in four different blobs.
  const std::vector<int32_t> blob = nearest_labels(seeds, b.means);
  std::vector<int> hits(4, 0);
  for (int32_t l : blob) ++hits[static_cast<size_t>(l)];
  EXPECT_EQ(hits, (std::vector<int>{1, 1, 1, 1}));
}

TEST(CoreKMeans, RestartCallbackCountsAndCancels) {
  const Blobs b = make_blobs(10);
  tdcm::KMeansOptions options;
  options.k = 4;
  options.n_init = 3;
  std::vector<int64_t> seen;
  at::Generator gen = generator(0);
  tdcm::kmeans_fit(tdcm::tensor_rows(b.x, 300), options, gen, [&](int64_t i) {
    seen.push_back(i);
    return true;
  });
  EXPECT_EQ(seen, (std::vector<int64_t>{0, 1, 2}));

  seen.clear();
  at::Generator gen2 = generator(0);
  const auto [status, message] = tdcm_test::error_of([&] {
    tdcm::kmeans_fit(tdcm::tensor_rows(b.x, 300), options, gen2, [&](int64_t i) {
      seen.push_back(i);
      return i < 1;
    });
  });
  EXPECT_EQ(status, TDCM_ERR_CANCELLED);
  EXPECT_EQ(seen, (std::vector<int64_t>{0, 1}));
}

}  // namespace
