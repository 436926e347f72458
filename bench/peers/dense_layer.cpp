// Peer kernel benchmark: a dense float32 layer (OpenBLAS and a plain C++ loop) and a plain
// C++ LUT layer loop (shared/spec/lut-networks.md §1, forward only), timed per input.
//
// Built and run by bench/peers/dense.js:
//   g++ -O3 -march=native -std=c++17 dense_layer.cpp -o bench/.build/dense_layer -lopenblas
// OpenBLAS is linked by this benchmark only, never by the product.
//
// Usage: dense_layer [--trials 9] [--seed 1] [--target-ms 25] [--warmup-ms 50] CASE...
//   CASE = dense:D_IN:D_OUT:BATCH[:CALLS]      y = W^T x, W stored d_in x d_out row-major
//        | lut:D:M:T:C:BATCH[:CALLS[:POOL]]    y = sum of T table rows
// CALLS (kernel calls per trial) defaults to 0 = calibrated so that a trial lasts about
// --target-ms; POOL (inputs cycled through) defaults to 0 = the rule of poolSize(). Prints one
// JSON object on stdout.
//
// Layouts: inputs are a pool of P >= BATCH random vectors (P*d floats, row-major); a call
// processes the next BATCH of them, so successive calls see fresh inputs (the LUT indices
// differ, the rows fetched differ, nothing is served from a cache warmed by the same input).
// W is d_in x d_out row-major, so y = x W (x as a row): cblas_sgemv(RowMajor, Trans) for one
// input, cblas_sgemm(RowMajor, NoTrans, NoTrans, B, d_out, d_in) for a batch (X is B x d_in).
// The plain dense loop is the obvious triple loop "for each input, for each i < d_in,
// y += x[i] * row i of W": its inner loop (over d_out) is an axpy that GCC -O3
// auto-vectorizes (no -ffast-math needed, no reduction); it is the same shape as the LUT
// loop, which adds a selected row instead of a weighted one.
#include <cblas.h>
#include <immintrin.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

