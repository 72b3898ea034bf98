// The posterior over one-to-one pairings. Under a model where target item i
// continuing source item j costs c_ij (a negative log-likelihood), a whole
// pairing pi has probability proportional to exp(-sum_i c_{i,pi(i)}), and the
// probability that i continues j is that distribution's marginal. Unlike a
// softmax of each row on its own, the marginals know that a source item taken
// by one target item is not free for another: each row and each column sums
// to one.
#pragma once

#include <cstdint>
#include <vector>

namespace tdcm {

// Exact up to this many items (passes over every subset of the columns,
// 2^k k steps); above it, Sinkhorn's balancing of exp(-c). That is an
// approximation: it keeps the rows and columns summing to one and the
// dominant pairings, but on ambiguous costs (a few nats apart) its marginals
// can differ from the exact ones by tenths.
constexpr int64_t kExactPairingItems = 14;

// The k x k marginals (target-major, rows and columns summing to one) of the
// pairing distribution of a k x k cost matrix (target-major, finite).
std::vector<double> pairing_marginals(const std::vector<double> &cost, int64_t k);

}  // namespace tdcm
