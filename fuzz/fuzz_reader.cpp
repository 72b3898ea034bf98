// The CSV, .npy and IDX readers (plain or gzip-compressed), one target per
// format (TDCM_FUZZ_FORMAT = 1 CSV, 2 NPY, 3 IDX): any bytes give a matrix
// whose sizes agree with each other, or a std::runtime_error naming the file.
#include <cstdint>
#include <stdexcept>
#include <string>

#include "data/readers.h"
#include "fuzz_util.h"

namespace {

using tdcm::data::Matrix;

void check(const Matrix &m) {
  TDCM_FUZZ_CHECK(m.rows >= 1 && m.cols >= 1);
  TDCM_FUZZ_CHECK(m.x.size() == static_cast<uint64_t>(m.rows) * static_cast<uint64_t>(m.cols));
  TDCM_FUZZ_CHECK(m.labels.empty() || m.labels.size() == static_cast<size_t>(m.rows));
  if (!m.shape.empty()) {
    int64_t cols = 1;
    for (int64_t s : m.shape) cols *= s;
    TDCM_FUZZ_CHECK(cols == m.cols);
  }
}

Matrix read(const std::string &path, uint8_t mode) {
#if TDCM_FUZZ_FORMAT == 1
  // The first byte picks the label column: none, the last, or 0 .. 3.
  tdcm::data::CsvOptions options;
  options.label_column = static_cast<int>(mode % 6) - 2;
  options.delimiter = (mode & 0x80) != 0 ? ';' : ',';
  return tdcm::data::read_csv(path, options);
#elif TDCM_FUZZ_FORMAT == 2
  return tdcm::data::read_npy(
      path, (mode & 1) != 0 ? tdcm::data::Uint8As::kUnit : tdcm::data::Uint8As::kRaw);
#elif TDCM_FUZZ_FORMAT == 3
  return tdcm::data::read_idx(
      path, (mode & 1) != 0 ? tdcm::data::Uint8As::kUnit : tdcm::data::Uint8As::kRaw);
#else
#error "TDCM_FUZZ_FORMAT must be 1 (CSV), 2 (NPY) or 3 (IDX)"
#endif
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // The first byte is the reader's options (CSV) or its pixel scale (NPY, IDX);
  // the rest is the file.
  if (size == 0) return 0;
  const std::string path = tdcm_fuzz::scratch_file("input");
  tdcm_fuzz::write_file(path, data + 1, size - 1);
  try {
    check(read(path, data[0]));
  } catch (const std::runtime_error &e) {
    TDCM_FUZZ_CHECK(std::string(e.what()).rfind(path, 0) == 0);  // the message names the file
  }
  return 0;
}
