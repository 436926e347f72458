// SIMD twins of the scalar kernels in izhikevich.cpp, each compiled in its own file with
// the instruction set it needs. Only izhikevich.cpp calls them, after checking the CPU.
#pragma once
#include "core/izhikevich.h"

namespace polychron {

extern const IzhikevichKernels kIzhikevichAvx2;
extern const IzhikevichKernels kIzhikevichAvx512;

}  // namespace polychron
