// Memory probe: what this machine's memory system allows, for the physical-limit accounts of
// docs/benchmarks.md (issues 16 and 22). Built and run by bench/memory-probe.js:
//   g++ -O2 -march=native -std=c++17 -pthread memory_probe.cpp -o bench/.build/memory_probe
//
// Usage: memory_probe [--repeats R] [--bandwidth-repeats R] [--threads T] [--bandwidth-mb MB]
//                     [--accesses N] [--max-mb MB] [--pages 4k,2m]
//                     [--phases bandwidth,latency,random]
// Prints one JSON object on stdout (raw samples; the script takes medians); progress on stderr.
//
// Measured, for each page size asked (4k: madvise(MADV_NOHUGEPAGE), what a plain allocation
// gets on this machine, where transparent huge pages are "madvise"; 2m: madvise(MADV_HUGEPAGE)):
//
// 1. bandwidth: one pass over a buffer (1 GB by default), 1..T threads each streaming its own
//    contiguous part, 64-byte vector loads/stores:
//      read     sum of the buffer (4 independent accumulators)
//      write    plain stores (the line is read for ownership first: 2x the traffic counted)
//      write-nt non-temporal (streaming) stores, no read for ownership
//      update   load, add, store in place (a state array updated each step)
//    GB/s = bytes counted (buffer size; 2x for update) / wall time of the slowest thread.
// 2. latency: a pointer chase through every 64-byte line of a working set in one random
//    cycle (Sattolo), one thread; ns per dependent load.
// 3. random: independent accesses over a working set, index streams precomputed (uint32,
//    read sequentially, as a synapse list is), 1..T threads:
//      rmw4          a[idx[i]] += 1.0f (float array; with T threads each its own 1/T of it)
//      rmw4-prefetch the same with __builtin_prefetch(&a[idx[i + 16]], 1)
//      read64        one aligned 64-byte line read per index (shared array; each thread its
//                    own stream); xor-accumulated so the loads are independent
//    ns per access = wall time / all threads' accesses together.
//
// The machine is shared: a sample during which one of our threads was descheduled, or another
// process was seen runnable (checked every 2 ms), is taken again (see cleanSamples); the JSON
// counts such samples. Samples are taken in rounds over the configurations of a phase, so a
// busy moment of the machine does not fall on one configuration only. All working sets are
// prefixes of one buffer per page size, touched once (first touch is slow in this VM), and
// the index streams and chase permutation are reused.
#include <immintrin.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <cpuid.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kHuge = size_t(2) << 20;

double now() { return std::chrono::duration<double>(Clock::now().time_since_epoch()).count(); }

volatile uint64_t g_sink;

struct Rng {  // splitmix64
  uint64_t s;
  explicit Rng(uint64_t seed) : s(seed) {}
  uint64_t next() {
    uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  uint32_t below(uint32_t n) { return uint32_t(((next() >> 32) * uint64_t(n)) >> 32); }
};

long anonHugeKb() {
  std::ifstream in("/proc/self/smaps_rollup");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("AnonHugePages:", 0) == 0) return std::atol(line.c_str() + 14);
  }
  return -1;
}

