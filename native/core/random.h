// The project's random number generator: xoshiro256** seeded through SplitMix64.
// Small state (32 bytes) that checkpoints save and restore exactly, identical output on
// every platform, and independent streams from one seed via `stream`.
#pragma once
#include <cstdint>

namespace polychron {

class Random {
 public:
  Random() : Random(0, 0) {}
  // Stream k of a seed: generators with the same seed and different streams are
  // independent for all practical purposes.
  explicit Random(uint64_t seed, uint64_t stream = 0) {
    uint64_t x = seed ^ (0x9E3779B97F4A7C15ull * (stream + 1));
    for (uint64_t& word : state_) word = splitmix64(x);
  }

  uint64_t next() {
    const uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }

  // Uniform in [0, bound), without modulo bias (Lemire's multiply-and-reject).
  uint32_t below(uint32_t bound) {
    uint64_t m = uint64_t(uint32_t(next() >> 32)) * bound;
    uint32_t low = uint32_t(m);
    if (low < bound) {
      const uint32_t threshold = uint32_t(-bound) % bound;
      while (low < threshold) {
        m = uint64_t(uint32_t(next() >> 32)) * bound;
        low = uint32_t(m);
      }
    }
    return uint32_t(m >> 32);
  }

  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return double(next() >> 11) * 0x1.0p-53; }

  const uint64_t* state() const { return state_; }
  void set_state(const uint64_t* words) {
    for (int i = 0; i < 4; ++i) state_[i] = words[i];
  }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static uint64_t splitmix64(uint64_t& x) {
    uint64_t z = (x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }

  uint64_t state_[4];
};

}  // namespace polychron
