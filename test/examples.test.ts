// Every example and every fenced JavaScript/TypeScript block of README.md and docs/api.md
// runs as written, as a user would run it: in a project of its own where `polychron` is an
// installed package (a link to this checkout, whose dist/ `npm test` has just compiled).
// TypeScript is stripped of its types first (typescript's transpileModule), as a runner
// such as tsx does. A block that is not a program (a signature, a shape) is fenced as
// `text` instead.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ts from 'typescript';

const root = path.resolve(__dirname, '..');

interface Program {
  name: string;
  language: 'js' | 'ts';
  source: string;
}

/** The fenced ```js and ```ts blocks of a Markdown file, named by file and line. */
function codeBlocks(file: string): Program[] {
  const lines = fs.readFileSync(path.join(root, file), 'utf8').split('\n');
  const blocks: Program[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(js|ts)\s*$/.exec(lines[i]);
    if (open === null) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !lines[i].startsWith('```'); i++) body.push(lines[i]);
    blocks.push({ name: `${file}:${start + 1}`, language: open[1] as 'js' | 'ts', source: body.join('\n') });
  }
  return blocks;
}

function examples(): Program[] {
  const folder = path.join(root, 'examples');
  return fs
    .readdirSync(folder)
    .filter((f) => /\.(js|ts)$/.test(f))
    .sort()
    .map((f) => ({ name: `examples/${f}`, language: f.endsWith('.ts') ? 'ts' : 'js', source: fs.readFileSync(path.join(folder, f), 'utf8') }));
}

/**
 * A program that uses require() runs as CommonJS; one with import statements (and maybe
 * top-level await, as the docs' snippets use) as an ES module.
 */
function toRunnable(program: Program): { file: string; code: string } {
  const commonJs = /\brequire\(/.test(program.source);
  let code = program.source;
  if (program.language === 'ts') {
    code = ts.transpileModule(code, {
      compilerOptions: { target: ts.ScriptTarget.ES2022, module: commonJs ? ts.ModuleKind.CommonJS : ts.ModuleKind.ESNext },
    }).outputText;
  }
  return { file: commonJs ? 'program.cjs' : 'program.mjs', code };
}

const project = fs.mkdtempSync(path.join(os.tmpdir(), 'polychron-examples-'));
fs.mkdirSync(path.join(project, 'node_modules'));
fs.symlinkSync(root, path.join(project, 'node_modules', 'polychron'), 'dir');
afterAll(() => fs.rmSync(project, { recursive: true, force: true }));

const programs = [...examples(), ...codeBlocks('README.md'), ...codeBlocks('docs/api.md')];

describe('examples and documentation code run as written', () => {
  test('there are examples of each kind and code blocks in both documents', () => {
    const names = programs.map((p) => p.name);
    expect(names.filter((n) => n.startsWith('examples/')).length).toBeGreaterThanOrEqual(5);
    expect(names.some((n) => n.startsWith('README.md'))).toBe(true);
    expect(names.filter((n) => n.startsWith('docs/api.md')).length).toBeGreaterThanOrEqual(4);
  });

  test.each(programs.map((p) => [p.name, p] as const))('%s', (_name, program) => {
    const { file, code } = toRunnable(program);
    const folder = fs.mkdtempSync(path.join(project, 'run-'));
    fs.writeFileSync(path.join(folder, file), code);
    fs.symlinkSync(path.join(project, 'node_modules'), path.join(folder, 'node_modules'), 'dir');
    const run = spawnSync(process.execPath, [file], { cwd: folder, encoding: 'utf8', timeout: 240_000 });
    if (run.status !== 0) throw new Error(`${program.name} exited ${run.status ?? run.signal}:\n${run.stderr.slice(-3000)}`);
  }, 300_000);
});
