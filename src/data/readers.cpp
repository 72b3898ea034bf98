// CSV and .npy matrix readers and CSV writers.
//
// Numbers are parsed and printed with std::from_chars / std::to_chars, which
// ignore the C locale, so a program that calls setlocale() still reads and
// writes "1.5" rather than "1,5". Floats are printed in their shortest form
// that reads back to the same float.
#include "data/readers.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <system_error>

namespace tdcm::data {
namespace {

[[noreturn]] void fail(const std::string &path, const std::string &what) {
  throw std::runtime_error(path + ": " + what);
}

std::string read_file(const std::string &path, const char *who) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, std::string(who) + ": cannot open file: " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) fail(path, std::string(who) + ": read error");
  return ss.str();
}

// ----------------------------------------------------------------------------
// CSV

std::string_view trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r')) --e;
  s = s.substr(b, e - b);
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return s;
}

bool is_blank(std::string_view line) {
  return std::all_of(line.begin(), line.end(),
                     [](char c) { return c == ' ' || c == '\t' || c == '\r'; });
}

enum class NumStatus { kOk, kNotANumber, kOutOfRange };

// Parses the whole field as a decimal floating-point number; also accepts a
// leading '+', and "nan"/"inf"/"infinity" in any case with an optional sign.
NumStatus parse_number(std::string_view s, double &out) {
  if (!s.empty() && s.front() == '+') {
    s.remove_prefix(1);
    if (!s.empty() && (s.front() == '-' || s.front() == '+')) return NumStatus::kNotANumber;
  }
  if (s.empty()) return NumStatus::kNotANumber;
  const char *first = s.data();
  const char *last = s.data() + s.size();
  const auto res = std::from_chars(first, last, out, std::chars_format::general);
  if (res.ptr != last) return NumStatus::kNotANumber;
  if (res.ec == std::errc::result_out_of_range) {
    // Beyond double's range: underflow becomes a signed zero, overflow an
    // infinity (which the library rejects with its own message, like "inf").
    long double wide = 0.0L;
    const auto wres = std::from_chars(first, last, wide, std::chars_format::general);
    const bool negative = s.front() == '-';
    bool overflow = false;
    if (wres.ec == std::errc() && wres.ptr == last) {
      overflow = std::fabs(wide) > 1.0L;
    } else {
      const size_t epos = s.find_first_of("eE");
      overflow = epos == std::string_view::npos || s.substr(epos + 1).find('-') != 0;
    }
    const double mag = overflow ? std::numeric_limits<double>::infinity() : 0.0;
    out = negative ? -mag : mag;
    return NumStatus::kOk;
  }
  if (res.ec != std::errc()) return NumStatus::kNotANumber;
  return NumStatus::kOk;
}

// double -> float without the undefined behaviour of an out-of-range cast:
// finite values that would round beyond float's range become infinities.
// 0x1.ffffffp127 is FLT_MAX plus half an ulp, the first value that rounds to
// infinity (so "3.4028235e+38", the shortest text of FLT_MAX, stays finite).
float to_float(double v) {
  if (std::isfinite(v) && std::fabs(v) >= 0x1.ffffffp127) {
    return v > 0 ? std::numeric_limits<float>::infinity() : -std::numeric_limits<float>::infinity();
  }
  return static_cast<float>(v);
}

void split(std::string_view line, char delim, std::vector<std::string_view> &fields) {
  fields.clear();
  size_t start = 0;
  for (;;) {
    const size_t pos = line.find(delim, start);
    if (pos == std::string_view::npos) {
      fields.push_back(trim(line.substr(start)));
      return;
    }
    fields.push_back(trim(line.substr(start, pos - start)));
    start = pos + 1;
  }
}

std::string where(int64_t line, size_t column) {
  return "line " + std::to_string(line) + ", column " + std::to_string(column + 1);
}

std::string quoted(std::string_view s) {
  constexpr size_t kMax = 40;
  std::string out = "\"";
  out.append(s.substr(0, kMax));
  if (s.size() > kMax) out += "...";
  out += "\"";
  return out;
}

// ----------------------------------------------------------------------------
// .npy

uint32_t le32(const unsigned char *p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
}

uint64_t le64(const unsigned char *p) {
  return static_cast<uint64_t>(le32(p)) | (static_cast<uint64_t>(le32(p + 4)) << 32);
}

// Minimal parser for the header's Python dict literal: string keys, values
// that are strings, True/False, or tuples of non-negative integers.
class HeaderParser {
 public:
  HeaderParser(std::string_view text, const std::string &path) : s_(text), path_(path) {}

