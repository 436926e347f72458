#include "core/io/binary_io.h"

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/errors.h"

namespace polychron {

namespace {

struct Crc32Table {
  uint32_t entries[256];
  Crc32Table() {
    for (uint32_t n = 0; n < 256; ++n) {
      uint32_t c = n;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      entries[n] = c;
    }
  }
};

std::string system_error(const std::string& what, const std::string& path) {
  return what + " '" + path + "': " + std::strerror(errno);
}

}  // namespace

uint32_t crc32_update(uint32_t crc, const void* data, size_t bytes) {
  static const Crc32Table table;
  const auto* p = static_cast<const uint8_t*>(data);
  crc = ~crc;
  for (size_t i = 0; i < bytes; ++i) crc = table.entries[(crc ^ p[i]) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

namespace {

// Removes the temporaries of `path` left by writers that were killed mid-write (a
// checkpoint can be large, and a process killed at every save would fill the disk).
// A temporary's name holds its writer's process id; one whose process is gone is stale.
// A living process with that id (the id reused) keeps the file: it may be writing it.
void remove_stale_temporaries(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  const std::string folder = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  const std::string prefix = (slash == std::string::npos ? path : path.substr(slash + 1)) + ".tmp-";
  DIR* dir = ::opendir(folder.c_str());
  if (dir == nullptr) return;  // creating the temporary will report the folder's error
  while (const dirent* entry = ::readdir(dir)) {
    const std::string name = entry->d_name;
    if (name.compare(0, prefix.size(), prefix) != 0) continue;
    char* end = nullptr;
    const long pid = std::strtol(name.c_str() + prefix.size(), &end, 10);
    if (end == name.c_str() + prefix.size() || *end != '-' || pid <= 0) continue;
    if (::kill(pid_t(pid), 0) != 0 && errno == ESRCH) ::unlink((folder + "/" + name).c_str());
  }
  ::closedir(dir);
}

// A temporary name beside `path` that no other writer uses: the process id tells
// processes apart, a process-wide counter the writers of one process (two saves to one
// path at once must not share a file), and O_EXCL makes a collision an error, never a
// shared file.
int create_temporary(const std::string& path, std::string& temp_path) {
  static std::atomic<uint64_t> counter{0};
  remove_stale_temporaries(path);
  for (int attempt = 0;; ++attempt) {
    temp_path = path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter.fetch_add(1));
    const int fd = ::open(temp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd >= 0 || errno != EEXIST || attempt == 100) return fd;
  }
}

// Makes a rename in `path`'s folder durable.
void sync_folder_of(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  const std::string folder = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;  // the file is in place; only its durability across a power loss is weaker
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

BinaryWriter::BinaryWriter(const std::string& path) : path_(path) {
  const int fd = create_temporary(path, temp_path_);
  if (fd < 0) throw std::runtime_error(system_error("cannot create", temp_path_));
  file_ = ::fdopen(fd, "wb");
  if (file_ == nullptr) {
    const std::string message = system_error("cannot create", temp_path_);
    ::close(fd);
    std::remove(temp_path_.c_str());
    throw std::runtime_error(message);
  }
}

BinaryWriter::~BinaryWriter() {
  if (file_ != nullptr) {
    // Not committed: leave whatever was at `path` untouched.
    std::fclose(file_);
    std::remove(temp_path_.c_str());
  }
}

void BinaryWriter::bytes(const void* data, size_t n) {
  if (n == 0) return;
  if (std::fwrite(data, 1, n, file_) != n) throw std::runtime_error(system_error("cannot write", temp_path_));
  crc_ = crc32_update(crc_, data, n);
  written_ += n;
}

void BinaryWriter::patch(uint64_t offset, const void* data, size_t n) {
  const long here = std::ftell(file_);
  if (std::fseek(file_, long(offset), SEEK_SET) != 0 || std::fwrite(data, 1, n, file_) != n ||
      std::fseek(file_, here, SEEK_SET) != 0) {
    throw std::runtime_error(system_error("cannot write", temp_path_));
  }
}

void BinaryWriter::commit() {
  if (std::fflush(file_) != 0 || ::fsync(::fileno(file_)) != 0) {
    throw std::runtime_error(system_error("cannot flush", temp_path_));
  }
  const int closed = std::fclose(file_);
  file_ = nullptr;
  if (closed != 0) {
    const std::string message = system_error("cannot write", temp_path_);
    std::remove(temp_path_.c_str());
    throw std::runtime_error(message);
  }
  if (std::rename(temp_path_.c_str(), path_.c_str()) != 0) {
    const std::string message = system_error("cannot rename the checkpoint to", path_);
    std::remove(temp_path_.c_str());
    throw std::runtime_error(message);
  }
  sync_folder_of(path_);
}

BinaryReader::BinaryReader(const std::string& path) : path_(path) {
  file_ = std::fopen(path.c_str(), "rb");
  if (file_ == nullptr) throw RangeError(system_error("cannot open checkpoint", path));
  // The size from the open file itself: a directory (which fopen opens) or a device has
  // none that reading could trust.
  struct stat st;
  if (::fstat(::fileno(file_), &st) != 0) {
    const std::string message = system_error("cannot read checkpoint", path);
    std::fclose(file_);
    file_ = nullptr;
    throw RangeError(message);
  }
  if (!S_ISREG(st.st_mode)) {
    std::fclose(file_);
    file_ = nullptr;
    fail(S_ISDIR(st.st_mode) ? "it is a directory" : "it is not a regular file");
  }
  size_ = uint64_t(st.st_size);
}

BinaryReader::~BinaryReader() {
  if (file_ != nullptr) std::fclose(file_);
}

void BinaryReader::bytes(void* data, size_t n) {
  if (n > remaining()) fail("the file is truncated");
  if (n != 0 && std::fread(data, 1, n, file_) != n) fail("the file could not be read");
  crc_ = crc32_update(crc_, data, n);
  read_ += n;
}

void BinaryReader::fail(const std::string& why) const {
  throw RangeError("checkpoint '" + path_ + "' is not valid: " + why);
}

}  // namespace polychron
