// The generators' shared randomness (P1, P3): a seeded std::mt19937_64 turned
// into uniforms, normals and bounded integers by code of our own, so that a
// seed gives the same data on every platform, and the rotations and shuffles
// both protocols draw from it.
//
// Uniform: (u64 >> 11) * 2^-53. Normal: Marsaglia's polar method on pairs of
// uniforms 2u-1, accepting 0 < w < 1, returning x * sqrt(-2 ln w / w) and
// discarding the second value. Uniform integer in [0, b): rejection of raw
// draws below 2^64 mod b, then modulo b.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "data/synth.h"

namespace tdcm::data {

class Rng {
 public:
  explicit Rng(uint64_t seed) : gen_(seed) {}

  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(gen_() >> 11) * 0x1.0p-53; }
  double normal();
  // Uniform integer in [0, bound), bound >= 1, without modulo bias.
  uint64_t below(uint64_t bound);

 private:
  std::mt19937_64 gen_;
};

// Throws std::invalid_argument unless k, d, n_per_cluster >= 1, k fits an
// int32 label, and k * n_per_cluster * d floats (and d * d doubles) are addressable.
void check_set_size(int64_t k, int64_t d, int64_t n_per_cluster);

// Q factor (d x d, row-major) of a square matrix by modified Gram-Schmidt in
// double. Gram-Schmidt yields R with a positive diagonal, which is exactly the
// sign-fixed Q (column j multiplied by sign(R_jj)) of any other QR.
std::vector<double> q_factor(std::vector<double> a, int64_t d);

// A uniformly random rotation: the Q factor of a d x d Gaussian matrix (d*d
// normals, row-major).
std::vector<double> random_rotation(Rng &rng, int64_t d);

// A Gaussian's shape: Sigma = Q diag(sqrt_l)^2 Q^T.
struct Shape {
  std::vector<double> q;       // d x d rotation, row-major
  std::vector<double> sqrt_l;  // d square roots of the eigenvalues
};

// `count` rows x = mu + Q diag(sqrt_l) e, e ~ N(0, I_d) (d normals per row, in
// order), written from row `row` of `out` on (advanced past them) with `label`.
void draw_rows(Rng &rng, const std::vector<double> &mu, const Shape &shape, int64_t d,
               int64_t count, int32_t label, LabelledSet &out, int64_t &row);

// Fisher-Yates shuffle of the rows and their labels (i from rows-1 down to 1,
// swap i with j uniform in [0, i]).
void shuffle_rows(Rng &rng, LabelledSet &set);

}  // namespace tdcm::data
