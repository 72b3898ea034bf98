// Probabilities that mean something (issue 11, point 5) through the C API:
// tdcm_metrics_calibration on values computed by hand, the default TDCM's
// expected calibration error on P1 targets, and tdcm_metrics_match_clusters.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <numeric>
#include <string>
#include <vector>

#include "capi_test_util.h"
#include "tdcm/tdcm.h"

namespace {

using namespace tdcm_capi_test;

struct Calibration {
  double ece = -1, log_loss = -1;
};

// The default model's target probabilities, scored under the map its own
// source labels give.
Calibration default_model_calibration(int64_t k, uint64_t seed) {
  const P1 p = make_p1(seed, 500, k);
  const std::string params = "k=" + std::to_string(k) + " seed=0 device=cpu threads=1";
  ModelPtr m = fitted(params.c_str(), p);
  Calibration c;
  if (!m) return c;
  const Output source = assign(m.get(), p.source.data(), p.n, p.d);
  const Output target = assign(m.get(), p.target.data(), p.n, p.d);
  EXPECT_EQ(target.status, TDCM_OK) << tdcm_last_error();
  for (int64_t i = 0; i < p.n; ++i) {
    double sum = 0;
    for (int64_t j = 0; j < k; ++j) sum += target.probs[static_cast<size_t>(i * k + j)];
    EXPECT_NEAR(sum, 1.0, 1e-5) << "row " << i;
  }
  EXPECT_EQ(
      tdcm_metrics_calibration(p.source_y.data(), source.labels.data(), p.n, p.target_y.data(),
                               target.probs.data(), p.n, k, &c.ece, &c.log_loss),
      TDCM_OK)
      << tdcm_last_error();
  return c;
}

}  // namespace

