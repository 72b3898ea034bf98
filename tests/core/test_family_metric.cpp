// The family's metric (core/family_metric.h): learned without labels from a
// collection of P3 sets, it is near the true within-cluster covariance and its
// map keeps exactly the signal directions; with labels it is the labelled
// residuals' covariance; and the held-out check prefers it on P3 and a refit
// on sets whose clusters each have a shape of their own (P1).
#include <gtest/gtest.h>

#include <vector>

#include "core/family_metric.h"
#include "core_test_util.h"
#include "data/synth.h"
#include "data/synth_structured.h"

namespace {

using tdcm_test::generator;

struct Collection {
  at::Tensor x;  // n x d, double
  std::vector<at::Tensor> sets;
  std::vector<int32_t> labels;
};

Collection p3_collection(int64_t sets, int64_t k, int64_t n, int64_t d) {
  Collection c;
  std::vector<float> all;
  int64_t row = 0;
  for (int64_t s = 0; s < sets; ++s) {
    tdcm::data::StructuredSpec spec;
    spec.k = k;
    spec.d = d;
    spec.n_per_cluster = n;
    spec.seed = static_cast<uint64_t>(1000 + s);
    const tdcm::data::LabelledSet set = tdcm::data::make_structured_set(spec);
    all.insert(all.end(), set.x.begin(), set.x.end());
    c.labels.insert(c.labels.end(), set.y.begin(), set.y.end());
    c.sets.push_back(at::arange(row, row + set.rows, at::kLong));
    row += set.rows;
  }
  c.x = at::from_blob(all.data(), {row, d}, at::kFloat).to(at::kDouble);
  return c;
}

at::Tensor true_covariance(int64_t d) {
  tdcm::data::StructuredSpec spec;
  spec.d = d;
  std::vector<double> sigma = tdcm::data::structured_covariance(spec);
  return at::from_blob(sigma.data(), {d, d}, at::kDouble).clone();
}

// Relative Frobenius error of an estimate.
double rel_error(const at::Tensor &estimate, const at::Tensor &truth) {
  return ((estimate - truth).norm() / truth.norm()).item<double>();
}

TEST(CoreFamilyMetric, UnlabelledEstimateIsNearTheTrueCovarianceAndKeepsTheSignal) {
  const int64_t d = 16;
  const Collection c = p3_collection(20, 3, 60, d);
  at::Generator gen = generator(1);
  tdcm::FamilyOptions o;
  o.k = 3;
  const tdcm::FamilyMetric m = tdcm::learn_family_metric(c.x, c.sets, o, gen);
  const at::Tensor truth = true_covariance(d);
  // 3600 rows in 16 dimensions: sampling error alone is ~0.07 (measured 0.08);
  // the pooled total covariance it starts from is off by 0.4.
  EXPECT_LT(rel_error(m.covariance, truth), 0.15);
  // Four signal directions: the map keeps four, and in its space the true
  // within-cluster covariance is near the identity.
  ASSERT_EQ(m.map.size(0), 4);
  ASSERT_EQ(m.map.size(1), d);
  const at::Tensor inside = m.map.mm(truth).mm(m.map.t());
  EXPECT_LT((inside - at::eye(4, at::kDouble)).abs().max().item<double>(), 0.2);
  // The fifth direction carries no between-cluster variance worth the name.
  EXPECT_GT(m.spectrum[3].item<double>(), 1.0);
  EXPECT_LT(m.spectrum[4].item<double>(), o.min_between);
}

TEST(CoreFamilyMetric, LabelsGiveTheLabelledResidualCovariance) {
  const int64_t d = 8;
  const Collection c = p3_collection(10, 3, 40, d);
  at::Generator gen = generator(2);
  tdcm::FamilyOptions o;
  o.k = 3;
  const tdcm::FamilyMetric m = tdcm::learn_family_metric(c.x, c.sets, o, gen, c.labels.data());
  // By hand: residuals about each set's own class means, pooled.
  at::Tensor within = at::zeros({d, d}, at::kDouble);
  for (const at::Tensor &s : c.sets) {
    const at::Tensor xs = c.x.index_select(0, s);
    for (int32_t label = 0; label < 3; ++label) {
      std::vector<int64_t> idx;
      for (int64_t i = 0; i < s.size(0); ++i) {
        if (c.labels[static_cast<size_t>(s[i].item<int64_t>())] == label) idx.push_back(i);
      }
      const at::Tensor rows = xs.index_select(0, at::tensor(idx, at::kLong));
      const at::Tensor r = rows - rows.mean(0, true);
      within += r.t().mm(r);
    }
  }
  within /= static_cast<double>(c.x.size(0));
  EXPECT_LT(rel_error(m.covariance, within), 1e-10);
}

TEST(CoreFamilyMetric, HeldOutCheckPrefersTheFamilyOnP3AndARefitOnP1) {
  tdcm::FamilyOptions o;
  o.k = 3;
  {
    const Collection c = p3_collection(10, 3, 40, 16);
    at::Generator gen = generator(3);
    const tdcm::FamilyMetric m = tdcm::learn_family_metric(c.x, c.sets, o, gen);
    EXPECT_TRUE(tdcm::family_beats_refit(c.x, c.sets, m, o, 10, gen));
  }
  {
    // P1 sources: every cluster has a random shape of its own, nothing shared.
    Collection c;
    std::vector<float> all;
    int64_t row = 0;
    for (int64_t s = 0; s < 10; ++s) {
      tdcm::data::DriftSpec spec;
      spec.k = 3;
      spec.n_per_cluster = 200;
      spec.seed = static_cast<uint64_t>(1000 + s);
      const tdcm::data::DriftPair p = tdcm::data::make_drift_pair(spec);
      all.insert(all.end(), p.source.x.begin(), p.source.x.end());
      c.sets.push_back(at::arange(row, row + p.source.rows, at::kLong));
      row += p.source.rows;
    }
    c.x = at::from_blob(all.data(), {row, 2}, at::kFloat).to(at::kDouble);
    at::Generator gen = generator(4);
    const tdcm::FamilyMetric m = tdcm::learn_family_metric(c.x, c.sets, o, gen);
    EXPECT_FALSE(tdcm::family_beats_refit(c.x, c.sets, m, o, 10, gen));
  }
}

}  // namespace
