// What a host can be handed: real model files cut at every byte, with every
// bit of a small one flipped and a seeded sample of bits of a large one
// flipped (as they are, and re-sealed so that the parser behind the checksum
// sees the flip), and sizes whose products no buffer can have. Each gives a
// status, never a crash; a file that still loads is a working model.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "capi_test_util.h"
#include "model_file_util.h"
#include "tdcm/tdcm.h"

namespace {

using namespace tdcm_capi_test;

// The bytes of a model fitted (and adapted, when asked) on P1 data.
std::string model_bytes(const TempDir &dir, const char *params, bool adapt) {
  const P1 data = make_p1(3, 20);
  ModelPtr m = fitted(params, data);
  EXPECT_TRUE(m);
  if (!m) return {};
  if (adapt) {
    EXPECT_EQ(tdcm_adapt(m.get(), data.target.data(), data.n, data.d), TDCM_OK);
  }
  const std::string path = dir.file("source.tdcm");
  EXPECT_EQ(tdcm_save(m.get(), path.c_str()), TDCM_OK) << tdcm_last_error();
  return read_bytes(path);
}

tdcm_status load_status(const std::string &path, ModelPtr *out = nullptr) {
  tdcm_model *m = reinterpret_cast<tdcm_model *>(1);
  const tdcm_status s = tdcm_load(&m, path.c_str());
  if (s != TDCM_OK) {
    EXPECT_EQ(m, nullptr) << "a failed load leaves no handle";
    EXPECT_GT(std::strlen(tdcm_last_error()), 0u);
  } else if (out != nullptr) {
    out->reset(m);
  } else {
    tdcm_destroy(m);
  }
  return s;
}

// Bit `bit` of the u32 format version at bytes 8..11 flipped: 0 is a bad file,
// anything above 1 a newer format.
tdcm_status expected_for_raw_flip(size_t bit) {
  if (bit < 64 || bit >= 96) return TDCM_ERR_BAD_FILE;
  return bit == 64 ? TDCM_ERR_BAD_FILE : TDCM_ERR_UNSUPPORTED_VERSION;
}

std::string flipped(const std::string &bytes, size_t bit) {
  std::string b = bytes;
  b[bit / 8] = static_cast<char>(b[bit / 8] ^ (1u << (bit % 8)));
  return b;
}

constexpr const char *kLinear =
    "k=3 seed=0 device=cpu threads=1 standardize=true";  // the default encoder
constexpr const char *kKMeans = "algo=kmeans k=3 n_init=2 seed=0 device=cpu threads=1";
constexpr const char *kMlp =
    "k=3 encoder=mlp hidden=48 embed_dim=8 epochs=1 seed=0 device=cpu threads=1 standardize=true";

TEST(CapiHostileFiles, ARealModelFileCutAtEveryByteIsABadFile) {
  TempDir dir;
  size_t offsets = 0;
  for (const char *params : {kLinear, kKMeans}) {
    SCOPED_TRACE(params);
    const std::string bytes = model_bytes(dir, params, /*adapt=*/true);
    ASSERT_GT(bytes.size(), 500u);
    const std::string cut = dir.file("cut.tdcm");
    for (size_t len = 0; len < bytes.size(); ++len) {
      write_bytes(cut, bytes.substr(0, len));
      ASSERT_EQ(load_status(cut), TDCM_ERR_BAD_FILE) << "cut at " << len;
      ++offsets;
    }
    write_bytes(cut, bytes);
    EXPECT_EQ(load_status(cut), TDCM_OK) << "the whole file loads";
  }
  RecordProperty("offsets_truncated", static_cast<int>(offsets));
  std::printf("truncated at %zu offsets\n", offsets);
}

TEST(CapiHostileFiles, EveryBitFlippedInASmallModelFileIsRejected) {
  TempDir dir;
  const std::string bytes = model_bytes(dir, "algo=kmeans k=2 n_init=1 seed=0 device=cpu", false);
  ASSERT_GT(bytes.size(), 100u);
  ASSERT_LT(bytes.size(), 2000u);
  const std::string bad = dir.file("flipped.tdcm");
  for (size_t bit = 0; bit < bytes.size() * 8; ++bit) {
    write_bytes(bad, flipped(bytes, bit));
    ASSERT_EQ(load_status(bad), expected_for_raw_flip(bit)) << "bit " << bit;
  }
  RecordProperty("bits_flipped", static_cast<int>(bytes.size() * 8));
  std::printf("flipped all %zu bits of a %zu-byte model file\n", bytes.size() * 8, bytes.size());
}

TEST(CapiHostileFiles, SampledBitFlipsInALargeModelFileGiveAStatusOrAWorkingModel) {
  TempDir dir;
  const std::string bytes = model_bytes(dir, kMlp, /*adapt=*/true);
  ASSERT_GT(bytes.size(), 10000u);
  const P1 data = make_p1(11, 4);  // 12 rows to label
  const std::string bad = dir.file("flipped.tdcm");
  std::mt19937_64 rng(14);
  constexpr int kFlips = 3000;
  std::map<tdcm_status, int> raw, resealed;
  for (int i = 0; i < kFlips; ++i) {
    const size_t bit = std::uniform_int_distribution<size_t>(0, bytes.size() * 8 - 1)(rng);
    SCOPED_TRACE("bit " + std::to_string(bit));
    const std::string b = flipped(bytes, bit);
    write_bytes(bad, b);
    const tdcm_status as_is = load_status(bad);
    ASSERT_EQ(as_is, expected_for_raw_flip(bit));
    ++raw[as_is];

    write_bytes(bad, tdcm_testing::resealed(b));
    ModelPtr m;
    const tdcm_status s = load_status(bad, &m);
    ASSERT_TRUE(s == TDCM_OK || s == TDCM_ERR_BAD_FILE || s == TDCM_ERR_UNSUPPORTED_VERSION)
        << tdcm_status_name(s) << ": " << tdcm_last_error();
    ++resealed[s];
    if (s != TDCM_OK) continue;
    // The flip changed a value the file may hold: the model labels rows.
    int64_t k = 0, d = 0;
    ASSERT_EQ(tdcm_get_k(m.get(), &k), TDCM_OK);
    ASSERT_EQ(tdcm_get_input_dim(m.get(), &d), TDCM_OK);
    if (d != data.d) continue;
    std::vector<int32_t> labels(static_cast<size_t>(data.n), -1);
    std::vector<float> probs(static_cast<size_t>(data.n * k));
    const tdcm_status a =
        tdcm_assign(m.get(), data.target.data(), data.n, d, labels.data(), probs.data());
    ASSERT_TRUE(a == TDCM_OK || a == TDCM_ERR_INVALID_ARGUMENT)
        << tdcm_status_name(a) << ": " << tdcm_last_error();
    if (a == TDCM_OK) {
      for (int32_t l : labels) ASSERT_TRUE(l >= 0 && l < k) << l;
    }
  }
  // Flips land in the parameters, the shapes and the values: both outcomes occur.
  EXPECT_GT(resealed[TDCM_OK], 0);
  EXPECT_GT(resealed[TDCM_ERR_BAD_FILE], 0);
  RecordProperty("bits_flipped", 2 * kFlips);
  std::printf(
      "%d sampled bit flips of a %zu-byte model file, as is and re-sealed: "
      "%d loaded, %d bad file, %d unsupported version after re-sealing\n",
      kFlips, bytes.size(), resealed[TDCM_OK], resealed[TDCM_ERR_BAD_FILE],
      resealed[TDCM_ERR_UNSUPPORTED_VERSION]);
}

TEST(CapiHostileInputs, SizesNoBufferCanHaveAreRefusedBeforeAnyRead) {
  const P1 data = make_p1(0);
  ModelPtr m = fitted(kKMeans, data);
  ASSERT_TRUE(m);
  ASSERT_EQ(tdcm_adapt(m.get(), data.target.data(), data.n, data.d), TDCM_OK);
  // Buffers of a few rows; the sizes claim far more. A call that read x or
  // wrote an output before refusing would run off these buffers.
  std::vector<float> x(6, 0.0f), probs(9, 0.0f);
  std::vector<int32_t> labels(3, 0);
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  // n x d floats beyond 2^63 bytes.
  for (const auto &[n, d] : std::vector<std::pair<int64_t, int64_t>>{
           {kMax / 2, 3}, {kMax, 1}, {int64_t{1} << 62, 2}, {3, kMax}}) {
    SCOPED_TRACE(std::to_string(n) + " x " + std::to_string(d));
    EXPECT_EQ(tdcm_fit(m.get(), x.data(), n, d, nullptr), TDCM_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(tdcm_adapt(m.get(), x.data(), n, d), TDCM_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(tdcm_assign(m.get(), x.data(), n, d, labels.data(), nullptr),
              TDCM_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(tdcm_predict(m.get(), x.data(), n, d, labels.data(), probs.data()),
              TDCM_ERR_INVALID_ARGUMENT);
    EXPECT_TRUE(contains(tdcm_last_error(), "too large")) << tdcm_last_error();
  }
  // n x d fits, but the n x k probabilities (k = 3) do not.
  const int64_t n = int64_t{1} << 60;
  EXPECT_EQ(tdcm_assign(m.get(), x.data(), n, 1, labels.data(), probs.data()),
            TDCM_ERR_INVALID_ARGUMENT);
  EXPECT_TRUE(contains(tdcm_last_error(), "probabilities")) << tdcm_last_error();
  EXPECT_EQ(tdcm_predict(m.get(), x.data(), n, 1, labels.data(), probs.data()),
            TDCM_ERR_INVALID_ARGUMENT);
  // Nothing was written, and the model is as it was.
  EXPECT_EQ(labels, std::vector<int32_t>(3, 0));
  EXPECT_EQ(probs, std::vector<float>(9, 0.0f));
  EXPECT_EQ(is_adapted(m.get()), 1);
  ModelPtr reference = fitted(kKMeans, data);
  ASSERT_TRUE(reference);
  EXPECT_TRUE(assign(m.get(), data.target.data(), data.n, data.d)
                  .same(assign(reference.get(), data.target.data(), data.n, data.d)));
}

}  // namespace
