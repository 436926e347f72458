#include "core/lut/table_memory.h"

#include <sys/mman.h>
#include <unistd.h>

#include <utility>
#include <vector>

#include "core/errors.h"

namespace polychron {

uint64_t table_page_bytes() {
  static const uint64_t bytes = uint64_t(sysconf(_SC_PAGESIZE));
  return bytes;
}

TableMemory::TableMemory(uint64_t floats, const std::string& what) : floats_(floats) {
  if (floats == 0) return;
  void* p = mmap(nullptr, bytes(), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) {
    floats_ = 0;
    throw RangeError("polychron: the operating system refused to reserve " + std::to_string(floats * 4) +
                     " bytes of address space for " + what);
  }
#ifdef MADV_NOHUGEPAGE
  // A huge page would make one written row cost 2 MB (and measured no faster here).
  madvise(p, bytes(), MADV_NOHUGEPAGE);
#endif
  data_ = static_cast<float*>(p);
}

TableMemory::~TableMemory() {
  if (data_ != nullptr) munmap(data_, bytes());
}

TableMemory::TableMemory(TableMemory&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), floats_(std::exchange(other.floats_, 0)) {}

TableMemory& TableMemory::operator=(TableMemory&& other) noexcept {
  if (this != &other) {
    if (data_ != nullptr) munmap(data_, bytes());
    data_ = std::exchange(other.data_, nullptr);
    floats_ = std::exchange(other.floats_, 0);
  }
  return *this;
}

uint64_t TableMemory::page_count() const {
  return (bytes() + table_page_bytes() - 1) / table_page_bytes();
}

void TableMemory::residency(unsigned char* out) const {
  if (mincore(data_, bytes(), out) != 0) {
    // Without residency information every page is treated as mapped (slower, same answer).
    for (uint64_t p = 0; p < page_count(); ++p) out[p] = 1;
  }
}

uint64_t TableMemory::mapped_bytes() const {
  if (data_ == nullptr) return 0;
  std::vector<unsigned char> mapped(page_count());
  residency(mapped.data());
  uint64_t pages = 0;
  for (unsigned char m : mapped) pages += m & 1;
  return pages * table_page_bytes();
}

}  // namespace polychron
