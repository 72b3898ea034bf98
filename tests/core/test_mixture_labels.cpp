// The Gaussian blocks' float32 labelling (core/mixture_labels.h) against the
// double-precision log-probabilities of the same mixture: the same component
// for every row, except rows whose two best scores lie within float rounding;
// standardised in place or not, at one thread and two; and mixture_posterior's
// labels, which come from it, the same with and without probabilities.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <vector>

#include "core/gaussian_mixture.h"
#include "core/kmeans.h"
#include "core/mixture_labels.h"
#include "core_test_util.h"

namespace {

using tdcm_test::generator;
using tdcm_test::randn;
using tdcm_test::Threads;

// k components in d dimensions with random full covariances and weights.
tdcm::Mixture random_mixture(int64_t k, int64_t d, at::Generator &gen) {
  tdcm::Mixture m;
  m.means = randn({k, d}, gen, at::kDouble) * 3;
  const at::Tensor a = randn({k, d, d}, gen, at::kDouble);
  m.covs = a.bmm(a.transpose(1, 2)) / d + 0.1 * at::eye(d, at::kDouble);
  const at::Tensor w = randn({k}, gen, at::kDouble).abs() + 0.2;
  m.weights = w / w.sum();
  m.sizes = m.weights * 1000;
  return m;
}

// Rows whose label may differ: the double scores' best two within `slack`.
at::Tensor near_ties(const at::Tensor &lp, double slack) {
  if (lp.size(1) < 2) return at::zeros({lp.size(0)}, at::kBool);
  const at::Tensor top = std::get<0>(lp.topk(2, 1));
  return (top.select(1, 0) - top.select(1, 1)) <= slack * (1 + top.select(1, 0).abs());
}

}  // namespace

TEST(CoreMixtureLabels, AreTheDoubleScoresArgmaxBarFloatTies) {
  at::Generator gen = generator(11);
  for (const auto &[k, d] : std::vector<std::pair<int64_t, int64_t>>{
           {1, 1}, {3, 2}, {5, 3}, {6, 4}, {7, 9}, {10, 16}, {4, 33}}) {
    const tdcm::Mixture m = random_mixture(k, d, gen);
    const tdcm::PrecisionFactors f = tdcm::precision_factors(m);
    const int64_t n = 20011;  // several blocks, and a last one that ends mid-tile
    const at::Tensor x = (randn({n, d}, gen) * 4).contiguous();
    const at::Tensor mean = randn({d}, gen).contiguous();
    const at::Tensor std = (randn({d}, gen).abs() + 0.5).contiguous();
    const at::Tensor scaled = ((x - mean) / std).contiguous();
    const tdcm::MixtureLabels labeller(f);
    for (const bool standardise : {false, true}) {
      const at::Tensor rows = standardise ? scaled : x;
      const at::Tensor lp = tdcm::weighted_log_prob(rows.to(at::kDouble), f);
      const at::Tensor expected = lp.argmax(1).to(at::kInt);
      const at::Tensor tie = near_ties(lp, 1e-4);
      std::vector<int32_t> first;
      for (const int threads : {1, 2}) {
        Threads t(threads);
        std::vector<int32_t> labels(static_cast<size_t>(n), -1);
        const tdcm::RowScaling s =
            standardise ? tdcm::RowScaling{mean.data_ptr<float>(), std.data_ptr<float>()}
                        : tdcm::RowScaling{};
        EXPECT_FALSE(labeller.run(x.data_ptr<float>(), n, labels.data(), s));
        const at::Tensor got = at::from_blob(labels.data(), {n}, at::kInt);
        const at::Tensor differ = got.ne(expected);
        EXPECT_EQ((differ & tie.logical_not()).sum().item<int64_t>(), 0)
            << "k=" << k << " d=" << d << " standardised=" << standardise;
        EXPECT_LE(differ.sum().item<int64_t>(), n / 1000);
        // Rows are labelled independently: the thread count changes nothing.
        if (threads == 1) {
          first = labels;
        } else {
          EXPECT_EQ(labels, first);
        }
      }
    }
  }
}

TEST(CoreMixtureLabels, PosteriorLabelsDoNotDependOnAskingForProbabilities) {
  at::Generator gen = generator(12);
  const tdcm::Mixture m = random_mixture(6, 5, gen);
  const int64_t n = 9000;
  const at::Tensor x = (randn({n, 5}, gen) * 4).contiguous();
  const tdcm::RowSource rows = tdcm::tensor_rows(x, 1024);
  ASSERT_NE(rows.host, nullptr);
  std::vector<int32_t> only(static_cast<size_t>(n)), with(static_cast<size_t>(n));
  std::vector<float> probs(static_cast<size_t>(n * 6));
  tdcm::mixture_posterior(rows, m, only.data(), nullptr);
  tdcm::mixture_posterior(rows, m, with.data(), probs.data());
  EXPECT_EQ(only, with);
  // And they are the probabilities' argmax wherever that is clear.
  const at::Tensor p = at::from_blob(probs.data(), {n, 6}, at::kFloat);
  const at::Tensor clear = std::get<0>(p.max(1)) > 0.51;
  const at::Tensor got = at::from_blob(only.data(), {n}, at::kInt);
  EXPECT_EQ((got.ne(p.argmax(1).to(at::kInt)) & clear).sum().item<int64_t>(), 0);
  EXPECT_GT(clear.sum().item<int64_t>(), n / 2);
}

