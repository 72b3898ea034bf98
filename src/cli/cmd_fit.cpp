// tdcm fit: train a model on a source data set (or a collection) and save it.
#include <cstdio>
#include <map>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/distributed.h"
#include "cli/progress.h"

namespace tdcm::cli {

namespace {

const char kUsage[] =
    "Usage: tdcm fit --input FILE --model OUT [OPTIONS]\n"
    "       tdcm fit --centroids C.csv --model OUT --params \"algo=kmeans k=K\" [OPTIONS]\n"
    "\n"
    "Fit a model on a source data set, or on a collection of source data sets,\n"
    "and save it. Progress goes to stderr. With --centroids alone the model starts\n"
    "from the given centroids instead of a fit (algo=kmeans, or algo=tdcm with\n"
    "encoder=identity and metric=gaussian); with --input as well it is fitted\n"
    "first, then the given centroids replace the source centroids (the fitted\n"
    "cluster shapes and sizes stay).\n"
    "\n"
    "Options:\n"
    "  --input FILE           source rows: CSV (header optional), .npy or IDX (e.g.\n"
    "                         train-images-idx3-ubyte.gz), plain or gzip-compressed;\n"
    "                         bytes (IDX ubyte, .npy uint8) are scaled to [0, 1]; for\n"
    "                         images the params get input_shape=CxHxW from the file\n"
    "                         unless given (when the library has that key)\n"
    "  --centroids C.csv      k centroids, one per row (CSV with optional header,\n"
    "                         .npy or IDX), in the space 'tdcm centroids' writes:\n"
    "                         input coordinates for the algorithms above; row j\n"
    "                         becomes cluster j\n"
    "  --model OUT            where to write the fitted model\n"
    "  --params \"K=V ...\"     model parameters, e.g. \"k=5 epochs=100\"\n"
    "                         (see 'tdcm params' for every key)\n"
    "  --label-column N|last  0-based column of integer ground-truth labels: not a\n"
    "                         feature; the source NMI/ARI/ACC are printed after the fit\n"
    "  --labels FILE          ground-truth labels in a file of their own, one per row\n"
    "                         (IDX, e.g. train-labels-idx1-ubyte.gz, or the first\n"
    "                         column of a CSV): scores as with --label-column\n"
    "  --set-column N|last    0-based column of integer data-set ids: rows with equal\n"
    "                         ids form one data set of a collection fit\n"
    "  --supervised           the labels also train: a collection fit estimates the\n"
    "                         family metric from them (tdcm_fit_labelled; labels are\n"
    "                         cluster ids within each set)\n"
    "  -h, --help             show this help\n" TDCM_CLI_DISTRIBUTED_USAGE
    "  Every rank fits the same model; rank 0 saves it (each rank, to its own\n"
    "  file, with {rank} in --model). Source scores are each rank's own rows'.\n";

// Row indices of each data set of a collection, by ascending id.
std::map<int64_t, std::vector<int64_t>> rows_by_set(const std::vector<int64_t> &set_ids) {
  std::map<int64_t, std::vector<int64_t>> sets;
  for (size_t r = 0; r < set_ids.size(); ++r) sets[set_ids[r]].push_back(static_cast<int64_t>(r));
  return sets;
}

// Labels every source data set on its own (assign adapts to one domain) and
// prints its scores.
void report_source_scores(tdcm_model *model, const Dataset &ds, const std::string &whose) {
  if (ds.set_ids.empty()) {
    std::vector<int32_t> pred(static_cast<size_t>(ds.n));
    check(tdcm_assign(model, ds.x.data(), ds.n, ds.d, pred.data(), nullptr));
    std::printf("source%s: %s\n", whose.c_str(),
                format_metrics(compute_metrics(ds.labels, pred)).c_str());
    return;
  }
  const auto sets = rows_by_set(ds.set_ids);
  tdcm_metrics_result mean{};
  for (const auto &[id, rows] : sets) {
    const int64_t n = static_cast<int64_t>(rows.size());
    std::vector<float> x;
    std::vector<int32_t> truth;
    x.reserve(rows.size() * static_cast<size_t>(ds.d));
    for (const int64_t r : rows) {
      x.insert(x.end(), ds.x.begin() + r * ds.d, ds.x.begin() + (r + 1) * ds.d);
      truth.push_back(ds.labels[static_cast<size_t>(r)]);
    }
    std::vector<int32_t> pred(rows.size());
    check(tdcm_assign(model, x.data(), n, ds.d, pred.data(), nullptr));
    const tdcm_metrics_result m = compute_metrics(truth, pred);
    std::printf("source set %lld (%lld rows): %s\n", static_cast<long long>(id),
                static_cast<long long>(n), format_metrics(m).c_str());
    mean.nmi += m.nmi / static_cast<double>(sets.size());
    mean.ari += m.ari / static_cast<double>(sets.size());
    mean.acc += m.acc / static_cast<double>(sets.size());
  }
  std::printf("source mean over %zu sets: %s\n", sets.size(), format_metrics(mean).c_str());
}

// fit --centroids without --input: the model is the centroids, no fit.
int run_from_centroids(const Args &args, const std::string &output) {
  for (const char *option : {"label-column", "labels", "set-column", "supervised"}) {
    if (args.has(option)) throw UsageError(std::string("--") + option + " needs --input");
  }
  const std::string path = args.require("centroids");
  const Dataset centroids = load_dataset(path);
  ModelPtr model = create_model(args.get("params"));
  // The library checks the count and width, and its message names what does not fit.
  check(tdcm_set_centroids(model.get(), centroids.x.data(), centroids.n, centroids.d));
  check(tdcm_save(model.get(), output.c_str()));
  const char *algorithm = "";
  check(tdcm_get_algorithm(model.get(), &algorithm));
  std::printf("started %s (k=%lld) from %lld centroids x %lld columns in %s\n", algorithm,
              static_cast<long long>(model_k(model.get())), static_cast<long long>(centroids.n),
              static_cast<long long>(centroids.d), path.c_str());
  std::printf("saved model to %s\n", output.c_str());
  return 0;
}

int run(const Args &args) {
  const std::string output = args.require("model");
  if (args.has("centroids") && !args.has("input")) return run_from_centroids(args, output);
  const std::string input = args.require("input");
  const int label_column = args.get_column("label-column");
  const int set_column = args.get_column("set-column");
  if (args.has("world-size") && set_column != -1) {
    throw UsageError("--set-column: a collection of source sets is fitted by one process");
  }
  const Distributed dist = join_group(args);

  Dataset ds = load_shard(dist, input, label_column, set_column);
  if (args.has("labels")) attach_labels(ds, args.require("labels"));
  // Read before the fit, so that a bad file fails at once.
  const bool replace_centroids = args.has("centroids");
  Dataset centroids;
  if (replace_centroids) centroids = load_dataset(args.require("centroids"));
  std::string params = args.get("params");
  // Images tell an image encoder their shape, if this libtdcm has the key.
  if (ds.shape.size() == 3 && param_value(params, "input_shape").empty() &&
      library_has_param("input_shape")) {
    params += " input_shape=" + shape_text(ds.shape);
  }
  ModelPtr model = create_model(params);
  use_group(dist, model.get());

  FitProgress progress(stderr);
  // One rank reports the progress of all.
  if (dist.rank == 0) {
    check(tdcm_set_progress_callback(model.get(), &FitProgress::callback, &progress));
  }
  const Stopwatch watch;
  const bool supervised = args.has("supervised");
  if (supervised && (ds.labels.empty() || ds.set_ids.empty())) {
    throw UsageError("--supervised needs labels (--label-column or --labels) and --set-column");
  }
  const int64_t *ids = ds.set_ids.empty() ? nullptr : ds.set_ids.data();
  const tdcm_status status =
      supervised ? tdcm_fit_labelled(model.get(), ds.x.data(), ds.n, ds.d, ids, ds.labels.data())
                 : tdcm_fit(model.get(), ds.x.data(), ds.n, ds.d, ids);
  const double fit_s = watch.seconds();
  progress.finish();
  check(status);
  check(tdcm_set_progress_callback(model.get(), nullptr, nullptr));
  if (replace_centroids) {
    check(tdcm_set_centroids(model.get(), centroids.x.data(), centroids.n, centroids.d));
  }
  const bool saves = dist.rank == 0 || has_rank_placeholder(output);
  if (saves) check(tdcm_save(model.get(), rank_path(output, dist.rank).c_str()));

  const char *algorithm = "";
  check(tdcm_get_algorithm(model.get(), &algorithm));
  const std::string whose =
      dist.active() ? strprintf(" (rank %d of %d)", dist.rank, dist.world_size) : "";
  std::string sets;
  if (!ds.shape.empty()) sets = " (" + shape_text(ds.shape) + " images)";
  if (!ds.set_ids.empty()) sets += strprintf(" in %zu data sets", rows_by_set(ds.set_ids).size());
  std::printf("fitted %s (k=%lld) on %lld rows x %lld columns%s%s in %.2f s\n", algorithm,
              static_cast<long long>(model_k(model.get())), static_cast<long long>(ds.n),
              static_cast<long long>(ds.d), sets.c_str(), whose.c_str(), fit_s);
  if (replace_centroids) {
    std::printf("replaced the source centroids with the %lld in %s\n",
                static_cast<long long>(centroids.n), args.require("centroids").c_str());
  }
  if (saves) std::printf("saved model to %s\n", rank_path(output, dist.rank).c_str());
  if (!ds.labels.empty()) report_source_scores(model.get(), ds, whose);
  return 0;
}

}  // namespace

const Command &fit_command() {
  static const Command command{"fit", "fit a model on source data and save it", kUsage,
                               with_distributed_options({{"input", true},
                                                         {"centroids", true},
                                                         {"model", true},
                                                         {"params", true},
                                                         {"label-column", true},
                                                         {"labels", true},
                                                         {"set-column", true},
                                                         {"supervised", false}}),
                               &run};
  return command;
}

}  // namespace tdcm::cli
