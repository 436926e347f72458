// main() of every native test program: runs the registered tests in order (or those whose
// name contains argv[1]), printing each name and its time, and fails if any check failed.
#include <chrono>
#include <exception>

#include "check.h"

int main(int argc, char** argv) {
  const char* filter = argc > 1 ? argv[1] : nullptr;
  int ran = 0;
  for (const check::Test& test : check::registry()) {
    if (filter != nullptr && std::strstr(test.name, filter) == nullptr) continue;
    const uint64_t before = check::failures().load();
    const auto start = std::chrono::steady_clock::now();
    std::fprintf(stderr, "%s ...\n", test.name);
    try {
      test.body();
    } catch (const std::exception& e) {
      check::fail(__FILE__, __LINE__, std::string("exception: ") + e.what());
    }
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    std::fprintf(stderr, "%s %s (%.0f ms)\n", check::failures().load() == before ? "ok  " : "FAIL", test.name, ms);
    ++ran;
  }
  if (ran == 0) {
    std::fprintf(stderr, "no test matches '%s'\n", filter != nullptr ? filter : "");
    return 1;
  }
  return check::failures().load() == 0 ? 0 : 1;
}
