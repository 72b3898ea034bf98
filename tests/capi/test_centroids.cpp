// Centroids in and out through the C API: their width and space, the source's
// and the adapted ones against the classes' own means, a start from the
// user's own centroids, and every refusal leaving the model as it was.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "capi_test_util.h"
#include "tdcm/tdcm.h"

namespace {

using namespace tdcm_capi_test;

constexpr const char *kDefault = "k=3 seed=0 device=cpu threads=1";

// P1 data of k clusters in d dimensions.
struct Data {
  int64_t n = 0, d = 0, k = 0;
  std::vector<float> source, target;
  std::vector<int32_t> source_y, target_y;
};

Data make_data(int64_t k, int64_t d, int64_t per_cluster, uint64_t seed) {
  Data p;
  p.k = k;
  p.d = d;
  p.n = k * per_cluster;
  p.source.resize(static_cast<size_t>(p.n * d));
  p.target.resize(static_cast<size_t>(p.n * d));
  p.source_y.resize(static_cast<size_t>(p.n));
  p.target_y.resize(static_cast<size_t>(p.n));
  EXPECT_EQ(tdcm_synth_drift(k, d, per_cluster, seed, 4.0, 0.5, p.source.data(), p.source_y.data(),
                             p.target.data(), p.target_y.data()),
            TDCM_OK);
  return p;
}

ModelPtr fitted_on(const char *params, const std::vector<float> &x, int64_t n, int64_t d) {
  ModelPtr m = create(params);
  if (m) {
    EXPECT_EQ(tdcm_fit(m.get(), x.data(), n, d, nullptr), TDCM_OK) << tdcm_last_error();
  }
  return m;
}

// Per-class means, k x d row-major.
std::vector<double> class_means(const std::vector<float> &x, const std::vector<int32_t> &y,
                                int64_t k, int64_t d) {
  std::vector<double> mu(static_cast<size_t>(k * d), 0.0), count(static_cast<size_t>(k), 0.0);
  for (size_t i = 0; i < y.size(); ++i) {
    const size_t c = static_cast<size_t>(y[i]);
    count[c] += 1;
    for (int64_t j = 0; j < d; ++j) mu[c * d + j] += x[i * d + j];
  }
  for (int64_t c = 0; c < k; ++c) {
    for (int64_t j = 0; j < d; ++j) mu[c * d + j] /= count[static_cast<size_t>(c)];
  }
  return mu;
}

// Largest per-coordinate distance of each centroid j to the mean of the class
// it stands for, label_of[j].
double worst_offset(const std::vector<float> &c, const std::vector<double> &mu, int64_t k,
                    int64_t d, const std::vector<int32_t> &label_of) {
  double worst = 0;
  for (int64_t j = 0; j < k; ++j) {
    const int64_t l = label_of[static_cast<size_t>(j)];
    for (int64_t i = 0; i < d; ++i)
      worst = std::max(worst, std::fabs(c[j * d + i] - mu[l * d + i]));
  }
  return worst;
}

// The class each cluster stands for: the majority class of its rows.
std::vector<int32_t> majority(const std::vector<int32_t> &labels, const std::vector<int32_t> &y,
                              int64_t k) {
  std::vector<std::vector<int64_t>> counts(static_cast<size_t>(k),
                                           std::vector<int64_t>(static_cast<size_t>(k), 0));
  for (size_t i = 0; i < y.size(); ++i) {
    ++counts[static_cast<size_t>(labels[i])][static_cast<size_t>(y[i])];
  }
  std::vector<int32_t> out;
  for (const auto &row : counts) {
    out.push_back(static_cast<int32_t>(std::max_element(row.begin(), row.end()) - row.begin()));
  }
  return out;
}

}  // namespace

TEST(CapiCentroids, DimAndSpace) {
  const P1 data = make_p1(1);
  struct Case {
    const char *params;
    int64_t dim;
    int32_t space;
  };
  const Case cases[] = {
      {kDefault, 2, TDCM_SPACE_INPUT},
      {"algo=kmeans k=3 n_init=2 seed=0 device=cpu threads=1", 2, TDCM_SPACE_INPUT},
      {"algo=gmm k=3 n_init=2 seed=0 device=cpu threads=1", 2, TDCM_SPACE_INPUT},
      {"encoder=linear embed_dim=8 k=3 seed=0 device=cpu threads=1", 8, TDCM_SPACE_EMBEDDING},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(c.params);
    ModelPtr m = create(c.params);
    ASSERT_TRUE(m);
    int64_t dim = -1;
    EXPECT_EQ(tdcm_get_centroid_dim(m.get(), &dim, nullptr), TDCM_ERR_NOT_FITTED);
    ASSERT_EQ(tdcm_fit(m.get(), data.source.data(), data.n, data.d, nullptr), TDCM_OK)
        << tdcm_last_error();
    int32_t space = -1;
    EXPECT_EQ(centroid_dim(m.get(), &space), c.dim);
    EXPECT_EQ(space, c.space);
    EXPECT_EQ(centroid_dim(m.get()), c.dim);  // space may be NULL
    const Centroids got = get_centroids(m.get(), TDCM_CENTROIDS_SOURCE, 3, c.dim);
    ASSERT_EQ(got.status, TDCM_OK) << tdcm_last_error();
    for (float v : got.values) EXPECT_TRUE(std::isfinite(v));
  }
  EXPECT_EQ(tdcm_get_centroid_dim(nullptr, nullptr, nullptr), TDCM_ERR_NULL_ARGUMENT);
}

