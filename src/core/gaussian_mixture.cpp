#include "core/gaussian_mixture.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "core/block_ops.h"
#include "core/column_moments.h"
#include "core/errors.h"
#include "core/mixture_labels.h"
#include "core/runtime.h"
#include "core/simd.h"
#include "dist/collectives.h"

namespace tdcm {
namespace {

constexpr double kLog2Pi = 1.8378770664093453;
// Below this mass a component has lost its rows (m_step keeps its previous parameters).
constexpr double kAliveMass = 1e-8;

at::Tensor chunk_of(const RowSource &rows, int64_t start) {
  return rows.chunk(start, std::min(rows.chunk_rows, rows.rows - start)).to(at::kDouble);
}

// x_i -= r for m rows of d floats.
TDCM_SIMD_CLONES
void subtract_row(float *x, int64_t m, int64_t d, const float *r) {
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t c = 0; c < d; ++c) x[i * d + c] -= r[c];
  }
}

// Sufficient statistics of one M step, accumulated chunk by chunk.
struct Moments {
  at::Tensor mass;     // k
  at::Tensor sum;      // k x d
  at::Tensor scatter;  // k x d x d: sum_i r_ij x_i x_i^T

  // Without `scatter` (a fixed covariance needs none), only mass and sum.
  Moments(int64_t k, int64_t d, const at::TensorOptions &o, bool scatter = true)
      : mass(at::zeros({k}, o)),
        sum(at::zeros({k, d}, o)),
        scatter(scatter ? at::zeros({k, d, d}, o) : at::Tensor()) {}

  void add(const at::Tensor &x, const at::Tensor &resp) {
    mass.add_(resp.sum(0));
    sum.add_(resp.t().mm(x));
    if (!scatter.defined()) return;
    for (int64_t j = 0; j < resp.size(1); ++j) {
      scatter[j].add_((x * resp.narrow(1, j, 1)).t().mm(x));
    }
  }

  // Hard labels in [0, k): each row counts once, in its own cluster's
  // products only (k times fewer operations than one-hot responsibilities).
  // Each cluster's rows of `x` (float or double) gathered in their order in
  // the set (a stable sort).
  void add_hard(const at::Tensor &x, const at::Tensor &labels) {
    const int64_t k = mass.size(0);
    const at::Tensor order = std::get<1>(labels.sort(/*stable=*/true, 0, false));
    const at::Tensor sorted = x.index_select(0, order).contiguous();
    const at::Tensor counts = at::bincount(labels, {}, k).to(at::kCPU).to(at::kLong).contiguous();
    const int64_t *count = counts.data_ptr<int64_t>();
    int64_t start = 0;
    for (int64_t j = 0; j < k; ++j) {
      if (count[j] == 0) continue;
      add_cluster(j, sorted.narrow(0, start, count[j]));
      start += count[j];
    }
  }

  // The same from rows in place (core/kmeans.h's RowSource::host), standardised
  // by `scaling` as a chunk would be, gathered cluster by cluster in row order
  // (a counting sort) into `buffer`: the same sums, bit for bit, as from the
  // chunks, without a standardised copy and a gathered copy of each chunk.
  void add_hard(const float *x, int64_t n, int64_t d, const RowScaling &scaling,
                const int32_t *labels, std::vector<float> &buffer) {
    const int64_t k = mass.size(0);
    std::vector<int64_t> count(static_cast<size_t>(k), 0), next(static_cast<size_t>(k), 0);
    for (int64_t i = 0; i < n; ++i) ++count[static_cast<size_t>(labels[i])];
    for (int64_t j = 1; j < k; ++j) {
      next[static_cast<size_t>(j)] =
          next[static_cast<size_t>(j - 1)] + count[static_cast<size_t>(j - 1)];
    }
    buffer.resize(static_cast<size_t>(n * d));
    for (int64_t i = 0; i < n; ++i) {
      float *to = buffer.data() + next[static_cast<size_t>(labels[i])]++ * d;
      if (scaling.mean != nullptr) {
        scale_block(x + i * d, 1, d, scaling, to);
      } else {
        std::memcpy(to, x + i * d, static_cast<size_t>(d) * sizeof(float));
      }
    }
    int64_t start = 0;
    for (int64_t j = 0; j < k; ++j) {
      const int64_t m = count[static_cast<size_t>(j)];
      if (m == 0) continue;
      add_cluster(j, at::from_blob(buffer.data() + start * d, {m, d}, at::kFloat));
      start += m;
    }
  }