TEST(CoreMixtureLabels, AFoldedAffineMapScoresAsTheMappedRows) {
  at::Generator gen = generator(13);
  for (const auto &[d, b] : std::vector<std::pair<int64_t, int64_t>>{{7, 5}, {3, 6}, {16, 16}}) {
    const int64_t k = 6, n = 5003;
    const tdcm::Mixture m = random_mixture(k, b, gen);
    const tdcm::PrecisionFactors f = tdcm::precision_factors(m);
    const at::Tensor a = randn({b, d}, gen, at::kDouble);
    const at::Tensor c = randn({b}, gen, at::kDouble) * 2;
    const at::Tensor x = (randn({n, d}, gen) * 2).contiguous();
    const at::Tensor z = x.to(at::kDouble).mm(a.t()) + c;
    const at::Tensor lp = tdcm::weighted_log_prob(z, f);
    const at::Tensor expected = lp.argmax(1).to(at::kInt);
    const tdcm::MixtureLabels folded(tdcm::fold_affine(f, a, c));
    EXPECT_EQ(folded.d(), d);
    EXPECT_EQ(folded.b(), b);
    std::vector<int32_t> labels(static_cast<size_t>(n), -1);
    folded.run(x.data_ptr<float>(), n, labels.data());
    const at::Tensor differ = at::from_blob(labels.data(), {n}, at::kInt).ne(expected);
    EXPECT_EQ((differ & near_ties(lp, 1e-4).logical_not()).sum().item<int64_t>(), 0)
        << "d=" << d << " b=" << b;
    // The mapped rows are spread over the components: the check is not vacuous.
    EXPECT_GT(at::bincount(expected).count_nonzero().item<int64_t>(), 2);
  }
}

TEST(CoreMixtureLabels, SayWhetherTheRowsTheyReadHoldANonFiniteValue) {
  at::Generator gen = generator(14);
  for (const int64_t d : {2, 9}) {  // the quadratic form, the whitened tiles
    const tdcm::MixtureLabels labeller(tdcm::precision_factors(random_mixture(3, d, gen)));
    const int64_t n = 10007;
    const at::Tensor x = randn({n, d}, gen).contiguous();
    std::vector<int32_t> labels(static_cast<size_t>(n));
    for (const int threads : {1, 2}) {
      Threads t(threads);
      EXPECT_FALSE(labeller.run(x.data_ptr<float>(), n, labels.data()));
      for (const int64_t at : {int64_t{0}, n * d / 2, n * d - 1}) {
        for (const float bad :
             {std::numeric_limits<float>::quiet_NaN(), -std::numeric_limits<float>::infinity()}) {
          at::Tensor y = x.clone();
          y.view({-1})[at] = bad;
          EXPECT_TRUE(labeller.run(y.data_ptr<float>(), n, labels.data()))
              << "d=" << d << " value " << at << " threads=" << threads;
        }
      }
    }
  }
}

TEST(CoreMixtureLabels, NarrowComponentsSpreadFarApartKeepTheirRows) {
  // 2,000 components 0.1 wide one step apart on a line: the outer ones lie
  // 10,000 of their own spreads from the mixture's centre, where a quadratic
  // form in float would lose the few nats between neighbours to cancellation.
  // The labels are still the double scores' argmax, bar float ties.
  constexpr int64_t k = 2000;
  tdcm::Mixture m;
  m.means = at::arange(k, at::kDouble).view({k, 1});
  m.covs = at::full({k, 1, 1}, 0.01, at::kDouble);
  m.weights = at::full({k}, 1.0 / k, at::kDouble);
  m.sizes = at::full({k}, 10.0, at::kDouble);
  const tdcm::PrecisionFactors f = tdcm::precision_factors(m);
  const tdcm::MixtureLabels labeller(f);
  at::Generator gen = generator(15);
  const int64_t n = 20000;
  const at::Tensor x = (at::rand({n, 1}, gen, at::kDouble) * (k - 1)).to(at::kFloat).contiguous();
  std::vector<int32_t> labels(static_cast<size_t>(n), -1);
  labeller.run(x.data_ptr<float>(), n, labels.data());
  const at::Tensor lp = tdcm::weighted_log_prob(x.to(at::kDouble), f);
  const at::Tensor differ =
      at::from_blob(labels.data(), {n}, at::kInt).ne(lp.argmax(1).to(at::kInt));
  EXPECT_EQ((differ & near_ties(lp, 1e-4).logical_not()).sum().item<int64_t>(), 0);
}
