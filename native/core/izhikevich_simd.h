// SIMD twins of the scalar kernels in izhikevich.cpp, each compiled in its own file with
// the instruction set it needs. Only izhikevich.cpp calls them, after checking the CPU.
#pragma once
#include "core/izhikevich.h"

namespace polychron {

uint32_t izhikevich_step_exact_avx2(const ExactNeurons& n, const float* I, uint32_t begin,
                                    uint32_t end, uint32_t* fired);
uint32_t izhikevich_step_fast_avx2(const FastNeurons& n, const float* I, uint32_t begin,
                                   uint32_t end, uint32_t* fired);
uint32_t izhikevich_step_exact_avx512(const ExactNeurons& n, const float* I, uint32_t begin,
                                      uint32_t end, uint32_t* fired);
uint32_t izhikevich_step_fast_avx512(const FastNeurons& n, const float* I, uint32_t begin,
                                     uint32_t end, uint32_t* fired);

}  // namespace polychron
