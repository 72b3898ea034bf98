// Model bytes in memory (tdcm_save_buffer, tdcm_load_buffer): the bytes are
// the file's, byte for byte; they load to a model that labels as the original
// does; the size query follows tdcm_get_params's convention; and hostile
// buffers (every truncation, every bit of a small model, sampled re-sealed
// flips of a large one, the fuzz corpus's regression inputs) get the status
// the file loader gives the same bytes, never a crash or a large allocation.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "capi_test_util.h"
#include "model_file_util.h"
#include "tdcm/tdcm.h"

namespace {

using namespace tdcm_capi_test;

// tdcm_save_buffer the way a caller uses it: the size query, then the copy.
std::string saved_bytes(tdcm_model *m) {
  size_t needed = 0;
  EXPECT_EQ(tdcm_save_buffer(m, nullptr, 0, &needed), TDCM_ERR_INVALID_ARGUMENT)
      << tdcm_last_error();
  std::string bytes(needed, '\0');
  size_t again = 0;
  EXPECT_EQ(tdcm_save_buffer(m, bytes.data(), bytes.size(), &again), TDCM_OK) << tdcm_last_error();
  EXPECT_EQ(again, needed);
  return bytes;
}

ModelPtr from_bytes(const std::string &bytes, tdcm_status *status = nullptr) {
  tdcm_model *m = reinterpret_cast<tdcm_model *>(1);
  const tdcm_status s = tdcm_load_buffer(&m, bytes.data(), bytes.size());
  if (status != nullptr) *status = s;
  if (s != TDCM_OK) {
    EXPECT_EQ(m, nullptr) << "a failed load leaves no handle";
    EXPECT_GT(std::strlen(tdcm_last_error()), 0u);
    return nullptr;
  }
  return ModelPtr(m);
}

tdcm_status buffer_status(const std::string &bytes) {
  tdcm_status s = TDCM_ERR_INTERNAL;
  from_bytes(bytes, &s);
  return s;
}

tdcm_status file_status(const std::string &path) {
  tdcm_model *m = nullptr;
  const tdcm_status s = tdcm_load(&m, path.c_str());
  tdcm_destroy(m);
  return s;
}

std::string flipped(const std::string &bytes, size_t bit) {
  std::string b = bytes;
  b[bit / 8] = static_cast<char>(b[bit / 8] ^ (1u << (bit % 8)));
  return b;
}

// Bit `bit` of the u32 format version (bytes 8..11) flipped: 0 is a bad file,
// anything above 1 a newer format; every other flip breaks the checksum.
tdcm_status expected_for_raw_flip(size_t bit) {
  if (bit < 64 || bit >= 96) return TDCM_ERR_BAD_FILE;
  return bit == 64 ? TDCM_ERR_BAD_FILE : TDCM_ERR_UNSUPPORTED_VERSION;
}

const char *const kModels[] = {
    "k=3 seed=0 device=cpu threads=1 standardize=true",  // the defaults: Gaussian mixtures
    "algo=kmeans k=3 n_init=2 seed=0 device=cpu threads=1",
    "algo=gmm k=3 n_init=2 seed=0 device=cpu threads=1",
    "k=3 encoder=mlp hidden=32 embed_dim=8 epochs=2 seed=0 device=cpu threads=1",
};

TEST(CapiModelBytes, AreTheFileBytesAndLoadToTheSameLabels) {
  TempDir dir;
  const P1 data = make_p1(7);
  for (const char *params : kModels) {
    for (const bool adapt : {false, true}) {
      SCOPED_TRACE(std::string(params) + (adapt ? ", adapted" : ""));
      ModelPtr m = fitted(params, data);
      ASSERT_TRUE(m);
      if (adapt) {
        ASSERT_EQ(tdcm_adapt(m.get(), data.target.data(), data.n, data.d), TDCM_OK);
      }
      const std::string bytes = saved_bytes(m.get());
      const std::string path = dir.file("m.tdcm");
      ASSERT_EQ(tdcm_save(m.get(), path.c_str()), TDCM_OK) << tdcm_last_error();
      EXPECT_EQ(bytes, read_bytes(path)) << "buffer and file differ";

      // The copy is the model's: overwriting the caller's bytes changes nothing.
      std::string scratch = bytes;
      ModelPtr loaded = from_bytes(scratch);
      ASSERT_TRUE(loaded);
      std::fill(scratch.begin(), scratch.end(), '\0');
      EXPECT_EQ(get_params(loaded.get()), get_params(m.get()));
      EXPECT_EQ(is_adapted(loaded.get()), adapt ? 1 : 0);
      const Output before = assign(m.get(), data.target.data(), data.n, data.d);
      ASSERT_EQ(before.status, TDCM_OK) << tdcm_last_error();
      EXPECT_TRUE(assign(loaded.get(), data.target.data(), data.n, data.d).same(before));
      if (adapt) {
        EXPECT_TRUE(predict(loaded.get(), data.target.data(), data.n, data.d)
                        .same(predict(m.get(), data.target.data(), data.n, data.d)));
      }
      // A file loads from its bytes and the bytes from the file, to one model.
      tdcm_model *raw = nullptr;
      ASSERT_EQ(tdcm_load(&raw, path.c_str()), TDCM_OK) << tdcm_last_error();
      ModelPtr from_file(raw);
      EXPECT_EQ(saved_bytes(from_file.get()), bytes);
      EXPECT_EQ(saved_bytes(loaded.get()), bytes);
    }
  }
}

TEST(CapiModelBytes, SizeQueryFollowsTheGetterConvention) {
  const P1 data = make_p1(1);
  ModelPtr unfitted = create("algo=kmeans k=3");
  size_t needed = 12345;
  EXPECT_EQ(tdcm_save_buffer(unfitted.get(), nullptr, 0, &needed), TDCM_ERR_NOT_FITTED);
  EXPECT_EQ(tdcm_save_buffer(nullptr, nullptr, 0, &needed), TDCM_ERR_NULL_ARGUMENT);

  ModelPtr m = fitted("algo=kmeans k=3 n_init=1 seed=0", data);
  ASSERT_TRUE(m);
  needed = 0;
  ASSERT_EQ(tdcm_save_buffer(m.get(), nullptr, 0, &needed), TDCM_ERR_INVALID_ARGUMENT);
  EXPECT_TRUE(contains(tdcm_last_error(), "too small")) << tdcm_last_error();
  ASSERT_GT(needed, 100u);
  // One byte short: refused, nothing written, the size still reported.
  std::string buf(needed - 1, 'x');
  size_t again = 0;
  EXPECT_EQ(tdcm_save_buffer(m.get(), buf.data(), buf.size(), &again), TDCM_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(again, needed);
  EXPECT_EQ(buf, std::string(needed - 1, 'x'));
  // Room enough but no buffer; and a larger buffer gets exactly the bytes.
  EXPECT_EQ(tdcm_save_buffer(m.get(), nullptr, needed, nullptr), TDCM_ERR_NULL_ARGUMENT);
  buf.assign(needed + 10, 'x');
  ASSERT_EQ(tdcm_save_buffer(m.get(), buf.data(), buf.size(), nullptr), TDCM_OK);
  EXPECT_EQ(buf.substr(needed), std::string(10, 'x'));
  EXPECT_TRUE(from_bytes(buf.substr(0, needed)));
  // Trailing bytes are not a model: the buffer must be exactly the model.
  EXPECT_EQ(buffer_status(buf), TDCM_ERR_BAD_FILE);
}

TEST(CapiModelBytes, LoadArgumentsAndOverrides) {
  const P1 data = make_p1(2);
  ModelPtr m = fitted("algo=kmeans k=3 n_init=1 seed=0", data);
  ASSERT_TRUE(m);
  const std::string bytes = saved_bytes(m.get());
  tdcm_model *out = reinterpret_cast<tdcm_model *>(1);
  EXPECT_EQ(tdcm_load_buffer(nullptr, bytes.data(), bytes.size()), TDCM_ERR_NULL_ARGUMENT);
  EXPECT_EQ(tdcm_load_buffer(&out, nullptr, bytes.size()), TDCM_ERR_NULL_ARGUMENT);
  EXPECT_EQ(out, nullptr);
  EXPECT_EQ(tdcm_load_buffer(&out, nullptr, 0), TDCM_ERR_BAD_FILE);
  EXPECT_TRUE(contains(tdcm_last_error(), "model buffer of 0 bytes")) << tdcm_last_error();

  ASSERT_EQ(tdcm_load_buffer_with(&out, bytes.data(), bytes.size(), "chunk_rows=7 threads=1"),
            TDCM_OK)
      << tdcm_last_error();
  ModelPtr loaded(out);
  EXPECT_TRUE(contains(get_params(loaded.get()), "chunk_rows=7")) << get_params(loaded.get());
  const Output a = assign(loaded.get(), data.target.data(), data.n, data.d);
  EXPECT_EQ(a.labels, assign(m.get(), data.target.data(), data.n, data.d).labels);
  EXPECT_EQ(tdcm_load_buffer_with(&out, bytes.data(), bytes.size(), "k=4"), TDCM_ERR_BAD_PARAMETER);
  EXPECT_EQ(tdcm_load_buffer_with(&out, bytes.data(), bytes.size(), "nope=1"),
            TDCM_ERR_UNKNOWN_PARAMETER);
  EXPECT_EQ(out, nullptr);
}

TEST(CapiModelBytes, EveryTruncationAndEveryBitFlipOfASmallModelIsRejected) {
  const P1 data = make_p1(3, 20);
  ModelPtr m = fitted("algo=kmeans k=2 n_init=1 seed=0 device=cpu", data);
  ASSERT_TRUE(m);
  const std::string bytes = saved_bytes(m.get());
  ASSERT_LT(bytes.size(), 2000u);
  for (size_t len = 0; len < bytes.size(); ++len) {
    ASSERT_EQ(buffer_status(bytes.substr(0, len)), TDCM_ERR_BAD_FILE) << "cut at " << len;
  }
  for (size_t bit = 0; bit < bytes.size() * 8; ++bit) {
    ASSERT_EQ(buffer_status(flipped(bytes, bit)), expected_for_raw_flip(bit)) << "bit " << bit;
  }
  std::printf("%zu truncations and %zu bit flips of a %zu-byte model buffer rejected\n",
              bytes.size(), bytes.size() * 8, bytes.size());
}

TEST(CapiModelBytes, SampledResealedFlipsGiveTheFileLoadersStatusAndLabels) {
  // Re-sealed, a flip reaches the parser behind the checksum: the buffer and
  // the file of the same bytes must agree on the status and, when they load,
  // on every label.
  TempDir dir;
  const P1 data = make_p1(4, 20);
  ModelPtr m = fitted(
      "k=3 encoder=mlp hidden=48 embed_dim=8 epochs=1 seed=0 device=cpu threads=1 "
      "standardize=true",
      data);
  ASSERT_TRUE(m);
  ASSERT_EQ(tdcm_adapt(m.get(), data.target.data(), data.n, data.d), TDCM_OK);
  const std::string bytes = saved_bytes(m.get());
  ASSERT_GT(bytes.size(), 10000u);
  const std::string path = dir.file("flipped.tdcm");
  std::mt19937_64 rng(15);
  int loaded = 0, rejected = 0;
  for (int i = 0; i < 400; ++i) {
    const size_t bit = std::uniform_int_distribution<size_t>(0, bytes.size() * 8 - 1)(rng);
    SCOPED_TRACE("bit " + std::to_string(bit));
    const std::string b = tdcm_testing::resealed(flipped(bytes, bit));
    write_bytes(path, b);
    tdcm_status s = TDCM_ERR_INTERNAL;
    ModelPtr from_buffer = from_bytes(b, &s);
    ASSERT_EQ(s, file_status(path)) << tdcm_last_error();
    if (s != TDCM_OK) {
      ++rejected;
      continue;
    }
    ++loaded;
    tdcm_model *raw = nullptr;
    ASSERT_EQ(tdcm_load(&raw, path.c_str()), TDCM_OK);
    ModelPtr from_file(raw);
    EXPECT_EQ(get_params(from_buffer.get()), get_params(from_file.get()));
    int64_t d = 0;
    ASSERT_EQ(tdcm_get_input_dim(from_buffer.get(), &d), TDCM_OK);
    if (d != data.d) continue;
    EXPECT_TRUE(assign(from_buffer.get(), data.target.data(), data.n, d)
                    .same(assign(from_file.get(), data.target.data(), data.n, d)));
  }
  EXPECT_GT(loaded, 0);
  EXPECT_GT(rejected, 0);
  std::printf("400 re-sealed flips of a %zu-byte model: %d loaded, %d rejected, as from a file\n",
              bytes.size(), loaded, rejected);
}

TEST(CapiModelBytes, RegressionInputsOfTheFuzzCorpusAreBadBuffers) {
  // Files of a few hundred bytes that declare sizes of up to 5.6e14 bytes: as
  // buffers, too, they are refused without allocating what they declare.
  const std::filesystem::path corpus =
      std::filesystem::path(TDCM_SOURCE_DIR) / "fuzz" / "corpus" / "model";
  rusage before{};
  getrusage(RUSAGE_SELF, &before);
  int seen = 0;
  for (const auto &entry : std::filesystem::directory_iterator(corpus)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("regression-", 0) != 0) continue;
    ++seen;
    EXPECT_EQ(buffer_status(read_bytes(entry.path().string())), TDCM_ERR_BAD_FILE)
        << name << ": " << tdcm_last_error();
  }
  EXPECT_EQ(seen, 4);
  rusage after{};
  getrusage(RUSAGE_SELF, &after);
  EXPECT_LT(after.ru_maxrss - before.ru_maxrss, 64 * 1024) << "kB of peak memory";
}

}  // namespace
