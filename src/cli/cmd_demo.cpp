// tdcm demo: protocol P1 comparison of TDCM with k-means transfer and refit.
#include <cmath>
#include <cstdio>

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
    "  TDCM              fitted on the source, assigned to source and target\n"
    "  k-means transfer  fitted on the source, assigned to source and target\n"
    "  k-means refit     fitted on the target itself (never sees the source)\n"
    "Prints NMI, ARI, ACC and ACC-kept as mean \u00b1 std over the seeds, with the\n"
    "fit time per data set and the target assign time.\n"
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
  const char *name;
  bool sees_source;  // false for the refit baseline
  Scores source, target, diff;
  Series acc_kept, fit_s, assign_s;
};

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

std::vector<int32_t> assign(tdcm_model *model, const std::vector<float> &x, int64_t rows,
                            double *seconds) {
  std::vector<int32_t> labels(static_cast<size_t>(rows));
  const Stopwatch watch;
  check(tdcm_assign(model, x.data(), rows, kDim, labels.data(), nullptr));
  if (seconds != nullptr) *seconds = watch.seconds();
  return labels;
}

// Fit on the source, assign source and target; returns the fit time.
double run_transfer(tdcm_model *model, const Pair &p, MethodResults &out) {
  const Stopwatch watch;
  check(tdcm_fit(model, p.source_x.data(), p.rows, kDim, nullptr));
  const double fit_s = watch.seconds();
  const std::vector<int32_t> source_pred = assign(model, p.source_x, p.rows, nullptr);
  double assign_s = 0.0;
  const std::vector<int32_t> target_pred = assign(model, p.target_x, p.rows, &assign_s);

  const tdcm_metrics_result src = compute_metrics(p.source_y, source_pred);
  const tdcm_metrics_result tgt = compute_metrics(p.target_y, target_pred);
  double kept = 0.0;
  check(tdcm_metrics_acc_kept(p.source_y.data(), source_pred.data(), p.rows, p.target_y.data(),
                              target_pred.data(), p.rows, &kept));
  out.source.add(src);
  out.target.add(tgt);
  out.diff.add({src.nmi - tgt.nmi, src.ari - tgt.ari, src.acc - tgt.acc});
  out.acc_kept.add(kept);
  out.fit_s.add(fit_s);
  out.assign_s.add(assign_s);
  return fit_s;
}

// Fit on the target and assign it; returns the fit time.
double run_refit(tdcm_model *model, const Pair &p, MethodResults &out) {
  const Stopwatch watch;
  check(tdcm_fit(model, p.target_x.data(), p.rows, kDim, nullptr));
  const double fit_s = watch.seconds();
  double assign_s = 0.0;
  const std::vector<int32_t> target_pred = assign(model, p.target_x, p.rows, &assign_s);
  out.target.add(compute_metrics(p.target_y, target_pred));
  out.fit_s.add(fit_s);
  out.assign_s.add(assign_s);
  return fit_s;
}

void print_results(const std::vector<MethodResults> &methods) {
  const std::string dash = "\u2013";
  std::vector<std::vector<std::string>> rows = {
      {"method", "data", "NMI", "ARI", "ACC", "ACC-kept", "fit [s]", "assign [ms]"}};
  for (const MethodResults &m : methods) {
    if (m.sees_source) {
      rows.push_back({m.name, "source", m.source.nmi.format(), m.source.ari.format(),
                      m.source.acc.format(), "", m.fit_s.format(), ""});
      rows.push_back({m.name, "target", m.target.nmi.format(), m.target.ari.format(),
                      m.target.acc.format(), m.acc_kept.format(), "", m.assign_s.format(1e3)});
      rows.push_back({m.name, "diff", m.diff.nmi.format(), m.diff.ari.format(), m.diff.acc.format(),
                      "", "", ""});
    } else {
      rows.push_back({m.name, "source", dash, dash, dash, "", "", ""});
      rows.push_back({m.name, "target", m.target.nmi.format(), m.target.ari.format(),
                      m.target.acc.format(), dash, m.fit_s.format(), m.assign_s.format(1e3)});
      rows.push_back({m.name, "diff", dash, dash, dash, "", "", ""});
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

  std::vector<MethodResults> methods = {{"TDCM", true, {}, {}, {}, {}, {}, {}},
                                        {"k-means transfer", true, {}, {}, {}, {}, {}, {}},
                                        {"k-means refit", false, {}, {}, {}, {}, {}, {}}};
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
    const double tdcm_s = run_transfer(tdcm.get(), pair, methods[0]);
    ModelPtr transfer = create_model("algo=kmeans " + base);
    run_transfer(transfer.get(), pair, methods[1]);
    ModelPtr refit = create_model("algo=kmeans " + base);
    run_refit(refit.get(), pair, methods[2]);
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
      "under the source's cluster-to-label map\n\n",
      static_cast<long long>(seeds), seeds == 1 ? "" : "s");
  print_results(methods);
  return 0;
}

}  // namespace

const Command &demo_command() {
  static const Command command{"demo",
                               "protocol P1: TDCM vs k-means transfer and refit",
                               kUsage,
                               {{"seeds", true}, {"k", true}, {"epochs", true}, {"params", true}},
                               &run};
  return command;
}

}  // namespace tdcm::cli
