// The image path end to end on tiny synthetic images (three shapes at random
// positions): a LeNet trained with augmentation and the contrastive term
// labels unseen images of the same shapes in range, far above chance, and the
// same seed gives the same labels.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/model.h"
#include "core/params.h"
#include "core/runtime.h"
#include "image_test_util.h"
#include "metrics/metrics.h"

namespace {

constexpr const char *kParams =
    "encoder=lenet input_shape=1x16x16 k=3 embed_dim=8 epochs=8 batch_size=32 lr=0.003 "
    "contrastive=10 aug_crop=0.7 aug_shift=2 device=cpu";

std::vector<int32_t> fit_and_assign(const std::string &params, const tdcm_test::Images &source,
                                    const tdcm_test::Images &target) {
  tdcm::apply_threads(1, tdcm::Work::Training);
  tdcm::Model m(tdcm::parse_params(params.c_str()));
  m.fit(source.x.data(), source.n, source.d(), nullptr, {});
  std::vector<int32_t> labels(static_cast<size_t>(target.n), -1);
  m.assign(target.x.data(), target.n, target.d(), labels.data(), nullptr);
  return labels;
}

TEST(ImageTraining, LenetWithContrastiveClustersShapes) {
  const tdcm_test::Images source = tdcm_test::pattern_images(60, 16, 1);
  const tdcm_test::Images target = tdcm_test::pattern_images(60, 16, 99);
  const std::vector<int32_t> labels =
      fit_and_assign(std::string(kParams) + " seed=2", source, target);
  for (int32_t l : labels) {
    ASSERT_GE(l, 0);
    ASSERT_LT(l, 3);
  }
  EXPECT_EQ(labels, fit_and_assign(std::string(kParams) + " seed=2", source, target));
  // Chance NMI on 180 rows and 3 clusters is about 0.01; measured 1.000 with seed 2 (0.2-1.0
  // over seeds 2..3 and contrastive weights 3..30).
  const double nmi = tdcm::metrics::nmi(target.y.data(), labels.data(), target.n);
  RecordProperty("target_nmi", std::to_string(nmi));
  EXPECT_GT(nmi, 0.5);
}

}  // namespace
