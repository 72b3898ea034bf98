// CSV, .npy and IDX matrix readers and CSV writers.
//
// Numbers are parsed and printed with std::from_chars / std::to_chars, which
// ignore the C locale, so a program that calls setlocale() still reads and
// writes "1.5" rather than "1,5". Floats are printed in their shortest form
// that reads back to the same float.
//
// A file that starts with the gzip magic (1f 8b) is decompressed in memory
// with zlib before it is parsed, whatever its name; error offsets then count
// bytes of the decompressed data.
#include "data/readers.h"

#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <climits>
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

uint32_t le32(const unsigned char *p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
}

uint64_t le64(const unsigned char *p) {
  return static_cast<uint64_t>(le32(p)) | (static_cast<uint64_t>(le32(p + 4)) << 32);
}

// ----------------------------------------------------------------------------
// File contents, gunzipped when compressed

// The bytes of a file, decompressed if it was gzip-compressed.
struct FileBytes {
  std::string data;
  bool gzip = false;

  const unsigned char *bytes() const {
    return reinterpret_cast<const unsigned char *>(data.data());
  }
  // "byte 16", or "byte 16 of the decompressed data" for a gzip file.
  std::string at(uint64_t offset) const {
    return "byte " + std::to_string(offset) + (gzip ? " of the decompressed data" : "");
  }
};

struct InflateEnd {
  void operator()(z_stream *zs) const { inflateEnd(zs); }
};

// Decompresses a whole gzip file (one or more members). Throws naming the file
// and the compressed byte offset on corrupt data, a stream that ends before
// its end marker (a truncated file) or bytes after the last member.
std::string gunzip(const std::string &path, const std::string &in, const char *who) {
  const std::string where = std::string(who) + ": gzip: ";
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) fail(path, where + "cannot initialise zlib");
  const std::unique_ptr<z_stream, InflateEnd> guard(&zs);
  std::string out;
  // The last four bytes hold the (last member's) size mod 2^32: a hint only,
  // bounded by deflate's largest ratio so a corrupt trailer cannot ask for
  // gigabytes.
  const auto *raw = reinterpret_cast<const unsigned char *>(in.data());
  if (in.size() >= 18) {
    out.resize(std::min<uint64_t>(le32(raw + in.size() - 4), 1032ull * in.size()) + 1);
  }
  size_t pos = 0, used = 0;
  for (;;) {
    if (used == out.size()) out.resize(std::max<size_t>(2 * out.size(), 1 << 16));
    const size_t in_chunk = std::min<size_t>(in.size() - pos, UINT_MAX);
    const size_t out_chunk = std::min<size_t>(out.size() - used, UINT_MAX);
    zs.next_in = const_cast<Bytef *>(raw + pos);
    zs.avail_in = static_cast<uInt>(in_chunk);
    zs.next_out = reinterpret_cast<Bytef *>(&out[used]);
    zs.avail_out = static_cast<uInt>(out_chunk);
    const int rc = inflate(&zs, Z_NO_FLUSH);
    pos += in_chunk - zs.avail_in;
    used += out_chunk - zs.avail_out;
    if (rc == Z_STREAM_END) {
      if (pos == in.size()) break;
      if (in.size() - pos >= 2 && raw[pos] == 0x1f && raw[pos + 1] == 0x8b) {
        inflateReset(&zs);  // a further member, as `cat a.gz b.gz` makes
        continue;
      }
      fail(path, where + std::to_string(in.size() - pos) +
                     " bytes of trailing garbage after the compressed data, from compressed byte " +
                     std::to_string(pos));
    }
    if (rc == Z_OK || rc == Z_BUF_ERROR) {
      if (pos == in.size() && zs.avail_out > 0) {
        fail(path, where + "truncated: the compressed data ends at byte " + std::to_string(pos) +
                       " before its end marker (" + std::to_string(used) +
                       " bytes decompressed so far)");
      }
      continue;
    }
    if (rc == Z_MEM_ERROR) throw std::bad_alloc();
    fail(path, where + "corrupt data near compressed byte " + std::to_string(pos) + ": " +
                   (zs.msg != nullptr ? zs.msg : "inflate failed"));
  }
  out.resize(used);
  return out;
}

