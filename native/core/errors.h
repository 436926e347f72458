// Exceptions thrown by the core. The addon maps each to the JavaScript error of the
// same name, so a message written here is the one the user reads: it names the
// parameter and the range it allows.
#pragma once
#include <stdexcept>
#include <string>

namespace polychron {

// A value of the wrong kind (e.g. an unknown enum name).
struct TypeError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

// A value of the right kind outside its allowed range.
struct RangeError : std::out_of_range {
  using std::out_of_range::out_of_range;
};

// An operation the object's current state does not allow (closed, busy).
struct StateError : std::logic_error {
  using std::logic_error::logic_error;
};

}  // namespace polychron
