// A fixed-size, 64-byte aligned, zero-initialised array: one cache line (and one
// AVX-512 register) per 64 bytes, so SIMD loads never straddle a line at the start.
#pragma once
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <new>

namespace polychron {

template <typename T>
class AlignedArray {
 public:
  static constexpr std::size_t kAlignment = 64;

  explicit AlignedArray(std::size_t size) : size_(size) {
    const std::size_t bytes = ((size * sizeof(T) + kAlignment - 1) / kAlignment) * kAlignment;
    data_ = static_cast<T*>(std::aligned_alloc(kAlignment, bytes == 0 ? kAlignment : bytes));
    if (data_ == nullptr) throw std::bad_alloc();
    std::memset(static_cast<void*>(data_), 0, bytes == 0 ? kAlignment : bytes);
  }
  ~AlignedArray() { std::free(data_); }
  AlignedArray(const AlignedArray&) = delete;
  AlignedArray& operator=(const AlignedArray&) = delete;

  T* data() { return data_; }
  const T* data() const { return data_; }
  std::size_t size() const { return size_; }
  std::size_t bytes() const { return size_ * sizeof(T); }
  T& operator[](std::size_t i) { return data_[i]; }
  const T& operator[](std::size_t i) const { return data_[i]; }

 private:
  T* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace polychron
