// Shared by the libFuzzer targets (scripts/fuzz.js builds and runs them): the readers
// take a path, so the input goes into an anonymous in-memory file (memfd) named by
// /proc/self/fd/N; and the one rule every target checks: a reader refuses a bad file with
// the core's TypeError or RangeError, never anything else (another exception reaches
// JavaScript as a bare Error, without the file's name) and never a crash.
#pragma once
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "core/errors.h"
#include "core/io/binary_io.h"

namespace polychron_fuzz {

class MemoryFile {
 public:
  MemoryFile(const void* data, size_t size) {
    fd_ = ::memfd_create("polychron-fuzz-input", MFD_CLOEXEC);
    if (fd_ < 0) std::abort();
    const auto* p = static_cast<const char*>(data);
    for (size_t done = 0; done < size;) {
      const ssize_t n = ::write(fd_, p + done, size - done);
      if (n <= 0) std::abort();
      done += size_t(n);
    }
    path_ = "/proc/self/fd/" + std::to_string(fd_);
  }
  ~MemoryFile() { ::close(fd_); }
  MemoryFile(const MemoryFile&) = delete;
  MemoryFile& operator=(const MemoryFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  int fd_ = -1;
  std::string path_;
};

// Runs `load`; a TypeError or RangeError is a clean refusal, which must name the file.
template <typename Load>
void expect_clean(const std::string& path, Load&& load) {
  try {
    load();
  } catch (const polychron::TypeError& e) {
    if (std::string(e.what()).find(path) == std::string::npos) {
      std::fprintf(stderr, "a TypeError does not name the file: %s\n", e.what());
      std::abort();
    }
  } catch (const polychron::RangeError& e) {
    if (std::string(e.what()).find(path) == std::string::npos) {
      std::fprintf(stderr, "a RangeError does not name the file: %s\n", e.what());
      std::abort();
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "the reader threw a bare std::exception: %s\n", e.what());
    std::abort();
  }
}

// The input with its metadata's "crc32" set to the CRC-32 of its data buffer, when it is a
// safetensors file with such an entry (otherwise the input as it is): polychron's LM and
// classifier files check that CRC only after reading everything, and a fuzzer would rarely
// match it, so the checks that run after it (a hostile file can carry a right CRC) would
// go unexplored.
inline std::string with_data_crc(const uint8_t* data, size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  if (size < 8) return bytes;
  uint64_t n = 0;
  for (int k = 7; k >= 0; --k) n = (n << 8) | data[k];
  if (n > size - 8) return bytes;
  const std::string key = "\"crc32\":\"";
  const size_t at = bytes.find(key, 8);
  if (at == std::string::npos || at >= 8 + n) return bytes;
  const size_t digits = at + key.size(), end = bytes.find('"', digits);
  if (end == std::string::npos || end >= 8 + n) return bytes;
  const uint32_t crc = polychron::crc32_update(0, data + 8 + n, size - 8 - n);
  std::string header = bytes.substr(8, n);
  header.replace(digits - 8, end - digits, std::to_string(crc));
  std::string out(8, '\0');
  for (int k = 0; k < 8; ++k) out[k] = char(uint64_t(header.size()) >> (8 * k));
  return out + header + bytes.substr(8 + n);
}

}  // namespace polychron_fuzz
