import * as fs from 'node:fs';
import { Command } from 'commander';
import { runReport, RUN_FILES } from '../plot';
import { parsePopulations } from './plot';
import { positiveInteger, required } from './options';
import { inputFile, outputFile } from './paths';

interface ReportOptions {
  run?: string;
  out?: string;
  title?: string;
  populations?: string;
  rasterMs: number;
}

async function report(o: ReportOptions): Promise<void> {
  const run = inputFile(required(o.run, '--run DIR is required (a folder of run files)'), '--run', 'run folder', true);
  const out = outputFile(required(o.out, '--out FILE.html is required'), '--out');
  const html = await runReport(run, {
    ...(o.title !== undefined ? { title: o.title } : {}),
    ...(o.populations !== undefined ? { populations: parsePopulations(o.populations) } : {}),
    rasterMs: o.rasterMs,
  });
  fs.writeFileSync(out, html);
  console.error(`report of ${run} written to ${out}`);
}

export function reportCommand(): Command {
  return new Command('report')
    .summary('one static HTML page with the plots of a run folder (no script, nothing loaded from the network)')
    .description(`Put the plots of a run on one self-contained HTML page. The folder holds any of ${Object.values(RUN_FILES).join(', ')} ` +
      '(see docs/api.md, "Plots").')
    .option('--run <folder>', 'required: the run folder')
    .option('--out <file.html>', 'required: where to write the page')
    .option('--title <text>', 'the page\'s title (default: the folder\'s name)')
    .option('--populations <list>', 'name:first:size,... for the rate plot (e.g. excitatory:0:800,inhibitory:800:200)')
    .addOption(positiveInteger('--raster-ms <ms>', 'length of the raster shown, in ms', 1000))
    .action(report);
}
