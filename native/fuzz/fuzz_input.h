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

}  // namespace polychron_fuzz
