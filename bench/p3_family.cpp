// Protocol P3 (synth-structured): a family of small sets sharing one
// within-cluster covariance. TDCM trained once on the 50-set collection and
// run once per unseen set, against per-set refits (k-means, tied Gaussian
// mixture), the family covariance baseline (a classical two-step use of the
// collection) and the oracle (whitening by the true covariance). See README
// "Benchmarks".
//
//   p3_family [--protocol p3] [--k 3,5,10] [--n 40,200] [--seeds 10] [--sets 50]
//             [--dim 32] [--signal 4] [--nuisance 9] [--spread 3] [--family 7]
//             [--params "key=value ..."] [--threads N] [--quick]
#include <cmath>
#include <map>

#include "bench_util.h"

namespace {

using bench::Set;

struct Options {
  std::vector<int64_t> ks{3, 5, 10};
  std::vector<int64_t> ns{40, 200};
  int64_t seeds = 10;
  int64_t first_seed = 0;
  int64_t sets = 50;
  int64_t dim = 32;
  int64_t signal = 4;
  double nuisance = 9.0;
  double spread = 3.0;
  uint64_t family = 7;
  std::string params;
  std::string runtime;
};

Set make_set(const Options &o, int64_t k, int64_t n, uint64_t seed) {
  Set s;
  s.rows = k * n;
  s.x.resize(static_cast<size_t>(s.rows * o.dim));
  s.y.resize(static_cast<size_t>(s.rows));
  bench::check(tdcm_synth_structured(k, o.dim, o.signal, o.nuisance, n, o.spread, o.family, seed,
                                     s.x.data(), s.y.data(), nullptr),
               "synth_structured");
  return s;
}

// ---- Small dense linear algebra for the classical baselines (d x d, double).

using Matrix = std::vector<double>;  // row-major

// Lower Cholesky factor, with a tiny ridge where the matrix is not quite positive.
Matrix cholesky(Matrix a, int64_t d) {
  double trace = 0;
  for (int64_t i = 0; i < d; ++i) trace += a[i * d + i];
  for (int64_t i = 0; i < d; ++i) a[i * d + i] += 1e-9 * trace / d;
  Matrix l(static_cast<size_t>(d * d), 0.0);
  for (int64_t j = 0; j < d; ++j) {
    double s = a[j * d + j];
    for (int64_t c = 0; c < j; ++c) s -= l[j * d + c] * l[j * d + c];
    l[j * d + j] = std::sqrt(std::max(s, 1e-300));
    for (int64_t i = j + 1; i < d; ++i) {
      double v = a[i * d + j];
      for (int64_t c = 0; c < j; ++c) v -= l[i * d + c] * l[j * d + c];
      l[i * d + j] = v / l[j * d + j];
    }
  }
  return l;
}

// Rows whitened by Sigma = L L^T: each row y solves L y = x.
Set whiten(const Set &s, const Matrix &l, int64_t d) {
  Set w = s;
  for (int64_t r = 0; r < s.rows; ++r) {
    float *y = w.x.data() + r * d;
    std::vector<double> v(y, y + d);
    for (int64_t i = 0; i < d; ++i) {
      double t = v[i];
      for (int64_t c = 0; c < i; ++c) t -= l[i * d + c] * v[c];
      v[i] = t / l[i * d + i];
    }
    for (int64_t i = 0; i < d; ++i) y[i] = static_cast<float>(v[i]);
  }
  return w;
}

// k-means (restarts) through the library, labels of every row.
std::vector<int32_t> kmeans(const Options &o, const Set &s, int64_t k, int64_t restarts,
                            uint64_t seed, double *seconds = nullptr) {
  tdcm_model *m =
      bench::create("algo=kmeans k=" + std::to_string(k) + " n_init=" + std::to_string(restarts) +
                    " seed=" + std::to_string(seed) + o.runtime);
  double t = 0;
  const double f = bench::fit(m, s);
  const std::vector<int32_t> labels = bench::assign(m, s, &t);
  tdcm_destroy(m);
  if (seconds != nullptr) *seconds = f + t;
  return labels;
}

// Pooled scatter of rows about their cluster means (labels), added to `within`.
void add_within(const Set &s, const std::vector<int32_t> &labels, int64_t k, int64_t d,
                Matrix &within) {
  std::vector<double> mean(static_cast<size_t>(k * d), 0.0), count(static_cast<size_t>(k), 0.0);
  for (int64_t r = 0; r < s.rows; ++r) {
    count[labels[r]] += 1;
    for (int64_t i = 0; i < d; ++i) mean[labels[r] * d + i] += s.x[r * d + i];
  }
  for (int64_t c = 0; c < k; ++c) {
    for (int64_t i = 0; i < d; ++i) mean[c * d + i] /= std::max(count[c], 1.0);
  }
  std::vector<double> e(static_cast<size_t>(d));
  for (int64_t r = 0; r < s.rows; ++r) {
    for (int64_t i = 0; i < d; ++i) e[i] = s.x[r * d + i] - mean[labels[r] * d + i];
    for (int64_t i = 0; i < d; ++i) {
      for (int64_t j = 0; j < d; ++j) within[i * d + j] += e[i] * e[j];
    }
  }
}

// The protocol's family covariance baseline: the pooled covariance of the
// set-centred rows, then 8 rounds of (k-means with 3 restarts per training set
// in the whitened space; the covariance from the pooled residuals).
Matrix family_covariance(const Options &o, const std::vector<Set> &train, int64_t k) {
  const int64_t d = o.dim;
  Matrix cov(static_cast<size_t>(d * d), 0.0);
  int64_t total = 0;
  for (const Set &s : train) {
    add_within(s, std::vector<int32_t>(static_cast<size_t>(s.rows), 0), 1, d, cov);
    total += s.rows;
  }
  for (double &v : cov) v /= static_cast<double>(total);
  for (int round = 0; round < 8; ++round) {
    const Matrix l = cholesky(cov, d);
    Matrix within(static_cast<size_t>(d * d), 0.0);
    for (size_t i = 0; i < train.size(); ++i) {
      const std::vector<int32_t> labels =
          kmeans(o, whiten(train[i], l, d), k, 3, 1000 + 97 * round + i);
      add_within(train[i], labels, k, d, within);
    }
    for (size_t i = 0; i < cov.size(); ++i) cov[i] = within[i] / static_cast<double>(total);
  }
  return cov;
}

struct Scores {
  std::vector<double> nmi, ari, acc, seconds;
  void add(const Set &s, const std::vector<int32_t> &labels, double t) {
    tdcm_metrics_result r{};
    bench::check(tdcm_metrics(s.y.data(), labels.data(), s.rows, &r), "metrics");
    nmi.push_back(r.nmi);
    ari.push_back(r.ari);
    acc.push_back(r.acc);
    seconds.push_back(t);
  }
};

std::map<std::string, std::map<std::pair<int64_t, int64_t>, double>> summary;

void run(const Options &o, int64_t k, int64_t n) {
  const std::string kk = " k=" + std::to_string(k);
  std::vector<Set> train;
  Set collection;
  std::vector<int64_t> ids;
  std::vector<int32_t> labels_within;  // each row's cluster within its set
  for (int64_t i = 0; i < o.sets; ++i) {
    train.push_back(make_set(o, k, n, static_cast<uint64_t>(1000 + i)));
    const Set &s = train.back();
    collection.x.insert(collection.x.end(), s.x.begin(), s.x.end());
    collection.y.insert(collection.y.end(), s.y.begin(), s.y.end());
    ids.insert(ids.end(), static_cast<size_t>(s.rows), 1000 + i);
    collection.rows += s.rows;
  }

  tdcm_model *tdcm = bench::create("algo=tdcm seed=0" + kk + o.runtime + " " + o.params);
  if (k == o.ks.front() && n == o.ns.front()) bench::print_run_facts(tdcm);
  const double fit_s = bench::fit(tdcm, collection, ids.data());
  int64_t width = 0;
  bench::check(tdcm_get_embed_dim(tdcm, &width), "embed dim");
  // The same fit told each training row's cluster (seed 002's setting).
  tdcm_model *labelled = bench::create("algo=tdcm seed=0" + kk + o.runtime + " " + o.params);
  double labelled_s = bench::now_s();
  // Parameters without a family metric (e.g. collection=refit) have no labelled fit.
  if (tdcm_fit_labelled(labelled, collection.x.data(), collection.rows, o.dim, ids.data(),
                        collection.y.data()) != TDCM_OK) {
    std::printf("# no labelled fit: %s\n", tdcm_last_error());
    tdcm_destroy(labelled);
    labelled = nullptr;
  }
  labelled_s = bench::now_s() - labelled_s;

  double cov_s = bench::now_s();
  const Matrix family = cholesky(family_covariance(o, train, k), o.dim);
  cov_s = bench::now_s() - cov_s;
  Matrix truth(static_cast<size_t>(o.dim * o.dim));
  bench::check(tdcm_synth_structured(k, o.dim, o.signal, o.nuisance, n, o.spread, o.family, 0,
                                     nullptr, nullptr, truth.data()),
               "covariance");
  const Matrix oracle = cholesky(truth, o.dim);

  std::map<std::string, Scores> rows;
  const char *order[] = {
      "TDCM",  "TDCM, labelled fit", "k-means refit", "GMM refit (tied)", "family covariance",
      "oracle"};
  for (int64_t seed = o.first_seed; seed < o.first_seed + o.seeds; ++seed) {
    const Set s = make_set(o, k, n, static_cast<uint64_t>(seed));
    const uint64_t us = static_cast<uint64_t>(seed);
    double t = 0;
    const std::vector<int32_t> pred = bench::assign(tdcm, s, &t);
    rows["TDCM"].add(s, pred, t);
    if (labelled != nullptr) {
      const std::vector<int32_t> lp = bench::assign(labelled, s, &t);
      rows["TDCM, labelled fit"].add(s, lp, t);
    }
    const std::vector<int32_t> kp = kmeans(o, s, k, 10, us, &t);
    rows["k-means refit"].add(s, kp, t);

    tdcm_model *g = bench::create("algo=gmm covariance=tied n_init=5 seed=" + std::to_string(seed) +
                                  kk + o.runtime);
    const double f = bench::fit(g, s);
    const std::vector<int32_t> gp = bench::assign(g, s, &t);
    rows["GMM refit (tied)"].add(s, gp, f + t);
    tdcm_destroy(g);

    double w0 = bench::now_s();
    Set w = whiten(s, family, o.dim);
    double w1 = bench::now_s() - w0;
    std::vector<int32_t> fp = kmeans(o, w, k, 10, us, &t);
    rows["family covariance"].add(s, fp, w1 + t);
    w0 = bench::now_s();
    w = whiten(s, oracle, o.dim);
    w1 = bench::now_s() - w0;
    fp = kmeans(o, w, k, 10, us, &t);
    rows["oracle"].add(s, fp, w1 + t);
  }
  std::printf(
      "\n## P3 K=%lld n=%lld D=%lld S=%lld v=%g: TDCM trained once on %lld sets (%.1f s, "
      "embedding %lld columns; with labels %.1f s); family covariance estimated in %.1f s; "
      "evaluated on sets %lld..%lld\n",
      (long long)k, (long long)n, (long long)o.dim, (long long)o.signal, o.nuisance,
      (long long)o.sets, fit_s, (long long)width, labelled_s, cov_s, (long long)o.first_seed,
      (long long)(o.first_seed + o.seeds - 1));
  std::printf("%-20s %-13s %-13s %-13s %10s\n", "method", "NMI", "ARI", "ACC", "s per set");
  for (const char *name : order) {
    if (rows.count(name) == 0) continue;
    const Scores &r = rows[name];
    std::printf("%-20s %-13s %-13s %-13s %10.4f\n", name, bench::mean_std(r.nmi).c_str(),
                bench::mean_std(r.ari).c_str(), bench::mean_std(r.acc).c_str(),
                bench::mean(r.seconds));
    summary[name][{n, k}] = bench::mean(r.nmi);
  }
  tdcm_destroy(tdcm);
  if (labelled != nullptr) tdcm_destroy(labelled);
  std::fflush(stdout);
}

void usage() {
  std::printf(
      "usage: p3_family [--protocol p3] [--k 3,5,10] [--n 40,200] [--seeds N] [--first-seed S]\n"
      "                 [--sets M] [--dim D] [--signal S] [--nuisance v] [--spread s]\n"
      "                 [--family F] [--params \"key=value ...\"] [--threads N] [--quick]\n"
      "  --quick: 3 seeds and a collection of 10 sets, for a CPU check\n");
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
    if (a == "--protocol") {
      if (value() != "p3") {
        usage();
        return 2;
      }
    } else if (a == "--k") {
      o.ks = bench::parse_list(value());
    } else if (a == "--n") {
      o.ns = bench::parse_list(value());
    } else if (a == "--seeds") {
      o.seeds = std::stoll(value());
    } else if (a == "--first-seed") {
      o.first_seed = std::stoll(value());
    } else if (a == "--sets") {
      o.sets = std::stoll(value());
    } else if (a == "--dim") {
      o.dim = std::stoll(value());
    } else if (a == "--signal") {
      o.signal = std::stoll(value());
    } else if (a == "--nuisance") {
      o.nuisance = std::stod(value());
    } else if (a == "--spread") {
      o.spread = std::stod(value());
    } else if (a == "--family") {
      o.family = std::stoull(value());
    } else if (a == "--params") {
      o.params = value();
    } else if (a == "--threads") {
      o.runtime = " threads=" + std::to_string(std::stoll(value()));
    } else if (a == "--quick") {
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
  std::printf(
      "# protocol p3 | K %s | n %s | D=%lld S=%lld v=%g s=%g family %llu | seeds %lld "
      "from %lld | params \"%s\" |%s\n",
      [&] {
        std::string s;
        for (auto k : o.ks) s += (s.empty() ? "" : ",") + std::to_string(k);
        return s;
      }()
          .c_str(),
      [&] {
        std::string s;
        for (auto n : o.ns) s += (s.empty() ? "" : ",") + std::to_string(n);
        return s;
      }()
          .c_str(),
      (long long)o.dim, (long long)o.signal, o.nuisance, o.spread, (unsigned long long)o.family,
      (long long)o.seeds, (long long)o.first_seed, o.params.c_str(),
      o.runtime.empty() ? " threads: library default" : o.runtime.c_str());
  const double start = bench::now_s();
  for (int64_t n : o.ns) {
    for (int64_t k : o.ks) run(o, k, n);
  }
  std::printf("\n## target NMI (mean over sets)\n%-20s", "method");
  for (int64_t n : o.ns) {
    for (int64_t k : o.ks) std::printf(" n=%lld,K=%-4lld", (long long)n, (long long)k);
  }
  std::printf("\n");
  for (const auto &[method, by] : summary) {
    std::printf("%-20s", method.c_str());
    for (int64_t n : o.ns) {
      for (int64_t k : o.ks) std::printf(" %-11.3f", by.count({n, k}) ? by.at({n, k}) : NAN);
    }
    std::printf("\n");
  }
  std::printf("# total %.1f s\n", bench::now_s() - start);
  return 0;
}
