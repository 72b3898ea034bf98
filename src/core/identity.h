// Cluster identities across domains: which source cluster each target cluster
// continues, how sure that is, and what moved. Local iteration from the
// source's positions keeps a partition but not its names once clusters drift
// past each other; a global matching on position and shape restores them.
#pragma once

#include <cstdint>
#include <vector>

#include "core/gaussian_mixture.h"

namespace tdcm {

// Thresholds of the report's flags.
constexpr double kConfidentMatch = 0.5;  // below: no source cluster matches confidently
constexpr double kFarShift = 3.0;        // above: moved more than 3 of its own spreads
constexpr double kShrankShare = 0.5;     // below: lost more than half its share of the rows

struct ClusterMatch {
  std::vector<int64_t> source_of;  // target component j continues source component source_of[j]
  std::vector<double> confidence;  // in [0, 1], per target component
};

// Matches target components to source components one to one (Hungarian) under
// a model of drift: each centre moves by N(0, s_pos^2 I) and each covariance's
// matrix logarithm by N(0, s_shape^2) per entry (log-Euclidean, so that shape
// and size compare on one scale). Both scales are estimated from the matched
// pairs, alternating with the matching until it is stable, from several
// starting position scales (the spread among the source's own components, and
// smaller); the pairing with the highest likelihood, normalisers included, wins. Without source
// covariances (centroids given by the user) only positions count. A component's confidence is the
// posterior probability of its match under those scales, over all one-to-one pairings
// (assignment_marginals.h).
ClusterMatch match_components(const Mixture &source, const Mixture &target);

// The confidences of a given pairing (target j continues source j), with the
// scales estimated from that pairing.
std::vector<double> pairing_confidence(const Mixture &source, const Mixture &target);

// For the pairing target j -> source j, scales estimated from it: row j is the
// posterior over source clusters that target component j continues (k x k,
// double, rows sum to 1; its diagonal is pairing_confidence).
at::Tensor identity_posterior(const Mixture &source, const Mixture &target);

struct ClusterReport {
  int64_t source_cluster = -1;  // the source cluster it continues (its label)
  double confidence = 0.0;
  double shift = 0.0;  // centre movement in units of the source cluster's spread (Mahalanobis)
  int64_t source_size = 0;
  int64_t target_size = 0;
  bool unmatched = false;  // confidence < kConfidentMatch
  bool moved_far = false;  // shift > kFarShift
  bool shrank = false;     // target share < kShrankShare x source share
};

// The report of target components already in the source's numbering, from
// their confidences and both sides' hard row counts.
std::vector<ClusterReport> cluster_report(const Mixture &source, const Mixture &target,
                                          const std::vector<double> &confidence,
                                          const std::vector<int64_t> &source_sizes,
                                          const std::vector<int64_t> &target_sizes);

// Rows per label (labels in [0, k)).
std::vector<int64_t> label_counts(const int32_t *labels, int64_t n, int64_t k);

}  // namespace tdcm
