import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot, runNode } from './helpers/child';

const COMPILERS = ['cc', 'gcc', 'g++', 'c++', 'clang', 'cmake', 'make', 'ninja'];

/** An environment whose PATH holds only node, npm and sh: no compiler, cmake or make. */
function compilerFreeEnv(dir: string): NodeJS.ProcessEnv {
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  fs.symlinkSync(process.execPath, path.join(bin, 'node'));
  fs.symlinkSync('/bin/sh', path.join(bin, 'sh')); // npm runs lifecycle scripts with sh
  const npmCli = path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js');
  fs.writeFileSync(path.join(bin, 'npm'), `#!/bin/sh\nexec "${bin}/node" "${npmCli}" "$@"\n`, { mode: 0o755 });
  const env: NodeJS.ProcessEnv = { PATH: bin, HOME: os.homedir(), npm_config_update_notifier: 'false' };
  if (process.env.POLYCHRON_SIMD) env.POLYCHRON_SIMD = process.env.POLYCHRON_SIMD;
  return env;
}

/**
 * Whether the linux-arm64 binary can be cross-compiled here (Debian: g++-aarch64-linux-gnu).
 * Without it the tarball is packed for linux-x64 only, with a warning; CI sets
 * POLYCHRON_REQUIRE_ARM64=1, under which its absence fails the test instead.
 */
const crossCompiler = spawnSync('/bin/sh', ['-c', 'command -v aarch64-linux-gnu-g++'], { encoding: 'utf8' }).status === 0;
const packArm64 = process.platform === 'linux' && process.arch === 'x64' && (crossCompiler || process.env.POLYCHRON_REQUIRE_ARM64 === '1');
if (!packArm64) console.warn('aarch64-linux-gnu-g++ not found: the tarball is packed and checked without its linux-arm64 binary');

