// tdcm, metric=gaussian, on the CPU: predict's labels from the rows in place.
// Where every step from the input to the embedding is affine (the input's
// standardisation, an identity or linear encoder, the family map, the
// embedding's standardisation by fixed statistics), the whole embedding is one
// map z = x A^T + c, and it is folded into the adapted mixture's whitening
// once, at adapt or load: predict then reads the caller's rows where they lie
// and never makes the n x b embedding, which cost more than the scores.
#include <memory>

#include "core/mixture_labels.h"
#include "core/model.h"

namespace tdcm {
namespace {

// A statistic of `width` columns, stored per column or as one value.
at::Tensor per_column(const at::Tensor &t, int64_t width) {
  return t.to(at::kCPU, at::kDouble).reshape({-1}).expand({width});
}

}  // namespace

bool Model::affine_embedding(const State &state, at::Tensor &a, at::Tensor &c) const {
  if (params_.algo != "tdcm" || !device_.is_cpu()) return false;
  const Layers &encoder = state.net.encoder;
  if (encoder.weight.size() > 1) return false;
  if (encoder.weight.size() == 1 && encoder.weight[0].dim() != 2) return false;
  // Statistics of each set's own embedding are the rows', not the model's.
  if (params_.embed_norm != "none" && !state.adapted_mean.defined()) return false;
  const int64_t d = state.input_dim;
  const at::TensorOptions dbl = at::TensorOptions().dtype(at::kDouble);
  a = at::eye(d, dbl);
  c = at::zeros({d}, dbl);
  if (state.input_mean.defined()) {
    const at::Tensor std = per_column(state.input_std, d);
    a = a / std.view({-1, 1});
    c = -per_column(state.input_mean, d) / std;
  }
  if (encoder.weight.size() == 1) {
    const at::Tensor w = encoder.weight[0].to(at::kCPU, at::kDouble);
    a = w.mm(a);
    c = w.mv(c);
    if (encoder.bias[0].defined()) c = c + encoder.bias[0].to(at::kCPU, at::kDouble);
  }
  if (state.family_map.defined()) {
    const at::Tensor f = state.family_map.to(at::kCPU, at::kDouble);
    a = f.mm(a);
    c = f.mv(c);
  }
  if (params_.embed_norm != "none") {
    const int64_t b = a.size(0);
    const at::Tensor std = per_column(state.adapted_std, b);
    a = a / std.view({-1, 1});
    c = (c - per_column(state.adapted_mean, b)) / std;
  }
  // Folded, each of k components projects all d input columns: worth it only
  // where that costs no more than the embedding and its b x b projections.
  const int64_t b = a.size(0), k = state.adapted_mixture.means.size(0);
  return k * b * d <= b * d + k * b * b;
}

void Model::prepare_folded_labels(State &state) const {
  state.adapted_labels.reset();
  at::Tensor a, c;
  if (!state.adapted_factors.log_norm.defined() || !affine_embedding(state, a, c)) return;
  state.adapted_labels =
      std::make_shared<const MixtureLabels>(fold_affine(state.adapted_factors, a, c));
}

}  // namespace tdcm