  // One cluster's m x d rows (contiguous, float or double; the caller's
  // scratch, centred here in place). The scatter is taken in the rows' own
  // precision about their mean r, where float keeps the digits (its terms are
  // of the cluster's spread, not of its distance from the origin); float rows
  // on the CPU by ssyrk, a quarter of a double GEMM's time. It is put back
  // about the origin in double: with s the sum,
  // sum x x^T = sum (x - r)(x - r)^T + r s^T + s r^T - m r r^T.
  void add_cluster(int64_t j, at::Tensor rows) {
    const int64_t m = rows.size(0), d = rows.size(1);
    at::Tensor s, r, gram;
    if (rows.is_cpu() && rows.scalar_type() == at::kFloat) {
      float *x = rows.data_ptr<float>();
      s = at::tensor(column_moments(x, m, d, RowScaling{}).sum, at::kDouble);
      r = (s / static_cast<double>(m)).to(at::kFloat);
      subtract_row(x, m, d, r.data_ptr<float>());
      gram = at::empty({d, d}, rows.options());
      block_gram(x, m, d, gram.data_ptr<float>());
    } else {
      s = rows.sum(0, /*keepdim=*/false, at::kDouble);
      r = (s / static_cast<double>(m)).to(rows.scalar_type());
      rows.sub_(r);
      gram = rows.t().mm(rows);
    }
    const at::Tensor rd = r.to(at::kDouble);
    const at::Tensor rs = rd.unsqueeze(1) * s.unsqueeze(0);
    mass[j].add_(static_cast<double>(m));
    sum[j].add_(s);
    scatter[j].add_(gram.to(at::kDouble) + rs + rs.t() -
                    static_cast<double>(m) * rd.unsqueeze(1) * rd.unsqueeze(0));
  }

  // Sharded: the statistics of every rank's rows (identity in one process).
  Moments &reduced() {
    if (dist::active() != nullptr) {
      mass = dist::sum(mass);
      sum = dist::sum(sum);
      scatter = dist::sum(scatter);
    }
    return *this;
  }
};

// The M step: means, covariances (MAP under `prior` when given) and weights.
// A component that lost every row keeps its previous parameters.
Mixture m_step(const Moments &mo, const Mixture &previous, double reg, const ShapePrior *prior,
               CovarianceModel model) {
  const int64_t d = mo.sum.size(1);
  const at::Tensor alive = mo.mass > kAliveMass;
  const at::Tensor mass = mo.mass.clamp_min(kAliveMass);
  Mixture m;
  m.means = at::where(alive.unsqueeze(1), mo.sum / mass.unsqueeze(1), previous.means);
  m.sizes = mo.mass;
  m.weights = mass / mass.sum();
  if (model == CovarianceModel::Fixed) {
    m.covs = previous.covs;
    return m;
  }
  // Scatter about the new means: sum r x x^T - N mu mu^T.
  at::Tensor scatter =
      mo.scatter - mass.view({-1, 1, 1}) * m.means.unsqueeze(2) * m.means.unsqueeze(1);
  at::Tensor denom = mass;
  if (prior != nullptr) {
    scatter = scatter + prior->strength.view({-1, 1, 1}) * prior->covs;
    denom = mass + prior->strength;
  }
  const at::Tensor eye = at::eye(d, mo.sum.options());
  if (model == CovarianceModel::Tied) {
    at::Tensor pooled = scatter.sum(0) / denom.sum();
    pooled = (pooled + pooled.t()) * 0.5 + reg * eye;
    m.covs = pooled.unsqueeze(0).expand_as(previous.covs).contiguous();
  } else {
    at::Tensor covs = scatter / denom.view({-1, 1, 1});
    covs = (covs + covs.transpose(1, 2)) * 0.5 + reg * eye;
    m.covs = at::where(alive.view({-1, 1, 1}), covs, previous.covs);
  }
  return m;
}

}  // namespace

