#include "core/tdcm_model.h"

#include <torch/optim/adam.h>

#include <chrono>
#include <cmath>

#include "core/augment.h"
#include "core/errors.h"
#include "core/runtime.h"

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
  for (int64_t i = 0; i < pairs; ++i) {
    net.a_q.push_back(at::eye(params.embed_dim, at::kFloat));
    net.a_k.push_back(at::eye(params.embed_dim, at::kFloat));
  }
  return net;
}

TdcmNet net_from_tensors(const Params &params, int64_t input_dim,
                         const std::vector<std::pair<std::string, at::Tensor>> &tensors) {
  // Shapes come from the parameters; a file must match them exactly.
  at::Generator gen = at::detail::createCPUGenerator(0);
  TdcmNet shape = init_net(params, input_dim, gen);
  auto named = shape.named_tensors();
  std::vector<at::Tensor> found;
  for (const auto &[name, expected] : named) {
    const at::Tensor *match = nullptr;
    for (const auto &[n, t] : tensors) {
      if (n == name) match = &t;
    }
    if (match == nullptr) fail(TDCM_ERR_BAD_FILE, "model file lacks tensor '" + name + "'");
    if (match->sizes() != expected.sizes()) {
      fail(TDCM_ERR_BAD_FILE, "model file tensor '" + name + "' has the wrong shape");
    }
    found.push_back(*match);
  }
  TdcmNet net;
  net.image = shape.image;
  size_t i = 0;
  for (size_t l = 0; l < shape.encoder.weight.size(); ++l) {
    net.encoder.weight.push_back(found[i++]);
    net.encoder.bias.push_back(found[i++]);
  }
  for (size_t b = 0; b < shape.a_q.size(); ++b) {
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
  }
  const at::Tensor orth = orthogonality_penalty(net, cfg);
  return LossTerms{clu, bal, orth, clu + params.beta * bal + params.gamma * orth};
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

void train_net(TdcmNet &net, const Params &params, const at::Tensor &x,
               const std::vector<at::Tensor> &sets, at::Generator &gen,
               const ProgressFn &progress) {
  const Augment aug = augment_of(params);
  std::vector<at::Tensor> parameters;
  if (params.train_encoder) {
    parameters = net.parameters();
  } else {
    parameters.insert(parameters.end(), net.a_q.begin(), net.a_q.end());
    parameters.insert(parameters.end(), net.a_k.begin(), net.a_k.end());
  }
  for (auto &p : parameters) p.requires_grad_(true);
  torch::optim::Adam optimizer(
      parameters, torch::optim::AdamOptions(params.lr).weight_decay(params.weight_decay));
  const auto start = std::chrono::steady_clock::now();

  for (int64_t epoch = 1; epoch <= params.epochs; ++epoch) {
    const std::vector<at::Tensor> batches = epoch_batches(sets, params.batch_size, params.k, gen);
    double sum_total = 0, sum_clu = 0, sum_bal = 0, sum_orth = 0;
    for (const at::Tensor &idx : batches) {
      at::Tensor z = net.encode(augment_view(x.index_select(0, idx), aug, gen));
      if (params.embed_norm != "none") z = standardize_batch(z, params.embed_norm == "global");
      const LossTerms loss = batch_loss(net, z, params);
      optimizer.zero_grad();
      loss.total.backward();
      optimizer.step();
      const double total = loss.total.item<double>();
      if (!std::isfinite(total)) {
        fail(TDCM_ERR_DIVERGED, "training diverged: the loss became non-finite at epoch " +
                                    std::to_string(epoch) + " (try a lower lr)");
      }
      sum_total += total;
      sum_clu += loss.clu.item<double>();
      sum_bal += loss.bal.item<double>();
      sum_orth += loss.orth.item<double>();
    }
    if (progress) {
      const double nb = static_cast<double>(batches.size());
      tdcm_progress p{};
      p.epoch = static_cast<int32_t>(epoch);
      p.epochs = static_cast<int32_t>(params.epochs);
      p.loss = sum_total / nb;
      p.loss_clu = sum_clu / nb;
      p.loss_bal = sum_bal / nb;
      p.loss_orth = sum_orth / nb;
      p.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (!progress(p)) fail(TDCM_ERR_CANCELLED, "fit cancelled by the progress callback");
    }
  }
  for (auto &p : parameters) p.requires_grad_(false);
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
  const at::Tensor mean = sum / static_cast<double>(n);
  at::Tensor var = (sum_sq / static_cast<double>(n) - mean.pow(2)).clamp_min(0.0);
  if (global) var = var.mean().expand_as(var).contiguous();
  return {mean.to(z.scalar_type()), (var + kStdEps).sqrt().to(z.scalar_type())};
}

double clustering_cost(const TdcmNet &net, const BlockConfig &cfg, int64_t block,
                       const at::Tensor &z, const at::Tensor &c, int64_t chunk_rows) {
  const at::Tensor wq = net.wq(block, cfg);
  const at::Tensor wk = net.wk(block, cfg);
  const int64_t n = z.size(0);
  double total = 0;
  for (int64_t s = 0; s < n; s += chunk_rows) {
    const at::Tensor zc = z.narrow(0, s, std::min(chunk_rows, n - s));
    // -score * tau = sigma(p'Mp).
    const at::Tensor cost = score_fast(zc, c, wq, wk, cfg).neg() * cfg.tau;
    total += std::get<0>(cost.min(1)).to(at::kDouble).sum().item<double>();
  }
  return total / static_cast<double>(n);
}

Adaptation adapt_chunked(const TdcmNet &net, const BlockConfig &cfg, int64_t blocks,
                         const at::Tensor &z, int64_t k, int64_t chunk_rows) {
  return adapt_from(net, cfg, blocks, blocks, z, initial_centroids(k, z.size(1), z.options()),
                    chunk_rows);
}

Adaptation adapt_from(const TdcmNet &net, const BlockConfig &cfg, int64_t trained_blocks,
                      int64_t steps, const at::Tensor &z, const at::Tensor &init,
                      int64_t chunk_rows) {
  const int64_t n = z.size(0);
  const int64_t k = init.size(0);
  Adaptation out;
  at::Tensor c = init;
  for (int64_t l = 0; l < steps; ++l) {
    const int64_t w = std::min(l, trained_blocks - 1);
    const at::Tensor wq = net.wq(w, cfg);
    const at::Tensor wk = net.wk(w, cfg);
    // Sums of delta_ij z_i and delta_ij over all chunks: the same update as one shot.
    at::Tensor weighted = at::zeros_like(c);
    at::Tensor mass = at::zeros({k}, z.options());
    for (int64_t s = 0; s < n; s += chunk_rows) {
      const at::Tensor zc = z.narrow(0, s, std::min(chunk_rows, n - s));
      const at::Tensor delta = soft_assign(score_fast(zc, c, wq, wk, cfg), cfg);
      weighted.add_(delta.t().mm(zc));
      mass.add_(delta.sum(0));
    }
    out.last_input = c;
    c = weighted / (mass.unsqueeze(1) + kCentroidEps);
  }
  out.centroids = c;
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