// On a well-separated P1 set (D = 8) the default model's source centroids are
// the classes' means, and its adapted ones the target classes' means in the
// source's numbering.
TEST(CapiCentroids, SourceAndAdaptedCentroidsAreTheClassMeans) {
  const Data p = make_data(3, 8, 200, 3);
  ModelPtr m = fitted_on(kDefault, p.source, p.n, p.d);
  ASSERT_TRUE(m);
  ASSERT_EQ(centroid_dim(m.get()), 8);
  const Centroids source = get_centroids(m.get(), TDCM_CENTROIDS_SOURCE, 3, 8);
  ASSERT_EQ(source.status, TDCM_OK) << tdcm_last_error();
  // Cluster j stands for the majority class of its rows on the source (a
  // permutation: checked).
  const Output on_source = assign(m.get(), p.source.data(), p.n, p.d);
  const std::vector<int32_t> label_of = majority(on_source.labels, p.source_y, 3);
  ASSERT_EQ(std::set<int32_t>(label_of.begin(), label_of.end()).size(), 3u);
  // The classes do not overlap in 8 dimensions: the mixture's means are the
  // classes' sample means, up to float rounding and the responsibilities of
  // the far tails (measured worst offset 9e-7; a class mean itself is known
  // to about 0.07 per axis, so an offset of 1e-3 means the fit used its rows).
  EXPECT_LT(worst_offset(source.values, class_means(p.source, p.source_y, 3, 8), 3, 8, label_of),
            1e-3);

  EXPECT_EQ(get_centroids(m.get(), TDCM_CENTROIDS_ADAPTED, 3, 8).status, TDCM_ERR_NOT_ADAPTED);
  ASSERT_EQ(tdcm_adapt(m.get(), p.target.data(), p.n, p.d), TDCM_OK) << tdcm_last_error();
  const Centroids adapted = get_centroids(m.get(), TDCM_CENTROIDS_ADAPTED, 3, 8);
  ASSERT_EQ(adapted.status, TDCM_OK) << tdcm_last_error();
  // Adapted centroid j stands for the class that source cluster j stood for.
  EXPECT_LT(worst_offset(adapted.values, class_means(p.target, p.target_y, 3, 8), 3, 8, label_of),
            1e-3);  // measured 7e-7
  // The source centroids are still there.
  EXPECT_EQ(get_centroids(m.get(), TDCM_CENTROIDS_SOURCE, 3, 8).values, source.values);
}

// standardize=true: centroids still come back in the caller's coordinates.
TEST(CapiCentroids, StandardizedModelGivesInputCoordinates) {
  Data p = make_data(3, 8, 200, 3);
  // An affine change of units: standardised coordinates would be far from these.
  for (float &v : p.source) v = 3.0f * v + 50.0f;
  ModelPtr m = fitted_on("standardize=true k=3 seed=0 device=cpu threads=1", p.source, p.n, p.d);
  ASSERT_TRUE(m);
  int32_t space = -1;
  ASSERT_EQ(centroid_dim(m.get(), &space), 8);
  EXPECT_EQ(space, TDCM_SPACE_INPUT);
  const Centroids c = get_centroids(m.get(), TDCM_CENTROIDS_SOURCE, 3, 8);
  ASSERT_EQ(c.status, TDCM_OK) << tdcm_last_error();
  const Output on_source = assign(m.get(), p.source.data(), p.n, p.d);
  const std::vector<int32_t> label_of = majority(on_source.labels, p.source_y, 3);
  ASSERT_EQ(std::set<int32_t>(label_of.begin(), label_of.end()).size(), 3u);
  // Three times the unstandardised model's bound (the units are 3x larger;
  // measured 2.2e-6). Centroids left in standardised coordinates would be
  // about 50 off.
  EXPECT_LT(worst_offset(c.values, class_means(p.source, p.source_y, 3, 8), 3, 8, label_of), 3e-3);
}

