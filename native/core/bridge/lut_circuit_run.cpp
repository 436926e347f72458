// Running a compiled LUT circuit (lut_circuit.h): the input encoder, the run that reads
// table indices and classes from the spikes, and the direct path's indices to compare.
#include "core/bridge/lut_circuit.h"

#include <algorithm>
#include <string>

#include "core/errors.h"

namespace polychron {

namespace {

// x (width values) then the constants, rounded to the grid when one is given.
void direct_input(const float* x, uint32_t width, const std::vector<float>& constants, const LatencyGrid* grid,
                  std::vector<float>& out) {
  out.assign(x, x + width);
  out.insert(out.end(), constants.begin(), constants.end());
  if (grid != nullptr) {
    for (float& v : out) v = grid->rounded(v);
  }
}

void require_finite(const float* xs, uint64_t n) {
  const uint64_t bad = first_non_finite(xs, n);
  if (bad < n) throw RangeError("images[" + std::to_string(bad) + "] is not a finite number");
}

}  // namespace

SpikeSource encode_lut_inputs(const LutCircuitLayout& layout, const float* xs, uint64_t count, uint64_t start) {
  require_finite(xs, count * layout.width);
  const uint32_t width = layout.width, G = layout.grid.steps;
  const uint64_t per_example = layout.inputs.count;
  SpikeSource train;
  train.kind = SpikeSource::Kind::Train;
  train.times.resize(count * per_example);
  train.neurons.resize(train.times.size());
  std::vector<uint32_t> latency(per_example), bucket(G + 1);
  for (uint64_t e = 0, at = 0; e < count; ++e, at += per_example) {
    const float* x = xs + e * width;
    for (uint32_t v = 0; v < width; ++v) latency[v] = layout.grid.latency(x[v]);
    std::copy(layout.constant_latencies.begin(), layout.constant_latencies.end(), latency.begin() + width);
    latency[per_example - 1] = G - 1;  // the clock
    // Counting sort by latency (stable): the train must be time-ordered.
    std::fill(bucket.begin(), bucket.end(), 0);
    for (uint32_t l : latency) ++bucket[l + 1];
    for (uint32_t l = 0; l < G; ++l) bucket[l + 1] += bucket[l];
    for (uint32_t v = 0; v < per_example; ++v) {
      const uint64_t slot = at + bucket[latency[v]]++;
      train.times[slot] = start + e * layout.period + latency[v];
      train.neurons[slot] = v;
    }
  }
  return train;
}

LutCircuitRun run_lut_circuit(Network& network, const LutCircuitLayout& layout, const float* xs, uint64_t count,
                              uint32_t width, const std::function<bool()>& keep_going) {
  layout.validate(network.neurons());
  if (width != layout.width) {
    throw RangeError("images must hold " + std::to_string(layout.width) + " values per example (got " + std::to_string(width) + ")");
  }
  require_finite(xs, count * width);
  const uint32_t tables = layout.tables(), P = layout.period;
  LutCircuitRun run;
  run.indices.assign(count * tables, UINT32_MAX);
  if (layout.classes.count > 0) run.classes.assign(count, UINT32_MAX);
  const uint64_t base = network.time();
  const uint64_t spikes_before = network.spike_count(), events_before = network.synaptic_events();
  std::vector<uint32_t> offset;  // each stage's first table among all
  for (uint32_t k = 0, n = 0; k < layout.stages.size(); n += layout.stages[k++].tables) offset.push_back(n);

  const auto fail = [](uint64_t e, const std::string& what) {
    throw RangeError("the circuit gave example " + std::to_string(e) + " " + what + ": it is not the network its layout describes");
  };
  const auto observe = [&](uint64_t t, const uint32_t* fired, uint32_t n) {
    const uint64_t rel = t - base;
    for (uint32_t f = 0; f < n; ++f) {
      const uint32_t p = fired[f];
      for (size_t k = 0; k < layout.stages.size(); ++k) {
        const CircuitStage& s = layout.stages[k];
        if (p - s.rows.first >= s.rows.count) continue;
        if (rel < s.rows_fire || (rel - s.rows_fire) % P != 0 || (rel - s.rows_fire) / P >= count) fail((rel - s.rows_fire) / P, "a row at the wrong time");
        const uint64_t e = (rel - s.rows_fire) / P;
        uint32_t& slot = run.indices[e * tables + offset[k] + ((p - s.rows.first) >> s.comparisons)];
        if (slot != UINT32_MAX) fail(e, "two rows of one table");
        slot = (p - s.rows.first) & ((1u << s.comparisons) - 1);
      }
      if (p - layout.classes.first < layout.classes.count) {
        const uint64_t at = rel - layout.classes_fire;
        if (rel < layout.classes_fire || at % P != 0 || at / P >= count || run.classes[at / P] != UINT32_MAX) fail(at / P, "a stray class spike");
        run.classes[at / P] = p - layout.classes.first;
      }
    }
    return true;
  };

  // Examples in chunks of about a million input spikes: each chunk's train is set when the
  // previous chunk's inputs have all fired; later stages run on into the next chunk.
  const uint64_t per_example = layout.inputs.count;
  const uint64_t chunk = std::max<uint64_t>(1, (uint64_t(1) << 20) / per_example);
  for (uint64_t e0 = 0; e0 < count; e0 += chunk) {
    if (!keep_going()) {
      run.complete = false;
      break;
    }
    const uint64_t e1 = std::min(count, e0 + chunk);
    SpikeSource train = encode_lut_inputs(layout, xs + e0 * width, e1 - e0, base + e0 * P);
    network.set_train(layout.inputs.first, std::move(train));
    const uint64_t ms = e1 == count ? (e1 - e0 - 1) * P + layout.latency() + 1 : (e1 - e0) * P;
    run.simulated_ms += network.run(ms, observe);
    run.neuron_updates += network.last_run_neuron_updates();
  }
  if (run.complete) {
    run.examples = count;
    for (uint64_t e = 0; e < count; ++e) {
      for (uint32_t i = 0; i < tables; ++i) {
        if (run.indices[e * tables + i] == UINT32_MAX) fail(e, "no row of table " + std::to_string(i));
      }
      if (!run.classes.empty() && run.classes[e] == UINT32_MAX) fail(e, "no class");
    }
  }
  run.spikes = network.spike_count() - spikes_before;
  run.synaptic_events = network.synaptic_events() - events_before;
  return run;
}

void lut_direct_indices(const LutClassifier& model, const float* xs, uint64_t count, const LatencyGrid* grid,
                        uint32_t* out, uint32_t* classes) {
  const uint32_t width = model.config().inputs;
  require_finite(xs, count * width);
  const auto& layers = model.layers();
  const size_t readout = layers.size() - 1;
  const uint32_t hidden_width = readout > 0 ? layers[0].shape().outputs : 0;
  std::vector<float> input, z, copy, u, logits(model.config().classes);
  std::vector<uint32_t> r_min;
  for (uint64_t e = 0; e < count; ++e) {
    direct_input(xs + e * width, width, model.thresholds(), grid, input);
    z.assign(hidden_width, 0.0f);
    for (size_t l = 0; l <= readout; ++l) {
      const float* in = input.data();
      if (l > 0) {
        copy = z;
        in = copy.data();
      }
      const uint32_t T = layers[l].shape().tables;
      r_min.resize(T);
      u.resize(T);
      layers[l].index(in, out, r_min.data(), u.data());
      out += T;
      if (l < readout) layers[l].forward(in, z.data());
    }
    if (classes != nullptr) {
      std::fill(logits.begin(), logits.end(), 0.0f);
      layers[readout].forward(readout == 0 ? input.data() : z.data(), logits.data());
      classes[e] = uint32_t(std::max_element(logits.begin(), logits.end()) - logits.begin());
    }
  }
}

void lut_direct_indices(const Lut& layer, const float* xs, uint64_t count, const LatencyGrid* grid, uint32_t* out) {
  const uint32_t width = layer.shape().inputs, T = layer.shape().tables;
  require_finite(xs, count * width);
  std::vector<float> input, u(T);
  std::vector<uint32_t> r_min(T);
  for (uint64_t e = 0; e < count; ++e) {
    direct_input(xs + e * width, width, {}, grid, input);
    layer.index(input.data(), out, r_min.data(), u.data());
    out += T;
  }
}

}  // namespace polychron
