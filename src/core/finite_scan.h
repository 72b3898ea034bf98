// The finiteness check of a caller's matrix, made before any work: a scan at
// the speed of reading the values (SIMD clones, and LibTorch's threads for a
// large input), so that the check stays a small share of a call that reads
// the rows once, such as a k-means assign.
#pragma once

#include <cstdint>

namespace tdcm {

// The index of the first NaN or infinite value of x[0, total), or total.
int64_t first_non_finite(const float *x, int64_t total);

}  // namespace tdcm
