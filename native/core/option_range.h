// The allowed range of an integer option, written once in the core: the addon converts
// the JavaScript value with it (so that its message names the range) and the core's
// validators enforce it for every caller.
#pragma once
#include <cstdint>
#include <string>

#include "core/errors.h"

namespace polychron {

struct IntegerRange {
  const char* name;  // the option as the user writes it
  uint64_t min, max;
};

// RangeError "<name> must be an integer in [min, max] (got value)" outside the range.
inline void check_in_range(const IntegerRange& range, uint64_t value) {
  if (value < range.min || value > range.max) {
    throw RangeError(std::string(range.name) + " must be an integer in [" + std::to_string(range.min) + ", " +
                     std::to_string(range.max) + "] (got " + std::to_string(value) + ")");
  }
}

}  // namespace polychron
