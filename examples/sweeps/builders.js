// A builder module for `polychron sweep --builders` and `polychron worker --builders`: each
// exported function builds a network from a run's parameters (always holding `seed`) and
// is named in a sweep spec by its export name, here "mixed":
//
//   {"network": "mixed", "seconds": 5, "grid": {"excitatory": [0.6, 0.7, 0.8, 0.9], "seed": [1, 2]}}
//
// The builder checks its own parameters: a RangeError fails the run at once, never retried.
'use strict';
const { Network } = require('polychron');

/** The 2006 network's shape with the excitatory fraction as a parameter (default 0.8). */
function mixed(params, { threads }) {
  const { seed, neurons = 1000, excitatory = 0.8 } = params;
  if (!(typeof excitatory === 'number' && excitatory > 0 && excitatory < 1)) {
    throw new RangeError(`mixed: excitatory must be a fraction in (0, 1) (got ${excitatory})`);
  }
  const network = new Network({ seed, threads, mode: 'fast' });
  const ne = Math.round(neurons * excitatory);
  const e = network.addPopulation({ size: ne, name: 'excitatory', preset: 'RS' });
  const i = network.addPopulation({ size: neurons - ne, name: 'inhibitory', preset: 'FS' });
  network.connect(e, [e, i], { rule: { kind: 'fixedOutDegree', degree: 100 }, delay: { evenly: [1, 20] }, weight: 6, plastic: true });
  network.connect(i, e, { rule: { kind: 'fixedOutDegree', degree: 100 }, delay: 1, weight: -5 });
  network.addThalamicInput({ perMs: 1, current: 20 });
  return network;
}

module.exports = { mixed };
