// Argument parsing shared by the layers: PyTorch's _single/_pair for sizes, and input checks
// whose errors name the module.
import { formatShape } from '../../shape.js';
import { Tensor } from '../../tensor.js';
import { describeValue } from '../../validate.js';

/** A number or an n-tuple of numbers as an n-tuple (PyTorch's _single / _pair). */
export function ntuple(op: string, name: string, value: unknown, n: number): number[] {
  if (typeof value === 'number') return new Array<number>(n).fill(value);
  if (Array.isArray(value) && value.length === n && value.every((v) => typeof v === 'number')) return [...value];
  throw new TypeError(`${op}: expected a number or ${n} numbers for ${name} but received ${Array.isArray(value) ? `[${value.join(', ')}]` : describeValue(value)}`);
}

/** An n-tuple of integers >= min. */
export function intTuple(op: string, name: string, value: unknown, n: number, min: number): number[] {
  const t = ntuple(op, name, value, n);
  for (const v of t) {
    if (!Number.isInteger(v) || v < min) {
      const what = min === 0 ? 'non-negative integers' : min === 1 ? 'positive integers' : `integers >= ${min}`;
      throw new RangeError(`${op}: ${name} must be ${what} but received ${n === 1 ? v : `[${t.join(', ')}]`}`);
    }
  }
  return t;
}

export function checkPositiveInt(op: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new RangeError(`${op}: ${name} must be a positive integer but received ${describeValue(value)}`);
  }
  return value;
}

export function checkNonNegativeInt(op: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new RangeError(`${op}: ${name} must be a non-negative integer but received ${describeValue(value)}`);
  }
  return value;
}

export function checkBool(op: string, name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new TypeError(`${op}: expected a boolean for ${name} but received ${describeValue(value)}`);
  return value;
}

export function checkProbability(op: string, p: unknown): number {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) {
    throw new RangeError(`${op}: dropout probability has to be between 0 and 1, but got ${describeValue(p)}`);
  }
  return p;
}

/** The input as a live Tensor, else an error naming the module. */
export function checkInput(op: string, x: unknown): Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: expected a Tensor for input but received ${describeValue(x)}`);
  if (x.isDisposed) throw new Error(`${op}: input of shape ${formatShape(x.shape)} has been disposed`);
  return x;
}

/** Checks the input rank is one of `ranks` ("expected a 3-D or 4-D input but got shape [..]"). */
export function checkRank(op: string, x: Tensor, ranks: readonly number[]): void {
  if (!ranks.includes(x.ndim)) {
    const want = ranks.length === 1 ? `${ranks[0]}-D` : `${ranks.slice(0, -1).map((r) => `${r}-D`).join(', ')} or ${ranks[ranks.length - 1]}-D`;
    throw new RangeError(`${op}: expected a ${want} input but got shape ${formatShape(x.shape)}`);
  }
}

/** Python-style repr of a tuple: (3, 3), (1,) */
export function tupleRepr(t: readonly number[]): string {
  return t.length === 1 ? `(${t[0]},)` : `(${t.join(', ')})`;
}
