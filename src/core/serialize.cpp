#include "core/serialize.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>

#include "core/errors.h"

namespace tdcm {
namespace {

constexpr char kMagic[8] = {'T', 'D', 'C', 'M', 'M', 'O', 'D', 'L'};
constexpr uint8_t kFloat32 = 1;
constexpr uint32_t kMaxRank = 8;

uint64_t fnv1a64(std::string_view bytes) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

class Writer {
 public:
  template <typename T>
  void put(T v) {
    out_.append(reinterpret_cast<const char *>(&v), sizeof v);
  }
  void str(const std::string &s) {
    put(static_cast<uint32_t>(s.size()));
    out_ += s;
  }
  void raw(const void *p, size_t n) { out_.append(static_cast<const char *>(p), n); }
  std::string &bytes() { return out_; }

 private:
  std::string out_;
};

class Reader {
 public:
  Reader(std::string_view bytes, size_t begin, size_t end, const std::string &source)
      : bytes_(bytes), pos_(begin), end_(end), source_(source) {}
  template <typename T>
  T get() {
    T v;
    std::memcpy(&v, take(sizeof v), sizeof v);
    return v;
  }
  std::string str() {
    const uint32_t n = get<uint32_t>();
    return std::string(take(n), n);
  }
  const char *take(size_t n) {
    if (n > end_ - pos_) fail(TDCM_ERR_BAD_FILE, source_ + " is truncated");
    const char *p = bytes_.data() + pos_;
    pos_ += n;
    return p;
  }
  bool done() const { return pos_ == end_; }

 private:
  std::string_view bytes_;
  size_t pos_;
  size_t end_;
  const std::string &source_;
};

[[noreturn]] void io_error(const std::string &what, const std::string &path) {
  fail(TDCM_ERR_IO, what + " '" + path + "': " + std::strerror(errno));
}

// Closes a descriptor on every path out, keeping errno for the message.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    const int saved = errno;
    ::close(fd_);
    errno = saved;
  }
  Fd(const Fd &) = delete;
  Fd &operator=(const Fd &) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// The whole file, as many bytes as it holds. Only a regular file is read: a
// FIFO or a device such as /dev/zero would be read without end.
std::string read_regular_file(const std::string &path) {
  const int raw = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (raw < 0) io_error("cannot open model file", path);
  const Fd fd(raw);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) io_error("cannot read model file", path);
  if (!S_ISREG(st.st_mode)) {
    fail(TDCM_ERR_IO, "cannot read model file '" + path + "': not a regular file");
  }
  std::string bytes(static_cast<size_t>(st.st_size), '\0');
  size_t got = 0;
  while (got < bytes.size()) {
    const ssize_t r = ::read(fd.get(), &bytes[got], bytes.size() - got);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) io_error("cannot read model file", path);
    if (r == 0) break;  // it shrank meanwhile: the checks below see a truncated file
    got += static_cast<size_t>(r);
  }
  bytes.resize(got);
  return bytes;
}

}  // namespace

std::string encode_model_file(const ModelFile &file) {
  Writer payload;
  payload.str(file.library_version);
  payload.str(file.params);
  payload.put(static_cast<int64_t>(file.input_dim));
  payload.put(static_cast<uint32_t>(file.tensors.size()));
  for (const auto &[name, tensor] : file.tensors) {
    const at::Tensor t = tensor.detach().to(at::kCPU, at::kFloat).contiguous();
    payload.str(name);
    payload.put(kFloat32);
    payload.put(static_cast<uint32_t>(t.dim()));
    for (int64_t s : t.sizes()) payload.put(static_cast<int64_t>(s));
    payload.raw(t.data_ptr<float>(), static_cast<size_t>(t.numel()) * sizeof(float));
  }
  Writer whole;
  whole.raw(kMagic, sizeof kMagic);
  whole.put(kModelFormatVersion);
  whole.put(static_cast<uint64_t>(payload.bytes().size()));
  whole.raw(payload.bytes().data(), payload.bytes().size());
  whole.put(fnv1a64(whole.bytes()));
  return std::move(whole.bytes());
}

