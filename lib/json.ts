/**
 * JSON from files other people made (group files, circuit layouts, sweep specs, run
 * summaries, sweep results, network descriptions): each reader has a size cap, checked
 * against the file's length before anything is read, and a nesting cap, checked on the
 * text before JSON.parse sees it, so that a hostile file can neither make the process
 * allocate without bound nor exhaust the stack of a walker that recurses (JSON.stringify,
 * a canonical hash). The caps are listed in docs/security.md.
 */
import * as fs from 'node:fs';
import { readError } from './files';

/** A reader's caps: bytes of the file, levels of nested arrays and objects. */
export interface JsonLimits {
  maxBytes: number;
  maxDepth: number;
}

/** The caps of each JSON file polychron reads (docs/security.md lists them). */
export const JSON_LIMITS = {
  /** Group files (GroupSet.load): a large search's groups, each with its firings and links. */
  groupFile: { maxBytes: 256 * 1024 * 1024, maxDepth: 8 },
  /** A SpikingLutCircuit's FILE.layout.json. */
  circuitLayout: { maxBytes: 16 * 1024 * 1024, maxDepth: 8 },
  /** A run folder's summary.json (polychron report). */
  runSummary: { maxBytes: 1024 * 1024, maxDepth: 8 },
  /** A sweep's results.jsonl (every line together). */
  sweepResults: { maxBytes: 256 * 1024 * 1024, maxDepth: 8 },
} as const satisfies Record<string, JsonLimits>;

/**
 * Throws a RangeError naming `source` if arrays and objects nest deeper than `maxDepth`
 * anywhere in `text` (strings, and the brackets inside them, are skipped).
 */
export function checkJsonDepth(text: string, maxDepth: number, source: string): void {
  let depth = 0;
  let inString = false;
  for (let k = 0; k < text.length; k++) {
    const c = text.charCodeAt(k);
    if (inString) {
      if (c === 0x5c) k++; // a backslash escapes the next character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) throw new RangeError(`${source}: nested deeper than ${maxDepth} levels`);
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
}

/**
 * Throws a RangeError naming `source` if a value already parsed (a queue job's data)
 * nests arrays and objects deeper than `maxDepth`. Walks without recursing.
 */
export function checkValueDepth(value: unknown, maxDepth: number, source: string): void {
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop()!;
    if (typeof item !== 'object' || item === null) continue;
    if (depth + 1 > maxDepth) throw new RangeError(`${source}: nested deeper than ${maxDepth} levels`);
    for (const child of Object.values(item)) stack.push([child, depth + 1]);
  }
}

/** The size of an open file to read as a `what`: a regular file within limits.maxBytes. */
function checkedSize(file: string, stat: fs.Stats, limits: JsonLimits, what: string): number {
  if (!stat.isFile()) throw new RangeError(`${file}: a ${what} must be a regular file`);
  if (stat.size > limits.maxBytes) throw new RangeError(`${file}: a ${what} of ${stat.size} bytes is over the limit of ${limits.maxBytes}`);
  return stat.size;
}

/**
 * The text of a JSON file, refused (RangeError naming the file) when it is not a regular
 * file, is longer than `limits.maxBytes` (checked before reading) or nests deeper than
 * `limits.maxDepth`. `what` names the kind of file in messages ("a group file of N bytes
 * is over the limit of M"). I/O errors name the file (readError).
 */
export function readJsonText(file: string, limits: JsonLimits, what: string): string {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (error) {
    throw readError(file, error);
  }
  let text: string;
  try {
    const size = checkedSize(file, fs.fstatSync(fd), limits, what);
    const bytes = Buffer.alloc(size);
    let read = 0;
    while (read < size) {
      const n = fs.readSync(fd, bytes, read, size - read, read);
      if (n === 0) break;
      read += n;
    }
    if (read !== size) throw new RangeError(`${file}: the file shrank while it was read`);
    text = bytes.toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
  checkJsonDepth(text, limits.maxDepth, file);
  return text;
}

/** readJsonText without blocking the event loop while a large file is read. */
export async function readJsonTextAsync(file: string, limits: JsonLimits, what: string): Promise<string> {
  let handle: fs.promises.FileHandle;
  try {
    handle = await fs.promises.open(file, 'r');
  } catch (error) {
    throw readError(file, error);
  }
  let text: string;
  try {
    const size = checkedSize(file, await handle.stat(), limits, what);
    const bytes = Buffer.alloc(size);
    let read = 0;
    while (read < size) {
      const { bytesRead } = await handle.read(bytes, read, size - read, read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    if (read !== size) throw new RangeError(`${file}: the file shrank while it was read`);
    text = bytes.toString('utf8');
  } finally {
    await handle.close();
  }
  checkJsonDepth(text, limits.maxDepth, file);
  return text;
}
