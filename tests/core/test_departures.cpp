// The departures from the paper: preset=paper restores model.md's
// values; the new state (source centroids, embedding statistics) survives a
// save/load round trip.
#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "core/model.h"
#include "core/params.h"
#include "data/synth.h"
#include "metrics/metrics.h"

namespace {

// A P1 source/target pair in D = 2.
tdcm::data::DriftPair drift_pair(int64_t k, int64_t n_per_cluster, uint64_t seed) {
  tdcm::data::DriftSpec spec;
  spec.k = k;
  spec.n_per_cluster = n_per_cluster;
  spec.seed = seed;
  return tdcm::data::make_drift_pair(spec);
}

TEST(Departures, PaperPresetRestoresThePaper) {
  const tdcm::Params p = tdcm::parse_params("k=3 preset=paper");
  EXPECT_EQ(p.encoder, "mlp");
  EXPECT_EQ(p.embed_norm, "none");
  EXPECT_EQ(p.init, "identity");
  EXPECT_EQ(p.infer_blocks, 0);
  EXPECT_EQ(p.infer_tau, 0.0);
  EXPECT_EQ(p.epochs, 100);
  EXPECT_TRUE(p.train_encoder);
  EXPECT_EQ(p.k, 3);
  // Later keys override the preset whatever their position.
  EXPECT_EQ(tdcm::parse_params("encoder=linear preset=paper").encoder, "linear");
  EXPECT_EQ(tdcm::parse_params("preset=default").encoder, tdcm::Params{}.encoder);
}

TEST(Departures, SaveLoadKeepsSourceCentroidsAndStatistics) {
  const auto pair = drift_pair(3, 100, 3);
  const auto &s = pair.source;
  const auto &t = pair.target;
  tdcm::Model model(tdcm::parse_params("k=3 device=cpu threads=1"));
  model.fit(s.x.data(), s.rows, s.d, nullptr, {});
  model.adapt(t.x.data(), t.rows, t.d);
  std::vector<int32_t> a(t.rows), b(t.rows), pa(t.rows), pb(t.rows);
  model.assign(t.x.data(), t.rows, t.d, a.data(), nullptr);
  model.predict(t.x.data(), t.rows, t.d, pa.data(), nullptr);
  const std::string path = ::testing::TempDir() + "tdcm_departures.model";
  model.save(path);
  const tdcm::Model loaded = tdcm::Model::load(path, nullptr);
  loaded.assign(t.x.data(), t.rows, t.d, b.data(), nullptr);
  loaded.predict(t.x.data(), t.rows, t.d, pb.data(), nullptr);
  std::remove(path.c_str());
  EXPECT_EQ(a, b);
  EXPECT_EQ(pa, pb);
}

// Seedings compared on a subset of a large set, then iterated on all rows, find the
// partition that comparing them on all rows finds.
TEST(Departures, RestartsOnARowSubsetMatchAllRows) {
  const auto pair = drift_pair(5, 600, 11);
  const auto &t = pair.target;
  auto labels_with = [&](const std::string &restart_rows) {
    tdcm::Model model(tdcm::parse_params(
        ("k=5 metric=shared encoder=linear init=kmeans++ device=cpu threads=1 restart_rows=" +
         restart_rows)
            .c_str()));
    model.fit(pair.source.x.data(), pair.source.rows, pair.source.d, nullptr, {});
    std::vector<int32_t> labels(t.rows);
    model.assign(t.x.data(), t.rows, t.d, labels.data(), nullptr);
    return labels;
  };
  const std::vector<int32_t> all = labels_with("0");
  const std::vector<int32_t> subset = labels_with("500");
  const double nmi_all = tdcm::metrics::nmi(t.y.data(), all.data(), t.rows);
  const double nmi_subset = tdcm::metrics::nmi(t.y.data(), subset.data(), t.rows);
  EXPECT_GT(nmi_all, 0.8);
  EXPECT_NEAR(nmi_subset, nmi_all, 0.02);
  // Same partition up to names.
  EXPECT_GT(tdcm::metrics::nmi(all.data(), subset.data(), t.rows), 0.97);
}

}  // namespace
