#include "addon/network_wrap.h"

#include <string>
#include <vector>

#include "addon/async_work.h"
#include "addon/convert.h"
#include "addon/lut_circuit_binding.h"
#include "addon/environment.h"
#include "addon/network_options.h"
#include "addon/run_worker.h"
#include "core/errors.h"
#include "core/spiking/checkpoint.h"

namespace polychron::addon {

namespace {

// Reads a checkpoint on a worker thread; the new NativeNetwork is made on the JS thread.
Napi::Value LoadNetwork(Napi::Env env, std::string path, SimdLevel simd, unsigned threads, bool event_driven_neurons) {
  auto loaded = std::make_shared<std::unique_ptr<Network>>();
  return TaskWorker::Start(
      env, Napi::Object(), nullptr, "load()",
      // A RangeError says the file is missing or invalid, and why.
      [=](const TaskWorker::KeepGoing&) {
        *loaded = load_checkpoint(path, simd, threads);
        (*loaded)->set_event_driven_neurons(event_driven_neurons);
      },
      [loaded](Napi::Env env) -> Napi::Value {
        auto object = Environment::Of(env).network_constructor.New({});
        NetworkWrap::Unwrap(object)->Adopt(env, std::move(*loaded));
        return object;
      });
}

}  // namespace

Napi::Function NetworkWrap::Define(Napi::Env env) {
  Napi::Function constructor = DefineClass(env, "NativeNetwork",
                     {
                         InstanceMethod<&NetworkWrap::AddIzhikevich>("addIzhikevich"),
                         InstanceMethod<&NetworkWrap::AddLif>("addLif"),
                         InstanceMethod<&NetworkWrap::AddProjection>("addProjection"),
                         InstanceMethod<&NetworkWrap::DropProjection>("dropProjection"),
                         InstanceMethod<&NetworkWrap::Reward>("reward"),
                         InstanceMethod<&NetworkWrap::AddPairReward>("addPairReward"),
                         InstanceMethod<&NetworkWrap::SetDopamineDecay>("setDopamineDecay"),
                         InstanceAccessor<&NetworkWrap::Dopamine>("dopamine"),
                         InstanceMethod<&NetworkWrap::Generate>("generate"),
                         InstanceMethod<&NetworkWrap::AddSynapses>("addSynapses"),
                         InstanceMethod<&NetworkWrap::AddThalamic>("addThalamic"),
                         InstanceMethod<&NetworkWrap::AddSchedule>("addSchedule"),
                         InstanceMethod<&NetworkWrap::AddConstant>("addConstant"),
                         InstanceMethod<&NetworkWrap::AddStepped>("addStepped"),
                         InstanceMethod<&NetworkWrap::AddNoise>("addNoise"),
                         InstanceMethod<&NetworkWrap::AddPoisson>("addPoisson"),
                         InstanceMethod<&NetworkWrap::AddTrain>("addTrain"),
                         InstanceMethod<&NetworkWrap::SetTrain>("setTrain"),
                         InstanceMethod<&NetworkWrap::RunLutCircuit>("runLutCircuit"),
                         InstanceMethod<&NetworkWrap::Build>("build"),
                         InstanceMethod<&NetworkWrap::Run>("run"),
                         InstanceMethod<&NetworkWrap::Save>("save"),
                         StaticMethod<&NetworkWrap::Load>("load"),
                         InstanceMethod<&NetworkWrap::Cancel>("cancel"),
                         InstanceMethod<&NetworkWrap::Hold>("hold"),
                         InstanceMethod<&NetworkWrap::Release>("release"),
                         InstanceMethod<&NetworkWrap::Close>("close"),
                         InstanceMethod<&NetworkWrap::Synapses>("synapses"),
                         InstanceMethod<&NetworkWrap::FindGroups>("findGroups"),
                         InstanceMethod<&NetworkWrap::ReplayPattern>("replayPattern"),
                         InstanceMethod<&NetworkWrap::ShuffleExcitatoryWeights>("shuffleExcitatoryWeights"),
                         InstanceMethod<&NetworkWrap::SetPlastic>("setPlastic"),
                         InstanceMethod<&NetworkWrap::SetFrozen>("setFrozen"),
                         InstanceMethod<&NetworkWrap::Stats>("stats"),
                         InstanceMethod<&NetworkWrap::PlasticWeights>("plasticWeights"),
                         InstanceMethod<&NetworkWrap::AddProbe>("addProbe"),
                         InstanceMethod<&NetworkWrap::TakeProbe>("takeProbe"),
                         InstanceMethod<&NetworkWrap::State>("state"),
                         InstanceAccessor<&NetworkWrap::Time>("time"),
                         InstanceAccessor<&NetworkWrap::Neurons>("neurons"),
                         InstanceAccessor<&NetworkWrap::Built>("built"),
                         InstanceAccessor<&NetworkWrap::Busy>("busy"),
                         InstanceAccessor<&NetworkWrap::Closed>("closed"),
                     });
  Environment::Of(env).network_constructor = Napi::Persistent(constructor);
  return constructor;
}

void NetworkWrap::Adopt(Napi::Env env, std::unique_ptr<Network> network) {
  network_ = std::move(network);
  v_view_ = Napi::Persistent(ViewOf(env, network_->neuron_store().v()));
  u_view_ = Napi::Persistent(ViewOf(env, network_->neuron_store().u()));
  memory_.Report(env, network_->memory_bytes());
}

Napi::Value NetworkWrap::Save(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    Network& network = Live("save");
    const std::string path = ToString(info[0], "path");
    if (path.empty()) throw RangeError("path must not be empty");
    EnsureBuilt(info.Env());
    return TaskWorker::Start(info.Env(), Value(), &async_, "save()", [&network, path](const TaskWorker::KeepGoing&) { save_checkpoint(network, path); });
  });
}

