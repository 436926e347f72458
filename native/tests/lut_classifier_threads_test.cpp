// The LUT classifier's threads (lut/classifier.cpp): training runs a batch's samples
// forward and backward in parallel against the tables as they were, then applies every
// sample's row updates with the tables split over the threads; inference splits the
// inputs. Nothing may depend on the thread count. Small tables (2^4 and 2^3 rows) put
// several tables' "row written" marks in one 64-bit word, so threads updating
// neighbouring tables must not race on those words. Also the dense teacher's threads
// (lut/dense_model.cpp).
#include <cmath>

#include "check.h"
#include "core/lut/classifier.h"
#include "core/lut/dense_model.h"
#include "core/random.h"

using namespace polychron;

namespace {

constexpr uint32_t kInputs = 16, kClasses = 3;

// Inputs in [0, 1); the class is which third of the inputs holds the largest sum.
void dataset(uint64_t count, std::vector<float>& xs, std::vector<uint32_t>& labels) {
  Random rng(99, 0);
  xs.resize(count * kInputs);
  labels.resize(count);
  for (uint64_t n = 0; n < count; ++n) {
    double sums[kClasses] = {0, 0, 0};
    for (uint32_t i = 0; i < kInputs; ++i) {
      const float v = float(rng.below(1u << 20)) / float(1u << 20);
      xs[n * kInputs + i] = v;
      if (i < 15) sums[i / 5] += v;
    }
    uint32_t best = 0;
    for (uint32_t k = 1; k < kClasses; ++k) {
      if (sums[k] > sums[best]) best = k;
    }
    labels[n] = best;
  }
}

LutClassifierConfig config(uint32_t comparisons) {
  LutClassifierConfig c;
  c.inputs = kInputs;
  c.classes = kClasses;
  c.hidden = {LutLayerSize{8, 12, comparisons}, LutLayerSize{8, 9, comparisons}};
  c.readout_tables = 10;
  c.readout_comparisons = comparisons - 1;
  c.anchors = AnchorPolicy::Uniform;
  c.seed = 3;
  return c;
}

struct Trained {
  LutTrainResult result;
  std::vector<double> epoch_losses;
  std::vector<uint64_t> written;
  std::vector<float> values;
  std::vector<float> logits;
};

Trained train(uint32_t comparisons, unsigned threads, const std::vector<float>& xs, const std::vector<uint32_t>& labels) {
  LutClassifier net(config(comparisons), best_simd_level());
  LutTrainOptions o;
  o.epochs = 4;
  o.batch = 16;
  o.validation = 0.2;
  o.noise = 0.05f;  // augmentation drawn per sample on the worker threads
  o.threads = threads;
  Trained out;
  out.result = net.train(
      xs.data(), labels.data(), labels.size(), o,
      [&](const LutEpochReport& r) {
        out.epoch_losses.push_back(r.train_loss);
        out.epoch_losses.push_back(r.validation_loss);
        return true;
      },
      [] { return true; });
  for (const Lut& lut : net.layers()) {
    const Lut::Snapshot s = lut.snapshot();
    out.written.insert(out.written.end(), s.written.begin(), s.written.end());
    out.values.insert(out.values.end(), s.values.begin(), s.values.end());
  }
  out.logits.resize(labels.size() * kClasses);
  net.logits(xs.data(), labels.size(), out.logits.data(), 1u);
  // Inference on threads (blocks of inputs per thread) and the scalar reference agree.
  std::vector<float> threaded(out.logits.size());
  net.logits(xs.data(), labels.size(), threaded.data(), 3u);
  CHECK_SAME(threaded, out.logits);
  std::vector<float> reference(kClasses);
  bool same = true;
  for (uint64_t n = 0; n < labels.size(); n += 97) {
    net.logits_reference(xs.data() + n * kInputs, reference.data());
    same = same && std::memcmp(reference.data(), out.logits.data() + n * kClasses, sizeof(float) * kClasses) == 0;
  }
  CHECK(same);
  return out;
}

}  // namespace

TEST(training_1_2_3_threads_identical) {
  std::vector<float> xs;
  std::vector<uint32_t> labels;
  dataset(1200, xs, labels);
  for (uint32_t comparisons : {4u, 6u}) {
    const Trained one = train(comparisons, 1, xs, labels);
    CHECK_EQ(one.result.epochs, 4u);
    CHECK(one.result.best_validation_accuracy > 0.5);  // it learned (chance: 1/3)
    for (unsigned threads : {2u, 3u}) {
      const Trained other = train(comparisons, threads, xs, labels);
      CHECK_EQ(other.result.best_epoch, one.result.best_epoch);
      CHECK_EQ(other.result.best_validation_accuracy, one.result.best_validation_accuracy);
      CHECK_EQ(other.result.best_validation_loss, one.result.best_validation_loss);
      CHECK_SAME(other.epoch_losses, one.epoch_losses);
      CHECK_SAME(other.written, one.written);
      CHECK_SAME(other.values, one.values);
      CHECK_SAME(other.logits, one.logits);
    }
  }
}

// The dense teacher's logits split the inputs over threads.
TEST(dense_model_logits_threads_identical) {
  Random rng(5, 0);
  auto layer = [&](uint32_t in, uint32_t out, DenseActivation a) {
    DenseLayer l;
    l.inputs = in;
    l.outputs = out;
    l.activation = a;
    for (uint32_t k = 0; k < in * out; ++k) l.weights.push_back(float(rng.below(2001)) / 1000.0f - 1.0f);
    for (uint32_t k = 0; k < out; ++k) l.bias.push_back(float(rng.below(201)) / 1000.0f - 0.1f);
    return l;
  };
  const DenseModel model({layer(kInputs, 20, DenseActivation::Relu), layer(20, kClasses, DenseActivation::None)}, "onnx");
  std::vector<float> xs;
  std::vector<uint32_t> labels;
  dataset(333, xs, labels);
  std::vector<float> one(labels.size() * kClasses), three(one.size());
  model.logits(xs.data(), labels.size(), one.data(), 1);
  model.logits(xs.data(), labels.size(), three.data(), 3);
  CHECK_SAME(three, one);
}

// Lut::table_part, the split the training's row updates use: the parts tile the tables in
// order and every part but an empty one starts at a word of the written marks.
TEST(table_parts_share_no_written_word) {
  Random rng(1, 0);
  bool ok = true;
  for (uint32_t width = 1; width <= 8; ++width) {
    for (uint32_t tables : {1u, 3u, 7u, 16u, 33u}) {
      const Lut lut({8, 1, tables, width, width}, rng, false, "test");
      for (unsigned parts = 1; parts <= 5; ++parts) {
        uint64_t next = 0;
        for (unsigned k = 0; k < parts; ++k) {
          uint64_t begin, end;
          lut.table_part(k, parts, begin, end);
          ok = ok && begin == next && end >= begin && end <= tables;
          if (end > begin) ok = ok && lut.row_offset(uint32_t(begin), 0) % 64 == 0;
          next = end;
        }
        ok = ok && next == tables;
      }
    }
  }
  CHECK(ok);
}
