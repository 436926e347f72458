/**
 * Checks of the file arguments, made before any work starts: a run must not fail after an
 * hour because its output folder is missing. Each message names the option and the path.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describeError, echo, systemErrorText } from './errors';

const codeOf = (error: unknown): string | undefined => (error as NodeJS.ErrnoException).code;

/**
 * An input file that exists and can be read; `what` says what it should hold ("model file").
 * With `folders`, a readable folder is accepted too.
 */
export function inputFile(file: string, option: string, what = 'file', folders = false): string {
  const cannot = (why: string): RangeError => new RangeError(`${option}: cannot read ${what} '${echo(file)}': ${why}`);
  let stats: fs.Stats;
  try {
    stats = fs.statSync(file);
  } catch (error) {
    throw cannot(systemErrorText(codeOf(error)));
  }
  if (stats.isDirectory() && !folders) throw cannot(systemErrorText('EISDIR'));
  try {
    fs.accessSync(file, fs.constants.R_OK);
  } catch (error) {
    throw cannot(systemErrorText(codeOf(error)));
  }
  return file;
}

function writableFolder(folder: string, option: string, file: string): void {
  const where = `${option} ${echo(file)}: the folder ${echo(folder)}`;
  if (!fs.existsSync(folder) || !fs.statSync(folder).isDirectory()) throw new RangeError(`${where} does not exist`);
  try {
    fs.accessSync(folder, fs.constants.W_OK);
  } catch {
    throw new RangeError(`${where} is not writable`);
  }
}

/** An output file whose folder exists and is writable (the file itself is written later). */
export function outputFile(file: string, option: string): string {
  writableFolder(path.dirname(path.resolve(file)), option, file);
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) {
    throw new RangeError(`${option} ${echo(file)}: ${systemErrorText('EISDIR')}, not a file`);
  }
  return file;
}

/** An output folder, created now (with its parents) if it does not exist. */
export function outputFolder(folder: string, option: string): string {
  try {
    fs.mkdirSync(folder, { recursive: true });
  } catch (error) {
    throw new RangeError(`${option}: cannot create the folder '${echo(folder)}': ${systemErrorText(codeOf(error))}`);
  }
  writableFolder(path.resolve(folder), option, folder);
  return folder;
}

/** Runs `read` (a loader of the file `option` names); its error, if any, is prefixed with the option. */
export async function reading<T>(option: string, read: () => T | Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    throw new RangeError(`${option}: ${describeError(error)}`, { cause: error });
  }
}
