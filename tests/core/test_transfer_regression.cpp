// Regression guard for transfer quality: on a P1 data set where the library's default
// TDCM now clearly beats k-means transfer (fixed source centroids), it must
// keep doing so. Small, fixed seed, a few seconds.
//
// TDCM_REGRESSION_PARAMS (environment) is appended to the TDCM parameters, so
// that one can check the guard bites: TDCM_REGRESSION_PARAMS=preset=paper
// makes this test fail.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/model.h"
#include "core/params.h"
#include "data/synth.h"
#include "metrics/metrics.h"

namespace {

double target_nmi(const std::string &params, const tdcm::data::DriftPair &pair) {
  tdcm::Model model(tdcm::parse_params(params.c_str()));
  const auto &s = pair.source;
  const auto &t = pair.target;
  model.fit(s.x.data(), s.rows, s.d, nullptr, {});
  std::vector<int32_t> labels(static_cast<size_t>(t.rows));
  model.assign(t.x.data(), t.rows, t.d, labels.data(), nullptr);
  return tdcm::metrics::nmi(t.y.data(), labels.data(), t.rows);
}

TEST(TransferRegression, DefaultBeatsKMeansTransferOnP1) {
  tdcm::data::DriftSpec spec;
  spec.k = 5;
  spec.d = 2;
  spec.n_per_cluster = 200;
  spec.seed = 7;
  const tdcm::data::DriftPair pair = tdcm::data::make_drift_pair(spec);

  const std::string common = "k=5 seed=0 device=cpu threads=1";
  const double kmeans = target_nmi("algo=kmeans " + common, pair);
  const char *extra = std::getenv("TDCM_REGRESSION_PARAMS");
  const double tdcm = target_nmi("algo=tdcm " + common + " " + (extra ? extra : ""), pair);
  RecordProperty("kmeans_transfer_nmi", std::to_string(kmeans));
  RecordProperty("tdcm_nmi", std::to_string(tdcm));
  // Measured: default 0.863 (0.864 with tol=0), k-means transfer 0.767,
  // preset=paper 0.498 (fails). README: "Benchmarks".
  EXPECT_GT(tdcm, kmeans + 0.05) << "TDCM target NMI " << tdcm << " vs k-means transfer " << kmeans;
}

}  // namespace
