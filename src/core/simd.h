// Functions compiled for AVX-512, AVX2 + FMA and the baseline, chosen at load
// time (GCC's function multi-versioning): the build itself targets the
// baseline x86-64, so that one libtdcm.so runs on any x86-64 and uses the
// widest vectors the machine has in its hot loops.
#pragma once

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define TDCM_SIMD_CLONES \
  __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define TDCM_SIMD_CLONES
#endif

#include <cstdint>
#include <cstring>

namespace tdcm {

// The register-tile kernels' vectors: 16 float lanes (one AVX-512 register,
// two AVX2 ones), GCC vector extensions, compiled per clone.
constexpr int64_t kLanes = 16;
typedef float Lanes __attribute__((vector_size(kLanes * sizeof(float))));
typedef int32_t IntLanes __attribute__((vector_size(kLanes * sizeof(int32_t))));

// (By reference: a vector returned by value would change the ABI per clone.)
inline __attribute__((always_inline)) void load_lanes(Lanes &v, const float *p) {
  std::memcpy(&v, p, sizeof v);
}

// y_q = sum_s w[q d + s] x_s, q = 0..3, over the d columns x_s = xt + s kLanes
// of a tile stored column-major: four independent multiply-add chains, which
// hide the FMA's latency, each one multiply-add after another in column order
// from zero (its first step rounds as the product alone does). Multiply-adds
// where the including file is compiled with contraction (the default here).
inline __attribute__((always_inline)) void dot4(const float *xt, const float *w, int64_t d,
                                                Lanes &y0, Lanes &y1, Lanes &y2, Lanes &y3) {
  y0 = y1 = y2 = y3 = Lanes{};
  for (int64_t s = 0; s < d; ++s) {
    Lanes xs;
    load_lanes(xs, xt + s * kLanes);
    y0 += w[s] * xs;
    y1 += w[d + s] * xs;
    y2 += w[2 * d + s] * xs;
    y3 += w[3 * d + s] * xs;
  }
}

}  // namespace tdcm
