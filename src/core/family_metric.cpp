#include "core/family_metric.h"

#include <algorithm>
#include <cmath>
#include <tuple>

#include "core/errors.h"
#include "core/kmeans.h"

namespace tdcm {
namespace {

// Lower Cholesky factor of a covariance, regularised until it exists.
at::Tensor cholesky_of(const at::Tensor &cov, double reg) {
  const at::Tensor eye = at::eye(cov.size(0), cov.options());
  const double scale = std::max(cov.diagonal().mean().item<double>(), 1e-300);
  for (double r = reg; r < 1.0; r *= 10.0) {
    const auto [l, info] = at::linalg_cholesky_ex(cov + r * scale * eye);
    if (info.item<int64_t>() == 0) return l;
  }
  fail(TDCM_ERR_INVALID_ARGUMENT, "the family's within-cluster covariance is degenerate");
}

// Rows whitened by Sigma = L L^T: y = L^-1 x, row by row.
at::Tensor whiten(const at::Tensor &x, const at::Tensor &l) {
  return at::linalg_solve_triangular(l, x.t(), /*upper=*/false).t();
}

// Hard labels of one set's rows: k-means in the whitened space.
at::Tensor cluster_set(const at::Tensor &y, int64_t k, int64_t restarts, at::Generator &gen) {
  const RowSource rows = tensor_rows(y, y.size(0));
  const KMeansResult km = kmeans_fit(rows, KMeansOptions{k, restarts, 300, 1e-4}, gen);
  return squared_distances(y, km.centroids).argmin(1);
}

// Per-cluster means of rows under hard labels (k x d; an empty cluster gets
// the set's mean) and the rows per cluster.
std::pair<at::Tensor, at::Tensor> cluster_means(const at::Tensor &x, const at::Tensor &labels,
                                                int64_t k) {
  const at::Tensor onehot = at::one_hot(labels, k).to(x.scalar_type());
  const at::Tensor counts = onehot.sum(0);
  at::Tensor means = onehot.t().mm(x) / counts.clamp_min(1).unsqueeze(1);
  means = at::where((counts > 0).unsqueeze(1), means, x.mean(0, true).expand_as(means));
  return {means, counts};
}

}  // namespace

FamilyMetric learn_family_metric(const at::Tensor &x, const std::vector<at::Tensor> &sets,
                                 const FamilyOptions &o, at::Generator &gen,
                                 const int32_t *labels) {
  const int64_t d = x.size(1);
  const auto opts = x.options();
  const double reg = o.reg;
  // The start: the pooled covariance of the set-centred rows (clusters and all).
  at::Tensor cov = at::zeros({d, d}, opts);
  int64_t total = 0;
  for (const at::Tensor &s : sets) {
    const at::Tensor xs = x.index_select(0, s);
    const at::Tensor c = xs - xs.mean(0, true);
    cov.add_(c.t().mm(c));
    total += xs.size(0);
  }
  cov.div_(static_cast<double>(total));

  at::Tensor label_tensor;
  if (labels != nullptr) {
    label_tensor = at::from_blob(const_cast<int32_t *>(labels), {x.size(0)}, at::kInt)
                       .to(at::kLong)
                       .to(x.device());
  }
  // rounds = 0 keeps the pooled covariance; one pass still finds the clusters
  // that the between-cluster scatter comes from.
  const int64_t rounds = labels != nullptr ? 1 : o.rounds;
  at::Tensor between;
  for (int64_t round = 0; round < std::max<int64_t>(rounds, 1); ++round) {
    const at::Tensor l = cholesky_of(cov, reg);
    at::Tensor within = at::zeros({d, d}, opts);
    between = at::zeros({d, d}, opts);
    for (const at::Tensor &s : sets) {
      const at::Tensor xs = x.index_select(0, s);
      at::Tensor lab;
      int64_t k = o.k;
      if (labels != nullptr) {
        lab = label_tensor.index_select(0, s);
        // Cluster ids within a set need not be 0..k-1: compact them.
        at::Tensor unique, inverse;
        std::tie(unique, inverse, std::ignore) = at::_unique2(lab, true, true, false);
        lab = inverse;
        k = unique.size(0);
      } else {
        lab = cluster_set(whiten(xs, l), k, o.restarts, gen);
      }
      const auto [means, counts] = cluster_means(xs, lab, k);
      const at::Tensor r = xs - means.index_select(0, lab);
      within.add_(r.t().mm(r));
      const at::Tensor b = (means - xs.mean(0, true)) * counts.sqrt().unsqueeze(1);
      between.add_(b.t().mm(b));
    }
    if (rounds == 0) break;
    cov = within / static_cast<double>(total);
    cov = (cov + cov.t()) * 0.5;
  }
  between = between / static_cast<double>(total);

  FamilyMetric m;
  m.covariance = cov;
  m.between = (between + between.t()) * 0.5;
  const at::Tensor l = cholesky_of(cov, reg);
  // Between-cluster scatter in the whitened space: B = L^-1 S_b L^-T.
  const at::Tensor linv = at::linalg_solve_triangular(l, at::eye(d, opts), /*upper=*/false);
  const at::Tensor b = linv.mm(m.between).mm(linv.t());
  const auto [evals, evecs] = at::linalg_eigh((b + b.t()) * 0.5);
  // eigh sorts ascending; the map keeps the largest.
  m.spectrum = evals.flip(0);
  const at::Tensor u = evecs.flip(1);
  int64_t rank = (m.spectrum >= o.min_between).sum().item<int64_t>();
  rank = std::max<int64_t>(rank, 1);
  m.whitening = u.t().mm(linv).contiguous();
  m.map = m.whitening.narrow(0, 0, rank).contiguous();
  return m;
}

bool family_beats_refit(const at::Tensor &x, const std::vector<at::Tensor> &sets,
                        const FamilyMetric &metric, const FamilyOptions &o, int64_t sets_checked,
                        at::Generator &gen) {
  const int64_t d = x.size(1);
  const at::Tensor l = cholesky_of(metric.covariance, o.reg);
  double family = 0.0, refit = 0.0;
  const int64_t checked = std::min<int64_t>(sets_checked, static_cast<int64_t>(sets.size()));
  for (int64_t i = 0; i < checked; ++i) {
    const at::Tensor xs = x.index_select(0, sets[static_cast<size_t>(i)]);
    const int64_t n = xs.size(0);
    const int64_t half = n / 2;
    if (half < o.k || n - half < 1) continue;
    const at::Tensor perm = at::randperm(n, gen, at::kLong).to(x.device());
    const at::Tensor a = xs.index_select(0, perm.narrow(0, 0, half));
    const at::Tensor b = xs.index_select(0, perm.narrow(0, half, n - half));
    auto mean_ll = [&](const Mixture &m) {
      const at::Tensor lp = weighted_log_prob(b, precision_factors(m));
      return at::logsumexp(lp, 1).mean().item<double>();
    };
    // (a) The family's covariance, means and weights from the first half.
    const at::Tensor lab = cluster_set(whiten(a, l), o.k, o.restarts, gen);
    const auto [means, counts] = cluster_means(a, lab, o.k);
    Mixture shared;
    shared.means = means;
    shared.covs = metric.covariance.unsqueeze(0).expand({o.k, d, d}).contiguous();
    shared.weights = (counts + 1.0) / (counts.sum() + static_cast<double>(o.k));
    family += mean_ll(shared);
    // (b) A full-covariance refit of the first half.
    const Mixture own = gmm_fit(tensor_rows(a, a.size(0)), o.k, 1, EmOptions{}, gen).mixture;
    const double r = mean_ll(own);
    refit += std::isfinite(r) ? r : -1e300;
  }
  return family >= refit;
}

}  // namespace tdcm
