// The polychronous group search (groups/search.cpp, replay.cpp) and the raster query
// (groups/query.cpp) on several threads. Threads take mothers (blocks of groups) from a
// shared counter and share ReplayTables, whose per-kick "quiet alone" answers are filled
// in lazily by whichever thread asks first; the result must equal one thread's exactly.
#include <algorithm>
#include <atomic>
#include <mutex>

#include "check.h"
#include "core/groups/query.h"
#include "core/groups/search.h"
#include "fixtures.h"

using namespace fixtures;

namespace {

// A small 2006-like network whose excitatory weights are spread over [9, 10], all of them
// strong (> 9), so that a replay of three inputs can make groups (a few dozen here).
PngNetwork search_network(std::vector<uint32_t>* raster_neurons = nullptr, std::vector<double>* raster_times = nullptr) {
  NetworkOptions options;
  options.seed = 4;
  options.threads = 1;
  Network network(options);
  const uint32_t ne = 240, ni = 60, n = ne + ni;
  network.add_izhikevich(ne, {{{double(0.02f)}, {0.2}, {-65}, {8}}}, {}, {});
  network.add_izhikevich(ni, {{{double(0.1f)}, {0.2}, {-65}, {2}}}, {}, {});
  ProjectionRule out;
  out.kind = ProjectionRule::Kind::FixedOutDegree;
  out.degree = 12;
  ValueRule delay, weight, one, minus_five;
  delay.kind = ValueRule::Kind::Evenly;
  delay.low = 1;
  delay.high = 10;
  weight.kind = ValueRule::Kind::Uniform;
  weight.low = 9;
  weight.high = 10;
  one.low = 1;
  minus_five.low = -5;
  const PlasticityRule none = plasticity_defaults(PlasticityRule::Kind::None);
  network.generate(network.add_projection(none), {{0, ne}}, {{0, n}}, out, delay, weight);
  network.generate(network.add_projection(none), {{ne, ni}}, {{0, ne}}, out, one, minus_five);
  network.add_thalamic({0, n}, 1, 20.0f);
  if (raster_neurons != nullptr) {
    network.run(600, [&](uint64_t t, const uint32_t* fired, uint32_t count) {
      for (uint32_t k = 0; k < count; ++k) {
        raster_neurons->push_back(fired[k]);
        raster_times->push_back(double(t));
      }
      return true;
    });
  }
  return png_network_of(network);
}

PngOptions search_options(unsigned threads) {
  PngOptions o;
  o.anchors = 3;
  o.strong_fraction = 0.9;
  o.max_weight = 10;
  o.min_path = 3;
  o.threads = threads;
  return o;
}

bool same_groups(const std::vector<PolychronousGroup>& x, const std::vector<PolychronousGroup>& y) {
  if (x.size() != y.size()) return false;
  for (size_t g = 0; g < x.size(); ++g) {
    const PolychronousGroup &a = x[g], &b = y[g];
    if (a.mother != b.mother || a.anchors != b.anchors || a.span != b.span || a.longest_path != b.longest_path ||
        a.firings.size() != b.firings.size() || a.links.size() != b.links.size()) {
      return false;
    }
    for (size_t f = 0; f < a.firings.size(); ++f) {
      if (a.firings[f].neuron != b.firings[f].neuron || a.firings[f].time != b.firings[f].time ||
          a.firings[f].layer != b.firings[f].layer) {
        return false;
      }
    }
    for (size_t l = 0; l < a.links.size(); ++l) {
      if (a.links[l].pre != b.links[l].pre || a.links[l].post != b.links[l].post ||
          a.links[l].delay != b.links[l].delay || a.links[l].layer != b.links[l].layer) {
        return false;
      }
    }
  }
  return true;
}

GroupPatterns patterns_of(const std::vector<PolychronousGroup>& groups) {
  GroupPatterns p;
  for (const PolychronousGroup& g : groups) {
    const uint32_t t0 = g.firings.empty() ? 0 : g.firings[0].time;
    for (const PngFiring& f : g.firings) {
      p.neurons.push_back(f.neuron);
      p.times.push_back(double(f.time - t0));
    }
    p.offsets.push_back(uint32_t(p.neurons.size()));
  }
  return p;
}

}  // namespace

// Several threads (and more threads than mothers per thread would need) find the same
// groups, in the same order, with the same counts as one; progress reaches the callback
// from the workers once per mother.
TEST(search_1_2_4_threads_identical) {
  const PngNetwork net = search_network();
  PngSearchStats one_stats;
  const auto one = find_groups(net, search_options(1), {}, nullptr, &one_stats);
  CHECK(one.size() >= 10);
  CHECK(one_stats.mothers > 50);
  for (unsigned threads : {2u, 4u}) {
    std::mutex m;
    std::vector<uint32_t> done;
    uint32_t total = 0;
    PngSearchStats stats;
    const auto many = find_groups(
        net, search_options(threads),
        [&](uint32_t d, uint32_t t) {
          std::lock_guard<std::mutex> lock(m);  // the documented contract: the callback serializes
          done.push_back(d);
          total = t;
        },
        nullptr, &stats);
    CHECK(same_groups(many, one));
    CHECK_EQ(stats.mothers, one_stats.mothers);
    CHECK_EQ(stats.replays, one_stats.replays);
    CHECK_EQ(total, one_stats.mothers);
    std::sort(done.begin(), done.end());
    bool permutation = done.size() == total;
    for (size_t k = 0; permutation && k < done.size(); ++k) permutation = done[k] == k + 1;
    CHECK(permutation);
  }
}

// The shuffled control runs the same search on another copy; two searches at once on two
// std::threads (each with its own pool) give what each gives alone.
TEST(two_searches_at_once) {
  const PngNetwork net = search_network();
  const PngNetwork control = shuffled(net, ShuffleKind::Weights, 11);
  const auto alone = find_groups(net, search_options(1), {}, nullptr);
  const auto control_alone = find_groups(control, search_options(1), {}, nullptr);
  std::vector<PolychronousGroup> a, b;
  std::thread x([&] { a = find_groups(net, search_options(2), {}, nullptr); });
  std::thread y([&] { b = find_groups(control, search_options(3), {}, nullptr); });
  x.join();
  y.join();
  CHECK(same_groups(a, alone));
  CHECK(same_groups(b, control_alone));
}

// The raster query's threads take blocks of 16 groups; the ranking must not depend on them.
TEST(raster_query_1_3_threads_identical) {
  std::vector<uint32_t> neurons;
  std::vector<double> times;
  const PngNetwork net = search_network(&neurons, &times);
  const auto groups = find_groups(net, search_options(2), {}, nullptr);
  CHECK(groups.size() > 16);  // more than one block
  const GroupPatterns patterns = patterns_of(groups);
  RasterQuery q;
  q.jitter = 2;
  q.min_fraction = 0.5;
  q.threads = 1;
  const auto one = match_raster(patterns, neurons.data(), times.data(), neurons.size(), net.neurons, q, nullptr);
  CHECK(!one.empty());
  q.threads = 3;
  const auto three = match_raster(patterns, neurons.data(), times.data(), neurons.size(), net.neurons, q, nullptr);
  CHECK_EQ(three.size(), one.size());
  bool same = three.size() == one.size();
  for (size_t k = 0; same && k < one.size(); ++k) {
    same = three[k].group == one[k].group && three[k].matched == one[k].matched && three[k].onset == one[k].onset;
  }
  CHECK(same);
}
