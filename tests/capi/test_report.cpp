// The per-cluster report through the C API: one entry per label, sizes that
// are the labels' counts, flags that follow their documented thresholds, the
// report of tdcm_adapt, and every refusal leaving the model as it was.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <ostream>
#include <string>
#include <vector>

#include "capi_test_util.h"
#include "tdcm/tdcm.h"

namespace {

using namespace tdcm_capi_test;

constexpr const char *kDefault = "k=3 seed=0 device=cpu threads=1";

struct Case {
  const char *name;
  const char *params;
};

void PrintTo(const Case &c, std::ostream *os) { *os << c.name; }

const std::vector<Case> &cases() {
  static const std::vector<Case> all = {
      {"tdcm", kDefault},
      {"kmeans", "algo=kmeans k=3 n_init=2 seed=0 device=cpu threads=1"},
      {"gmm", "algo=gmm k=3 n_init=2 seed=0 device=cpu threads=1"},
  };
  return all;
}

std::vector<int64_t> counts(const std::vector<int32_t> &labels, int64_t k) {
  std::vector<int64_t> c(static_cast<size_t>(k), 0);
  for (int32_t l : labels) ++c[static_cast<size_t>(l)];
  return c;
}

// Every entry's structure and its flags against their documented thresholds.
void expect_consistent(const Report &r, const std::vector<int32_t> &labels, int64_t source_rows) {
  const int64_t k = static_cast<int64_t>(r.size());
  const std::vector<int64_t> c = counts(labels, k);
  int64_t source_total = 0;
  for (const tdcm_cluster_report &e : r) source_total += e.source_size;
  EXPECT_EQ(source_total, source_rows);
  const double n = static_cast<double>(labels.size());
  for (int64_t j = 0; j < k; ++j) {
    SCOPED_TRACE("cluster " + std::to_string(j));
    const tdcm_cluster_report &e = r[static_cast<size_t>(j)];
    EXPECT_EQ(e.cluster, j);
    EXPECT_EQ(e.source_cluster, j);  // labels come out in the source's numbering
    EXPECT_EQ(e.target_size, c[static_cast<size_t>(j)]);
    EXPECT_GE(e.confidence, 0.0);
    EXPECT_LE(e.confidence, 1.0);
    EXPECT_GE(e.shift, 0.0);
    EXPECT_EQ((e.flags & ~(TDCM_CLUSTER_UNMATCHED | TDCM_CLUSTER_MOVED_FAR | TDCM_CLUSTER_SHRANK)),
              0);
    EXPECT_EQ((e.flags & TDCM_CLUSTER_UNMATCHED) != 0, e.confidence < 0.5);
    EXPECT_EQ((e.flags & TDCM_CLUSTER_MOVED_FAR) != 0, e.shift > 3.0);
    const double target_share = static_cast<double>(e.target_size) / n;
    const double source_share =
        static_cast<double>(e.source_size) / static_cast<double>(source_rows);
    EXPECT_EQ((e.flags & TDCM_CLUSTER_SHRANK) != 0, target_share < 0.5 * source_share);
  }
}

class CapiReport : public ::testing::TestWithParam<Case> {
 protected:
  // The case's model fitted on `data`'s source, and its report of `x` (the
  // source or the target), checked against the labels.
  Reported fit_and_report(const P1 &data, const std::vector<float> &x) {
    model_ = fitted(GetParam().params, data);
    Reported r;
    if (!model_) return r;
    r = assign_report(model_.get(), x.data(), data.n, data.d);
    EXPECT_EQ(r.out.status, TDCM_OK) << tdcm_last_error();
    EXPECT_EQ(r.report.size(), 3u);
    if (r.out.status == TDCM_OK) expect_consistent(r.report, r.out.labels, data.n);
    return r;
  }
  ModelPtr model_;
};

}  // namespace

