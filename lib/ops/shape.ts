// Shape and layout ops. Views (sharing storage) where PyTorch gives views: reshape/view of
// contiguous data, squeeze/unsqueeze, expand, detach. Copies elsewhere: transpose, permute,
// slicing, cat/stack/split, indexSelect, gather, pad.
import { record } from '../autograd.js';
import { native } from '../native.js';
import { contiguousStrides, formatShape, normalizeDim, prod, sameShape, sizeOf } from '../shape.js';
import { DTYPE_CODE, Tensor, writeStridedParams } from '../tensor.js';
import { describeValue } from '../validate.js';
import { beginInPlace } from './binary.js';
import { sumTo } from './reduce.js';
import { checkInt, checkNumber, checkTensor } from './util.js';

// Native index errors say "indexOp:"; users called indexSelect or gather.
function renameError(err: unknown, op: string): unknown {
  if (err instanceof Error && err.message.startsWith('indexOp:')) {
    const renamed = new (err.constructor as ErrorConstructor)(op + err.message.slice('indexOp'.length));
    return renamed;
  }
  return err;
}

/** Resolves a target shape with at most one -1 against `numel`. */
function inferShape(op: string, shape: readonly number[], numel: number, from: readonly number[]): number[] {
  let infer = -1;
  let known = 1;
  const out = [...shape];
  for (let i = 0; i < out.length; i++) {
    const d = out[i];
    if (d === -1) {
      if (infer >= 0) throw new RangeError(`${op}: only one dimension can be inferred (-1) in ${formatShape(shape)}`);
      infer = i;
    } else if (!Number.isInteger(d) || d < 0) {
      throw new RangeError(`${op}: invalid shape dimension ${describeValue(d)} in ${formatShape(shape)}`);
    } else known *= d;
  }
  if (infer >= 0) {
    if (known === 0 || numel % known !== 0) throw new RangeError(`${op}: shape ${formatShape(shape)} is invalid for input of size ${numel}`);
    out[infer] = numel / known;
  }
  if (sizeOf(out) !== numel) {
    throw new RangeError(`${op}: shape ${formatShape(shape)} is invalid for input of shape ${formatShape(from)} (${numel} elements)`);
  }
  return out;
}

function shapeArgs(args: ReadonlyArray<number | readonly number[]>): number[] {
  return args.length === 1 && Array.isArray(args[0]) ? [...(args[0] as number[])] : (args as number[]);
}

/** @internal A strided copy of `x` (shape `shape`, strides `strides` from `offset`) into a new contiguous tensor. */
export function copyStrided(op: string, x: Tensor, shape: readonly number[], strides: readonly number[], offset: number): Tensor {
  const out = Tensor._empty(shape, x.dtype);
  writeStridedParams(shape, [contiguousStrides(shape), strides]);
  native.copy(out._handle(op), 0, x._handle(op), offset);
  return out;
}

/** @internal Writes `src` into `dst` viewed as shape/strides from `offset` (dst contiguous storage). */
function copyInto(op: string, dst: Tensor, dstOffset: number, dstStrides: readonly number[], src: Tensor): void {
  writeStridedParams(src.shape, [dstStrides, src._strides]);
  native.copy(dst._handle(op), dst._offset + dstOffset, src._handle(op), src._offset);
}

/** The same data with a new shape (a view when contiguous, else a copy). One dim may be -1. */
export function reshape(x: Tensor, ...shapeOrDims: Array<number | readonly number[]>): Tensor {
  const op = 'reshape';
  checkTensor(op, 'input', x);
  const shape = inferShape(op, shapeArgs(shapeOrDims), x.numel(), x.shape);
  let out: Tensor;
  if (x._contiguous) out = Tensor._view(x, shape, null);
  else {
    const c = x._materialize(op);
    out = Tensor._view(c, shape, null);
    c.dispose();
  }
  return record(op, out, [x], (g) => [reshape(g, x.shape)]);
}

