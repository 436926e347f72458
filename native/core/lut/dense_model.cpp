#include "core/lut/dense_model.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>

#include "core/errors.h"
#include "core/io/float16.h"
#include "core/io/onnx.h"
#include "core/io/safetensors.h"
#include "core/thread_pool.h"

namespace polychron {

namespace {

void activate(DenseActivation activation, float* y, uint32_t n) {
  switch (activation) {
    case DenseActivation::Relu:
      for (uint32_t j = 0; j < n; ++j) y[j] = y[j] > 0 ? y[j] : 0.0f;
      break;
    case DenseActivation::Tanh:
      for (uint32_t j = 0; j < n; ++j) y[j] = std::tanh(y[j]);
      break;
    case DenseActivation::Sigmoid:
      for (uint32_t j = 0; j < n; ++j) y[j] = 1.0f / (1.0f + std::exp(-y[j]));
      break;
    case DenseActivation::None: break;
  }
}

std::string shape_text(const std::vector<int64_t>& dims) {
  std::string s = "[";
  for (size_t k = 0; k < dims.size(); ++k) s += (k ? ", " : "") + std::to_string(dims[k]);
  return s + "]";
}

// "fc10" after "fc9", "layers.10" after "layers.2": digit runs compare as numbers.
bool natural_less(const std::string& a, const std::string& b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (std::isdigit(static_cast<unsigned char>(a[i])) && std::isdigit(static_cast<unsigned char>(b[j]))) {
      size_t i2 = i, j2 = j;
      while (i2 < a.size() && std::isdigit(static_cast<unsigned char>(a[i2]))) ++i2;
      while (j2 < b.size() && std::isdigit(static_cast<unsigned char>(b[j2]))) ++j2;
      const std::string na = a.substr(i, i2 - i), nb = b.substr(j, j2 - j);
      const size_t za = na.find_first_not_of('0'), zb = nb.find_first_not_of('0');
      const std::string ta = za == std::string::npos ? "" : na.substr(za), tb = zb == std::string::npos ? "" : nb.substr(zb);
      if (ta.size() != tb.size()) return ta.size() < tb.size();
      if (ta != tb) return ta < tb;
      i = i2;
      j = j2;
    } else {
      if (a[i] != b[j]) return a[i] < b[j];
      ++i;
      ++j;
    }
  }
  return a.size() - i < b.size() - j;
}

}  // namespace

const char* dense_activation_name(DenseActivation activation) {
  switch (activation) {
    case DenseActivation::Relu: return "relu";
    case DenseActivation::Tanh: return "tanh";
    case DenseActivation::Sigmoid: return "sigmoid";
    case DenseActivation::None: break;
  }
  return "none";
}

DenseActivation parse_dense_activation(const std::string& name) {
  if (name == "relu") return DenseActivation::Relu;
  if (name == "tanh") return DenseActivation::Tanh;
  if (name == "sigmoid") return DenseActivation::Sigmoid;
  if (name == "none") return DenseActivation::None;
  throw RangeError("polychron: activation must be 'relu', 'tanh', 'sigmoid' or 'none' (got '" + name + "')");
}

DenseModel::DenseModel(std::vector<DenseLayer> layers, std::string format)
    : layers_(std::move(layers)), format_(std::move(format)) {
  if (layers_.empty()) throw RangeError("polychron: a dense model needs at least one layer");
  for (size_t l = 0; l < layers_.size(); ++l) {
    const DenseLayer& layer = layers_[l];
    if (layer.inputs == 0 || layer.outputs == 0 || layer.weights.size() != uint64_t(layer.inputs) * layer.outputs ||
        layer.bias.size() != layer.outputs) {
      throw RangeError("polychron: dense layer " + std::to_string(l) + " has inconsistent sizes");
    }
    if (l > 0 && layer.inputs != layers_[l - 1].outputs) {
      throw RangeError("polychron: dense layer " + std::to_string(l) + " reads " + std::to_string(layer.inputs) +
                       " values but layer " + std::to_string(l - 1) + " gives " + std::to_string(layers_[l - 1].outputs));
    }
    widest_ = std::max(widest_, layer.outputs);
  }
}

uint64_t DenseModel::parameters() const {
  uint64_t n = 0;
  for (const DenseLayer& layer : layers_) n += layer.weights.size() + layer.bias.size();
  return n;
}

uint64_t DenseModel::multiply_accumulates() const {
  uint64_t n = 0;
  for (const DenseLayer& layer : layers_) n += layer.weights.size();
  return n;
}

