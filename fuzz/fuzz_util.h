// Shared by the fuzz targets: the readers and the model loader take a path, so
// each input is written to a file first (one scratch directory per process,
// removed at exit), and a broken invariant stops the run as a finding.
#pragma once

#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace tdcm_fuzz {

// A scratch directory of this process's own, removed with its files at exit.
class Scratch {
 public:
  // In memory (/dev/shm) where there is one: on a disk, writing each input
  // to a file made the readers' targets about 30 times slower.
  Scratch() {
    const char *base = std::getenv("TDCM_FUZZ_TMPDIR");
    if (base == nullptr || *base == '\0')
      base = ::access("/dev/shm", W_OK) == 0 ? "/dev/shm" : nullptr;
    if (base == nullptr) base = std::getenv("TMPDIR");
    dir_ = std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/tdcm_fuzz_XXXXXX";
    if (mkdtemp(dir_.data()) == nullptr) {
      std::perror("tdcm fuzz: mkdtemp");
      std::abort();
    }
  }
  ~Scratch() {
    for (const std::string &f : files_) ::unlink(f.c_str());
    ::rmdir(dir_.c_str());
  }
  Scratch(const Scratch &) = delete;
  Scratch &operator=(const Scratch &) = delete;

  std::string file(const char *name) {
    std::string path = dir_ + "/" + name;
    if (std::find(files_.begin(), files_.end(), path) == files_.end()) files_.push_back(path);
    return path;
  }

 private:
  std::string dir_;
  std::vector<std::string> files_;
};

inline std::string scratch_file(const char *name) {
  static Scratch scratch;
  return scratch.file(name);
}

// A new file each time: truncating one in place is slow on a disk mounted
// with discard.
inline void write_file(const std::string &path, const uint8_t *data, size_t size) {
  ::unlink(path.c_str());
  std::FILE *f = std::fopen(path.c_str(), "wb");
  if (f == nullptr || std::fwrite(data, 1, size, f) != size || std::fclose(f) != 0) {
    std::perror(("tdcm fuzz: cannot write " + path).c_str());
    std::abort();
  }
}

// A violated property is a finding: print it and abort, so libFuzzer keeps the input.
#define TDCM_FUZZ_CHECK(cond)                                                            \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      std::fprintf(stderr, "%s:%d: property violated: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                      \
    }                                                                                    \
  } while (0)

}  // namespace tdcm_fuzz
