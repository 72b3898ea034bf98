// Protocol P1 ("synth-drift") data generator; see README "Protocols".
#pragma once

#include <cstdint>
#include <vector>

namespace tdcm::data {

struct DriftSpec {
  int64_t k = 5;
  int64_t d = 2;
  int64_t n_per_cluster = 500;
  uint64_t seed = 0;
  double spread = 4.0;  // s: centers ~ N(0, s^2 I)
  double drift = 0.5;   // r: target centers move by N(0, (r s)^2 I)
  // Variants beyond P1 (1 = P1 exactly; their draws come from a generator of
  // their own, so the P1 draws are the same):
  // cluster c has round(n_per_cluster * unequal^-u_c) rows in both sets, u_c ~ U[0, 1];
  double unequal = 1.0;
  // each cluster's variance along its first principal axis is multiplied by this.
  double anisotropy = 1.0;
};

struct LabelledSet {
  std::vector<float> x;    // rows x d, row-major
  std::vector<int32_t> y;  // rows
  int64_t rows = 0;
  int64_t d = 0;
};

struct DriftPair {
  LabelledSet source;
  LabelledSet target;
};

// Deterministic for a given spec on every platform (own generator and normal
// sampler, no implementation-defined std distributions). Throws
// std::invalid_argument on k, d, n < 1, spread <= 0, drift < 0, unequal < 1 or
// anisotropy <= 0.
DriftPair make_drift_pair(const DriftSpec &spec);

}  // namespace tdcm::data
