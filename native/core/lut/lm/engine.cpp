#include "core/lut/lm/engine.h"

#include <algorithm>

namespace polychron {

namespace {

float magnitude(float u) { return u < 0 ? -u : u; }

}  // namespace

// Scratch of one thread, and the activations of one forward pass.
struct LmEngine::Workspace {
  LmActivations act;
  std::vector<std::vector<float>> head_out, head_grad;  // [head][pos·d]
  std::vector<const float*> rows;
  std::vector<uint32_t> counts;
  std::vector<LutBackwardOp> ops;
  std::vector<float> gi, gi_pe, pe_grad, logit_grad, grad, copy;
};

LmEngine::LmEngine(LmModel& model, unsigned threads, SimdLevel simd)
    : model_(model), kernels_(lut_kernels(simd)), pool_(threads) {
  for (unsigned k = 0; k < pool_.size(); ++k) workspaces_.push_back(std::make_unique<Workspace>());
}

LmEngine::~LmEngine() = default;

void LmEngine::index(const Lut& lut, const float* x, LutIndex& out, bool detail) const {
  if (detail) {
    lut.index(x, out.j.data(), out.r_min.data(), out.u_min.data());
  } else {
    const LutShape& s = lut.shape();
    kernels_.indices(x, s.inputs, lut.a().data(), lut.b().data(), s.tables, s.comparisons, out.j.data());
  }
}

void LmEngine::forward(Workspace& w, const uint8_t* tokens, uint32_t n, bool detail, bool last_only,
                       bool parallel_heads) {
  const LmConfig& c = model_.config();
  const uint32_t d = c.embedding, H = c.heads, T = c.tables, L = c.layers;
  const uint32_t q_shift = c.comparisons + c.positional;
  LmActivations& act = w.act;
  if (act.n != n || act.input.size() != L) act.prepare(c, n);
  w.head_out.resize(H);
  for (auto& out : w.head_out) out.resize(size_t(n) * d);
  for (uint32_t pos = 0; pos < n; ++pos) {
    std::copy_n(model_.embedding.data() + size_t(tokens[pos]) * d, d, act.z.data() + size_t(pos) * d);
  }
  const bool parallel = parallel_heads && pool_.size() > 1;
  for (uint32_t l = 0; l < L; ++l) {
    const LmLayer& layer = model_.layers[l];
    const bool tail_only = last_only && l + 1 == L;
    const uint32_t first = tail_only ? n - 1 : 0;
    act.input[l] = act.z;
    auto run_head = [&](Workspace& scratch, uint32_t h) {
      const LmHead& head = layer.heads[h];
      std::vector<LutIndex>& query = act.query[l * H + h];
      std::vector<LutIndex>& positional = act.positional[l * H + h];
      for (uint32_t pos = 0; pos < n; ++pos) index(head.v, act.input[l].data() + size_t(pos) * d, query[pos], detail);
      for (uint32_t delta = 1; delta < n; ++delta) positional_index(c, head.pe.data(), delta, positional[delta]);
      float* out = w.head_out[h].data();
      std::fill(out + size_t(first) * d, out + size_t(n) * d, 0.0f);
      // Every position's rows (pair by pair, table by table), then one kernel call that
      // prefetches across positions.
      scratch.rows.clear();
      scratch.counts.clear();
      const uint32_t start = std::max(first, 1u);
      for (uint32_t pos = start; pos < n; ++pos) {
        scratch.counts.push_back(pos * T);
        for (uint32_t pos1 = 0; pos1 < pos; ++pos1) {
          const LutIndex& e = positional[pos - pos1];
          for (uint32_t i = 0; i < T; ++i) {
            const uint64_t J = (uint64_t(query[pos].j[i]) << q_shift) | (uint64_t(query[pos1].j[i]) << c.positional) |
                               e.j[i];
            scratch.rows.push_back(head.v.read_row(i, J));
          }
        }
      }
      if (start < n) {
        kernels_.sum_rows(out + size_t(start) * d, d, scratch.rows.data(), scratch.counts.data(), n - start, d);
      }
    };
    if (parallel) {
      pool_.run([&](unsigned k) {
        for (uint32_t h = k; h < H; h += pool_.size()) run_head(*workspaces_[k], h);
      });
    } else {
      for (uint32_t h = 0; h < H; ++h) run_head(w, h);
    }
    for (uint32_t h = 0; h < H; ++h) {
      const float* out = w.head_out[h].data();
      for (size_t e = size_t(first) * d; e < size_t(n) * d; ++e) act.z[e] += out[e];
    }
    // Every position's index first (from z before any FFN output), then all rows in one call.
    w.rows.clear();
    for (uint32_t pos = first; pos < n; ++pos) {
      LutIndex& f = act.ffn[l][pos];
      index(layer.ffn, act.z.data() + size_t(pos) * d, f, detail);
      for (uint32_t i = 0; i < T; ++i) w.rows.push_back(layer.ffn.read_row(i, f.j[i]));
    }
    w.counts.assign(n - first, T);
    kernels_.sum_rows(act.z.data() + size_t(first) * d, d, w.rows.data(), w.counts.data(), n - first, d);
  }
  const uint32_t first = last_only ? n - 1 : 0;
  w.rows.clear();
  for (uint32_t pos = first; pos < n; ++pos) {
    LutIndex& u = act.unembed[pos];
    index(model_.unembed, act.z.data() + size_t(pos) * d, u, detail);
    for (uint32_t i = 0; i < T; ++i) w.rows.push_back(model_.unembed.read_row(i, u.j[i]));
  }
  std::fill(act.logits.begin() + size_t(first) * kLmVocabulary, act.logits.end(), 0.0f);
  w.counts.assign(n - first, T);
  kernels_.sum_rows(act.logits.data() + size_t(first) * kLmVocabulary, kLmVocabulary, w.rows.data(), w.counts.data(),
                    n - first, kLmVocabulary);
}

void LmEngine::lut_backward(Lut& lut, const std::vector<LutIndex>& index, const float* g, uint32_t g_stride,
                            float lr, float* dx, uint32_t dx_stride, Workspace& w) {
  const uint32_t T = lut.shape().tables, n = uint32_t(index.size());
  w.ops.clear();
  for (uint32_t pos = 0; pos < n; ++pos) {
    for (uint32_t i = 0; i < T; ++i) {
      // Resolved in op order: a row written by an earlier op is read from its own page.
      const uint32_t j = index[pos].j[i];
      const float* flip = lut.read_row(i, j ^ (1u << index[pos].r_min[i]));
      w.ops.push_back({lut.write_row(i, j), flip, nullptr, g + size_t(pos) * g_stride});
    }
  }
  w.gi.resize(w.ops.size());
  w.gi_pe.resize(w.ops.size());
  kernels_.backward(lut.shape().outputs, lr, w.ops.data(), uint32_t(w.ops.size()), w.gi.data(), w.gi_pe.data());
  size_t o = 0;
  for (uint32_t pos = 0; pos < n; ++pos) {
    for (uint32_t i = 0; i < T; ++i, ++o) {
      const uint32_t r = index[pos].r_min[i];
      const float step = w.gi[o] * surrogate_slope(index[pos].u_min[i]);
      dx[size_t(pos) * dx_stride + lut.a()[r * T + i]] += step;
      dx[size_t(pos) * dx_stride + lut.b()[r * T + i]] -= step;
    }
  }
}

void LmEngine::head_backward(Workspace& w, uint32_t l, uint32_t h, const float* g, float lr, float* dx) {
  const LmConfig& c = model_.config();
  const uint32_t d = c.embedding, T = c.tables, p = c.positional;
  const uint32_t q_shift = c.comparisons + p;
  const LmActivations& act = workspaces_[0]->act;
  const uint32_t n = act.n;
  LmHead& head = model_.layers[l].heads[h];
  Lut& v = head.v;
  const std::vector<LutIndex>& query = act.query[l * c.heads + h];
  const std::vector<LutIndex>& positional = act.positional[l * c.heads + h];

  // Rows are resolved (and marked written) in op order: an op reads the row an earlier op
  // writes from its own page, as the reference does.
  w.ops.clear();
  for (uint32_t pos = 1; pos < n; ++pos) {
    for (uint32_t pos1 = 0; pos1 < pos; ++pos1) {
      const LutIndex &q = query[pos], &k = query[pos1], &e = positional[pos - pos1];
      for (uint32_t i = 0; i < T; ++i) {
        const uint64_t J = (uint64_t(q.j[i]) << q_shift) | (uint64_t(k.j[i]) << p) | e.j[i];
        const float aq = magnitude(q.u_min[i]), ak = magnitude(k.u_min[i]), ae = magnitude(e.u_min[i]);
        const uint64_t flip = aq < ak ? J ^ (uint64_t(1) << (q_shift + q.r_min[i])) : J ^ (uint64_t(1) << (p + k.r_min[i]));
        const float* pe = ae < aq && ae < ak ? v.read_row(i, J ^ (uint64_t(1) << e.r_min[i])) : nullptr;
        const float* flipped = v.read_row(i, flip);
        w.ops.push_back({v.write_row(i, J), flipped, pe, g + size_t(pos) * d});
      }
    }
  }
  w.gi.resize(w.ops.size());
  w.gi_pe.resize(w.ops.size());
  kernels_.backward(d, lr, w.ops.data(), uint32_t(w.ops.size()), w.gi.data(), w.gi_pe.data());

  w.pe_grad.assign(head.pe.size(), 0.0f);
  size_t o = 0;
  for (uint32_t pos = 1; pos < n; ++pos) {
    for (uint32_t pos1 = 0; pos1 < pos; ++pos1) {
      const uint32_t delta = pos - pos1;
      const LutIndex &q = query[pos], &k = query[pos1], &e = positional[delta];
      for (uint32_t i = 0; i < T; ++i, ++o) {
        const float uq = q.u_min[i], uk = k.u_min[i], ue = e.u_min[i];
        if (magnitude(uq) < magnitude(uk)) {
          const float step = w.gi[o] * surrogate_slope(uq);
          dx[size_t(pos) * d + v.a()[q.r_min[i] * T + i]] += step;
          dx[size_t(pos) * d + v.b()[q.r_min[i] * T + i]] -= step;
        } else {
          const float step = w.gi[o] * surrogate_slope(uk);
          dx[size_t(pos1) * d + v.a()[k.r_min[i] * T + i]] += step;
          dx[size_t(pos1) * d + v.b()[k.r_min[i] * T + i]] -= step;
        }
        if (w.ops[o].pe != nullptr) w.pe_grad[(size_t(delta) * T + i) * p + e.r_min[i]] += w.gi_pe[o] * surrogate_slope(ue);
      }
    }
  }
  for (size_t e = 0; e < head.pe.size(); ++e) head.pe[e] -= lr * w.pe_grad[e];
}

double LmEngine::train_step(const uint8_t* tokens, uint32_t n, float lr, const LmTeacher* teacher, uint64_t row) {
  const LmConfig& c = model_.config();
  const uint32_t d = c.embedding, H = c.heads;
  Workspace& w = *workspaces_[0];
  forward(w, tokens, n, true, false, true);
  const LmActivations& act = w.act;

  double loss = 0;
  w.logit_grad.resize(size_t(n) * kLmVocabulary);
  for (uint32_t pos = 0; pos < n; ++pos) {
    const float* logits = act.logits.data() + size_t(pos) * kLmVocabulary;
    loss += cross_entropy(logits, tokens[pos + 1]);
    distillation_gradient(logits, tokens[pos + 1], teacher, row + pos, w.logit_grad.data() + size_t(pos) * kLmVocabulary);
  }
  w.grad.assign(size_t(n) * d, 0.0f);
  lut_backward(model_.unembed, act.unembed, w.logit_grad.data(), kLmVocabulary, lr, w.grad.data(), d, w);
  w.head_grad.resize(H);
  for (uint32_t l = c.layers; l-- > 0;) {
    w.copy = w.grad;
    lut_backward(model_.layers[l].ffn, act.ffn[l], w.copy.data(), d, lr, w.grad.data(), d, w);
    w.copy = w.grad;
    pool_.run([&](unsigned k) {
      for (uint32_t h = k; h < H; h += pool_.size()) {
        w.head_grad[h].assign(w.grad.size(), 0.0f);
        head_backward(*workspaces_[k], l, h, w.copy.data(), lr, w.head_grad[h].data());
      }
    });
    for (uint32_t h = 0; h < H; ++h) {
      const float* hg = w.head_grad[h].data();
      for (size_t e = 0; e < w.grad.size(); ++e) w.grad[e] += hg[e];
    }
  }
  return loss / n;
}

void LmEngine::snippet_losses(const uint8_t* text, const uint64_t* starts, uint64_t count, uint32_t n, bool last_only,
                              double* losses) {
  pool_.run([&](unsigned k) {
    uint64_t begin, end;
    split_range(count, pool_.size(), k, begin, end);
    Workspace& w = *workspaces_[k];
    for (uint64_t s = begin; s < end; ++s) {
      const uint8_t* tokens = text + starts[s];
      forward(w, tokens, n, false, last_only, false);
      if (last_only) {
        losses[s] = cross_entropy(w.act.logits.data() + size_t(n - 1) * kLmVocabulary, tokens[n]);
      } else {
        double sum = 0;
        for (uint32_t pos = 0; pos < n; ++pos) sum += cross_entropy(w.act.logits.data() + size_t(pos) * kLmVocabulary, tokens[pos + 1]);
        losses[s] = sum / n;
      }
    }
  });
}

void LmEngine::last_logits(const uint8_t* tokens, uint32_t n, float* logits) {
  Workspace& w = *workspaces_[0];
  forward(w, tokens, n, false, true, true);
  std::copy_n(w.act.logits.data() + size_t(n - 1) * kLmVocabulary, kLmVocabulary, logits);
}

}  // namespace polychron