TEST(CapiCalibration, HandComputedValues) {
  // As in the support tests: cluster 1 -> label 0, 0 -> 1, 2 -> 2 on the source;
  // ECE (0.15 + 0.29 + 0.07) / 4, log-loss the mean -log of 0.85, 0.30, 0.93, 0.67.
  const std::vector<int32_t> st{0, 0, 1, 1, 2, 2}, sp{1, 1, 0, 0, 2, 2}, tt{0, 1, 2, 2};
  const std::vector<float> probs{0.10f, 0.85f, 0.05f, 0.30f, 0.62f, 0.08f,
                                 0.04f, 0.03f, 0.93f, 0.20f, 0.13f, 0.67f};
  double ece = -1, loss = -1;
  ASSERT_EQ(
      tdcm_metrics_calibration(st.data(), sp.data(), 6, tt.data(), probs.data(), 4, 3, &ece, &loss),
      TDCM_OK)
      << tdcm_last_error();
  EXPECT_NEAR(ece, 0.1275, 1e-6);
  EXPECT_NEAR(loss, -(std::log(0.85) + std::log(0.30) + std::log(0.93) + std::log(0.67)) / 4.0,
              1e-6);

  const int32_t *s = st.data();
  const float *p = probs.data();
  EXPECT_EQ(tdcm_metrics_calibration(nullptr, sp.data(), 6, tt.data(), p, 4, 3, &ece, &loss),
            TDCM_ERR_NULL_ARGUMENT);
  EXPECT_EQ(tdcm_metrics_calibration(s, nullptr, 6, tt.data(), p, 4, 3, &ece, &loss),
            TDCM_ERR_NULL_ARGUMENT);
  EXPECT_EQ(tdcm_metrics_calibration(s, sp.data(), 6, nullptr, p, 4, 3, &ece, &loss),
            TDCM_ERR_NULL_ARGUMENT);
  EXPECT_EQ(tdcm_metrics_calibration(s, sp.data(), 6, tt.data(), nullptr, 4, 3, &ece, &loss),
            TDCM_ERR_NULL_ARGUMENT);
  EXPECT_EQ(tdcm_metrics_calibration(s, sp.data(), 6, tt.data(), p, 4, 3, nullptr, &loss),
            TDCM_ERR_NULL_ARGUMENT);
  EXPECT_EQ(tdcm_metrics_calibration(s, sp.data(), 6, tt.data(), p, 4, 3, &ece, nullptr),
            TDCM_ERR_NULL_ARGUMENT);
  EXPECT_EQ(tdcm_metrics_calibration(s, sp.data(), 0, tt.data(), p, 4, 3, &ece, &loss),
            TDCM_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(tdcm_metrics_calibration(s, sp.data(), 6, tt.data(), p, 0, 3, &ece, &loss),
            TDCM_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(tdcm_metrics_calibration(s, sp.data(), 6, tt.data(), p, 4, 0, &ece, &loss),
            TDCM_ERR_INVALID_ARGUMENT);
  std::vector<float> bad(probs);
  bad[4] = 1.5f;
  EXPECT_EQ(tdcm_metrics_calibration(s, sp.data(), 6, tt.data(), bad.data(), 4, 3, &ece, &loss),
            TDCM_ERR_INVALID_ARGUMENT);
}

// The bound, ECE <= 0.03 of the top probability, on two P1 targets
// where the clusters overlap (ACC below 1, so that the probabilities are not
// all one-hot and the bound says something). Measured: K = 2, seed 7: ECE
// 0.0050 (ACC 0.914); K = 3, seed 5: ECE 0.0040 (ACC 0.985).
TEST(CapiCalibration, DefaultModelIsCalibratedOnOverlappingP1Targets) {
  const Calibration two = default_model_calibration(2, 7);
  const Calibration three = default_model_calibration(3, 5);
  RecordProperty("ece_k2_seed7", std::to_string(two.ece));
  RecordProperty("ece_k3_seed5", std::to_string(three.ece));
  EXPECT_GE(two.ece, 0.0);
  EXPECT_LE(two.ece, 0.03);
  EXPECT_GE(three.ece, 0.0);
  EXPECT_LE(three.ece, 0.03);
  EXPECT_TRUE(std::isfinite(two.log_loss) && std::isfinite(three.log_loss));
  // Log-losses measured 0.188 and 0.049: a bad map or inverted probabilities
  // would cost far more (-log 1e-15 = 34.5 per wrong one-hot row).
  EXPECT_LT(two.log_loss, 0.3);
  EXPECT_LT(three.log_loss, 0.1);
}

// The bound as the issue states it for the benchmark: the mean over P1's
// seeds 0..9 (D = 2, 500 rows per cluster). Measured means 0.0009 (K = 2) and
// 0.0071 (K = 3). Single seeds go past it: 0.0304 and 0.0310 at K = 3, seeds
// 1 and 4 (ACC-kept 0.978 and 1.000). There a cluster's name confidence is
// 0.90 or 0.84 while its name is right, and identity_probs folds that doubt
// into every row, which makes the top probabilities underconfident
// (identity_probs=false: 0.0053 and 0.0006). So the bound holds on the mean,
// not on every seed.
TEST(CapiCalibration, MeanEceOverP1SeedsIsWithinTheBound) {
  for (const int64_t k : {2, 3}) {
    double total = 0;
    for (uint64_t seed = 0; seed < 10; ++seed) total += default_model_calibration(k, seed).ece;
    RecordProperty("mean_ece_k" + std::to_string(k), std::to_string(total / 10));
    EXPECT_LE(total / 10, 0.03) << "K=" << k;
  }
}

// tdcm_metrics_match_clusters on the true partitions of a P1 pair, the
// target's classes renumbered: it undoes the renumbering.
TEST(CapiCalibration, MatchClustersRecoversAPermutation) {
  const int64_t k = 5;
  const P1 p = make_p1(2, 300, k);
  const std::vector<int32_t> perm{3, 0, 4, 1, 2};  // class c is target cluster perm[c]
  std::vector<int32_t> renamed(p.target_y.size());
  for (size_t i = 0; i < renamed.size(); ++i) {
    renamed[i] = perm[static_cast<size_t>(p.target_y[i])];
  }
  std::vector<int32_t> to_source(static_cast<size_t>(k), -1);
  ASSERT_EQ(tdcm_metrics_match_clusters(p.source.data(), p.source_y.data(), p.n, p.target.data(),
                                        renamed.data(), p.n, p.d, k, 2.0, to_source.data()),
            TDCM_OK)
      << tdcm_last_error();
  for (int32_t c = 0; c < k; ++c) {
    EXPECT_EQ(to_source[static_cast<size_t>(perm[static_cast<size_t>(c)])], c) << "class " << c;
  }
  // The identity numbering comes back as the identity.
  ASSERT_EQ(tdcm_metrics_match_clusters(p.source.data(), p.source_y.data(), p.n, p.target.data(),
                                        p.target_y.data(), p.n, p.d, k, 2.0, to_source.data()),
            TDCM_OK);
  std::vector<int32_t> identity(static_cast<size_t>(k));
  std::iota(identity.begin(), identity.end(), 0);
  EXPECT_EQ(to_source, identity);

  const float *x = p.source.data();
  const int32_t *y = p.source_y.data();
  int32_t *out = to_source.data();
  EXPECT_EQ(tdcm_metrics_match_clusters(x, y, p.n, x, y, p.n, 2, k, 0.0, out),
            TDCM_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(tdcm_metrics_match_clusters(x, y, p.n, x, y, p.n, 2, 0, 2.0, out),
            TDCM_ERR_INVALID_ARGUMENT);
  std::vector<int32_t> outside(p.source_y);
  outside[0] = static_cast<int32_t>(k);
  EXPECT_EQ(tdcm_metrics_match_clusters(x, outside.data(), p.n, x, y, p.n, 2, k, 2.0, out),
            TDCM_ERR_INVALID_ARGUMENT);
  std::vector<float> nan(p.source);
  nan[1] = std::nanf("");
  EXPECT_EQ(tdcm_metrics_match_clusters(nan.data(), y, p.n, x, y, p.n, 2, k, 2.0, out),
            TDCM_ERR_NON_FINITE);
  EXPECT_EQ(tdcm_metrics_match_clusters(x, y, p.n, x, y, p.n, 2, k, 2.0, nullptr),
            TDCM_ERR_NULL_ARGUMENT);
  EXPECT_EQ(tdcm_metrics_match_clusters(nullptr, y, p.n, x, y, p.n, 2, k, 2.0, out),
            TDCM_ERR_NULL_ARGUMENT);
}
