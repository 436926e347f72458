// SIMD twins of the scalar kernels in kernels/izhikevich.cpp, each compiled in its own file with
// the instruction set it needs. Only kernels/izhikevich.cpp calls them, after checking the CPU.
#pragma once
#include "core/kernels/izhikevich.h"

namespace polychron {

extern const IzhikevichKernels kIzhikevichAvx2;
extern const IzhikevichKernels kIzhikevichAvx512;

}  // namespace polychron
