// A parameter sweep on a local worker pool: polychronous groups of a small 2006-style
// network against the STDP weight cap (wMax) and the thalamic input rate, two seeds
// each, then the summary plotted. The same spec runs from the command line as
//   polychron sweep spec.json --workers 2 --out sweep-out
// and on many machines with --queue redis://HOST:PORT (docs/sweeps.md).
//
//   node examples/sweep.js
const { runSweep, plotSweep } = require('polychron');
const fs = require('node:fs');

async function main() {
  const spec = {
    network: 'izhikevich2006',
    seconds: 5,
    // 300 neurons with 20 synapses each, started strong (weight 9) so that seconds give groups.
    params: { neurons: 300, synapsesPerNeuron: 20, excitatoryWeight: 9, mode: 'fast' },
    grid: { wMax: [9, 10, 11], inputPerMs: [1, 2], seed: [1, 2] },
    groups: { maxWeight: 9, minPath: 4 },
  };
  const report = await runSweep(spec, {
    out: 'sweep-out',
    resume: true, // run again, and only what is missing runs
    onProgress: (p) => process.stderr.write(`\r${p.done}/${p.total} runs done`),
  });
  process.stderr.write('\n');
  for (const r of report.results) {
    console.log(`wMax ${r.params.wMax}, input ${r.params.inputPerMs}/ms, seed ${r.params.seed}: ` +
      `${r.metrics.groups} groups, ${r.metrics.meanRateHz.toFixed(1)} Hz, mean weight ${r.metrics.meanExcitatoryWeight.toFixed(2)}`);
  }
  fs.writeFileSync('sweep-groups.svg', await plotSweep(report.results, { x: 'wMax', y: 'groups', color: 'inputPerMs' }));
  console.log(`results in ${report.resultsFile}; plot in sweep-groups.svg`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