Napi::Value NetworkWrap::Load(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    const std::string path = ToString(info[0], "path");
    const SimdLevel simd = info[1].IsUndefined() ? active_simd_level() : parse_simd_level(ToString(info[1], "simd"), "simd");
    require_simd_level(simd, "simd");
    const unsigned threads = ToThreads(info[2]);
    const bool event_driven_neurons = ToEventDrivenNeurons(info[3]);
    return LoadNetwork(info.Env(), path, simd, threads, event_driven_neurons);
  });
}

// new NativeNetwork({ mode?, simd?, seed?, stdp?, compactSynapses?, memoryLimit?, threads?, threadPolicy?, neuronUpdates? })
NetworkWrap::NetworkWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NetworkWrap>(info) {
  Guarded(info.Env(), [&] {
    const auto o = info[0].IsUndefined() ? Napi::Object::New(info.Env()) : info[0].As<Napi::Object>();
    if (!info[0].IsUndefined() && !info[0].IsObject()) throw TypeError("options must be an object");
    NetworkOptions options;
    const auto mode = Option(o, "mode");
    if (!mode.IsUndefined()) options.mode = parse_network_mode(ToString(mode, "mode"), "mode");
    const auto simd = Option(o, "simd");
    options.simd = simd.IsUndefined() ? active_simd_level() : parse_simd_level(ToString(simd, "simd"), "simd");
    const auto seed = Option(o, "seed");
    if (!seed.IsUndefined()) options.seed = ToInteger(seed, "seed", 0, uint64_t(1) << 53);
    options.stdp = ToStdp(Option(o, "stdp"));
    ReadFlagOption(o, "compactSynapses", options.compact_synapses);
    options.memory_limit = ReadMemoryLimitOption(o, options.memory_limit);
    options.threads = ToThreads(Option(o, "threads"));
    const auto policy = Option(o, "threadPolicy");
    if (!policy.IsUndefined()) {
      const std::string name = ToString(policy, "threadPolicy");
      if (name != "adaptive" && name != "all") throw TypeError("threadPolicy must be 'adaptive' or 'all' (got '" + name + "')");
      options.adaptive_threads = name == "adaptive";
    }
    options.event_driven_neurons = ToEventDrivenNeurons(Option(o, "neuronUpdates"));
    network_ = std::make_unique<Network>(options);
    memory_.Report(info.Env(), network_->memory_bytes());
    return 0;
  });
}

