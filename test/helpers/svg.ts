/** Checks on the SVG that the plot functions return. */

/**
 * The number of items in each mark group of a Vega SVG, by mark type and name, e.g.
 * { 'symbol layer_0_marks': [200] }. A group's items are leaf elements, so the group
 * ends at the first closing </g> after it.
 */
export function markCounts(svg: string): Record<string, number[]> {
  const counts: Record<string, number[]> = {};
  for (const match of svg.matchAll(/<g class="mark-(\w+) role-mark ([^"]*)"[^>]*>/g)) {
    const body = svg.slice(match.index + match[0].length, svg.indexOf('</g>', match.index));
    const key = `${match[1]} ${match[2]}`;
    (counts[key] ??= []).push((body.match(/<(path|line|rect)\b/g) ?? []).length);
  }
  return counts;
}

/** A standalone SVG document: the root element with its namespace, and only element tags after a '<'. */
export function expectStandaloneSvg(svg: string): void {
  expect(svg.startsWith('<svg')).toBe(true);
  expect(svg).toMatch(/^<svg[^>]* xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  expect(svg.match(/<(?![a-zA-Z/])/g)).toBeNull();
}
