// The model file: bit-exact round trip, every truncation and corruption
// rejected with the right status, and atomic replacement on save.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "core/serialize.h"
#include "core_test_util.h"
#include "model_file_util.h"

namespace {

using tdcm::ModelFile;
using tdcm_test::error_of;
using tdcm_test::TempDir;

std::string read_bytes(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void write_bytes(const std::string &path, const std::string &bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << path;
}

std::set<std::string> entries(const std::string &dir) {
  std::set<std::string> names;
  for (const auto &e : std::filesystem::directory_iterator(dir)) {
    names.insert(e.path().filename().string());
  }
  return names;
}

ModelFile sample_file() {
  at::Generator gen = tdcm_test::generator(17);
  ModelFile f;
  f.library_version = "0.1.0";
  f.params = "algo=tdcm k=3 embed_dim=4";
  f.input_dim = 7;
  f.tensors.emplace_back("encoder.0.weight", tdcm_test::randn({4, 7}, gen));
  f.tensors.emplace_back("bias", tdcm_test::randn({5}, gen));
  f.tensors.emplace_back("scalar", at::full({}, 2.5f));
  f.tensors.emplace_back("cube", tdcm_test::randn({2, 3, 2}, gen));
  // Values whose bits must survive: -0, a denormal, the extremes, inf and NaN.
  const float special[] = {-0.0f,
                           std::numeric_limits<float>::denorm_min(),
                           std::numeric_limits<float>::max(),
                           std::numeric_limits<float>::lowest(),
                           std::numeric_limits<float>::infinity(),
                           std::numeric_limits<float>::quiet_NaN()};
  f.tensors.emplace_back("special", at::tensor(at::ArrayRef<float>(special, 6), at::kFloat));
  return f;
}

// A small file, for exhaustive truncation.
ModelFile tiny_file() {
  ModelFile f;
  f.library_version = "0.1.0";
  f.params = "k=2";
  f.input_dim = 2;
  f.tensors.emplace_back("a", at::tensor({1.0f, 2.0f, 3.0f, 4.0f}, at::kFloat).view({2, 2}));
  f.tensors.emplace_back("b", at::tensor({5.0f}, at::kFloat));
  return f;
}

bool same_bits(const at::Tensor &a, const at::Tensor &b) {
  if (a.sizes() != b.sizes() || a.scalar_type() != b.scalar_type()) return false;
  const at::Tensor ca = a.contiguous(), cb = b.contiguous();
  return std::memcmp(ca.data_ptr(), cb.data_ptr(), ca.numel() * ca.element_size()) == 0;
}

TEST(CoreSerialize, RoundTripIsBitExact) {
  TempDir dir;
  const ModelFile f = sample_file();
  tdcm::write_model_file(dir.file("m.tdcm"), f);
  EXPECT_EQ(entries(dir.path()), (std::set<std::string>{"m.tdcm"}));
  const ModelFile g = tdcm::read_model_file(dir.file("m.tdcm"));
  EXPECT_EQ(g.library_version, f.library_version);
  EXPECT_EQ(g.params, f.params);
  EXPECT_EQ(g.input_dim, f.input_dim);
  ASSERT_EQ(g.tensors.size(), f.tensors.size());
  for (size_t i = 0; i < f.tensors.size(); ++i) {
    SCOPED_TRACE(f.tensors[i].first);
    EXPECT_EQ(g.tensors[i].first, f.tensors[i].first);
    EXPECT_EQ(g.tensors[i].second.sizes(), f.tensors[i].second.sizes());
    EXPECT_EQ(g.tensors[i].second.scalar_type(), at::kFloat);
    EXPECT_TRUE(g.tensors[i].second.device().is_cpu());
    EXPECT_TRUE(same_bits(g.tensors[i].second, f.tensors[i].second));
  }
  // The file starts with its magic and format version.
  const std::string bytes = read_bytes(dir.file("m.tdcm"));
  EXPECT_EQ(bytes.substr(0, 8), "TDCMMODL");
  uint32_t version = 0;
  std::memcpy(&version, bytes.data() + 8, 4);
  EXPECT_EQ(version, tdcm::kModelFormatVersion);
}

TEST(CoreSerialize, NonContiguousAndDoubleTensorsAreStoredAsFloatValues) {
  TempDir dir;
  ModelFile f = tiny_file();
  const at::Tensor base = at::arange(6, at::kFloat).view({2, 3});
  f.tensors.emplace_back("transposed", base.t());
  f.tensors.emplace_back("double", at::tensor({0.5, 1.5}, at::kDouble));
  tdcm::write_model_file(dir.file("m"), f);
  const ModelFile g = tdcm::read_model_file(dir.file("m"));
  ASSERT_EQ(g.tensors.size(), 4u);
  EXPECT_TRUE(at::equal(g.tensors[2].second, base.t().contiguous()));
  EXPECT_TRUE(at::equal(g.tensors[3].second, at::tensor({0.5f, 1.5f}, at::kFloat)));
}

TEST(CoreSerialize, EveryTruncationIsABadFile) {
  TempDir dir;
  tdcm::write_model_file(dir.file("good"), tiny_file());
  const std::string bytes = read_bytes(dir.file("good"));
  ASSERT_GT(bytes.size(), 40u);
  ASSERT_LT(bytes.size(), 400u);
  const std::string cut = dir.file("cut");
  for (size_t len = 0; len < bytes.size(); ++len) {
    write_bytes(cut, bytes.substr(0, len));
    const auto [status, message] = error_of([&] { tdcm::read_model_file(cut); });
    EXPECT_EQ(status, TDCM_ERR_BAD_FILE) << "length " << len << ": " << message;
    EXPECT_NE(message.find(cut), std::string::npos) << message;
  }
  // Trailing bytes are rejected as well.
  write_bytes(cut, bytes + std::string(1, '\0'));
  EXPECT_EQ(error_of([&] { tdcm::read_model_file(cut); }).first, TDCM_ERR_BAD_FILE);
}

TEST(CoreSerialize, EveryFlippedByteIsRejected) {
  TempDir dir;
  tdcm::write_model_file(dir.file("good"), tiny_file());
  const std::string bytes = read_bytes(dir.file("good"));
  const std::string bad = dir.file("bad");
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (const unsigned char mask : {0x01, 0x80}) {
      std::string flipped = bytes;
      flipped[i] = static_cast<char>(flipped[i] ^ mask);
      write_bytes(bad, flipped);
      const tdcm_status status = error_of([&] { tdcm::read_model_file(bad); }).first;
      if (i >= 8 && i < 12) {
        // The version field is read before the checksum (a newer format may
        // checksum differently): a higher version reads as unsupported.
        EXPECT_TRUE(status == TDCM_ERR_BAD_FILE || status == TDCM_ERR_UNSUPPORTED_VERSION)
            << "byte " << i;
      } else {
        EXPECT_EQ(status, TDCM_ERR_BAD_FILE) << "byte " << i << " mask " << int(mask);
      }
    }
  }
}

TEST(CoreSerialize, CorruptionBehindAValidChecksumIsABadFile) {
  TempDir dir;
  tdcm::write_model_file(dir.file("good"), tiny_file());
  const std::string bytes = read_bytes(dir.file("good"));
  const std::string bad = dir.file("bad");
  // Payload layout: str version (4 + 5) | str params (4 + 3) | i64 input dim |
  // u32 count | str "a" (4 + 1) | u8 dtype | u32 rank | ...
  const size_t payload = 20;
  const size_t count = payload + 9 + 7 + 8;
  const size_t dtype = count + 4 + 5;
  const size_t rank = dtype + 1;
  auto edited = [&](size_t at, uint32_t value, size_t width) {
    std::string b = bytes;
    std::memcpy(&b[at], &value, width);
    return tdcm_testing::resealed(b);
  };
  ASSERT_EQ(bytes[count + 8], 'a');
  for (const auto &[what, b] : std::vector<std::pair<const char *, std::string>>{
           {"tensor count too high", edited(count, 3, 4)},
           {"tensor count too low", edited(count, 1, 4)},
           {"not float32", edited(dtype, 2, 1)},
           {"rank too high", edited(rank, 200, 4)},
           {"rank off by one", edited(rank, 3, 4)},
           {"huge string", edited(payload, 0xFFFFFFF0u, 4)}}) {
    write_bytes(bad, b);
    const auto [status, message] = error_of([&] { tdcm::read_model_file(bad); });
    EXPECT_EQ(status, TDCM_ERR_BAD_FILE) << what << ": " << message;
  }
  // A wrong magic: not a model file at all.
  write_bytes(bad, "just some text, not a model");
  const auto [status, message] = error_of([&] { tdcm::read_model_file(bad); });
  EXPECT_EQ(status, TDCM_ERR_BAD_FILE);
  EXPECT_NE(message.find("not a tdcm model file"), std::string::npos) << message;
}

TEST(CoreSerialize, NewerVersionIsUnsupported) {
  TempDir dir;
  tdcm::write_model_file(dir.file("good"), tiny_file());
  std::string bytes = read_bytes(dir.file("good"));
  const uint32_t newer = tdcm::kModelFormatVersion + 1;
  std::memcpy(&bytes[8], &newer, 4);
  write_bytes(dir.file("newer"), tdcm_testing::resealed(bytes));
  const auto [status, message] = error_of([&] { tdcm::read_model_file(dir.file("newer")); });
  EXPECT_EQ(status, TDCM_ERR_UNSUPPORTED_VERSION);
  EXPECT_NE(message.find("version"), std::string::npos) << message;

  const uint32_t zero = 0;
  std::memcpy(&bytes[8], &zero, 4);
  write_bytes(dir.file("zero"), tdcm_testing::resealed(bytes));
  EXPECT_EQ(error_of([&] { tdcm::read_model_file(dir.file("zero")); }).first, TDCM_ERR_BAD_FILE);
}

TEST(CoreSerialize, MissingFileIsAnIoError) {
  TempDir dir;
  const auto [status, message] = error_of([&] { tdcm::read_model_file(dir.file("absent")); });
  EXPECT_EQ(status, TDCM_ERR_IO);
  EXPECT_NE(message.find("absent"), std::string::npos) << message;
}

TEST(CoreSerialize, FailedWriteLeavesNothingBehind) {
  TempDir dir;
  // A directory that does not exist.
  const std::string nowhere = dir.file("no/such/dir/m.tdcm");
  const auto [status, message] = error_of([&] { tdcm::write_model_file(nowhere, tiny_file()); });
  EXPECT_EQ(status, TDCM_ERR_IO);
  EXPECT_NE(message.find(nowhere), std::string::npos) << message;
  EXPECT_TRUE(entries(dir.path()).empty());

  // The target is a directory: the temporary file is written, then the rename fails.
  std::filesystem::create_directory(dir.file("target"));
  std::ofstream(dir.file("target") + "/inside") << "x";
  EXPECT_EQ(error_of([&] { tdcm::write_model_file(dir.file("target"), tiny_file()); }).first,
            TDCM_ERR_IO);
  EXPECT_EQ(entries(dir.path()), (std::set<std::string>{"target"}));
  EXPECT_EQ(entries(dir.file("target")), (std::set<std::string>{"inside"}));
}

TEST(CoreSerialize, SaveReplacesAnExistingFileAtomically) {
  TempDir dir;
  const std::string path = dir.file("m.tdcm");
  tdcm::write_model_file(path, tiny_file());
  ModelFile second = sample_file();
  second.params = "second";
  tdcm::write_model_file(path, second);
  EXPECT_EQ(entries(dir.path()), (std::set<std::string>{"m.tdcm"}));
  const ModelFile g = tdcm::read_model_file(path);
  EXPECT_EQ(g.params, "second");
  EXPECT_EQ(g.tensors.size(), second.tensors.size());
  // The replacement is an ordinary readable file.
  const auto perms = std::filesystem::status(path).permissions();
  EXPECT_NE(perms & std::filesystem::perms::owner_read, std::filesystem::perms::none);
  EXPECT_NE(perms & std::filesystem::perms::group_read, std::filesystem::perms::none);
}

}  // namespace
