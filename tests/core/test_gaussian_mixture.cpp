// Gaussian mixtures fitted by EM on row chunks (core/gaussian_mixture.h): the
// log-densities, recovery of a known mixture, chunking, the MAP covariance
// step, and the mixtures that hard labels imply.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "core/gaussian_mixture.h"
#include "core_test_util.h"

namespace {

using tdcm::EmOptions;
using tdcm::Mixture;
using tdcm_test::generator;
using tdcm_test::max_abs_diff;

constexpr double kLog2Pi = 1.8378770664093453;

// Rows drawn from a known mixture, grouped by component, with their labels.
struct Drawn {
  at::Tensor x;                 // n x d, double
  std::vector<int32_t> labels;  // n
  Mixture truth;                // weights are the exact shares drawn
};

// `counts[j]` rows from N(means[j], covs[j]) for every j.
Drawn draw(const at::Tensor &means, const at::Tensor &covs, const std::vector<int64_t> &counts,
           uint64_t seed) {
  at::Generator gen = generator(seed);
  const int64_t d = means.size(1);
  std::vector<at::Tensor> parts;
  Drawn out;
  int64_t n = 0;
  for (size_t j = 0; j < counts.size(); ++j) {
    const at::Tensor chol = at::linalg_cholesky(covs[static_cast<int64_t>(j)]);
    const at::Tensor e = tdcm_test::randn({counts[j], d}, gen, at::kDouble);
    parts.push_back(means[static_cast<int64_t>(j)].unsqueeze(0) + e.mm(chol.t()));
    out.labels.insert(out.labels.end(), static_cast<size_t>(counts[j]), static_cast<int32_t>(j));
    n += counts[j];
  }
  out.x = at::cat(parts).contiguous();
  const at::Tensor sizes = at::tensor(counts, at::kLong).to(at::kDouble);
  out.truth = Mixture{means, covs, sizes / static_cast<double>(n), sizes};
  return out;
}

// Three well-separated 2-D components of different shapes and weights 3:2:1.
Drawn three_components(uint64_t seed, int64_t scale = 500) {
  const at::Tensor means = at::tensor({0.0, 0.0, 8.0, 1.0, 2.0, 9.0}, at::kDouble).view({3, 2});
  const at::Tensor covs =
      at::tensor({1.0, 0.6, 0.6, 0.8, 0.5, -0.2, -0.2, 0.3, 1.5, 0.0, 0.0, 0.4}, at::kDouble)
          .view({3, 2, 2});
  return draw(means, covs, {3 * scale, 2 * scale, scale}, seed);
}

// The component of `m` whose mean is nearest to each of `reference`'s.
std::vector<int64_t> nearest_components(const Mixture &m, const Mixture &reference) {
  const at::Tensor d2 =
      (reference.means.unsqueeze(1) - m.means.unsqueeze(0)).pow(2).sum(2);  // ref x m
  const at::Tensor idx = d2.argmin(1).contiguous();
  return std::vector<int64_t>(idx.data_ptr<int64_t>(), idx.data_ptr<int64_t>() + idx.numel());
}

// The per-label mean and biased covariance (divided by the label's count) by hand.
Mixture by_hand(const at::Tensor &x, const std::vector<int32_t> &labels, int64_t k, double reg) {
  const int64_t d = x.size(1);
  Mixture m{at::zeros({k, d}, at::kDouble), at::zeros({k, d, d}, at::kDouble),
            at::zeros({k}, at::kDouble), at::zeros({k}, at::kDouble)};
  for (int64_t j = 0; j < k; ++j) {
    std::vector<int64_t> rows;
    for (size_t i = 0; i < labels.size(); ++i) {
      if (labels[i] == j) rows.push_back(static_cast<int64_t>(i));
    }
    const at::Tensor xj = x.index_select(0, at::tensor(rows, at::kLong));
    const at::Tensor mu = xj.mean(0);
    const at::Tensor c = xj - mu;
    m.means[j] = mu;
    m.covs[j] = c.t().mm(c) / static_cast<double>(rows.size()) + reg * at::eye(d, at::kDouble);
    m.sizes[j] = static_cast<double>(rows.size());
  }
  m.weights = m.sizes / m.sizes.sum();
  return m;
}

EmOptions fixed_iterations(int64_t iterations) {
  EmOptions o;
  o.max_iter = iterations;
  o.tol = -1.0;  // |change| <= -1 never holds: every run does exactly max_iter iterations
  return o;
}

// The start for EM: the true means nudged, unit spheres, equal weights.
Mixture rough_start(const Mixture &truth) {
  const int64_t k = truth.k();
  const int64_t d = truth.means.size(1);
  Mixture m;
  m.means = truth.means + 0.5;
  m.covs = at::eye(d, at::kDouble).expand({k, d, d}).clone();
  m.weights = at::full({k}, 1.0 / static_cast<double>(k), at::kDouble);
  m.sizes = at::ones({k}, at::kDouble);
  return m;
}

}  // namespace

