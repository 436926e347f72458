// LUT classifier files in the safetensors format, readable by any safetensors reader.
// Tensors (row-major, little-endian):
//
//   layers.L.anchors   U32 [2, C, T]       a then b, comparison-major (L = 0 … hidden, then the readout)
//   layers.L.tables    F32 [T, 2^C, m]     every row (F16 when saved with half precision)
//   thresholds         F32 [q]             the constant inputs layer 0 may compare against (q > 0 only)
//
// A classifier's tables are small and dense (every row of a trained one is written), so
// they are stored whole. The metadata (strings) holds the configuration and a CRC-32 of
// the data buffer, checked on load; the same conventions as the language-model files.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "core/errors.h"
#include "core/io/binary_io.h"
#include "core/io/float16.h"
#include "core/io/safetensors.h"
#include "core/lut/classifier.h"

namespace polychron {

namespace {

using safetensors::DType;
using Sink = std::function<void(const void*, size_t)>;

constexpr const char* kFormat = "polychron-lut-classifier";
constexpr const char* kFormatVersion = "1";

std::string float_text(float value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.9g", double(value));
  return text;
}

std::string hidden_text(const std::vector<LutLayerSize>& hidden) {
  std::string text;
  for (const LutLayerSize& layer : hidden) {
    if (!text.empty()) text += ",";
    text += std::to_string(layer.width) + "x" + std::to_string(layer.tables) + "x" + std::to_string(layer.comparisons);
  }
  return text;
}

}  // namespace

void save_lut_classifier(const std::string& path, const LutClassifier& net, bool half) {
  const LutClassifierConfig& c = net.config();
  std::vector<safetensors::TensorOut> tensors;
  std::vector<std::vector<uint32_t>> anchors(net.layers().size());
  for (size_t l = 0; l < net.layers().size(); ++l) {
    const Lut& lut = net.layers()[l];
    const LutShape& s = lut.shape();
    anchors[l] = lut.a();
    anchors[l].insert(anchors[l].end(), lut.b().begin(), lut.b().end());
    const std::string prefix = "layers." + std::to_string(l);
    tensors.push_back({prefix + ".anchors", DType::U32, {2, s.comparisons, s.tables}, anchors[l].data()});
    safetensors::TensorOut values{prefix + ".tables", half ? DType::F16 : DType::F32,
                                  {s.tables, uint64_t(1) << s.width, s.outputs}, nullptr};
    values.stream = [&lut, half](const Sink& sink) { lut.stream_rows(nullptr, half, sink); };
    tensors.push_back(std::move(values));
  }
  const std::vector<float>& thresholds = net.thresholds();
  if (!thresholds.empty()) tensors.push_back({"thresholds", DType::F32, {thresholds.size()}, thresholds.data()});
  uint32_t crc = 0;
  const Sink checksum = [&](const void* data, size_t n) { crc = crc32_update(crc, data, n); };
  for (const auto& t : tensors) {
    if (t.data != nullptr) {
      uint64_t bytes = safetensors::dtype_size(t.dtype);
      for (uint64_t extent : t.shape) bytes *= extent;
      checksum(t.data, size_t(bytes));
    } else {
      t.stream(checksum);
    }
  }
  const std::map<std::string, std::string> metadata{
      {"format", kFormat},
      {"format_version", kFormatVersion},
      {"inputs", std::to_string(c.inputs)},
      {"classes", std::to_string(c.classes)},
      {"image_rows", std::to_string(c.image_rows)},
      {"image_cols", std::to_string(c.image_cols)},
      {"hidden", hidden_text(c.hidden)},
      {"readout_tables", std::to_string(c.readout_tables)},
      {"readout_comparisons", std::to_string(c.readout_comparisons)},
      {"anchors", anchor_policy_name(c.anchors)},
      {"anchor_radius", std::to_string(c.anchor_radius)},
      {"thresholds", std::to_string(c.thresholds)},
      {"threshold_scale", float_text(c.threshold_scale)},
      {"threshold_share", float_text(c.threshold_share)},
      {"seed", std::to_string(c.seed)},
      {"crc32", std::to_string(crc)},
  };
  safetensors::write(path, tensors, metadata);
}

std::unique_ptr<LutClassifier> load_lut_classifier(const std::string& path, uint64_t memory_limit, SimdLevel simd) {
  safetensors::Reader file(path);
  auto bad = [&](const std::string& why) -> RangeError {
    return RangeError("polychron: " + path + " is not a polychron LUT classifier (" + why + ")");
  };
  if (!file.metadata().count("format") || file.meta("format") != kFormat) {
    throw bad("its metadata has no format '" + std::string(kFormat) + "'");
  }
  if (file.meta("format_version") != kFormatVersion) {
    throw RangeError("polychron: " + path + " is LUT classifier format version " + file.meta("format_version") +
                     "; this polychron reads version " + kFormatVersion);
  }
  // The configuration's own checks (and the memory limit) judge what the file says: their
  // complaints name the file, of the same kind.
  auto named = [&](auto&& check) { return safetensors::naming_file(path, "LUT classifier", check); };
  auto number = [&](const std::string& key, uint64_t max) -> uint64_t {
    const std::string text = file.meta(key);
    char* end = nullptr;
    const unsigned long long value = std::strtoull(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || value > max) throw bad("metadata '" + key + "' is '" + text + "'");
    return value;
  };
  auto real = [&](const std::string& key) -> float {
    const std::string text = file.meta(key);
    char* end = nullptr;
    const float value = std::strtof(text.c_str(), &end);
    if (text.empty() || *end != '\0') throw bad("metadata '" + key + "' is '" + text + "'");
    return value;
  };
  LutClassifierConfig c;
  c.inputs = uint32_t(number("inputs", 1u << 24));
  c.classes = uint32_t(number("classes", 1u << 16));
  c.image_rows = uint32_t(number("image_rows", 1u << 24));
  c.image_cols = uint32_t(number("image_cols", 1u << 24));
  const std::string hidden = file.meta("hidden");
  c.hidden.clear();
  for (size_t at = 0; at < hidden.size();) {
    size_t comma = hidden.find(',', at);
    if (comma == std::string::npos) comma = hidden.size();
    unsigned width, tables, comparisons;
    char tail;
    if (std::sscanf(hidden.substr(at, comma - at).c_str(), "%ux%ux%u%c", &width, &tables, &comparisons, &tail) != 3 ||
        c.hidden.size() >= 64) {
      throw bad("metadata 'hidden' is '" + hidden + "'");
    }
    c.hidden.push_back({width, tables, comparisons});
    at = comma + 1;
  }
  c.readout_tables = uint32_t(number("readout_tables", 4096));
  c.readout_comparisons = uint32_t(number("readout_comparisons", 30));
  c.anchors = named([&] { return parse_anchor_policy(file.meta("anchors")); });
  c.anchor_radius = uint32_t(number("anchor_radius", 1u << 24));
  c.thresholds = uint32_t(number("thresholds", 256));
  c.threshold_scale = real("threshold_scale");
  c.threshold_share = real("threshold_share");
  c.seed = number("seed", ~uint64_t(0));
  c.memory_limit = memory_limit;
  const uint32_t expected_crc = uint32_t(number("crc32", 0xFFFFFFFFu));
  // Validates the configuration and the memory limit.
  auto net = named([&] { return std::make_unique<LutClassifier>(c, simd); });

  // Tensors in file order, so the CRC chains over the buffer as it was written.
  std::vector<std::pair<uint64_t, std::string>> order;
  for (const auto& [name, info] : file.tensors()) order.push_back({info.begin, name});
  std::sort(order.begin(), order.end());
  const size_t layers = net->layers().size();
  std::vector<std::vector<uint32_t>> anchors(layers);
  std::vector<bool> seen(2 * layers + 1, false);
  seen[2 * layers] = c.thresholds == 0;  // stored only when there are thresholds
  uint32_t crc = 0;
  std::vector<float> thresholds(c.thresholds);
  for (const auto& [begin, name] : order) {
    (void)begin;
    const safetensors::TensorInfo& info = file.info(name);
    if (name == "thresholds") {
      file.read(name, DType::F32, {c.thresholds}, thresholds.data());
      crc = crc32_update(crc, thresholds.data(), thresholds.size() * 4);
      seen[2 * layers] = true;
      continue;
    }
    unsigned l;
    char kind[16];
    if (std::sscanf(name.c_str(), "layers.%u.%15s", &l, kind) != 2 || l >= layers) throw bad("unexpected tensor '" + name + "'");
    Lut& lut = net->layers()[l];
    const LutShape& s = lut.shape();
    if (std::strcmp(kind, "anchors") == 0) {
      anchors[l].resize(2 * size_t(s.comparisons) * s.tables);
      file.read(name, DType::U32, {2, s.comparisons, s.tables}, anchors[l].data());
      crc = crc32_update(crc, anchors[l].data(), anchors[l].size() * 4);
      const size_t n = anchors[l].size() / 2;
      try {
        lut.set_anchors(std::vector<uint32_t>(anchors[l].begin(), anchors[l].begin() + n),
                        std::vector<uint32_t>(anchors[l].begin() + n, anchors[l].end()));
      } catch (const RangeError& e) {
        throw bad("tensor '" + name + "': " + e.what());
      }
      seen[2 * l] = true;
    } else if (std::strcmp(kind, "tables") == 0) {
      const std::vector<uint64_t> shape{s.tables, uint64_t(1) << s.width, s.outputs};
      if ((info.dtype != DType::F32 && info.dtype != DType::F16) || info.shape != shape) {
        throw bad("tensor '" + name + "' must be F32 or F16 [" + std::to_string(s.tables) + ", " +
                  std::to_string(uint64_t(1) << s.width) + ", " + std::to_string(s.outputs) + "]");
      }
      // Read in blocks of rows; the file's bytes go into the CRC as they were written.
      const bool half = info.dtype == DType::F16;
      const uint32_t m = s.outputs;
      const uint64_t element = half ? 2 : 4, block = std::max<uint64_t>(1, (uint64_t(1) << 20) / (m * element));
      std::vector<unsigned char> bytes;
      for (uint64_t first = 0; first < lut.rows(); first += block) {
        const uint64_t count = std::min(block, lut.rows() - first);
        bytes.resize(count * m * element);
        file.read_bytes(name, first * m * element, bytes.size(), bytes.data());
        crc = crc32_update(crc, bytes.data(), bytes.size());
        for (uint64_t r = 0; r < count; ++r) {
          float* out = lut.write_row(first + r);
          for (uint32_t k = 0; k < m; ++k) {
            if (half) {
              uint16_t h;
              std::memcpy(&h, bytes.data() + (r * m + k) * 2, 2);
              out[k] = half_to_float(h);
            } else {
              std::memcpy(out + k, bytes.data() + (r * m + k) * 4, 4);
            }
            if (!std::isfinite(out[k])) throw bad("tensor '" + name + "' holds a value that is not finite");
          }
        }
      }
      seen[2 * l + 1] = true;
    } else {
      throw bad("unexpected tensor '" + name + "'");
    }
  }
  for (size_t k = 0; k < seen.size(); ++k) {
    if (!seen[k]) {
      throw bad("tensor '" + (k == 2 * layers ? std::string("thresholds")
                                             : "layers." + std::to_string(k / 2) + (k % 2 ? ".tables" : ".anchors")) +
                "' is missing");
    }
  }
  if (crc != expected_crc) throw bad("its data does not match its CRC-32: the file is damaged");
  named([&] { net->set_thresholds(thresholds); });
  return net;
}

}  // namespace polychron
