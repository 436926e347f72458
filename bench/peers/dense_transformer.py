#!/usr/bin/python3
"""Dense peer of the LUT transformer (bench/lm-vs-dense.js): a standard pre-LayerNorm
GPT-style decoder over bytes, trained in PyTorch on the CPU for a wall-clock budget on the
same data protocol as polychron's default 'holdout' protocol, so that both validation
losses are the same quantity on the same bytes.

The protocol (native/core/lut/lm/data.cpp, docs/api.md "Data protocols"): with n bytes and
context P, held = max(P + 1, floor(n * holdout)) bytes at the end are held out; training
snippets start anywhere in [0, n - held - P) (a snippet reads P + 1 bytes, so no training
target reaches the held-out tail); validation reads the tail as windows = (held - 1) // P
non-overlapping windows, count = min(windows, validationSnippets) of them evenly spaced
(window k starts at n - held + (k * windows // count) * P), and the loss is the mean of
-ln p(next byte) over every position of every window, in nats per byte.
Checked by bench/peers/check_holdout.js: probing one changed byte at a time, polychron's
evaluate() and this validation_loss() read exactly the union of [s, s + P] over the starts
s above (3 small texts/settings); untrained, both give 5.545 = ln 256 on tinyshakespeare.

Usage: dense_transformer.py --text FILE --marks 60,300,600 [--d 32] [--layers 6]
       [--heads 4] [--threads 2] [--batch 64] [--lr 3e-3] [--onnx FILE]
       [--teacher-out PREFIX] [--teacher-k 8]
Prints one JSON object on stdout: per mark {seconds, steps, validationLoss}, parameters,
peak RSS, batch-1 generation latency in eager PyTorch and TorchScript.
--onnx FILE exports the trained model (input 'bytes' int64 [1, P], output 'logits'
[1, P, 256]). --teacher-out PREFIX writes PREFIX.indices.u8 (n x k uint8) and
PREFIX.probs.f32 (n x k float32 little-endian): row i is the model's top-k distribution of
the byte after text[i] for every i in the training part, zero rows for the held-out tail.
"""
import argparse
import json
import math
import resource
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

VOCABULARY = 256


class Block(nn.Module):
    """Pre-LayerNorm block: x + attention(ln(x)), then x + FFN(ln(x)), FFN 4d with GELU."""

    def __init__(self, d, heads, context):
        super().__init__()
        self.heads = heads
        # A Python float fixed at construction: computed from x.shape inside forward() it
        # would be a traced value that torch.jit.trace turns into a constant with a warning.
        self.scale = 1.0 / math.sqrt(d // heads)
        self.ln1 = nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.ln2 = nn.LayerNorm(d)
        self.fc1 = nn.Linear(d, 4 * d)
        self.fc2 = nn.Linear(4 * d, d)
        self.register_buffer('mask', torch.triu(torch.full((context, context), float('-inf')), diagonal=1))

    def forward(self, x):
        b, t, d = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(d, dim=2)
        # Written out rather than nn.MultiheadAttention so that tracing and ONNX export see
        # plain matrix products (no fused kernel that one exporter or the other lacks).
        q, k, v = (z.view(b, t, self.heads, d // self.heads).transpose(1, 2) for z in (q, k, v))
        scores = (q @ k.transpose(2, 3)) * self.scale + self.mask[:t, :t]
        y = (scores.softmax(dim=-1) @ v).transpose(1, 2).reshape(b, t, d)
        x = x + self.proj(y)
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x))))


class Decoder(nn.Module):
    def __init__(self, d, layers, heads, context):
        super().__init__()
        self.token = nn.Embedding(VOCABULARY, d)
        self.position = nn.Parameter(torch.zeros(context, d))
        nn.init.normal_(self.position, std=0.02)
        self.blocks = nn.ModuleList(Block(d, heads, context) for _ in range(layers))
        self.ln = nn.LayerNorm(d)
        self.head = nn.Linear(d, VOCABULARY)
        # GPT-2's initialisation: weights N(0, 0.02), biases zero, so that the untrained
        # model's next-byte distribution is nearly uniform (loss ln 256 = 5.545, as an untrained
        # LUT model's is; PyTorch's default uniform init starts near 5.71 at d 32).
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.normal_(m.weight, std=0.02)
            if isinstance(m, nn.Linear):
                nn.init.zeros_(m.bias)

    def forward(self, tokens):
        x = self.token(tokens) + self.position[:tokens.shape[1]]
        for block in self.blocks:
            x = block(x)
        return self.head(self.ln(x))


