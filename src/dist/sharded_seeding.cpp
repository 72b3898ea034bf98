#include "dist/sharded_seeding.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "dist/collectives.h"
#include "dist/process_group.h"

namespace tdcm {
namespace {

// A row of the concatenated set: the rank holding it and its index there.
struct Place {
  int rank = 0;
  int64_t index = 0;
};

// Rows per rank, in rank order.
std::vector<int64_t> rows_per_rank(int64_t local) {
  const std::vector<at::Tensor> all = dist::active()->all_gather(at::full({1}, local, at::kLong));
  std::vector<int64_t> counts;
  for (const at::Tensor &t : all) counts.push_back(t.item<int64_t>());
  return counts;
}

// The last rank that holds rows (a subset may leave a rank none).
int last_holder(const std::vector<int64_t> &counts) {
  int r = static_cast<int>(counts.size()) - 1;
  while (r > 0 && counts[static_cast<size_t>(r)] == 0) --r;
  return r;
}

Place place_of_index(const std::vector<int64_t> &counts, int64_t global) {
  const int last = last_holder(counts);
  for (int r = 0; r <= last; ++r) {
    const int64_t held = counts[static_cast<size_t>(r)];
    if (global < held || r == last) return Place{r, std::min(global, held - 1)};
    global -= held;
  }
  return Place{};
}

// The rows at `places`, on every rank: each rank fills in the rows it holds.
at::Tensor fetch_rows(const RowSource &rows, const std::vector<Place> &places) {
  const at::Tensor empty = rows.chunk(0, 0);
  at::Tensor out = at::zeros({static_cast<int64_t>(places.size()), empty.size(1)}, empty.options());
  for (size_t i = 0; i < places.size(); ++i) {
    if (places[i].rank == dist::rank()) {
      out.narrow(0, static_cast<int64_t>(i), 1).copy_(rows.chunk(places[i].index, 1));
    }
  }
  // Every other rank adds zeros: the rows arrive exactly.
  return dist::sum(out);
}

// The seeding of a subset whose one-process order interleaves the ranks
// (rows.positions): every rank rebuilds the subset's weights in that order (n
// floats, each rank's in their places, zeros elsewhere), so each draw is one
// process's, exactly.
at::Tensor ordered_kmeans_plus_plus(const RowSource &rows, int64_t k, at::Generator &gen) {
  const int64_t local = rows.rows;
  const int64_t n = dist::total_rows(local);
  const at::Tensor positions = rows.positions.to(at::kCPU).contiguous();
  const int64_t *pos = positions.data_ptr<int64_t>();
  std::vector<int64_t> local_of(static_cast<size_t>(n), -1);
  for (int64_t i = 0; i < local; ++i) local_of[static_cast<size_t>(pos[i])] = i;
  const int64_t trials = 2 + static_cast<int64_t>(std::log(static_cast<double>(k)));
  auto uniform = [&] { return at::rand({1}, gen, at::kDouble).item<double>(); };
  auto in_order = [&](const at::Tensor &w) {
    at::Tensor all = at::zeros({n}, w.options());
    if (local > 0) all.index_copy_(0, positions.to(w.device()), w);
    return dist::sum(all);
  };
  auto fetch = [&](const std::vector<int64_t> &picks) {
    const at::Tensor empty = rows.chunk(0, 0);
    at::Tensor out =
        at::zeros({static_cast<int64_t>(picks.size()), empty.size(1)}, empty.options());
    for (size_t i = 0; i < picks.size(); ++i) {
      const int64_t j = local_of[static_cast<size_t>(picks[i])];
      if (j >= 0) out.narrow(0, static_cast<int64_t>(i), 1).copy_(rows.chunk(j, 1));
    }
    return dist::sum(out);
  };
  auto distances = [&](const at::Tensor &c, std::vector<at::Tensor> *parts) {
    for (int64_t s = 0; s < local; s += rows.chunk_rows) {
      parts->push_back(squared_distances(rows.chunk(s, std::min(rows.chunk_rows, local - s)), c));
    }
  };

  at::Tensor centers = fetch({std::min(static_cast<int64_t>(uniform() * n), n - 1)});
  std::vector<at::Tensor> first;
  distances(centers, &first);
  at::Tensor closest =
      first.empty() ? at::zeros({0}, centers.options()) : at::cat(first).squeeze(1);
  at::Tensor all = in_order(closest);
  for (int64_t c = 1; c < k; ++c) {
    // As one process draws: the same weights, summed and accumulated in its order.
    const double total = all.sum().item<double>();
    const at::Tensor cumulative = all.to(at::kDouble).cumsum(0);
    std::vector<int64_t> candidates;
    for (int64_t t = 0; t < trials; ++t) {
      const double u = uniform();
      if (total > 0) {
        const at::Tensor want = at::full({1}, u * total, cumulative.options());
        candidates.push_back(std::min(at::searchsorted(cumulative, want).item<int64_t>(), n - 1));
      } else {
        candidates.push_back(std::min(static_cast<int64_t>(u * n), n - 1));
      }
    }
    const at::Tensor cand = fetch(candidates);
    std::vector<at::Tensor> parts;
    distances(cand, &parts);
    at::Tensor potentials = at::zeros({trials}, closest.options().dtype(at::kDouble));
    for (size_t i = 0; i < parts.size(); ++i) {
      const int64_t start = static_cast<int64_t>(i) * rows.chunk_rows;
      parts[i] = at::minimum(parts[i], closest.narrow(0, start, parts[i].size(0)).unsqueeze(1));
      potentials += parts[i].to(at::kDouble).sum(0);
    }
    potentials = dist::sum(potentials).to(at::kCPU);
    int64_t best = 0;
    for (int64_t t = 1; t < trials; ++t) {
      if (potentials[t].item<double>() < potentials[best].item<double>()) best = t;
    }
    if (!parts.empty()) closest = at::cat(parts).select(1, best).contiguous();
    all = in_order(closest);
    centers = at::cat({centers, cand.narrow(0, best, 1)});
  }
  return centers;
}

}  // namespace

at::Tensor sharded_kmeans_plus_plus(const RowSource &rows, int64_t k, at::Generator &gen) {
  if (rows.positions.defined()) return ordered_kmeans_plus_plus(rows, k, gen);
  const int64_t local = rows.rows;
  const std::vector<int64_t> counts = rows_per_rank(local);
  int64_t n = 0;
  for (int64_t c : counts) n += c;
  const int64_t trials = 2 + static_cast<int64_t>(std::log(static_cast<double>(k)));
  auto uniform = [&] { return at::rand({1}, gen, at::kDouble).item<double>(); };
  auto uniform_place = [&](double u) {
    return place_of_index(counts, std::min(static_cast<int64_t>(u * n), n - 1));
  };

  at::Tensor centers = fetch_rows(rows, {uniform_place(uniform())});
  std::vector<at::Tensor> parts;
  for (int64_t s = 0; s < local; s += rows.chunk_rows) {
    parts.push_back(
        squared_distances(rows.chunk(s, std::min(rows.chunk_rows, local - s)), centers).squeeze(1));
  }
  at::Tensor closest = parts.empty() ? at::zeros({0}, centers.options()) : at::cat(parts);

  for (int64_t c = 1; c < k; ++c) {
    // The weights' running sum over the concatenated set: this rank's, from the
    // totals of the ranks before it.
    const at::Tensor cumulative = closest.to(at::kDouble).cumsum(0);
    const double mine = local > 0 ? cumulative[local - 1].item<double>() : 0.0;
    const std::vector<at::Tensor> totals =
        dist::active()->all_gather(at::full({1}, mine, at::kDouble));
    std::vector<double> ends;  // where each rank's weights end
    double total = 0;
    for (const at::Tensor &t : totals) ends.push_back(total += t.item<double>());
    std::vector<Place> candidates;
    for (int64_t t = 0; t < trials; ++t) {
      const double u = uniform();
      if (!(total > 0)) {
        candidates.push_back(uniform_place(u));
        continue;
      }
      const double target = u * total;
      // The first row whose running sum reaches the target.
      const int last = last_holder(counts);
      int r = 0;
      while (r < last && (ends[r] < target || counts[r] == 0)) ++r;
      const double start = r > 0 ? ends[r - 1] : 0.0;
      Place p{r, 0};
      if (r == dist::rank()) {
        const at::Tensor want = at::full({1}, target - start, cumulative.options());
        p.index = std::min(at::searchsorted(cumulative, want).item<int64_t>(), local - 1);
      }
      candidates.push_back(p);
    }
    // The owner of each pick knows its index; the others learn the row itself.
    const at::Tensor cand = fetch_rows(rows, candidates);
    at::Tensor potentials = at::zeros({trials}, closest.options().dtype(at::kDouble));
    std::vector<at::Tensor> chunks;
    for (int64_t s = 0; s < local; s += rows.chunk_rows) {
      const int64_t len = std::min(rows.chunk_rows, local - s);
      const at::Tensor d = at::minimum(squared_distances(rows.chunk(s, len), cand),
                                       closest.narrow(0, s, len).unsqueeze(1));
      potentials += d.to(at::kDouble).sum(0);
      chunks.push_back(d);
    }
    potentials = dist::sum(potentials).to(at::kCPU);
    int64_t best = 0;
    for (int64_t t = 1; t < trials; ++t) {
      if (potentials[t].item<double>() < potentials[best].item<double>()) best = t;
    }
    if (!chunks.empty()) closest = at::cat(chunks).select(1, best).contiguous();
    centers = at::cat({centers, cand.narrow(0, best, 1)});
  }
  return centers;
}

}  // namespace tdcm
