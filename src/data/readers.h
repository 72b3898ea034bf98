// Matrix readers and writers for the command line and benchmarks: CSV and .npy.
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

// .npy version 1.0/2.0/3.0, C order, 1-D (taken as n x 1) or 2-D, dtype
// float32 or float64 (little-endian) or uint8. Throws std::runtime_error
// naming the file on a bad magic, unsupported dtype/order, a truncated body or
// a size that disagrees with the header.
Matrix read_npy(const std::string &path);

// Chooses by extension: ".npy" -> read_npy, anything else -> read_csv.
Matrix read_matrix(const std::string &path, const CsvOptions &options = {});

// Writes labels one per line, or with probs (rows x k) "label,p0,...,pk-1",
// with a header line. Throws std::runtime_error on I/O errors.
void write_labels_csv(const std::string &path, const int32_t *labels, const float *probs,
                      int64_t rows, int64_t k);

// Writes a float matrix (and optional label column, last) as CSV with a
// header "x0,...,x{d-1}[,label]".
void write_matrix_csv(const std::string &path, const float *x, const int32_t *labels, int64_t rows,
                      int64_t cols);

}  // namespace tdcm::data
