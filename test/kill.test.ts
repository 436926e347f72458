// kill -9 at random moments: `polychron lm train` and `polychron simulate` with periodic
// checkpoints are killed with SIGKILL again and again, some kills timed at random and some
// aimed at the moment a checkpoint is being written. After every kill the checkpoint left
// behind must load; the chain of resumed runs must end with the very bytes (checkpoint,
// validation log, trace) of one run never stopped; and no temporary file may be left.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LutLanguageModel, Network, mobyDick } from '../lib';
import { repoRoot } from './helpers/child';
import { seededRandom, uniform } from './helpers/random';

const cli = path.join(repoRoot, 'dist', 'cli', 'index.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'polychron-kill-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

interface Attempt {
  /** The process exited on its own (its status), or was killed (null). */
  status: number | null;
  stderr: string;
  /** The kill landed while a checkpoint's temporary file existed. */
  midWrite: boolean;
  ms: number;
}

const temporariesOf = (file: string, pid?: number): string[] =>
  fs.readdirSync(path.dirname(file)).filter((name) => name.startsWith(`${path.basename(file)}.tmp-${pid ?? ''}`));

/**
 * Runs the CLI with `args` and kills it with SIGKILL after `kill` ms, or, with 'writing',
 * as soon as it writes a temporary file to replace an existing `checkpoint`.
 */
function attempt(args: string[], checkpoint: string, kill: number | 'writing'): Promise<Attempt> {
  const started = Date.now();
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  let midWrite = false;
  const killNow = (): void => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    midWrite = temporariesOf(checkpoint, child.pid).length > 0;
  };
  const timer = kill === 'writing'
    ? setInterval(() => {
      // Over a checkpoint already there, so that the kill tests that it survives whole.
      if (fs.existsSync(checkpoint) && temporariesOf(checkpoint, child.pid).length > 0) killNow();
    }, 1)
    : setTimeout(killNow, kill);
  return new Promise((resolve) => child.on('exit', (status) => {
    clearTimeout(timer); // an interval too
    resolve({ status, stderr, midWrite, ms: Date.now() - started });
  }));
}

interface KillChain {
  /**
   * Arguments of the next try: fresh, or resumed from the checkpoint when there is one;
   * undefined when the checkpoint is already the end (a kill landed after the last save).
   */
  args(): Promise<string[] | undefined>;
  checkpoint: string;
  /** Loads the checkpoint and returns its progress (a step or a time); throws if it cannot. */
  progressOf(file: string): Promise<number>;
  /** Wall time of the whole run never stopped, ms: kill delays are drawn up to 60% of it. */
  wholeMs: number;
}

/** Kills `chain` at 4 random moments and 3 writes, then lets it finish; returns the tally. */
async function killAndResume(chain: KillChain, seed: number): Promise<{ kills: number; midWrite: number; loads: number }> {
  const random = seededRandom(seed);
  const kills: (number | 'writing')[] = [];
  for (let k = 0; k < 4; k++) kills.push(Math.round(uniform(random, 50, 0.6 * chain.wholeMs)), 'writing');
  kills.pop();
  const tally = { kills: 0, midWrite: 0, loads: 0 };
  let progress = -1;
  for (const kill of [...kills, undefined]) {
    const args = await chain.args();
    if (args === undefined) break;
    const result = await attempt(args, chain.checkpoint, kill ?? 1e9);
    if (result.status === null) {
      tally.kills++;
      if (result.midWrite) tally.midWrite++;
    } else if (result.status !== 0) {
      throw new Error(`exit status ${result.status}: ${result.stderr}`);
    }
    if (!fs.existsSync(chain.checkpoint)) continue; // killed before its first checkpoint
    const now = await chain.progressOf(chain.checkpoint);
    tally.loads++;
    expect(now).toBeGreaterThanOrEqual(progress);
    progress = now;
    if (kill === undefined) break;
  }
  return tally;
}

