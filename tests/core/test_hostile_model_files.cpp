// Model files written to hurt: zero-sized tensors, and sizes declared far
// beyond the bytes the file holds. The loader allocates nothing from a
// declared size: every one is a TDCM_ERR_BAD_FILE, fast and in little memory.
// Also the regression inputs the fuzz target keeps for these findings, and an
// allocation no machine can serve, which the C API reports as out of memory.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/encoder.h"
#include "core/model.h"
#include "core/params.h"
#include "core/serialize.h"
#include "core/tdcm_model.h"
#include "core_test_util.h"
#include "sanitized.h"
#include "tdcm/tdcm.h"

namespace {

using tdcm::ModelFile;
using tdcm_test::error_of;
using tdcm_test::TempDir;

int64_t peak_rss_kb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

// Without a sanitizer, the process may not grow by more than `extra` bytes of
// address space while this lives, so that a regression fails the test with an
// allocation error instead of taking the machine's memory. (ASan and TSan
// reserve terabytes of shadow memory and cannot run under a limit; their
// builds cap single allocations through ASAN_OPTIONS instead.)
class AddressSpaceLimit {
 public:
  explicit AddressSpaceLimit(uint64_t extra) {
#ifndef TDCM_TEST_SANITIZED
    getrlimit(RLIMIT_AS, &saved_);
    uint64_t pages = 0;
    std::ifstream("/proc/self/statm") >> pages;
    rlimit lower = saved_;
    lower.rlim_cur = pages * 4096 + extra;
    active_ = setrlimit(RLIMIT_AS, &lower) == 0;
#else
    (void)extra;
#endif
  }
  ~AddressSpaceLimit() {
    if (active_) setrlimit(RLIMIT_AS, &saved_);
  }
  AddressSpaceLimit(const AddressSpaceLimit &) = delete;
  AddressSpaceLimit &operator=(const AddressSpaceLimit &) = delete;

 private:
  rlimit saved_{};
  bool active_ = false;
};

// A model file of the library's own format with whatever it is given.
std::string craft(const TempDir &dir, const std::string &name, const std::string &params,
                  int64_t input_dim, std::vector<std::pair<std::string, at::Tensor>> tensors = {}) {
  ModelFile f;
  f.library_version = tdcm_version();
  f.params = params;
  f.input_dim = input_dim;
  f.tensors = std::move(tensors);
  const std::string path = dir.file(name);
  tdcm::write_model_file(path, f);
  return path;
}

std::pair<tdcm_status, std::string> load_error(const std::string &path) {
  return error_of([&] { tdcm::Model::load(path, nullptr); });
}

TEST(HostileModelFiles, NetShapesAreTheShapesOfTheNetFitBuilds) {
  // net_from_tensors checks a file against shapes it computes; they must be
  // exactly those of the net that fit initialises, for every encoder.
  for (const auto &[text, d] : std::vector<std::pair<const char *, int64_t>>{
           {"k=3", 5},
           {"k=2 encoder=mlp hidden=7 embed_dim=3", 4},
           {"k=2 blocks=3 share_blocks=false embed_dim=2", 3},
           {"k=3 encoder=lenet input_shape=1x16x16 embed_dim=4", 256},
           {"k=2 encoder=lenet input_shape=3x20x24 embed_dim=2", 3 * 20 * 24}}) {
    SCOPED_TRACE(text);
    const tdcm::Params params = tdcm::parse_params(text);
    at::Generator gen = tdcm_test::generator(1);
    const tdcm::TdcmNet net = tdcm::init_net(params, d, gen);
    const auto shapes = tdcm::encoder_shapes(params, d);
    const std::vector<at::Tensor> encoder = net.encoder.tensors();
    ASSERT_EQ(shapes.size(), encoder.size());
    for (size_t i = 0; i < shapes.size(); ++i) {
      EXPECT_EQ(encoder[i].sizes(), at::IntArrayRef(shapes[i])) << "tensor " << i;
    }
    const auto named = net.named_tensors();
    const tdcm::TdcmNet rebuilt = tdcm::net_from_tensors(params, d, named);
    const auto again = rebuilt.named_tensors();
    ASSERT_EQ(again.size(), named.size());
    for (size_t i = 0; i < named.size(); ++i) {
      EXPECT_EQ(again[i].first, named[i].first);
      EXPECT_TRUE(again[i].second.equal(named[i].second)) << named[i].first;
    }
    EXPECT_EQ(rebuilt.image.numel(), net.image.numel());
  }
}

TEST(HostileModelFiles, ZeroSizedTensorsReadBackEmptyAndDoNotLoad) {
  // Finding 1 of issue 14: an empty tensor has a null data pointer, which the
  // reader passed to memcpy (undefined behaviour; UBSan aborts on it).
  TempDir dir;
  const std::string path = craft(dir, "empty", "k=3 encoder=linear embed_dim=4", 2,
                                 {{"encoder.0.weight", at::empty({4, 0})},
                                  {"encoder.0.bias", at::empty({0})},
                                  {"cube", at::empty({0, 0, 3})}});
  const ModelFile read = tdcm::read_model_file(path);
  ASSERT_EQ(read.tensors.size(), 3u);
  EXPECT_EQ(read.tensors[0].second.sizes(), at::IntArrayRef({4, 0}));
  EXPECT_EQ(read.tensors[1].second.sizes(), at::IntArrayRef({0}));
  EXPECT_EQ(read.tensors[2].second.sizes(), at::IntArrayRef({0, 0, 3}));
  const auto [status, message] = load_error(path);
  EXPECT_EQ(status, TDCM_ERR_BAD_FILE) << message;
  EXPECT_NE(message.find("encoder.0.weight"), std::string::npos) << message;
}

TEST(HostileModelFiles, DeclaredSizesAreNeverAllocated) {
  // Finding 2 of issue 14: the loader built the net of the declared sizes
  // before comparing any stored tensor with it. Each of these files is a few
  // hundred bytes; before the fix the first two asked LibTorch for 5.6e14 and
  // 8.6e9 bytes and the fourth for a 17 GB identity matrix.
  TempDir dir;
  const std::string full = tdcm::to_string(tdcm::parse_params("k=3"));
  const std::vector<std::pair<std::string, std::pair<std::string, int64_t>>> cases = {
      {"input_dim 2^40, paper mlp", {"k=3", int64_t{1} << 40}},
      {"input_dim 2^27, linear", {full, int64_t{1} << 27}},
      {"input_dim 2^62", {full, int64_t{1} << 62}},
      {"embed_dim 65536", {"k=3 encoder=linear embed_dim=65536", 2}},
      {"hidden 65536", {"k=3 encoder=mlp hidden=65536", 2}},
      {"64 unshared blocks of 65536^2", {"k=3 embed_dim=65536 blocks=64 share_blocks=false", 2}},
      {"lenet on 46340x46340 images",
       {"k=3 encoder=lenet input_shape=1x46340x46340 embed_dim=4", int64_t{46340} * 46340}},
      {"k-means, k=2^30", {"algo=kmeans k=1073741824", int64_t{1} << 30}},
  };
  const int64_t rss_before = peak_rss_kb();
  const AddressSpaceLimit limit(uint64_t{1} << 30);
  for (const auto &[what, file] : cases) {
    const std::string path = craft(dir, "hostile", file.first, file.second);
    const auto [status, message] = load_error(path);
    EXPECT_EQ(status, TDCM_ERR_BAD_FILE) << what << ": " << message;
  }
  // The same files with a tensor of the right name but a small shape.
  const std::string path = craft(dir, "hostile", "k=3 encoder=linear embed_dim=65536", 2,
                                 {{"encoder.0.weight", at::zeros({4, 2})}});
  EXPECT_EQ(load_error(path).first, TDCM_ERR_BAD_FILE);
  EXPECT_LT(peak_rss_kb() - rss_before, 64 * 1024) << "kB of peak memory";
}

TEST(HostileModelFiles, RegressionInputsOfTheFuzzCorpusAreBadFiles) {
  // The inputs fuzz/corpus/model keeps for the two findings: the fuzz target
  // replays them on every run; here they go through the C API.
  const std::filesystem::path corpus =
      std::filesystem::path(TDCM_SOURCE_DIR) / "fuzz" / "corpus" / "model";
  int seen = 0;
  const int64_t rss_before = peak_rss_kb();
  const AddressSpaceLimit limit(uint64_t{1} << 30);
  for (const auto &entry : std::filesystem::directory_iterator(corpus)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("regression-", 0) != 0) continue;
    ++seen;
    tdcm_model *m = nullptr;
    EXPECT_EQ(tdcm_load(&m, entry.path().c_str()), TDCM_ERR_BAD_FILE)
        << name << ": " << tdcm_last_error();
    EXPECT_EQ(m, nullptr);
  }
  EXPECT_EQ(seen, 4);
  EXPECT_LT(peak_rss_kb() - rss_before, 64 * 1024) << "kB of peak memory";
}