TEST_P(CapiReport, AssignReportDescribesEveryLabel) {
  const P1 data = make_p1(11, 200);
  const Reported r = fit_and_report(data, data.target);
  tdcm_model *m = model_.get();
  ASSERT_TRUE(m);
  ASSERT_EQ(r.out.status, TDCM_OK);
  int64_t total = 0;
  for (const tdcm_cluster_report &e : r.report) total += e.target_size;
  EXPECT_EQ(total, data.n);
  // The same labels and probabilities as tdcm_assign, bit for bit.
  EXPECT_TRUE(r.out.same(assign(m, data.target.data(), data.n, data.d)));
  // Probabilities are optional; the report is the same without them.
  std::vector<int32_t> labels(static_cast<size_t>(data.n));
  Report again = blank_report(3);
  ASSERT_EQ(tdcm_assign_report(m, data.target.data(), data.n, data.d, labels.data(), nullptr,
                               again.data()),
            TDCM_OK);
  EXPECT_EQ(labels, r.out.labels);
  EXPECT_TRUE(same(again, r.report));
}

// On the source itself every cluster continues itself: confident, unmoved, not shrunk.
TEST_P(CapiReport, SourceAgainstItselfIsUnflagged) {
  const P1 data = make_p1(12, 200);
  const Reported r = fit_and_report(data, data.source);
  ASSERT_EQ(r.out.status, TDCM_OK);
  for (const tdcm_cluster_report &e : r.report) {
    EXPECT_EQ(e.flags, 0) << "cluster " << e.cluster;
    EXPECT_GT(e.confidence, 0.9) << "cluster " << e.cluster;
    EXPECT_LT(e.shift, 0.5) << "cluster " << e.cluster;
    // The source's rows per cluster are the labels' counts on the same rows.
    EXPECT_EQ(e.target_size, e.source_size) << "cluster " << e.cluster;
  }
}

TEST_P(CapiReport, GetReportDescribesTheAdaptedSet) {
  const P1 data = make_p1(13, 200);
  ModelPtr m = fitted(GetParam().params, data);
  ASSERT_TRUE(m);
  Report r = blank_report(3);
  EXPECT_EQ(tdcm_get_report(m.get(), r.data()), TDCM_ERR_NOT_ADAPTED);
  ASSERT_EQ(tdcm_adapt(m.get(), data.target.data(), data.n, data.d), TDCM_OK) << tdcm_last_error();
  ASSERT_EQ(tdcm_get_report(m.get(), r.data()), TDCM_OK) << tdcm_last_error();
  const Output predicted = predict(m.get(), data.target.data(), data.n, data.d);
  ASSERT_EQ(predicted.status, TDCM_OK);
  expect_consistent(r, predicted.labels, data.n);
  if (std::string(GetParam().name) == "tdcm") {
    // TDCM's assign adapts as tdcm_adapt does: the same labels and report.
    const Reported assigned = assign_report(m.get(), data.target.data(), data.n, data.d);
    ASSERT_EQ(assigned.out.status, TDCM_OK);
    EXPECT_EQ(assigned.out.labels, predicted.labels);
    EXPECT_TRUE(same(assigned.report, r));
  }
  // A report of another set does not replace the adapted one.
  ASSERT_EQ(assign_report(m.get(), data.source.data(), data.n, data.d).out.status, TDCM_OK);
  Report later = blank_report(3);
  ASSERT_EQ(tdcm_get_report(m.get(), later.data()), TDCM_OK);
  EXPECT_TRUE(same(later, r));
}

INSTANTIATE_TEST_SUITE_P(CapiModels, CapiReport, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case> &info) {
                           return std::string(info.param.name);
                         });

TEST(CapiReportErrors, NoSourceClustersAfterACollectionFit) {
  const P1 first = make_p1(1);
  const P1 second = make_p1(2);
  std::vector<float> x = first.source;
  x.insert(x.end(), second.source.begin(), second.source.end());
  std::vector<int64_t> ids(static_cast<size_t>(first.n), 0);
  ids.insert(ids.end(), static_cast<size_t>(second.n), 1);
  ModelPtr m = create(kDefault);
  ASSERT_TRUE(m);
  ASSERT_EQ(tdcm_fit(m.get(), x.data(), first.n + second.n, 2, ids.data()), TDCM_OK)
      << tdcm_last_error();
  const Reported r = assign_report(m.get(), first.target.data(), first.n, 2);
  EXPECT_EQ(r.out.status, TDCM_ERR_INVALID_ARGUMENT);
  EXPECT_TRUE(contains(tdcm_last_error(), "collection")) << tdcm_last_error();
  ASSERT_EQ(tdcm_adapt(m.get(), first.target.data(), first.n, 2), TDCM_OK) << tdcm_last_error();
  Report after = blank_report(3);
  EXPECT_EQ(tdcm_get_report(m.get(), after.data()), TDCM_ERR_INVALID_ARGUMENT);
  // Labelling still works.
  EXPECT_EQ(assign(m.get(), first.target.data(), first.n, 2).status, TDCM_OK);
}

