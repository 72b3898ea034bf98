// The model file, and the same bytes in memory: self-describing, versioned,
// checksummed.
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
#include <string_view>
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

// The model file's bytes, exactly as write_model_file writes them: a memory
// buffer and a file share this one format, so they share its checks too.
std::string encode_model_file(const ModelFile &file);

// Parses the bytes of a model file. `source` names them in messages (e.g.
// model_file_source(path), or "model buffer"). Throws Error(TDCM_ERR_BAD_FILE)
// when truncated, corrupt or not a model file, and
// Error(TDCM_ERR_UNSUPPORTED_VERSION) for a newer format; every declared size
// is checked against the bytes present before anything is allocated. Tensors
// come back on the CPU, copied out of `bytes`.
ModelFile decode_model_file(std::string_view bytes, const std::string &source);

// How messages name the file at `path`: "model file '<path>'".
std::string model_file_source(const std::string &path);

// encode_model_file, written to a temporary file in the same directory, then
// renamed over `path`. Throws Error(TDCM_ERR_IO) naming the path.
void write_model_file(const std::string &path, const ModelFile &file);

// decode_model_file of the regular file at `path` (only as many bytes as it
// holds); Error(TDCM_ERR_IO) when it cannot be read.
ModelFile read_model_file(const std::string &path);

}  // namespace tdcm
