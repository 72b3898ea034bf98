// Model parameters: one table of keys drives parsing, validation, the describe
// call, the command's help and the canonical string stored in model files.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tdcm {

struct Params {
  std::string algo = "tdcm";
  int64_t k = 5;
  int64_t embed_dim = 16;
  int64_t hidden = 128;
  int64_t blocks = 4;
  double tau = 1.0;
  std::string activation = "leaky_relu";
  bool share_blocks = true;
  double beta = 1.0;
  double gamma = 1.0;
  bool symmetric = true;
  double lr = 5e-3;
  double weight_decay = 5e-4;
  int64_t epochs = 0;  // paper preset: 100 (the paper: 500 for synthetic data)
  int64_t batch_size = 256;
  uint64_t seed = 0;
  std::string device = "auto";
  int64_t threads = 0;
  int64_t chunk_rows = 65536;
  bool standardize = false;
  int64_t n_init = 10;
  int64_t max_iter = 300;
  double tol = 1e-4;
  // Departures from the paper (model.md). Each value named in paper_params()
  // restores the model exactly as written there.
  std::string encoder = "auto";       // paper: mlp
  std::string metric = "gaussian";    // paper: shared
  double shape_prior = 0.1;           // paper: irrelevant (metric=shared)
  bool identity_probs = true;         // paper: irrelevant (metric=shared)
  std::string collection = "auto";    // paper: refit
  int64_t family_rounds = 8;          // collection=family: clustering/re-estimation rounds
  int64_t family_epochs = 30;         // collection=family: gradient epochs on its map
  double family_lr = 0.001;           // collection=family: their Adam learning rate
  std::string covariance = "full";    // algo=gmm
  std::string embed_norm = "global";  // paper: none
  std::string init = "auto";          // paper: identity
  int64_t infer_blocks = 20;          // paper: 0 (= blocks)
  double infer_tau = 0.1;             // paper: 0 (= tau)
  int64_t restart_rows = 2048;        // paper: 0 (all rows; irrelevant with one start)
  int64_t infer_restarts = 5;         // paper: 1 (irrelevant with the identity start)
  bool train_encoder = true;          // paper: true
  // Images: "CxHxW" (rows are C x H x W row-major), or "none" for plain vectors.
  std::string input_shape = "none";
  // Training-time augmentation (fit only; off by default).
  double aug_crop = 1.0;   // smallest crop area fraction (1 = off)
  double aug_shift = 0.0;  // largest translation in pixels
  bool aug_flip = false;
  double aug_noise = 0.0;  // Gaussian noise std
  // Representation terms (off by default).
  double contrastive = 0.0;  // weight of the NT-Xent term on two views of each batch
  double contrastive_tau = 0.5;
  int64_t pretrain_epochs = 0;  // autoencoder warm start before the clustering epochs
  double separation = 0.0;      // weight of the centroid-overlap term
  double reconstruction = 0.0;  // weight of the reconstruction error in the clustering epochs
};

// The shape of image rows; c == 0 when input_shape=none.
struct ImageShape {
  int64_t c = 0, h = 0, w = 0;
  bool defined() const { return c > 0; }
  int64_t numel() const { return c * h * w; }
};

// The shape that params.input_shape names (already validated by parse_params).
ImageShape image_shape(const Params &params);

// The smallest image side encoder=lenet accepts (two 5x5 convolutions, each
// followed by a 2x2 max pooling, must leave at least one pixel).
constexpr int64_t kLenetMinSide = 16;

// Widest input that encoder=auto leaves as it is (full covariances cost b^2 per row and cluster).
constexpr int64_t kIdentityMaxDim = 128;

// The encoder params.encoder names for rows of `input_dim` columns: auto is
// identity for at most kIdentityMaxDim columns when nothing is to be trained
// (epochs, pretrain_epochs, contrastive and reconstruction all 0), else linear.
std::string encoder_for(const Params &params, int64_t input_dim);

// The model exactly as in model.md (preset=paper).
Params paper_params();

struct ParamSpec {
  const char *name;
  const char *type;
  const char *default_value;
  const char *range;
  const char *help;
};

// The table, in display order.
const std::vector<ParamSpec> &param_table();

// Parses "key=value key=value" (whitespace-separated; NULL/empty = defaults)
// on top of `base`. The pseudo-key preset=paper|default is applied first,
// whatever its position, and replaces `base`; other keys then override it. Throws
// Error(TDCM_ERR_UNKNOWN_PARAMETER) naming an unknown key and Error(TDCM_ERR_BAD_PARAMETER) naming
// the key of a malformed or out-of-range value, and on cross-key conflicts (embed_dim < k;
// encoder=lenet without an input_shape of sides >= kLenetMinSide; a geometric augmentation
// without input_shape; contrastive, pretrain_epochs or reconstruction with train_encoder=false).
Params parse_params(const char *text, const Params &base = Params{});

// Every key in table order, "key=value ...", values in a form parse_params reads back.
std::string to_string(const Params &params);

// Keys that may be changed when loading a saved model.
bool is_runtime_param(const std::string &key);

}  // namespace tdcm
