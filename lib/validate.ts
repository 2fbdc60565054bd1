// Argument checks shared by the public API. One message format everywhere, the same as the
// native layer's:  "<fn>: expected <what> for <name> but received <value>".
// Messages are built only on failure, so the checks cost a few comparisons on the hot path.

export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (typeof value === 'number') return `${value} of type number`;
  if (typeof value === 'string') return `'${value}' of type string`;
  if (typeof value === 'boolean') return `${value} of type boolean`;
  if (typeof value === 'bigint') return 'a bigint';
  if (typeof value === 'symbol') return 'a symbol';
  if (ArrayBuffer.isView(value)) {
    const name = value.constructor.name;
    return /^[AEIO]/.test(name) ? `an ${name}` : `a ${name}`;
  }
  if (Array.isArray(value)) return 'an Array';
  if (typeof value === 'function') return 'a function';
  return 'an object';
}

export function typeError(fn: string, what: string, name: string, value: unknown): TypeError {
  return new TypeError(`${fn}: expected ${what} for ${name} but received ${describeValue(value)}`);
}

export function rangeError(fn: string, what: string, name: string, value: unknown): RangeError {
  return new RangeError(`${fn}: expected ${what} for ${name} but received ${describeValue(value)}`);
}

/** Largest dimension the native kernels accept (fits a signed 32-bit int). */
export const MAX_DIM = 2147483647;

/** A non-negative integer no larger than MAX_DIM. */
export function checkDim(fn: string, name: string, value: unknown): number {
  if (typeof value !== 'number') throw typeError(fn, 'a non-negative integer', name, value);
  if (!Number.isInteger(value) || value < 0 || value > MAX_DIM) {
    throw rangeError(fn, `a non-negative integer no larger than ${MAX_DIM}`, name, value);
  }
  return value;
}

export function checkNumber(fn: string, name: string, value: unknown): number {
  if (typeof value !== 'number') throw typeError(fn, 'a number', name, value);
  return value;
}

export function checkFloat32Array(fn: string, name: string, value: unknown): Float32Array {
  if (!(value instanceof Float32Array)) throw typeError(fn, 'a Float32Array', name, value);
  return value;
}
