// ThreadPool (core/thread_pool.h) under contention. The pool hands plain (non-atomic)
// data to its workers and back through its own synchronisation only, so each test writes
// and reads ordinary memory on both sides of run(): ThreadSanitizer then checks that
// run() orders them, and the checks that every part ran exactly once per run.
#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "check.h"
#include "core/thread_pool.h"

using polychron::ThreadPool;
using polychron::split_range;

namespace {

// One run: the caller writes `input` (plain memory), every part k reads it and writes
// its own slot and its own range of `items`; the caller then reads them all.
void checked_run(ThreadPool& pool, uint64_t round, std::vector<uint64_t>& slots, std::vector<uint64_t>& items,
                 uint64_t& input) {
  input = round * 7 + 1;
  const unsigned parts = pool.size();
  pool.run([&](unsigned k) {
    slots[k] = input + k;
    uint64_t begin, end;
    split_range(items.size(), parts, k, begin, end);
    for (uint64_t i = begin; i < end; ++i) items[i] += 1;
  });
  for (unsigned k = 0; k < parts; ++k) CHECK_EQ(slots[k], round * 7 + 1 + k);
}

}  // namespace

// Thousands of short runs back to back (the network's several phases per ms): every part
// runs once per run and the caller sees what each wrote.
TEST(many_short_runs_each_part_once) {
  for (unsigned threads : {2u, 3u, 4u}) {
    ThreadPool pool(threads);
    CHECK_EQ(pool.size(), threads);
    std::vector<uint64_t> slots(threads, 0), items(1001, 0);
    uint64_t input = 0;
    const uint64_t rounds = 3000;
    for (uint64_t r = 0; r < rounds; ++r) checked_run(pool, r, slots, items, input);
    bool all = true;
    for (uint64_t v : items) all = all && v == rounds;
    CHECK(all);
  }
}

// Parts that take very different times: the caller outlasts its spin and sleeps on the
// pool's condition variable, and workers that finish early wait for the next run; gaps
// between runs longer than the spin put the workers to sleep too.
TEST(uneven_parts_and_gaps_sleep_and_wake) {
  ThreadPool pool(4);
  std::vector<uint64_t> slots(4, 0), items(64, 0);
  uint64_t input = 0;
  for (uint64_t r = 0; r < 60; ++r) {
    input = r;
    pool.run([&](unsigned k) {
      if (k == (r % 4)) std::this_thread::sleep_for(std::chrono::microseconds(300));
      slots[k] = input * 10 + k;
    });
    for (unsigned k = 0; k < 4; ++k) CHECK_EQ(slots[k], r * 10 + k);
    if (r % 3 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    checked_run(pool, r, slots, items, input);
  }
  bool all = true;
  for (uint64_t v : items) all = all && v == 60;
  CHECK(all);
}

// set_active switches between the caller alone and every thread between runs, as the
// network's adaptive thread choice does at any millisecond.
TEST(switching_between_one_and_all_threads) {
  ThreadPool pool(3);
  std::vector<uint64_t> slots(3, 0), items(500, 0);
  uint64_t input = 0;
  for (uint64_t r = 0; r < 1500; ++r) {
    pool.set_active((r / 7) % 2 == 0 ? 1 : 3);
    CHECK_EQ(pool.size(), (r / 7) % 2 == 0 ? 1u : 3u);
    checked_run(pool, r, slots, items, input);
  }
  bool all = true;
  for (uint64_t v : items) all = all && v == 1500;
  CHECK(all);
  CHECK_EQ(pool.capacity(), 3u);
}

// Workers end after kIdleExit without work; the next run() must start them again (and
// the runs around the idle exit must still give every part its thread).
TEST(restart_after_idle_exit) {
  ThreadPool pool(3);
  std::vector<uint64_t> slots(3, 0), items(300, 0);
  uint64_t input = 0;
  uint64_t round = 0;
  checked_run(pool, round++, slots, items, input);
  std::this_thread::sleep_for(ThreadPool::kIdleExit + std::chrono::milliseconds(300));
  for (int r = 0; r < 200; ++r) checked_run(pool, round++, slots, items, input);
  // Right at the idle exit: some workers may be retiring as the task is published.
  std::this_thread::sleep_for(ThreadPool::kIdleExit - std::chrono::milliseconds(2));
  for (int r = 0; r < 200; ++r) checked_run(pool, round++, slots, items, input);
  bool all = true;
  for (uint64_t v : items) all = all && v == round;
  CHECK(all);
}

// Destroying a pool: never run, just run (workers spinning), idle (workers asleep), and
// after its workers ended for idleness.
TEST(shutdown_while_idle) {
  { ThreadPool never(4); }
  for (int i = 0; i < 200; ++i) {
    ThreadPool pool(3);
    std::vector<uint64_t> slots(3, 0), items(30, 0);
    uint64_t input = 0;
    checked_run(pool, 1, slots, items, input);
    if (i % 50 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  auto pool = std::make_unique<ThreadPool>(2);
  std::vector<uint64_t> slots(2, 0), items(10, 0);
  uint64_t input = 0;
  checked_run(*pool, 1, slots, items, input);
  std::this_thread::sleep_for(ThreadPool::kIdleExit + std::chrono::milliseconds(200));
  pool.reset();  // its workers have retired: joins them
  CHECK(true);
}

// Pools inside pools (each part owning another pool, as a search or a model run from a
// worker of a parent computation does) and several pools driven from several threads.
TEST(nested_and_concurrent_pools) {
  ThreadPool outer(3);
  std::vector<std::unique_ptr<ThreadPool>> inner;
  for (int k = 0; k < 3; ++k) inner.push_back(std::make_unique<ThreadPool>(2));
  std::vector<std::vector<uint64_t>> sums(3, std::vector<uint64_t>(2, 0));
  for (uint64_t r = 1; r <= 300; ++r) {
    outer.run([&](unsigned k) { inner[k]->run([&](unsigned j) { sums[k][j] += r; }); });
  }
  for (auto& s : sums) {
    for (uint64_t v : s) CHECK_EQ(v, uint64_t(300 * 301 / 2));
  }

  std::vector<std::thread> owners;
  std::vector<uint64_t> totals(4, 0);
  for (int t = 0; t < 4; ++t) {
    owners.emplace_back([&, t] {
      ThreadPool pool(2);
      std::vector<uint64_t> slots(2, 0), items(200, 0);
      uint64_t input = 0;
      for (uint64_t r = 0; r < 1000; ++r) checked_run(pool, r, slots, items, input);
      for (uint64_t v : items) totals[t] += v;
    });
  }
  for (auto& o : owners) o.join();
  for (uint64_t v : totals) CHECK_EQ(v, uint64_t(200 * 1000));
}