namespace {

// ---------------------------------------------------------------- random numbers
struct SplitMix64 {
  uint64_t state;
  explicit SplitMix64(uint64_t seed) : state(seed) {}
  uint64_t next() {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  float uniform(float lo, float hi) {  // [lo, hi)
    return lo + (hi - lo) * static_cast<float>((next() >> 40) * (1.0 / 16777216.0));
  }
  uint32_t below(uint32_t n) { return static_cast<uint32_t>(((next() >> 32) * n) >> 32); }
};

void fill(float* data, size_t count, SplitMix64& rng, float scale) {
  for (size_t k = 0; k < count; k++) data[k] = rng.uniform(-scale, scale);
}

// 64-byte aligned float buffer (so vector loads do not straddle lines for no reason).
struct Buffer {
  float* data = nullptr;
  size_t count = 0;
  explicit Buffer(size_t n) : count(n) {
    size_t bytes = ((n * sizeof(float) + 63) / 64) * 64;
    data = static_cast<float*>(std::aligned_alloc(64, bytes == 0 ? 64 : bytes));
    if (data == nullptr) {
      std::fprintf(stderr, "out of memory (%zu floats)\n", n);
      std::exit(1);
    }
    std::memset(data, 0, n * sizeof(float));
  }
  ~Buffer() { std::free(data); }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
};

// ---------------------------------------------------------------- kernels
// Every kernel overwrites y (batch x d_out, or batch x m) from scratch.

__attribute__((noinline)) void denseBlas(const float* W, const float* X, float* Y, int dIn, int dOut, int batch) {
  if (batch == 1) {
    cblas_sgemv(CblasRowMajor, CblasTrans, dIn, dOut, 1.0f, W, dOut, X, 1, 0.0f, Y, 1);
  } else {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, batch, dOut, dIn, 1.0f, X, dIn, W, dOut, 0.0f, Y, dOut);
  }
}

__attribute__((noinline)) void densePlain(const float* __restrict W, const float* __restrict X, float* __restrict Y,
                                          int dIn, int dOut, int batch) {
  for (int b = 0; b < batch; b++) {
    const float* x = X + static_cast<size_t>(b) * dIn;
    float* y = Y + static_cast<size_t>(b) * dOut;
    for (int o = 0; o < dOut; o++) y[o] = 0.0f;
    for (int i = 0; i < dIn; i++) {
      const float xi = x[i];
      const float* w = W + static_cast<size_t>(i) * dOut;
      for (int o = 0; o < dOut; o++) y[o] += xi * w[o];
    }
  }
}

// tables: T x 2^C x m floats; anchorsA/B: T x C int32.
__attribute__((noinline)) void lutPlain(const float* __restrict tables, const int32_t* __restrict anchorsA,
                                        const int32_t* __restrict anchorsB, const float* __restrict X,
                                        float* __restrict Y, int d, int m, int T, int C, int batch) {
  const size_t tableFloats = (static_cast<size_t>(1) << C) * m;
  for (int b = 0; b < batch; b++) {
    const float* x = X + static_cast<size_t>(b) * d;
    float* y = Y + static_cast<size_t>(b) * m;
    for (int k = 0; k < m; k++) y[k] = 0.0f;
    for (int t = 0; t < T; t++) {
      const int32_t* a = anchorsA + static_cast<size_t>(t) * C;
      const int32_t* bb = anchorsB + static_cast<size_t>(t) * C;
      uint32_t j = 0;
      for (int r = 0; r < C; r++) j |= static_cast<uint32_t>(x[a[r]] > x[bb[r]]) << r;
      const float* row = tables + t * tableFloats + static_cast<size_t>(j) * m;
      for (int k = 0; k < m; k++) y[k] += row[k];
    }
  }
}

#ifdef __AVX512F__
// The hand-tuned AVX-512 loop for the shape (d <= 32, m = 32, T = 16): the 16 tables'
// indices in one register (x held in two registers, each comparison one two-register permute
// per anchor), the rows summed in two accumulators. A batch first computes every input's
// indices, then sums the rows with each row prefetched kHandAhead rows ahead, so that many
// row misses are in flight at once. Anchors are comparison-major here (aT[r*16 + t]).
constexpr long kHandAhead = 32;

inline __m512i handIndices(const float* x, int d, const int32_t* aT, const int32_t* bT, int C) {
  const __m512 x0 = _mm512_maskz_loadu_ps(static_cast<__mmask16>(d >= 16 ? 0xFFFF : (1u << d) - 1), x);
  const __m512 x1 = d > 16 ? _mm512_maskz_loadu_ps(static_cast<__mmask16>((1u << (d - 16)) - 1), x + 16) : _mm512_setzero_ps();
  __m512i j = _mm512_setzero_si512();
  for (int r = 0; r < C; r++) {
    const __m512 xa = _mm512_permutex2var_ps(x0, _mm512_loadu_si512(aT + r * 16), x1);
    const __m512 xb = _mm512_permutex2var_ps(x0, _mm512_loadu_si512(bT + r * 16), x1);
    j = _mm512_mask_or_epi32(j, _mm512_cmp_ps_mask(xa, xb, _CMP_GT_OQ), j, _mm512_set1_epi32(1 << r));
  }
  return j;
}

__attribute__((noinline)) void lutHandTuned(const float* __restrict tables, const int32_t* __restrict aT,
                                            const int32_t* __restrict bT, const float* __restrict X,
                                            float* __restrict Y, int d, int C, int batch, uint32_t* __restrict rowAt) {
  const uint32_t tableFloats = (1u << C) * 32u;
  const __m512i tableStart = _mm512_mullo_epi32(_mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
                                                _mm512_set1_epi32(static_cast<int>(tableFloats)));
  if (batch == 1) {  // one input: its 16 row loads are independent and issued back to back
    alignas(64) uint32_t at[16];
    _mm512_store_si512(at, _mm512_add_epi32(tableStart, _mm512_slli_epi32(handIndices(X, d, aT, bT, C), 5)));
    __m512 lo = _mm512_setzero_ps(), hi = _mm512_setzero_ps();
#pragma GCC unroll 16
    for (int t = 0; t < 16; t++) {
      lo = _mm512_add_ps(lo, _mm512_loadu_ps(tables + at[t]));
      hi = _mm512_add_ps(hi, _mm512_loadu_ps(tables + at[t] + 16));
    }
    _mm512_storeu_ps(Y, lo);
    _mm512_storeu_ps(Y + 16, hi);
    return;
  }
  for (int b = 0; b < batch; b++) {
    const __m512i j = handIndices(X + static_cast<size_t>(b) * d, d, aT, bT, C);
    _mm512_storeu_si512(rowAt + b * 16, _mm512_add_epi32(tableStart, _mm512_slli_epi32(j, 5)));
  }
  const long rows = static_cast<long>(batch) * 16;
  for (long r = 0; r < rows && r < kHandAhead; r++) {
    _mm_prefetch(reinterpret_cast<const char*>(tables + rowAt[r]), _MM_HINT_T0);
    _mm_prefetch(reinterpret_cast<const char*>(tables + rowAt[r] + 16), _MM_HINT_T0);
  }
  for (int b = 0; b < batch; b++) {
    __m512 lo = _mm512_setzero_ps(), hi = _mm512_setzero_ps();
    for (long r = b * 16L; r < b * 16L + 16; r++) {
      if (r + kHandAhead < rows) {
        _mm_prefetch(reinterpret_cast<const char*>(tables + rowAt[r + kHandAhead]), _MM_HINT_T0);
        _mm_prefetch(reinterpret_cast<const char*>(tables + rowAt[r + kHandAhead] + 16), _MM_HINT_T0);
      }
      lo = _mm512_add_ps(lo, _mm512_loadu_ps(tables + rowAt[r]));
      hi = _mm512_add_ps(hi, _mm512_loadu_ps(tables + rowAt[r] + 16));
    }
    _mm512_storeu_ps(Y + static_cast<size_t>(b) * 32, lo);
    _mm512_storeu_ps(Y + static_cast<size_t>(b) * 32 + 16, hi);
  }
}
#endif

// ---------------------------------------------------------------- timing
using Clock = std::chrono::steady_clock;

double checksum = 0.0;  // printed at the end: every call's output feeds it

struct Timing {
  double median = 0, min = 0, max = 0;
  long callsPerTrial = 0;
  int trials = 0;
};

struct Options {
  int trials = 9;
  uint64_t seed = 1;
  double targetMs = 25;
  double warmupMs = 50;
};

// call(k) runs the kernel on the k-th batch of the pool and returns one output value.
template <typename Call>
Timing timeKernel(Call call, long fixedCalls, int batch, const Options& opt) {
  long k = 0;
  // Warm up (pages touched, caches and OpenBLAS buffers set up) and calibrate.
  auto started = Clock::now();
  long warmCalls = 0;
  double elapsedMs = 0;
  do {
    checksum += call(k++);
    warmCalls++;
    elapsedMs = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
  } while (elapsedMs < opt.warmupMs && warmCalls < 1000000);
  long calls = fixedCalls;
  if (calls <= 0) {
    double perCall = elapsedMs / warmCalls;
    calls = std::max<long>(1, static_cast<long>(opt.targetMs / std::max(perCall, 1e-6)));
  }
  std::vector<double> perInput;
  for (int trial = 0; trial < opt.trials; trial++) {
    auto t0 = Clock::now();
    for (long c = 0; c < calls; c++) checksum += call(k++);
    double ns = std::chrono::duration<double, std::nano>(Clock::now() - t0).count();
    perInput.push_back(ns / (static_cast<double>(calls) * batch));
  }
  std::sort(perInput.begin(), perInput.end());
  size_t n = perInput.size();
  Timing timing;
  timing.median = n % 2 ? perInput[n / 2] : 0.5 * (perInput[n / 2 - 1] + perInput[n / 2]);
  timing.min = perInput.front();
  timing.max = perInput.back();
  timing.callsPerTrial = calls;
  timing.trials = opt.trials;
  return timing;
}

// Inputs in the pool: at least one batch, up to 65,536 vectors or 64 MiB, a whole number of batches.
long poolSize(long d, long batch) {
  long byBytes = (64l << 20) / (d * 4);
  long count = std::min<long>(65536, byBytes);
  count = (count / batch) * batch;
  return std::max(count, batch);
}

std::string jsonEscape(const std::string& s) {
  std::string out;
  for (char ch : s) {
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (static_cast<unsigned char>(ch) < 0x20) {
      out += ' ';
    } else {
      out += ch;
    }
  }
  return out;
}

std::string cpuModel() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      size_t colon = line.find(':');
      if (colon != std::string::npos) {
        size_t start = line.find_first_not_of(" \t", colon + 1);
        return start == std::string::npos ? "" : line.substr(start);
      }
    }
  }
  return "unknown";
}

