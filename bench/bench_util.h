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

// Metrics of one method over the seeds: rows source / target, ACC-kept, times.
struct Series {
  std::vector<double> nmi[2], ari[2], acc[2], kept, fit_s, assign_s;
  bool has_source = true;
  bool has_kept = true;

  void add(int row, const Set &set, const std::vector<int32_t> &labels) {
    tdcm_metrics_result r{};
    check(tdcm_metrics(set.y.data(), labels.data(), set.rows, &r), "metrics");
    nmi[row].push_back(r.nmi);
    ari[row].push_back(r.ari);
    acc[row].push_back(r.acc);
  }
};

inline std::vector<double> diff(const std::vector<double> &a, const std::vector<double> &b) {
  std::vector<double> d;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) d.push_back(a[i] - b[i]);
  return d;
}

inline void print_series(const char *name, const Series &s) {
  auto row = [&](const char *label, const std::vector<double> &nmi, const std::vector<double> &ari,
                 const std::vector<double> &acc, const std::string &kept, bool times) {
    std::printf("%-17s %-7s %-13s %-13s %-13s %-13s", name, label, mean_std(nmi).c_str(),
                mean_std(ari).c_str(), mean_std(acc).c_str(), kept.c_str());
    if (times) {
      std::printf(" %9.3f %10.4f", mean(s.fit_s), mean(s.assign_s));
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

inline std::vector<int32_t> assign(tdcm_model *m, const Set &set, double *seconds) {
  std::vector<int32_t> labels(set.rows);
  const double t0 = now_s();
  check(tdcm_assign(m, set.x.data(), set.rows, static_cast<int64_t>(set.x.size() / set.rows),
                    labels.data(), nullptr),
        "assign");
  if (seconds) *seconds = now_s() - t0;
  return labels;
}

inline double fit(tdcm_model *m, const Set &set, const int64_t *ids = nullptr) {
  const double t0 = now_s();
  check(tdcm_fit(m, set.x.data(), set.rows, static_cast<int64_t>(set.x.size() / set.rows), ids),
        "fit");
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
  std::printf("%-17s %-7s %-13s %-13s %-13s %-13s %9s %10s\n", what, "row", "NMI", "ARI", "ACC",
              "ACC-kept", "fit s/set", "assign s");
}

// The three methods of a transfer protocol over its seeds.
struct Methods {
  Series tdcm, transfer, refit;
  Methods() { refit.has_source = refit.has_kept = false; }
};

// Fits a model of `params` on src and adds its scores on src and tgt, with
// ACC-kept, the fit time and the time to assign tgt. `progress`, if given,
// watches the fit; `facts` prints the run facts from the model first.
inline void fit_and_transfer(const std::string &params, const Set &src, const Set &tgt, Series &out,
                             bool facts = false, tdcm_progress_fn progress = nullptr) {
  tdcm_model *m = create(params);
  if (facts) print_run_facts(m);
  if (progress != nullptr) check(tdcm_set_progress_callback(m, progress, nullptr), "progress");
  out.fit_s.push_back(fit(m, src));
  const auto s_pred = assign(m, src, nullptr);
  double t = 0;
  const auto t_pred = assign(m, tgt, &t);
  out.assign_s.push_back(t);
  out.add(0, src, s_pred);
  out.add(1, tgt, t_pred);
  out.kept.push_back(acc_kept(src, s_pred, tgt, t_pred));
  tdcm_destroy(m);
}

// One seed of a transfer protocol: TDCM (tdcm_params) and k-means
// (kmeans_params) are fitted on src and assign tgt with what they learned
// there (one pass for TDCM, fixed centroids for "k-means transfer");
// "k-means refit" is fitted on tgt itself. `facts` and `progress` as in
// fit_and_transfer, for TDCM.
inline void run_transfer(const Set &src, const Set &tgt, const std::string &tdcm_params,
                         const std::string &kmeans_params, Methods &out, bool facts,
                         tdcm_progress_fn progress = nullptr) {
  fit_and_transfer(tdcm_params, src, tgt, out.tdcm, facts, progress);
  fit_and_transfer(kmeans_params, src, tgt, out.transfer);
  tdcm_model *m = create(kmeans_params);
  out.refit.fit_s.push_back(fit(m, tgt));
  double t = 0;
  const auto r_pred = assign(m, tgt, &t);
  out.refit.assign_s.push_back(t);
  out.refit.add(1, tgt, r_pred);
  tdcm_destroy(m);
}

inline void print_methods(const Methods &m) {
  header("method");
  print_series("TDCM", m.tdcm);
  print_series("k-means transfer", m.transfer);
  print_series("k-means refit", m.refit);
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