  void parse(std::string &descr, bool &fortran, std::vector<int64_t> &shape) {
    bool have_descr = false, have_fortran = false, have_shape = false;
    skip_ws();
    expect('{');
    for (;;) {
      skip_ws();
      if (peek() == '}') break;
      const std::string key = string_literal();
      skip_ws();
      expect(':');
      skip_ws();
      if (key == "descr") {
        descr = string_literal();
        have_descr = true;
      } else if (key == "fortran_order") {
        fortran = boolean();
        have_fortran = true;
      } else if (key == "shape") {
        shape = tuple();
        have_shape = true;
      } else {
        skip_value();
      }
      skip_ws();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      skip_ws();
      if (peek() != '}') bad("expected ',' or '}'");
    }
    if (!have_descr || !have_fortran || !have_shape) {
      bad("missing 'descr', 'fortran_order' or 'shape'");
    }
  }

 private:
  [[noreturn]] void bad(const std::string &what) {
    fail(path_, "read_npy: malformed header (" + what + ") in " + quoted(s_));
  }
  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  void skip_ws() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  void expect(char c) {
    if (peek() != c) bad(std::string("expected '") + c + "'");
    ++pos_;
  }
  std::string string_literal() {
    const char q = peek();
    if (q != '\'' && q != '"') bad("expected a string");
    const size_t end = s_.find(q, pos_ + 1);
    if (end == std::string_view::npos) bad("unterminated string");
    std::string out(s_.substr(pos_ + 1, end - pos_ - 1));
    pos_ = end + 1;
    return out;
  }
  bool boolean() {
    if (s_.substr(pos_, 4) == "True") {
      pos_ += 4;
      return true;
    }
    if (s_.substr(pos_, 5) == "False") {
      pos_ += 5;
      return false;
    }
    bad("expected True or False");
  }
  std::vector<int64_t> tuple() {
    std::vector<int64_t> out;
    expect('(');
    for (;;) {
      skip_ws();
      if (peek() == ')') {
        ++pos_;
        return out;
      }
      if (!std::isdigit(static_cast<unsigned char>(peek()))) bad("expected a dimension");
      int64_t v = 0;
      const auto res = std::from_chars(s_.data() + pos_, s_.data() + s_.size(), v);
      if (res.ec != std::errc()) bad("dimension out of range");
      pos_ = static_cast<size_t>(res.ptr - s_.data());
      // Python 2 era files may write long integers as "3L".
      if (peek() == 'L') ++pos_;
      out.push_back(v);
      skip_ws();
      if (peek() == ',') {
        ++pos_;
      } else if (peek() != ')') {
        bad("expected ',' or ')' in shape");
      }
    }
  }
  void skip_value() {
    int depth = 0;
    while (pos_ < s_.size()) {
      const char c = s_[pos_];
      if (c == '\'' || c == '"') {
        string_literal();
        continue;
      }
      if (c == '(' || c == '[' || c == '{') ++depth;
      if (c == ')' || c == ']' || c == '}') {
        if (depth == 0) return;
        --depth;
      }
      if (c == ',' && depth == 0) return;
      ++pos_;
    }
  }

  std::string_view s_;
  const std::string &path_;
  size_t pos_ = 0;
};

bool ends_with_npy(const std::string &path) {
  if (path.size() < 4) return false;
  std::string ext = path.substr(path.size() - 4);
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == ".npy";
}

// ----------------------------------------------------------------------------
// Writers

struct FileCloser {
  void operator()(std::FILE *f) const {
    if (f != nullptr) std::fclose(f);
  }
};

class CsvWriter {
 public:
  explicit CsvWriter(const std::string &path) : path_(path), f_(std::fopen(path.c_str(), "wb")) {
    if (!f_) fail(path_, std::string("cannot open for writing: ") + std::strerror(errno));
    buf_.reserve(1 << 16);
  }
  void put(std::string_view s) {
    buf_.append(s);
    if (buf_.size() >= (1 << 16)) flush();
  }
  void put(char c) { buf_.push_back(c); }
  void put_float(float v) {
    char tmp[64];
    const auto res = std::to_chars(tmp, tmp + sizeof(tmp), v);
    put(std::string_view(tmp, static_cast<size_t>(res.ptr - tmp)));
  }
  void put_int(int64_t v) {
    char tmp[32];
    const auto res = std::to_chars(tmp, tmp + sizeof(tmp), v);
    put(std::string_view(tmp, static_cast<size_t>(res.ptr - tmp)));
  }
  void close() {
    flush();
    std::FILE *f = f_.release();
    if (std::fclose(f) != 0) fail(path_, std::string("write error: ") + std::strerror(errno));
  }