// log pi_j + log N(x | mu_j, Sigma_j) against the density written out.
TEST(CoreGaussianMixture, WeightedLogProbIsTheLogDensity) {
  const Drawn data = three_components(1, 20);
  const Mixture &m = data.truth;
  const at::Tensor lp = tdcm::weighted_log_prob(data.x, tdcm::precision_factors(m));
  ASSERT_EQ(lp.sizes(), (at::IntArrayRef{data.x.size(0), 3}));
  for (int64_t j = 0; j < 3; ++j) {
    const at::Tensor diff = data.x - m.means[j];
    const at::Tensor maha = (diff.mm(at::inverse(m.covs[j])) * diff).sum(1);
    const at::Tensor want = std::log(m.weights[j].item<double>()) - kLog2Pi -
                            0.5 * std::log(at::det(m.covs[j]).item<double>()) - 0.5 * maha;
    EXPECT_LT(max_abs_diff(lp.select(1, j), want), 1e-9) << "component " << j;
  }
}

// Many rows are scored in blocks (bounded memory): each block's values are
// those of the rows scored on their own, bit for bit.
TEST(CoreGaussianMixture, WeightedLogProbInBlocksEqualsRowByRow) {
  at::Generator gen = tdcm_test::generator(4);
  const int64_t k = 50, d = 40, n = 5000;  // 32 MiB / (8 k d) = 2097 rows per block
  Mixture m;
  m.means = at::randn({k, d}, gen, at::kDouble);
  const at::Tensor a = at::randn({k, d, d}, gen, at::kDouble) * 0.2;
  m.covs = a.bmm(a.transpose(1, 2)) + at::eye(d, at::kDouble);
  m.weights = at::full({k}, 1.0 / static_cast<double>(k), at::kDouble);
  const tdcm::PrecisionFactors f = tdcm::precision_factors(m);
  const at::Tensor x = at::randn({n, d}, gen, at::kDouble);
  const at::Tensor all = tdcm::weighted_log_prob(x, f);
  ASSERT_EQ(all.sizes(), (at::IntArrayRef{n, k}));
  for (int64_t i : {int64_t{0}, int64_t{2096}, int64_t{2097}, int64_t{4999}}) {
    const at::Tensor one = tdcm::weighted_log_prob(x.narrow(0, i, 1), f);
    EXPECT_LT(max_abs_diff(all.narrow(0, i, 1), one), 1e-9) << "row " << i;
  }
  const at::Tensor second = tdcm::weighted_log_prob(x.narrow(0, 2097, 2097), f);
  EXPECT_TRUE(all.narrow(0, 2097, 2097).equal(second));
}

