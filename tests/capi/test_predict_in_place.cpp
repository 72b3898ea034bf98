// tdcm_predict on the CPU reads the caller's rows in place where the
// embedding is affine (the input's standardisation, an identity or linear
// encoder, the embedding's standardisation): the embedding is folded into the
// adapted mixture. Its labels must be the embedded path's: tdcm_assign's on
// the set it adapted to (bar rows whose two best scores tie within float
// rounding), the same with and without probabilities, and the same after a
// round trip through the model's bytes; an encoder that is not affine (mlp)
// takes the embedded path and agrees as well.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "capi_test_util.h"
#include "tdcm/tdcm.h"

namespace {

using namespace tdcm_capi_test;

std::vector<int32_t> predict_labels(tdcm_model *m, const P1 &p) {
  std::vector<int32_t> labels(static_cast<size_t>(p.n), -1);
  EXPECT_EQ(tdcm_predict(m, p.target.data(), p.n, p.d, labels.data(), nullptr), TDCM_OK)
      << tdcm_last_error();
  return labels;
}

// Fitted on the source, adapted to the target (null on failure).
ModelPtr adapted(const std::string &params, const P1 &p) {
  ModelPtr m = fitted(params.c_str(), p);
  if (m && tdcm_adapt(m.get(), p.target.data(), p.n, p.d) != TDCM_OK) {
    ADD_FAILURE() << tdcm_last_error();
    m.reset();
  }
  return m;
}

int64_t differing(const std::vector<int32_t> &a, const std::vector<int32_t> &b) {
  int64_t n = 0;
  for (size_t i = 0; i < a.size(); ++i) n += a[i] != b[i];
  return n;
}

}  // namespace

TEST(CapiPredictInPlace, LabelsAreTheEmbeddedPathsForEveryAffineEmbedding) {
  const P1 p = make_p1(23, 400, 4);
  for (const std::string extra :
       {"", " standardize=true", " embed_norm=dim", " embed_norm=none",
        " encoder=linear embed_dim=6", " encoder=linear embed_dim=6 standardize=true",
        " encoder=mlp embed_dim=6 hidden=8"}) {
    SCOPED_TRACE(extra);
    ModelPtr m = adapted("k=4 seed=3 device=cpu threads=1" + extra, p);
    ASSERT_TRUE(m);
    const std::vector<int32_t> alone = predict_labels(m.get(), p);
    const Output with_probs = predict(m.get(), p.target.data(), p.n, p.d);
    ASSERT_EQ(with_probs.status, TDCM_OK) << tdcm_last_error();
    EXPECT_EQ(with_probs.labels, alone) << "labels changed by asking for probabilities";
    // Assign adapts to the same rows again, then labels their embedding.
    const Output assigned = assign(m.get(), p.target.data(), p.n, p.d);
    ASSERT_EQ(assigned.status, TDCM_OK) << tdcm_last_error();
    EXPECT_LE(differing(assigned.labels, alone), p.n / 400);
    // Every cluster is used: the labels are not a constant.
    std::vector<int64_t> sizes(4, 0);
    for (const int32_t l : alone) {
      ASSERT_GE(l, 0);
      ASSERT_LT(l, 4);
      ++sizes[static_cast<size_t>(l)];
    }
    for (const int64_t s : sizes) EXPECT_GT(s, 0);

    size_t size = 0;
    ASSERT_EQ(tdcm_save_buffer(m.get(), nullptr, 0, &size), TDCM_ERR_INVALID_ARGUMENT);
    std::vector<uint8_t> bytes(size);
    ASSERT_EQ(tdcm_save_buffer(m.get(), bytes.data(), size, nullptr), TDCM_OK) << tdcm_last_error();
    tdcm_model *raw = nullptr;
    ASSERT_EQ(tdcm_load_buffer(&raw, bytes.data(), bytes.size()), TDCM_OK) << tdcm_last_error();
    ModelPtr loaded(raw);
    EXPECT_EQ(predict_labels(loaded.get(), p), alone) << "labels changed by a save and load";
  }
}