 private:
  void flush() {
    if (!buf_.empty() && std::fwrite(buf_.data(), 1, buf_.size(), f_.get()) != buf_.size()) {
      fail(path_, std::string("write error: ") + std::strerror(errno));
    }
    buf_.clear();
  }
  const std::string &path_;
  std::unique_ptr<std::FILE, FileCloser> f_;
  std::string buf_;
};

}  // namespace

Matrix read_csv(const std::string &path, const CsvOptions &options) {
  if (options.label_column < -2) {
    fail(path, "read_csv: invalid label column " + std::to_string(options.label_column));
  }
  const std::string text = read_file(path, "read_csv");
  const std::string_view all(text);

  Matrix m;
  std::vector<std::string_view> fields;
  int64_t ncols = -1;  // fields per line, fixed by the first line
  int64_t label_col = -1;
  int64_t line_no = 0;
  bool first = true;
  size_t start = 0;
  while (start < all.size()) {
    size_t end = all.find('\n', start);
    if (end == std::string_view::npos) end = all.size();
    const std::string_view line = all.substr(start, end - start);
    start = end + 1;
    ++line_no;
    if (is_blank(line)) continue;  // blank lines (e.g. trailing ones) are skipped
    split(line, options.delimiter, fields);
    const int64_t nf = static_cast<int64_t>(fields.size());
    if (first) {
      first = false;
      ncols = nf;
      if (options.label_column == -2) {
        label_col = ncols - 1;
      } else if (options.label_column >= 0) {
        if (options.label_column >= ncols) {
          fail(path, "read_csv: line " + std::to_string(line_no) + ": label column " +
                         std::to_string(options.label_column) + " out of range for " +
                         std::to_string(ncols) + " columns");
        }
        label_col = options.label_column;
      }
      m.cols = ncols - (label_col >= 0 ? 1 : 0);
      if (m.cols < 1) {
        fail(path, "read_csv: line " + std::to_string(line_no) +
                       ": no feature columns besides the label column");
      }
      double dummy = 0.0;
      const bool header = std::any_of(fields.begin(), fields.end(), [&](std::string_view f) {
        return parse_number(f, dummy) != NumStatus::kOk;
      });
      if (header) continue;
    } else if (nf != ncols) {
      fail(path, "read_csv: line " + std::to_string(line_no) + ": expected " +
                     std::to_string(ncols) + " fields, found " + std::to_string(nf) +
                     " (ragged row)");
    }
    for (int64_t c = 0; c < nf; ++c) {
      const std::string_view f = fields[static_cast<size_t>(c)];
      double v = 0.0;
      const NumStatus st = parse_number(f, v);
      if (st != NumStatus::kOk) {
        fail(path, "read_csv: " + where(line_no, static_cast<size_t>(c)) +
                       ": not a number: " + quoted(f));
      }
      if (c == label_col) {
        if (!(v >= std::numeric_limits<int32_t>::min() &&
              v <= std::numeric_limits<int32_t>::max() && v == std::floor(v))) {
          fail(path, "read_csv: " + where(line_no, static_cast<size_t>(c)) +
                         ": label is not a 32-bit integer: " + quoted(f));
        }
        m.labels.push_back(static_cast<int32_t>(v));
      } else {
        m.x.push_back(to_float(v));
      }
    }
    ++m.rows;
  }
  if (first) fail(path, "read_csv: empty file");
  if (m.rows == 0) fail(path, "read_csv: no data rows (only a header)");
  return m;
}

