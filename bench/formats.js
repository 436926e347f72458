// Writing and reading back a spike raster of ~27 MB as CSV (the size of issue 14's file)
// in each table format: CSV, NPZ (NumPy) and Arrow IPC. Median of 3 after one warm-up,
// each through writeSpikes / readSpikes, the round trip checked bit for bit.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { polychron, measure, writeResult } = require('./harness');

const SPIKES = 1_700_000;
const NEURONS = 1_000_000;
const HOURS = 10;

/** A deterministic raster: ascending whole-ms times over HOURS, neurons spread over NEURONS. */
function raster() {
  const times = new Float64Array(SPIKES);
  const neurons = new Uint32Array(SPIKES);
  let state = 12345;
  const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0);
  for (let k = 0; k < SPIKES; k++) {
    times[k] = Math.floor((k / SPIKES) * HOURS * 3_600_000);
    neurons[k] = next() % NEURONS;
  }
  return { times, neurons };
}

async function main() {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'polychron-bench-formats-'));
  const spikes = raster();
  const rows = [];
  try {
    for (const extension of ['csv', 'npz', 'arrow']) {
      const file = path.join(folder, `spikes.${extension}`);
      const write = await measure(() => polychron.writeSpikes(file, spikes), { work: 1, repeats: 3 });
      const read = await measure(() => polychron.readSpikes(file), { work: 1, repeats: 3 });
      const back = await polychron.readSpikes(file);
      const same = Buffer.compare(Buffer.from(back.times.buffer), Buffer.from(spikes.times.buffer)) === 0
        && Buffer.compare(Buffer.from(back.neurons.buffer), Buffer.from(spikes.neurons.buffer)) === 0;
      if (!same) throw new Error(`${extension}: the round trip changed the raster`);
      const row = { format: extension, bytes: fs.statSync(file).size, writeMs: write.median / 1e6, readMs: read.median / 1e6, write, read };
      rows.push(row);
      console.log(`${extension}: ${(row.bytes / 1e6).toFixed(1)} MB, write ${row.writeMs.toFixed(0)} ms, read ${row.readMs.toFixed(0)} ms`);
    }
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
  console.log(writeResult('formats', { spikes: SPIKES, rows }));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
