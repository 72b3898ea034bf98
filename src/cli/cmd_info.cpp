// tdcm info (describe a model file) and tdcm params (the parameter keys).
#include <cstdio>

#include "cli/commands.h"
#include "cli/common.h"

namespace tdcm::cli {

namespace {

const char kInfoUsage[] =
    "Usage: tdcm info --model M\n"
    "\n"
    "Describe a model file: algorithm, dimensions, device, state and its full\n"
    "parameter string.\n"
    "\n"
    "Options:\n"
    "  --model M   model written by 'tdcm fit'\n"
    "  -h, --help  show this help\n";

const char kParamsUsage[] =
    "Usage: tdcm params\n"
    "       tdcm help params\n"
    "\n"
    "List the model parameters that 'tdcm fit --params \"key=value ...\"' accepts,\n"
    "with their type, default, allowed range and meaning.\n"
    "\n"
    "Options:\n"
    "  -h, --help  show this help\n";

int run_info(const Args &args) {
  const std::string path = args.require("model");
  ModelPtr model = load_model(path);
  tdcm_model *m = model.get();

  const char *algorithm = "";
  const char *device = "";
  int64_t input_dim = 0, embed_dim = 0;
  int fitted = 0, adapted = 0;
  check(tdcm_get_algorithm(m, &algorithm));
  check(tdcm_get_device(m, &device));
  check(tdcm_get_input_dim(m, &input_dim));
  check(tdcm_get_embed_dim(m, &embed_dim));
  check(tdcm_is_fitted(m, &fitted));
  check(tdcm_is_adapted(m, &adapted));

  const std::vector<std::vector<std::string>> rows = {
      {"model:", path},
      {"version:", tdcm_version()},
      {"algorithm:", algorithm},
      {"k:", std::to_string(model_k(m))},
      {"input dim:", std::to_string(input_dim)},
      {"embed dim:", std::to_string(embed_dim)},
      {"device:", device},
      {"fitted:", fitted ? "yes" : "no"},
      {"adapted:", adapted ? "yes" : "no"},
      {"params:", model_params(m)},
  };
  print_table(rows);
  return 0;
}

int run_params(const Args &) {
  size_t count = 0;
  check(tdcm_param_count(&count));
  std::vector<std::vector<std::string>> rows = {{"name", "type", "default", "range", "help"}};
  for (size_t i = 0; i < count; ++i) {
    tdcm_param_desc desc{};
    check(tdcm_param_info(i, &desc));
    auto text = [](const char *s) { return std::string(s != nullptr ? s : ""); };
    rows.push_back({text(desc.name), text(desc.type), text(desc.default_value), text(desc.range),
                    text(desc.help)});
  }
  print_table(rows);
  return 0;
}

}  // namespace

const Command &info_command() {
  static const Command command{
      "info", "describe a model file", kInfoUsage, {{"model", true}}, &run_info};
  return command;
}

const Command &params_command() {
  static const Command command{
      "params", "list the model parameters and their defaults", kParamsUsage, {}, &run_params};
  return command;
}

}  // namespace tdcm::cli
