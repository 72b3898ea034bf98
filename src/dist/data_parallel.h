// TDCM training over the ranks of the active group, with the global batch of
// one process: every rank draws the same batches (same seed) of the
// concatenated set, receives the batch's rows from the ranks that hold them,
// and encodes its share of the batch; the embeddings are gathered, the loss
// (blocks, heads, decoder: cheap next to the encoder) is computed on the whole
// batch by every rank alike, and the encoder's gradients are summed over the
// ranks before each step. Without an active group each is what one process does.
#pragma once

#include <ATen/ATen.h>

#include <vector>

#include "core/tdcm_model.h"

namespace tdcm {

// The rows `idx` (indices into the concatenated set) of the rows `x` this
// rank holds, on every rank: one process's x.index_select(0, idx).
at::Tensor batch_rows(const at::Tensor &x, const at::Tensor &idx);

// net.encode(input) of a batch every rank holds: this rank encodes its share
// (differentiably), the others' shares arrive as values, so the gradient a
// backward pass leaves on the encoder is that of this rank's rows only.
at::Tensor encode_batch(const TdcmNet &net, const at::Tensor &input);

// Sums the gradients of the encoder's tensors over the ranks (each rank's
// covers its share of the batch), before the optimiser's step.
void sum_encoder_gradients(const std::vector<at::Tensor> &encoder);

}  // namespace tdcm
