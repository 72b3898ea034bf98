#include "core/gaussian_adapt.h"

#include "core/errors.h"
#include "core/identity.h"

namespace tdcm {

GaussianAdaptation adapt_mixture(const at::Tensor &z, const Mixture *source,
                                 const GaussianAdaptOptions &o, at::Generator &gen) {
  const int64_t n = z.size(0);
  if (n < o.k) {
    fail(TDCM_ERR_INVALID_ARGUMENT,
         "adapting needs at least k=" + std::to_string(o.k) + " rows, got " + std::to_string(n));
  }
  // The starts are compared on a seeded subset of a large set: choosing among
  // them needs far fewer rows than the final iterations, which see every row.
  const bool subset = o.restart_rows > 0 && n > o.restart_rows;
  const at::Tensor zs =
      subset ? z.index_select(
                   0, at::randperm(n, gen, at::kLong).narrow(0, 0, o.restart_rows).to(z.device()))
             : z;
  const RowSource search = tensor_rows(zs, o.chunk_rows);
  const double reg = covariance_reg(search, o.em.reg);
  // Starts run to a looser tolerance: ranking them needs less precision than the winner.
  EmOptions loose = o.em;
  loose.tol = o.em.tol * 10.0;

  GaussianAdaptation out;
  EmResult best;
  auto consider = [&](const Mixture &start) {
    EmResult r = em(search, start, loose);
    if (out.starts++ == 0 || r.log_likelihood > best.log_likelihood) best = std::move(r);
  };
  if (source != nullptr) {
    const Mixture s = source->to(z.device());
    consider(s.covs.defined() ? s : mixture_from_means(search, s.means, reg));
  }
  for (int64_t r = 0; r < o.restarts; ++r) {
    const KMeansResult km = lloyd(search, kmeans_plus_plus(search, o.k, gen), 300, 1e-4);
    consider(mixture_from_means(search, km.centroids, reg));
  }
  const RowSource all = tensor_rows(z, o.chunk_rows);
  Mixture m = em(all, best.mixture, o.em).mixture;
  if (source == nullptr) {
    out.mixture = m;
    return out;
  }
  // Names: target component i continues source component source_of[i].
  const ClusterMatch match = match_components(*source, m);
  std::vector<int64_t> order(static_cast<size_t>(o.k));
  for (int64_t i = 0; i < o.k; ++i) order[static_cast<size_t>(match.source_of[i])] = i;
  m = m.permuted(order);
  if (source->covs.defined() && o.shape_prior > 0.0) {
    const Mixture s = source->to(z.device());
    const ShapePrior prior{s.covs, s.sizes * o.shape_prior};
    m = em(all, m, o.em, &prior).mixture;
  }
  out.confidence = pairing_confidence(*source, m);
  out.mixture = m;
  return out;
}

}  // namespace tdcm
