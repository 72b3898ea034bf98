// Every error path of the C API: its status, a message that says what went
// wrong, and a model left exactly as it was.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <fstream>
#include <limits>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "capi_test_util.h"
#include "tdcm/tdcm.h"

namespace {

using namespace tdcm_capi_test;

constexpr const char *kParams = "k=3 embed_dim=8 epochs=3 hidden=32 seed=0 device=cpu threads=1";

// Everything observable about a model, to compare before and after a failed call.
struct Snapshot {
  int fitted = -1;
  int adapted = -1;
  int64_t input_dim = -1;
  std::string params;
  Output assigned;
  Output predicted;
};

class CapiErrorPaths : public ::testing::Test {
 protected:
  void SetUp() override {
    data_ = make_p1(0);
    model_ = fitted(kParams, data_);
    ASSERT_TRUE(model_);
    ASSERT_EQ(tdcm_adapt(model_.get(), data_.target.data(), data_.n, data_.d), TDCM_OK);
    before_ = snapshot(model_.get());
    ASSERT_EQ(before_.assigned.status, TDCM_OK);
    ASSERT_EQ(before_.predicted.status, TDCM_OK);
  }

  Snapshot snapshot(tdcm_model *m) const {
    Snapshot s;
    s.fitted = is_fitted(m);
    s.adapted = is_adapted(m);
    EXPECT_EQ(tdcm_get_input_dim(m, &s.input_dim), TDCM_OK);
    s.params = get_params(m);
    if (s.fitted == 1) s.assigned = assign(m, data_.target.data(), data_.n, data_.d);
    if (s.adapted == 1) s.predicted = predict(m, data_.target.data(), data_.n, data_.d);
    return s;
  }

  void expect_unchanged() const {
    const Snapshot now = snapshot(model_.get());
    EXPECT_EQ(now.fitted, before_.fitted);
    EXPECT_EQ(now.adapted, before_.adapted);
    EXPECT_EQ(now.input_dim, before_.input_dim);
    EXPECT_EQ(now.params, before_.params);
    EXPECT_TRUE(now.assigned.same(before_.assigned)) << "assign output changed";
    EXPECT_TRUE(now.predicted.same(before_.predicted)) << "predict output changed";
  }

  // A call failed with `status` and a message mentioning `keyword`.
  static void expect_error(tdcm_status got, tdcm_status status, const std::string &keyword) {
    EXPECT_EQ(got, status) << tdcm_status_name(got) << ": " << tdcm_last_error();
    EXPECT_TRUE(contains(tdcm_last_error(), keyword))
        << "message '" << tdcm_last_error() << "' lacks '" << keyword << "'";
  }

