// A classifier made of LUT layers (spec lut-networks.md §1, §3 "classifier stacks"):
//
//   input x (d values, optionally followed by constant threshold inputs)
//     → layer 0: LUT d → h (a fresh hidden vector z)
//     → layers 1..L−1: z += LUT h → h (residual: each layer adds into the stream)
//     → readout: LUT h → K class logits
//
// With no hidden layers the readout reads the input directly (one LUT: an ensemble of
// learned random ferns). Why this shape: a LUT already is a non-linear feature (a table
// row per comparison pattern), so no activation function is needed between layers, and
// since a LUT layer adds into its output, residual sums cost nothing and let the deeper
// layers refine the first one's features instead of replacing them.
//
// Anchors of layer 0 (the pixel comparisons) are drawn by `AnchorPolicy`: uniform pairs
// over the input, or "local" pairs (b within a square window around a in the image) —
// the pixel-difference features that edges and strokes are made of — with a fraction of
// comparisons against threshold constants (x[a] > c: the brightness of one pixel).
//
// Training is the spec's min-margin surrogate backward with softmax cross-entropy, in
// mini-batches: every sample of a batch is run forward and backward against the tables as
// they were at the start of the batch (in parallel, one sample per thread at a time), then
// every sample's row updates S[i][j] −= lr · g are applied table by table, samples in batch
// order (tables split over threads). Nothing depends on the thread count; with batch 1
// this is exactly spec §1's single-sample rule.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/kernels/cpu.h"
#include "core/kernels/lut.h"
#include "core/lut/lut.h"
#include "core/thread_pool.h"

namespace polychron {

struct LutLayerSize {
  uint32_t width = 0;        // outputs of the layer (hidden width h, or K for the readout)
  uint32_t tables = 0;       // T
  uint32_t comparisons = 0;  // C
};

// Auto: Patch for image inputs (an image shape is given), Uniform otherwise.
enum class AnchorPolicy { Auto, Uniform, Local, Patch };
const char* anchor_policy_name(AnchorPolicy policy);
AnchorPolicy parse_anchor_policy(const std::string& name);  // RangeError naming the options

struct LutClassifierConfig {
  uint32_t inputs = 0;   // d
  uint32_t classes = 0;  // K
  // Image shape of the input for local anchors (rows × cols = inputs); 0 × 0: not an image.
  uint32_t image_rows = 0, image_cols = 0;
  // Layer 0 reads the input; the others are residual (same width). The default: one layer
  // of 512 six-comparison tables into 32 values (see docs/benchmarks.md for the measured
  // trade-off between width, tables, accuracy and speed).
  std::vector<LutLayerSize> hidden = std::vector<LutLayerSize>(1, LutLayerSize{32, 512, 6});
  uint32_t readout_tables = 128, readout_comparisons = 6;
  AnchorPolicy anchors = AnchorPolicy::Auto;
  uint32_t anchor_radius = 3;  // window half-width in pixels (Local, Patch)
  // Constant inputs appended to x for layer 0: thresholds (k + 1) / (count + 1) · scale.
  uint32_t thresholds = 0;
  float threshold_scale = 1.0f;
  float threshold_share = 0.0f;  // fraction of layer-0 comparisons against a threshold
  uint64_t seed = 1;
  uint64_t memory_limit = uint64_t(2) << 30;
};

// The index of the first value of x[0..n) that is not finite (NaN or ±∞), or n.
uint64_t first_non_finite(const float* x, uint64_t n);

// RangeError naming the field unless the configuration is allowed.
void validate_lut_classifier_config(const LutClassifierConfig& config);

// Shift augmentation by default: 1 pixel for image classifiers, none otherwise.
constexpr uint32_t kShiftAuto = ~uint32_t(0);

struct LutTrainOptions {
  uint32_t epochs = 30;
  uint32_t batch = 32;
  float learning_rate = 0.0f;   // per row update; 0: the default rule (lut_classifier_default_rate)
  double warmup = 0.05;         // fraction of the run with a linear warm-up
  double validation = 0.1;      // fraction of the training data held out (seeded)
  uint32_t patience = 10;       // epochs without a better validation accuracy before stopping (0: never)
  double seconds = 0;           // time budget for the whole call (0: none)
  uint64_t seed = 1;            // split and shuffling
  unsigned threads = 1;
  // Augmentation, drawn anew for each sample of each epoch from (seed, epoch, sample):
  uint32_t shift = kShiftAuto;  // translate images by up to this many pixels each way (image shape needed)
  float noise = 0.0f;  // add uniform noise in [−noise, noise] to every input
  // Distillation (used when train() is given a teacher's logits): the output gradient is
  // (1 − w)·(p − one_hot(label)) + w·τ·(softmax(logits/τ) − softmax(teacher/τ)), the
  // gradient of (1 − w)·cross-entropy + w·τ²·KL(teacher ‖ student) at temperature τ.
  float teacher_weight = 1.0f;  // w ∈ [0, 1]
  float temperature = 1.0f;     // τ > 0 (1 kept more accuracy than 2 converting the bench MLP)
};

struct LutEpochReport {
  uint32_t epoch = 0;  // 1-based
  double train_loss = 0, train_accuracy = 0;
  double validation_loss = 0, validation_accuracy = 0;
  float learning_rate = 0;  // at the end of the epoch
  double seconds = 0;       // since the start of training
  bool best = false;        // this epoch's tables are the kept ones
};

struct LutTrainResult {
  uint32_t epochs = 0;     // epochs run
  uint32_t best_epoch = 0; // the kept tables' epoch (0: none run)
  double best_validation_accuracy = 0, best_validation_loss = 0;
  uint64_t train_examples = 0, validation_examples = 0;
  std::string stopped;     // "epochs", "patience", "time" or "cancelled"
  double seconds = 0;
};

struct LutEvaluation {
  uint64_t examples = 0, correct = 0;
  double loss = 0;  // mean cross-entropy, nats
};

// The default learning rate: 1 / (sum over layers of tables) scaled so that one sample's
// update moves the logits by about one unit at the readout.
float lut_classifier_default_rate(const LutClassifierConfig& config);

class LutClassifier {
 public:
  explicit LutClassifier(const LutClassifierConfig& config, SimdLevel simd = SimdLevel::Scalar);

