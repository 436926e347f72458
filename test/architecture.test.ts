// The shape of the code, checked: the core's folders and what each may include (the map in
// docs/development.md), no import cycle among the TypeScript modules, and lib/native.ts
// declaring exactly what the addon registers.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import { addon } from '../lib/native';

const root = path.resolve(__dirname, '..');
const core = path.join(root, 'native', 'core');

function filesUnder(folder: string, pattern: RegExp): string[] {
  return fs
    .readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .filter((name) => pattern.test(name))
    .map((name) => path.join(folder, name));
}

// Each part of the core and the parts it may include ('' = the shared headers at the top).
// Kernels and file formats sit under everything; the spiking engine under the group search;
// the bridge (LUT networks compiled into spiking circuits) on top of the engine and the LUTs.
const MAY_INCLUDE: Record<string, string[]> = {
  '': [''],
  kernels: ['', 'kernels'],
  io: ['', 'io'],
  spiking: ['', 'kernels', 'io', 'spiking'],
  groups: ['', 'kernels', 'spiking', 'groups'],
  lut: ['', 'kernels', 'io', 'lut'],
  bridge: ['', 'kernels', 'io', 'spiking', 'lut', 'bridge'],
};

/** The part of a path below native/core: 'lut' for lut/lm/model.h, '' for errors.h. */
function partOf(relative: string): string {
  const parts = relative.split('/');
  return parts.length === 1 ? '' : parts[0];
}

describe('architecture', () => {
  test('native/core holds its parts in folders, with a few shared headers at the top', () => {
    const entries = fs.readdirSync(core, { withFileTypes: true });
    const folders = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
    expect(folders).toEqual(Object.keys(MAY_INCLUDE).filter((p) => p !== '').sort());
    const shared = entries.filter((e) => e.isFile()).map((e) => e.name);
    expect(shared.length).toBeLessThanOrEqual(6);
  });

  test('every core file includes only its own part and the parts below it; no core file includes the addon or Node', () => {
    const violations: string[] = [];
    const sources = filesUnder(core, /\.(h|cpp)$/);
    expect(sources.length).toBeGreaterThan(50);
    for (const file of sources) {
      const from = partOf(path.relative(core, file));
      const text = fs.readFileSync(file, 'utf8');
      for (const [, target] of text.matchAll(/^#include\s+["<]([^">]+)[">]/gm)) {
        if (/^(addon\/|napi\.h|node_api\.h|node\.h)/.test(target)) violations.push(`${file}: ${target}`);
        if (!target.startsWith('core/')) continue;
        if (!fs.existsSync(path.join(root, 'native', target))) violations.push(`${file}: ${target} does not exist`);
        const to = partOf(target.slice('core/'.length));
        if (!MAY_INCLUDE[from].includes(to)) violations.push(`${path.relative(root, file)} (${from || 'shared'}) includes ${target}`);
      }
    }
    expect(violations).toEqual([]);
  });

  test('no import cycle among the modules of lib/', () => {
    const lib = path.join(root, 'lib');
    const modules = filesUnder(lib, /\.ts$/);
    const imports = new Map<string, string[]>();
    for (const file of modules) {
      const text = fs.readFileSync(file, 'utf8');
      const targets = [...text.matchAll(/^\s*(?:import|export)\b[^'";]*?from\s+'(\.[^']+)'/gm)].map(([, spec]) =>
        path.resolve(path.dirname(file), spec + '.ts'),
      );
      imports.set(file, targets.filter((t) => fs.existsSync(t)));
    }
    expect(imports.get(path.join(lib, 'network.ts'))).toContain(path.join(lib, 'monitors.ts'));
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (file: string, trail: string[]): void => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') {
        cycles.push([...trail.slice(trail.indexOf(file)), file].map((f) => path.relative(lib, f)).join(' -> '));
        return;
      }
      state.set(file, 'open');
      for (const next of imports.get(file) ?? []) visit(next, [...trail, file]);
      state.set(file, 'done');
    };
    for (const file of modules) visit(file, []);
    expect(cycles).toEqual([]);
  });

  describe('lib/native.ts declares exactly what the addon registers', () => {
    const program = ts.createProgram([path.join(root, 'lib', 'native.ts')], { strict: true, types: [] });
    const checker = program.getTypeChecker();
    const source = program.getSourceFile(path.join(root, 'lib', 'native.ts'))!;
    const declared = (name: string): ts.Type => {
      let found: ts.Type | undefined;
      source.forEachChild((node) => {
        if (ts.isInterfaceDeclaration(node) && node.name.text === name) found = checker.getTypeAtLocation(node);
      });
      if (found === undefined) throw new Error(`lib/native.ts declares no interface ${name}`);
      return found;
    };
    const names = (type: ts.Type): string[] => type.getProperties().map((p) => p.getName()).sort();
    const addonType = declared('NativeAddon');
    const native = addon as unknown as Record<string, unknown>;

    test('the same top-level functions and classes', () => {
      // `bindings` adds the path it loaded the addon from.
      const registered = Object.keys(native).filter((k) => k !== 'path');
      expect(names(addonType)).toEqual(registered.sort());
    });

    const classes = addonType.getProperties().filter((p) => {
      const type = checker.getTypeOfSymbolAtLocation(p, source);
      return type.getConstructSignatures().length > 0;
    });

    test.each(classes.map((p) => [p.getName(), p] as const))('%s: the same methods, accessors and statics', (name, symbol) => {
      const type = checker.getTypeOfSymbolAtLocation(symbol, source);
      const instance = type.getConstructSignatures()[0].getReturnType();
      const cls = native[name] as { prototype: object };
      const registered = Object.getOwnPropertyNames(cls.prototype).filter((k) => k !== 'constructor').sort();
      expect(names(instance)).toEqual(registered);
      const statics = Object.getOwnPropertyNames(cls)
        .filter((k) => !['length', 'name', 'prototype', 'arguments', 'caller'].includes(k))
        .sort();
      expect(names(type)).toEqual(statics);
    });
  });
});
