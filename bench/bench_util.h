// Shared helpers of the benchmark programs: timing, statistics, run facts.
#pragma once

#include <tdcm/tdcm.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "metrics/metrics.h"

namespace bench {

inline double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// CPU seconds of the whole process (all threads): on a shared machine, where wall time
// depends on the other processes, this is the cost the work itself had.
inline double cpu_s() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

[[noreturn]] inline void die(const std::string &what) {
  std::fprintf(stderr, "error: %s: %s\n", what.c_str(), tdcm_last_error());
  std::exit(1);
}

// A failure outside the library (a file, an option): the message, exit 1.
[[noreturn]] inline void fail(const std::string &what) {
  std::fprintf(stderr, "error: %s\n", what.c_str());
  std::exit(1);
}

inline void check(tdcm_status s, const std::string &what) {
  if (s != TDCM_OK) die(what);
}

// Mean and population std of a series, "0.873±0.041".
inline std::string mean_std(const std::vector<double> &v, int decimals = 3) {
  if (v.empty()) return "–";
  double m = 0;
  for (double x : v) m += x;
  m /= static_cast<double>(v.size());
  double var = 0;
  for (double x : v) var += (x - m) * (x - m);
  const double sd = std::sqrt(var / static_cast<double>(v.size()));
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f±%.*f", decimals, m, decimals, sd);
  return buf;
}

inline double mean(const std::vector<double> &v) {
  double m = 0;
  for (double x : v) m += x;
  return v.empty() ? NAN : m / static_cast<double>(v.size());
}

// The BLAS libraries mapped into this process (LibTorch calls libblas.so.3,
// which Debian's alternatives point at OpenBLAS or the reference BLAS).
inline std::string loaded_blas() {
  std::ifstream maps("/proc/self/maps");
  std::set<std::string> libs;
  std::string line;
  while (std::getline(maps, line)) {
    const auto slash = line.find('/');
    if (slash == std::string::npos) continue;
    const std::string path = line.substr(slash);
    if (path.find("blas") != std::string::npos || path.find("mkl") != std::string::npos) {
      libs.insert(path);
    }
  }
  std::string out;
  for (const auto &l : libs) out += (out.empty() ? "" : ", ") + l;
  return out.empty() ? "none found" : out;
}

inline std::string cpu_model() {
  std::ifstream info("/proc/cpuinfo");
  std::string line;
  while (std::getline(info, line)) {
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  }
  return "unknown CPU";
}

inline void print_run_facts(tdcm_model *model) {
  const char *device = "?";
  tdcm_get_device(model, &device);
  std::printf("# libtdcm %s | device %s | %s, %u cores | BLAS: %s\n", tdcm_version(), device,
              cpu_model().c_str(), std::thread::hardware_concurrency(), loaded_blas().c_str());
}

// A data set with its ground-truth labels.
struct Set {
  std::vector<float> x;  // rows x d, row-major
  std::vector<int32_t> y;
  int64_t rows = 0;
};

// Metrics of one method over the seeds: rows source / target, ACC-kept,
// calibration (ECE, log-loss of the true class, under the source's map), times.
struct Series {
  std::vector<double> nmi[2], ari[2], acc[2], kept, ece, log_loss, fit_s, assign_s;
  tdcm::metrics::CalibrationBins pooled;  // every seed's target rows in one estimate
  bool has_source = true;
  bool has_kept = true;

  void add(int row, const Set &set, const std::vector<int32_t> &labels) {
    tdcm_metrics_result r{};
    check(tdcm_metrics(set.y.data(), labels.data(), set.rows, &r), "metrics");
    nmi[row].push_back(r.nmi);
    ari[row].push_back(r.ari);
    acc[row].push_back(r.acc);
  }