FileBytes read_file(const std::string &path, const char *who) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, std::string(who) + ": cannot open file: " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) fail(path, std::string(who) + ": read error");
  FileBytes f;
  f.data = ss.str();
  if (f.data.size() >= 2 && f.bytes()[0] == 0x1f && f.bytes()[1] == 0x8b) {
    f.data = gunzip(path, f.data, who);
    f.gzip = true;
  }
  return f;
}

// Rows, cols and the image shape of an array of `dims` (dims[0] = rows), or
// throws if it is empty or too large. Returns the element count.
uint64_t set_dims(const std::string &path, const std::string &who, const std::vector<int64_t> &dims,
                  Matrix &m) {
  if (dims.empty()) fail(path, who + ": a 0-dimensional array has no rows");
  uint64_t count = 1;
  for (size_t i = 0; i < dims.size(); ++i) {
    if (dims[i] == 0) fail(path, who + ": empty array (dimension " + std::to_string(i) + " is 0)");
    // Bounded so that count * (element size <= 8) * 2 never overflows.
    if (static_cast<uint64_t>(dims[i]) > (uint64_t{1} << 59) / count) {
      fail(path, who + ": shape too large");
    }
    count *= static_cast<uint64_t>(dims[i]);
  }
  m.rows = dims[0];
  m.cols = static_cast<int64_t>(count / static_cast<uint64_t>(dims[0]));
  m.shape.clear();
  if (dims.size() == 3) {
    m.shape = {1, dims[1], dims[2]};
  } else if (dims.size() > 3) {
    m.shape.assign(dims.begin() + 1, dims.end());
  }
  return count;
}

std::string dims_text(const std::vector<int64_t> &dims) {
  std::string out;
  for (const int64_t d : dims) out += (out.empty() ? "" : " x ") + std::to_string(d);
  return out;
}

float uint8_value(unsigned char v, Uint8As uint8) {
  return uint8 == Uint8As::kUnit ? static_cast<float>(v) / 255.0f : static_cast<float>(v);
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

const unsigned char kNpyMagic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};

// ----------------------------------------------------------------------------
// IDX

struct IdxType {
  unsigned char code;
  const char *name;
  size_t size;
};

// The IDX element types: code (byte 2 of the magic), name, size in bytes.
constexpr IdxType kIdxTypes[] = {{0x08, "ubyte", 1}, {0x09, "byte", 1},  {0x0b, "short", 2},
                                 {0x0c, "int", 4},   {0x0d, "float", 4}, {0x0e, "double", 8}};

const IdxType *idx_type(unsigned char code) {
  for (const IdxType &t : kIdxTypes) {
    if (t.code == code) return &t;
  }
  return nullptr;
}

uint32_t be32(const unsigned char *p) {
  return (static_cast<uint32_t>(p[0]) << 24) | (static_cast<uint32_t>(p[1]) << 16) |
         (static_cast<uint32_t>(p[2]) << 8) | static_cast<uint32_t>(p[3]);
}

// Element i of an IDX body of an integer type (ubyte, byte, short, int).
int32_t idx_int(const unsigned char *p, unsigned char code, uint64_t i) {
  switch (code) {
    case 0x08:
      return p[i];
    case 0x09:
      return static_cast<int8_t>(p[i]);
    case 0x0b:
      return static_cast<int16_t>(static_cast<uint16_t>((p[2 * i] << 8) | p[2 * i + 1]));
    default:
      return static_cast<int32_t>(be32(p + 4 * i));
  }
}

std::string hex_byte(unsigned char b) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02x", b);
  return buf;
}