NetworkWrap::~NetworkWrap() { memory_.Report(Env(), 0); }

Network& NetworkWrap::Live(const char* method, uint32_t lease) {
  if (!network_) throw StateError(std::string("Network.") + method + "(): the network is closed");
  async_.RequireIdle("Network", method, lease);
  return *network_;
}

uint32_t NetworkWrap::LeaseArgument(const Napi::Value& value) {
  return value.IsUndefined() ? 0 : uint32_t(ToInteger(value, "lease", 0, UINT32_MAX));
}

void NetworkWrap::EnsureBuilt(Napi::Env env) {
  if (network_->built()) return;
  network_->build();
  v_view_ = Napi::Persistent(ViewOf(env, network_->neuron_store().v()));
  u_view_ = Napi::Persistent(ViewOf(env, network_->neuron_store().u()));
  memory_.Report(env, network_->memory_bytes());
}

// hold(operation) -> lease: the network stays busy with `operation` until release(lease);
// calls that pass the lease still run (the facade's chunked run()).
Napi::Value NetworkWrap::Hold(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    Live("run");
    return Napi::Number::New(info.Env(), async_.Hold("run()"));
  });
}

void NetworkWrap::Release(const Napi::CallbackInfo& info) {
  Guarded(info.Env(), [&] {
    async_.Release(LeaseArgument(info[0]));
    return 0;
  });
}

// addIzhikevich({ size, a, b, c, d, v?, u? }) -> index of the first neuron
Napi::Value NetworkWrap::AddIzhikevich(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    Network& network = Live("addPopulation");
    if (!info[0].IsObject()) throw TypeError("population options must be an object");
    const auto o = info[0].As<Napi::Object>();
    const auto size = uint32_t(ToInteger(Option(o, "size"), "size", 1, IzhikevichPopulation::kMaxSize));
    const auto optional = [&](const char* key) {
      const auto x = Option(o, key);
      return x.IsUndefined() ? std::vector<double>{} : ToNumbers(x, key);
    };
    const uint32_t first = network.add_izhikevich(size,
                                                  {ToNumbers(Option(o, "a"), "a"), ToNumbers(Option(o, "b"), "b"),
                                                   ToNumbers(Option(o, "c"), "c"), ToNumbers(Option(o, "d"), "d")},
                                                  optional("v"), optional("u"));
    return Napi::Number::New(info.Env(), first);
  });
}

// addLif({ size, tau?, vRest?, vReset?, vThreshold?, resistance?, refractory?, v? }) -> first index;
// a constant not given keeps the core's default (LifParameters).
Napi::Value NetworkWrap::AddLif(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    Network& network = Live("addPopulation");
    if (!info[0].IsObject()) throw TypeError("population options must be an object");
    const auto o = info[0].As<Napi::Object>();
    const auto size = uint32_t(ToInteger(Option(o, "size"), "size", 1, IzhikevichPopulation::kMaxSize));
    LifParameters parameters;
    const auto read = [&](const char* key, std::vector<double>& to) {
      const auto x = Option(o, key);
      if (!x.IsUndefined()) to = ToNumbers(x, key);
    };
    read("tau", parameters.tau);
    read("vRest", parameters.v_rest);
    read("vReset", parameters.v_reset);
    read("vThreshold", parameters.v_threshold);
    read("resistance", parameters.resistance);
    read("refractory", parameters.refractory);
    std::vector<double> v;
    read("v", v);
    const uint32_t first = network.add_lif(size, parameters, v);
    return Napi::Number::New(info.Env(), first);
  });
}

