// The TDCM network (encoder + learnable centroid-updating blocks), its
// training objective and its chunked full-set inference, as in the README's
// "The model" section.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/encoder.h"
#include "core/params.h"
#include "tdcm/tdcm.h"

namespace tdcm {

// Everything a block needs besides its weights.
struct BlockConfig {
  double tau = 1.0;
  bool leaky = true;  // LeakyReLU(0.2), else ReLU
  bool symmetric = true;
};

BlockConfig block_config(const Params &params);

// W = (A + A^T)/2 when symmetric (exactly symmetric by construction), else A.
at::Tensor metric_weight(const at::Tensor &a, bool symmetric);

// Score l(z, c) = -sigma((W_Q p).(W_K p)) / tau, p = z - c, for all rows and
// centroids (N x K), by the expansion z'Mz - z'(M+M')c + c'Mc with M = W_Q'W_K.
at::Tensor score_fast(const at::Tensor &z, const at::Tensor &c, const at::Tensor &wq,
                      const at::Tensor &wk, const BlockConfig &cfg);

// The same score from the N x K x b difference tensor; a reference for tests.
at::Tensor score_direct(const at::Tensor &z, const at::Tensor &c, const at::Tensor &wq,
                        const at::Tensor &wk, const BlockConfig &cfg);

// delta = softmax_j(score / tau).
at::Tensor soft_assign(const at::Tensor &score, const BlockConfig &cfg);

// c_j = sum_i delta_ij z_i / (sum_i delta_ij + eps): per-cluster normalisation.
at::Tensor update_centroids(const at::Tensor &z, const at::Tensor &delta);

// C(0): the first k rows of I_b.
at::Tensor initial_centroids(int64_t k, int64_t b, const at::TensorOptions &options);

// alpha_l = l / sum_m m, l = 1..L.
std::vector<double> block_weights(int64_t blocks);

struct TdcmNet {
  Layers encoder;               // params.encoder's layers (core/encoder.h)
  ImageShape image;             // the rows' image shape (encoder=lenet), else undefined
  std::vector<at::Tensor> a_q;  // one per block, or a single shared pair
  std::vector<at::Tensor> a_k;

