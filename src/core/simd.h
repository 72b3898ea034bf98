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

// y_q = sum_s w[q d + s] x_s, q = 0..G-1, over the d columns x_s = xt + s kLanes
// of a tile stored column-major: G independent multiply-add chains, which
// hide the FMA's latency and share each load of the tile, each one multiply-
// add after another in column order from zero (its first step rounds as the
// product alone does). Multiply-adds where the including file is compiled
// with contraction (the default here). G up to 6 keeps the chains and the
// tile's column in registers on AVX2 too (two registers per vector).
template <int G>
inline __attribute__((always_inline)) void dot_group(const float *xt, const float *w, int64_t d,
                                                     Lanes (&y)[G]) {
  for (int q = 0; q < G; ++q) y[q] = Lanes{};
  for (int64_t s = 0; s < d; ++s) {
    Lanes xs;
    load_lanes(xs, xt + s * kLanes);
#pragma GCC unroll 8
    for (int q = 0; q < G; ++q) y[q] += w[q * d + s] * xs;
  }
}

}  // namespace tdcm
