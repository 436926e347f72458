#include "core/lut/lm/model.h"

#include <cmath>

#include "core/errors.h"

namespace polychron {

namespace {

LutShape attention_shape(const LmConfig& c) {
  return {c.embedding, c.embedding, c.tables, c.comparisons, 2 * c.comparisons + c.positional};
}
LutShape ffn_shape(const LmConfig& c) { return {c.embedding, c.embedding, c.tables, c.comparisons, c.comparisons}; }
LutShape unembed_shape(const LmConfig& c) {
  return {c.embedding, kLmVocabulary, c.tables, c.comparisons, c.comparisons};
}

float uniform_pm1(Random& rng) { return float(rng.uniform() * 2.0 - 1.0); }

// The C program's random_vector(v, n, 1.0f): 1.0f * 2 * ((float)rand() / RAND_MAX - 0.5).
float c_program_uniform(GlibcRandom& rng) {
  const float unit = float(rng.rand()) / float(GlibcRandom::kMax);
  return float(double(1.0f * 2) * (double(unit) - 0.5));
}

// The C program's build_LUT anchors: per table, C first anchors rand() % d, then C second
// anchors drawn again while equal to the first of the same r.
void c_program_anchors(Lut& lut, GlibcRandom& rng) {
  const LutShape& s = lut.shape();
  std::vector<uint32_t> a(size_t(s.comparisons) * s.tables), b(a.size());
  for (uint32_t i = 0; i < s.tables; ++i) {
    for (uint32_t r = 0; r < s.comparisons; ++r) a[size_t(r) * s.tables + i] = rng.rand() % s.inputs;
    for (uint32_t r = 0; r < s.comparisons; ++r) {
      uint32_t x;
      do {
        x = rng.rand() % s.inputs;
      } while (x == a[size_t(r) * s.tables + i]);
      b[size_t(r) * s.tables + i] = x;
    }
  }
  lut.set_anchors(std::move(a), std::move(b));
}

}  // namespace

const char* lm_rng_name(LmRng rng) { return rng == LmRng::Glibc ? "glibc" : "polychron"; }

LmRng parse_lm_rng(const std::string& name, const char* param) {
  if (name == "glibc") return LmRng::Glibc;
  if (name == "polychron") return LmRng::Polychron;
  throw TypeError(std::string("polychron: ") + param + " must be 'polychron' or 'glibc' (got '" + name + "')");
}

void validate_lm_config(const LmConfig& c) {
  check_in_range(LmConfig::kContext, c.context);
  check_in_range(LmConfig::kEmbedding, c.embedding);
  check_in_range(LmConfig::kPositional, c.positional);
  check_in_range(LmConfig::kLayers, c.layers);
  check_in_range(LmConfig::kHeads, c.heads);
  check_in_range(LmConfig::kTables, c.tables);
  check_in_range(LmConfig::kComparisons, c.comparisons);
  check_in_range(LmConfig::kWarmup, c.warmup);
  if (2 * c.comparisons + c.positional > 30) {
    throw RangeError("polychron: an attention index has 2·comparisons + positional bits, at most 30 (got " +
                     std::to_string(2 * c.comparisons + c.positional) + " with comparisons = " +
                     std::to_string(c.comparisons) + " and positional = " + std::to_string(c.positional) + ")");
  }
  if (c.rng == LmRng::Glibc) {
    if (c.seed < 1 || c.seed > 0xFFFFFFFFull) {
      throw RangeError("polychron: with rng 'glibc' the seed is srand()'s, an integer in [1, 4294967295] (got " +
                       std::to_string(c.seed) + ")");
    }
    if (c.distinct_pairs) throw RangeError("polychron: distinctPairs is not the C program's anchor rule; rng 'glibc' draws as it does");
  }
  validate_lut_shape(attention_shape(c), "attention", c.distinct_pairs);
  validate_lut_shape(ffn_shape(c), "ffn", c.distinct_pairs);
  validate_lut_shape(unembed_shape(c), "unembedder", c.distinct_pairs);
  const uint64_t bytes = lm_table_bytes(c);
  if (bytes > c.memory_limit) {
    throw RangeError("polychron: this model's tables could take up to " + std::to_string(bytes) +
                     " bytes, more than memoryLimit = " + std::to_string(c.memory_limit) +
                     " bytes; raise memoryLimit or lower comparisons, positional, tables, heads or layers");
  }
}

uint64_t lm_table_bytes(const LmConfig& c) {
  const uint64_t attention = lut_table_bytes(attention_shape(c)) * c.heads * c.layers;
  return attention + lut_table_bytes(ffn_shape(c)) * c.layers + lut_table_bytes(unembed_shape(c));
}

double lm_learning_rate(double step, double warmup) {
  return std::min(1.0 / std::sqrt(1.0 + step), step / (warmup * std::sqrt(warmup)));
}

float lm_learning_rate_c_program(uint64_t step, uint32_t warmup) {
  const double t = double(step);
  const float ramp = float(step) / float(warmup);
  return float(std::min(1.0 / std::sqrt(1.0 + t), double(ramp) / std::sqrt(double(warmup))));
}

LmModel::LmModel(const LmConfig& config, GlibcRandom* glibc) : config_(config) {
  validate_lm_config(config);
  const LmConfig& c = config_;
  if (c.rng == LmRng::Glibc) {
    if (glibc == nullptr) throw std::logic_error("polychron: an rng 'glibc' model needs the C program's generator");
    // build_Model's order: embedding; per layer the FFN anchors, then per head its
    // positional vectors and its table's anchors; then the unembedder's anchors.
    // (The Lut constructor's own anchors, from `placeholder`, are replaced by the program's.)
    Random placeholder(0);
    embedding.resize(size_t(kLmVocabulary) * c.embedding);
    for (float& e : embedding) e = c_program_uniform(*glibc);
    layers.resize(c.layers);
    for (uint32_t l = 0; l < c.layers; ++l) {
      LmLayer& layer = layers[l];
      layer.ffn = Lut(ffn_shape(c), placeholder, false, "layers." + std::to_string(l) + ".ffn");
      c_program_anchors(layer.ffn, *glibc);
      layer.heads.resize(c.heads);
      for (uint32_t h = 0; h < c.heads; ++h) {
        LmHead& head = layer.heads[h];
        head.pe.resize(size_t(c.context) * c.tables * c.positional);
        for (float& e : head.pe) e = c_program_uniform(*glibc);
        head.v = Lut(attention_shape(c), placeholder, false, "layers." + std::to_string(l) + ".heads." + std::to_string(h));
        c_program_anchors(head.v, *glibc);
      }
    }
    unembed = Lut(unembed_shape(c), placeholder, false, "unembed");
    c_program_anchors(unembed, *glibc);
    return;
  }
  Random rng(c.seed, 0);
  embedding.resize(size_t(kLmVocabulary) * c.embedding);
  for (float& e : embedding) e = uniform_pm1(rng);
  layers.resize(c.layers);
  for (uint32_t l = 0; l < c.layers; ++l) {
    LmLayer& layer = layers[l];
    layer.heads.resize(c.heads);
    for (uint32_t h = 0; h < c.heads; ++h) {
      const std::string name = "layers." + std::to_string(l) + ".heads." + std::to_string(h);
      layer.heads[h].v = Lut(attention_shape(c), rng, c.distinct_pairs, name);
      layer.heads[h].pe.resize(size_t(c.context) * c.tables * c.positional);
      for (float& e : layer.heads[h].pe) e = uniform_pm1(rng);
    }
    layer.ffn = Lut(ffn_shape(c), rng, c.distinct_pairs, "layers." + std::to_string(l) + ".ffn");
  }
  unembed = Lut(unembed_shape(c), rng, c.distinct_pairs, "unembed");
}

uint64_t LmModel::mapped_table_bytes() const {
  uint64_t bytes = unembed.memory().mapped_bytes();
  for (const LmLayer& layer : layers) {
    bytes += layer.ffn.memory().mapped_bytes();
    for (const LmHead& head : layer.heads) bytes += head.v.memory().mapped_bytes();
  }
  return bytes;
}

void LmActivations::prepare(const LmConfig& c, uint32_t positions) {
  n = positions;
  const size_t cells = size_t(positions) * c.embedding;
  z.assign(cells, 0.0f);
  input.resize(c.layers);
  for (auto& x : input) x.resize(cells);
  query.resize(size_t(c.layers) * c.heads);
  positional.resize(size_t(c.layers) * c.heads);
  for (auto& q : query) {
    q.resize(positions);
    for (auto& index : q) index.resize(c.tables);
  }
  for (auto& e : positional) {
    e.resize(positions);
    for (auto& index : e) index.resize(c.tables);
  }
  ffn.resize(c.layers);
  for (auto& f : ffn) {
    f.resize(positions);
    for (auto& index : f) index.resize(c.tables);
  }
  unembed.resize(positions);
  for (auto& index : unembed) index.resize(c.tables);
  logits.assign(size_t(positions) * kLmVocabulary, 0.0f);
}

void positional_index(const LmConfig& c, const float* pe, uint32_t delta, LutIndex& out) {
  const uint32_t T = c.tables, p = c.positional;
  for (uint32_t i = 0; i < T; ++i) {
    const float* u = pe + (size_t(delta) * T + i) * p;
    uint32_t index = 0;
    for (uint32_t r = 0; r < p; ++r) {
      if (u[r] > 0) index |= 1u << r;
    }
    out.j[i] = index;
    out.r_min[i] = weakest(u, p);
    out.u_min[i] = u[out.r_min[i]];
  }
}

double cross_entropy(const float* logits, uint32_t target) {
  float top = logits[0];
  for (uint32_t k = 1; k < kLmVocabulary; ++k) top = std::max(top, logits[k]);
  double sum = 0;
  for (uint32_t k = 0; k < kLmVocabulary; ++k) sum += std::exp(double(logits[k]) - double(top));
  return std::log(sum) - (double(logits[target]) - double(top));
}

namespace {

// p = softmax(logits), each term in double and rounded to float: the one softmax of both
// output gradients.
void softmax_float(const float* logits, float* p) {
  float top = logits[0];
  for (uint32_t k = 1; k < kLmVocabulary; ++k) top = std::max(top, logits[k]);
  double sum = 0;
  for (uint32_t k = 0; k < kLmVocabulary; ++k) sum += std::exp(double(logits[k]) - double(top));
  for (uint32_t k = 0; k < kLmVocabulary; ++k) p[k] = float(std::exp(double(logits[k]) - double(top)) / sum);
}

}  // namespace

void cross_entropy_gradient(const float* logits, uint32_t target, float* g) {
  softmax_float(logits, g);
  g[target] -= 1.0f;
}

void LmTeacher::check(uint64_t text_bytes) const {
  if (!present()) return;
  check_in_range(kK, k);
  if (!(weight >= 0 && weight <= 1)) {
    throw RangeError("teacher.weight must be a finite number in [0, 1] (got " + std::to_string(weight) + ")");
  }
  const uint64_t expected = text_bytes * k;
  if (indices_length != expected || probabilities_length != expected) {
    throw RangeError("teacher.indices and teacher.probabilities must each hold text.length × teacher.k = " +
                     std::to_string(text_bytes) + " × " + std::to_string(k) + " = " + std::to_string(expected) +
                     " elements (got " + std::to_string(indices_length) + " and " +
                     std::to_string(probabilities_length) + ")");
  }
  for (uint64_t e = 0; e < expected; ++e) {
    const float p = probabilities[e];
    if (!(p >= 0) || !std::isfinite(p)) {
      throw RangeError("teacher.probabilities must be finite and ≥ 0; row " + std::to_string(e / k) + " holds " +
                       std::to_string(p) + " at entry " + std::to_string(e % k));
    }
  }
}

void distillation_gradient(const float* logits, uint32_t target, const LmTeacher* teacher, uint64_t row, float* g) {
  if (teacher == nullptr || !teacher->present() || teacher->weight == 0) {
    cross_entropy_gradient(logits, target, g);
    return;
  }
  const uint32_t k = teacher->k;
  const uint8_t* indices = teacher->indices + row * k;
  const float* probabilities = teacher->probabilities + row * k;
  double total = 0;
  for (uint32_t j = 0; j < k; ++j) total += double(probabilities[j]);
  if (!(total > 0)) {
    cross_entropy_gradient(logits, target, g);
    return;
  }
  const double alpha = teacher->weight;
  double q[kLmVocabulary] = {};
  for (uint32_t j = 0; j < k; ++j) q[indices[j]] += alpha * (double(probabilities[j]) / total);
  q[target] += 1.0 - alpha;
  softmax_float(logits, g);
  for (uint32_t v = 0; v < kLmVocabulary; ++v) g[v] -= float(q[v]);
}

}  // namespace polychron
