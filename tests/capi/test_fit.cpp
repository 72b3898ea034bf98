// Fitting through the C API: determinism, the progress callback and
// cancelling, collections of source sets, an end-to-end transfer on P1, and
// the metrics.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "capi_test_util.h"
#include "tdcm/tdcm.h"

namespace {

using namespace tdcm_capi_test;

constexpr const char *kParams = "k=3 embed_dim=8 epochs=4 hidden=32 seed=0 device=cpu threads=1";

std::string saved_bytes(tdcm_model *m) {
  TempDir dir;
  const std::string path = dir.file("m.tdcm");
  EXPECT_EQ(tdcm_save(m, path.c_str()), TDCM_OK) << tdcm_last_error();
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void expect_valid_output(const Output &o, int64_t n, int64_t k) {
  ASSERT_EQ(o.status, TDCM_OK) << tdcm_last_error();
  ASSERT_EQ(static_cast<int64_t>(o.labels.size()), n);
  for (int64_t i = 0; i < n; ++i) {
    const int32_t label = o.labels[static_cast<size_t>(i)];
    ASSERT_GE(label, 0) << "row " << i;
    ASSERT_LT(label, k) << "row " << i;
    double sum = 0;
    int64_t best = 0;
    for (int64_t j = 0; j < k; ++j) {
      const float p = o.probs[static_cast<size_t>(i * k + j)];
      ASSERT_TRUE(std::isfinite(p));
      ASSERT_GE(p, 0.0f);
      sum += p;
      if (p > o.probs[static_cast<size_t>(i * k + best)]) best = j;
    }
    ASSERT_NEAR(sum, 1.0, 1e-5) << "row " << i;
    // The label is the most probable cluster.
    ASSERT_EQ(o.probs[static_cast<size_t>(i * k + label)],
              o.probs[static_cast<size_t>(i * k + best)])
        << "row " << i;
  }
}

tdcm_metrics_result metrics(const std::vector<int32_t> &truth, const std::vector<int32_t> &pred) {
  tdcm_metrics_result r{-9, -9, -9};
  EXPECT_EQ(tdcm_metrics(truth.data(), pred.data(), static_cast<int64_t>(truth.size()), &r),
            TDCM_OK)
      << tdcm_last_error();
  return r;
}

TEST(CapiFit, SameSeedSameModel) {
  const P1 data = make_p1(0);
  ModelPtr a = fitted(kParams, data);
  ModelPtr b = fitted(kParams, data);
  ASSERT_TRUE(a && b);
  const Output oa = assign(a.get(), data.target.data(), data.n, data.d);
  expect_valid_output(oa, data.n, 3);
  EXPECT_TRUE(oa.same(assign(b.get(), data.target.data(), data.n, data.d)));
  // Refitting the same model with the same data gives the same model again.
  ASSERT_EQ(tdcm_fit(a.get(), data.source.data(), data.n, data.d, nullptr), TDCM_OK);
  EXPECT_TRUE(oa.same(assign(a.get(), data.target.data(), data.n, data.d)));
  // A different seed gives a different model (the labels may agree: on well separated
  // clusters every seed finds the same partition, so compare the model files).
  ModelPtr c = fitted("k=3 embed_dim=8 epochs=4 hidden=32 seed=1 device=cpu threads=1", data);
  ASSERT_TRUE(c);
  EXPECT_EQ(saved_bytes(a.get()), saved_bytes(b.get()));
  EXPECT_NE(saved_bytes(a.get()), saved_bytes(c.get()));
}

struct Recorder {
  std::vector<tdcm_progress> calls;
  int cancel_at = 0;  // return non-zero at this epoch (0 = never)
  static int callback(const tdcm_progress *p, void *user) {
    auto *self = static_cast<Recorder *>(user);
    self->calls.push_back(*p);
    return self->cancel_at != 0 && p->epoch >= self->cancel_at ? 1 : 0;
  }
};

TEST(CapiFit, ProgressCallbackReportsEveryEpoch) {
  const P1 data = make_p1(0);
  ModelPtr m = create(
      "k=3 embed_dim=8 epochs=5 hidden=32 seed=0 device=cpu threads=1 "
      "beta=0.5 gamma=2");
  ASSERT_TRUE(m);
  Recorder rec;
  ASSERT_EQ(tdcm_set_progress_callback(m.get(), &Recorder::callback, &rec), TDCM_OK);
  ASSERT_EQ(tdcm_fit(m.get(), data.source.data(), data.n, data.d, nullptr), TDCM_OK)
      << tdcm_last_error();
  ASSERT_EQ(rec.calls.size(), 5u);
  for (size_t i = 0; i < rec.calls.size(); ++i) {
    const tdcm_progress &p = rec.calls[i];
    SCOPED_TRACE(i);
    EXPECT_EQ(p.epoch, static_cast<int32_t>(i + 1));
    EXPECT_EQ(p.epochs, 5);
    EXPECT_TRUE(std::isfinite(p.loss));
    EXPECT_TRUE(std::isfinite(p.loss_clu));
    EXPECT_TRUE(std::isfinite(p.loss_bal));
    EXPECT_TRUE(std::isfinite(p.loss_orth));
    // The balance term is a negative entropy over 3 clusters; the penalty is a norm.
    EXPECT_LE(p.loss_bal, 1e-6);
    EXPECT_GE(p.loss_bal, -std::log(3.0) - 1e-6);
    EXPECT_GE(p.loss_orth, 0.0);
    // The total is the weighted sum of the reported terms (all batch means).
    EXPECT_NEAR(p.loss, p.loss_clu + 0.5 * p.loss_bal + 2.0 * p.loss_orth,
                1e-4 * (1 + std::fabs(p.loss)));
    EXPECT_GT(p.elapsed_s, 0.0);
    if (i > 0) {
      EXPECT_GT(p.elapsed_s, rec.calls[i - 1].elapsed_s);
    }
  }

  // Removing the callback stops the reports.
  rec.calls.clear();
  ASSERT_EQ(tdcm_set_progress_callback(m.get(), nullptr, nullptr), TDCM_OK);
  ASSERT_EQ(tdcm_fit(m.get(), data.source.data(), data.n, data.d, nullptr), TDCM_OK);
  EXPECT_TRUE(rec.calls.empty());
}

TEST(CapiFit, KMeansReportsEveryRestart) {
  const P1 data = make_p1(0);
  ModelPtr m = create("algo=kmeans k=3 n_init=4 seed=0 device=cpu threads=1");
  ASSERT_TRUE(m);
  Recorder rec;
  ASSERT_EQ(tdcm_set_progress_callback(m.get(), &Recorder::callback, &rec), TDCM_OK);
  ASSERT_EQ(tdcm_fit(m.get(), data.source.data(), data.n, data.d, nullptr), TDCM_OK);
  ASSERT_EQ(rec.calls.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(rec.calls[i].epoch, static_cast<int32_t>(i + 1));
    EXPECT_EQ(rec.calls[i].epochs, 4);
  }
}

TEST(CapiFit, FitProgressUsesItsCallbackForThatCallOnly) {
  const P1 data = make_p1(0);
  ModelPtr m = create("algo=kmeans k=3 n_init=4 seed=0 device=cpu threads=1");
  ASSERT_TRUE(m);
  Recorder installed, per_call;
  ASSERT_EQ(tdcm_set_progress_callback(m.get(), &Recorder::callback, &installed), TDCM_OK);
  ASSERT_EQ(tdcm_fit_progress(m.get(), data.source.data(), data.n, data.d, nullptr,
                              &Recorder::callback, &per_call),
            TDCM_OK)
      << tdcm_last_error();
  EXPECT_EQ(per_call.calls.size(), 4u);
  EXPECT_TRUE(installed.calls.empty()) << "the model's own callback was called";
  // NULL reports nothing; the model's callback is still installed for tdcm_fit.
  ASSERT_EQ(
      tdcm_fit_progress(m.get(), data.source.data(), data.n, data.d, nullptr, nullptr, nullptr),
      TDCM_OK);
  EXPECT_TRUE(installed.calls.empty());
  ASSERT_EQ(tdcm_fit(m.get(), data.source.data(), data.n, data.d, nullptr), TDCM_OK);
  EXPECT_EQ(installed.calls.size(), 4u);
  // It cancels as the model's does, leaving the model as it was.
  const std::string before = saved_bytes(m.get());
  Recorder cancelling;
  cancelling.cancel_at = 2;
  EXPECT_EQ(tdcm_fit_progress(m.get(), data.target.data(), data.n, data.d, nullptr,
                              &Recorder::callback, &cancelling),
            TDCM_ERR_CANCELLED);
  EXPECT_EQ(cancelling.calls.size(), 2u);
  EXPECT_EQ(saved_bytes(m.get()), before);
  EXPECT_EQ(
      tdcm_fit_progress(nullptr, data.source.data(), data.n, data.d, nullptr, nullptr, nullptr),
      TDCM_ERR_NULL_ARGUMENT);
}

TEST(CapiFit, CancelLeavesTheModelUnfittedOrAsItWas) {
  const P1 data = make_p1(0);
  ModelPtr m = create(kParams);
  ASSERT_TRUE(m);
  Recorder rec;
  rec.cancel_at = 2;
  ASSERT_EQ(tdcm_set_progress_callback(m.get(), &Recorder::callback, &rec), TDCM_OK);
  EXPECT_EQ(tdcm_fit(m.get(), data.source.data(), data.n, data.d, nullptr), TDCM_ERR_CANCELLED);
  EXPECT_TRUE(contains(tdcm_last_error(), "cancel")) << tdcm_last_error();
  EXPECT_EQ(rec.calls.size(), 2u) << "training went on after the callback cancelled";
  EXPECT_EQ(is_fitted(m.get()), 0);
  std::vector<int32_t> labels(static_cast<size_t>(data.n));
  EXPECT_EQ(tdcm_assign(m.get(), data.target.data(), data.n, data.d, labels.data(), nullptr),
            TDCM_ERR_NOT_FITTED);

  // Fit for real, then a cancelled refit on other data keeps the first fit.
  rec.cancel_at = 0;
  ASSERT_EQ(tdcm_fit(m.get(), data.source.data(), data.n, data.d, nullptr), TDCM_OK);
  ASSERT_EQ(tdcm_adapt(m.get(), data.target.data(), data.n, data.d), TDCM_OK);
  const Output before = assign(m.get(), data.target.data(), data.n, data.d);
  const Output predicted = predict(m.get(), data.target.data(), data.n, data.d);
  const P1 other = make_p1(9);
  rec.cancel_at = 4;  // the last epoch: all the work done, then cancelled
  EXPECT_EQ(tdcm_fit(m.get(), other.source.data(), other.n, other.d, nullptr), TDCM_ERR_CANCELLED);
  EXPECT_EQ(is_fitted(m.get()), 1);
  EXPECT_EQ(is_adapted(m.get()), 1);
  EXPECT_TRUE(assign(m.get(), data.target.data(), data.n, data.d).same(before));
  EXPECT_TRUE(predict(m.get(), data.target.data(), data.n, data.d).same(predicted));

  // The same for k-means, cancelled after its first restart.
  ModelPtr km = create("algo=kmeans k=3 n_init=3 seed=0 device=cpu threads=1");
  ASSERT_TRUE(km);
  Recorder krec;
  krec.cancel_at = 1;
  ASSERT_EQ(tdcm_set_progress_callback(km.get(), &Recorder::callback, &krec), TDCM_OK);
  EXPECT_EQ(tdcm_fit(km.get(), data.source.data(), data.n, data.d, nullptr), TDCM_ERR_CANCELLED);
  EXPECT_EQ(krec.calls.size(), 1u);
  EXPECT_EQ(is_fitted(km.get()), 0);
}

TEST(CapiFit, CollectionOfSourceSets) {
  const P1 first = make_p1(1);
  const P1 second = make_p1(2);
  std::vector<float> x = first.source;
  x.insert(x.end(), second.source.begin(), second.source.end());
  std::vector<int64_t> ids(static_cast<size_t>(first.n), 7);
  ids.insert(ids.end(), static_cast<size_t>(second.n), -3);
  const int64_t n = first.n + second.n;

  ModelPtr m = create(kParams);
  ASSERT_TRUE(m);
  Recorder rec;
  ASSERT_EQ(tdcm_set_progress_callback(m.get(), &Recorder::callback, &rec), TDCM_OK);
  ASSERT_EQ(tdcm_fit(m.get(), x.data(), n, 2, ids.data()), TDCM_OK) << tdcm_last_error();
  EXPECT_EQ(rec.calls.size(), 4u);
  const P1 unseen = make_p1(3);
  const Output o = assign(m.get(), unseen.target.data(), unseen.n, unseen.d);
  expect_valid_output(o, unseen.n, 3);

  // Deterministic too.
  ModelPtr again = create(kParams);
  ASSERT_TRUE(again);
  ASSERT_EQ(tdcm_fit(again.get(), x.data(), n, 2, ids.data()), TDCM_OK);
  EXPECT_TRUE(assign(again.get(), unseen.target.data(), unseen.n, unseen.d).same(o));
  // Every row in one set is the same as no ids.
  std::vector<int64_t> one_set(static_cast<size_t>(n), 0);
  ModelPtr single = create(kParams);
  ASSERT_TRUE(single);
  ASSERT_EQ(tdcm_fit(single.get(), x.data(), n, 2, one_set.data()), TDCM_OK);
  ModelPtr no_ids = create(kParams);
  ASSERT_TRUE(no_ids);
  ASSERT_EQ(tdcm_fit(no_ids.get(), x.data(), n, 2, nullptr), TDCM_OK);
  EXPECT_TRUE(assign(single.get(), unseen.target.data(), unseen.n, unseen.d)
                  .same(assign(no_ids.get(), unseen.target.data(), unseen.n, unseen.d)));
}

// Fit on a P1 source, assign the drifted target.
TEST(CapiFit, EndToEndTransferOnP1) {
  const P1 data = make_p1(0, 200);
  ASSERT_EQ(data.n, 600);
  const char *params = "k=3 epochs=10 hidden=32 seed=0 device=cpu threads=1";
  ModelPtr a = fitted(params, data);
  ModelPtr b = fitted(params, data);
  ASSERT_TRUE(a && b);
  const Output oa = assign(a.get(), data.target.data(), data.n, data.d);
  expect_valid_output(oa, data.n, 3);
  EXPECT_TRUE(oa.same(assign(b.get(), data.target.data(), data.n, data.d)));

  const tdcm_metrics_result r = metrics(data.target_y, oa.labels);
  EXPECT_GE(r.nmi, 0.0);
  EXPECT_LE(r.nmi, 1.0 + 1e-12);
  EXPECT_GE(r.ari, -1.0);
  EXPECT_LE(r.ari, 1.0 + 1e-12);
  // Balanced classes: the best one-to-one map gets at least a third right.
  EXPECT_GE(r.acc, 1.0 / 3.0 - 1e-12);
  EXPECT_LE(r.acc, 1.0 + 1e-12);
  RecordProperty("tdcm_target_nmi", std::to_string(r.nmi));
  RecordProperty("tdcm_target_ari", std::to_string(r.ari));
  RecordProperty("tdcm_target_acc", std::to_string(r.acc));

  // The k-means baseline transfers well on this drift.
  ModelPtr km = fitted("algo=kmeans k=3 seed=0 device=cpu threads=1", data);
  ASSERT_TRUE(km);
  const Output ok = assign(km.get(), data.target.data(), data.n, data.d);
  expect_valid_output(ok, data.n, 3);
  const tdcm_metrics_result rk = metrics(data.target_y, ok.labels);
  EXPECT_GT(rk.nmi, 0.5);
  RecordProperty("kmeans_target_nmi", std::to_string(rk.nmi));
}

TEST(CapiMetrics, PerfectPermutedLabellingScoresOne) {
  const std::vector<int32_t> truth = {0, 0, 1, 1, 2, 2, 2};
  const std::vector<int32_t> pred = {5, 5, 0, 0, 3, 3, 3};
  const tdcm_metrics_result r = metrics(truth, pred);
  EXPECT_NEAR(r.nmi, 1.0, 1e-12);
  EXPECT_NEAR(r.ari, 1.0, 1e-12);
  EXPECT_NEAR(r.acc, 1.0, 1e-12);
  // One row moved: all three drop below 1.
  std::vector<int32_t> off = pred;
  off[0] = 0;
  const tdcm_metrics_result s = metrics(truth, off);
  EXPECT_LT(s.nmi, 1.0);
  EXPECT_LT(s.ari, 1.0);
  EXPECT_NEAR(s.acc, 6.0 / 7.0, 1e-12);
}

TEST(CapiMetrics, AccKeptUsesTheSourceMap) {
  // Source: cluster 1 -> label 0, 2 -> 1, 0 -> 2.
  const std::vector<int32_t> source_truth = {0, 0, 1, 1, 2, 2};
  const std::vector<int32_t> source_pred = {1, 1, 2, 2, 0, 0};
  const std::vector<int32_t> target_truth = {0, 1, 2, 0};
  const std::vector<int32_t> consistent = {1, 2, 0, 1};
  const std::vector<int32_t> swapped = {2, 1, 0, 2};  // clusters 1 and 2 traded places
  double acc = -1;
  ASSERT_EQ(tdcm_metrics_acc_kept(source_truth.data(), source_pred.data(), 6, target_truth.data(),
                                  consistent.data(), 4, &acc),
            TDCM_OK);
  EXPECT_NEAR(acc, 1.0, 1e-12);
  ASSERT_EQ(tdcm_metrics_acc_kept(source_truth.data(), source_pred.data(), 6, target_truth.data(),
                                  swapped.data(), 4, &acc),
            TDCM_OK);
  EXPECT_NEAR(acc, 0.25, 1e-12);
  // The target's own best map still finds the swapped labelling perfect.
  EXPECT_NEAR(metrics(target_truth, swapped).acc, 1.0, 1e-12);
}

TEST(CapiSynth, GeneratorIsDeterministicAndLabelled) {
  const P1 a = make_p1(11, 20);
  const P1 b = make_p1(11, 20);
  const P1 c = make_p1(12, 20);
  EXPECT_EQ(a.source, b.source);
  EXPECT_EQ(a.target, b.target);
  EXPECT_EQ(a.target_y, b.target_y);
  EXPECT_NE(a.source, c.source);
  EXPECT_NE(a.source, a.target);
  std::vector<int> counts(3, 0);
  for (int32_t y : a.source_y) {
    ASSERT_GE(y, 0);
    ASSERT_LT(y, 3);
    ++counts[static_cast<size_t>(y)];
  }
  EXPECT_EQ(counts, (std::vector<int>{20, 20, 20}));
}

}  // namespace