TEST(CapiCentroids, SetCentroidsStartsAnUnfittedKMeansModel) {
  const P1 data = make_p1(4);
  ModelPtr m = create("algo=kmeans k=3 seed=0 device=cpu threads=1");
  ASSERT_TRUE(m);
  const std::vector<float> given{-3.0f, 1.0f, 2.0f, 2.0f, 0.5f, -4.0f};
  ASSERT_EQ(tdcm_set_centroids(m.get(), given.data(), 3, 2), TDCM_OK) << tdcm_last_error();
  EXPECT_EQ(is_fitted(m.get()), 1);
  EXPECT_EQ(is_adapted(m.get()), 0);
  int64_t input_dim = 0;
  ASSERT_EQ(tdcm_get_input_dim(m.get(), &input_dim), TDCM_OK);
  EXPECT_EQ(input_dim, 2);
  EXPECT_EQ(get_centroids(m.get(), TDCM_CENTROIDS_SOURCE, 3, 2).values, given);
  const Output o = assign(m.get(), data.target.data(), data.n, data.d);
  ASSERT_EQ(o.status, TDCM_OK) << tdcm_last_error();
  for (int64_t i = 0; i < data.n; ++i) {
    const float *x = data.target.data() + i * 2;
    int32_t nearest = 0;
    float best = std::numeric_limits<float>::infinity();
    for (int32_t j = 0; j < 3; ++j) {
      const float dx = x[0] - given[static_cast<size_t>(2 * j)];
      const float dy = x[1] - given[static_cast<size_t>(2 * j + 1)];
      if (dx * dx + dy * dy < best) best = dx * dx + dy * dy, nearest = j;
    }
    EXPECT_EQ(o.labels[static_cast<size_t>(i)], nearest) << "row " << i;
  }
}

// An unfitted default model started from centroids near the source classes'
// means: it reads them back and names the target's clusters after them.
TEST(CapiCentroids, SetCentroidsStartsAnUnfittedDefaultModel) {
  const P1 data = make_p1(5, 200);
  const std::vector<double> mu = class_means(data.source, data.source_y, 3, 2);
  std::vector<float> given(mu.begin(), mu.end());
  ModelPtr m = create(kDefault);
  ASSERT_TRUE(m);
  ASSERT_EQ(tdcm_set_centroids(m.get(), given.data(), 3, 2), TDCM_OK) << tdcm_last_error();
  EXPECT_EQ(is_fitted(m.get()), 1);
  int32_t space = -1;
  EXPECT_EQ(centroid_dim(m.get(), &space), 2);
  EXPECT_EQ(space, TDCM_SPACE_INPUT);
  const Centroids back = get_centroids(m.get(), TDCM_CENTROIDS_SOURCE, 3, 2);
  ASSERT_EQ(back.status, TDCM_OK);
  for (size_t i = 0; i < given.size(); ++i) EXPECT_NEAR(back.values[i], given[i], 1e-6);
  // Cluster j is class j on the target (positions only: the source had no shapes).
  const Output o = assign(m.get(), data.target.data(), data.n, data.d);
  ASSERT_EQ(o.status, TDCM_OK) << tdcm_last_error();
  int64_t same = 0;
  for (int64_t i = 0; i < data.n; ++i) {
    same += o.labels[static_cast<size_t>(i)] == data.target_y[static_cast<size_t>(i)];
  }
  // Measured 0.998.
  EXPECT_GT(static_cast<double>(same) / static_cast<double>(data.n), 0.95);
}

TEST(CapiCentroids, SetCentroidsOnAFittedModelReplacesThemAndDropsTheAdaptation) {
  const P1 data = make_p1(6);
  for (const char *params : {kDefault, "algo=kmeans k=3 n_init=2 seed=0 device=cpu threads=1"}) {
    SCOPED_TRACE(params);
    ModelPtr m = fitted(params, data);
    ASSERT_TRUE(m);
    ASSERT_EQ(tdcm_adapt(m.get(), data.target.data(), data.n, data.d), TDCM_OK);
    ASSERT_EQ(is_adapted(m.get()), 1);
    Centroids c = get_centroids(m.get(), TDCM_CENTROIDS_SOURCE, 3, 2);
    ASSERT_EQ(c.status, TDCM_OK);
    for (float &v : c.values) v += 0.25f;
    ASSERT_EQ(tdcm_set_centroids(m.get(), c.values.data(), 3, 2), TDCM_OK) << tdcm_last_error();
    EXPECT_EQ(is_fitted(m.get()), 1);
    EXPECT_EQ(is_adapted(m.get()), 0);
    EXPECT_EQ(get_centroids(m.get(), TDCM_CENTROIDS_ADAPTED, 3, 2).status, TDCM_ERR_NOT_ADAPTED);
    EXPECT_EQ(predict(m.get(), data.target.data(), data.n, data.d).status, TDCM_ERR_NOT_ADAPTED);
    const Centroids back = get_centroids(m.get(), TDCM_CENTROIDS_SOURCE, 3, 2);
    for (size_t i = 0; i < c.values.size(); ++i) EXPECT_NEAR(back.values[i], c.values[i], 1e-5);
    EXPECT_EQ(assign(m.get(), data.target.data(), data.n, data.d).status, TDCM_OK);
  }
}

