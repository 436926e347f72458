#include "core/io/safetensors.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <set>
#include <string>
#include <utility>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/errors.h"
#include "core/io/binary_io.h"

// Tensor bytes are written and read in host order; the format is little-endian.
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "io/safetensors.cpp assumes a little-endian host"
#endif

namespace polychron {
namespace safetensors {

namespace {

constexpr uint64_t kMaxHeader = 100u << 20;  // the reference implementation's limit too
constexpr const char* kMetadataKey = "__metadata__";

struct DTypeEntry { DType dtype; const char* name; size_t size; };
constexpr DTypeEntry kDTypes[] = {
    {DType::F32, "F32", 4}, {DType::F64, "F64", 8},   {DType::I32, "I32", 4},   {DType::U32, "U32", 4},
    {DType::I64, "I64", 8}, {DType::U64, "U64", 8},   {DType::U8, "U8", 1},     {DType::I8, "I8", 1},
    {DType::U16, "U16", 2}, {DType::I16, "I16", 2},   {DType::BF16, "BF16", 2}, {DType::F16, "F16", 2},
    {DType::BOOL, "BOOL", 1},
};

const DTypeEntry& entry(DType dtype) {
  for (const auto& e : kDTypes) if (e.dtype == dtype) return e;
  throw RangeError("polychron: unknown safetensors dtype " + std::to_string(int(dtype)));
}

// Elements * element size, or false if that overflows 64 bits.
bool byte_count(const std::vector<uint64_t>& shape, DType dtype, uint64_t& bytes) {
  uint64_t n = dtype_size(dtype);
  for (uint64_t d : shape) {
    if (d != 0 && n > UINT64_MAX / d) return false;
    n *= d;
  }
  bytes = n;
  return true;
}

std::string describe(DType dtype, const std::vector<uint64_t>& shape) {
  std::string s = std::string(dtype_name(dtype)) + " [";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

// Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
bool valid_utf8(const std::string& s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  for (size_t i = 0; i < n;) {
    const unsigned c = p[i];
    size_t len;
    uint32_t cp, min;
    if (c < 0x80) { ++i; continue; }
    if ((c & 0xE0) == 0xC0) { len = 2; cp = c & 0x1F; min = 0x80; }
    else if ((c & 0xF0) == 0xE0) { len = 3; cp = c & 0x0F; min = 0x800; }
    else if ((c & 0xF8) == 0xF0) { len = 4; cp = c & 0x07; min = 0x10000; }
    else return false;
    if (n - i < len) return false;
    for (size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

void append_utf8(std::string& out, uint32_t cp) {
  const int tail = cp < 0x80 ? 0 : cp < 0x800 ? 1 : cp < 0x10000 ? 2 : 3;
  static const unsigned lead[] = {0x00, 0xC0, 0xE0, 0xF0};
  out += char(lead[tail] | (cp >> (6 * tail)));
  for (int k = tail - 1; k >= 0; --k) out += char(0x80 | ((cp >> (6 * k)) & 0x3F));
}

// JSON string literal; non-ASCII UTF-8 passes through, as JSON allows.
void emit_string(std::string& out, const std::string& s) {
  static const char hex[] = "0123456789abcdef";
  out += '"';
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') out += {'\\', char(c)};
    else if (c < 0x20) out += {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xF]};
    else out += char(c);
  }
  out += '"';
}

// Parses exactly the JSON the header may hold, guided by where in the header it is, so
// that a value of the wrong kind is named as such rather than parsed and ignored. Only
// objects, arrays, strings and non-negative integers exist here: true, false, null,
// negative and fractional numbers are errors.
class HeaderParser {
 public:
  HeaderParser(const std::string& text, const std::string& path) : s_(text), path_(path) {}

  void parse(std::map<std::string, std::string>& metadata, std::map<std::string, TensorInfo>& tensors) {
    // The format requires the header to begin with '{' and allows trailing padding.
    if (s_.empty() || s_[0] != '{') fail("the header does not begin with '{'");
    object("the header", [&](const std::string& key) {
      if (key == kMetadataKey) {
        object("__metadata__", [&](const std::string& k) {
          if (peek() != '"') fail("metadata value '" + k + "' is not a string");
          metadata[k] = string();
        });
      } else {
        tensors[key] = tensor(key);
      }
    });
    ws();
    if (i_ != s_.size()) fail("unexpected bytes after the header object");
  }

 private:
  const std::string& s_;
  const std::string& path_;
  size_t i_ = 0;

  [[noreturn]] void fail(const std::string& why) const {
    throw RangeError("polychron: " + path_ + " is not a safetensors file (" + why + ", at byte " +
                     std::to_string(i_) + " of the header)");
  }
  void ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }
  char peek() {
    ws();
    return i_ < s_.size() ? s_[i_] : '\0';
  }
  void expect(char c, const std::string& context) {
    if (peek() != c) {
      fail(i_ < s_.size() ? "expected '" + std::string(1, c) + "' in " + context
                          : "the header ends inside " + context);
    }
    ++i_;
  }

  // Parses `open item (',' item)* close`, or an empty list, calling each() at every item.
  template <typename F>
  void list(char open, char close, const std::string& context, F each) {
    expect(open, context);
    if (peek() == close) { ++i_; return; }
    for (;;) {
      each();
      if (peek() != ',') break;
      ++i_;
    }
    expect(close, context);
  }

  // Calls on_member(key) with the parser at each member's value; rejects duplicate keys.
  template <typename F>
  std::set<std::string> object(const std::string& context, F on_member) {
    std::set<std::string> seen;
    list('{', '}', context, [&] {
      if (peek() != '"') fail("expected a string key in " + context);
      const std::string key = string();
      if (!seen.insert(key).second) fail("key '" + key + "' appears twice in " + context);
      expect(':', context);
      on_member(key);
    });
    return seen;
  }

  std::vector<uint64_t> integers(const std::string& context) {
    std::vector<uint64_t> values;
    list('[', ']', context, [&] { values.push_back(integer(context)); });
    return values;
  }

  uint64_t integer(const std::string& context) {
    const char c = peek();
    if (c == '-') fail("negative number in " + context);
    if (c < '0' || c > '9') fail("expected a non-negative integer in " + context);
    if (c == '0' && i_ + 1 < s_.size() && s_[i_ + 1] >= '0' && s_[i_ + 1] <= '9') {
      fail("number with a leading zero in " + context);
    }
    uint64_t v = 0;
    while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') {
      const uint64_t digit = uint64_t(s_[i_] - '0');
      if (v > (UINT64_MAX - digit) / 10) fail("number too large in " + context);
      v = v * 10 + digit;
      ++i_;
    }
    if (i_ < s_.size() && (s_[i_] == '.' || s_[i_] == 'e' || s_[i_] == 'E')) {
      fail("only integers are allowed in " + context);
    }
    return v;
  }

  uint32_t hex4() {
    static const std::string digits = "0123456789abcdef";
    if (s_.size() - i_ < 4) fail("the header ends inside a \\u escape");
    uint32_t v = 0;
    for (int k = 0; k < 4; ++k, ++i_) {
      const size_t d = digits.find(char(std::tolower(static_cast<unsigned char>(s_[i_]))));
      if (d == std::string::npos) fail("bad \\u escape");
      v = (v << 4) | uint32_t(d);
    }
    return v;
  }

  std::string string() {
    expect('"', "a string");
    std::string out;
    for (;;) {
      if (i_ >= s_.size()) fail("the header ends inside a string");
      const unsigned char c = static_cast<unsigned char>(s_[i_++]);
      if (c == '"') return out;
      if (c < 0x20) fail("unescaped control character in a string");
      if (c != '\\') { out += char(c); continue; }
      if (i_ >= s_.size()) fail("the header ends inside a string");
      static const std::string from = "\"\\/bfnrt", to = "\"\\/\b\f\n\r\t";
      const char e = s_[i_++];
      if (from.find(e) != std::string::npos) { out += to[from.find(e)]; continue; }
      if (e != 'u') { --i_; fail("unknown escape in a string"); }
      uint32_t cp = hex4();
      if (cp >= 0xDC00 && cp <= 0xDFFF) fail("lone low surrogate in a \\u escape");
      if (cp >= 0xD800 && cp <= 0xDBFF) {
        const uint32_t low = s_.compare(i_, 2, "\\u") == 0 ? (i_ += 2, hex4()) : 0;
        if (low < 0xDC00 || low > 0xDFFF) fail("high surrogate without a low one in a \\u escape");
        cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
      }
      append_utf8(out, cp);
    }
  }

  TensorInfo tensor(const std::string& name) {
    const std::string context = "tensor '" + name + "'";
    TensorInfo info{};
    std::vector<uint64_t> offsets;
    const auto keys = object(context, [&](const std::string& key) {
      if (key == "dtype") {
        if (peek() != '"') fail("the dtype of " + context + " is not a string");
        const std::string dtype = string();
        auto it = std::find_if(std::begin(kDTypes), std::end(kDTypes),
                               [&](const DTypeEntry& e) { return dtype == e.name; });
        if (it == std::end(kDTypes)) fail(context + " has unknown dtype '" + dtype + "'");
        info.dtype = it->dtype;
      } else if (key == "shape") {
        info.shape = integers("the shape of " + context);
      } else if (key == "data_offsets") {
        offsets = integers("the data_offsets of " + context);
        if (offsets.size() != 2) fail("the data_offsets of " + context + " are not [begin, end]");
      } else {
        fail(context + " has unknown field '" + key + "'");
      }
    });
    if (keys.size() != 3) fail(context + " lacks dtype, shape or data_offsets");
    info.begin = offsets[0];
    info.end = offsets[1];
    return info;
  }
};

std::string errno_text() { return std::strerror(errno); }

// pread until done: one call may return less, and a signal may interrupt it.
void read_at(int fd, void* dst, uint64_t n, uint64_t offset, const std::string& path) {
  auto* p = static_cast<char*>(dst);
  for (uint64_t got = 0; got < n;) {
    const ssize_t r = ::pread(fd, p + got, size_t(n - got), off_t(offset + got));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) throw RangeError("polychron: cannot read " + path + ": " + errno_text());
    if (r == 0) throw RangeError("polychron: " + path + " was truncated while it was open");
    got += uint64_t(r);
  }
}

}  // namespace

size_t dtype_size(DType dtype) { return entry(dtype).size; }
const char* dtype_name(DType dtype) { return entry(dtype).name; }

void write(const std::string& path, const std::vector<TensorOut>& tensors,
           const std::map<std::string, std::string>& metadata) {
  auto fail = [&](const std::string& why) { throw RangeError("polychron: cannot write " + path + ": " + why); };
  // Everything is checked before the file is created, so a bad call leaves no trace.
  std::string json = "{";
  if (!metadata.empty()) {
    emit_string(json, kMetadataKey);
    json += ":{";
    for (const auto& [key, value] : metadata) {
      if (!valid_utf8(key) || !valid_utf8(value)) fail("metadata key '" + key + "' or its value is not UTF-8");
      if (json.back() != '{') json += ',';
      emit_string(json, key);
      json += ':';
      emit_string(json, value);
    }
    json += '}';
  }
  std::set<std::string> names;
  std::vector<uint64_t> sizes;
  uint64_t offset = 0;
  for (const TensorOut& t : tensors) {
    if (t.name == kMetadataKey) fail("'__metadata__' is reserved and cannot name a tensor");
    if (!valid_utf8(t.name)) fail("tensor name '" + t.name + "' is not UTF-8");
    if (!names.insert(t.name).second) fail("tensor '" + t.name + "' appears twice");
    uint64_t bytes;
    if (!byte_count(t.shape, t.dtype, bytes) || bytes > UINT64_MAX - offset) {
      fail("tensor '" + t.name + "' is too large");
    }
    if (bytes != 0 && t.data == nullptr && !t.stream) fail("tensor '" + t.name + "' has no data");
    if (json.size() > 1) json += ',';
    emit_string(json, t.name);
    json += ":{\"dtype\":";
    emit_string(json, dtype_name(t.dtype));
    json += ",\"shape\":[";
    for (size_t i = 0; i < t.shape.size(); ++i) json += (i ? "," : "") + std::to_string(t.shape[i]);
    json += "],\"data_offsets\":[" + std::to_string(offset) + "," + std::to_string(offset + bytes) + "]}";
    offset += bytes;
    sizes.push_back(bytes);
  }
  json += '}';
  // Aligning the data lets a reader map the file and use the tensors in place.
  json.append((8 - json.size() % 8) % 8, ' ');

  BinaryWriter out(path);
  uint8_t size_le[8];
  for (int k = 0; k < 8; ++k) size_le[k] = uint8_t(uint64_t(json.size()) >> (8 * k));
  out.bytes(size_le, 8);
  out.bytes(json.data(), json.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    if (tensors[i].data != nullptr || !tensors[i].stream) {
      out.bytes(tensors[i].data, size_t(sizes[i]));
      continue;
    }
    uint64_t streamed = 0;
    tensors[i].stream([&](const void* data, size_t n) {
      if (n > sizes[i] - streamed) fail("tensor '" + tensors[i].name + "' streamed more bytes than its shape holds");
      out.bytes(data, n);
      streamed += n;
    });
    if (streamed != sizes[i]) fail("tensor '" + tensors[i].name + "' streamed fewer bytes than its shape holds");
  }
  out.commit();
}

Reader::Reader(const std::string& path) : path_(path) {
  auto bad = [&](const std::string& why) {
    throw RangeError("polychron: " + path + " is not a safetensors file (" + why + ")");
  };
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw RangeError("polychron: cannot open " + path + ": " + errno_text());
  try {
    struct stat st;
    if (::fstat(fd_, &st) != 0) throw RangeError("polychron: cannot stat " + path + ": " + errno_text());
    if (!S_ISREG(st.st_mode)) bad("it is not a regular file");
    const uint64_t file_size = uint64_t(st.st_size);
    if (file_size < 8) bad("it is " + std::to_string(file_size) + " bytes long, too short for the header size");
    uint8_t size_le[8];
    read_at(fd_, size_le, 8, 0, path);
    uint64_t n = 0;
    for (int k = 7; k >= 0; --k) n = (n << 8) | size_le[k];
    if (n > file_size - 8) bad("header size " + std::to_string(n) + " is larger than the file");
    if (n > kMaxHeader) bad("header size " + std::to_string(n) + " is larger than the 100 MB limit");
    std::string header(size_t(n), '\0');
    read_at(fd_, header.data(), n, 8, path);
    if (!valid_utf8(header)) bad("the header is not UTF-8");
    HeaderParser(header, path).parse(metadata_, tensors_);
    data_start_ = 8 + n;
    const uint64_t data_size = file_size - data_start_;

    // Check each tensor alone, then that together they tile the buffer exactly.
    std::vector<std::pair<std::pair<uint64_t, uint64_t>, const std::string*>> ranges;
    for (const auto& [name, t] : tensors_) {
      uint64_t bytes;
      if (!byte_count(t.shape, t.dtype, bytes)) bad("the shape of tensor '" + name + "' overflows");
      if (t.begin > t.end) bad("tensor '" + name + "' has data_offsets that end before they begin");
      if (t.end - t.begin != bytes) {
        bad("tensor '" + name + "' is " + describe(t.dtype, t.shape) + ", " + std::to_string(bytes) +
            " bytes, but its data_offsets span " + std::to_string(t.end - t.begin));
      }
      ranges.push_back({{t.begin, t.end}, &name});
    }
    const auto last = std::max_element(ranges.begin(), ranges.end(),
                                       [](const auto& a, const auto& b) { return a.first.second < b.first.second; });
    if (last != ranges.end() && last->first.second > data_size) {
      bad("the file is truncated or the offsets are wrong: tensor '" + *last->second + "' ends at byte " +
          std::to_string(last->first.second) + " of the data, which holds " + std::to_string(data_size));
    }
    std::sort(ranges.begin(), ranges.end());
    uint64_t covered = 0;
    for (const auto& [range, name] : ranges) {
      if (range.first < covered) bad("tensor '" + *name + "' overlaps the tensor before it");
      if (range.first > covered) {
        bad("the data has a gap of " + std::to_string(range.first - covered) + " bytes before tensor '" + *name + "'");
      }
      covered = range.second;
    }
    if (covered != data_size) {
      bad("the file has " + std::to_string(data_size - covered) + " more bytes than its tensors cover");
    }
  } catch (...) {
    ::close(fd_);
    fd_ = -1;
    throw;
  }
}

Reader::~Reader() { ::close(fd_); }

const TensorInfo& Reader::info(const std::string& name) const {
  auto it = tensors_.find(name);
  if (it == tensors_.end()) throw RangeError("polychron: " + path_ + " has no tensor '" + name + "'");
  return it->second;
}

void Reader::read(const std::string& name, DType dtype, const std::vector<uint64_t>& shape, void* dst) {
  const TensorInfo& t = info(name);
  if (t.dtype != dtype || t.shape != shape) {
    throw RangeError("polychron: " + path_ + ": tensor '" + name + "' should be " + describe(dtype, shape) +
                     " but is " + describe(t.dtype, t.shape));
  }
  read_at(fd_, dst, t.end - t.begin, data_start_ + t.begin, path_);
}

void Reader::read_bytes(const std::string& name, uint64_t offset, uint64_t bytes, void* dst) {
  const TensorInfo& t = info(name);
  if (offset > t.end - t.begin || bytes > t.end - t.begin - offset) {
    throw RangeError("polychron: " + path_ + ": bytes [" + std::to_string(offset) + ", " + std::to_string(offset + bytes) +
                     ") lie outside tensor '" + name + "'");
  }
  read_at(fd_, dst, bytes, data_start_ + t.begin + offset, path_);
}

std::string Reader::meta(const std::string& key) const {
  auto it = metadata_.find(key);
  if (it == metadata_.end()) throw RangeError("polychron: " + path_ + " has no metadata '" + key + "'");
  return it->second;
}

}  // namespace safetensors
}  // namespace polychron
