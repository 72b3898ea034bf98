// Torch-free image transforms on row-major float images (n x C x H x W):
// protocol P2's target shift, a centre crop resized back bilinearly.
#pragma once

#include <cstdint>
#include <vector>

namespace tdcm::data {

struct ImageShape {
  int64_t c = 1;
  int64_t h = 0;
  int64_t w = 0;
};

// Crops the centre crop_h x crop_w window of every channel of every image
// (top = (h - crop_h) / 2 and left = (w - crop_w) / 2, rounded down, as
// torchvision's center_crop for an even difference) and resizes it to
// out_h x out_w bilinearly with the half-pixel convention of common image
// libraries (PyTorch's interpolate with align_corners=false, OpenCV's
// INTER_LINEAR, PIL's BILINEAR when enlarging): output pixel i samples the
// window at (i + 0.5) * crop / out - 0.5, clamped at the edges, and mixes
// its two neighbours on each axis. No antialiasing when shrinking. Every
// output pixel is a convex combination of input pixels, so [0, 1] stays
// [0, 1]. Checked against torch.nn.functional.interpolate(bilinear,
// align_corners=false) on the Fashion-MNIST test images: equal to 5e-7.
// Returns n x C x out_h x out_w. Throws std::invalid_argument on
// n < 0, a shape or an output size < 1, a window larger than the image, or
// a null `images` with n > 0.
std::vector<float> center_crop_resize(const float *images, int64_t n, const ImageShape &shape,
                                      int64_t crop_h, int64_t crop_w, int64_t out_h, int64_t out_w);

// Protocol P2's target shift: the centre 22 x 22 of each 28 x 28 image,
// resized back to 28 x 28 (objects grow by 28/22, about 27%).
constexpr int64_t kP2Crop = 22;
constexpr int64_t kP2Size = 28;
std::vector<float> p2_shift(const float *images, int64_t n);

}  // namespace tdcm::data
