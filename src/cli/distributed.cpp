#include "cli/distributed.h"

#include <algorithm>

namespace tdcm::cli {

std::vector<OptionSpec> with_distributed_options(std::vector<OptionSpec> options) {
  for (const char *name : {"world-size", "rank", "master", "timeout"}) {
    options.push_back({name, true});
  }
  return options;
}

Distributed join_group(const Args &args) {
  Distributed d;
  d.world_size = static_cast<int32_t>(args.get_int("world-size", 1, 1, 65536));
  if (!args.has("world-size")) {
    for (const char *option : {"rank", "master", "timeout"}) {
      if (args.has(option)) throw UsageError(std::string("--") + option + " needs --world-size");
    }
  }
  d.rank = static_cast<int32_t>(args.get_int("rank", 0, 0, d.world_size - 1));
  if (d.world_size == 1) return d;
  if (!args.has("rank")) throw UsageError("--world-size needs --rank");
  const std::string master = args.require("master");
  const int64_t timeout_s = args.get_int("timeout", 60, 1, 86400);
  tdcm_comm *comm = nullptr;
  check(tdcm_comm_create(&comm, d.rank, d.world_size, master.c_str(),
                         static_cast<int32_t>(timeout_s * 1000)));
  d.comm.reset(comm);
  return d;
}

bool has_rank_placeholder(const std::string &path) {
  return path.find("{rank}") != std::string::npos;
}

std::string rank_path(const std::string &path, int32_t rank) {
  std::string out = path;
  const std::string token = "{rank}";
  for (size_t at = out.find(token); at != std::string::npos; at = out.find(token, at)) {
    out.replace(at, token.size(), std::to_string(rank));
  }
  return out;
}

Dataset load_shard(const Distributed &dist, const std::string &input, int label_column,
                   int set_column) {
  if (has_rank_placeholder(input)) {
    return load_dataset(rank_path(input, dist.rank), label_column, set_column);
  }
  Dataset all = load_dataset(input, label_column, set_column);
  if (dist.world_size == 1) return all;
  const int64_t first = all.n * dist.rank / dist.world_size;
  const int64_t last = all.n * (dist.rank + 1) / dist.world_size;
  Dataset shard;
  shard.n = last - first;
  shard.d = all.d;
  shard.shape = all.shape;
  shard.x.assign(all.x.begin() + first * all.d, all.x.begin() + last * all.d);
  if (!all.labels.empty())
    shard.labels.assign(all.labels.begin() + first, all.labels.begin() + last);
  if (!all.set_ids.empty()) {
    shard.set_ids.assign(all.set_ids.begin() + first, all.set_ids.begin() + last);
  }
  if (shard.n < 1) {
    throw UsageError(input + " has " + std::to_string(all.n) + " rows: too few for " +
                     std::to_string(dist.world_size) + " ranks");
  }
  return shard;
}

void use_group(const Distributed &dist, tdcm_model *model) {
  if (dist.active()) check(tdcm_set_comm(model, dist.comm.get()));
}

}  // namespace tdcm::cli
