// tdcm synth: write a protocol P1 source/target pair as CSV.
#include <cstdio>

#include "cli/commands.h"
#include "cli/common.h"
#include "data/readers.h"

namespace tdcm::cli {

namespace {

const char kUsage[] =
    "Usage: tdcm synth --source OUT1.csv --target OUT2.csv [OPTIONS]\n"
    "\n"
    "Generate a data set pair of protocol P1 (\"synth-drift\"): K Gaussian\n"
    "clusters with random full covariances, and a target whose centers moved.\n"
    "Each file has K*N shuffled rows, the D features then the label in the\n"
    "last column, with a header line.\n"
    "\n"
    "Options:\n"
    "  --source OUT1.csv  where to write the source set\n"
    "  --target OUT2.csv  where to write the target set\n"
    "  --k K              clusters (default 5)\n"
    "  --dim D            dimension (default 2)\n"
    "  --n N              rows per cluster (default 500)\n"
    "  --seed S           generator seed (default 0)\n"
    "  --spread s         center spread: centers ~ N(0, s^2 I) (default 4)\n"
    "  --drift r          drift ratio: target centers move by N(0, (r s)^2 I)\n"
    "                     (default 0.5)\n"
    "  -h, --help         show this help\n";

constexpr int64_t kMaxRows = int64_t{1} << 31;

int run(const Args &args) {
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

}  // namespace

const Command &synth_command() {
  static const Command command{"synth",
                               "generate a protocol P1 source/target pair as CSV",
                               kUsage,
                               {{"source", true},
                                {"target", true},
                                {"k", true},
                                {"dim", true},
                                {"n", true},
                                {"seed", true},
                                {"spread", true},
                                {"drift", true}},
                               &run};
  return command;
}

}  // namespace tdcm::cli
