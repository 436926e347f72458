// The native bytes an object holds, made known to V8 so that the garbage collector weighs
// them: a dropped network of 100 MB is collected as soon as a JavaScript object of 100 MB
// would be, not when its small wrapper alone makes a collection worth it.
//
// Why a ledger ArrayBuffer and not napi_adjust_external_memory: in Node 20 the adjustment
// steers the collector but is not part of process.memoryUsage().external, which counts
// ArrayBuffer backing stores only, so users could not see what polychron holds. The ledger
// is an external ArrayBuffer of the object's size over read-only, never-touched anonymous
// pages (address space, no memory), held by the object alone and never given to
// JavaScript. V8 accounts it as external memory for both purposes; when the size changes
// a new ledger replaces the old one, which V8 discounts when it collects it.
#pragma once
#include <napi.h>

#include <cstdint>
#include <vector>

#if !defined(_WIN32)
#include <sys/mman.h>
#endif

namespace polychron::addon {

class ExternalMemory {
 public:
  // Makes the accounted amount `bytes` (JS thread, or the object's finalizer for 0).
  void Report(Napi::Env env, uint64_t bytes) {
    if (bytes == reported_) return;
#if defined(_WIN32)
    int64_t total = 0;
    if (napi_adjust_external_memory(env, int64_t(bytes) - int64_t(reported_), &total) == napi_ok) reported_ = bytes;
#else
    ledgers_.clear();
    reported_ = 0;
    // Ledgers of at most kLedgerBytes each: Node 20 refuses an external buffer over 4 GiB
    // (buffer.kMaxLength), and when it refuses it has already called the finalizer, which
    // node-addon-api then frees again (a double free that aborted the process: a LutLayer
    // reserving 8 GiB with memoryLimit raised, found by the API fuzzer).
    for (uint64_t left = bytes; left > 0;) {
      const uint64_t part = left < kLedgerBytes ? left : kLedgerBytes;
      void* pages = ::mmap(nullptr, part, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
      if (pages == MAP_FAILED) return;
      auto* length = new size_t(part);
      auto ledger = Napi::ArrayBuffer::New(
          env, pages, part,
          [](Napi::Env, void* data, size_t* size) {
            ::munmap(data, *size);
            delete size;
          },
          length);
      ledgers_.push_back(Napi::Persistent(ledger));
      reported_ += part;
      left -= part;
    }
#endif
  }

 private:
  uint64_t reported_ = 0;
#if !defined(_WIN32)
  static constexpr uint64_t kLedgerBytes = uint64_t(1) << 30;
  std::vector<Napi::Reference<Napi::ArrayBuffer>> ledgers_;
#endif
};

}  // namespace polychron::addon
