// The block math of /work/shared/model.md: Theorem 4.2 (a block is a Lloyd
// step), exact symmetry, the fast score, chunked inference, the block weights,
// per-cluster centroid normalisation and the training objective's terms.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "core/kmeans.h"
#include "core/params.h"
#include "core/tdcm_model.h"
#include "core_test_util.h"

namespace {

using tdcm::BlockConfig;
using tdcm_test::generator;
using tdcm_test::max_abs;
using tdcm_test::max_abs_diff;
using tdcm_test::randn;

BlockConfig config(double tau, bool leaky, bool symmetric) {
  BlockConfig cfg;
  cfg.tau = tau;
  cfg.leaky = leaky;
  cfg.symmetric = symmetric;
  return cfg;
}

// Three well-separated blobs in 4 dimensions, 60 rows each, double precision.
at::Tensor blobs(at::Generator &gen) {
  const at::Tensor centers =
      at::tensor({0.0, 0.0, 0.0, 0.0, 4.0, 0.0, 0.0, 0.0, 0.0, 4.0, 0.0, 0.0}, at::kDouble)
          .view({3, 4});
  const at::Tensor which = at::arange(3, at::kLong).repeat_interleave(60);
  return centers.index_select(0, which) + 0.3 * randn({180, 4}, gen, at::kDouble);
}

// One Lloyd step by hand: nearest centroid, then the mean of each cluster.
at::Tensor lloyd_step(const at::Tensor &z, const at::Tensor &c) {
  const at::Tensor d = (z.unsqueeze(1) - c.unsqueeze(0)).pow(2).sum(-1);
  const at::Tensor nearest = d.argmin(1);
  at::Tensor out = at::empty_like(c);
  for (int64_t j = 0; j < c.size(0); ++j) {
    const at::Tensor members = nearest.eq(j).nonzero().squeeze(1);
    EXPECT_GT(members.numel(), 0) << "cluster " << j << " is empty";
    out[j].copy_(z.index_select(0, members).mean(0));
  }
  return out;
}

// Smallest gap between the nearest and second-nearest squared distance of any row.
double assignment_margin(const at::Tensor &z, const at::Tensor &c) {
  const at::Tensor d = (z.unsqueeze(1) - c.unsqueeze(0)).pow(2).sum(-1);
  const at::Tensor sorted = std::get<0>(d.sort(1));
  return (sorted.select(1, 1) - sorted.select(1, 0)).min().item<double>();
}

at::Tensor block_step(const at::Tensor &z, const at::Tensor &c, const BlockConfig &cfg) {
  const at::Tensor eye = at::eye(z.size(1), z.options());
  const at::Tensor delta = tdcm::soft_assign(tdcm::score_fast(z, c, eye, eye, cfg), cfg);
  return tdcm::update_centroids(z, delta);
}

// (a) Theorem 4.2: with sigma = identity (relu / leaky relu on p'p >= 0),
// W_Q = W_K = I and a small tau, one block is one Lloyd step of k-means.
TEST(CoreBlockMath, Theorem42BlockIsOneLloydStep) {
  at::Generator gen = generator(42);
  const at::Tensor z = blobs(gen);
  const at::Tensor start =
      at::tensor({0.5, 0.5, 0.0, 0.0, 3.0, -0.5, 0.5, 0.0, 0.5, 3.5, 0.0, -0.5}, at::kDouble)
          .view({3, 4});
  // delta = softmax(-|p|^2 / tau^2): a margin of 0.05 at tau = 0.01 leaves e^-500.
  ASSERT_GT(assignment_margin(z, start), 0.05);
  const at::Tensor expected = lloyd_step(z, start);
  // The library's own Lloyd iteration, one step, agrees with the hand one.
  const at::Tensor library = tdcm::lloyd(tdcm::tensor_rows(z, 50), start, 1, 0.0).centroids;
  EXPECT_LT(max_abs_diff(library, expected), 1e-10);

  for (const bool leaky : {false, true}) {
    SCOPED_TRACE(leaky ? "leaky_relu" : "relu");
    const at::Tensor got = block_step(z, start, config(0.01, leaky, true));
    EXPECT_LT(max_abs_diff(got, expected), 1e-4);
    // A second block is a second Lloyd step.
    const at::Tensor second = block_step(z, got, config(0.01, leaky, true));
    EXPECT_LT(max_abs_diff(second, lloyd_step(z, expected)), 1e-4);
  }
  // At tau = 3 the assignment is soft and the step is not a Lloyd step: the
  // comparison above can fail.
  EXPECT_GT(max_abs_diff(block_step(z, start, config(3.0, false, true)), expected), 1e-2);
}

// The same property in float, the precision the library runs in.
TEST(CoreBlockMath, Theorem42HoldsInFloat) {
  at::Generator gen = generator(7);
  const at::Tensor z = blobs(gen);
  const at::Tensor start =
      at::tensor({0.2, -0.3, 0.0, 0.1, 3.8, 0.4, 0.0, 0.0, -0.4, 4.3, 0.2, 0.0}, at::kDouble)
          .view({3, 4});
  ASSERT_GT(assignment_margin(z, start), 0.05);
  const at::Tensor expected = lloyd_step(z, start);
  const at::Tensor got =
      block_step(z.to(at::kFloat), start.to(at::kFloat), config(0.01, true, true));
  EXPECT_LT(max_abs_diff(got, expected), 1e-4);
}

// (b) W = (A + A^T)/2 is symmetric bit for bit.
TEST(CoreBlockMath, MetricWeightIsExactlySymmetric) {
  at::Generator gen = generator(1);
  for (const int64_t b : {1, 2, 5, 16, 33}) {
    const at::Tensor a = randn({b, b}, gen) * 3.7 + 0.1;
    const at::Tensor w = tdcm::metric_weight(a, true);
    EXPECT_TRUE(at::equal(w, w.t().contiguous())) << "b=" << b;
    EXPECT_LT(max_abs_diff(w, (a.to(at::kDouble) + a.t().to(at::kDouble)) / 2), 1e-5);
    // Without symmetry the free matrix is used as is.
    EXPECT_TRUE(at::equal(tdcm::metric_weight(a, false), a));
  }
}

TEST(CoreBlockMath, TrainingKeepsWeightsExactlySymmetric) {
  const tdcm::Params params = tdcm::parse_params(
      "encoder=linear k=3 embed_dim=4 hidden=8 blocks=2 share_blocks=false epochs=3 batch_size=32 "
      "seed=3");
  at::Generator gen = generator(params.seed);
  const at::Tensor x = randn({96, 3}, gen);
  tdcm::TdcmNet net = tdcm::init_net(params, 3, gen);
  const tdcm::BlockConfig cfg = tdcm::block_config(params);
  const at::Tensor eye = at::eye(4, at::kFloat);
  int calls = 0;
  tdcm::train_net(net, params, x, {at::arange(96, at::kLong)}, gen,
                  [&](const tdcm_progress &) { return ++calls > 0; });
  EXPECT_EQ(calls, 3);
  ASSERT_EQ(net.a_q.size(), 2u);
  for (int64_t l = 0; l < 2; ++l) {
    for (const at::Tensor &w : {net.wq(l, cfg), net.wk(l, cfg)}) {
      EXPECT_TRUE(at::equal(w, w.t().contiguous())) << "block " << l;
      EXPECT_FALSE(at::equal(w, eye)) << "training did not move block " << l;
    }
  }
}

// (c) The expanded score equals the direct one.
TEST(CoreBlockMath, FastScoreEqualsDirectScore) {
  at::Generator gen = generator(5);
  for (const auto dtype : {at::kDouble, at::kFloat}) {
    for (const bool symmetric : {true, false}) {
      for (const bool leaky : {true, false}) {
        SCOPED_TRACE(std::string(dtype == at::kDouble ? "double" : "float") +
                     (symmetric ? " symmetric" : " free") + (leaky ? " leaky" : " relu"));
        const BlockConfig cfg = config(0.7, leaky, symmetric);
        const at::Tensor z = randn({37, 6}, gen, dtype);
        const at::Tensor c = randn({4, 6}, gen, dtype);
        const at::Tensor wq = tdcm::metric_weight(randn({6, 6}, gen, dtype), symmetric);
        const at::Tensor wk = tdcm::metric_weight(randn({6, 6}, gen, dtype), symmetric);
        const at::Tensor fast = tdcm::score_fast(z, c, wq, wk, cfg);
        const at::Tensor direct = tdcm::score_direct(z, c, wq, wk, cfg);
        ASSERT_EQ(fast.sizes(), (std::vector<int64_t>{37, 4}));
        const double tol = dtype == at::kDouble ? 1e-10 : 1e-4;
        EXPECT_LT(max_abs_diff(fast, direct), tol * std::max(1.0, max_abs(direct)));
        // Random metrics give negative p'Mp too, so the activation matters.
        if (leaky) {
          EXPECT_TRUE((direct > 0).any().item<bool>());
        } else {
          EXPECT_TRUE((direct == 0).any().item<bool>());
        }
      }
    }
  }
}

TEST(CoreBlockMath, ScoreMatchesDefinitionOnOneRow) {
  // l(z, c) = -sigma(p' W_Q' W_K p) / tau with p = z - c, written out by hand.
  const at::Tensor z = at::tensor({1.0, 2.0}, at::kDouble).view({1, 2});
  const at::Tensor c = at::tensor({0.0, 0.0, 3.0, 0.0}, at::kDouble).view({2, 2});
  const at::Tensor wq = at::tensor({1.0, 0.0, 0.0, -1.0}, at::kDouble).view({2, 2});
  const at::Tensor wk = at::eye(2, at::kDouble);
  // p = (1, 2): p'Mp = 1 - 4 = -3; p = (-2, 2): 4 - 4 = 0.
  const at::Tensor leaky = tdcm::score_fast(z, c, wq, wk, config(2.0, true, true));
  EXPECT_NEAR(leaky[0][0].item<double>(), 0.2 * 3.0 / 2.0, 1e-12);
  EXPECT_NEAR(leaky[0][1].item<double>(), 0.0, 1e-12);
  const at::Tensor relu = tdcm::score_fast(z, c, wq, wk, config(2.0, false, true));
  EXPECT_NEAR(relu[0][0].item<double>(), 0.0, 1e-12);
}

// Blocks of the given parameters with randomly perturbed metrics (W_Q != W_K != I).
struct PerturbedBlocks {
  tdcm::TdcmNet net;
  BlockConfig cfg;
};

PerturbedBlocks perturbed_blocks(const char *text, at::Generator &gen) {
  const tdcm::Params params = tdcm::parse_params((std::string("encoder=linear ") + text).c_str());
  tdcm::TdcmNet net = tdcm::init_net(params, 3, gen);
  for (auto *list : {&net.a_q, &net.a_k}) {
    for (at::Tensor &a : *list) a = a + 0.3 * randn(a.sizes(), gen);
  }
  return {net, tdcm::block_config(params)};
}

// (d) Chunked adaptation and labelling equal the one-shot computation.
TEST(CoreBlockMath, ChunkedInferenceEqualsOneShot) {
  at::Generator gen = generator(11);
  const auto [net, cfg] =
      perturbed_blocks("k=3 embed_dim=5 hidden=8 blocks=3 share_blocks=false tau=0.5", gen);
  const int64_t n = 53;
  const at::Tensor z = randn({n, 5}, gen);

  const at::Tensor start = tdcm::initial_centroids(3, 5, z.options());
  const tdcm::Adaptation whole = tdcm::adapt_from(net, cfg, {3, 3}, z, start, n);
  const tdcm::Adaptation chunked = tdcm::adapt_from(net, cfg, {3, 3}, z, start, 7);
  EXPECT_TRUE(at::allclose(whole.last_input, chunked.last_input, 1e-5, 1e-5));
  EXPECT_TRUE(at::allclose(whole.centroids, chunked.centroids, 1e-5, 1e-5));
  // The blocks did move the centroids away from I[:K].
  EXPECT_GT(max_abs_diff(whole.centroids, tdcm::initial_centroids(3, 5, z.options())), 0.1);

  // The one-shot reference: blocks of soft_assign + update_centroids.
  at::Tensor c = tdcm::initial_centroids(3, 5, z.options());
  at::Tensor before_last;
  for (int64_t l = 0; l < 3; ++l) {
    before_last = c;
    c = tdcm::update_centroids(
        z, tdcm::soft_assign(tdcm::score_fast(z, c, net.wq(l, cfg), net.wk(l, cfg), cfg), cfg));
  }
  EXPECT_TRUE(at::allclose(whole.centroids, c, 1e-5, 1e-5));
  EXPECT_TRUE(at::allclose(whole.last_input, before_last, 1e-5, 1e-5));

  std::vector<int32_t> labels_whole(n), labels_chunked(n);
  std::vector<float> probs_whole(n * 3), probs_chunked(n * 3);
  tdcm::label_chunked(net, cfg, 2, z, whole.last_input, n, labels_whole.data(), probs_whole.data());
  tdcm::label_chunked(net, cfg, 2, z, whole.last_input, 7, labels_chunked.data(),
                      probs_chunked.data());
  for (size_t i = 0; i < probs_whole.size(); ++i) {
    EXPECT_NEAR(probs_whole[i], probs_chunked[i], 1e-5) << i;
  }
  // Labels agree wherever the row is decided by more than rounding.
  const at::Tensor top = std::get<0>(at::from_blob(probs_whole.data(), {n, 3}).topk(2, 1));
  const at::Tensor margin = top.select(1, 0) - top.select(1, 1);
  int64_t decided = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (margin[i].item<float>() > 1e-5f) {
      ++decided;
      EXPECT_EQ(labels_whole[i], labels_chunked[i]) << "row " << i;
    }
  }
  EXPECT_GT(decided, n / 2);
  // Labels without probabilities are the same labels.
  std::vector<int32_t> labels_only(n);
  tdcm::label_chunked(net, cfg, 2, z, whole.last_input, 7, labels_only.data(), nullptr);
  EXPECT_EQ(labels_only, labels_whole);
}