TEST(CoreGaussianMixture, GmmFitRecoversAKnownMixture) {
  const Drawn data = three_components(2);
  at::Generator gen = generator(0);
  const tdcm::EmResult r = tdcm::gmm_fit(tdcm::tensor_rows(data.x, 1024), 3, 3, EmOptions{}, gen);
  const std::vector<int64_t> order = nearest_components(r.mixture, data.truth);
  const Mixture got = r.mixture.permuted(order);
  // Against the truth: 500..1500 rows per component, so a mean is off by about
  // sqrt(0.8 / 500) = 0.04 per axis and a covariance entry by about
  // 1.5 sqrt(2 / 500) = 0.09 (one standard error); measured max errors 0.041
  // (means) and 0.078 (covariances). The weights are the drawn shares, which
  // the construction fixes: measured 3e-10 off.
  EXPECT_LT(max_abs_diff(got.means, data.truth.means), 0.15);
  EXPECT_LT(max_abs_diff(got.covs, data.truth.covs), 0.25);
  EXPECT_LT(max_abs_diff(got.weights, data.truth.weights), 1e-3);
  EXPECT_NEAR(got.weights.sum().item<double>(), 1.0, 1e-12);
  // Against the labelled rows' own statistics (what EM estimates when the
  // components barely overlap): far closer than the sampling error (measured
  // 3e-9 for the means, 1.2e-5 for the covariances: the regularisation and
  // the tails' responsibilities, 8e-7 rows for the soft counts).
  const Mixture labelled = by_hand(data.x, data.labels, 3, 0.0);
  EXPECT_LT(max_abs_diff(got.means, labelled.means), 1e-6);
  EXPECT_LT(max_abs_diff(got.covs, labelled.covs), 1e-4);
  EXPECT_LT(max_abs_diff(got.sizes, labelled.sizes), 0.01);
  // The mean log-likelihood per row is the one of the fitted mixture.
  const at::Tensor lp = tdcm::weighted_log_prob(data.x, tdcm::precision_factors(r.mixture));
  EXPECT_NEAR(r.log_likelihood, at::logsumexp(lp, 1).mean().item<double>(), 1e-3);
}

TEST(CoreGaussianMixture, EmFromARoughStartConvergesAndPosteriorsSumToOne) {
  const Drawn data = three_components(3, 200);
  const tdcm::RowSource rows = tdcm::tensor_rows(data.x, 256);
  const tdcm::EmResult r = tdcm::em(rows, rough_start(data.truth), EmOptions{});
  EXPECT_LT(r.iterations, EmOptions{}.max_iter);  // converged, not cut off
  // Components keep their order from the start (each start mean is near its
  // own), and reach the labelled rows' statistics (measured 4e-11 and 1.3e-5).
  const Mixture labelled = by_hand(data.x, data.labels, 3, 0.0);
  EXPECT_LT(max_abs_diff(r.mixture.means, labelled.means), 1e-6);
  EXPECT_LT(max_abs_diff(r.mixture.covs, labelled.covs), 1e-4);

  const int64_t n = data.x.size(0);
  std::vector<int32_t> labels(static_cast<size_t>(n), -1);
  std::vector<float> probs(static_cast<size_t>(n * 3), -1.0f);
  tdcm::mixture_posterior(rows, r.mixture, labels.data(), probs.data());
  const at::Tensor p = at::from_blob(probs.data(), {n, 3}, at::kFloat).to(at::kDouble);
  EXPECT_LT(max_abs_diff(p.sum(1), at::ones({n}, at::kDouble)), 1e-6);  // float: measured 3e-9
  EXPECT_GE(p.min().item<double>(), 0.0);
  int64_t agree = 0;
  for (int64_t i = 0; i < n; ++i) {
    // The label is the most probable component.
    EXPECT_EQ(labels[static_cast<size_t>(i)], p[i].argmax().item<int64_t>()) << "row " << i;
    agree += labels[static_cast<size_t>(i)] == data.labels[static_cast<size_t>(i)];
  }
  EXPECT_GT(agree, n * 99 / 100);  // well separated: measured 1200/1200
}