/** Like reshape, but only for contiguous tensors (always a view), as PyTorch's view(). */
export function view(x: Tensor, ...shapeOrDims: Array<number | readonly number[]>): Tensor {
  checkTensor('view', 'input', x);
  if (!x._contiguous) {
    throw new Error('view: size is not compatible with the input\'s size and stride (an expanded tensor); use reshape()');
  }
  return reshape(x, ...shapeOrDims);
}

/** Flattens dims startDim..endDim into one. */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  const op = 'flatten';
  checkTensor(op, 'input', x);
  if (x.ndim === 0) return reshape(x, [1]);
  const s = normalizeDim(op, startDim, x.ndim), e = normalizeDim(op, endDim, x.ndim);
  if (s > e) throw new RangeError(`${op}: startDim ${startDim} comes after endDim ${endDim}`);
  return reshape(x, [...x.shape.slice(0, s), prod(x.shape, s, e + 1), ...x.shape.slice(e + 1)]);
}

/** Removes size-1 dims (all, or the given one). A view. */
export function squeeze(x: Tensor, dim?: number): Tensor {
  const op = 'squeeze';
  checkTensor(op, 'input', x);
  const drop = dim === undefined ? x.shape.map((s, i) => (s === 1 ? i : -1)).filter((i) => i >= 0) : (() => {
    const d = normalizeDim(op, dim, Math.max(x.ndim, 1));
    return x.ndim > 0 && x.shape[d] === 1 ? [d] : [];
  })();
  const shape = x.shape.filter((_, i) => !drop.includes(i));
  const strides = x._strides.filter((_, i) => !drop.includes(i));
  const out = Tensor._view(x, shape, strides);
  return record(op, out, [x], (g) => [reshape(g, x.shape)]);
}

/** Inserts a size-1 dim at `dim`. A view. */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  const op = 'unsqueeze';
  checkTensor(op, 'input', x);
  const d = normalizeDim(op, dim, x.ndim, true);
  const shape = [...x.shape];
  const strides = [...x._strides];
  shape.splice(d, 0, 1);
  strides.splice(d, 0, d < x.ndim ? x._strides[d] * x.shape[d] : 1);
  const out = Tensor._view(x, shape, strides);
  return record(op, out, [x], (g) => [reshape(g, x.shape)]);
}

/** Broadcasts size-1 dims to `sizes` (-1 keeps a size) without copying: a stride-0 view. */
export function expand(x: Tensor, ...sizesOrDims: Array<number | readonly number[]>): Tensor {
  const op = 'expand';
  checkTensor(op, 'input', x);
  const sizes = shapeArgs(sizesOrDims);
  if (sizes.length < x.ndim) {
    throw new RangeError(`${op}: the number of sizes (${sizes.length}) must be at least the number of dimensions (${x.ndim})`);
  }
  for (const d of sizes) {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < -1 || d > 2147483647) {
      throw new RangeError(`${op}: expected sizes to be non-negative integers (or -1 to keep a size) but received ${formatShape(sizes)}`);
    }
  }
  const lead = sizes.length - x.ndim;
  const shape: number[] = [], strides: number[] = [];
  for (let i = 0; i < sizes.length; i++) {
    const src = i - lead;
    const want = sizes[i];
    if (src < 0) {
      if (want < 0) throw new RangeError(`${op}: -1 is not allowed for a new leading dimension`);
      shape.push(want);
      strides.push(0);
      continue;
    }
    const have = x.shape[src];
    if (want === -1 || want === have) {
      shape.push(have);
      strides.push(x._strides[src]);
    } else if (have === 1) {
      shape.push(want);
      strides.push(0);
    } else {
      throw new RangeError(`${op}: the expanded size (${want}) must match the existing size (${have}) at dimension ${i}; shape ${formatShape(x.shape)} to ${formatShape(sizes)}`);
    }
  }
  const out = Tensor._view(x, shape, strides);
  return record(op, out, [x], (g) => [sumTo(g, x.shape)]);
}

