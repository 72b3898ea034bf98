// tdcm assign: cluster a target data set with a fitted model.
#include <cstdio>

#include "cli/commands.h"
#include "cli/common.h"
#include "data/readers.h"

namespace tdcm::cli {

namespace {

const char kUsage[] =
    "Usage: tdcm assign --model M --input FILE --output OUT.csv [OPTIONS]\n"
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
    "  --label-column N|last  0-based column of integer ground-truth labels: not a\n"
    "                         feature; NMI/ARI/ACC are printed\n"
    "  --labels FILE          ground-truth labels in a file of their own, one per row\n"
    "                         (IDX, e.g. t10k-labels-idx1-ubyte.gz, or the first\n"
    "                         column of a CSV): scores as with --label-column\n"
    "  -h, --help             show this help\n";

int run(const Args &args) {
  const std::string model_path = args.require("model");
  const std::string input = args.require("input");
  const std::string output = args.require("output");
  const bool with_probs = args.has("probs");
  const int label_column = args.get_column("label-column");

  ModelPtr model = load_model(model_path);
  Dataset ds = load_dataset(input, label_column);
  if (args.has("labels")) attach_labels(ds, args.require("labels"));
  const int64_t k = model_k(model.get());

  std::vector<int32_t> labels(static_cast<size_t>(ds.n));
  std::vector<float> probs(with_probs ? static_cast<size_t>(ds.n * k) : 0);
  const Stopwatch watch;
  check(tdcm_assign(model.get(), ds.x.data(), ds.n, ds.d, labels.data(),
                    with_probs ? probs.data() : nullptr));
  const double assign_s = watch.seconds();
  data::write_labels_csv(output, labels.data(), with_probs ? probs.data() : nullptr, ds.n, k);

  std::printf("assigned %lld rows to k=%lld clusters in %.3f s; wrote %s\n",
              static_cast<long long>(ds.n), static_cast<long long>(k), assign_s, output.c_str());
  if (!ds.labels.empty()) {
    std::printf("%s\n", format_metrics(compute_metrics(ds.labels, labels)).c_str());
  }
  return 0;
}

}  // namespace

const Command &assign_command() {
  static const Command command{"assign",
                               "cluster a target data set with a fitted model",
                               kUsage,
                               {{"model", true},
                                {"input", true},
                                {"output", true},
                                {"probs", false},
                                {"label-column", true},
                                {"labels", true}},
                               &run};
  return command;
}

}  // namespace tdcm::cli
