// Protocol P1 generator: determinism, shapes, label balance, the drift model
// and the covariance spectrum.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "data/synth.h"

using tdcm::data::DriftPair;
using tdcm::data::DriftSpec;
using tdcm::data::LabelledSet;
using tdcm::data::make_drift_pair;

namespace {

DriftSpec spec(int64_t k, int64_t d, int64_t n, uint64_t seed, double spread = 4.0,
               double drift = 0.5) {
  DriftSpec s;
  s.k = k;
  s.d = d;
  s.n_per_cluster = n;
  s.seed = seed;
  s.spread = spread;
  s.drift = drift;
  return s;
}

// Per-label mean, k x d.
std::vector<std::vector<double>> means(const LabelledSet &set, int64_t k) {
  const size_t d = static_cast<size_t>(set.d);
  std::vector<std::vector<double>> mu(static_cast<size_t>(k), std::vector<double>(d, 0.0));
  std::vector<double> count(static_cast<size_t>(k), 0.0);
  for (int64_t r = 0; r < set.rows; ++r) {
    const size_t y = static_cast<size_t>(set.y[static_cast<size_t>(r)]);
    count[y] += 1;
    for (size_t j = 0; j < d; ++j) mu[y][j] += set.x[static_cast<size_t>(r) * d + j];
  }
  for (size_t c = 0; c < mu.size(); ++c) {
    for (double &v : mu[c]) v /= count[c];
  }
  return mu;
}

double dist(const std::vector<double> &a, const std::vector<double> &b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += (a[i] - b[i]) * (a[i] - b[i]);
  return std::sqrt(s);
}

// Eigenvalues of a symmetric matrix (row-major, n x n) by cyclic Jacobi.
std::vector<double> sym_eigenvalues(std::vector<double> a, size_t n) {
  for (int sweep = 0; sweep < 100; ++sweep) {
    double off = 0;
    for (size_t p = 0; p < n; ++p) {
      for (size_t q = p + 1; q < n; ++q) off += a[p * n + q] * a[p * n + q];
    }
    if (off < 1e-24) break;
    for (size_t p = 0; p < n; ++p) {
      for (size_t q = p + 1; q < n; ++q) {
        const double apq = a[p * n + q];
        if (std::fabs(apq) < 1e-300) continue;
        const double theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const double t =
            (theta >= 0 ? 1.0 : -1.0) / (std::fabs(theta) + std::sqrt(theta * theta + 1));
        const double c = 1 / std::sqrt(t * t + 1), s = t * c;
        for (size_t k = 0; k < n; ++k) {  // columns p, q
          const double akp = a[k * n + p], akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (size_t k = 0; k < n; ++k) {  // rows p, q
          const double apk = a[p * n + k], aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
      }
    }
  }
  std::vector<double> ev(n);
  for (size_t i = 0; i < n; ++i) ev[i] = a[i * n + i];
  std::sort(ev.begin(), ev.end());
  return ev;
}

}  // namespace

TEST(Synth, ShapesAndLabelBalance) {
  const DriftPair p = make_drift_pair(spec(4, 3, 50, 1));
  for (const LabelledSet *s : {&p.source, &p.target}) {
    EXPECT_EQ(s->rows, 200);
    EXPECT_EQ(s->d, 3);
    EXPECT_EQ(s->x.size(), 600u);
    ASSERT_EQ(s->y.size(), 200u);
    for (int32_t c = 0; c < 4; ++c) {
      EXPECT_EQ(std::count(s->y.begin(), s->y.end(), c), 50) << "label " << c;
    }
    EXPECT_TRUE(std::all_of(s->y.begin(), s->y.end(), [](int32_t y) { return y >= 0 && y < 4; }));
    EXPECT_TRUE(std::all_of(s->x.begin(), s->x.end(), [](float v) { return std::isfinite(v); }));
    // Rows are shuffled, not grouped by label.
    EXPECT_FALSE(std::is_sorted(s->y.begin(), s->y.end()));
  }
}

TEST(Synth, DeterministicForASeed) {
  const DriftPair a = make_drift_pair(spec(3, 5, 40, 2024));
  const DriftPair b = make_drift_pair(spec(3, 5, 40, 2024));
  EXPECT_EQ(a.source.x, b.source.x);
  EXPECT_EQ(a.source.y, b.source.y);
  EXPECT_EQ(a.target.x, b.target.x);
  EXPECT_EQ(a.target.y, b.target.y);
}

TEST(Synth, DifferentSeedsDiffer) {
  const DriftPair a = make_drift_pair(spec(3, 5, 40, 1));
  const DriftPair b = make_drift_pair(spec(3, 5, 40, 2));
  EXPECT_NE(a.source.x, b.source.x);
  EXPECT_NE(a.target.x, b.target.x);
  EXPECT_NE(a.source.y, b.source.y);
}

// Golden values for the protocol itself. They come from an independent
// Python re-implementation of the written P1 description (its own
// mt19937_64, polar normals, Householder QR with the sign fix, the documented
// draw order), not from this library. If this fails, every published P1
// number changes. FLOAT_EQ (4 ulps) leaves room for a libm whose log() is
// off by an ulp.
TEST(Synth, GoldenValuesMatchIndependentImplementation) {
  const DriftPair p = make_drift_pair(spec(2, 2, 3, 42, 4.0, 0.5));
  const std::vector<float> want_src_x{5.29941702f, -5.97081614f, 4.06778288f, 3.67184925f,
                                      5.92429161f, 2.88959575f,  4.48825407f, -4.53883505f,
                                      5.07965708f, -6.81742764f, 6.11591291f, 1.66652274f};
  const std::vector<int32_t> want_src_y{1, 0, 0, 1, 1, 0};
  const std::vector<float> want_tgt_x{2.57175231f, -2.50517678f, 0.913884401f, 0.0674670264f,
                                      1.67471611f, -2.85859013f, 1.0990876f,   -2.4506886f,
                                      1.63864255f, 0.756633997f, 1.00563228f,  1.33385801f};
  const std::vector<int32_t> want_tgt_y{1, 0, 1, 1, 0, 0};
  EXPECT_EQ(p.source.y, want_src_y);
  EXPECT_EQ(p.target.y, want_tgt_y);
  ASSERT_EQ(p.source.x.size(), want_src_x.size());
  ASSERT_EQ(p.target.x.size(), want_tgt_x.size());
  for (size_t i = 0; i < want_src_x.size(); ++i) {
    EXPECT_FLOAT_EQ(p.source.x[i], want_src_x[i]) << "source " << i;
    EXPECT_FLOAT_EQ(p.target.x[i], want_tgt_x[i]) << "target " << i;
  }
}

TEST(Synth, SourceDoesNotDependOnDrift) {
  // The target-center offsets are drawn (and scaled) even when r = 0, so the
  // source set and the shuffles are the same for every r.
  const DriftPair a = make_drift_pair(spec(3, 4, 30, 9, 4.0, 0.0));
  const DriftPair b = make_drift_pair(spec(3, 4, 30, 9, 4.0, 2.0));
  EXPECT_EQ(a.source.x, b.source.x);
  EXPECT_EQ(a.source.y, b.source.y);
  EXPECT_EQ(a.target.y, b.target.y);
  // Target rows differ by one constant vector per cluster (mu'_k(r=2) - mu_k).
  const size_t d = 4;
  std::vector<std::vector<double>> shift(3);
  for (int64_t r = 0; r < a.target.rows; ++r) {
    const size_t y = static_cast<size_t>(a.target.y[static_cast<size_t>(r)]);
    std::vector<double> diff(d);
    for (size_t j = 0; j < d; ++j) {
      const size_t i = static_cast<size_t>(r) * d + j;
      diff[j] = static_cast<double>(b.target.x[i]) - static_cast<double>(a.target.x[i]);
    }
    if (shift[y].empty()) {
      shift[y] = diff;
      EXPECT_GT(dist(diff, std::vector<double>(d, 0.0)), 0.5);
    } else {
      EXPECT_LT(dist(diff, shift[y]), 1e-4);
    }
  }
}

TEST(Synth, ZeroDriftKeepsClusterMeans) {
  const int64_t k = 3, n = 20000;
  const DriftPair p = make_drift_pair(spec(k, 3, n, 5, 4.0, 0.0));
  const auto ms = means(p.source, k), mt = means(p.target, k);
  // Each mean has standard error <= sqrt(1/n) ~ 0.007 per axis.
  for (int64_t c = 0; c < k; ++c)
    EXPECT_LT(dist(ms[static_cast<size_t>(c)], mt[static_cast<size_t>(c)]), 0.06);
  // The clusters themselves are spread out (centers ~ N(0, 16 I)).
  double between = 0;
  for (int64_t c = 1; c < k; ++c) between += dist(ms[0], ms[static_cast<size_t>(c)]);
  EXPECT_GT(between, 1.0);
}

TEST(Synth, LargeDriftMovesClusterMeans) {
  const int64_t k = 4, n = 2000;
  const DriftPair p = make_drift_pair(spec(k, 3, n, 5, 4.0, 1.0));
  const auto ms = means(p.source, k), mt = means(p.target, k);
  // |mu' - mu| ~ 4 * chi_3: mean ~ 6.4; with 4 clusters the average is far above noise.
  double total = 0;
  for (int64_t c = 0; c < k; ++c)
    total += dist(ms[static_cast<size_t>(c)], mt[static_cast<size_t>(c)]);
  EXPECT_GT(total / k, 1.0);
}

TEST(Synth, CovarianceEigenvaluesInRange) {
  const int64_t k = 3, d = 4, n = 20000;
  const DriftPair p = make_drift_pair(spec(k, d, n, 77, 4.0, 0.5));
  for (const LabelledSet *set : {&p.source, &p.target}) {
    const auto mu = means(*set, k);
    const size_t nd = static_cast<size_t>(d);
    std::vector<std::vector<double>> cov(static_cast<size_t>(k), std::vector<double>(nd * nd, 0));
    for (int64_t r = 0; r < set->rows; ++r) {
      const size_t y = static_cast<size_t>(set->y[static_cast<size_t>(r)]);
      const float *x = set->x.data() + static_cast<size_t>(r) * nd;
      for (size_t i = 0; i < nd; ++i) {
        for (size_t j = 0; j < nd; ++j) cov[y][i * nd + j] += (x[i] - mu[y][i]) * (x[j] - mu[y][j]);
      }
    }
    for (size_t c = 0; c < cov.size(); ++c) {
      for (double &v : cov[c]) v /= static_cast<double>(n - 1);
      const std::vector<double> ev = sym_eigenvalues(cov[c], nd);
      // lambda ~ U[0.2, 1.0]; sampling error ~ lambda * sqrt(2/n) ~ 0.01.
      EXPECT_GT(ev.front(), 0.2 - 0.05) << "cluster " << c;
      EXPECT_LT(ev.back(), 1.0 + 0.05) << "cluster " << c;
      // Full covariance: with a random rotation the off-diagonal mass is not
      // zero (an axis-aligned covariance would leave it ~ 0).
      double off = 0;
      for (size_t i = 0; i < nd; ++i) {
        for (size_t j = 0; j < nd; ++j) {
          if (i != j) off += std::fabs(cov[c][i * nd + j]);
        }
      }
      EXPECT_GT(off, 0.05) << "cluster " << c;
    }
  }
}

TEST(Synth, OneDimensionAndOneCluster) {
  const DriftPair p = make_drift_pair(spec(1, 1, 5000, 3, 1.0, 0.0));
  EXPECT_EQ(p.source.rows, 5000);
  const auto ms = means(p.source, 1);
  double var = 0;
  for (float v : p.source.x) var += (v - ms[0][0]) * (v - ms[0][0]);
  var /= 4999.0;
  EXPECT_GT(var, 0.2 - 0.05);
  EXPECT_LT(var, 1.0 + 0.05);
}

TEST(Synth, RejectsInvalidSpecs) {
  EXPECT_THROW(make_drift_pair(spec(0, 2, 10, 0)), std::invalid_argument);
  EXPECT_THROW(make_drift_pair(spec(2, 0, 10, 0)), std::invalid_argument);
  EXPECT_THROW(make_drift_pair(spec(2, 2, 0, 0)), std::invalid_argument);
  EXPECT_THROW(make_drift_pair(spec(2, 2, 10, 0, 0.0)), std::invalid_argument);
  EXPECT_THROW(make_drift_pair(spec(2, 2, 10, 0, -1.0)), std::invalid_argument);
  EXPECT_THROW(make_drift_pair(spec(2, 2, 10, 0, 4.0, -0.1)), std::invalid_argument);
  EXPECT_THROW(make_drift_pair(spec(2, 2, 10, 0, std::nan(""), 0.5)), std::invalid_argument);
  EXPECT_THROW(make_drift_pair(spec(2, 2, 10, 0, 4.0, INFINITY)), std::invalid_argument);
  EXPECT_THROW(make_drift_pair(spec(INT64_MAX / 2, 2, INT64_MAX / 2, 0)), std::invalid_argument);
}

// The variants beyond P1 (unequal sizes, anisotropy) draw from a generator of
// their own: at their neutral values they are P1 exactly.
TEST(SynthVariants, NeutralValuesAreP1Exactly) {
  const DriftSpec p1 = spec(4, 3, 60, 21);
  DriftSpec neutral = p1;
  neutral.unequal = 1.0;
  neutral.anisotropy = 1.0;
  const DriftPair a = make_drift_pair(p1);
  const DriftPair b = make_drift_pair(neutral);
  EXPECT_EQ(a.source.x, b.source.x);
  EXPECT_EQ(a.source.y, b.source.y);
  EXPECT_EQ(a.target.x, b.target.x);
  EXPECT_EQ(a.target.y, b.target.y);
}

TEST(SynthVariants, UnequalSizes) {
  const int64_t k = 6, n = 400;
  DriftSpec s = spec(k, 2, n, 5);
  s.unequal = 5.0;
  const DriftPair p = make_drift_pair(s);
  std::vector<int64_t> sizes;
  int64_t total = 0;
  for (int32_t c = 0; c < k; ++c) {
    const int64_t in_source = std::count(p.source.y.begin(), p.source.y.end(), c);
    // Cluster c has round(n 5^-u_c) rows, u_c in [0, 1): within [n / 5, n], the same in both sets.
    EXPECT_GE(in_source, n / 5) << "cluster " << c;
    EXPECT_LE(in_source, n) << "cluster " << c;
    EXPECT_EQ(std::count(p.target.y.begin(), p.target.y.end(), c), in_source) << "cluster " << c;
    sizes.push_back(in_source);
    total += in_source;
  }
  EXPECT_EQ(p.source.rows, total);
  EXPECT_EQ(p.target.rows, total);
  EXPECT_EQ(p.source.x.size(), static_cast<size_t>(total * 2));
  // Sizes differ (measured at this seed: 89 to 168 rows, a ratio of 1.89).
  const auto [lo, hi] = std::minmax_element(sizes.begin(), sizes.end());
  EXPECT_GT(static_cast<double>(*hi), 1.5 * static_cast<double>(*lo));
  // The centres are P1's: each cluster's mean is where P1 puts it.
  const DriftPair plain = make_drift_pair(spec(k, 2, n, 5));
  const auto mu = means(p.source, k), mu_p1 = means(plain.source, k);
  for (int64_t c = 0; c < k; ++c) {
    // Standard error of a mean of >= 80 rows with variances <= 1: <= 0.11 per axis.
    EXPECT_LT(dist(mu[static_cast<size_t>(c)], mu_p1[static_cast<size_t>(c)]), 0.5);
  }
}

// Anisotropy a multiplies each cluster's variance along its first principal
// axis by a: with the same normal draws, every row moves only along that axis
// and its coordinate there grows by sqrt(a).
TEST(SynthVariants, AnisotropyStretchesOneAxisPerCluster) {
  const int64_t k = 3, d = 3, n = 2000;
  const double a = 10.0;
  const DriftSpec p1 = spec(k, d, n, 8);
  DriftSpec stretched = p1;
  stretched.anisotropy = a;
  const DriftPair plain = make_drift_pair(p1);
  const DriftPair aniso = make_drift_pair(stretched);
  ASSERT_EQ(plain.source.y, aniso.source.y);  // same shuffle
  const size_t nd = static_cast<size_t>(d);
  for (const auto &[p, q] :
       {std::pair{&plain.source, &aniso.source}, std::pair{&plain.target, &aniso.target}}) {
    const auto mp = means(*p, k), mq = means(*q, k);
    for (int32_t c = 0; c < k; ++c) {
      SCOPED_TRACE("cluster " + std::to_string(c));
      // The stretched axis: the direction of the largest row difference.
      std::vector<double> axis(nd, 0.0);
      double longest = 0;
      for (int64_t r = 0; r < p->rows; ++r) {
        if (p->y[static_cast<size_t>(r)] != c) continue;
        std::vector<double> diff(nd);
        for (size_t j = 0; j < nd; ++j) {
          const size_t i = static_cast<size_t>(r) * nd + j;
          diff[j] = static_cast<double>(q->x[i]) - static_cast<double>(p->x[i]);
        }
        const double len = dist(diff, std::vector<double>(nd, 0.0));
        if (len > longest) {
          longest = len;
          for (size_t j = 0; j < nd; ++j) axis[j] = diff[j] / len;
        }
      }
      ASSERT_GT(longest, 0.5);
      // Projections on the axis scale by sqrt(a); the rest does not change.
      double var_p = 0, var_q = 0, off = 0;
      for (int64_t r = 0; r < p->rows; ++r) {
        if (p->y[static_cast<size_t>(r)] != c) continue;
        double on_p = 0, on_q = 0;
        std::vector<double> rest(nd);
        for (size_t j = 0; j < nd; ++j) {
          const size_t i = static_cast<size_t>(r) * nd + j;
          on_p += (p->x[i] - mp[static_cast<size_t>(c)][j]) * axis[j];
          on_q += (q->x[i] - mq[static_cast<size_t>(c)][j]) * axis[j];
        }
        for (size_t j = 0; j < nd; ++j) {
          const size_t i = static_cast<size_t>(r) * nd + j;
          rest[j] = (q->x[i] - mq[static_cast<size_t>(c)][j] - on_q * axis[j]) -
                    (p->x[i] - mp[static_cast<size_t>(c)][j] - on_p * axis[j]);
        }
        var_p += on_p * on_p;
        var_q += on_q * on_q;
        off = std::max(off, dist(rest, std::vector<double>(nd, 0.0)));
      }
      // Float storage of the rows: rounding at 1e-6 relative, far below 1e-3.
      EXPECT_NEAR(var_q / var_p, a, 1e-3 * a);
      EXPECT_LT(off, 1e-4);
      // That axis now has the cluster's largest variance: lambda_0 in [0.2, 1) times 10
      // is at least 2, the other eigenvalues stay below 1 (+ sampling error).
      std::vector<double> cov(nd * nd, 0.0);
      int64_t rows = 0;
      for (int64_t r = 0; r < q->rows; ++r) {
        if (q->y[static_cast<size_t>(r)] != c) continue;
        ++rows;
        const float *x = q->x.data() + static_cast<size_t>(r) * nd;
        for (size_t i = 0; i < nd; ++i) {
          for (size_t j = 0; j < nd; ++j) {
            cov[i * nd + j] +=
                (x[i] - mq[static_cast<size_t>(c)][i]) * (x[j] - mq[static_cast<size_t>(c)][j]);
          }
        }
      }
      for (double &v : cov) v /= static_cast<double>(rows - 1);
      const std::vector<double> ev = sym_eigenvalues(cov, nd);
      EXPECT_GT(ev.back(), 2.0 - 0.2);
      EXPECT_LT(ev[nd - 2], 1.0 + 0.1);
      EXPECT_NEAR(ev.back(), var_q / static_cast<double>(rows - 1), 0.05 * ev.back());
    }
  }
}

TEST(SynthVariants, RejectsBadValues) {
  for (const double u : {0.5, 0.0, -2.0, std::nan(""), double{INFINITY}}) {
    DriftSpec s = spec(2, 2, 10, 0);
    s.unequal = u;
    EXPECT_THROW(make_drift_pair(s), std::invalid_argument) << "unequal=" << u;
  }
  for (const double a : {0.0, -1.0, std::nan(""), double{INFINITY}}) {
    DriftSpec s = spec(2, 2, 10, 0);
    s.anisotropy = a;
    EXPECT_THROW(make_drift_pair(s), std::invalid_argument) << "anisotropy=" << a;
  }
  // Shrinking the axis is allowed (0 < a < 1).
  DriftSpec s = spec(2, 2, 10, 0);
  s.anisotropy = 0.5;
  EXPECT_NO_THROW(make_drift_pair(s));
}
