// What each part of a network needs to save and load its own state in a checkpoint
// (see spiking/checkpoint.h for the file).
#pragma once
#include <exception>

#include "core/io/binary_io.h"

namespace polychron {

// Runs one of the builder's checks on values read from a file, so that loading accepts
// exactly what building does; a complaint names the file (RangeError, as every other
// problem with it).
template <typename Check>
void check_loaded(BinaryReader& in, Check&& check) {
  try {
    check();
  } catch (const std::exception& e) {
    in.fail(e.what());
  }
}

}  // namespace polychron
