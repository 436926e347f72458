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

/** Checks that `value` is a typed array or an Array of numbers, naming it (and the first entry that is no number). */
export function checkArrayLike(value: unknown, name: string): asserts value is ArrayLike<number> {
  if (Array.isArray(value)) {
    const k = value.findIndex((x) => typeof x !== 'number');
    if (k >= 0) throw new TypeError(`${name}[${k}] must be a number (got ${shown(value[k])})`);
    return;
  }
  if (!(ArrayBuffer.isView(value) && !(value instanceof DataView)) || value instanceof BigInt64Array || value instanceof BigUint64Array) {
    throw new TypeError(`${name} must be an Array of numbers or a typed array (got ${shown(value)})`);
  }
}

/** Checks a byte-string argument (a Uint8Array, Buffer included) and views it as a Buffer (no copy). */
export function checkBytes(bytes: unknown, name = 'bytes'): Buffer {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`${name} must be a Uint8Array or Buffer (got ${shown(bytes)})`);
  checkAttached(bytes, name);
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Checks the name a decoder gives its data in errors (a file name): a string. */
export function checkName(name: unknown, label = 'name'): asserts name is string {
  if (typeof name !== 'string') throw new TypeError(`${label} must be a string (got ${shown(name)})`);
}

/** Refuses a typed array whose buffer was transferred away (its methods would throw an engine TypeError). */
export function checkAttached(view: ArrayBufferView, name: string): void {
  if (isDetached(view)) throw new TypeError(`${name} is a ${view.constructor?.name ?? 'typed array'} whose buffer is detached`);
}

/** Checks an integer parameter in [min, max]: a TypeError if it is no number, a RangeError outside. */
export function checkInteger(value: unknown, name: string, min: number, max: number): asserts value is number {
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number (got ${shown(value)})`);
  if (!(Number.isInteger(value) && value >= min && value <= max)) throw new RangeError(`${name} must be an integer in [${min}, ${max}] (got ${shown(value)})`);
}

/** Checks a finite number parameter: a TypeError if it is no number, a RangeError if not finite. */
export function checkFinite(value: unknown, name: string): asserts value is number {
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number (got ${shown(value)})`);
  if (!Number.isFinite(value)) throw new RangeError(`${name} must be a finite number (got ${shown(value)})`);
}
