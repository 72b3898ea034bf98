// Protocol P3 ("synth-structured") data generator: a family of small data
// sets that share one within-cluster covariance; see README "Protocols".
#pragma once

#include <cstdint>
#include <vector>

#include "data/synth.h"

namespace tdcm::data {

struct StructuredSpec {
  int64_t k = 5;
  int64_t d = 32;
  int64_t signal = 4;     // S: directions that carry the clusters
  double nuisance = 9.0;  // v: variance of the other D - S directions
  int64_t n_per_cluster = 40;
  double spread = 3.0;  // s: m_k ~ N(0, s^2 I_S)
  uint64_t family_seed = 7;
  uint64_t seed = 0;  // the set's own seed
};

// The family's within-cluster covariance Sigma = Q diag(1 x S, v x (D - S)) Q^T
// (d x d, row-major), drawn from family_seed alone.
std::vector<double> structured_covariance(const StructuredSpec &spec);

// One set of the family: k * n_per_cluster shuffled rows and their labels.
// Deterministic on every platform. Throws std::invalid_argument on k, d, n < 1,
// signal outside [1, d], nuisance <= 0 or spread <= 0.
LabelledSet make_structured_set(const StructuredSpec &spec);

}  // namespace tdcm::data
