#include "cli/common.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <utility>

#include "cli/args.h"
#include "data/readers.h"

namespace tdcm::cli {

void check(tdcm_status status) {
  if (status == TDCM_OK) return;
  std::string message = tdcm_last_error();
  if (message.empty()) message = tdcm_status_name(status);
  throw LibraryError(status, message);
}

ModelPtr create_model(const std::string &params) {
  tdcm_model *model = nullptr;
  check(tdcm_create(&model, params.c_str()));
  return ModelPtr(model);
}

ModelPtr load_model(const std::string &path) {
  tdcm_model *model = nullptr;
  check(tdcm_load(&model, path.c_str()));
  return ModelPtr(model);
}

int64_t model_k(tdcm_model *model) {
  int64_t k = 0;
  check(tdcm_get_k(model, &k));
  return k;
}

std::string model_params(tdcm_model *model) {
  // Ask with capacity 0 first: the call then fails as "too small" and sets `needed`.
  char probe = '\0';
  size_t needed = 0;
  const tdcm_status status = tdcm_get_params(model, &probe, 0, &needed);
  if (needed == 0) {
    check(status);
    throw LibraryError(TDCM_ERR_INTERNAL, "tdcm_get_params reported a size of 0");
  }
  std::vector<char> buffer(needed);
  check(tdcm_get_params(model, buffer.data(), buffer.size(), &needed));
  return std::string(buffer.data());
}

std::string param_value(const std::string &params, const std::string &key) {
  std::istringstream in(params);
  std::string item;
  while (in >> item) {
    const size_t eq = item.find('=');
    if (eq != std::string::npos && item.compare(0, eq, key) == 0 && eq == key.size()) {
      return item.substr(eq + 1);
    }
  }
  return "";
}

bool library_has_param(const std::string &key) {
  size_t count = 0;
  check(tdcm_param_count(&count));
  for (size_t i = 0; i < count; ++i) {
    tdcm_param_desc desc{};
    check(tdcm_param_info(i, &desc));
    if (desc.name != nullptr && key == desc.name) return true;
  }
  return false;
}

std::string shape_text(const std::vector<int64_t> &shape) {
  std::string out;
  for (const int64_t d : shape) out += (out.empty() ? "" : "x") + std::to_string(d);
  return out;
}

namespace {

// Resolves a column option against the file's column count.
int64_t resolve_column(const std::string &path, const char *what, int column, int64_t cols) {
  if (column == -1) return -1;
  const int64_t index = column == -2 ? cols - 1 : column;
  if (index < 0 || index >= cols) {
    throw std::runtime_error(path + ": " + what + " column " + std::to_string(column) +
                             " is out of range (the file has " + std::to_string(cols) +
                             " columns)");
  }
  return index;
}

// The integer value of a float cell, or throws naming the file and the row.
int64_t integer_cell(const std::string &path, const char *what, float value, int64_t row,
                     int64_t min) {
  if (!std::isfinite(value) || value != std::floor(value) || value < static_cast<float>(min) ||
      std::fabs(value) > 16777216.0f) {
    throw std::runtime_error(path + ": data row " + std::to_string(row + 1) + ": " + what +
                             " value " + strprintf("%g", static_cast<double>(value)) + " is not " +
                             (min >= 0 ? "a non-negative integer" : "an integer"));
  }
  return static_cast<int64_t>(value);
}

}  // namespace

Dataset load_dataset(const std::string &path, int label_column, int set_column) {
  const data::Matrix m = data::read_matrix(path, {}, data::Uint8As::kUnit);
  if (!m.shape.empty() && (label_column != -1 || set_column != -1)) {
    throw std::runtime_error(path + ": holds images (" + shape_text(m.shape) +
                             " per row), which have no label or set column; give the labels "
                             "in a file of their own with --labels");
  }
  const int64_t label = resolve_column(path, "label", label_column, m.cols);
  const int64_t set = resolve_column(path, "set", set_column, m.cols);
  if (label >= 0 && label == set) {
    throw std::runtime_error(path + ": the label and set columns are the same column");
  }
  Dataset ds;
  ds.shape = m.shape;
  ds.n = m.rows;
  ds.d = m.cols - (label >= 0 ? 1 : 0) - (set >= 0 ? 1 : 0);
  if (ds.d < 1) throw std::runtime_error(path + ": no feature columns left");
  if (m.rows < 1) throw std::runtime_error(path + ": no data rows");
  ds.x.reserve(static_cast<size_t>(ds.n * ds.d));
  if (label >= 0) ds.labels.reserve(static_cast<size_t>(ds.n));
  if (set >= 0) ds.set_ids.reserve(static_cast<size_t>(ds.n));
  for (int64_t r = 0; r < m.rows; ++r) {
    const float *row = m.x.data() + r * m.cols;
    for (int64_t c = 0; c < m.cols; ++c) {
      if (c == label) {
        ds.labels.push_back(static_cast<int32_t>(integer_cell(path, "label", row[c], r, 0)));
      } else if (c == set) {
        ds.set_ids.push_back(integer_cell(path, "set", row[c], r, -16777216));
      } else {
        ds.x.push_back(row[c]);
      }
    }
  }
  return ds;
}

std::vector<int32_t> load_labels(const std::string &path) {
  const data::Matrix m = data::read_matrix(path);
  if (!m.shape.empty()) {
    throw std::runtime_error(path + ": holds images (" + shape_text(m.shape) +
                             " per row), not labels");
  }
  if (m.cols < 1 || m.rows < 1) throw std::runtime_error(path + ": no labels");
  std::vector<int32_t> labels(static_cast<size_t>(m.rows));
  for (int64_t r = 0; r < m.rows; ++r) {
    labels[static_cast<size_t>(r)] =
        static_cast<int32_t>(integer_cell(path, "label", m.x[r * m.cols], r, 0));
  }
  return labels;
}

void attach_labels(Dataset &ds, const std::string &labels_path) {
  if (!ds.labels.empty()) throw UsageError("give --label-column or --labels, not both");
  std::vector<int32_t> labels = load_labels(labels_path);
  if (static_cast<int64_t>(labels.size()) != ds.n) {
    throw std::runtime_error(labels_path + " has " + std::to_string(labels.size()) +
                             " labels but the input has " + std::to_string(ds.n) + " rows");
  }
  ds.labels = std::move(labels);
}

tdcm_metrics_result compute_metrics(const std::vector<int32_t> &truth,
                                    const std::vector<int32_t> &pred) {
  if (truth.size() != pred.size()) {
    throw std::runtime_error("the truth has " + std::to_string(truth.size()) +
                             " labels but the prediction " + std::to_string(pred.size()));
  }
  tdcm_metrics_result m{};
  check(tdcm_metrics(truth.data(), pred.data(), static_cast<int64_t>(truth.size()), &m));
  return m;
}

std::string format_metrics(const tdcm_metrics_result &m) {
  return strprintf("NMI %.4f  ARI %.4f  ACC %.4f", m.nmi, m.ari, m.acc);
}

namespace {

template <typename T>
std::string shortest(T v) {
  char buffer[64];
  const auto res = std::to_chars(buffer, buffer + sizeof(buffer), v);
  return std::string(buffer, res.ptr);
}

}  // namespace

std::string shortest_text(float v) { return shortest(v); }
std::string shortest_text(double v) { return shortest(v); }

void write_text(const std::string &path, const std::string &text) {
  if (path.empty()) {
    if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() || std::fflush(stdout)) {
      throw std::runtime_error(std::string("stdout: write error: ") + std::strerror(errno));
    }
    return;
  }
  std::FILE *f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) {
    throw std::runtime_error(path + ": cannot open for writing: " + std::strerror(errno));
  }
  const bool written = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  const int saved = errno;
  if (std::fclose(f) != 0 || !written) {
    throw std::runtime_error(path + ": write error: " + std::strerror(written ? errno : saved));
  }
}