// addProjection(plasticity: boolean | { kind, ...constants }) -> id
Napi::Value NetworkWrap::AddProjection(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    Network& network = Live("connect");
    return Napi::Number::New(info.Env(), network.add_projection(ToPlasticityRule(info[0])));
  });
}

// dropProjection(id): undoes addProjection(), when connect() refuses the projection's synapses
void NetworkWrap::DropProjection(const Napi::CallbackInfo& info) {
  Guarded(info.Env(), [&] {
    Live("connect").drop_projection(uint16_t(ToInteger(info[0], "projection", 0, 65534)));
    return 0;
  });
}

// reward(amount): dopamine += amount now
void NetworkWrap::Reward(const Napi::CallbackInfo& info) {
  Guarded(info.Env(), [&] {
    Live("reward").reward(ToNumber(info[0], "amount"));
    return 0;
  });
}

// addPairReward(pre, post, windowMs, delayMs, amount)
void NetworkWrap::AddPairReward(const Napi::CallbackInfo& info) {
  Guarded(info.Env(), [&] {
    Network& network = Live("rewardSequence");
    PairReward r;
    r.pre = uint32_t(ToInteger(info[0], "pre", 0, UINT32_MAX));
    r.post = uint32_t(ToInteger(info[1], "post", 0, UINT32_MAX));
    r.window_ms = uint32_t(ToInteger(info[2], "windowMs", 1, 1u << 20));
    r.delay_ms = uint32_t(ToInteger(info[3], "delayMs", 0, 1u << 30));
    r.amount = ToNumber(info[4], "amount");
    network.add_pair_reward(r);
    return 0;
  });
}

// setDopamineDecay(perMs)
void NetworkWrap::SetDopamineDecay(const Napi::CallbackInfo& info) {
  Guarded(info.Env(), [&] {
    Live("dopamineDecay").set_dopamine_decay(ToNumber(info[0], "dopamineDecay"));
    return 0;
  });
}

Napi::Value NetworkWrap::Dopamine(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    if (!network_) throw StateError("Network.dopamine: the network is closed");
    return Napi::Number::New(info.Env(), network_->dopamine());
  });
}

// generate(projection, sources, targets, rule, delay, weight)
void NetworkWrap::Generate(const Napi::CallbackInfo& info) {
  Guarded(info.Env(), [&] {
    Network& network = Live("connect");
    const auto projection = uint16_t(ToInteger(info[0], "projection", 0, 65534));
    network.generate(projection, ToRanges(info[1], "sources"), ToRanges(info[2], "targets"),
                     ToProjectionRule(info[3]), ToValueRule(info[4], "delay"), ToValueRule(info[5], "weight"));
    memory_.Report(info.Env(), network.memory_bytes());
    return 0;
  });
}

// addSynapses(projection, pre: Uint32Array, post: Uint32Array, delay, weight)
void NetworkWrap::AddSynapses(const Napi::CallbackInfo& info) {
  Guarded(info.Env(), [&] {
    Network& network = Live("connect");
    const auto projection = uint16_t(ToInteger(info[0], "projection", 0, 65534));
    size_t n_pre, n_post;
    const uint32_t* pre = ToUint32s(info[1], "pre", n_pre);
    const uint32_t* post = ToUint32s(info[2], "post", n_post);
    const auto delay = ToNumbers(info[3], "delay");
    const auto weight = ToNumbers(info[4], "weight");
    if (n_post != n_pre || delay.size() != n_pre || weight.size() != n_pre) {
      throw RangeError("pre, post, delay and weight must have the same length (got " + std::to_string(n_pre) + ", " +
                       std::to_string(n_post) + ", " + std::to_string(delay.size()) + ", " +
                       std::to_string(weight.size()) + ")");
    }
    network.add_synapses(projection, pre, post, delay.data(), weight.data(), n_pre);
    memory_.Report(info.Env(), network.memory_bytes());
    return 0;
  });
}

