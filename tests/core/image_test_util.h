// Tiny synthetic image sets for the image-path tests: simple patterns at
// random positions, so that a class is a shape, not a place.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

namespace tdcm_test {

struct Images {
  int64_t n = 0, c = 1, h = 0, w = 0;
  std::vector<float> x;  // n x (c*h*w), row-major, values about [0, 1]
  std::vector<int32_t> y;
  int64_t d() const { return c * h * w; }
};

// `per_class` images of each of 3 classes on a side x side grey canvas:
// 0 = a horizontal bar (2 rows), 1 = a vertical bar (2 columns), 2 = a 5x5
// square, each at a random position, plus Gaussian pixel noise of std
// `noise`. Rows cycle through the classes.
inline Images pattern_images(int64_t per_class, int64_t side, uint64_t seed, float noise = 0.1f) {
  Images im;
  im.n = 3 * per_class;
  im.h = im.w = side;
  im.x.assign(static_cast<size_t>(im.n * im.d()), 0.0f);
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> gauss(0.0f, noise);
  std::uniform_int_distribution<int64_t> pos(2, side - 7);
  for (int64_t i = 0; i < im.n; ++i) {
    const int32_t label = static_cast<int32_t>(i % 3);
    im.y.push_back(label);
    float *img = im.x.data() + i * im.d();
    const int64_t a = pos(rng), b = pos(rng);
    for (int64_t r = 0; r < side; ++r) {
      for (int64_t col = 0; col < side; ++col) {
        bool on = false;
        if (label == 0) on = r == a || r == a + 1;
        if (label == 1) on = col == a || col == a + 1;
        if (label == 2) on = r >= a && r < a + 5 && col >= b && col < b + 5;
        img[r * side + col] = (on ? 1.0f : 0.0f) + gauss(rng);
      }
    }
  }
  return im;
}

}  // namespace tdcm_test
