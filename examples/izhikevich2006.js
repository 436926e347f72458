// Izhikevich's 2006 polychronization network: 1000 neurons, 100 plastic synapses each,
// axonal delays of 1–20 ms and STDP, run for 20 simulated seconds. Prints the firing
// rate each second and the weights' drift, then saves the network for later.
//
//   node examples/izhikevich2006.js
const { izhikevich2006 } = require('polychron');

async function main() {
  const { network, excitatory } = izhikevich2006({ seed: 1, mode: 'fast' });
  const monitor = network.addSpikeMonitor({ neurons: excitatory });
  for (let second = 1; second <= 20; second++) {
    await network.run(1000, { record: false });
    const rate = monitor.count / excitatory.size; // spikes per neuron in this second = Hz
    monitor.clear();
    const { mean } = network.plasticWeights();
    console.log(`second ${second}: excitatory rate ${rate.toFixed(1)} Hz, mean plastic weight ${mean.toFixed(3)}`);
  }
  await network.save('izhikevich2006.pcc'); // polychron simulate --resume izhikevich2006.pcc
  network.close();
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
