// The finiteness check of a caller's matrix, made before any work: a scan at
// the speed of reading the values (SIMD clones, and LibTorch's threads for a
// large input), so that the check stays a small share of a call that reads
// the rows once, such as a k-means assign.
#pragma once

#include <cstdint>

namespace tdcm {

// The index of the first NaN or infinite value of x[0, total), or total.
int64_t first_non_finite(const float *x, int64_t total);

// Whether x[0, count) holds a NaN or infinity: the same scan on the calling
// thread, for a block that a kernel is about to read anyway.
bool any_non_finite(const float *x, int64_t count);

// Fails with TDCM_ERR_NON_FINITE, naming the first bad value's row and column,
// where the n x d rows hold one.
void require_finite(const float *x, int64_t n, int64_t d);

}  // namespace tdcm