def holdout_split(n, context, holdout, snippets):
    """The holdout protocol of data.cpp: (first held-out byte, validation window starts)."""
    held = max(context + 1, math.floor(n * holdout))
    if n < held + 2 * (context + 1):
        raise SystemExit(f'the text has {n} bytes; the holdout protocol needs at least {held + 2 * (context + 1)}')
    start = n - held
    windows = (held - 1) // context
    count = min(windows, snippets)
    return start, [start + (k * windows // count) * context for k in range(count)]


def validation_loss(model, text, starts, context, batch=256):
    """Mean -ln p over every position of every window (nats per byte)."""
    model.eval()
    total = 0.0
    offsets = torch.arange(context + 1)
    with torch.no_grad():
        for first in range(0, len(starts), batch):
            chunk = text[torch.tensor(starts[first:first + batch])[:, None] + offsets]
            logits = model(chunk[:, :-1])
            total += F.cross_entropy(logits.reshape(-1, VOCABULARY), chunk[:, 1:].reshape(-1), reduction='sum').item()
    model.train()
    return total / (len(starts) * context)


def train(model, text, train_starts, valid_starts, args, marks):
    """AdamW on random training snippets; the clock runs only while training steps run."""
    total = marks[-1]
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.9, 0.95), weight_decay=0.01)
    generator = torch.Generator().manual_seed(args.seed)
    offsets = torch.arange(args.context + 1)
    elapsed, steps, loss_sum, loss_count, results = 0.0, 0, 0.0, 0, []
    while len(results) < len(marks):
        began = time.perf_counter()
        # The schedule follows the training clock up to the largest mark: linear warm-up over
        # its first 3%, then a cosine down to 10% of the peak rate.
        progress = min(1.0, elapsed / total)
        lr = args.lr * min(1.0, progress / 0.03) * (0.1 + 0.45 * (1 + math.cos(math.pi * progress)))
        for group in optimizer.param_groups:
            group['lr'] = lr
        chunk = text[torch.randint(0, train_starts, (args.batch,), generator=generator)[:, None] + offsets]
        logits = model(chunk[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, VOCABULARY), chunk[:, 1:].reshape(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        steps += 1
        elapsed += time.perf_counter() - began
        loss_sum, loss_count = loss_sum + loss.item(), loss_count + 1
        while len(results) < len(marks) and elapsed >= marks[len(results)]:
            validating = time.perf_counter()
            valid = validation_loss(model, text, valid_starts, args.context)
            validation_seconds = time.perf_counter() - validating
            results.append({'mark': marks[len(results)], 'seconds': elapsed, 'steps': steps,
                            'trainLoss': loss_sum / max(1, loss_count), 'validationLoss': valid,
                            'validationSeconds': validation_seconds})
            loss_sum, loss_count = 0.0, 0
            print(f'dense d={args.d}: {steps} steps in {elapsed:.1f} s of training, validation loss {valid:.4f} '
                  f'({validation_seconds:.1f} s)', file=sys.stderr)
    return results


def time_generation(forward, prompt, length, temperature, seed=1):
    """Seconds per byte at batch 1: slide a P-byte window, sample the last position's softmax."""
    generator = torch.Generator().manual_seed(seed)
    window = prompt.clone()[None]
    with torch.no_grad():
        for _ in range(10):  # warm-up: first calls allocate and (TorchScript) optimise
            forward(window)
        began = time.perf_counter()
        for _ in range(length):
            logits = forward(window)[0, -1]
            byte = torch.multinomial((logits / temperature).softmax(-1), 1, generator=generator)
            window = torch.cat([window[:, 1:], byte[None]], dim=1)
        seconds = time.perf_counter() - began
    return {'nsPerByte': seconds / length * 1e9, 'bytesPerSecond': length / seconds}


def write_teacher(model, text, train_end, context, k, prefix, batch=512):
    """Top-k next-byte distributions of every training position, with as much left context as
    the window allows (rows are aligned with the whole text, as polychron's train() reads it;
    the held-out tail stays zero, and no window reads it): windows of P bytes at stride P/2 give positions P/2..P-1 of each (at
    least P/2 bytes of context), the first window also its positions 0..P/2-1, and one last
    window ending at the end of the training part covers its remainder."""
    n = len(text)
    indices = np.zeros((n, k), dtype=np.uint8)
    probs = np.zeros((n, k), dtype='<f4')
    half = context // 2
    starts = list(range(0, train_end - context + 1, half))
    if starts[-1] + context < train_end:
        starts.append(train_end - context)
    covered = 0  # positions [0, covered) are written
    model.eval()
    with torch.no_grad():
        for first in range(0, len(starts), batch):
            group = torch.tensor(starts[first:first + batch])
            top = model(text[group[:, None] + torch.arange(context)]).softmax(-1).topk(k, dim=-1)
            for row, s in enumerate(starts[first:first + batch]):
                skip = max(0, covered - s)
                indices[s + skip:s + context] = top.indices[row, skip:].numpy()
                probs[s + skip:s + context] = top.values[row, skip:].numpy()
                covered = s + context
    indices.tofile(prefix + '.indices.u8')
    probs.tofile(prefix + '.probs.f32')
    return {'indices': prefix + '.indices.u8', 'probabilities': prefix + '.probs.f32', 'k': k, 'rows': n,
            'rowsWritten': covered}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--text', required=True)
    parser.add_argument('--marks', required=True, help='seconds of training at which to validate, e.g. 60,300,600')
    parser.add_argument('--d', type=int, default=32)
    parser.add_argument('--layers', type=int, default=6)
    parser.add_argument('--heads', type=int, default=4)
    parser.add_argument('--context', type=int, default=32)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--batch', type=int, default=64)
    parser.add_argument('--lr', type=float, default=3e-3)
    parser.add_argument('--holdout', type=float, default=0.1)
    parser.add_argument('--validation-snippets', type=int, default=10000)
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--generate', type=int, default=200, help='bytes timed per generation runtime')
    parser.add_argument('--temperature', type=float, default=0.4)
    parser.add_argument('--onnx')
    parser.add_argument('--teacher-out')
    parser.add_argument('--teacher-k', type=int, default=8)
    args = parser.parse_args()
    if args.d % args.heads:
        raise SystemExit(f'--d {args.d} must be a multiple of --heads {args.heads}')
    marks = sorted(float(m) for m in args.marks.split(','))
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(args.seed)

    with open(args.text, 'rb') as f:
        raw = f.read()
    text = torch.tensor(np.frombuffer(raw, dtype=np.uint8).astype(np.int64))
    held_start, valid_starts = holdout_split(len(raw), args.context, args.holdout, args.validation_snippets)
    model = Decoder(args.d, args.layers, args.heads, args.context)
    parameters = sum(p.numel() for p in model.parameters())
    print(f'dense d={args.d}: {parameters} parameters, {len(valid_starts)} validation windows', file=sys.stderr)

    results = train(model, text, held_start - args.context, valid_starts, args, marks)
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # after training: the figure compared

    model.eval()
    prompt = text[held_start:held_start + args.context]
    eager = time_generation(model, prompt, args.generate, args.temperature)
    with torch.no_grad():
        traced = torch.jit.freeze(torch.jit.trace(model, prompt[None]))
    torchscript = time_generation(traced, prompt, args.generate, args.temperature)
    out = {
        'torch': torch.__version__, 'threads': args.threads,
        'config': {'d': args.d, 'layers': args.layers, 'heads': args.heads, 'context': args.context, 'ffn': 4 * args.d,
                   'activation': 'gelu', 'norm': 'pre-layernorm', 'positional': 'learned'},
        'training': {'optimizer': 'AdamW(0.9, 0.95), weight decay 0.01, gradient clip 1', 'batch': args.batch,
                     'peakLr': args.lr, 'schedule': 'warm-up over the first 3% of the training clock, cosine to 10%',
                     'seed': args.seed},
        'protocol': {'name': 'holdout', 'holdout': args.holdout, 'heldOutFrom': held_start,
                     'validationWindows': len(valid_starts), 'positionsScored': len(valid_starts) * args.context},
        'parameters': parameters, 'marks': results, 'peakRssBytes': peak_rss,
        'generation': {'bytes': args.generate, 'temperature': args.temperature, 'threads': args.threads,
                       'eager': eager, 'torchscript': torchscript,
                       'faster': 'torchscript' if torchscript['nsPerByte'] < eager['nsPerByte'] else 'eager'},
    }
    if args.onnx:
        # Opset 14 (PyTorch 1.13 exports up to 17): GELU becomes Erf arithmetic, LayerNorm
        # its decomposition, both of which onnxruntime fuses again. The last position's logits
        # for the prompt go with it so that the reader can check the exported graph.
        with torch.no_grad():
            torch.onnx.export(model, prompt[None], args.onnx, input_names=['bytes'], output_names=['logits'],
                              opset_version=14, do_constant_folding=True)
            last = model(prompt[None])[0, -1]
        out['onnx'] = {'file': args.onnx, 'opset': 14, 'input': 'bytes int64 [1, %d]' % args.context,
                       'output': 'logits float32 [1, %d, 256]' % args.context, 'promptLastLogits': last.tolist()}
    if args.teacher_out:
        began = time.perf_counter()
        out['teacher'] = write_teacher(model, text, held_start, args.context, args.teacher_k, args.teacher_out)
        out['teacher']['seconds'] = time.perf_counter() - began
        print(f'dense d={args.d}: teacher file written in {out["teacher"]["seconds"]:.1f} s', file=sys.stderr)
    print(json.dumps(out))


if __name__ == '__main__':
    main()
