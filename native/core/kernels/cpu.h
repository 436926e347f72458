// Which SIMD instruction sets this CPU and OS can run, and which one polychron uses.
#pragma once
#include <string>

namespace polychron {

// On x86-64 the levels are ordered: a higher one implies the CPU also runs every lower
// one. Neon is the arm64 level (Advanced SIMD); it implies Scalar only, and an x86-64 CPU
// never supports it (nor an arm64 CPU the AVX levels).
enum class SimdLevel { Scalar = 0, Avx2 = 1, Avx512 = 2, Neon = 3 };

const char* simd_level_name(SimdLevel level);

// Parses "scalar" | "avx2" | "avx512" | "neon"; throws TypeError naming `param` otherwise.
SimdLevel parse_simd_level(const std::string& name, const char* param);

// Whether this CPU (and the OS, which must save the wider registers) runs `level`.
// Avx2 means AVX2 + FMA; Avx512 means AVX-512F; Neon means AArch64 Advanced SIMD
// (HWCAP_ASIMD). POLYCHRON_CPU_LIMIT=scalar|avx2 hides the levels above it, as if the CPU
// lacked them (scalar also hides Neon).
bool cpu_supports(SimdLevel level);

// The best level this machine supports.
SimdLevel best_simd_level();

// The process-wide level: POLYCHRON_SIMD when set, else best_simd_level().
// Read once; throws RangeError if POLYCHRON_SIMD names a level this CPU lacks and
// TypeError if it names no level at all.
SimdLevel active_simd_level();

// Throws RangeError (naming `param`) unless cpu_supports(level).
void require_simd_level(SimdLevel level, const char* param);

// The CPU's brand string, e.g. "AMD EPYC 9654 96-Core Processor" ("unknown" if absent).
std::string cpu_model_name();

}  // namespace polychron
