// Matrix readers and writers for the command line and benchmarks: CSV, .npy
// and IDX (the MNIST / Fashion-MNIST format). Every reader also takes the
// file gzip-compressed (detected by its magic bytes, read through zlib).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tdcm::data {

struct Matrix {
  std::vector<float> x;         // rows x cols, row-major
  std::vector<int32_t> labels;  // rows, when a label column was read; else empty
  int64_t rows = 0;
  int64_t cols = 0;
  // The shape of one row when rows are images, C x H x W (cols = C*H*W, each
  // row flattened row-major); empty for plain rows. A 3-D file (n x H x W)
  // gives {1, H, W}; a 4-D file (n x C x H x W, channels first) gives
  // {C, H, W}; more dimensions are kept as they are (dims 1..).
  std::vector<int64_t> shape;
};

// How unsigned-byte elements (IDX ubyte, .npy uint8) become floats.
enum class Uint8As {
  kRaw,   // 0 .. 255
  kUnit,  // divided by 255, into [0, 1] (protocol P2's pixel scale)
};

struct CsvOptions {
  // -1: no label column; otherwise the 0-based column holding integer labels
  // (removed from x). -2 means the last column.
  int label_column = -1;
  char delimiter = ',';
};

// Header is detected automatically: a first line with any field that is not a
// number is a header. Throws std::runtime_error naming the file and the line
// (and column) on ragged rows, non-numeric fields, an empty file or I/O errors.
Matrix read_csv(const std::string &path, const CsvOptions &options = {});

// .npy version 1.0/2.0/3.0, C order, 1-D (taken as n x 1), 2-D, or 3-D/4-D
// images (see Matrix::shape), dtype float32 or float64 (little-endian) or
// uint8. Throws std::runtime_error naming the file on a bad magic,
// unsupported dtype/order, a truncated body or a size that disagrees with the
// header.
Matrix read_npy(const std::string &path, Uint8As uint8 = Uint8As::kRaw);

// IDX (big-endian; element types ubyte, byte, short, int, float, double; any
// number of dimensions >= 1). The first dimension is the rows; the others
// are flattened row-major into cols (3-D and more: Matrix::shape records
// them). A 1-D file of an integer type (e.g. an MNIST idx1 labels file) is
// read as labels: `labels` holds the values, and x the same values as one
// float column. Throws std::runtime_error naming the file and the byte
// offset on a wrong magic, an unsupported element type, a truncated header
// or body, bytes beyond the size the header gives, or an empty shape.
Matrix read_idx(const std::string &path, Uint8As uint8 = Uint8As::kRaw);

// Chooses by name, then by content, ignoring a ".gz" suffix: ".npy" ->
// read_npy; a name ending in "ubyte" or ".idx", or with "idx" and a digit
// (e.g. "train-images-idx3-ubyte.gz") -> read_idx; otherwise the file's
// magic bytes pick .npy or IDX, and anything else is read as CSV.
Matrix read_matrix(const std::string &path, const CsvOptions &options = {},
                   Uint8As uint8 = Uint8As::kRaw);

// Writes labels one per line, or with probs (rows x k) "label,p0,...,pk-1",
// with a header line. Throws std::runtime_error on I/O errors.
void write_labels_csv(const std::string &path, const int32_t *labels, const float *probs,
                      int64_t rows, int64_t k);

// Writes a float matrix (and optional data-set id and label columns, last) as
// CSV with a header "x0,...,x{d-1}[,set][,label]".
void write_matrix_csv(const std::string &path, const float *x, const int32_t *labels, int64_t rows,
                      int64_t cols, const int64_t *set_ids = nullptr);

}  // namespace tdcm::data