// Chunked EM is the same computation as one-shot EM, up to the order of sums.
TEST(CoreGaussianMixture, ChunkedEmEqualsOneShot) {
  const Drawn data = three_components(4, 100);
  const Mixture start = rough_start(data.truth);
  const int64_t n = data.x.size(0);
  const tdcm::EmResult small = tdcm::em(tdcm::tensor_rows(data.x, 7), start, fixed_iterations(15));
  const tdcm::EmResult whole = tdcm::em(tdcm::tensor_rows(data.x, n), start, fixed_iterations(15));
  EXPECT_EQ(small.iterations, 15);
  EXPECT_EQ(whole.iterations, 15);
  // Double precision throughout: measured differences below 1e-13.
  EXPECT_LT(max_abs_diff(small.mixture.means, whole.mixture.means), 1e-9);
  EXPECT_LT(max_abs_diff(small.mixture.covs, whole.mixture.covs), 1e-9);
  EXPECT_LT(max_abs_diff(small.mixture.weights, whole.mixture.weights), 1e-9);
  EXPECT_NEAR(small.log_likelihood, whole.log_likelihood, 1e-9);

  std::vector<int32_t> la(static_cast<size_t>(n)), lb(static_cast<size_t>(n));
  std::vector<float> pa(static_cast<size_t>(n * 3)), pb(static_cast<size_t>(n * 3));
  tdcm::mixture_posterior(tdcm::tensor_rows(data.x, 7), whole.mixture, la.data(), pa.data());
  tdcm::mixture_posterior(tdcm::tensor_rows(data.x, n), whole.mixture, lb.data(), pb.data());
  EXPECT_EQ(la, lb);
  for (size_t i = 0; i < pa.size(); ++i) ASSERT_NEAR(pa[i], pb[i], 1e-6) << i;
}

// The MAP step is Sigma = (S + a Sigma0) / (N + a) (+ the regularisation).
TEST(CoreGaussianMixture, MapStepFollowsItsFormula) {
  const Drawn data = three_components(5, 100);
  const tdcm::RowSource rows = tdcm::tensor_rows(data.x, 64);
  const Mixture start = rough_start(data.truth);
  const double reg = tdcm::covariance_reg(rows, EmOptions{}.reg);
  const at::Tensor sigma0 =
      at::tensor({3.0, 1.0, 1.0, 2.0}, at::kDouble).view({1, 2, 2}).expand({3, 2, 2});
  const at::Tensor strength = at::tensor({10.0, 200.0, 0.0}, at::kDouble);
  const tdcm::ShapePrior prior{sigma0, strength};
  const Mixture plain = tdcm::em(rows, start, fixed_iterations(1)).mixture;
  const Mixture map = tdcm::em(rows, start, fixed_iterations(1), &prior).mixture;
  // One step from the same start: the same responsibilities, so the same
  // means, weights and soft counts N; the plain covariance is S / N + reg I.
  EXPECT_LT(max_abs_diff(map.means, plain.means), 1e-12);
  EXPECT_LT(max_abs_diff(map.weights, plain.weights), 1e-12);
  const at::Tensor eye = at::eye(2, at::kDouble);
  const at::Tensor n = plain.sizes.view({-1, 1, 1});
  const at::Tensor scatter = (plain.covs - reg * eye) * n;
  const at::Tensor a = strength.view({-1, 1, 1});
  const at::Tensor want = (scatter + a * sigma0) / (n + a) + reg * eye;
  EXPECT_LT(max_abs_diff(map.covs, want), 1e-10);
  // Strength 0 (component 2) is plain EM.
  EXPECT_LT(max_abs_diff(map.covs[2], plain.covs[2]), 1e-12);
}