Mixture tied(const Mixture &m) {
  const at::Tensor w = m.sizes.defined() ? m.sizes : m.weights;
  const at::Tensor pooled = (m.covs * (w / w.sum()).view({-1, 1, 1})).sum(0);
  Mixture t = m;
  t.covs = pooled.unsqueeze(0).expand_as(m.covs).contiguous();
  return t;
}

Mixture Mixture::to(const c10::Device &device) const {
  auto move = [&](const at::Tensor &t) { return t.defined() ? t.to(device) : t; };
  return Mixture{move(means), move(covs), move(weights), move(sizes)};
}

Mixture Mixture::to(at::ScalarType dtype) const {
  auto cast = [&](const at::Tensor &t) { return t.defined() ? t.to(dtype) : t; };
  return Mixture{cast(means), cast(covs), cast(weights), cast(sizes)};
}

Mixture Mixture::permuted(const std::vector<int64_t> &order) const {
  const at::Tensor idx = at::tensor(order, at::kLong).to(means.device());
  auto pick = [&](const at::Tensor &t) { return t.defined() ? t.index_select(0, idx) : t; };
  return Mixture{pick(means), pick(covs), pick(weights), pick(sizes)};
}

PrecisionFactors precision_factors(const Mixture &m) {
  const int64_t d = m.means.size(1);
  auto [chol, info] = at::linalg_cholesky_ex(m.covs);
  // Rounding can make a covariance indefinite: lift its spectrum, a little first.
  const at::Tensor scale = at::diagonal(m.covs, 0, 1, 2).abs().mean(1).clamp_min(1e-300);
  const at::Tensor eye = at::eye(d, m.covs.options());
  for (double lift : {1e-6, 1e-3, 1e-1, 1.0}) {
    if (info.max().item<int64_t>() == 0) break;
    std::tie(chol, info) = at::linalg_cholesky_ex(m.covs + lift * scale.view({-1, 1, 1}) * eye);
  }
  if (info.max().item<int64_t>() != 0 || !at::isfinite(chol).all().item<bool>()) {
    fail(TDCM_ERR_INVALID_ARGUMENT,
         "a cluster's covariance is not positive definite even when regularised: the "
         "(embedded) values are too large or degenerate for the Gaussian blocks");
  }
  const at::Tensor inv = at::linalg_solve_triangular(chol, eye.expand_as(chol), /*upper=*/false);
  PrecisionFactors f;
  f.prec_chol = inv.transpose(1, 2).contiguous();
  f.mean_proj = m.means.unsqueeze(1).bmm(f.prec_chol).squeeze(1);
  const at::Tensor log_det = at::log(at::diagonal(f.prec_chol, 0, 1, 2)).sum(1);
  f.log_norm = at::log(m.weights.clamp_min(1e-300)) - 0.5 * d * kLog2Pi + log_det;
  return f;
}

at::Tensor weighted_log_prob(const at::Tensor &x, const PrecisionFactors &f) {
  const int64_t n = x.size(0);
  const int64_t k = f.prec_chol.size(0);
  const int64_t d = f.prec_chol.size(1);
  // One product for all components: x (n x d) by [P_1 ... P_k] (d x kd).
  const at::Tensor all = f.prec_chol.permute({1, 0, 2}).reshape({d, k * d});
  auto block = [&](const at::Tensor &rows) {
    const at::Tensor y = rows.mm(all).view({-1, k, d}) - f.mean_proj.unsqueeze(0);
    return f.log_norm.unsqueeze(0) - 0.5 * y.pow(2).sum(2);
  };
  // The n x k x d projections of a block of rows at most kProjectionBytes: the
  // same operations on fewer rows give the same values, in O(rows x k) memory.
  constexpr int64_t kProjectionBytes = int64_t{32} << 20;
  const int64_t rows = std::max<int64_t>(1, kProjectionBytes / (8 * k * d));
  if (n <= rows) return block(x);
  at::Tensor out = at::empty({n, k}, f.log_norm.options());
  for (int64_t s = 0; s < n; s += rows) {
    const int64_t len = std::min(rows, n - s);
    out.narrow(0, s, len).copy_(block(x.narrow(0, s, len)));
  }
  return out;
}