  // Calibration of target probabilities under the map that `map_pred` (labels
  // of `map_set`) gives.
  void add_calibration(const Set &map_set, const std::vector<int32_t> &map_pred, const Set &tgt,
                       const std::vector<float> &probs, int64_t k) {
    double e = 0, l = 0;
    check(tdcm_metrics_calibration(map_set.y.data(), map_pred.data(), map_set.rows, tgt.y.data(),
                                   probs.data(), tgt.rows, k, &e, &l),
          "calibration");
    ece.push_back(e);
    log_loss.push_back(l);
    pooled.merge(tdcm::metrics::calibration_bins(map_set.y.data(), map_pred.data(), map_set.rows,
                                                 tgt.y.data(), probs.data(), tgt.rows, k));
  }
};

inline std::vector<double> diff(const std::vector<double> &a, const std::vector<double> &b) {
  std::vector<double> d;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) d.push_back(a[i] - b[i]);
  return d;
}

inline void print_series(const char *name, const Series &s) {
  if (s.nmi[1].empty()) return;
  auto row = [&](const char *label, const std::vector<double> &nmi, const std::vector<double> &ari,
                 const std::vector<double> &acc, const std::string &kept, bool target) {
    std::printf("%-22s %-7s %-13s %-13s %-13s %-13s", name, label, mean_std(nmi).c_str(),
                mean_std(ari).c_str(), mean_std(acc).c_str(), kept.c_str());
    if (target) {
      std::printf(" %-13s %-13s %9.3f %10.4f", mean_std(s.ece).c_str(),
                  mean_std(s.log_loss).c_str(), mean(s.fit_s), mean(s.assign_s));
    }
    std::printf("\n");
  };
  if (s.has_source) row("source", s.nmi[0], s.ari[0], s.acc[0], "", false);
  row("target", s.nmi[1], s.ari[1], s.acc[1], s.has_kept ? mean_std(s.kept) : "–", true);
  if (s.has_source) {
    row("diff", diff(s.nmi[0], s.nmi[1]), diff(s.ari[0], s.ari[1]), diff(s.acc[0], s.acc[1]), "",
        false);
  }
}

inline tdcm_model *create(const std::string &params) {
  tdcm_model *m = nullptr;
  check(tdcm_create(&m, params.c_str()), "create '" + params + "'");
  return m;
}

inline int64_t columns(const Set &set) { return static_cast<int64_t>(set.x.size() / set.rows); }

// Labels of every row, and when `probs` is not null its n x k probabilities.
inline std::vector<int32_t> assign(tdcm_model *m, const Set &set, double *seconds,
                                   std::vector<float> *probs = nullptr) {
  std::vector<int32_t> labels(set.rows);
  int64_t k = 0;
  check(tdcm_get_k(m, &k), "k");
  if (probs != nullptr) probs->resize(static_cast<size_t>(set.rows * k));
  const double t0 = now_s();
  check(tdcm_assign(m, set.x.data(), set.rows, columns(set), labels.data(),
                    probs != nullptr ? probs->data() : nullptr),
        "assign");
  if (seconds) *seconds = now_s() - t0;
  return labels;
}

inline double fit(tdcm_model *m, const Set &set, const int64_t *ids = nullptr) {
  const double t0 = now_s();
  check(tdcm_fit(m, set.x.data(), set.rows, columns(set), ids), "fit");
  return now_s() - t0;
}

inline double acc_kept(const Set &src, const std::vector<int32_t> &src_pred, const Set &tgt,
                       const std::vector<int32_t> &tgt_pred) {
  double v = 0;
  check(tdcm_metrics_acc_kept(src.y.data(), src_pred.data(), src.rows, tgt.y.data(),
                              tgt_pred.data(), tgt.rows, &v),
        "acc_kept");
  return v;
}

inline void header(const char *what) {
  std::printf("%-22s %-7s %-13s %-13s %-13s %-13s %-13s %-13s %9s %10s\n", what, "row", "NMI",
              "ARI", "ACC", "ACC-kept", "ECE", "log-loss", "fit s/set", "assign s");
}

