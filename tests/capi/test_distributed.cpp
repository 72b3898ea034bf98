// Distributed calls through the C API: ranks as threads of this process, each
// with its own communicator (a FileStore in a temporary folder, so no port can
// clash) and its own model, against one process on the concatenated rows.
// tests/cli/distributed.sh runs ranks as processes and kills one.
#include <chrono>
#include <functional>
#include <thread>

#include "capi_test_util.h"

namespace {

using tdcm_capi_test::create;
using tdcm_capi_test::make_p1;
using tdcm_capi_test::ModelPtr;
using tdcm_capi_test::P1;
using tdcm_testing::TempDir;

struct CommDestroy {
  void operator()(tdcm_comm *c) const { tdcm_comm_destroy(c); }
};
using CommPtr = std::unique_ptr<tdcm_comm, CommDestroy>;

constexpr int32_t kTimeoutMs = 20000;

// Rank r's rows of a set of n rows: a contiguous share, rank 0 first.
struct Shard {
  int64_t first = 0, rows = 0;
};
Shard shard_of(int64_t n, int r, int world) {
  const int64_t first = n * r / world;
  return {first, n * (r + 1) / world - first};
}

// Runs body(rank, comm) on `world` threads, one communicator each.
void run_ranks(int world, const std::string &rendezvous,
               const std::function<void(int, tdcm_comm *)> &body) {
  std::vector<std::thread> threads;
  for (int r = 0; r < world; ++r) {
    threads.emplace_back([&, r] {
      tdcm_comm *c = nullptr;
      const tdcm_status s = tdcm_comm_create(&c, r, world, rendezvous.c_str(), kTimeoutMs);
      CommPtr comm(c);
      ASSERT_EQ(s, TDCM_OK) << "rank " << r << ": " << tdcm_last_error();
      body(r, comm.get());
    });
  }
  for (std::thread &t : threads) t.join();
}

std::vector<float> centroids(tdcm_model *m, int32_t which) {
  int64_t k = 0, dim = 0;
  EXPECT_EQ(tdcm_get_k(m, &k), TDCM_OK);
  EXPECT_EQ(tdcm_get_centroid_dim(m, &dim, nullptr), TDCM_OK) << tdcm_last_error();
  std::vector<float> c(static_cast<size_t>(k * dim));
  EXPECT_EQ(tdcm_get_centroids(m, which, c.data(), k, dim), TDCM_OK) << tdcm_last_error();
  return c;
}

void expect_near(const std::vector<float> &a, const std::vector<float> &b, double tol,
                 const char *what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    worst = std::max(worst, std::abs(static_cast<double>(a[i]) - b[i]) /
                                std::max(1.0, std::abs(static_cast<double>(b[i]))));
  }
  EXPECT_LE(worst, tol) << what << ": largest relative difference " << worst;
  std::printf("%s: largest relative difference %.3g (tolerance %.0e)\n", what, worst, tol);
}

std::vector<int32_t> assign_all(tdcm_model *m, const std::vector<float> &x, int64_t n, int64_t d) {
  std::vector<int32_t> labels(static_cast<size_t>(n));
  EXPECT_EQ(tdcm_assign(m, x.data(), n, d, labels.data(), nullptr), TDCM_OK) << tdcm_last_error();
  return labels;
}

std::vector<uint8_t> bytes_of(tdcm_model *m) {
  size_t needed = 0;
  EXPECT_EQ(tdcm_save_buffer(m, nullptr, 0, &needed), TDCM_ERR_INVALID_ARGUMENT);
  std::vector<uint8_t> b(needed);
  EXPECT_EQ(tdcm_save_buffer(m, b.data(), b.size(), &needed), TDCM_OK) << tdcm_last_error();
  return b;
}

ModelPtr from_bytes(const std::vector<uint8_t> &b) {
  tdcm_model *m = nullptr;
  EXPECT_EQ(tdcm_load_buffer(&m, b.data(), b.size()), TDCM_OK) << tdcm_last_error();
  return ModelPtr(m);
}

