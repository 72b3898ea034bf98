#include "core/finite_scan.h"

#include <ATen/Parallel.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <string>

#include "core/errors.h"
#include "core/simd.h"

namespace tdcm {
namespace {

// Values per block: a fixed trip count that the compiler turns into vector
// compares with no branch inside; blocks go to threads 256 at a time (4 MiB).
constexpr int64_t kBlock = 4096;
constexpr int64_t kBlocksPerTask = 256;

// An exponent of all ones is NaN or infinity: one mask and compare per value.
TDCM_SIMD_CLONES
bool block_has_non_finite(const float *x) {
  uint32_t any = 0;
  for (int64_t i = 0; i < kBlock; ++i) {
    uint32_t bits;
    std::memcpy(&bits, x + i, sizeof bits);
    any |= static_cast<uint32_t>((bits & 0x7f800000u) == 0x7f800000u);
  }
  return any != 0;
}

}  // namespace

bool any_non_finite(const float *x, int64_t count) {
  int64_t i = 0;
  for (; i + kBlock <= count; i += kBlock) {
    if (block_has_non_finite(x + i)) return true;
  }
  for (; i < count; ++i) {
    if (!std::isfinite(x[i])) return true;
  }
  return false;
}

void require_finite(const float *x, int64_t n, int64_t d) {
  const int64_t total = n * d;
  const int64_t i = first_non_finite(x, total);
  if (i < total) {
    fail(TDCM_ERR_NON_FINITE, "input holds a non-finite value at row " + std::to_string(i / d) +
                                  ", column " + std::to_string(i % d));
  }
}

int64_t first_non_finite(const float *x, int64_t total) {
  const int64_t blocks = total / kBlock;
  // The lowest block holding a bad value; blocks past it need no scan.
  std::atomic<int64_t> first_bad{blocks};
  at::parallel_for(0, blocks, kBlocksPerTask, [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end && b < first_bad.load(std::memory_order_relaxed); ++b) {
      if (!block_has_non_finite(x + b * kBlock)) continue;
      int64_t seen = first_bad.load();
      while (b < seen && !first_bad.compare_exchange_weak(seen, b)) {
      }
      return;
    }
  });
  // The value itself, in that block (or in the tail past the last whole block).
  for (int64_t i = first_bad.load() * kBlock; i < total; ++i) {
    if (!std::isfinite(x[i])) return i;
  }
  return total;
}

}  // namespace tdcm
