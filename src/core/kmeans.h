// k-means on LibTorch tensors: k-means++ seeding, Lloyd iterations, restarts.
// The baseline that TDCM is compared against, on the same devices.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <functional>

#include "core/nearest.h"

namespace tdcm {

// Row chunks of a whole set, produced on demand (e.g. read from a caller's
// buffer, moved to the device and standardised), so that memory stays bounded.
struct RowSource {
  int64_t rows = 0;
  int64_t chunk_rows = 65536;
  std::function<at::Tensor(int64_t start, int64_t len)> chunk;
  // Distributed calls only: for a subset drawn from a sharded set, each row's
  // place in the subset's one-process order (dist/sharded_rows.h); undefined
  // when the rows are in that order already (rank 0's first).
  at::Tensor positions;
  // The same rows in place for the CPU kernels (core/nearest.h): row-major
  // rows x d float32 that `scaling` standardises as they are read; null when
  // they exist only as chunks (another device or dtype). Whatever `chunk`
  // captures keeps them alive.
  const float *host = nullptr;
  RowScaling scaling;
};

// The rows of a tensor already in memory, as chunks (and in place when it is
// a contiguous float32 CPU matrix).
RowSource tensor_rows(const at::Tensor &x, int64_t chunk_rows);

struct KMeansOptions {
  int64_t k = 5;
  int64_t n_init = 10;
  int64_t max_iter = 300;
  double tol = 1e-4;
};

struct KMeansResult {
  at::Tensor centroids;  // k x d
  double inertia = 0.0;  // sum of squared distances to the nearest centroid
  int64_t iterations = 0;
};

// Mean per-feature variance of the set: the scale of the convergence tolerance
// (scikit-learn's), for Lloyd's iterations and for TDCM's inference blocks.
double mean_feature_variance(const RowSource &rows);

// Greedy k-means++ seeding (2 + log k candidates per step), as scikit-learn does.
at::Tensor kmeans_plus_plus(const RowSource &rows, int64_t k, at::Generator &gen);

// Lloyd iterations from `init` until the squared centroid shift is at most
// tol x (mean feature variance) or max_iter is reached. With `labels` (one per
// row), each row's nearest final centroid, from the pass that sums the inertia.
KMeansResult lloyd(const RowSource &rows, const at::Tensor &init, int64_t max_iter, double tol,
                   int32_t *labels = nullptr);

// n_init restarts of k-means++ then Lloyd; the lowest inertia wins.
// `after_restart(i)` is called after each restart and returns false to cancel.
KMeansResult kmeans_fit(const RowSource &rows, const KMeansOptions &options, at::Generator &gen,
                        const std::function<bool(int64_t)> &after_restart = {});

// Squared Euclidean distances of x (n x d) to c (k x d), n x k, clamped at 0.
at::Tensor squared_distances(const at::Tensor &x, const at::Tensor &c);

}  // namespace tdcm
