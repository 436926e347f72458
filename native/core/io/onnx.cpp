#include "core/io/onnx.h"

#include <cerrno>
#include <cstring>
#include <fstream>

#include <sys/stat.h>

#include "core/errors.h"
#include "core/io/float16.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "io/onnx.cpp assumes a little-endian host"
#endif

namespace polychron {
namespace onnx {

namespace {

// onnx.proto's field numbers, for the messages read here.
namespace field {
constexpr uint32_t kModelProducer = 2, kModelGraph = 7, kModelOpset = 8;
constexpr uint32_t kOpsetDomain = 1, kOpsetVersion = 2;
constexpr uint32_t kGraphNode = 1, kGraphInitializer = 5, kGraphInput = 11, kGraphOutput = 12, kGraphSparse = 15;
constexpr uint32_t kNodeInput = 1, kNodeOutput = 2, kNodeName = 3, kNodeOp = 4, kNodeAttribute = 5, kNodeDomain = 7;
constexpr uint32_t kAttrName = 1, kAttrFloat = 2, kAttrInt = 3, kAttrTensor = 5, kAttrInts = 8;
constexpr uint32_t kTensorDims = 1, kTensorType = 2, kTensorFloats = 4, kTensorInt32s = 5, kTensorInt64s = 7,
                   kTensorName = 8, kTensorRaw = 9, kTensorDoubles = 10, kTensorExternal = 13, kTensorLocation = 14;
constexpr uint32_t kValueInfoName = 1;
}  // namespace field

// TensorProto.DataType values read here.
enum : int64_t { kFloat = 1, kInt32 = 6, kInt64 = 7, kFloat16 = 10, kDouble = 11 };

// Elements a tensor may declare: with the file-size check below this bounds every allocation.
constexpr uint64_t kMaxElements = uint64_t(1) << 40;

enum Wire : uint32_t { kVarint = 0, kFixed64 = 1, kBytes = 2, kFixed32 = 5 };

// A view of one message's bytes, read field by field. Every read checks what remains.
class Cursor {
 public:
  Cursor(const uint8_t* begin, const uint8_t* end, const std::string& name) : p_(begin), end_(end), name_(&name) {}

  bool done() const { return p_ >= end_; }

  [[noreturn]] void fail(const std::string& why) const {
    throw RangeError("polychron: " + *name_ + " is not a valid ONNX model (" + why + ")");
  }

  uint64_t varint() {
    uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ >= end_) fail("a number runs past the end of its message");
      const uint8_t byte = *p_++;
      value |= uint64_t(byte & 0x7F) << shift;
      if ((byte & 0x80) == 0) return value;
    }
    fail("a number is longer than 10 bytes");
  }

  template <typename T>
  T fixed() {
    if (uint64_t(end_ - p_) < sizeof(T)) fail("a fixed-size number runs past the end of its message");
    T value;
    std::memcpy(&value, p_, sizeof(T));
    p_ += sizeof(T);
    return value;
  }

  // The next length-delimited field's bytes.
  Cursor bytes() {
    const uint64_t n = varint();
    if (n > uint64_t(end_ - p_)) fail("a field declares " + std::to_string(n) + " bytes, more than remain");
    Cursor inner(p_, p_ + n, *name_);
    p_ += n;
    return inner;
  }

  std::string string() {
    Cursor c = bytes();
    return std::string(reinterpret_cast<const char*>(c.p_), size_t(c.end_ - c.p_));
  }

  // Reads a field key; false at the end of the message.
  bool next(uint32_t& number, uint32_t& wire) {
    if (done()) return false;
    const uint64_t key = varint();
    number = uint32_t(key >> 3);
    wire = uint32_t(key & 7);
    if (number == 0) fail("a field has number 0");
    return true;
  }

  void skip(uint32_t wire) {
    switch (wire) {
      case kVarint: varint(); return;
      case kFixed64: fixed<uint64_t>(); return;
      case kFixed32: fixed<uint32_t>(); return;
      case kBytes: bytes(); return;
      default: fail("wire type " + std::to_string(wire) + " is not used by ONNX");
    }
  }

