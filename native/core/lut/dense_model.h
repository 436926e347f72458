// A trained dense network to convert into a LUT network (lut/classifier.h distils it):
// a chain of fully connected layers y = W·x + b, each followed by an activation.
// Read from a safetensors file of weights (PyTorch's Linear layout) or from an ONNX
// model's graph and initializers; anything that is not such a chain (convolutions,
// normalisation, branches) is refused with the reason, so a conversion never runs on a
// model it does not understand.
//
// Layout: each layer keeps its weights transposed, `weights[i * outputs + j]` = W[j][i],
// so that the forward loop adds x[i] times one contiguous row into the outputs (it skips
// the zeros that images are full of, and vectorises without reassociating any sum).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace polychron {

enum class DenseActivation { None, Relu, Tanh, Sigmoid };
const char* dense_activation_name(DenseActivation activation);
DenseActivation parse_dense_activation(const std::string& name);  // RangeError naming the options

struct DenseLayer {
  uint32_t inputs = 0, outputs = 0;
  std::vector<float> weights;  // inputs × outputs, transposed (see above)
  std::vector<float> bias;     // outputs
  DenseActivation activation = DenseActivation::None;
};

class DenseModel {
 public:
  // RangeError unless the layers chain (each one's outputs are the next one's inputs).
  DenseModel(std::vector<DenseLayer> layers, std::string format);

  uint32_t inputs() const { return layers_.front().inputs; }
  uint32_t outputs() const { return layers_.back().outputs; }
  const std::vector<DenseLayer>& layers() const { return layers_; }
  const std::string& format() const { return format_; }  // "onnx" or "safetensors"
  uint64_t parameters() const;
  uint64_t multiply_accumulates() const;  // per input

  // The outputs (logits) of one input; scratch is resized as needed.
  void logits(const float* x, float* out, std::vector<float>& scratch) const;
  // count inputs (count × inputs) on `threads` threads; the numbers do not depend on it.
  void logits(const float* xs, uint64_t count, float* out, unsigned threads) const;

 private:
  std::vector<DenseLayer> layers_;
  std::string format_;
  uint32_t widest_ = 0;  // the most outputs of any layer: the size of each forward scratch half
};

// Reads a model by its file's content (a safetensors header or an ONNX protobuf).
// `hidden` is the activation after every layer but the last in a safetensors file,
// which does not record it (an ONNX graph does, and `hidden` is ignored there).
// memory_limit caps the bytes read. RangeError naming the file for anything refused.
DenseModel load_dense_model(const std::string& path, DenseActivation hidden, uint64_t memory_limit);
DenseModel load_dense_onnx(const std::string& path, uint64_t memory_limit);
DenseModel load_dense_safetensors(const std::string& path, DenseActivation hidden, uint64_t memory_limit);

}  // namespace polychron