// A buffer of `bytes`, 2 MB aligned, with 4 KB or 2 MB pages asked for, touched (zeroed).
struct Buffer {
  void* map = nullptr;
  size_t mapBytes = 0;
  char* data = nullptr;
  size_t bytes = 0;
  double hugeFraction = 0;  // share of the buffer the kernel backed with huge pages
  Buffer(size_t n, bool huge) : bytes(n) {
    mapBytes = n + kHuge;
    map = mmap(nullptr, mapBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (map == MAP_FAILED) { perror("mmap"); std::exit(1); }
    data = reinterpret_cast<char*>((reinterpret_cast<uintptr_t>(map) + kHuge - 1) & ~(kHuge - 1));
    madvise(data, n, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
    long before = anonHugeKb();
    std::memset(data, 0, n);
    long after = anonHugeKb();
    hugeFraction = (before < 0 || after < 0) ? -1 : double(after - before) * 1024.0 / double(n);
  }
  ~Buffer() { munmap(map, mapBytes); }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
};

double threadCpu() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
}

// Runnable tasks on the whole machine now (the 4th field of /proc/loadavg, "running/total").
int runnableTasks() {
  FILE* f = std::fopen("/proc/loadavg", "r");
  if (!f) return -1;
  double l1, l5, l15;
  int running = -1, total = 0;
  if (std::fscanf(f, "%lf %lf %lf %d/%d", &l1, &l5, &l15, &running, &total) != 5) running = -1;
  std::fclose(f);
  return running;
}

// wall: seconds from the first thread's start to the last thread's end; cpu: the busiest
// thread's own CPU time; othersSeen: another process was runnable at one of the checks.
struct Timing { double wall, cpu; bool othersSeen; };

// Runs fn(t) on T threads released together. Meanwhile the calling thread looks every 2 ms
// whether anything besides the T workers and itself is runnable (a few microseconds each).
Timing parallel(int T, const std::function<void(int)>& fn) {
  std::atomic<int> ready{0}, done{0};
  std::atomic<bool> go{false};
  std::vector<double> start(T), end(T), cpu(T);
  std::vector<std::thread> threads;
  for (int t = 0; t < T; t++) {
    threads.emplace_back([&, t] {
      ready.fetch_add(1);
      while (!go.load(std::memory_order_acquire)) {}
      double c0 = threadCpu();
      start[t] = now();
      fn(t);
      end[t] = now();
      cpu[t] = threadCpu() - c0;
      done.fetch_add(1);
    });
  }
  while (ready.load() < T) std::this_thread::yield();
  bool others = runnableTasks() > T + 1;
  go.store(true, std::memory_order_release);
  const timespec pause{0, 2000000};
  while (done.load() < T) {
    nanosleep(&pause, nullptr);
    if (done.load() < T && runnableTasks() > T + 1) others = true;
  }
  for (auto& th : threads) th.join();
  return {*std::max_element(end.begin(), end.end()) - *std::min_element(start.begin(), start.end()),
          *std::max_element(cpu.begin(), cpu.end()), others};
}

// The machine is shared. A sample is disturbed when a thread was descheduled (wall time more
// than 10 % above the busiest thread's CPU time) or another process was seen runnable during
// it (its memory traffic and cache use slow ours); it is taken again, up to 3x `wanted` tries.
// If too few clean samples come, the least descheduled of the rest fill in (`kept` counts
// them, `dropped` the others). Returns the wall times kept.
std::vector<double> cleanSamples(int T, int wanted, const std::function<void(int)>& fn, int& dropped, int& kept) {
  std::vector<Timing> clean, disturbed;
  for (int tries = 0; tries < 3 * wanted && int(clean.size()) < wanted; tries++) {
    Timing s = parallel(T, fn);
    (s.wall <= 1.10 * s.cpu && !s.othersSeen ? clean : disturbed).push_back(s);
  }
  std::sort(disturbed.begin(), disturbed.end(), [](const Timing& a, const Timing& b) { return a.wall / a.cpu < b.wall / b.cpu; });
  size_t used = 0;
  for (; int(clean.size()) < wanted && used < disturbed.size(); used++) clean.push_back(disturbed[used]);
  dropped += int(disturbed.size() - used);
  kept += int(used);
  std::vector<double> walls;
  for (auto& s : clean) walls.push_back(s.wall);
  return walls;
}

// ---- 1. bandwidth ---------------------------------------------------------------------

#if defined(__AVX512F__)
using Vec = __m512i;
inline Vec vload(const void* p) { return _mm512_load_si512(p); }
inline void vstore(void* p, Vec v) { _mm512_store_si512(p, v); }
inline void vstream(void* p, Vec v) { _mm512_stream_si512(reinterpret_cast<__m512i*>(p), v); }
inline Vec vadd(Vec a, Vec b) { return _mm512_add_epi64(a, b); }
inline Vec vset(long long x) { return _mm512_set1_epi64(x); }
inline uint64_t vfold(Vec v) {
  alignas(64) uint64_t l[8];
  _mm512_store_si512(l, v);
  return l[0] + l[1] + l[2] + l[3] + l[4] + l[5] + l[6] + l[7];
}
constexpr size_t kVec = 64;
#else
using Vec = __m256i;
inline Vec vload(const void* p) { return _mm256_load_si256(reinterpret_cast<const __m256i*>(p)); }
inline void vstore(void* p, Vec v) { _mm256_store_si256(reinterpret_cast<__m256i*>(p), v); }
inline void vstream(void* p, Vec v) { _mm256_stream_si256(reinterpret_cast<__m256i*>(p), v); }
inline Vec vadd(Vec a, Vec b) { return _mm256_add_epi64(a, b); }
inline Vec vset(long long x) { return _mm256_set1_epi64x(x); }
inline uint64_t vfold(Vec v) {
  alignas(32) uint64_t l[4];
  _mm256_store_si256(reinterpret_cast<__m256i*>(l), v);
  return l[0] + l[1] + l[2] + l[3];
}
constexpr size_t kVec = 32;
#endif

void bwRead(const char* p, size_t n) {
  Vec a = vset(0), b = a, c = a, d = a;
  for (size_t i = 0; i < n; i += 4 * kVec) {
    a = vadd(a, vload(p + i));
    b = vadd(b, vload(p + i + kVec));
    c = vadd(c, vload(p + i + 2 * kVec));
    d = vadd(d, vload(p + i + 3 * kVec));
  }
  g_sink = vfold(vadd(vadd(a, b), vadd(c, d)));
}
void bwWrite(char* p, size_t n, long long x) {
  Vec v = vset(x);
  for (size_t i = 0; i < n; i += 4 * kVec) {
    vstore(p + i, v); vstore(p + i + kVec, v); vstore(p + i + 2 * kVec, v); vstore(p + i + 3 * kVec, v);
  }
}
void bwWriteNt(char* p, size_t n, long long x) {
  Vec v = vset(x);
  for (size_t i = 0; i < n; i += 4 * kVec) {
    vstream(p + i, v); vstream(p + i + kVec, v); vstream(p + i + 2 * kVec, v); vstream(p + i + 3 * kVec, v);
  }
  _mm_sfence();
}
void bwUpdate(char* p, size_t n) {
  Vec one = vset(1);
  for (size_t i = 0; i < n; i += 4 * kVec) {
    vstore(p + i, vadd(vload(p + i), one));
    vstore(p + i + kVec, vadd(vload(p + i + kVec), one));
    vstore(p + i + 2 * kVec, vadd(vload(p + i + 2 * kVec), one));
    vstore(p + i + 3 * kVec, vadd(vload(p + i + 3 * kVec), one));
  }
}

// ---- 2. latency -----------------------------------------------------------------------

struct alignas(64) Line { Line* next; char pad[56]; };

// Links every line of data[0, bytes) into one random cycle (perm: scratch, reused).
void buildChase(char* data, size_t bytes, std::vector<uint32_t>& perm, uint64_t seed) {
  size_t n = bytes / sizeof(Line);
  Line* lines = reinterpret_cast<Line*>(data);
  for (size_t i = 0; i < n; i++) perm[i] = uint32_t(i);
  Rng rng(seed);
  for (size_t i = n - 1; i > 0; i--) std::swap(perm[i], perm[rng.below(uint32_t(i))]);  // Sattolo
  for (size_t i = 0; i < n; i++) lines[i].next = &lines[perm[i]];
}

Line* chase(Line* p, size_t steps) {
  for (size_t i = 0; i < steps; i += 8) {
    p = p->next; p = p->next; p = p->next; p = p->next;
    p = p->next; p = p->next; p = p->next; p = p->next;
  }
  return p;
}

// ---- 3. independent random accesses -------------------------------------------------------

void rmw4(float* a, const uint32_t* idx, size_t n) {
  for (size_t i = 0; i < n; i++) a[idx[i]] += 1.0f;
}
void rmw4Prefetch(float* a, const uint32_t* idx, size_t n) {
  constexpr size_t D = 16;
  size_t i = 0;
  for (; i + D < n; i++) {
    __builtin_prefetch(&a[idx[i + D]], 1);
    a[idx[i]] += 1.0f;
  }
  for (; i < n; i++) a[idx[i]] += 1.0f;
}
void read64(const char* base, const uint32_t* idx, size_t n) {
  Vec acc = vset(0), acc2 = acc;
  for (size_t i = 0; i < n; i++) {
    const char* line = base + size_t(idx[i]) * 64;
    acc = vadd(acc, vload(line));
#if !defined(__AVX512F__)
    acc2 = vadd(acc2, vload(line + 32));
#endif
  }
  g_sink = vfold(vadd(acc, acc2));
}

// ---- CPUID's cache description (often absent or wrong in a VM) -----------------------

std::string cpuidCaches() {
  std::string out = "[";
  unsigned a, b, c, d;
  if (!__get_cpuid(0x80000000u, &a, &b, &c, &d) || a < 0x8000001Du) return "[]";
  bool first = true;
  for (unsigned sub = 0; sub < 8; sub++) {
    __cpuid_count(0x8000001Du, sub, a, b, c, d);
    unsigned type = a & 31;
    if (type == 0) break;
    unsigned level = (a >> 5) & 7;
    size_t line = (b & 0xfff) + 1, parts = ((b >> 12) & 0x3ff) + 1, ways = ((b >> 22) & 0x3ff) + 1;
    size_t sets = size_t(c) + 1;
    unsigned sharing = ((a >> 14) & 0xfff) + 1;
    const char* kind = type == 1 ? "data" : type == 2 ? "instruction" : "unified";
    char buf[256];
    std::snprintf(buf, sizeof buf, "%s{\"level\":%u,\"type\":\"%s\",\"bytes\":%zu,\"ways\":%zu,\"lineBytes\":%zu,\"sharedByLogicalCpus\":%u}",
                  first ? "" : ",", level, kind, ways * parts * line * sets, ways, line, sharing);
    out += buf;
    first = false;
  }
  return out + "]";
}

// Busy and total CPU time of the whole machine so far (from /proc/stat), in seconds.
bool machineCpu(double& busy, double& total) {
  std::ifstream in("/proc/stat");
  std::string cpu;
  unsigned long long v[8] = {0};
  if (!(in >> cpu >> v[0] >> v[1] >> v[2] >> v[3] >> v[4] >> v[5] >> v[6] >> v[7]) || cpu != "cpu") return false;
  const double hz = double(sysconf(_SC_CLK_TCK));
  total = double(v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7]) / hz;
  busy = total - double(v[3] + v[4]) / hz;
  return true;
}

