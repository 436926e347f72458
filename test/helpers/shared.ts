import * as fs from 'node:fs';
import * as path from 'node:path';

/** ../shared beside the checkout: specs, golden data and the corpus. */
export const sharedDir = path.resolve(__dirname, '..', '..', '..', 'shared');
export const goldenSpnet = path.join(sharedDir, 'golden', 'spnet');

/**
 * `describe` when the golden data are present; otherwise the tests are skipped under a
 * name that says why (CI always has ../shared; a bare clone elsewhere may not).
 */
export function describeWithGolden(name: string, body: () => void): void {
  if (fs.existsSync(path.join(goldenSpnet, 'connectivity.csv'))) {
    describe(name, body);
  } else {
    console.warn(`${name}: ${goldenSpnet} is absent, so these golden comparisons are skipped`);
    describe.skip(`${name} (skipped: ${goldenSpnet} is absent)`, body);
  }
}
