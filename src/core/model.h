// A clustering model behind one handle: TDCM or k-means, its input
// standardisation, its fitted and adapted state. Every mutating call builds
// the new state aside and commits it only on success, so a failure leaves
// the model as it was.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <optional>
#include <string>

#include "core/kmeans.h"
#include "core/params.h"
#include "core/tdcm_model.h"

namespace tdcm {

class Model {
 public:
  explicit Model(const Params &params);

  const Params &params() const { return params_; }
  const c10::Device &device() const { return device_; }
  bool fitted() const { return state_.has_value(); }
  bool adapted() const { return state_ && state_->adapted.defined(); }
  int64_t input_dim() const { return state_ ? state_->input_dim : 0; }
  int64_t embed_dim() const;

  // x: n x d row-major float32, finite (the C API checks). set_ids: NULL or n ids.
  void fit(const float *x, int64_t n, int64_t d, const int64_t *set_ids,
           const ProgressFn &progress);
  void assign(const float *x, int64_t n, int64_t d, int32_t *labels, float *probs) const;
  void adapt(const float *x, int64_t n, int64_t d);
  void predict(const float *x, int64_t n, int64_t d, int32_t *labels, float *probs) const;

  void save(const std::string &path) const;
  // `overrides` may set only run-time keys (device, threads, chunk_rows).
  static Model load(const std::string &path, const char *overrides);

 private:
  struct State {
    int64_t input_dim = 0;
    at::Tensor input_mean;  // defined when params.standardize
    at::Tensor input_std;
    TdcmNet net;           // algo=tdcm
    at::Tensor centroids;  // algo=kmeans: fitted centroids in input space
    at::Tensor adapted;    // tdcm: C(L) in embedding space; kmeans: adapted centroids
    // tdcm with embed_norm: the embedding mean/std of the adapted set,
    // which predict() applies to the rows it labels.
    at::Tensor adapted_mean;
    at::Tensor adapted_std;
    // tdcm after a single-set fit with init=source|auto: C(L) reached on the
    // whole source (in its own standardised embedding space); the start of
    // every later adaptation.
    at::Tensor source_centroids;
  };

  struct Embedded {
    at::Tensor z;          // n x b, standardised over the set when embed_norm
    at::Tensor mean, std;  // the statistics used (undefined otherwise)
  };

  // Rows of a caller's buffer as standardised chunks on the model's device.
  RowSource rows_of(const State &state, const float *x, int64_t n) const;
  at::Tensor embed(const State &state, const float *x, int64_t n) const;
  // Embeds a whole set; with embed_norm, standardises it by its own
  // statistics, or by `mean`/`std` when given.
  Embedded embed_set(const State &state, const float *x, int64_t n, const at::Tensor &mean = {},
                     const at::Tensor &std = {}) const;
  BlockConfig infer_config() const;
  int64_t infer_steps() const;
  int64_t label_block() const;
  // The adaptation of the blocks on a whole embedded set from the start that
  // params.init selects (`force_seeding`: k-means++ whatever init says).
  Adaptation infer(const State &state, const at::Tensor &z, bool force_seeding) const;
  void check_input(int64_t n, int64_t d) const;
  void label_against(const State &state, const float *x, int64_t n, const at::Tensor &centroids,
                     int64_t block, int32_t *labels, float *probs) const;

  Params params_;
  c10::Device device_;
  std::optional<State> state_;
};

}  // namespace tdcm
