// tdcm assign: cluster a target data set with a fitted model.
#include <cmath>
#include <cstdio>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/distributed.h"
#include "data/readers.h"

namespace tdcm::cli {

namespace {

const char kUsage[] =
    "Usage: tdcm assign --model M --input FILE --output OUT.csv [--report R.json] [OPTIONS]\n"
    "\n"
    "Cluster a target data set with a fitted model: the centroids adapt to the\n"
    "target in one forward pass, then every row is labelled. Writes one label\n"
    "per row (with --probs: the label and the k cluster probabilities), with a\n"
    "header line.\n"
    "\n"
    "Options:\n"
    "  --model M              model written by 'tdcm fit'\n"
    "  --input FILE           target rows: CSV (header optional), .npy or IDX (e.g.\n"
    "                         t10k-images-idx3-ubyte.gz), plain or gzip-compressed;\n"
    "                         bytes (IDX ubyte, .npy uint8) are scaled to [0, 1]\n"
    "  --output OUT.csv       where to write the labels\n"
    "  --probs                also write the soft assignments\n"
    "  --report FILE          also write the per-cluster report as JSON: for each\n"
    "                         target cluster the source cluster it continues, the\n"
    "                         match confidence, its shift in source spreads, its\n"
    "                         size on source and target, and the flags unmatched,\n"
    "                         moved_far and shrank (needs a model fitted on one\n"
    "                         source set)\n"
    "  --label-column N|last  0-based column of integer ground-truth labels: not a\n"
    "                         feature; NMI/ARI/ACC are printed\n"
    "  --labels FILE          ground-truth labels in a file of their own, one per row\n"
    "                         (IDX, e.g. t10k-labels-idx1-ubyte.gz, or the first\n"
    "                         column of a CSV): scores as with --label-column\n"
    "  -h, --help             show this help\n" TDCM_CLI_DISTRIBUTED_USAGE
    "  The adaptation is one over every rank's rows; each rank labels its own, to\n"
    "  --output with {rank} (required with more than one rank); rank 0 writes the\n"
    "  report. Scores are each rank's own rows'.\n";

// A JSON number; JSON has no NaN or Inf, so those become null.
std::string json_number(double v) { return std::isfinite(v) ? shortest_text(v) : "null"; }

const char *json_bool(int32_t flags, int32_t flag) {
  return (flags & flag) != 0 ? "true" : "false";
}

// The report as a JSON array, one object per target cluster, one per line.
std::string report_json(const std::vector<tdcm_cluster_report> &report) {
  std::string out = "[\n";
  for (size_t j = 0; j < report.size(); ++j) {
    const tdcm_cluster_report &r = report[j];
    out += strprintf(
        "  {\"cluster\": %d, \"source_cluster\": %d, \"confidence\": %s, \"shift\": %s, "
        "\"source_size\": %lld, \"target_size\": %lld, \"unmatched\": %s, \"moved_far\": %s, "
        "\"shrank\": %s}%s\n",
        r.cluster, r.source_cluster, json_number(r.confidence).c_str(),
        json_number(r.shift).c_str(), static_cast<long long>(r.source_size),
        static_cast<long long>(r.target_size), json_bool(r.flags, TDCM_CLUSTER_UNMATCHED),
        json_bool(r.flags, TDCM_CLUSTER_MOVED_FAR), json_bool(r.flags, TDCM_CLUSTER_SHRANK),
        j + 1 < report.size() ? "," : "");
  }
  return out + "]\n";
}

// "2 unmatched, 0 moved far, 1 shrank"
std::string flag_counts(const std::vector<tdcm_cluster_report> &report) {
  int unmatched = 0, moved_far = 0, shrank = 0;
  for (const tdcm_cluster_report &r : report) {
    unmatched += (r.flags & TDCM_CLUSTER_UNMATCHED) != 0;
    moved_far += (r.flags & TDCM_CLUSTER_MOVED_FAR) != 0;
    shrank += (r.flags & TDCM_CLUSTER_SHRANK) != 0;
  }
  return strprintf("%d unmatched, %d moved far, %d shrank", unmatched, moved_far, shrank);
}

int run(const Args &args) {
  const std::string model_path = args.require("model");
  const std::string input = args.require("input");
  const std::string output = args.require("output");
  const bool with_probs = args.has("probs");
  const std::string report_path = args.has("report") ? args.require("report") : "";
  const int label_column = args.get_column("label-column");
  if (args.get_int("world-size", 1, 1, 65536) > 1 && !has_rank_placeholder(output)) {
    throw UsageError("--output needs {rank} in a distributed run: each rank writes its rows");
  }
  const Distributed dist = join_group(args);

  ModelPtr model = load_model(model_path);
  use_group(dist, model.get());
  Dataset ds = load_shard(dist, input, label_column);
  if (args.has("labels")) attach_labels(ds, args.require("labels"));
  const int64_t k = model_k(model.get());

  std::vector<int32_t> labels(static_cast<size_t>(ds.n));
  std::vector<float> probs(with_probs ? static_cast<size_t>(ds.n * k) : 0);
  std::vector<tdcm_cluster_report> report(report_path.empty() ? 0 : static_cast<size_t>(k));
  const Stopwatch watch;
  // The report comes from the same pass as the labels, so both describe one adaptation.
  if (report.empty()) {
    check(tdcm_assign(model.get(), ds.x.data(), ds.n, ds.d, labels.data(),
                      with_probs ? probs.data() : nullptr));
  } else {
    check(tdcm_assign_report(model.get(), ds.x.data(), ds.n, ds.d, labels.data(),
                             with_probs ? probs.data() : nullptr, report.data()));
  }
  const double assign_s = watch.seconds();
  const std::string written = rank_path(output, dist.rank);
  data::write_labels_csv(written, labels.data(), with_probs ? probs.data() : nullptr, ds.n, k);

  const std::string whose =
      dist.active() ? strprintf(" (rank %d of %d)", dist.rank, dist.world_size) : "";
  std::printf("assigned %lld rows%s to k=%lld clusters in %.3f s; wrote %s\n",
              static_cast<long long>(ds.n), whose.c_str(), static_cast<long long>(k), assign_s,
              written.c_str());
  if (!report.empty() && dist.rank == 0) {
    write_text(report_path, report_json(report));
    std::printf("report: %s (%s)\n", report_path.c_str(), flag_counts(report).c_str());
  }
  if (!ds.labels.empty()) {
    std::printf("%s\n", format_metrics(compute_metrics(ds.labels, labels)).c_str());
  }
  return 0;
}

}  // namespace

const Command &assign_command() {
  static const Command command{"assign", "cluster a target data set with a fitted model", kUsage,
                               with_distributed_options({{"model", true},
                                                         {"input", true},
                                                         {"output", true},
                                                         {"probs", false},
                                                         {"report", true},
                                                         {"label-column", true},
                                                         {"labels", true}}),
                               &run};
  return command;
}

}  // namespace tdcm::cli
