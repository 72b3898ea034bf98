// tdcm synth: write protocol P1 (a source/target pair) or P3 (sets of one
// family) as CSV.
#include <cstdio>

#include "cli/commands.h"
#include "cli/common.h"
#include "data/readers.h"

namespace tdcm::cli {

namespace {

const char kUsage[] =
    "Usage: tdcm synth --source OUT1.csv --target OUT2.csv [OPTIONS]\n"
    "       tdcm synth --protocol p3 --output OUT.csv [OPTIONS]\n"
    "\n"
    "Generate data of protocol P1 (\"synth-drift\", the default): K Gaussian\n"
    "clusters with random full covariances, and a target whose centers moved;\n"
    "each file has K*N shuffled rows, the D features then the label in the\n"
    "last column, with a header line. Or of protocol P3 (\"synth-structured\"):\n"
    "--sets data sets of one family, which share a within-cluster covariance\n"
    "(S signal directions, D - S nuisance directions of variance v); the sets\n"
    "have seeds --seed, --seed + 1, ...; with more than one set the column\n"
    "before the label holds each row's set seed (fit with --set-column).\n"
    "\n"
    "Options:\n"
    "  --protocol p1|p3   which protocol (default p1)\n"
    "  --source OUT1.csv  p1: where to write the source set\n"
    "  --target OUT2.csv  p1: where to write the target set\n"
    "  --output OUT.csv   p3: where to write the sets\n"
    "  --k K              clusters (default 5)\n"
    "  --dim D            dimension (default p1 2, p3 32)\n"
    "  --n N              rows per cluster (default p1 500, p3 40)\n"
    "  --seed S           generator seed (p3: of the first set; default 0)\n"
    "  --spread s         center spread (default p1 4, p3 3)\n"
    "  --drift r          p1: drift ratio: target centers move by N(0, (r s)^2 I)\n"
    "                     (default 0.5)\n"
    "  --sets M           p3: how many sets (default 1)\n"
    "  --signal S         p3: signal directions (default 4)\n"
    "  --nuisance v       p3: nuisance variance (default 9)\n"
    "  --family F         p3: family seed (default 7)\n"
    "  -h, --help         show this help\n";

constexpr int64_t kMaxRows = int64_t{1} << 31;

int run_p1(const Args &args) {
  const std::string source_path = args.require("source");
  const std::string target_path = args.require("target");
  const int64_t k = args.get_int("k", 5, 1, kMaxRows);
  const int64_t d = args.get_int("dim", 2, 1, kMaxRows);
  const int64_t n = args.get_int("n", 500, 1, kMaxRows);
  const int64_t seed = args.get_int("seed", 0, 0, INT64_MAX);
  const double spread = args.get_double("spread", 4.0);
  const double drift = args.get_double("drift", 0.5);
  if (k * n > kMaxRows || k * n * d > kMaxRows) {
    throw UsageError("--k * --n * --dim is too large (at most 2^31 values)");
  }

  const int64_t rows = k * n;
  std::vector<float> source_x(static_cast<size_t>(rows * d)), target_x(source_x.size());
  std::vector<int32_t> source_y(static_cast<size_t>(rows)), target_y(source_y.size());
  check(tdcm_synth_drift(k, d, n, static_cast<uint64_t>(seed), spread, drift, source_x.data(),
                         source_y.data(), target_x.data(), target_y.data()));
  data::write_matrix_csv(source_path, source_x.data(), source_y.data(), rows, d);
  data::write_matrix_csv(target_path, target_x.data(), target_y.data(), rows, d);
  std::printf("wrote %lld rows x %lld columns + label to %s and %s\n", static_cast<long long>(rows),
              static_cast<long long>(d), source_path.c_str(), target_path.c_str());
  return 0;
}

int run_p3(const Args &args) {
  const std::string path = args.require("output");
  const int64_t k = args.get_int("k", 5, 1, kMaxRows);
  const int64_t d = args.get_int("dim", 32, 1, kMaxRows);
  const int64_t n = args.get_int("n", 40, 1, kMaxRows);
  const int64_t seed = args.get_int("seed", 0, 0, INT64_MAX);
  const int64_t sets = args.get_int("sets", 1, 1, kMaxRows);
  const int64_t signal = args.get_int("signal", 4, 1, kMaxRows);
  const int64_t family = args.get_int("family", 7, 0, INT64_MAX);
  const double spread = args.get_double("spread", 3.0);
  const double nuisance = args.get_double("nuisance", 9.0);
  if (k * n > kMaxRows / sets || k * n * sets > kMaxRows / d) {
    throw UsageError("--k * --n * --dim * --sets is too large (at most 2^31 values)");
  }
  if (sets > INT64_MAX - seed) throw UsageError("--seed + --sets overflows");

  const int64_t per_set = k * n;
  const int64_t rows = per_set * sets;
  std::vector<float> x(static_cast<size_t>(rows * d));
  std::vector<int32_t> y(static_cast<size_t>(rows));
  std::vector<int64_t> ids(static_cast<size_t>(rows));
  for (int64_t s = 0; s < sets; ++s) {
    const size_t at = static_cast<size_t>(s * per_set);
    check(tdcm_synth_structured(k, d, signal, nuisance, n, spread, static_cast<uint64_t>(family),
                                static_cast<uint64_t>(seed + s), x.data() + at * d, y.data() + at,
                                nullptr));
    std::fill(ids.begin() + static_cast<ptrdiff_t>(at),
              ids.begin() + static_cast<ptrdiff_t>(at + per_set), seed + s);
  }
  data::write_matrix_csv(path, x.data(), y.data(), rows, d, sets > 1 ? ids.data() : nullptr);
  std::printf("wrote %lld sets of %lld rows x %lld columns%s + label to %s\n",
              static_cast<long long>(sets), static_cast<long long>(per_set),
              static_cast<long long>(d), sets > 1 ? " + set" : "", path.c_str());
  return 0;
}

int run(const Args &args) {
  const std::string protocol = args.get("protocol", "p1");
  if (protocol == "p1") {
    for (const char *option : {"output", "sets", "signal", "nuisance", "family"}) {
      if (args.has(option)) throw UsageError(std::string("--") + option + " needs --protocol p3");
    }
    return run_p1(args);
  }
  if (protocol == "p3") {
    for (const char *option : {"source", "target", "drift"}) {
      if (args.has(option)) throw UsageError(std::string("--") + option + " is for --protocol p1");
    }
    return run_p3(args);
  }
  throw UsageError("--protocol must be p1 or p3 (got '" + protocol + "')");
}

}  // namespace

const Command &synth_command() {
  static const Command command{"synth",
                               "generate protocol P1 (a source/target pair) or P3 data as CSV",
                               kUsage,
                               {{"protocol", true},
                                {"source", true},
                                {"target", true},
                                {"output", true},
                                {"k", true},
                                {"dim", true},
                                {"n", true},
                                {"seed", true},
                                {"spread", true},
                                {"drift", true},
                                {"sets", true},
                                {"signal", true},
                                {"nuisance", true},
                                {"family", true}},
                               &run};
  return command;
}

}  // namespace tdcm::cli
