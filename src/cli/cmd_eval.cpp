// tdcm eval: score a labelling against ground truth.
#include <cstdio>

#include "cli/commands.h"
#include "cli/common.h"

namespace tdcm::cli {

namespace {

const char kUsage[] =
    "Usage: tdcm eval --truth FILE --pred FILE\n"
    "\n"
    "Print NMI, ARI and ACC of a predicted labelling against the ground truth.\n"
    "Each file is an IDX labels file (e.g. t10k-labels-idx1-ubyte.gz) or a CSV\n"
    "with the integer labels in the first column and an optional header, e.g. a\n"
    "labels file written by 'tdcm assign'.\n"
    "\n"
    "Options:\n"
    "  --truth FILE  ground-truth labels\n"
    "  --pred FILE   predicted labels\n"
    "  -h, --help    show this help\n";

int run(const Args &args) {
  const std::string truth_path = args.require("truth");
  const std::string pred_path = args.require("pred");
  const std::vector<int32_t> truth = load_labels(truth_path);
  const std::vector<int32_t> pred = load_labels(pred_path);
  if (truth.size() != pred.size()) {
    throw std::runtime_error(truth_path + " has " + std::to_string(truth.size()) + " labels but " +
                             pred_path + " has " + std::to_string(pred.size()));
  }
  std::printf("%s\n", format_metrics(compute_metrics(truth, pred)).c_str());
  return 0;
}

}  // namespace

const Command &eval_command() {
  static const Command command{"eval",
                               "score predicted labels against ground truth",
                               kUsage,
                               {{"truth", true}, {"pred", true}},
                               &run};
  return command;
}

}  // namespace tdcm::cli
