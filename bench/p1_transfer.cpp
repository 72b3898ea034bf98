// Protocols P1 (synth-drift) and P1m (synth-meta): TDCM against k-means
// transfer and k-means refit, with times. See README "Benchmarks".
//
//   p1_transfer [--protocol p1|p1m] [--k 2,3,5,10] [--seeds 10] [--dim 2]
//               [--n 500] [--params "key=value ..."] [--quick] [--assign-rows N]
//               [--unequal R] [--anisotropy A]
#include <cstring>
#include <map>

#include "bench_util.h"
#include "data/synth.h"

namespace {

using bench::acc_kept;
using bench::assign;
using bench::create;
using bench::fit;
using bench::header;
using bench::print_series;
using bench::Series;
using bench::Set;

struct Options {
  std::string protocol = "p1";
  std::vector<int64_t> ks{2, 3, 5, 10};
  int64_t seeds = 10;
  int64_t first_seed = 0;  // evaluation seeds first_seed .. first_seed+seeds-1
  int64_t dim = 2;
  int64_t n = 500;
  int64_t sets = 50;  // P1m training collection size
  double spread = 4.0;
  double drift = 0.5;
  double unequal = 1.0;     // P1 variant: cluster sizes spread over a factor R
  double anisotropy = 1.0;  // P1 variant: first principal axis' variance times A
  std::string params;
  std::string runtime;  // " threads=N" for every model, from --threads
  int64_t assign_rows = 0;
  bool per_seed = false;  // --per-seed: each seed's scores after the means
};

// The P1 generator (with the variants' options) on the library's support code.
std::pair<Set, Set> make_pair(const Options &o, int64_t k, uint64_t seed) {
  tdcm::data::DriftSpec spec;
  spec.k = k;
  spec.d = o.dim;
  spec.n_per_cluster = o.n;
  spec.seed = seed;
  spec.spread = o.spread;
  spec.drift = o.drift;
  spec.unequal = o.unequal;
  spec.anisotropy = o.anisotropy;
  tdcm::data::DriftPair pair = tdcm::data::make_drift_pair(spec);
  auto to_set = [](tdcm::data::LabelledSet &l) {
    Set s;
    s.rows = l.rows;
    s.x = std::move(l.x);
    s.y = std::move(l.y);
    return s;
  };
  return {to_set(pair.source), to_set(pair.target)};
}

// Means per method and K for the closing summaries: target NMI, ACC-kept, ECE, log-loss.
std::map<std::string, std::map<int64_t, double>> summary, kept_summary, ece_summary, loss_summary,
    pooled_ece_summary;

void summarise(const char *name, const Series &s, int64_t k) {
  summary[name][k] = bench::mean(s.nmi[1]);
  if (!s.kept.empty()) kept_summary[name][k] = bench::mean(s.kept);
  if (!s.ece.empty()) ece_summary[name][k] = bench::mean(s.ece);
  if (!s.ece.empty()) pooled_ece_summary[name][k] = s.pooled.summary().ece;
  if (!s.log_loss.empty()) loss_summary[name][k] = bench::mean(s.log_loss);
}

void run_p1(const Options &o, int64_t k) {
  bench::Methods methods;
  for (int64_t seed = o.first_seed; seed < o.first_seed + o.seeds; ++seed) {
    const auto [src, tgt] = make_pair(o, k, static_cast<uint64_t>(seed));
    const std::string common = " k=" + std::to_string(k) + " seed=" + std::to_string(seed);
    bench::TransferSpec spec;
    spec.tdcm_params = "algo=tdcm" + common + o.runtime + " " + o.params;
    spec.kmeans_params = "algo=kmeans" + common + o.runtime;
    spec.gmm_params = "algo=gmm n_init=5" + common + o.runtime;
    spec.drift_scale = o.drift * o.spread;
    bench::run_transfer(src, tgt, spec, methods, seed == o.first_seed && k == o.ks.front());
  }
  std::printf("\n## P1 K=%lld D=%lld n=%lld s=%g r=%g unequal=%g anisotropy=%g seeds %lld..%lld\n",
              (long long)k, (long long)o.dim, (long long)o.n, o.spread, o.drift, o.unequal,
              o.anisotropy, (long long)o.first_seed, (long long)(o.first_seed + o.seeds - 1));
  std::printf("(assign s = time to cluster the target; for the refits, fit + assign)\n");
  bench::print_methods(methods);
  if (o.per_seed) bench::print_per_seed(methods, o.first_seed);
  summarise("TDCM", methods.tdcm, k);
  summarise("k-means transfer", methods.transfer, k);
  summarise("k-means adapt", methods.adapt, k);
  summarise("k-means refit", methods.refit, k);
  summarise("GMM refit", methods.gmm_refit, k);
  summarise("GMM refit, matched", methods.gmm_matched, k);
  std::fflush(stdout);
}

void run_p1m(const Options &o, int64_t k) {
  // Training collection: P1 source sets of seeds 1000..1000+sets-1, tagged by set.
  Set collection;
  std::vector<int64_t> ids;
  for (int64_t i = 0; i < o.sets; ++i) {
    const auto [src, unused] = make_pair(o, k, static_cast<uint64_t>(1000 + i));
    collection.x.insert(collection.x.end(), src.x.begin(), src.x.end());
    collection.y.insert(collection.y.end(), src.y.begin(), src.y.end());
    ids.insert(ids.end(), static_cast<size_t>(src.rows), 1000 + i);
    collection.rows += src.rows;
  }
  tdcm_model *m =
      create("algo=tdcm k=" + std::to_string(k) + " seed=0" + o.runtime + " " + o.params);
  if (k == o.ks.front()) bench::print_run_facts(m);
  const double fit_s = fit(m, collection, ids.data());

  Series tdcm, refit, gmm;
  tdcm.has_source = tdcm.has_kept = refit.has_source = refit.has_kept = false;
  gmm.has_source = gmm.has_kept = false;
  for (int64_t seed = o.first_seed; seed < o.first_seed + o.seeds; ++seed) {
    const auto [src, tgt] = make_pair(o, k, static_cast<uint64_t>(seed));
    double t = 0;
    tdcm.add(1, tgt, assign(m, tgt, &t));
    tdcm.assign_s.push_back(t);
    tdcm.fit_s.push_back(0.0);

    tdcm_model *r =
        create("algo=kmeans k=" + std::to_string(k) + " seed=" + std::to_string(seed) + o.runtime);
    const double f = fit(r, tgt);
    const auto pred = assign(r, tgt, &t);
    refit.fit_s.push_back(f);
    refit.assign_s.push_back(f + t);  // a refit pays its fit for every set it clusters
    refit.add(1, tgt, pred);
    tdcm_destroy(r);

    r = create("algo=gmm n_init=5 k=" + std::to_string(k) + " seed=" + std::to_string(seed) +
               o.runtime);
    const double g = fit(r, tgt);
    const auto g_pred = assign(r, tgt, &t);
    gmm.fit_s.push_back(g);
    gmm.assign_s.push_back(g + t);
    gmm.add(1, tgt, g_pred);
    tdcm_destroy(r);
  }
  std::printf(
      "\n## P1m K=%lld D=%lld n=%lld: trained once on %lld sets (%.1f s), "
      "evaluated on P1 targets %lld..%lld\n",
      (long long)k, (long long)o.dim, (long long)o.n, (long long)o.sets, fit_s,
      (long long)o.first_seed, (long long)(o.first_seed + o.seeds - 1));
  std::printf("(assign s = time to cluster one evaluation set; for the refit, fit + assign)\n");
  header("method");
  print_series("TDCM", tdcm);
  print_series("k-means refit", refit);
  print_series("GMM refit", gmm);
  summarise("TDCM", tdcm, k);
  summarise("k-means refit", refit, k);
  summarise("GMM refit", gmm, k);
  tdcm_destroy(m);
  std::fflush(stdout);
}

// Assign time of a fitted model on a large target set (rows rounded to K).
// P1m: TDCM trained on the collection clusters the large set in one pass;
// the refit pays fit + assign on it.
void run_assign_rows_p1m(const Options &o, int64_t k) {
  Options big = o;
  big.n = std::max<int64_t>(1, o.assign_rows / k);
  Set collection;
  std::vector<int64_t> ids;
  for (int64_t i = 0; i < o.sets; ++i) {
    const auto [src, unused] = make_pair(o, k, static_cast<uint64_t>(1000 + i));
    collection.x.insert(collection.x.end(), src.x.begin(), src.x.end());
    ids.insert(ids.end(), static_cast<size_t>(src.rows), 1000 + i);
    collection.rows += src.rows;
  }
  const auto [unused, tgt] = make_pair(big, k, 0);
  tdcm_model *m =
      create("algo=tdcm k=" + std::to_string(k) + " seed=0" + o.runtime + " " + o.params);
  fit(m, collection, ids.data());
  double t = 0;
  assign(m, tgt, nullptr);  // warm-up
  double cpu = bench::cpu_s();
  assign(m, tgt, &t);
  cpu = bench::cpu_s() - cpu;
  std::printf(
      "P1m: cluster one set of %lld rows x %lld dims, K=%lld, TDCM (one pass): %.4f s "
      "(CPU %.4f s)\n",
      (long long)tgt.rows, (long long)o.dim, (long long)k, t, cpu);
  tdcm_destroy(m);
  m = create("algo=kmeans k=" + std::to_string(k) + " seed=0" + o.runtime);
  cpu = bench::cpu_s();
  const double f = fit(m, tgt);
  assign(m, tgt, &t);
  cpu = bench::cpu_s() - cpu;
  std::printf(
      "P1m: cluster one set of %lld rows x %lld dims, K=%lld, k-means refit (fit + "
      "assign): %.4f s (CPU %.4f s)\n",
      (long long)tgt.rows, (long long)o.dim, (long long)k, f + t, cpu);
  tdcm_destroy(m);
}

void run_assign_rows(const Options &o, int64_t k) {
  if (o.protocol == "p1m") {
    run_assign_rows_p1m(o, k);
    return;
  }
  Options big = o;
  big.n = std::max<int64_t>(1, o.assign_rows / k);
  const auto [src, unused] = make_pair(o, k, 0);
  const auto [unused2, tgt] = make_pair(big, k, 0);
  for (const char *algo : {"tdcm", "kmeans"}) {
    tdcm_model *m = create(std::string("algo=") + algo + " k=" + std::to_string(k) + " seed=0" +
                           o.runtime + " " + (std::strcmp(algo, "tdcm") == 0 ? o.params : ""));
    fit(m, src);
    double t = 0;
    assign(m, tgt, nullptr);  // warm-up
    const double cpu = bench::cpu_s();
    assign(m, tgt, &t);
    std::printf("assign of %lld rows x %lld dims, K=%lld, %s: %.4f s (CPU %.4f s)\n",
                (long long)tgt.rows, (long long)o.dim, (long long)k, algo, t, bench::cpu_s() - cpu);
    tdcm_destroy(m);
  }
  // What a user who refits a Gaussian mixture on each new set pays instead.
  tdcm_model *g = create("algo=gmm n_init=5 k=" + std::to_string(k) + " seed=0" + o.runtime);
  double t = 0;
  const double cpu = bench::cpu_s();
  const double f = fit(g, tgt);
  assign(g, tgt, &t);
  std::printf(
      "GMM refit (5 restarts, fit + assign) of %lld rows x %lld dims, K=%lld: %.4f s (CPU %.4f "
      "s)\n",
      (long long)tgt.rows, (long long)o.dim, (long long)k, f + t, bench::cpu_s() - cpu);
  tdcm_destroy(g);
}

void usage() {
  std::printf(
      "usage: p1_transfer [--protocol p1|p1m] [--k 2,3,5,10] [--seeds N] [--first-seed S]\n"
      "                   [--dim D] [--n N]\n"
      "                   [--sets M] [--params \"key=value ...\"] [--quick] [--assign-rows N]\n"
      "                   [--threads N] [--unequal R] [--anisotropy A] [--per-seed]\n"
      "  --unequal R: cluster c has round(n R^-u) rows, u ~ U[0, 1] (P1 variant; 1 = P1)\n"
      "  --anisotropy A: each cluster's first principal variance times A (1 = P1)\n"
      "  --threads: threads=N for every model, TDCM and k-means (default: the library's)\n"
      "  --per-seed: each seed's scores (P1), after the means\n"
      "  --quick: 3 seeds (and for p1m a collection of 10 sets), for a CPU check\n");
}

}  // namespace