describe('SIGKILL at random moments loses nothing', () => {
  test('lm train --every 100 --checkpoint: every checkpoint left loads, and --resume ends as one run never stopped', async () => {
    const text = path.join(tmp, 'moby.txt');
    fs.writeFileSync(text, mobyDick().subarray(0, 300000));
    const shape = ['--context', '16', '--embedding', '16', '--positional', '3', '--layers', '2', '--heads', '2',
      '--tables', '8', '--comparisons', '4', '--warmup', '50'];
    const files = (name: string): string[] => ['--checkpoint', path.join(tmp, `${name}.safetensors`),
      '--log', path.join(tmp, `${name}.csv`), '--trace', path.join(tmp, `${name}-trace.csv`)];
    const common = ['lm', 'train', '--text', text, '--steps', '600', '--every', '100', '--quiet'];

    const whole = await attempt([...common, ...files('whole'), '--seed', '3', ...shape], path.join(tmp, 'whole.safetensors'), 1e9);
    expect(whole).toMatchObject({ status: 0 });

    const checkpoint = path.join(tmp, 'killed.safetensors');
    const tally = await killAndResume({
      checkpoint,
      wholeMs: whole.ms,
      args: async () => [...common, ...files('killed'),
        ...(fs.existsSync(checkpoint) ? ['--resume', checkpoint] : ['--seed', '3', ...shape])],
      progressOf: async (file) => {
        const model = await LutLanguageModel.load(file);
        // Saved at the end of each 100-step chunk (and of the run): steps 0..100, ..., 501..600.
        const { step } = model;
        model.close();
        expect((step - 1) % 100).toBe(0);
        return step;
      },
    }, 19);
    console.log(`lm train: ${tally.kills} kills (${tally.midWrite} while a checkpoint was being written), ${tally.loads} checkpoints loaded`);
    expect(tally.kills).toBeGreaterThanOrEqual(4);
    expect(tally.midWrite).toBeGreaterThanOrEqual(1);

    expect(fs.readFileSync(checkpoint).equals(fs.readFileSync(path.join(tmp, 'whole.safetensors')))).toBe(true);
    expect(fs.readFileSync(path.join(tmp, 'killed.csv'), 'utf8')).toBe(fs.readFileSync(path.join(tmp, 'whole.csv'), 'utf8'));
    expect(fs.readFileSync(path.join(tmp, 'killed-trace.csv'), 'utf8'))
      .toBe(fs.readFileSync(path.join(tmp, 'whole-trace.csv'), 'utf8'));
    expect(temporariesOf(checkpoint)).toEqual([]);
  });

  test('simulate --checkpoint-every 1: every checkpoint left loads, and --resume ends as one run never stopped', async () => {
    const seconds = 60;
    const common = ['simulate', '--checkpoint-every', '1', '--threads', '1', '--quiet'];
    const wholeFile = path.join(tmp, 'whole.pcn');
    const whole = await attempt([...common, '--network', 'izhikevich2006', '--seed', '2', '--seconds', String(seconds),
      '--checkpoint-out', wholeFile], wholeFile, 1e9);
    expect(whole).toMatchObject({ status: 0 });

    const checkpoint = path.join(tmp, 'killed.pcn');
    const timeOf = async (file: string): Promise<number> => {
      const network = await Network.load(file);
      const { time } = network;
      network.close();
      return time;
    };
    const tally = await killAndResume({
      checkpoint,
      wholeMs: whole.ms,
      args: async () => {
        if (!fs.existsSync(checkpoint)) {
          return [...common, '--network', 'izhikevich2006', '--seed', '2', '--seconds', String(seconds), '--checkpoint-out', checkpoint];
        }
        const left = seconds - (await timeOf(checkpoint)) / 1000;
        if (left === 0) return undefined; // --seconds counts seconds more: none are left
        return [...common, '--resume', checkpoint, '--seconds', String(left), '--checkpoint-out', checkpoint];
      },
      progressOf: async (file) => {
        const time = await timeOf(file);
        expect(time % 1000).toBe(0);
        return time;
      },
    }, 23);
    console.log(`simulate: ${tally.kills} kills (${tally.midWrite} while a checkpoint was being written), ${tally.loads} checkpoints loaded`);
    expect(tally.kills).toBeGreaterThanOrEqual(4);
    expect(tally.midWrite).toBeGreaterThanOrEqual(1);
    expect(await timeOf(checkpoint)).toBe(seconds * 1000);
    expect(fs.readFileSync(checkpoint).equals(fs.readFileSync(wholeFile))).toBe(true);
    expect(temporariesOf(checkpoint)).toEqual([]);
  });

  test('--checkpoint-every needs --checkpoint-out', () => {
    const out = spawnSync(process.execPath,
      [cli, 'simulate', '--network', 'izhikevich2006', '--seconds', '1', '--checkpoint-every', '1'], { encoding: 'utf8' });
    expect(out.status).toBe(1);
    expect(out.stderr).toContain('--checkpoint-every needs --checkpoint-out FILE');
  });
});