Matrix read_npy(const std::string &path) {
  const std::string raw = read_file(path, "read_npy");
  const auto *bytes = reinterpret_cast<const unsigned char *>(raw.data());
  static const unsigned char kMagic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
  if (raw.size() < 10 || std::memcmp(bytes, kMagic, 6) != 0) {
    fail(path, "read_npy: not a .npy file (bad magic)");
  }
  const int major = bytes[6];
  size_t header_len = 0, header_start = 0;
  if (major == 1) {
    header_len = static_cast<size_t>(bytes[8]) | (static_cast<size_t>(bytes[9]) << 8);
    header_start = 10;
  } else if (major == 2 || major == 3) {
    if (raw.size() < 12) fail(path, "read_npy: truncated header");
    header_len = le32(bytes + 8);
    header_start = 12;
  } else {
    fail(path, "read_npy: unsupported format version " + std::to_string(major));
  }
  if (raw.size() - header_start < header_len) fail(path, "read_npy: truncated header");
  const std::string_view header(raw.data() + header_start, header_len);

  std::string descr;
  bool fortran = false;
  std::vector<int64_t> shape;
  HeaderParser(header, path).parse(descr, fortran, shape);

  size_t item = 0;
  enum { kF4, kF8, kU1 } kind;
  if (descr == "<f4") {
    kind = kF4;
    item = 4;
  } else if (descr == "<f8") {
    kind = kF8;
    item = 8;
  } else if (descr == "|u1" || descr == "<u1") {
    kind = kU1;
    item = 1;
  } else {
    fail(path, "read_npy: unsupported dtype '" + descr + "' (supported: '<f4', '<f8', '|u1')");
  }
  if (fortran) fail(path, "read_npy: fortran_order arrays are not supported (need C order)");
  Matrix m;
  if (shape.size() == 1) {
    m.rows = shape[0];
    m.cols = 1;
  } else if (shape.size() == 2) {
    m.rows = shape[0];
    m.cols = shape[1];
  } else {
    fail(path, "read_npy: expected a 1-D or 2-D array, got " + std::to_string(shape.size()) +
                   " dimensions");
  }
  if (m.rows == 0 || m.cols == 0) fail(path, "read_npy: empty array");
  const uint64_t max_elems = std::numeric_limits<uint64_t>::max() / 16;
  if (static_cast<uint64_t>(m.rows) > max_elems / static_cast<uint64_t>(m.cols)) {
    fail(path, "read_npy: shape too large");
  }
  const uint64_t count = static_cast<uint64_t>(m.rows) * static_cast<uint64_t>(m.cols);
  const uint64_t need = count * item;
  const uint64_t have = raw.size() - header_start - header_len;
  if (have < need) {
    fail(path, "read_npy: truncated body: header promises " + std::to_string(need) +
                   " bytes of data, file has " + std::to_string(have));
  }
  if (have > need) {
    fail(path, "read_npy: file has " + std::to_string(have - need) +
                   " bytes beyond the size the header gives");
  }
  const unsigned char *body = bytes + header_start + header_len;
  m.x.resize(static_cast<size_t>(count));
  for (size_t i = 0; i < m.x.size(); ++i) {
    switch (kind) {
      case kF4: {
        const uint32_t bits = le32(body + 4 * i);
        float f;
        std::memcpy(&f, &bits, 4);
        m.x[i] = f;
        break;
      }
      case kF8: {
        const uint64_t bits = le64(body + 8 * i);
        double d;
        std::memcpy(&d, &bits, 8);
        m.x[i] = to_float(d);
        break;
      }
      case kU1:
        m.x[i] = static_cast<float>(body[i]);
        break;
    }
  }
  return m;
}

Matrix read_matrix(const std::string &path, const CsvOptions &options) {
  return ends_with_npy(path) ? read_npy(path) : read_csv(path, options);
}

void write_labels_csv(const std::string &path, const int32_t *labels, const float *probs,
                      int64_t rows, int64_t k) {
  if (rows < 0 || (rows > 0 && labels == nullptr)) {
    throw std::invalid_argument("write_labels_csv: labels is null or rows < 0");
  }
  if (probs != nullptr && k < 1) {
    throw std::invalid_argument("write_labels_csv: k must be >= 1 with probabilities");
  }
  CsvWriter w(path);
  w.put("label");
  if (probs != nullptr) {
    for (int64_t j = 0; j < k; ++j) {
      w.put(",p");
      w.put_int(j);
    }
  }
  w.put('\n');
  for (int64_t i = 0; i < rows; ++i) {
    w.put_int(labels[i]);
    if (probs != nullptr) {
      for (int64_t j = 0; j < k; ++j) {
        w.put(',');
        w.put_float(probs[static_cast<size_t>(i * k + j)]);
      }
    }
    w.put('\n');
  }
  w.close();
}

void write_matrix_csv(const std::string &path, const float *x, const int32_t *labels, int64_t rows,
                      int64_t cols) {
  if (rows < 0 || cols < 1 || (rows > 0 && x == nullptr)) {
    throw std::invalid_argument("write_matrix_csv: x is null, rows < 0 or cols < 1");
  }
  CsvWriter w(path);
  for (int64_t j = 0; j < cols; ++j) {
    if (j > 0) w.put(',');
    w.put('x');
    w.put_int(j);
  }
  if (labels != nullptr) w.put(",label");
  w.put('\n');
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = 0; j < cols; ++j) {
      if (j > 0) w.put(',');
      w.put_float(x[static_cast<size_t>(i * cols + j)]);
    }
    if (labels != nullptr) {
      w.put(',');
      w.put_int(labels[i]);
    }
    w.put('\n');
  }
  w.close();
}

}  // namespace tdcm::data
