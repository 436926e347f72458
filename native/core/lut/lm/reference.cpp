// The plain, single-thread reference of the LUT transformer (spec lut-networks.md §2),
// written to be read beside the spec. It fixes the summation orders listed in lut/lm/model.h;
// the fast engine (lut/lm/engine.cpp) must give bit-identical results.
#include "core/kernels/lut.h"
#include "core/lut/lm/model.h"

namespace polychron::reference {

namespace {

float magnitude(float u) { return u < 0 ? -u : u; }

// The attention index of table i for query position pos and key position pos1.
uint64_t attention_index(const LmConfig& c, const LutIndex& query, const LutIndex& key, const LutIndex& position,
                         uint32_t i) {
  return (uint64_t(query.j[i]) << (c.comparisons + c.positional)) | (uint64_t(key.j[i]) << c.positional) |
         position.j[i];
}

// Spec §2 "Backward for each pair": g is the gradient copy, dx this head's own buffer.
void head_backward(const LmConfig& c, LmHead& head, uint32_t n, const std::vector<LutIndex>& query,
                   const std::vector<LutIndex>& positional, const float* g_all, float lr, float* dx) {
  const uint32_t d = c.embedding, T = c.tables, p = c.positional;
  const uint32_t q_shift = c.comparisons + p;
  Lut& v = head.v;
  std::vector<float> pe_grad(head.pe.size(), 0.0f);
  for (uint32_t pos = 1; pos < n; ++pos) {
    const float* g = g_all + size_t(pos) * d;
    for (uint32_t pos1 = 0; pos1 < pos; ++pos1) {
      const uint32_t delta = pos - pos1;
      const LutIndex &q = query[pos], &k = query[pos1], &e = positional[delta];
      for (uint32_t i = 0; i < T; ++i) {
        const uint64_t J = attention_index(c, q, k, e, i);
        float* current = v.write_row(i, J);
        const float uq = q.u_min[i], uk = k.u_min[i], ue = e.u_min[i];
        if (magnitude(uq) < magnitude(uk)) {
          const float gi = lut_delta_dot(g, v.row(i, J ^ (uint64_t(1) << (q_shift + q.r_min[i]))), current, d);
          const float step = gi * surrogate_slope(uq);
          dx[size_t(pos) * d + v.a()[q.r_min[i] * T + i]] += step;
          dx[size_t(pos) * d + v.b()[q.r_min[i] * T + i]] -= step;
        } else {
          const float gi = lut_delta_dot(g, v.row(i, J ^ (uint64_t(1) << (p + k.r_min[i]))), current, d);
          const float step = gi * surrogate_slope(uk);
          dx[size_t(pos1) * d + v.a()[k.r_min[i] * T + i]] += step;
          dx[size_t(pos1) * d + v.b()[k.r_min[i] * T + i]] -= step;
        }
        if (magnitude(ue) < magnitude(uq) && magnitude(ue) < magnitude(uk)) {
          const float gi = lut_delta_dot(g, v.row(i, J ^ (uint64_t(1) << e.r_min[i])), current, d);
          pe_grad[(size_t(delta) * T + i) * p + e.r_min[i]] += gi * surrogate_slope(ue);
        }
        for (uint32_t kk = 0; kk < d; ++kk) current[kk] -= lr * g[kk];
      }
    }
  }
  for (size_t e = 0; e < head.pe.size(); ++e) head.pe[e] -= lr * pe_grad[e];
}

}  // namespace

void head_forward(const LmConfig& c, const LmHead& head, const float* x, uint32_t n, std::vector<LutIndex>& query,
                  std::vector<LutIndex>& positional, float* out) {
  const uint32_t d = c.embedding;
  for (uint32_t pos = 0; pos < n; ++pos) {
    head.v.index(x + size_t(pos) * d, query[pos].j.data(), query[pos].r_min.data(), query[pos].u_min.data());
  }
  for (uint32_t delta = 1; delta < n; ++delta) positional_index(c, head.pe.data(), delta, positional[delta]);
  for (uint32_t pos = 1; pos < n; ++pos) {
    float* y = out + size_t(pos) * d;
    for (uint32_t pos1 = 0; pos1 < pos; ++pos1) {
      for (uint32_t i = 0; i < c.tables; ++i) {
        const float* s = head.v.row(i, attention_index(c, query[pos], query[pos1], positional[pos - pos1], i));
        for (uint32_t k = 0; k < d; ++k) y[k] += s[k];
      }
    }
  }
}

void forward(const LmModel& model, const uint8_t* tokens, uint32_t n, LmActivations& act) {
  const LmConfig& c = model.config();
  const uint32_t d = c.embedding, H = c.heads;
  act.prepare(c, n);
  for (uint32_t pos = 0; pos < n; ++pos) {
    for (uint32_t k = 0; k < d; ++k) act.z[size_t(pos) * d + k] = model.embedding[size_t(tokens[pos]) * d + k];
  }
  std::vector<std::vector<float>> head_out(H, std::vector<float>(size_t(n) * d));
  for (uint32_t l = 0; l < c.layers; ++l) {
    const LmLayer& layer = model.layers[l];
    act.input[l] = act.z;
    for (uint32_t h = 0; h < H; ++h) {
      std::fill(head_out[h].begin(), head_out[h].end(), 0.0f);
      head_forward(c, layer.heads[h], act.input[l].data(), n, act.query[l * H + h], act.positional[l * H + h],
                   head_out[h].data());
    }
    for (uint32_t h = 0; h < H; ++h) {
      for (size_t e = 0; e < act.z.size(); ++e) act.z[e] += head_out[h][e];
    }
    for (uint32_t pos = 0; pos < n; ++pos) {
      LutIndex& f = act.ffn[l][pos];
      float* z = act.z.data() + size_t(pos) * d;
      layer.ffn.index(z, f.j.data(), f.r_min.data(), f.u_min.data());
      for (uint32_t i = 0; i < c.tables; ++i) {
        const float* s = layer.ffn.row(i, f.j[i]);
        for (uint32_t k = 0; k < d; ++k) z[k] += s[k];
      }
    }
  }
  for (uint32_t pos = 0; pos < n; ++pos) {
    LutIndex& u = act.unembed[pos];
    model.unembed.index(act.z.data() + size_t(pos) * d, u.j.data(), u.r_min.data(), u.u_min.data());
    float* logits = act.logits.data() + size_t(pos) * kLmVocabulary;
    for (uint32_t i = 0; i < c.tables; ++i) {
      const float* s = model.unembed.row(i, u.j[i]);
      for (uint32_t k = 0; k < kLmVocabulary; ++k) logits[k] += s[k];
    }
  }
}

double train_step(LmModel& model, const uint8_t* tokens, uint32_t n, float lr, LmActivations& act,
                  const LmTeacher* teacher, uint64_t row) {
  const LmConfig& c = model.config();
  const uint32_t d = c.embedding, H = c.heads;
  forward(model, tokens, n, act);

  double loss = 0;
  std::vector<float> logit_grad(size_t(n) * kLmVocabulary);
  for (uint32_t pos = 0; pos < n; ++pos) {
    const float* logits = act.logits.data() + size_t(pos) * kLmVocabulary;
    loss += cross_entropy(logits, tokens[pos + 1]);
    // ∂L/∂logits = softmax − q; q the one-hot next byte, or mixed with the teacher's row.
    distillation_gradient(logits, tokens[pos + 1], teacher, row + pos, logit_grad.data() + size_t(pos) * kLmVocabulary);
  }

  std::vector<float> grad(size_t(n) * d, 0.0f);
  for (uint32_t pos = 0; pos < n; ++pos) {
    const LutIndex& u = act.unembed[pos];
    model.unembed.backward(u.j.data(), u.r_min.data(), u.u_min.data(), logit_grad.data() + size_t(pos) * kLmVocabulary,
                           lr, grad.data() + size_t(pos) * d);
  }
  std::vector<std::vector<float>> head_grad(H, std::vector<float>(grad.size()));
  for (uint32_t l = c.layers; l-- > 0;) {
    LmLayer& layer = model.layers[l];
    std::vector<float> copy = grad;
    for (uint32_t pos = 0; pos < n; ++pos) {
      const LutIndex& f = act.ffn[l][pos];
      layer.ffn.backward(f.j.data(), f.r_min.data(), f.u_min.data(), copy.data() + size_t(pos) * d, lr,
                         grad.data() + size_t(pos) * d);
    }
    copy = grad;
    for (uint32_t h = 0; h < H; ++h) {
      std::fill(head_grad[h].begin(), head_grad[h].end(), 0.0f);
      head_backward(c, layer.heads[h], n, act.query[l * H + h], act.positional[l * H + h], copy.data(), lr,
                    head_grad[h].data());
    }
    for (uint32_t h = 0; h < H; ++h) {
      for (size_t e = 0; e < grad.size(); ++e) grad[e] += head_grad[h][e];
    }
  }
  return loss / n;
}

}  // namespace polychron::reference
