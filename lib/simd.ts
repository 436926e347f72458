import { addon, addonPath } from './native';

/** A SIMD instruction-set level: 'avx2' and 'avx512' on x86-64 (avx512 implies avx2), 'neon' on arm64; each implies 'scalar'. */
export type SimdLevel = 'scalar' | 'avx2' | 'avx512' | 'neon';

/**
 * The SIMD level polychron's kernels use in this process: `POLYCHRON_SIMD` when it is
 * set, otherwise the best this CPU supports. Throws a RangeError if `POLYCHRON_SIMD`
 * names a level this CPU lacks, and a TypeError if it names no level.
 */
export function simd(): SimdLevel {
  return addon.simd() as SimdLevel;
}

/** The levels this CPU can run, lowest first (always starts with 'scalar'). */
export function supportedSimdLevels(): SimdLevel[] {
  return addon.supportedSimdLevels() as SimdLevel[];
}

/** The CPU's model name, as the CPU reports it. */
export function cpuModel(): string {
  return addon.cpuModel();
}

/** The native addon file in use (a local build or the prebuilt binary). */
export function nativeAddonPath(): string {
  return addonPath;
}
