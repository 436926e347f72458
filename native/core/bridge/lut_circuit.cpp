#include "core/bridge/lut_circuit.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/errors.h"

namespace polychron {

// ---------------------------------------------------------------------------------------
// The latency grid

void LatencyGrid::validate() const {
  if (!(std::isfinite(low) && std::isfinite(high) && low < high)) {
    throw RangeError("grid: low and high must be finite with low < high (got " + std::to_string(low) + ", " +
                     std::to_string(high) + ")");
  }
  if (steps < 2 || steps > kMaxSteps) {
    throw RangeError("grid.steps must be an integer in [2, " + std::to_string(kMaxSteps) + "] (got " + std::to_string(steps) + ")");
  }
  // Neighbouring grid values must stay distinct and ordered in float32.
  for (uint32_t k = 1; k < steps; ++k) {
    if (!(value(k) < value(k - 1))) {
      throw RangeError("grid: " + std::to_string(steps) + " steps over [" + std::to_string(low) + ", " + std::to_string(high) +
                       "] are finer than float32 resolves; use fewer steps");
    }
  }
}

uint32_t LatencyGrid::latency(float x) const {
  const double step = (high - low) / double(steps - 1);
  const double l = std::nearbyint((high - double(x)) / step);
  if (!(l > 0)) return 0;  // values at or above high (NaN is refused before)
  return l >= double(steps - 1) ? steps - 1 : uint32_t(l);
}

float LatencyGrid::value(uint32_t latency) const {
  return float(high - double(latency) * ((high - low) / double(steps - 1)));
}

// ---------------------------------------------------------------------------------------
// The layout

uint32_t LutCircuitLayout::tables() const {
  uint32_t n = 0;
  for (const CircuitStage& s : stages) n += s.tables;
  return n;
}

uint32_t LutCircuitLayout::latency() const {
  return classes.count > 0 ? classes_fire : stages.empty() ? 0 : stages.back().rows_fire;
}

void LutCircuitLayout::validate(uint32_t neurons) const {
  grid.validate();
  const auto inside = [&](NeuronRange r, const char* what) {
    if (uint64_t(r.first) + r.count > neurons) throw RangeError(std::string("layout.") + what + " lies outside the network's neurons");
  };
  inside(inputs, "inputs");
  if (inputs.count != uint64_t(width) + constant_latencies.size() + 1) {
    throw RangeError("layout.inputs must hold the data's values, the constants and the clock");
  }
  for (uint32_t l : constant_latencies) {
    if (l >= grid.steps) throw RangeError("layout.constantLatencies must lie on the grid");
  }
  if (period != grid.steps + 1) throw RangeError("layout.period must be grid.steps + 1");
  if (stages.empty()) throw RangeError("layout.stages must not be empty");
  for (size_t k = 0; k < stages.size(); ++k) {
    const CircuitStage& s = stages[k];
    if (s.comparisons == 0 || s.comparisons > 24 || s.tables == 0) throw RangeError("layout.stages: bad table shape");
    inside(s.comparators, "comparators");
    inside(s.rows, "rows");
    inside(s.holders, "holders");
    if (uint64_t(s.tables) * s.comparisons != s.comparators.count ||
        (uint64_t(s.tables) << s.comparisons) != s.rows.count) {
      throw RangeError("layout.stages: the neuron counts do not match the tables");
    }
    if (s.rows_fire != grid.steps + 1 + 2 * k) throw RangeError("layout.stages: rowsFire does not match the grid");
  }
  inside(beats, "beats");
  inside(classes, "classes");
  if (beats.count != uint64_t(classes.count) * (classes.count > 0 ? classes.count - 1 : 0) / 2) {
    throw RangeError("layout.beats must hold one neuron per pair of classes");
  }
  if (classes.count > 0 && classes_fire != grid.steps + 2 * stages.size() + 1) {
    throw RangeError("layout.classesFire does not match the grid");
  }
}

namespace {

// ---------------------------------------------------------------------------------------
// Compiling

constexpr double kMaxUnits = double(1 << 24);  // float32 adds integers below 2^24 exactly

// The neuron models of the circuit (lif.h): all at rest at 0, R = 1.
LifParameters integrator(double threshold, double refractory) {
  LifParameters p;
  p.tau = {HUGE_VAL};
  p.v_rest = {0};
  p.v_reset = {0};
  p.v_threshold = {threshold};
  p.resistance = {1};
  p.refractory = {refractory};
  return p;
}

// τ = 10⁻³ ms: e^(−1000) is 0 in float64, so v is exactly the ms's input.
LifParameters memoryless(std::vector<double> thresholds) {
  LifParameters p = integrator(0, 0);
  p.tau = {1e-3};
  p.v_threshold = std::move(thresholds);
  return p;
}

// The rows of a table read the bits of its index: +1 from a set bit that row j has, −C from
// one it has not; threshold popcount(j) − ½ (row 0: ½ with the clock's +1).
std::vector<double> row_thresholds(uint32_t tables, uint32_t comparisons) {
  std::vector<double> t(uint64_t(tables) << comparisons);
  for (uint64_t n = 0; n < t.size(); ++n) {
    const uint64_t j = n & ((uint64_t(1) << comparisons) - 1);
    t[n] = j == 0 ? 0.5 : double(__builtin_popcountll(j)) - 0.5;
  }
  return t;
}

// A layer's table values as integers W = round(S / unit), row-major like the tables.
struct IntegerTables {
  uint32_t width = 0, outputs = 0;
  std::vector<int32_t> values;
  const int32_t* row(uint32_t table, uint32_t index) const {
    return values.data() + ((uint64_t(table) << width) + index) * outputs;
  }
};

// The unit of a stream of layers whose rows are summed: the smallest power of two with
// which every sum of differences stays below 2^24 units (|W| <= |S| / unit + ½ per table).
double stream_unit(const std::vector<const Lut*>& layers) {
  const uint32_t outputs = layers.front()->shape().outputs;
  std::vector<double> bound(outputs, 0.0);
  double tables = 0;
  for (const Lut* lut : layers) {
    const LutShape& s = lut->shape();
    tables += s.tables;
    std::vector<float> largest(outputs);
    for (uint32_t i = 0; i < s.tables; ++i) {
      std::fill(largest.begin(), largest.end(), 0.0f);
      for (uint64_t j = 0; j < (uint64_t(1) << s.width); ++j) {
        const float* r = lut->read_row(i, j);
        for (uint32_t k = 0; k < outputs; ++k) largest[k] = std::max(largest[k], std::fabs(r[k]));
      }
      for (uint32_t k = 0; k < outputs; ++k) bound[k] += largest[k];
    }
  }
  const double worst = *std::max_element(bound.begin(), bound.end());
  if (!(worst > 0)) return 1;
  if (tables >= kMaxUnits / 2) throw RangeError("the circuit's layers have too many tables to sum exactly");
  return std::ldexp(1.0, int(std::ceil(std::log2(2 * worst / (kMaxUnits - tables)))));
}

IntegerTables integer_tables(const Lut& lut, double unit) {
  const LutShape& s = lut.shape();
  IntegerTables t;
  t.width = s.width;
  t.outputs = s.outputs;
  t.values.assign(lut.rows() * s.outputs, 0);
  for (uint64_t n = 0; n < lut.rows(); ++n) {
    if (!lut.written(n)) continue;
    const float* r = lut.read_row(n);
    for (uint32_t k = 0; k < s.outputs; ++k) t.values[n * s.outputs + k] = int32_t(std::llround(double(r[k]) / unit));
  }
  return t;
}

// Every synapse of a circuit, drawn per presynaptic neuron when the network is built.
class CircuitSynapses final : public DrawnProjection {
 public:
  CircuitSynapses(const LutCircuitLayout& layout, uint16_t projection) : layout_(layout), projection_(projection) {}

