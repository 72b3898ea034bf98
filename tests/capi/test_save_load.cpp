// Save/load round trips through the C API: identical labels and bitwise
// identical probabilities, reports and centroids, adapted state kept, getters
// restored.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "capi_test_util.h"
#include "tdcm/tdcm.h"

namespace {

using namespace tdcm_capi_test;

struct Case {
  const char *name;
  const char *params;
  const char *algorithm;
  int64_t embed_dim;  // expected after fit on 2 columns
};

// gtest prints a parameter with this, e.g. in ctest's listing.
void PrintTo(const Case &c, std::ostream *os) { *os << c.name; }

const std::vector<Case> &cases() {
  static const std::vector<Case> all = {
      {"tdcm", "k=3 embed_dim=8 epochs=3 hidden=32 seed=0 device=cpu threads=1", "tdcm", 8},
      {"tdcm_standardized",
       "k=3 embed_dim=8 epochs=3 hidden=32 seed=0 device=cpu threads=1 standardize=true", "tdcm",
       8},
      {"tdcm_unshared",
       "k=3 embed_dim=4 blocks=2 share_blocks=false symmetric=false activation=relu epochs=2 "
       "hidden=16 seed=3 device=cpu threads=1",
       "tdcm", 4},
      {"kmeans", "algo=kmeans k=3 n_init=2 seed=0 device=cpu threads=1", "kmeans", 2},
      {"kmeans_standardized",
       "algo=kmeans k=3 n_init=2 seed=0 device=cpu threads=1 standardize=true", "kmeans", 2},
      // The library's defaults (encoder=auto: the identity on 2 columns,
      // metric=gaussian: the source's mixture and the adapted one in the file).
      {"tdcm_default", "k=3 seed=0 device=cpu threads=1", "tdcm", 2},
      {"tdcm_default_standardized", "k=3 seed=0 device=cpu threads=1 standardize=true", "tdcm", 2},
      {"gmm", "algo=gmm k=3 n_init=2 seed=0 device=cpu threads=1", "gmm", 2},
  };
  return all;
}

class CapiSaveLoad : public ::testing::TestWithParam<Case> {};

std::set<std::string> entries(const std::string &dir) {
  std::set<std::string> names;
  for (const auto &e : std::filesystem::directory_iterator(dir)) {
    names.insert(e.path().filename().string());
  }
  return names;
}

void expect_getters(tdcm_model *m, const Case &c, int fitted, int adapted) {
  int64_t v = -1;
  ASSERT_EQ(tdcm_get_k(m, &v), TDCM_OK);
  EXPECT_EQ(v, 3);
  ASSERT_EQ(tdcm_get_input_dim(m, &v), TDCM_OK);
  EXPECT_EQ(v, 2);
  ASSERT_EQ(tdcm_get_embed_dim(m, &v), TDCM_OK);
  EXPECT_EQ(v, c.embed_dim);
  const char *name = nullptr;
  ASSERT_EQ(tdcm_get_algorithm(m, &name), TDCM_OK);
  EXPECT_STREQ(name, c.algorithm);
  ASSERT_EQ(tdcm_get_device(m, &name), TDCM_OK);
  EXPECT_STREQ(name, "cpu");
  EXPECT_EQ(is_fitted(m), fitted);
  EXPECT_EQ(is_adapted(m), adapted);
}

// The centroids `which` of both models, bit for bit.
void expect_same_centroids(tdcm_model *a, tdcm_model *b, int32_t which) {
  const int64_t dim = centroid_dim(a);
  EXPECT_EQ(centroid_dim(b), dim);
  const Centroids ca = get_centroids(a, which, 3, dim);
  ASSERT_EQ(ca.status, TDCM_OK) << tdcm_last_error();
  const Centroids cb = get_centroids(b, which, 3, dim);
  ASSERT_EQ(cb.status, TDCM_OK) << tdcm_last_error();
  EXPECT_EQ(std::memcmp(ca.values.data(), cb.values.data(), ca.values.size() * sizeof(float)), 0)
      << "centroids changed by save/load";
}

TEST_P(CapiSaveLoad, RoundTripGivesIdenticalOutputs) {
  const Case &c = GetParam();
  const P1 data = make_p1(2);
  ModelPtr m = fitted(c.params, data);
  ASSERT_TRUE(m);
  expect_getters(m.get(), c, 1, 0);
  const Output before = assign(m.get(), data.target.data(), data.n, data.d);
  ASSERT_EQ(before.status, TDCM_OK) << tdcm_last_error();

  TempDir dir;
  const std::string path = dir.file("model.tdcm");
  ASSERT_EQ(tdcm_save(m.get(), path.c_str()), TDCM_OK) << tdcm_last_error();
  EXPECT_EQ(entries(dir.path()), (std::set<std::string>{"model.tdcm"}));

  tdcm_model *raw = nullptr;
  ASSERT_EQ(tdcm_load(&raw, path.c_str()), TDCM_OK) << tdcm_last_error();
  ModelPtr loaded(raw);
  expect_getters(loaded.get(), c, 1, 0);
  EXPECT_EQ(get_params(loaded.get()), get_params(m.get()));
  const Output after = assign(loaded.get(), data.target.data(), data.n, data.d);
  EXPECT_TRUE(after.same(before)) << "labels or probabilities changed by save/load";
  // The source too (for standardize=true the stored mean/std are used).
  EXPECT_TRUE(assign(loaded.get(), data.source.data(), data.n, data.d)
                  .same(assign(m.get(), data.source.data(), data.n, data.d)));
  // The report (the source's clusters and row counts come from the file) and the centroids.
  const Reported r = assign_report(m.get(), data.target.data(), data.n, data.d);
  ASSERT_EQ(r.out.status, TDCM_OK) << tdcm_last_error();
  const Reported rl = assign_report(loaded.get(), data.target.data(), data.n, data.d);
  ASSERT_EQ(rl.out.status, TDCM_OK) << tdcm_last_error();
  EXPECT_TRUE(rl.out.same(r.out));
  EXPECT_TRUE(same(rl.report, r.report)) << "report changed by save/load";
  expect_same_centroids(m.get(), loaded.get(), TDCM_CENTROIDS_SOURCE);
}

TEST_P(CapiSaveLoad, AdaptedStateIsSaved) {
  const Case &c = GetParam();
  const P1 data = make_p1(3);
  ModelPtr m = fitted(c.params, data);
  ASSERT_TRUE(m);
  ASSERT_EQ(tdcm_adapt(m.get(), data.target.data(), data.n, data.d), TDCM_OK) << tdcm_last_error();
  expect_getters(m.get(), c, 1, 1);
  const Output predicted = predict(m.get(), data.target.data(), data.n, data.d);
  ASSERT_EQ(predicted.status, TDCM_OK) << tdcm_last_error();
  const Output assigned = assign(m.get(), data.target.data(), data.n, data.d);

  TempDir dir;
  const std::string path = dir.file("adapted.tdcm");
  ASSERT_EQ(tdcm_save(m.get(), path.c_str()), TDCM_OK) << tdcm_last_error();
  tdcm_model *raw = nullptr;
  ASSERT_EQ(tdcm_load(&raw, path.c_str()), TDCM_OK) << tdcm_last_error();
  ModelPtr loaded(raw);
  expect_getters(loaded.get(), c, 1, 1);
  EXPECT_TRUE(predict(loaded.get(), data.target.data(), data.n, data.d).same(predicted));
  EXPECT_TRUE(assign(loaded.get(), data.target.data(), data.n, data.d).same(assigned));
  // The adapted set's report and both kinds of centroids.
  tdcm_status status = TDCM_ERR_INTERNAL;
  const Report report = get_report(m.get(), &status);
  ASSERT_EQ(status, TDCM_OK) << tdcm_last_error();
  EXPECT_TRUE(same(get_report(loaded.get(), &status), report)) << "report changed by save/load";
  EXPECT_EQ(status, TDCM_OK);
  expect_same_centroids(m.get(), loaded.get(), TDCM_CENTROIDS_SOURCE);
  expect_same_centroids(m.get(), loaded.get(), TDCM_CENTROIDS_ADAPTED);

  // Saving over the file again (atomic replace) leaves one file that still loads.
  ASSERT_EQ(tdcm_save(loaded.get(), path.c_str()), TDCM_OK) << tdcm_last_error();
  EXPECT_EQ(entries(dir.path()), (std::set<std::string>{"adapted.tdcm"}));
  ASSERT_EQ(tdcm_load(&raw, path.c_str()), TDCM_OK) << tdcm_last_error();
  ModelPtr again(raw);
  EXPECT_TRUE(predict(again.get(), data.target.data(), data.n, data.d).same(predicted));
  EXPECT_TRUE(same(get_report(again.get(), &status), report));
}

void runtime_overrides_keep_the_model(const Case &c) {
  const P1 data = make_p1(4);
  // tol=0: the iterations run to their fixed point, so only rounding separates the
  // two runs below (with a tolerance, rounding can also move the step they stop at).
  const std::string params = std::string(c.params) + " tol=0";
  ModelPtr m = fitted(params.c_str(), data);
  ASSERT_TRUE(m);
  const Output before = assign(m.get(), data.target.data(), data.n, data.d);
  TempDir dir;
  const std::string path = dir.file("m.tdcm");
  ASSERT_EQ(tdcm_save(m.get(), path.c_str()), TDCM_OK) << tdcm_last_error();
  tdcm_model *raw = nullptr;
  ASSERT_EQ(tdcm_load_with(&raw, path.c_str(), "chunk_rows=7 threads=1 device=cpu"), TDCM_OK)
      << tdcm_last_error();
  ModelPtr loaded(raw);
  expect_getters(loaded.get(), c, 1, 0);
  // Chunked inference is the same computation up to float rounding.
  const Output after = assign(loaded.get(), data.target.data(), data.n, data.d);
  ASSERT_EQ(after.status, TDCM_OK);
  for (size_t i = 0; i < after.probs.size(); ++i) {
    ASSERT_NEAR(after.probs[i], before.probs[i], 1e-5) << i;
  }
  // Labels agree wherever the assignment is decided by more than rounding (a
  // near-uniform row may flip between nearly equal clusters).
  for (int64_t i = 0; i < data.n; ++i) {
    if (top_two_margin(before, i, 3) > 1e-5) {
      EXPECT_EQ(after.labels[static_cast<size_t>(i)], before.labels[static_cast<size_t>(i)])
          << "row " << i;
    }
  }
}

void failed_save_leaves_nothing_behind(const Case &c) {
  const P1 data = make_p1(5);
  ModelPtr m = fitted(c.params, data);
  ASSERT_TRUE(m);
  TempDir dir;
  const std::string missing = dir.file("no/such/dir/m.tdcm");
  EXPECT_EQ(tdcm_save(m.get(), missing.c_str()), TDCM_ERR_IO);
  EXPECT_TRUE(contains(tdcm_last_error(), missing)) << tdcm_last_error();
  EXPECT_TRUE(entries(dir.path()).empty());
  EXPECT_EQ(is_fitted(m.get()), 1);
}

TEST(CapiSaveLoadAll, RuntimeOverridesKeepTheModel) {
  for (const Case &c : cases()) {
    SCOPED_TRACE(c.name);
    runtime_overrides_keep_the_model(c);
  }
}

TEST(CapiSaveLoadAll, FailedSaveLeavesNothingBehind) {
  for (const Case &c : cases()) {
    SCOPED_TRACE(c.name);
    failed_save_leaves_nothing_behind(c);
  }
}

INSTANTIATE_TEST_SUITE_P(CapiModels, CapiSaveLoad, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case> &info) {
                           return std::string(info.param.name);
                         });

}  // namespace
