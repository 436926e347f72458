// The empty job of bench/sweep.js, loaded with --builders: one neuron, nothing connected,
// so that a run's own work is a few microseconds and what is timed is the sweep machinery.
'use strict';
const path = require('node:path');
const { Network } = require(path.join(__dirname, '..', '..', 'dist', 'index.js'));

function empty(params, context) {
  const network = new Network({ seed: params.seed, threads: context.threads });
  network.addPopulation({ size: 1, name: 'one' });
  return network;
}

module.exports = { empty };
