// The tdcm subcommands. Each is described by a Command: main() parses its
// options, prints its usage on --help, and runs it.
#pragma once

#include <string>
#include <vector>

#include "cli/args.h"

namespace tdcm::cli {

struct Command {
  const char *name;
  const char *summary;  // one line for `tdcm --help`
  const char *usage;    // full text for `tdcm NAME --help`
  std::vector<OptionSpec> options;
  int (*run)(const Args &args);  // returns the exit status
};

const Command &fit_command();
const Command &assign_command();
const Command &centroids_command();
const Command &eval_command();
const Command &synth_command();
const Command &demo_command();
const Command &info_command();
const Command &params_command();
// Its run is null: main() hands its arguments to launch_main (cli/launch.h).
const Command &launch_command();

}  // namespace tdcm::cli