// addThalamic(first, count, perMs?, current?): what is not given keeps ThalamicInput's default.
void NetworkWrap::AddThalamic(const Napi::CallbackInfo& info) {
  Guarded(info.Env(), [&] {
    Network& network = Live("addThalamicInput");
    const auto first = uint32_t(ToInteger(info[0], "first", 0, UINT32_MAX));
    const auto count = uint32_t(ToInteger(info[1], "count", 1, UINT32_MAX));
    ThalamicInput input;
    if (!info[2].IsUndefined()) input.per_ms = uint32_t(ToInteger(info[2], "perMs", 0, ThalamicInput::kMaxPerMs));
    if (!info[3].IsUndefined()) input.value = float(ToFiniteNumber(info[3], "current"));
    network.add_thalamic({first, count}, input.per_ms, input.value);
    return 0;
  });
}

// addSchedule(times, neurons: Uint32Array, values, assign)
void NetworkWrap::AddSchedule(const Napi::CallbackInfo& info) {
  Guarded(info.Env(), [&] {
    Network& network = Live("addCurrentSchedule");
    ScheduledInput input;
    for (double t : ToNumbers(info[0], "times")) {
      if (!(t >= 0 && t < 9007199254740992.0) || t != double(uint64_t(t))) {
        throw RangeError("times must hold integer milliseconds >= 0");
      }
      input.times.push_back(uint64_t(t));
    }
    size_t n;
    const uint32_t* neurons = ToUint32s(info[1], "neurons", n);
    input.neurons.assign(neurons, neurons + n);
    for (double x : ToNumbers(info[2], "currents")) input.values.push_back(float(x));
    input.assign = info[3].ToBoolean().Value();
    network.add_schedule(std::move(input));
    return 0;
  });
}

// addConstant(first, values)
void NetworkWrap::AddConstant(const Napi::CallbackInfo& info) {
  Guarded(info.Env(), [&] {
    Network& network = Live("addConstantCurrent");
    ConstantInput input;
    input.range.first = uint32_t(ToInteger(info[0], "first", 0, UINT32_MAX));
    for (double x : ToNumbers(info[1], "current")) {
      if (!std::isfinite(x)) throw RangeError("current must hold finite numbers");
      input.values.push_back(float(x));
    }
    input.range.count = uint32_t(input.values.size());
    network.add_constant(std::move(input));
    return 0;
  });
}

// addStepped(first, count, times, amplitudes)
void NetworkWrap::AddStepped(const Napi::CallbackInfo& info) {
  Guarded(info.Env(), [&] {
    Network& network = Live("addSteppedCurrent");
    SteppedInput input;
    input.range.first = uint32_t(ToInteger(info[0], "first", 0, UINT32_MAX));
    input.range.count = uint32_t(ToInteger(info[1], "count", 1, UINT32_MAX));
    for (double t : ToNumbers(info[2], "times")) {
      if (!(t >= 0 && t < 9007199254740992.0) || t != double(uint64_t(t))) throw RangeError("times must hold integer milliseconds >= 0");
      input.times.push_back(uint64_t(t));
    }
    for (double a : ToNumbers(info[3], "amplitudes")) input.amplitudes.push_back(float(a));
    network.add_stepped(std::move(input));
    return 0;
  });
}

// addNoise(first, count, low, high)
void NetworkWrap::AddNoise(const Napi::CallbackInfo& info) {
  Guarded(info.Env(), [&] {
    Network& network = Live("addNoiseCurrent");
    const auto first = uint32_t(ToInteger(info[0], "first", 0, UINT32_MAX));
    const auto count = uint32_t(ToInteger(info[1], "count", 1, UINT32_MAX));
    network.add_noise({first, count}, ToNumber(info[2], "low"), ToNumber(info[3], "high"));
    return 0;
  });
}