// Several starts iterated together (groups) reach what each reaches alone, and
// their costs are each one's own cost.
TEST(CoreBlockMath, GroupedStartsEqualSeparateRuns) {
  at::Generator gen = generator(12);
  const auto [net, cfg] =
      perturbed_blocks("k=3 embed_dim=5 hidden=8 blocks=3 share_blocks=false tau=0.5", gen);
  const int64_t n = 61;
  const at::Tensor z = randn({n, 5}, gen);
  const std::vector<at::Tensor> starts = {randn({3, 5}, gen), randn({3, 5}, gen),
                                          randn({3, 5}, gen)};
  // 5 steps on 3 trained blocks (the last repeats), chunks of 8 rows (2 per group).
  const tdcm::Adaptation grouped =
      tdcm::adapt_from(net, cfg, {3, 5}, z, at::cat(starts), 8, /*groups=*/3);
  const std::vector<double> costs =
      tdcm::clustering_costs(net, cfg, 2, z, grouped.centroids, 8, /*groups=*/3);
  ASSERT_EQ(costs.size(), 3u);
  for (int64_t g = 0; g < 3; ++g) {
    SCOPED_TRACE(g);
    const tdcm::Adaptation alone = tdcm::adapt_from(net, cfg, {3, 5}, z, starts[g], n);
    EXPECT_TRUE(at::allclose(grouped.centroids.narrow(0, 3 * g, 3), alone.centroids, 1e-5, 1e-5));
    EXPECT_TRUE(at::allclose(grouped.last_input.narrow(0, 3 * g, 3), alone.last_input, 1e-5, 1e-5));
    const double cost = tdcm::clustering_costs(net, cfg, 2, z, alone.centroids, n)[0];
    EXPECT_NEAR(costs[g], cost, 1e-5 * std::max(1.0, std::abs(cost)));
  }
  // The starts ended in different places: the test compares distinct runs.
  EXPECT_GT(max_abs_diff(grouped.centroids.narrow(0, 0, 3), grouped.centroids.narrow(0, 3, 3)),
            1e-3);
}

