#include "core/lut/lm/language_model.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

#include "core/errors.h"
#include "core/io/binary_io.h"

namespace polychron {

const char* lm_impl_name(LmImpl impl) { return impl == LmImpl::Reference ? "reference" : "fast"; }

LmImpl parse_lm_impl(const std::string& name, const char* param) {
  if (name == "reference") return LmImpl::Reference;
  if (name == "fast") return LmImpl::Fast;
  throw TypeError(std::string("polychron: ") + param + " must be 'fast' or 'reference' (got '" + name + "')");
}

void LmRuntime::check() const {
  check_in_range(kThreads, threads);
  if (impl == LmImpl::Reference && threads != 1) {
    throw RangeError("threads must be 1 with impl 'reference' (the reference is single-threaded)");
  }
}

LanguageModel::LanguageModel(const LmConfig& config, const LmRuntime& runtime)
    : runtime_(runtime), data_rng_(config.seed, 1) {
  runtime.check();
  if (config.rng == LmRng::Glibc) {
    validate_lm_config(config);
    // The C program draws its validation starts before it builds the model.
    glibc_ = GlibcRandom(uint32_t(config.seed));
    for (uint32_t k = 0; k < kCProgramValidationStarts; ++k) glibc_.rand();
  }
  model_ = std::make_unique<LmModel>(config, &glibc_);
  make_engine();
}

LanguageModel::LanguageModel(const std::string& path, const LmRuntime& runtime, uint64_t memory_limit)
    : runtime_(runtime) {
  runtime.check();
  LmTrainingState state;
  model_ = load_lm_checkpoint(path, memory_limit, state);
  step_ = state.step;
  data_rng_.set_state(state.rng);
  glibc_.set_state(state.glibc);
  data_ = state.data;
  make_engine();
}

void LanguageModel::make_engine() {
  if (runtime_.impl == LmImpl::Fast) engine_ = std::make_unique<LmEngine>(*model_, runtime_.threads, runtime_.simd);
}

float LanguageModel::learning_rate(uint64_t t) const {
  return config().rng == LmRng::Glibc ? lm_learning_rate_c_program(t, config().warmup)
                                      : float(lm_learning_rate(double(t), double(config().warmup)));
}

LmCorpus LanguageModel::corpus(const uint8_t* text, uint64_t bytes, const LmDataSpec& spec) const {
  return LmCorpus(text, bytes, config().context, spec, config().seed, config().rng);
}

void LanguageModel::remember_data(const LmCorpus& corpus) {
  data_.protocol = lm_protocol_name(corpus.protocol());
  data_.bytes = corpus.bytes();
  data_.crc32 = crc32_update(0, corpus.text(), corpus.bytes());
}

void LanguageModel::refuse_c_program_teacher() const {
  if (!engine_ && config().rng == LmRng::Glibc) {
    throw RangeError("polychron: a teacher needs impl 'fast' with rng 'glibc' (impl 'reference' is the C program, which has none)");
  }
}

double LanguageModel::train_step(const LmCorpus& corpus, const LmTeacher* teacher) {
  const uint32_t P = config().context;
  if (corpus.context() != P) throw RangeError("polychron: the corpus was prepared for another context length");
  if (corpus.rng() != config().rng) throw RangeError("polychron: the corpus was prepared for another generator");
  if (teacher != nullptr && !teacher->present()) teacher = nullptr;
  if (teacher != nullptr) refuse_c_program_teacher();
  const bool glibc = config().rng == LmRng::Glibc;
  last_start_ = glibc ? corpus.draw_training_start(glibc_) : corpus.draw_training_start(data_rng_);
  const uint8_t* tokens = corpus.text() + last_start_;
  const float lr = learning_rate(step_);
  // With rng 'glibc' and impl 'fast': the program's draws with the fast engine's arithmetic.
  const double loss = engine_      ? engine_->train_step(tokens, P, lr, teacher, last_start_)
                      : glibc     ? c_program::train_step(*model_, tokens, P, lr, reference_act_)
                                  : reference::train_step(*model_, tokens, P, lr, reference_act_, teacher, last_start_);
  ++step_;
  return loss;
}

LmTrainRun LanguageModel::train(const uint8_t* text, uint64_t bytes, const LmTrainOptions& options,
                                 const std::function<void(const LmTrainEvent&)>& on_event,
                                 const std::atomic<bool>* cancel) {
  options.teacher.check(bytes);
  const LmTeacher* teacher = options.teacher.present() ? &options.teacher : nullptr;
  if (teacher != nullptr) refuse_c_program_teacher();
  const LmCorpus corpus = this->corpus(text, bytes, options.data);
  if (options.resume && step_ > 0 && (data_.bytes != bytes || data_.crc32 != crc32_update(0, text, bytes))) {
    throw RangeError("polychron: this text (" + std::to_string(bytes) + " bytes) is not the one the checkpoint was trained on (" +
                     std::to_string(data_.bytes) + " bytes); resuming needs the same text");
  }
  remember_data(corpus);
  const auto cancelled = [cancel] { return cancel != nullptr && cancel->load(std::memory_order_relaxed); };
  // Events are throttled so that a fast model does not flood the caller's thread.
  constexpr auto kEventInterval = std::chrono::milliseconds(100);
  LmTrainRun run;
  run.losses.reserve(std::min<uint64_t>(options.steps, 1u << 20));
  run.starts.reserve(run.losses.capacity());
  auto last_event = std::chrono::steady_clock::now();
  double loss_sum = 0;
  uint64_t loss_count = 0;
  for (uint64_t k = 0; k < options.steps && !cancelled(); ++k) {
    const uint64_t t = step_;
    const double lr = learning_rate(t);
    const double loss = train_step(corpus, teacher);
    run.losses.push_back(loss);
    run.starts.push_back(last_start_);
    loss_sum += loss;
    ++loss_count;
    const bool validate = options.every > 0 && t % options.every == 0;
    double validation = std::numeric_limits<double>::quiet_NaN();
    if (validate) {
      validation = validation_loss(corpus);
      run.validations.push_back({t, validation});
    }
    const auto now = std::chrono::steady_clock::now();
    if (validate || now - last_event > kEventInterval || k + 1 == options.steps) {
      if (on_event) on_event(LmTrainEvent{step_, lr, loss_sum / double(loss_count), validation, t});
      last_event = now;
      loss_sum = 0;
      loss_count = 0;
    }
  }
  run.aborted = cancelled();
  return run;
}

double LanguageModel::snippet_loss(const uint8_t* tokens, uint32_t n, bool last_only) {
  if (config().rng == LmRng::Glibc && last_only) {
    c_program::forward(*model_, tokens, n, reference_act_);
    return c_program::last_position_loss(reference_act_, tokens[n]);
  }
  reference::forward(*model_, tokens, n, reference_act_);
  if (last_only) return cross_entropy(reference_act_.logits.data() + size_t(n - 1) * kLmVocabulary, tokens[n]);
  double sum = 0;
  for (uint32_t pos = 0; pos < n; ++pos) {
    sum += cross_entropy(reference_act_.logits.data() + size_t(pos) * kLmVocabulary, tokens[pos + 1]);
  }
  return sum / n;
}

double LanguageModel::validation_loss(const LmCorpus& corpus) {
  const std::vector<uint64_t>& starts = corpus.validation_starts();
  std::vector<double> losses(starts.size());
  const uint32_t P = config().context;
  if (engine_) {
    engine_->snippet_losses(corpus.text(), starts.data(), starts.size(), P, corpus.last_position_only(), losses.data());
  } else {
    for (size_t s = 0; s < starts.size(); ++s) {
      losses[s] = snippet_loss(corpus.text() + starts[s], P, corpus.last_position_only());
    }
  }
  double sum = 0;
  for (double loss : losses) sum += loss;
  return sum / double(losses.size());
}

void LanguageModel::last_logits(const uint8_t* tokens, uint32_t n, float* logits) {
  if (engine_) {
    engine_->last_logits(tokens, n, logits);
    return;
  }
  if (config().rng == LmRng::Glibc) {
    c_program::forward(*model_, tokens, n, reference_act_);
  } else {
    reference::forward(*model_, tokens, n, reference_act_);
  }
  std::copy_n(reference_act_.logits.data() + size_t(n - 1) * kLmVocabulary, kLmVocabulary, logits);
}

void LmGenerateOptions::check() const {
  check_in_range(kLength, length);
  if (!(temperature >= 0) || !std::isfinite(temperature)) {
    throw RangeError("temperature must be ≥ 0 (got " + std::to_string(temperature) + ")");
  }
}

namespace {

// The logits of the last position of tokens[0..n).
using LastLogits = std::function<void(const uint8_t* tokens, uint32_t n, float* logits)>;

// The bytes one stream samples after `prompt` (see LanguageModel::generate), its last
// position's logits computed by `last_logits`.
std::vector<uint8_t> sample_bytes(const std::vector<uint8_t>& prompt, const LmGenerateOptions& options, uint64_t seed,
                                  uint32_t context, const LastLogits& last_logits, const std::function<bool()>& keep_going) {
  std::vector<uint8_t> text = prompt;
  std::vector<float> logits(kLmVocabulary);
  std::vector<double> weights(kLmVocabulary);
  Random rng(seed, 3);
  for (uint32_t k = 0; k < options.length && (!keep_going || keep_going()); ++k) {
    const uint32_t n = uint32_t(std::min<size_t>(context, text.size()));
    last_logits(text.data() + text.size() - n, n, logits.data());
    uint32_t chosen = 0;
    for (uint32_t v = 1; v < kLmVocabulary; ++v) {
      if (logits[v] > logits[chosen]) chosen = v;
    }
    if (options.temperature > 0) {
      double sum = 0;
      for (uint32_t v = 0; v < kLmVocabulary; ++v) {
        weights[v] = std::exp((double(logits[v]) - double(logits[chosen])) / options.temperature);
        sum += weights[v];
      }
      double u = rng.uniform() * sum;
      for (uint32_t v = 0; v < kLmVocabulary; ++v) {
        u -= weights[v];
        if (u < 0 || v + 1 == kLmVocabulary) {
          chosen = v;
          break;
        }
      }
    }
    text.push_back(uint8_t(chosen));
  }
  return std::vector<uint8_t>(text.begin() + prompt.size(), text.end());
}

}  // namespace

std::vector<uint8_t> LanguageModel::generate(const std::vector<uint8_t>& prompt, const LmGenerateOptions& options,
                                             const std::function<bool()>& keep_going) {
  if (prompt.empty()) throw RangeError("prompt must hold at least one byte");
  return generate_batch({prompt}, options, keep_going)[0];
}

std::vector<std::vector<uint8_t>> LanguageModel::generate_batch(const std::vector<std::vector<uint8_t>>& prompts,
                                                                const LmGenerateOptions& options,
                                                                const std::function<bool()>& keep_going) {
  check_in_range(LmGenerateOptions::kPrompts, prompts.size());
  for (size_t k = 0; k < prompts.size(); ++k) {
    if (prompts[k].empty()) throw RangeError("prompts[" + std::to_string(k) + "] must hold at least one byte");
  }
  options.check();
  std::vector<std::vector<uint8_t>> out(prompts.size());
  const uint32_t context = config().context;
  // Stream after stream, each with its heads spread over the threads: measured faster here
  // than one stream per thread (bench/lm-generate.js: each thread then touches the tables
  // of its heads only, half the working set with 2 threads).
  const LastLogits logits = [this](const uint8_t* tokens, uint32_t n, float* result) { last_logits(tokens, n, result); };
  for (size_t k = 0; k < prompts.size(); ++k) {
    out[k] = sample_bytes(prompts[k], options, options.seed + k, context, logits, keep_going);
  }
  return out;
}

void LanguageModel::save(const std::string& path, bool half) const {
  LmTrainingState state;
  state.step = step_;
  std::copy_n(data_rng_.state(), 4, state.rng);
  glibc_.state(state.glibc);
  state.data = data_;
  save_lm_checkpoint(path, *model_, state, half);
}

}  // namespace polychron