export function expandAs(x: Tensor, other: Tensor): Tensor {
  return expand(x, checkTensor('expandAs', 'other', other).shape);
}

/** A copy with dims reordered by `dims`. */
export function permute(x: Tensor, ...dimsOrList: Array<number | readonly number[]>): Tensor {
  const op = 'permute';
  checkTensor(op, 'input', x);
  const dims = shapeArgs(dimsOrList).map((d) => normalizeDim(op, d, x.ndim));
  if (dims.length !== x.ndim || new Set(dims).size !== dims.length) {
    throw new RangeError(`${op}: dims ${formatShape(dims)} are not a permutation of the ${x.ndim} dimensions of ${formatShape(x.shape)}`);
  }
  const out = copyStrided(op, x, dims.map((d) => x.shape[d]), dims.map((d) => x._strides[d]), x._offset);
  const inverse = new Array<number>(dims.length);
  dims.forEach((d, i) => (inverse[d] = i));
  return record(op, out, [x], (g) => [permute(g, inverse)]);
}

/** A copy with two dims swapped. */
export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  checkTensor('transpose', 'input', x);
  const a = normalizeDim('transpose', dim0, Math.max(x.ndim, 1)), b = normalizeDim('transpose', dim1, Math.max(x.ndim, 1));
  if (x.ndim < 2) return reshape(x, x.shape);
  const dims = x.shape.map((_, i) => i);
  dims[a] = b;
  dims[b] = a;
  return permute(x, dims);
}

/** Transpose of a matrix (0-D and 1-D tensors come back unchanged). */
export function t(x: Tensor): Tensor {
  checkTensor('t', 'input', x);
  if (x.ndim > 2) throw new RangeError(`t: expects a tensor with <= 2 dimensions, but got shape ${formatShape(x.shape)}`);
  return x.ndim < 2 ? reshape(x, x.shape) : transpose(x, 0, 1);
}

/** `x` itself when contiguous, else a contiguous copy. */
export function contiguous(x: Tensor): Tensor {
  checkTensor('contiguous', 'input', x);
  if (x._contiguous) return x;
  return record('contiguous', x._materialize('contiguous'), [x], (g) => [g]);
}

/** A copy with its own storage (gradient flows through). */
export function clone(x: Tensor): Tensor {
  checkTensor('clone', 'input', x);
  return record('clone', x._materialize('clone'), [x], (g) => [g]);
}

/** A view sharing storage but cut from the graph (no gradient). */
export function detach(x: Tensor): Tensor {
  checkTensor('detach', 'input', x);
  return Tensor._view(x, x.shape, x._contiguous ? null : x._strides);
}

/**
 * Elements start, start+step, ... (< end) along `dim`, as a copy. Negative start/end count
 * from the end, as in Python slicing.
 */
export function slice(x: Tensor, dim: number, start = 0, end?: number, step = 1): Tensor {
  const op = 'slice';
  checkTensor(op, 'input', x);
  const d = normalizeDim(op, dim, x.ndim);
  const size = x.shape[d];
  checkInt(op, 'step', step);
  if (step <= 0) throw new RangeError(`${op}: step must be positive but received ${step}`);
  const clampIndex = (v: number): number => Math.min(Math.max(v < 0 ? v + size : v, 0), size);
  const s = clampIndex(checkInt(op, 'start', start));
  const e = end === undefined ? size : clampIndex(checkInt(op, 'end', end));
  const length = Math.max(0, Math.ceil((e - s) / step));
  const shape = [...x.shape];
  shape[d] = length;
  const strides = [...x._strides];
  strides[d] = x._strides[d] * step;
  const out = copyStrided(op, x, shape, strides, x._offset + s * x._strides[d]);
  return record(op, out, [x], (g) => {
    const gi = Tensor._empty(x.shape, 'float32', true);
    const outStrides = contiguousStrides(x.shape);
    const dst = [...outStrides];
    dst[d] = outStrides[d] * step;
    const gc = g._contiguous ? g : g._materialize(op);
    copyInto(op, gi, s * outStrides[d], dst, gc);
    return [gi];
  });
}