TEST(CoreGaussianMixture, StrongPriorPullsCovariancesZeroStrengthIsPlainEm) {
  const Drawn data = three_components(6, 100);
  const tdcm::RowSource rows = tdcm::tensor_rows(data.x, 128);
  const Mixture start = rough_start(data.truth);
  const tdcm::EmResult plain = tdcm::em(rows, start, EmOptions{});
  const at::Tensor sigma0 =
      at::tensor({3.0, 1.0, 1.0, 2.0}, at::kDouble).view({1, 2, 2}).expand({3, 2, 2}).clone();

  const tdcm::ShapePrior none{sigma0, at::zeros({3}, at::kDouble)};
  const tdcm::EmResult zero = tdcm::em(rows, start, EmOptions{}, &none);
  EXPECT_EQ(zero.iterations, plain.iterations);
  EXPECT_LT(max_abs_diff(zero.mixture.covs, plain.mixture.covs), 1e-12);
  EXPECT_LT(max_abs_diff(zero.mixture.means, plain.mixture.means), 1e-12);

  // 1e6 pseudo-rows against a few hundred real ones: the covariances are the
  // prior's up to ~N / 1e6 of their distance from it, 300 x 2.5 / 1e6
  // (measured 5.8e-4).
  const tdcm::ShapePrior strong{sigma0, at::full({3}, 1e6, at::kDouble)};
  const tdcm::EmResult pulled = tdcm::em(rows, start, EmOptions{}, &strong);
  const double before = max_abs_diff(plain.mixture.covs, sigma0);
  EXPECT_GT(before, 1.0);  // the data's own shapes are far from the prior's (measured 2.5)
  EXPECT_LT(max_abs_diff(pulled.mixture.covs, sigma0), 2e-3);
  // As many pseudo-rows as real ones: each covariance moves half way to the
  // prior's, (C + Sigma0) / 2 (measured ratios 0.50 for all three).
  const tdcm::ShapePrior some{sigma0, plain.mixture.sizes};
  const tdcm::EmResult half = tdcm::em(rows, start, EmOptions{}, &some);
  for (int64_t j = 0; j < 3; ++j) {
    const double own = (plain.mixture.covs[j] - sigma0[j]).norm().item<double>();
    const double moved = (half.mixture.covs[j] - sigma0[j]).norm().item<double>();
    EXPECT_LT(moved, 0.6 * own) << "component " << j;
    EXPECT_GT(moved, 0.4 * own) << "component " << j;
  }
}

TEST(CoreGaussianMixture, PriorLogDensityPeaksAtThePriorShape) {
  const at::Tensor sigma0 = at::tensor({3.0, 1.0, 1.0, 2.0}, at::kDouble).view({1, 2, 2});
  const tdcm::ShapePrior prior{sigma0, at::tensor({4.0}, at::kDouble)};
  auto density = [&](const at::Tensor &cov) {
    const Mixture m{at::zeros({1, 2}, at::kDouble), cov, at::ones({1}, at::kDouble),
                    at::ones({1}, at::kDouble)};
    return tdcm::prior_log_density(m, prior);
  };
  // -a/2 (log det Sigma0 + tr I): det = 5, d = 2.
  EXPECT_NEAR(density(sigma0), -2.0 * (std::log(5.0) + 2.0), 1e-12);
  for (const double s : {0.5, 0.9, 1.1, 2.0}) EXPECT_LT(density(sigma0 * s), density(sigma0));
  EXPECT_LT(density(at::eye(2, at::kDouble).view({1, 2, 2})), density(sigma0));
}

