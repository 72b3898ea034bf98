// encoder=lenet: layer shapes for several image shapes, the forward pass and
// its decoder mirror, input_shape checks at fit and load, and a save/load
// round trip that keeps the net and refuses data of another width.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/encoder.h"
#include "core/model.h"
#include "core/params.h"
#include "core/runtime.h"
#include "core/serialize.h"
#include "core_test_util.h"
#include "image_test_util.h"

namespace {

using tdcm::ImageShape;
using tdcm::Layers;
using tdcm_test::error_of;
using tdcm_test::TempDir;

std::vector<std::vector<int64_t>> shapes_of(const Layers &layers) {
  std::vector<std::vector<int64_t>> out;
  for (const at::Tensor &t : layers.tensors()) out.push_back(t.sizes().vec());
  return out;
}

using Shapes = std::vector<std::vector<int64_t>>;

TEST(Lenet, LayerShapesFollowTheImage) {
  at::Generator gen = tdcm_test::generator(0);
  const tdcm::Params mnist = tdcm::parse_params("encoder=lenet input_shape=1x28x28 embed_dim=16");
  // 28 -> conv 24 -> pool 12 -> conv 8 -> pool 4: 16 x 4 x 4 = 256 features.
  EXPECT_EQ(shapes_of(tdcm::init_encoder(mnist, 784, gen)), (Shapes{{6, 1, 5, 5},
                                                                    {6},
                                                                    {16, 6, 5, 5},
                                                                    {16},
                                                                    {120, 256},
                                                                    {120},
                                                                    {84, 120},
                                                                    {84},
                                                                    {16, 84},
                                                                    {16}}));
  const tdcm::Params cifar =
      tdcm::parse_params("encoder=lenet input_shape=3x32x32 embed_dim=10 k=10");
  // 32 -> 28 -> 14 -> 10 -> 5: 16 x 5 x 5 = 400 (the original LeNet-5).
  EXPECT_EQ(shapes_of(tdcm::init_encoder(cifar, 3072, gen)), (Shapes{{6, 3, 5, 5},
                                                                     {6},
                                                                     {16, 6, 5, 5},
                                                                     {16},
                                                                     {120, 400},
                                                                     {120},
                                                                     {84, 120},
                                                                     {84},
                                                                     {10, 84},
                                                                     {10}}));
  // Not square: 16 -> 12 -> 6 -> 2 -> 1 rows, 21 -> 17 -> 8 -> 4 -> 2 columns.
  const tdcm::Params odd = tdcm::parse_params("encoder=lenet input_shape=2x16x21 embed_dim=8 k=2");
  const Layers enc = tdcm::init_encoder(odd, 2 * 16 * 21, gen);
  EXPECT_EQ(enc.weight[2].sizes().vec(), (std::vector<int64_t>{120, 32}));
  // The decoder mirrors it: 8 -> 84 -> 120 -> 32, then 16 -> 6 -> 2 channels.
  EXPECT_EQ(shapes_of(tdcm::init_decoder(odd, 2 * 16 * 21, gen)), (Shapes{{84, 8},
                                                                          {84},
                                                                          {120, 84},
                                                                          {120},
                                                                          {32, 120},
                                                                          {32},
                                                                          {16, 6, 5, 5},
                                                                          {6},
                                                                          {6, 2, 5, 5},
                                                                          {2}}));
}

TEST(Lenet, ForwardAndDecoderOnRandomImages) {
  at::Generator gen = tdcm_test::generator(1);
  for (const char *shape : {"1x28x28", "3x32x32", "1x17x19"}) {
    SCOPED_TRACE(shape);
    const tdcm::Params p = tdcm::parse_params(
        (std::string("encoder=lenet embed_dim=12 input_shape=") + shape).c_str());
    const ImageShape image = tdcm::image_shape(p);
    const int64_t d = image.numel();
    const at::Tensor x = at::rand({7, d}, gen);
    const Layers enc = tdcm::init_encoder(p, d, gen);
    const at::Tensor z = tdcm::run_encoder(enc, image, x);
    EXPECT_EQ(z.sizes().vec(), (std::vector<int64_t>{7, 12}));
    EXPECT_TRUE(at::isfinite(z).all().item<bool>());
    // Rows are independent: the first row alone gives the same embedding.
    EXPECT_LT(tdcm_test::max_abs_diff(tdcm::run_encoder(enc, image, x.narrow(0, 0, 1)),
                                      z.narrow(0, 0, 1)),
              1e-5);
    // Different images, different embeddings.
    EXPECT_GT(tdcm_test::max_abs_diff(z.narrow(0, 0, 1), z.narrow(0, 1, 1)), 1e-4);
    const at::Tensor back = tdcm::run_decoder(tdcm::init_decoder(p, d, gen), image, z);
    EXPECT_EQ(back.sizes().vec(), (std::vector<int64_t>{7, d}));
    EXPECT_TRUE(at::isfinite(back).all().item<bool>());
  }
}

TEST(Lenet, InputShapeIsValidated) {
  // At parse time: lenet needs a shape, and one large enough.
  auto [status, message] = error_of([] { tdcm::parse_params("encoder=lenet"); });
  EXPECT_EQ(status, TDCM_ERR_BAD_PARAMETER);
  EXPECT_NE(message.find("'input_shape'"), std::string::npos) << message;
  std::tie(status, message) =
      error_of([] { tdcm::parse_params("encoder=lenet input_shape=1x15x28"); });
  EXPECT_EQ(status, TDCM_ERR_BAD_PARAMETER);
  EXPECT_NE(message.find("at least 16"), std::string::npos) << message;
  // k-means has no encoder: the shape is only recorded.
  EXPECT_EQ(tdcm::parse_params("algo=kmeans encoder=lenet").encoder, "lenet");

  // At fit: C*H*W must equal the input width, whatever the encoder.
  const tdcm_test::Images im = tdcm_test::pattern_images(4, 16, 0);
  for (const char *params : {"encoder=lenet input_shape=1x16x17 k=3 device=cpu",
                             "encoder=mlp input_shape=2x16x16 k=3 device=cpu",
                             "algo=kmeans input_shape=1x16x15 k=3 device=cpu"}) {
    SCOPED_TRACE(params);
    tdcm::Model m(tdcm::parse_params(params));
    std::tie(status, message) = error_of([&] { m.fit(im.x.data(), im.n, im.d(), nullptr, {}); });
    EXPECT_EQ(status, TDCM_ERR_SHAPE);
    EXPECT_NE(message.find("256 columns"), std::string::npos) << message;
    EXPECT_FALSE(m.fitted());
  }
}

TEST(Lenet, SaveLoadRoundTripKeepsTheNet) {
  tdcm::apply_threads(1, tdcm::Work::Training);
  const tdcm_test::Images im = tdcm_test::pattern_images(20, 16, 1);
  tdcm::Model m(tdcm::parse_params(
      "encoder=lenet input_shape=1x16x16 k=3 embed_dim=8 epochs=1 batch_size=32 seed=3 "
      "device=cpu"));
  m.fit(im.x.data(), im.n, im.d(), nullptr, {});
  std::vector<int32_t> labels(im.n), back(im.n);
  std::vector<float> probs(im.n * 3), probs_back(im.n * 3);
  m.assign(im.x.data(), im.n, im.d(), labels.data(), probs.data());
  TempDir dir;
  m.save(dir.file("lenet.model"));

  // The file records the encoder and the shape.
  const tdcm::ModelFile file = tdcm::read_model_file(dir.file("lenet.model"));
  EXPECT_NE(file.params.find("encoder=lenet"), std::string::npos) << file.params;
  EXPECT_NE(file.params.find("input_shape=1x16x16"), std::string::npos) << file.params;
  EXPECT_EQ(file.input_dim, 256);

  const tdcm::Model loaded = tdcm::Model::load(dir.file("lenet.model"), nullptr);
  EXPECT_EQ(loaded.params().encoder, "lenet");
  EXPECT_EQ(loaded.params().input_shape, "1x16x16");
  loaded.assign(im.x.data(), im.n, im.d(), back.data(), probs_back.data());
  EXPECT_EQ(labels, back);
  EXPECT_EQ(probs, probs_back);

  // Rows of another width are refused.
  std::vector<float> wide(3 * 300, 0.5f);
  const auto [status, message] =
      error_of([&] { loaded.assign(wide.data(), 3, 300, back.data(), nullptr); });
  EXPECT_EQ(status, TDCM_ERR_SHAPE);
  EXPECT_NE(message.find("300 columns"), std::string::npos) << message;
}

TEST(Lenet, LoadRefusesAShapeThatDisagreesWithTheFile) {
  const tdcm_test::Images im = tdcm_test::pattern_images(4, 16, 2);
  tdcm::Model m(tdcm::parse_params("encoder=lenet input_shape=1x16x16 k=3 device=cpu"));
  m.fit(im.x.data(), im.n, im.d(), nullptr, {});
  TempDir dir;
  m.save(dir.file("a.model"));
  tdcm::ModelFile file = tdcm::read_model_file(dir.file("a.model"));
  const size_t at = file.params.find("input_shape=1x16x16");
  ASSERT_NE(at, std::string::npos);
  file.params.replace(at, 19, "input_shape=1x16x17");
  tdcm::write_model_file(dir.file("b.model"), file);
  const auto [status, message] = error_of([&] { tdcm::Model::load(dir.file("b.model"), nullptr); });
  EXPECT_EQ(status, TDCM_ERR_BAD_FILE);
  EXPECT_NE(message.find("input_shape=1x16x17"), std::string::npos) << message;
}

}  // namespace
