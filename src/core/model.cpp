#include "core/model.h"

#include <ATen/core/grad_mode.h>  // at::NoGradGuard, which ATen/ATen.h no longer brings in 2.x

#include <algorithm>
#include <map>
#include <sstream>

#include "core/errors.h"
#include "core/runtime.h"
#include "core/serialize.h"
#include "tdcm/tdcm.h"

namespace tdcm {
namespace {

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

}  // namespace

Model::Model(const Params &params) : params_(params), device_(resolve_device(params.device)) {}

int64_t Model::embed_dim() const {
  if (params_.algo == "tdcm") return params_.embed_dim;
  return input_dim();
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
  return rows;
}

at::Tensor Model::embed(const State &state, const float *x, int64_t n) const {
  const RowSource rows = rows_of(state, x, n);
  at::Tensor z = at::empty({n, params_.embed_dim}, at::TensorOptions(device_).dtype(at::kFloat));
  for (int64_t s = 0; s < n; s += rows.chunk_rows) {
    const int64_t len = std::min(rows.chunk_rows, n - s);
    z.narrow(0, s, len).copy_(state.net.encode(rows.chunk(s, len)));
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
  if (z.size(0) < params_.k) {
    fail(TDCM_ERR_INVALID_ARGUMENT,
         "init=kmeans++ needs at least k=" + std::to_string(params_.k) + " rows");
  }
  at::Generator gen = at::detail::createCPUGenerator(params_.seed);
  // The seedings are compared on a seeded random subset when the set is large: choosing
  // among them needs far fewer rows than the final iteration, which then runs on all rows.
  const int64_t n = z.size(0);
  const bool subset = params_.restart_rows > 0 && n > params_.restart_rows;
  const at::Tensor zs =
      subset
          ? z.index_select(
                0,
                at::randperm(n, gen, at::kLong).narrow(0, 0, params_.restart_rows).to(z.device()))
          : z;
  const RowSource rows = subset ? tensor_rows(zs, params_.chunk_rows) : all_rows;
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
                const ProgressFn &progress) {
  if (n < params_.k) {
    fail(TDCM_ERR_INVALID_ARGUMENT, "n=" + std::to_string(n) + " rows is fewer than k=" +
                                        std::to_string(params_.k) + " clusters");
  }
  const ImageShape image = image_shape(params_);
  if (image.defined() && image.numel() != d) {
    fail(TDCM_ERR_SHAPE, "input has " + std::to_string(d) + " columns but input_shape=" +
                             params_.input_shape + " needs " + std::to_string(image.numel()));
  }
  const std::vector<at::Tensor> sets = group_rows(set_ids, n, params_.k);
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
    next.input_mean = as_double.mean(0).to(at::kFloat).to(device_);
    const at::Tensor sd = as_double.std(0, /*unbiased=*/false).to(at::kFloat);
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
  } else {
    next.net = init_net(params_, d, gen).to(device_);
    at::Tensor data = rows.chunk(0, n);
    if (!params_.standardize && device_.is_cpu()) data = data.clone();  // own the rows
    std::vector<at::Tensor> device_sets;
    for (const at::Tensor &s : sets) device_sets.push_back(s.to(device_));
    train_net(next.net, params_, data, device_sets, gen, progress);
    if (sets.size() == 1 && (params_.init == "source" || params_.init == "auto")) {
      at::NoGradGuard no_grad;
      const Embedded e = embed_set(next, x, n);
      next.source_centroids = infer(next, e.z, /*force_seeding=*/true).centroids;
    }
  }
  state_ = std::move(next);
}

void Model::label_against(const State &state, const float *x, int64_t n,
                          const at::Tensor &centroids, int64_t block, int32_t *labels,
                          float *probs) const {
  if (params_.algo == "kmeans") {
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

void Model::assign(const float *x, int64_t n, int64_t d, int32_t *labels, float *probs) const {
  check_input(n, d);
  at::NoGradGuard no_grad;
  const State &state = *state_;
  if (params_.algo == "kmeans") {
    label_against(state, x, n, state.centroids, 0, labels, probs);
    return;
  }
  const Embedded e = embed_set(state, x, n);
  const Adaptation a = infer(state, e.z, false);
  // The output is the last block's assignment delta(L), made against C(L-1).
  label_chunked(state.net, infer_config(), label_block(), e.z, a.last_input, params_.chunk_rows,
                labels, probs);
}

void Model::adapt(const float *x, int64_t n, int64_t d) {
  check_input(n, d);
  at::NoGradGuard no_grad;
  State next = *state_;
  if (params_.algo == "kmeans") {
    next.adapted =
        lloyd(rows_of(next, x, n), next.centroids, params_.max_iter, params_.tol).centroids;
  } else {
    const Embedded e = embed_set(next, x, n);
    next.adapted = infer(next, e.z, false).centroids;
    next.adapted_mean = e.mean;
    next.adapted_std = e.std;
  }
  state_ = std::move(next);
}

void Model::predict(const float *x, int64_t n, int64_t d, int32_t *labels, float *probs) const {
  check_input(n, d);
  if (!state_->adapted.defined()) {
    fail(TDCM_ERR_NOT_ADAPTED, "no adapted centroids: call tdcm_adapt on the target first");
  }
  at::NoGradGuard no_grad;
  label_against(*state_, x, n, state_->adapted, label_block(), labels, probs);
}

void Model::save(const std::string &path) const {
  if (!state_) fail(TDCM_ERR_NOT_FITTED, "the model is not fitted: nothing to save");
  ModelFile file;
  file.library_version = tdcm_version();
  file.params = to_string(params_);
  file.input_dim = state_->input_dim;
  if (state_->input_mean.defined()) {
    file.tensors.emplace_back("input.mean", state_->input_mean);
    file.tensors.emplace_back("input.std", state_->input_std);
  }
  if (params_.algo == "kmeans") {
    file.tensors.emplace_back("kmeans.centroids", state_->centroids);
  } else {
    for (auto &named : state_->net.named_tensors()) file.tensors.push_back(named);
  }
  if (state_->adapted.defined()) file.tensors.emplace_back("adapted.centroids", state_->adapted);
  if (state_->adapted_mean.defined()) {
    file.tensors.emplace_back("adapted.embed_mean", state_->adapted_mean);
    file.tensors.emplace_back("adapted.embed_std", state_->adapted_std);
  }
  if (state_->source_centroids.defined()) {
    file.tensors.emplace_back("source.centroids", state_->source_centroids);
  }
  write_model_file(path, file);
}

Model Model::load(const std::string &path, const char *overrides) {
  const ModelFile file = read_model_file(path);
  Params params;
  try {
    // Files written before a key existed lack it: they meant the paper's value.
    params = parse_params(file.params.c_str(), paper_params());
  } catch (const Error &e) {
    fail(TDCM_ERR_BAD_FILE, "model file '" + path + "' has invalid parameters: " + e.what());
  }
  // The file's device may not exist here: models load on the CPU unless told otherwise.
  params.device = "cpu";
  if (overrides != nullptr) {
    // Unknown keys and bad values fail first, with their own status.
    const Params overridden = parse_params(overrides, params);
    std::istringstream in(overrides);
    std::string token;
    while (in >> token) {
      const std::string key = token.substr(0, token.find('='));
      if (!is_runtime_param(key)) {
        fail(TDCM_ERR_BAD_PARAMETER, "parameter '" + key +
                                         "' is fixed by the model file; only device, threads "
                                         "and chunk_rows can be changed at load");
      }
    }
    params = overridden;
  }
  if (file.input_dim < 1) fail(TDCM_ERR_BAD_FILE, "model file '" + path + "' has no input dim");
  const ImageShape image = image_shape(params);
  if (image.defined() && image.numel() != file.input_dim) {
    fail(TDCM_ERR_BAD_FILE, "model file '" + path + "': input_shape=" + params.input_shape +
                                " disagrees with its input dim " + std::to_string(file.input_dim));
  }

  Model model(params);
  auto find = [&](const std::string &name) -> at::Tensor {
    for (const auto &[n, t] : file.tensors) {
      if (n == name) return t;
    }
    return {};
  };
  auto expect_shape = [&](const at::Tensor &t, std::vector<int64_t> shape, const char *name) {
    if (t.defined() && t.sizes() != at::IntArrayRef(shape)) {
      fail(TDCM_ERR_BAD_FILE,
           "model file '" + path + "': tensor '" + name + "' has the wrong shape");
    }
  };
  State state;
  state.input_dim = file.input_dim;
  state.input_mean = find("input.mean");
  state.input_std = find("input.std");
  if (params.standardize != state.input_mean.defined() ||
      state.input_mean.defined() != state.input_std.defined()) {
    fail(TDCM_ERR_BAD_FILE, "model file '" + path + "': standardisation tensors do not match");
  }
  expect_shape(state.input_mean, {file.input_dim}, "input.mean");
  expect_shape(state.input_std, {file.input_dim}, "input.std");
  state.adapted = find("adapted.centroids");
  if (params.algo == "kmeans") {
    state.centroids = find("kmeans.centroids");
    if (!state.centroids.defined()) {
      fail(TDCM_ERR_BAD_FILE, "model file '" + path + "' lacks the k-means centroids");
    }
    expect_shape(state.centroids, {params.k, file.input_dim}, "kmeans.centroids");
    expect_shape(state.adapted, {params.k, file.input_dim}, "adapted.centroids");
  } else {
    state.net = net_from_tensors(params, file.input_dim, file.tensors);
    expect_shape(state.adapted, {params.k, params.embed_dim}, "adapted.centroids");
    state.adapted_mean = find("adapted.embed_mean");
    state.adapted_std = find("adapted.embed_std");
    state.source_centroids = find("source.centroids");
    if (state.adapted_mean.defined() != state.adapted_std.defined() ||
        (state.adapted.defined() &&
         (params.embed_norm != "none") != state.adapted_mean.defined())) {
      fail(TDCM_ERR_BAD_FILE, "model file '" + path + "': embedding statistics do not match");
    }
    expect_shape(state.adapted_mean, {params.embed_dim}, "adapted.embed_mean");
    expect_shape(state.adapted_std, {params.embed_dim}, "adapted.embed_std");
    expect_shape(state.source_centroids, {params.k, params.embed_dim}, "source.centroids");
  }
  for (const auto &[name, t] : file.tensors) {
    if (!at::isfinite(t).all().item<bool>()) {
      fail(TDCM_ERR_BAD_FILE, "model file '" + path + "': tensor '" + name + "' is not finite");
    }
  }
  auto to_device = [&](at::Tensor &t) {
    if (t.defined()) t = t.to(model.device_);
  };
  to_device(state.input_mean);
  to_device(state.input_std);
  to_device(state.centroids);
  to_device(state.adapted);
  to_device(state.adapted_mean);
  to_device(state.adapted_std);
  to_device(state.source_centroids);
  if (params.algo == "tdcm") state.net = state.net.to(model.device_);
  model.state_ = std::move(state);
  return model;
}

}  // namespace tdcm