TEST(CoreGaussianMixture, MixtureOfLabelsIsThePerLabelStatistics) {
  const Drawn data = three_components(7, 40);
  const double reg = 0.25;
  const Mixture want = by_hand(data.x, data.labels, 3, reg);
  for (const int64_t chunk : {int64_t{5}, int64_t{1000}}) {
    SCOPED_TRACE(chunk);
    const Mixture got =
        tdcm::mixture_of_labels(tdcm::tensor_rows(data.x, chunk), data.labels.data(), 3, reg);
    EXPECT_LT(max_abs_diff(got.means, want.means), 1e-12);
    EXPECT_LT(max_abs_diff(got.covs, want.covs), 1e-12);
    EXPECT_LT(max_abs_diff(got.sizes, want.sizes), 1e-12);
    EXPECT_LT(max_abs_diff(got.weights, want.weights), 1e-12);
  }
  // A label no row has: the origin, and a sphere of the set's mean feature variance.
  std::vector<int32_t> two(data.labels);
  for (int32_t &l : two) l = l == 2 ? 1 : l;
  const tdcm::RowSource rows = tdcm::tensor_rows(data.x, 32);
  const Mixture empty = tdcm::mixture_of_labels(rows, two.data(), 3, reg);
  EXPECT_EQ(empty.sizes[2].item<double>(), 0.0);
  EXPECT_LT(empty.weights[2].item<double>(), 1e-9);  // a floor of 1e-8 rows, not 0
  EXPECT_LT(tdcm_test::max_abs(empty.means[2]), 1e-12);
  const double v = tdcm::mean_feature_variance(rows);
  EXPECT_LT(max_abs_diff(empty.covs[2], v * at::eye(2, at::kDouble)), 1e-9);
  EXPECT_LT(max_abs_diff(empty.means[0], want.means[0]), 1e-12);
}

// Float rows read in place (RowSource::host, standardised on the way) give the
// statistics of their standardised chunks bit for bit.
TEST(CoreGaussianMixture, MixtureOfLabelsOfRowsInPlaceIsTheChunkedOne) {
  const Drawn data = three_components(8, 3000);
  const at::Tensor x = (data.x.to(at::kFloat) * 3 + 1).contiguous();
  const at::Tensor mean = x.mean(0).contiguous();
  const at::Tensor std = x.std(0).contiguous();
  tdcm::RowSource host;
  host.rows = x.size(0);
  host.chunk_rows = 1000;  // several chunks, the last one short
  host.chunk = [x, mean, std](int64_t start, int64_t len) {
    return (x.narrow(0, start, len) - mean) / std;
  };
  host.host = x.data_ptr<float>();
  host.scaling = {mean.data_ptr<float>(), std.data_ptr<float>()};
  tdcm::RowSource chunked = host;
  chunked.host = nullptr;
  const Mixture a = tdcm::mixture_of_labels(host, data.labels.data(), 3, 0.1);
  const Mixture b = tdcm::mixture_of_labels(chunked, data.labels.data(), 3, 0.1);
  EXPECT_TRUE(at::equal(a.means, b.means));
  EXPECT_TRUE(at::equal(a.covs, b.covs));
  EXPECT_TRUE(at::equal(a.sizes, b.sizes));
  EXPECT_TRUE(at::equal(a.weights, b.weights));
}

// Float rows far from the origin in their own spread (centres 3000 spreads
// out, in 5 columns of unequal, correlated variances): the covariances are
// those of the rows widened to double, where a scatter about the origin in
// float would have lost every digit (terms of 1e7 for variances of 1). Rows
// in place and chunks alike.
TEST(CoreGaussianMixture, MixtureOfFloatRowsFarFromTheOriginKeepsTheirSpread) {
  const int64_t d = 5;
  at::Generator gen = generator(21);
  const at::Tensor a = tdcm_test::randn({3, d, d}, gen, at::kDouble);
  const at::Tensor covs = a.matmul(a.transpose(1, 2)) + 0.1 * at::eye(d, at::kDouble);
  const at::Tensor means = 3000.0 + tdcm_test::randn({3, d}, gen, at::kDouble) * 5.0;
  const Drawn data = draw(means, covs, {1500, 900, 600}, 22);
  const at::Tensor x = data.x.to(at::kFloat).contiguous();
  const Mixture want = by_hand(x.to(at::kDouble), data.labels, 3, 0.0);
  tdcm::RowSource in_place = tdcm::tensor_rows(x, 700);
  ASSERT_NE(in_place.host, nullptr);
  tdcm::RowSource chunked = in_place;
  chunked.host = nullptr;
  for (const tdcm::RowSource &rows : {in_place, chunked}) {
    SCOPED_TRACE(rows.host != nullptr ? "in place" : "chunks");
    const Mixture got = tdcm::mixture_of_labels(rows, data.labels.data(), 3, 0.0);
    EXPECT_LT(max_abs_diff(got.means, want.means), 1e-9);
    // Relative to variances of about 0.1 to 10: float's rounding of the
    // centred terms, summed over 600 to 1500 rows.
    EXPECT_LT(max_abs_diff(got.covs, want.covs), 1e-4);
    EXPECT_TRUE(at::allclose(got.covs, got.covs.transpose(1, 2), 0.0, 0.0));
    EXPECT_TRUE(at::equal(got.sizes, want.sizes));
  }
}

