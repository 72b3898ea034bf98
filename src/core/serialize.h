// The model file: self-describing, versioned, checksummed.
//
// Layout (little-endian):
//   magic "TDCMMODL" (8 bytes) | u32 format version | u64 payload bytes |
//   payload | u64 FNV-1a-64 of everything before it
// payload:
//   str library version | str parameters (canonical key=value) | i64 input dim |
//   u32 tensor count | per tensor: str name, u8 dtype (1 = float32), u32 rank,
//   i64 dims[rank], raw data
//   (str = u32 length + bytes)
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace tdcm {

constexpr uint32_t kModelFormatVersion = 1;

struct ModelFile {
  std::string library_version;
  std::string params;
  int64_t input_dim = 0;
  std::vector<std::pair<std::string, at::Tensor>> tensors;  // float32
};

// Writes to a temporary file in the same directory, then renames it over
// `path`. Throws Error(TDCM_ERR_IO) naming the path.
void write_model_file(const std::string &path, const ModelFile &file);

// Throws Error(TDCM_ERR_IO) when unreadable, Error(TDCM_ERR_BAD_FILE) when
// truncated, corrupt or not a model file, Error(TDCM_ERR_UNSUPPORTED_VERSION)
// for a newer format. Tensors come back on the CPU.
ModelFile read_model_file(const std::string &path);

}  // namespace tdcm
