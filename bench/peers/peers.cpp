// libtdcm's side of bench/peers (the driver, peers.py, runs scikit-learn and
// FAISS on the same rows and prints the table): k-means assign and Lloyd
// iterations, TDCM's Gaussian-block labelling and one-pass assign, a TDCM
// training epoch, small-call latency, and this process's sgemm peak and
// memory bandwidth, all through the public C API. One line per measurement:
//   peers <side> <what> n=<N> d=<D> k=<K> threads=<T> ms=<time> [key=value ...]
//
//   peers write FILE N D SEED           rows of a seeded Gaussian mixture, float32
//   peers run FILE N D K[,K...] T [--reps R] [--tdcm-assign-flops F] [--tdcm-setup-max S]
//                                      [--latency] [--no-tdcm]
#include <dlfcn.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "../bench_util.h"

namespace {

using bench::check;
using bench::fail;
using bench::now_s;

// Rows of 20 overlapping Gaussian blobs: Lloyd keeps moving for many
// iterations from any start, as on real data, and every tool sees the same bytes.
std::vector<float> mixture_rows(int64_t n, int64_t d, uint64_t seed) {
  uint64_t state = seed * 0x9E3779B97F4A7C15ULL + 1;
  auto next = [&] {  // splitmix64
    uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  };
  auto uniform = [&] { return (static_cast<double>(next() >> 11) + 0.5) * 0x1.0p-53; };
  auto normal = [&] {
    return std::sqrt(-2.0 * std::log(uniform())) * std::cos(6.283185307179586 * uniform());
  };
  const int64_t blobs = 20;
  std::vector<double> centers(static_cast<size_t>(blobs * d));
  for (double &c : centers) c = 3.0 * normal();
  std::vector<float> x(static_cast<size_t>(n * d));
  for (int64_t i = 0; i < n; ++i) {
    const int64_t b = static_cast<int64_t>(next() % blobs);
    for (int64_t j = 0; j < d; ++j) {
      x[static_cast<size_t>(i * d + j)] =
          static_cast<float>(centers[static_cast<size_t>(b * d + j)] + normal());
    }
  }
  return x;
}

struct Run {
  std::vector<float> x;
  int64_t n = 0, d = 0, threads = 1, reps = 3;
};

void report(const char *what, const Run &r, int64_t k, double seconds, const std::string &extra) {
  std::printf("peers libtdcm %s n=%lld d=%lld k=%lld threads=%lld ms=%.4f%s%s\n", what,
              (long long)r.n, (long long)r.d, (long long)k, (long long)r.threads, seconds * 1e3,
              extra.empty() ? "" : " ", extra.c_str());
  std::fflush(stdout);
}

template <class F>
double best_of(int64_t reps, F &&f) {
  double best = INFINITY;
  for (int64_t i = 0; i < reps; ++i) {
    const double t0 = now_s();
    f();
    best = std::min(best, now_s() - t0);
  }
  return best;
}

tdcm_model *create(const std::string &params) {
  tdcm_model *m = nullptr;
  check(tdcm_create(&m, params.c_str()), "create " + params);
  return m;
}

std::string common(const Run &r, int64_t k) {
  return " k=" + std::to_string(k) + " threads=" + std::to_string(r.threads) + " seed=0";
}

// A k-means model whose centroids are the first k rows: the start every peer gets.
tdcm_model *kmeans_at_first_rows(const Run &r, int64_t k, const std::string &extra) {
  tdcm_model *m = create("algo=kmeans" + common(r, k) + extra);
  check(tdcm_set_centroids(m, r.x.data(), k, r.d), "set centroids");
  return m;
}

// --- the machine, measured in this process -----------------------------------

template <class T>
using GemmFn = void (*)(const char *, const char *, const int *, const int *, const int *,
                        const T *, const T *, const int *, const T *, const int *, const T *, T *,
                        const int *);

// GFLOP/s of a large square GEMM (sgemm_, or another type's) on `threads` threads of the
// BLAS LibTorch calls (looked up in the process, as libtdcm does), or NAN where
// the process has no such symbol.
template <class T>
double gemm_peak(const char *symbol, int64_t threads) {
  auto gemm = reinterpret_cast<GemmFn<T>>(dlsym(RTLD_DEFAULT, symbol));
  auto set_threads =
      reinterpret_cast<void (*)(int)>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"));
  auto get_threads = reinterpret_cast<int (*)()>(dlsym(RTLD_DEFAULT, "openblas_get_num_threads"));
  if (gemm == nullptr) return NAN;
  const int before = get_threads != nullptr ? get_threads() : 0;
  if (set_threads != nullptr) set_threads(static_cast<int>(threads));
  const int size = 1536;
  std::vector<T> a(static_cast<size_t>(size) * size, T(0.5)), b = a, c = a;
  const T one = 1, zero = 0;
  const double t = best_of(4, [&] {
    gemm("N", "N", &size, &size, &size, &one, a.data(), &size, b.data(), &size, &zero, c.data(),
         &size);
  });
  // libtdcm sets the count it wants again on its next call.
  if (set_threads != nullptr && before > 0) set_threads(before);
  return 2.0 * size * size * static_cast<double>(size) / t * 1e-9;
}

// GB/s of `threads` threads streaming through 256 MiB (read only, as an assign reads its rows).
double read_bandwidth(int64_t threads) {
  const size_t words = (size_t{256} << 20) / sizeof(uint64_t);
  std::vector<uint64_t> buf(words, 1);
  std::atomic<uint64_t> sink{0};
  const double t = best_of(3, [&] {
    std::vector<std::thread> pool;
    for (int64_t p = 0; p < threads; ++p) {
      pool.emplace_back([&, p] {
        const size_t first = words * p / threads, last = words * (p + 1) / threads;
        uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (size_t i = first; i + 3 < last; i += 4) {
          s0 += buf[i];
          s1 += buf[i + 1];
          s2 += buf[i + 2];
          s3 += buf[i + 3];
        }
        sink += s0 + s1 + s2 + s3;
      });
    }
    for (auto &th : pool) th.join();
  });
  return static_cast<double>(words * sizeof(uint64_t)) / t * 1e-9 + 0.0 * sink.load();
}

// --- the measurements --------------------------------------------------------

// The best of `reps` calls after one warm-up call; `calls` gets every call's
// time in ms, the warm-up's first: a process's first calls can be slower.
template <typename F>
double best_after_warmup(int64_t reps, std::string &calls, F &&f) {
  double t = INFINITY;
  for (int64_t i = 0; i <= reps; ++i) {
    const double t0 = now_s();
    f();
    const double dt = now_s() - t0;
    if (i > 0) t = std::min(t, dt);
    char ms[32];
    std::snprintf(ms, sizeof ms, "%s%.2f", i == 0 ? "" : "/", dt * 1e3);
    calls += ms;
  }
  return t;
}

void kmeans_assign(const Run &r, int64_t k) {
  tdcm_model *m = kmeans_at_first_rows(r, k, "");
  std::vector<int32_t> labels(static_cast<size_t>(r.n));
  std::string calls;
  const double t = best_after_warmup(r.reps, calls, [&] {
    check(tdcm_assign(m, r.x.data(), r.n, r.d, labels.data(), nullptr), "assign");
  });
  // A checksum of the labels, so that the driver can see the peers agree.
  int64_t sum = 0;
  for (int32_t l : labels) sum += l;
  report("assign", r, k, t, "label_sum=" + std::to_string(sum) + " calls_ms=" + calls);
  tdcm_destroy(m);
}

// One Lloyd iteration: the difference of adapts running 1 and 5 iterations
// from the same centroids, so that what an adapt does once (the standardising
// statistics, the final labelling, the target's description) cancels out.
// Not further apart: with tol=0 Lloyd still stops where no centroid moves,
// and these rows converge within ten iterations at some shapes, on every side.
void lloyd_iteration(const Run &r, int64_t k) {
  auto adapt_time = [&](int64_t iterations) {
    tdcm_model *m = kmeans_at_first_rows(r, k, " tol=0 max_iter=" + std::to_string(iterations));
    // Two more tries than an assign gets: a difference of two times is noisier.
    const double t =
        best_of(r.reps + 2, [&] { check(tdcm_adapt(m, r.x.data(), r.n, r.d), "adapt"); });
    tdcm_destroy(m);
    return t;
  };
  const double one = adapt_time(1), five = adapt_time(5);
  report("lloyd", r, k, std::max(0.0, (five - one) / 4.0), "");
}

// TDCM's Gaussian blocks: a default model (n_init=1: one source mixture, as
// only its labelling is timed) fitted and adapted on the first rows (at most
// 20,000), then the labelling of all n rows against the adapted mixture
// (tdcm_predict), and where affordable the whole one-pass assign. Setting up
// k full d x d covariances costs ~k d^2 per row and EM iteration: shapes above
// `setup_max` are skipped.
void tdcm_blocks(const Run &r, int64_t k, double assign_flops, double setup_max) {
  if (static_cast<double>(k * r.d * r.d) > setup_max) {
    report("tdcm_predict", r, k, NAN, "skipped=setup_over_limit");
    report("tdcm_assign", r, k, NAN, "skipped=setup_over_limit");
    return;
  }
  const int64_t fit_rows = std::min<int64_t>(r.n, 20000);
  tdcm_model *m = create("algo=tdcm n_init=1" + common(r, k));
  check(tdcm_fit(m, r.x.data(), fit_rows, r.d, nullptr), "tdcm fit");
  check(tdcm_adapt(m, r.x.data(), fit_rows, r.d), "tdcm adapt");
  int64_t b = 0;
  check(tdcm_get_embed_dim(m, &b), "embed dim");
  std::vector<int32_t> labels(static_cast<size_t>(r.n));
  // The score's products: z [P_1 ... P_k], 2 n b^2 k, in float32.
  const double flops = 2.0 * r.n * b * b * k;
  std::string calls;
  const double t = best_after_warmup(flops > 2e10 ? 1 : r.reps, calls, [&] {
    check(tdcm_predict(m, r.x.data(), r.n, r.d, labels.data(), nullptr), "tdcm predict");
  });
  report(
      "tdcm_predict", r, k, t,
      "b=" + std::to_string(b) + " gflop=" + std::to_string(flops * 1e-9) + " calls_ms=" + calls);
  // One EM iteration of the adaptation costs about twice the labelling; three
  // finalists run up to 100 iterations: skip what would take minutes.
  if (flops <= assign_flops) {
    const double a = best_of(1, [&] {
      check(tdcm_assign(m, r.x.data(), r.n, r.d, labels.data(), nullptr), "tdcm assign");
    });
    report("tdcm_assign", r, k, a, "b=" + std::to_string(b));
  } else {
    report("tdcm_assign", r, k, NAN, "skipped=flops_over_limit");
  }
  tdcm_destroy(m);
}

struct EpochClock {
  double first = 0, second = 0;
};

int on_epoch(const tdcm_progress *p, void *user) {
  auto *clock = static_cast<EpochClock *>(user);
  if (p->epoch == 1) clock->first = p->elapsed_s;
  if (p->epoch == 2) clock->second = p->elapsed_s;
  return p->epoch >= 2 ? 1 : 0;  // two epochs are enough: cancel the rest of the fit
}

// One training epoch of TDCM's encoder (an MLP) over all n rows: the second
// epoch's time, read from the progress callback; the fit is cancelled there.
void tdcm_epoch(const Run &r, int64_t k) {
  tdcm_model *m = create("algo=tdcm encoder=mlp epochs=2" + common(r, k));
  EpochClock clock;
  check(tdcm_set_progress_callback(m, on_epoch, &clock), "progress");
  const tdcm_status s = tdcm_fit(m, r.x.data(), r.n, r.d, nullptr);
  if (s != TDCM_ERR_CANCELLED) check(s, "tdcm fit epochs");
  report("tdcm_epoch", r, k, clock.second - clock.first, "batch=256");
  tdcm_destroy(m);
}

// Latency of small calls on a fitted k-means model and on the default TDCM
// model: one row, 1,000 rows, and tdcm_predict row by row.
void latency(const Run &r, int64_t k) {
  std::vector<int32_t> labels(1000);
  const int64_t rows = std::min<int64_t>(1000, r.n);
  tdcm_model *km = kmeans_at_first_rows(r, k, "");
  check(tdcm_adapt(km, r.x.data(), std::min<int64_t>(r.n, 20000), r.d), "adapt");
  tdcm_model *td = create("algo=tdcm" + common(r, k));
  check(tdcm_fit(td, r.x.data(), std::min<int64_t>(r.n, 20000), r.d, nullptr), "tdcm fit");
  check(tdcm_adapt(td, r.x.data(), std::min<int64_t>(r.n, 20000), r.d), "tdcm adapt");
  auto per_call = [&](int64_t calls, auto &&f) {
    f();  // warm
    return best_of(5,
                   [&] {
                     for (int64_t c = 0; c < calls; ++c) f();
                   }) /
           static_cast<double>(calls);
  };
  const double a1 = per_call(
      200, [&] { check(tdcm_assign(km, r.x.data(), 1, r.d, labels.data(), nullptr), "assign 1"); });
  report("latency_assign_1", r, k, a1, "");
  const double a1000 = per_call(5, [&] {
    check(tdcm_assign(km, r.x.data(), rows, r.d, labels.data(), nullptr), "assign 1000");
  });
  report("latency_assign_1000", r, k, a1000, "");
  const double p1 = per_call(200, [&] {
    check(tdcm_predict(km, r.x.data(), 1, r.d, labels.data(), nullptr), "predict 1");
  });
  report("latency_predict_1", r, k, p1, "");
  const double t1 = per_call(200, [&] {
    check(tdcm_predict(td, r.x.data(), 1, r.d, labels.data(), nullptr), "tdcm predict 1");
  });
  report("latency_tdcm_predict_1", r, k, t1, "");
  const double t1000 = per_call(5, [&] {
    check(tdcm_predict(td, r.x.data(), rows, r.d, labels.data(), nullptr), "tdcm predict 1000");
  });
  report("latency_tdcm_predict_1000", r, k, t1000, "");
  tdcm_destroy(km);
  tdcm_destroy(td);
}

std::vector<int64_t> parse_list(const char *s) {
  std::vector<int64_t> v;
  for (const char *p = s; *p != '\0';) {
    char *end = nullptr;
    v.push_back(std::strtoll(p, &end, 10));
    if (end == p) fail(std::string("not a list of numbers: ") + s);
    p = *end == ',' ? end + 1 : end;
  }
  return v;
}

int usage() {
  std::fprintf(stderr,
               "usage: peers write FILE N D SEED\n"
               "       peers run FILE N D K[,K...] THREADS [--reps R] [--tdcm-assign-flops F]\n"
               "                 [--tdcm-setup-max S] [--latency] [--no-tdcm]\n");
  return 2;
}

}  // namespace