  LutCircuitLayout layout_;
  uint16_t projection_;
  // Input value v's comparators: in_list_[in_begin_[v] .. in_begin_[v + 1]) = (neuron, ±1).
  std::vector<uint32_t> in_begin_;
  std::vector<std::pair<uint32_t, float>> in_list_;
  // Stage k's anchors (k >= 1), comparison-major as Lut keeps them.
  std::vector<std::vector<uint32_t>> a_, b_;
  // The hidden layers' values (stages 0 .. hidden − 1) and the readout's (stage hidden).
  std::vector<IntegerTables> values_;
  uint32_t hidden_ = 0;
  bool carries_ = false;  // rows carry values (classifier circuits)

  uint16_t projection() const override { return projection_; }

  uint32_t count(uint32_t p, uint32_t& max_delay, DrawScratch&) const override {
    uint32_t n = 0;
    each(p, [&](uint32_t, float, uint32_t delay) {
      ++n;
      max_delay = std::max(max_delay, delay);
    });
    return n;
  }

  void draw(uint32_t p, std::vector<DrawnSynapse>& out, DrawScratch&) const override {
    each(p, [&](uint32_t post, float weight, uint32_t delay) { out.push_back({post, weight, uint8_t(delay), projection_}); });
  }

 private:
  static bool in(NeuronRange r, uint32_t p) { return p - r.first < r.count; }

