#include "core/lut/classifier.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <memory>

#include "core/errors.h"
#include "core/random.h"

namespace polychron {

namespace {

constexpr double kPi = 3.14159265358979323846;

void require_range(uint64_t value, uint64_t lo, uint64_t hi, const std::string& field) {
  if (value < lo || value > hi) {
    throw RangeError("polychron: LutClassifier " + field + " must be an integer in [" + std::to_string(lo) + ", " +
                     std::to_string(hi) + "] (got " + std::to_string(value) + ")");
  }
}

// Softmax cross-entropy of one sample: p − one-hot into g, returns −ln p[label].
double softmax_gradient(const float* logits, uint32_t classes, uint32_t label, float* g) {
  float top = logits[0];
  for (uint32_t k = 1; k < classes; ++k) top = std::max(top, logits[k]);
  double total = 0;
  for (uint32_t k = 0; k < classes; ++k) total += std::exp(double(logits[k]) - top);
  for (uint32_t k = 0; k < classes; ++k) g[k] = float(std::exp(double(logits[k]) - top) / total);
  const double loss = std::log(total) - (double(logits[label]) - top);
  g[label] -= 1.0f;
  return loss;
}

// Adds w·τ·(softmax(logits/τ) − softmax(teacher/τ)) into g: the distillation term.
void add_distillation_gradient(const float* logits, const float* teacher, uint32_t classes, float weight,
                               float temperature, float* g) {
  double top_s = logits[0], top_t = teacher[0];
  for (uint32_t k = 1; k < classes; ++k) {
    top_s = std::max(top_s, double(logits[k]));
    top_t = std::max(top_t, double(teacher[k]));
  }
  double sum_s = 0, sum_t = 0;
  for (uint32_t k = 0; k < classes; ++k) {
    sum_s += std::exp((double(logits[k]) - top_s) / temperature);
    sum_t += std::exp((double(teacher[k]) - top_t) / temperature);
  }
  for (uint32_t k = 0; k < classes; ++k) {
    const double ps = std::exp((double(logits[k]) - top_s) / temperature) / sum_s;
    const double pt = std::exp((double(teacher[k]) - top_t) / temperature) / sum_t;
    g[k] += float(double(weight) * temperature * (ps - pt));
  }
}

uint32_t argmax(const float* v, uint32_t n) {
  uint32_t best = 0;
  for (uint32_t k = 1; k < n; ++k) {
    if (v[k] > v[best]) best = k;
  }
  return best;
}

}  // namespace

const char* anchor_policy_name(AnchorPolicy policy) {
  switch (policy) {
    case AnchorPolicy::Local: return "local";
    case AnchorPolicy::Patch: return "patch";
    case AnchorPolicy::Auto: return "auto";
    case AnchorPolicy::Uniform: break;
  }
  return "uniform";
}

AnchorPolicy parse_anchor_policy(const std::string& name) {
  if (name == "auto") return AnchorPolicy::Auto;
  if (name == "uniform") return AnchorPolicy::Uniform;
  if (name == "local") return AnchorPolicy::Local;
  if (name == "patch") return AnchorPolicy::Patch;
  throw RangeError("polychron: anchors must be 'auto', 'uniform', 'local' or 'patch' (got '" + name + "')");
}

void validate_lut_classifier_config(const LutClassifierConfig& c) {
  require_range(c.inputs, 2, 1u << 24, "inputs");
  require_range(c.classes, 2, 1u << 16, "classes");
  require_range(c.hidden.size(), 0, 64, "layers");
  for (size_t l = 0; l < c.hidden.size(); ++l) {
    const std::string name = "layer " + std::to_string(l);
    require_range(c.hidden[l].width, 2, 1u << 16, name + " width");
    if (l > 0 && c.hidden[l].width != c.hidden[0].width) {
      throw RangeError("polychron: LutClassifier hidden layers are residual and must share one width (layer " +
                       std::to_string(l) + " has " + std::to_string(c.hidden[l].width) + ", layer 0 has " +
                       std::to_string(c.hidden[0].width) + ")");
    }
  }
  if (c.image_rows > 0 || c.image_cols > 0) {
    if (c.image_rows == 0 || c.image_cols == 0 || uint64_t(c.image_rows) * c.image_cols != c.inputs) {
      throw RangeError("polychron: LutClassifier imageShape must be [rows, cols] with rows × cols = inputs (got " +
                       std::to_string(c.image_rows) + " × " + std::to_string(c.image_cols) + " for " +
                       std::to_string(c.inputs) + " inputs)");
    }
  }
  if (c.anchors == AnchorPolicy::Local || c.anchors == AnchorPolicy::Patch) {
    if (c.image_rows == 0 || c.image_cols == 0 || uint64_t(c.image_rows) * c.image_cols != c.inputs) {
      throw RangeError("polychron: LutClassifier local anchors need an image shape with rows × cols = inputs (got " +
                       std::to_string(c.image_rows) + " × " + std::to_string(c.image_cols) + " for " +
                       std::to_string(c.inputs) + " inputs)");
    }
    require_range(c.anchor_radius, 1, std::max(c.image_rows, c.image_cols), "anchorRadius");
  }
  require_range(c.thresholds, 0, 256, "thresholds");
  if (!(c.threshold_share >= 0.0f && c.threshold_share <= 1.0f)) {
    throw RangeError("polychron: LutClassifier thresholdShare must be in [0, 1] (got " +
                     std::to_string(c.threshold_share) + ")");
  }
  if (c.threshold_share > 0.0f && c.thresholds == 0) {
    throw RangeError("polychron: LutClassifier thresholdShare > 0 needs thresholds ≥ 1");
  }
  if (!std::isfinite(c.threshold_scale) || c.threshold_scale <= 0.0f) {
    throw RangeError("polychron: LutClassifier thresholdScale must be a positive finite number (got " +
                     std::to_string(c.threshold_scale) + ")");
  }
}

uint64_t first_non_finite(const float* x, uint64_t n) {
  // By the exponent bits, so that the loop vectorizes (this file is built with -O3).
  uint64_t block = 0;
  for (; block + 64 <= n; block += 64) {
    uint32_t bad = 0;
    for (uint64_t k = block; k < block + 64; ++k) {
      uint32_t bits;
      std::memcpy(&bits, x + k, 4);
      bad |= uint32_t((bits & 0x7F800000u) == 0x7F800000u);
    }
    if (bad) break;
  }
  for (uint64_t k = block; k < n; ++k) {
    if (!std::isfinite(x[k])) return k;
  }
  return n;
}

float lut_classifier_default_rate(const LutClassifierConfig& c) {
  uint32_t tables = c.readout_tables;
  for (const LutLayerSize& layer : c.hidden) tables = std::max(tables, layer.tables);
  return 1.0f / float(tables);
}

// One sample's state: per layer the index of every table, its weakest comparison and
// margin, the vector the layer read (layers ≥ 1) and the gradient of the layer's output.
struct LutClassifier::Sample {
  struct Layer {
    std::vector<uint32_t> j, r_min;
    std::vector<float> u_min, input, g;
  };
  std::vector<Layer> layers;
  std::vector<float> buffer;  // the augmented input
  std::vector<float> z, logits, dz, perturbed;
  std::vector<const float*> rows;
  double loss = 0;
  bool correct = false;

