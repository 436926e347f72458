import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import * as path from 'node:path';

export const repoRoot = path.resolve(__dirname, '..', '..');

/** Runs a Node script in a child process (so that it sees a fresh environment). */
export function runNode(script: string, env: NodeJS.ProcessEnv, cwd = repoRoot): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, ['-e', script], { cwd, env, encoding: 'utf8', timeout: 60_000 });
}
