#include "core/kernels/cpu.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "core/errors.h"

#if defined(POLYCHRON_X86_64)
#include <cpuid.h>
#endif
#if defined(POLYCHRON_AARCH64) && defined(__linux__)
#include <sys/auxv.h>
#endif

namespace polychron {

namespace {

#if defined(POLYCHRON_X86_64)
// XCR0 tells which register files the OS saves on a context switch; a CPU flag alone
// is not enough to use AVX registers safely.
uint64_t read_xcr0() {
  uint32_t eax, edx;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (uint64_t(edx) << 32) | eax;
}

struct CpuFeatures {
  bool avx2_fma = false;
  bool avx512f = false;
};

CpuFeatures detect_features() {
  CpuFeatures f;
  unsigned eax, ebx, ecx, edx;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return f;
  const bool osxsave = ecx & (1u << 27);
  const bool fma = ecx & (1u << 12);
  const bool avx = ecx & (1u << 28);
  if (!osxsave || !avx) return f;
  const uint64_t xcr0 = read_xcr0();
  const bool os_ymm = (xcr0 & 0x6) == 0x6;            // XMM and YMM state
  const bool os_zmm = (xcr0 & 0xE6) == 0xE6;          // plus opmask and ZMM state
  if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return f;
  f.avx2_fma = os_ymm && fma && (ebx & (1u << 5));
  f.avx512f = f.avx2_fma && os_zmm && (ebx & (1u << 16));
  return f;
}

// POLYCHRON_CPU_LIMIT=scalar|avx2 makes polychron treat the CPU as one without the
// higher levels, to check on a big machine how it behaves on a smaller one.
CpuFeatures limited(CpuFeatures f) {
  const char* limit = std::getenv("POLYCHRON_CPU_LIMIT");
  if (limit == nullptr) return f;
  if (std::strcmp(limit, "scalar") == 0) f.avx2_fma = false;
  if (std::strcmp(limit, "scalar") == 0 || std::strcmp(limit, "avx2") == 0) f.avx512f = false;
  return f;
}

const CpuFeatures& features() {
  static const CpuFeatures f = limited(detect_features());
  return f;
}
#endif

#if defined(POLYCHRON_AARCH64)
// Advanced SIMD is part of every ARMv8-A CPU (and of every Apple one); Linux also says so
// in AT_HWCAP. POLYCHRON_CPU_LIMIT=scalar hides it as it hides AVX on x86-64.
bool detect_neon() {
#if defined(__linux__)
  constexpr unsigned long kHwcapAsimd = 1ul << 1;  // HWCAP_ASIMD of the arm64 kernel ABI
  if ((getauxval(AT_HWCAP) & kHwcapAsimd) == 0) return false;
#endif
  const char* limit = std::getenv("POLYCHRON_CPU_LIMIT");
  return limit == nullptr || std::strcmp(limit, "scalar") != 0;
}

bool has_neon() {
  static const bool neon = detect_neon();
  return neon;
}
#endif

}  // namespace

const char* simd_level_name(SimdLevel level) {
  switch (level) {
    case SimdLevel::Avx2: return "avx2";
    case SimdLevel::Avx512: return "avx512";
    case SimdLevel::Neon: return "neon";
    case SimdLevel::Scalar: break;
  }
  return "scalar";
}

SimdLevel parse_simd_level(const std::string& name, const char* param) {
  if (name == "scalar") return SimdLevel::Scalar;
  if (name == "avx2") return SimdLevel::Avx2;
  if (name == "avx512") return SimdLevel::Avx512;
  if (name == "neon") return SimdLevel::Neon;
  throw TypeError(std::string(param) + " must be 'scalar', 'avx2', 'avx512' or 'neon' (got '" + name + "')");
}

bool cpu_supports(SimdLevel level) {
  switch (level) {
    case SimdLevel::Scalar: return true;
#if defined(POLYCHRON_X86_64)
    case SimdLevel::Avx2: return features().avx2_fma;
    case SimdLevel::Avx512: return features().avx512f;
#endif
#if defined(POLYCHRON_AARCH64)
    case SimdLevel::Neon: return has_neon();
#endif
    default: return false;
  }
  return false;
}

SimdLevel best_simd_level() {
  if (cpu_supports(SimdLevel::Neon)) return SimdLevel::Neon;
  if (cpu_supports(SimdLevel::Avx512)) return SimdLevel::Avx512;
  if (cpu_supports(SimdLevel::Avx2)) return SimdLevel::Avx2;
  return SimdLevel::Scalar;
}

void require_simd_level(SimdLevel level, const char* param) {
  if (cpu_supports(level)) return;
  throw RangeError(std::string(param) + " = '" + simd_level_name(level) +
                   "' is not supported by this CPU; it supports up to '" +
                   simd_level_name(best_simd_level()) + "'");
}

SimdLevel active_simd_level() {
  // Resolved once so that every object of the process agrees; a bad value is
  // reported on every call rather than silently replaced.
  static std::once_flag once;
  static SimdLevel level = SimdLevel::Scalar;
  static std::string error;
  static bool range_error = false;
  std::call_once(once, [] {
    const char* forced = std::getenv("POLYCHRON_SIMD");
    if (forced == nullptr || *forced == '\0') {
      level = best_simd_level();
      return;
    }
    try {
      level = parse_simd_level(forced, "POLYCHRON_SIMD");
      require_simd_level(level, "POLYCHRON_SIMD");
    } catch (const RangeError& e) {
      error = e.what();
      range_error = true;
    } catch (const TypeError& e) {
      error = e.what();
    }
  });
  if (!error.empty()) {
    if (range_error) throw RangeError(error);
    throw TypeError(error);
  }
  return level;
}

std::string cpu_model_name() {
#if defined(POLYCHRON_X86_64)
  unsigned regs[12];
  unsigned eax, ebx, ecx, edx;
  if (__get_cpuid(0x80000000, &eax, &ebx, &ecx, &edx) && eax >= 0x80000004) {
    for (unsigned i = 0; i < 3; ++i) {
      __get_cpuid(0x80000002 + i, &regs[4 * i], &regs[4 * i + 1], &regs[4 * i + 2], &regs[4 * i + 3]);
    }
    char brand[49];
    std::memcpy(brand, regs, 48);
    brand[48] = '\0';
    std::string s(brand);
    const auto first = s.find_first_not_of(' ');
    const auto last = s.find_last_not_of(" \0");
    if (first != std::string::npos) return s.substr(first, last - first + 1);
  }
#endif
  return "unknown";
}

}  // namespace polychron