/** `length` elements from `start` along `dim` (a copy). */
export function narrow(x: Tensor, dim: number, start: number, length: number): Tensor {
  const op = 'narrow';
  checkTensor(op, 'input', x);
  const d = normalizeDim(op, dim, x.ndim);
  checkInt(op, 'start', start);
  checkInt(op, 'length', length);
  const s = start < 0 ? start + x.shape[d] : start;
  if (s < 0 || length < 0 || s + length > x.shape[d]) {
    throw new RangeError(`${op}: start (${start}) + length (${length}) exceeds dimension size (${x.shape[d]}) of shape ${formatShape(x.shape)}`);
  }
  return slice(x, d, s, s + length);
}

/** Concatenates tensors of equal shape except along `dim`. */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  const op = 'cat';
  if (!Array.isArray(tensors) || tensors.length === 0) throw new TypeError(`${op}: expected a non-empty array of tensors`);
  tensors.forEach((x, i) => checkTensor(op, `tensors[${i}]`, x));
  const first = tensors[0];
  const d = normalizeDim(op, dim, first.ndim);
  let total = 0;
  for (const [i, x] of tensors.entries()) {
    if (x.ndim !== first.ndim || x.shape.some((s: number, k: number) => k !== d && s !== first.shape[k])) {
      throw new RangeError(`${op}: sizes of tensors must match except in dimension ${d}; tensors[0] has shape ${formatShape(first.shape)} and tensors[${i}] has ${formatShape(x.shape)}`);
    }
    if (x.dtype !== first.dtype) throw new TypeError(`${op}: expected all tensors to be ${first.dtype} but tensors[${i}] is ${x.dtype}`);
    total += x.shape[d];
  }
  const shape = [...first.shape];
  shape[d] = total;
  const out = Tensor._empty(shape, first.dtype);
  const strides = contiguousStrides(shape);
  let at = 0;
  for (const x of tensors) {
    if (x.numel() > 0) copyInto(op, out, at * strides[d], strides, x);
    at += x.shape[d];
  }
  return record(op, out, tensors, (g) => {
    let pos = 0;
    return tensors.map((x) => {
      const piece = x._requiresGrad ? slice(g, d, pos, pos + x.shape[d]) : null;
      pos += x.shape[d];
      return piece;
    });
  });
}

/** Stacks equal-shape tensors along a new dimension `dim`. */
export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  const op = 'stack';
  if (!Array.isArray(tensors) || tensors.length === 0) throw new TypeError(`${op}: expected a non-empty array of tensors`);
  tensors.forEach((x, i) => {
    checkTensor(op, `tensors[${i}]`, x);
    if (!sameShape(x.shape, tensors[0].shape)) {
      throw new RangeError(`${op}: expects each tensor to be equal size, but got ${formatShape(tensors[0].shape)} at entry 0 and ${formatShape(x.shape)} at entry ${i}`);
    }
  });
  const d = normalizeDim(op, dim, tensors[0].ndim, true);
  const parts = tensors.map((x) => unsqueeze(x, d));
  const out = cat(parts, d);
  if (!out.requiresGrad) for (const p of parts) p.dispose();
  return out;
}

/** Splits into pieces of `splitSize` (the last may be smaller) or of the listed sizes. */
export function split(x: Tensor, splitSizeOrSections: number | readonly number[], dim = 0): Tensor[] {
  const op = 'split';
  checkTensor(op, 'input', x);
  const d = normalizeDim(op, dim, x.ndim);
  const size = x.shape[d];
  let sizes: number[];
  if (typeof splitSizeOrSections === 'number') {
    checkInt(op, 'splitSize', splitSizeOrSections);
    if (splitSizeOrSections <= 0) throw new RangeError(`${op}: splitSize must be positive but received ${splitSizeOrSections}`);
    sizes = [];
    for (let s = 0; s < size; s += splitSizeOrSections) sizes.push(Math.min(splitSizeOrSections, size - s));
    if (size === 0) sizes = [0];
  } else {
    sizes = [...splitSizeOrSections];
    const sumSizes = sizes.reduce((a, b) => a + b, 0);
    if (sumSizes !== size || sizes.some((s) => !Number.isInteger(s) || s < 0)) {
      throw new RangeError(`${op}: split sizes ${formatShape(sizes)} do not sum to the size ${size} of dimension ${d}`);
    }
  }
  let pos = 0;
  return sizes.map((s) => {
    const piece = narrow(x, d, pos, s);
    pos += s;
    return piece;
  });
}