  void expect(uint32_t wire, uint32_t want, const char* what) const {
    if (wire != want) fail(std::string(what) + " has the wrong wire type");
  }

  // A repeated integer field, packed or not, appended to out.
  void ints(uint32_t wire, std::vector<int64_t>& out) {
    if (wire == kVarint) {
      out.push_back(int64_t(varint()));
      return;
    }
    expect(wire, kBytes, "a repeated integer");
    Cursor packed = bytes();
    while (!packed.done()) out.push_back(int64_t(packed.varint()));
  }

  // A repeated fixed-size field (float, double), packed or not, appended as float.
  template <typename T>
  void reals(uint32_t wire, std::vector<float>& out) {
    if (wire == (sizeof(T) == 4 ? kFixed32 : kFixed64)) {
      out.push_back(float(fixed<T>()));
      return;
    }
    expect(wire, kBytes, "a repeated real number");
    Cursor packed = bytes();
    if ((packed.end_ - packed.p_) % sizeof(T) != 0) fail("a packed array's length is not a multiple of its element size");
    while (!packed.done()) out.push_back(float(packed.fixed<T>()));
  }

  const uint8_t* begin() const { return p_; }
  uint64_t size() const { return uint64_t(end_ - p_); }
  const std::string& name() const { return *name_; }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
  const std::string* name_;  // a pointer, not a reference: cursors are assigned
};

Tensor read_tensor(Cursor c, std::string* tensor_name) {
  Tensor t;
  int64_t type = 0;
  bool external = false;
  Cursor raw(nullptr, nullptr, c.name());
  bool has_raw = false;
  std::vector<int64_t> int_data;
  uint32_t number, wire;
  while (c.next(number, wire)) {
    switch (number) {
      case field::kTensorDims: c.ints(wire, t.dims); break;
      case field::kTensorType: c.expect(wire, kVarint, "data_type"); type = int64_t(c.varint()); break;
      case field::kTensorFloats: c.reals<float>(wire, t.floats); break;
      case field::kTensorDoubles: c.reals<double>(wire, t.floats); break;
      case field::kTensorInt32s:
      case field::kTensorInt64s: c.ints(wire, int_data); break;
      case field::kTensorName:
        c.expect(wire, kBytes, "a tensor name");
        if (tensor_name != nullptr) *tensor_name = c.string(); else c.skip(wire);
        break;
      case field::kTensorRaw: c.expect(wire, kBytes, "raw_data"); raw = c.bytes(); has_raw = true; break;
      case field::kTensorExternal: external = true; c.skip(wire); break;
      case field::kTensorLocation: c.expect(wire, kVarint, "data_location"); external |= c.varint() == 1; break;
      default: c.skip(wire);
    }
  }
  const std::string label = tensor_name != nullptr && !tensor_name->empty() ? "tensor '" + *tensor_name + "'" : "a tensor";
  if (external) {
    c.fail(label + " keeps its data in an external file; polychron reads only self-contained models "
           "(save the model with its weights inside, e.g. onnx.save(model, path, save_as_external_data=False))");
  }
  uint64_t n = 1;
  for (int64_t d : t.dims) {
    if (d < 0 || (d > 0 && n > kMaxElements / uint64_t(d))) c.fail(label + " declares an impossible shape");
    n *= uint64_t(d);
  }
  const auto check_count = [&](uint64_t got) {
    if (got != n) c.fail(label + " holds " + std::to_string(got) + " values but its shape needs " + std::to_string(n));
  };
  switch (type) {
    case kFloat:
    case kFloat16:
    case kDouble: {
      t.is_float = true;
      if (has_raw) {
        const uint64_t size = type == kFloat ? 4 : type == kDouble ? 8 : 2;
        if (raw.size() != n * size) c.fail(label + " has " + std::to_string(raw.size()) + " bytes of data but its shape needs " + std::to_string(n * size));
        t.floats.resize(n);
        const uint8_t* p = raw.begin();
        for (uint64_t k = 0; k < n; ++k) {
          if (type == kFloat) {
            std::memcpy(&t.floats[k], p + 4 * k, 4);
          } else if (type == kDouble) {
            double v;
            std::memcpy(&v, p + 8 * k, 8);
            t.floats[k] = float(v);
          } else {
            uint16_t h;
            std::memcpy(&h, p + 2 * k, 2);
            t.floats[k] = half_to_float(h);
          }
        }
      } else if (type == kFloat16) {
        // FLOAT16 without raw data keeps each value's bits in int32_data.
        t.floats.clear();
        for (int64_t bits : int_data) t.floats.push_back(half_to_float(uint16_t(bits)));
      }
      check_count(t.floats.size());
      break;
    }
    case kInt64:
    case kInt32: {
      if (has_raw) {
        const uint64_t size = type == kInt64 ? 8 : 4;
        if (raw.size() != n * size) c.fail(label + " has " + std::to_string(raw.size()) + " bytes of data but its shape needs " + std::to_string(n * size));
        for (uint64_t k = 0; k < n; ++k) {
          if (type == kInt64) {
            int64_t v;
            std::memcpy(&v, raw.begin() + 8 * k, 8);
            t.ints.push_back(v);
          } else {
            int32_t v;
            std::memcpy(&v, raw.begin() + 4 * k, 4);
            t.ints.push_back(v);
          }
        }
      } else {
        t.ints = std::move(int_data);
      }
      check_count(t.ints.size());
      break;
    }
    default:
      // Other element types (strings, booleans, 8-bit integers) never make up a dense
      // network's weights; they are kept as an empty tensor and refused where used.
      t.dims.clear();
  }
  return t;
}

void read_attribute(Cursor c, Node& node) {
  std::string name;
  Attribute a;
  uint32_t number, wire;
  while (c.next(number, wire)) {
    switch (number) {
      case field::kAttrName: c.expect(wire, kBytes, "an attribute name"); name = c.string(); break;
      case field::kAttrFloat: c.expect(wire, kFixed32, "an attribute float"); a.f = c.fixed<float>(); break;
      case field::kAttrInt: c.expect(wire, kVarint, "an attribute int"); a.i = int64_t(c.varint()); break;
      case field::kAttrInts: c.ints(wire, a.ints); break;
      case field::kAttrTensor:
        c.expect(wire, kBytes, "an attribute tensor");
        a.tensor = read_tensor(c.bytes(), nullptr);
        a.has_tensor = true;
        break;
      default: c.skip(wire);  // strings, sub-graphs: not part of a dense network
    }
  }
  node.attributes[name] = std::move(a);
}

Node read_node(Cursor c) {
  Node node;
  uint32_t number, wire;
  while (c.next(number, wire)) {
    switch (number) {
      case field::kNodeInput: c.expect(wire, kBytes, "a node input"); node.inputs.push_back(c.string()); break;
      case field::kNodeOutput: c.expect(wire, kBytes, "a node output"); node.outputs.push_back(c.string()); break;
      case field::kNodeName: c.expect(wire, kBytes, "a node name"); node.name = c.string(); break;
      case field::kNodeOp: c.expect(wire, kBytes, "an op_type"); node.op_type = c.string(); break;
      case field::kNodeDomain: c.expect(wire, kBytes, "a node domain"); node.domain = c.string(); break;
      case field::kNodeAttribute: c.expect(wire, kBytes, "an attribute"); read_attribute(c.bytes(), node); break;
      default: c.skip(wire);
    }
  }
  return node;
}

std::string value_info_name(Cursor c) {
  std::string name;
  uint32_t number, wire;
  while (c.next(number, wire)) {
    if (number == field::kValueInfoName && wire == kBytes) name = c.string(); else c.skip(wire);
  }
  return name;
}

void read_graph(Cursor c, Model& model) {
  std::vector<std::string> declared_inputs;
  uint32_t number, wire;
  while (c.next(number, wire)) {
    switch (number) {
      case field::kGraphNode: c.expect(wire, kBytes, "a node"); model.nodes.push_back(read_node(c.bytes())); break;
      case field::kGraphInitializer: {
        c.expect(wire, kBytes, "an initializer");
        std::string name;
        Tensor t = read_tensor(c.bytes(), &name);
        if (name.empty()) c.fail("an initializer has no name");
        model.constants[name] = std::move(t);
        break;
      }
      case field::kGraphSparse: c.fail("the graph has a sparse initializer; polychron reads dense weights only");
      case field::kGraphInput: c.expect(wire, kBytes, "a graph input"); declared_inputs.push_back(value_info_name(c.bytes())); break;
      case field::kGraphOutput: c.expect(wire, kBytes, "a graph output"); model.outputs.push_back(value_info_name(c.bytes())); break;
      default: c.skip(wire);
    }
  }
  // Older exporters list initializers among the inputs too; those are not fed by a caller.
  for (auto& name : declared_inputs) {
    if (model.constants.count(name) == 0) model.inputs.push_back(std::move(name));
  }
}

}  // namespace

