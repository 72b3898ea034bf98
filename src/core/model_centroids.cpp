// Model's centroids in and out: the source's and the adapted ones, in input
// coordinates where the encoder allows, and a start from the user's own.
#include "core/errors.h"
#include "core/model.h"

namespace tdcm {

bool Model::centroids_in_input_space() const {
  if (params_.algo != "tdcm") return true;
  if (!state_) return false;
  return encoder_for(params_, state_->input_dim) == "identity" && params_.metric == "gaussian" &&
         !state_->family_map.defined();
}

int64_t Model::centroid_dim() const {
  if (!state_) fail(TDCM_ERR_NOT_FITTED, "the model is not fitted: call tdcm_fit or tdcm_load");
  return centroids_in_input_space() ? state_->input_dim : embed_dim();
}

at::Tensor Model::centroids(Which which) const {
  if (!state_) fail(TDCM_ERR_NOT_FITTED, "the model is not fitted: call tdcm_fit or tdcm_load");
  const State &s = *state_;
  const bool kmeans = params_.algo == "kmeans";
  at::Tensor c, mean, std;
  if (which == Which::Source) {
    c = kmeans ? s.centroids : gaussian() ? s.source.means : s.source_centroids;
    mean = s.source_embed_mean;
    std = s.source_embed_std;
    if (!c.defined()) {
      fail(TDCM_ERR_INVALID_ARGUMENT,
           "the model has no source centroids (it was fitted on a collection of sets)");
    }
  } else {
    if (!s.adapted.defined()) {
      fail(TDCM_ERR_NOT_ADAPTED, "no adapted centroids: call tdcm_adapt on the target first");
    }
    c = s.adapted;
    mean = s.adapted_mean;
    std = s.adapted_std;
  }
  if (centroids_in_input_space()) {
    if (params_.algo == "tdcm" && mean.defined()) c = c * std + mean;
    if (s.input_mean.defined()) c = c * s.input_std + s.input_mean;
  }
  return c.to(at::kCPU, at::kFloat).contiguous();
}

void Model::set_centroids(const float *c, int64_t k, int64_t d) {
  if (k != params_.k) {
    fail(TDCM_ERR_SHAPE,
         "got " + std::to_string(k) + " centroids for a model of k=" + std::to_string(params_.k));
  }
  if (d < 1) fail(TDCM_ERR_INVALID_ARGUMENT, "centroids need at least one column");
  const at::Tensor given =
      at::from_blob(const_cast<float *>(c), {k, d}, at::kFloat).to(device_).clone();
  if (!state_) {
    const bool identity = params_.algo == "kmeans" ||
                          (params_.algo == "tdcm" && encoder_for(params_, d) == "identity" &&
                           params_.metric == "gaussian");
    if (!identity) {
      fail(TDCM_ERR_INVALID_ARGUMENT,
           "centroids can start an unfitted model of algo=kmeans, or algo=tdcm with "
           "encoder=identity (or auto on at most 128 columns, untrained) and metric=gaussian; "
           "fit this one first");
    }
    if (params_.standardize) {
      fail(TDCM_ERR_INVALID_ARGUMENT,
           "standardize=true scales by the source's statistics: fit the model first");
    }
    State next;
    next.input_dim = d;
    next.source.means = given;
    if (params_.algo == "kmeans") {
      next.centroids = given;
    } else {
      at::Generator gen = at::detail::createCPUGenerator(params_.seed);
      next.net = init_net(params_, d, gen).to(device_);
      if (params_.embed_norm != "none") {
        // Every set is then embedded as it is: the centroids' own coordinates.
        next.source_embed_mean = at::zeros({d}, given.options());
        next.source_embed_std = at::ones({d}, given.options());
      }
    }
    state_ = std::move(next);
    return;
  }
  if (d != centroid_dim()) {
    fail(TDCM_ERR_SHAPE, "centroids have " + std::to_string(d) + " columns but the model's have " +
                             std::to_string(centroid_dim()));
  }
  State next = *state_;
  at::Tensor inside = given;
  if (centroids_in_input_space()) {
    if (next.input_mean.defined()) inside = (inside - next.input_mean) / next.input_std;
    if (params_.algo == "tdcm" && next.source_embed_mean.defined()) {
      inside = (inside - next.source_embed_mean) / next.source_embed_std;
    }
  }
  // New centres; the clusters' shapes and sizes, where known, stay.
  if (params_.algo == "kmeans") next.centroids = inside;
  if (gaussian() || params_.algo == "kmeans") {
    next.source.means = inside;
  } else {
    next.source_centroids = inside;
  }
  next.adapted = at::Tensor();
  next.adapted_mean = at::Tensor();
  next.adapted_std = at::Tensor();
  next.adapted_mixture = Mixture{};
  prepare_predict(next);  // no mixture: clears what predict had prepared
  next.target = Mixture{};
  next.target_counts = at::Tensor();
  state_ = std::move(next);
}

}  // namespace tdcm
