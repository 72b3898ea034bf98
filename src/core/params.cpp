#include "core/params.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <limits>
#include <set>
#include <sstream>

#include "core/errors.h"

namespace tdcm {
namespace {

constexpr int64_t kMaxInt = std::numeric_limits<int32_t>::max();

[[noreturn]] void bad_value(const std::string &key, const std::string &value,
                            const std::string &why) {
  fail(TDCM_ERR_BAD_PARAMETER,
       "parameter '" + key + "': invalid value '" + value + "' (" + why + ")");
}

int64_t parse_int(const std::string &key, const std::string &value, int64_t lo, int64_t hi) {
  errno = 0;
  char *end = nullptr;
  const long long v = std::strtoll(value.c_str(), &end, 10);
  if (value.empty() || *end != '\0' || errno == ERANGE)
    bad_value(key, value, "expected an integer");
  if (v < lo || v > hi) {
    bad_value(key, value, "must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
  return v;
}

uint64_t parse_seed(const std::string &key, const std::string &value) {
  errno = 0;
  char *end = nullptr;
  if (value.empty() || value[0] == '-') bad_value(key, value, "expected a non-negative integer");
  const unsigned long long v = std::strtoull(value.c_str(), &end, 10);
  if (*end != '\0' || errno == ERANGE) bad_value(key, value, "expected a non-negative integer");
  return v;
}

// Open or closed bounds: (lo, hi] etc. are expressed by the flags.
double parse_real(const std::string &key, const std::string &value, double lo, bool lo_open,
                  double hi) {
  errno = 0;
  char *end = nullptr;
  const double v = std::strtod(value.c_str(), &end);
  if (value.empty() || *end != '\0' || errno == ERANGE || !std::isfinite(v)) {
    bad_value(key, value, "expected a finite number");
  }
  if ((lo_open ? v <= lo : v < lo) || v > hi) {
    std::ostringstream r;
    r << "must be in " << (lo_open ? "(" : "[") << lo << ", " << hi << "]";
    bad_value(key, value, r.str());
  }
  return v;
}

bool parse_bool(const std::string &key, const std::string &value) {
  if (value == "true" || value == "1" || value == "yes" || value == "on") return true;
  if (value == "false" || value == "0" || value == "no" || value == "off") return false;
  bad_value(key, value, "expected true or false");
}

std::string parse_choice(const std::string &key, const std::string &value,
                         std::initializer_list<const char *> choices) {
  for (const char *c : choices) {
    if (value == c) return value;
  }
  std::string all;
  for (const char *c : choices) all += (all.empty() ? "" : "|") + std::string(c);
  bad_value(key, value, "expected one of " + all);
}

std::string parse_device(const std::string &key, const std::string &value) {
  if (value == "auto" || value == "cpu" || value == "cuda") return value;
  if (value.rfind("cuda:", 0) == 0) {
    parse_int(key, value.substr(5), 0, 1023);
    return value;
  }
  bad_value(key, value, "expected auto, cpu, cuda or cuda:N");
}

// "none", or "CxHxW" with positive sides whose product fits an int32.
ImageShape parse_shape(const std::string &key, const std::string &value) {
  ImageShape shape;
  if (value == "none") return shape;
  int64_t side[3] = {0, 0, 0};
  size_t start = 0;
  for (int i = 0; i < 3; ++i) {
    const size_t x = i < 2 ? value.find('x', start) : value.size();
    if (x == std::string::npos) bad_value(key, value, "expected none or CxHxW, e.g. 1x28x28");
    const std::string part = value.substr(start, x - start);
    if (part.empty() || part.find_first_not_of("0123456789") != std::string::npos) {
      bad_value(key, value, "expected none or CxHxW, e.g. 1x28x28");
    }
    side[i] = parse_int(key, part, 1, kMaxInt);
    start = x + 1;
  }
  shape = ImageShape{side[0], side[1], side[2]};
  if (shape.c * shape.h > kMaxInt || shape.numel() > kMaxInt) {
    bad_value(key, value, "more than 2147483647 values per image");
  }
  return shape;
}

std::string format_real(double v) {
  std::ostringstream s;
  s.precision(17);
  s << v;
  // Shortest text that reads back to the same double.
  for (int p = 1; p <= 17; ++p) {
    std::ostringstream t;
    t.precision(p);
    t << v;
    if (std::strtod(t.str().c_str(), nullptr) == v) return t.str();
  }
  return s.str();
}

struct Entry {
  ParamSpec spec;
  std::function<void(Params &, const std::string &)> set;
  std::function<std::string(const Params &)> get;
};

#define TDCM_INT(field, lo, hi)                                                    \
  [](Params &p, const std::string &v) { p.field = parse_int(#field, v, lo, hi); }, \
      [](const Params &p) { return std::to_string(p.field); }
#define TDCM_REAL(field, lo, lo_open, hi)                                                    \
  [](Params &p, const std::string &v) { p.field = parse_real(#field, v, lo, lo_open, hi); }, \
      [](const Params &p) { return format_real(p.field); }
#define TDCM_CHOICE(field, ...)                                                              \
  [](Params &p, const std::string &v) { p.field = parse_choice(#field, v, {__VA_ARGS__}); }, \
      [](const Params &p) { return p.field; }
#define TDCM_BOOL(field)                                                    \
  [](Params &p, const std::string &v) { p.field = parse_bool(#field, v); }, \
      [](const Params &p) { return std::string(p.field ? "true" : "false"); }

const std::vector<Entry> &entries() {
  static const std::vector<Entry> table = {
      {{"algo", "enum", "tdcm", "tdcm|kmeans|gmm",
        "clustering algorithm: tdcm; kmeans (k-means++ and Lloyd, n_init restarts); gmm (a "
        "Gaussian mixture with full covariances: k-means++ and Lloyd, then EM, n_init "
        "restarts, the most likely kept; tdcm_adapt runs EM from the fitted mixture)"},
       TDCM_CHOICE(algo, "tdcm", "kmeans", "gmm")},
      {{"k", "int", "5", "[1, 2147483647]", "number of clusters K"}, TDCM_INT(k, 1, kMaxInt)},
      {{"embed_dim", "int", "16", "[1, 65536]", "embedding width b (must be >= k)"},
       TDCM_INT(embed_dim, 1, 65536)},
      {{"hidden", "int", "128", "[1, 65536]", "width of the encoder's two hidden layers"},
       TDCM_INT(hidden, 1, 65536)},
      {{"blocks", "int", "4", "[1, 64]", "number of centroid-updating blocks L"},
       TDCM_INT(blocks, 1, 64)},
      {{"tau", "float", "1", "(0, 1e6]", "temperature of the score and the soft assignment"},
       TDCM_REAL(tau, 0.0, true, 1e6)},
      {{"activation", "enum", "leaky_relu", "leaky_relu|relu",
        "score activation sigma (LeakyReLU slope 0.2)"},
       TDCM_CHOICE(activation, "leaky_relu", "relu")},
      {{"share_blocks", "bool", "true", "true|false",
        "all blocks share one (W_Q, W_K) pair; false gives each block its own"},
       TDCM_BOOL(share_blocks)},
      {{"beta", "float", "1", "[0, 1e6]", "weight of the balance term (0 = variant E)"},
       TDCM_REAL(beta, 0.0, false, 1e6)},
      {{"gamma", "float", "1", "[0, 1e6]", "weight of the orthogonality penalty (0 = variant O)"},
       TDCM_REAL(gamma, 0.0, false, 1e6)},
      {{"symmetric", "bool", "true", "true|false",
        "W = (A + A^T)/2 exactly symmetric; false uses A directly (variant R)"},
       TDCM_BOOL(symmetric)},
      {{"lr", "float", "0.005", "(0, 10]", "Adam learning rate"}, TDCM_REAL(lr, 0.0, true, 10.0)},
      {{"weight_decay", "float", "0.0005", "[0, 10]", "Adam weight decay (L2)"},
       TDCM_REAL(weight_decay, 0.0, false, 10.0)},
      {{"epochs", "int", "0", "[0, 1000000]",
        "training epochs (0 = untrained network: measured best on P1/P1m, training on a "
        "source teaches its partition; paper preset: 100)"},
       TDCM_INT(epochs, 0, 1000000)},
      {{"batch_size", "int", "256", "[1, 2147483647]", "mini-batch rows (never mixing data sets)"},
       TDCM_INT(batch_size, 1, kMaxInt)},
      {{"seed", "int", "0", "[0, 2^64-1]", "seed of initialisation, shuffling and k-means++"},
       [](Params &p, const std::string &v) { p.seed = parse_seed("seed", v); },
       [](const Params &p) { return std::to_string(p.seed); }},
      {{"device", "enum", "auto", "auto|cpu|cuda|cuda:N",
        "where to compute; auto = first CUDA device if any, else cpu"},
       [](Params &p, const std::string &v) { p.device = parse_device("device", v); },
       [](const Params &p) { return p.device; }},
      {{"threads", "int", "0", "[0, 1024]",
        "CPU threads (0 = auto: training on 1, inference and k-means on all cores)"},
       TDCM_INT(threads, 0, 1024)},
      {{"chunk_rows", "int", "65536", "[1, 2147483647]",
        "rows per chunk at inference (bounds memory; the result is the same up to rounding)"},
       TDCM_INT(chunk_rows, 1, kMaxInt)},
      {{"standardize", "bool", "false", "true|false",
        "scale input columns by the source's mean and std (stored in the model)"},
       TDCM_BOOL(standardize)},
      {{"n_init", "int", "10", "[1, 10000]",
        "restarts of a fit: k-means (best inertia kept), gmm and tdcm's source mixture "
        "(metric=gaussian; highest likelihood kept)"},
       TDCM_INT(n_init, 1, 10000)},
      {{"max_iter", "int", "300", "[1, 1000000]", "k-means: Lloyd iterations per restart"},
       TDCM_INT(max_iter, 1, 1000000)},
      {{"tol", "float", "0.0001", "[0, 1]",
        "stop iterating when the squared centroid shift <= tol x mean feature variance: "
        "k-means' Lloyd steps, and TDCM's inference blocks past the trained ones (each start "
        "on its own, in the embedding; 0 = only at an exact fixed point)"},
       TDCM_REAL(tol, 0.0, false, 1.0)},
      // Departures from the paper; preset=paper restores model.md exactly.
      {{"encoder", "enum", "auto", "auto|identity|mlp|linear|lenet",
        "encoder: identity (the rows themselves, b = d: no projection can lose separation, "
        "and centroids are in input coordinates); auto = identity for inputs of at most 128 "
        "columns when nothing is trained (epochs, pretrain_epochs, contrastive, "
        "reconstruction all 0), else linear; mlp (d->hidden->hidden->b, the paper) or "
        "linear (d->b, cannot fold the space into the source's partition); lenet: for images "
        "(needs input_shape, sides >= "
        "16), conv 5x5 (C->6) -> max-pool 2 -> conv 5x5 (6->16) -> max-pool 2 -> 120 -> 84 -> "
        "b, ReLU between; paper: mlp (lenet for images)"},
       TDCM_CHOICE(encoder, "auto", "identity", "mlp", "linear", "lenet")},
      {{"metric", "enum", "gaussian", "gaussian|shared",
        "the blocks' metric at inference: gaussian = one per centroid, its cluster's "
        "covariance, with the score log pi_j + log N(z | c_j, Sigma_j) at tau = 1 and an "
        "update of centre, covariance and weight (EM blocks, the paper's Gaussian-mixture "
        "special case); the target pass starts from the source's mixture and from "
        "infer_restarts k-means++ seedings, keeps the most likely, names each cluster after "
        "the source cluster it continues (matching on position and shape) and refines with "
        "the source's shapes as a prior (shape_prior); shared = the paper's learned "
        "(W_Q, W_K) for all centroids; training always uses shared"},
       TDCM_CHOICE(metric, "gaussian", "shared")},
      {{"shape_prior", "float", "0.1", "[0, 1e6]",
        "metric=gaussian: weight of the source's cluster shapes when refining a target "
        "cluster's covariance, in pseudo-rows per source row of that cluster (0 = none; "
        "1 = the source's evidence counts as much as its own rows; measured on P1, more lets "
        "the source mixture's own errors at large k into the target)"},
       TDCM_REAL(shape_prior, 0.0, false, 1e6)},
      {{"identity_probs", "bool", "true", "true|false",
        "metric=gaussian with source clusters: the probabilities fold in how sure each "
        "cluster's name is, p(source cluster c | row) = sum_j p(j | row) P(j continues c) "
        "(the report's matching model), so that they say how likely a row belongs to each "
        "source segment; labels stay the mixture's; false = the mixture's posterior"},
       TDCM_BOOL(identity_probs)},
      {{"collection", "enum", "auto", "auto|family|refit",
        "metric=gaussian, fit on a collection of sets: what the fit learns from it. family = "
        "the within-cluster covariance the sets share (without labels: each training set "
        "clustered in the space the current estimate whitens, the covariance re-estimated "
        "from the pooled residuals, 8 rounds), and the map that whitens by it onto the "
        "directions in which the sets' clusters differ; later sets are clustered there with "
        "that covariance fixed. refit = nothing shared: each set gets its own mixture. auto = "
        "family when, on held-out halves of up to 10 training sets, it predicts the rows "
        "better than a full-covariance refit of the other half; paper: refit"},
       TDCM_CHOICE(collection, "auto", "family", "refit")},
      {{"family_rounds", "int", "8", "[0, 1000]",
        "collection=family: rounds of clustering the training sets in the whitened space and "
        "re-estimating the covariance (0 = the pooled covariance of the set-centred rows)"},
       TDCM_INT(family_rounds, 0, 1000)},
      {{"family_epochs", "int", "30", "[0, 1000000]",
        "collection=family: epochs of gradient refinement of the family's map through the "
        "Gaussian blocks' likelihood on each training set (Adam, one step per set)"},
       TDCM_INT(family_epochs, 0, 1000000)},
      {{"family_lr", "float", "0.001", "(0, 10]",
        "collection=family: the Adam learning rate of "
        "family_epochs"},
       TDCM_REAL(family_lr, 0.0, true, 10.0)},
      {{"covariance", "enum", "full", "full|tied",
        "algo=gmm: one covariance per component (full) or one shared by all (tied)"},
       TDCM_CHOICE(covariance, "full", "tied")},
      {{"embed_norm", "enum", "global", "none|dim|global",
        "normalise embeddings over the set being clustered (the mini-batch in training, the "
        "whole set at inference; no affine part, no running statistics): dim = standardise "
        "each dimension; global = centre, then divide by one scale (the root mean variance), "
        "which keeps the embedding's geometry; prevents collapse; paper: none"},
       TDCM_CHOICE(embed_norm, "none", "dim", "global")},
      {{"init", "enum", "auto", "identity|source|kmeans++|auto",
        "start centroids C(0) at inference: identity = I[:k] (the paper); source = the "
        "centroids adapted on the source at fit (single source only); kmeans++ = k-means++ "
        "seeding on the set's embeddings (seeded by seed); auto = source after a single-set "
        "fit, kmeans++ after a collection fit; training always starts from I[:k]; paper: identity"},
       TDCM_CHOICE(init, "identity", "source", "kmeans++", "auto")},
      {{"infer_blocks", "int", "20", "[0, 1024]",
        "blocks run at inference; beyond `blocks` the last block is repeated (0 = blocks, "
        "the paper)"},
       TDCM_INT(infer_blocks, 0, 1024)},
      {{"infer_tau", "float", "0.1", "[0, 1e6]",
        "temperature at inference (the effective softmax temperature is its square; 0 = tau, "
        "the paper)"},
       TDCM_REAL(infer_tau, 0.0, false, 1e6)},
      {{"infer_restarts", "int", "5", "[1, 10000]",
        "k-means++ seedings tried at inference: metric=gaussian tries them beside the "
        "source's mixture and keeps the most probable; metric=shared with init=kmeans++ (and "
        "its source centroids at fit) keeps the lowest clustering cost"},
       TDCM_INT(infer_restarts, 1, 10000)},
      {{"restart_rows", "int", "2048", "[0, 2147483647]",
        "sets larger than this compare their starts on a seeded random subset of this many "
        "rows (metric=gaussian: at least max(50, 4 b) per cluster), then iterate the best "
        "(metric=gaussian: the best three) on all rows (0 = all rows; the paper has one "
        "start)"},
       TDCM_INT(restart_rows, 0, kMaxInt)},
      {{"train_encoder", "bool", "true", "true|false",
        "train the encoder; false keeps its random init and trains only the blocks' metrics "
        "(training on one source teaches the encoder the source's partition, which hurts "
        "transfer); paper: true"},
       TDCM_BOOL(train_encoder)},
      {{"input_shape", "string", "none", "none|CxHxW",
        "shape of each input row as an image, channels x height x width, row-major (e.g. "
        "1x28x28); fit checks that C*H*W equals the input width; none = plain vectors"},
       [](Params &p, const std::string &v) {
         const ImageShape s = parse_shape("input_shape", v);
         // Canonical: no leading zeros.
         p.input_shape = !s.defined() ? "none"
                                      : std::to_string(s.c) + "x" + std::to_string(s.h) + "x" +
                                            std::to_string(s.w);
       },
       [](const Params &p) { return p.input_shape; }},
      {{"aug_crop", "float", "1", "(0, 1]",
        "training augmentation (fit only): each view is a random crop of area fraction "
        "U[aug_crop, 1] of the image, aspect ratio log-uniform in [3/4, 4/3], resized back "
        "(bilinear); 1 = off; needs input_shape"},
       TDCM_REAL(aug_crop, 0.0, true, 1.0)},
      {{"aug_shift", "float", "0", "[0, 1e6]",
        "training augmentation: random translation of up to this many pixels per axis (edges "
        "replicated); 0 = off; needs input_shape"},
       TDCM_REAL(aug_shift, 0.0, false, 1e6)},
      {{"aug_flip", "bool", "false", "true|false",
        "training augmentation: mirror each image left-right with probability 1/2; needs "
        "input_shape"},
       TDCM_BOOL(aug_flip)},
      {{"aug_noise", "float", "0", "[0, 1e6]",
        "training augmentation: std of Gaussian noise added to every input value (after "
        "standardize; also for plain vectors); 0 = off"},
       TDCM_REAL(aug_noise, 0.0, false, 1e6)},
      {{"contrastive", "float", "0", "[0, 1e6]",
        "weight of a contrastive (NT-Xent / InfoNCE) term added to the clustering loss: each "
        "batch is augmented twice, both views are encoded, a projection head (b -> hidden -> "
        "hidden, ReLU) maps the embeddings, and each view must pick its twin among the other "
        "2n-1 L2-normalised projections; the clustering loss is then the mean over the two "
        "views; needs augmentation to be useful; 0 = off"},
       TDCM_REAL(contrastive, 0.0, false, 1e6)},
      {{"contrastive_tau", "float", "0.5", "(0, 1e6]",
        "temperature of the contrastive term (cosine similarities are divided by it)"},
       TDCM_REAL(contrastive_tau, 0.0, true, 1e6)},
      {{"pretrain_epochs", "int", "0", "[0, 1000000]",
        "autoencoder warm start: epochs of reconstruction loss (mean squared error; the "
        "decoder mirrors the encoder and is kept only for reconstruction) before the "
        "clustering epochs; the input is the augmented view, the target the same view "
        "without noise; Adam with lr and no weight decay; 0 = off"},
       TDCM_INT(pretrain_epochs, 0, 1000000)},
      {{"separation", "float", "0", "[0, 1e6]",
        "weight of a centroid-separation term: for each block's updated centroids, alpha_l "
        "times the mean over pairs of exp(-|c_j - c_k|^2 / b), which is 1 for coincident "
        "centroids; against centroids merging, which the balance term cannot see; 0 = off"},
       TDCM_REAL(separation, 0.0, false, 1e6)},
      {{"reconstruction", "float", "0", "[0, 1e6]",
        "weight of the reconstruction error (MSE through a decoder mirroring the encoder) "
        "kept in the clustering epochs, as in IDEC, so that they do not undo the features; "
        "the decoder is the warm start's (pretrain_epochs), or a fresh one; 0 = off"},
       TDCM_REAL(reconstruction, 0.0, false, 1e6)},
  };
  return table;
}

#undef TDCM_INT
#undef TDCM_REAL
#undef TDCM_CHOICE
#undef TDCM_BOOL

const Entry *find_entry(const std::string &key) {
  for (const Entry &e : entries()) {
    if (key == e.spec.name) return &e;
  }
  return nullptr;
}

}  // namespace

const std::vector<ParamSpec> &param_table() {
  static const std::vector<ParamSpec> specs = [] {
    std::vector<ParamSpec> s;
    for (const Entry &e : entries()) s.push_back(e.spec);
    // A pseudo-key: it sets the keys above and is not stored itself.
    s.push_back(
        {"preset", "enum", "default", "paper|default",
         "paper = the model exactly as in model.md (encoder=mlp metric=shared embed_norm=none "
         "init=identity infer_blocks=0 infer_tau=0 infer_restarts=1 restart_rows=0 "
         "train_encoder=true "
         "epochs=100); default = the "
         "library defaults; applied before the other keys"});
    return s;
  }();
  return specs;
}

Params paper_params() {
  Params p;
  p.encoder = "mlp";
  p.metric = "shared";
  p.collection = "refit";
  p.family_epochs = 0;
  p.embed_norm = "none";
  p.init = "identity";
  p.infer_blocks = 0;
  p.infer_tau = 0.0;
  p.infer_restarts = 1;
  p.restart_rows = 0;
  p.train_encoder = true;
  p.epochs = 100;
  return p;
}

Params parse_params(const char *text, const Params &base) {
  Params p = base;
  if (text == nullptr) return p;
  std::string token;
  {
    // The preset replaces the base before any other key, wherever it is written.
    std::istringstream scan(text);
    int presets = 0;
    while (scan >> token) {
      if (token.rfind("preset=", 0) != 0) continue;
      if (++presets > 1) fail(TDCM_ERR_BAD_PARAMETER, "parameter 'preset' given twice");
      const std::string v = parse_choice("preset", token.substr(7), {"paper", "default"});
      p = v == "paper" ? paper_params() : Params{};
    }
  }
  std::istringstream in(text);
  std::set<std::string> seen;
  while (in >> token) {
    if (token.rfind("preset=", 0) == 0) continue;
    const auto eq = token.find('=');
    if (eq == std::string::npos || eq == 0) {
      fail(TDCM_ERR_BAD_PARAMETER, "parameter '" + token + "': expected key=value");
    }
    const std::string key = token.substr(0, eq);
    const std::string value = token.substr(eq + 1);
    const Entry *e = find_entry(key);
    if (e == nullptr) {
      fail(TDCM_ERR_UNKNOWN_PARAMETER,
           "unknown parameter '" + key + "' (tdcm_param_info lists the keys)");
    }
    if (!seen.insert(key).second) {
      fail(TDCM_ERR_BAD_PARAMETER, "parameter '" + key + "' given twice");
    }
    e->set(p, value);
  }
  if (p.algo == "tdcm" && p.encoder != "identity" && p.encoder != "auto" && p.embed_dim < p.k) {
    fail(TDCM_ERR_BAD_PARAMETER, "parameter 'embed_dim': " + std::to_string(p.embed_dim) +
                                     " is smaller than k=" + std::to_string(p.k) +
                                     " (the initial centroids are the first k rows of I_b)");
  }
  if (p.algo == "tdcm" && p.encoder == "lenet") {
    const ImageShape shape = image_shape(p);
    if (!shape.defined()) {
      fail(TDCM_ERR_BAD_PARAMETER,
           "parameter 'input_shape': encoder=lenet needs the image shape, e.g. "
           "input_shape=1x28x28");
    }
    if (shape.h < kLenetMinSide || shape.w < kLenetMinSide) {
      fail(TDCM_ERR_BAD_PARAMETER, "parameter 'input_shape': " + p.input_shape +
                                       " is too small for encoder=lenet (height and width "
                                       "must be at least " +
                                       std::to_string(kLenetMinSide) + ")");
    }
  }
  if (p.algo == "tdcm" && !p.train_encoder) {
    const char *trains = p.contrastive > 0.0      ? "contrastive"
                         : p.pretrain_epochs > 0  ? "pretrain_epochs"
                         : p.reconstruction > 0.0 ? "reconstruction"
                                                  : nullptr;
    if (trains != nullptr) {
      fail(TDCM_ERR_BAD_PARAMETER, std::string("parameter '") + trains +
                                       "': trains the encoder, so it needs train_encoder=true");
    }
  }
  if (p.algo == "tdcm" && p.encoder == "identity") {
    const char *needs = p.contrastive > 0.0      ? "contrastive"
                        : p.pretrain_epochs > 0  ? "pretrain_epochs"
                        : p.reconstruction > 0.0 ? "reconstruction"
                                                 : nullptr;
    if (needs != nullptr) {
      fail(TDCM_ERR_BAD_PARAMETER, std::string("parameter '") + needs +
                                       "': trains an encoder, and encoder=identity has none");
    }
  }
  if (!image_shape(p).defined()) {
    const char *geometric = p.aug_crop < 1.0    ? "aug_crop"
                            : p.aug_shift > 0.0 ? "aug_shift"
                            : p.aug_flip        ? "aug_flip"
                                                : nullptr;
    if (geometric != nullptr) {
      fail(TDCM_ERR_BAD_PARAMETER, std::string("parameter '") + geometric +
                                       "': transforms images, so it needs input_shape=CxHxW");
    }
  }
  return p;
}

std::string encoder_for(const Params &params, int64_t input_dim) {
  if (params.encoder != "auto") return params.encoder;
  const bool trains = params.epochs > 0 || params.pretrain_epochs > 0 || params.contrastive > 0.0 ||
                      params.reconstruction > 0.0;
  return !trains && input_dim <= kIdentityMaxDim ? "identity" : "linear";
}

ImageShape image_shape(const Params &params) {
  return parse_shape("input_shape", params.input_shape);
}

std::string to_string(const Params &params) {
  std::string out;
  for (const Entry &e : entries()) {
    if (!out.empty()) out += ' ';
    out += std::string(e.spec.name) + "=" + e.get(params);
  }
  return out;
}

bool is_runtime_param(const std::string &key) {
  return key == "device" || key == "threads" || key == "chunk_rows";
}

}  // namespace tdcm
