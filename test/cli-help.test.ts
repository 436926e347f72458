import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildProgram, subcommandsOf } from '../lib/cli/program';
import { repoRoot } from './helpers/child';

const cli = path.join(repoRoot, 'dist', 'cli', 'index.js');
const polychron = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'polychron-cli-help-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** An error line prefixed twice ("polychron lm: polychron: …") or with Node's errno text. */
const expectShortError = (stderr: string): void => {
  expect(stderr).not.toMatch(/polychron[a-z ]*: (.*: )?polychron[a-z ]*:/);
  expect(stderr).not.toMatch(/ENOENT|EACCES|EISDIR/);
};

describe('polychron --help', () => {
  // Discovered from the program itself, so that a new command is covered without editing this list.
  const program = buildProgram();
  const commands = [program, ...subcommandsOf(program)].map((command) => {
    const words: string[] = [];
    for (let c = command; c.parent !== null; c = c.parent) words.unshift(c.name());
    return { words, options: [...command.options.map((o) => o.long ?? o.short ?? o.flags), '--help'] };
  });

  test('covers every command and subcommand', () => {
    const names = commands.map((c) => c.words.join(' '));
    for (const name of ['', 'simulate', 'groups', 'groups query', 'lm', 'lm train', 'lm generate', 'lm eval', 'lm demo',
      'classify', 'classify train', 'classify eval', 'classify predict', 'demo', 'demo neurons', 'demo lm', 'info']) {
      expect(names).toContain(name);
    }
  });

  test.each(commands.map((c) => [c.words.join(' ') || '(none)', c] as const))(
    'polychron %s --help: exit 0, a usage line and every option',
    (_, { words, options }) => {
      const out = polychron(...words, '--help');
      expect(out.status).toBe(0);
      expect(out.stdout).toMatch(new RegExp(`^Usage: polychron${words.map((w) => ` ${w}`).join('')} `, 'm'));
      for (const option of options) expect(out.stdout).toMatch(new RegExp(`^ +(-\\w, )?${option}\\b.*\\S`, 'm'));
    });

  test('every option of every command says what it does', () => {
    for (const command of [program, ...subcommandsOf(program)]) {
      for (const option of command.options) expect(`${option.flags}: ${option.description}`).toMatch(/: \w/);
    }
  });
});

describe('polychron CLI conventions', () => {
  test('--version prints the version of package.json', () => {
    const version = (JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
    const out = polychron('--version');
    expect(out.status).toBe(0);
    expect(out.stdout.trim()).toBe(version);
  });

  test('usage errors exit 2 and point to --help', () => {
    const out = polychron('simulate', '--no-such-option');
    expect(out.status).toBe(2);
    expect(out.stderr).toMatch(/^polychron simulate: unknown option '--no-such-option'/);
    expect(out.stderr).toContain('polychron simulate --help');
  });

  test('simulate --checkpoint-out into a missing folder fails before running', () => {
    const started = Date.now();
    // 10,000 simulated seconds would take minutes: failing fast shows that nothing ran.
    const out = polychron('simulate', '--network', 'izhikevich2006', '--seconds', '10000',
      '--checkpoint-out', path.join(tmp, 'no', 'such', 'net.pcc'));
    expect(out.status).toBe(1);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(out.stdout).toBe('');
    expect(out.stderr).toMatch(/^polychron simulate: --checkpoint-out .*net\.pcc: the folder .*such does not exist\n$/);
  });

  test('a missing input file: the option and the file named, no errno text', () => {
    const absent = path.join(tmp, 'absent.csv');
    const out = polychron('simulate', '--connectivity', absent);
    expect(out.status).toBe(1);
    expect(out.stderr).toBe(`polychron simulate: --connectivity: cannot read file '${absent}': no such file or folder\n`);
    expectShortError(out.stderr);
  });

  test('a core error is prefixed once, and a long echoed value is capped', () => {
    const text = path.join(tmp, 'text.txt');
    fs.writeFileSync(text, 'x'.repeat(1000));
    const shape = polychron('lm', 'train', '--text', text, '--steps', '5', '--comparisons', '16');
    expect(shape.status).toBe(1);
    expect(shape.stderr).toMatch(/^polychron lm train: an attention index has 2·comparisons/);
    expectShortError(shape.stderr);
    // A one-line file of 100 kB given as a spike raster: its first line must not come back whole.
    const groups = path.join(tmp, 'groups.json');
    fs.writeFileSync(groups, JSON.stringify({ groups: 'g'.repeat(100_000) }));
    const wrong = polychron('groups', 'query', '--groups', groups, '--spikes', groups);
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toMatch(/^polychron groups query: --(groups|spikes): /);
    expect(wrong.stderr.length).toBeLessThan(400);
  });

  test('simulate --resume continues a checkpoint from its time', async () => {
    const first = path.join(tmp, 'first.pcc');
    const second = path.join(tmp, 'second.pcc');
    expect(polychron('simulate', '--network', 'izhikevich2006', '--seconds', '1', '--mode', 'fast', '--checkpoint-out', first, '--quiet').status).toBe(0);
    const resumed = polychron('simulate', '--resume', first, '--seconds', '1', '--checkpoint-out', second, '--json');
    expect(resumed.status).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ network: 'first.pcc', mode: 'fast', simulatedSeconds: 1 });
    const { Network } = require('../lib') as typeof import('../lib');
    const network = await Network.load(second);
    expect(network.time).toBe(2000);
    network.close();
    expect(polychron('simulate', '--resume', first, '--mode', 'reference').stderr)
      .toContain('--mode cannot change a resumed network');
  });

  test('lm train --resume with --steps before the checkpoint fails and says why; at it, there is nothing to do', () => {
    const text = path.join(tmp, 'lm.txt');
    fs.writeFileSync(text, 'Call me Ishmael. '.repeat(2000));
    const model = path.join(tmp, 'lm.safetensors');
    const shape = ['--context', '8', '--embedding', '8', '--positional', '2', '--layers', '1', '--heads', '1',
      '--tables', '4', '--comparisons', '3', '--warmup', '10'];
    expect(polychron('lm', 'train', '--text', text, '--steps', '9', '--every', '0', '--checkpoint', model, '--quiet', ...shape).status).toBe(0);
    for (const steps of ['5', '8']) {
      const out = polychron('lm', 'train', '--text', text, '--steps', steps, '--resume', model);
      expect(out.status).toBe(1);
      expect(out.stderr).toContain(`--steps ${steps}: the checkpoint has trained through step 9 already`);
      expect(out.stderr).toContain('give at least 9');
    }
    const saved = fs.readFileSync(model);
    const done = polychron('lm', 'train', '--text', text, '--steps', '9', '--resume', model, '--checkpoint', model);
    expect(done.status).toBe(0);
    expect(done.stderr).toContain('the checkpoint has trained through step 9 already: nothing to do');
    expect(fs.readFileSync(model).equals(saved)).toBe(true);
    expect(polychron('lm', 'train', '--text', text, '--steps', '10', '--resume', model, '--checkpoint', model, '--quiet').status).toBe(0);
  });

  test('demo lm and lm demo are one demo; demo without a name runs the neuron demo', () => {
    const help = (...words: string[]) => polychron(...words, '--help').stdout.replace(/^Usage: .*$/m, '').replace(/^.*the same as.*$/m, '');
    expect(help('lm', 'demo').split('Options:')[1]).toBe(help('demo', 'lm').split('Options:')[1]);
    expect(polychron('demo', '--neurons', '20', '--ms', '10').stdout).toMatch(/^polychron demo: 20 Izhikevich neurons/);
  });
});
