/**
 * How an error message shows the value it refused ("(got …)"): any JavaScript value,
 * without throwing. A template literal alone throws on a Symbol, on an object without a
 * prototype and on a typed array whose buffer is detached, and would turn a refusal into
 * an engine TypeError that names no parameter.
 */
export function shown(value: unknown): string {
  switch (typeof value) {
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    case 'string':
      return `'${value.length > 60 ? `${value.slice(0, 60)}…` : value}'`;
    case 'bigint':
      return `${value}n`;
    case 'symbol':
      return value.toString();
    case 'function':
      return 'a function';
    case 'undefined':
    case 'boolean':
      return String(value);
    default:
      break;
  }
  if (value === null) return 'null';
  if (ArrayBuffer.isView(value)) {
    const name = value.constructor?.name ?? 'ArrayBufferView';
    try {
      return `a ${name} of length ${'length' in value ? (value as unknown as { length: number }).length : value.byteLength}${value.byteLength === 0 && value.buffer.byteLength === 0 && isDetached(value) ? ' (detached)' : ''}`;
    } catch {
      return `a ${name}`;
    }
  }
  if (Array.isArray(value)) return `an Array of length ${value.length}`;
  const prototype = Object.getPrototypeOf(value);
  const name = prototype === null ? undefined : prototype.constructor?.name;
  return name && name !== 'Object' ? `a ${name}` : 'an object';
}

/** True if the view's buffer has been transferred away (detached). */
export function isDetached(view: ArrayBufferView): boolean {
  try {
    new Uint8Array(view.buffer, 0, 0);
    return false;
  } catch {
    return true;
  }
}

/**
 * Checks an options argument: an object, or undefined (all defaults) unless `required`. The one check of
 * every method that reads its options in TypeScript, so that `null` or a number is a
 * TypeError naming `options`, never "Cannot read properties of null".
 */
export function checkOptions(options: unknown, required = false, name = 'options'): void {
  if ((required || options !== undefined) && (typeof options !== 'object' || options === null)) {
    throw new TypeError(`${name} must be an object (got ${shown(options)})`);
  }
}