  at::Tensor encode(const at::Tensor &x) const;
  at::Tensor wq(int64_t block, const BlockConfig &cfg) const;
  at::Tensor wk(int64_t block, const BlockConfig &cfg) const;
  std::vector<at::Tensor> parameters() const;
  // Named tensors, for the model file, in a fixed order.
  std::vector<std::pair<std::string, at::Tensor>> named_tensors() const;
  TdcmNet to(const c10::Device &device) const;
};

// PyTorch-style uniform init of the encoder from `gen` (init_encoder); A_Q = A_K = I.
TdcmNet init_net(const Params &params, int64_t input_dim, at::Generator &gen);

// Rebuilds a net from named tensors; throws Error(TDCM_ERR_BAD_FILE) when a
// tensor is missing or has a shape that does not fit the parameters.
TdcmNet net_from_tensors(const Params &params, int64_t input_dim,
                         const std::vector<std::pair<std::string, at::Tensor>> &tensors);

struct LossTerms {
  at::Tensor clu, bal, orth, sep, total;
};

// The training objective on one mini-batch of embeddings z (one data set):
// total = clu + beta bal + gamma orth + separation sep, where sep sums
// alpha_l centroid_overlap(C(l)) over the blocks (0 when separation = 0).
LossTerms batch_loss(const TdcmNet &net, const at::Tensor &z, const Params &params);

// Mean over ordered pairs j != k of exp(-||c_j - c_k||^2 / b) for K x b
// centroids: 1 when all coincide, near 0 when they are far apart (0 for K = 1).
// It sees merged centroids, which the balance term does not (delta splits
// evenly over coincident centroids).
at::Tensor centroid_overlap(const at::Tensor &c);

// Orthogonality penalty sum ||W W^T - I||_F^2 over the distinct (W_Q, W_K).
at::Tensor orthogonality_penalty(const TdcmNet &net, const BlockConfig &cfg);

// NT-Xent (InfoNCE) of two views: rows of `a` and `b` (n x p) are L2-normalised
// and pooled into 2n; each row's logits are its cosine similarities to the
// other 2n-1 divided by tau, and its target is its twin (row i of the other
// view). The mean cross-entropy over the 2n rows.
at::Tensor contrastive_loss(const at::Tensor &a, const at::Tensor &b, double tau);

// Returns false to cancel.
using ProgressFn = std::function<bool(const tdcm_progress &)>;

// One epoch's mini-batches: row indices of each data set shuffled and cut into
// batch_size pieces (a tail of fewer than k rows joins the batch before it),
// the batches in random order; a batch never mixes data sets.
std::vector<at::Tensor> epoch_batches(const std::vector<at::Tensor> &sets, int64_t batch_size,
                                      int64_t k, at::Generator &gen);

// Trains `net` in place with Adam on mini-batches that never mix data sets.
// `x` is the (already standardised) source on the net's device; `sets` lists
// the row indices of each data set. Throws Error(TDCM_ERR_CANCELLED) when the
// callback cancels and Error(TDCM_ERR_DIVERGED) on a non-finite loss. Each
// batch is augmented (augment_view) by the aug_* parameters first. With
// pretrain_epochs, the encoder is first trained as an autoencoder (progress:
// loss = reconstruction MSE, the other terms 0); with contrastive > 0, two
// views per batch and loss = clustering objective + contrastive x NT-Xent;
// with reconstruction > 0, + reconstruction x the first view's reconstruction
// MSE through the warm start's decoder (IDEC-style).
// Progress epochs run 1..pretrain_epochs + epochs.
void train_net(TdcmNet &net, const Params &params, const at::Tensor &x,
               const std::vector<at::Tensor> &sets, at::Generator &gen, const ProgressFn &progress);

// The centroids the blocks reach on a whole set, accumulated chunk by chunk.
struct Adaptation {
  at::Tensor last_input;  // C(L-1): the centroids the last block assigns against
  at::Tensor centroids;   // C(L): the adapted centroids
  int64_t steps_run = 0;  // blocks actually run (fewer than asked when they converged)
};

// The blocks adapt_from runs: block l uses the weights of block min(l, trained - 1),
// so steps beyond the trained blocks repeat the last one. Once past them, a start
// stops when its centroids moved by no more than `stop_shift` (squared shift summed
// over its centroids), as Lloyd's iterations stop; 0 stops only at an exact fixed
// point, where further steps would change nothing.
struct BlockSchedule {
  int64_t trained = 1;
  int64_t steps = 1;
  double stop_shift = 0.0;
};

// From centroids `init` (I[:k] in the paper), running the blocks of `schedule`.
// With `groups` > 1, `init` holds that many independent sets of k = rows/groups
// centroids, one after the other, and each row's assignment is a softmax within
// each set: several starts iterated in one pass over the rows, exactly as if each
// ran alone (each stops on its own; steps_run is the longest run).
Adaptation adapt_from(const TdcmNet &net, const BlockConfig &cfg, const BlockSchedule &schedule,
                      const at::Tensor &z, const at::Tensor &init, int64_t chunk_rows,
                      int64_t groups = 1);

// Mean over rows of min_j sigma(p'Mp), p = z_i - c_j, with block `block`'s
// metric: the hard clustering cost of centroids c on z, chunk by chunk; one
// cost per group of centroids (see adapt_from).
std::vector<double> clustering_costs(const TdcmNet &net, const BlockConfig &cfg, int64_t block,
                                     const at::Tensor &z, const at::Tensor &c, int64_t chunk_rows,
                                     int64_t groups = 1);

// Standardises each column of a mini-batch of embeddings over its rows
// (population variance, eps 1e-5, no affine part); `global`: one scale for
// all columns, the square root of their mean variance.
at::Tensor standardize_batch(const at::Tensor &z, bool global);

// Column mean and std (population, with the same eps; with `global` the std
// is one value repeated) of a whole set of embeddings, accumulated chunk by
// chunk in double precision.
std::pair<at::Tensor, at::Tensor> embedding_stats(const at::Tensor &z, int64_t chunk_rows,
                                                  bool global);

// Labels (and probabilities, when `probs` is not null) of all rows of z
// against centroids c with block `block`'s metric, chunk by chunk, written
// into caller buffers.
void label_chunked(const TdcmNet &net, const BlockConfig &cfg, int64_t block, const at::Tensor &z,
                   const at::Tensor &c, int64_t chunk_rows, int32_t *labels, float *probs);

}  // namespace tdcm
