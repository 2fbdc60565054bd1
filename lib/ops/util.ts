// Helpers shared by the op files: argument checks with the common message format, scalar
// wrapping and dtype promotion.
import { formatShape } from '../shape.js';
import { Tensor, type DType } from '../tensor.js';
import { describeValue } from '../validate.js';

export function checkTensor(op: string, name: string, value: unknown): Tensor {
  if (!(value instanceof Tensor)) {
    throw new TypeError(`${op}: expected a Tensor for ${name} but received ${describeValue(value)}`);
  }
  if (value._disposed) {
    throw new Error(`${op}: ${name} of shape ${formatShape(value.shape)} has been disposed`);
  }
  return value;
}

export function checkFloat(op: string, name: string, t: Tensor): void {
  if (t.dtype !== 'float32') throw new TypeError(`${op}: expected a float32 tensor for ${name} but received ${t.dtype}`);
}

export function checkInt(op: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new TypeError(`${op}: expected an integer for ${name} but received ${describeValue(value)}`);
  }
  return value;
}

export function checkNumber(op: string, name: string, value: unknown): number {
  if (typeof value !== 'number') throw new TypeError(`${op}: expected a number for ${name} but received ${describeValue(value)}`);
  return value;
}

/** Parses a shape argument: an array of non-negative integers (or varargs already gathered). */
export function checkShape(op: string, value: unknown, name = 'shape'): number[] {
  if (!Array.isArray(value)) throw new TypeError(`${op}: expected an array of non-negative integers for ${name} but received ${describeValue(value)}`);
  for (const d of value) {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0 || d > 2147483647) {
      throw new RangeError(`${op}: expected non-negative integers for ${name} but received [${value.join(',')}]`);
    }
  }
  if (value.length > 8) throw new RangeError(`${op}: tensors of more than 8 dimensions are not supported (${name} [${value.join(',')}])`);
  return value.slice();
}

export function checkDtype(op: string, value: unknown): DType {
  if (value === undefined) return 'float32';
  if (value !== 'float32' && value !== 'int32') {
    throw new TypeError(`${op}: expected 'float32' or 'int32' for dtype but received ${describeValue(value)}`);
  }
  return value;
}

/** The dtype of `a op b` under PyTorch-like promotion (int32 with float32 gives float32). */
export function promote(a: DType, b: DType): DType {
  return a === 'float32' || b === 'float32' ? 'float32' : 'int32';
}
