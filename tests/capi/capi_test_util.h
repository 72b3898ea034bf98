// Helpers for the C API tests: only the public header is used.
#pragma once

#include <gtest/gtest.h>
#include <tdcm/tdcm.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "temp_dir.h"

namespace tdcm_capi_test {

struct Destroy {
  void operator()(tdcm_model *m) const { tdcm_destroy(m); }
};
using ModelPtr = std::unique_ptr<tdcm_model, Destroy>;

// Protocol P1 data of K = 3 clusters in 2 dimensions.
struct P1 {
  int64_t n = 0;
  int64_t d = 2;
  std::vector<float> source, target;
  std::vector<int32_t> source_y, target_y;
};

inline P1 make_p1(uint64_t seed, int64_t per_cluster = 100, int64_t k = 3) {
  P1 p;
  p.n = k * per_cluster;
  p.source.resize(static_cast<size_t>(p.n * p.d));
  p.target.resize(static_cast<size_t>(p.n * p.d));
  p.source_y.resize(static_cast<size_t>(p.n));
  p.target_y.resize(static_cast<size_t>(p.n));
  EXPECT_EQ(tdcm_synth_drift(k, p.d, per_cluster, seed, 4.0, 0.5, p.source.data(),
                             p.source_y.data(), p.target.data(), p.target_y.data()),
            TDCM_OK)
      << tdcm_last_error();
  return p;
}

inline ModelPtr create(const char *params) {
  tdcm_model *m = nullptr;
  EXPECT_EQ(tdcm_create(&m, params), TDCM_OK) << params << ": " << tdcm_last_error();
  return ModelPtr(m);
}

inline ModelPtr fitted(const char *params, const P1 &data) {
  ModelPtr m = create(params);
  if (m) {
    EXPECT_EQ(tdcm_fit(m.get(), data.source.data(), data.n, data.d, nullptr), TDCM_OK)
        << tdcm_last_error();
  }
  return m;
}

inline int64_t get_k(tdcm_model *m) {
  int64_t k = 0;
  EXPECT_EQ(tdcm_get_k(m, &k), TDCM_OK);
  return k;
}

struct Output {
  tdcm_status status = TDCM_OK;
  std::vector<int32_t> labels;
  std::vector<float> probs;
  bool same(const Output &o) const {
    return status == o.status && labels == o.labels && probs.size() == o.probs.size() &&
           std::memcmp(probs.data(), o.probs.data(), probs.size() * sizeof(float)) == 0;
  }
};

// Labels and probabilities from tdcm_assign or tdcm_predict, outputs pre-filled
// with values the library never writes.
using LabelFn = tdcm_status (*)(tdcm_model *, const float *, int64_t, int64_t, int32_t *, float *);

inline Output label_with(LabelFn fn, tdcm_model *m, const float *x, int64_t n, int64_t d,
                         int64_t k) {
  Output o;
  o.labels.assign(static_cast<size_t>(n), -1);
  o.probs.assign(static_cast<size_t>(n * k), -1.0f);
  o.status = fn(m, x, n, d, o.labels.data(), o.probs.data());
  return o;
}

inline Output label_with(LabelFn fn, tdcm_model *m, const float *x, int64_t n, int64_t d) {
  return label_with(fn, m, x, n, d, get_k(m));
}

inline Output assign(tdcm_model *m, const float *x, int64_t n, int64_t d) {
  return label_with(tdcm_assign, m, x, n, d);
}

inline Output predict(tdcm_model *m, const float *x, int64_t n, int64_t d) {
  return label_with(tdcm_predict, m, x, n, d);
}

// Largest minus second-largest probability of row i.
inline float top_two_margin(const Output &o, int64_t i, int64_t k) {
  float first = -1.0f, second = -1.0f;
  for (int64_t j = 0; j < k; ++j) {
    const float p = o.probs[static_cast<size_t>(i * k + j)];
    if (p > first) {
      second = first;
      first = p;
    } else if (p > second) {
      second = p;
    }
  }
  return first - second;
}

// The per-cluster report of tdcm_assign_report, outputs pre-filled with
// values the library never writes.
using Report = std::vector<tdcm_cluster_report>;

inline Report blank_report(int64_t k) {
  tdcm_cluster_report junk;
  std::memset(&junk, 0xA5, sizeof junk);
  return Report(static_cast<size_t>(k), junk);
}

struct Reported {
  Output out;
  Report report;
};

inline Reported assign_report(tdcm_model *m, const float *x, int64_t n, int64_t d) {
  Reported r;
  r.out.labels.assign(static_cast<size_t>(n), -1);
  r.out.probs.assign(static_cast<size_t>(n * get_k(m)), -1.0f);
  r.report = blank_report(get_k(m));
  r.out.status =
      tdcm_assign_report(m, x, n, d, r.out.labels.data(), r.out.probs.data(), r.report.data());
  return r;
}

// tdcm_get_report's entries (status in `status`).
inline Report get_report(tdcm_model *m, tdcm_status *status) {
  Report r = blank_report(get_k(m));
  *status = tdcm_get_report(m, r.data());
  return r;
}

// Every field equal (bitwise for the doubles).
inline bool same(const Report &a, const Report &b) {
  if (a.size() != b.size()) return false;
  for (size_t j = 0; j < a.size(); ++j) {
    const tdcm_cluster_report &x = a[j];
    const tdcm_cluster_report &y = b[j];
    if (x.cluster != y.cluster || x.source_cluster != y.source_cluster || x.flags != y.flags ||
        std::memcmp(&x.confidence, &y.confidence, sizeof(double)) != 0 ||
        std::memcmp(&x.shift, &y.shift, sizeof(double)) != 0 || x.source_size != y.source_size ||
        x.target_size != y.target_size) {
      return false;
    }
  }
  return true;
}

// tdcm_get_centroids into a buffer pre-filled with NaN.
struct Centroids {
  tdcm_status status = TDCM_OK;
  std::vector<float> values;
};

inline Centroids get_centroids(tdcm_model *m, int32_t which, int64_t k, int64_t dim) {
  Centroids c;
  c.values.assign(static_cast<size_t>(k * dim), std::nanf(""));
  c.status = tdcm_get_centroids(m, which, c.values.data(), k, dim);
  return c;
}

inline int64_t centroid_dim(tdcm_model *m, int32_t *space = nullptr) {
  int64_t dim = -1;
  EXPECT_EQ(tdcm_get_centroid_dim(m, &dim, space), TDCM_OK) << tdcm_last_error();
  return dim;
}

inline int is_fitted(tdcm_model *m) {
  int f = -1;
  EXPECT_EQ(tdcm_is_fitted(m, &f), TDCM_OK);
  return f;
}

inline int is_adapted(tdcm_model *m) {
  int a = -1;
  EXPECT_EQ(tdcm_is_adapted(m, &a), TDCM_OK);
  return a;
}

inline std::string get_params(tdcm_model *m) {
  size_t needed = 0;
  EXPECT_EQ(tdcm_get_params(m, nullptr, 0, &needed), TDCM_ERR_INVALID_ARGUMENT);
  std::string buf(needed, '\0');
  EXPECT_EQ(tdcm_get_params(m, buf.data(), buf.size(), nullptr), TDCM_OK);
  return std::string(buf.c_str());
}

inline std::string read_bytes(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << path;
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// A new file each time: truncating one in place costs milliseconds on a disk
// mounted with discard, thousands of times over.
inline void write_bytes(const std::string &path, const std::string &bytes) {
  std::filesystem::remove(path);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  EXPECT_TRUE(out.good()) << path;
}

inline bool contains(const std::string &text, const std::string &word) {
  return text.find(word) != std::string::npos;
}

using tdcm_testing::TempDir;

}  // namespace tdcm_capi_test