// A libtdcm built against a LibTorch without Gloo's headers has no process
// groups (its communicators fail with TDCM_ERR_DISTRIBUTED): those tests skip.
bool groups_available() {
  TempDir dir;
  tdcm_comm *c = nullptr;
  const tdcm_status s = tdcm_comm_create(&c, 0, 1, ("file:" + dir.file("probe")).c_str(), 5000);
  tdcm_comm_destroy(c);
  return s == TDCM_OK;
}

#define REQUIRE_GROUPS() \
  if (!groups_available()) GTEST_SKIP() << "built without c10d's Gloo backend"

TEST(CapiDistributed, CommCreateChecksItsArguments) {
  TempDir dir;
  const std::string at = "file:" + dir.file("store");
  tdcm_comm *c = reinterpret_cast<tdcm_comm *>(&dir);
  EXPECT_EQ(tdcm_comm_create(nullptr, 0, 1, at.c_str(), 1000), TDCM_ERR_NULL_ARGUMENT);
  EXPECT_EQ(tdcm_comm_create(&c, 0, 1, nullptr, 1000), TDCM_ERR_NULL_ARGUMENT);
  EXPECT_EQ(c, nullptr);
  EXPECT_EQ(tdcm_comm_create(&c, 2, 2, at.c_str(), 1000), TDCM_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(tdcm_comm_create(&c, 0, 0, at.c_str(), 1000), TDCM_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(tdcm_comm_create(&c, 0, 1, at.c_str(), 0), TDCM_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(tdcm_comm_create(&c, 0, 1, "localhost", 1000), TDCM_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(tdcm_last_error()).find("HOST:PORT"), std::string::npos);
  EXPECT_EQ(tdcm_comm_create(&c, 0, 1, "127.0.0.1:70000", 1000), TDCM_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(c, nullptr);
  EXPECT_EQ(tdcm_comm_info(nullptr, nullptr, nullptr), TDCM_ERR_NULL_ARGUMENT);
  EXPECT_EQ(tdcm_set_comm(nullptr, nullptr), TDCM_ERR_NULL_ARGUMENT);
  tdcm_comm_destroy(nullptr);
}

TEST(CapiDistributed, OneRankGroupGivesTheOneProcessModel) {
  REQUIRE_GROUPS();
  TempDir dir;
  const P1 p = make_p1(21, 120);
  tdcm_comm *c = nullptr;
  ASSERT_EQ(tdcm_comm_create(&c, 0, 1, ("file:" + dir.file("store")).c_str(), kTimeoutMs), TDCM_OK)
      << tdcm_last_error();
  CommPtr comm(c);
  int32_t rank = -1, world = -1;
  ASSERT_EQ(tdcm_comm_info(c, &rank, &world), TDCM_OK);
  EXPECT_EQ(rank, 0);
  EXPECT_EQ(world, 1);
  ModelPtr alone = create("algo=kmeans k=3 seed=5");
  ModelPtr grouped = create("algo=kmeans k=3 seed=5");
  ASSERT_EQ(tdcm_set_comm(grouped.get(), c), TDCM_OK);
  comm.reset();  // the model keeps the group
  ASSERT_EQ(tdcm_fit(alone.get(), p.source.data(), p.n, p.d, nullptr), TDCM_OK);
  ASSERT_EQ(tdcm_fit(grouped.get(), p.source.data(), p.n, p.d, nullptr), TDCM_OK)
      << tdcm_last_error();
  EXPECT_EQ(centroids(alone.get(), TDCM_CENTROIDS_SOURCE),
            centroids(grouped.get(), TDCM_CENTROIDS_SOURCE));
  const std::vector<int64_t> ids(static_cast<size_t>(p.n), 0);
  EXPECT_EQ(tdcm_fit(grouped.get(), p.source.data(), p.n, p.d, ids.data()),
            TDCM_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(tdcm_last_error()).find("set_ids"), std::string::npos);
  ASSERT_EQ(tdcm_set_comm(grouped.get(), nullptr), TDCM_OK);
}

// Fits `params` on two ranks' shards and on all rows in one process; the
// models, as bytes, and the centroids of the two.
void fit_both(const char *params, const P1 &p, const std::string &at, std::vector<float> *one_c,
              std::vector<float> *two_c, std::vector<int32_t> *one_l, std::vector<int32_t> *two_l) {
  ModelPtr one = create(params);
  ASSERT_EQ(tdcm_fit(one.get(), p.source.data(), p.n, p.d, nullptr), TDCM_OK) << tdcm_last_error();
  *one_c = centroids(one.get(), TDCM_CENTROIDS_SOURCE);
  *one_l = assign_all(one.get(), p.target, p.n, p.d);
  std::vector<std::vector<uint8_t>> models(2);
  run_ranks(2, at, [&](int r, tdcm_comm *comm) {
    ModelPtr m = create(params);
    ASSERT_EQ(tdcm_set_comm(m.get(), comm), TDCM_OK);
    const Shard s = shard_of(p.n, r, 2);
    ASSERT_EQ(tdcm_fit(m.get(), p.source.data() + s.first * p.d, s.rows, p.d, nullptr), TDCM_OK)
        << "rank " << r << ": " << tdcm_last_error();
    ASSERT_EQ(tdcm_set_comm(m.get(), nullptr), TDCM_OK);
    models[static_cast<size_t>(r)] = bytes_of(m.get());
  });
  ASSERT_FALSE(models[0].empty());
  // Every rank holds the same model, bit for bit.
  EXPECT_EQ(models[0], models[1]);
  ModelPtr two = from_bytes(models[0]);
  *two_c = centroids(two.get(), TDCM_CENTROIDS_SOURCE);
  *two_l = assign_all(two.get(), p.target, p.n, p.d);
}

// The 2-rank fit's source centroids within `tol` (relative) of one process's,
// and the same labels of the target.
void check_fit(const char *params, const P1 &p, double tol) {
  TempDir dir;
  std::vector<float> one_c, two_c;
  std::vector<int32_t> one_l, two_l;
  fit_both(params, p, "file:" + dir.file("store"), &one_c, &two_c, &one_l, &two_l);
  expect_near(one_c, two_c, tol, params);
  EXPECT_EQ(one_l, two_l) << params;
}

TEST(CapiDistributed, TwoRankKMeansGivesTheOneProcessLabels) {
  REQUIRE_GROUPS();
  // Same seeding draws, same Lloyd iterations: the sums differ by rounding only.
  check_fit("algo=kmeans k=4 seed=11", make_p1(31, 300, 4), 1e-5);
}

TEST(CapiDistributed, TwoRankGmmAndStandardisedKMeansMatchOneProcess) {
  REQUIRE_GROUPS();
  const P1 p = make_p1(32, 200, 3);
  for (const char *params : {"algo=gmm k=3 seed=4", "algo=kmeans k=3 seed=4 standardize=true"}) {
    check_fit(params, p, 1e-5);
  }
}

TEST(CapiDistributed, TwoRankTrainingGivesTheOneProcessModelWithinTolerance) {
  REQUIRE_GROUPS();
  // Each rank encodes half of every global batch; the encoder's gradients are
  // summed over the ranks, so the weights differ from one process's by the
  // rounding of those sums, which 4 epochs of Adam carry on: measured 6e-6
  // (shared metric) and 2e-5 (contrastive views with noise) relative with gcc,
  // 2e-6 and 4e-4 with clang's ASan build, whose rounding differs.
  // One seeding (infer_restarts=1, n_init=1): restarts that reach one optimum
  // tie up to rounding, and which one wins (its cluster numbering) is noise.
  const P1 p = make_p1(33, 200, 3);
  check_fit(
      "k=3 seed=3 epochs=4 encoder=mlp embed_dim=6 metric=shared infer_restarts=1 "
      "batch_size=64",
      p, 1e-4);
  check_fit(
      "k=3 seed=3 epochs=4 encoder=mlp embed_dim=6 n_init=1 batch_size=100 contrastive=0.5 "
      "aug_noise=0.05",
      p, 2e-3);
}

// Adaptation of a one-process model to a target sharded over `world` ranks:
// the adapted centroids and every rank's labels, against one process.
void check_adaptation(const char *params, int world, double tol) {
  SCOPED_TRACE(params);
  TempDir dir;
  const P1 p = make_p1(41, 250, 3);
  ModelPtr one = create(params);
  ASSERT_EQ(tdcm_fit(one.get(), p.source.data(), p.n, p.d, nullptr), TDCM_OK) << tdcm_last_error();
  const std::vector<uint8_t> fitted = bytes_of(one.get());
  const std::vector<int32_t> one_assign = assign_all(one.get(), p.target, p.n, p.d);
  ASSERT_EQ(tdcm_adapt(one.get(), p.target.data(), p.n, p.d), TDCM_OK) << tdcm_last_error();
  const std::vector<float> one_c = centroids(one.get(), TDCM_CENTROIDS_ADAPTED);
  std::vector<int32_t> one_predict(static_cast<size_t>(p.n));
  ASSERT_EQ(tdcm_predict(one.get(), p.target.data(), p.n, p.d, one_predict.data(), nullptr),
            TDCM_OK);

  std::vector<int32_t> assigned(static_cast<size_t>(p.n), -1), predicted(assigned);
  std::vector<std::vector<float>> adapted(static_cast<size_t>(world));
  run_ranks(world, "file:" + dir.file("store"), [&](int r, tdcm_comm *comm) {
    ModelPtr m = from_bytes(fitted);
    ASSERT_EQ(tdcm_set_comm(m.get(), comm), TDCM_OK);
    const Shard s = shard_of(p.n, r, world);
    const float *x = p.target.data() + s.first * p.d;
    ASSERT_EQ(tdcm_assign(m.get(), x, s.rows, p.d, assigned.data() + s.first, nullptr), TDCM_OK)
        << "rank " << r << ": " << tdcm_last_error();
    ASSERT_EQ(tdcm_adapt(m.get(), x, s.rows, p.d), TDCM_OK)
        << "rank " << r << ": " << tdcm_last_error();
    adapted[static_cast<size_t>(r)] = centroids(m.get(), TDCM_CENTROIDS_ADAPTED);
    // Labelling against the adapted centroids is each rank's own.
    ASSERT_EQ(tdcm_predict(m.get(), x, s.rows, p.d, predicted.data() + s.first, nullptr), TDCM_OK);
  });
  for (int r = 1; r < world; ++r) EXPECT_EQ(adapted[0], adapted[static_cast<size_t>(r)]);
  expect_near(one_c, adapted[0], tol, "adapted centroids");
  EXPECT_EQ(one_assign, assigned);
  EXPECT_EQ(one_predict, predicted);
}

TEST(CapiDistributed, AdaptationOverRanksMatchesOneProcess) {
  REQUIRE_GROUPS();
  check_adaptation("k=3 seed=2", 2, 1e-5);                   // Gaussian blocks (the default)
  check_adaptation("k=3 seed=2 restart_rows=200", 3, 1e-5);  // starts compared on a subset
  check_adaptation("algo=kmeans k=3 seed=2", 2, 1e-5);
  check_adaptation("algo=gmm k=3 seed=2", 2, 1e-5);
}

TEST(CapiDistributed, SharedMetricAdaptationMatchesOneProcess) {
  REQUIRE_GROUPS();
  // Σδz and Σδ of each block summed over ranks.
  check_adaptation("k=3 seed=2 metric=shared encoder=linear embed_dim=4", 2, 1e-5);
  // Seedings compared on a subset (restart_rows) whose one-process order
  // interleaves the ranks' rows.
  check_adaptation("k=3 seed=2 metric=shared encoder=linear embed_dim=4 restart_rows=200", 3, 1e-5);
}

TEST(CapiDistributed, RanksThatDisagreeAreToldWhy) {
  REQUIRE_GROUPS();
  TempDir dir;
  const P1 p = make_p1(51, 100);
  std::vector<tdcm_status> status(2);
  std::vector<std::string> message(2);
  run_ranks(2, "file:" + dir.file("store"), [&](int r, tdcm_comm *comm) {
    ModelPtr m = create(r == 0 ? "algo=kmeans k=3" : "algo=kmeans k=4");
    ASSERT_EQ(tdcm_set_comm(m.get(), comm), TDCM_OK);
    const Shard s = shard_of(p.n, r, 2);
    status[static_cast<size_t>(r)] =
        tdcm_fit(m.get(), p.source.data() + s.first * p.d, s.rows, p.d, nullptr);
    message[static_cast<size_t>(r)] = tdcm_last_error();
  });
  for (int r = 0; r < 2; ++r) {
    EXPECT_EQ(status[r], TDCM_ERR_DISTRIBUTED) << message[r];
    EXPECT_NE(message[r].find("ranks disagree"), std::string::npos) << message[r];
  }
  // The same parameters on rows of another width.
  TempDir again;
  run_ranks(2, "file:" + again.file("store"), [&](int r, tdcm_comm *comm) {
    ModelPtr m = create("algo=kmeans k=3");
    ASSERT_EQ(tdcm_set_comm(m.get(), comm), TDCM_OK);
    const int64_t d = r == 0 ? 2 : 1;
    status[static_cast<size_t>(r)] = tdcm_fit(m.get(), p.source.data(), 100, d, nullptr);
    message[static_cast<size_t>(r)] = tdcm_last_error();
  });
  for (int r = 0; r < 2; ++r) {
    EXPECT_EQ(status[r], TDCM_ERR_DISTRIBUTED) << message[r];
    EXPECT_NE(message[r].find("rank 1 has d=1 where rank 0 has d=2"), std::string::npos)
        << message[r];
  }
}

TEST(CapiDistributed, ARankThatFailsItsChecksFailsTheOthers) {
  REQUIRE_GROUPS();
  TempDir dir;
  P1 p = make_p1(52, 100);
  std::vector<tdcm_status> status(2);
  std::vector<std::string> message(2);
  run_ranks(2, "file:" + dir.file("store"), [&](int r, tdcm_comm *comm) {
    ModelPtr m = create("algo=kmeans k=3");
    ASSERT_EQ(tdcm_set_comm(m.get(), comm), TDCM_OK);
    const Shard s = shard_of(p.n, r, 2);
    std::vector<float> x(p.source.begin() + s.first * p.d,
                         p.source.begin() + (s.first + s.rows) * p.d);
    if (r == 1) x[3] = std::nanf("");
    status[static_cast<size_t>(r)] = tdcm_fit(m.get(), x.data(), s.rows, p.d, nullptr);
    message[static_cast<size_t>(r)] = tdcm_last_error();
    int fitted = -1;
    EXPECT_EQ(tdcm_is_fitted(m.get(), &fitted), TDCM_OK);
    EXPECT_EQ(fitted, 0);
  });
  EXPECT_EQ(status[1], TDCM_ERR_NON_FINITE) << message[1];
  EXPECT_EQ(status[0], TDCM_ERR_DISTRIBUTED) << message[0];
  EXPECT_NE(message[0].find("rank 1 failed its own checks"), std::string::npos) << message[0];
}

TEST(CapiDistributed, ARankThatNeverArrivesTimesOut) {
  REQUIRE_GROUPS();
  TempDir dir;
  const auto start = std::chrono::steady_clock::now();
  tdcm_comm *c = nullptr;
  EXPECT_EQ(tdcm_comm_create(&c, 0, 2, ("file:" + dir.file("store")).c_str(), 1500),
            TDCM_ERR_TIMEOUT)
      << tdcm_last_error();
  EXPECT_EQ(c, nullptr);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(s, 10.0);
  EXPECT_GE(s, 1.0);
}

}  // namespace
