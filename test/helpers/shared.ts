import * as fs from 'node:fs';
import * as path from 'node:path';

/** ../shared beside the checkout: specs, golden data and the corpus. */
export const sharedDir = path.resolve(__dirname, '..', '..', '..', 'shared');
export const goldenSpnet = path.join(sharedDir, 'golden', 'spnet');
/** The 2006 group finder's output on its trained network (README.md there). */
export const goldenPng = path.join(sharedDir, 'golden', 'png');

/**
 * `describe` when the golden data (of `folder`, default the 2006 network's) are present;
 * otherwise the tests are skipped under a name that says why (CI always has ../shared; a
 * bare clone elsewhere may not).
 */
export function describeWithGolden(name: string, body: () => void, folder = goldenSpnet): void {
  if (fs.existsSync(path.join(folder, 'connectivity.csv'))) {
    describe(name, body);
  } else {
    console.warn(`${name}: ${folder} is absent, so these golden comparisons are skipped`);
    describe.skip(`${name} (skipped: ${folder} is absent)`, body);
  }
}