// Past the trained blocks, the iteration stops once the centroids stop moving, as
// Lloyd's does, and lands where the full run lands; it never stops inside the
// trained blocks, and each of several starts stops on its own.
TEST(CoreBlockMath, BlocksStopWhenTheCentroidsConverge) {
  at::Generator gen = generator(13);
  const auto [net, cfg] =
      perturbed_blocks("k=3 embed_dim=4 hidden=8 blocks=3 share_blocks=false tau=1", gen);
  const at::Tensor z = blobs(gen).to(at::kFloat);
  const std::vector<at::Tensor> starts = {z.index_select(0, at::tensor({0L, 60L, 120L})),
                                          z.index_select(0, at::tensor({1L, 2L, 3L}))};
  const int64_t steps = 60;

  const tdcm::Adaptation full = tdcm::adapt_from(net, cfg, {3, steps}, z, starts[1], 64);
  const tdcm::Adaptation early = tdcm::adapt_from(net, cfg, {3, steps, 1e-8}, z, starts[1], 64);
  EXPECT_GT(early.steps_run, 3);
  EXPECT_LT(early.steps_run, steps / 2);
  EXPECT_LT(early.steps_run, full.steps_run);
  EXPECT_LT(max_abs_diff(early.centroids, full.centroids), 1e-3);
  EXPECT_LT(max_abs_diff(early.last_input, early.centroids), 1e-4);

  // Any shift passes a huge threshold: the run still goes through every trained block.
  EXPECT_EQ(tdcm::adapt_from(net, cfg, {3, steps, 1e9}, z, starts[1], 64).steps_run, 3);
  EXPECT_EQ(tdcm::adapt_from(net, cfg, {3, 2, 1e9}, z, starts[1], 64).steps_run, 2);

  // Several starts together: each stops on its own step, as if it ran alone.
  const tdcm::Adaptation grouped =
      tdcm::adapt_from(net, cfg, {3, steps, 1e-8}, z, at::cat(starts), 64, /*groups=*/2);
  std::vector<int64_t> steps_alone;
  for (size_t g = 0; g < starts.size(); ++g) {
    SCOPED_TRACE(g);
    const tdcm::Adaptation alone = tdcm::adapt_from(net, cfg, {3, steps, 1e-8}, z, starts[g], 64);
    steps_alone.push_back(alone.steps_run);
    const int64_t row = 3 * static_cast<int64_t>(g);
    EXPECT_TRUE(at::allclose(grouped.centroids.narrow(0, row, 3), alone.centroids, 1e-5, 1e-5));
    EXPECT_TRUE(at::allclose(grouped.last_input.narrow(0, row, 3), alone.last_input, 1e-5, 1e-5));
  }
  EXPECT_NE(steps_alone[0], steps_alone[1]);
  EXPECT_EQ(grouped.steps_run, std::max(steps_alone[0], steps_alone[1]));
}

