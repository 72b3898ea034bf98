// One model under load from many threads: readers call assign, predict, save,
// save_buffer and the getters while writers try fit, adapt and set_progress_callback.
// Every reader's result equals the one-thread result bit for bit, every
// refusal is TDCM_ERR_BUSY, and the writers that get the model leave it as it
// was: their fit is cancelled by its progress callback after one epoch (the
// model keeps its state), their adapt is to the same target (the same
// centroids). Runs for TDCM_STRESS_SECONDS per model (default 3); the
// ThreadSanitizer build runs it too (./run.sh hardening).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "capi/capi_test_util.h"
#include "tdcm/tdcm.h"

namespace {

using namespace tdcm_capi_test;
using Clock = std::chrono::steady_clock;

double stress_seconds() {
  const char *s = std::getenv("TDCM_STRESS_SECONDS");
  return s != nullptr && *s != '\0' ? std::atof(s) : 3.0;
}

std::string read_bytes(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

int cancel_at_once(const tdcm_progress *, void *) { return 1; }

// What one thread sees when it has the model to itself.
struct Reference {
  Output assigned, predicted;
  std::string file, params;
  int64_t k = 0, input_dim = 0, embed_dim = 0;
  std::string algorithm, device;
};

Reference reference_of(tdcm_model *m, const P1 &data, const TempDir &dir) {
  Reference r;
  r.assigned = assign(m, data.target.data(), data.n, data.d);
  r.predicted = predict(m, data.target.data(), data.n, data.d);
  EXPECT_EQ(r.assigned.status, TDCM_OK);
  EXPECT_EQ(r.predicted.status, TDCM_OK);
  const std::string path = dir.file("reference.tdcm");
  EXPECT_EQ(tdcm_save(m, path.c_str()), TDCM_OK);
  r.file = read_bytes(path);
  std::filesystem::remove(path);
  r.params = get_params(m);
  const char *text = nullptr;
  EXPECT_EQ(tdcm_get_k(m, &r.k), TDCM_OK);
  EXPECT_EQ(tdcm_get_input_dim(m, &r.input_dim), TDCM_OK);
  EXPECT_EQ(tdcm_get_embed_dim(m, &r.embed_dim), TDCM_OK);
  EXPECT_EQ(tdcm_get_algorithm(m, &text), TDCM_OK);
  r.algorithm = text;
  EXPECT_EQ(tdcm_get_device(m, &text), TDCM_OK);
  r.device = text;
  return r;
}

struct Counts {
  std::atomic<int64_t> ok{0}, busy{0}, mismatches{0}, unexpected{0};
  std::atomic<int64_t> writer_ok{0}, writer_busy{0}, writer_cancelled{0};
};

// One reader call, chosen by `op`, counted and checked against the reference.
void read_once(int op, tdcm_model *m, const P1 &data, const Reference &ref,
               const std::string &own_path, const std::string &shared_path, Counts &c) {
  auto count = [&](tdcm_status s, bool same) {
    if (s == TDCM_ERR_BUSY) {
      ++c.busy;
    } else if (s != TDCM_OK) {
      ++c.unexpected;
    } else {
      ++c.ok;
      if (!same) ++c.mismatches;
    }
  };
  switch (op % 5) {
    case 0: {
      const Output o = label_with(tdcm_assign, m, data.target.data(), data.n, data.d, ref.k);
      count(o.status, o.same(ref.assigned));
      break;
    }
    case 1: {
      const Output o = label_with(tdcm_predict, m, data.target.data(), data.n, data.d, ref.k);
      count(o.status, o.same(ref.predicted));
      break;
    }
    case 2: {
      const tdcm_status s = tdcm_save(m, own_path.c_str());
      count(s, s != TDCM_OK || read_bytes(own_path) == ref.file);
      break;
    }
    case 3: {
      // Every saver also replaces one shared file: each rename is atomic.
      count(tdcm_save(m, shared_path.c_str()), true);
      // And serialises into memory: the reference file's bytes, whatever runs beside it.
      std::string bytes(ref.file.size(), '\0');
      const tdcm_status s = tdcm_save_buffer(m, bytes.data(), bytes.size(), nullptr);
      count(s, s != TDCM_OK || bytes == ref.file);
      break;
    }
    default: {
      int64_t k = 0, d = 0, b = 0;
      int fitted = 0, adapted = 0;
      const char *algo = nullptr, *device = nullptr;
      size_t needed = 0;
      tdcm_status s = tdcm_get_k(m, &k);
      if (s == TDCM_OK) s = tdcm_get_input_dim(m, &d);
      if (s == TDCM_OK) s = tdcm_get_embed_dim(m, &b);
      if (s == TDCM_OK) s = tdcm_is_fitted(m, &fitted);
      if (s == TDCM_OK) s = tdcm_is_adapted(m, &adapted);
      if (s == TDCM_OK) s = tdcm_get_algorithm(m, &algo);
      if (s == TDCM_OK) s = tdcm_get_device(m, &device);
      std::string params;
      if (s == TDCM_OK) {
        s = tdcm_get_params(m, nullptr, 0, &needed);
        if (s == TDCM_ERR_INVALID_ARGUMENT) {
          params.assign(needed, '\0');
          s = tdcm_get_params(m, params.data(), params.size(), nullptr);
          params.pop_back();
        }
      }
      // Compared only when every getter answered: a refused one left its output unset.
      count(s, s == TDCM_OK && k == ref.k && d == ref.input_dim && b == ref.embed_dim &&
                   fitted == 1 && adapted == 1 && ref.algorithm == algo && ref.device == device &&
                   params == ref.params);
      break;
    }
  }
}

void write_once(int op, tdcm_model *m, const P1 &data, Counts &c) {
  tdcm_status s = TDCM_OK;
  tdcm_status done = TDCM_OK;  // what the call gives when it gets the model
  switch (op % 3) {
    case 0:
      s = tdcm_fit(m, data.source.data(), data.n, data.d, nullptr);
      done = TDCM_ERR_CANCELLED;
      break;
    case 1:
      s = tdcm_adapt(m, data.target.data(), data.n, data.d);
      break;
    default:
      s = tdcm_set_progress_callback(m, &cancel_at_once, nullptr);
      break;
  }
  if (s == TDCM_ERR_BUSY) {
    ++c.busy;
    ++c.writer_busy;
  } else if (s == done) {
    ++(done == TDCM_OK ? c.writer_ok : c.writer_cancelled);
  } else {
    ++c.unexpected;
  }
}

void stress(const char *params) {
  const P1 data = make_p1(0);
  ModelPtr model = fitted(params, data);
  ASSERT_TRUE(model);
  tdcm_model *m = model.get();
  ASSERT_EQ(tdcm_adapt(m, data.target.data(), data.n, data.d), TDCM_OK);
  ASSERT_EQ(tdcm_set_progress_callback(m, &cancel_at_once, nullptr), TDCM_OK);
  TempDir dir;
  const Reference ref = reference_of(m, data, dir);
  const std::string shared_path = dir.file("shared.tdcm");

  constexpr int kReaders = 4, kWriters = 2;
  const auto deadline = Clock::now() + std::chrono::duration<double>(stress_seconds());
  Counts c;
  std::atomic<int> ready{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kReaders + kWriters; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(static_cast<unsigned>(t));
      const std::string own = dir.file("reader" + std::to_string(t) + ".tdcm");
      ++ready;
      while (ready.load() < kReaders + kWriters) std::this_thread::yield();
      for (int op = t; Clock::now() < deadline; ++op) {
        const auto start = Clock::now();
        if (t < kReaders) {
          read_once(op, m, data, ref, own, shared_path, c);
        } else {
          write_once(op, m, data, c);
        }
        // Random pauses leave moments with no reader in, so that writers get the
        // model too and readers meet their refusals. A reader rests up to twice as
        // long as its call took (an assign with the Gaussian blocks takes
        // milliseconds: fixed pauses of microseconds left no reader-free moment
        // under load); writers try again within 300 us.
        const int64_t took =
            std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count();
        const int64_t most = t < kReaders ? std::max<int64_t>(300, 2 * took) : 300;
        std::this_thread::sleep_for(
            std::chrono::microseconds(std::uniform_int_distribution<int64_t>(0, most)(rng)));
      }
    });
  }
  for (auto &th : threads) th.join();

