// Identity keeping end to end (issue 11's core promise): on P1 pairs where
// Lloyd from the source's centroids (k-means adapt) finds the target's
// partition but renames its clusters, the default TDCM keeps the source's
// names. ACC-kept maps clusters to classes once, on the source, and scores
// the target under that map; ACC finds the best map on the target itself.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "capi_test_util.h"
#include "tdcm/tdcm.h"

namespace {

using namespace tdcm_capi_test;

struct Scores {
  double acc = 0, kept = 0;
};

// Fit on the source; the source labelled by the fitted model; the target
// adapted to and labelled (tdcm_adapt + tdcm_predict, as "k-means adapt" is
// defined). Then ACC and ACC-kept on the target.
Scores transfer(const std::string &params, const P1 &p) {
  ModelPtr m = fitted(params.c_str(), p);
  Scores s;
  if (!m) return s;
  const Output source = assign(m.get(), p.source.data(), p.n, p.d);
  EXPECT_EQ(tdcm_adapt(m.get(), p.target.data(), p.n, p.d), TDCM_OK) << tdcm_last_error();
  const Output target = predict(m.get(), p.target.data(), p.n, p.d);
  EXPECT_EQ(source.status, TDCM_OK);
  EXPECT_EQ(target.status, TDCM_OK);
  tdcm_metrics_result r{};
  EXPECT_EQ(tdcm_metrics(p.target_y.data(), target.labels.data(), p.n, &r), TDCM_OK);
  s.acc = r.acc;
  EXPECT_EQ(tdcm_metrics_acc_kept(p.source_y.data(), source.labels.data(), p.n, p.target_y.data(),
                                  target.labels.data(), p.n, &s.kept),
            TDCM_OK);
  return s;
}

}  // namespace

TEST(CapiIdentityKeeping, DefaultKeepsTheNamesThatKMeansAdaptLoses) {
  // P1 at its defaults (D = 2, 500 rows per cluster) with K = 5. Seeds 0..11
  // were measured; at 3 and 5 k-means adapt renames (ACC 0.988 / 0.954,
  // ACC-kept 0.598 / 0.589) and TDCM keeps every name (ACC = ACC-kept =
  // 0.989 / 0.967). Not every seed is like this: at seeds 6 and 8 the
  // source's own mixture merges two classes and splits a third, and the
  // target, fitted right, cannot keep a partition the source never had.
  for (const uint64_t seed : {3u, 5u}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    const P1 p = make_p1(seed, 500, 5);
    const Scores kmeans = transfer("algo=kmeans k=5 seed=0 device=cpu threads=1", p);
    const Scores tdcm = transfer("k=5 seed=0 device=cpu threads=1", p);
    RecordProperty("kmeans_adapt_acc_kept_seed" + std::to_string(seed),
                   std::to_string(kmeans.kept));
    RecordProperty("tdcm_acc_kept_seed" + std::to_string(seed), std::to_string(tdcm.kept));
    // The case is a real one: k-means adapt's partition is good, its names are not
    // (measured gaps 0.39 and 0.37).
    EXPECT_GT(kmeans.acc, 0.9);
    EXPECT_LT(kmeans.kept, kmeans.acc - 0.2);
    // TDCM: as good a partition, under the source's names (measured gap 0).
    EXPECT_GT(tdcm.acc, 0.9);
    EXPECT_GE(tdcm.kept, tdcm.acc - 0.01);
    EXPECT_GE(tdcm.kept, kmeans.kept + 0.2);  // measured +0.39 and +0.38
  }
}
