// The one-writer-or-many-readers rule: concurrent reads agree, and a call
// that conflicts with a running call is refused with TDCM_ERR_BUSY.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "capi_test_util.h"
#include "tdcm/tdcm.h"

namespace {

using namespace tdcm_capi_test;
using Clock = std::chrono::steady_clock;

constexpr const char *kParams = "k=3 embed_dim=8 epochs=3 hidden=32 seed=0 device=cpu threads=1";

// Spins until `flag` holds or `seconds` pass; returns whether it holds.
bool wait_for(const std::atomic<bool> &flag, double seconds) {
  const auto deadline = Clock::now() + std::chrono::duration<double>(seconds);
  while (!flag.load()) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

TEST(CapiConcurrency, ParallelAssignsAgreeWithOneThread) {
  const P1 data = make_p1(0);
  ModelPtr m = fitted(kParams, data);
  ASSERT_TRUE(m);
  ASSERT_EQ(tdcm_adapt(m.get(), data.target.data(), data.n, data.d), TDCM_OK);
  const Output assigned = assign(m.get(), data.target.data(), data.n, data.d);
  const Output predicted = predict(m.get(), data.target.data(), data.n, data.d);
  ASSERT_EQ(assigned.status, TDCM_OK);
  ASSERT_EQ(predicted.status, TDCM_OK);

  constexpr int kThreads = 4;
  std::atomic<int> ready{0};
  std::vector<std::vector<Output>> results(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      ++ready;
      while (ready.load() < kThreads) std::this_thread::yield();
      for (int r = 0; r < 3; ++r) {
        results[t].push_back(assign(m.get(), data.target.data(), data.n, data.d));
        results[t].push_back(predict(m.get(), data.target.data(), data.n, data.d));
      }
    });
  }
  for (auto &th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_EQ(results[t].size(), 6u);
    for (size_t r = 0; r < results[t].size(); ++r) {
      SCOPED_TRACE("thread " + std::to_string(t) + " call " + std::to_string(r));
      EXPECT_EQ(results[t][r].status, TDCM_OK) << "readers must not refuse each other";
      EXPECT_TRUE(results[t][r].same(r % 2 == 0 ? assigned : predicted));
    }
  }
}

// Holds a fit open inside its progress callback until released.
struct Gate {
  std::atomic<bool> inside{false};
  std::atomic<bool> release{false};
  static int callback(const tdcm_progress *, void *user) {
    auto *g = static_cast<Gate *>(user);
    g->inside = true;
    wait_for(g->release, 30.0);
    return 0;
  }
};

TEST(CapiConcurrency, CallsDuringAFitAreBusy) {
  const P1 data = make_p1(0);
  ModelPtr m = fitted(kParams, data);
  ModelPtr other = fitted(kParams, data);
  ASSERT_TRUE(m && other);
  const Output before = assign(m.get(), data.target.data(), data.n, data.d);

  Gate gate;
  ASSERT_EQ(tdcm_set_progress_callback(m.get(), &Gate::callback, &gate), TDCM_OK);
  tdcm_status fit_status = TDCM_ERR_INTERNAL;
  const P1 next = make_p1(8);
  std::thread fitter(
      [&] { fit_status = tdcm_fit(m.get(), next.source.data(), next.n, next.d, nullptr); });
  const bool inside = wait_for(gate.inside, 30.0);
  if (!inside) {
    gate.release = true;
    fitter.join();
    FAIL() << "the fit never reached its progress callback";
  }

  std::vector<int32_t> labels(static_cast<size_t>(data.n));
  int64_t k = 0;
  int flag = 0;
  size_t needed = 0;
  auto busy = [](tdcm_status s, const char *what) {
    EXPECT_EQ(s, TDCM_ERR_BUSY) << what << ": " << tdcm_status_name(s);
    EXPECT_TRUE(contains(tdcm_last_error(), "another call")) << tdcm_last_error();
  };
  busy(tdcm_fit(m.get(), data.source.data(), data.n, data.d, nullptr), "fit");
  busy(tdcm_fit_progress(m.get(), data.source.data(), data.n, data.d, nullptr, nullptr, nullptr),
       "fit_progress");
  const std::vector<int64_t> set_ids(static_cast<size_t>(data.n), 0);
  busy(tdcm_fit_labelled(m.get(), data.source.data(), data.n, data.d, set_ids.data(),
                         data.source_y.data()),
       "fit_labelled");
  busy(tdcm_fit_labelled_progress(m.get(), data.source.data(), data.n, data.d, set_ids.data(),
                                  data.source_y.data(), nullptr, nullptr),
       "fit_labelled_progress");
  busy(tdcm_assign(m.get(), data.target.data(), data.n, data.d, labels.data(), nullptr), "assign");
  busy(tdcm_adapt(m.get(), data.target.data(), data.n, data.d), "adapt");
  busy(tdcm_predict(m.get(), data.target.data(), data.n, data.d, labels.data(), nullptr),
       "predict");
  TempDir dir;
  busy(tdcm_save(m.get(), dir.file("m.tdcm").c_str()), "save");
  busy(tdcm_save_buffer(m.get(), nullptr, 0, &needed), "save_buffer");
  busy(tdcm_get_k(m.get(), &k), "get_k");
  busy(tdcm_is_fitted(m.get(), &flag), "is_fitted");
  busy(tdcm_get_params(m.get(), nullptr, 0, &needed), "get_params");
  busy(tdcm_set_progress_callback(m.get(), nullptr, nullptr), "set_progress_callback");
  // Another model is independent.
  EXPECT_TRUE(assign(other.get(), data.target.data(), data.n, data.d).same(before));

  gate.release = true;
  fitter.join();
  EXPECT_EQ(fit_status, TDCM_OK) << tdcm_status_name(fit_status);
  EXPECT_EQ(is_fitted(m.get()), 1);
  // The refused calls changed nothing: the model is the fit on `next`.
  ModelPtr reference = fitted(kParams, next);
  ASSERT_TRUE(reference);
  EXPECT_TRUE(assign(m.get(), data.target.data(), data.n, data.d)
                  .same(assign(reference.get(), data.target.data(), data.n, data.d)));
}