/** Splits into `chunks` pieces of (nearly) equal size along `dim`. */
export function chunk(x: Tensor, chunks: number, dim = 0): Tensor[] {
  checkTensor('chunk', 'input', x);
  checkInt('chunk', 'chunks', chunks);
  if (chunks <= 0) throw new RangeError(`chunk: chunks must be positive but received ${chunks}`);
  const d = normalizeDim('chunk', dim, x.ndim);
  return split(x, Math.max(1, Math.ceil(x.shape[d] / chunks)), d);
}

function checkIndexTensor(op: string, index: Tensor): void {
  checkTensor(op, 'index', index);
  if (index.dtype !== 'int32') throw new TypeError(`${op}: expected an int32 tensor for index but received ${index.dtype}`);
}

// indexSelect and gather: a native forward (kind 2 / 0) and its adjoint (kind 3 / 1), the
// native call's index errors renamed after the op and its output freed if it throws.
function indexed(op: string, x: Tensor, index: Tensor, outShape: readonly number[], kinds: [number, number], dims: [number, number, number, number]): Tensor {
  const [outer, r, k, inner] = dims;
  const src = x._contiguous ? x : x._materialize(op);
  const idx = index._contiguous ? index : index._materialize(op);
  const out = Tensor._empty(outShape, x.dtype);
  try {
    native.indexOp(kinds[0], out._handle(op), 0, src._handle(op), src._offset, idx._handle(op), idx._offset, outer, r, k, inner);
  } catch (err) {
    out.dispose();
    throw renameError(err, op);
  } finally {
    if (src !== x) src.dispose();
  }
  return record(op, out, [x], (g) => {
    const gi = Tensor._empty(x.shape, 'float32', true);
    const gc = g._contiguous ? g : g._materialize(op);
    native.indexOp(kinds[1], gi._handle(op), 0, gc._handle(op), gc._offset, idx._handle(op), idx._offset, outer, r, k, inner);
    return [gi];
  }, [index]);
}

/** Rows `index` (a 1-D int32 tensor) of `x` along `dim`. */
export function indexSelect(x: Tensor, dim: number, index: Tensor): Tensor {
  const op = 'indexSelect';
  checkTensor(op, 'input', x);
  checkIndexTensor(op, index);
  if (index.ndim > 1) throw new RangeError(`${op}: index should be 0-D or 1-D but has shape ${formatShape(index.shape)}`);
  const xs = x.ndim === 0 ? [1] : x.shape;
  const d = normalizeDim(op, dim, xs.length);
  const k = index.numel();
  const outer = prod(xs, 0, d), r = xs[d], inner = prod(xs, d + 1, xs.length);
  const shape = [...xs];
  shape[d] = k;
  return indexed(op, x, index, x.ndim === 0 ? [] : shape, [2, 3], [outer, r, k, inner]);
}