std::string timingJson(const char* impl, const Timing& t, double bytesPerInput, double flopsPerInput) {
  char buf[640];
  std::snprintf(buf, sizeof buf,
                "{\"impl\":\"%s\",\"nsPerInput\":%.6g,\"minNsPerInput\":%.6g,\"maxNsPerInput\":%.6g,"
                "\"trials\":%d,\"callsPerTrial\":%ld,\"gbPerSecond\":%.6g,\"gflops\":%s}",
                impl, t.median, t.min, t.max, t.trials, t.callsPerTrial, bytesPerInput / t.median,
                flopsPerInput > 0 ? std::to_string(flopsPerInput / t.median).c_str() : "null");
  return buf;
}

std::string runDense(long dIn, long dOut, long batch, long fixedCalls, const Options& opt, SplitMix64& rng) {
  const long pool = poolSize(dIn, batch);
  Buffer W(static_cast<size_t>(dIn) * dOut), X(static_cast<size_t>(pool) * dIn);
  Buffer Yb(static_cast<size_t>(batch) * dOut), Yp(static_cast<size_t>(batch) * dOut);
  fill(W.data, W.count, rng, 1.0f / std::sqrt(static_cast<float>(dIn)));
  fill(X.data, X.count, rng, 1.0f);
  const long batches = pool / batch;
  auto input = [&](long k) { return X.data + static_cast<size_t>(k % batches) * batch * dIn; };

  // Agreement of the two implementations on the first batch.
  denseBlas(W.data, input(0), Yb.data, dIn, dOut, batch);
  densePlain(W.data, input(0), Yp.data, dIn, dOut, batch);
  double maxAbsDiff = 0, maxAbs = 0;
  for (size_t k = 0; k < Yb.count; k++) {
    maxAbsDiff = std::max(maxAbsDiff, static_cast<double>(std::fabs(Yb.data[k] - Yp.data[k])));
    maxAbs = std::max(maxAbs, static_cast<double>(std::fabs(Yb.data[k])));
  }

  const size_t last = Yb.count - 1;
  Timing blas = timeKernel([&](long k) {
    denseBlas(W.data, input(k), Yb.data, dIn, dOut, batch);
    return static_cast<double>(Yb.data[k % (last + 1)]);
  }, fixedCalls, batch, opt);
  Timing plain = timeKernel([&](long k) {
    densePlain(W.data, input(k), Yp.data, dIn, dOut, batch);
    return static_cast<double>(Yp.data[k % (last + 1)]);
  }, fixedCalls, batch, opt);

  const double weightBytes = 4.0 * dIn * dOut;
  const double bytesPerInput = weightBytes / batch + 4.0 * dIn;
  const double flopsPerInput = 2.0 * dIn * dOut;
  char head[1024];
  std::snprintf(head, sizeof head,
                "{\"kind\":\"dense\",\"dIn\":%ld,\"dOut\":%ld,\"batch\":%ld,\"parameters\":%ld,"
                "\"weightBytes\":%.0f,\"poolInputs\":%ld,"
                "\"bytesPerInput\":%.6g,\"bytesFormula\":\"d_in*d_out*4/batch (weights, amortized over the batch) + d_in*4 (input)\","
                "\"flopsPerInput\":%.6g,\"maxAbsDiffBlasVsPlain\":%.3g,\"maxAbsOutput\":%.3g,\"results\":[",
                dIn, dOut, batch, dIn * dOut, weightBytes, pool, bytesPerInput, flopsPerInput, maxAbsDiff, maxAbs);
  std::string out = head;
  out += timingJson(batch == 1 ? "openblas cblas_sgemv" : "openblas cblas_sgemm", blas, bytesPerInput, flopsPerInput);
  out += ",";
  out += timingJson("plain C++ loop (axpy rows, -O3 auto-vectorized)", plain, bytesPerInput, flopsPerInput);
  out += "]}";
  return out;
}

