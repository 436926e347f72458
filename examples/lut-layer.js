// A look-up-table layer (the Spiking Manifesto): each table compares anchor pairs of the
// input and the comparisons select one row; the layer adds the rows of its tables.
// Here one layer learns a fixed random linear map from examples, by the spec's backward.
//
//   node examples/lut-layer.js
const { LutLayer } = require('polychron');

const inputs = 16;
const outputs = 4;
const layer = new LutLayer({ inputs, outputs, tables: 32, comparisons: 6, seed: 1 });

// A seeded generator (xorshift) so that the run is the same every time.
let state = 12345;
const random = () => {
  state ^= state << 13;
  state ^= state >>> 17;
  state ^= state << 5;
  return (state >>> 0) / 2 ** 32 - 0.5;
};
const target = Array.from({ length: outputs * inputs }, random);
const teacher = (x) => Float32Array.from({ length: outputs }, (_, o) => x.reduce((s, v, i) => s + target[o * inputs + i] * v, 0));

for (let epoch = 0; epoch <= 2000; epoch++) {
  const x = Float32Array.from({ length: inputs }, random);
  const y = layer.forward(x);
  const want = teacher(x);
  const error = y.map((v, o) => v - want[o]); // ∂(½‖y − want‖²)/∂y
  layer.backward(x, error, 0.05);
  if (epoch % 500 === 0) {
    const loss = error.reduce((s, e) => s + e * e, 0) / 2;
    console.log(`example ${epoch}: squared error ${loss.toFixed(4)}`);
  }
}
const { index } = layer.lookup(Float32Array.from({ length: inputs }, random));
console.log(`rows selected for one input (table by table): ${Array.from(index.slice(0, 8)).join(' ')} …`);
layer.close();