// addPoisson(count, rateHz) -> first neuron index
Napi::Value NetworkWrap::AddPoisson(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    Network& network = Live("addPoissonSource");
    const auto count = uint32_t(ToInteger(info[0], "size", 1, IzhikevichPopulation::kMaxSize));
    const double rate = ToNumber(info[1], "rate");
    if (!(rate >= 0 && rate <= 1000)) throw RangeError("rate must be in [0, 1000] Hz (got " + std::to_string(rate) + ")");
    SpikeSource source;
    source.kind = SpikeSource::Kind::Poisson;
    source.probability = rate / 1000.0;
    return Napi::Number::New(info.Env(), network.add_source(count, std::move(source)));
  });
}

namespace {

// A spike train's (times, neurons) arguments: integer ms and neurons within the source.
SpikeSource TrainArguments(const Napi::Value& times, const Napi::Value& neurons) {
  SpikeSource source;
  source.kind = SpikeSource::Kind::Train;
  for (double t : ToNumbers(times, "times")) {
    if (!(t >= 0 && t < 9007199254740992.0) || t != double(uint64_t(t))) throw RangeError("times must hold integer milliseconds >= 0");
    source.times.push_back(uint64_t(t));
  }
  size_t n;
  const uint32_t* list = ToUint32s(neurons, "neurons", n);
  if (n != source.times.size()) throw RangeError("times and neurons must have the same length");
  source.neurons.assign(list, list + n);
  return source;
}

}  // namespace

// addTrain(count, times, neurons: Uint32Array) -> first neuron index
Napi::Value NetworkWrap::AddTrain(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    Network& network = Live("addSpikeTrains");
    const auto count = uint32_t(ToInteger(info[0], "size", 1, IzhikevichPopulation::kMaxSize));
    return Napi::Number::New(info.Env(), network.add_source(count, TrainArguments(info[1], info[2])));
  });
}

// setTrain(first, times, neurons: Uint32Array): replaces the train's spikes still to come.
void NetworkWrap::SetTrain(const Napi::CallbackInfo& info) {
  Guarded(info.Env(), [&] {
    Network& network = Live("setSpikeTrains");
    const auto first = uint32_t(ToInteger(info[0], "population", 0, UINT32_MAX));
    network.set_train(first, TrainArguments(info[1], info[2]));
    return 0;
  });
}

// runLutCircuit(layout, images: Float32Array, width) -> Promise<{ classes?, indices,
// examples, spikes, synapticEvents, simulatedMs }>: images through a compiled LUT circuit
// (core/bridge/lut_circuit.h) on a worker thread; cancel() stops it between chunks.
Napi::Value NetworkWrap::RunLutCircuit(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    Network& network = Live("runLutCircuit");
    const LutCircuitLayout layout = ReadLayout(info[0]);
    const auto width = uint32_t(ToInteger(info[2], "width", 1, UINT32_MAX));
    if (!info[1].IsTypedArray() || info[1].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
      throw TypeError("images must be a Float32Array");
    }
    const auto array = info[1].As<Napi::Float32Array>();
    if (array.ElementLength() % width != 0) {
      throw RangeError("images must hold a whole number of examples of " + std::to_string(width) + " values (got " +
                       std::to_string(array.ElementLength()) + ")");
    }
    EnsureBuilt(info.Env());
    auto images = std::make_shared<std::vector<float>>(array.Data(), array.Data() + array.ElementLength());
    auto run = std::make_shared<LutCircuitRun>();
    const uint64_t count = array.ElementLength() / width;
    return TaskWorker::Start(
        info.Env(), Value(), &async_, "runLutCircuit()",
        [=, &network](const TaskWorker::KeepGoing& keep_going) {
          *run = run_lut_circuit(network, layout, images->data(), count, width, keep_going);
        },
        [run](Napi::Env env) -> Napi::Value { return CircuitRunObject(env, *run); });
  });
}

void NetworkWrap::Build(const Napi::CallbackInfo& info) {
  Guarded(info.Env(), [&] {
    Live("build");
    EnsureBuilt(info.Env());
    return 0;
  });
}

