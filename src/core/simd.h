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
