// tdcm: command-line front end of libtdcm, built on the public C API only.
#include <tdcm/tdcm.h>

#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/launch.h"

namespace {

using tdcm::cli::Command;

const std::vector<const Command *> &all_commands() {
  static const std::vector<const Command *> commands = {
      &tdcm::cli::fit_command(),  &tdcm::cli::assign_command(), &tdcm::cli::centroids_command(),
      &tdcm::cli::eval_command(), &tdcm::cli::synth_command(),  &tdcm::cli::demo_command(),
      &tdcm::cli::info_command(), &tdcm::cli::params_command(), &tdcm::cli::launch_command()};
  return commands;
}

const Command *find_command(const std::string &name) {
  for (const Command *command : all_commands()) {
    if (name == command->name) return command;
  }
  return nullptr;
}

void print_main_usage(std::FILE *out) {
  std::fprintf(out,
               "Usage: tdcm COMMAND [OPTIONS]\n"
               "       tdcm --version | --help | help [COMMAND]\n\n"
               "Transferable deep clustering: learn how to cluster on a source data set,\n"
               "then cluster new target data sets in one forward pass.\n\n"
               "Commands:\n");
  for (const Command *command : all_commands()) {
    std::fprintf(out, "  %-10s %s\n", command->name, command->summary);
  }
  std::fprintf(out, "\nRun 'tdcm COMMAND --help' for the options of a command.\n");
}

int usage_error(const std::string &message, const char *command) {
  std::fprintf(stderr, "tdcm: error: %s\n", message.c_str());
  if (command != nullptr) {
    std::fprintf(stderr, "Try 'tdcm %s --help'.\n", command);
  } else {
    std::fprintf(stderr, "Try 'tdcm --help'.\n");
  }
  return 2;
}

int run_command(const Command &command, const std::vector<std::string> &argv) {
  try {
    const tdcm::cli::Args args(argv, command.options);
    if (args.help()) {
      std::fputs(command.usage, stdout);
      return 0;
    }
    return command.run(args);
  } catch (const tdcm::cli::UsageError &e) {
    return usage_error(e.what(), command.name);
  } catch (const std::exception &e) {
    std::fflush(stdout);
    std::fprintf(stderr, "tdcm: error: %s\n", e.what());
    return 1;
  }
}

}  // namespace

int main(int argc, char **argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    print_main_usage(stderr);
    return 2;
  }
  const std::string &first = args[0];
  if (first == "-h" || first == "--help") {
    print_main_usage(stdout);
    return 0;
  }
  if (first == "-V" || first == "--version") {
    std::printf("tdcm %s\n", tdcm_version());
    return 0;
  }
  if (first == "help") {
    if (args.size() == 1) {
      print_main_usage(stdout);
      return 0;
    }
    if (args.size() > 2) return usage_error("'help' takes at most one argument", nullptr);
    const Command *command = find_command(args[1]);
    if (command == nullptr) return usage_error("unknown command '" + args[1] + "'", nullptr);
    // `tdcm help params` prints the parameter table itself.
    if (std::strcmp(command->name, "params") == 0) return run_command(*command, {});
    std::fputs(command->usage, stdout);
    return 0;
  }
  if (first == "launch") {
    try {
      return tdcm::cli::launch_main(std::vector<std::string>(args.begin() + 1, args.end()));
    } catch (const tdcm::cli::UsageError &e) {
      return usage_error(e.what(), "launch");
    } catch (const std::exception &e) {
      std::fprintf(stderr, "tdcm: error: %s\n", e.what());
      return 1;
    }
  }
  const Command *command = find_command(first);
  if (command == nullptr) {
    return usage_error(first.compare(0, 1, "-") == 0 ? "unknown option '" + first + "'"
                                                     : "unknown command '" + first + "'",
                       nullptr);
  }
  return run_command(*command, std::vector<std::string>(args.begin() + 1, args.end()));
}
