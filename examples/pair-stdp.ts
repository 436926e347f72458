// A custom network in the field's words: a Poisson input layer projecting onto LIF
// neurons through synapses with pair-based STDP, a spike monitor and a state monitor.
// The weights of the inputs that fire together with the output grow.
//
//   npx tsx examples/pair-stdp.ts     (any TypeScript runner; or compile with tsc, then node)
import { Network } from 'polychron';

async function main(): Promise<void> {
  const network = new Network({ seed: 7 });
  const inputs = network.addPoissonSource({ size: 100, rate: 20 });
  const outputs = network.addPopulation({ model: 'lif', size: 10, tau: 10, vThreshold: -55, name: 'outputs' });
  const projection = network.connect(inputs, outputs, {
    rule: { kind: 'probability', probability: 0.5 },
    delay: { uniform: [1, 5] },
    weight: { uniform: [0.5, 1.5] },
    plastic: { kind: 'pair', aPlus: 0.01, aMinus: 0.012, tauPlus: 20, tauMinus: 20, wMin: 0, wMax: 3 },
  });
  const spikes = network.addSpikeMonitor({ neurons: outputs });
  const before = network.synapses().weight.slice();
  await network.run(10_000, { record: false });
  const after = network.synapses().weight;
  const mean = (w: Float32Array): number => w.reduce((sum, x) => sum + x, 0) / w.length;
  console.log(`projection ${projection.id}: ${after.length} plastic synapses`);
  console.log(`output spikes in 10 s: ${spikes.count} (${(spikes.count / outputs.size / 10).toFixed(1)} Hz)`);
  console.log(`mean weight ${mean(before).toFixed(3)} -> ${mean(after).toFixed(3)}`);
  network.close();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
