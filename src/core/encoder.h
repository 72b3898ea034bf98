// Encoders chosen by name (linear, mlp, lenet) and the networks that only
// training uses: the decoder of the autoencoder warm start (the encoder's
// mirror) and the contrastive projection head. Each is a plain list of layer
// tensors; a 4-D weight is a convolution (a transposed one in a decoder).
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/params.h"

namespace tdcm {

struct Layers {
  std::vector<at::Tensor> weight;
  std::vector<at::Tensor> bias;
  std::vector<at::Tensor> tensors() const;  // weight and bias of each layer, in order
  Layers to(const c10::Device &device) const;
};

// LeNet's feature-map sides for an image side `side`: after the first 5x5
// convolution, its pooling, the second convolution and its pooling.
struct LenetSides {
  int64_t conv1, pool1, conv2, pool2;
};
LenetSides lenet_sides(int64_t side);

// Channels of LeNet's two convolutions and widths of its two hidden linear layers.
constexpr int64_t kLenetChannels1 = 6;
constexpr int64_t kLenetChannels2 = 16;
constexpr int64_t kLenetFc1 = 120;
constexpr int64_t kLenetFc2 = 84;

// The embedding width b: the input width for encoder=identity, else embed_dim.
int64_t embedding_width(const Params &params, int64_t input_dim);

// A fresh encoder of params.encoder (no layers for identity) for rows of width `input_dim` (images
// of image_shape(params) for lenet), ending at params.embed_dim, initialised as PyTorch's nn.Linear
// / nn.Conv2d defaults with draws from `gen`.
Layers init_encoder(const Params &params, int64_t input_dim, at::Generator &gen);

// The shapes of that encoder's tensors, weight then bias of each layer (the
// order of Layers::tensors()), computed without allocating anything: a model
// file is compared with them before any size it declares is trusted.
std::vector<std::vector<int64_t>> encoder_shapes(const Params &params, int64_t input_dim);

// n x input_dim rows -> n x b embeddings.
at::Tensor run_encoder(const Layers &encoder, const ImageShape &image, const at::Tensor &x);

// The encoder's mirror, embed_dim -> input_dim: linear b->d; mlp b->h->h->d;
// lenet b->84->120->16*s*s, then per pooling a nearest upsampling back to the
// pre-pooling size and a transposed 5x5 convolution (16->6, 6->C).
Layers init_decoder(const Params &params, int64_t input_dim, at::Generator &gen);

// n x b embeddings -> n x input_dim reconstructions (no output activation).
at::Tensor run_decoder(const Layers &decoder, const ImageShape &image, const at::Tensor &z);

// Linear layers widths[0] -> widths[1] -> ..., ReLU between (not after the last).
Layers init_mlp(const std::vector<int64_t> &widths, at::Generator &gen);
at::Tensor run_mlp(const Layers &mlp, const at::Tensor &x);

}  // namespace tdcm
