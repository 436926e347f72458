// The safetensors format (https://github.com/huggingface/safetensors): an 8-byte
// little-endian header size N, N bytes of UTF-8 JSON naming each tensor's dtype, shape
// and byte range, then the tensors' bytes, contiguous, little-endian and row-major.
// Chosen so that weights saved here open in numpy, PyTorch and friends without a
// converter. The reader trusts nothing in the file: every number in the header is
// checked against the file before any data is read.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/errors.h"

namespace polychron {
namespace safetensors {

enum class DType { F32, F64, I32, U32, I64, U64, U8, I8, U16, I16, BF16, F16, BOOL };

// Bytes per element (BOOL is one byte, 0 or 1).
size_t dtype_size(DType dtype);
// The format's name for the dtype ("F32", ...).
const char* dtype_name(DType dtype);

struct TensorOut {
  std::string name;
  DType dtype;
  std::vector<uint64_t> shape;  // empty for a scalar
  const void* data;             // product(shape) * dtype_size(dtype) bytes, host order
  // Instead of `data`: called once with a sink that must receive exactly those bytes, in
  // pieces, so that a tensor larger than memory can be written without a copy.
  std::function<void(const std::function<void(const void*, size_t)>& sink)> stream = nullptr;
};

// Writes the tensors, in the order given, and the metadata (keys sorted) to `path`
// atomically: a reader sees either the old file or the whole new one. Throws RangeError
// for a duplicate or reserved tensor name, text that is not UTF-8, or a size that
// overflows; std::runtime_error when the file cannot be written.
void write(const std::string& path, const std::vector<TensorOut>& tensors,
           const std::map<std::string, std::string>& metadata);

struct TensorInfo {
  DType dtype;
  std::vector<uint64_t> shape;
  uint64_t begin, end;  // byte range within the data buffer (after the header)
};

// Opens `path` and validates the whole header, and the file's size against it, up front,
// so that a bad file fails at open with one message and never half-way through a load.
// Tensor data is read on demand. Every error is a RangeError naming the file.
class Reader {
 public:
  explicit Reader(const std::string& path);
  ~Reader();
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  const std::string& path() const { return path_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  const std::map<std::string, TensorInfo>& tensors() const { return tensors_; }
  bool has(const std::string& name) const { return tensors_.count(name) != 0; }
  // RangeError if there is no such tensor.
  const TensorInfo& info(const std::string& name) const;
  // Checks that the tensor has exactly this dtype and shape (RangeError naming the
  // tensor, what was expected and what was found), then reads its bytes into `dst`.
  // Uses positioned reads, so concurrent calls on one Reader are safe.
  void read(const std::string& name, DType dtype, const std::vector<uint64_t>& shape, void* dst);
  // Bytes [offset, offset + bytes) of a tensor's data (RangeError outside it): for reading
  // a large tensor in pieces after checking info().
  void read_bytes(const std::string& name, uint64_t offset, uint64_t bytes, void* dst);
  // RangeError if the metadata has no such key.
  std::string meta(const std::string& key) const;

 private:
  std::string path_;
  int fd_ = -1;
  uint64_t data_start_ = 0;  // 8 + header size
  std::map<std::string, std::string> metadata_;
  std::map<std::string, TensorInfo> tensors_;
};

// Runs `check`, one of a configuration's own checks (or its memory limit) judging what a
// file's metadata says, so that its complaint names the file and keeps its kind:
// "polychron: PATH is not a polychron KIND (the check's message)".
template <typename Check>
auto naming_file(const std::string& path, const std::string& kind, Check&& check) -> decltype(check()) {
  try {
    return check();
  } catch (const TypeError& e) {
    throw TypeError("polychron: " + path + " is not a polychron " + kind + " (" + e.what() + ")");
  } catch (const RangeError& e) {
    throw RangeError("polychron: " + path + " is not a polychron " + kind + " (" + e.what() + ")");
  }
}

}  // namespace safetensors
}  // namespace polychron