  P1 data_;
  ModelPtr model_;
  Snapshot before_;
};

TEST_F(CapiErrorPaths, NullArguments) {
  tdcm_model *m = model_.get();
  const float *x = data_.target.data();
  const int64_t n = data_.n, d = data_.d;
  std::vector<int32_t> labels(static_cast<size_t>(n));
  std::vector<float> probs(static_cast<size_t>(n * 3));

  expect_error(tdcm_create(nullptr, kParams), TDCM_ERR_NULL_ARGUMENT, "'out'");
  expect_error(tdcm_fit(nullptr, x, n, d, nullptr), TDCM_ERR_NULL_ARGUMENT, "'model'");
  expect_error(tdcm_fit(m, nullptr, n, d, nullptr), TDCM_ERR_NULL_ARGUMENT, "'x'");
  expect_error(tdcm_assign(nullptr, x, n, d, labels.data(), probs.data()), TDCM_ERR_NULL_ARGUMENT,
               "'model'");
  expect_error(tdcm_assign(m, nullptr, n, d, labels.data(), probs.data()), TDCM_ERR_NULL_ARGUMENT,
               "'x'");
  expect_error(tdcm_assign(m, x, n, d, nullptr, probs.data()), TDCM_ERR_NULL_ARGUMENT, "'labels'");
  expect_error(tdcm_adapt(nullptr, x, n, d), TDCM_ERR_NULL_ARGUMENT, "'model'");
  expect_error(tdcm_adapt(m, nullptr, n, d), TDCM_ERR_NULL_ARGUMENT, "'x'");
  expect_error(tdcm_predict(nullptr, x, n, d, labels.data(), nullptr), TDCM_ERR_NULL_ARGUMENT,
               "'model'");
  expect_error(tdcm_predict(m, nullptr, n, d, labels.data(), nullptr), TDCM_ERR_NULL_ARGUMENT,
               "'x'");
  expect_error(tdcm_predict(m, x, n, d, nullptr, probs.data()), TDCM_ERR_NULL_ARGUMENT, "'labels'");
  expect_error(tdcm_save(nullptr, "unused.tdcm"), TDCM_ERR_NULL_ARGUMENT, "'model'");
  expect_error(tdcm_save(m, nullptr), TDCM_ERR_NULL_ARGUMENT, "'path'");
  expect_error(tdcm_set_progress_callback(nullptr, nullptr, nullptr), TDCM_ERR_NULL_ARGUMENT,
               "'model'");
  expect_error(tdcm_get_params(nullptr, nullptr, 0, nullptr), TDCM_ERR_NULL_ARGUMENT, "'model'");

  int64_t value = 0;
  const char *name = nullptr;
  int flag = 0;
  expect_error(tdcm_get_k(nullptr, &value), TDCM_ERR_NULL_ARGUMENT, "'model'");
  expect_error(tdcm_get_k(m, nullptr), TDCM_ERR_NULL_ARGUMENT, "NULL");
  expect_error(tdcm_get_input_dim(m, nullptr), TDCM_ERR_NULL_ARGUMENT, "NULL");
  expect_error(tdcm_get_embed_dim(nullptr, &value), TDCM_ERR_NULL_ARGUMENT, "'model'");
  expect_error(tdcm_get_algorithm(nullptr, &name), TDCM_ERR_NULL_ARGUMENT, "'model'");
  expect_error(tdcm_get_device(m, nullptr), TDCM_ERR_NULL_ARGUMENT, "NULL");
  expect_error(tdcm_is_fitted(nullptr, &flag), TDCM_ERR_NULL_ARGUMENT, "'model'");
  expect_error(tdcm_is_adapted(m, nullptr), TDCM_ERR_NULL_ARGUMENT, "NULL");

  tdcm_model *loaded = reinterpret_cast<tdcm_model *>(&value);  // must be reset to NULL
  expect_error(tdcm_load(&loaded, nullptr), TDCM_ERR_NULL_ARGUMENT, "'path'");
  EXPECT_EQ(loaded, nullptr);
  expect_error(tdcm_load(nullptr, "unused.tdcm"), TDCM_ERR_NULL_ARGUMENT, "'out'");
  expect_error(tdcm_load_with(nullptr, "unused.tdcm", "threads=1"), TDCM_ERR_NULL_ARGUMENT,
               "'out'");

  expect_error(tdcm_param_count(nullptr), TDCM_ERR_NULL_ARGUMENT, "'count'");
  expect_error(tdcm_param_info(0, nullptr), TDCM_ERR_NULL_ARGUMENT, "'desc'");
  tdcm_metrics_result r;
  const int32_t y[3] = {0, 1, 2};
  double acc = 0;
  expect_error(tdcm_metrics(nullptr, y, 3, &r), TDCM_ERR_NULL_ARGUMENT, "'truth'");
  expect_error(tdcm_metrics(y, nullptr, 3, &r), TDCM_ERR_NULL_ARGUMENT, "'pred'");
  expect_error(tdcm_metrics(y, y, 3, nullptr), TDCM_ERR_NULL_ARGUMENT, "'out'");
  expect_error(tdcm_metrics_acc_kept(y, y, 3, y, nullptr, 3, &acc), TDCM_ERR_NULL_ARGUMENT,
               "'target_pred'");
  expect_error(tdcm_metrics_acc_kept(y, y, 3, y, y, 3, nullptr), TDCM_ERR_NULL_ARGUMENT,
               "'acc_kept'");
  expect_unchanged();
}

TEST_F(CapiErrorPaths, FewerRowsThanClusters) {
  expect_error(tdcm_fit(model_.get(), data_.source.data(), 2, data_.d, nullptr),
               TDCM_ERR_INVALID_ARGUMENT, "fewer than k=3");
  expect_unchanged();
}

TEST_F(CapiErrorPaths, EmptyOrNegativeSizes) {
  tdcm_model *m = model_.get();
  const float *x = data_.target.data();
  std::vector<int32_t> labels(static_cast<size_t>(data_.n));
  for (const int64_t n : {int64_t{0}, int64_t{-5}}) {
    SCOPED_TRACE(n);
    expect_error(tdcm_fit(m, x, n, 2, nullptr), TDCM_ERR_INVALID_ARGUMENT, "n must be");
    expect_error(tdcm_assign(m, x, n, 2, labels.data(), nullptr), TDCM_ERR_INVALID_ARGUMENT,
                 "n must be");
    expect_error(tdcm_adapt(m, x, n, 2), TDCM_ERR_INVALID_ARGUMENT, "n must be");
    expect_error(tdcm_predict(m, x, n, 2, labels.data(), nullptr), TDCM_ERR_INVALID_ARGUMENT,
                 "n must be");
  }
  for (const int64_t d : {int64_t{0}, int64_t{-1}}) {
    SCOPED_TRACE(d);
    expect_error(tdcm_fit(m, x, 10, d, nullptr), TDCM_ERR_INVALID_ARGUMENT, "d must be");
    expect_error(tdcm_assign(m, x, 10, d, labels.data(), nullptr), TDCM_ERR_INVALID_ARGUMENT,
                 "d must be");
    expect_error(tdcm_adapt(m, x, 10, d), TDCM_ERR_INVALID_ARGUMENT, "d must be");
  }
  // n x d x 4 bytes overflowing int64 is refused before any row is read.
  expect_error(
      tdcm_assign(m, x, std::numeric_limits<int64_t>::max() / 2, 8, labels.data(), nullptr),
      TDCM_ERR_INVALID_ARGUMENT, "too large");
  expect_unchanged();
}

TEST_F(CapiErrorPaths, DimensionMismatch) {
  tdcm_model *m = model_.get();
  // The same floats read as 200 rows of 3 columns.
  const int64_t n = data_.n * 2 / 3;
  std::vector<int32_t> labels(static_cast<size_t>(n));
  expect_error(tdcm_assign(m, data_.target.data(), n, 3, labels.data(), nullptr), TDCM_ERR_SHAPE,
               "3 columns");
  expect_error(tdcm_adapt(m, data_.target.data(), n, 3), TDCM_ERR_SHAPE, "3 columns");
  expect_error(tdcm_predict(m, data_.target.data(), n, 3, labels.data(), nullptr), TDCM_ERR_SHAPE,
               "3 columns");
  expect_error(tdcm_assign(m, data_.target.data(), data_.n * 2, 1, labels.data(), nullptr),
               TDCM_ERR_SHAPE, "fitted on 2");
  expect_unchanged();
}

// A k-means assign of labels checks the values in the pass that labels the
// rows (with probabilities, before it): the same error, naming the first bad
// value, at 2 columns (the direct loop) and at 16 (the GEMM), on 1 and 2
// threads, wherever in the rows it lies.
TEST(CapiNonFinite, KmeansAssignNamesTheFirstBadValue) {
  for (const int64_t d : {2, 16}) {
    const int64_t n = 20000, k = 5;
    std::vector<float> x(static_cast<size_t>(n * d));
    for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>((i * 7919) % 1000) / 100.0f;
    for (const char *threads : {"threads=1", "threads=2"}) {
      SCOPED_TRACE(std::to_string(d) + " " + threads);
      ModelPtr m = create((std::string("algo=kmeans k=5 n_init=1 seed=0 ") + threads).c_str());
      ASSERT_EQ(tdcm_fit(m.get(), x.data(), n, d, nullptr), TDCM_OK) << tdcm_last_error();
      std::vector<int32_t> labels(static_cast<size_t>(n));
      std::vector<float> probs(static_cast<size_t>(n * k));
      for (const int64_t row : {int64_t{0}, int64_t{12345}, n - 1}) {
        std::vector<float> bad = x;
        bad[static_cast<size_t>(row * d + d - 1)] = std::numeric_limits<float>::quiet_NaN();
        bad[static_cast<size_t>((n - 1) * d)] = std::numeric_limits<float>::infinity();
        const std::string where =
            "row " + std::to_string(row) + ", column " + std::to_string(row == n - 1 ? 0 : d - 1);
        for (float *p : {static_cast<float *>(nullptr), probs.data()}) {
          EXPECT_EQ(tdcm_assign(m.get(), bad.data(), n, d, labels.data(), p), TDCM_ERR_NON_FINITE);
          EXPECT_NE(std::string(tdcm_last_error()).find(where), std::string::npos)
              << tdcm_last_error() << " (want " << where << ")";
        }
      }
      // And the model still assigns the clean rows as it did.
      std::vector<int32_t> again(static_cast<size_t>(n));
      ASSERT_EQ(tdcm_assign(m.get(), x.data(), n, d, labels.data(), nullptr), TDCM_OK);
      ASSERT_EQ(tdcm_assign(m.get(), x.data(), n, d, again.data(), nullptr), TDCM_OK);
      EXPECT_EQ(labels, again);
    }
  }
}

TEST_F(CapiErrorPaths, NonFiniteInput) {
  tdcm_model *m = model_.get();
  std::vector<int32_t> labels(static_cast<size_t>(data_.n));
  for (const float bad :
       {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
        -std::numeric_limits<float>::infinity()}) {
    SCOPED_TRACE(bad);
    std::vector<float> x = data_.target;
    x[5 * 2 + 1] = bad;
    expect_error(tdcm_fit(m, x.data(), data_.n, data_.d, nullptr), TDCM_ERR_NON_FINITE,
                 "row 5, column 1");
    expect_error(tdcm_assign(m, x.data(), data_.n, data_.d, labels.data(), nullptr),
                 TDCM_ERR_NON_FINITE, "non-finite");
    expect_error(tdcm_adapt(m, x.data(), data_.n, data_.d), TDCM_ERR_NON_FINITE, "non-finite");
    expect_error(tdcm_predict(m, x.data(), data_.n, data_.d, labels.data(), nullptr),
                 TDCM_ERR_NON_FINITE, "non-finite");
    // The last value of the buffer is checked too.
    x = data_.target;
    x.back() = bad;
    expect_error(tdcm_assign(m, x.data(), data_.n, data_.d, labels.data(), nullptr),
                 TDCM_ERR_NON_FINITE, "non-finite");
  }
  expect_unchanged();
}

TEST_F(CapiErrorPaths, UnsuitableSetIds) {
  std::vector<int64_t> ids(static_cast<size_t>(data_.n), 4);
  ids[10] = ids[20] = -77;  // a data set of 2 rows, fewer than k = 3
  expect_error(tdcm_fit(model_.get(), data_.source.data(), data_.n, data_.d, ids.data()),
               TDCM_ERR_INVALID_ARGUMENT, "-77");
  EXPECT_TRUE(contains(tdcm_last_error(), "fewer than k"));
  expect_unchanged();
}

TEST_F(CapiErrorPaths, LoadWithFixedParameterIsRefused) {
  TempDir dir;
  const std::string path = dir.file("m.tdcm");
  ASSERT_EQ(tdcm_save(model_.get(), path.c_str()), TDCM_OK) << tdcm_last_error();
  tdcm_model *out = nullptr;
  expect_error(tdcm_load_with(&out, path.c_str(), "k=3"), TDCM_ERR_BAD_PARAMETER, "'k'");
  EXPECT_EQ(out, nullptr);
  expect_error(tdcm_load_with(&out, path.c_str(), "threads=1 algo=kmeans"), TDCM_ERR_BAD_PARAMETER,
               "'algo'");
  EXPECT_EQ(out, nullptr);
  expect_error(tdcm_load_with(&out, path.c_str(), "chunk_rows=0"), TDCM_ERR_BAD_PARAMETER,
               "'chunk_rows'");
  EXPECT_EQ(out, nullptr);
  // An unknown key is refused as unknown, and named.
  EXPECT_EQ(tdcm_load_with(&out, path.c_str(), "bogus_key=1"), TDCM_ERR_UNKNOWN_PARAMETER);
  EXPECT_TRUE(contains(tdcm_last_error(), "bogus_key")) << tdcm_last_error();
  EXPECT_EQ(out, nullptr);

  // Run-time keys may be changed.
  ASSERT_EQ(tdcm_load_with(&out, path.c_str(), "threads=1 chunk_rows=7 device=cpu"), TDCM_OK)
      << tdcm_last_error();
  ModelPtr loaded(out);
  EXPECT_TRUE(contains(get_params(loaded.get()), "chunk_rows=7"));
  EXPECT_TRUE(contains(get_params(loaded.get()), "threads=1"));
  expect_unchanged();
}

TEST_F(CapiErrorPaths, GetParamsBufferTooSmall) {
  const std::string full = get_params(model_.get());
  ASSERT_FALSE(full.empty());
  size_t needed = 0;
  char buf[8];
  std::memset(buf, 'x', sizeof buf);
  expect_error(tdcm_get_params(model_.get(), buf, sizeof buf, &needed), TDCM_ERR_INVALID_ARGUMENT,
               "too small");
  EXPECT_EQ(needed, full.size() + 1);
  EXPECT_EQ(std::string(buf, sizeof buf), std::string(sizeof buf, 'x')) << "buffer written";
  // One byte short of the terminating NUL.
  std::string exact(full.size(), 'x');
  needed = 0;
  expect_error(tdcm_get_params(model_.get(), exact.data(), exact.size(), &needed),
               TDCM_ERR_INVALID_ARGUMENT, "too small");
  EXPECT_EQ(needed, full.size() + 1);
  // Exactly enough.
  std::string fits(full.size() + 1, 'x');
  needed = 0;
  ASSERT_EQ(tdcm_get_params(model_.get(), fits.data(), fits.size(), &needed), TDCM_OK);
  EXPECT_EQ(needed, full.size() + 1);
  EXPECT_EQ(std::string(fits.c_str()), full);
  expect_unchanged();
}

TEST(CapiErrors, ParamInfoOutOfRange) {
  size_t count = 0;
  ASSERT_EQ(tdcm_param_count(&count), TDCM_OK);
  ASSERT_GT(count, 10u);
  tdcm_param_desc desc{};
  std::set<std::string> names;
  for (size_t i = 0; i < count; ++i) {
    ASSERT_EQ(tdcm_param_info(i, &desc), TDCM_OK);
    ASSERT_NE(desc.name, nullptr);
    ASSERT_NE(desc.type, nullptr);
    ASSERT_NE(desc.default_value, nullptr);
    ASSERT_NE(desc.range, nullptr);
    ASSERT_NE(desc.help, nullptr);
    EXPECT_TRUE(names.insert(desc.name).second) << desc.name;
  }
  EXPECT_EQ(names.count("k"), 1u);
  EXPECT_EQ(names.count("chunk_rows"), 1u);
  const tdcm_param_desc untouched = desc;
  EXPECT_EQ(tdcm_param_info(count, &desc), TDCM_ERR_INVALID_ARGUMENT);
  EXPECT_TRUE(contains(tdcm_last_error(), "out of range")) << tdcm_last_error();
  EXPECT_EQ(tdcm_param_info(std::numeric_limits<size_t>::max(), &desc), TDCM_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(desc.name, untouched.name);
}

TEST(CapiErrors, CreateWithBadParameters) {
  int sentinel = 0;
  tdcm_model *out = reinterpret_cast<tdcm_model *>(&sentinel);
  EXPECT_EQ(tdcm_create(&out, "k=3 frobnicate=2"), TDCM_ERR_UNKNOWN_PARAMETER);
  EXPECT_TRUE(contains(tdcm_last_error(), "frobnicate")) << tdcm_last_error();
  EXPECT_EQ(out, nullptr);
  out = reinterpret_cast<tdcm_model *>(&sentinel);
  EXPECT_EQ(tdcm_create(&out, "k=0"), TDCM_ERR_BAD_PARAMETER);
  EXPECT_TRUE(contains(tdcm_last_error(), "'k'")) << tdcm_last_error();
  EXPECT_EQ(out, nullptr);
  EXPECT_EQ(tdcm_create(&out, "tau=-1"), TDCM_ERR_BAD_PARAMETER);
  EXPECT_TRUE(contains(tdcm_last_error(), "'tau'")) << tdcm_last_error();
  EXPECT_EQ(tdcm_create(&out, "k=4 k=4"), TDCM_ERR_BAD_PARAMETER);
  EXPECT_TRUE(contains(tdcm_last_error(), "twice")) << tdcm_last_error();
  EXPECT_EQ(out, nullptr);
  // NULL and "" are the defaults.
  ModelPtr defaults = create(nullptr);
  ModelPtr empty = create("");
  ASSERT_TRUE(defaults && empty);
  EXPECT_EQ(get_k(defaults.get()), 5);
  EXPECT_EQ(get_params(defaults.get()), get_params(empty.get()));
}

TEST(CapiErrors, NotFitted) {
  const P1 data = make_p1(0);
  ModelPtr m = create(kParams);
  ASSERT_TRUE(m);
  std::vector<int32_t> labels(static_cast<size_t>(data.n), -1);
  auto expect_not_fitted = [&](tdcm_status got) {
    EXPECT_EQ(got, TDCM_ERR_NOT_FITTED) << tdcm_status_name(got);
    EXPECT_TRUE(contains(tdcm_last_error(), "not fitted")) << tdcm_last_error();
  };
  expect_not_fitted(tdcm_assign(m.get(), data.target.data(), data.n, 2, labels.data(), nullptr));
  expect_not_fitted(tdcm_adapt(m.get(), data.target.data(), data.n, 2));
  expect_not_fitted(tdcm_predict(m.get(), data.target.data(), data.n, 2, labels.data(), nullptr));
  TempDir dir;
  expect_not_fitted(tdcm_save(m.get(), dir.file("m.tdcm").c_str()));
  EXPECT_FALSE(std::filesystem::exists(dir.file("m.tdcm")));
  EXPECT_EQ(labels, std::vector<int32_t>(static_cast<size_t>(data.n), -1));
  // A failed fit of an unfitted model leaves it unfitted.
  std::vector<float> x = data.source;
  x[0] = std::nanf("");
  EXPECT_EQ(tdcm_fit(m.get(), x.data(), data.n, 2, nullptr), TDCM_ERR_NON_FINITE);
  EXPECT_EQ(is_fitted(m.get()), 0);
  int64_t dim = -1;
  ASSERT_EQ(tdcm_get_input_dim(m.get(), &dim), TDCM_OK);
  EXPECT_EQ(dim, 0);
  ASSERT_EQ(tdcm_get_embed_dim(m.get(), &dim), TDCM_OK);
  EXPECT_EQ(dim, 8);  // a parameter for TDCM
}

TEST(CapiErrors, PredictBeforeAdapt) {
  const P1 data = make_p1(0);
  ModelPtr m = fitted(kParams, data);
  ASSERT_TRUE(m);
  EXPECT_EQ(is_adapted(m.get()), 0);
  std::vector<int32_t> labels(static_cast<size_t>(data.n), -1);
  EXPECT_EQ(tdcm_predict(m.get(), data.target.data(), data.n, 2, labels.data(), nullptr),
            TDCM_ERR_NOT_ADAPTED);
  EXPECT_TRUE(contains(tdcm_last_error(), "tdcm_adapt")) << tdcm_last_error();
  EXPECT_EQ(is_adapted(m.get()), 0);
  EXPECT_EQ(is_fitted(m.get()), 1);
}

TEST(CapiErrors, BadModelFiles) {
  TempDir dir;
  tdcm_model *out = nullptr;
  auto expect_load_error = [&](const std::string &path, tdcm_status status,
                               const std::string &keyword) {
    int sentinel = 0;
    out = reinterpret_cast<tdcm_model *>(&sentinel);
    const tdcm_status got = tdcm_load(&out, path.c_str());
    EXPECT_EQ(got, status) << path << ": " << tdcm_status_name(got) << " " << tdcm_last_error();
    EXPECT_TRUE(contains(tdcm_last_error(), keyword)) << tdcm_last_error();
    EXPECT_TRUE(contains(tdcm_last_error(), path)) << tdcm_last_error();
    EXPECT_EQ(out, nullptr);
  };
  expect_load_error(dir.file("missing.tdcm"), TDCM_ERR_IO, "cannot open");

  std::ofstream(dir.file("garbage.tdcm")) << "this is not a model file at all\n";
  expect_load_error(dir.file("garbage.tdcm"), TDCM_ERR_BAD_FILE, "not a tdcm model file");
  std::ofstream(dir.file("empty.tdcm")).flush();
  expect_load_error(dir.file("empty.tdcm"), TDCM_ERR_BAD_FILE, "not a tdcm model file");

  // A good file cut in half.
  const P1 data = make_p1(0);
  ModelPtr m = fitted(kParams, data);
  ASSERT_TRUE(m);
  const std::string good = dir.file("good.tdcm");
  ASSERT_EQ(tdcm_save(m.get(), good.c_str()), TDCM_OK) << tdcm_last_error();
  std::ifstream in(good, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(bytes.size(), 100u);
  for (const size_t len : {bytes.size() / 2, bytes.size() - 1, size_t{30}}) {
    SCOPED_TRACE(len);
    std::ofstream(dir.file("cut.tdcm"), std::ios::binary | std::ios::trunc)
        .write(bytes.data(), static_cast<std::streamsize>(len));
    expect_load_error(dir.file("cut.tdcm"), TDCM_ERR_BAD_FILE, "truncated");
  }
  // A flipped byte in the middle of the weights.
  std::string flipped = bytes;
  flipped[bytes.size() / 2] = static_cast<char>(flipped[bytes.size() / 2] ^ 0x10);
  std::ofstream(dir.file("flipped.tdcm"), std::ios::binary)
      .write(flipped.data(), static_cast<std::streamsize>(flipped.size()));
  expect_load_error(dir.file("flipped.tdcm"), TDCM_ERR_BAD_FILE, "checksum");
  // The good file still loads.
  ASSERT_EQ(tdcm_load(&out, good.c_str()), TDCM_OK) << tdcm_last_error();
  tdcm_destroy(out);
}

TEST(CapiErrors, CudaWithoutCuda) {
  tdcm_model *out = nullptr;
  const tdcm_status status = tdcm_create(&out, "device=cuda");
  if (status == TDCM_OK) {
    tdcm_destroy(out);
    GTEST_SKIP() << "CUDA is available here";
  }
  EXPECT_EQ(status, TDCM_ERR_DEVICE) << tdcm_last_error();
  EXPECT_TRUE(contains(tdcm_last_error(), "cuda")) << tdcm_last_error();
  EXPECT_EQ(out, nullptr);
  EXPECT_EQ(tdcm_create(&out, "device=cuda:0"), TDCM_ERR_DEVICE);
  EXPECT_EQ(out, nullptr);
  // "auto" falls back to the CPU.
  ModelPtr m = create("device=auto");
  ASSERT_TRUE(m);
  const char *device = nullptr;
  ASSERT_EQ(tdcm_get_device(m.get(), &device), TDCM_OK);
  EXPECT_STREQ(device, "cpu");
}

TEST(CapiErrors, DestroyNullIsANoOp) {
  tdcm_destroy(nullptr);
  SUCCEED();
}

TEST(CapiErrors, StatusNamesAndVersion) {
  EXPECT_STREQ(tdcm_version(), TDCM_VERSION_STRING);

  const std::vector<std::pair<tdcm_status, const char *>> names = {
      {TDCM_OK, "TDCM_OK"},
      {TDCM_ERR_NULL_ARGUMENT, "TDCM_ERR_NULL_ARGUMENT"},
      {TDCM_ERR_INVALID_ARGUMENT, "TDCM_ERR_INVALID_ARGUMENT"},
      {TDCM_ERR_UNKNOWN_PARAMETER, "TDCM_ERR_UNKNOWN_PARAMETER"},
      {TDCM_ERR_BAD_PARAMETER, "TDCM_ERR_BAD_PARAMETER"},
      {TDCM_ERR_NON_FINITE, "TDCM_ERR_NON_FINITE"},
      {TDCM_ERR_SHAPE, "TDCM_ERR_SHAPE"},
      {TDCM_ERR_NOT_FITTED, "TDCM_ERR_NOT_FITTED"},
      {TDCM_ERR_NOT_ADAPTED, "TDCM_ERR_NOT_ADAPTED"},
      {TDCM_ERR_IO, "TDCM_ERR_IO"},
      {TDCM_ERR_BAD_FILE, "TDCM_ERR_BAD_FILE"},
      {TDCM_ERR_UNSUPPORTED_VERSION, "TDCM_ERR_UNSUPPORTED_VERSION"},
      {TDCM_ERR_DEVICE, "TDCM_ERR_DEVICE"},
      {TDCM_ERR_BUSY, "TDCM_ERR_BUSY"},
      {TDCM_ERR_OUT_OF_MEMORY, "TDCM_ERR_OUT_OF_MEMORY"},
      {TDCM_ERR_CANCELLED, "TDCM_ERR_CANCELLED"},
      {TDCM_ERR_INTERNAL, "TDCM_ERR_INTERNAL"},
      {TDCM_ERR_DIVERGED, "TDCM_ERR_DIVERGED"},
      {TDCM_ERR_DISTRIBUTED, "TDCM_ERR_DISTRIBUTED"},
      {TDCM_ERR_TIMEOUT, "TDCM_ERR_TIMEOUT"},
  };
  for (size_t i = 0; i < names.size(); ++i) {
    EXPECT_EQ(static_cast<int>(names[i].first), static_cast<int>(i));
    EXPECT_STREQ(tdcm_status_name(names[i].first), names[i].second);
  }
  const char *unknown = tdcm_status_name(static_cast<tdcm_status>(31));
  ASSERT_NE(unknown, nullptr);
  EXPECT_STREQ(unknown, "TDCM_ERR_UNKNOWN_STATUS");
}

TEST(CapiErrors, LastErrorIsThreadLocal) {
  tdcm_model *out = nullptr;
  ASSERT_EQ(tdcm_create(&out, "main_thread_key=1"), TDCM_ERR_UNKNOWN_PARAMETER);
  const std::string mine = tdcm_last_error();
  ASSERT_TRUE(contains(mine, "main_thread_key"));

  std::string initial, theirs;
  std::thread other([&] {
    initial = tdcm_last_error();
    tdcm_model *o = nullptr;
    EXPECT_EQ(tdcm_create(&o, "other_thread_key=1"), TDCM_ERR_UNKNOWN_PARAMETER);
    theirs = tdcm_last_error();
  });
  other.join();
  EXPECT_EQ(initial, "");
  EXPECT_TRUE(contains(theirs, "other_thread_key")) << theirs;
  EXPECT_EQ(std::string(tdcm_last_error()), mine);
}

TEST(CapiErrors, MetricsAndGeneratorArguments) {
  const int32_t truth[4] = {0, 0, 1, 1};
  const int32_t negative[4] = {0, -1, 1, 1};
  tdcm_metrics_result r{};
  EXPECT_EQ(tdcm_metrics(truth, truth, 0, &r), TDCM_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(tdcm_metrics(truth, negative, 4, &r), TDCM_ERR_INVALID_ARGUMENT);
  EXPECT_STRNE(tdcm_last_error(), "");
  double acc = 0;
  EXPECT_EQ(tdcm_metrics_acc_kept(truth, truth, 4, truth, truth, 0, &acc),
            TDCM_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(tdcm_metrics_acc_kept(truth, truth, 4, negative, truth, 4, &acc),
            TDCM_ERR_INVALID_ARGUMENT);

  std::vector<float> x(100);
  EXPECT_EQ(tdcm_synth_drift(0, 2, 10, 0, 4.0, 0.5, x.data(), nullptr, nullptr, nullptr),
            TDCM_ERR_INVALID_ARGUMENT);
  EXPECT_TRUE(contains(tdcm_last_error(), "synth_drift")) << tdcm_last_error();
  EXPECT_EQ(tdcm_synth_drift(2, 2, 10, 0, 0.0, 0.5, x.data(), nullptr, nullptr, nullptr),
            TDCM_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(tdcm_synth_drift(2, 2, 10, 0, 4.0, -0.1, x.data(), nullptr, nullptr, nullptr),
            TDCM_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(tdcm_synth_drift(2, 2, 10, 0, std::nan(""), 0.5, x.data(), nullptr, nullptr, nullptr),
            TDCM_ERR_INVALID_ARGUMENT);
}

}  // namespace
