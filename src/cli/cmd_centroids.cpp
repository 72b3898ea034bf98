// tdcm centroids: a model's source or adapted centroids as CSV.
#include <cstdio>

#include "cli/commands.h"
#include "cli/common.h"

namespace tdcm::cli {

namespace {

const char kUsage[] =
    "Usage: tdcm centroids --model M [--which source|adapted] [--input FILE]\n"
    "                      [--output OUT.csv]\n"
    "\n"
    "Write a model's centroids as CSV: a header x0,...,x{d-1}, then one row per\n"
    "cluster (row j is cluster j), each value the shortest decimal that reads back\n"
    "as the same float32. A line on stderr says which centroids they are and their\n"
    "space: 'input' (the rows' own coordinates: k-means, gmm, and tdcm with\n"
    "encoder=identity and metric=gaussian, the defaults; 'tdcm fit --centroids'\n"
    "takes them back) or 'embedding' (a learned encoder's output).\n"
    "\n"
    "Options:\n"
    "  --model M              model written by 'tdcm fit'\n"
    "  --which W              source (default): fitted on the source, or given to\n"
    "                         'tdcm fit --centroids'; adapted: adapted to a target\n"
    "  --input FILE           with --which adapted: target rows to adapt to first\n"
    "                         (CSV, .npy or IDX, as 'tdcm assign' reads them);\n"
    "                         without it the adaptation stored in the model is used\n"
    "  --label-column N|last  0-based column of --input that holds labels, not features\n"
    "  --output OUT.csv       where to write them (default: stdout)\n"
    "  -h, --help             show this help\n";

int run(const Args &args) {
  const std::string model_path = args.require("model");
  const std::string which_name = args.get("which", "source");
  if (which_name != "source" && which_name != "adapted") {
    throw UsageError("option '--which' wants 'source' or 'adapted', not '" + which_name + "'");
  }
  const bool adapted = which_name == "adapted";
  if (!adapted && (args.has("input") || args.has("label-column"))) {
    throw UsageError("--input and --label-column are for --which adapted");
  }
  if (args.has("label-column") && !args.has("input")) {
    throw UsageError("--label-column needs --input");
  }
  const std::string output = args.has("output") ? args.require("output") : "";

  ModelPtr model = load_model(model_path);
  if (args.has("input")) {
    const Dataset ds = load_dataset(args.require("input"), args.get_column("label-column"));
    check(tdcm_adapt(model.get(), ds.x.data(), ds.n, ds.d));
  }
  const int64_t k = model_k(model.get());
  int64_t dim = 0;
  int32_t space = TDCM_SPACE_INPUT;
  check(tdcm_get_centroid_dim(model.get(), &dim, &space));
  std::vector<float> c(static_cast<size_t>(k * dim));
  check(tdcm_get_centroids(model.get(), adapted ? TDCM_CENTROIDS_ADAPTED : TDCM_CENTROIDS_SOURCE,
                           c.data(), k, dim));

  // Built as text first so that a failure leaves no half-written file.
  std::string csv;
  for (int64_t j = 0; j < dim; ++j) csv += (j > 0 ? ",x" : "x") + std::to_string(j);
  csv += '\n';
  for (int64_t i = 0; i < k; ++i) {
    for (int64_t j = 0; j < dim; ++j) {
      if (j > 0) csv += ',';
      csv += shortest_text(c[static_cast<size_t>(i * dim + j)]);
    }
    csv += '\n';
  }
  write_text(output, csv);
  std::fprintf(stderr, "%s centroids: k=%lld x %lld columns, %s space%s%s\n", which_name.c_str(),
               static_cast<long long>(k), static_cast<long long>(dim),
               space == TDCM_SPACE_INPUT ? "input" : "embedding", output.empty() ? "" : "; wrote ",
               output.c_str());
  return 0;
}

}  // namespace

const Command &centroids_command() {
  static const Command command{
      "centroids",
      "write a model's source or adapted centroids as CSV",
      kUsage,
      {{"model", true}, {"which", true}, {"input", true}, {"label-column", true}, {"output", true}},
      &run};
  return command;
}

}  // namespace tdcm::cli
