/** A drawing of one polychronous group, as in the figures of Izhikevich (2006). */
import type { GroupFiring, PolychronousGroup } from '../groups';
import { frame, type PlotOptions } from './common';
import { renderSvg } from './render';

/**
 * The firing of `neuron` that a spike sent at it reached: its latest firing at or before
 * `before` (a neuron may fire more than once in a group).
 */
function latestFiring(firings: readonly GroupFiring[], neuron: number, before: number): GroupFiring | undefined {
  let found: GroupFiring | undefined;
  for (const f of firings) if (f.neuron === neuron && f.time <= before && (found === undefined || f.time > found.time)) found = f;
  return found;
}

/**
 * Neurons (rows, in index order) against time from the group's first firing: firings as
 * dots (anchors, layer 1, in red), each link as a line from the pre firing to the post
 * firing it helped cause.
 */
export async function plotGroup(group: PolychronousGroup, options: PlotOptions = {}): Promise<string> {
  if (group === null || typeof group !== 'object' || !Array.isArray(group.firings) || !Array.isArray(group.links)) {
    throw new TypeError('group must be a PolychronousGroup { mother, anchors, firings, links, ... }');
  }
  const firings = group.firings.map((f) => ({ time: f.time, neuron: f.neuron, kind: f.layer === 1 ? 'anchor' : 'caused' }));
  const links = group.links.flatMap((link) => {
    const post = group.firings.find((f) => f.neuron === link.post && f.layer === link.layer);
    const pre = post === undefined ? undefined : latestFiring(group.firings, link.pre, post.time - link.delay);
    return pre === undefined || post === undefined ? [] : [{ time: pre.time, neuron: pre.neuron, time2: post.time, neuron2: post.neuron }];
  });
  // Rows are the group's neurons only: its members are scattered over the whole network.
  const rows = [...new Set(group.firings.map((f) => f.neuron))].sort((a, b) => a - b);
  const x = { field: 'time', type: 'quantitative', title: 'time from first firing (ms)' };
  const y = { field: 'neuron', type: 'ordinal', title: 'neuron', sort: rows, scale: { domain: rows } };
  const title = `group of mother ${group.mother}: ${group.firings.length} firings, longest path ${group.longestPath}, span ${group.span} ms`;
  return renderSvg({
    ...frame({ height: Math.max(160, 14 * rows.length), ...options }, title),
    layer: [
      {
        data: { values: links },
        mark: { type: 'rule', color: '#888', strokeWidth: 1 },
        encoding: { x, y, x2: { field: 'time2' }, y2: { field: 'neuron2' } },
      },
      {
        data: { values: firings },
        mark: { type: 'circle', size: 50, opacity: 1 },
        encoding: {
          x,
          y,
          color: { field: 'kind', type: 'nominal', title: 'firing', scale: { domain: ['anchor', 'caused'], range: ['#d62728', '#222'] } },
        },
      },
    ],
  });
}
