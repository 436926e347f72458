#include "core/lut/lm/data.h"

#include <cmath>

#include "core/errors.h"

namespace polychron {

const char* lm_protocol_name(LmProtocol protocol) {
  return protocol == LmProtocol::Reference ? "reference" : "holdout";
}

LmProtocol parse_lm_protocol(const std::string& name, const char* param) {
  if (name == "reference") return LmProtocol::Reference;
  if (name == "holdout") return LmProtocol::Holdout;
  throw TypeError(std::string("polychron: ") + param + " must be 'holdout' or 'reference' (got '" + name + "')");
}

void LmDataSpec::check() const {
  check_in_range(kValidationSnippets, validation_snippets);
  if (!(holdout > 0 && holdout < 1)) throw RangeError("holdout must be a number in (0, 1)");
}

LmCorpus::LmCorpus(const uint8_t* text, uint64_t bytes, uint32_t context, const LmDataSpec& spec, uint64_t seed,
                   LmRng rng)
    : text_(text), bytes_(bytes), context_(context), spec_(spec), rng_(rng) {
  const uint64_t snippet = uint64_t(context) + 1;
  spec.check();
  if (rng == LmRng::Glibc) {
    if (spec.protocol != LmProtocol::Reference) {
      throw RangeError("polychron: rng 'glibc' follows the C program, whose data protocol is 'reference'; set protocol: 'reference'");
    }
    if (spec.validation_snippets != kCProgramValidationStarts) {
      throw RangeError("polychron: rng 'glibc' follows the C program, which draws " +
                       std::to_string(kCProgramValidationStarts) + " validation starts; validationSnippets must be " +
                       std::to_string(kCProgramValidationStarts) + " (got " + std::to_string(spec.validation_snippets) + ")");
    }
    if (bytes < 4 * snippet || bytes - snippet > uint64_t(GlibcRandom::kMax)) {
      throw RangeError("polychron: with rng 'glibc' the text must hold " + std::to_string(4 * snippet) + " to 2^31 bytes (got " +
                       std::to_string(bytes) + ")");
    }
    length_ = bytes - snippet;
    GlibcRandom draws{uint32_t(seed)};
    reserved_.assign(length_, 0);
    validation_.resize(spec.validation_snippets);
    for (uint64_t& v : validation_) {
      v = draws.rand() % length_;
      const uint64_t lo = v >= context ? v - context : 0;
      for (uint64_t s = lo; s <= v + context && s < length_; ++s) reserved_[s] = 1;
    }
    for (uint8_t r : reserved_) free_ += r == 0;
    if (free_ == 0) {
      throw RangeError("polychron: the C program's validation starts reserve every training position of this " +
                       std::to_string(bytes) + "-byte text; use a longer text");
    }
    return;
  }
  if (spec.protocol == LmProtocol::Reference) {
    if (bytes < 4 * snippet) {
      throw RangeError("polychron: the text has " + std::to_string(bytes) + " bytes; the reference protocol needs at least " +
                       std::to_string(4 * snippet));
    }
    const uint64_t starts = bytes - snippet + 1;  // s in [0, bytes − P − 1]
    Random rng(seed, 2);
    validation_.resize(spec.validation_snippets);
    std::vector<bool> excluded(starts, false);
    for (uint64_t& v : validation_) {
      v = uint64_t(rng.next() % starts);
      const uint64_t lo = v >= context ? v - context : 0;
      const uint64_t hi = std::min(starts - 1, v + context);
      for (uint64_t s = lo; s <= hi; ++s) excluded[s] = true;
    }
    for (uint64_t s = 0; s < starts; ++s) {
      if (!excluded[s]) allowed_.push_back(s);
    }
    if (allowed_.empty()) {
      throw RangeError("polychron: the reference protocol's validation starts exclude every training position of this " +
                       std::to_string(bytes) + "-byte text; lower validationSnippets or use a longer text");
    }
  } else {
    const uint64_t held = std::max<uint64_t>(snippet, uint64_t(std::floor(double(bytes) * spec.holdout)));
    if (bytes < held + 2 * snippet) {
      throw RangeError("polychron: the text has " + std::to_string(bytes) + " bytes; the holdout protocol needs at least " +
                       std::to_string(held + 2 * snippet));
    }
    holdout_start_ = bytes - held;
    const uint64_t windows = (held - 1) / context;  // window w reads [start + wP, start + wP + P]
    const uint64_t count = std::min<uint64_t>(windows, spec.validation_snippets);
    validation_.resize(count);
    for (uint64_t k = 0; k < count; ++k) validation_[k] = holdout_start_ + (k * windows / count) * context;
  }
}

uint64_t LmCorpus::training_positions() const {
  if (rng_ == LmRng::Glibc) return free_;
  return spec_.protocol == LmProtocol::Reference ? allowed_.size() : holdout_start_ - context_;
}

uint64_t LmCorpus::draw_training_start(GlibcRandom& rng) const {
  if (rng_ != LmRng::Glibc) throw std::logic_error("polychron: this corpus draws with the project's generator");
  uint64_t s;
  do {
    s = rng.rand() % length_;
  } while (reserved_[s]);
  return s;
}

uint64_t LmCorpus::draw_training_start(Random& rng) const {
  const uint64_t n = training_positions();
  const uint64_t k = n <= 0xFFFFFFFFull ? rng.below(uint32_t(n)) : rng.next() % n;
  return spec_.protocol == LmProtocol::Reference ? allowed_[k] : k;
}

}  // namespace polychron