TEST(CoreGaussianMixture, MixtureFromMeansUsesTheNearestMean) {
  const Drawn data = three_components(8, 40);
  const tdcm::RowSource rows = tdcm::tensor_rows(data.x, 50);
  // Means placed so that the nearest-mean partition differs from the true labels.
  const at::Tensor means = at::tensor({1.0, 1.0, 6.0, 2.0, 2.0, 7.0}, at::kDouble).view({3, 2});
  const at::Tensor nearest = tdcm::squared_distances(data.x, means).argmin(1).to(at::kInt);
  const std::vector<int32_t> labels(nearest.data_ptr<int32_t>(),
                                    nearest.data_ptr<int32_t>() + nearest.numel());
  const Mixture got = tdcm::mixture_from_means(rows, means, 0.1);
  const Mixture want = tdcm::mixture_of_labels(rows, labels.data(), 3, 0.1);
  EXPECT_LT(max_abs_diff(got.means, want.means), 1e-12);
  EXPECT_LT(max_abs_diff(got.covs, want.covs), 1e-12);
  EXPECT_LT(max_abs_diff(got.sizes, want.sizes), 1e-12);
}

namespace {

// Tied EM: every component ends with the same covariance, the pooled
// within-component scatter, which for components of one true shape is near it.
TEST(CoreGaussianMixture, TiedEmSharesOneCovarianceNearTheTrueShape) {
  const at::Tensor means = at::tensor({0.0, 0.0, 8.0, 1.0, 2.0, 9.0}, at::kDouble).view({3, 2});
  const at::Tensor shape = at::tensor({1.0, 0.6, 0.6, 0.8}, at::kDouble).view({2, 2});
  const Drawn data = draw(means, shape.expand({3, 2, 2}).contiguous(), {400, 300, 300}, 11);
  const tdcm::RowSource rows = tdcm::tensor_rows(data.x, 256);
  EmOptions tied;
  tied.covariance = tdcm::CovarianceModel::Tied;
  const tdcm::EmResult r = tdcm::em(rows, tdcm::tied(rough_start(data.truth)), tied);
  for (int64_t j = 1; j < 3; ++j) {
    EXPECT_EQ(max_abs_diff(r.mixture.covs[j], r.mixture.covs[0]), 0.0) << "component " << j;
  }
  EXPECT_LT(max_abs_diff(r.mixture.covs[0], shape), 0.12);  // 1000 rows: sampling error ~0.05
  EXPECT_LT(max_abs_diff(r.mixture.means, means), 0.2);
}

// Fixed-covariance EM moves means and weights only.
TEST(CoreGaussianMixture, FixedCovarianceEmKeepsTheStartsCovariances) {
  const Drawn data = three_components(5, 200);
  const tdcm::RowSource rows = tdcm::tensor_rows(data.x, 256);
  Mixture start = rough_start(data.truth);
  start.covs = at::eye(2, at::kDouble).expand({3, 2, 2}).contiguous();
  EmOptions fixed;
  fixed.covariance = tdcm::CovarianceModel::Fixed;
  const tdcm::EmResult r = tdcm::em(rows, start, fixed);
  EXPECT_EQ(max_abs_diff(r.mixture.covs, start.covs), 0.0);
  EXPECT_GT(max_abs_diff(r.mixture.means, start.means), 0.01);  // the means did move
  EXPECT_LT(max_abs_diff(r.mixture.means, data.truth.means), 0.3);
}

}  // namespace