// (e) Probabilities are distributions and labels their argmax.
TEST(CoreBlockMath, LabelProbabilitiesAreDistributions) {
  at::Generator gen = generator(12);
  const auto [net, cfg] = perturbed_blocks("k=4 embed_dim=6 hidden=8 blocks=2 tau=0.8", gen);
  const int64_t n = 41;
  const at::Tensor z = randn({n, 6}, gen) * 2.0;
  const tdcm::Adaptation a =
      tdcm::adapt_from(net, cfg, {2, 2}, z, tdcm::initial_centroids(4, 6, z.options()), 5);
  std::vector<int32_t> labels(n, -1);
  std::vector<float> probs(n * 4, -1.0f);
  tdcm::label_chunked(net, cfg, 1, z, a.last_input, 5, labels.data(), probs.data());
  for (int64_t i = 0; i < n; ++i) {
    double sum = 0;
    int32_t best = 0;
    for (int64_t j = 0; j < 4; ++j) {
      const float p = probs[i * 4 + j];
      EXPECT_GE(p, 0.0f);
      EXPECT_LE(p, 1.0f);
      sum += p;
      if (p > probs[i * 4 + best]) best = static_cast<int32_t>(j);
    }
    EXPECT_NEAR(sum, 1.0, 1e-5) << "row " << i;
    ASSERT_GE(labels[i], 0);
    ASSERT_LT(labels[i], 4);
    EXPECT_EQ(labels[i], best) << "row " << i;
  }
}

