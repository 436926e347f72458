import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import * as path from 'node:path';

export const repoRoot = path.resolve(__dirname, '..', '..');

/** Runs a Node script in a child process (so that it sees a fresh environment). */
export function runNode(script: string, env: NodeJS.ProcessEnv, cwd = repoRoot): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, ['-e', script], { cwd, env, encoding: 'utf8', timeout: 60_000 });
}

/** Runs `script` in a fresh Node process (`flags` before it); returns its exit, output and wall time. */
export function child(script: string, { flags = [] as string[], timeoutMs = 60_000 } = {}):
  { status: number | null; signal: string | null; stdout: string; stderr: string; ms: number } {
  const started = Date.now();
  const r = spawnSync(process.execPath, [...flags, '-e', script], { cwd: repoRoot, encoding: 'utf8', timeout: timeoutMs });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - started };
}
