// The Spiking Manifesto's claim made runnable: a LUT classifier compiled into spiking
// neurons on polychron's engine, whose spikes compute every look-up the classifier makes.
// Images of bars (rows, columns, diagonals) in noise; a small LUT classifier learns them,
// is compiled into a circuit, and the circuit's class spikes are compared with the direct
// path, image by image.
//
//   node examples/spiking-lut.js
const { LutClassifier, SpikingLutCircuit } = require('polychron');

// A seeded generator (xorshift) so that the run is the same every time.
let state = 2024;
const random = () => {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return (state >>> 0) / 2 ** 32;
};
const side = 8;
function images(count) {
  const xs = new Float32Array(count * side * side);
  const labels = new Uint8Array(count);
  for (let n = 0; n < count; n++) {
    const label = Math.floor(random() * 3);
    const at = Math.floor(random() * side);
    labels[n] = label;
    for (let r = 0; r < side; r++) {
      for (let c = 0; c < side; c++) {
        const on = label === 0 ? r === at : label === 1 ? c === at : r === c;
        // 8-bit pixels, as images come: the circuit's 256-step grid reads them exactly.
        xs[(n * side + r) * side + c] = Math.floor((on ? 140 : 20) + 110 * random()) / 255;
      }
    }
  }
  return { xs, labels };
}

async function main() {
  const train = images(1200);
  const test = images(200);
  const model = new LutClassifier({
    inputs: side * side, classes: 3, imageShape: [side, side],
    layers: [{ width: 16, tables: 48, comparisons: 5 }], readout: { tables: 16, comparisons: 4 },
  });
  await model.train(train.xs, train.labels, { epochs: 10 });
  const circuit = await SpikingLutCircuit.compile(model);
  console.log(`circuit: ${circuit.network.size} neurons (${circuit.network.populations.map((p) => `${p.name} ${p.size}`).join(', ')}), ` +
    `an image every ${circuit.layout.period} ms, its class ${circuit.layout.latency} ms after it starts`);
  const ev = await circuit.evaluate(test.xs, test.labels);
  console.log(`accuracy ${ev.accuracy}; agreement with the direct path: table indices ${ev.indexAgreement}, classes ${ev.predictionAgreement}`);
  console.log(`per image: ${ev.spikesPerExample.toFixed(0)} spikes, ${ev.synapticEventsPerExample.toFixed(0)} synaptic events, ` +
    `${ev.microsecondsPerExample.toFixed(0)} µs of simulation`);
  circuit.network.close();
  model.close();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
