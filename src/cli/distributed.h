// The options of a distributed run (tdcm fit / tdcm assign with --world-size),
// and what each rank reads and writes: its shard of the input, and files named
// with {rank}.
#pragma once

#include <tdcm/tdcm.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cli/args.h"
#include "cli/common.h"

namespace tdcm::cli {

// A command's own options and those every distributed command takes.
std::vector<OptionSpec> with_distributed_options(std::vector<OptionSpec> options);
// Their help text, for a command's usage.
#define TDCM_CLI_DISTRIBUTED_USAGE                                                      \
  "\n"                                                                                  \
  "Distributed (one process per rank, e.g. started by 'tdcm launch'):\n"                \
  "  --world-size N         ranks in the run (1: none)\n"                               \
  "  --rank R               this process's rank, in [0, N)\n"                           \
  "  --master HOST:PORT     rendezvous: rank 0 serves a TCPStore on PORT; or\n"         \
  "                         file:PATH, a file every rank can reach (fresh per run)\n"   \
  "  --timeout SECONDS      bound on the rendezvous and each collective (default 60)\n" \
  "  With {rank} in --input each rank reads its own file; else each takes its\n"        \
  "  contiguous share of the file's rows (rank 0 first). Every rank must be given\n"    \
  "  the same options.\n"

struct CommDeleter {
  void operator()(tdcm_comm *comm) const { tdcm_comm_destroy(comm); }
};
using CommPtr = std::unique_ptr<tdcm_comm, CommDeleter>;

struct Distributed {
  int32_t rank = 0;
  int32_t world_size = 1;
  CommPtr comm;  // null for a one-process run
  bool active() const { return comm != nullptr; }
};

// Joins the group the options name (none without --world-size, or with 1);
// throws UsageError for incomplete options, LibraryError when joining fails.
Distributed join_group(const Args &args);

// `path` with "{rank}" replaced by the rank.
std::string rank_path(const std::string &path, int32_t rank);
bool has_rank_placeholder(const std::string &path);

// The input of this rank: with {rank} in --input, its own file, whole; else
// its contiguous share of the rows of the one file (rank 0 first).
Dataset load_shard(const Distributed &dist, const std::string &input, int label_column = -1,
                   int set_column = -1);

// Installs the communicator on the model (nothing for a one-process run).
void use_group(const Distributed &dist, tdcm_model *model);

}  // namespace tdcm::cli
