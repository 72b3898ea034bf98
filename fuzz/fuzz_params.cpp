// The parameter parser through tdcm_create: any text gives a model or a
// status with a message, and an accepted one round-trips through its
// canonical form (tdcm_get_params) to the same parameters.
#include <tdcm/tdcm.h>

#include <cstdint>
#include <cstring>
#include <string>

#include "fuzz_util.h"

namespace {

std::string canonical(tdcm_model *m) {
  size_t needed = 0;
  TDCM_FUZZ_CHECK(tdcm_get_params(m, nullptr, 0, &needed) == TDCM_ERR_INVALID_ARGUMENT);
  std::string buf(needed, '\0');
  TDCM_FUZZ_CHECK(tdcm_get_params(m, buf.data(), buf.size(), nullptr) == TDCM_OK);
  TDCM_FUZZ_CHECK(buf.back() == '\0');
  buf.pop_back();
  return buf;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // The C API takes a NUL-terminated string: the text up to the first NUL.
  const std::string text(reinterpret_cast<const char *>(data), size);
  tdcm_model *m = reinterpret_cast<tdcm_model *>(1);
  const tdcm_status status = tdcm_create(&m, text.c_str());
  if (status != TDCM_OK) {
    TDCM_FUZZ_CHECK(m == nullptr);
    TDCM_FUZZ_CHECK(std::strlen(tdcm_last_error()) > 0);
    return 0;
  }
  TDCM_FUZZ_CHECK(m != nullptr);
  const std::string first = canonical(m);
  int64_t k = 0;
  int fitted = -1;
  TDCM_FUZZ_CHECK(tdcm_get_k(m, &k) == TDCM_OK && k >= 1);
  TDCM_FUZZ_CHECK(tdcm_is_fitted(m, &fitted) == TDCM_OK && fitted == 0);
  tdcm_model *again = nullptr;
  TDCM_FUZZ_CHECK(tdcm_create(&again, first.c_str()) == TDCM_OK);
  TDCM_FUZZ_CHECK(canonical(again) == first);
  tdcm_destroy(again);
  tdcm_destroy(m);
  return 0;
}
