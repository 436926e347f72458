#include "core/lm_data.h"

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

LmCorpus::LmCorpus(const uint8_t* text, uint64_t bytes, uint32_t context, const LmDataSpec& spec, uint64_t seed)
    : text_(text), bytes_(bytes), context_(context), spec_(spec) {
  const uint64_t snippet = uint64_t(context) + 1;
  if (spec.validation_snippets < 1) throw RangeError("polychron: validationSnippets must be at least 1");
  if (!(spec.holdout > 0 && spec.holdout < 1)) throw RangeError("polychron: holdout must be in (0, 1)");
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
  return spec_.protocol == LmProtocol::Reference ? allowed_.size() : holdout_start_ - context_;
}

uint64_t LmCorpus::draw_training_start(Random& rng) const {
  const uint64_t n = training_positions();
  const uint64_t k = n <= 0xFFFFFFFFull ? rng.below(uint32_t(n)) : rng.next() % n;
  return spec_.protocol == LmProtocol::Reference ? allowed_[k] : k;
}

}  // namespace polychron
