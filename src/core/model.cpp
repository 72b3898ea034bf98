#include "core/model.h"

#include <ATen/core/grad_mode.h>  // at::NoGradGuard, which ATen/ATen.h no longer brings in 2.x

#include <algorithm>
#include <map>
#include <sstream>

#include "core/errors.h"
#include "core/family_metric.h"
#include "core/family_training.h"
#include "core/finite_scan.h"
#include "core/gaussian_adapt.h"
#include "core/nearest.h"
#include "core/runtime.h"
#include "dist/collectives.h"
#include "dist/sharded_rows.h"
#include "tdcm/tdcm.h"

namespace tdcm {
namespace {

// Training sets on which collection=auto compares the family's metric with a refit.
constexpr int64_t kFamilyChecks = 10;

at::Tensor wrap_rows(const float *x, int64_t n, int64_t d) {
  // The caller's buffer, read in place: no copy on the CPU.
  return at::from_blob(const_cast<float *>(x), {n, d}, at::kFloat);
}

std::vector<at::Tensor> group_rows(const int64_t *set_ids, int64_t n, int64_t k) {
  if (set_ids == nullptr) return {at::arange(n, at::kLong)};
  std::map<int64_t, std::vector<int64_t>> groups;
  for (int64_t i = 0; i < n; ++i) groups[set_ids[i]].push_back(i);
  std::vector<at::Tensor> sets;
  for (auto &[id, rows] : groups) {
    if (static_cast<int64_t>(rows.size()) < k) {
      fail(TDCM_ERR_INVALID_ARGUMENT, "data set " + std::to_string(id) + " has " +
                                          std::to_string(rows.size()) +
                                          " rows, fewer than k=" + std::to_string(k));
    }
    sets.push_back(at::tensor(rows, at::kLong));
  }
  return sets;
}

// Rows per cluster of a mixture's posterior labels (float32, for the model file).
at::Tensor posterior_counts(const RowSource &rows, const Mixture &m) {
  std::vector<int32_t> labels(static_cast<size_t>(rows.rows));
  mixture_posterior(rows, m.to(at::kDouble), labels.data(), nullptr);
  const std::vector<int64_t> counts = label_counts(labels.data(), rows.rows, m.k());
  return dist::sum(at::tensor(counts, at::kLong)).to(at::kFloat);
}

}  // namespace

Model::Model(const Params &params) : params_(params), device_(resolve_device(params.device)) {}

int64_t Model::embed_dim() const {
  if (params_.algo == "tdcm" && state_) return width(*state_);
  if (params_.algo == "tdcm") return embedding_width(params_, input_dim());
  return input_dim();
}

int64_t Model::width(const State &state) const {
  if (state.family_map.defined()) return state.family_map.size(0);
  return embedding_width(params_, state.input_dim);
}

bool Model::gaussian() const {
  return params_.algo == "gmm" || (params_.algo == "tdcm" && params_.metric == "gaussian");
}

void Model::check_input(int64_t n, int64_t d) const {
  if (!state_) fail(TDCM_ERR_NOT_FITTED, "the model is not fitted: call tdcm_fit or tdcm_load");
  if (d != state_->input_dim) {
    fail(TDCM_ERR_SHAPE, "input has " + std::to_string(d) +
                             " columns but the model was fitted on " +
                             std::to_string(state_->input_dim));
  }
  if (n < 1) fail(TDCM_ERR_INVALID_ARGUMENT, "n must be at least 1");
}

RowSource Model::rows_of(const State &state, const float *x, int64_t n) const {
  RowSource rows;
  rows.rows = n;
  rows.chunk_rows = params_.chunk_rows;
  const int64_t d = state.input_dim;
  const c10::Device device = device_;
  const at::Tensor mean = state.input_mean;
  const at::Tensor std = state.input_std;
  rows.chunk = [x, d, device, mean, std](int64_t start, int64_t len) {
    at::Tensor chunk = wrap_rows(x + start * d, len, d).to(device);
    if (mean.defined()) chunk = (chunk - mean) / std;
    return chunk;
  };
  // The caller's buffer, standardised block by block by the kernels that read it in place.
  auto flat = [d](const at::Tensor &t) {
    return t.device().is_cpu() && t.scalar_type() == at::kFloat && t.is_contiguous() &&
           t.numel() == d;
  };
  if (device.is_cpu() && (!mean.defined() || (flat(mean) && flat(std)))) {
    rows.host = x;
    if (mean.defined()) rows.scaling = {mean.data_ptr<float>(), std.data_ptr<float>()};
  }
  return rows;
}

at::Tensor Model::embed(const State &state, const float *x, int64_t n) const {
  const RowSource rows = rows_of(state, x, n);
  at::Tensor z = at::empty({n, width(state)}, at::TensorOptions(device_).dtype(at::kFloat));
  for (int64_t s = 0; s < n; s += rows.chunk_rows) {
    const int64_t len = std::min(rows.chunk_rows, n - s);
    at::Tensor e = state.net.encode(rows.chunk(s, len));
    if (state.family_map.defined()) e = e.mm(state.family_map.t());
    z.narrow(0, s, len).copy_(e);
  }
  return z;
}

Model::Embedded Model::embed_set(const State &state, const float *x, int64_t n,
                                 const at::Tensor &mean, const at::Tensor &std) const {
  Embedded e;
  e.z = embed(state, x, n);
  if (params_.embed_norm == "none") return e;
  if (mean.defined()) {
    e.mean = mean;
    e.std = std;
  } else {
    std::tie(e.mean, e.std) =
        embedding_stats(e.z, params_.chunk_rows, params_.embed_norm == "global");
  }
  for (int64_t s = 0; s < n; s += params_.chunk_rows) {
    e.z.narrow(0, s, std::min(params_.chunk_rows, n - s)).sub_(e.mean).div_(e.std);
  }
  return e;
}

BlockConfig Model::infer_config() const {
  BlockConfig cfg = block_config(params_);
  if (params_.infer_tau > 0) cfg.tau = params_.infer_tau;
  return cfg;
}

int64_t Model::infer_steps() const {
  return params_.infer_blocks > 0 ? params_.infer_blocks : params_.blocks;
}

int64_t Model::label_block() const { return std::min(infer_steps(), params_.blocks) - 1; }

Adaptation Model::infer(const State &state, const at::Tensor &z, bool force_seeding) const {
  const BlockConfig cfg = infer_config();
  const RowSource all_rows = tensor_rows(z, params_.chunk_rows);
  // The blocks stop as Lloyd's iterations do: tol scaled by the embedding's variance.
  const BlockSchedule schedule{params_.blocks, infer_steps(),
                               params_.tol * mean_feature_variance(all_rows)};
  std::string mode = params_.init;
  if (mode == "auto") mode = state.source_centroids.defined() ? "source" : "kmeans++";
  if (force_seeding) mode = "kmeans++";
  if (mode == "identity") {
    return adapt_from(state.net, cfg, schedule, z,
                      initial_centroids(params_.k, z.size(1), z.options()), params_.chunk_rows);
  }
  if (mode == "source") {
    if (!state.source_centroids.defined()) {
      fail(TDCM_ERR_INVALID_ARGUMENT,
           "init=source: the model has no source centroids (fitted on a collection of sets)");
    }
    return adapt_from(state.net, cfg, schedule, z, state.source_centroids, params_.chunk_rows);
  }
  // k-means++ seeding on the set's embeddings, deterministic through the seed.
  // Sharded: n counts every rank's rows, and the subset is drawn from them all.
  const int64_t n = dist::total_rows(z.size(0));
  if (n < params_.k) {
    fail(TDCM_ERR_INVALID_ARGUMENT,
         "init=kmeans++ needs at least k=" + std::to_string(params_.k) + " rows");
  }
  at::Generator gen = at::detail::createCPUGenerator(params_.seed);
  // The seedings are compared on a seeded random subset when the set is large: choosing
  // among them needs far fewer rows than the final iteration, which then runs on all rows.
  const bool subset = params_.restart_rows > 0 && n > params_.restart_rows;
  const Subset picked =
      subset
          ? subset_of(at::randperm(n, gen, at::kLong).narrow(0, 0, params_.restart_rows), z.size(0))
          : Subset{};
  const at::Tensor zs = subset ? z.index_select(0, picked.rows.to(z.device())) : z;
  RowSource rows = subset ? tensor_rows(zs, params_.chunk_rows) : all_rows;
  rows.positions = picked.positions;
  // All seedings are iterated together, in one pass over the rows per block.
  const int64_t starts = params_.infer_restarts;
  std::vector<at::Tensor> seeds;
  for (int64_t r = 0; r < starts; ++r) seeds.push_back(kmeans_plus_plus(rows, params_.k, gen));
  const Adaptation all =
      adapt_from(state.net, cfg, schedule, zs, at::cat(seeds), params_.chunk_rows, starts);
  const std::vector<double> costs = clustering_costs(state.net, cfg, label_block(), zs,
                                                     all.centroids, params_.chunk_rows, starts);
  const int64_t best = std::min_element(costs.begin(), costs.end()) - costs.begin();
  Adaptation chosen;
  chosen.last_input = all.last_input.narrow(0, best * params_.k, params_.k).contiguous();
  chosen.centroids = all.centroids.narrow(0, best * params_.k, params_.k).contiguous();
  if (!subset) return chosen;
  return adapt_from(state.net, cfg, schedule, z, chosen.centroids, params_.chunk_rows);
}

void Model::fit(const float *x, int64_t n, int64_t d, const int64_t *set_ids,
                const ProgressFn &progress, const int32_t *labels) {
  // Sharded (a distributed fit): n rows here, all ranks' rows in total.
  const int64_t total_rows = dist::total_rows(n);
  if (total_rows < params_.k) {
    fail(TDCM_ERR_INVALID_ARGUMENT, "n=" + std::to_string(total_rows) + " rows is fewer than k=" +
                                        std::to_string(params_.k) + " clusters");
  }
  const ImageShape image = image_shape(params_);
  if (image.defined() && image.numel() != d) {
    fail(TDCM_ERR_SHAPE, "input has " + std::to_string(d) + " columns but input_shape=" +
                             params_.input_shape + " needs " + std::to_string(image.numel()));
  }
  const std::vector<at::Tensor> sets = group_rows(set_ids, n, params_.k);
  if (labels != nullptr) {
    if (params_.algo != "tdcm" || params_.metric != "gaussian" || params_.collection == "refit" ||
        sets.size() < 2) {
      fail(TDCM_ERR_INVALID_ARGUMENT,
           "labels train the family metric of a collection fit (algo=tdcm, metric=gaussian, "
           "collection auto or family, at least two data sets)");
    }
    for (int64_t i = 0; i < n; ++i) {
      if (labels[i] < 0) {
        fail(TDCM_ERR_INVALID_ARGUMENT, "label " + std::to_string(labels[i]) + " of row " +
                                            std::to_string(i) + " is negative");
      }
    }
  }
  if (params_.algo == "tdcm" && params_.init == "source" && sets.size() > 1) {
    fail(TDCM_ERR_BAD_PARAMETER,
         "parameter 'init': source needs a single source set (use auto or kmeans++ for a "
         "collection)");
  }
  at::Generator gen = at::detail::createCPUGenerator(params_.seed);

  State next;
  next.input_dim = d;
  const at::Tensor source = wrap_rows(x, n, d);
  if (params_.standardize) {
    const at::Tensor as_double = source.to(at::kDouble);
    at::Tensor sd;
    if (dist::active() == nullptr) {
      next.input_mean = as_double.mean(0).to(at::kFloat).to(device_);
      sd = as_double.std(0, /*unbiased=*/false).to(at::kFloat);
    } else {
      // Sharded: two passes as one process makes, each summed over the ranks.
      const double rows_all = static_cast<double>(total_rows);
      const at::Tensor mean = dist::sum(as_double.sum(0)) / rows_all;
      sd = (dist::sum((as_double - mean).pow(2).sum(0)) / rows_all).sqrt().to(at::kFloat);
      next.input_mean = mean.to(at::kFloat).to(device_);
    }
    // A constant column has nothing to scale.
    next.input_std = at::where(sd > 0, sd, at::ones_like(sd)).to(device_);
  }
  const RowSource rows = rows_of(next, x, n);

  if (params_.algo == "kmeans") {
    KMeansOptions options{params_.k, params_.n_init, params_.max_iter, params_.tol};
    const auto start = std::chrono::steady_clock::now();
    std::function<bool(int64_t)> after_restart;
    if (progress) {
      after_restart = [&](int64_t restart) {
        tdcm_progress p{};
        p.epoch = static_cast<int32_t>(restart + 1);
        p.epochs = static_cast<int32_t>(params_.n_init);
        p.elapsed_s =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        return progress(p);
      };
    }
    next.centroids = kmeans_fit(rows, options, gen, after_restart).centroids;
    // The clusters' shapes and sizes, for the report of later sets.
    next.source = mixture_from_means(rows, next.centroids, covariance_reg(rows, EmOptions{}.reg))
                      .to(at::kFloat);
    next.source_counts = next.source.sizes.clone();
  } else if (params_.algo == "gmm") {
    EmOptions em;
    if (params_.covariance == "tied") em.covariance = CovarianceModel::Tied;
    next.source = gmm_fit(rows, params_.k, params_.n_init, em, gen).mixture.to(at::kFloat);
    next.source_counts = posterior_counts(rows, next.source);
  } else {
    // The training blocks (and metric=shared) start from I[:k]: b must be at least k.
    const bool trains = params_.epochs > 0 || params_.metric == "shared";
    if (trains && embedding_width(params_, d) < params_.k) {
      fail(TDCM_ERR_INVALID_ARGUMENT,
           "encoder=" + encoder_for(params_, d) + ": the embedding has " +
               std::to_string(embedding_width(params_, d)) +
               " columns, fewer than k=" + std::to_string(params_.k) +
               " (training and metric=shared start from the first k rows of I_b; use "
               "encoder=linear with embed_dim >= k)");
    }
    next.net = init_net(params_, d, gen).to(device_);
    at::Tensor data = rows.chunk(0, n);
    if (!params_.standardize && device_.is_cpu()) data = data.clone();  // own the rows
    std::vector<at::Tensor> device_sets;
    for (const at::Tensor &s : sets) device_sets.push_back(s.to(device_));
    // Sharded: the batches are drawn from the concatenated set (dist/data_parallel.h).
    if (dist::active() != nullptr) device_sets = {at::arange(total_rows, at::kLong).to(device_)};
    train_net(next.net, params_, data, device_sets, gen, progress);
    if (sets.size() > 1 && params_.metric == "gaussian" && params_.collection != "refit") {
      learn_family(next, x, n, device_sets, labels, gen);
    } else if (sets.size() == 1 && params_.metric == "gaussian") {
      at::NoGradGuard no_grad;
      const Embedded e = embed_set(next, x, n);
      next.source_embed_mean = e.mean;
      next.source_embed_std = e.std;
      const RowSource z = tensor_rows(e.z, params_.chunk_rows);
      next.source = gmm_fit(z, params_.k, params_.n_init, EmOptions{}, gen).mixture.to(at::kFloat);
      next.source_counts = posterior_counts(z, next.source);
    } else if (sets.size() == 1 && (params_.init == "source" || params_.init == "auto")) {
      at::NoGradGuard no_grad;
      const Embedded e = embed_set(next, x, n);
      next.source_centroids = infer(next, e.z, /*force_seeding=*/true).centroids;
    }
  }
  state_ = std::move(next);
}

bool Model::nearest_labels(const State &state, const float *x, int64_t n,
                           const at::Tensor &centroids, int32_t *labels, bool *non_finite) const {
  const RowSource rows = rows_of(state, x, n);
  if (rows.host == nullptr || !nearest_kernel_applies(centroids, centroids)) return false;
  const NearestCentroids nearest(centroids);
  NearestOutputs out;
  out.labels = labels;
  out.non_finite = non_finite;
  nearest.run(rows.host, n, out, rows.scaling);
  return true;
}

void Model::label_against(const State &state, const float *x, int64_t n,
                          const at::Tensor &centroids, int64_t block, int32_t *labels,
                          float *probs) const {
  if (params_.algo == "kmeans") {
    // Labels only: the fused kernel, with no n x k distances.
    if (probs == nullptr && nearest_labels(state, x, n, centroids, labels, nullptr)) return;
    const RowSource rows = rows_of(state, x, n);
    const int64_t k = centroids.size(0);
    for (int64_t s = 0; s < n; s += rows.chunk_rows) {
      const int64_t len = std::min(rows.chunk_rows, n - s);
      const at::Tensor dist = squared_distances(rows.chunk(s, len), centroids);
      copy_to_buffer(dist.argmin(1).to(at::kInt), labels + s);
      if (probs != nullptr) copy_to_buffer(at::softmax(dist.neg() / params_.tau, 1), probs + s * k);
    }
    return;
  }
  const Embedded e = embed_set(state, x, n, state.adapted_mean, state.adapted_std);
  label_chunked(state.net, infer_config(), block, e.z, centroids, params_.chunk_rows, labels,
                probs);
}

Model::Embedded Model::embed_for_mixture(const State &state, const float *x, int64_t n) const {
  return embed_set(state, x, n, state.source_embed_mean, state.source_embed_std);
}

at::Tensor Model::identity_relabel(const State &state, const Mixture &adapted) const {
  if (!params_.identity_probs || !state.source.defined()) return {};
  return identity_posterior(state.source.to(at::kDouble).to(at::kCPU),
                            adapted.to(at::kDouble).to(at::kCPU));
}

void Model::learn_family(State &next, const float *x, int64_t n,
                         const std::vector<at::Tensor> &sets, const int32_t *labels,
                         at::Generator &gen) const {
  at::NoGradGuard no_grad;
  const at::Tensor z = embed(next, x, n).to(at::kDouble);
  FamilyOptions fo;
  fo.k = params_.k;
  fo.rounds = params_.family_rounds;
  FamilyMetric fm = learn_family_metric(z, sets, fo, gen, labels);
  if (params_.collection == "auto" && !family_beats_refit(z, sets, fm, fo, kFamilyChecks, gen)) {
    return;
  }
  if (params_.family_epochs > 0) {
    FamilyTrainOptions to;
    to.k = params_.k;
    to.rank = fm.map.size(0);
    to.epochs = params_.family_epochs;
    to.lr = params_.family_lr;
    at::AutoGradMode grad(true);
    // Not reported as epochs: whether the family's metric is kept is known only
    // now, after the epochs the callback was told of (as the source mixture's fit).
    fm.whitening = refine_family_map(z, sets, fm.whitening, to, gen, labels);
    fm.map = fm.whitening.narrow(0, 0, to.rank).contiguous();
  }
  next.family_map = fm.map.to(at::kFloat);
  if (params_.embed_norm != "none") {
    // The map's space is kept as it is: its unit is the family's within-cluster spread.
    const int64_t r = fm.map.size(0);
    next.source_embed_mean = at::zeros({r}, next.family_map.options());
    next.source_embed_std = at::ones({r}, next.family_map.options());
  }
}

Mixture Model::adapt_gaussian(const State &state, const at::Tensor &z) const {
  GaussianAdaptOptions o;
  o.k = params_.k;
  o.restarts = params_.infer_restarts;
  o.restart_rows = params_.restart_rows;
  o.chunk_rows = params_.chunk_rows;
  o.shape_prior = params_.shape_prior;
  if (state.family_map.defined()) {
    // The family's covariance, the identity in the map's space, is not re-estimated.
    o.fixed_cov = at::eye(z.size(1), z.options().dtype(at::kDouble));
  }
  at::Generator gen = at::detail::createCPUGenerator(params_.seed);
  const Mixture source = state.source.defined() ? state.source.to(at::kDouble) : Mixture{};
  return adapt_mixture(z, source.defined() ? &source : nullptr, o, gen).mixture;
}

void Model::assign(const float *x, int64_t n, int64_t d, int32_t *labels, float *probs,
                   bool values_checked) const {
  check_input(n, d);
  at::NoGradGuard no_grad;
  if (!values_checked) {
    // A k-means assign of labels checks the rows in the one pass that reads them.
    bool non_finite = false;
    if (params_.algo == "kmeans" && probs == nullptr &&
        nearest_labels(*state_, x, n, state_->centroids, labels, &non_finite)) {
      if (non_finite) require_finite(x, n, d);  // names the first bad value
      return;
    }
    require_finite(x, n, d);
  }
  assign_rows(*state_, x, n, labels, probs, nullptr);
}

void Model::assign_rows(const State &state, const float *x, int64_t n, int32_t *labels,
                        float *probs, Embedded *keep) const {
  if (params_.algo == "kmeans") {
    label_against(state, x, n, state.centroids, 0, labels, probs);
    return;
  }
  if (params_.algo == "gmm") {
    mixture_posterior(rows_of(state, x, n), state.source.to(at::kDouble), labels, probs);
    return;
  }
  Embedded local;
  Embedded &e = keep != nullptr ? *keep : local;
  if (params_.metric == "gaussian") {
    e = embed_for_mixture(state, x, n);
    const Mixture m = adapt_gaussian(state, e.z);
    mixture_posterior(tensor_rows(e.z, params_.chunk_rows), m, labels, probs,
                      identity_relabel(state, m));
    return;
  }
  e = embed_set(state, x, n);
  const Adaptation a = infer(state, e.z, false);
  // The output is the last block's assignment delta(L), made against C(L-1).
  label_chunked(state.net, infer_config(), label_block(), e.z, a.last_input, params_.chunk_rows,
                labels, probs);
}

RowSource Model::model_rows(const State &state, const float *x, int64_t n,
                            const Embedded &embedded) const {
  if (params_.algo == "tdcm") return tensor_rows(embedded.z, params_.chunk_rows);
  return rows_of(state, x, n);
}

void Model::describe_target(State &state, const RowSource &rows, const int32_t *labels) const {
  const double reg = covariance_reg(rows, EmOptions{}.reg);
  state.target = mixture_of_labels(rows, labels, params_.k, reg).to(at::kFloat);
  const std::vector<int64_t> counts = label_counts(labels, rows.rows, params_.k);
  state.target_counts = dist::sum(at::tensor(counts, at::kLong)).to(at::kFloat);
}

std::vector<ClusterReport> Model::report_of(const State &state) const {
  if (!state.source.defined()) {
    fail(TDCM_ERR_INVALID_ARGUMENT,
         "no source clusters to report against: the model was fitted on a collection of sets, "
         "or uses metric=shared");
  }
  const Mixture source = state.source.to(at::kDouble).to(at::kCPU);
  const Mixture target = state.target.to(at::kDouble).to(at::kCPU);
  auto as_vector = [&](const at::Tensor &t) {
    std::vector<int64_t> v(static_cast<size_t>(params_.k), 0);
    if (!t.defined()) return v;
    const at::Tensor c = t.to(at::kCPU).to(at::kLong).contiguous();
    std::copy(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + params_.k, v.begin());
    return v;
  };
  return cluster_report(source, target, pairing_confidence(source, target),
                        as_vector(state.source_counts), as_vector(state.target_counts));
}

std::vector<ClusterReport> Model::assign_report(const float *x, int64_t n, int64_t d,
                                                int32_t *labels, float *probs) const {
  check_input(n, d);
  if (!state_->source.defined()) report_of(*state_);  // fails before any work
  at::NoGradGuard no_grad;
  State described = *state_;
  Embedded e;
  assign_rows(described, x, n, labels, probs, &e);
  describe_target(described, model_rows(described, x, n, e), labels);
  return report_of(described);
}

std::vector<ClusterReport> Model::adapted_report() const {
  if (!state_) fail(TDCM_ERR_NOT_FITTED, "the model is not fitted: call tdcm_fit or tdcm_load");
  if (!state_->source.defined()) report_of(*state_);  // no source clusters: its error
  if (!state_->target.defined()) {
    fail(TDCM_ERR_NOT_ADAPTED, "no adapted centroids: call tdcm_adapt on the target first");
  }
  return report_of(*state_);
}

void Model::adapt(const float *x, int64_t n, int64_t d) {
  check_input(n, d);
  at::NoGradGuard no_grad;
  State next = *state_;
  next.adapted_mixture = Mixture{};
  prepare_predict(next);  // no mixture: clears what predict had prepared
  next.target = Mixture{};
  next.target_counts = at::Tensor();
  std::vector<int32_t> labels(static_cast<size_t>(n));
  Embedded e;
  if (params_.algo == "kmeans") {
    // The labels against the adapted centroids come from Lloyd's last pass.
    next.adapted =
        lloyd(rows_of(next, x, n), next.centroids, params_.max_iter, params_.tol, labels.data())
            .centroids;
  } else if (gaussian()) {
    at::Tensor mean, std;
    Mixture m;
    if (params_.algo == "gmm") {
      m = em(rows_of(next, x, n), next.source.to(at::kDouble), EmOptions{}).mixture;
    } else {
      e = embed_for_mixture(next, x, n);
      m = adapt_gaussian(next, e.z);
      mean = e.mean;
      std = e.std;
    }
    next.adapted_mixture = m.to(at::kFloat);
    next.adapted = next.adapted_mixture.means;
    next.adapted_mean = mean;
    next.adapted_std = std;
    prepare_predict(next);
    predict_rows(next, x, n, labels.data(), nullptr, &e);
  } else {
    e = embed_set(next, x, n);
    next.adapted = infer(next, e.z, false).centroids;
    next.adapted_mean = e.mean;
    next.adapted_std = e.std;
    label_against(next, x, n, next.adapted, label_block(), labels.data(), nullptr);
  }
  if (next.source.defined()) describe_target(next, model_rows(next, x, n, e), labels.data());
  state_ = std::move(next);
}

void Model::predict(const float *x, int64_t n, int64_t d, int32_t *labels, float *probs,
                    bool values_checked) const {
  check_input(n, d);
  if (!state_->adapted.defined()) {
    fail(TDCM_ERR_NOT_ADAPTED, "no adapted centroids: call tdcm_adapt on the target first");
  }
  at::NoGradGuard no_grad;
  if (!values_checked) {
    // Labels alone (k-means', TDCM's folded ones) check the rows in the one
    // pass that reads them; a bad value is then named by the full check.
    bool non_finite = false;
    if (probs == nullptr && state_->adapted_labels) {
      if (state_->adapted_labels->run(x, n, labels)) require_finite(x, n, d);
      return;
    }
    if (params_.algo == "kmeans" && probs == nullptr && !state_->adapted_mixture.defined() &&
        nearest_labels(*state_, x, n, state_->adapted, labels, &non_finite)) {
      if (non_finite) require_finite(x, n, d);
      return;
    }
    require_finite(x, n, d);
  }
  predict_rows(*state_, x, n, labels, probs, nullptr);
}

void Model::predict_rows(const State &state, const float *x, int64_t n, int32_t *labels,
                         float *probs, Embedded *keep) const {
  if (!state.adapted_mixture.defined()) {
    label_against(state, x, n, state.adapted, label_block(), labels, probs);
    return;
  }
  if (!state.adapted_factors.log_norm.defined()) {
    // A loaded mixture whose factors could not be prepared: its error, now.
    State prepared = state;
    prepare_predict(prepared);
    predict_rows(prepared, x, n, labels, probs, keep);
    return;
  }
  if (params_.algo == "gmm") {
    mixture_posterior(rows_of(state, x, n), state.adapted_factors, labels, probs);
    return;
  }
  // The folded labels whether or not probabilities are asked for: a row's
  // label does not depend on it.
  const bool folded = keep == nullptr && state.adapted_labels;
  if (folded) {
    state.adapted_labels->run(x, n, labels);
    if (probs == nullptr) return;
  }
  Embedded local;
  Embedded &e = keep != nullptr && keep->z.defined() ? *keep : local;
  if (!e.z.defined()) e = embed_set(state, x, n, state.adapted_mean, state.adapted_std);
  mixture_posterior(tensor_rows(e.z, params_.chunk_rows), state.adapted_factors,
                    folded ? nullptr : labels, probs, state.adapted_relabel);
}

void Model::prepare_predict(State &state) const {
  state.adapted_factors = PrecisionFactors{};
  state.adapted_relabel = at::Tensor();
  state.adapted_labels.reset();
  if (!state.adapted_mixture.defined()) return;
  const Mixture m = state.adapted_mixture.to(at::kDouble);
  state.adapted_factors = precision_factors(m);
  if (params_.algo == "tdcm") {
    const at::Tensor r = identity_relabel(state, m);
    if (r.defined()) state.adapted_relabel = r.to(m.means.device(), at::kDouble);
    prepare_folded_labels(state);
  }
}

}  // namespace tdcm