int main(int argc, char **argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        usage();
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--protocol")
      o.protocol = value();
    else if (a == "--k")
      o.ks = bench::parse_list(value());
    else if (a == "--seeds")
      o.seeds = std::stoll(value());
    else if (a == "--first-seed")
      o.first_seed = std::stoll(value());
    else if (a == "--dim")
      o.dim = std::stoll(value());
    else if (a == "--n")
      o.n = std::stoll(value());
    else if (a == "--sets")
      o.sets = std::stoll(value());
    else if (a == "--unequal")
      o.unequal = std::stod(value());
    else if (a == "--anisotropy")
      o.anisotropy = std::stod(value());
    else if (a == "--params")
      o.params = value();
    else if (a == "--assign-rows")
      o.assign_rows = std::stoll(value());
    else if (a == "--threads")
      o.runtime = " threads=" + std::to_string(std::stoll(value()));
    else if (a == "--per-seed")
      o.per_seed = true;
    else if (a == "--quick") {
      o.seeds = 3;
      o.sets = 10;
    } else if (a == "--help" || a == "-h") {
      usage();
      return 0;
    } else {
      usage();
      return 2;
    }
  }
  if (o.protocol != "p1" && o.protocol != "p1m") {
    usage();
    return 2;
  }
  std::printf(
      "# protocol %s | K %s | D=%lld | seeds %lld from %lld | params \"%s\" |%s\n",
      o.protocol.c_str(),
      [&] {
        std::string s;
        for (auto k : o.ks) s += (s.empty() ? "" : ",") + std::to_string(k);
        return s;
      }()
          .c_str(),
      (long long)o.dim, (long long)o.seeds, (long long)o.first_seed, o.params.c_str(),
      o.runtime.empty() ? " threads: library default" : o.runtime.c_str());
  const double start = bench::now_s();
  for (int64_t k : o.ks) {
    if (o.assign_rows > 0) {
      run_assign_rows(o, k);
    } else if (o.protocol == "p1") {
      run_p1(o, k);
    } else {
      run_p1m(o, k);
    }
  }
  const std::pair<const char *, const std::map<std::string, std::map<int64_t, double>> *> tables[] =
      {{"target NMI", &summary},
       {"ACC-kept", &kept_summary},
       {"ECE (top probability, 10 bins)", &ece_summary},
       {"ECE pooled: every seed's target rows in one estimate", &pooled_ece_summary},
       {"log-loss of the true class", &loss_summary}};
  for (const auto &[title, table] : tables) {
    if (table->empty()) continue;
    std::printf("\n## %s%s\n%-22s", title, table == &pooled_ece_summary ? "" : " (mean over seeds)",
                "method");
    for (int64_t k : o.ks) std::printf(" K=%-6lld", (long long)k);
    std::printf("\n");
    for (const auto &[method, by_k] : *table) {
      std::printf("%-22s", method.c_str());
      for (int64_t k : o.ks) std::printf(" %-8.3f", by_k.count(k) ? by_k.at(k) : NAN);
      std::printf("\n");
    }
  }
  std::printf("# total %.1f s\n", bench::now_s() - start);
  return 0;
}
