/**
 * Option builders shared by the CLI commands: each takes commander's flags text (the option's
 * name is read from it, so an error message always names the option as the user typed it)
 * and validates the value as it is parsed. A bad value throws a RangeError naming the option,
 * which the CLI reports with exit code 1.
 */
import { Option } from 'commander';
import { echo } from './errors';

function withParser<T>(flags: string, description: string, parse: (value: string, name: string) => T, fallback?: T): Option {
  const option = new Option(flags, description);
  const name = option.long ?? option.short ?? flags;
  option.argParser((value: string) => parse(value, name));
  if (fallback !== undefined) option.default(fallback);
  return option;
}

function parseNumber(value: string, name: string, rule: string, accept: (n: number) => boolean): number {
  const n = Number(value);
  if (value.trim() === '' || !accept(n)) throw new RangeError(`${name} must be ${rule} (got '${echo(value)}')`);
  return n;
}

export function positiveInteger(flags: string, description: string, fallback?: number): Option {
  return withParser(flags, description,
    (v, name) => parseNumber(v, name, 'a positive integer', (n) => Number.isInteger(n) && n >= 1), fallback);
}

/** 'auto' or a positive integer (threads). */
export function threadCount(flags: string, description: string, fallback?: number | 'auto'): Option {
  return withParser<number | 'auto'>(flags, description, (v, name) => (v === 'auto' ? 'auto'
    : parseNumber(v, name, "'auto' or a positive integer", (n) => Number.isInteger(n) && n >= 1)), fallback);
}

export function nonNegativeInteger(flags: string, description: string, fallback?: number): Option {
  return withParser(flags, description,
    (v, name) => parseNumber(v, name, 'an integer >= 0', (n) => Number.isInteger(n) && n >= 0), fallback);
}

/** A finite number; `rule` and `accept` narrow it further (e.g. 'in (0, 1]'). */
export function finiteNumber(
  flags: string, description: string, fallback?: number,
  rule = 'a number', accept: (n: number) => boolean = () => true,
): Option {
  return withParser(flags, description, (v, name) => parseNumber(v, name, rule, (n) => Number.isFinite(n) && accept(n)), fallback);
}

export function oneOf<T extends string>(flags: string, description: string, allowed: readonly T[], fallback?: T): Option {
  const option = withParser(flags, description, (value, name): T => {
    if (!allowed.includes(value as T)) {
      throw new RangeError(`${name} must be ${allowed.map((a) => `'${a}'`).join(' or ')} (got '${echo(value)}')`);
    }
    return value as T;
  }, fallback);
  // For the help text only: commander's own choices() check would replace our message.
  option.argChoices = [...allowed];
  return option;
}

/** Refuses a missing required option before any work; the message says what the option is for. */
export function required<T>(value: T | undefined, message: string): T {
  if (value === undefined || value === '') throw new RangeError(message);
  return value;
}
