import * as fs from 'node:fs';
import * as path from 'node:path';

/** ../shared beside the checkout: specs, golden data and the corpus. */
export const sharedDir = path.resolve(__dirname, '..', '..', '..', 'shared');
export const goldenSpnet = path.join(sharedDir, 'golden', 'spnet');

/**
 * `describe` when the golden data are present, otherwise a describe that says why its
 * tests do not run (CI always has ../shared; a bare clone elsewhere may not).
 */
export function describeWithGolden(name: string, body: () => void): void {
  if (fs.existsSync(path.join(goldenSpnet, 'connectivity.csv'))) {
    describe(name, body);
  } else {
    describe(name, () => {
      test(`needs ${goldenSpnet}, which is absent here: golden comparisons not run`, () => {
        console.warn(`${name}: ${goldenSpnet} is absent, so the golden comparisons were not run`);
      });
    });
  }
}
