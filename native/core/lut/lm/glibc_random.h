// glibc's rand()/random() with its default TYPE_3 state, so that polychron can draw the
// same numbers as a C program built with glibc (the Spiking Manifesto's reference draws
// everything from `rand()` with the default seed 1). The algorithm is glibc's public one:
// 31 words seeded by a Lehmer generator (16807 · x mod 2^31 − 1), then the additive
// feedback r[i] = r[i−31] + r[i−3] (mod 2^32), the first 310 outputs discarded, each
// output r[i] >> 1, in [0, 2^31 − 1].
#pragma once
#include <cstdint>

namespace polychron {

class GlibcRandom {
 public:
  static constexpr uint32_t kMax = 2147483647u;  // RAND_MAX
  static constexpr int kWords = 34;              // r[i−34 .. i−1] decide r[i]

  explicit GlibcRandom(uint32_t seed = 1) {
    int32_t r[kWords];
    r[0] = int32_t(seed == 0 ? 1 : seed);
    for (int i = 1; i < 31; ++i) {
      const int32_t hi = r[i - 1] / 127773, lo = r[i - 1] % 127773;
      int32_t word = 16807 * lo - 2836 * hi;
      if (word < 0) word += 2147483647;
      r[i] = word;
    }
    for (int i = 31; i < kWords; ++i) r[i] = r[i - 31];
    for (int i = 0; i < kWords; ++i) ring_[i] = uint32_t(r[i]);
    for (int i = 0; i < 310; ++i) next_word();
  }

  // The next rand().
  uint32_t rand() { return next_word() >> 1; }

  // The state: the last 34 words, oldest first (what a checkpoint saves).
  void state(uint32_t out[kWords]) const {
    for (int i = 0; i < kWords; ++i) out[i] = ring_[(at_ + i) % kWords];
  }
  void set_state(const uint32_t words[kWords]) {
    for (int i = 0; i < kWords; ++i) ring_[i] = words[i];
    at_ = 0;
  }

 private:
  uint32_t next_word() {
    // ring_[at_] is r[i−34]; r[i−31] and r[i−3] are 3 and 31 places on.
    const uint32_t word = ring_[(at_ + 3) % kWords] + ring_[(at_ + 31) % kWords];
    ring_[at_] = word;
    at_ = (at_ + 1) % kWords;
    return word;
  }

  uint32_t ring_[kWords];
  int at_ = 0;
};

}  // namespace polychron
