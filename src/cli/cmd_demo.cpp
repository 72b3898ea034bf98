// tdcm demo: protocol P1 comparison of TDCM with k-means transfer, adapt and
// refit, and with a Gaussian mixture refit, plain and matched to the source.
#include <cmath>
#include <cstdio>
#include <utility>

#include "cli/commands.h"
#include "cli/common.h"

namespace tdcm::cli {

namespace {

const char kUsage[] =
    "Usage: tdcm demo [OPTIONS]\n"
    "\n"
    "Run protocol P1 (synth-drift: D=2, 500 rows per cluster, spread s=4,\n"
    "drift r=0.5) for seeds 0..SEEDS-1 and compare, on the source and the\n"
    "drifted target:\n"
    "  TDCM                            fitted on the source, assigned to source\n"
    "                                  and target\n"
    "  k-means transfer                fitted on the source, assigned to source\n"
    "                                  and target with its fixed centroids\n"
    "  k-means adapt                   the same fit, then Lloyd iterations on the\n"
    "                                  target from the source's centroids\n"
    "                                  (tdcm_adapt + tdcm_predict)\n"
    "  k-means refit                   fitted on the target itself\n"
    "  Gaussian mixture refit          algo=gmm n_init=5 fitted on the target\n"
    "  matched Gaussian mixture refit  algo=gmm n_init=5 fitted on the source and\n"
    "                                  on the target; each target component\n"
    "                                  matched to a source component by shape and\n"
    "                                  position (tdcm_metrics_match_clusters,\n"
    "                                  drift scale r*s), so that ACC-kept applies\n"
    "Prints NMI, ARI, ACC, ACC-kept, and for TDCM and the matched refit the\n"
    "calibration of their target probabilities under the source's\n"
    "cluster-to-label map (ECE of the top probability in 10 bins, mean\n"
    "log-loss of the true class), as mean \u00b1 std over the seeds, with the fit\n"
    "time per data set and the target assign time. Refits have no source map:\n"
    "\u2013 in those columns.\n"
    "\n"
    "Options:\n"
    "  --seeds N          number of seeds (default 3)\n"
    "  --k K              clusters (default 5)\n"
    "  --epochs E         TDCM training epochs (default: the library's)\n"
    "  --params \"K=V ...\" further TDCM parameters (see 'tdcm params')\n"
    "  -h, --help         show this help\n";

constexpr int64_t kDim = 2;
constexpr int64_t kRowsPerCluster = 500;
constexpr double kSpread = 4.0;
constexpr double kDrift = 0.5;

// Values of one quantity over the seeds.
class Series {
 public:
  void add(double value) { values_.push_back(value); }
  double last() const { return values_.back(); }
  // "mean ± std" (sample standard deviation) of the values times `scale`,
  // or "" with no values.
  std::string format(double scale = 1.0) const {
    if (values_.empty()) return "";
    double mean = 0.0;
    for (double v : values_) mean += v;
    mean /= static_cast<double>(values_.size());
    double var = 0.0;
    for (double v : values_) var += (v - mean) * (v - mean);
    const double sd =
        values_.size() > 1 ? std::sqrt(var / static_cast<double>(values_.size() - 1)) : 0.0;
    return strprintf("%.3f \u00b1 %.3f", mean * scale, sd * scale);
  }