std::string runLut(long d, long m, long T, long C, long batch, long fixedCalls, long poolInputs, const Options& opt,
                   SplitMix64& rng) {
  if (C < 1 || C > 24 || d < 2) {
    std::fprintf(stderr, "lut case: need 1 <= C <= 24 and d >= 2\n");
    std::exit(2);
  }
  const long pool = poolInputs > 0 ? std::max(batch, (poolInputs / batch) * batch) : poolSize(d, batch);
  const size_t rows = static_cast<size_t>(1) << C;
  Buffer tables(static_cast<size_t>(T) * rows * m), X(static_cast<size_t>(pool) * d), Y(static_cast<size_t>(batch) * m);
  // Random contents (not the spec's zeros): every page is written, so it is real memory.
  fill(tables.data, tables.count, rng, 1.0f);
  fill(X.data, X.count, rng, 1.0f);
  std::vector<int32_t> a(static_cast<size_t>(T) * C), b(static_cast<size_t>(T) * C);
  for (size_t k = 0; k < a.size(); k++) {
    a[k] = static_cast<int32_t>(rng.below(static_cast<uint32_t>(d)));
    do b[k] = static_cast<int32_t>(rng.below(static_cast<uint32_t>(d))); while (b[k] == a[k]);
  }
  const long batches = pool / batch;
  auto input = [&](long k) { return X.data + static_cast<size_t>(k % batches) * batch * d; };
  const size_t last = Y.count - 1;
  Timing plain = timeKernel([&](long k) {
    lutPlain(tables.data, a.data(), b.data(), input(k), Y.data, static_cast<int>(d), static_cast<int>(m),
             static_cast<int>(T), static_cast<int>(C), static_cast<int>(batch));
    return static_cast<double>(Y.data[k % (last + 1)]);
  }, fixedCalls, batch, opt);

#ifdef __AVX512F__
  // The hand-tuned loop exists for the shape only; its output must equal the plain loop's.
  const bool handTuned = d <= 32 && m == 32 && T == 16;
  Timing hand;
  double handMaxDiff = 0;
  if (handTuned) {
    std::vector<int32_t> aT(static_cast<size_t>(C) * 16), bT(static_cast<size_t>(C) * 16);
    for (long t = 0; t < T; t++) {
      for (long r = 0; r < C; r++) {
        aT[r * 16 + t] = a[t * C + r];
        bT[r * 16 + t] = b[t * C + r];
      }
    }
    std::vector<uint32_t> rowAt(static_cast<size_t>(batch) * 16);
    Buffer Yh(static_cast<size_t>(batch) * m);
    lutPlain(tables.data, a.data(), b.data(), input(0), Y.data, static_cast<int>(d), static_cast<int>(m),
             static_cast<int>(T), static_cast<int>(C), static_cast<int>(batch));
    lutHandTuned(tables.data, aT.data(), bT.data(), input(0), Yh.data, static_cast<int>(d), static_cast<int>(C),
                 static_cast<int>(batch), rowAt.data());
    for (size_t k = 0; k < Y.count; k++) handMaxDiff = std::max(handMaxDiff, static_cast<double>(std::fabs(Y.data[k] - Yh.data[k])));
    hand = timeKernel([&](long k) {
      lutHandTuned(tables.data, aT.data(), bT.data(), input(k), Yh.data, static_cast<int>(d), static_cast<int>(C),
                   static_cast<int>(batch), rowAt.data());
      return static_cast<double>(Yh.data[k % (last + 1)]);
    }, fixedCalls, batch, opt);
  }
#endif

  const double rowBytes = 4.0 * T * m;
  const double anchorBytes = 2.0 * T * C * 4;
  const double inputBytes = 4.0 * d;
  const double bytesPerInput = rowBytes + anchorBytes + inputBytes;
  const double tableBytes = 4.0 * T * rows * m;
  char head[1200];
  std::snprintf(head, sizeof head,
                "{\"kind\":\"lut\",\"d\":%ld,\"m\":%ld,\"T\":%ld,\"C\":%ld,\"batch\":%ld,\"parameters\":%.0f,"
                "\"tableBytes\":%.0f,\"poolInputs\":%ld,\"rowBytesPerInput\":%.0f,\"anchorBytesPerInput\":%.0f,"
                "\"inputBytesPerInput\":%.0f,\"bytesPerInput\":%.6g,"
                "\"bytesFormula\":\"T*m*4 (the T selected rows) + 2*T*C*4 (int32 anchor indices a,b) + d*4 (input; the 2*T*C gathered x values come from it)\","
                "\"addsPerInput\":%.0f,\"comparisonsPerInput\":%.0f,\"results\":[",
                d, m, T, C, batch, static_cast<double>(T) * rows * m, tableBytes, pool, rowBytes, anchorBytes, inputBytes,
                bytesPerInput, static_cast<double>(T) * m, static_cast<double>(T) * C);
  std::string out = head;
  out += timingJson("plain C++ loop (scalar index, -O3)", plain, bytesPerInput, 0);
#ifdef __AVX512F__
  if (handTuned) {
    out += ",";
    std::string entry = timingJson("hand-tuned AVX-512 (register permutes, rows prefetched 32 ahead)", hand, bytesPerInput, 0);
    char diff[64];
    std::snprintf(diff, sizeof diff, ",\"maxAbsDiffVsPlain\":%.3g}", handMaxDiff);
    entry.pop_back();
    out += entry + diff;
  }
#endif
  out += "]}";
  return out;
}