// run(ms, onProgress?, record?, lease?) -> Promise<{ steps, aborted, spikeTimes, spikeNeurons }>
Napi::Value NetworkWrap::Run(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    Network& network = Live("run", LeaseArgument(info[3]));
    const uint64_t ms = ToInteger(info[0], "ms", 0, kMaxRunUnits);
    Napi::Function on_progress;
    if (!info[1].IsUndefined() && !info[1].IsNull()) {
      if (!info[1].IsFunction()) throw TypeError("onProgress must be a function");
      on_progress = info[1].As<Napi::Function>();
    }
    const bool record = info[2].IsUndefined() ? true : info[2].ToBoolean().Value();
    EnsureBuilt(info.Env());
    auto body = [&network, ms](const RunWorker::Observer& observe) { return network.run(ms, observe); };
    auto* worker = new RunWorker(info.Env(), Value(), async_, ms, body, on_progress, record);
    worker->Queue();
    return worker->Promise();
  });
}

void NetworkWrap::Cancel(const Napi::CallbackInfo&) {
  async_.Cancel();
}

void NetworkWrap::Close(const Napi::CallbackInfo& info) {
  Guarded(info.Env(), [&] {
    if (network_) async_.RequireIdle("Network", "close");
    network_.reset();
    memory_.Report(info.Env(), 0);
    return 0;
  });
}

// synapses() -> { pre, post, delay, weight, derivative, projection } in storage order
Napi::Value NetworkWrap::Synapses(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    Network& network = Live("synapses");
    EnsureBuilt(info.Env());
    const SynapseStore& store = network.synapses();
    std::vector<uint32_t> pre;
    std::vector<uint8_t> delay;
    store.sources(pre, delay);
    const size_t n = store.size();
    Napi::Env env = info.Env();
    auto out = Napi::Object::New(env);
    out.Set("pre", ToTypedArray<uint32_t, Napi::Uint32Array>(env, pre));
    out.Set("delay", ToTypedArray<uint8_t, Napi::Uint8Array>(env, delay));
    auto post = Napi::Uint32Array::New(env, n);
    auto weight = Napi::Float32Array::New(env, n);
    const std::vector<float> derivatives = network.derivatives();
    auto derivative = Napi::Float32Array::New(env, n);
    for (size_t k = 0; k < n; ++k) {
      post[k] = store.synapses()[k].post;
      weight[k] = store.synapses()[k].weight;
      derivative[k] = derivatives[k];
    }
    out.Set("post", post);
    out.Set("weight", weight);
    out.Set("derivative", derivative);
    out.Set("projection", ToTypedArray<uint16_t, Napi::Uint16Array>(env, store.projections()));
    return out;
  });
}

void NetworkWrap::SetPlastic(const Napi::CallbackInfo& info) {
  Guarded(info.Env(), [&] {
    Network& network = Live("setPlastic");
    network.set_plastic(uint32_t(ToInteger(info[0], "projection", 0, 65534)), info[1].ToBoolean().Value());
    return 0;
  });
}

void NetworkWrap::SetFrozen(const Napi::CallbackInfo& info) {
  Guarded(info.Env(), [&] {
    Live("freeze").set_frozen(info[0].ToBoolean().Value());
    return 0;
  });
}