Matrix parse_idx(const std::string &path, const FileBytes &f, Uint8As uint8) {
  const std::string who = "read_idx";
  const unsigned char *b = f.bytes();
  const uint64_t size = f.data.size();
  if (size < 4) {
    fail(path, who + ": truncated: the 4-byte magic at " + f.at(0) +
                   " needs 4 bytes, the file has " + std::to_string(size));
  }
  if (b[0] != 0 || b[1] != 0) {
    fail(path, who + ": wrong magic " + hex_byte(b[0]) + " " + hex_byte(b[1]) + " at " + f.at(0) +
                   " (an IDX file starts with two zero bytes)");
  }
  const IdxType *type = idx_type(b[2]);
  if (type == nullptr) {
    fail(path, who + ": unsupported element type " + hex_byte(b[2]) + " at " + f.at(2) +
                   " (supported: 0x08 ubyte, 0x09 byte, 0x0b short, 0x0c int, 0x0d float, "
                   "0x0e double)");
  }
  const unsigned ndims = b[3];
  if (ndims == 0) fail(path, who + ": 0 dimensions at " + f.at(3));
  const uint64_t body = 4 + 4 * uint64_t{ndims};
  if (size < body) {
    fail(path, who + ": truncated header: " + std::to_string(ndims) + " dimensions need " +
                   std::to_string(body) + " bytes from " + f.at(0) + ", the file has " +
                   std::to_string(size));
  }
  std::vector<int64_t> dims(ndims);
  for (unsigned i = 0; i < ndims; ++i) dims[i] = be32(b + 4 + 4 * i);
  Matrix m;
  const uint64_t count = set_dims(path, who, dims, m);
  const uint64_t need = count * type->size;
  const uint64_t have = size - body;
  const std::string header = dims_text(dims) + " " + type->name;
  if (have < need) {
    fail(path, who + ": truncated body: the header (" + header + ") promises " +
                   std::to_string(need) + " bytes of data from " + f.at(body) + ", the file has " +
                   std::to_string(have));
  }
  if (have > need) {
    fail(path, who + ": " + std::to_string(have - need) + " bytes beyond the size the header (" +
                   header + ") gives, from " + f.at(body + need));
  }
  const unsigned char *p = b + body;
  m.x.resize(static_cast<size_t>(count));
  float *x = m.x.data();
  if (type->code == 0x08) {
    for (uint64_t i = 0; i < count; ++i) x[i] = uint8_value(p[i], uint8);
  } else if (type->code == 0x0d) {
    for (uint64_t i = 0; i < count; ++i) {
      const uint32_t bits = be32(p + 4 * i);
      std::memcpy(&x[i], &bits, 4);
    }
  } else if (type->code == 0x0e) {
    for (uint64_t i = 0; i < count; ++i) {
      const uint64_t bits = (static_cast<uint64_t>(be32(p + 8 * i)) << 32) | be32(p + 8 * i + 4);
      double d;
      std::memcpy(&d, &bits, 8);
      x[i] = to_float(d);
    }
  } else {
    for (uint64_t i = 0; i < count; ++i) x[i] = static_cast<float>(idx_int(p, type->code, i));
  }
  if (ndims == 1 && type->code <= 0x0c) {
    // A 1-D integer file is labels (an MNIST idx1 file); every value fits int32.
    m.labels.resize(static_cast<size_t>(count));
    for (uint64_t i = 0; i < count; ++i) m.labels[i] = idx_int(p, type->code, i);
  }
  return m;
}

// ----------------------------------------------------------------------------
// Choosing the reader

enum class Format { kUnknown, kCsv, kNpy, kIdx };