std::vector<long> splitNumbers(const std::string& text) {
  std::vector<long> numbers;
  size_t start = 0;
  while (start <= text.size()) {
    size_t colon = text.find(':', start);
    std::string part = text.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    char* end = nullptr;
    long value = std::strtol(part.c_str(), &end, 10);
    if (part.empty() || *end != '\0' || value < 0) {
      std::fprintf(stderr, "bad number '%s' in case '%s'\n", part.c_str(), text.c_str());
      std::exit(2);
    }
    numbers.push_back(value);
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return numbers;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  std::vector<std::string> cases;
  for (int i = 1; i < argc; i++) {
    std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", arg.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--trials") opt.trials = std::max(1, std::atoi(value().c_str()));
    else if (arg == "--seed") opt.seed = std::strtoull(value().c_str(), nullptr, 10);
    else if (arg == "--target-ms") opt.targetMs = std::atof(value().c_str());
    else if (arg == "--warmup-ms") opt.warmupMs = std::atof(value().c_str());
    else cases.push_back(arg);
  }

  std::string results;
  for (size_t c = 0; c < cases.size(); c++) {
    const std::string& spec = cases[c];
    size_t colon = spec.find(':');
    std::string kind = spec.substr(0, colon);
    std::vector<long> n = colon == std::string::npos ? std::vector<long>{} : splitNumbers(spec.substr(colon + 1));
    SplitMix64 rng(opt.seed * 1000003ull + c);  // fixed per case, whatever ran before it
    std::string one;
    if (kind == "dense" && (n.size() == 3 || n.size() == 4) && n[0] > 0 && n[1] > 0 && n[2] > 0) {
      one = runDense(n[0], n[1], n[2], n.size() == 4 ? n[3] : 0, opt, rng);
    } else if (kind == "lut" && n.size() >= 5 && n.size() <= 7 && n[0] > 0 && n[1] > 0 && n[2] > 0 && n[4] > 0) {
      one = runLut(n[0], n[1], n[2], n[3], n[4], n.size() >= 6 ? n[5] : 0, n.size() == 7 ? n[6] : 0, opt, rng);
    } else {
      std::fprintf(stderr, "bad case '%s' (dense:D_IN:D_OUT:BATCH[:CALLS] or lut:D:M:T:C:BATCH[:CALLS[:POOL]])\n", spec.c_str());
      return 2;
    }
    if (!results.empty()) results += ",\n";
    results += one;
    std::fprintf(stderr, "done %s\n", spec.c_str());
  }

  const char* env = std::getenv("OPENBLAS_NUM_THREADS");
  std::printf("{\"cpu\":\"%s\",\"threads\":{\"openblas\":%d,\"openblasProcs\":%d,\"OPENBLAS_NUM_THREADS\":%s%s%s,\"plainLoops\":1},"
              "\"openblasCorename\":\"%s\",\"openblasConfig\":\"%s\",\"trials\":%d,\"seed\":%llu,\"targetMsPerTrial\":%g,"
              "\"timing\":\"median over trials of (trial wall time / (calls * batch)), ns per input; each trial runs callsPerTrial kernel calls on fresh inputs from a pool, after a warm-up\","
              "\"cases\":[\n%s\n],\"checksum\":%.17g}\n",
              jsonEscape(cpuModel()).c_str(), openblas_get_num_threads(), openblas_get_num_procs(), env ? "\"" : "",
              env ? jsonEscape(env).c_str() : "null", env ? "\"" : "", jsonEscape(openblas_get_corename()).c_str(),
              jsonEscape(openblas_get_config()).c_str(), opt.trials, static_cast<unsigned long long>(opt.seed), opt.targetMs,
              results.c_str(), checksum);
  return 0;
}
