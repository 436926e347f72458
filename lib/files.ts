import * as fs from 'node:fs';
import * as path from 'node:path';

let written = 0;

/**
 * Writes `data` to `file` so that the file is always either what it was or all of `data`:
 * a temporary file of this writer's own beside it (process id and a counter, created
 * exclusively, so two writers never share one), synced, renamed over `file`, and the
 * folder synced. The same rule as the native checkpoint writer.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  await removeStaleTemporaries(file);
  const temporary = `${file}.tmp-${process.pid}-js${written++}`;
  const handle = await fs.promises.open(temporary, 'wx');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close().catch(() => undefined);
    await fs.promises.rm(temporary, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await fs.promises.rename(temporary, file);
  } catch (error) {
    await fs.promises.rm(temporary, { force: true });
    throw error;
  }
  await syncFolder(path.dirname(file));
}

/**
 * Removes the temporaries of `file` whose writer process is gone (killed mid-write), as
 * the native writer does: the process id is the number after `.tmp-`. A living process
 * with that id (the id reused) keeps its file.
 */
async function removeStaleTemporaries(file: string): Promise<void> {
  const prefix = `${path.basename(file)}.tmp-`;
  const names = await fs.promises.readdir(path.dirname(file)).catch(() => [] as string[]);
  for (const name of names) {
    const pid = name.startsWith(prefix) ? /^(\d+)-/.exec(name.slice(prefix.length))?.[1] : undefined;
    if (pid === undefined || processAlive(Number(pid))) continue;
    await fs.promises.rm(path.join(path.dirname(file), name), { force: true });
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

async function syncFolder(folder: string): Promise<void> {
  let handle: fs.promises.FileHandle | undefined;
  try {
    handle = await fs.promises.open(folder, 'r');
    await handle.sync();
  } catch {
    // The file is in place; only its durability across a power loss is weaker.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/**
 * An error reading `file` (missing, a directory, no permission) as an Error whose message
 * names the file: Node's own say "EISDIR: illegal operation on a directory, read" without
 * it. The system's code (ENOENT, ...) stays on `code`, the original on `cause`.
 */
export function readError(file: string, error: unknown): Error {
  const cause = error as NodeJS.ErrnoException;
  const named = new Error(`cannot read '${file}': ${cause?.message ?? String(error)}`, { cause }) as NodeJS.ErrnoException;
  if (cause?.code !== undefined) named.code = cause.code;
  return named;
}

/** The whole of `file`; errors name it (readError). */
export async function readFileNamed(file: string): Promise<Buffer> {
  try {
    return await fs.promises.readFile(file);
  } catch (error) {
    throw readError(file, error);
  }
}

/** The whole of `file` (synchronously); errors name it (readError). */
export function readFileNamedSync(file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (error) {
    throw readError(file, error);
  }
}
