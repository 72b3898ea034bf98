// Model::save and Model::load: the model's state to and from the model file
// (core/serialize.h), or its bytes in memory, every tensor checked against the
// parameters on load. Files and buffers share to_file/from_file, so they hold
// the same bytes and pass the same checks.
#include <sstream>

#include "core/errors.h"
#include "core/model.h"
#include "core/serialize.h"
#include "tdcm/tdcm.h"

namespace tdcm {
namespace {

// The mixture's tensors under `prefix` ("source." ...), those it has.
void put_mixture(ModelFile &file, const std::string &prefix, const Mixture &m) {
  const std::pair<const char *, const at::Tensor *> parts[] = {
      {"means", &m.means}, {"covs", &m.covs}, {"weights", &m.weights}, {"sizes", &m.sizes}};
  for (const auto &[name, t] : parts) {
    if (t->defined()) file.tensors.emplace_back(prefix + name, *t);
  }
}

}  // namespace

ModelFile Model::to_file() const {
  if (!state_) fail(TDCM_ERR_NOT_FITTED, "the model is not fitted: nothing to save");
  const State &s = *state_;
  ModelFile file;
  file.library_version = tdcm_version();
  file.params = to_string(params_);
  file.input_dim = s.input_dim;
  if (params_.algo == "kmeans") file.tensors.emplace_back("kmeans.centroids", s.centroids);
  if (params_.algo == "tdcm") {
    for (auto &named : s.net.named_tensors()) file.tensors.push_back(named);
  }
  const std::pair<const char *, const at::Tensor *> optional[] = {
      {"input.mean", &s.input_mean},
      {"input.std", &s.input_std},
      {"adapted.centroids", &s.adapted},
      {"adapted.embed_mean", &s.adapted_mean},
      {"adapted.embed_std", &s.adapted_std},
      {"source.centroids", &s.source_centroids},
      {"source.counts", &s.source_counts},
      {"source.embed_mean", &s.source_embed_mean},
      {"source.embed_std", &s.source_embed_std},
      {"family.map", &s.family_map},
      {"target.counts", &s.target_counts}};
  for (const auto &[name, t] : optional) {
    if (t->defined()) file.tensors.emplace_back(name, *t);
  }
  put_mixture(file, "source.", s.source);
  put_mixture(file, "adapted.", s.adapted_mixture);
  put_mixture(file, "target.", s.target);
  return file;
}

void Model::save(const std::string &path) const { write_model_file(path, to_file()); }

std::string Model::save_bytes() const { return encode_model_file(to_file()); }

Model Model::load(const std::string &path, const char *overrides) {
  return from_file(read_model_file(path), overrides, model_file_source(path));
}

Model Model::load_bytes(std::string_view bytes, const char *overrides) {
  const std::string source = "model buffer of " + std::to_string(bytes.size()) + " bytes";
  return from_file(decode_model_file(bytes, source), overrides, source);
}

Model Model::from_file(const ModelFile &file, const char *overrides, const std::string &source) {
  Params params;
  try {
    // Files written before a key existed lack it: they meant the paper's value.
    params = parse_params(file.params.c_str(), paper_params());
  } catch (const Error &e) {
    fail(TDCM_ERR_BAD_FILE, source + " has invalid parameters: " + e.what());
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
  if (file.input_dim < 1) fail(TDCM_ERR_BAD_FILE, source + " has no input dim");
  const ImageShape image = image_shape(params);
  if (image.defined() && image.numel() != file.input_dim) {
    fail(TDCM_ERR_BAD_FILE, source + ": input_shape=" + params.input_shape +
                                " disagrees with its input dim " + std::to_string(file.input_dim));
  }

  Model model(params);
  auto find = [&](const std::string &name) -> at::Tensor {
    for (const auto &[n, t] : file.tensors) {
      if (n == name) return t;
    }
    return {};
  };
  auto bad = [&](const std::string &why) { fail(TDCM_ERR_BAD_FILE, source + ": " + why); };
  auto expect_shape = [&](const at::Tensor &t, std::vector<int64_t> shape,
                          const std::string &name) {
    if (t.defined() && t.sizes() != at::IntArrayRef(shape)) {
      bad("tensor '" + name + "' has the wrong shape");
    }
  };
  const int64_t k = params.k;
  const int64_t d = file.input_dim;
  // tdcm's family map takes the encoder's output to the blocks' space.
  const at::Tensor family_map = find("family.map");
  if (family_map.defined()) {
    const int64_t b = embedding_width(params, d);
    if (params.algo != "tdcm" || params.metric != "gaussian" || family_map.dim() != 2 ||
        family_map.size(1) != b || family_map.size(0) < 1 || family_map.size(0) > b) {
      bad("tensor 'family.map' does not fit the model");
    }
  }
  // Centroids and mixtures live in the (standardised) input, or tdcm's embedding.
  const int64_t w = params.algo != "tdcm"  ? d
                    : family_map.defined() ? family_map.size(0)
                                           : embedding_width(params, d);
  auto get_mixture = [&](const std::string &prefix) {
    Mixture m{find(prefix + "means"), find(prefix + "covs"), find(prefix + "weights"),
              find(prefix + "sizes")};
    expect_shape(m.means, {k, w}, prefix + "means");
    expect_shape(m.covs, {k, w, w}, prefix + "covs");
    expect_shape(m.weights, {k}, prefix + "weights");
    expect_shape(m.sizes, {k}, prefix + "sizes");
    if (!m.means.defined() && (m.covs.defined() || m.weights.defined() || m.sizes.defined())) {
      bad("mixture '" + prefix + "' has no means");
    }
    if (m.covs.defined() != m.weights.defined() || m.covs.defined() != m.sizes.defined()) {
      bad("mixture '" + prefix + "' is incomplete");
    }
    // Cholesky reads one triangle only: the other must agree with it.
    const auto asymmetric = [](const at::Tensor &c) {
      const at::Tensor d = c.to(at::kDouble);
      return ((d - d.transpose(1, 2)).abs() > 1e-6 * (d.abs() + d.transpose(1, 2).abs()) + 1e-30)
          .any()
          .item<bool>();
    };
    if (m.covs.defined() &&
        (asymmetric(m.covs) ||
         std::get<1>(at::linalg_cholesky_ex(m.covs.to(at::kDouble))).any().item<bool>() ||
         !(m.weights > 0).all().item<bool>() || !(m.sizes >= 0).all().item<bool>())) {
      bad("mixture '" + prefix +
          "' has a covariance that is not symmetric positive definite, "
          "or a negative weight");
    }
    return m;
  };

  State state;
  state.input_dim = d;
  state.input_mean = find("input.mean");
  state.input_std = find("input.std");
  if (params.standardize != state.input_mean.defined() ||
      state.input_mean.defined() != state.input_std.defined()) {
    bad("standardisation tensors do not match");
  }
  expect_shape(state.input_mean, {d}, "input.mean");
  expect_shape(state.input_std, {d}, "input.std");
  state.adapted = find("adapted.centroids");
  expect_shape(state.adapted, {k, w}, "adapted.centroids");
  state.source = get_mixture("source.");
  state.adapted_mixture = get_mixture("adapted.");
  state.target = get_mixture("target.");
  state.source_counts = find("source.counts");
  state.target_counts = find("target.counts");
  expect_shape(state.source_counts, {k}, "source.counts");
  expect_shape(state.target_counts, {k}, "target.counts");
  if (state.target.defined() != state.target_counts.defined()) bad("target tensors do not match");
  for (const at::Tensor *c : {&state.source_counts, &state.target_counts}) {
    if (c->defined() && !(*c >= 0).all().item<bool>()) bad("negative row counts");
  }
  if (params.algo == "kmeans") {
    state.centroids = find("kmeans.centroids");
    if (!state.centroids.defined()) bad("lacks the k-means centroids");
    expect_shape(state.centroids, {k, d}, "kmeans.centroids");
  } else if (params.algo == "gmm") {
    if (!state.source.covs.defined()) bad("lacks the Gaussian mixture");
    if (state.adapted.defined() != state.adapted_mixture.covs.defined()) {
      bad("adapted mixture does not match");
    }
  } else {
    state.net = net_from_tensors(params, d, file.tensors);
    state.family_map = family_map;
    state.adapted_mean = find("adapted.embed_mean");
    state.adapted_std = find("adapted.embed_std");
    state.source_centroids = find("source.centroids");
    state.source_embed_mean = find("source.embed_mean");
    state.source_embed_std = find("source.embed_std");
    const bool normed = params.embed_norm != "none";
    if (state.adapted_mean.defined() != state.adapted_std.defined() ||
        (state.adapted.defined() && normed != state.adapted_mean.defined()) ||
        state.source_embed_mean.defined() != state.source_embed_std.defined() ||
        (state.source_embed_mean.defined() && !normed)) {
      bad("embedding statistics do not match");
    }
    for (const char *name :
         {"adapted.embed_mean", "adapted.embed_std", "source.embed_mean", "source.embed_std"}) {
      expect_shape(find(name), {w}, name);
    }
    expect_shape(state.source_centroids, {k, w}, "source.centroids");
    if (params.metric == "gaussian" && state.adapted.defined() &&
        !state.adapted_mixture.covs.defined()) {
      bad("adapted mixture does not match");
    }
  }
  for (const auto &[name, t] : file.tensors) {
    if (!at::isfinite(t).all().item<bool>()) bad("tensor '" + name + "' is not finite");
  }
  auto to_device = [&](at::Tensor &t) {
    if (t.defined()) t = t.to(model.device_);
  };
  for (at::Tensor *t : {&state.input_mean, &state.input_std, &state.centroids, &state.adapted,
                        &state.adapted_mean, &state.adapted_std, &state.source_centroids,
                        &state.source_embed_mean, &state.source_embed_std, &state.family_map}) {
    to_device(*t);
  }
  state.source = state.source.to(model.device_);
  state.adapted_mixture = state.adapted_mixture.to(model.device_);
  state.target = state.target.to(model.device_);
  if (params.algo == "tdcm") state.net = state.net.to(model.device_);
  try {
    model.prepare_predict(state);
  } catch (const Error &) {
    // A mixture that the Gaussian blocks cannot factor: predict reports it.
    state.adapted_factors = PrecisionFactors{};
    state.adapted_relabel = at::Tensor();
    state.adapted_labels.reset();
  }
  model.state_ = std::move(state);
  return model;
}

}  // namespace tdcm
