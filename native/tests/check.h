// A tiny test runner for the native tests (no framework to download or install): TEST(name)
// registers a function, CHECK(...) records a failure and carries on, and main (check_main.cpp)
// runs every test, or those whose names contain argv[1], and exits 1 if any check failed.
// Checks may fail on any thread: the count is atomic and the messages are serialized.
#pragma once
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

namespace check {

struct Test {
  const char* name;
  void (*body)();
};

inline std::vector<Test>& registry() {
  static std::vector<Test> tests;
  return tests;
}

struct Register {
  Register(const char* name, void (*body)()) { registry().push_back({name, body}); }
};

inline std::atomic<uint64_t>& failures() {
  static std::atomic<uint64_t> count{0};
  return count;
}

inline void fail(const char* file, int line, const std::string& what) {
  static std::mutex print;
  std::lock_guard<std::mutex> lock(print);
  std::fprintf(stderr, "  FAILED %s:%d: %s\n", file, line, what.c_str());
  failures().fetch_add(1);
}

// Whether two vectors hold the same bytes: "bit-identical" (NaNs and -0 included).
template <typename T>
bool same_bits(const std::vector<T>& x, const std::vector<T>& y) {
  return x.size() == y.size() && (x.empty() || std::memcmp(x.data(), y.data(), x.size() * sizeof(T)) == 0);
}

template <typename A, typename B>
std::string describe(const char* a, const char* b, const A& x, const B& y) {
  std::ostringstream out;
  out << a << " == " << b << " (" << x << " vs " << y << ")";
  return out.str();
}

}  // namespace check

#define TEST(name)                                              \
  static void name();                                           \
  static const ::check::Register name##_registered(#name, name); \
  static void name()

#define CHECK(condition)                                                        \
  do {                                                                          \
    if (!(condition)) ::check::fail(__FILE__, __LINE__, "CHECK(" #condition ")"); \
  } while (0)

#define CHECK_EQ(a, b)                                                                       \
  do {                                                                                       \
    const auto& check_a_ = (a);                                                              \
    const auto& check_b_ = (b);                                                              \
    if (!(check_a_ == check_b_)) ::check::fail(__FILE__, __LINE__, ::check::describe(#a, #b, check_a_, check_b_)); \
  } while (0)

// Bit-identical vectors (same_bits), reported with their sizes.
#define CHECK_SAME(x, y)                                                                         \
  do {                                                                                           \
    if (!::check::same_bits((x), (y))) {                                                         \
      ::check::fail(__FILE__, __LINE__, "CHECK_SAME(" #x ", " #y ") sizes " + std::to_string((x).size()) + \
                                            " and " + std::to_string((y).size()));               \
    }                                                                                            \
  } while (0)
