// Polychronous groups: train the 2006 network for a simulated minute, find the groups
// its STDP has carved, then ask which of them a new recording activates.
//
//   node examples/groups.js
const { izhikevich2006, findPolychronousGroups } = require('polychron');

async function main() {
  const { network } = izhikevich2006({ seed: 1, mode: 'fast', threads: 1 });
  await network.run(60_000, { record: false });
  const groups = await findPolychronousGroups(network, { minPath: 5, threads: 2 });
  console.log(`${groups.size} groups with a longest path of at least 5 layers`);
  if (groups.size === 0) return network.close();
  const largest = groups.groups.reduce((a, b) => (b.firings.length > a.firings.length ? b : a));
  console.log(`largest: mother ${largest.mother}, anchors ${largest.anchors.join(', ')}, ` +
    `${largest.firings.length} firings over ${largest.span} ms`);

  // Record one more second and match it against the groups.
  const { spikeTimes, spikeNeurons } = await network.run(1000);
  const active = await groups.activatedBy({ neurons: spikeNeurons, times: spikeTimes }, { jitter: 1, minFraction: 0.5 });
  console.log(`${active.length} activations in the last second; best: ` +
    (active.length > 0 ? `group ${active[0].index} at ${active[0].onset} ms (${(100 * active[0].fraction).toFixed(0)}% of its firings)` : 'none'));
  await groups.save('groups.json');
  network.close();
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
