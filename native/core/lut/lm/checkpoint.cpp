// Language-model checkpoints in the safetensors format, readable by any safetensors
// reader. Tensors (row-major, little-endian):
//
//   embedding                          F32 [256, d]
//   layers.L.heads.H.positional        F32 [P, T, p]
//   <lut>.anchors                      U32 [2, C, T]   a then b, comparison-major
//   <lut>.rows                         U32 [R]         flat rows (table << width | index) ever written
//   <lut>.values                       F32 [R, m]      their contents; every other row is zero
//                                      (F16 when saved with half precision)
//
// for each <lut> in layers.L.heads.H, layers.L.ffn and unembed. Only rows that were
// written and hold a nonzero bit are stored (so -0.0 survives, and a row written with a
// learning rate of 0 does not), which keeps a checkpoint of the reference model far
// below its 3 GB of nominal tables. Half precision halves the values again; it is lossy
// (values round to the nearest binary16), so a run resumed from it is not bit-exact. The metadata (strings) holds the
// hyper-parameters, the training state and a CRC-32 of the data buffer, checked on load.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "core/errors.h"
#include "core/io/binary_io.h"
#include "core/io/float16.h"
#include "core/io/safetensors.h"
#include "core/lut/lm/language_model.h"

namespace polychron {

namespace {

using safetensors::DType;
using Sink = std::function<void(const void*, size_t)>;

constexpr const char* kFormat = "polychron-lut-lm";
constexpr const char* kFormatVersion = "1";

struct LutEntry {
  std::string prefix;
  const Lut* lut;
};

std::vector<LutEntry> luts_of(const LmModel& model) {
  std::vector<LutEntry> entries;
  for (size_t l = 0; l < model.layers.size(); ++l) {
    const std::string layer = "layers." + std::to_string(l);
    for (size_t h = 0; h < model.layers[l].heads.size(); ++h) {
      entries.push_back({layer + ".heads." + std::to_string(h), &model.layers[l].heads[h].v});
    }
    entries.push_back({layer + ".ffn", &model.layers[l].ffn});
  }
  entries.push_back({"unembed", &model.unembed});
  return entries;
}

std::map<std::string, std::string> config_metadata(const LmConfig& c) {
  return {{"format", kFormat},
          {"format_version", kFormatVersion},
          {"context", std::to_string(c.context)},
          {"embedding", std::to_string(c.embedding)},
          {"positional", std::to_string(c.positional)},
          {"layers", std::to_string(c.layers)},
          {"heads", std::to_string(c.heads)},
          {"tables", std::to_string(c.tables)},
          {"comparisons", std::to_string(c.comparisons)},
          {"warmup", std::to_string(c.warmup)},
          {"distinct_pairs", c.distinct_pairs ? "true" : "false"},
          {"seed", std::to_string(c.seed)},
          {"rng_kind", lm_rng_name(c.rng)}};
}

}  // namespace

namespace {

bool holds_nonzero_bit(const float* row, uint32_t m) {
  for (uint32_t k = 0; k < m; ++k) {
    uint32_t bits;
    std::memcpy(&bits, row + k, 4);
    if (bits != 0) return true;
  }
  return false;
}

}  // namespace

void save_lm_checkpoint(const std::string& path, const LmModel& model, const LmTrainingState& state, bool half) {
  const LmConfig& c = model.config();
  std::vector<safetensors::TensorOut> tensors;
  tensors.push_back({"embedding", DType::F32, {kLmVocabulary, c.embedding}, model.embedding.data()});
  for (size_t l = 0; l < model.layers.size(); ++l) {
    for (size_t h = 0; h < model.layers[l].heads.size(); ++h) {
      tensors.push_back({"layers." + std::to_string(l) + ".heads." + std::to_string(h) + ".positional", DType::F32,
                         {c.context, c.tables, c.positional}, model.layers[l].heads[h].pe.data()});
    }
  }
  const std::vector<LutEntry> entries = luts_of(model);
  std::vector<std::vector<uint32_t>> anchors(entries.size()), rows(entries.size());
  for (size_t e = 0; e < entries.size(); ++e) {
    const Lut& lut = *entries[e].lut;
    const LutShape& s = lut.shape();
    anchors[e] = lut.a();
    anchors[e].insert(anchors[e].end(), lut.b().begin(), lut.b().end());
    for (uint64_t row = 0; row < lut.rows(); ++row) {
      if (lut.written(row) && holds_nonzero_bit(lut.read_row(row), s.outputs)) rows[e].push_back(uint32_t(row));
    }
    tensors.push_back({entries[e].prefix + ".anchors", DType::U32, {2, s.comparisons, s.tables}, anchors[e].data()});
    tensors.push_back({entries[e].prefix + ".rows", DType::U32, {rows[e].size()}, rows[e].data()});
    safetensors::TensorOut values{entries[e].prefix + ".values", half ? DType::F16 : DType::F32, {rows[e].size(), s.outputs},
                                  nullptr};
    const std::vector<uint32_t>* row_list = &rows[e];
    values.stream = [&lut, row_list, half](const Sink& sink) { lut.stream_rows(row_list, half, sink); };
    tensors.push_back(std::move(values));
  }
  uint32_t crc = 0;
  const Sink checksum = [&](const void* data, size_t n) { crc = crc32_update(crc, data, n); };
  for (const auto& t : tensors) {
    if (t.data != nullptr) {
      uint64_t bytes = safetensors::dtype_size(t.dtype);
      for (uint64_t extent : t.shape) bytes *= extent;
      checksum(t.data, size_t(bytes));
    } else if (t.stream) {
      t.stream(checksum);
    }
  }
  std::map<std::string, std::string> metadata = config_metadata(c);
  char rng[65];
  std::snprintf(rng, sizeof rng, "%016llx%016llx%016llx%016llx", (unsigned long long)state.rng[0],
                (unsigned long long)state.rng[1], (unsigned long long)state.rng[2], (unsigned long long)state.rng[3]);
  metadata["step"] = std::to_string(state.step);
  metadata["rng"] = rng;
  if (c.rng == LmRng::Glibc) {
    std::string words;
    char word[9];
    for (uint32_t w : state.glibc) {
      std::snprintf(word, sizeof word, "%08x", w);
      words += word;
    }
    metadata["rng_glibc"] = words;
  }
  metadata["data.protocol"] = state.data.protocol;
  metadata["data.bytes"] = std::to_string(state.data.bytes);
  metadata["data.crc32"] = std::to_string(state.data.crc32);
  metadata["crc32"] = std::to_string(crc);
  safetensors::write(path, tensors, metadata);
}

std::unique_ptr<LmModel> load_lm_checkpoint(const std::string& path, uint64_t memory_limit, LmTrainingState& state) {
  safetensors::Reader file(path);
  auto bad = [&](const std::string& why) -> RangeError {
    return RangeError("polychron: " + path + " is not a polychron language-model checkpoint (" + why + ")");
  };
  if (!file.metadata().count("format") || file.meta("format") != kFormat) throw bad("its metadata has no format '" + std::string(kFormat) + "'");
  if (file.meta("format_version") != kFormatVersion) {
    throw RangeError("polychron: " + path + " is checkpoint format version " + file.meta("format_version") +
                     "; this polychron reads version " + kFormatVersion);
  }
  auto number = [&](const char* key, uint64_t max) -> uint64_t {
    const std::string text = file.meta(key);
    char* end = nullptr;
    const unsigned long long value = std::strtoull(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || value > max) throw bad("metadata '" + std::string(key) + "' is '" + text + "'");
    return value;
  };
  LmConfig c;
  c.context = uint32_t(number("context", 1u << 20));
  c.embedding = uint32_t(number("embedding", 1u << 20));
  c.positional = uint32_t(number("positional", 64));
  c.layers = uint32_t(number("layers", 1u << 20));
  c.heads = uint32_t(number("heads", 1u << 20));
  c.tables = uint32_t(number("tables", 1u << 20));
  c.comparisons = uint32_t(number("comparisons", 64));
  c.warmup = uint32_t(number("warmup", 0xFFFFFFFFu));
  c.distinct_pairs = file.meta("distinct_pairs") == "true";
  c.seed = number("seed", ~uint64_t(0));
  c.memory_limit = memory_limit;
  const uint32_t expected_crc = uint32_t(number("crc32", 0xFFFFFFFFu));
  // The configuration's own checks (and the memory limit) judge what the file says: their
  // complaints name the file, of the same kind.
  auto named = [&](auto&& check) { return safetensors::naming_file(path, "language-model checkpoint", check); };
  // Older checkpoints have no rng_kind: they are the project's generator.
  if (file.metadata().count("rng_kind")) {
    c.rng = named([&] { return parse_lm_rng(file.meta("rng_kind"), "metadata 'rng_kind'"); });
  }
  // The memory limit bounds the tables, which are mapped lazily; the embedding and the
  // positional vectors are allocated whole. So before anything is allocated, the file must
  // hold the tensors its metadata implies, with their shapes: a few bytes of header that
  // claim a model of gigabytes are refused here (the reader has checked every tensor's size
  // against the file's).
  const uint64_t luts = uint64_t(c.layers) * c.heads + c.layers + 1;
  const uint64_t expected_tensors = 1 + uint64_t(c.layers) * c.heads + 3 * luts;
  if (file.tensors().size() != expected_tensors) {
    throw bad("its metadata describes a model of " + std::to_string(expected_tensors) + " tensors (" +
              std::to_string(c.layers) + " layers of " + std::to_string(c.heads) + " heads) but it holds " +
              std::to_string(file.tensors().size()));
  }
  auto expect_shape = [&](const std::string& name, const std::vector<uint64_t>& shape) {
    if (!file.has(name)) throw bad("tensor '" + name + "' is missing");
    const safetensors::TensorInfo& t = file.info(name);
    if (t.dtype != DType::F32 || t.shape != shape) {
      std::string want;
      for (uint64_t extent : shape) want += (want.empty() ? "" : ", ") + std::to_string(extent);
      throw bad("tensor '" + name + "' should be F32 [" + want + "] as its metadata says");
    }
  };
  expect_shape("embedding", {kLmVocabulary, c.embedding});
  for (uint32_t l = 0; l < c.layers; ++l) {
    for (uint32_t h = 0; h < c.heads; ++h) {
      expect_shape("layers." + std::to_string(l) + ".heads." + std::to_string(h) + ".positional",
                   {c.context, c.tables, c.positional});
    }
  }
  GlibcRandom placeholder;  // the initialisation's draws are replaced by the tensors read below
  // Validates the shape and the memory limit.
  auto model = named([&] { return std::make_unique<LmModel>(c, &placeholder); });

  // Readers for every expected tensor, run in file order so the CRC chains over the buffer.
  std::map<std::string, std::function<void(const safetensors::TensorInfo&, uint32_t&)>> readers;
  auto plain = [&](const std::string& name, DType dtype, std::vector<uint64_t> shape, void* dst, size_t bytes) {
    readers[name] = [&file, name, dtype, shape, dst, bytes](const safetensors::TensorInfo&, uint32_t& crc) {
      file.read(name, dtype, shape, dst);
      crc = crc32_update(crc, dst, bytes);
    };
  };
  plain("embedding", DType::F32, {kLmVocabulary, c.embedding}, model->embedding.data(), model->embedding.size() * 4);
  for (uint32_t l = 0; l < c.layers; ++l) {
    for (uint32_t h = 0; h < c.heads; ++h) {
      auto& pe = model->layers[l].heads[h].pe;
      plain("layers." + std::to_string(l) + ".heads." + std::to_string(h) + ".positional", DType::F32,
            {c.context, c.tables, c.positional}, pe.data(), pe.size() * 4);
    }
  }
  const std::vector<LutEntry> entries = luts_of(*model);
  std::vector<std::vector<uint32_t>> anchors(entries.size()), rows(entries.size());
  for (size_t e = 0; e < entries.size(); ++e) {
    Lut& lut = *const_cast<Lut*>(entries[e].lut);
    const LutShape s = lut.shape();
    const std::string prefix = entries[e].prefix;
    anchors[e].resize(2 * size_t(s.comparisons) * s.tables);
    plain(prefix + ".anchors", DType::U32, {2, s.comparisons, s.tables}, anchors[e].data(), anchors[e].size() * 4);
    readers[prefix + ".rows"] = [&, e, prefix, s](const safetensors::TensorInfo& info, uint32_t& crc) {
      if (info.dtype != DType::U32 || info.shape.size() != 1) throw bad("tensor '" + prefix + ".rows' is not U32 [rows]");
      rows[e].resize(info.shape[0]);
      file.read(prefix + ".rows", DType::U32, info.shape, rows[e].data());
      crc = crc32_update(crc, rows[e].data(), rows[e].size() * 4);
      const uint64_t limit = uint64_t(s.tables) << s.width;
      for (size_t k = 0; k < rows[e].size(); ++k) {
        if (rows[e][k] >= limit || (k > 0 && rows[e][k] <= rows[e][k - 1])) {
          throw bad("tensor '" + prefix + ".rows' must be increasing row numbers below " + std::to_string(limit));
        }
      }
    };
    readers[prefix + ".values"] = [&, e, prefix, s](const safetensors::TensorInfo& info, uint32_t& crc) {
      if (!file.has(prefix + ".rows") || file.info(prefix + ".rows").begin > info.begin) {
        throw bad("tensor '" + prefix + ".values' must follow '" + prefix + ".rows'");
      }
      const std::vector<uint64_t> shape{rows[e].size(), s.outputs};
      if ((info.dtype != DType::F32 && info.dtype != DType::F16) || info.shape != shape) {
        throw bad("tensor '" + prefix + ".values' must be F32 or F16 [" + std::to_string(rows[e].size()) + ", " +
                  std::to_string(s.outputs) + "]");
      }
      const bool half = info.dtype == DType::F16;
      const size_t row_bytes = size_t(s.outputs) * (half ? 2 : 4);
      for (size_t k = 0; k < rows[e].size();) {
        const size_t chunk = std::min<size_t>(rows[e].size() - k, std::max<size_t>(1, (1u << 20) / row_bytes));
        std::vector<uint8_t> buffer(chunk * row_bytes);
        file.read_bytes(prefix + ".values", uint64_t(k) * row_bytes, chunk * row_bytes, buffer.data());
        crc = crc32_update(crc, buffer.data(), chunk * row_bytes);
        for (size_t q = 0; q < chunk; ++q) {
          float* row = lut.write_row(rows[e][k + q]);
          const uint8_t* stored = buffer.data() + q * row_bytes;
          if (!half) {
            std::memcpy(row, stored, row_bytes);
            continue;
          }
          for (uint32_t c = 0; c < s.outputs; ++c) {
            uint16_t h;
            std::memcpy(&h, stored + 2 * size_t(c), 2);
            row[c] = half_to_float(h);
          }
        }
        k += chunk;
      }
    };
  }
  for (const auto& [name, info] : file.tensors()) {
    if (!readers.count(name)) throw bad("it has an unexpected tensor '" + name + "'");
  }
  std::vector<std::pair<uint64_t, std::string>> order;
  for (const auto& [name, reader] : readers) {
    if (!file.has(name)) throw bad("tensor '" + name + "' is missing");
    order.push_back({file.info(name).begin, name});
  }
  std::sort(order.begin(), order.end());
  uint32_t crc = 0;
  for (const auto& [begin, name] : order) readers[name](file.info(name), crc);
  if (crc != expected_crc) {
    throw RangeError("polychron: " + path + " is corrupt: the CRC-32 of its tensors does not match its metadata");
  }
  for (size_t e = 0; e < entries.size(); ++e) {
    Lut& lut = *const_cast<Lut*>(entries[e].lut);
    const size_t half = anchors[e].size() / 2;
    named([&] {
      lut.set_anchors(std::vector<uint32_t>(anchors[e].begin(), anchors[e].begin() + half),
                      std::vector<uint32_t>(anchors[e].begin() + half, anchors[e].end()));
    });
  }
  state.step = number("step", ~uint64_t(0));
  const std::string rng = file.meta("rng");
  for (int k = 0; k < 4; ++k) {
    const std::string part = rng.size() == 64 ? rng.substr(16 * k, 16) : std::string();
    char* end = nullptr;
    state.rng[k] = std::strtoull(part.c_str(), &end, 16);
    if (part.empty() || *end != '\0') throw bad("metadata 'rng' must be 64 hexadecimal digits");
  }
  if (c.rng == LmRng::Glibc) {
    const std::string words = file.metadata().count("rng_glibc") ? file.meta("rng_glibc") : std::string();
    if (words.size() != 8 * GlibcRandom::kWords) throw bad("metadata 'rng_glibc' must be 272 hexadecimal digits");
    for (int k = 0; k < GlibcRandom::kWords; ++k) {
      const std::string part = words.substr(8 * size_t(k), 8);
      char* end = nullptr;
      state.glibc[k] = uint32_t(std::strtoul(part.c_str(), &end, 16));
      if (*end != '\0') throw bad("metadata 'rng_glibc' must be 272 hexadecimal digits");
    }
  }
  state.data.protocol = file.meta("data.protocol");
  state.data.bytes = number("data.bytes", ~uint64_t(0));
  state.data.crc32 = uint32_t(number("data.crc32", 0xFFFFFFFFu));
  return model;
}

}  // namespace polychron
