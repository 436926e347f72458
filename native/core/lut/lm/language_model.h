// The LUT transformer language model as users drive it: a model (lut/lm/model.h) with its
// training state (step, data random generator), trained and evaluated through either
// the reference oracle or the fast engine, sampled from, saved and loaded.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/kernels/cpu.h"
#include "core/lut/lm/data.h"
#include "core/lut/lm/engine.h"
#include "core/lut/lm/model.h"
#include "core/option_range.h"
#include "core/random.h"

namespace polychron {

enum class LmImpl { Reference, Fast };
const char* lm_impl_name(LmImpl impl);
LmImpl parse_lm_impl(const std::string& name, const char* param);

struct LmRuntime {
  static constexpr IntegerRange kThreads{"threads", 1, 256};

  LmImpl impl = LmImpl::Fast;
  unsigned threads = 1;  // the reference is single-threaded
  SimdLevel simd = SimdLevel::Scalar;

  // RangeError for threads out of range, or more than one with impl 'reference'.
  void check() const;
};

// What a checkpoint records about the text the model was trained on, so that resuming
// can check it is the same text.
struct LmDataRecord {
  std::string protocol;
  uint64_t bytes = 0;
  uint32_t crc32 = 0;
};

// One training run: `steps` steps on a text drawn as `data` says.
struct LmTrainOptions {
  uint64_t steps = 0;
  uint64_t every = 0;   // validate after each step t with t % every == 0; 0: never
  bool resume = false;  // refuse a text other than the one the model was trained on
  LmDataSpec data;
  // Optional (teacher.present()): soft targets distilled from a teacher, one row per byte
  // of the text (model.h). The reported losses stay the plain cross-entropy; validation
  // is unchanged. Not recorded in checkpoints: pass it again when resuming.
  LmTeacher teacher;
};

// What a training run reports as it goes: at most every 100 ms, at each validation and
// at the last step.
struct LmTrainEvent {
  uint64_t step;  // steps done so far in this model's life
  double lr;      // the learning rate of the last step
  double loss;    // mean training loss of the steps since the last event
  // NaN unless this event is a validation: its loss, and the step t it was taken after.
  double validation;
  uint64_t validated_at;
};

struct LmTrainRun {
  std::vector<double> losses;    // per step: the snippet's mean loss (before its update)
  std::vector<uint64_t> starts;  // per step: the snippet's first byte
  std::vector<std::pair<uint64_t, double>> validations;  // (step t, validation loss)
  bool aborted = false;          // cancelled before all steps ran
};

// How generate() samples.
struct LmGenerateOptions {
  static constexpr IntegerRange kLength{"length", 0, 1u << 24};
  static constexpr IntegerRange kPrompts{"prompts.length", 1, 1u << 16};  // streams of one generate_batch()

  uint32_t length = 200;     // bytes to generate
  double temperature = 0.4;  // of the softmax; 0 picks the most likely byte
  uint64_t seed = 1;

  // RangeError for a length out of range or a temperature below 0 or not finite.
  void check() const;
};

class LanguageModel {
 public:
  LanguageModel(const LmConfig& config, const LmRuntime& runtime);
  // Loads a checkpoint written by save(); memory_limit applies to the loaded shape.
  LanguageModel(const std::string& path, const LmRuntime& runtime, uint64_t memory_limit);

  const LmConfig& config() const { return model_->config(); }
  const LmRuntime& runtime() const { return runtime_; }
  uint64_t step() const { return step_; }
  const LmDataRecord& data_record() const { return data_; }
  LmModel& model() { return *model_; }

  // The corpus of `text` under `spec` for this model (its context, seed and generator).
  LmCorpus corpus(const uint8_t* text, uint64_t bytes, const LmDataSpec& spec) const;
  // Runs options.steps training steps on text[0..bytes), validating on schedule;
  // on_event (may be empty) gets the progress events, `cancel` (may be null) stops before
  // the next step. Throws RangeError when resuming on another text than the recorded one,
  // or for a teacher that fails LmTeacher::check (before any step).
  LmTrainRun train(const uint8_t* text, uint64_t bytes, const LmTrainOptions& options,
                   const std::function<void(const LmTrainEvent&)>& on_event, const std::atomic<bool>* cancel);
  // Training step number step(): draws a snippet, trains at lr(step), advances the step.
  // Returns the snippet's mean loss over its positions; last_start() is its first byte.
  // A teacher (checked by the caller against the corpus's text) gives the snippet starting
  // at s the rows s … s + P − 1.
  double train_step(const LmCorpus& corpus, const LmTeacher* teacher = nullptr);
  uint64_t last_start() const { return last_start_; }
  // The learning rate of step t: the spec's rule, computed as the C program does with rng 'glibc'.
  float learning_rate(uint64_t t) const;
  // Mean over the corpus's validation snippets (spec §2 for the reference protocol).
  double validation_loss(const LmCorpus& corpus);
  // Bytes sampled one at a time from the last position's softmax at the options'
  // temperature, sliding a window of the last P bytes; the prompt holds at least one byte.
  // keep_going() is asked before each byte; false stops with the bytes made so far.
  std::vector<uint8_t> generate(const std::vector<uint8_t>& prompt, const LmGenerateOptions& options,
                                const std::function<bool()>& keep_going = {});
  // generate() for several prompts in one call: stream k is generate(prompts[k]) with seed
  // options.seed + k, bit for bit, whatever the thread count (streams run one after the
  // other, each with its heads over the threads; stopped streams keep the bytes made so far).
  std::vector<std::vector<uint8_t>> generate_batch(const std::vector<std::vector<uint8_t>>& prompts,
                                                   const LmGenerateOptions& options,
                                                   const std::function<bool()>& keep_going = {});
  // Mean loss of a snippet's last position, or over all positions (no training).
  double snippet_loss(const uint8_t* tokens, uint32_t n, bool last_only);

  void remember_data(const LmCorpus& corpus);
  // half: table values in binary16 (half the bytes, lossy; see lut/lm/checkpoint.cpp).
  void save(const std::string& path, bool half = false) const;

 private:
  void make_engine();
  // RangeError with rng 'glibc' and impl 'reference' (the C program has no teacher).
  void refuse_c_program_teacher() const;
  void last_logits(const uint8_t* tokens, uint32_t n, float* logits);

  std::unique_ptr<LmModel> model_;
  LmRuntime runtime_;
  std::unique_ptr<LmEngine> engine_;
  LmActivations reference_act_;
  uint64_t step_ = 0;
  uint64_t last_start_ = 0;
  Random data_rng_;
  GlibcRandom glibc_;  // rng 'glibc': the C program's one generator, past its initialisation
  LmDataRecord data_;
};

// What a checkpoint keeps besides the model: the step, the training draws' generator
// and the text's record.
struct LmTrainingState {
  uint64_t step = 0;
  uint64_t rng[4] = {0, 0, 0, 0};
  uint32_t glibc[GlibcRandom::kWords] = {};  // rng 'glibc'
  LmDataRecord data;
};

// Checkpoint files (safetensors; see lut/lm/checkpoint.cpp for the tensor names).
void save_lm_checkpoint(const std::string& path, const LmModel& model, const LmTrainingState& state, bool half = false);
std::unique_ptr<LmModel> load_lm_checkpoint(const std::string& path, uint64_t memory_limit, LmTrainingState& state);

}  // namespace polychron
