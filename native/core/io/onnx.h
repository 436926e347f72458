// The parts of an ONNX model (https://onnx.ai, onnx/onnx.proto) that a dense network is
// made of: the graph's nodes in order, its inputs and outputs, and its constant tensors
// (initializers and Constant nodes). ONNX files are protocol-buffer messages; this is a
// small reader of the wire format for exactly those fields, so that no protobuf library
// is needed.
//
// The file is untrusted: every length is checked against the bytes that remain before
// anything is read or allocated, tensors whose data lives outside the file (external
// data) are refused rather than followed, and the whole file must fit the memory limit.
// Every error is a RangeError naming the file.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace polychron {
namespace onnx {

// A constant tensor, converted to float (FLOAT, FLOAT16, DOUBLE) or kept as integers
// (INT64, INT32: the shapes that Reshape reads).
struct Tensor {
  std::vector<int64_t> dims;
  std::vector<float> floats;    // FLOAT, FLOAT16, DOUBLE
  std::vector<int64_t> ints;    // INT64, INT32
  bool is_float = false;
  uint64_t elements() const;
};

struct Attribute {
  int64_t i = 0;
  float f = 0;
  std::vector<int64_t> ints;
  bool has_tensor = false;
  Tensor tensor;  // a Constant node's value
};

struct Node {
  std::string op_type, name, domain;
  std::vector<std::string> inputs, outputs;
  std::map<std::string, Attribute> attributes;
  // The attribute's integer, or `fallback` when the node does not set it.
  int64_t int_attribute(const std::string& key, int64_t fallback) const;
  float float_attribute(const std::string& key, float fallback) const;
};

struct Model {
  std::string producer;
  int64_t opset = 0;                         // of the default ("" / "ai.onnx") domain
  std::vector<Node> nodes;                    // topologically sorted, as the format requires
  std::vector<std::string> inputs, outputs;  // graph inputs (initializers listed as inputs removed) and outputs
  std::map<std::string, Tensor> constants;    // initializers by name
};

// Reads and checks `path`. memory_limit caps the file's size (and so every tensor).
Model read(const std::string& path, uint64_t memory_limit);
// The same from bytes already in memory (`name` names them in errors).
Model parse(const uint8_t* data, uint64_t size, const std::string& name);

}  // namespace onnx
}  // namespace polychron
