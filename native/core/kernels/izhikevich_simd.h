// SIMD twins of the scalar kernels in kernels/izhikevich.cpp, each compiled in its own file with
// the instruction set it needs (the AVX ones on x86-64, the NEON one on arm64). Only kernels/izhikevich.cpp calls them, after checking the CPU.
#pragma once
#include "core/kernels/izhikevich.h"

namespace polychron {

extern const IzhikevichKernels kIzhikevichAvx2;
extern const IzhikevichKernels kIzhikevichAvx512;
extern const IzhikevichKernels kIzhikevichNeon;  // arm64 builds only

}  // namespace polychron
