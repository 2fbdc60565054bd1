// Creating tensors: from JS data, constant fills, ranges, identity, and random draws from the
// seeded generator (random.ts).
import { native } from '../native.js';
import { nextOffsets } from '../random.js';
import { formatShape, sizeOf } from '../shape.js';
import { DTYPE_CODE, type DType, Tensor, writeStridedParams } from '../tensor.js';
import { describeValue } from '../validate.js';
import { checkDtype, checkNumber, checkShape, checkTensor } from './util.js';

export interface CreationOptions {
  dtype?: DType;
  requiresGrad?: boolean;
}

export type TensorData = number | ArrayLike<number> | ReadonlyArray<TensorData>;

function finish(t: Tensor, options: CreationOptions | undefined): Tensor {
  if (options?.requiresGrad) t.requiresGrad_(true);
  return t;
}

// The shape is read off the first element at each depth; every other element must then
// match it exactly (a number where a list is expected, or the reverse, is ragged too).
function inferShape(data: unknown): number[] {
  const shape: number[] = [];
  let cur: unknown = data;
  while (Array.isArray(cur) || (ArrayBuffer.isView(cur) && !(cur instanceof DataView))) {
    const arr = cur as ArrayLike<unknown>;
    shape.push(arr.length);
    if (arr.length === 0) break;
    cur = arr[0];
  }
  return shape;
}

function flatten(op: string, data: unknown, shape: readonly number[], out: number[], depth: number): void {
  if (typeof data === 'number' || typeof data === 'boolean') {
    if (depth !== shape.length) throw new RangeError(`${op}: ragged nested arrays: found a number where a list of length ${shape[depth]} was expected at depth ${depth}`);
    out.push(Number(data));
    return;
  }
  if (Array.isArray(data) || (ArrayBuffer.isView(data) && !(data instanceof DataView))) {
    const arr = data as ArrayLike<unknown>;
    if (depth >= shape.length) throw new RangeError(`${op}: ragged nested arrays: found a list where a number was expected at depth ${depth}`);
    if (shape[depth] !== arr.length) {
      throw new RangeError(`${op}: ragged nested arrays: expected length ${shape[depth]} at depth ${depth} but found ${arr.length}`);
    }
    for (let i = 0; i < arr.length; i++) flatten(op, arr[i], shape, out, depth + 1);
    return;
  }
  throw new TypeError(`${op}: expected numbers, arrays or typed arrays for data but found ${describeValue(data)}`);
}

/**
 * A tensor from a number, (nested) arrays or a typed array. JS numbers carry no int/float
 * distinction, so the dtype is float32 unless `dtype` says otherwise or the data is an
 * Int32Array. `shape` reshapes flat data.
 *
 * @example
 * const x = keel.tensor([[1, 2], [3, 4]], { requiresGrad: true });
 * const labels = keel.tensor([0, 2, 1], { dtype: 'int32' });
 */
export function tensor(data: TensorData, options: CreationOptions & { shape?: readonly number[] } = {}): Tensor {
  const op = 'tensor';
  if (data instanceof Tensor) throw new TypeError(`${op}: data is already a Tensor; use clone() or detach()`);
  const dtype: DType = options.dtype !== undefined ? checkDtype(op, options.dtype) : data instanceof Int32Array ? 'int32' : 'float32';
  let shape: number[];
  let flat: Float32Array | Int32Array;
  if (ArrayBuffer.isView(data) && !(data instanceof DataView)) {
    const arr = data as unknown as ArrayLike<number>;
    shape = [arr.length];
    flat = dtype === 'float32' ? Float32Array.from(arr) : Int32Array.from(arr);
  } else {
    shape = inferShape(data);
    const values: number[] = [];
    flatten(op, data, shape, values, 0);
    flat = dtype === 'float32' ? Float32Array.from(values) : Int32Array.from(values);
  }
  if (options.shape !== undefined) {
    const target = checkShape(op, options.shape as number[]);
    if (sizeOf(target) !== flat.length) {
      throw new RangeError(`${op}: shape ${formatShape(target)} is invalid for data of ${flat.length} elements`);
    }
    shape = target;
  }
  const t = Tensor._empty(shape, dtype);
  if (flat.length > 0) native.storageWrite(t._handle(op), 0, flat);
  return finish(t, options);
}

