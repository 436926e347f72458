// The LUT language model's fast engine on threads (lut/lm/engine.cpp): attention heads
// spread over the pool in the forward pass and the backward pass (each head owns its
// tables, output and gradient, combined in head order) and validation snippets split over
// it. It must be bit-identical to the single-thread reference oracle (as
// test/lut-lm.test.ts checks from JavaScript) for 1, 2 and 3 threads — 3 with 2 heads
// leaves a thread without a head.
#include <cmath>

#include "check.h"
#include "core/lut/lm/language_model.h"
#include "fixtures.h"

using namespace fixtures;

namespace {

LmConfig small_config() {
  LmConfig c;
  c.context = 12;
  c.embedding = 12;
  c.positional = 3;
  c.layers = 2;
  c.heads = 2;
  c.tables = 6;
  c.comparisons = 4;
  c.warmup = 20;
  c.seed = 5;
  return c;
}

LmRuntime runtime(LmImpl impl, unsigned threads) {
  LmRuntime r;
  r.impl = impl;
  r.threads = threads;
  r.simd = best_simd_level();
  return r;
}

// Every table row written (marks and values), the positional tables and the embedding.
struct Tables {
  std::vector<uint64_t> written;
  std::vector<float> values;
};

Tables tables_of(LanguageModel& lm) {
  Tables t;
  auto add = [&](const Lut& lut) {
    const Lut::Snapshot s = lut.snapshot();
    t.written.insert(t.written.end(), s.written.begin(), s.written.end());
    t.values.insert(t.values.end(), s.values.begin(), s.values.end());
  };
  LmModel& m = lm.model();
  t.values.insert(t.values.end(), m.embedding.begin(), m.embedding.end());
  for (const LmLayer& layer : m.layers) {
    for (const LmHead& head : layer.heads) {
      add(head.v);
      t.values.insert(t.values.end(), head.pe.begin(), head.pe.end());
    }
    add(layer.ffn);
  }
  add(m.unembed);
  return t;
}

struct Trained {
  LmTrainRun run;
  Tables tables;
  std::vector<uint8_t> generated;
};

Trained train(LmImpl impl, unsigned threads, const std::vector<uint8_t>& text, uint64_t steps) {
  LanguageModel lm(small_config(), runtime(impl, threads));
  LmTrainOptions o;
  o.steps = steps;
  o.every = 40;
  o.data.protocol = LmProtocol::Reference;
  o.data.validation_snippets = 60;
  Trained out;
  out.run = lm.train(text.data(), text.size(), o, {}, nullptr);
  out.tables = tables_of(lm);
  LmGenerateOptions g;
  g.length = 40;
  g.seed = 3;
  out.generated = lm.generate({'t', 'h', 'e', ' '}, g);
  return out;
}

}  // namespace

TEST(fast_engine_threads_bit_identical_to_reference) {
  const std::vector<uint8_t> text = fixtures::text(20000);
  const uint64_t steps = 120;
  const Trained reference = train(LmImpl::Reference, 1, text, steps);
  CHECK_EQ(reference.run.losses.size(), size_t(steps));
  CHECK_EQ(reference.run.validations.size(), size_t(3));
  // It learned something: the last validation is below ln 256.
  CHECK(reference.run.validations.back().second < std::log(256.0) - 0.5);
  for (unsigned threads : {1u, 2u, 3u}) {
    const Trained fast = train(LmImpl::Fast, threads, text, steps);
    CHECK_SAME(fast.run.losses, reference.run.losses);
    CHECK_SAME(fast.run.starts, reference.run.starts);
    CHECK_EQ(fast.run.validations.size(), reference.run.validations.size());
    for (size_t k = 0; k < std::min(fast.run.validations.size(), reference.run.validations.size()); ++k) {
      CHECK_EQ(fast.run.validations[k].first, reference.run.validations[k].first);
      CHECK_EQ(fast.run.validations[k].second, reference.run.validations[k].second);
    }
    CHECK_SAME(fast.tables.written, reference.tables.written);
    CHECK_SAME(fast.tables.values, reference.tables.values);
    CHECK_SAME(fast.generated, reference.generated);
  }
}

// More heads than threads and an odd split: 3 heads over 2 threads, several layers.
TEST(fast_engine_uneven_heads) {
  const std::vector<uint8_t> text = fixtures::text(8000, 11);
  std::vector<Tables> tables;
  std::vector<std::vector<double>> losses;
  for (unsigned threads : {1u, 2u}) {
    LmConfig c = small_config();
    c.heads = 3;
    c.layers = 3;
    LanguageModel lm(c, runtime(LmImpl::Fast, threads));
    LmTrainOptions o;
    o.steps = 60;
    o.data.protocol = LmProtocol::Holdout;
    o.data.validation_snippets = 30;
    o.every = 30;
    const LmTrainRun run = lm.train(text.data(), text.size(), o, {}, nullptr);
    std::vector<double> l = run.losses;
    for (const auto& v : run.validations) l.push_back(v.second);
    losses.push_back(l);
    tables.push_back(tables_of(lm));
  }
  CHECK_SAME(losses[1], losses[0]);
  CHECK_SAME(tables[1].written, tables[0].written);
  CHECK_SAME(tables[1].values, tables[0].values);
}
