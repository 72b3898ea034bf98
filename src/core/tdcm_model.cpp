#include "core/tdcm_model.h"

#include <torch/optim/adam.h>

#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "core/augment.h"
#include "core/errors.h"
#include "core/runtime.h"
#include "dist/collectives.h"
#include "dist/data_parallel.h"

namespace tdcm {
namespace {

constexpr double kLeakySlope = 0.2;
constexpr double kCentroidEps = 1e-8;
constexpr double kStdEps = 1e-5;

at::Tensor activation(const at::Tensor &s, const BlockConfig &cfg) {
  return cfg.leaky ? at::leaky_relu(s, kLeakySlope) : at::relu(s);
}

}  // namespace

BlockConfig block_config(const Params &params) {
  BlockConfig cfg;
  cfg.tau = params.tau;
  cfg.leaky = params.activation == "leaky_relu";
  cfg.symmetric = params.symmetric;
  return cfg;
}

at::Tensor metric_weight(const at::Tensor &a, bool symmetric) {
  return symmetric ? (a + a.t()) * 0.5 : a;
}

at::Tensor score_fast(const at::Tensor &z, const at::Tensor &c, const at::Tensor &wq,
                      const at::Tensor &wk, const BlockConfig &cfg) {
  const at::Tensor m = wq.t().mm(wk);                        // b x b
  const at::Tensor zmz = (z.mm(m) * z).sum(1, true);         // N x 1
  const at::Tensor cross = z.mm((m + m.t()).mm(c.t()));      // N x K
  const at::Tensor cmc = (c.mm(m) * c).sum(1).unsqueeze(0);  // 1 x K
  return activation(zmz - cross + cmc, cfg).neg() / cfg.tau;
}

at::Tensor score_direct(const at::Tensor &z, const at::Tensor &c, const at::Tensor &wq,
                        const at::Tensor &wk, const BlockConfig &cfg) {
  const at::Tensor p = z.unsqueeze(1) - c.unsqueeze(0);  // N x K x b
  const at::Tensor q = p.matmul(wq.t());
  const at::Tensor k = p.matmul(wk.t());
  return activation((q * k).sum(-1), cfg).neg() / cfg.tau;
}

at::Tensor soft_assign(const at::Tensor &score, const BlockConfig &cfg) {
  return at::softmax(score / cfg.tau, 1);
}

at::Tensor update_centroids(const at::Tensor &z, const at::Tensor &delta) {
  return delta.t().mm(z) / (delta.sum(0).unsqueeze(1) + kCentroidEps);
}

at::Tensor initial_centroids(int64_t k, int64_t b, const at::TensorOptions &options) {
  return at::eye(b, options).narrow(0, 0, k).contiguous();
}

std::vector<double> block_weights(int64_t blocks) {
  const double total = static_cast<double>(blocks * (blocks + 1) / 2);
  std::vector<double> alpha;
  for (int64_t l = 1; l <= blocks; ++l) alpha.push_back(static_cast<double>(l) / total);
  return alpha;
}

// ---------------------------------------------------------------- network

at::Tensor TdcmNet::encode(const at::Tensor &x) const { return run_encoder(encoder, image, x); }

at::Tensor TdcmNet::wq(int64_t block, const BlockConfig &cfg) const {
  return metric_weight(a_q[a_q.size() == 1 ? 0 : block], cfg.symmetric);
}

at::Tensor TdcmNet::wk(int64_t block, const BlockConfig &cfg) const {
  return metric_weight(a_k[a_k.size() == 1 ? 0 : block], cfg.symmetric);
}

std::vector<at::Tensor> TdcmNet::parameters() const {
  std::vector<at::Tensor> all;
  for (const auto &[name, t] : named_tensors()) all.push_back(t);
  return all;
}

std::vector<std::pair<std::string, at::Tensor>> TdcmNet::named_tensors() const {
  std::vector<std::pair<std::string, at::Tensor>> out;
  for (size_t i = 0; i < encoder.weight.size(); ++i) {
    out.emplace_back("encoder." + std::to_string(i) + ".weight", encoder.weight[i]);
    out.emplace_back("encoder." + std::to_string(i) + ".bias", encoder.bias[i]);
  }
  for (size_t i = 0; i < a_q.size(); ++i) {
    out.emplace_back("block." + std::to_string(i) + ".a_q", a_q[i]);
    out.emplace_back("block." + std::to_string(i) + ".a_k", a_k[i]);
  }
  return out;
}

TdcmNet TdcmNet::to(const c10::Device &device) const {
  auto move = [&](const std::vector<at::Tensor> &v) {
    std::vector<at::Tensor> out;
    for (const auto &t : v) out.push_back(t.detach().to(device).clone());
    return out;
  };
  return TdcmNet{encoder.to(device), image, move(a_q), move(a_k)};
}

TdcmNet init_net(const Params &params, int64_t input_dim, at::Generator &gen) {
  TdcmNet net;
  net.encoder = init_encoder(params, input_dim, gen);
  if (params.encoder == "lenet") net.image = image_shape(params);
  const int64_t pairs = params.share_blocks ? 1 : params.blocks;
  const int64_t b = embedding_width(params, input_dim);
  for (int64_t i = 0; i < pairs; ++i) {
    net.a_q.push_back(at::eye(b, at::kFloat));
    net.a_k.push_back(at::eye(b, at::kFloat));
  }
  return net;
}

TdcmNet net_from_tensors(const Params &params, int64_t input_dim,
                         const std::vector<std::pair<std::string, at::Tensor>> &tensors) {
  // Shapes come from the parameters; a file must match them exactly. They are
  // computed, not built: a net of the sizes a file declares is never allocated,
  // so a file cannot make the loader ask for more memory than the tensors it holds.
  const std::vector<std::vector<int64_t>> encoder = encoder_shapes(params, input_dim);
  const int64_t pairs = params.share_blocks ? 1 : params.blocks;
  std::vector<std::pair<std::string, std::vector<int64_t>>> named;
  for (size_t i = 0; i < encoder.size(); ++i) {
    named.emplace_back("encoder." + std::to_string(i / 2) + (i % 2 == 0 ? ".weight" : ".bias"),
                       encoder[i]);
  }
  const int64_t width = embedding_width(params, input_dim);
  for (int64_t i = 0; i < pairs; ++i) {
    named.emplace_back("block." + std::to_string(i) + ".a_q", std::vector<int64_t>{width, width});
    named.emplace_back("block." + std::to_string(i) + ".a_k", std::vector<int64_t>{width, width});
  }
  std::vector<at::Tensor> found;
  for (const auto &[name, expected] : named) {
    const at::Tensor *match = nullptr;
    for (const auto &[n, t] : tensors) {
      if (n == name) match = &t;
    }
    if (match == nullptr) fail(TDCM_ERR_BAD_FILE, "model file lacks tensor '" + name + "'");
    if (match->sizes() != at::IntArrayRef(expected)) {
      fail(TDCM_ERR_BAD_FILE, "model file tensor '" + name + "' has the wrong shape");
    }
    found.push_back(*match);
  }
  TdcmNet net;
  if (params.encoder == "lenet") net.image = image_shape(params);
  size_t i = 0;
  for (size_t l = 0; l < encoder.size() / 2; ++l) {
    net.encoder.weight.push_back(found[i++]);
    net.encoder.bias.push_back(found[i++]);
  }
  for (int64_t b = 0; b < pairs; ++b) {
    net.a_q.push_back(found[i++]);
    net.a_k.push_back(found[i++]);
  }
  return net;
}

// ---------------------------------------------------------------- objective

at::Tensor orthogonality_penalty(const TdcmNet &net, const BlockConfig &cfg) {
  at::Tensor total = at::zeros({}, net.a_q[0].options());
  for (size_t i = 0; i < net.a_q.size(); ++i) {
    for (const at::Tensor &w :
         {net.wq(static_cast<int64_t>(i), cfg), net.wk(static_cast<int64_t>(i), cfg)}) {
      const at::Tensor eye = at::eye(w.size(0), w.options());
      total = total + (w.mm(w.t()) - eye).pow(2).sum();
    }
  }
  return total;
}

LossTerms batch_loss(const TdcmNet &net, const at::Tensor &z, const Params &params) {
  const BlockConfig cfg = block_config(params);
  const std::vector<double> alpha = block_weights(params.blocks);
  at::Tensor c = initial_centroids(params.k, z.size(1), z.options());
  at::Tensor clu = at::zeros({}, z.options());
  at::Tensor bal = at::zeros({}, z.options());
  at::Tensor sep = at::zeros({}, z.options());
  for (int64_t l = 0; l < params.blocks; ++l) {
    const at::Tensor wq = net.wq(l, cfg);
    const at::Tensor wk = net.wk(l, cfg);
    const at::Tensor delta = soft_assign(score_fast(z, c, wq, wk, cfg), cfg);
    c = update_centroids(z, delta);
    // Clustering term pairs this block's assignment with the centroids it produced.
    const at::Tensor score_new = score_fast(z, c, wq, wk, cfg);
    clu = clu - alpha[l] * (delta * score_new).sum(1).mean();
    // Negative entropy of the cluster sizes: minimising it keeps clusters balanced.
    const at::Tensor pi = delta.mean(0);
    bal = bal + alpha[l] * at::xlogy(pi, pi).sum();
    if (params.separation > 0.0) sep = sep + alpha[l] * centroid_overlap(c);
  }
  const at::Tensor orth = orthogonality_penalty(net, cfg);
  return LossTerms{clu, bal, orth, sep,
                   clu + params.beta * bal + params.gamma * orth + params.separation * sep};
}

at::Tensor centroid_overlap(const at::Tensor &c) {
  const int64_t k = c.size(0);
  if (k < 2) return at::zeros({}, c.options());
  const at::Tensor d2 = (c.unsqueeze(0) - c.unsqueeze(1)).pow(2).sum(-1);
  const at::Tensor pairs = 1.0 - at::eye(k, c.options());
  return (at::exp(d2 / -static_cast<double>(c.size(1))) * pairs).sum() /
         static_cast<double>(k * (k - 1));
}

// ---------------------------------------------------------------- training

std::vector<at::Tensor> epoch_batches(const std::vector<at::Tensor> &sets, int64_t batch_size,
                                      int64_t k, at::Generator &gen) {
  // Shuffle each data set, cut it into batches, then shuffle the batch order.
  std::vector<at::Tensor> batches;
  for (const at::Tensor &rows : sets) {
    const int64_t n = rows.size(0);
    const at::Tensor order = rows.index_select(0, at::randperm(n, gen).to(rows.device()));
    for (int64_t s = 0; s < n; s += batch_size) {
      const int64_t len = std::min(batch_size, n - s);
      if (len < k && !batches.empty() && s > 0) {
        // A tail smaller than k cannot hold k clusters: merge it into the previous batch.
        batches.back() = at::cat({batches.back(), order.narrow(0, s, len)});
      } else {
        batches.push_back(order.narrow(0, s, len));
      }
    }
  }
  const at::Tensor batch_order = at::randperm(static_cast<int64_t>(batches.size()), gen);
  const int64_t *order_ptr = batch_order.data_ptr<int64_t>();
  std::vector<at::Tensor> shuffled;
  for (size_t b = 0; b < batches.size(); ++b) {
    shuffled.push_back(batches[static_cast<size_t>(order_ptr[b])]);
  }
  return shuffled;
}

namespace {

using Clock = std::chrono::steady_clock;

// One optimiser step on `loss`; throws Error(TDCM_ERR_DIVERGED) when it is not finite.
// `encoder`: the encoder's tensors, whose gradients a distributed fit sums over ranks.
double optimise(torch::optim::Adam &optimizer, const at::Tensor &loss, int64_t epoch,
                const std::vector<at::Tensor> &encoder) {
  optimizer.zero_grad();
  loss.backward();
  sum_encoder_gradients(encoder);
  optimizer.step();
  const double value = loss.item<double>();
  if (!std::isfinite(value)) {
    fail(TDCM_ERR_DIVERGED, "training diverged: the loss became non-finite at epoch " +
                                std::to_string(epoch) + " (try a lower lr)");
  }
  return value;
}

// Reports an epoch's mean loss terms {total, clu, bal, orth}; throws
// Error(TDCM_ERR_CANCELLED) when the callback asks to stop.
void report(const ProgressFn &progress, int64_t epoch, int64_t epochs,
            const std::vector<double> &sums, size_t batches, Clock::time_point start) {
  if (!progress) return;
  const double nb = static_cast<double>(batches);
  tdcm_progress p{};
  p.epoch = static_cast<int32_t>(epoch);
  p.epochs = static_cast<int32_t>(epochs);
  p.loss = sums[0] / nb;
  p.loss_clu = sums[1] / nb;
  p.loss_bal = sums[2] / nb;
  p.loss_orth = sums[3] / nb;
  p.elapsed_s = std::chrono::duration<double>(Clock::now() - start).count();
  if (!progress(p)) fail(TDCM_ERR_CANCELLED, "fit cancelled by the progress callback");
}

std::vector<at::Tensor> with_grad(std::vector<at::Tensor> tensors) {
  for (auto &t : tensors) t.requires_grad_(true);
  return tensors;
}

void without_grad(std::vector<at::Tensor> &tensors) {
  for (auto &t : tensors) t.requires_grad_(false);
}

torch::optim::Adam adam(const std::vector<at::Tensor> &parameters, double lr, double weight_decay) {
  return torch::optim::Adam(parameters, torch::optim::AdamOptions(lr).weight_decay(weight_decay));
}

// The autoencoder warm start: epochs 1..pretrain_epochs of the fit. Returns the decoder.
Layers pretrain(TdcmNet &net, const Params &params, const at::Tensor &x,
                const std::vector<at::Tensor> &sets, at::Generator &gen, const ProgressFn &progress,
                Clock::time_point start) {
  const Augment aug = augment_of(params);
  Layers decoder = init_decoder(params, x.size(1), gen).to(x.device());
  std::vector<at::Tensor> parameters = net.encoder.tensors();
  for (const at::Tensor &t : decoder.tensors()) parameters.push_back(t);
  parameters = with_grad(parameters);
  // No weight decay here: Adam's L2 term, normalised like the gradient, shrinks
  // every weight by about lr per step while the reconstruction gradient is
  // still small (the autoencoder first learns the mean image), and measured on
  // small image sets it zeroed the encoder (constant embeddings) within 10 epochs.
  torch::optim::Adam optimizer = adam(parameters, params.lr, 0.0);
  for (int64_t epoch = 1; epoch <= params.pretrain_epochs; ++epoch) {
    const std::vector<at::Tensor> batches = epoch_batches(sets, params.batch_size, params.k, gen);
    double sum = 0;
    for (const at::Tensor &idx : batches) {
      const at::Tensor target = augment_geometry(batch_rows(x, idx), aug, gen);
      const at::Tensor input = augment_noise(target, aug, gen);
      const at::Tensor rec = run_decoder(decoder, net.image, encode_batch(net, input));
      sum += optimise(optimizer, at::mse_loss(rec, target), epoch, net.encoder.tensors());
    }
    report(progress, epoch, params.pretrain_epochs + params.epochs, {sum, 0, 0, 0}, batches.size(),
           start);
  }
  without_grad(parameters);
  return decoder;
}

LossTerms mean_terms(const LossTerms &a, const LossTerms &b) {
  return LossTerms{(a.clu + b.clu) * 0.5, (a.bal + b.bal) * 0.5, (a.orth + b.orth) * 0.5,
                   (a.sep + b.sep) * 0.5, (a.total + b.total) * 0.5};
}

}  // namespace

at::Tensor contrastive_loss(const at::Tensor &a, const at::Tensor &b, double tau) {
  const int64_t n = a.size(0);
  auto unit = [](const at::Tensor &t) { return t / (t * t).sum(1, true).clamp_min(1e-24).sqrt(); };
  const at::Tensor u = at::cat({unit(a), unit(b)});
  const at::Tensor self = at::eye(2 * n, u.options()) > 0.5;
  const at::Tensor logits =
      (u.mm(u.t()) / tau).masked_fill(self, -std::numeric_limits<double>::infinity());
  // Row i's positive is its other view: i + n in the first half, i - n in the second.
  const auto index = u.options().dtype(at::kLong);
  const at::Tensor positive = at::cat({at::arange(n, 2 * n, index), at::arange(0, n, index)});
  return at::nll_loss(at::log_softmax(logits, 1), positive);
}

void train_net(TdcmNet &net, const Params &params, const at::Tensor &x,
               const std::vector<at::Tensor> &sets, at::Generator &gen,
               const ProgressFn &progress) {
  const auto start = Clock::now();
  Layers decoder;
  if (params.pretrain_epochs > 0) decoder = pretrain(net, params, x, sets, gen, progress, start);
  // The decoder stays only for the reconstruction term (a fresh one without a warm start).
  if (params.reconstruction <= 0.0) decoder = Layers{};
  if (params.reconstruction > 0.0 && decoder.weight.empty()) {
    decoder = init_decoder(params, x.size(1), gen).to(x.device());
  }
  const Augment aug = augment_of(params);
  const bool contrast = params.contrastive > 0.0;
  Layers head;
  if (contrast) {
    head = init_mlp({params.embed_dim, params.hidden, params.hidden}, gen).to(x.device());
  }
  std::vector<at::Tensor> parameters;
  if (params.train_encoder) {
    parameters = net.parameters();
  } else {
    parameters.insert(parameters.end(), net.a_q.begin(), net.a_q.end());
    parameters.insert(parameters.end(), net.a_k.begin(), net.a_k.end());
  }
  for (const Layers *extra : {&head, &decoder}) {
    for (const at::Tensor &t : extra->tensors()) parameters.push_back(t);
  }
  parameters = with_grad(parameters);
  torch::optim::Adam optimizer = adam(parameters, params.lr, params.weight_decay);
  auto normalise = [&](const at::Tensor &z) {
    return params.embed_norm == "none" ? z : standardize_batch(z, params.embed_norm == "global");
  };

  for (int64_t e = 1; e <= params.epochs; ++e) {
    const int64_t epoch = params.pretrain_epochs + e;
    const std::vector<at::Tensor> batches = epoch_batches(sets, params.batch_size, params.k, gen);
    std::vector<double> sums(4, 0.0);
    for (const at::Tensor &idx : batches) {
      const at::Tensor xb = batch_rows(x, idx);
      // The first view (as augment_view), and without its noise, the reconstruction target.
      const at::Tensor target = augment_geometry(xb, aug, gen);
      const at::Tensor first = augment_noise(target, aug, gen);
      LossTerms loss;
      at::Tensor objective;
      at::Tensor raw;  // the first view's embeddings
      if (!contrast) {
        raw = encode_batch(net, first);
        loss = batch_loss(net, normalise(raw), params);
        objective = loss.total;
      } else {
        // Two views encoded together; the clustering terms are their mean.
        const int64_t m = xb.size(0);
        const at::Tensor second = augment_view(xb, aug, gen);
        const at::Tensor z = encode_batch(net, at::cat({first, second}));
        raw = z.narrow(0, 0, m);
        // The head sees what the blocks see: each view normalised over its batch
        // (raw embeddings may shrink until the head's biases drown them).
        const at::Tensor z1 = normalise(raw);
        const at::Tensor z2 = normalise(z.narrow(0, m, m));
        loss = mean_terms(batch_loss(net, z1, params), batch_loss(net, z2, params));
        objective =
            loss.total + params.contrastive * contrastive_loss(run_mlp(head, z1), run_mlp(head, z2),
                                                               params.contrastive_tau);
      }
      if (!decoder.weight.empty()) {
        const at::Tensor rec = run_decoder(decoder, net.image, raw);
        objective = objective + params.reconstruction * at::mse_loss(rec, target);
      }
      sums[0] += optimise(optimizer, objective, epoch,
                          params.train_encoder ? net.encoder.tensors() : std::vector<at::Tensor>{});
      sums[1] += loss.clu.item<double>();
      sums[2] += loss.bal.item<double>();
      sums[3] += loss.orth.item<double>();
    }
    report(progress, epoch, params.pretrain_epochs + params.epochs, sums, batches.size(), start);
  }
  without_grad(parameters);
}

// ---------------------------------------------------------------- inference

at::Tensor standardize_batch(const at::Tensor &z, bool global) {
  const at::Tensor mean = z.mean(0, true);
  at::Tensor var = (z - mean).pow(2).mean(0, true);
  if (global) var = var.mean();
  return (z - mean) / (var + kStdEps).sqrt();
}

std::pair<at::Tensor, at::Tensor> embedding_stats(const at::Tensor &z, int64_t chunk_rows,
                                                  bool global) {
  const int64_t n = z.size(0);
  at::Tensor sum = at::zeros({z.size(1)}, z.options().dtype(at::kDouble));
  at::Tensor sum_sq = at::zeros_like(sum);
  for (int64_t s = 0; s < n; s += chunk_rows) {
    const at::Tensor zc = z.narrow(0, s, std::min(chunk_rows, n - s)).to(at::kDouble);
    sum.add_(zc.sum(0));
    sum_sq.add_(zc.pow(2).sum(0));
  }
  // Sharded: the statistics of every rank's rows.
  sum = dist::sum(sum);
  sum_sq = dist::sum(sum_sq);
  const double rows = static_cast<double>(dist::total_rows(n));
  const at::Tensor mean = sum / rows;
  at::Tensor var = (sum_sq / rows - mean.pow(2)).clamp_min(0.0);
  if (global) var = var.mean().expand_as(var).contiguous();
  return {mean.to(z.scalar_type()), (var + kStdEps).sqrt().to(z.scalar_type())};
}

namespace {

// Rows per chunk when each row is scored against `groups` sets of centroids: the
// chunk's score matrix stays as large as with one set.
int64_t grouped_chunk(int64_t chunk_rows, int64_t groups) {
  return std::max<int64_t>(1, chunk_rows / groups);
}

}  // namespace

std::vector<double> clustering_costs(const TdcmNet &net, const BlockConfig &cfg, int64_t block,
                                     const at::Tensor &z, const at::Tensor &c, int64_t chunk_rows,
                                     int64_t groups) {
  const at::Tensor wq = net.wq(block, cfg);
  const at::Tensor wk = net.wk(block, cfg);
  const int64_t n = z.size(0);
  const int64_t k = c.size(0) / groups;
  const int64_t step = grouped_chunk(chunk_rows, groups);
  at::Tensor total = at::zeros({groups}, z.options().dtype(at::kDouble));
  for (int64_t s = 0; s < n; s += step) {
    const at::Tensor zc = z.narrow(0, s, std::min(step, n - s));
    // -score * tau = sigma(p'Mp).
    const at::Tensor cost = score_fast(zc, c, wq, wk, cfg).neg() * cfg.tau;
    const at::Tensor nearest = std::get<0>(cost.view({zc.size(0), groups, k}).min(2));
    total.add_(nearest.to(at::kDouble).sum(0));
  }
  // Sharded: every rank's costs, over all rows.
  total = dist::sum(total).div(static_cast<double>(dist::total_rows(n))).cpu();
  return std::vector<double>(total.data_ptr<double>(), total.data_ptr<double>() + groups);
}

namespace {

// One block on `groups` independent sets of centroids c (groups * k rows): the
// sums of delta_ij z_i and delta_ij over all chunks, the same update as one shot.
at::Tensor block_update(const TdcmNet &net, const BlockConfig &cfg, int64_t block,
                        const at::Tensor &z, const at::Tensor &c, int64_t chunk_rows,
                        int64_t groups) {
  const int64_t n = z.size(0);
  const int64_t total_k = c.size(0);
  const int64_t k = total_k / groups;
  const int64_t step = grouped_chunk(chunk_rows, groups);
  const at::Tensor wq = net.wq(block, cfg);
  const at::Tensor wk = net.wk(block, cfg);
  at::Tensor weighted = at::zeros_like(c);
  at::Tensor mass = at::zeros({total_k}, z.options());
  for (int64_t s = 0; s < n; s += step) {
    const int64_t len = std::min(step, n - s);
    const at::Tensor zc = z.narrow(0, s, len);
    const at::Tensor score = score_fast(zc, c, wq, wk, cfg).view({len, groups, k});
    const at::Tensor delta = at::softmax(score / cfg.tau, 2).view({len, total_k});
    weighted.add_(delta.t().mm(zc));
    mass.add_(delta.sum(0));
  }
  if (dist::active() != nullptr) {
    // Sharded: every rank's sums of delta z and delta, added in double.
    weighted = dist::sum(weighted.to(at::kDouble)).to(weighted.scalar_type());
    mass = dist::sum(mass.to(at::kDouble)).to(mass.scalar_type());
  }
  return weighted / (mass.unsqueeze(1) + kCentroidEps);
}

}  // namespace

Adaptation adapt_from(const TdcmNet &net, const BlockConfig &cfg, const BlockSchedule &schedule,
                      const at::Tensor &z, const at::Tensor &init, int64_t chunk_rows,
                      int64_t groups) {
  const int64_t k = init.size(0) / groups;
  const int64_t dim = init.size(1);
  // Per start: its centroids now, and before the last block that moved them.
  at::Tensor c = init.reshape({groups, k, dim}).clone();
  at::Tensor last = c;
  std::vector<int64_t> running(static_cast<size_t>(groups));
  std::iota(running.begin(), running.end(), 0);
  Adaptation out;
  for (int64_t l = 0; l < schedule.steps && !running.empty(); ++l) {
    const int64_t g = static_cast<int64_t>(running.size());
    const bool all = g == groups;
    const at::Tensor which = all ? at::Tensor() : at::tensor(running, at::kLong).to(c.device());
    const at::Tensor before = all ? c : c.index_select(0, which);
    const at::Tensor after = block_update(net, cfg, std::min(l, schedule.trained - 1), z,
                                          before.view({g * k, dim}), chunk_rows, g)
                                 .view({g, k, dim});
    out.steps_run = l + 1;
    // Every further step would repeat this block's weights: a converged start is done.
    if (l + 1 >= schedule.trained) {
      const at::Tensor shift =
          (after - before).pow(2).sum({1, 2}).to(at::kDouble).cpu().contiguous();
      const double *shifts = shift.data_ptr<double>();
      std::vector<int64_t> still;
      for (int64_t i = 0; i < g; ++i) {
        if (shifts[i] > schedule.stop_shift) still.push_back(running[static_cast<size_t>(i)]);
      }
      running = std::move(still);
    }
    if (all) {
      last = c;
      c = after;
    } else {
      last.index_copy_(0, which, before);
      c.index_copy_(0, which, after);
    }
  }
  out.last_input = last.view({groups * k, dim});
  out.centroids = c.view({groups * k, dim});
  return out;
}

void label_chunked(const TdcmNet &net, const BlockConfig &cfg, int64_t block, const at::Tensor &z,
                   const at::Tensor &c, int64_t chunk_rows, int32_t *labels, float *probs) {
  const at::Tensor wq = net.wq(block, cfg);
  const at::Tensor wk = net.wk(block, cfg);
  const int64_t n = z.size(0);
  const int64_t k = c.size(0);
  for (int64_t s = 0; s < n; s += chunk_rows) {
    const int64_t len = std::min(chunk_rows, n - s);
    const at::Tensor delta = soft_assign(score_fast(z.narrow(0, s, len), c, wq, wk, cfg), cfg);
    copy_to_buffer(delta.argmax(1).to(at::kInt), labels + s);
    if (probs != nullptr) copy_to_buffer(delta, probs + s * k);
  }
}

}  // namespace tdcm
