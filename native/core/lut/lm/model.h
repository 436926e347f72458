// The LUT transformer language model (spec lut-networks.md §2): its hyper-parameters,
// its parameters, and the activations of one forward pass. The arithmetic lives in
// lut/lm/reference.cpp (the plain oracle) and lut/lm/engine.cpp (the fast path); both
// follow the summation orders fixed here:
//
// - Each attention head sums its rows into its own zeroed output, pair (pos, pos1) by
//   pair and table by table; the heads' outputs are then added into z in head order.
// - In the backward, each head accumulates its input gradient into its own zeroed
//   buffer; those are added into the running gradient in head order.
// - Dot products inside the backward use the 16-partial order of kernels/lut.h.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/lut/lm/glibc_random.h"
#include "core/lut/lut.h"
#include "core/option_range.h"
#include "core/random.h"

namespace polychron {

constexpr uint32_t kLmVocabulary = 256;  // bytes

// Where the model's random numbers come from, and so which arithmetic it follows:
// - Polychron: the project's generator (random.h) and the summation orders above, which
//   the fast engine reproduces bit for bit.
// - Glibc: the spec's C program step for step — glibc's rand() with the C program's order
//   of draws (validation starts, then initialisation in build_Model's order, then one
//   rejection-sampled start per step) and, with impl 'reference', its exact arithmetic
//   (lut/lm/c_program.cpp); with impl 'fast', the program's draws and initialisation with
//   the fast engine's arithmetic, which differs from the program's in rounding only.
//   The reference data protocol only.
enum class LmRng { Polychron, Glibc };
const char* lm_rng_name(LmRng rng);
LmRng parse_lm_rng(const std::string& name, const char* param);

// The C program draws this many validation starts before it builds its model.
constexpr uint32_t kCProgramValidationStarts = 10000;

struct LmConfig {
  static constexpr IntegerRange kContext{"context", 2, 4096};
  static constexpr IntegerRange kEmbedding{"embedding", 2, 4096};
  static constexpr IntegerRange kPositional{"positional", 1, 16};
  static constexpr IntegerRange kLayers{"layers", 1, 256};
  static constexpr IntegerRange kHeads{"heads", 1, 256};
  static constexpr IntegerRange kTables{"tables", 1, 4096};
  static constexpr IntegerRange kComparisons{"comparisons", 1, 30};
  static constexpr IntegerRange kWarmup{"warmup", 1, 100000000};

  uint32_t context = 32;     // P
  uint32_t embedding = 32;   // d
  uint32_t positional = 4;   // p, bits of the relative-position part of an attention index
  uint32_t layers = 6;       // L
  uint32_t heads = 4;        // H per layer
  uint32_t tables = 16;      // T per LUT
  uint32_t comparisons = 6;  // C per table
  uint32_t warmup = 4000;    // learning-rate warm-up steps
  bool distinct_pairs = false;
  uint64_t seed = 1;
  LmRng rng = LmRng::Polychron;
  // Refuse, before reserving anything, a model whose tables could exceed this.
  uint64_t memory_limit = uint64_t(8) << 30;
};

// Throws RangeError naming the offending parameter, including memoryLimit (with bytes).
void validate_lm_config(const LmConfig& config);
uint64_t lm_table_bytes(const LmConfig& config);

// lr(t) = min(1/√(1+t), t / (warmup·√warmup)) (spec §2), in double; training rounds it
// to float. Doubles in, so that JavaScript's learningRate() is this rule for any number.
double lm_learning_rate(double step, double warmup);
// The same as the C program computes it: t / warmup in float, then the rest in double.
float lm_learning_rate_c_program(uint64_t step, uint32_t warmup);

struct LmHead {
  Lut v;                  // width 2C + p; the same anchors give the query and key indices
  std::vector<float> pe;  // [delta][table][bit], P × T × p
};

struct LmLayer {
  std::vector<LmHead> heads;
  Lut ffn;
};

class LmModel {
 public:
  // With config.rng == Glibc, `glibc` is the C program's generator, already past its
  // validation draws; the initialisation draws from it in build_Model's order.
  explicit LmModel(const LmConfig& config, GlibcRandom* glibc = nullptr);

  const LmConfig& config() const { return config_; }
  std::vector<float> embedding;  // [token][d], fixed
  std::vector<LmLayer> layers;
  Lut unembed;

  uint64_t table_bytes() const { return lm_table_bytes(config_); }
  uint64_t mapped_table_bytes() const;

