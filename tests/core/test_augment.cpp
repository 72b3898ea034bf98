// Training-time augmentation: seeded, changes the batch, keeps shapes; a flip
// is an exact mirror, a crop only interpolates, noise has the asked std; off
// means untouched and no draws; and a fit with it is deterministic by seed.
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "core/augment.h"
#include "core/model.h"
#include "core/params.h"
#include "core/runtime.h"
#include "core/serialize.h"
#include "core_test_util.h"
#include "image_test_util.h"

namespace {

using tdcm::Augment;
using tdcm_test::TempDir;

Augment augment(const char *params) { return tdcm::augment_of(tdcm::parse_params(params)); }

at::Tensor images(int64_t n, int64_t c, int64_t side, uint64_t seed) {
  at::Generator gen = tdcm_test::generator(seed);
  return at::rand({n, c * side * side}, gen);
}

TEST(Augment, SeededAndChangesTheBatch) {
  const Augment aug = augment("input_shape=3x16x16 aug_crop=0.5 aug_shift=2 aug_flip=true");
  const at::Tensor x = images(20, 3, 16, 0);
  at::Generator g1 = tdcm_test::generator(7);
  at::Generator g2 = tdcm_test::generator(7);
  at::Generator g3 = tdcm_test::generator(8);
  const at::Tensor a = tdcm::augment_view(x, aug, g1);
  EXPECT_EQ(a.sizes(), x.sizes());
  EXPECT_TRUE(at::equal(a, tdcm::augment_view(x, aug, g2)));
  EXPECT_FALSE(at::equal(a, tdcm::augment_view(x, aug, g3)));
  // Every row changes, and a second draw gives another view.
  EXPECT_GT((a - x).abs().amax(1).min().item<float>(), 1e-3f);
  EXPECT_FALSE(at::equal(a, tdcm::augment_view(x, aug, g1)));
}

TEST(Augment, OffLeavesTheBatchAndTheGeneratorAlone) {
  const Augment aug = augment("input_shape=1x16x16");
  EXPECT_FALSE(aug.any());
  const at::Tensor x = images(5, 1, 16, 1);
  at::Generator gen = tdcm_test::generator(3);
  EXPECT_TRUE(at::equal(tdcm::augment_view(x, aug, gen), x));
  at::Generator fresh = tdcm_test::generator(3);
  EXPECT_TRUE(at::equal(at::rand({4}, gen), at::rand({4}, fresh)));
}

TEST(Augment, FlipIsAnExactMirror) {
  const Augment aug = augment("input_shape=2x16x20 aug_flip=true");
  at::Generator gen = tdcm_test::generator(4);
  const at::Tensor x4 = at::rand({40, 2, 16, 20}, gen);
  const at::Tensor out =
      tdcm::augment_view(x4.reshape({40, -1}), aug, gen).reshape({40, 2, 16, 20});
  const at::Tensor mirrored = x4.flip({3});
  int same = 0, flipped = 0;
  for (int64_t i = 0; i < 40; ++i) {
    const double to_same = tdcm_test::max_abs_diff(out[i], x4[i]);
    const double to_mirror = tdcm_test::max_abs_diff(out[i], mirrored[i]);
    if (to_same < 1e-5) ++same;
    if (to_mirror < 1e-5) ++flipped;
    EXPECT_TRUE(to_same < 1e-5 || to_mirror < 1e-5) << "row " << i;
  }
  EXPECT_GT(same, 5);
  EXPECT_GT(flipped, 5);
  EXPECT_EQ(same + flipped, 40);
}

TEST(Augment, CropAndShiftOnlyInterpolate) {
  const Augment aug = augment("input_shape=1x28x28 aug_crop=0.3 aug_shift=3");
  const at::Tensor x = images(30, 1, 28, 5);
  at::Generator gen = tdcm_test::generator(5);
  const at::Tensor out = tdcm::augment_view(x, aug, gen);
  // Bilinear sampling with replicated edges: a convex combination of each row's pixels.
  EXPECT_TRUE((out.amin(1) >= x.amin(1) - 1e-6).all().item<bool>());
  EXPECT_TRUE((out.amax(1) <= x.amax(1) + 1e-6).all().item<bool>());
  // A crop of a smaller area magnifies: neighbouring pixels become more alike.
  auto roughness = [](const at::Tensor &t) {
    const at::Tensor im = t.reshape({-1, 28, 28});
    return (im.narrow(2, 1, 27) - im.narrow(2, 0, 27)).abs().mean().item<double>();
  };
  EXPECT_LT(roughness(out), 0.8 * roughness(x));
}

TEST(Augment, NoiseHasTheAskedStd) {
  const Augment aug = augment("aug_noise=0.2");
  EXPECT_FALSE(aug.geometric());
  const at::Tensor x = images(100, 1, 16, 6);
  at::Generator gen = tdcm_test::generator(6);
  const at::Tensor e = tdcm::augment_view(x, aug, gen) - x;
  EXPECT_NEAR(e.std().item<double>(), 0.2, 0.01);
  EXPECT_NEAR(e.mean().item<double>(), 0.0, 0.01);
}

std::string bytes_of(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

TEST(Augment, FitIsDeterministicBySeedAndAugmentationMatters) {
  tdcm::apply_threads(1, tdcm::Work::Training);
  const tdcm_test::Images im = tdcm_test::pattern_images(20, 16, 3);
  const std::string common =
      "encoder=lenet input_shape=1x16x16 k=3 embed_dim=8 epochs=2 batch_size=30 device=cpu ";
  // With every training-time draw: the warm start's decoder, the projection
  // head, the two views and their augmentation.
  const std::string extras = "pretrain_epochs=1 contrastive=1 separation=0.5 reconstruction=1 ";
  const std::string augmented =
      common + extras + "aug_crop=0.6 aug_shift=2 aug_flip=true aug_noise=0.1 ";
  TempDir dir;
  auto fit_to = [&](const std::string &params, const std::string &name) {
    tdcm::Model m(tdcm::parse_params(params.c_str()));
    m.fit(im.x.data(), im.n, im.d(), nullptr, {});
    m.save(dir.file(name));
    return bytes_of(dir.file(name));
  };
  const std::string a = fit_to(augmented + "seed=1", "a");
  EXPECT_EQ(a, fit_to(augmented + "seed=1", "b"));
  EXPECT_NE(a, fit_to(augmented + "seed=2", "c"));
  // Without augmentation the same seed trains another net.
  fit_to(common + extras + "seed=1", "d");
  const tdcm::ModelFile fa = tdcm::read_model_file(dir.file("a"));
  const tdcm::ModelFile fd = tdcm::read_model_file(dir.file("d"));
  ASSERT_EQ(fa.tensors.size(), fd.tensors.size());
  EXPECT_FALSE(at::equal(fa.tensors[0].second, fd.tensors[0].second));
}

}  // namespace