// Packing cross-compiles the arm64 binary: minutes on two cores the first time.
function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv) {
  const child = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: 600_000 });
  if (child.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (${child.status}):\n${child.stdout}\n${child.stderr}`);
  }
  return child.stdout;
}

describe('the npm package', () => {
  let work: string;
  beforeAll(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'polychron-pack-'));
  });
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  test('packs, installs into an empty folder with no compiler on PATH, and runs the kernel', () => {
    // npm pack runs prepack: the prebuilt binary and dist/ are rebuilt from this tree.
    const packEnv = { ...process.env };
    delete packEnv.POLYCHRON_ADDON;
    delete packEnv.LD_PRELOAD;
    if (!packArm64) packEnv.POLYCHRON_PREBUILD_TARGETS = `${process.platform}-${process.arch}`;
    const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work], repoRoot, packEnv));
    const files: string[] = packed[0].files.map((f: { path: string }) => f.path);
    expect(files).toEqual(expect.arrayContaining([
      'prebuilds/linux-x64/polychron.node', 'dist/index.js', 'dist/index.d.ts', 'CMakeLists.txt',
      'native/core/kernels/izhikevich.cpp', 'native/core/kernels/izhikevich_neon.cpp', 'native/addon/addon.cpp',
      'scripts/install.js', 'package.json',
    ]));
    // One folder per platform, each binary built for its own architecture (ELF e_machine).
    const machine = (file: string) => fs.readFileSync(file).readUInt16LE(18);
    expect(machine(path.join(repoRoot, 'prebuilds', 'linux-x64', 'polychron.node'))).toBe(0x3e);
    if (packArm64) {
      expect(files).toContain('prebuilds/linux-arm64/polychron.node');
      expect(machine(path.join(repoRoot, 'prebuilds', 'linux-arm64', 'polychron.node'))).toBe(0xb7);
    }
    expect(files.some((f) => f.startsWith('test/') || f.startsWith('build/') || f.startsWith('lib/'))).toBe(false);

    const consumer = path.join(work, 'consumer');
    fs.mkdirSync(consumer);
    fs.writeFileSync(path.join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
    const env = compilerFreeEnv(work);
    const found = spawnSync('/bin/sh', ['-c', COMPILERS.map((c) => `command -v ${c}`).join('; ')], { env, encoding: 'utf8' });
    expect(found.stdout).toBe('');

    const tarball = path.join(work, packed[0].filename);
    const installLog = run(path.join(work, 'bin', 'npm'),
      ['install', tarball, '--prefer-offline', '--no-audit', '--no-fund', '--foreground-scripts'], consumer, env);
    // Where npm runs the install script, it finds the prebuilt binary and builds nothing.
    if (installLog.includes('polychron:')) expect(installLog).toContain('using the prebuilt binary');

    const script = `
      const p = require('polychron');
      const population = new p.IzhikevichPopulation({ size: 1000, numerics: 'exact' });
      let spikes = 0;
      for (let t = 0; t < 200; t++) spikes += population.step(10).length;
      console.log(JSON.stringify({ simd: p.simd(), addon: p.nativeAddonPath(), spikes, v0: population.v[0] }));
    `;
    const out = JSON.parse(runNode(script, env, consumer).stdout);
    expect(out.addon).toBe(path.join(consumer, 'node_modules', 'polychron', 'prebuilds', 'linux-x64', 'polychron.node'));
    // The same computation here, with this checkout's addon, gives the same numbers.
    const { IzhikevichPopulation } = require('../lib') as typeof import('../lib');
    const local = new IzhikevichPopulation({ size: 1000, numerics: 'exact' });
    let spikes = 0;
    for (let t = 0; t < 200; t++) spikes += local.step(10).length;
    expect(out.spikes).toBe(spikes);
    expect(out.spikes).toBeGreaterThan(0);
    expect(out.v0).toBe(local.v[0]);
  }, 900_000);

  test('with no addon to load, the error names every path tried and the build command', () => {
    // A copy of the compiled package without build/ or prebuilds/.
    const bare = path.join(work, 'bare');
    fs.mkdirSync(bare);
    fs.cpSync(path.join(repoRoot, 'dist'), path.join(bare, 'dist'), { recursive: true });
    fs.copyFileSync(path.join(repoRoot, 'package.json'), path.join(bare, 'package.json'));
    fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(bare, 'node_modules'));
    const env = { ...process.env };
    delete env.POLYCHRON_ADDON;
    const child = runNode("require('./dist')", env, bare);
    expect(child.status).not.toBe(0);
    expect(child.stderr).toContain('polychron: no native addon could be loaded for linux-x64');
    expect(child.stderr).toContain(path.join(bare, 'build', 'Release', 'polychron.node'));
    expect(child.stderr).toContain(path.join(bare, 'prebuilds', 'linux-x64', 'polychron.node'));
    expect(child.stderr).toContain('npm install cmake-js node-addon-api && npm rebuild polychron');
    expect(child.stderr).toContain('Prebuilt binaries in this package: none');
    expect(child.stderr).toMatch(/the Linux ones need glibc >= 2\.36, and this system has glibc \d+\.\d+/);
  });

  test('with no binary that loads and no compiler, the install step fails naming the platform and what to do', () => {
    // A package whose only prebuilt binary is for another platform, installed where the
    // PATH holds no compiler.
    const other = path.join(work, 'other');
    fs.mkdirSync(path.join(other, 'scripts'), { recursive: true });
    fs.mkdirSync(path.join(other, 'prebuilds', 'freebsd-riscv64'), { recursive: true });
    fs.writeFileSync(path.join(other, 'prebuilds', 'freebsd-riscv64', 'polychron.node'), '');
    fs.copyFileSync(path.join(repoRoot, 'scripts', 'install.js'), path.join(other, 'scripts', 'install.js'));
    fs.mkdirSync(path.join(work, 'nocc'));
    const env = compilerFreeEnv(path.join(work, 'nocc'));
    const child = spawnSync(process.execPath, [path.join(other, 'scripts', 'install.js')], { cwd: other, env, encoding: 'utf8' });
    expect(child.status).toBe(1);
    const platform = `${process.platform}-${process.arch}`;
    expect(child.stderr).toContain(`polychron: cannot install on ${platform}`);
    expect(child.stderr).toContain('there is no prebuilt binary for this platform');
    expect(child.stderr).toContain('cmake (>= 3.15) and a C++17 compiler');
    expect(child.stderr).toContain('Prebuilt binaries in this package: freebsd-riscv64.');
    expect(child.stderr).toContain('npm rebuild polychron');
  });
});