 private:
  std::vector<double> values_;
};

struct Scores {
  Series nmi, ari, acc;
  void add(const tdcm_metrics_result &m) {
    nmi.add(m.nmi);
    ari.add(m.ari);
    acc.add(m.acc);
  }
};

struct MethodResults {
  const char *name = "";
  bool sees_source = true;  // false for a refit, which has no source labelling
  bool calibrated = false;  // ECE and log-loss are scored
  Scores source, target, diff;
  Series acc_kept, ece, log_loss, source_fit_s, target_fit_s, assign_s;
};

MethodResults method(const char *name, bool sees_source, bool calibrated) {
  MethodResults m;
  m.name = name;
  m.sees_source = sees_source;
  m.calibrated = calibrated;
  return m;
}

struct Pair {
  int64_t rows = 0;
  std::vector<float> source_x, target_x;
  std::vector<int32_t> source_y, target_y;
};

Pair make_pair(int64_t k, uint64_t seed) {
  Pair p;
  p.rows = k * kRowsPerCluster;
  p.source_x.resize(static_cast<size_t>(p.rows * kDim));
  p.target_x.resize(p.source_x.size());
  p.source_y.resize(static_cast<size_t>(p.rows));
  p.target_y.resize(p.source_y.size());
  check(tdcm_synth_drift(k, kDim, kRowsPerCluster, seed, kSpread, kDrift, p.source_x.data(),
                         p.source_y.data(), p.target_x.data(), p.target_y.data()));
  return p;
}

// Labels (and, if probs is not NULL, n x k probabilities) of one set.
std::vector<int32_t> assign(tdcm_model *model, const std::vector<float> &x, int64_t rows,
                            double *seconds, std::vector<float> *probs = nullptr) {
  std::vector<int32_t> labels(static_cast<size_t>(rows));
  if (probs != nullptr) probs->resize(static_cast<size_t>(rows * model_k(model)));
  const Stopwatch watch;
  check(tdcm_assign(model, x.data(), rows, kDim, labels.data(),
                    probs != nullptr ? probs->data() : nullptr));
  if (seconds != nullptr) *seconds = watch.seconds();
  return labels;
}

double fit(tdcm_model *model, const std::vector<float> &x, int64_t rows) {
  const Stopwatch watch;
  check(tdcm_fit(model, x.data(), rows, kDim, nullptr));
  return watch.seconds();
}

// Scores a method that labelled the source and then the target: metrics of
// both, their difference, ACC-kept, and with target_probs (n x k) their
// calibration, all under the map found on source_pred.
void score_transfer(const Pair &p, int64_t k, const std::vector<int32_t> &source_pred,
                    const std::vector<int32_t> &target_pred, const std::vector<float> *target_probs,
                    MethodResults &out) {
  const tdcm_metrics_result src = compute_metrics(p.source_y, source_pred);
  const tdcm_metrics_result tgt = compute_metrics(p.target_y, target_pred);
  double kept = 0.0;
  check(tdcm_metrics_acc_kept(p.source_y.data(), source_pred.data(), p.rows, p.target_y.data(),
                              target_pred.data(), p.rows, &kept));
  out.source.add(src);
  out.target.add(tgt);
  out.diff.add({src.nmi - tgt.nmi, src.ari - tgt.ari, src.acc - tgt.acc});
  out.acc_kept.add(kept);
  if (target_probs != nullptr) {
    double ece = 0.0, log_loss = 0.0;
    check(tdcm_metrics_calibration(p.source_y.data(), source_pred.data(), p.rows, p.target_y.data(),
                                   target_probs->data(), p.rows, k, &ece, &log_loss));
    out.ece.add(ece);
    out.log_loss.add(log_loss);
  }
}

// The labels and probabilities of a refit on the target, in the numbering of
// a model of the same algorithm fitted on the source: each target cluster is
// matched to a source cluster by shape and position, so ACC-kept and the
// calibration under the source's map apply to a refit too.
void renumber_to_source(const Pair &p, int64_t k, const std::vector<int32_t> &source_pred,
                        std::vector<int32_t> &target_pred, std::vector<float> &target_probs) {
  // The drift the protocol draws, per coordinate: r * s.
  const double drift_scale = kDrift * kSpread;
  std::vector<int32_t> to_source(static_cast<size_t>(k));
  check(tdcm_metrics_match_clusters(p.source_x.data(), source_pred.data(), p.rows,
                                    p.target_x.data(), target_pred.data(), p.rows, kDim, k,
                                    drift_scale, to_source.data()));
  const std::vector<float> probs = target_probs;
  for (int64_t i = 0; i < p.rows; ++i) {
    int32_t &label = target_pred[static_cast<size_t>(i)];
    label = to_source[static_cast<size_t>(label)];
    for (int64_t j = 0; j < k; ++j) {
      target_probs[static_cast<size_t>(i * k + to_source[static_cast<size_t>(j)])] =
          probs[static_cast<size_t>(i * k + j)];
    }
  }
}

// Fit on the source, assign source and target; returns the fit time.
double run_transfer(tdcm_model *model, const Pair &p, int64_t k, bool calibrated,
                    MethodResults &out, std::vector<int32_t> *source_labels = nullptr) {
  const double fit_s = fit(model, p.source_x, p.rows);
  const std::vector<int32_t> source_pred = assign(model, p.source_x, p.rows, nullptr);
  double assign_s = 0.0;
  std::vector<float> probs;
  const std::vector<int32_t> target_pred =
      assign(model, p.target_x, p.rows, &assign_s, calibrated ? &probs : nullptr);
  score_transfer(p, k, source_pred, target_pred, calibrated ? &probs : nullptr, out);
  out.source_fit_s.add(fit_s);
  out.assign_s.add(assign_s);
  if (source_labels != nullptr) *source_labels = source_pred;
  return fit_s;
}

// A model fitted on the source (by run_transfer) adapts to the target and
// labels it against the adapted centroids.
void run_adapt(tdcm_model *model, const Pair &p, int64_t k, double fit_s,
               const std::vector<int32_t> &source_pred, MethodResults &out) {
  std::vector<int32_t> target_pred(static_cast<size_t>(p.rows));
  const Stopwatch watch;
  check(tdcm_adapt(model, p.target_x.data(), p.rows, kDim));
  check(tdcm_predict(model, p.target_x.data(), p.rows, kDim, target_pred.data(), nullptr));
  out.assign_s.add(watch.seconds());
  out.source_fit_s.add(fit_s);
  score_transfer(p, k, source_pred, target_pred, nullptr, out);
}

// Fit on the target and assign it, with probabilities if `probs` is not NULL;
// returns the target's labels.
std::vector<int32_t> run_refit(tdcm_model *model, const Pair &p, MethodResults &out,
                               std::vector<float> *probs = nullptr) {
  out.target_fit_s.add(fit(model, p.target_x, p.rows));
  double assign_s = 0.0;
  std::vector<int32_t> target_pred = assign(model, p.target_x, p.rows, &assign_s, probs);
  out.target.add(compute_metrics(p.target_y, target_pred));
  out.assign_s.add(assign_s);
  return target_pred;
}

// The matched refit: a second model of the refit's parameters fitted on the
// source; the refit's target labels and probabilities renumbered to its clusters.
void run_matched_refit(tdcm_model *source_model, const Pair &p, int64_t k,
                       std::vector<int32_t> target_pred, std::vector<float> target_probs,
                       double target_fit_s, double target_assign_s, MethodResults &out) {
  out.source_fit_s.add(fit(source_model, p.source_x, p.rows));
  const std::vector<int32_t> source_pred = assign(source_model, p.source_x, p.rows, nullptr);
  const Stopwatch watch;
  renumber_to_source(p, k, source_pred, target_pred, target_probs);
  out.target_fit_s.add(target_fit_s);
  out.assign_s.add(target_assign_s + watch.seconds());
  score_transfer(p, k, source_pred, target_pred, &target_probs, out);
}

void print_results(const std::vector<MethodResults> &methods) {
  const std::string dash = "\u2013";
  std::vector<std::vector<std::string>> rows = {{"method", "data", "NMI", "ARI", "ACC", "ACC-kept",
                                                 "ECE", "log-loss", "fit [s]", "assign [ms]"}};
  for (const MethodResults &m : methods) {
    const std::string ece = m.calibrated ? m.ece.format() : dash;
    const std::string log_loss = m.calibrated ? m.log_loss.format() : dash;
    if (m.sees_source) {
      rows.push_back({m.name, "source", m.source.nmi.format(), m.source.ari.format(),
                      m.source.acc.format(), "", "", "", m.source_fit_s.format(), ""});
      rows.push_back({m.name, "target", m.target.nmi.format(), m.target.ari.format(),
                      m.target.acc.format(), m.acc_kept.format(), ece, log_loss,
                      m.target_fit_s.format(), m.assign_s.format(1e3)});
      rows.push_back({m.name, "diff", m.diff.nmi.format(), m.diff.ari.format(), m.diff.acc.format(),
                      "", "", "", "", ""});
    } else {
      rows.push_back({m.name, "source", dash, dash, dash, "", "", "", "", ""});
      rows.push_back({m.name, "target", m.target.nmi.format(), m.target.ari.format(),
                      m.target.acc.format(), dash, dash, dash, m.target_fit_s.format(),
                      m.assign_s.format(1e3)});
      rows.push_back({m.name, "diff", dash, dash, dash, "", "", "", "", ""});
    }
  }
  print_table(rows);
}

int run(const Args &args) {
  const int64_t seeds = args.get_int("seeds", 3, 1, 1000000);
  const int64_t k = args.get_int("k", 5, 1, 100000);
  std::string extra;
  if (args.has("epochs")) {
    extra += " epochs=" + std::to_string(args.get_int("epochs", 0, 1, INT32_MAX));
  }
  if (!args.get("params").empty()) extra += " " + args.get("params");

  enum { kTdcm, kTransfer, kAdapt, kRefit, kGmmRefit, kMatched };
  std::vector<MethodResults> methods = {method("TDCM", true, true),
                                        method("k-means transfer", true, false),
                                        method("k-means adapt", true, false),
                                        method("k-means refit", false, false),
                                        method("Gaussian mixture refit", false, false),
                                        method("matched Gaussian mixture refit", true, true)};
  std::string device, threads;
  for (int64_t seed = 0; seed < seeds; ++seed) {
    const Pair pair = make_pair(k, static_cast<uint64_t>(seed));
    const std::string base =
        strprintf("k=%lld seed=%lld", static_cast<long long>(k), static_cast<long long>(seed));

    ModelPtr tdcm = create_model(base + extra);
    if (device.empty()) {
      const char *name = "";
      check(tdcm_get_device(tdcm.get(), &name));
      device = name;
      threads = param_value(model_params(tdcm.get()), "threads");
      if (threads == "0") threads = "0 (auto: training on 1 thread, inference on all cores)";
    }
    const double tdcm_s = run_transfer(tdcm.get(), pair, k, true, methods[kTdcm]);

    // k-means adapt starts from the very model k-means transfer fitted (same
    // parameters and seed), so the source is fitted once for both rows.
    ModelPtr kmeans = create_model("algo=kmeans " + base);
    std::vector<int32_t> kmeans_source;
    const double kmeans_s =
        run_transfer(kmeans.get(), pair, k, false, methods[kTransfer], &kmeans_source);
    run_adapt(kmeans.get(), pair, k, kmeans_s, kmeans_source, methods[kAdapt]);

    ModelPtr refit = create_model("algo=kmeans " + base);
    run_refit(refit.get(), pair, methods[kRefit]);

    // The Gaussian mixture refit's target model is also the matched refit's.
    const std::string gmm = "algo=gmm n_init=5 " + base;
    ModelPtr gmm_target = create_model(gmm);
    std::vector<float> gmm_probs;
    MethodResults &gmm_refit = methods[kGmmRefit];
    std::vector<int32_t> gmm_pred = run_refit(gmm_target.get(), pair, gmm_refit, &gmm_probs);
    ModelPtr gmm_source = create_model(gmm);
    run_matched_refit(gmm_source.get(), pair, k, std::move(gmm_pred), std::move(gmm_probs),
                      gmm_refit.target_fit_s.last(), gmm_refit.assign_s.last(), methods[kMatched]);
    std::fprintf(stderr, "demo: seed %lld/%lld done (TDCM fit %.2f s)\n",
                 static_cast<long long>(seed + 1), static_cast<long long>(seeds), tdcm_s);
  }

  std::printf(
      "Protocol P1 (synth-drift): K=%lld, D=%lld, n=%lld per cluster, spread s=%g, "
      "drift r=%g; seeds 0..%lld\n",
      static_cast<long long>(k), static_cast<long long>(kDim),
      static_cast<long long>(kRowsPerCluster), kSpread, kDrift, static_cast<long long>(seeds - 1));
  std::printf("TDCM parameters: k=%lld seed=SEED%s\n", static_cast<long long>(k), extra.c_str());
  std::printf("threads: %s, device: %s\n", threads.empty() ? "?" : threads.c_str(), device.c_str());
  std::printf(
      "mean \u00b1 std over %lld seed%s; diff = source \u2212 target; ACC-kept = target ACC "
      "under the source's cluster-to-label map;\n"
      "ECE (10 bins, top probability) and log-loss (mean \u2212log p of the true class) of the "
      "target probabilities under that map;\n"
      "matched refit: target components matched to the source fit's by shape and position "
      "(drift scale r\u00b7s = %g)\n\n",
      static_cast<long long>(seeds), seeds == 1 ? "" : "s", kDrift * kSpread);
  print_results(methods);
  return 0;
}

}  // namespace

const Command &demo_command() {
  static const Command command{"demo",
                               "protocol P1: TDCM vs k-means and Gaussian mixture baselines",
                               kUsage,
                               {{"seeds", true}, {"k", true}, {"epochs", true}, {"params", true}},
                               &run};
  return command;
}

}  // namespace tdcm::cli
