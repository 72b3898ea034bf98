#include "core/encoder.h"

#include <cmath>

#include "core/errors.h"

namespace tdcm {
namespace {

constexpr int64_t kKernel = 5;
constexpr int64_t kPool = 2;

at::Tensor uniform_tensor(at::IntArrayRef shape, double bound, at::Generator &gen) {
  return at::empty(shape, at::kFloat).uniform_(-bound, bound, gen);
}

// PyTorch's default init of nn.Linear, nn.Conv2d and nn.ConvTranspose2d:
// U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weight and bias, where fan_in is
// weight.size(1) times the kernel area.
void add_layer(Layers &layers, std::vector<int64_t> weight_shape, int64_t bias_size,
               at::Generator &gen) {
  int64_t fan_in = weight_shape[1];
  for (size_t i = 2; i < weight_shape.size(); ++i) fan_in *= weight_shape[i];
  const double bound = 1.0 / std::sqrt(static_cast<double>(fan_in));
  layers.weight.push_back(uniform_tensor(weight_shape, bound, gen));
  layers.bias.push_back(uniform_tensor({bias_size}, bound, gen));
}

void add_linear(Layers &layers, int64_t in, int64_t out, at::Generator &gen) {
  add_layer(layers, {out, in}, out, gen);
}

void add_linears(Layers &layers, const std::vector<int64_t> &widths, at::Generator &gen) {
  for (size_t i = 0; i + 1 < widths.size(); ++i) add_linear(layers, widths[i], widths[i + 1], gen);
}

int64_t lenet_flat(const ImageShape &image) {
  return kLenetChannels2 * lenet_sides(image.h).pool2 * lenet_sides(image.w).pool2;
}

ImageShape lenet_image(const Params &params, int64_t input_dim) {
  const ImageShape image = image_shape(params);
  if (!image.defined() || image.numel() != input_dim) {
    fail(TDCM_ERR_SHAPE, "encoder=lenet: input_shape=" + params.input_shape + " does not match " +
                             std::to_string(input_dim) + " columns");
  }
  return image;
}

}  // namespace

std::vector<at::Tensor> Layers::tensors() const {
  std::vector<at::Tensor> all;
  for (size_t i = 0; i < weight.size(); ++i) {
    all.push_back(weight[i]);
    all.push_back(bias[i]);
  }
  return all;
}

Layers Layers::to(const c10::Device &device) const {
  Layers out;
  for (size_t i = 0; i < weight.size(); ++i) {
    out.weight.push_back(weight[i].detach().to(device).clone());
    out.bias.push_back(bias[i].detach().to(device).clone());
  }
  return out;
}

LenetSides lenet_sides(int64_t side) {
  LenetSides s{};
  s.conv1 = side - (kKernel - 1);
  s.pool1 = s.conv1 / kPool;
  s.conv2 = s.pool1 - (kKernel - 1);
  s.pool2 = s.conv2 / kPool;
  return s;
}

Layers init_mlp(const std::vector<int64_t> &widths, at::Generator &gen) {
  Layers layers;
  add_linears(layers, widths, gen);
  return layers;
}

int64_t embedding_width(const Params &params, int64_t input_dim) {
  return encoder_for(params, input_dim) == "identity" ? input_dim : params.embed_dim;
}

std::vector<std::vector<int64_t>> encoder_shapes(const Params &params, int64_t input_dim) {
  std::vector<std::vector<int64_t>> shapes;
  auto layer = [&](std::vector<int64_t> weight) {
    const int64_t out = weight[0];
    shapes.push_back(std::move(weight));
    shapes.push_back({out});
  };
  auto linears = [&](const std::vector<int64_t> &widths) {
    for (size_t i = 0; i + 1 < widths.size(); ++i) layer({widths[i + 1], widths[i]});
  };
  const std::string encoder = encoder_for(params, input_dim);
  if (encoder == "identity") return shapes;
  if (encoder == "linear") {
    linears({input_dim, params.embed_dim});
  } else if (encoder == "mlp") {
    linears({input_dim, params.hidden, params.hidden, params.embed_dim});
  } else {
    const ImageShape image = lenet_image(params, input_dim);
    layer({kLenetChannels1, image.c, kKernel, kKernel});
    layer({kLenetChannels2, kLenetChannels1, kKernel, kKernel});
    linears({lenet_flat(image), kLenetFc1, kLenetFc2, params.embed_dim});
  }
  return shapes;
}

Layers init_encoder(const Params &params, int64_t input_dim, at::Generator &gen) {
  const std::vector<std::vector<int64_t>> shapes = encoder_shapes(params, input_dim);
  Layers layers;
  for (size_t i = 0; i + 1 < shapes.size(); i += 2)
    add_layer(layers, shapes[i], shapes[i + 1][0], gen);
  return layers;
}

Layers init_decoder(const Params &params, int64_t input_dim, at::Generator &gen) {
  const std::string encoder = encoder_for(params, input_dim);
  if (encoder == "linear") return init_mlp({params.embed_dim, input_dim}, gen);
  if (encoder == "mlp") {
    return init_mlp({params.embed_dim, params.hidden, params.hidden, input_dim}, gen);
  }
  const ImageShape image = lenet_image(params, input_dim);
  Layers layers;
  add_linears(layers, {params.embed_dim, kLenetFc2, kLenetFc1, lenet_flat(image)}, gen);
  // ConvTranspose2d weights are in x out x kernel x kernel.
  add_layer(layers, {kLenetChannels2, kLenetChannels1, kKernel, kKernel}, kLenetChannels1, gen);
  add_layer(layers, {kLenetChannels1, image.c, kKernel, kKernel}, image.c, gen);
  return layers;
}

at::Tensor run_encoder(const Layers &encoder, const ImageShape &image, const at::Tensor &x) {
  at::Tensor h = x;
  const std::vector<int64_t> stride{1, 1}, padding{0, 0}, pool{kPool, kPool};
  const size_t n = encoder.weight.size();
  for (size_t i = 0; i < n; ++i) {
    const at::Tensor &w = encoder.weight[i];
    if (w.dim() == 4) {
      if (h.dim() == 2) h = h.reshape({h.size(0), image.c, image.h, image.w});
      h = at::max_pool2d(at::relu(at::conv2d(h, w, encoder.bias[i], stride, padding)), pool);
      continue;
    }
    if (h.dim() > 2) h = h.flatten(1);
    h = at::linear(h, w, encoder.bias[i]);
    if (i + 1 < n) h = at::relu(h);
  }
  return h;
}

at::Tensor run_mlp(const Layers &mlp, const at::Tensor &x) {
  return run_encoder(mlp, ImageShape{}, x);
}

at::Tensor run_decoder(const Layers &decoder, const ImageShape &image, const at::Tensor &z) {
  at::Tensor h = z;
  const size_t n = decoder.weight.size();
  int convs = 0;
  for (size_t i = 0; i < n; ++i) {
    const at::Tensor &w = decoder.weight[i];
    if (w.dim() == 4) {
      const LenetSides sh = lenet_sides(image.h);
      const LenetSides sw = lenet_sides(image.w);
      if (h.dim() == 2) h = h.reshape({h.size(0), w.size(0), sh.pool2, sw.pool2});
      // Undo a pooling (to the size before it), then a convolution.
      const std::vector<int64_t> size = convs++ == 0 ? std::vector<int64_t>{sh.conv2, sw.conv2}
                                                     : std::vector<int64_t>{sh.conv1, sw.conv1};
      h = at::conv_transpose2d(at::upsample_nearest2d(h, size), w, decoder.bias[i]);
    } else {
      h = at::linear(h, w, decoder.bias[i]);
    }
    if (i + 1 < n) h = at::relu(h);
  }
  return h.dim() > 2 ? h.flatten(1) : h;
}

}  // namespace tdcm
