// The envelope of the model file (README, "Model file"), for tests and the
// fuzz target that edit files on purpose: an edited payload is re-sealed
// with the payload size and checksum it needs, so that the loader's parser
// sees the edit instead of the checksum rejecting it.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

namespace tdcm_testing {

// "TDCMMODL", u32 format version, u64 payload bytes; a u64 checksum at the end.
constexpr size_t kModelHeaderBytes = 8 + 4 + 8;
constexpr size_t kModelChecksumBytes = 8;

inline uint64_t fnv1a64(const unsigned char *p, size_t n) {
  uint64_t h = 1469598103934665603ULL;
  for (size_t i = 0; i < n; ++i) {
    h ^= p[i];
    h *= 1099511628211ULL;
  }
  return h;
}

// Rewrites the payload size and the checksum of a whole file in place; a
// buffer too short to hold the envelope is left as it is.
inline void reseal_model_file(unsigned char *bytes, size_t size) {
  if (size < kModelHeaderBytes + kModelChecksumBytes) return;
  const uint64_t payload = size - kModelHeaderBytes - kModelChecksumBytes;
  std::memcpy(bytes + 12, &payload, sizeof payload);
  const uint64_t h = fnv1a64(bytes, size - kModelChecksumBytes);
  std::memcpy(bytes + size - kModelChecksumBytes, &h, sizeof h);
}

inline std::string resealed(std::string bytes) {
  reseal_model_file(reinterpret_cast<unsigned char *>(bytes.data()), bytes.size());
  return bytes;
}

}  // namespace tdcm_testing
