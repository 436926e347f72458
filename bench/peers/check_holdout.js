// A tiny check that bench/peers/dense_transformer.py validates on polychron's 'holdout'
// protocol (native/core/lut/lm/data.cpp): on a short text, which bytes the validation loss
// reads is found by probing, one byte changed at a time, in polychron's evaluate() (a LUT
// model trained a few steps, so that its output depends on its inputs) and in the peer's
// validation_loss() (an untrained dense model); both sets must equal the union of
// [s, s + P] over the peer's window starts s (P inputs, P targets per window). Then the
// loss of an untrained model of each kind on the whole text, against ln 256.
//   node bench/peers/check_holdout.js [TEXT]      (prints one JSON object)
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const polychron = require('../..');

const TEXT = process.argv[2] ?? path.resolve(__dirname, '..', '..', '..', 'shared', 'data', 'tinyshakespeare.txt');
const P = 32;
const CASES = [{ bytes: 2000, holdout: 0.1, validationSnippets: 4 }, { bytes: 2000, holdout: 0.1, validationSnippets: 10000 },
  { bytes: 3001, holdout: 0.07, validationSnippets: 3 }];

const python = (code, input) => {
  const run = spawnSync('/usr/bin/python3', ['-c', code], { input, encoding: 'utf8', cwd: __dirname, maxBuffer: 1 << 26 });
  if (run.status !== 0) throw new Error(run.stderr);
  return JSON.parse(run.stdout.trim().split('\n').pop());
};

const PEER = `
import json, sys, numpy as np, torch
import dense_transformer as dt
spec = json.loads(sys.stdin.read())
torch.manual_seed(1)
torch.set_num_threads(1)
raw = bytes(spec['text'])
text = torch.tensor(np.frombuffer(raw, dtype=np.uint8).astype(np.int64))
start, starts = dt.holdout_split(len(raw), ${P}, spec['holdout'], spec['validationSnippets'])
model = dt.Decoder(32, 2, 4, ${P})
base = dt.validation_loss(model, text, starts, ${P})
read = []
for j in range(start - 2 * ${P}, len(raw)):
    changed = text.clone(); changed[j] = (changed[j] + 1) % 256
    if dt.validation_loss(model, changed, starts, ${P}) != base: read.append(j)
print(json.dumps({'heldOutFrom': start, 'starts': starts, 'read': read}))
`;

async function lutRead(bytes, data) {
  const model = new polychron.LutLanguageModel({ impl: 'fast', threads: 1, seed: 1 });
  try {
    await model.train(bytes, { steps: 300, ...data });
    const base = await model.evaluate(bytes, data);
    const from = bytes.length - Math.max(P + 1, Math.floor(bytes.length * data.holdout)) - 2 * P;
    const read = [];
    for (let j = from; j < bytes.length; j++) {
      const changed = Buffer.from(bytes);
      changed[j] = (changed[j] + 1) % 256;
      if ((await model.evaluate(changed, data)) !== base) read.push(j);
    }
    return read;
  } finally {
    model.close();
  }
}

async function main() {
  const all = fs.readFileSync(TEXT);
  const cases = [];
  for (const c of CASES) {
    const bytes = all.subarray(0, c.bytes);
    const data = { protocol: 'holdout', holdout: c.holdout, validationSnippets: c.validationSnippets };
    const peer = python(PEER, JSON.stringify({ text: [...bytes], holdout: c.holdout, validationSnippets: c.validationSnippets }));
    const expected = [...new Set(peer.starts.flatMap((s) => Array.from({ length: P + 1 }, (_, k) => s + k)))].sort((a, b) => a - b);
    const lut = await lutRead(bytes, data);
    const same = (a, b) => a.length === b.length && a.every((x, k) => x === b[k]);
    cases.push({ ...c, heldOutFrom: peer.heldOutFrom, starts: peer.starts, bytesRead: expected.length,
      peerReadsExpected: same(peer.read, expected), lutReadsExpected: same(lut, expected),
      ...(!same(lut, expected) && { lutOnly: lut.filter((j) => !expected.includes(j)), lutMissing: expected.filter((j) => !lut.includes(j)) }),
      ...(!same(peer.read, expected) && { peerOnly: peer.read.filter((j) => !expected.includes(j)), peerMissing: expected.filter((j) => !peer.read.includes(j)) }) });
  }
  // Untrained models on the whole text with the bench's settings.
  const data = { protocol: 'holdout', holdout: 0.1, validationSnippets: 10000 };
  const model = new polychron.LutLanguageModel({ impl: 'fast', threads: 2, seed: 1 });
  const lutUntrained = await model.evaluate(all, data);
  model.close();
  const dense = python(`
import json, math, numpy as np, torch
import dense_transformer as dt
torch.manual_seed(1)
torch.set_num_threads(2)
raw = open(${JSON.stringify(TEXT)}, 'rb').read()
text = torch.tensor(np.frombuffer(raw, dtype=np.uint8).astype(np.int64))
start, starts = dt.holdout_split(len(raw), ${P}, 0.1, 10000)
print(json.dumps({'windows': len(starts), 'loss': dt.validation_loss(dt.Decoder(32, 6, 4, ${P}), text, starts, ${P})}))
`);
  console.log(JSON.stringify({ cases, untrained: { ln256: Math.log(256), lut: lutUntrained, dense: dense.loss, windows: dense.windows } }, null, 1));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
