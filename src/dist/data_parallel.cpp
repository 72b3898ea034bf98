#include "dist/data_parallel.h"

#include "dist/collectives.h"
#include "dist/process_group.h"

namespace tdcm {
namespace {

struct Span {
  int64_t first = 0, len = 0;
};

// Rank r's share of m batch rows.
Span share(int64_t m, int r, int world) {
  const int64_t first = m * r / world;
  return {first, m * (r + 1) / world - first};
}

}  // namespace

at::Tensor batch_rows(const at::Tensor &x, const at::Tensor &idx) {
  if (dist::active() == nullptr) return x.index_select(0, idx);
  const int64_t first = dist::rows_before(x.size(0));
  const at::Tensor mine = (idx >= first) & (idx < first + x.size(0));
  at::Tensor out = at::zeros({idx.size(0), x.size(1)}, x.options());
  const at::Tensor where = mine.nonzero().squeeze(1);
  out.index_copy_(0, where, x.index_select(0, idx.index_select(0, where) - first));
  // The other ranks add zeros: each row arrives exactly.
  return dist::sum(out);
}

at::Tensor encode_batch(const TdcmNet &net, const at::Tensor &input) {
  const dist::Group *group = dist::active();
  if (group == nullptr) return net.encode(input);
  const int world = group->world_size();
  const int64_t m = input.size(0);
  const Span own = share(m, group->rank(), world);
  const at::Tensor z = net.encode(input.narrow(0, own.first, own.len));
  // Shares differ by a row at most: each is padded to the largest to be gathered.
  const int64_t widest = (m + world - 1) / world;
  at::Tensor padded = at::zeros({widest, z.size(1)}, z.options());
  padded.narrow(0, 0, own.len).copy_(z.detach());
  const std::vector<at::Tensor> all = group->all_gather(padded);
  std::vector<at::Tensor> parts;
  for (int r = 0; r < world; ++r) {
    const Span s = share(m, r, world);
    parts.push_back(
        r == group->rank() ? z : all[static_cast<size_t>(r)].narrow(0, 0, s.len).to(z.device()));
  }
  return at::cat(parts);
}

void sum_encoder_gradients(const std::vector<at::Tensor> &encoder) {
  if (dist::active() == nullptr) return;
  // One collective per step: every gradient, flat, in double.
  std::vector<at::Tensor> grads, flat;
  for (const at::Tensor &t : encoder) {
    const at::Tensor g = t.grad();
    if (!g.defined()) continue;
    grads.push_back(g);
    flat.push_back(g.reshape({-1}).to(at::kDouble));
  }
  if (grads.empty()) return;
  const at::Tensor total = dist::sum(at::cat(flat));
  int64_t at = 0;
  for (at::Tensor &g : grads) {
    g.copy_(total.narrow(0, at, g.numel()).view(g.sizes()));
    at += g.numel();
  }
}

}  // namespace tdcm