// The methods of a transfer protocol over its seeds. "k-means adapt" starts
// Lloyd on the target from the source's centroids (tdcm_adapt); the Gaussian
// mixture refit is fitted on the target; the matched refit is the same refit
// with each target cluster matched to a source mixture's cluster
// (tdcm_metrics_match_clusters), so that it can be scored in the source's numbering.
struct Methods {
  Series tdcm, transfer, adapt, refit, gmm_refit, gmm_matched;
  Methods() {
    refit.has_source = refit.has_kept = false;
    gmm_refit.has_source = gmm_refit.has_kept = false;
    gmm_matched.has_source = false;
  }
};

// What run_transfer compares.
struct TransferSpec {
  std::string tdcm_params, kmeans_params;
  std::string gmm_params;    // empty: no Gaussian mixture rows
  double drift_scale = 2.0;  // for the matched refit: r * s
  bool calibrate = true;     // TDCM's probabilities scored (ECE, log-loss)
};

// Fits a model of `params` on src and adds its scores on src and tgt, with
// ACC-kept, the fit time and the time to assign tgt (and with `calibrate`,
// ECE and log-loss). `progress`, if given, watches the fit; `facts` prints
// the run facts from the model first.
inline void fit_and_transfer(const std::string &params, const Set &src, const Set &tgt, Series &out,
                             bool facts = false, tdcm_progress_fn progress = nullptr,
                             bool calibrate = false) {
  tdcm_model *m = create(params);
  if (facts) print_run_facts(m);
  if (progress != nullptr) check(tdcm_set_progress_callback(m, progress, nullptr), "progress");
  out.fit_s.push_back(fit(m, src));
  const auto s_pred = assign(m, src, nullptr);
  double t = 0;
  std::vector<float> probs;
  const auto t_pred = assign(m, tgt, &t, calibrate ? &probs : nullptr);
  out.assign_s.push_back(t);
  out.add(0, src, s_pred);
  out.add(1, tgt, t_pred);
  out.kept.push_back(acc_kept(src, s_pred, tgt, t_pred));
  int64_t k = 0;
  check(tdcm_get_k(m, &k), "k");
  if (calibrate) out.add_calibration(src, s_pred, tgt, probs, k);
  tdcm_destroy(m);
}