double prior_log_density(const Mixture &m, const ShapePrior &prior) {
  const at::Tensor log_det = at::logdet(m.covs);
  const at::Tensor trace = at::diagonal(at::linalg_solve(m.covs, prior.covs), 0, 1, 2).sum(1);
  return (prior.strength * (log_det + trace)).sum().item<double>() * -0.5;
}

double covariance_reg(const RowSource &rows, double reg) {
  return reg * std::max(mean_feature_variance(rows), 1e-300);
}

namespace {

// What m_step keeps for a component that has no rows: `means`, and a sphere
// of the set's mean feature variance. That variance costs a pass over the
// rows, taken only when some component is empty; the masses are the reduced
// ones, so that every rank of a sharded set runs the same collectives.
Mixture empty_fallback(const RowSource &rows, const Moments &mo, const at::Tensor &means) {
  const int64_t k = means.size(0), d = means.size(1);
  const bool any_empty = !(mo.mass > kAliveMass).all().item<bool>();
  const double variance = any_empty ? std::max(mean_feature_variance(rows), 1e-12) : 1.0;
  Mixture previous;
  previous.means = means;
  previous.covs = at::eye(d, means.options()).expand({k, d, d}) * variance;
  return previous;
}

}  // namespace

Mixture mixture_from_means(const RowSource &rows, const at::Tensor &means, double reg) {
  const at::Tensor mu = means.to(at::kDouble);
  const int64_t k = mu.size(0);
  const int64_t d = mu.size(1);
  Moments mo(k, d, mu.options());
  for (int64_t s = 0; s < rows.rows; s += rows.chunk_rows) {
    const at::Tensor x = chunk_of(rows, s);
    // One-hot responsibilities, not add_hard: this mixture starts EM (gmm_fit
    // and TDCM's adaptation), whose results must not move with the rounding.
    const at::Tensor nearest = squared_distances(x, mu).argmin(1);
    mo.add(x, at::one_hot(nearest, k).to(at::kDouble));
  }
  mo.reduced();
  // An empty cluster keeps its mean.
  return m_step(mo, empty_fallback(rows, mo, mu), reg, nullptr, CovarianceModel::Full);
}

Mixture mixture_of_labels(const RowSource &rows, const int32_t *labels, int64_t k, double reg) {
  Moments mo(0, 0, at::TensorOptions().dtype(at::kDouble));
  bool started = false;
  // Rows in place, with labels all in [0, k): the same sums from the caller's buffer.
  const bool in_range =
      std::all_of(labels, labels + rows.rows, [k](int32_t l) { return l >= 0 && l < k; });
  if (rows.host != nullptr && rows.rows > 0 && in_range) {
    const int64_t d = rows.chunk(0, 1).size(1);
    mo = Moments(k, d, at::TensorOptions().dtype(at::kDouble));
    started = true;
    std::vector<float> buffer;
    for (int64_t s = 0; s < rows.rows; s += rows.chunk_rows) {
      const int64_t len = std::min(rows.chunk_rows, rows.rows - s);
      mo.add_hard(rows.host + s * d, len, d, rows.scaling, labels + s, buffer);
    }
  } else {
    for (int64_t s = 0; s < rows.rows; s += rows.chunk_rows) {
      at::Tensor x = rows.chunk(s, std::min(rows.chunk_rows, rows.rows - s));
      x = (x.scalar_type() == at::kDouble ? x : x.to(at::kFloat)).contiguous();
      if (!started) {
        mo = Moments(k, x.size(1), x.options().dtype(at::kDouble));
        started = true;
      }
      const at::Tensor l =
          at::from_blob(const_cast<int32_t *>(labels + s), {x.size(0)}, at::kInt).to(at::kLong);
      mo.add_hard(x, l.to(x.device()));
    }
  }
  if (!started) {
    // A rank that holds none of a sharded set's rows: zero statistics, and
    // the same collectives as the others.
    mo = Moments(k, chunk_of(rows, 0).size(1), chunk_of(rows, 0).options());
  }
  mo.reduced();
  // An empty cluster gets the origin.
  const at::Tensor origin = at::zeros_like(mo.sum);
  return m_step(mo, empty_fallback(rows, mo, origin), reg, nullptr, CovarianceModel::Full);
}

