#include "data/images.h"

#include <stdexcept>
#include <string>

namespace tdcm::data {
namespace {

// Where output pixel i of `out` samples an axis of `in` pixels: neighbours
// i0 <= i1 and the weight of i1.
struct Tap {
  int64_t i0;
  int64_t i1;
  float t;
};

std::vector<Tap> taps(int64_t in, int64_t out) {
  std::vector<Tap> result(static_cast<size_t>(out));
  const double scale = static_cast<double>(in) / static_cast<double>(out);
  for (int64_t i = 0; i < out; ++i) {
    double src = (static_cast<double>(i) + 0.5) * scale - 0.5;
    if (src < 0) src = 0;
    int64_t i0 = static_cast<int64_t>(src);
    if (i0 > in - 1) i0 = in - 1;
    const int64_t i1 = i0 < in - 1 ? i0 + 1 : i0;
    result[static_cast<size_t>(i)] = {i0, i1, static_cast<float>(src - static_cast<double>(i0))};
  }
  return result;
}

// a + t (b - a): exactly a when a == b, so a constant image stays constant.
inline float lerp(float a, float b, float t) { return a + t * (b - a); }

}  // namespace

std::vector<float> center_crop_resize(const float *images, int64_t n, const ImageShape &shape,
                                      int64_t crop_h, int64_t crop_w, int64_t out_h,
                                      int64_t out_w) {
  if (n < 0 || (n > 0 && images == nullptr)) {
    throw std::invalid_argument("center_crop_resize: images is null or n < 0");
  }
  if (shape.c < 1 || shape.h < 1 || shape.w < 1 || out_h < 1 || out_w < 1 || crop_h < 1 ||
      crop_w < 1) {
    throw std::invalid_argument("center_crop_resize: every size must be >= 1");
  }
  if (crop_h > shape.h || crop_w > shape.w) {
    throw std::invalid_argument("center_crop_resize: a " + std::to_string(crop_h) + "x" +
                                std::to_string(crop_w) + " window does not fit a " +
                                std::to_string(shape.h) + "x" + std::to_string(shape.w) + " image");
  }
  const int64_t top = (shape.h - crop_h) / 2;
  const int64_t left = (shape.w - crop_w) / 2;
  const std::vector<Tap> ys = taps(crop_h, out_h);
  const std::vector<Tap> xs = taps(crop_w, out_w);
  const int64_t planes = n * shape.c;
  std::vector<float> out(static_cast<size_t>(planes * out_h * out_w));
  float *dst = out.data();
  for (int64_t p = 0; p < planes; ++p) {
    const float *plane = images + p * shape.h * shape.w + top * shape.w + left;
    for (const Tap &y : ys) {
      const float *r0 = plane + y.i0 * shape.w;
      const float *r1 = plane + y.i1 * shape.w;
      for (const Tap &x : xs) {
        *dst++ = lerp(lerp(r0[x.i0], r0[x.i1], x.t), lerp(r1[x.i0], r1[x.i1], x.t), y.t);
      }
    }
  }
  return out;
}

std::vector<float> p2_shift(const float *images, int64_t n) {
  return center_crop_resize(images, n, {1, kP2Size, kP2Size}, kP2Crop, kP2Crop, kP2Size, kP2Size);
}

}  // namespace tdcm::data