 private:
  LmConfig config_;
};

// Index of one LUT for one input, with r_min and u_min: arrays of T.
struct LutIndex {
  std::vector<uint32_t> j, r_min;
  std::vector<float> u_min;
  void resize(uint32_t tables) {
    j.resize(tables);
    r_min.resize(tables);
    u_min.resize(tables);
  }
};

// Everything a forward pass over n ≤ P positions keeps for the backward.
struct LmActivations {
  uint32_t n = 0;
  std::vector<float> z;                   // running state [pos][d]
  std::vector<std::vector<float>> input;  // per layer: z at the layer's start [pos][d]
  std::vector<std::vector<LutIndex>> query;      // [layer·H + head][pos]
  std::vector<std::vector<LutIndex>> positional; // [layer·H + head][delta]
  std::vector<std::vector<LutIndex>> ffn;        // [layer][pos]
  std::vector<LutIndex> unembed;                 // [pos]
  std::vector<float> logits;                     // [pos][256]

  void prepare(const LmConfig& config, uint32_t positions);
};

// The positional index of table i at distance delta (bits: PE > 0; r_min over |PE|).
void positional_index(const LmConfig& config, const float* pe, uint32_t delta, LutIndex& out);

// −ln softmax(logits)[target], in double.
double cross_entropy(const float* logits, uint32_t target);
// g = softmax(logits) − one_hot(target), as float.
void cross_entropy_gradient(const float* logits, uint32_t target, float* g);

// A teacher for knowledge distillation: for each byte text[r] of the training text, its
// top-k distribution over the byte that FOLLOWS it — byte indices[r·k + j] with
// probability probabilities[r·k + j], j < k, renormalised over the row's k entries (a
// row summing to 0 is no teacher there). The arrays must outlive the training (the addon
// gives the core its own copy). Not part of a checkpoint: like the text, it is an
// input of each train().
struct LmTeacher {
  static constexpr IntegerRange kK{"teacher.k", 1, 256};

  const uint8_t* indices = nullptr;  // rows × k
  const float* probabilities = nullptr;
  uint64_t indices_length = 0;  // elements, as given (checked against rows × k)
  uint64_t probabilities_length = 0;
  uint32_t k = 1;
  double weight = 0.5;  // α in [0, 1]

  bool present() const { return indices != nullptr; }
  // The one check of a teacher, before any training: RangeError naming teacher.k,
  // teacher.weight, the lengths (expected text_bytes × k) or the first row holding a
  // negative or non-finite probability.
  void check(uint64_t text_bytes) const;
};

// The output gradient of one position with a teacher: g = softmax(logits) − q,
// q = (1 − α)·one_hot(target) + α·(teacher row `row`, renormalised), with the softmax as
// in cross_entropy_gradient() and q summed in double, then rounded to float. Without a
// teacher, with α = 0 or where the row sums to 0 it is cross_entropy_gradient(), bit for
// bit. The one definition both implementations use.
void distillation_gradient(const float* logits, uint32_t target, const LmTeacher* teacher, uint64_t row, float* g);

// The plain single-thread oracle.
namespace reference {
// One head's indices for inputs x[0..n) (query[pos], positional[delta]), and its output
// added into out: pair (pos, pos1) by pair, table by table.
void head_forward(const LmConfig& c, const LmHead& head, const float* x, uint32_t n, std::vector<LutIndex>& query,
                  std::vector<LutIndex>& positional, float* out);
// Forward over tokens[0..n); fills `act` (logits of every position).
void forward(const LmModel& model, const uint8_t* tokens, uint32_t n, LmActivations& act);
// One training step on tokens[0..n] (n = P normally): forward, loss at every position,
// backward with in-place SGD at rate lr. Returns the mean loss over the n positions (the
// plain cross-entropy against the next byte, teacher or not). With a teacher, position pos
// takes its target from teacher row `row` + pos (distillation_gradient()).
double train_step(LmModel& model, const uint8_t* tokens, uint32_t n, float lr, LmActivations& act,
                  const LmTeacher* teacher = nullptr, uint64_t row = 0);
}  // namespace reference

// The spec's C program, operation for operation (config.rng == Glibc; lut/lm/c_program.cpp).
namespace c_program {
void forward(const LmModel& model, const uint8_t* tokens, uint32_t n, LmActivations& act);
// Returns the mean over the n positions of −ln p(next byte), p the float softmax.
double train_step(LmModel& model, const uint8_t* tokens, uint32_t n, float lr, LmActivations& act);
// −ln p(target) of the last position, p the float softmax as the C program's validation computes it.
double last_position_loss(const LmActivations& act, uint32_t target);
}  // namespace c_program

}  // namespace polychron
