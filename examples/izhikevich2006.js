// Izhikevich's 2006 polychronization network: 1000 neurons, 100 plastic synapses each,
// axonal delays of 1–20 ms and STDP, run for 20 simulated seconds. Prints the firing
// rate each second and the weights' drift, draws the last second's raster, the population
// rates and the weight histogram, and saves the network for later.
//
//   node examples/izhikevich2006.js
const fs = require('node:fs');
const { izhikevich2006, plotRaster, plotRates, plotWeightHistogram } = require('polychron');

async function main() {
  const { network, excitatory, inhibitory } = izhikevich2006({ seed: 1, mode: 'fast' });
  const monitor = network.addSpikeMonitor({ neurons: excitatory });
  const lastSecond = network.addSpikeMonitor({ windowMs: 1000 });
  for (let second = 1; second <= 20; second++) {
    await network.run(1000, { record: false });
    const rate = monitor.count / excitatory.size; // spikes per neuron in this second = Hz
    monitor.clear();
    const { mean } = network.plasticWeights();
    console.log(`second ${second}: excitatory rate ${rate.toFixed(1)} Hz, mean plastic weight ${mean.toFixed(3)}`);
  }
  const raster = { times: lastSecond.times, neurons: lastSecond.neurons };
  fs.writeFileSync('raster.svg', await plotRaster(raster, { title: 'the 20th second' }));
  fs.writeFileSync('rates.svg', await plotRates(raster, { populations: [excitatory, inhibitory] }));
  fs.writeFileSync('weights.svg', await plotWeightHistogram(network.synapses().weight, { domain: [0, 10] }));
  console.log('wrote raster.svg, rates.svg and weights.svg');
  await network.save('izhikevich2006.pcc'); // polychron simulate --resume izhikevich2006.pcc
  network.close();
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