TEST(CapiConcurrency, WritesDuringAnAssignAreBusy) {
  const P1 data = make_p1(0);
  ModelPtr m = fitted(kParams, data);
  ASSERT_TRUE(m);
  // A target large enough that one assign takes a while: the P1 target tiled.
  const int64_t copies = 400;
  const int64_t n = data.n * copies;
  std::vector<float> big;
  big.reserve(static_cast<size_t>(n * data.d));
  for (int64_t c = 0; c < copies; ++c)
    big.insert(big.end(), data.target.begin(), data.target.end());
  const Output reference = assign(m.get(), data.target.data(), data.n, data.d);
  std::vector<int32_t> expected(static_cast<size_t>(n));
  ASSERT_EQ(tdcm_assign(m.get(), big.data(), n, data.d, expected.data(), nullptr), TDCM_OK);

  std::atomic<bool> started{false}, stop{false};
  std::atomic<int> ok{0}, wrong{0}, other_status{0};
  std::thread reader([&] {
    std::vector<int32_t> labels(static_cast<size_t>(n));
    while (!stop.load()) {
      started = true;
      const tdcm_status s = tdcm_assign(m.get(), big.data(), n, data.d, labels.data(), nullptr);
      if (s == TDCM_OK) {
        ++ok;
        if (labels != expected) ++wrong;
      } else if (s != TDCM_ERR_BUSY) {
        ++other_status;
      }
    }
  });
  ASSERT_TRUE(wait_for(started, 30.0));

  // Probes that would fail without modifying the model when they get the lock:
  // a fit with fewer rows than clusters, an adapt with the wrong dimension.
  int fit_busy = 0, fit_free = 0, adapt_busy = 0, adapt_free = 0, unexpected = 0;
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  while ((fit_busy == 0 || adapt_busy == 0) && Clock::now() < deadline) {
    const tdcm_status f = tdcm_fit(m.get(), data.source.data(), 1, data.d, nullptr);
    if (f == TDCM_ERR_BUSY) {
      ++fit_busy;
    } else if (f == TDCM_ERR_INVALID_ARGUMENT) {
      ++fit_free;
    } else {
      ++unexpected;
    }
    const tdcm_status a = tdcm_adapt(m.get(), data.source.data(), 2, 3);
    if (a == TDCM_ERR_BUSY) {
      ++adapt_busy;
    } else if (a == TDCM_ERR_SHAPE) {
      ++adapt_free;
    } else {
      ++unexpected;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  // Readers share the model with the running assign.
  int64_t k = 0;
  EXPECT_EQ(tdcm_get_k(m.get(), &k), TDCM_OK);
  stop = true;
  reader.join();

  EXPECT_GT(fit_busy, 0) << "no fit was refused while assign ran";
  EXPECT_GT(adapt_busy, 0) << "no adapt was refused while assign ran";
  EXPECT_EQ(unexpected, 0);
  EXPECT_EQ(other_status.load(), 0);
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_GT(ok.load(), 0);
  EXPECT_EQ(is_adapted(m.get()), 0);
  EXPECT_TRUE(assign(m.get(), data.target.data(), data.n, data.d).same(reference));
}

}  // namespace
