#include "core/family_training.h"

#include <ATen/core/grad_mode.h>
#include <torch/optim/adam.h>

#include <cmath>
#include <string>

#include "core/errors.h"
#include "core/kmeans.h"

namespace tdcm {
namespace {

// The EM blocks with identity covariance on one set's signal columns, without
// gradient: the responsibilities the likelihood is then taken under.
at::Tensor responsibilities(const at::Tensor &zs, int64_t k, int64_t steps, at::Generator &gen) {
  at::NoGradGuard no_grad;
  const RowSource rows = tensor_rows(zs, zs.size(0));
  at::Tensor c = lloyd(rows, kmeans_plus_plus(rows, k, gen), 10, 1e-4).centroids;
  at::Tensor log_pi = at::full({k}, -std::log(static_cast<double>(k)), zs.options());
  at::Tensor r;
  for (int64_t s = 0; s < steps; ++s) {
    const at::Tensor lp = log_pi.unsqueeze(0) - 0.5 * squared_distances(zs, c);
    r = at::softmax(lp, 1);
    const at::Tensor mass = r.sum(0).clamp_min(1e-8);
    c = r.t().mm(zs) / mass.unsqueeze(1);
    log_pi = (mass / mass.sum()).log();
  }
  return r;
}

}  // namespace

at::Tensor refine_family_map(const at::Tensor &x, const std::vector<at::Tensor> &sets,
                             const at::Tensor &a0, const FamilyTrainOptions &o, at::Generator &gen,
                             const int32_t *labels) {
  if (o.epochs == 0) return a0;
  at::Tensor a = a0.clone().set_requires_grad(true);
  torch::optim::Adam optimizer({a}, torch::optim::AdamOptions(o.lr));
  const int64_t d = x.size(1);
  const int64_t r = o.rank;
  const int64_t sets_n = static_cast<int64_t>(sets.size());
  // With labels: each set's one-hot responsibilities, ids compacted within the set.
  std::vector<at::Tensor> given;
  if (labels != nullptr) {
    const at::Tensor all = at::from_blob(const_cast<int32_t *>(labels), {x.size(0)}, at::kInt)
                               .to(at::kLong)
                               .to(x.device());
    for (const at::Tensor &s : sets) {
      const at::Tensor inverse = std::get<1>(at::_unique2(all.index_select(0, s), true, true));
      given.push_back(at::one_hot(inverse).to(x.scalar_type()));
    }
  }
  for (int64_t epoch = 1; epoch <= o.epochs; ++epoch) {
    const at::Tensor order = at::randperm(sets_n, gen, at::kLong);
    for (int64_t i = 0; i < sets_n; ++i) {
      const size_t set = static_cast<size_t>(order[i].item<int64_t>());
      const at::Tensor xs = x.index_select(0, sets[set]);
      const at::Tensor z = xs.mm(a.t());
      const at::Tensor zs = z.narrow(1, 0, r);
      const at::Tensor resp =
          labels != nullptr ? given[set] : responsibilities(zs.detach(), o.k, o.em_steps, gen);
      // The blocks' update, differentiable in z: centres are the responsibilities' means.
      const at::Tensor mass = resp.sum(0).clamp_min(1e-8);
      const at::Tensor c = resp.t().mm(zs) / mass.unsqueeze(1);
      const at::Tensor log_pi = (mass / mass.sum()).log();
      const at::Tensor lp = log_pi.unsqueeze(0) - 0.5 * squared_distances(zs, c);
      at::Tensor nll = -at::logsumexp(lp, 1).mean();
      if (r < d) {
        const at::Tensor zn = z.narrow(1, r, d - r);
        nll = nll + 0.5 * (zn - zn.mean(0, true)).pow(2).sum(1).mean();
      }
      nll = nll - std::get<1>(at::linalg_slogdet(a));
      const double value = nll.item<double>();
      if (!std::isfinite(value)) {
        fail(TDCM_ERR_DIVERGED,
             "the family map's training loss is not finite at epoch " + std::to_string(epoch));
      }
      optimizer.zero_grad();
      nll.backward();
      optimizer.step();
    }
  }
  return a.detach();
}

}  // namespace tdcm