TEST(HostileModelFiles, AnAllocationNoMachineServesIsOutOfMemory) {
  // A Gaussian mixture of 2^16 components (a 2 MB file) adapted by EM on 2^20 rows
  // in one chunk needs their 2^20 x 2^16 responsibilities in double: 512 GiB.
  // LibTorch's allocator fails, the call returns TDCM_ERR_OUT_OF_MEMORY, and the
  // model still works. (Labelling no longer serves: neither k-means nor the
  // Gaussian blocks' labels need an n x k matrix.)
  TempDir dir;
  constexpr int64_t k = int64_t{1} << 16;
  constexpr int64_t rows = int64_t{1} << 20;
  const std::string params = "algo=gmm k=" + std::to_string(k) +
                             " chunk_rows=" + std::to_string(rows) + " device=cpu threads=1";
  const std::string path =
      craft(dir, "big", params, 1,
            {{"source.means", at::arange(k, at::kFloat).view({k, 1})},
             {"source.covs", at::full({k, 1, 1}, 0.01f, at::kFloat)},
             {"source.weights", at::full({k}, 1.0f / static_cast<float>(k), at::kFloat)},
             {"source.sizes", at::ones({k}, at::kFloat)}});
  tdcm_model *m = nullptr;
  ASSERT_EQ(tdcm_load(&m, path.c_str()), TDCM_OK) << tdcm_last_error();
  std::vector<float> x(static_cast<size_t>(rows), 0.5f);
  std::vector<int32_t> labels(3, -1);
  EXPECT_EQ(tdcm_adapt(m, x.data(), rows, 1), TDCM_ERR_OUT_OF_MEMORY) << tdcm_last_error();
  EXPECT_NE(std::string(tdcm_last_error()).find("memory"), std::string::npos);
  const float few[] = {3.2f, 7.0f, 1000.4f};
  // The failed adaptation left nothing behind.
  EXPECT_EQ(tdcm_predict(m, few, 3, 1, labels.data(), nullptr), TDCM_ERR_NOT_ADAPTED);
  ASSERT_EQ(tdcm_assign(m, few, 3, 1, labels.data(), nullptr), TDCM_OK) << tdcm_last_error();
  EXPECT_EQ(labels[0], 3);
  EXPECT_EQ(labels[1], 7);
  EXPECT_EQ(labels[2], 1000);
  tdcm_destroy(m);
}

}  // namespace
