// Calibration of soft assignments under the source's cluster -> label map
// (metrics::calibration, and its bins pooled over sets): expected calibration
// error and log-loss against values computed by hand, and the inputs it refuses.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "metrics/metrics.h"

namespace m = tdcm::metrics;

namespace {

// The source's map: cluster 1 -> label 0, cluster 0 -> label 1, cluster 2 -> label 2.
const std::vector<int32_t> kSourceTruth{0, 0, 1, 1, 2, 2};
const std::vector<int32_t> kSourcePred{1, 1, 0, 0, 2, 2};

m::Calibration calibrate(const std::vector<int32_t> &truth, const std::vector<float> &probs,
                         int64_t k) {
  return m::calibration(kSourceTruth.data(), kSourcePred.data(), 6, truth.data(), probs.data(),
                        static_cast<int64_t>(truth.size()), k);
}

}  // namespace

// Four rows, top probabilities away from the bin edges:
//   row 0: truth 0, top cluster 1 (label 0, right), 0.85 -> bin 8; true mass 0.85
//   row 1: truth 1, top cluster 1 (label 0, wrong), 0.62 -> bin 6; true mass 0.30 (cluster 0)
//   row 2: truth 2, top cluster 2 (right),          0.93 -> bin 9; true mass 0.93
//   row 3: truth 2, top cluster 2 (right),          0.67 -> bin 6; true mass 0.67
// ECE = (|1 - 0.85| + |1 - (0.62 + 0.67)| + |1 - 0.93|) / 4 = (0.15 + 0.29 + 0.07) / 4 = 0.1275.
TEST(Calibration, HandComputedEceAndLogLoss) {
  const std::vector<int32_t> truth{0, 1, 2, 2};
  const std::vector<float> probs{0.10f, 0.85f, 0.05f,  //
                                 0.30f, 0.62f, 0.08f,  //
                                 0.04f, 0.03f, 0.93f,  //
                                 0.20f, 0.13f, 0.67f};
  const m::Calibration c = calibrate(truth, probs, 3);
  // The probabilities are floats: 1e-6 covers their rounding.
  EXPECT_NEAR(c.ece, 0.1275, 1e-6);
  EXPECT_NEAR(c.log_loss,
              -(std::log(0.85) + std::log(0.30) + std::log(0.93) + std::log(0.67)) / 4.0, 1e-6);
}

TEST(Calibration, CalibratedAndCertainPredictions) {
  // Every row 0.75 sure and three of four right: calibrated, ECE 0.
  const std::vector<int32_t> truth{0, 0, 0, 1};
  const std::vector<float> probs{0.25f, 0.75f, 0.0f, 0.25f, 0.75f, 0.0f,
                                 0.25f, 0.75f, 0.0f, 0.25f, 0.75f, 0.0f};
  const m::Calibration c = calibrate(truth, probs, 3);
  EXPECT_NEAR(c.ece, 0.0, 1e-12);
  EXPECT_NEAR(c.log_loss, -(3 * std::log(0.75) + std::log(0.25)) / 4.0, 1e-6);
  // One-hot and right: no error, no loss.
  const std::vector<float> sure{0, 1, 0, 1, 0, 0, 0, 0, 1};
  const m::Calibration s = calibrate({0, 1, 2}, sure, 3);
  EXPECT_EQ(s.ece, 0.0);
  EXPECT_EQ(s.log_loss, 0.0);
  // One-hot and wrong: the error is 1 and the loss is -log(1e-15), the floor.
  const m::Calibration w = calibrate({1}, {0.0f, 0.0f, 1.0f}, 3);
  EXPECT_NEAR(w.ece, 1.0, 1e-12);
  EXPECT_NEAR(w.log_loss, -std::log(1e-15), 1e-9);
}