std::string strprintf(const char *format, ...) {
  va_list args;
  va_start(args, format);
  va_list copy;
  va_copy(copy, args);
  const int size = std::vsnprintf(nullptr, 0, format, copy);
  va_end(copy);
  std::string out;
  if (size > 0) {
    out.resize(static_cast<size_t>(size) + 1);
    std::vsnprintf(&out[0], out.size(), format, args);
    out.resize(static_cast<size_t>(size));
  }
  va_end(args);
  return out;
}

size_t display_width(const std::string &s) {
  size_t width = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++width;  // count all but UTF-8 continuation bytes
  }
  return width;
}

std::string pad_right(const std::string &s, size_t width) {
  const size_t w = display_width(s);
  return w >= width ? s : s + std::string(width - w, ' ');
}

void print_table(const std::vector<std::vector<std::string>> &rows) {
  std::vector<size_t> widths;
  for (const auto &row : rows) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (size_t c = 0; c < row.size(); ++c) {
      widths[c] = std::max(widths[c], display_width(row[c]));
    }
  }
  for (const auto &row : rows) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) {
      if (c > 0) line += "  ";
      line += c + 1 < row.size() ? pad_right(row[c], widths[c]) : row[c];
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    std::printf("%s\n", line.c_str());
  }
}

}  // namespace tdcm::cli
