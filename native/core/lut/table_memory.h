// Memory for LUT tables, which are large and mostly untouched: the reference language
// model nominally holds about 3 GB of attention tables and writes a small part of them.
// The memory is reserved from the OS as lazily zero-filled pages (mmap, no swap
// reservation, no huge pages), so only pages that were written cost physical memory;
// reading an untouched row reads the kernel's shared zero page.
#pragma once
#include <cstdint>
#include <string>

namespace polychron {

class TableMemory {
 public:
  TableMemory() = default;
  // `floats` zero floats; throws RangeError naming `what` if the OS refuses the reservation.
  TableMemory(uint64_t floats, const std::string& what);
  ~TableMemory();
  TableMemory(TableMemory&& other) noexcept;
  TableMemory& operator=(TableMemory&& other) noexcept;
  TableMemory(const TableMemory&) = delete;
  TableMemory& operator=(const TableMemory&) = delete;

  float* data() { return data_; }
  const float* data() const { return data_; }
  uint64_t floats() const { return floats_; }
  uint64_t bytes() const { return floats_ * sizeof(float); }

  // Bytes of this memory the process has mapped so far (pages written or read), from mincore.
  uint64_t mapped_bytes() const;

 private:
  // Page-residency of the memory, one byte per page (bit 0 set: mapped).
  void residency(unsigned char* out) const;
  uint64_t page_count() const;

  float* data_ = nullptr;
  uint64_t floats_ = 0;
};

uint64_t table_page_bytes();

}  // namespace polychron