/** out[i][j] = x[i][index[i][j]] along `dim` (index has x's shape except along dim). */
export function gather(x: Tensor, dim: number, index: Tensor): Tensor {
  const op = 'gather';
  checkTensor(op, 'input', x);
  checkIndexTensor(op, index);
  if (index.ndim !== x.ndim) throw new RangeError(`${op}: index ${formatShape(index.shape)} and input ${formatShape(x.shape)} must have the same number of dimensions`);
  const d = normalizeDim(op, dim, Math.max(x.ndim, 1));
  for (let i = 0; i < x.ndim; i++) {
    if (i !== d && index.shape[i] !== x.shape[i]) {
      throw new RangeError(`${op}: not supported yet: index ${formatShape(index.shape)} smaller than input ${formatShape(x.shape)} outside dimension ${d}`);
    }
  }
  const xs = x.ndim === 0 ? [1] : x.shape;
  const outer = prod(xs, 0, d), r = xs[d], k = x.ndim === 0 ? 1 : index.shape[d], inner = prod(xs, d + 1, xs.length);
  return indexed(op, x, index, index.shape, [0, 1], [outer, r, k, inner]);
}

/**
 * Pads the last dims: `pad` lists (before, after) pairs starting from the last dimension, as
 * torch.nn.functional.pad. Constant mode only.
 */
export function pad(x: Tensor, padding: readonly number[], options: { mode?: 'constant'; value?: number } = {}): Tensor {
  const op = 'pad';
  checkTensor(op, 'input', x);
  if (!Array.isArray(padding) || padding.length % 2 !== 0 || padding.length / 2 > x.ndim) {
    throw new RangeError(`${op}: padding must be (before, after) pairs for at most ${x.ndim} dims but received ${describeValue(padding)}`);
  }
  const mode = options.mode ?? 'constant';
  if (mode !== 'constant') throw new Error(`${op}: not supported yet: mode '${String(mode)}'`);
  const value = checkNumber(op, 'value', options.value ?? 0);
  const before = new Array<number>(x.ndim).fill(0), after = new Array<number>(x.ndim).fill(0);
  for (let i = 0; i < padding.length / 2; i++) {
    const d = x.ndim - 1 - i;
    before[d] = checkInt(op, 'padding', padding[2 * i]);
    after[d] = checkInt(op, 'padding', padding[2 * i + 1]);
    if (before[d] < 0 || after[d] < 0) throw new Error(`${op}: not supported yet: negative padding`);
  }
  const shape = x.shape.map((s, d) => s + before[d] + after[d]);
  const out = Tensor._empty(shape, x.dtype, value === 0);
  if (value !== 0) native.fill(out._handle(op), 0, sizeOf(shape), value, DTYPE_CODE[x.dtype]);
  const strides = contiguousStrides(shape);
  const offset = before.reduce((acc, b, d) => acc + b * strides[d], 0);
  if (x.numel() > 0) copyInto(op, out, offset, strides, x);
  return record(op, out, [x], (g) => {
    const gc = g._contiguous ? g : g._materialize(op);
    return [copyStrided(op, gc, x.shape, strides, gc._offset + offset)];
  });
}

// ---- in place ----

/** Fills with zeros in place. */
export function zero_(x: Tensor): Tensor {
  beginInPlace('zero_', x);
  native.fill(x._handle('zero_'), x._offset, x.numel(), 0, DTYPE_CODE[x.dtype]);
  return x;
}

/** Fills with `value` in place. */
export function fill_(x: Tensor, value: number): Tensor {
  beginInPlace('fill_', x);
  native.fill(x._handle('fill_'), x._offset, x.numel(), checkNumber('fill_', 'value', value), DTYPE_CODE[x.dtype]);
  return x;
}

/** Copies `src` (broadcast to x's shape, converted to x's dtype) into x in place. */
export function copy_(x: Tensor, src: Tensor): Tensor {
  const op = 'copy_';
  checkTensor(op, 'src', src);
  beginInPlace(op, x, src);
  let s = src;
  if (src.dtype !== x.dtype) {
    s = Tensor._empty(src.shape, x.dtype);
    const c = src._contiguous ? src : src._materialize(op);
    native.cast(x.dtype === 'int32', s._handle(op), 0, c._handle(op), c._offset, src.numel());
    if (c !== src) c.dispose();
  }
  const e = expand(s, x.shape);
  copyInto(op, x, 0, contiguousStrides(x.shape), e);
  e.dispose();
  if (s !== src) s.dispose();
  return x;
}