TEST(CapiReportErrors, StateAndArguments) {
  const P1 data = make_p1(3);
  Report r = blank_report(3);
  std::vector<int32_t> labels(static_cast<size_t>(data.n));
  {
    ModelPtr unfitted = create(kDefault);
    ASSERT_TRUE(unfitted);
    EXPECT_EQ(tdcm_get_report(unfitted.get(), r.data()), TDCM_ERR_NOT_FITTED);
    EXPECT_EQ(tdcm_assign_report(unfitted.get(), data.target.data(), data.n, data.d, labels.data(),
                                 nullptr, r.data()),
              TDCM_ERR_NOT_FITTED);
  }
  ModelPtr m = fitted(kDefault, data);
  ASSERT_TRUE(m);
  ASSERT_EQ(tdcm_adapt(m.get(), data.target.data(), data.n, data.d), TDCM_OK);
  Report adapted = blank_report(3);
  ASSERT_EQ(tdcm_get_report(m.get(), adapted.data()), TDCM_OK);
  const Output assigned = assign(m.get(), data.target.data(), data.n, data.d);
  const Output predicted = predict(m.get(), data.target.data(), data.n, data.d);

  const float *x = data.target.data();
  EXPECT_EQ(tdcm_assign_report(nullptr, x, data.n, 2, labels.data(), nullptr, r.data()),
            TDCM_ERR_NULL_ARGUMENT);
  EXPECT_EQ(tdcm_assign_report(m.get(), nullptr, data.n, 2, labels.data(), nullptr, r.data()),
            TDCM_ERR_NULL_ARGUMENT);
  EXPECT_EQ(tdcm_assign_report(m.get(), x, data.n, 2, nullptr, nullptr, r.data()),
            TDCM_ERR_NULL_ARGUMENT);
  EXPECT_EQ(tdcm_assign_report(m.get(), x, data.n, 2, labels.data(), nullptr, nullptr),
            TDCM_ERR_NULL_ARGUMENT);
  EXPECT_EQ(tdcm_get_report(nullptr, r.data()), TDCM_ERR_NULL_ARGUMENT);
  EXPECT_EQ(tdcm_get_report(m.get(), nullptr), TDCM_ERR_NULL_ARGUMENT);
  EXPECT_EQ(tdcm_assign_report(m.get(), x, data.n / 2, 4, labels.data(), nullptr, r.data()),
            TDCM_ERR_SHAPE);
  EXPECT_EQ(tdcm_assign_report(m.get(), x, 0, 2, labels.data(), nullptr, r.data()),
            TDCM_ERR_INVALID_ARGUMENT);
  std::vector<float> bad(data.target);
  bad[5] = std::nanf("");
  EXPECT_EQ(tdcm_assign_report(m.get(), bad.data(), data.n, 2, labels.data(), nullptr, r.data()),
            TDCM_ERR_NON_FINITE);

  // None of it changed the model.
  EXPECT_EQ(is_adapted(m.get()), 1);
  Report after = blank_report(3);
  ASSERT_EQ(tdcm_get_report(m.get(), after.data()), TDCM_OK);
  EXPECT_TRUE(same(after, adapted));
  EXPECT_TRUE(assign(m.get(), data.target.data(), data.n, data.d).same(assigned));
  EXPECT_TRUE(predict(m.get(), data.target.data(), data.n, data.d).same(predicted));
}

