// The model-file loader through tdcm_load and tdcm_load_buffer. A mutated file almost never keeps
// a valid checksum, so the harness re-seals it: it writes the payload size and
// the FNV-1a-64 checksum the mutated bytes need, and the parser behind the
// checksum sees the mutation. The checksum's own bytes carry nothing after
// that, so the input's last byte picks the mode: 0xff loads the bytes as they
// are (the size and checksum checks are fuzzed), anything else re-seals them.
//
// The same bytes go through both loaders, which must agree: the same status,
// and for bytes that load, the same parameters and labels. A model that loads
// must answer every getter, label rows when that is cheap enough, save (to a
// file and to a buffer, the same bytes), and load again with the same
// parameters and the same labels.
#include <tdcm/tdcm.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz_util.h"
#include "model_file_util.h"

namespace {

std::vector<uint8_t> sealed(const uint8_t *data, size_t size) {
  std::vector<uint8_t> b(data, data + size);
  if (size > 0 && data[size - 1] != 0xff) tdcm_testing::reseal_model_file(b.data(), b.size());
  return b;
}

std::string params_of(tdcm_model *m) {
  size_t needed = 0;
  TDCM_FUZZ_CHECK(tdcm_get_params(m, nullptr, 0, &needed) == TDCM_ERR_INVALID_ARGUMENT);
  std::string buf(needed, '\0');
  TDCM_FUZZ_CHECK(tdcm_get_params(m, buf.data(), buf.size(), nullptr) == TDCM_OK);
  buf.pop_back();
  return buf;
}

// The value of `key` in canonical parameters ("key=value key=value ...").
double param(const std::string &params, const std::string &key) {
  const size_t at = (" " + params).find(" " + key + "=");
  TDCM_FUZZ_CHECK(at != std::string::npos);
  return std::atof(params.c_str() + at + key.size() + 1);
}

struct Labels {
  tdcm_status status;
  std::vector<int32_t> labels;
  std::vector<float> probs;
};

std::string saved_bytes(tdcm_model *m) {
  size_t needed = 0;
  TDCM_FUZZ_CHECK(tdcm_save_buffer(m, nullptr, 0, &needed) == TDCM_ERR_INVALID_ARGUMENT);
  std::string bytes(needed, '\0');
  TDCM_FUZZ_CHECK(tdcm_save_buffer(m, bytes.data(), bytes.size(), nullptr) == TDCM_OK);
  return bytes;
}

std::string file_bytes(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

Labels assign(tdcm_model *m, const std::vector<float> &x, int64_t n, int64_t d, int64_t k) {
  Labels out{TDCM_OK, std::vector<int32_t>(static_cast<size_t>(n), -1),
             std::vector<float>(static_cast<size_t>(n * k), -1.0f)};
  out.status = tdcm_assign(m, x.data(), n, d, out.labels.data(), out.probs.data());
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const std::vector<uint8_t> file = sealed(data, size);
  const std::string path = tdcm_fuzz::scratch_file("input");
  tdcm_fuzz::write_file(path, file.data(), file.size());
  tdcm_model *m = nullptr;
  const tdcm_status status = tdcm_load(&m, path.c_str());
  tdcm_model *from_buffer = nullptr;
  TDCM_FUZZ_CHECK(tdcm_load_buffer(&from_buffer, file.data(), file.size()) == status);
  if (status != TDCM_OK) {
    TDCM_FUZZ_CHECK(m == nullptr && from_buffer == nullptr);
    TDCM_FUZZ_CHECK(status == TDCM_ERR_BAD_FILE || status == TDCM_ERR_UNSUPPORTED_VERSION);
    TDCM_FUZZ_CHECK(std::strlen(tdcm_last_error()) > 0);
    return 0;
  }
  int64_t k = 0, d = 0, b = 0;
  int fitted = 0, adapted = -1;
  const char *text = nullptr;
  TDCM_FUZZ_CHECK(tdcm_get_k(m, &k) == TDCM_OK && k >= 1);
  TDCM_FUZZ_CHECK(tdcm_get_input_dim(m, &d) == TDCM_OK && d >= 1);
  TDCM_FUZZ_CHECK(tdcm_get_embed_dim(m, &b) == TDCM_OK && b >= 1);
  TDCM_FUZZ_CHECK(tdcm_is_fitted(m, &fitted) == TDCM_OK && fitted == 1);
  TDCM_FUZZ_CHECK(tdcm_is_adapted(m, &adapted) == TDCM_OK && (adapted == 0 || adapted == 1));
  TDCM_FUZZ_CHECK(tdcm_get_algorithm(m, &text) == TDCM_OK && text != nullptr);
  TDCM_FUZZ_CHECK(tdcm_get_device(m, &text) == TDCM_OK && std::strcmp(text, "cpu") == 0);
  const std::string params = params_of(m);
  TDCM_FUZZ_CHECK(params_of(from_buffer) == params);

  // Labelling costs what the file's parameters ask for (up to 10^4 restarts of
  // 10^3 blocks): only cheap models are run, so that each input stays fast.
  const int64_t n = k + 3;
  const double work = static_cast<double>(n) * static_cast<double>(k) *
                      static_cast<double>(d + b * b) * (param(params, "infer_restarts") + 1) *
                      (param(params, "infer_blocks") + param(params, "blocks") + 1);
  const bool label = n * d <= 4096 && k <= 64 && work <= 2e7;
  std::vector<float> x(static_cast<size_t>(label ? n * d : 0));
  for (size_t i = 0; i < x.size(); ++i) x[i] = std::sin(static_cast<float>(i) * 0.7f) * 3.0f;
  Labels first;
  if (label) {
    first = assign(m, x, n, d, k);
    // A loaded model can still refuse a set: k-means++ seeding or init=source
    // may lack what it needs, never more than that.
    TDCM_FUZZ_CHECK(first.status == TDCM_OK || first.status == TDCM_ERR_INVALID_ARGUMENT);
    if (first.status == TDCM_OK) {
      for (int32_t l : first.labels) TDCM_FUZZ_CHECK(l >= 0 && l < k);
    }
    const Labels buffered = assign(from_buffer, x, n, d, k);
    TDCM_FUZZ_CHECK(buffered.status == first.status && buffered.labels == first.labels);
    TDCM_FUZZ_CHECK(std::memcmp(buffered.probs.data(), first.probs.data(),
                                first.probs.size() * sizeof(float)) == 0);
  }
  tdcm_destroy(from_buffer);

  const std::string saved = tdcm_fuzz::scratch_file("saved.tdcm");
  TDCM_FUZZ_CHECK(tdcm_save(m, saved.c_str()) == TDCM_OK);
  TDCM_FUZZ_CHECK(saved_bytes(m) == file_bytes(saved));
  tdcm_model *again = nullptr;
  TDCM_FUZZ_CHECK(tdcm_load(&again, saved.c_str()) == TDCM_OK);
  TDCM_FUZZ_CHECK(params_of(again) == params);
  if (label) {
    const Labels second = assign(again, x, n, d, k);
    TDCM_FUZZ_CHECK(second.status == first.status);
    TDCM_FUZZ_CHECK(second.labels == first.labels);
    TDCM_FUZZ_CHECK(std::memcmp(second.probs.data(), first.probs.data(),
                                first.probs.size() * sizeof(float)) == 0);
  }
  tdcm_destroy(again);
  tdcm_destroy(m);
  return 0;
}
