// A clustering model behind one handle: TDCM or k-means, its input
// standardisation, its fitted and adapted state. Every mutating call builds
// the new state aside and commits it only on success, so a failure leaves
// the model as it was.
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/gaussian_mixture.h"
#include "core/identity.h"
#include "core/kmeans.h"
#include "core/mixture_labels.h"
#include "core/params.h"
#include "core/serialize.h"
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

  // Fails unless the model is fitted on d columns and n >= 1: what assign,
  // adapt and predict check first.
  void check_input(int64_t n, int64_t d) const;

  // x: n x d row-major float32, finite (the C API checks). set_ids: NULL or n ids.
  // labels: NULL, or n cluster ids (>= 0) within each set, which a collection
  // fit's family metric is then estimated from (in place of its own clustering).
  void fit(const float *x, int64_t n, int64_t d, const int64_t *set_ids, const ProgressFn &progress,
           const int32_t *labels = nullptr);
  // `values_checked`: the caller has made sure every value is finite; else
  // the assign checks them (a k-means assign of labels in its one pass).
  void assign(const float *x, int64_t n, int64_t d, int32_t *labels, float *probs,
              bool values_checked = true) const;
  void adapt(const float *x, int64_t n, int64_t d);
  // values_checked as assign's (folded TDCM labels check the rows as they read them).
  void predict(const float *x, int64_t n, int64_t d, int32_t *labels, float *probs,
               bool values_checked = true) const;

  // assign, and the per-cluster report of the target against the source.
  std::vector<ClusterReport> assign_report(const float *x, int64_t n, int64_t d, int32_t *labels,
                                           float *probs) const;
  // The report of the last adapt.
  std::vector<ClusterReport> adapted_report() const;

  // Centroids: the source's (fitted or set) or the adapted ones, in input
  // coordinates where the encoder is the identity (else in the embedding).
  enum class Which { Source, Adapted };
  bool centroids_in_input_space() const;
  int64_t centroid_dim() const;
  at::Tensor centroids(Which which) const;  // k x centroid_dim, float32, CPU
  // The user's centroids as the source's: on an unfitted model (algo=kmeans,
  // or tdcm with encoder=identity) they make it fitted; on a fitted one they
  // replace the source centroids and drop any adaptation.
  void set_centroids(const float *c, int64_t k, int64_t d);

  void save(const std::string &path) const;
  // The bytes save() writes to a file.
  std::string save_bytes() const;
  // `overrides` may set only run-time keys (device, threads, chunk_rows).
  static Model load(const std::string &path, const char *overrides);
  // As load(), from the bytes of a model file (copied; `bytes` is not kept).
  static Model load_bytes(std::string_view bytes, const char *overrides);

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
    // The source's clusters as a mixture, float32 (means, and where known
    // covariances, weights and soft sizes): algo=gmm's fitted mixture; tdcm
    // with metric=gaussian after a single-set fit (in its embedding); the
    // shapes of algo=kmeans's clusters. Means only for centroids set by the user.
    Mixture source;
    at::Tensor source_counts;  // rows per source cluster (hard labels); undefined if unknown
    // tdcm, metric=gaussian, collection=family: the learned map (r x b, float)
    // from the encoder's output to the space the blocks cluster in, where the
    // family's within-cluster covariance is the identity.
    at::Tensor family_map;
    // tdcm, metric=gaussian, single-set fit: the source's embedding statistics,
    // applied to every later set so that both live in one space.
    at::Tensor source_embed_mean;
    at::Tensor source_embed_std;
    // After adapt, algo=gmm or metric=gaussian: the adapted mixture (float32).
    Mixture adapted_mixture;
    // Derived from it once (prepare_predict), so that predict, even of one row,
    // pays no Cholesky factorisation or cluster matching per call: its
    // precision factors (double) and, for tdcm, the relabelling of its probabilities.
    PrecisionFactors adapted_factors;
    at::Tensor adapted_relabel;
    // tdcm on the CPU with an affine embedding: the factors folded with it, so
    // that predict labels the caller's rows in place (model_affine.cpp).
    std::shared_ptr<const MixtureLabels> adapted_labels;
    // After adapt: the target's clusters as a mixture, and its rows per cluster.
    Mixture target;
    at::Tensor target_counts;
  };

  struct Embedded {
    at::Tensor z;          // n x b, standardised over the set when embed_norm
    at::Tensor mean, std;  // the statistics used (undefined otherwise)
  };

  // Rows of a caller's buffer as standardised chunks on the model's device.
  RowSource rows_of(const State &state, const float *x, int64_t n) const;
  // Columns of tdcm's embedding: the encoder's, or the family map's rows.
  int64_t width(const State &state) const;
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
  bool gaussian() const;  // algo=gmm, or tdcm with metric=gaussian
  // tdcm, metric=gaussian: the set embedded in the source's statistics, and
  // the mixture adapted to it (in the source's numbering when it has one).
  Embedded embed_for_mixture(const State &state, const float *x, int64_t n) const;
  Mixture adapt_gaussian(const State &state, const at::Tensor &z) const;
  // collection fit, metric=gaussian: the family's metric (core/family_metric.h)
  // into next.family_map, unless collection=auto finds a refit better.
  void learn_family(State &next, const float *x, int64_t n, const std::vector<at::Tensor> &sets,
                    const int32_t *labels, at::Generator &gen) const;
  // tdcm, metric=gaussian: the k x k posterior of each cluster's name
  // (identity_probs), or undefined.
  at::Tensor identity_relabel(const State &state, const Mixture &adapted) const;
  // assign / predict on a state; `keep`, when given, receives tdcm's embedded set.
  void assign_rows(const State &state, const float *x, int64_t n, int32_t *labels, float *probs,
                   Embedded *keep) const;
  void predict_rows(const State &state, const float *x, int64_t n, int32_t *labels, float *probs,
                    Embedded *keep) const;
  // Fills adapted_factors, adapted_relabel and adapted_labels from
  // adapted_mixture (clears them without one).
  void prepare_predict(State &state) const;
  // tdcm: the embedding as one map z = x a^T + c of the input rows, where
  // every step of it is affine and the fold pays; false otherwise.
  bool affine_embedding(const State &state, at::Tensor &a, at::Tensor &c) const;
  void prepare_folded_labels(State &state) const;
  // The rows the mixtures and centroids live in: tdcm's embedded set, else the
  // (standardised) input rows.
  RowSource model_rows(const State &state, const float *x, int64_t n,
                       const Embedded &embedded) const;
  // Fills state.target and target_counts from the labels of the rows.
  void describe_target(State &state, const RowSource &rows, const int32_t *labels) const;
  std::vector<ClusterReport> report_of(const State &state) const;
  // The k-means labels of the rows in one fused pass over them in place (and,
  // with `non_finite`, their check); false where the kernel does not apply.
  bool nearest_labels(const State &state, const float *x, int64_t n, const at::Tensor &centroids,
                      int32_t *labels, bool *non_finite) const;
  void label_against(const State &state, const float *x, int64_t n, const at::Tensor &centroids,
                     int64_t block, int32_t *labels, float *probs) const;
  // The fitted state as the model file's contents, and back (every tensor
  // checked against the parameters; `source` names the file or buffer in
  // messages). save/load and their _bytes forms are these and serialize.h.
  ModelFile to_file() const;
  static Model from_file(const ModelFile &file, const char *overrides, const std::string &source);

  Params params_;
  c10::Device device_;
  std::optional<State> state_;
};

}  // namespace tdcm
