// Little-endian binary streams for checkpoint files, with a running CRC-32 of what
// passes through them and bounds on every length read, so that a corrupt or truncated
// file is reported, never trusted.
#pragma once
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace polychron {

uint32_t crc32_update(uint32_t crc, const void* data, size_t bytes);

class BinaryWriter {
 public:
  // Writes to a temporary file of its own beside `path`; commit() makes it `path`
  // atomically, so the file at `path` is always one complete checkpoint.
  explicit BinaryWriter(const std::string& path);
  ~BinaryWriter();
  BinaryWriter(const BinaryWriter&) = delete;
  BinaryWriter& operator=(const BinaryWriter&) = delete;

  void bytes(const void* data, size_t n);
  template <typename T>
  void pod(const T& value) { bytes(&value, sizeof(T)); }
  template <typename T>
  void array(const std::vector<T>& values) {
    pod<uint64_t>(values.size());
    bytes(values.data(), values.size() * sizeof(T));
  }
  void string(const std::string& s) {
    pod<uint64_t>(s.size());
    bytes(s.data(), s.size());
  }
  uint32_t crc() const { return crc_; }
  void reset_crc() { crc_ = 0; }
  uint64_t written() const { return written_; }
  // Seeks back to `offset` and overwrites (not counted in the CRC): for the header.
  void patch(uint64_t offset, const void* data, size_t n);
  // Flushes, syncs and renames the temporary file over `path`, then syncs the folder.
  void commit();

 private:
  std::string path_, temp_path_;
  std::FILE* file_ = nullptr;
  uint32_t crc_ = 0;
  uint64_t written_ = 0;
};

class BinaryReader {
 public:
  explicit BinaryReader(const std::string& path);
  ~BinaryReader();
  BinaryReader(const BinaryReader&) = delete;
  BinaryReader& operator=(const BinaryReader&) = delete;

  void bytes(void* data, size_t n);
  template <typename T>
  T pod() {
    T value;
    bytes(&value, sizeof(T));
    return value;
  }
  template <typename T>
  std::vector<T> array() {
    const uint64_t n = pod<uint64_t>();
    if (n > remaining() / sizeof(T)) fail("an array is longer than the rest of the file");
    std::vector<T> values(n);
    bytes(values.data(), n * sizeof(T));
    return values;
  }
  std::string string() {
    const uint64_t n = pod<uint64_t>();
    if (n > remaining()) fail("a string is longer than the rest of the file");
    std::string s(n, '\0');
    bytes(s.data(), n);
    return s;
  }
  uint64_t size() const { return size_; }
  uint64_t remaining() const { return size_ - read_; }
  uint32_t crc() const { return crc_; }
  void reset_crc() { crc_ = 0; }
  [[noreturn]] void fail(const std::string& why) const;

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
  uint64_t size_ = 0;
  uint64_t read_ = 0;
  uint32_t crc_ = 0;
};

}  // namespace polychron