void DenseModel::logits(const float* x, float* out, std::vector<float>& scratch) const {
  const uint32_t widest = widest_;
  scratch.resize(2 * size_t(widest));
  const float* in = x;
  for (size_t l = 0; l < layers_.size(); ++l) {
    const DenseLayer& layer = layers_[l];
    float* y = l + 1 == layers_.size() ? out : scratch.data() + (l % 2) * widest;
    std::copy(layer.bias.begin(), layer.bias.end(), y);
    for (uint32_t i = 0; i < layer.inputs; ++i) {
      const float xi = in[i];
      if (xi == 0.0f) continue;
      const float* w = layer.weights.data() + uint64_t(i) * layer.outputs;
      for (uint32_t j = 0; j < layer.outputs; ++j) y[j] += xi * w[j];
    }
    activate(layer.activation, y, layer.outputs);
    in = y;
  }
}

void DenseModel::logits(const float* xs, uint64_t count, float* out, unsigned threads) const {
  ThreadPool pool(std::max(1u, std::min<unsigned>(threads, unsigned(std::max<uint64_t>(1, count)))));
  pool.run([&](unsigned k) {
    uint64_t begin, end;
    split_range(count, pool.size(), k, begin, end);
    std::vector<float> scratch;
    for (uint64_t n = begin; n < end; ++n) logits(xs + n * inputs(), out + n * outputs(), scratch);
  });
}

DenseModel load_dense_onnx(const std::string& path, uint64_t memory_limit) {
  onnx::Model model = onnx::read(path, memory_limit);
  const auto fail = [&](const std::string& why) -> void {
    throw RangeError("polychron: cannot convert " + path + ": " + why);
  };
  const std::string supported = "polychron converts chains of dense layers: Gemm, MatMul, Add (a bias), Relu, Tanh, "
                                "Sigmoid, Flatten, Reshape, Identity, Dropout and a final Softmax";
  if (model.inputs.size() != 1) fail("its graph has " + std::to_string(model.inputs.size()) + " inputs; a dense network has one");
  if (model.outputs.size() != 1) fail("its graph has " + std::to_string(model.outputs.size()) + " outputs; a dense network has one");
  std::vector<DenseLayer> layers;
  std::string current = model.inputs[0];
  bool after_layer = false;  // the last node made a layer (an Add may give it its bias)
  bool ended = false;        // a final Softmax was seen: only Identity may follow
  const auto weight = [&](const std::string& name, const std::string& where) -> const onnx::Tensor& {
    const auto it = model.constants.find(name);
    if (it == model.constants.end()) fail(where + " reads '" + name + "', which is not a constant weight");
    if (!it->second.is_float) fail(where + " has weights '" + name + "' that are not floating point");
    return it->second;
  };
  for (const onnx::Node& node : model.nodes) {
    const std::string& op = node.op_type;
    const std::string where = "node '" + node.name + "' (" + op + ")";
    if (!node.domain.empty() && node.domain != "ai.onnx") fail(where + " is from operator set '" + node.domain + "'; " + supported);
    if (op == "Constant") {
      const auto value = node.attributes.find("value");
      if (node.outputs.size() != 1 || value == node.attributes.end() || !value->second.has_tensor) {
        fail(where + " holds no tensor value");
      }
      model.constants[node.outputs[0]] = value->second.tensor;
      continue;
    }
    if (node.inputs.empty() || node.inputs[0] != current || node.outputs.empty()) {
      fail(where + " does not read the previous node's output; " + supported);
    }
    if (ended && op != "Identity") fail(where + " follows the final Softmax");
    bool made_layer = false;
    if (op == "Gemm" || op == "MatMul") {
      const bool gemm = op == "Gemm";
      if (gemm && node.int_attribute("transA", 0) != 0) fail(where + " transposes its input (transA)");
      const bool trans_b = gemm && node.int_attribute("transB", 0) != 0;
      const float alpha = gemm ? node.float_attribute("alpha", 1.0f) : 1.0f;
      const onnx::Tensor& b = weight(node.inputs.size() > 1 ? node.inputs[1] : "", where);
      if (b.dims.size() != 2 || b.dims[0] == 0 || b.dims[1] == 0) fail(where + " has weights of shape " + shape_text(b.dims) + "; a dense layer's are 2-D");
      DenseLayer layer;
      const uint64_t rows = uint64_t(b.dims[0]), cols = uint64_t(b.dims[1]);
      layer.inputs = uint32_t(trans_b ? cols : rows);
      layer.outputs = uint32_t(trans_b ? rows : cols);
      layer.weights.resize(rows * cols);
      for (uint64_t i = 0; i < layer.inputs; ++i) {
        for (uint64_t j = 0; j < layer.outputs; ++j) {
          layer.weights[i * layer.outputs + j] = alpha * (trans_b ? b.floats[j * cols + i] : b.floats[i * cols + j]);
        }
      }
      layer.bias.assign(layer.outputs, 0.0f);
      if (gemm && node.inputs.size() > 2 && !node.inputs[2].empty()) {
        const onnx::Tensor& c = weight(node.inputs[2], where);
        const float beta = node.float_attribute("beta", 1.0f);
        if (c.elements() != layer.outputs && c.elements() != 1) fail(where + " has a bias of shape " + shape_text(c.dims));
        for (uint32_t j = 0; j < layer.outputs; ++j) layer.bias[j] = beta * c.floats[c.elements() == 1 ? 0 : j];
      }
      if (!layers.empty() && layers.back().outputs != layer.inputs) {
        fail(where + " reads " + std::to_string(layer.inputs) + " values but the layer before gives " + std::to_string(layers.back().outputs));
      }
      layers.push_back(std::move(layer));
      made_layer = true;
    } else if (op == "Add") {
      if (!after_layer || node.inputs.size() != 2) fail(where + " is not a bias added right after a Gemm or MatMul");
      const onnx::Tensor& c = weight(node.inputs[1], where);
      DenseLayer& layer = layers.back();
      if (c.elements() != layer.outputs && c.elements() != 1) fail(where + " adds a tensor of shape " + shape_text(c.dims));
      for (uint32_t j = 0; j < layer.outputs; ++j) layer.bias[j] += c.floats[c.elements() == 1 ? 0 : j];
      made_layer = true;  // still right after the layer: no activation yet
    } else if (op == "Relu" || op == "Tanh" || op == "Sigmoid") {
      if (layers.empty() || layers.back().activation != DenseActivation::None) {
        fail(where + " is not an activation right after a dense layer");
      }
      layers.back().activation = op == "Relu" ? DenseActivation::Relu : op == "Tanh" ? DenseActivation::Tanh : DenseActivation::Sigmoid;
    } else if (op == "Flatten") {
      if (node.int_attribute("axis", 1) != 1) fail(where + " flattens from axis " + std::to_string(node.int_attribute("axis", 1)) + "; only axis 1 keeps one vector per input");
    } else if (op == "Reshape") {
      const onnx::Tensor* shape = nullptr;
      if (node.inputs.size() > 1) {
        const auto it = model.constants.find(node.inputs[1]);
        if (it != model.constants.end()) shape = &it->second;
      }
      if (shape == nullptr || shape->ints.size() != 2) fail(where + " does not reshape to one vector per input ([batch, features])");
    } else if (op == "Softmax" || op == "LogSoftmax") {
      // Conversion distils logits; a final (log-)softmax keeps their order and is dropped.
      if (layers.empty()) fail(where + " comes before any dense layer");
      ended = true;
    } else if (op != "Identity" && op != "Dropout") {
      fail("it has " + where + ", which is not part of a dense network; " + supported);
    }
    after_layer = made_layer;
    current = node.outputs[0];
  }
  if (layers.empty()) fail("its graph has no dense layer (Gemm or MatMul)");
  if (model.outputs[0] != current) fail("its output '" + model.outputs[0] + "' is not the end of the chain of layers");
  return DenseModel(std::move(layers), "onnx");
}

