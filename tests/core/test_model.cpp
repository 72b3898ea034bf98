// The model handle: determinism by seed, atomic failure, and the relation
// between assign (delta(L) against C(L-1)) and adapt + predict (against C(L)).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <tuple>
#include <vector>

#include "core/model.h"
#include "core/params.h"
#include "core/runtime.h"
#include "core/serialize.h"
#include "core_test_util.h"
#include "data/synth.h"

namespace {

using tdcm::Model;
using tdcm_test::error_of;
using tdcm_test::TempDir;

constexpr const char *kTdcm = "k=3 embed_dim=8 epochs=4 hidden=32 seed=0 device=cpu threads=1";

struct P1 {
  tdcm::data::DriftPair pair;
  int64_t n() const { return pair.source.rows; }
  int64_t d() const { return pair.source.d; }
  const float *source() const { return pair.source.x.data(); }
  const float *target() const { return pair.target.x.data(); }
};

P1 p1(uint64_t seed, int64_t per_cluster = 100) {
  tdcm::data::DriftSpec spec;
  spec.k = 3;
  spec.d = 2;
  spec.n_per_cluster = per_cluster;
  spec.seed = seed;
  return P1{tdcm::data::make_drift_pair(spec)};
}

struct Output {
  std::vector<int32_t> labels;
  std::vector<float> probs;
  bool operator==(const Output &o) const {
    return labels == o.labels && probs.size() == o.probs.size() &&
           std::memcmp(probs.data(), o.probs.data(), probs.size() * sizeof(float)) == 0;
  }
};

Output assign(const Model &m, const float *x, int64_t n, int64_t d) {
  Output o{std::vector<int32_t>(n), std::vector<float>(n * m.params().k)};
  m.assign(x, n, d, o.labels.data(), o.probs.data());
  return o;
}

Output predict(const Model &m, const float *x, int64_t n, int64_t d) {
  Output o{std::vector<int32_t>(n), std::vector<float>(n * m.params().k)};
  m.predict(x, n, d, o.labels.data(), o.probs.data());
  return o;
}

Model fitted(const char *params, const P1 &data) {
  Model m(tdcm::parse_params(params));
  m.fit(data.source(), data.n(), data.d(), nullptr, {});
  return m;
}

class CoreModel : public ::testing::Test {
 protected:
  void SetUp() override { tdcm::apply_threads(1, tdcm::Work::Training); }
};

TEST_F(CoreModel, FitAndAssignAreDeterministic) {
  const P1 data = p1(0);
  const Model a = fitted(kTdcm, data);
  const Model b = fitted(kTdcm, data);
  EXPECT_TRUE(a.fitted());
  EXPECT_FALSE(a.adapted());
  EXPECT_EQ(a.input_dim(), 2);
  EXPECT_EQ(a.embed_dim(), 8);
  const Output first = assign(a, data.target(), data.n(), data.d());
  EXPECT_TRUE(first == assign(a, data.target(), data.n(), data.d()));
  EXPECT_TRUE(first == assign(b, data.target(), data.n(), data.d()));
  for (int32_t l : first.labels) {
    ASSERT_GE(l, 0);
    ASSERT_LT(l, 3);
  }
  // Without probabilities, the same labels.
  std::vector<int32_t> labels(data.n());
  a.assign(data.target(), data.n(), data.d(), labels.data(), nullptr);
  EXPECT_EQ(labels, first.labels);
}

TEST_F(CoreModel, SeedChangesTheWeights) {
  const P1 data = p1(0);
  TempDir dir;
  fitted(kTdcm, data).save(dir.file("a"));
  fitted(kTdcm, data).save(dir.file("b"));
  fitted("k=3 embed_dim=8 epochs=4 hidden=32 seed=1 device=cpu threads=1", data)
      .save(dir.file("c"));
  const tdcm::ModelFile a = tdcm::read_model_file(dir.file("a"));
  const tdcm::ModelFile b = tdcm::read_model_file(dir.file("b"));
  const tdcm::ModelFile c = tdcm::read_model_file(dir.file("c"));
  ASSERT_EQ(a.tensors.size(), b.tensors.size());
  ASSERT_EQ(a.tensors.size(), c.tensors.size());
  for (size_t i = 0; i < a.tensors.size(); ++i) {
    EXPECT_EQ(a.tensors[i].first, c.tensors[i].first);
    EXPECT_TRUE(at::equal(a.tensors[i].second, b.tensors[i].second)) << a.tensors[i].first;
  }
  EXPECT_EQ(a.tensors[0].first, "encoder.0.weight");
  EXPECT_FALSE(at::equal(a.tensors[0].second, c.tensors[0].second));
}

TEST_F(CoreModel, FailedFitLeavesTheModelUnchanged) {
  const P1 data = p1(0);
  const P1 other = p1(5);
  Model m = fitted(kTdcm, data);
  m.adapt(data.target(), data.n(), data.d());
  const Output assigned = assign(m, data.target(), data.n(), data.d());
  const Output predicted = predict(m, data.target(), data.n(), data.d());

  auto unchanged = [&](const char *what) {
    SCOPED_TRACE(what);
    EXPECT_TRUE(m.fitted());
    EXPECT_TRUE(m.adapted());
    EXPECT_EQ(m.input_dim(), 2);
    EXPECT_TRUE(assigned == assign(m, data.target(), data.n(), data.d()));
    EXPECT_TRUE(predicted == predict(m, data.target(), data.n(), data.d()));
  };

  // Cancelled after the first epoch of a fit on other data.
  int epochs = 0;
  auto [status, message] = error_of([&] {
    m.fit(other.source(), other.n(), other.d(), nullptr, [&](const tdcm_progress &p) {
      epochs = p.epoch;
      return p.epoch < 1;
    });
  });
  EXPECT_EQ(status, TDCM_ERR_CANCELLED);
  EXPECT_EQ(epochs, 1);
  unchanged("cancelled fit");

  // Fewer rows than clusters.
  std::tie(status, message) = error_of([&] { m.fit(other.source(), 2, 2, nullptr, {}); });
  EXPECT_EQ(status, TDCM_ERR_INVALID_ARGUMENT);
  EXPECT_NE(message.find("k=3"), std::string::npos) << message;
  unchanged("n < k");

  // A data set of a collection with fewer rows than clusters.
  std::vector<int64_t> ids(other.n(), 0);
  ids[0] = ids[1] = 9;
  std::tie(status, message) =
      error_of([&] { m.fit(other.source(), other.n(), other.d(), ids.data(), {}); });
  EXPECT_EQ(status, TDCM_ERR_INVALID_ARGUMENT);
  EXPECT_NE(message.find("9"), std::string::npos) << message;
  unchanged("small data set");

  // A failed adapt keeps the earlier adaptation.
  std::vector<float> wide(30, 0.5f);
  std::tie(status, message) = error_of([&] { m.adapt(wide.data(), 10, 3); });
  EXPECT_EQ(status, TDCM_ERR_SHAPE);
  unchanged("adapt with the wrong dimension");

  // A failure after all the training work: cancelled at the last epoch.
  std::tie(status, message) = error_of([&] {
    m.fit(other.source(), other.n(), other.d(), nullptr,
          [](const tdcm_progress &p) { return p.epoch < p.epochs; });
  });
  EXPECT_EQ(status, TDCM_ERR_CANCELLED);
  unchanged("cancel at the last epoch");

  // A successful refit replaces the model and drops the adaptation.
  m.fit(other.source(), other.n(), other.d(), nullptr, {});
  EXPECT_TRUE(m.fitted());
  EXPECT_FALSE(m.adapted());
}

TEST_F(CoreModel, FailedFitOfAnUnfittedModelLeavesItUnfitted) {
  const P1 data = p1(0);
  Model m(tdcm::parse_params(kTdcm));
  const auto [status, message] = error_of([&] {
    m.fit(data.source(), data.n(), data.d(), nullptr, [](const tdcm_progress &) { return false; });
  });
  EXPECT_EQ(status, TDCM_ERR_CANCELLED);
  EXPECT_NE(message.find("cancel"), std::string::npos) << message;
  EXPECT_FALSE(m.fitted());
  EXPECT_EQ(m.input_dim(), 0);
  std::vector<int32_t> labels(data.n());
  EXPECT_EQ(
      error_of([&] { m.assign(data.target(), data.n(), data.d(), labels.data(), nullptr); }).first,
      TDCM_ERR_NOT_FITTED);
}

TEST_F(CoreModel, StateErrors) {
  const P1 data = p1(0);
  Model m(tdcm::parse_params(kTdcm));
  std::vector<int32_t> labels(data.n());
  EXPECT_EQ(error_of([&] { m.adapt(data.target(), data.n(), data.d()); }).first,
            TDCM_ERR_NOT_FITTED);
  EXPECT_EQ(error_of([&] { m.save("/nonexistent/unused"); }).first, TDCM_ERR_NOT_FITTED);
  m.fit(data.source(), data.n(), data.d(), nullptr, {});
  EXPECT_EQ(
      error_of([&] { m.predict(data.target(), data.n(), data.d(), labels.data(), nullptr); }).first,
      TDCM_ERR_NOT_ADAPTED);
  const auto [status, message] =
      error_of([&] { m.assign(data.target(), data.n() / 2, 4, labels.data(), nullptr); });
  EXPECT_EQ(status, TDCM_ERR_SHAPE);
  EXPECT_NE(message.find("4 columns"), std::string::npos) << message;
}

double agreement(const std::vector<int32_t> &a, const std::vector<int32_t> &b) {
  size_t same = 0;
  for (size_t i = 0; i < a.size(); ++i) same += a[i] == b[i] ? 1 : 0;
  return static_cast<double>(same) / static_cast<double>(a.size());
}

// assign outputs delta(L) made against C(L-1); predict after adapt labels
// against C(L): one assignment step apart, so they mostly agree.
TEST_F(CoreModel, AdaptThenPredictAgreesWithAssign) {
  // A set on which this small model does not collapse to uniform assignments
  // (on many P1 sets it does, and labels then follow rounding noise).
  const P1 data = p1(2);
  Model m = fitted(kTdcm, data);
  const Output assigned = assign(m, data.target(), data.n(), data.d());
  m.adapt(data.target(), data.n(), data.d());
  EXPECT_TRUE(m.adapted());
  const Output predicted = predict(m, data.target(), data.n(), data.d());
  double mean_max_prob = 0;
  for (int64_t i = 0; i < data.n(); ++i) {
    const auto row = assigned.probs.begin() + i * 3;
    mean_max_prob += *std::max_element(row, row + 3) / static_cast<double>(data.n());
  }
  ASSERT_GT(mean_max_prob, 0.5) << "the model collapsed: pick another set";
  const double agree = agreement(assigned.labels, predicted.labels);
  EXPECT_GE(agree, 0.9);
  RecordProperty("agreement", std::to_string(agree));
  // Rows are independent in predict: one row at a time gives the same labels.
  for (int64_t i = 0; i < 10; ++i) {
    int32_t label = -1;
    m.predict(data.target() + i * data.d(), 1, data.d(), &label, nullptr);
    EXPECT_EQ(label, predicted.labels[static_cast<size_t>(i)]) << "row " << i;
  }
  // assign does not use (or change) the adapted centroids.
  EXPECT_TRUE(assigned == assign(m, data.target(), data.n(), data.d()));
}

TEST_F(CoreModel, KMeansAdaptOnItsSourceKeepsItsLabels) {
  const P1 data = p1(1);
  Model m = fitted("algo=kmeans k=3 n_init=2 seed=0 device=cpu", data);
  EXPECT_EQ(m.embed_dim(), 2);
  const Output assigned = assign(m, data.source(), data.n(), data.d());
  m.adapt(data.source(), data.n(), data.d());
  const Output predicted = predict(m, data.source(), data.n(), data.d());
  // The fitted centroids are already a Lloyd fixed point of the source.
  EXPECT_GE(agreement(assigned.labels, predicted.labels), 0.99);
}

}  // namespace
