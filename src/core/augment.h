// Training-time augmentation of mini-batches (fit only): random resized crop,
// translation and horizontal flip of image rows by one affine resampling each
// (affine_grid + grid_sample, bilinear, edges replicated), then Gaussian
// noise. Every draw comes from the caller's generator.
#pragma once

#include <ATen/ATen.h>

#include "core/params.h"

namespace tdcm {

struct Augment {
  ImageShape image;    // needed by the geometric part
  double crop = 1.0;   // smallest crop area fraction; 1 = no crop
  double shift = 0.0;  // largest translation in pixels, per axis
  bool flip = false;
  double noise = 0.0;  // std of the added Gaussian noise
  bool geometric() const { return crop < 1.0 || shift > 0.0 || flip; }
  bool any() const { return geometric() || noise > 0.0; }
};

Augment augment_of(const Params &params);

// The geometric part on n x d rows (unchanged, with no draws, when off).
at::Tensor augment_geometry(const at::Tensor &x, const Augment &aug, at::Generator &gen);

// x + noise * N(0, 1) (unchanged, with no draws, when noise = 0).
at::Tensor augment_noise(const at::Tensor &x, const Augment &aug, at::Generator &gen);

// Both: one augmented view of a batch.
at::Tensor augment_view(const at::Tensor &x, const Augment &aug, at::Generator &gen);

}  // namespace tdcm
