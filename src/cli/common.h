// Helpers shared by the tdcm subcommands: library calls, data loading, output.
#pragma once

#include <tdcm/tdcm.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace tdcm::cli {

// A failed library call; what() is tdcm_last_error(). The command exits 1.
class LibraryError : public std::runtime_error {
 public:
  LibraryError(tdcm_status status, const std::string &message)
      : std::runtime_error(message), status_(status) {}
  tdcm_status status() const { return status_; }

 private:
  tdcm_status status_;
};

// Throws LibraryError unless status is TDCM_OK.
void check(tdcm_status status);

struct ModelDeleter {
  void operator()(tdcm_model *model) const { tdcm_destroy(model); }
};
using ModelPtr = std::unique_ptr<tdcm_model, ModelDeleter>;

ModelPtr create_model(const std::string &params);
ModelPtr load_model(const std::string &path);
int64_t model_k(tdcm_model *model);
std::string model_params(tdcm_model *model);
// The value of one key in a "key=value key=value" string, or "" if absent.
std::string param_value(const std::string &params, const std::string &key);
// Whether this libtdcm accepts `key` in a parameter string (asked at run
// time through tdcm_param_count / tdcm_param_info).
bool library_has_param(const std::string &key);

// A data matrix with its optional label and data-set id columns pulled out.
struct Dataset {
  std::vector<float> x;  // n x d, row-major
  int64_t n = 0;
  int64_t d = 0;
  std::vector<int32_t> labels;   // n, or empty without a label column
  std::vector<int64_t> set_ids;  // n, or empty without a set column
  std::vector<int64_t> shape;    // C x H x W when the rows are images; else empty
};

// Reads a CSV, .npy or IDX matrix (gzip-compressed or not); unsigned bytes
// (IDX ubyte, .npy uint8: pixels) are scaled to [0, 1]. label_column and
// set_column are 0-based indices into the file's columns, -1 for none or -2
// for the last column; their values must be integers (labels non-negative);
// image files have no such columns. Throws std::runtime_error naming the file.
Dataset load_dataset(const std::string &path, int label_column = -1, int set_column = -1);

// Reads integer labels: an IDX labels file (idx1, e.g.
// t10k-labels-idx1-ubyte.gz), or the first column of a CSV or .npy file
// (an optional header is skipped), e.g. a labels file written by `tdcm
// assign`. Labels must be non-negative.
std::vector<int32_t> load_labels(const std::string &path);

// Sets ds.labels from a labels file (see load_labels), which must hold one
// label per row of ds. Throws UsageError if ds has labels already (from a
// label column).
void attach_labels(Dataset &ds, const std::string &labels_path);

// "1x28x28"
std::string shape_text(const std::vector<int64_t> &shape);

tdcm_metrics_result compute_metrics(const std::vector<int32_t> &truth,
                                    const std::vector<int32_t> &pred);
// "NMI 0.9123  ARI 0.8765  ACC 0.9500"
std::string format_metrics(const tdcm_metrics_result &m);

class Stopwatch {
 public:
  Stopwatch() : start_(std::chrono::steady_clock::now()) {}
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_;
};

// The shortest decimal text that reads back as exactly `v` ("0.1", "1e-07").
std::string shortest_text(float v);
std::string shortest_text(double v);

// Writes `text` to the file `path` (replacing it), or to stdout when `path` is
// empty. Throws std::runtime_error naming the file on I/O errors.
void write_text(const std::string &path, const std::string &text);

// printf into a std::string.
std::string strprintf(const char *format, ...) __attribute__((format(printf, 1, 2)));

// Number of characters (UTF-8 code points) of s, for aligning columns.
size_t display_width(const std::string &s);
// s padded with spaces on the right to `width` characters.
std::string pad_right(const std::string &s, size_t width);

// Prints rows as aligned columns separated by two spaces; the last column is
// not padded.
void print_table(const std::vector<std::vector<std::string>> &rows);

}  // namespace tdcm::cli