uint64_t Tensor::elements() const {
  uint64_t n = 1;
  for (int64_t d : dims) n *= uint64_t(d);
  return n;
}

int64_t Node::int_attribute(const std::string& key, int64_t fallback) const {
  const auto it = attributes.find(key);
  return it == attributes.end() ? fallback : it->second.i;
}

float Node::float_attribute(const std::string& key, float fallback) const {
  const auto it = attributes.find(key);
  return it == attributes.end() ? fallback : it->second.f;
}

Model parse(const uint8_t* data, uint64_t size, const std::string& name) {
  Model model;
  Cursor c(data, data + size, name);
  bool has_graph = false;
  uint32_t number, wire;
  while (c.next(number, wire)) {
    switch (number) {
      case field::kModelProducer: c.expect(wire, kBytes, "producer_name"); model.producer = c.string(); break;
      case field::kModelGraph:
        c.expect(wire, kBytes, "the graph");
        read_graph(c.bytes(), model);
        has_graph = true;
        break;
      case field::kModelOpset: {
        c.expect(wire, kBytes, "an opset import");
        Cursor opset = c.bytes();
        std::string domain;
        int64_t version = 0;
        uint32_t n2, w2;
        while (opset.next(n2, w2)) {
          if (n2 == field::kOpsetDomain && w2 == kBytes) domain = opset.string();
          else if (n2 == field::kOpsetVersion && w2 == kVarint) version = int64_t(opset.varint());
          else opset.skip(w2);
        }
        if (domain.empty() || domain == "ai.onnx") model.opset = version;
        break;
      }
      default: c.skip(wire);
    }
  }
  if (!has_graph) c.fail("it has no graph");
  return model;
}

Model read(const std::string& path, uint64_t memory_limit) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) throw RangeError("polychron: cannot open " + path + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) throw RangeError("polychron: " + path + " is not a regular file");
  const uint64_t size = uint64_t(st.st_size);
  // Every tensor is converted to float (at most 2× the bytes of FLOAT16 data) beside the file's bytes.
  if (size > memory_limit / 3) {
    throw RangeError("polychron: " + path + " is " + std::to_string(size) + " bytes; reading it needs up to 3× that, " +
                     "more than the memory limit of " + std::to_string(memory_limit) + " bytes (memoryLimit)");
  }
  std::vector<uint8_t> bytes(size);
  std::ifstream in(path, std::ios::binary);
  if (!in || !in.read(reinterpret_cast<char*>(bytes.data()), std::streamsize(size))) {
    throw RangeError("polychron: cannot read " + path + ": " + std::strerror(errno));
  }
  return parse(bytes.data(), size, path);
}

}  // namespace onnx
}  // namespace polychron