  template <typename Emit>
  void each(uint32_t p, Emit&& emit) const {
    const LutCircuitLayout& L = layout_;
    const uint32_t S = uint32_t(L.stages.size());
    if (p == L.clock()) {
      const CircuitStage& first = L.stages[0];
      for (uint32_t h = 0; h < first.holders.count; ++h) {
        emit(first.holders.first + h, 1.0f, 1);   // reads the holders out at s + G − 1...
        emit(first.holders.first + h, -1.0f, 2);  // ...and empties those that did not fire
      }
      for (uint32_t k = 0; k < S; ++k) {
        const CircuitStage& s = L.stages[k];
        for (uint32_t i = 0; i < s.tables; ++i) emit(s.rows.first + (i << s.comparisons), 1.0f, 2 * k + 2);
      }
      for (uint32_t c = 0; c < L.classes.count; ++c) emit(L.classes.first + c, 1.0f, 2 * S + 2);
      return;
    }
    if (in(L.inputs, p)) {
      const uint32_t v = p - L.inputs.first;
      for (uint32_t e = in_begin_[v]; e < in_begin_[v + 1]; ++e) emit(in_list_[e].first, in_list_[e].second, 1);
      return;
    }
    for (uint32_t k = 0; k < S; ++k) {
      const CircuitStage& s = L.stages[k];
      const uint32_t rows = 1u << s.comparisons;
      if (in(s.comparators, p)) {
        const uint32_t c = p - s.comparators.first;
        if (s.holders.count > 0) {
          emit(s.holders.first + c, 1.0f, 1);
        } else {
          decode(s, c, emit);
        }
        return;
      }
      if (in(s.holders, p)) {
        const uint32_t c = p - s.holders.first;
        emit(s.comparators.first + c, 1.0f, 1);  // gives back the +1 that anchor b took
        decode(s, c, emit);
        return;
      }
      if (in(s.rows, p)) {
        if (!carries_) return;
        const uint32_t i = (p - s.rows.first) >> s.comparisons, j = (p - s.rows.first) & (rows - 1);
        const int32_t* w = values_[k].row(i, j);
        if (k < hidden_) {
          // z[a] − z[b] to the comparators of every later layer, arriving with stage k + 1's.
          for (uint32_t m = k + 1; m <= hidden_; ++m) {
            const CircuitStage& t = L.stages[m];
            for (uint32_t i2 = 0; i2 < t.tables; ++i2) {
              for (uint32_t r = 0; r < t.comparisons; ++r) {
                const int32_t d = w[a_[m][r * t.tables + i2]] - w[b_[m][r * t.tables + i2]];
                if (d != 0) emit(t.comparators.first + i2 * t.comparisons + r, float(d), 2 * (m - 1 - k) + 1);
              }
            }
          }
        } else {
          // Logit c' − logit c to the beat neuron E(c, c').
          uint32_t e = 0;
          for (uint32_t c = 0; c < L.classes.count; ++c) {
            for (uint32_t c2 = c + 1; c2 < L.classes.count; ++c2, ++e) {
              const int32_t d = w[c2] - w[c];
              if (d != 0) emit(L.beats.first + e, float(d), 1);
            }
          }
        }
        return;
      }
    }
    if (in(L.beats, p)) {
      uint32_t e = p - L.beats.first, c = 0;
      while (e >= L.classes.count - 1 - c) e -= L.classes.count - 1 - c++;
      emit(L.classes.first + c, -float(L.classes.count), 1);  // c' beats c: c cannot win
      emit(L.classes.first + c + 1 + e, 1.0f, 1);            // one more class c' beats
    }
  }

