// Large arrays on transparent huge pages.
//
// Where the operating system maps memory 4 KiB at a time, first touching a large array
// costs one page fault per 4 KiB; on the virtual machines measured for issue 16 that was
// about 5 µs each (10.8 s to touch 2 GiB, no faster from two threads), the largest part
// of building a network of 10^8 synapses. Arrays of kHugePageMinBytes or more are
// therefore mapped on their own, aligned to 2 MiB and marked MADV_HUGEPAGE (Linux; Linux
// with transparent huge pages in "madvise" or "always" mode): 512 times fewer faults (the
// same 2 GiB in 0.2 to 2 s) and fewer TLB misses when the array is later read at random.
// Smaller arrays, and other systems, use operator new.
//
// BigVector<T> is a std::vector with this allocator whose resize() leaves new elements
// of trivial types unset (like new T[n]; zero when fresh from the OS): its users write
// every element they size, and parallel writers then touch the pages first, each its own.
#pragma once
#include <cstddef>
#include <cstdint>
#include <new>
#include <type_traits>
#include <utility>
#include <vector>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace polychron {

constexpr std::size_t kHugePageBytes = std::size_t(2) << 20;
constexpr std::size_t kHugePageMinBytes = std::size_t(4) << 20;

inline void* huge_allocate(std::size_t bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  if (bytes >= kHugePageMinBytes) {
    const std::size_t rounded = (bytes + kHugePageBytes - 1) / kHugePageBytes * kHugePageBytes;
    // Over-reserve by one huge page, then trim the mapping to a 2 MiB-aligned span.
    void* raw = mmap(nullptr, rounded + kHugePageBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) throw std::bad_alloc();
    const uintptr_t start = reinterpret_cast<uintptr_t>(raw);
    const uintptr_t aligned = (start + kHugePageBytes - 1) / kHugePageBytes * kHugePageBytes;
    if (aligned > start) munmap(raw, aligned - start);
    const uintptr_t tail = aligned + rounded;
    const uintptr_t end = start + rounded + kHugePageBytes;
    if (end > tail) munmap(reinterpret_cast<void*>(tail), end - tail);
    madvise(reinterpret_cast<void*>(aligned), rounded, MADV_HUGEPAGE);
    return reinterpret_cast<void*>(aligned);
  }
#endif
  return ::operator new(bytes);
}

inline void huge_free(void* p, std::size_t bytes) noexcept {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  if (bytes >= kHugePageMinBytes) {
    munmap(p, (bytes + kHugePageBytes - 1) / kHugePageBytes * kHugePageBytes);
    return;
  }
#endif
  ::operator delete(p);
}

template <typename T>
struct HugePageAllocator {
  using value_type = T;
  HugePageAllocator() = default;
  template <typename U>
  HugePageAllocator(const HugePageAllocator<U>&) noexcept {}

  T* allocate(std::size_t n) {
    if (n > std::size_t(-1) / sizeof(T)) throw std::bad_alloc();
    return static_cast<T*>(huge_allocate(n * sizeof(T)));
  }
  void deallocate(T* p, std::size_t n) noexcept { huge_free(p, n * sizeof(T)); }

  // Default-initialisation for resize(n): trivial elements are left unset.
  template <typename U>
  void construct(U* p) noexcept(std::is_nothrow_default_constructible<U>::value) {
    ::new (static_cast<void*>(p)) U;
  }
  template <typename U, typename... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }

  template <typename U>
  bool operator==(const HugePageAllocator<U>&) const noexcept { return true; }
  template <typename U>
  bool operator!=(const HugePageAllocator<U>&) const noexcept { return false; }
};

template <typename T>
using BigVector = std::vector<T, HugePageAllocator<T>>;

}  // namespace polychron
