// This machine's memory system as the benchmarks' hardware account reads it, from
// bench/results/memory-probe.json (npm run bench -- memory-probe): the time of one
// independent random access at a working-set size (log-interpolated between the probe's
// sizes; ns per access of all threads together) and the streaming bandwidth.
'use strict';

function interpolate(points, bytes) {
  // points: [{ bytes, ns }] ascending; outside their range the nearest end holds.
  if (bytes <= points[0].bytes) return points[0].ns;
  for (let k = 1; k < points.length; k++) {
    if (bytes <= points[k].bytes) {
      const a = points[k - 1];
      const b = points[k];
      const f = Math.log(bytes / a.bytes) / Math.log(b.bytes / a.bytes);
      return a.ns + f * (b.ns - a.ns);
    }
  }
  return points[points.length - 1].ns;
}

/** The account's rates for `threads` threads (1 or 2), 4 KB pages. */
function fromProbe(probe, threads = 1) {
  const series = (pattern) => probe.random
    .filter((r) => r.pattern === pattern && r.threads === threads && r.pages === '4k')
    .map((r) => ({ bytes: r.bytes, ns: r.nsPerAccess.median }))
    .sort((a, b) => a.bytes - b.bytes);
  const lines = series('read64');
  const rmw = series('rmw4');
  const read = probe.bandwidth.find((b) => b.kind === 'read' && b.threads === threads && b.pages === '4k');
  if (lines.length === 0 || rmw.length === 0 || read === undefined) throw new Error('memory-probe.json lacks the random or bandwidth series');
  return {
    threads,
    /** ns per independent random 64-byte line read in a working set of `bytes`. */
    randomLineNs: (bytes) => interpolate(lines, bytes),
    /** ns per independent random 4-byte read-modify-write in a working set of `bytes`. */
    randomRmwNs: (bytes) => interpolate(rmw, bytes),
    /** Sequential read bandwidth, bytes per ns (= GB/s). */
    streamBytesPerNs: read.gbPerSecond.median,
  };
}

module.exports = { fromProbe, interpolate };
