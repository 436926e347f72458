/**
 * Error texts of the CLI: short, naming the option, never a raw errno text and never a
 * pasted file: a user who gives the wrong file should not get its contents back.
 */

/** Longest echo of a user value (a path, an option value) inside a message. */
const ECHO_LIMIT = 80;
/** Longest line of any message, whatever produced it. */
const LINE_LIMIT = 240;

/** `value` for a message, capped in the middle so that a path keeps its file name. */
export function echo(value: string): string {
  if (value.length <= ECHO_LIMIT) return value;
  const half = Math.floor((ECHO_LIMIT - 1) / 2);
  return `${value.slice(0, half)}…${value.slice(value.length - half)}`;
}

const SYSTEM_ERRORS: Record<string, string> = {
  ENOENT: 'no such file or folder',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a folder',
  ENOTDIR: 'a part of the path is not a folder',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  EMFILE: 'too many open files',
};

/** What a Node system error code means, in words. */
export function systemErrorText(code: string | undefined): string {
  return (code !== undefined && SYSTEM_ERRORS[code]) || code || 'unknown error';
}

/** Node's "ENOENT: no such file or directory, open '/x'" as "no such file or folder: '/x'". */
function withoutErrnoText(message: string): string {
  return message.replace(/\b(E[A-Z]+): [^,']*, \w+ '([^']*)'(?: -> '[^']*')?/g,
    (_, code: string, file: string) => `${systemErrorText(code)}: '${file}'`);
}

/** The message of anything thrown, cleaned for a one-line report after "polychron <command>: ". */
export function describeError(error: unknown): string {
  const raw = error instanceof Error ? error.message : String(error);
  return withoutErrnoText(raw)
    // The core prefixes its messages with "polychron:"; the CLI prints its own prefix.
    .replace(/^(polychron(?: [a-z]+)*: )+/, '')
    .replace(/'([^'\n]*)'|"([^"\n]*)"/g, (quoted, single?: string, double?: string) => {
      const inner = single ?? double ?? '';
      return inner.length > ECHO_LIMIT ? `${quoted[0]}${echo(inner)}${quoted[0]}` : quoted;
    })
    .split('\n')
    .map((line) => (line.length > LINE_LIMIT ? `${line.slice(0, LINE_LIMIT - 1)}…` : line))
    .join('\n');
}
