#include "core/augment.h"

#include <cmath>

namespace tdcm {
namespace {

// Aspect ratios of a random crop: log-uniform in [3/4, 4/3], as torchvision's
// RandomResizedCrop.
const double kLogRatio = std::log(4.0 / 3.0);

constexpr int64_t kBilinear = 0;
constexpr int64_t kBorder = 1;

}  // namespace

Augment augment_of(const Params &params) {
  Augment aug;
  aug.image = image_shape(params);
  aug.crop = params.aug_crop;
  aug.shift = params.aug_shift;
  aug.flip = params.aug_flip;
  aug.noise = params.aug_noise;
  return aug;
}

at::Tensor augment_geometry(const at::Tensor &x, const Augment &aug, at::Generator &gen) {
  if (!aug.geometric()) return x;
  const int64_t n = x.size(0);
  const ImageShape &im = aug.image;
  // Seven draws per row, on the CPU whatever the device: area, aspect ratio,
  // crop position (2), translation (2), flip.
  const at::Tensor u = at::rand({n, 7}, gen, at::TensorOptions().dtype(at::kDouble));
  const at::Tensor area = aug.crop + (1.0 - aug.crop) * u.select(1, 0);
  const at::Tensor ratio = aug.crop < 1.0 ? at::exp((2.0 * u.select(1, 1) - 1.0) * kLogRatio)
                                          : at::ones({n}, u.options());
  // Output coordinates in [-1, 1] map to input x = s * x_out + t: a crop of
  // relative width s centred at t, kept inside the image.
  const at::Tensor sx = (area * ratio).sqrt().clamp_max(1.0);
  const at::Tensor sy = (area / ratio).sqrt().clamp_max(1.0);
  const at::Tensor tx = (1.0 - sx) * (2.0 * u.select(1, 2) - 1.0) +
                        (2.0 * u.select(1, 4) - 1.0) * (2.0 * aug.shift / im.w);
  const at::Tensor ty = (1.0 - sy) * (2.0 * u.select(1, 3) - 1.0) +
                        (2.0 * u.select(1, 5) - 1.0) * (2.0 * aug.shift / im.h);
  const at::Tensor mirror =
      aug.flip ? at::where(u.select(1, 6) < 0.5, -1.0, 1.0) : at::ones({n}, u.options());
  const at::Tensor zero = at::zeros({n}, u.options());
  const at::Tensor theta = at::stack({sx * mirror, zero, tx, zero, sy, ty}, 1)
                               .view({n, 2, 3})
                               .to(x.device(), x.scalar_type());
  const std::vector<int64_t> size{n, im.c, im.h, im.w};
  const at::Tensor grid = at::affine_grid_generator(theta, size, /*align_corners=*/false);
  return at::grid_sampler(x.reshape(size), grid, kBilinear, kBorder, /*align_corners=*/false)
      .reshape({n, im.numel()});
}

at::Tensor augment_noise(const at::Tensor &x, const Augment &aug, at::Generator &gen) {
  if (aug.noise <= 0.0) return x;
  const at::Tensor e = at::randn(x.sizes(), gen, at::TensorOptions().dtype(at::kFloat));
  return x + aug.noise * e.to(x.device(), x.scalar_type());
}

at::Tensor augment_view(const at::Tensor &x, const Augment &aug, at::Generator &gen) {
  return augment_noise(augment_geometry(x, aug, gen), aug, gen);
}

}  // namespace tdcm