bool ends_with(const std::string &s, const char *suffix) {
  const size_t n = std::strlen(suffix);
  return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

// The format the file's name gives, ignoring case and a ".gz" suffix.
Format format_by_name(const std::string &path) {
  std::string name = path.substr(path.find_last_of('/') + 1);
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (ends_with(name, ".gz")) name.resize(name.size() - 3);
  if (ends_with(name, ".npy")) return Format::kNpy;
  if (ends_with(name, "ubyte") || ends_with(name, ".idx")) return Format::kIdx;
  for (size_t i = 0; i + 3 < name.size(); ++i) {
    if (name.compare(i, 3, "idx") == 0 && std::isdigit(static_cast<unsigned char>(name[i + 3]))) {
      return Format::kIdx;
    }
  }
  if (ends_with(name, ".csv")) return Format::kCsv;
  return Format::kUnknown;
}

// The format the (decompressed) content's first bytes give; CSV otherwise.
Format format_by_magic(const FileBytes &f) {
  const unsigned char *b = f.bytes();
  if (f.data.size() >= 6 && std::memcmp(b, kNpyMagic, 6) == 0) return Format::kNpy;
  if (f.data.size() >= 4 && b[0] == 0 && b[1] == 0 && idx_type(b[2]) != nullptr && b[3] > 0) {
    return Format::kIdx;
  }
  return Format::kCsv;
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

Matrix parse_csv(const std::string &path, const FileBytes &f, const CsvOptions &options) {
  if (options.label_column < -2) {
    fail(path, "read_csv: invalid label column " + std::to_string(options.label_column));
  }
  const std::string_view all(f.data);

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

Matrix parse_npy(const std::string &path, const FileBytes &f, Uint8As uint8) {
  const std::string &raw = f.data;
  const unsigned char *bytes = f.bytes();
  if (raw.size() < 10 || std::memcmp(bytes, kNpyMagic, 6) != 0) {
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
  const uint64_t count = set_dims(path, "read_npy", shape, m);
  const uint64_t need = count * item;
  const uint64_t body_start = header_start + header_len;
  const uint64_t have = raw.size() - body_start;
  if (have < need) {
    fail(path, "read_npy: truncated body: header promises " + std::to_string(need) +
                   " bytes of data from " + f.at(body_start) + ", file has " +
                   std::to_string(have));
  }
  if (have > need) {
    fail(path, "read_npy: file has " + std::to_string(have - need) +
                   " bytes beyond the size the header gives, from " + f.at(body_start + need));
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
        m.x[i] = uint8_value(body[i], uint8);
        break;
    }
  }
  return m;
}

}  // namespace

Matrix read_csv(const std::string &path, const CsvOptions &options) {
  return parse_csv(path, read_file(path, "read_csv"), options);
}

Matrix read_npy(const std::string &path, Uint8As uint8) {
  return parse_npy(path, read_file(path, "read_npy"), uint8);
}

Matrix read_idx(const std::string &path, Uint8As uint8) {
  return parse_idx(path, read_file(path, "read_idx"), uint8);
}

Matrix read_matrix(const std::string &path, const CsvOptions &options, Uint8As uint8) {
  const FileBytes f = read_file(path, "read_matrix");
  Format format = format_by_name(path);
  if (format == Format::kUnknown) format = format_by_magic(f);
  switch (format) {
    case Format::kNpy:
      return parse_npy(path, f, uint8);
    case Format::kIdx:
      return parse_idx(path, f, uint8);
    default:
      return parse_csv(path, f, options);
  }
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
                      int64_t cols, const int64_t *set_ids) {
  if (rows < 0 || cols < 1 || (rows > 0 && x == nullptr)) {
    throw std::invalid_argument("write_matrix_csv: x is null, rows < 0 or cols < 1");
  }
  CsvWriter w(path);
  for (int64_t j = 0; j < cols; ++j) {
    if (j > 0) w.put(',');
    w.put('x');
    w.put_int(j);
  }
  if (set_ids != nullptr) w.put(",set");
  if (labels != nullptr) w.put(",label");
  w.put('\n');
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = 0; j < cols; ++j) {
      if (j > 0) w.put(',');
      w.put_float(x[static_cast<size_t>(i * cols + j)]);
    }
    if (set_ids != nullptr) {
      w.put(',');
      w.put_int(set_ids[i]);
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
