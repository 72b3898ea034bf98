#include "core/gaussian_adapt.h"

#include <algorithm>
#include <cmath>

#include "core/errors.h"
#include "core/identity.h"
#include "dist/collectives.h"
#include "dist/sharded_rows.h"

namespace tdcm {
namespace {

// Measured on P1 (tuning seeds 100..109, K = 2..10): a k-means++ start needs
// only a few Lloyd steps before EM, the starts can be ranked at ten times
// EM's tolerance, and finishing the best three on every row (of a large set)
// loses nothing to finishing all of them.
constexpr int64_t kStartLloyd = 10;
constexpr double kLooseTol = 10.0;
constexpr int64_t kFinalists = 3;

}  // namespace

GaussianAdaptation adapt_mixture(const at::Tensor &z, const Mixture *source,
                                 const GaussianAdaptOptions &o, at::Generator &gen) {
  // Sharded: n counts every rank's rows, and the subset below is drawn from them all.
  const int64_t n = dist::total_rows(z.size(0));
  if (n < o.k) {
    fail(TDCM_ERR_INVALID_ARGUMENT,
         "adapting needs at least k=" + std::to_string(o.k) + " rows, got " + std::to_string(n));
  }
  // The starts are compared on a seeded subset of a large set: choosing among
  // them needs far fewer rows than the final iterations, which see every row.
  // Enough rows for k full covariances: at least max(50, 4 b) per cluster.
  const int64_t search_rows =
      o.restart_rows > 0 ? std::max(o.restart_rows, o.k * std::max<int64_t>(50, 4 * z.size(1))) : n;
  const bool subset = n > search_rows;
  const Subset picked =
      subset ? subset_of(at::randperm(n, gen, at::kLong).narrow(0, 0, search_rows), z.size(0))
             : Subset{};
  const at::Tensor zs = subset ? z.index_select(0, picked.rows.to(z.device())) : z;
  RowSource search = tensor_rows(zs, o.chunk_rows);
  search.positions = picked.positions;
  const double reg = covariance_reg(search, o.em.reg);
  // Starts run to a looser tolerance: ranking them needs less precision than the winner.
  EmOptions final_em = o.em;
  if (o.fixed_cov.defined()) final_em.covariance = CovarianceModel::Fixed;
  EmOptions loose = final_em;
  loose.tol = final_em.tol * kLooseTol;
  // A start from hard labels, with the fixed covariance where there is one.
  auto start_of = [&](const at::Tensor &means) {
    Mixture m = mixture_from_means(search, means, reg);
    if (o.fixed_cov.defined()) m.covs = o.fixed_cov.expand_as(m.covs).contiguous();
    return m;
  };

  // With source shapes, a start is judged by the MAP objective of the model
  // that the final steps fit: its likelihood plus the prior of its shapes once
  // its clusters carry the source's names. Among local optima of similar
  // likelihood this prefers the one whose clusters look like the source's
  // (not two merged into one and another split), which the likelihood alone
  // cannot tell apart.
  const Mixture source_here = source != nullptr ? source->to(z.device()) : Mixture{};
  const bool shaped = source != nullptr && source_here.covs.defined() && o.shape_prior > 0.0;
  ShapePrior prior;
  if (shaped) {
    prior = ShapePrior{source_here.covs, source_here.sizes * o.shape_prior};
  }
  // The prior's weight against the likelihood of the rows the starts are compared on.
  const int64_t search_n = subset ? search_rows : n;
  const double search_share = static_cast<double>(search_n) / static_cast<double>(n);

  GaussianAdaptation out;
  auto named = [&](const Mixture &m) {
    const ClusterMatch match = match_components(*source, m);
    std::vector<int64_t> order(static_cast<size_t>(o.k));
    for (int64_t i = 0; i < o.k; ++i) order[static_cast<size_t>(match.source_of[i])] = i;
    return m.permuted(order);
  };
  // The objective of a mixture on `rows` whose mean log-likelihood is `ll`.
  auto objective = [&](const Mixture &m, double ll, int64_t rows, double prior_share) {
    double score = ll * static_cast<double>(rows);
    if (shaped) score += prior_log_density(m, ShapePrior{prior.covs, prior.strength * prior_share});
    return score;
  };
  std::vector<std::pair<double, Mixture>> candidates;
  auto consider = [&](const Mixture &start) {
    EmResult r = em(search, start, loose);
    if (shaped) r.mixture = named(r.mixture);
    candidates.emplace_back(objective(r.mixture, r.log_likelihood, search_n, search_share),
                            std::move(r.mixture));
  };
  if (source != nullptr) {
    consider(source_here.covs.defined() ? source_here : start_of(source_here.means));
  }
  for (int64_t r = 0; r < o.restarts; ++r) {
    const at::Tensor seeds = kmeans_plus_plus(search, o.k, gen);
    // With the covariance fixed, EM is soft k-means already: no Lloyd steps first.
    consider(start_of(o.fixed_cov.defined() ? seeds
                                            : lloyd(search, seeds, kStartLloyd, 1e-4).centroids));
  }
  out.starts = static_cast<int64_t>(candidates.size());
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const auto &a, const auto &b) { return a.first > b.first; });
  // The best few on the subset are finished on every row, and compared again there.
  const RowSource all = tensor_rows(z, o.chunk_rows);
  const int64_t finalists =
      std::min<int64_t>(subset ? kFinalists : 1, static_cast<int64_t>(candidates.size()));
  Mixture m;
  double best = -INFINITY;
  for (int64_t f = 0; f < finalists; ++f) {
    EmResult r =
        em(all, candidates[static_cast<size_t>(f)].second, final_em, shaped ? &prior : nullptr);
    const double score = objective(r.mixture, r.log_likelihood, n, 1.0);
    if (f == 0 || score > best) {
      best = score;
      m = std::move(r.mixture);
    }
  }
  if (source == nullptr) {
    out.mixture = m;
    return out;
  }
  // Names: each cluster takes the number of the source cluster it continues
  // (already given when the prior judged the starts).
  if (!shaped) m = named(m);
  out.confidence = pairing_confidence(*source, m);
  out.mixture = m;
  return out;
}

}  // namespace tdcm