EmResult em(const RowSource &rows, const Mixture &init, const EmOptions &options,
            const ShapePrior *prior) {
  const double reg = covariance_reg(rows, options.reg);
  EmResult r;
  r.mixture = init;
  const int64_t k = init.k();
  const int64_t d = init.means.size(1);
  const int64_t n = dist::total_rows(rows.rows);  // all ranks' rows when sharded
  double previous = -INFINITY;
  for (int64_t it = 1; it <= options.max_iter; ++it) {
    const PrecisionFactors f = precision_factors(r.mixture);
    Moments mo(k, d, init.means.options(), options.covariance != CovarianceModel::Fixed);
    at::Tensor total = at::zeros({}, init.means.options());
    for (int64_t s = 0; s < rows.rows; s += rows.chunk_rows) {
      const at::Tensor x = chunk_of(rows, s);
      const at::Tensor lp = weighted_log_prob(x, f);
      const at::Tensor norm = at::logsumexp(lp, 1, true);
      total.add_(norm.sum());
      mo.add(x, at::exp(lp - norm));
    }
    mo.reduced();
    const double ll = dist::sum(total).item<double>() / static_cast<double>(n);
    if (!std::isfinite(ll)) {
      fail(TDCM_ERR_INVALID_ARGUMENT,
           "the Gaussian blocks' log-likelihood is not finite: the (embedded) values are too "
           "large or degenerate");
    }
    r.mixture = m_step(mo, r.mixture, reg, prior, options.covariance);
    r.log_likelihood = ll;
    r.iterations = it;
    if (std::abs(ll - previous) <= options.tol) break;
    previous = ll;
  }
  return r;
}

EmResult gmm_fit(const RowSource &rows, int64_t k, int64_t n_init, const EmOptions &options,
                 at::Generator &gen) {
  const double reg = covariance_reg(rows, options.reg);
  EmResult best;
  for (int64_t i = 0; i < n_init; ++i) {
    const KMeansResult km = lloyd(rows, kmeans_plus_plus(rows, k, gen), 300, 1e-4);
    Mixture start = mixture_from_means(rows, km.centroids, reg);
    if (options.covariance == CovarianceModel::Tied) start = tied(start);
    EmResult r = em(rows, start, options);
    if (i == 0 || r.log_likelihood > best.log_likelihood) best = std::move(r);
  }
  return best;
}

void mixture_posterior(const RowSource &rows, const Mixture &m, int32_t *labels, float *probs,
                       const at::Tensor &relabel) {
  const at::Tensor r = relabel.defined() ? relabel.to(m.means.device(), at::kDouble) : relabel;
  mixture_posterior(rows, precision_factors(m), labels, probs, r);
}

void mixture_posterior(const RowSource &rows, const PrecisionFactors &f, int32_t *labels,
                       float *probs, const at::Tensor &r) {
  const int64_t k = f.log_norm.size(0);
  // Rows in place on the CPU: the labels from the float32 pass (whether or not
  // probabilities are asked for, so that a row's label does not depend on it).
  const bool in_place = rows.host != nullptr && f.prec_chol.device().is_cpu();
  if (in_place && labels != nullptr)
    MixtureLabels(f).run(rows.host, rows.rows, labels, rows.scaling);
  if ((in_place || labels == nullptr) && probs == nullptr) return;
  for (int64_t s = 0; s < rows.rows; s += rows.chunk_rows) {
    const at::Tensor lp = weighted_log_prob(chunk_of(rows, s), f);
    if (!in_place && labels != nullptr) copy_to_buffer(lp.argmax(1).to(at::kInt), labels + s);
    if (probs == nullptr) continue;
    at::Tensor p = at::softmax(lp, 1);
    if (r.defined()) p = p.mm(r);
    copy_to_buffer(p.to(at::kFloat), probs + s * k);
  }
}

}  // namespace tdcm
