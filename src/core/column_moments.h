// Per-column sums and sums of squares of a caller's rows, in double, in one
// pass that reads the rows in place (through the standardisation a RowSource
// applies) and allocates nothing per row: the statistics behind tolerances and
// covariance floors, which a pass of LibTorch operators paid for with a double
// copy of every chunk and three passes over it.
#pragma once

#include <cstdint>
#include <vector>

#include "core/nearest.h"

namespace tdcm {

struct ColumnMoments {
  std::vector<double> sum, sum_sq;  // d each
};

// The moments of n rows of d float32 values (row-major), each standardised by
// `scaling` first. Runs on LibTorch's threads for a large input; the parts are
// added in a fixed order, so a given thread count gives the same result.
ColumnMoments column_moments(const float *x, int64_t n, int64_t d, const RowScaling &scaling);

}  // namespace tdcm
