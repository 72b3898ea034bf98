#include "core/kmeans.h"

#include <cmath>
#include <cstring>

#include "core/column_moments.h"
#include "core/errors.h"
#include "core/nearest.h"
#include "dist/collectives.h"
#include "dist/sharded_seeding.h"

namespace tdcm {

RowSource tensor_rows(const at::Tensor &x, int64_t chunk_rows) {
  RowSource rows;
  rows.rows = x.size(0);
  rows.chunk_rows = chunk_rows;
  rows.chunk = [x](int64_t start, int64_t len) { return x.narrow(0, start, len); };
  if (x.device().is_cpu() && x.scalar_type() == at::kFloat && x.dim() == 2 && x.is_contiguous()) {
    rows.host = x.data_ptr<float>();
  }
  return rows;
}

double mean_feature_variance(const RowSource &rows) {
  at::Tensor sum, sum_sq;
  if (rows.host != nullptr && rows.rows > 0) {
    // The rows in place: one pass, no double copy of them.
    const int64_t d = rows.chunk(0, 1).size(1);
    const ColumnMoments m = column_moments(rows.host, rows.rows, d, rows.scaling);
    sum = at::tensor(m.sum, at::kDouble);
    sum_sq = at::tensor(m.sum_sq, at::kDouble);
  } else {
    for (int64_t s = 0; s < rows.rows; s += rows.chunk_rows) {
      const at::Tensor x = rows.chunk(s, std::min(rows.chunk_rows, rows.rows - s)).to(at::kDouble);
      sum = sum.defined() ? sum + x.sum(0) : x.sum(0);
      sum_sq = sum_sq.defined() ? sum_sq + x.pow(2).sum(0) : x.pow(2).sum(0);
    }
  }
  if (dist::active() == nullptr) {
    const double n = static_cast<double>(rows.rows);
    return (sum_sq / n - (sum / n).pow(2)).mean().item<double>();
  }
  // Sharded: every rank's sums (a rank may hold no rows), over all rows.
  if (!sum.defined()) {
    sum = rows.chunk(0, 0).to(at::kDouble).sum(0);
    sum_sq = sum.clone();
  }
  sum = dist::sum(sum);
  sum_sq = dist::sum(sum_sq);
  const double n = static_cast<double>(dist::total_rows(rows.rows));
  return (sum_sq / n - (sum / n).pow(2)).mean().item<double>();
}

namespace {

// Index of the row where the cumulative weight first reaches `target`.
int64_t weighted_pick(const at::Tensor &weights, double target) {
  const at::Tensor cumulative = weights.to(at::kDouble).cumsum(0);
  const at::Tensor t = at::full({1}, target, cumulative.options());
  const int64_t idx = at::searchsorted(cumulative, t).item<int64_t>();
  return std::min(idx, weights.size(0) - 1);
}

at::Tensor gather_rows(const RowSource &rows, const std::vector<int64_t> &indices) {
  std::vector<at::Tensor> picked;
  for (int64_t i : indices) picked.push_back(rows.chunk(i, 1));
  return at::cat(picked);
}

}  // namespace

at::Tensor squared_distances(const at::Tensor &x, const at::Tensor &c) {
  const at::Tensor xx = x.pow(2).sum(1, true);
  const at::Tensor cc = c.pow(2).sum(1).unsqueeze(0);
  return (xx - 2.0 * x.mm(c.t()) + cc).clamp_min(0.0);
}

at::Tensor kmeans_plus_plus(const RowSource &rows, int64_t k, at::Generator &gen) {
  if (dist::active() != nullptr) return sharded_kmeans_plus_plus(rows, k, gen);
  const int64_t n = rows.rows;
  const int64_t trials = 2 + static_cast<int64_t>(std::log(static_cast<double>(k)));
  auto uniform = [&] { return at::rand({1}, gen, at::kDouble).item<double>(); };

  at::Tensor centers = gather_rows(rows, {std::min(static_cast<int64_t>(uniform() * n), n - 1)});
  // Closest squared distance of every row to the chosen centers.
  std::vector<at::Tensor> parts;
  for (int64_t s = 0; s < n; s += rows.chunk_rows) {
    parts.push_back(
        squared_distances(rows.chunk(s, std::min(rows.chunk_rows, n - s)), centers).squeeze(1));
  }
  at::Tensor closest = at::cat(parts);

  for (int64_t c = 1; c < k; ++c) {
    const double total = closest.sum().item<double>();
    std::vector<int64_t> candidates;
    for (int64_t t = 0; t < trials; ++t) {
      candidates.push_back(total > 0 ? weighted_pick(closest, uniform() * total)
                                     : std::min(static_cast<int64_t>(uniform() * n), n - 1));
    }
    const at::Tensor cand = gather_rows(rows, candidates);
    // Potential of each candidate: the summed closest distance if it were added.
    double best_potential = 0;
    int64_t best = 0;
    at::Tensor potentials = at::zeros({trials}, closest.options().dtype(at::kDouble));
    std::vector<at::Tensor> chunks;
    for (int64_t s = 0; s < n; s += rows.chunk_rows) {
      const int64_t len = std::min(rows.chunk_rows, n - s);
      const at::Tensor d = at::minimum(squared_distances(rows.chunk(s, len), cand),
                                       closest.narrow(0, s, len).unsqueeze(1));  // len x trials
      potentials += d.to(at::kDouble).sum(0);
      chunks.push_back(d);
    }
    const at::Tensor all = at::cat(chunks);
    for (int64_t t = 0; t < trials; ++t) {
      const double p = potentials[t].item<double>();
      if (t == 0 || p < best_potential) {
        best_potential = p;
        best = t;
      }
    }
    closest = all.select(1, best).contiguous();
    centers = at::cat({centers, cand.narrow(0, best, 1)});
  }
  return centers;
}

namespace {

// One Lloyd pass with the fused CPU kernel: sums and counts of the rows per
// nearest centroid; or, when `inertia` is given, the summed distances (and
// the labels, where given).
void nearest_pass(const RowSource &rows, const at::Tensor &centroids, at::Tensor *sums,
                  at::Tensor *counts, double *inertia, int32_t *labels = nullptr) {
  const NearestCentroids nearest(centroids);
  NearestOutputs out;
  out.sums = sums != nullptr ? sums->data_ptr<float>() : nullptr;
  out.counts = counts != nullptr ? counts->data_ptr<int64_t>() : nullptr;
  out.inertia = inertia;
  out.labels = labels;
  if (rows.host != nullptr) {
    // Every row in one pass: the kernel blocks them and splits them among threads.
    nearest.run(rows.host, rows.rows, out, rows.scaling);
    return;
  }
  for (int64_t s = 0; s < rows.rows; s += rows.chunk_rows) {
    const at::Tensor x = rows.chunk(s, std::min(rows.chunk_rows, rows.rows - s)).contiguous();
    out.labels = labels != nullptr ? labels + s : nullptr;
    nearest.run(x.data_ptr<float>(), x.size(0), out);
  }
}

}  // namespace

KMeansResult lloyd(const RowSource &rows, const at::Tensor &init, int64_t max_iter, double tol,
                   int32_t *labels) {
  const int64_t n = rows.rows;
  const int64_t k = init.size(0);
  // tol = 0 runs max_iter iterations whatever the set's variance: no pass over it.
  const double threshold = tol > 0 ? tol * mean_feature_variance(rows) : 0.0;
  // The rows come on the centroids' device and in their dtype.
  const bool fused = nearest_kernel_applies(init, init);
  KMeansResult r;
  r.centroids = init.clone();
  for (int64_t it = 1; it <= max_iter; ++it) {
    at::Tensor sums = at::zeros_like(r.centroids);
    at::Tensor counts;
    if (fused) {
      at::Tensor hard = at::zeros({k}, r.centroids.options().dtype(at::kLong));
      nearest_pass(rows, r.centroids, &sums, &hard, nullptr);
      counts = hard;
    } else {
      counts = at::zeros({k}, r.centroids.options());
      for (int64_t s = 0; s < n; s += rows.chunk_rows) {
        const at::Tensor x = rows.chunk(s, std::min(rows.chunk_rows, n - s));
        const at::Tensor nearest = squared_distances(x, r.centroids).argmin(1);
        sums.index_add_(0, nearest, x);
        counts.index_add_(0, nearest, at::ones({x.size(0)}, x.options()));
      }
    }
    if (dist::active() != nullptr) {
      // Sharded: the sums and counts of every rank's rows (double, so that the
      // order of the ranks costs no more than float rounding of the total).
      sums = dist::sum(sums.to(at::kDouble)).to(sums.scalar_type());
      counts = dist::sum(counts);
    }
    counts = counts.to(r.centroids.scalar_type());
    // An empty cluster keeps its centroid.
    const at::Tensor nonempty = counts > 0;
    const at::Tensor updated =
        at::where(nonempty.unsqueeze(1), sums / counts.clamp_min(1).unsqueeze(1), r.centroids);
    const double shift = (updated - r.centroids).pow(2).sum().item<double>();
    r.centroids = updated;
    r.iterations = it;
    if (shift <= threshold) break;
  }
  double inertia = 0;
  if (fused) {
    nearest_pass(rows, r.centroids, nullptr, nullptr, &inertia, labels);
  } else {
    for (int64_t s = 0; s < n; s += rows.chunk_rows) {
      const int64_t len = std::min(rows.chunk_rows, n - s);
      const auto [best, nearest] = squared_distances(rows.chunk(s, len), r.centroids).min(1);
      inertia += best.to(at::kDouble).sum().item<double>();
      if (labels != nullptr) {
        const at::Tensor l = nearest.to(at::kCPU, at::kInt).contiguous();
        std::memcpy(labels + s, l.data_ptr<int32_t>(), static_cast<size_t>(len) * sizeof(int32_t));
      }
    }
  }
  r.inertia = dist::sum_of(inertia);
  return r;
}

KMeansResult kmeans_fit(const RowSource &rows, const KMeansOptions &options, at::Generator &gen,
                        const std::function<bool(int64_t)> &after_restart) {
  KMeansResult best;
  for (int64_t i = 0; i < options.n_init; ++i) {
    const at::Tensor init = kmeans_plus_plus(rows, options.k, gen);
    KMeansResult r = lloyd(rows, init, options.max_iter, options.tol);
    if (i == 0 || r.inertia < best.inertia) best = r;
    if (after_restart && !after_restart(i)) {
      fail(TDCM_ERR_CANCELLED, "fit cancelled by the progress callback");
    }
  }
  return best;
}

}  // namespace tdcm