// (f) alpha_l = l / sum m: positive, increasing, summing to 1.
TEST(CoreBlockMath, BlockWeights) {
  EXPECT_EQ(tdcm::block_weights(1), std::vector<double>{1.0});
  for (int64_t blocks = 1; blocks <= 8; ++blocks) {
    const std::vector<double> alpha = tdcm::block_weights(blocks);
    ASSERT_EQ(static_cast<int64_t>(alpha.size()), blocks);
    const double total = static_cast<double>(blocks * (blocks + 1)) / 2.0;
    double sum = 0;
    for (int64_t l = 1; l <= blocks; ++l) {
      EXPECT_DOUBLE_EQ(alpha[l - 1], static_cast<double>(l) / total);
      if (l > 1) {
        EXPECT_GT(alpha[l - 1], alpha[l - 2]);
      }
      sum += alpha[l - 1];
    }
    EXPECT_NEAR(sum, 1.0, 1e-12);
  }
  const std::vector<double> four = tdcm::block_weights(4);
  EXPECT_DOUBLE_EQ(four[0], 0.1);
  EXPECT_DOUBLE_EQ(four[3], 0.4);
}

// (g) c_j = sum_i delta_ij z_i / sum_i delta_ij, not / N.
TEST(CoreBlockMath, UpdateCentroidsNormalisesPerCluster) {
  const at::Tensor z =
      at::tensor({0.0f, 0.0f, 2.0f, 0.0f, 0.0f, 4.0f, 10.0f, 10.0f}, at::kFloat).view({4, 2});
  const at::Tensor delta =
      at::tensor({1.0f, 0.0f, 1.0f, 0.0f, 0.5f, 0.5f, 0.0f, 1.0f}, at::kFloat).view({4, 2});
  const at::Tensor c = tdcm::update_centroids(z, delta);
  ASSERT_EQ(c.sizes(), (std::vector<int64_t>{2, 2}));
  // Cluster 0: (0,0) + (2,0) + 0.5 (0,4) over mass 2.5; cluster 1: 0.5 (0,4) + (10,10) over 1.5.
  EXPECT_NEAR(c[0][0].item<double>(), 0.8, 1e-6);
  EXPECT_NEAR(c[0][1].item<double>(), 0.8, 1e-6);
  EXPECT_NEAR(c[1][0].item<double>(), 10.0 / 1.5, 1e-5);
  EXPECT_NEAR(c[1][1].item<double>(), 12.0 / 1.5, 1e-5);
  // A cluster without mass gives a finite (zero) centroid, not NaN.
  const at::Tensor empty_cluster =
      tdcm::update_centroids(z, at::cat({at::ones({4, 1}), at::zeros({4, 1})}, 1));
  EXPECT_TRUE(at::isfinite(empty_cluster).all().item<bool>());
  EXPECT_NEAR(empty_cluster[0][0].item<double>(), 3.0, 1e-6);
  EXPECT_NEAR(empty_cluster[0][1].item<double>(), 3.5, 1e-6);
}