/** A 0-d tensor holding one number. */
export function scalar(value: number, dtype: DType = 'float32'): Tensor {
  const t = Tensor._empty([], dtype);
  native.fill(t._handle('scalar'), 0, 1, value, DTYPE_CODE[dtype]);
  return t;
}

/** @internal A filled tensor without argument checks. */
export function filled(shape: readonly number[], value: number, dtype: DType = 'float32'): Tensor {
  const zero = value === 0;
  const t = Tensor._empty(shape, dtype, zero);
  if (!zero) native.fill(t._handle('full'), 0, sizeOf(shape), value, DTYPE_CODE[dtype]);
  return t;
}

/** A tensor of `shape` filled with `value`. */
export function full(shape: readonly number[], value: number, options: CreationOptions = {}): Tensor {
  const s = checkShape('full', shape as number[]);
  checkNumber('full', 'value', value);
  return finish(filled(s, value, checkDtype('full', options.dtype)), options);
}

/** A tensor of zeros. */
export function zeros(shape: readonly number[], options: CreationOptions = {}): Tensor {
  return finish(filled(checkShape('zeros', shape as number[]), 0, checkDtype('zeros', options.dtype)), options);
}

/** A tensor of ones. */
export function ones(shape: readonly number[], options: CreationOptions = {}): Tensor {
  return finish(filled(checkShape('ones', shape as number[]), 1, checkDtype('ones', options.dtype)), options);
}

/** A tensor with uninitialized values (fastest; write before reading). */
export function empty(shape: readonly number[], options: CreationOptions = {}): Tensor {
  return finish(Tensor._empty(checkShape('empty', shape as number[]), checkDtype('empty', options.dtype)), options);
}

function likeOptions(op: string, like: Tensor, options: CreationOptions): [number[], DType] {
  checkTensor(op, 'input', like);
  return [[...like.shape], options.dtype !== undefined ? checkDtype(op, options.dtype) : like.dtype];
}

export function zerosLike(like: Tensor, options: CreationOptions = {}): Tensor {
  const [s, d] = likeOptions('zerosLike', like, options);
  return finish(filled(s, 0, d), options);
}
export function onesLike(like: Tensor, options: CreationOptions = {}): Tensor {
  const [s, d] = likeOptions('onesLike', like, options);
  return finish(filled(s, 1, d), options);
}
export function fullLike(like: Tensor, value: number, options: CreationOptions = {}): Tensor {
  const [s, d] = likeOptions('fullLike', like, options);
  return finish(filled(s, checkNumber('fullLike', 'value', value), d), options);
}
export function emptyLike(like: Tensor, options: CreationOptions = {}): Tensor {
  const [s, d] = likeOptions('emptyLike', like, options);
  return finish(Tensor._empty(s, d), options);
}

/**
 * Values from `start` (inclusive) to `end` (exclusive) by `step`; `arange(n)` is 0..n-1.
 * int32 when every argument is an integer (as PyTorch gives int64), else float32.
 */
export function arange(start: number, end?: number, step = 1, options: CreationOptions = {}): Tensor {
  const op = 'arange';
  if (end === undefined) {
    end = start;
    start = 0;
  }
  checkNumber(op, 'start', start);
  checkNumber(op, 'end', end);
  checkNumber(op, 'step', step);
  if (step === 0 || !Number.isFinite(step)) throw new RangeError(`${op}: step must be finite and non-zero but received ${step}`);
  const n = Math.max(0, Math.ceil((end - start) / step));
  if (!Number.isFinite(n) || n > 2 ** 31) throw new RangeError(`${op}: range [${start}, ${end}) by ${step} is too long`);
  const dtype = options.dtype !== undefined ? checkDtype(op, options.dtype) : Number.isInteger(start) && Number.isInteger(end) && Number.isInteger(step) ? 'int32' : 'float32';
  const t = Tensor._empty([n], dtype);
  native.arange(t._handle(op), 0, n, start, step, DTYPE_CODE[dtype]);
  return finish(t, options);
}