int main(int argc, char **argv) {
  if (argc < 2) return usage();
  const std::string mode = argv[1];
  if (mode == "write" && argc == 6) {
    const int64_t n = std::atoll(argv[3]), d = std::atoll(argv[4]);
    if (n < 1 || d < 1) fail("N and D must be positive");
    const std::vector<float> x = mixture_rows(n, d, std::strtoull(argv[5], nullptr, 10));
    FILE *f = std::fopen(argv[2], "wb");
    if (f == nullptr || std::fwrite(x.data(), sizeof(float), x.size(), f) != x.size() ||
        std::fclose(f) != 0) {
      fail(std::string("cannot write ") + argv[2]);
    }
    return 0;
  }
  if (mode != "run" || argc < 7) return usage();
  Run r;
  r.n = std::atoll(argv[3]);
  r.d = std::atoll(argv[4]);
  const std::vector<int64_t> ks = parse_list(argv[5]);
  r.threads = std::atoll(argv[6]);
  double assign_flops = 2e9, setup_max = 50000;
  bool with_latency = false, with_tdcm = true;
  for (int i = 7; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--reps" && i + 1 < argc) {
      r.reps = std::atoll(argv[++i]);
    } else if (a == "--tdcm-assign-flops" && i + 1 < argc) {
      assign_flops = std::atof(argv[++i]);
    } else if (a == "--tdcm-setup-max" && i + 1 < argc) {
      setup_max = std::atof(argv[++i]);
    } else if (a == "--latency") {
      with_latency = true;
    } else if (a == "--no-tdcm") {
      with_tdcm = false;
    } else {
      return usage();
    }
  }
  if (r.n < 1 || r.d < 1 || r.threads < 1 || r.reps < 1) fail("N, D, THREADS, reps: positive");
  r.x.resize(static_cast<size_t>(r.n * r.d));
  FILE *f = std::fopen(argv[2], "rb");
  if (f == nullptr || std::fread(r.x.data(), sizeof(float), r.x.size(), f) != r.x.size()) {
    fail(std::string("cannot read ") + std::to_string(r.n) + " x " + std::to_string(r.d) +
         " floats from " + argv[2]);
  }
  std::fclose(f);

  // The first call loads and sets up LibTorch: not part of any measurement.
  tdcm_model *warm = kmeans_at_first_rows(r, 1, "");
  tdcm_destroy(warm);
  for (int64_t k : ks) {
    if (k > r.n) fail("k above n");
    kmeans_assign(r, k);
    lloyd_iteration(r, k);
    if (with_tdcm) tdcm_blocks(r, k, assign_flops, setup_max);
  }
  if (with_tdcm) tdcm_epoch(r, ks.front());
  if (with_latency) latency(r, ks.front());
  // The machine last: a multi-threaded GEMM leaves OpenBLAS's own threads
  // spinning for a while, and the library's threads would share the cores with them.
  std::printf(
      "peers libtdcm machine n=%lld d=%lld k=0 threads=%lld ms=0 sgemm_gflops=%.1f "
      "read_gbs=%.1f cpu=\"%s\" blas=\"%s\"\n",
      (long long)r.n, (long long)r.d, (long long)r.threads, gemm_peak<float>("sgemm_", r.threads),
      read_bandwidth(r.threads), bench::cpu_model().c_str(), bench::loaded_blas().c_str());
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  std::printf("peers libtdcm peak_rss n=%lld d=%lld k=0 threads=%lld ms=0 mib=%.1f\n",
              (long long)r.n, (long long)r.d, (long long)r.threads, ru.ru_maxrss / 1024.0);
  return 0;
}
