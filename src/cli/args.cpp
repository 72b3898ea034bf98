#include "cli/args.h"

#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdlib>

namespace tdcm::cli {

namespace {

const OptionSpec *find_spec(const std::vector<OptionSpec> &specs, const std::string &name) {
  for (const OptionSpec &spec : specs) {
    if (name == spec.name) return &spec;
  }
  return nullptr;
}

}  // namespace

Args::Args(const std::vector<std::string> &argv, const std::vector<OptionSpec> &specs) {
  for (const std::string &arg : argv) {
    if (arg == "-h" || arg == "--help") {
      help_ = true;
      return;
    }
  }
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string &arg = argv[i];
    if (arg.size() < 3 || arg.compare(0, 2, "--") != 0) {
      throw UsageError("unexpected argument '" + arg + "'");
    }
    std::string name = arg.substr(2);
    std::string value;
    bool inline_value = false;
    const size_t eq = name.find('=');
    if (eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
      inline_value = true;
    }
    const OptionSpec *spec = find_spec(specs, name);
    if (spec == nullptr) throw UsageError("unknown option '--" + name + "'");
    if (spec->takes_value) {
      if (!inline_value) {
        if (i + 1 >= argv.size()) throw UsageError("option '--" + name + "' needs a value");
        value = argv[++i];
      }
    } else if (inline_value) {
      throw UsageError("option '--" + name + "' takes no value");
    }
    values_[name] = value;
  }
}

std::string Args::get(const std::string &name, const std::string &fallback) const {
  const auto it = values_.find(name);
  return it == values_.end() ? fallback : it->second;
}

std::string Args::require(const std::string &name) const {
  const auto it = values_.find(name);
  if (it == values_.end() || it->second.empty()) {
    throw UsageError("missing required option '--" + name + "'");
  }
  return it->second;
}

int64_t Args::get_int(const std::string &name, int64_t fallback, int64_t min, int64_t max) const {
  const auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  const std::string &text = it->second;
  errno = 0;
  char *end = nullptr;
  const long long value = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno == ERANGE) {
    throw UsageError("option '--" + name + "' wants an integer, not '" + text + "'");
  }
  if (value < min || value > max) {
    throw UsageError("option '--" + name + "' must be in [" + std::to_string(min) + ", " +
                     std::to_string(max) + "], not " + text);
  }
  return value;
}

double Args::get_double(const std::string &name, double fallback) const {
  const auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  const std::string &text = it->second;
  errno = 0;
  char *end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || errno == ERANGE || !std::isfinite(value)) {
    throw UsageError("option '--" + name + "' wants a number, not '" + text + "'");
  }
  return value;
}

int Args::get_column(const std::string &name) const {
  const auto it = values_.find(name);
  if (it == values_.end()) return -1;
  if (it->second == "last") return -2;
  try {
    return static_cast<int>(get_int(name, -1, 0, INT_MAX));
  } catch (const UsageError &) {
    throw UsageError("option '--" + name + "' wants a 0-based column index or 'last', not '" +
                     it->second + "'");
  }
}

}  // namespace tdcm::cli