// One seed of a transfer protocol: TDCM and k-means fitted on src assign tgt
// with what they learned there (one pass for TDCM, fixed centroids for
// "k-means transfer", Lloyd from the source's centroids for "k-means adapt");
// the refits are fitted on tgt itself. `facts` and `progress` as in
// fit_and_transfer, for TDCM.
inline void run_transfer(const Set &src, const Set &tgt, const TransferSpec &spec, Methods &out,
                         bool facts, tdcm_progress_fn progress = nullptr) {
  fit_and_transfer(spec.tdcm_params, src, tgt, out.tdcm, facts, progress, spec.calibrate);
  fit_and_transfer(spec.kmeans_params, src, tgt, out.transfer);
  {
    tdcm_model *m = create(spec.kmeans_params);
    out.adapt.fit_s.push_back(fit(m, src));
    const auto s_pred = assign(m, src, nullptr);
    std::vector<int32_t> t_pred(tgt.rows);
    const double t0 = now_s();
    check(tdcm_adapt(m, tgt.x.data(), tgt.rows, columns(tgt)), "adapt");
    check(tdcm_predict(m, tgt.x.data(), tgt.rows, columns(tgt), t_pred.data(), nullptr), "predict");
    out.adapt.assign_s.push_back(now_s() - t0);
    out.adapt.add(0, src, s_pred);
    out.adapt.add(1, tgt, t_pred);
    out.adapt.kept.push_back(acc_kept(src, s_pred, tgt, t_pred));
    tdcm_destroy(m);
  }
  tdcm_model *m = create(spec.kmeans_params);
  out.refit.fit_s.push_back(fit(m, tgt));
  double t = 0;
  const auto r_pred = assign(m, tgt, &t);
  out.refit.assign_s.push_back(t);
  out.refit.add(1, tgt, r_pred);
  tdcm_destroy(m);
  if (spec.gmm_params.empty()) return;

  // The refit pays its fit for every set it clusters: its time is fit + assign.
  m = create(spec.gmm_params);
  int64_t k = 0;
  check(tdcm_get_k(m, &k), "k");
  const double f = fit(m, tgt);
  std::vector<float> probs;
  const auto g_pred = assign(m, tgt, &t, &probs);
  tdcm_destroy(m);
  for (Series *s : {&out.gmm_refit, &out.gmm_matched}) {
    s->fit_s.push_back(0.0);
    s->assign_s.push_back(f + t);
    s->add(1, tgt, g_pred);
  }
  // Its calibration under its own best map on the target (favourable to it).
  out.gmm_refit.add_calibration(tgt, g_pred, tgt, probs, k);

  m = create(spec.gmm_params);
  fit(m, src);
  const auto s_pred = assign(m, src, nullptr);
  tdcm_destroy(m);
  std::vector<int32_t> to_source(static_cast<size_t>(k));
  check(tdcm_metrics_match_clusters(src.x.data(), s_pred.data(), src.rows, tgt.x.data(),
                                    g_pred.data(), tgt.rows, columns(tgt), k, spec.drift_scale,
                                    to_source.data()),
        "match_clusters");
  std::vector<int32_t> matched(g_pred.size());
  std::vector<float> matched_probs(probs.size());
  for (size_t i = 0; i < g_pred.size(); ++i) {
    matched[i] = to_source[static_cast<size_t>(g_pred[i])];
    for (int64_t j = 0; j < k; ++j) {
      matched_probs[i * k + to_source[static_cast<size_t>(j)]] = probs[i * k + j];
    }
  }
  out.gmm_matched.kept.push_back(acc_kept(src, s_pred, tgt, matched));
  out.gmm_matched.add_calibration(src, s_pred, tgt, matched_probs, k);
}

inline void print_methods(const Methods &m) {
  header("method");
  print_series("TDCM", m.tdcm);
  print_series("k-means transfer", m.transfer);
  print_series("k-means adapt", m.adapt);
  print_series("k-means refit", m.refit);
  print_series("GMM refit", m.gmm_refit);
  print_series("GMM refit, matched", m.gmm_matched);
}

// One line per method and seed: target NMI, and where the method has them,
// source NMI, ACC-kept and ECE (to see which seeds a mean hides).
inline void print_per_seed(const Methods &m, int64_t first_seed) {
  const std::pair<const char *, const Series *> all[] = {{"TDCM", &m.tdcm},
                                                         {"k-means adapt", &m.adapt},
                                                         {"GMM refit", &m.gmm_refit},
                                                         {"GMM refit, matched", &m.gmm_matched}};
  std::printf("%-22s %5s %10s %10s %10s %8s\n", "per seed", "seed", "src NMI", "NMI", "ACC-kept",
              "ECE");
  for (const auto &[name, s] : all) {
    for (size_t i = 0; i < s->nmi[1].size(); ++i) {
      auto cell = [&](const std::vector<double> &v) {
        return i < v.size() ? std::to_string(v[i]).substr(0, 5) : std::string("-");
      };
      std::printf("%-22s %5lld %10s %10s %10s %8s\n", name,
                  static_cast<long long>(first_seed + static_cast<int64_t>(i)),
                  cell(s->nmi[0]).c_str(), cell(s->nmi[1]).c_str(), cell(s->kept).c_str(),
                  cell(s->ece).c_str());
    }
  }
}

// "2,3,5,10" -> {2,3,5,10}
inline std::vector<int64_t> parse_list(const std::string &text) {
  std::vector<int64_t> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) out.push_back(std::stoll(item));
  return out;
}

}  // namespace bench
