#include "core/spiking/neurons.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/errors.h"
#include "core/io/binary_io.h"
#include "core/spiking/checkpoint_part.h"

namespace polychron {

namespace {

// `values` (1 or `size`) as `size` values, each checked finite.
std::vector<double> expanded(const std::vector<double>& values, uint32_t size, const char* name) {
  if (values.size() != 1 && values.size() != size) {
    throw RangeError(std::string(name) + " must hold 1 or size = " + std::to_string(size) + " values (got " +
                     std::to_string(values.size()) + ")");
  }
  std::vector<double> out(size);
  for (uint32_t i = 0; i < size; ++i) {
    out[i] = values.size() == 1 ? values[0] : values[i];
    if (!std::isfinite(out[i])) {
      throw RangeError(std::string(name) + "[" + std::to_string(i) + "] must be a finite number");
    }
  }
  return out;
}

constexpr const char* kParameterNames[4] = {"a", "b", "c", "d"};
constexpr float kSourceV = -65.0f;

template <typename T>
uint64_t capacity_bytes(const std::vector<T>& values) {
  return uint64_t(values.capacity()) * sizeof(T);
}

}  // namespace

double IzhikevichSegment::parameter(int k, uint32_t i) const {
  return exact[k].empty() ? double(fast[k][i]) : exact[k][i];
}

NeuronStore::NeuronStore(Numerics numerics, SimdLevel simd) : numerics_(numerics), kernels_(izhikevich_kernels(simd)) {}

void NeuronStore::check_room(uint32_t size) const {
  if (size < 1 || uint64_t(size_) + size > kMaxNeurons) {
    throw RangeError("size must be an integer >= 1 with at most " + std::to_string(kMaxNeurons) + " neurons in the network");
  }
}

void NeuronStore::add_segment(Model model, uint32_t size, uint32_t index) {
  segments_.push_back({model, {size_, size}, index});
  size_ += size;
}

IzhikevichParameters NeuronStore::checked_parameters(const IzhikevichParameters& given, uint32_t size) {
  IzhikevichParameters out;
  for (int k = 0; k < 4; ++k) out[k] = expanded(given[k], size, kParameterNames[k]);
  return out;
}

void NeuronStore::append_izhikevich(IzhikevichSegment& segment, const IzhikevichParameters& parameters) {
  for (int k = 0; k < 4; ++k) {
    if (numerics_ == Numerics::Exact) {
      segment.exact[k].insert(segment.exact[k].end(), parameters[k].begin(), parameters[k].end());
    } else {
      for (double x : parameters[k]) segment.fast[k].push_back(float(x));
    }
  }
  segment.range.count += uint32_t(parameters[0].size());
}

uint32_t NeuronStore::add_izhikevich(uint32_t size, const IzhikevichParameters& parameters, const std::vector<double>& v,
                                     const std::vector<double>& u) {
  check_room(size);
  // Everything is checked before anything is kept, so that a failed call changes nothing.
  const IzhikevichParameters checked = checked_parameters(parameters, size);
  const std::vector<double> v0 = expanded(v.empty() ? std::vector<double>{-65.0} : v, size, "v");
  const std::vector<double> u0 = u.empty() ? std::vector<double>{} : expanded(u, size, "u");
  const uint32_t first = size_;
  if (!segments_.empty() && segments_.back().model == Model::Izhikevich) {
    segments_.back().range.count += size;
    size_ += size;
  } else {
    izhikevich_.push_back({{first, 0}, {}, {}});
    add_segment(Model::Izhikevich, size, uint32_t(izhikevich_.size() - 1));
  }
  append_izhikevich(izhikevich_.back(), checked);
  for (uint32_t i = 0; i < size; ++i) {
    initial_v_.push_back(float(v0[i]));
    // u = b·v, rounded to float32 as the state is (the reference's u = 0.2·v).
    initial_u_.push_back(u.empty() ? float(checked[1][i] * float(v0[i])) : float(u0[i]));
  }
  return first;
}

uint32_t NeuronStore::add_lif(uint32_t size, const LifParameters& parameters, const std::vector<double>& v) {
  LifBlock block = lif_block(size, parameters);
  check_room(size);
  // v starts at v_rest unless given; u (the refractory count) at 0.
  const std::vector<double> v0 = expanded(v.empty() ? parameters.v_rest : v, size, "v");
  block.range = {size_, size};
  lif_.push_back(std::move(block));
  add_segment(Model::Lif, size, uint32_t(lif_.size() - 1));
  for (uint32_t i = 0; i < size; ++i) {
    initial_v_.push_back(float(v0[i]));
    initial_u_.push_back(0.0f);
  }
  return lif_.back().range.first;
}

uint32_t NeuronStore::add_source(uint32_t size) {
  check_room(size);
  const uint32_t first = size_;
  add_segment(Model::Source, size, 0);
  initial_v_.insert(initial_v_.end(), size, kSourceV);
  initial_u_.insert(initial_u_.end(), size, 0.0f);
  return first;
}

void NeuronStore::build() {
  v_ = std::make_shared<AlignedArray<float>>(size_);
  u_ = std::make_shared<AlignedArray<float>>(size_);
  std::copy(initial_v_.begin(), initial_v_.end(), v_->data());
  std::copy(initial_u_.begin(), initial_u_.end(), u_->data());
  initial_v_ = {};
  initial_u_ = {};
  current_ = std::make_unique<AlignedArray<float>>(size_);
}

uint64_t NeuronStore::memory_bytes() const {
  uint64_t total = capacity_bytes(initial_v_) + capacity_bytes(initial_u_) + capacity_bytes(segments_);
  for (const IzhikevichSegment& segment : izhikevich_) {
    for (int k = 0; k < 4; ++k) total += capacity_bytes(segment.exact[k]) + capacity_bytes(segment.fast[k]);
  }
  for (const LifBlock& block : lif_) {
    for (const auto* values : {&block.decay, &block.v_rest, &block.v_reset, &block.v_threshold, &block.resistance, &block.refractory}) {
      total += capacity_bytes(*values);
    }
  }
  total += capacity_bytes(lif_index_);
  // v, u and I, one float each.
  if (v_) total += uint64_t(size_) * 3 * sizeof(float);
  return total;
}

uint32_t NeuronStore::integrating() const {
  uint32_t count = 0;
  for (const Segment& s : segments_) count += s.model == Model::Source ? 0 : s.range.count;
  return count;
}

const uint32_t* NeuronStore::lif_index() {
  if (lif_index_.size() != size_) {
    lif_index_.assign(size_, kNotLif);
    for (uint32_t k = 0; k < lif_.size(); ++k) {
      std::fill_n(lif_index_.begin() + lif_[k].range.first, lif_[k].range.count, k);
    }
  }
  return lif_index_.data();
}

template <typename Fn>
void NeuronStore::for_each_segment(uint32_t begin, uint32_t end, Fn&& fn) const {
  auto it = std::upper_bound(segments_.begin(), segments_.end(), begin,
                             [](uint32_t i, const Segment& s) { return i < s.range.first + s.range.count; });
  for (; it != segments_.end() && it->range.first < end; ++it) {
    fn(*it, std::max(begin, it->range.first), std::min(end, it->range.first + it->range.count));
  }
}

uint32_t NeuronStore::run_izhikevich(const IzhikevichSegment& segment, IzhikevichPhase phase, uint32_t begin, uint32_t end,
                                     uint32_t* fired) {
  // The kernels index the state like the segment's parameters: from its first neuron.
  const uint32_t first = segment.range.first;
  float* v = v_->data() + first;
  float* u = u_->data() + first;
  const float* I = current_->data() + first;
  const int k = static_cast<int>(phase);
  uint32_t count;
  if (numerics_ == Numerics::Exact) {
    const auto& p = segment.exact;
    count = kernels_.exact[k]({v, u, p[0].data(), p[1].data(), p[2].data(), p[3].data()}, I, begin - first, end - first, fired);
  } else {
    const auto& p = segment.fast;
    count = kernels_.fast[k]({v, u, p[0].data(), p[1].data(), p[2].data(), p[3].data()}, I, begin - first, end - first, fired);
  }
  for (uint32_t f = 0; f < count; ++f) fired[f] += first;
  return count;
}

uint32_t NeuronStore::detect(uint32_t begin, uint32_t end, uint32_t* fired) {
  uint32_t count = 0;
  for_each_segment(begin, end, [&](const Segment& s, uint32_t b, uint32_t e) {
    if (s.model == Model::Izhikevich) {
      count += run_izhikevich(izhikevich_[s.index], IzhikevichPhase::Detect, b, e, fired + count);
    } else if (s.model == Model::Lif) {
      count += lif_detect(lif_[s.index], v_->data(), u_->data(), b, e, fired + count);
    }
  });
  return count;
}

void NeuronStore::integrate(uint32_t begin, uint32_t end) {
  for_each_segment(begin, end, [&](const Segment& s, uint32_t b, uint32_t e) {
    if (s.model == Model::Izhikevich) {
      run_izhikevich(izhikevich_[s.index], IzhikevichPhase::Integrate, b, e, nullptr);
    } else if (s.model == Model::Lif) {
      lif_integrate(lif_[s.index], numerics_ == Numerics::Exact, v_->data(), u_->data(), current_->data(), b, e);
    }
  });
}

void NeuronStore::save_state(BinaryWriter& out) const {
  out.pod(size_);
  out.pod<uint64_t>(izhikevich_.size());
  for (const IzhikevichSegment& segment : izhikevich_) {
    out.pod(segment.range.first);
    out.pod(segment.range.count);
    for (int k = 0; k < 4; ++k) {
      std::vector<double> values(segment.range.count);
      for (uint32_t i = 0; i < segment.range.count; ++i) values[i] = segment.parameter(k, i);
      out.array(values);
    }
  }
  out.array(std::vector<float>(v_->data(), v_->data() + size_));
  out.array(std::vector<float>(u_->data(), u_->data() + size_));
}

void NeuronStore::load_state(BinaryReader& in, uint32_t version) {
  size_ = in.pod<uint32_t>();
  if (version == 1) {
    for (auto& values : every_neuron_parameter_) values = in.array<double>();
  } else {
    const uint64_t segments = in.pod<uint64_t>();
    if (segments > in.remaining()) in.fail("too many Izhikevich segments");
    for (uint64_t s = 0; s < segments; ++s) {
      IzhikevichSegment segment;
      NeuronRange range;
      range.first = in.pod<uint32_t>();
      range.count = in.pod<uint32_t>();
      segment.range.first = range.first;
      IzhikevichParameters parameters;
      for (auto& values : parameters) values = in.array<double>();
      if (range.count == 0 || uint64_t(range.first) + range.count > size_) in.fail("an Izhikevich segment does not fit the network");
      for (const auto& values : parameters) {
        if (values.size() != range.count) in.fail("the neuron parameters do not match the neuron count");
      }
      check_loaded(in, [&] { append_izhikevich(segment, checked_parameters(parameters, range.count)); });
      izhikevich_.push_back(std::move(segment));
    }
  }
  const auto v = in.array<float>();
  const auto u = in.array<float>();
  if (size_ == 0 || size_ > kMaxNeurons || v.size() != size_ || u.size() != size_) in.fail("the neuron arrays do not match the neuron count");
  for (const auto& values : every_neuron_parameter_) {
    if (version == 1 && values.size() != size_) in.fail("the neuron parameters do not match the neuron count");
  }
  check_loaded(in, [&] {
    expanded(std::vector<double>(v.begin(), v.end()), size_, "v");
    expanded(std::vector<double>(u.begin(), u.end()), size_, "u");
  });
  v_ = std::make_shared<AlignedArray<float>>(size_);
  u_ = std::make_shared<AlignedArray<float>>(size_);
  std::copy(v.begin(), v.end(), v_->data());
  std::copy(u.begin(), u.end(), u_->data());
  current_ = std::make_unique<AlignedArray<float>>(size_);
}

void NeuronStore::save_lif(BinaryWriter& out) const {
  out.pod<uint64_t>(lif_.size());
  for (const LifBlock& block : lif_) polychron::save_lif(out, block);
}

void NeuronStore::load_lif(BinaryReader& in) {
  const uint64_t blocks = in.pod<uint64_t>();
  if (blocks > in.remaining()) in.fail("too many LIF populations");
  for (uint64_t k = 0; k < blocks; ++k) {
    LifBlock block = polychron::load_lif(in);
    const uint32_t free_from = lif_.empty() ? 0 : lif_.back().range.first + lif_.back().range.count;
    if (uint64_t(block.range.first) + block.range.count > size_ || block.range.first < free_from) {
      in.fail("a LIF population does not fit the network");
    }
    lif_.push_back(std::move(block));
  }
}

void NeuronStore::place_models(BinaryReader& in, const std::vector<NeuronRange>& sources) {
  std::vector<Segment> placed;
  for (uint32_t k = 0; k < lif_.size(); ++k) placed.push_back({Model::Lif, lif_[k].range, k});
  for (const NeuronRange& range : sources) placed.push_back({Model::Source, range, 0});
  const auto by_first = [](const Segment& x, const Segment& y) { return x.range.first < y.range.first; };
  if (!every_neuron_parameter_[0].empty()) {
    // Version 1: the Izhikevich neurons are those between the others, merged into segments.
    std::sort(placed.begin(), placed.end(), by_first);
    uint32_t at = 0;
    const auto add_gap = [&](uint32_t end) {
      if (end <= at) return;
      IzhikevichSegment segment;
      segment.range.first = at;
      IzhikevichParameters parameters;
      for (int k = 0; k < 4; ++k) {
        parameters[k].assign(every_neuron_parameter_[k].begin() + at, every_neuron_parameter_[k].begin() + end);
      }
      check_loaded(in, [&] { append_izhikevich(segment, checked_parameters(parameters, end - at)); });
      izhikevich_.push_back(std::move(segment));
    };
    for (const Segment& s : placed) {
      if (s.range.first < at) in.fail("the neuron models overlap");
      add_gap(s.range.first);
      at = s.range.first + s.range.count;
    }
    add_gap(size_);
    for (auto& values : every_neuron_parameter_) values = {};
  }
  for (uint32_t k = 0; k < izhikevich_.size(); ++k) placed.push_back({Model::Izhikevich, izhikevich_[k].range, k});
  std::sort(placed.begin(), placed.end(), by_first);
  uint32_t at = 0;
  for (const Segment& s : placed) {
    if (s.range.first != at) in.fail("the neuron models do not cover every neuron once");
    at += s.range.count;
  }
  if (at != size_) in.fail("the neuron models do not cover every neuron once");
  segments_ = std::move(placed);
}

}  // namespace polychron