  // Bit c = i · C + r of stage s to the rows of table i.
  template <typename Emit>
  static void decode(const CircuitStage& s, uint32_t c, Emit& emit) {
    const uint32_t i = c / s.comparisons, r = c % s.comparisons;
    for (uint32_t j = 0; j < (1u << s.comparisons); ++j) {
      emit(s.rows.first + (i << s.comparisons) + j, (j >> r) & 1 ? 1.0f : -float(s.comparisons), 1);
    }
  }
};

// The layers a circuit is made of, and what it needs to know of them.
struct CircuitModel {
  std::vector<const Lut*> layers;  // hidden layers, then the readout (or the one layer)
  uint32_t hidden = 0;
  uint32_t width = 0;              // the data's values
  std::vector<float> constants;    // appended to the data for layer 0
  uint32_t classes = 0;            // 0: a lone layer
};

CompiledLutCircuit compile(const CircuitModel& model, const LutCircuitOptions& options) {
  options.grid.validate();
  const uint32_t G = options.grid.steps;
  const uint32_t S = uint32_t(model.layers.size());
  if (2 * S + 2 > kMaxDelay) throw RangeError("the circuit supports at most " + std::to_string((kMaxDelay - 2) / 2) + " layers");
  uint64_t neurons = uint64_t(model.width) + model.constants.size() + 1 + uint64_t(model.classes) * (model.classes + 1) / 2;
  for (size_t k = 0; k < S; ++k) {
    const LutShape& s = model.layers[k]->shape();
    if (s.width != s.comparisons) throw RangeError("only plain LUT layers (index width = comparisons) can be compiled");
    neurons += uint64_t(s.tables) * s.comparisons * (k == 0 ? 2 : 1) + (uint64_t(s.tables) << std::min(s.width, 40u));
  }
  if (neurons > kMaxCircuitNeurons) {
    throw RangeError("the circuit would need " + std::to_string(neurons) + " neurons (one per table row), more than " +
                     std::to_string(kMaxCircuitNeurons) + "; compile a model with fewer tables or comparisons");
  }

  CompiledLutCircuit out;
  LutCircuitLayout& L = out.layout;
  L.grid = options.grid;
  L.period = G + 1;
  L.width = model.width;
  for (float c : model.constants) L.constant_latencies.push_back(options.grid.latency(c));

  NetworkOptions net_options;
  net_options.mode = options.mode;
  net_options.simd = options.simd;
  net_options.threads = options.threads;
  net_options.memory_limit = options.memory_limit;
  out.network = std::make_unique<Network>(net_options);
  Network& net = *out.network;
  SpikeSource train;
  train.kind = SpikeSource::Kind::Train;
  const uint32_t values = model.width + uint32_t(model.constants.size());
  L.inputs = {net.add_source(values + 1, train), values + 1};
  for (uint32_t k = 0; k < S; ++k) {
    const LutShape& s = model.layers[k]->shape();
    CircuitStage st;
    st.layer = k;
    st.tables = s.tables;
    st.comparisons = s.comparisons;
    const uint32_t bits = s.tables * s.comparisons;
    if (k == 0) {
      st.comparators = {net.add_lif(bits, integrator(0.5, 0), {}), bits};
      st.holders = {net.add_lif(bits, integrator(1.5, 1), {}), bits};
    } else {
      st.comparators = {net.add_lif(bits, memoryless({0.5}), {}), bits};
    }
    const uint32_t rows = s.tables << s.comparisons;
    st.rows = {net.add_lif(rows, memoryless(row_thresholds(s.tables, s.comparisons)), {}), rows};
    st.rows_fire = G + 1 + 2 * k;
    L.stages.push_back(st);
  }
  if (model.classes > 0) {
    const uint32_t K = model.classes, pairs = K * (K - 1) / 2;
    if (pairs > 0) L.beats = {net.add_lif(pairs, memoryless({0.5}), {}), pairs};
    std::vector<double> thresholds(K);
    for (uint32_t c = 0; c < K; ++c) thresholds[c] = c + 0.5;
    L.classes = {net.add_lif(K, memoryless(thresholds), {}), K};
    L.classes_fire = G + 2 * S + 1;
  }

  PlasticityRule none;
  auto synapses = std::make_shared<CircuitSynapses>(L, net.add_projection(none));
  // Layer 0's comparisons: +1 from anchor a, −1 from anchor b.
  const Lut& first = *model.layers[0];
  std::vector<std::vector<std::pair<uint32_t, float>>> by_value(values);
  for (uint32_t i = 0; i < first.shape().tables; ++i) {
    for (uint32_t r = 0; r < first.shape().comparisons; ++r) {
      const uint32_t n = L.stages[0].comparators.first + i * first.shape().comparisons + r;
      by_value[first.a()[r * first.shape().tables + i]].push_back({n, 1.0f});
      by_value[first.b()[r * first.shape().tables + i]].push_back({n, -1.0f});
    }
  }
  synapses->in_begin_.push_back(0);
  for (const auto& list : by_value) {
    synapses->in_list_.insert(synapses->in_list_.end(), list.begin(), list.end());
    synapses->in_begin_.push_back(uint32_t(synapses->in_list_.size()));
  }
  synapses->a_.resize(S);
  synapses->b_.resize(S);
  for (uint32_t k = 1; k < S; ++k) {
    synapses->a_[k] = model.layers[k]->a();
    synapses->b_[k] = model.layers[k]->b();
  }
  synapses->hidden_ = model.hidden;
  synapses->carries_ = model.classes > 0;
  if (model.classes > 0) {
    const std::vector<const Lut*> hidden(model.layers.begin(), model.layers.begin() + model.hidden);
    L.hidden_unit = hidden.empty() ? 0 : stream_unit(hidden);
    L.logit_unit = stream_unit({model.layers.back()});
    for (uint32_t k = 0; k < S; ++k) {
      synapses->values_.push_back(integer_tables(*model.layers[k], k < model.hidden ? L.hidden_unit : L.logit_unit));
    }
  }
  net.add_drawn(synapses);
  net.build();
  L.validate(net.neurons());
  return out;
}

// The twin: `model` with the circuit's rounded tables and grid thresholds.
std::unique_ptr<LutClassifier> twin_of(const LutClassifier& model, const LutCircuitLayout& layout) {
  auto twin = std::make_unique<LutClassifier>(model.config(), model.simd());
  const size_t S = model.layers().size();
  for (size_t k = 0; k < S; ++k) {
    const Lut& from = model.layers()[k];
    Lut& to = twin->layers()[k];
    to.set_anchors(from.a(), from.b());
    const double unit = k + 1 < S ? layout.hidden_unit : layout.logit_unit;
    const uint32_t m = from.shape().outputs;
    for (uint64_t n = 0; n < from.rows(); ++n) {
      if (!from.written(n)) continue;
      const float* r = from.read_row(n);
      float* w = to.write_row(n);
      for (uint32_t k2 = 0; k2 < m; ++k2) w[k2] = float(double(std::llround(double(r[k2]) / unit)) * unit);
    }
  }
  std::vector<float> thresholds;
  for (uint32_t l : layout.constant_latencies) thresholds.push_back(layout.grid.value(l));
  twin->set_thresholds(thresholds);
  return twin;
}

}  // namespace

CompiledLutCircuit compile_lut_circuit(const LutClassifier& model, const LutCircuitOptions& options) {
  CircuitModel m;
  for (const Lut& lut : model.layers()) m.layers.push_back(&lut);
  m.hidden = uint32_t(model.layers().size()) - 1;
  m.width = model.config().inputs;
  m.constants = model.thresholds();
  m.classes = model.config().classes;
  CompiledLutCircuit out = compile(m, options);
  out.twin = twin_of(model, out.layout);
  return out;
}

CompiledLutCircuit compile_lut_circuit(const Lut& layer, const LutCircuitOptions& options) {
  CircuitModel m;
  m.layers.push_back(&layer);
  m.width = layer.shape().inputs;
  return compile(m, options);
}

}  // namespace polychron
