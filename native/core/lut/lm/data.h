// Where training snippets and validation snippets come from (spec lut-networks.md §2,
// "Data protocol"), for a byte text and a context of P bytes. A snippet starting at s
// reads bytes s..s+P: P inputs and, shifted by one, P targets.
//
// - Reference: 10,000 validation starts drawn at random (with replacement); every start
//   within ±P of one is excluded from training; validation scores the last position only.
// - With rng 'glibc', the reference protocol exactly as the spec's C program draws it:
//   length = bytes − P − 1, each validation start rand() % length, every position within
//   ±P of one reserved, each training start rand() % length redrawn while reserved.
// - Holdout (the default): the last `holdout` fraction of the text is held out; validation
//   reads it as consecutive non-overlapping windows (at most `validation_snippets` of them,
//   evenly spaced) and scores every position; training starts anywhere before it.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/lut/lm/glibc_random.h"
#include "core/lut/lm/model.h"
#include "core/option_range.h"
#include "core/random.h"

namespace polychron {

enum class LmProtocol { Reference, Holdout };

const char* lm_protocol_name(LmProtocol protocol);
LmProtocol parse_lm_protocol(const std::string& name, const char* param);

struct LmDataSpec {
  static constexpr IntegerRange kValidationSnippets{"validationSnippets", 1, 100000000};

  LmProtocol protocol = LmProtocol::Holdout;
  uint32_t validation_snippets = 10000;
  double holdout = 0.1;  // in (0, 1)

  // RangeError naming the first option out of its range.
  void check() const;
};

class LmCorpus {
 public:
  // `seed` (and `rng`) draw the reference protocol's validation starts. Throws RangeError
  // if the text is too short for the protocol.
  LmCorpus(const uint8_t* text, uint64_t bytes, uint32_t context, const LmDataSpec& spec, uint64_t seed,
           LmRng rng = LmRng::Polychron);

  const uint8_t* text() const { return text_; }
  uint64_t bytes() const { return bytes_; }
  uint32_t context() const { return context_; }
  LmProtocol protocol() const { return spec_.protocol; }
  bool last_position_only() const { return spec_.protocol == LmProtocol::Reference; }
  const std::vector<uint64_t>& validation_starts() const { return validation_; }
  uint64_t training_positions() const;

  uint64_t draw_training_start(Random& rng) const;
  // The C program's get_random_training_index (rng 'glibc').
  uint64_t draw_training_start(GlibcRandom& rng) const;
  LmRng rng() const { return rng_; }

 private:
  const uint8_t* text_;
  uint64_t bytes_;
  uint32_t context_;
  LmDataSpec spec_;
  LmRng rng_;
  std::vector<uint64_t> validation_;
  std::vector<uint8_t> reserved_;   // rng 'glibc': per start in [0, length), reserved for validation
  uint64_t length_ = 0;             // rng 'glibc': the C program's training.length
  uint64_t free_ = 0;               // rng 'glibc': starts not reserved
  std::vector<uint64_t> allowed_;   // reference protocol: the training starts
  uint64_t holdout_start_ = 0;      // holdout protocol: training starts are [0, this)
};

}  // namespace polychron
