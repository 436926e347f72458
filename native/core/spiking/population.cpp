#include "core/spiking/population.h"

#include <cmath>

#include "core/errors.h"
#include "core/spiking/checkpoint_part.h"

namespace polychron {

namespace {

// Expands a per-neuron or single value to `size` values, checking each is finite.
template <typename T>
std::unique_ptr<AlignedArray<T>> expand(const std::vector<double>& values, uint32_t size,
                                        const char* name) {
  if (values.size() != 1 && values.size() != size) {
    throw RangeError(std::string(name) + " must hold 1 or size = " + std::to_string(size) +
                     " values (got " + std::to_string(values.size()) + ")");
  }
  auto out = std::make_unique<AlignedArray<T>>(size);
  for (uint32_t i = 0; i < size; ++i) {
    const double x = values.size() == 1 ? values[0] : values[i];
    if (!std::isfinite(x)) {
      throw RangeError(std::string(name) + "[" + std::to_string(i) +
                       "] must be a finite number (got " + std::to_string(x) + ")");
    }
    (*out)[i] = static_cast<T>(x);
  }
  return out;
}

}  // namespace

const char* numerics_name(Numerics numerics) {
  return numerics == Numerics::Fast ? "fast" : "exact";
}

Numerics parse_numerics(const std::string& name, const char* param) {
  if (name == "exact") return Numerics::Exact;
  if (name == "fast") return Numerics::Fast;
  throw TypeError(std::string(param) + " must be 'exact' or 'fast' (got '" + name + "')");
}

IzhikevichPopulation::IzhikevichPopulation(const IzhikevichSpec& spec)
    : size_(spec.size),
      numerics_(spec.numerics),
      simd_(spec.simd),
      fired_(spec.size) {
  if (size_ < 1 || size_ > kMaxSize) {
    throw RangeError("size must be an integer in [1, " + std::to_string(kMaxSize) + "] (got " +
                     std::to_string(size_) + ")");
  }
  require_simd_level(simd_, "simd");
  kernels_ = izhikevich_kernels(simd_);

  auto a = expand<double>(spec.a, size_, "a");
  auto b = expand<double>(spec.b, size_, "b");
  auto c = expand<double>(spec.c, size_, "c");
  auto d = expand<double>(spec.d, size_, "d");

  v_ = std::make_shared<AlignedArray<float>>(size_);
  u_ = std::make_shared<AlignedArray<float>>(size_);
  if (spec.v.empty()) {
    for (uint32_t i = 0; i < size_; ++i) (*v_)[i] = -65.0f;
  } else {
    auto v0 = expand<float>(spec.v, size_, "v");
    for (uint32_t i = 0; i < size_; ++i) (*v_)[i] = (*v0)[i];
  }
  if (spec.u.empty()) {
    for (uint32_t i = 0; i < size_; ++i) (*u_)[i] = static_cast<float>((*b)[i] * (*v_)[i]);
  } else {
    auto u0 = expand<float>(spec.u, size_, "u");
    for (uint32_t i = 0; i < size_; ++i) (*u_)[i] = (*u0)[i];
  }

  if (numerics_ == Numerics::Exact) {
    a64_ = std::move(a);
    b64_ = std::move(b);
    c64_ = std::move(c);
    d64_ = std::move(d);
  } else {
    a32_ = expand<float>(spec.a, size_, "a");
    b32_ = expand<float>(spec.b, size_, "b");
    c32_ = expand<float>(spec.c, size_, "c");
    d32_ = expand<float>(spec.d, size_, "d");
  }
}

std::vector<double> IzhikevichPopulation::parameter(int k) const {
  std::vector<double> out(size_);
  if (numerics_ == Numerics::Exact) {
    const AlignedArray<double>* p[] = {a64_.get(), b64_.get(), c64_.get(), d64_.get()};
    for (uint32_t i = 0; i < size_; ++i) out[i] = (*p[k])[i];
  } else {
    const AlignedArray<float>* p[] = {a32_.get(), b32_.get(), c32_.get(), d32_.get()};
    for (uint32_t i = 0; i < size_; ++i) out[i] = (*p[k])[i];
  }
  return out;
}

uint32_t IzhikevichPopulation::apply(IzhikevichPhase phase, const float* I, uint32_t begin, uint32_t end,
                                     uint32_t* fired) {
  const int k = static_cast<int>(phase);
  if (numerics_ == Numerics::Exact) {
    const ExactNeurons n{v_->data(), u_->data(), a64_->data(), b64_->data(), c64_->data(), d64_->data()};
    return kernels_.exact[k](n, I, begin, end, fired);
  }
  const FastNeurons n{v_->data(), u_->data(), a32_->data(), b32_->data(), c32_->data(), d32_->data()};
  return kernels_.fast[k](n, I, begin, end, fired);
}

uint32_t IzhikevichPopulation::step(const float* I) {
  const uint32_t count = apply(IzhikevichPhase::Step, I);
  ++steps_done_;
  return count;
}

uint64_t IzhikevichPopulation::run(uint64_t steps, const float* I, const StepObserver& on_step) {
  for (uint64_t s = 0; s < steps; ++s) {
    const uint64_t t = steps_done_;
    const uint32_t count = step(I);
    if (!on_step(t, fired_.data(), count)) return s + 1;
  }
  return steps;
}

void IzhikevichPopulation::save(BinaryWriter& out) const {
  out.pod(size_);
  for (int k = 0; k < 4; ++k) out.array(parameter(k));
  out.array(std::vector<float>(v_->data(), v_->data() + size_));
  out.array(std::vector<float>(u_->data(), u_->data() + size_));
}

std::unique_ptr<IzhikevichPopulation> IzhikevichPopulation::load(BinaryReader& in, Numerics numerics, SimdLevel simd) {
  IzhikevichSpec spec;
  spec.size = in.pod<uint32_t>();
  for (auto* p : {&spec.a, &spec.b, &spec.c, &spec.d}) *p = in.array<double>();
  const auto v = in.array<float>();
  const auto u = in.array<float>();
  if (spec.size == 0 || v.size() != spec.size || u.size() != spec.size) in.fail("the neuron arrays do not match the neuron count");
  for (auto* p : {&spec.a, &spec.b, &spec.c, &spec.d}) {
    if (p->size() != spec.size) in.fail("the neuron parameters do not match the neuron count");
  }
  spec.v.assign(v.begin(), v.end());
  spec.u.assign(u.begin(), u.end());
  spec.numerics = numerics;
  spec.simd = simd;
  std::unique_ptr<IzhikevichPopulation> population;
  check_loaded(in, [&] { population = std::make_unique<IzhikevichPopulation>(spec); });
  return population;
}

}  // namespace polychron