TEST(CoreBlockMath, InitialCentroidsAreIdentityRows) {
  const at::Tensor c = tdcm::initial_centroids(3, 5, at::TensorOptions().dtype(at::kFloat));
  ASSERT_EQ(c.sizes(), (std::vector<int64_t>{3, 5}));
  EXPECT_TRUE(c.is_contiguous());
  EXPECT_TRUE(at::equal(c, at::eye(5, at::kFloat).narrow(0, 0, 3)));
  EXPECT_TRUE(at::equal(tdcm::initial_centroids(4, 4, at::TensorOptions().dtype(at::kDouble)),
                        at::eye(4, at::kDouble)));
}

// (h) The objective's terms.
tdcm::TdcmNet identity_net(const tdcm::Params &params) {
  at::Generator gen = generator(0);
  return tdcm::init_net(params, 2, gen);
}

TEST(CoreBlockMath, BatchLossByHandOneBlock) {
  // K = 2, b = 2, one block, W = I, tau = 1: every quantity in closed form.
  const tdcm::Params params =
      tdcm::parse_params("encoder=linear k=2 embed_dim=2 hidden=4 blocks=1 tau=1 beta=0.5 gamma=3");
  const tdcm::TdcmNet net = identity_net(params);
  const at::Tensor z = at::tensor({1.0f, 0.0f, 0.0f, 1.0f, 1.0f, 0.0f}, at::kFloat).view({3, 2});
  const tdcm::LossTerms loss = tdcm::batch_loss(net, z, params);

  // C(0) = I: rows at (1,0) have squared distances (0, 2), the row at (0,1) has (2, 0).
  const double a = 1.0 / (1.0 + std::exp(-2.0));
  const double delta[3][2] = {{a, 1 - a}, {1 - a, a}, {a, 1 - a}};
  const double pi0 = (1 + a) / 3, pi1 = (2 - a) / 3;
  const double bal = pi0 * std::log(pi0) + pi1 * std::log(pi1);
  EXPECT_NEAR(loss.bal.item<double>(), bal, 1e-6);
  EXPECT_LT(bal, 0.0);

  // Updated centroids, then the clustering term against them.
  const double zz[3][2] = {{1, 0}, {0, 1}, {1, 0}};
  double c[2][2] = {{0, 0}, {0, 0}};
  for (int j = 0; j < 2; ++j) {
    double mass = 0;
    for (int i = 0; i < 3; ++i) {
      mass += delta[i][j];
      for (int e = 0; e < 2; ++e) c[j][e] += delta[i][j] * zz[i][e];
    }
    for (int e = 0; e < 2; ++e) c[j][e] /= mass;
  }
  double clu = 0;
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 2; ++j) {
      const double d2 = std::pow(zz[i][0] - c[j][0], 2) + std::pow(zz[i][1] - c[j][1], 2);
      clu += delta[i][j] * d2;  // -delta * score, score = -d2 / tau
    }
  }
  clu /= 3;
  EXPECT_NEAR(loss.clu.item<double>(), clu, 1e-6);
  EXPECT_EQ(loss.orth.item<double>(), 0.0);
  EXPECT_NEAR(loss.total.item<double>(), clu + 0.5 * bal, 1e-6);
}