TEST(CapiCentroids, Refusals) {
  const P1 data = make_p1(7);
  ModelPtr m = fitted(kDefault, data);
  ASSERT_TRUE(m);
  ASSERT_EQ(tdcm_adapt(m.get(), data.target.data(), data.n, data.d), TDCM_OK);
  const Centroids before = get_centroids(m.get(), TDCM_CENTROIDS_SOURCE, 3, 2);
  const Output assigned = assign(m.get(), data.target.data(), data.n, data.d);
  std::vector<float> c = before.values;
  std::vector<float> wide(9, 1.0f);

  EXPECT_EQ(tdcm_set_centroids(m.get(), c.data(), 2, 2), TDCM_ERR_SHAPE);     // k
  EXPECT_EQ(tdcm_set_centroids(m.get(), wide.data(), 3, 3), TDCM_ERR_SHAPE);  // d
  c[3] = std::nanf("");
  EXPECT_EQ(tdcm_set_centroids(m.get(), c.data(), 3, 2), TDCM_ERR_NON_FINITE);
  c[3] = std::numeric_limits<float>::infinity();
  EXPECT_EQ(tdcm_set_centroids(m.get(), c.data(), 3, 2), TDCM_ERR_NON_FINITE);
  EXPECT_EQ(tdcm_set_centroids(m.get(), nullptr, 3, 2), TDCM_ERR_NULL_ARGUMENT);
  EXPECT_EQ(tdcm_set_centroids(nullptr, before.values.data(), 3, 2), TDCM_ERR_NULL_ARGUMENT);
  EXPECT_EQ(tdcm_set_centroids(m.get(), before.values.data(), 0, 2), TDCM_ERR_INVALID_ARGUMENT);

  EXPECT_EQ(get_centroids(m.get(), 2, 3, 2).status, TDCM_ERR_INVALID_ARGUMENT);  // which
  EXPECT_EQ(get_centroids(m.get(), -1, 3, 2).status, TDCM_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(get_centroids(m.get(), TDCM_CENTROIDS_SOURCE, 2, 2).status, TDCM_ERR_SHAPE);
  EXPECT_EQ(get_centroids(m.get(), TDCM_CENTROIDS_SOURCE, 3, 1).status, TDCM_ERR_SHAPE);
  EXPECT_EQ(get_centroids(m.get(), TDCM_CENTROIDS_ADAPTED, 3, 3).status, TDCM_ERR_SHAPE);
  EXPECT_EQ(tdcm_get_centroids(m.get(), TDCM_CENTROIDS_SOURCE, nullptr, 3, 2),
            TDCM_ERR_NULL_ARGUMENT);
  EXPECT_EQ(get_centroids(nullptr, TDCM_CENTROIDS_SOURCE, 3, 2).status, TDCM_ERR_NULL_ARGUMENT);

  // None of it changed the model.
  EXPECT_EQ(is_adapted(m.get()), 1);
  EXPECT_EQ(get_centroids(m.get(), TDCM_CENTROIDS_SOURCE, 3, 2).values, before.values);
  EXPECT_TRUE(assign(m.get(), data.target.data(), data.n, data.d).same(assigned));
}

TEST(CapiCentroids, UnfittedModelsThatCentroidsCannotStart) {
  const std::vector<float> given{-3.0f, 1.0f, 2.0f, 2.0f, 0.5f, -4.0f};
  for (const char *params : {"algo=gmm k=3 seed=0 device=cpu threads=1",
                             "encoder=linear embed_dim=8 k=3 seed=0 device=cpu threads=1",
                             "metric=shared k=3 seed=0 device=cpu threads=1",
                             "standardize=true k=3 seed=0 device=cpu threads=1"}) {
    SCOPED_TRACE(params);
    ModelPtr m = create(params);
    ASSERT_TRUE(m);
    EXPECT_EQ(tdcm_set_centroids(m.get(), given.data(), 3, 2), TDCM_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(is_fitted(m.get()), 0);
    EXPECT_EQ(get_centroids(m.get(), TDCM_CENTROIDS_SOURCE, 3, 2).status, TDCM_ERR_NOT_FITTED);
  }
  // Wrong k is a shape error before anything else, fitted or not.
  ModelPtr m = create("algo=kmeans k=3 seed=0 device=cpu threads=1");
  ASSERT_TRUE(m);
  EXPECT_EQ(tdcm_set_centroids(m.get(), given.data(), 2, 3), TDCM_ERR_SHAPE);
  EXPECT_EQ(is_fitted(m.get()), 0);
}