  std::printf(
      "%s: %lld checked results (%lld mismatches), %lld readers busy, %lld unexpected; "
      "writers: %lld adapt/callback done, %lld fits cancelled, %lld busy\n",
      params, static_cast<long long>(c.ok.load()), static_cast<long long>(c.mismatches.load()),
      static_cast<long long>(c.busy.load() - c.writer_busy.load()),
      static_cast<long long>(c.unexpected.load()), static_cast<long long>(c.writer_ok.load()),
      static_cast<long long>(c.writer_cancelled.load()),
      static_cast<long long>(c.writer_busy.load()));
  ::testing::Test::RecordProperty("checked_results", static_cast<int>(c.ok.load()));
  EXPECT_EQ(c.mismatches.load(), 0);
  EXPECT_EQ(c.unexpected.load(), 0);
  EXPECT_GT(c.ok.load(), 0);
  EXPECT_GT(c.writer_busy.load(), 0) << "no writer was refused: the readers never overlapped";
  EXPECT_GT(c.writer_ok.load() + c.writer_cancelled.load(), 0) << "no writer ever got the model";
  // After it all, the model and the shared file are the reference.
  EXPECT_TRUE(assign(m, data.target.data(), data.n, data.d).same(ref.assigned));
  EXPECT_TRUE(predict(m, data.target.data(), data.n, data.d).same(ref.predicted));
  ASSERT_TRUE(std::filesystem::exists(shared_path));
  EXPECT_EQ(read_bytes(shared_path), ref.file);
  for (const auto &e : std::filesystem::directory_iterator(dir.path())) {
    EXPECT_EQ(e.path().filename().string().find(".tmp."), std::string::npos)
        << "a temporary file was left: " << e.path();
  }
}

TEST(Stress, TdcmModelUnderReadersAndWriters) {
  stress("k=3 embed_dim=8 epochs=2 hidden=32 seed=0 device=cpu threads=1");
}

TEST(Stress, KMeansModelUnderReadersAndWriters) {
  stress("algo=kmeans k=3 n_init=3 seed=0 device=cpu threads=1");
}

}  // namespace