DenseModel load_dense_safetensors(const std::string& path, DenseActivation hidden, uint64_t memory_limit) {
  safetensors::Reader reader(path);
  const auto fail = [&](const std::string& why) -> void {
    throw RangeError("polychron: cannot convert " + path + ": " + why);
  };
  struct Pair { const safetensors::TensorInfo* weight = nullptr; const safetensors::TensorInfo* bias = nullptr; };
  std::map<std::string, Pair> by_layer;
  uint64_t bytes = 0;
  for (const auto& [name, info] : reader.tensors()) {
    const bool is_weight = name == "weight" || (name.size() > 7 && name.compare(name.size() - 7, 7, ".weight") == 0);
    const bool is_bias = name == "bias" || (name.size() > 5 && name.compare(name.size() - 5, 5, ".bias") == 0);
    if (!is_weight && !is_bias) {
      fail("tensor '" + name + "' is neither a layer's weight nor its bias; polychron converts dense (Linear) layers, "
           "stored as NAME.weight [outputs, inputs] and NAME.bias [outputs]");
    }
    if (info.dtype != safetensors::DType::F32 && info.dtype != safetensors::DType::F16 &&
        info.dtype != safetensors::DType::BF16 && info.dtype != safetensors::DType::F64) {
      fail("tensor '" + name + "' has dtype " + safetensors::dtype_name(info.dtype) + "; weights must be F32, F16, BF16 or F64");
    }
    bytes += (info.end - info.begin) / safetensors::dtype_size(info.dtype) * sizeof(float);
    const std::string layer = name.substr(0, name.size() - (is_weight ? 6 : 4));
    (is_weight ? by_layer[layer].weight : by_layer[layer].bias) = &info;
  }
  if (bytes > memory_limit) {
    fail("its weights need " + std::to_string(bytes) + " bytes as float, more than the memory limit of " +
         std::to_string(memory_limit) + " bytes (memoryLimit)");
  }
  std::vector<std::string> names;
  for (const auto& [layer, pair] : by_layer) {
    const std::string label = layer + "weight";
    if (pair.weight == nullptr) fail("'" + layer + "bias' has no '" + label + "' beside it");
    if (pair.weight->shape.size() != 2) {
      std::vector<int64_t> dims(pair.weight->shape.begin(), pair.weight->shape.end());
      fail("'" + label + "' has shape " + shape_text(dims) +
           "; only dense (Linear) layers, with 2-D weights [outputs, inputs], are supported");
    }
    if (pair.bias != nullptr && (pair.bias->shape.size() != 1 || pair.bias->shape[0] != pair.weight->shape[0])) {
      fail("'" + layer + "bias' does not have one value per output of '" + label + "'");
    }
    if (pair.weight->shape[0] == 0 || pair.weight->shape[1] == 0 || pair.weight->shape[0] > UINT32_MAX ||
        pair.weight->shape[1] > UINT32_MAX) {
      fail("'" + label + "' has an empty or oversized shape");
    }
    names.push_back(layer);
  }
  if (names.empty()) fail("it holds no tensors");
  std::sort(names.begin(), names.end(), natural_less);
  // Reads a tensor of any accepted dtype as float.
  const auto read_floats = [&](const std::string& name, const safetensors::TensorInfo& info) {
    const uint64_t n = (info.end - info.begin) / safetensors::dtype_size(info.dtype);
    std::vector<uint8_t> raw(info.end - info.begin);
    reader.read_bytes(name, 0, raw.size(), raw.data());
    std::vector<float> out(n);
    for (uint64_t k = 0; k < n; ++k) {
      switch (info.dtype) {
        case safetensors::DType::F32: std::memcpy(&out[k], raw.data() + 4 * k, 4); break;
        case safetensors::DType::F64: {
          double v;
          std::memcpy(&v, raw.data() + 8 * k, 8);
          out[k] = float(v);
          break;
        }
        case safetensors::DType::F16: {
          uint16_t h;
          std::memcpy(&h, raw.data() + 2 * k, 2);
          out[k] = half_to_float(h);
          break;
        }
        default: {  // BF16: the top half of a float
          uint16_t h;
          std::memcpy(&h, raw.data() + 2 * k, 2);
          const uint32_t bits = uint32_t(h) << 16;
          std::memcpy(&out[k], &bits, 4);
        }
      }
    }
    return out;
  };
  std::vector<DenseLayer> layers;
  for (size_t l = 0; l < names.size(); ++l) {
    const Pair& pair = by_layer[names[l]];
    DenseLayer layer;
    layer.outputs = uint32_t(pair.weight->shape[0]);
    layer.inputs = uint32_t(pair.weight->shape[1]);
    if (!layers.empty() && layers.back().outputs != layer.inputs) {
      fail("layer '" + names[l] + "weight' reads " + std::to_string(layer.inputs) + " values but '" + names[l - 1] +
           "weight' gives " + std::to_string(layers.back().outputs) + " (layers are taken in name order: fc1, fc2, …)");
    }
    const std::vector<float> w = read_floats(names[l] + "weight", *pair.weight);  // [outputs][inputs]
    layer.weights.resize(w.size());
    for (uint32_t j = 0; j < layer.outputs; ++j) {
      for (uint32_t i = 0; i < layer.inputs; ++i) layer.weights[uint64_t(i) * layer.outputs + j] = w[uint64_t(j) * layer.inputs + i];
    }
    layer.bias = pair.bias != nullptr ? read_floats(names[l] + "bias", *pair.bias) : std::vector<float>(layer.outputs, 0.0f);
    layer.activation = l + 1 < names.size() ? hidden : DenseActivation::None;
    layers.push_back(std::move(layer));
  }
  return DenseModel(std::move(layers), "safetensors");
}

DenseModel load_dense_model(const std::string& path, DenseActivation hidden, uint64_t memory_limit) {
  // A safetensors file starts with its header's size (8 bytes) and the header's '{'; an
  // ONNX model with a protobuf key, never '{' at byte 8 in practice.
  std::ifstream in(path, std::ios::binary);
  char head[9] = {};
  in.read(head, 9);
  if (in.gcount() == 9 && head[8] == '{') return load_dense_safetensors(path, hidden, memory_limit);
  return load_dense_onnx(path, memory_limit);
}

}  // namespace polychron