// A cluster the source never used stands for no label: a row whose top
// cluster it is counts as wrong, and its mass is no label's.
TEST(Calibration, ClusterTheSourceNeverUsed) {
  const std::vector<int32_t> truth{0, 0};
  const std::vector<float> probs{0.10f, 0.10f, 0.10f, 0.70f,   // top: cluster 3 (no label), bin 7
                                 0.00f, 0.95f, 0.00f, 0.05f};  // top: cluster 1 (label 0), bin 9
  const m::Calibration c = calibrate(truth, probs, 4);
  EXPECT_NEAR(c.ece, (0.70 + 0.05) / 2.0, 1e-6);
  EXPECT_NEAR(c.log_loss, -(std::log(0.10) + std::log(0.95)) / 2.0, 1e-6);
}

TEST(Calibration, RefusesBadInputs) {
  const std::vector<float> probs{0.2f, 0.8f, 0.0f};
  const std::vector<int32_t> truth{0};
  auto call = [&](const std::vector<int32_t> &st, const std::vector<int32_t> &sp, int64_t ns,
                  const std::vector<int32_t> &tt, const std::vector<float> &p, int64_t nt,
                  int64_t k) {
    return m::calibration(st.data(), sp.data(), ns, tt.data(), p.data(), nt, k);
  };
  EXPECT_NO_THROW(call(kSourceTruth, kSourcePred, 6, truth, probs, 1, 3));
  EXPECT_THROW(call(kSourceTruth, kSourcePred, 6, truth, probs, 0, 3), std::invalid_argument);
  EXPECT_THROW(call(kSourceTruth, kSourcePred, 6, truth, probs, 1, 0), std::invalid_argument);
  EXPECT_THROW(call(kSourceTruth, kSourcePred, 0, truth, probs, 1, 3), std::invalid_argument);
  EXPECT_THROW(call({0, -1, 1, 1, 2, 2}, kSourcePred, 6, truth, probs, 1, 3),
               std::invalid_argument);
  EXPECT_THROW(call(kSourceTruth, kSourcePred, 6, {-1}, probs, 1, 3), std::invalid_argument);
  for (const float bad : {-0.1f, 1.5f, std::nanf("")}) {
    EXPECT_THROW(call(kSourceTruth, kSourcePred, 6, truth, {0.2f, bad, 0.0f}, 1, 3),
                 std::invalid_argument)
        << bad;
  }
}

// Pooling two target sets: a set whose rows are all 0.75 sure and all right
// (ECE 0.25 alone) and one whose rows are 0.75 sure and half right (ECE 0.25
// alone) pool to 0.75 sure and three of four right: ECE 0, not the mean 0.25.
TEST(Calibration, PooledBinsAreOneEstimateOverTheSets) {
  const std::vector<float> sure{0.25f, 0.75f, 0.0f, 0.25f, 0.75f, 0.0f};
  auto bins = [&](const std::vector<int32_t> &truth) {
    return m::calibration_bins(kSourceTruth.data(), kSourcePred.data(), 6, truth.data(),
                               sure.data(), 2, 3);
  };
  const m::CalibrationBins right = bins({0, 0});
  const m::CalibrationBins half = bins({0, 1});
  EXPECT_NEAR(right.summary().ece, 0.25, 1e-6);
  EXPECT_NEAR(half.summary().ece, 0.25, 1e-6);
  m::CalibrationBins pooled = right;
  pooled.merge(half);
  EXPECT_NEAR(pooled.summary().ece, 0.0, 1e-6);
  EXPECT_NEAR(pooled.summary().log_loss, -(3 * std::log(0.75) + std::log(0.25)) / 4.0, 1e-6);
  // The per-set summary is calibration()'s.
  const std::vector<int32_t> truth{0, 1};
  const m::Calibration direct =
      m::calibration(kSourceTruth.data(), kSourcePred.data(), 6, truth.data(), sure.data(), 2, 3);
  EXPECT_EQ(direct.ece, half.summary().ece);
  EXPECT_EQ(direct.log_loss, half.summary().log_loss);
  // Nothing pooled: zeros, not a division by zero.
  EXPECT_EQ(m::CalibrationBins{}.summary().ece, 0.0);
}
