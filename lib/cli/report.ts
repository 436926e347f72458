import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { runReport, RUN_FILES } from '../plot';
import { positiveInteger } from './args';
import { parsePopulations } from './plot';

export const REPORT_USAGE = [
  'polychron report --run DIR --out FILE.html [--title TEXT] [--populations name:first:size,...] [--raster-ms 1000]',
  `  DIR holds any of ${Object.values(RUN_FILES).join(', ')} (see docs/api.md, "Plots")`,
].join('\n');

export async function report(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      run: { type: 'string' },
      out: { type: 'string' },
      title: { type: 'string' },
      populations: { type: 'string' },
      'raster-ms': { type: 'string' },
    },
  });
  if (values.run === undefined) throw new RangeError('--run DIR is required (a folder of run files)');
  if (values.out === undefined) throw new RangeError('--out FILE.html is required');
  const html = await runReport(values.run, {
    ...(values.title !== undefined ? { title: values.title } : {}),
    ...(values.populations !== undefined ? { populations: parsePopulations(values.populations) } : {}),
    rasterMs: positiveInteger(values['raster-ms'], 'raster-ms', 1000),
  });
  fs.writeFileSync(values.out, html);
  console.error(`report of ${values.run} written to ${values.out}`);
}
