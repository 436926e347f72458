// The LUT transformer exactly as the spec's C program computes it (izhikevich/SNN,
// main.c), for rng 'glibc': the same operations in the same order with the same types, so
// that a run reproduces the program's training losses step for step. Where it differs
// from the reference (lut/lm/reference.cpp), it is in rounding only:
//
// - heads add their rows straight into z (forward) and their gradients straight into the
//   running gradient (backward), head after head, instead of into buffers of their own;
// - dot products inside the backward are plain sequential float sums;
// - U′(u) is computed in double and the step v = gi · U′(u_min) rounded to float once;
// - the softmax is the float one of the program (expf, a float sum, a division).
//
// Rows are read through read_row (an unwritten row reads as the shared zero row, the
// values the program's calloc'ed tables hold) and updated through write_row.
#include <cmath>
#include <cstring>
#include <limits>

#include "core/lut/lm/model.h"

namespace polychron::c_program {

namespace {

// The program's Up(x): −0.5 · sign(x) / (1 + |x|) / (1 + |x|) in double, sign(0) = −1.
double up(float u) {
  const double sign = u > 0 ? 1 : -1;
  const double t = 1 + std::fabs(double(u));
  return -0.5 * sign / t / t;
}

// softmax(x, 256, 1.0f) in place, as the program's softmax().
void softmax(float* x) {
  float top = x[0];
  for (uint32_t k = 1; k < kLmVocabulary; ++k) {
    if (x[k] > top) top = x[k];
  }
  float sum = 0.0f;
  for (uint32_t k = 0; k < kLmVocabulary; ++k) {
    x[k] = std::exp((x[k] - top) / 1.0f);
    sum += x[k];
  }
  for (uint32_t k = 0; k < kLmVocabulary; ++k) x[k] /= sum;
}

uint64_t concatenate(const LmConfig& c, uint32_t q, uint32_t k, uint32_t e) {
  return (uint64_t(q) << (c.comparisons + c.positional)) | (uint64_t(k) << c.positional) | e;
}

// BACKWARD_UPDATE: gi over the flipped row j̄ against the row j, then v into the anchors
// of the weakest comparison of `index`.
void backward_update(const Lut& lut, uint32_t i, uint64_t j, uint64_t jbar, const LutIndex& index, const float* g,
                     float* dx) {
  const uint32_t m = lut.shape().outputs, T = lut.shape().tables;
  const float* flipped = lut.read_row(i, jbar);
  const float* current = lut.read_row(i, j);
  float gi = 0;
  for (uint32_t k = 0; k < m; ++k) gi += g[k] * (flipped[k] - current[k]);
  const float v = float(double(gi) * up(index.u_min[i]));
  const uint32_t r = index.r_min[i];
  dx[lut.a()[r * T + i]] += v;
  dx[lut.b()[r * T + i]] -= v;
}

void row_step(Lut& lut, uint32_t i, uint64_t j, const float* g, float lr) {
  float* row = lut.write_row(i, j);
  for (uint32_t k = 0; k < lut.shape().outputs; ++k) row[k] -= lr * g[k];
}

// LUT_backward for one position.
void lut_backward(Lut& lut, const LutIndex& index, const float* g, float lr, float* dx) {
  for (uint32_t i = 0; i < lut.shape().tables; ++i) {
    const uint64_t j = index.j[i];
    backward_update(lut, i, j, j ^ (uint64_t(1) << index.r_min[i]), index, g, dx);
    row_step(lut, i, j, g, lr);
  }
}

void lut_forward(const Lut& lut, const LutIndex& index, float* y) {
  const uint32_t m = lut.shape().outputs;
  for (uint32_t i = 0; i < lut.shape().tables; ++i) {
    const float* row = lut.read_row(i, index.j[i]);
    for (uint32_t k = 0; k < m; ++k) y[k] += row[k];
  }
}

// attention_backward: dx is the running gradient, g the copy every head reads.
void attention_backward(const LmConfig& c, LmHead& head, uint32_t n, const std::vector<LutIndex>& query,
                        const std::vector<LutIndex>& positional, const float* g_all, float lr, float* dx) {
  const uint32_t d = c.embedding, T = c.tables, p = c.positional;
  Lut& v = head.v;
  std::vector<float> pe_grad(head.pe.size(), 0.0f);
  for (uint32_t pos = 1; pos < n; ++pos) {
    const float* g = g_all + size_t(pos) * d;
    for (uint32_t pos1 = 0; pos1 < pos; ++pos1) {
      const LutIndex &q = query[pos], &k = query[pos1], &e = positional[pos - pos1];
      for (uint32_t i = 0; i < T; ++i) {
        const uint64_t j = concatenate(c, q.j[i], k.j[i], e.j[i]);
        const float uq = std::fabs(q.u_min[i]), uk = std::fabs(k.u_min[i]), ue = std::fabs(e.u_min[i]);
        if (uq < uk) {
          const uint64_t jbar = concatenate(c, q.j[i] ^ (1u << q.r_min[i]), k.j[i], e.j[i]);
          backward_update(v, i, j, jbar, q, g, dx + size_t(pos) * d);
        } else {
          const uint64_t jbar = concatenate(c, q.j[i], k.j[i] ^ (1u << k.r_min[i]), e.j[i]);
          backward_update(v, i, j, jbar, k, g, dx + size_t(pos1) * d);
        }
        if (ue < uq && ue < uk) {
          const float* flipped = v.read_row(i, concatenate(c, q.j[i], k.j[i], e.j[i] ^ (1u << e.r_min[i])));
          const float* current = v.read_row(i, j);
          float gi = 0;
          for (uint32_t kk = 0; kk < d; ++kk) gi += g[kk] * (flipped[kk] - current[kk]);
          pe_grad[(size_t(pos - pos1) * T + i) * p + e.r_min[i]] += float(double(gi) * up(e.u_min[i]));
        }
        row_step(v, i, j, g, lr);
      }
    }
  }
  for (size_t x = 0; x < head.pe.size(); ++x) head.pe[x] -= lr * pe_grad[x];
}

}  // namespace

void forward(const LmModel& model, const uint8_t* tokens, uint32_t n, LmActivations& act) {
  const LmConfig& c = model.config();
  const uint32_t d = c.embedding, H = c.heads;
  act.prepare(c, n);
  for (uint32_t pos = 0; pos < n; ++pos) {
    std::memcpy(act.z.data() + size_t(pos) * d, model.embedding.data() + size_t(tokens[pos]) * d, d * sizeof(float));
  }
  for (uint32_t l = 0; l < c.layers; ++l) {
    const LmLayer& layer = model.layers[l];
    act.input[l] = act.z;  // every head reads the same x
    const float* x = act.input[l].data();
    // The program's heads add straight into z, head after head.
    for (uint32_t h = 0; h < H; ++h) {
      reference::head_forward(c, layer.heads[h], x, n, act.query[l * H + h], act.positional[l * H + h], act.z.data());
    }
    for (uint32_t pos = 0; pos < n; ++pos) {
      LutIndex& f = act.ffn[l][pos];
      float* z = act.z.data() + size_t(pos) * d;
      layer.ffn.index(z, f.j.data(), f.r_min.data(), f.u_min.data());
      lut_forward(layer.ffn, f, z);
    }
  }
  for (uint32_t pos = 0; pos < n; ++pos) {
    LutIndex& u = act.unembed[pos];
    model.unembed.index(act.z.data() + size_t(pos) * d, u.j.data(), u.r_min.data(), u.u_min.data());
    lut_forward(model.unembed, u, act.logits.data() + size_t(pos) * kLmVocabulary);
  }
}

double last_position_loss(const LmActivations& act, uint32_t target) {
  float p[kLmVocabulary];
  std::memcpy(p, act.logits.data() + size_t(act.n - 1) * kLmVocabulary, sizeof p);
  softmax(p);
  return -std::log(double(p[target]));
}

double train_step(LmModel& model, const uint8_t* tokens, uint32_t n, float lr, LmActivations& act) {
  const LmConfig& c = model.config();
  const uint32_t d = c.embedding, H = c.heads;
  forward(model, tokens, n, act);

  // The logits become the gradient: softmax − one-hot, in place.
  double loss = 0;
  for (uint32_t pos = 0; pos < n; ++pos) {
    float* out = act.logits.data() + size_t(pos) * kLmVocabulary;
    softmax(out);
    loss += -std::log(double(out[tokens[pos + 1]]));
    out[tokens[pos + 1]] -= 1.0f;
  }

  std::vector<float> grad(size_t(n) * d, 0.0f);
  for (uint32_t pos = 0; pos < n; ++pos) {
    lut_backward(model.unembed, act.unembed[pos], act.logits.data() + size_t(pos) * kLmVocabulary, lr,
                 grad.data() + size_t(pos) * d);
  }
  std::vector<float> copy;
  for (uint32_t l = c.layers; l-- > 0;) {
    LmLayer& layer = model.layers[l];
    copy = grad;
    for (uint32_t pos = 0; pos < n; ++pos) {
      lut_backward(layer.ffn, act.ffn[l][pos], copy.data() + size_t(pos) * d, lr, grad.data() + size_t(pos) * d);
    }
    copy = grad;
    for (uint32_t h = 0; h < H; ++h) {
      attention_backward(c, layer.heads[h], n, act.query[l * H + h], act.positional[l * H + h], copy.data(), lr,
                         grad.data());
    }
  }
  return loss / n;
}

}  // namespace polychron::c_program