double ownCpu() {
  rusage u;
  getrusage(RUSAGE_SELF, &u);
  return double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + 1e-6 * double(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

std::string samples(const std::vector<double>& v) {
  std::string s = "[";
  char buf[64];
  for (size_t i = 0; i < v.size(); i++) {
    std::snprintf(buf, sizeof buf, "%s%.6g", i ? "," : "", v[i]);
    s += buf;
  }
  return s + "]";
}

}  // namespace

int main(int argc, char** argv) {
  int repeats = 5, bwRepeats = 5, maxThreads = 2;
  size_t bwMb = 1024, maxMb = 1024, accesses = size_t(1) << 21;
  std::string pages = "4k,2m", phases = "bandwidth,latency,random";
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    const char* v = argv[i + 1];
    if (k == "--repeats") repeats = std::atoi(v);
    else if (k == "--bandwidth-repeats") bwRepeats = std::atoi(v);
    else if (k == "--threads") maxThreads = std::atoi(v);
    else if (k == "--bandwidth-mb") bwMb = std::strtoull(v, nullptr, 10);
    else if (k == "--max-mb") maxMb = std::strtoull(v, nullptr, 10);
    else if (k == "--accesses") accesses = std::strtoull(v, nullptr, 10);
    else if (k == "--pages") pages = v;
    else if (k == "--phases") phases = v;
    else { std::fprintf(stderr, "unknown option %s\n", k.c_str()); return 2; }
  }
  std::vector<bool> pageKinds;
  if (pages.find("4k") != std::string::npos) pageKinds.push_back(false);
  if (pages.find("2m") != std::string::npos) pageKinds.push_back(true);
  const char* pageName[2] = {"4k", "2m"};
  const double started = now();
  double busy0 = 0, total0 = 0, busy1 = 0, total1 = 0;
  const bool haveStat = machineCpu(busy0, total0);

  // Working sets. Latency: powers of two and 1.5x between them from 16 KB to 64 MB (the curve
  // that shows the cache sizes), then 128 MB and 1 GB; with 2 MB pages only powers of two
  // from 4 MB (no huge page fits a smaller set, and the caches' knees are below).
  // Independent accesses: 256 KB, 4 MB, 32 MB, 128 MB, 1 GB (with 2 MB pages from 4 MB).
  const size_t maxBytes = std::max(bwMb, maxMb) << 20;
  std::vector<size_t> chaseSizes, randomSizes;
  for (size_t s = 16 << 10; s <= (size_t(64) << 20); s *= 2) {
    chaseSizes.push_back(s);
    if (s < (size_t(64) << 20)) chaseSizes.push_back(s * 3 / 2);
  }
  chaseSizes.push_back(size_t(128) << 20);
  chaseSizes.push_back(size_t(1024) << 20);
  for (size_t s : {size_t(256) << 10, size_t(4) << 20, size_t(32) << 20, size_t(128) << 20, size_t(1024) << 20})
    randomSizes.push_back(s);
  auto fits = [&](size_t s) { return s <= (maxMb << 20); };

  // Scratch reused by every working set (allocating and first touching memory is slow here).
  std::vector<uint32_t> perm(maxBytes / 64);
  std::vector<std::vector<uint32_t>> idxRmw(maxThreads, std::vector<uint32_t>(accesses)),
      idxRead(maxThreads, std::vector<uint32_t>(accesses));

  std::string bwJson, latJson, rndJson;
  auto append = [](std::string& json, const std::string& item) { json += (json.empty() ? "" : ",\n    ") + item; };
  char head[512];

  for (bool huge : pageKinds) {
    // One buffer per page size, first touched once; every working set is a prefix of it.
    Buffer buf(maxBytes, huge);
    std::fprintf(stderr, "%s pages: buffer of %zu MB touched (%.0f %% huge), %.1f s\n", pageName[huge], maxBytes >> 20,
                 100 * buf.hugeFraction, now() - started);

    // 1. bandwidth: rounds over every (kind, threads), so that each configuration's samples
    // are spread over the phase rather than bunched in one moment of the machine's load.
    if (phases.find("bandwidth") != std::string::npos) {
      const size_t bytes = bwMb << 20;
      struct Config { const char* kind; int T; std::vector<double> gbs; int dropped = 0, kept = 0; };
      std::vector<Config> configs;
      for (const char* kind : {"read", "write", "write-nt", "update"})
        for (int T = 1; T <= maxThreads; T++) configs.push_back({kind, T, {}, 0, 0});
      for (int r = 0; r < bwRepeats; r++) {
        for (auto& c : configs) {
          const size_t part = (bytes / c.T) & ~size_t(4 * kVec - 1);
          const char* kind = c.kind;
          auto one = [&](int t) {
            char* p = buf.data + size_t(t) * part;
            if (!std::strcmp(kind, "read")) bwRead(p, part);
            else if (!std::strcmp(kind, "write")) bwWrite(p, part, t + 1);
            else if (!std::strcmp(kind, "write-nt")) bwWriteNt(p, part, t + 1);
            else bwUpdate(p, part);
          };
          const double counted = double(part) * c.T * (!std::strcmp(kind, "update") ? 2 : 1);
          for (double wall : cleanSamples(c.T, 1, one, c.dropped, c.kept)) c.gbs.push_back(counted / wall / 1e9);
        }
      }
      for (auto& c : configs) {
        std::snprintf(head, sizeof head, "{\"kind\":\"%s\",\"threads\":%d,\"pages\":\"%s\",\"hugeFraction\":%.3f,\"bytes\":%zu,\"dropped\":%d,\"disturbedKept\":%d,\"gbPerSecond\":",
                      c.kind, c.T, pageName[huge], buf.hugeFraction, bytes, c.dropped, c.kept);
        append(bwJson, head + samples(c.gbs) + "}");
      }
      std::fprintf(stderr, "%s pages: bandwidth done, %.1f s\n", pageName[huge], now() - started);
    }

    // 2. latency
    for (size_t ws : chaseSizes) {
      if (phases.find("latency") == std::string::npos) break;
      if (!fits(ws) || (huge && (ws < (size_t(4) << 20) || (ws & (ws - 1)) != 0))) continue;
      buildChase(buf.data, ws, perm, 0x5eed + ws);
      Line* p = reinterpret_cast<Line*>(buf.data);
      const size_t lines = ws / sizeof(Line);
      // Warm: every line once where the set could be held in a cache, a short run beyond.
      p = chase(p, (ws <= (size_t(16) << 20) ? std::max<size_t>(lines, 1 << 16) : size_t(1) << 16) & ~size_t(7));
      double t0 = now();
      p = chase(p, 1 << 16);
      double per = (now() - t0) / (1 << 16);
      size_t steps = std::max<size_t>(1 << 16, size_t(0.01 / std::max(per, 1e-10))) & ~size_t(7);  // ~10 ms a sample
      int dropped = 0, kept = 0;
      std::vector<double> ns = cleanSamples(1, repeats, [&](int) { p = chase(p, steps); }, dropped, kept);
      for (double& x : ns) x = x * 1e9 / double(steps);
      g_sink = reinterpret_cast<uintptr_t>(p);
      std::snprintf(head, sizeof head, "{\"bytes\":%zu,\"pages\":\"%s\",\"steps\":%zu,\"dropped\":%d,\"disturbedKept\":%d,\"nsPerAccess\":",
                    ws, pageName[huge], steps, dropped, kept);
      append(latJson, head + samples(ns) + "}");
    }
    std::fprintf(stderr, "%s pages: latency done, %.1f s\n", pageName[huge], now() - started);

    // 3. independent random accesses, rounds over (pattern, threads) for each working set
    for (size_t ws : randomSizes) {
      if (phases.find("random") == std::string::npos) break;
      if (!fits(ws) || (huge && ws < (size_t(4) << 20))) continue;
      float* a = reinterpret_cast<float*>(buf.data);
      struct Config { const char* pattern; int T; std::vector<double> ns; int dropped = 0, kept = 0; };
      std::vector<Config> configs;
      for (int T = 1; T <= maxThreads; T++)
        for (const char* pattern : {"rmw4", "rmw4-prefetch", "read64"}) configs.push_back({pattern, T, {}, 0, 0});
      int preparedFor = 0;
      for (int r = 0; r < repeats; r++) {
        for (auto& c : configs) {
          const int T = c.T;
          if (preparedFor != T) {
            // rmw4: thread t owns floats [t*n/T, (t+1)*n/T); read64: all lines, own stream.
            const size_t floatsPer = ws / 4 / T, linesAll = ws / 64;
            for (int t = 0; t < T; t++) {
              Rng rng(0xabc + 977 * t + ws + T);
              for (size_t i = 0; i < accesses; i++) idxRmw[t][i] = uint32_t(t * floatsPer) + rng.below(uint32_t(floatsPer));
              for (size_t i = 0; i < accesses; i++) idxRead[t][i] = rng.below(uint32_t(linesAll));
            }
            preparedFor = T;
          }
          const char* pattern = c.pattern;
          auto one = [&](int t) {
            if (!std::strcmp(pattern, "rmw4")) rmw4(a, idxRmw[t].data(), accesses);
            else if (!std::strcmp(pattern, "rmw4-prefetch")) rmw4Prefetch(a, idxRmw[t].data(), accesses);
            else read64(buf.data, idxRead[t].data(), accesses);
          };
          parallel(T, one);  // warm: the set into whatever cache holds it, the index streams read once
          for (double wall : cleanSamples(T, 1, one, c.dropped, c.kept)) c.ns.push_back(wall * 1e9 / double(accesses * T));
        }
        // The next round starts again with T = 1: regenerate lazily.
      }
      for (auto& c : configs) {
        std::snprintf(head, sizeof head, "{\"pattern\":\"%s\",\"bytes\":%zu,\"threads\":%d,\"pages\":\"%s\",\"accessesPerThread\":%zu,\"dropped\":%d,\"disturbedKept\":%d,\"nsPerAccess\":",
                      c.pattern, ws, c.T, pageName[huge], accesses, c.dropped, c.kept);
        append(rndJson, head + samples(c.ns) + "}");
      }
    }
    std::fprintf(stderr, "%s pages: random access done, %.1f s\n", pageName[huge], now() - started);
  }

  // Other processes' share of the machine's CPU time while the probe ran.
  double others = -1;
  if (haveStat && machineCpu(busy1, total1) && total1 > total0) others = std::max(0.0, (busy1 - busy0 - ownCpu()) / (total1 - total0));
  std::printf("{\n  \"vectorBytes\": %zu,\n  \"cpuidCaches\": %s,\n  \"seconds\": %.2f,\n  \"otherProcessesCpuShare\": %.3f,\n  \"bandwidth\": [\n    %s\n  ],\n  \"latency\": [\n    %s\n  ],\n  \"random\": [\n    %s\n  ]\n}\n",
              kVec, cpuidCaches().c_str(), now() - started, others, bwJson.c_str(), latJson.c_str(), rndJson.c_str());
  return 0;
}