  explicit Sample(const LutClassifier& net) {
    const size_t count = net.layers_.size();
    layers.resize(count);
    for (size_t l = 0; l < count; ++l) {
      const LutShape& s = net.layers_[l].shape();
      layers[l].j.resize(s.tables);
      layers[l].r_min.resize(s.tables);
      layers[l].u_min.resize(s.tables);
      if (l > 0) layers[l].input.resize(s.inputs);
      layers[l].g.resize(s.outputs);
    }
    const uint32_t width = net.config_.hidden.empty() ? 0 : net.config_.hidden[0].width;
    z.resize(width);
    dz.resize(width);
    logits.resize(net.config_.classes);
    perturbed.resize(net.config_.inputs);
    uint32_t most = 0;
    for (const Lut& lut : net.layers_) most = std::max(most, lut.shape().tables);
    rows.resize(most);
  }
};

LutClassifier::LutClassifier(const LutClassifierConfig& config, SimdLevel simd)
    : config_(config), simd_(simd), kernels_(lut_kernels(simd)) {
  if (config_.anchors == AnchorPolicy::Auto) {
    config_.anchors = config_.image_rows > 0 ? AnchorPolicy::Patch : AnchorPolicy::Uniform;
  }
  validate_lut_classifier_config(config_);
  std::vector<LutShape> shapes;
  uint32_t inputs = config_.inputs + config_.thresholds;
  for (const LutLayerSize& layer : config_.hidden) {
    shapes.push_back({inputs, layer.width, layer.tables, layer.comparisons, layer.comparisons});
    inputs = layer.width;
  }
  shapes.push_back({inputs, config_.classes, config_.readout_tables, config_.readout_comparisons,
                    config_.readout_comparisons});
  uint64_t bytes = 0;
  for (size_t l = 0; l < shapes.size(); ++l) {
    const std::string name = l + 1 == shapes.size() ? "readout" : "layer " + std::to_string(l);
    validate_lut_shape(shapes[l], "LutClassifier " + name, false);
    bytes += lut_table_bytes(shapes[l]);
  }
  if (bytes > config_.memory_limit) {
    throw RangeError("polychron: this classifier's tables take " + std::to_string(bytes) +
                     " bytes, more than memoryLimit = " + std::to_string(config_.memory_limit) +
                     " bytes; raise memoryLimit or lower tables, comparisons or width");
  }
  Random rng(config_.seed, 0);
  for (size_t l = 0; l < shapes.size(); ++l) {
    const std::string name = l + 1 == shapes.size() ? "readout" : "layer " + std::to_string(l);
    layers_.emplace_back(shapes[l], rng, false, "LutClassifier " + name);
  }
  draw_input_anchors(layers_[0], rng);
  for (uint32_t k = 0; k < config_.thresholds; ++k) {
    threshold_values_.push_back(float(k + 1) / float(config_.thresholds + 1) * config_.threshold_scale);
  }
}

// Layer 0's anchors under the policy: a is a uniform input; b is a threshold with
// probability threshold_share, else a uniform input (Uniform) or a pixel of the window
// around a (Local), never a itself.
void LutClassifier::draw_input_anchors(Lut& lut, Random& rng) const {
  const LutShape& s = lut.shape();
  const uint32_t d = config_.inputs, T = s.tables;
  std::vector<uint32_t> a(size_t(T) * s.comparisons), b(a.size());
  const int rows = int(config_.image_rows), cols = int(config_.image_cols), radius = int(config_.anchor_radius);
  // A pixel of the window of half-width `radius` around `centre` (in the image), other than `not_this`.
  const auto near = [&](uint32_t centre, int64_t not_this) {
    const int rc = int(centre) / cols, cc = int(centre) % cols;
    int rb, cb;
    do {
      rb = rc + int(rng.below(2 * radius + 1)) - radius;
      cb = cc + int(rng.below(2 * radius + 1)) - radius;
    } while (rb < 0 || rb >= rows || cb < 0 || cb >= cols || int64_t(rb * cols + cb) == not_this);
    return uint32_t(rb * cols + cb);
  };
  for (uint32_t i = 0; i < T; ++i) {
    const uint32_t centre = rng.below(d);
    for (uint32_t r = 0; r < s.comparisons; ++r) {
      const uint32_t pa = config_.anchors == AnchorPolicy::Patch ? near(centre, -1) : rng.below(d);
      uint32_t pb;
      if (config_.thresholds > 0 && rng.uniform() < config_.threshold_share) {
        pb = d + rng.below(config_.thresholds);
      } else if (config_.anchors == AnchorPolicy::Local) {
        pb = near(pa, pa);
      } else if (config_.anchors == AnchorPolicy::Patch) {
        pb = near(centre, pa);
      } else {
        do pb = rng.below(d);
        while (pb == pa);
      }
      a[size_t(r) * T + i] = pa;
      b[size_t(r) * T + i] = pb;
    }
  }
  lut.set_anchors(std::move(a), std::move(b));
}

void LutClassifier::set_thresholds(const std::vector<float>& values) {
  if (values.size() != config_.thresholds) {
    throw RangeError("polychron: LutClassifier thresholds must hold " + std::to_string(config_.thresholds) + " values");
  }
  for (float v : values) {
    if (!std::isfinite(v)) throw RangeError("polychron: LutClassifier thresholds must be finite");
  }
  threshold_values_ = values;
}

uint32_t LutClassifier::layer_inputs(size_t layer) const { return layers_[layer].shape().inputs; }

uint64_t LutClassifier::table_bytes() const {
  uint64_t bytes = 0;
  for (const Lut& lut : layers_) bytes += lut_table_bytes(lut.shape());
  return bytes;
}

uint64_t LutClassifier::memory_bytes() const {
  uint64_t bytes = table_bytes();
  for (const Lut& lut : layers_) bytes += 2 * lut.a().size() * sizeof(uint32_t) + lut.rows() / 8;
  return bytes;
}

const float* LutClassifier::augmented(const float* x, std::vector<float>& buffer) const {
  if (config_.thresholds == 0) return x;
  buffer.resize(config_.inputs + config_.thresholds);
  std::copy(x, x + config_.inputs, buffer.begin());
  std::copy(threshold_values_.begin(), threshold_values_.end(), buffer.begin() + config_.inputs);
  return buffer.data();
}

// Rows are read in place (Lut::row): a classifier's tables are small and dense, so the
// shared zero row that spares the language model's huge tables their page faults buys
// nothing here but a test per row.
void LutClassifier::forward(const float* x, Sample& s, bool detail) const {
  const size_t readout = layers_.size() - 1;
  const float* in = augmented(x, s.buffer);
  for (size_t l = 0; l < layers_.size(); ++l) {
    const Lut& lut = layers_[l];
    const LutShape& shape = lut.shape();
    Sample::Layer& state = s.layers[l];
    if (l > 0) {
      std::copy(s.z.begin(), s.z.end(), state.input.begin());
      in = state.input.data();
    }
    if (detail) {
      lut.index(in, state.j.data(), state.r_min.data(), state.u_min.data());
    } else {
      kernels_.indices(in, shape.inputs, lut.a().data(), lut.b().data(), shape.tables, shape.comparisons,
                       state.j.data());
    }
    for (uint32_t i = 0; i < shape.tables; ++i) s.rows[i] = lut.row(i, state.j[i]);
    float* out = l == readout ? s.logits.data() : s.z.data();
    if (l == readout || l == 0) std::fill(out, out + shape.outputs, 0.0f);
    kernels_.sum_rows(out, shape.outputs, s.rows.data(), &shape.tables, 1, shape.outputs);
  }
}

void LutClassifier::backward(Sample& s, uint32_t label, const float* teacher, const LutTrainOptions& options) const {
  const size_t readout = layers_.size() - 1;
  float* g = s.layers[readout].g.data();
  s.loss = softmax_gradient(s.logits.data(), config_.classes, label, g);
  if (teacher != nullptr) {
    for (uint32_t k = 0; k < config_.classes; ++k) g[k] *= 1.0f - options.teacher_weight;
    add_distillation_gradient(s.logits.data(), teacher, config_.classes, options.teacher_weight, options.temperature, g);
  }
  s.correct = argmax(s.logits.data(), config_.classes) == label;
  std::fill(s.dz.begin(), s.dz.end(), 0.0f);
  for (size_t l = readout; l >= 1; --l) {
    const Lut& lut = layers_[l];
    const LutShape& shape = lut.shape();
    Sample::Layer& state = s.layers[l];
    if (l < readout) std::copy(s.dz.begin(), s.dz.end(), state.g.begin());  // residual: dz passes through
    const uint32_t T = shape.tables;
    for (uint32_t i = 0; i < T; ++i) {
      const uint32_t r = state.r_min[i];
      const float* flipped = lut.row(i, state.j[i] ^ (1u << r));
      const float* current = lut.row(i, state.j[i]);
      const float v = lut_delta_dot(state.g.data(), flipped, current, shape.outputs) * surrogate_slope(state.u_min[i]);
      s.dz[lut.a()[size_t(r) * T + i]] += v;
      s.dz[lut.b()[size_t(r) * T + i]] -= v;
    }
  }
  if (readout > 0) std::copy(s.dz.begin(), s.dz.end(), s.layers[0].g.begin());
}

void LutClassifier::perturb(const float* x, const LutTrainOptions& o, Random& rng, float* out) const {
  const uint32_t d = config_.inputs;
  if (o.shift > 0) {
    const int rows = int(config_.image_rows), cols = int(config_.image_cols), span = int(o.shift);
    const int dr = int(rng.below(2 * span + 1)) - span, dc = int(rng.below(2 * span + 1)) - span;
    for (int r = 0; r < rows; ++r) {
      for (int c = 0; c < cols; ++c) {
        const int sr = r - dr, sc = c - dc;
        out[r * cols + c] = sr >= 0 && sr < rows && sc >= 0 && sc < cols ? x[sr * cols + sc] : 0.0f;
      }
    }
  } else {
    std::copy(x, x + d, out);
  }
  if (o.noise > 0) {
    for (uint32_t k = 0; k < d; ++k) out[k] += float((2.0 * rng.uniform() - 1.0) * o.noise);
  }
}

float LutClassifier::scheduled_rate(float base, double warmup, double progress) {
  progress = std::min(1.0, std::max(0.0, progress));
  if (progress < warmup) return float(base * progress / warmup);
  const double rest = warmup >= 1.0 ? 1.0 : (progress - warmup) / (1.0 - warmup);
  return float(base * 0.5 * (1.0 + std::cos(kPi * rest)));
}


void LutClassifier::logits(const float* x, float* out, Workspace& w) const {
  Sample& s = w.sample();
  forward(x, s, false);
  std::copy(s.logits.begin(), s.logits.end(), out);
}

// Buffers of the batched path, for kLutLanes inputs: xt is a layer's input lane-major
// (xt[k·lanes + n]), j the indices of one layer (j[i·lanes + n]), z the hidden vectors and
// logits the outputs, input by input (z[n·width + k]).
struct LutClassifier::Block {
  std::vector<float> xt, z, logits;
  std::vector<uint32_t> j;
  explicit Block(const LutClassifier& net) {
    uint32_t most = 0, widest = 0;
    for (const Lut& lut : net.layers_) {
      most = std::max(most, lut.shape().tables);
      widest = std::max(widest, lut.shape().inputs);
    }
    xt.resize(size_t(widest) * kLutLanes);
    z.resize(size_t(net.config_.hidden.empty() ? 0 : net.config_.hidden[0].width) * kLutLanes);
    logits.resize(size_t(net.config_.classes) * kLutLanes);
    j.resize(size_t(most) * kLutLanes);
  }
};

void LutClassifier::forward_block(const float* xs, float* out, Block& w) const {
  const size_t readout = layers_.size() - 1;
  const uint32_t d = config_.inputs;
  for (size_t l = 0; l < layers_.size(); ++l) {
    const Lut& lut = layers_[l];
    const LutShape& shape = lut.shape();
    if (l == 0) {
      kernels_.to_lanes(xs, d, w.xt.data());
      for (uint32_t q = 0; q < config_.thresholds; ++q) {
        std::fill_n(w.xt.data() + size_t(d + q) * kLutLanes, kLutLanes, threshold_values_[q]);
      }
    } else {
      kernels_.to_lanes(w.z.data(), shape.inputs, w.xt.data());
    }
    kernels_.indices_lanes(w.xt.data(), lut.a().data(), lut.b().data(), shape.tables, shape.comparisons, w.j.data());
    float* target = l == readout ? w.logits.data() : w.z.data();
    if (l == readout || l == 0) std::fill(target, target + size_t(shape.outputs) * kLutLanes, 0.0f);
    kernels_.sum_lanes(target, lut.memory().data(), shape.width, shape.outputs, w.j.data(), shape.tables);
  }
  std::copy(w.logits.begin(), w.logits.end(), out);
}

void LutClassifier::logits_reference(const float* x, float* out) const {
  std::vector<float> buffer;
  const float* in = augmented(x, buffer);
  const size_t readout = layers_.size() - 1;
  const uint32_t width = config_.hidden.empty() ? 0 : config_.hidden[0].width;
  std::vector<float> z(width, 0.0f), input;
  for (size_t l = 0; l < readout; ++l) {
    if (l > 0) {
      input = z;
      in = input.data();
    }
    layers_[l].forward(in, z.data());
  }
  std::fill(out, out + config_.classes, 0.0f);
  layers_[readout].forward(readout == 0 ? in : z.data(), out);
}

LutClassifier::Workspace::Workspace(const LutClassifier& net) : net_(net), sample_(std::make_unique<Sample>(net)) {}
LutClassifier::Workspace::~Workspace() = default;

LutClassifier::Block& LutClassifier::Workspace::block() {
  if (!block_) block_ = std::make_unique<Block>(net_);
  return *block_;
}

void LutClassifier::logits(const float* xs, uint64_t count, float* out, Workspace& w) const {
  uint64_t n = 0;
  for (; n + kLutLanes <= count; n += kLutLanes) forward_block(xs + n * config_.inputs, out + n * config_.classes, w.block());
  for (; n < count; ++n) logits(xs + n * config_.inputs, out + n * config_.classes, w);
}

void LutClassifier::logits(const float* xs, uint64_t count, float* out, unsigned threads) const {
  const unsigned used = unsigned(std::max<uint64_t>(1, std::min<uint64_t>(threads, count / kInputsPerThread)));
  ThreadPool pool(used);
  pool.run([&](unsigned k) {
    uint64_t begin, end;
    split_range(count, pool.size(), k, begin, end);
    Workspace w(*this);
    logits(xs + begin * config_.inputs, end - begin, out + begin * config_.classes, w);
  });
}

void LutClassifier::predict(const float* xs, uint64_t count, uint32_t* classes, unsigned threads) const {
  std::vector<float> out(count * config_.classes);
  logits(xs, count, out.data(), threads);
  for (uint64_t n = 0; n < count; ++n) classes[n] = argmax(out.data() + n * config_.classes, config_.classes);
}

void LutClassifier::check_labels(const uint32_t* labels, uint64_t count) const {
  for (uint64_t n = 0; n < count; ++n) {
    if (labels[n] >= config_.classes) {
      throw RangeError("polychron: label " + std::to_string(n) + " is " + std::to_string(labels[n]) +
                       "; labels must be in [0, " + std::to_string(config_.classes - 1) + "]");
    }
  }
}

LutEvaluation LutClassifier::evaluate(const float* xs, const uint32_t* labels, uint64_t count,
                                      unsigned threads) const {
  check_labels(labels, count);
  std::vector<float> out(count * config_.classes), g(config_.classes);
  logits(xs, count, out.data(), threads);
  LutEvaluation e;
  e.examples = count;
  for (uint64_t n = 0; n < count; ++n) {
    const float* l = out.data() + n * config_.classes;
    e.loss += softmax_gradient(l, config_.classes, labels[n], g.data());
    e.correct += argmax(l, config_.classes) == labels[n];
  }
  if (count > 0) e.loss /= double(count);
  return e;
}

LutTrainResult LutClassifier::train(const float* xs, const uint32_t* labels, uint64_t count,
                                    const LutTrainOptions& options,
                                    const std::function<bool(const LutEpochReport&)>& report,
                                    const std::function<bool()>& keep_going, const float* teacher) {
  using Clock = std::chrono::steady_clock;
  const Clock::time_point start = Clock::now();
  LutTrainOptions o = options;
  const auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - start).count(); };
  check_labels(labels, count);
  // The split: a seeded permutation, its first part held out.
  std::vector<uint64_t> order(count);
  for (uint64_t n = 0; n < count; ++n) order[n] = n;
  Random split_rng(o.seed, 1), shuffle_rng(o.seed, 2);
  for (uint64_t n = count; n > 1; --n) std::swap(order[n - 1], order[split_rng.below(uint32_t(n))]);
  const uint64_t held = uint64_t(std::llround(double(o.validation) * double(count)));
  std::vector<uint64_t> validation(order.begin(), order.begin() + held), training(order.begin() + held, order.end());
  std::sort(validation.begin(), validation.end());
  std::vector<float> validation_xs(held * config_.inputs);
  std::vector<uint32_t> validation_labels(held);
  for (uint64_t v = 0; v < held; ++v) {
    std::copy(xs + validation[v] * config_.inputs, xs + (validation[v] + 1) * config_.inputs,
              validation_xs.begin() + v * config_.inputs);
    validation_labels[v] = labels[validation[v]];
  }

  LutTrainResult result;
  result.train_examples = training.size();
  result.validation_examples = held;
  if (o.shift == kShiftAuto) o.shift = config_.image_rows > 0 ? 1 : 0;
  const bool augment = o.shift > 0 || o.noise > 0;
  if (o.shift > 0 && config_.image_rows == 0) {
    throw RangeError("polychron: LutClassifier shift augmentation needs an image shape (imageShape)");
  }
  const float base = o.learning_rate > 0 ? o.learning_rate : lut_classifier_default_rate(config_);
  const uint32_t batch = std::max(1u, o.batch);
  const uint64_t steps_per_epoch = (training.size() + batch - 1) / batch;
  const uint64_t total_steps = std::max<uint64_t>(1, steps_per_epoch * o.epochs);
  ThreadPool pool(std::max(1u, o.threads));
  std::vector<std::unique_ptr<Sample>> samples;
  for (uint32_t b = 0; b < batch; ++b) samples.push_back(std::make_unique<Sample>(*this));
  std::vector<Lut::Snapshot> best;
  double best_accuracy = -1, best_loss = 0;
  uint32_t since_best = 0;
  uint64_t step = 0;
  float rate = 0;
  result.stopped = "epochs";
  double validation_seconds = 0;  // the last validation pass's time, kept free in the budget

  for (uint32_t epoch = 1; epoch <= o.epochs; ++epoch) {
    for (uint64_t n = training.size(); n > 1; --n) std::swap(training[n - 1], training[shuffle_rng.below(uint32_t(n))]);
    double loss_sum = 0;
    uint64_t correct = 0, seen = 0;
    bool stop = false;
    for (uint64_t first = 0; first < training.size(); first += batch) {
      if (!keep_going()) {
        result.stopped = "cancelled";
        stop = true;
        break;
      }
      if (o.seconds > 0 && elapsed() + 2 * validation_seconds >= o.seconds) {
        result.stopped = "time";
        stop = true;
        break;
      }
      const uint32_t size = uint32_t(std::min<uint64_t>(batch, training.size() - first));
      double progress = double(step) / double(total_steps);
      if (o.seconds > 0) progress = std::max(progress, elapsed() / o.seconds);
      rate = scheduled_rate(base, o.warmup, progress);
      pool.run([&](unsigned k) {
        for (uint32_t b = k; b < size; b += pool.size()) {
          const uint64_t n = training[first + b];
          const float* x = xs + n * config_.inputs;
          if (augment) {
            Random rng(o.seed, 3 + uint64_t(epoch) * count + n);
            perturb(x, o, rng, samples[b]->perturbed.data());
            x = samples[b]->perturbed.data();
          }
          forward(x, *samples[b], true);
          backward(*samples[b], labels[n], teacher != nullptr ? teacher + n * config_.classes : nullptr, o);
        }
      });
      pool.run([&](unsigned k) {
        for (size_t l = 0; l < layers_.size(); ++l) {
          Lut& lut = layers_[l];
          const uint32_t m = lut.shape().outputs;
          // By whole words of the written marks: small tables (2^C < 64 rows) share them.
          uint64_t begin, end;
          lut.table_part(k, pool.size(), begin, end);
          for (uint32_t b = 0; b < size; ++b) {
            const Sample::Layer& state = samples[b]->layers[l];
            const float* g = state.g.data();
            for (uint64_t i = begin; i < end; ++i) {
              float* row = lut.write_row(uint32_t(i), state.j[i]);
              for (uint32_t k2 = 0; k2 < m; ++k2) row[k2] -= rate * g[k2];
            }
          }
        }
      });
      for (uint32_t b = 0; b < size; ++b) {
        loss_sum += samples[b]->loss;
        correct += samples[b]->correct;
      }
      seen += size;
      ++step;
    }
    if (seen == 0 && stop) break;
    const double before = elapsed();
    const LutEvaluation v = held > 0 ? evaluate(validation_xs.data(), validation_labels.data(), held, o.threads)
                                     : LutEvaluation{};
    validation_seconds = elapsed() - before;
    LutEpochReport r;
    r.epoch = epoch;
    r.train_loss = seen ? loss_sum / double(seen) : 0;
    r.train_accuracy = seen ? double(correct) / double(seen) : 0;
    r.validation_loss = v.loss;
    r.validation_accuracy = held ? double(v.correct) / double(held) : r.train_accuracy;
    r.learning_rate = rate;
    result.epochs = epoch;
    if (r.validation_accuracy > best_accuracy) {
      best_accuracy = r.validation_accuracy;
      best_loss = held ? v.loss : r.train_loss;
      result.best_epoch = epoch;
      since_best = 0;
      r.best = true;
      if (held > 0) {
        best.clear();
        for (const Lut& lut : layers_) best.push_back(lut.snapshot());
      }
    } else {
      ++since_best;
    }
    r.seconds = elapsed();
    if (!report(r)) {
      result.stopped = "cancelled";
      stop = true;
    }
    if (stop) break;
    if (held > 0 && o.patience > 0 && since_best >= o.patience) {
      result.stopped = "patience";
      break;
    }
  }
  if (held > 0 && !best.empty()) {
    for (size_t l = 0; l < layers_.size(); ++l) layers_[l].restore(best[l]);
  }
  result.best_validation_accuracy = std::max(0.0, best_accuracy);
  result.best_validation_loss = best_loss;
  result.seconds = elapsed();
  return result;
}

}  // namespace polychron
