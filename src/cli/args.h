// Command-line option parsing for the tdcm subcommands.
#pragma once

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace tdcm::cli {

// A mistake in how the command was called (unknown option, missing or
// malformed value); the command exits with status 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct OptionSpec {
  const char *name;  // without the leading "--"
  bool takes_value;
};

// Parses "--name value", "--name=value" and "--flag" options of one
// subcommand; positional arguments are refused. "-h"/"--help" anywhere sets
// help() and skips every other check, so a command can print its usage.
class Args {
 public:
  Args(const std::vector<std::string> &argv, const std::vector<OptionSpec> &specs);

  bool help() const { return help_; }
  bool has(const std::string &name) const { return values_.count(name) != 0; }

  std::string get(const std::string &name, const std::string &fallback = "") const;
  std::string require(const std::string &name) const;
  int64_t get_int(const std::string &name, int64_t fallback, int64_t min, int64_t max) const;
  double get_double(const std::string &name, double fallback) const;

  // A column option "N" (0-based) or "last": -1 when absent, -2 for "last".
  int get_column(const std::string &name) const;

 private:
  bool help_ = false;
  std::map<std::string, std::string> values_;
};

}  // namespace tdcm::cli
