// Argument checks shared by the model factories.
import { describeValue } from '../validate.js';

/** A positive integer option. */
export function checkCount(op: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new TypeError(`${op}: expected a positive integer for ${name} but received ${describeValue(value)}`);
  }
  return value;
}

/** A probability in [0, 1). */
export function checkProbability(op: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !(value >= 0 && value < 1)) {
    throw new RangeError(`${op}: expected ${name} in [0, 1) but received ${describeValue(value)}`);
  }
  return value;
}

/** A boolean option. */
export function checkFlag(op: string, name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new TypeError(`${op}: expected a boolean for ${name} but received ${describeValue(value)}`);
  return value;
}