TEST(CoreBlockMath, BatchLossCombinesTermsOverBlocks) {
  const tdcm::Params params = tdcm::parse_params(
      "encoder=linear k=3 embed_dim=4 hidden=4 blocks=3 share_blocks=false tau=0.9 beta=0.7 "
      "gamma=0.3");
  at::Generator gen = generator(21);
  tdcm::TdcmNet net = tdcm::init_net(params, 2, gen);
  for (auto *list : {&net.a_q, &net.a_k}) {
    for (at::Tensor &a : *list) a = a + 0.2 * randn(a.sizes(), gen);
  }
  const at::Tensor z = randn({20, 4}, gen);
  const tdcm::LossTerms loss = tdcm::batch_loss(net, z, params);

  // Replay the blocks with the primitives.
  const BlockConfig cfg = tdcm::block_config(params);
  const std::vector<double> alpha = tdcm::block_weights(3);
  at::Tensor c = tdcm::initial_centroids(3, 4, z.options());
  double bal = 0, clu = 0;
  for (int64_t l = 0; l < 3; ++l) {
    const at::Tensor wq = net.wq(l, cfg), wk = net.wk(l, cfg);
    const at::Tensor delta = tdcm::soft_assign(tdcm::score_fast(z, c, wq, wk, cfg), cfg);
    c = tdcm::update_centroids(z, delta);
    const at::Tensor pi = delta.mean(0).to(at::kDouble);
    bal += alpha[l] * (pi * pi.log()).sum().item<double>();
    clu -= alpha[l] * (delta * tdcm::score_fast(z, c, wq, wk, cfg)).sum(1).mean().item<double>();
  }
  EXPECT_NEAR(loss.bal.item<double>(), bal, 1e-5);
  EXPECT_NEAR(loss.clu.item<double>(), clu, 1e-5);
  EXPECT_GT(loss.orth.item<double>(), 0.0);
  EXPECT_NEAR(
      loss.total.item<double>(),
      loss.clu.item<double>() + 0.7 * loss.bal.item<double>() + 0.3 * loss.orth.item<double>(),
      1e-5);
  // Negative entropy of a distribution over 3 clusters is at least -log 3.
  EXPECT_GE(loss.bal.item<double>(), -std::log(3.0) - 1e-6);
}