TEST(CapiPredictInPlace, ThreadsAndPiecesChangeNoLabel) {
  // Each row is labelled on its own: one thread or two, the whole set in one
  // call or in uneven pieces, the labels are the same.
  const P1 p = make_p1(29, 3000, 5);
  std::vector<int32_t> first;
  for (const std::string threads : {"1", "2"}) {
    SCOPED_TRACE(threads);
    ModelPtr m = adapted("k=5 seed=1 device=cpu threads=" + threads, p);
    ASSERT_TRUE(m);
    const std::vector<int32_t> labels = predict_labels(m.get(), p);
    if (first.empty()) {
      first = labels;
    } else {
      EXPECT_EQ(labels, first);
    }
    std::vector<int32_t> pieces(static_cast<size_t>(p.n), -1);
    for (int64_t s = 0, len = 1; s < p.n; s += len, len = len * 3 + 1) {
      const int64_t rows = std::min(len, p.n - s);
      ASSERT_EQ(
          tdcm_predict(m.get(), p.target.data() + s * p.d, rows, p.d, pieces.data() + s, nullptr),
          TDCM_OK);
    }
    EXPECT_EQ(pieces, labels);
  }
}

TEST(CapiPredictInPlace, NamesTheFirstNonFiniteValueFromTheLabellingPass) {
  // Labels alone are checked for NaN and infinity as they are made, with no
  // pass before: the same error as a separate check, naming the first bad
  // value wherever it lies, at 2 columns (each score a quadratic form in the
  // row) and at 6 (whitened tiles), on 1 and 2 threads, for TDCM and for
  // k-means; and the model labels clean rows as it did before.
  const P1 p = make_p1(31, 3000, 4);
  for (const int64_t d : {2, 6}) {
    // d columns made from P1's two, each scaled and shifted differently.
    auto widen = [&](const std::vector<float> &x) {
      std::vector<float> out(static_cast<size_t>(p.n * d));
      for (int64_t i = 0; i < p.n; ++i) {
        for (int64_t c = 0; c < d; ++c) {
          out[static_cast<size_t>(i * d + c)] =
              x[static_cast<size_t>(i * 2 + c % 2)] * (1.0f + 0.1f * c) + 0.05f * c;
        }
      }
      return out;
    };
    const std::vector<float> source = widen(p.source), target = widen(p.target);
    for (const std::string model : {"algo=tdcm", "algo=kmeans"}) {
      for (const std::string threads : {"1", "2"}) {
        SCOPED_TRACE(model + " d=" + std::to_string(d) + " threads=" + threads);
        ModelPtr m = create((model + " k=4 seed=0 device=cpu threads=" + threads).c_str());
        ASSERT_TRUE(m);
        ASSERT_EQ(tdcm_fit(m.get(), source.data(), p.n, d, nullptr), TDCM_OK) << tdcm_last_error();
        ASSERT_EQ(tdcm_adapt(m.get(), target.data(), p.n, d), TDCM_OK) << tdcm_last_error();
        std::vector<int32_t> clean(static_cast<size_t>(p.n), -1);
        ASSERT_EQ(tdcm_predict(m.get(), target.data(), p.n, d, clean.data(), nullptr), TDCM_OK);
        std::vector<int32_t> labels(static_cast<size_t>(p.n));
        for (const int64_t row : {int64_t{0}, int64_t{4321}, p.n - 1}) {
          std::vector<float> bad = target;
          bad[static_cast<size_t>(row * d + d - 1)] = std::numeric_limits<float>::quiet_NaN();
          bad[static_cast<size_t>((p.n - 1) * d)] = std::numeric_limits<float>::infinity();
          const std::string where = "row " + std::to_string(row) + ", column " +
                                    std::to_string(row == p.n - 1 ? 0 : d - 1);
          EXPECT_EQ(tdcm_predict(m.get(), bad.data(), p.n, d, labels.data(), nullptr),
                    TDCM_ERR_NON_FINITE);
          EXPECT_TRUE(contains(tdcm_last_error(), where))
              << tdcm_last_error() << " (want " << where << ")";
        }
        std::vector<int32_t> again(static_cast<size_t>(p.n), -1);
        ASSERT_EQ(tdcm_predict(m.get(), target.data(), p.n, d, again.data(), nullptr), TDCM_OK);
        EXPECT_EQ(again, clean);
      }
    }
  }
}