void write_model_file(const std::string &path, const ModelFile &file) {
  const std::string bytes = encode_model_file(file);

  // Write then rename, so that a good file is never replaced by a partial one.
  std::string tmp = path + ".tmp.XXXXXX";
  const int fd = mkstemp(tmp.data());
  if (fd < 0) io_error("cannot create a temporary file for", path);
  size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t w = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (w < 0) {
      if (errno == EINTR) continue;
      const int saved = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      errno = saved;
      io_error("cannot write", path);
    }
    written += static_cast<size_t>(w);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const int saved = errno;
    ::unlink(tmp.c_str());
    errno = saved;
    io_error("cannot write", path);
  }
  ::chmod(tmp.c_str(), 0644);  // mkstemp creates 0600; a model file is ordinary data
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int saved = errno;
    ::unlink(tmp.c_str());
    errno = saved;
    io_error("cannot replace", path);
  }
}

ModelFile decode_model_file(std::string_view bytes, const std::string &source) {
  constexpr size_t kHeader = sizeof kMagic + sizeof(uint32_t) + sizeof(uint64_t);
  if (bytes.size() < sizeof kMagic || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) {
    fail(TDCM_ERR_BAD_FILE, source + ": not a tdcm model file (bad magic)");
  }
  Reader header(bytes, sizeof kMagic, std::min(bytes.size(), kHeader), source);
  const uint32_t version = header.get<uint32_t>();
  if (version > kModelFormatVersion) {
    fail(TDCM_ERR_UNSUPPORTED_VERSION, source + " has format version " + std::to_string(version) +
                                           "; this library reads up to " +
                                           std::to_string(kModelFormatVersion));
  }
  if (version == 0) fail(TDCM_ERR_BAD_FILE, source + " has format version 0");
  const uint64_t payload_size = header.get<uint64_t>();
  if (payload_size > bytes.size() || bytes.size() - kHeader < sizeof(uint64_t) ||
      payload_size != bytes.size() - kHeader - sizeof(uint64_t)) {
    fail(TDCM_ERR_BAD_FILE, source + " is truncated or has trailing bytes");
  }
  const size_t payload_end = kHeader + static_cast<size_t>(payload_size);
  uint64_t stored = 0;
  std::memcpy(&stored, bytes.data() + payload_end, sizeof stored);
  if (stored != fnv1a64(bytes.substr(0, payload_end))) {
    fail(TDCM_ERR_BAD_FILE, source + " is corrupt (checksum mismatch)");
  }

  Reader r(bytes, kHeader, payload_end, source);
  ModelFile file;
  file.library_version = r.str();
  file.params = r.str();
  file.input_dim = r.get<int64_t>();
  const uint32_t count = r.get<uint32_t>();
  for (uint32_t i = 0; i < count; ++i) {
    std::string name = r.str();
    if (r.get<uint8_t>() != kFloat32) {
      fail(TDCM_ERR_BAD_FILE, source + ": tensor '" + name + "' is not float32");
    }
    const uint32_t rank = r.get<uint32_t>();
    if (rank > kMaxRank) fail(TDCM_ERR_BAD_FILE, source + ": bad tensor rank");
    std::vector<int64_t> dims;
    uint64_t numel = 1;
    for (uint32_t d = 0; d < rank; ++d) {
      const int64_t s = r.get<int64_t>();
      if (s < 0 || (s > 0 && numel > (uint64_t{1} << 40) / static_cast<uint64_t>(s))) {
        fail(TDCM_ERR_BAD_FILE, source + ": bad tensor size");
      }
      numel *= static_cast<uint64_t>(s);
      dims.push_back(s);
    }
    const char *data = r.take(static_cast<size_t>(numel) * sizeof(float));
    // Allocated only now that its bytes are known to be in the file.
    at::Tensor t = at::empty(dims, at::kFloat);
    // An empty tensor has no storage (a null data pointer), which memcpy must not get.
    if (numel > 0)
      std::memcpy(t.data_ptr<float>(), data, static_cast<size_t>(numel) * sizeof(float));
    file.tensors.emplace_back(std::move(name), std::move(t));
  }
  if (!r.done()) fail(TDCM_ERR_BAD_FILE, source + " has unread bytes");
  return file;
}

std::string model_file_source(const std::string &path) { return "model file '" + path + "'"; }

ModelFile read_model_file(const std::string &path) {
  return decode_model_file(read_regular_file(path), model_file_source(path));
}

}  // namespace tdcm