TEST(CoreBlockMath, BalanceTermIsMinimisedByUniformClusters) {
  // One row on each initial centroid: by symmetry every block's pi is uniform,
  // and the term reaches its minimum -log K.
  const at::Tensor balanced = at::eye(3, at::kFloat);
  const tdcm::Params three =
      tdcm::parse_params("encoder=linear k=3 embed_dim=3 hidden=4 blocks=3 tau=1");
  EXPECT_NEAR(tdcm::batch_loss(identity_net(three), balanced, three).bal.item<double>(),
              -std::log(3.0), 1e-5);

  // Every row on one centroid: the sizes collapse and the term is higher.
  const tdcm::Params one =
      tdcm::parse_params("encoder=linear k=3 embed_dim=3 hidden=4 blocks=1 tau=1");
  const tdcm::TdcmNet net = identity_net(one);
  const double bal = tdcm::batch_loss(net, balanced, one).bal.item<double>();
  EXPECT_NEAR(bal, -std::log(3.0), 1e-5);
  const at::Tensor collapsed =
      at::tensor({1.0f, 0.0f, 0.0f}, at::kFloat).view({1, 3}).repeat({3, 1});
  const double bal_collapsed = tdcm::batch_loss(net, collapsed, one).bal.item<double>();
  // pi = softmax(0, -2, -2): sum pi log pi = -0.666.
  const double e = std::exp(-2.0), big = 1 / (1 + 2 * e), small = e / (1 + 2 * e);
  EXPECT_NEAR(bal_collapsed, big * std::log(big) + 2 * small * std::log(small), 1e-5);
  EXPECT_GT(bal_collapsed, bal + 0.3);
  EXPECT_LE(bal_collapsed, 0.0);
}

TEST(CoreBlockMath, OrthogonalityPenalty) {
  const tdcm::Params shared =
      tdcm::parse_params("encoder=linear k=2 embed_dim=2 hidden=4 blocks=2");
  tdcm::TdcmNet net = identity_net(shared);
  const BlockConfig sym = tdcm::block_config(shared);
  EXPECT_EQ(tdcm::orthogonality_penalty(net, sym).item<double>(), 0.0);
  // W_Q = 2I: ||4I - I||^2 = 9 per diagonal entry.
  net.a_q[0] = 2.0 * at::eye(2, at::kFloat);
  EXPECT_NEAR(tdcm::orthogonality_penalty(net, sym).item<double>(), 18.0, 1e-5);
  // A = [[1,2],[0,1]]: symmetric W = [[1,1],[1,1]] gives 10, W = A gives 24.
  net.a_q[0] = at::tensor({1.0f, 2.0f, 0.0f, 1.0f}, at::kFloat).view({2, 2});
  EXPECT_NEAR(tdcm::orthogonality_penalty(net, sym).item<double>(), 10.0, 1e-5);
  BlockConfig free_cfg = sym;
  free_cfg.symmetric = false;
  EXPECT_NEAR(tdcm::orthogonality_penalty(net, free_cfg).item<double>(), 24.0, 1e-5);
  // Rotations are orthogonal but not symmetric: free W = rotation has no penalty.
  const double t = 0.3;
  net.a_q[0] = at::tensor({static_cast<float>(std::cos(t)), static_cast<float>(-std::sin(t)),
                           static_cast<float>(std::sin(t)), static_cast<float>(std::cos(t))},
                          at::kFloat)
                   .view({2, 2});
  EXPECT_NEAR(tdcm::orthogonality_penalty(net, free_cfg).item<double>(), 0.0, 1e-5);

  // Unshared blocks: the penalty sums over every block's pair.
  const tdcm::Params unshared =
      tdcm::parse_params("encoder=linear k=2 embed_dim=2 hidden=4 blocks=2 share_blocks=false");
  tdcm::TdcmNet per_block = identity_net(unshared);
  ASSERT_EQ(per_block.a_q.size(), 2u);
  per_block.a_q[0] = 2.0 * at::eye(2, at::kFloat);
  per_block.a_k[1] = 2.0 * at::eye(2, at::kFloat);
  EXPECT_NEAR(tdcm::orthogonality_penalty(per_block, tdcm::block_config(unshared)).item<double>(),
              36.0, 1e-5);
}

}  // namespace