Napi::Value NetworkWrap::Stats(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    if (!network_) throw StateError("Network.stats(): the network is closed");
    Network& network = *network_;
    Napi::Env env = info.Env();
    auto out = Napi::Object::New(env);
    out.Set("neurons", Napi::Number::New(env, network.neurons()));
    out.Set("time", Napi::Number::New(env, double(network.time())));
    out.Set("spikes", Napi::Number::New(env, double(network.spike_count())));
    out.Set("synapticEvents", Napi::Number::New(env, double(network.synaptic_events())));
    out.Set("built", Napi::Boolean::New(env, network.built()));
    if (network.built()) {
      out.Set("synapses", Napi::Number::New(env, double(network.synapses().size())));
      out.Set("maxDelay", Napi::Number::New(env, network.synapses().max_delay()));
      out.Set("synapseBytes", Napi::Number::New(env, double(network.synapses().bytes())));
      out.Set("stateBytes", Napi::Number::New(env, double(network.state_bytes())));
    }
    out.Set("mode", Napi::String::New(env, network_mode_name(network.mode())));
    out.Set("simd", Napi::String::New(env, simd_level_name(network.options().simd)));
    out.Set("threads", Napi::Number::New(env, network.threads()));
    out.Set("threadsInUse", Napi::Number::New(env, network.threads_in_use()));
    out.Set("compactSynapses", Napi::Boolean::New(env, network.options().compact_synapses));
    out.Set("stdpFromHistory", Napi::Boolean::New(env, network.learns_from_history()));
    out.Set("eventDriven", Napi::Boolean::New(env, network.last_run_event_driven()));
    out.Set("neuronUpdates", Napi::Number::New(env, double(network.last_run_neuron_updates())));
    return out;
  });
}

// addProbe(neurons: Uint32Array, every) -> id
Napi::Value NetworkWrap::AddProbe(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    Network& network = Live("addStateMonitor");
    size_t n;
    const uint32_t* neurons = ToUint32s(info[0], "neurons", n);
    const auto every = uint32_t(ToInteger(info[1], "every", 1, 1u << 30));
    return Napi::Number::New(info.Env(), network.add_probe(std::vector<uint32_t>(neurons, neurons + n), every));
  });
}

// takeProbe(id) -> { times, v, u, I } (samples × neurons, row-major), cleared after
Napi::Value NetworkWrap::TakeProbe(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    Network& network = Live("takeProbe", LeaseArgument(info[1]));
    const StateProbe probe = network.take_probe(uint32_t(ToInteger(info[0], "monitor", 0, UINT32_MAX)));
    Napi::Env env = info.Env();
    auto out = Napi::Object::New(env);
    out.Set("times", ToTypedArray<double, Napi::Float64Array>(env, probe.times));
    out.Set("v", ToTypedArray<float, Napi::Float32Array>(env, probe.v));
    out.Set("u", ToTypedArray<float, Napi::Float32Array>(env, probe.u));
    out.Set("I", ToTypedArray<float, Napi::Float32Array>(env, probe.I));
    return out;
  });
}

// plasticWeights() -> { count, mean } over the synapses of plastic projections
Napi::Value NetworkWrap::PlasticWeights(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    Network& network = Live("plasticWeights");
    EnsureBuilt(info.Env());
    const auto [count, mean] = network.plastic_weights();
    auto out = Napi::Object::New(info.Env());
    out.Set("count", Napi::Number::New(info.Env(), double(count)));
    out.Set("mean", Napi::Number::New(info.Env(), mean));
    return out;
  });
}

// state() -> { v, u } live views (building the network if needed)
Napi::Value NetworkWrap::State(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    if (!network_) throw StateError("Network.state(): the network is closed");
    EnsureBuilt(info.Env());
    auto out = Napi::Object::New(info.Env());
    out.Set("v", v_view_.Value());
    out.Set("u", u_view_.Value());
    return out;
  });
}

Napi::Value NetworkWrap::Time(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    if (!network_) throw StateError("Network.time: the network is closed");
    return Napi::Number::New(info.Env(), double(network_->time()));
  });
}

Napi::Value NetworkWrap::Neurons(const Napi::CallbackInfo& info) {
  return Guarded(info.Env(), [&]() -> Napi::Value {
    if (!network_) throw StateError("Network.neurons: the network is closed");
    return Napi::Number::New(info.Env(), network_->neurons());
  });
}

Napi::Value NetworkWrap::Built(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), network_ && network_->built());
}

Napi::Value NetworkWrap::Busy(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), async_.busy());
}

Napi::Value NetworkWrap::Closed(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), !network_);
}

}  // namespace polychron::addon