  const LutClassifierConfig& config() const { return config_; }
  SimdLevel simd() const { return simd_; }
  // Hidden layers then the readout.
  const std::vector<Lut>& layers() const { return layers_; }
  std::vector<Lut>& layers() { return layers_; }
  uint32_t layer_inputs(size_t layer) const;
  uint64_t table_bytes() const;
  uint64_t memory_bytes() const;  // anchors and tables as allocated (tables whole)

  struct Sample;  // one sample's forward and backward state
  struct Block;   // kLutLanes inputs' state on the batched path
  // What one thread needs to run inputs through the network (buffers reused call to call).
  class Workspace {
   public:
    explicit Workspace(const LutClassifier& net);
    ~Workspace();
    Sample& sample() { return *sample_; }
    Block& block();  // allocated on first use

   private:
    const LutClassifier& net_;
    std::unique_ptr<Sample> sample_;
    std::unique_ptr<Block> block_;
  };
  std::unique_ptr<Workspace> workspace() const { return std::make_unique<Workspace>(*this); }
  // Logits of one input (classes values), through the SIMD kernels: the latency path.
  void logits(const float* x, float* out, Workspace& workspace) const;
  // Logits of count inputs (count × classes) on this thread: blocks of kLutLanes inputs
  // through the lane-major kernels, the rest one by one.
  void logits(const float* xs, uint64_t count, float* out, Workspace& workspace) const;
  // The same with threads splitting the inputs (one thread below kInputsPerThread inputs
  // each, where starting threads costs more than it saves).
  void logits(const float* xs, uint64_t count, float* out, unsigned threads) const;
  static constexpr uint64_t kInputsPerThread = 64;
  // The plain reference of the logits (Lut::forward layer by layer, scalar): what the
  // SIMD paths above must equal bit for bit.
  void logits_reference(const float* x, float* out) const;
  // Predicted class of each input (the first largest logit).
  void predict(const float* xs, uint64_t count, uint32_t* classes, unsigned threads) const;
  LutEvaluation evaluate(const float* xs, const uint32_t* labels, uint64_t count, unsigned threads) const;

  // Trains on (xs, labels); report is called after each epoch and returns false to stop.
  // keep_going is polled between batches (false: stop, "cancelled"). Keeps the tables of
  // the epoch with the best validation accuracy (the last epoch when validation = 0).
  // `teacher` (count × classes logits of another model on the same inputs, or null)
  // turns training into distillation (LutTrainOptions::teacher_weight, temperature); the
  // reported losses and accuracies stay those against the labels.
  LutTrainResult train(const float* xs, const uint32_t* labels, uint64_t count, const LutTrainOptions& options,
                       const std::function<bool(const LutEpochReport&)>& report,
                       const std::function<bool()>& keep_going, const float* teacher = nullptr);

  // The constant inputs layer 0 may compare against (thresholds of them).
  const std::vector<float>& thresholds() const { return threshold_values_; }
  void set_thresholds(const std::vector<float>& values);

  // The learning rate at progress p ∈ [0, 1] of a run: linear warm-up, then cosine decay.
  static float scheduled_rate(float base, double warmup, double progress);

 private:
  void draw_input_anchors(Lut& lut, Random& rng) const;
  // RangeError naming the first label outside [0, classes).
  void check_labels(const uint32_t* labels, uint64_t count) const;
  const float* augmented(const float* x, std::vector<float>& buffer) const;
  // Forward of one input: fills the sample's indices and activations, returns logits.
  void forward(const float* x, Sample& s, bool detail) const;
  // Backward of one sample (softmax − one-hot at the readout, mixed with the teacher's
  // softened distribution when `teacher` is given), filling its gradients.
  void backward(Sample& s, uint32_t label, const float* teacher, const LutTrainOptions& options) const;
  // The batched path: kLutLanes inputs through every layer at once (comparisons lane-major,
  // rows summed several inputs at a time); the same numbers as forward().
  void forward_block(const float* xs, float* out, Block& block) const;
  // x shifted and noised as the options ask, into out (inputs values).
  void perturb(const float* x, const LutTrainOptions& options, Random& rng, float* out) const;

  LutClassifierConfig config_;
  SimdLevel simd_;
  const LutKernels& kernels_;
  std::vector<Lut> layers_;
  std::vector<float> threshold_values_;
};

// Files (lut/classifier_checkpoint.cpp): safetensors, atomically written; `half` stores
// the tables as binary16 (lossy). Loading checks everything (RangeError naming the file).
void save_lut_classifier(const std::string& path, const LutClassifier& net, bool half);
std::unique_ptr<LutClassifier> load_lut_classifier(const std::string& path, uint64_t memory_limit, SimdLevel simd);

}  // namespace polychron