namespace {

// Rows of `p`'s source whose class is not `drop`, plus every `keep_every`-th
// row of class `drop`; with `shift`, rows of class `move` moved by it.
struct Subset {
  std::vector<float> x;
  std::vector<int32_t> y;
  int64_t n = 0;
};

Subset edited_source(const P1 &p, int32_t drop, int64_t keep_every, int32_t move, float shift) {
  Subset s;
  int64_t seen = 0;
  for (int64_t i = 0; i < p.n; ++i) {
    const int32_t y = p.source_y[static_cast<size_t>(i)];
    if (y == drop && seen++ % keep_every != 0) continue;
    s.x.push_back(p.source[static_cast<size_t>(2 * i)] + (y == move ? shift : 0.0f));
    s.x.push_back(p.source[static_cast<size_t>(2 * i + 1)]);
    s.y.push_back(y);
  }
  s.n = static_cast<int64_t>(s.y.size());
  return s;
}

// The cluster whose rows are mostly of class `c` on the source.
int32_t cluster_of_class(tdcm_model *m, const P1 &p, int32_t c) {
  const Output o = assign(m, p.source.data(), p.n, p.d);
  std::vector<int64_t> hits(3, 0);
  for (int64_t i = 0; i < p.n; ++i) {
    if (p.source_y[static_cast<size_t>(i)] == c) ++hits[static_cast<size_t>(o.labels[i])];
  }
  return static_cast<int32_t>(std::max_element(hits.begin(), hits.end()) - hits.begin());
}

}  // namespace

// The source again, but one class keeps a tenth of its rows: its cluster,
// and only it, is flagged as shrunk.
TEST(CapiReportFlags, ShrunkClusterIsFlagged) {
  const P1 data = make_p1(21, 200);
  ModelPtr m = fitted(kDefault, data);
  ASSERT_TRUE(m);
  const int32_t shrunk = cluster_of_class(m.get(), data, 1);
  const Subset s = edited_source(data, 1, 10, -1, 0.0f);
  const Reported r = assign_report(m.get(), s.x.data(), s.n, 2);
  ASSERT_EQ(r.out.status, TDCM_OK) << tdcm_last_error();
  expect_consistent(r.report, r.out.labels, data.n);
  for (const tdcm_cluster_report &e : r.report) {
    EXPECT_EQ((e.flags & TDCM_CLUSTER_SHRANK) != 0, e.cluster == shrunk) << "cluster " << e.cluster;
    EXPECT_EQ(e.flags & TDCM_CLUSTER_UNMATCHED, 0) << "cluster " << e.cluster;
  }
  // 20 of its 200 rows are left (measured: exactly 20).
  EXPECT_NEAR(static_cast<double>(r.report[static_cast<size_t>(shrunk)].target_size), 20.0, 2.0);
}

// The source again, but one class moved far away, shape kept: it keeps its
// name and is flagged as moved far; the others are unmoved.
TEST(CapiReportFlags, FarMovedClusterKeepsItsNameAndIsFlagged) {
  const P1 data = make_p1(22, 200);
  ModelPtr m = fitted(kDefault, data);
  ASSERT_TRUE(m);
  const int32_t moved = cluster_of_class(m.get(), data, 2);
  const Subset s = edited_source(data, -1, 1, 2, 30.0f);
  const Reported r = assign_report(m.get(), s.x.data(), s.n, 2);
  ASSERT_EQ(r.out.status, TDCM_OK) << tdcm_last_error();
  expect_consistent(r.report, r.out.labels, data.n);
  for (const tdcm_cluster_report &e : r.report) {
    SCOPED_TRACE("cluster " + std::to_string(e.cluster));
    EXPECT_EQ(e.flags, e.cluster == moved ? TDCM_CLUSTER_MOVED_FAR : 0);
    if (e.cluster != moved) {
      EXPECT_LT(e.shift, 0.5);
    }
  }
  // 30 units against the cluster's spread of at most 1 per axis.
  EXPECT_GT(r.report[static_cast<size_t>(moved)].shift, 20.0);
  // Its rows kept its name.
  for (int64_t i = 0; i < s.n; ++i) {
    if (s.y[static_cast<size_t>(i)] == 2) {
      ASSERT_EQ(r.out.labels[static_cast<size_t>(i)], moved) << "row " << i;
    }
  }
}
