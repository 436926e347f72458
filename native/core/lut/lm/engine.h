// The fast path of the LUT transformer: the same arithmetic as lut/lm/reference.cpp,
// bit for bit, with SIMD row sums and dot products (kernels/lut.h), row prefetching,
// attention heads spread over threads (each head owns its tables, its output and its
// gradient buffer, which are combined in head order), and validation snippets spread
// over threads (losses summed in snippet order).
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "core/kernels/cpu.h"
#include "core/kernels/lut.h"
#include "core/lut/lm/model.h"
#include "core/thread_pool.h"

namespace polychron {

class LmEngine {
 public:
  LmEngine(LmModel& model, unsigned threads, SimdLevel simd);
  ~LmEngine();

  unsigned threads() const { return pool_.size(); }

  // One training step on tokens[0..n]; returns the mean loss over the n positions. With a
  // teacher, position pos takes its target from teacher row `row` + pos (as reference::train_step).
  double train_step(const uint8_t* tokens, uint32_t n, float lr, const LmTeacher* teacher = nullptr,
                    uint64_t row = 0);

  // Forward only. For each snippet s (tokens text + starts[s], n + 1 bytes), losses[s] is
  // −ln p(next byte) at the last position (last_only) or the mean over all n positions.
  void snippet_losses(const uint8_t* text, const uint64_t* starts, uint64_t count, uint32_t n, bool last_only,
                      double* losses);

  // Logits of the last position of tokens[0..n).
  void last_logits(const uint8_t* tokens, uint32_t n, float* logits);


 private:
  struct Workspace;
  // Fills w's activations; with last_only the last layer and the unembedder run only at
  // n − 1; parallel_heads spreads heads over the pool (not when the pool already runs us).
  void forward(Workspace& w, const uint8_t* tokens, uint32_t n, bool detail, bool last_only, bool parallel_heads);
  void head_backward(Workspace& w, uint32_t layer, uint32_t head, const float* g, float lr, float* dx);
  void lut_backward(Lut& lut, const std::vector<LutIndex>& index, const float* g, uint32_t g_stride, float lr,
                    float* dx, uint32_t dx_stride, Workspace& w);
  void index(const Lut& lut, const float* x, LutIndex& out, bool detail) const;

  LmModel& model_;
  const LutKernels& kernels_;
  ThreadPool pool_;
  std::vector<std::unique_ptr<Workspace>> workspaces_;
};

}  // namespace polychron