/** `steps` evenly spaced values from `start` to `end` inclusive. */
export function linspace(start: number, end: number, steps: number, options: CreationOptions = {}): Tensor {
  const op = 'linspace';
  checkNumber(op, 'start', start);
  checkNumber(op, 'end', end);
  if (!Number.isInteger(steps) || steps < 0) throw new RangeError(`${op}: expected a non-negative integer for steps but received ${describeValue(steps)}`);
  const values = new Float32Array(steps);
  const step = steps > 1 ? (end - start) / (steps - 1) : 0;
  // Symmetric from both ends, as PyTorch does, so the last value is exactly `end`.
  for (let i = 0; i < steps; i++) values[i] = i < steps / 2 ? start + step * i : end - step * (steps - 1 - i);
  return tensor(values, { dtype: checkDtype(op, options.dtype), requiresGrad: options.requiresGrad });
}

/** The n x m identity matrix (m defaults to n). */
export function eye(n: number, m: number = n, options: CreationOptions = {}): Tensor {
  const [rows, cols] = checkShape('eye', [n, m], 'size');
  const dtype = checkDtype('eye', options.dtype);
  const t = filled([rows, cols], 0, dtype);
  const diag = Math.min(rows, cols);
  if (diag > 0) {
    const one = scalar(1, dtype);
    // Write the diagonal with one strided copy: a 0-stride source broadcast along stride n+1.
    writeDiagonal(t, one, diag, cols);
    one.dispose();
  }
  return finish(t, options);
}

// The diagonal in one strided copy: a stride-0 source written along stride cols+1.
function writeDiagonal(t: Tensor, one: Tensor, diag: number, cols: number): void {
  writeStridedParams([diag], [[cols + 1], [0]]);
  native.copy(t._handle('eye'), 0, one._handle('eye'), 0);
}

function randomTensor(op: string, shape: readonly number[], kind: number, p0: number, p1: number, dtype: DType, options: CreationOptions): Tensor {
  const s = checkShape(op, shape as number[]);
  const t = Tensor._empty(s, dtype);
  const n = sizeOf(s);
  const [seed, offset] = nextOffsets(n);
  native.random(kind, t._handle(op), 0, n, seed, offset, p0, p1);
  return finish(t, options);
}

/** Uniform values in [0, 1) from the seeded generator (see manualSeed). */
export function rand(shape: readonly number[], options: CreationOptions = {}): Tensor {
  return randomTensor('rand', shape, 0, 0, 1, 'float32', options);
}

/** Standard normal values from the seeded generator. */
export function randn(shape: readonly number[], options: CreationOptions = {}): Tensor {
  return randomTensor('randn', shape, 1, 0, 1, 'float32', options);
}

/** Uniform values in [low, high) (the generator behind weight initialization). */
export function uniform(shape: readonly number[], low: number, high: number, options: CreationOptions = {}): Tensor {
  return randomTensor('uniform', shape, 0, checkNumber('uniform', 'low', low), checkNumber('uniform', 'high', high), 'float32', options);
}

/** Normal values with the given mean and standard deviation. */
export function normal(shape: readonly number[], mean = 0, std = 1, options: CreationOptions = {}): Tensor {
  return randomTensor('normal', shape, 1, checkNumber('normal', 'mean', mean), checkNumber('normal', 'std', std), 'float32', options);
}

/** Integers uniform in [low, high), int32. */
export function randint(low: number, high: number, shape: readonly number[], options: CreationOptions = {}): Tensor {
  const op = 'randint';
  if (!Number.isInteger(low) || !Number.isInteger(high) || high <= low || low < -(2 ** 31) || high > 2 ** 31) {
    throw new RangeError(`${op}: expected integers low < high within int32 but received low=${describeValue(low)}, high=${describeValue(high)}`);
  }
  return randomTensor(op, shape, 2, low, high, 'int32', options);
}

export function randLike(like: Tensor, options: CreationOptions = {}): Tensor {
  return rand(checkTensor('randLike', 'input', like).shape, options);
}
export function randnLike(like: Tensor, options: CreationOptions = {}): Tensor {
  return randn(checkTensor('randnLike', 'input', like).shape, options);
}

/** Integers uniform in [low, high) with the shape of `like`, int32. */
export function randintLike(like: Tensor, low: number, high: number, options: CreationOptions = {}): Tensor {
  return randint(low, high, checkTensor('randintLike', 'input', like).shape, options);
}

/** @internal A dropout mask: `scale` with probability `keep`, else 0. */
export function bernoulliMask(shape: readonly number[], keep: number, scale: number): Tensor {
  return randomTensor('dropout', shape, 3, keep, scale, 'float32', {});
}

