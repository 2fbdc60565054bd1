// Reductions over any set of dimensions (sum, mean, max/min with indices, argmax, var/std,
// logsumexp, prod) and sumTo, which folds a broadcast gradient back onto an input's shape.
import { record } from '../autograd.js';
import { native } from '../native.js';
import { contiguousStrides, formatShape, normalizeDim, prod, sameShape } from '../shape.js';
import { DTYPE_CODE, Tensor, writeStridedParams } from '../tensor.js';
import { BinaryCode, binaryRaw, whereRaw } from './binary.js';
import { castTo } from './cast.js';
import { scalar } from './creation.js';
import { checkTensor } from './util.js';

/** Native codes: the order of ReduceOp in native/kernels/reduce/reduce.h. */
const ReduceCode = { sum: 0, max: 1, min: 2, prod: 3, logsumexp: 4 } as const;

export type Dims = number | readonly number[] | undefined | null;

export interface ReduceOptions {
  dim?: Dims;
  keepdim?: boolean;
}

/** Sorted unique non-negative dims; all dims when `dim` is undefined/null. */
export function normalizeDims(op: string, dim: Dims, rank: number): number[] {
  if (dim === undefined || dim === null) return Array.from({ length: rank }, (_, i) => i);
  const list = typeof dim === 'number' ? [dim] : [...dim];
  const out = new Set<number>();
  for (const d of list) {
    const n = normalizeDim(op, d, rank);
    if (out.has(n)) throw new RangeError(`${op}: dim ${d} appears multiple times in the list of dims`);
    out.add(n);
  }
  return [...out].sort((a, b) => a - b);
}

function keptShape(shape: readonly number[], dims: readonly number[]): number[] {
  return shape.map((s, i) => (dims.includes(i) ? 1 : s));
}

function droppedShape(shape: readonly number[], dims: readonly number[]): number[] {
  return shape.filter((_, i) => !dims.includes(i));
}

/** @internal A contiguous tensor (itself, or a copy to dispose). */
function contiguous(op: string, t: Tensor): Tensor {
  return t._contiguous ? t : t._materialize(op);
}

/** @internal Reduce over `dims` with native op `code`, keepdim layout, no autograd. */
function reduceKeep(op: string, code: number, x: Tensor, dims: readonly number[]): Tensor {
  let cur = contiguous(op, x);
  let shape = [...x.shape];
  // Runs of adjacent dims reduce in one call as a merged axis; others one run at a time,
  // last first, so each call sees a contiguous (outer, r, inner) block.
  const runs: Array<[number, number]> = [];
  for (const d of dims) {
    const last = runs[runs.length - 1];
    if (last && last[1] === d - 1) last[1] = d;
    else runs.push([d, d]);
  }
  for (let i = runs.length - 1; i >= 0; i--) {
    const [d0, d1] = runs[i];
    const outer = prod(shape, 0, d0), r = prod(shape, d0, d1 + 1), inner = prod(shape, d1 + 1, shape.length);
    const next = shape.map((s, k) => (k >= d0 && k <= d1 ? 1 : s));
    const out = Tensor._empty(next, x.dtype);
    native.reduce(code, DTYPE_CODE[x.dtype], out._handle(op), 0, cur._handle(op), cur._offset, outer, r, inner);
    if (cur !== x) cur.dispose();
    cur = out;
    shape = next;
  }
  if (cur === x) {
    // No dims: a reduction over nothing is the identity (a copy).
    return x._materialize(op);
  }
  return cur;
}

function reshapeView(t: Tensor, shape: readonly number[]): Tensor {
  const v = Tensor._view(t, shape, null);
  t.dispose();
  return v;
}

/** @internal Broadcast `g` (keepdim layout) back to `shape` as a contiguous tensor. */
export function expandTo(g: Tensor, shape: readonly number[]): Tensor {
  const out = Tensor._empty(shape, g.dtype);
  const strides = shape.map((s, i) => (g.shape[i] === 1 && s !== 1 ? 0 : g._strides[i]));
  writeStridedParams(shape, [contiguousStrides(shape), strides]);
  native.copy(out._handle('expand'), 0, g._handle('expand'), g._offset);
  return out;
}

/** @internal Sum `g` over the dimensions that broadcasting added or stretched to reach `shape`. */
export function sumTo(g: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(g.shape, shape)) return g;
  const lead = g.shape.length - shape.length;
  const dims: number[] = [];
  for (let d = 0; d < g.shape.length; d++) {
    if (d < lead || (shape[d - lead] === 1 && g.shape[d] !== 1)) dims.push(d);
  }
  if (dims.length === 0) return reshapeView(g._materialize('sumTo'), shape);
  return reshapeView(reduceKeep('sumTo', ReduceCode.sum, g, dims), shape);
}

/** @internal `g` (contiguous or not) seen with `shape` of the same size: a view or a copy. */
export function viewAs(g: Tensor, shape: readonly number[]): Tensor {
  return Tensor._view(g._contiguous ? g : g._materialize('view'), shape, null);
}

function finishShape(t: Tensor, x: Tensor, dims: readonly number[], keepdim: boolean): Tensor {
  return keepdim ? t : reshapeView(t, droppedShape(x.shape, dims));
}

/**
 * Sum over `dim` (one dim, a list, or all when omitted); `keepdim` keeps them as size 1.
 *
 * @example
 * keel.tensor([[1, 2], [3, 4]]).sum({ dim: 1 }); // tensor([3., 7.])
 */
export function sum(x: Tensor, options: ReduceOptions = {}): Tensor {
  const op = 'sum';
  checkTensor(op, 'input', x);
  const dims = normalizeDims(op, options.dim, x.ndim);
  const keepdim = options.keepdim ?? false;
  const out = finishShape(reduceKeep(op, ReduceCode.sum, x, dims), x, dims, keepdim);
  return record(op, out, [x], (g) => [expandTo(viewAs(g, keptShape(x.shape, dims)), x.shape)]);
}

/** Mean over `dim` (all dims when omitted). */
export function mean(x: Tensor, options: ReduceOptions = {}): Tensor {
  const op = 'mean';
  checkTensor(op, 'input', x);
  if (x.dtype !== 'float32') throw new TypeError(`mean: expected a float32 tensor but received ${x.dtype}; convert with .float()`);
  const dims = normalizeDims(op, options.dim, x.ndim);
  const count = dims.reduce((n, d) => n * x.shape[d], 1);
  const s = sum(x, options);
  const out = Tensor._empty(s.shape);
  native.unary(25, out._handle(op), 0, s._handle(op), s._offset, s.numel(), 1 / count, 0);
  if (!s._requiresGrad) {
    s.dispose();
    return out;
  }
  return record(op, out, [s], (g) => {
    const gi = Tensor._empty(g.shape);
    const gc = g._contiguous ? g : g._materialize(op);
    native.unary(25, gi._handle(op), 0, gc._handle(op), gc._offset, gc.numel(), 1 / count, 0);
    return [gi];
  });
}

/** Product over `dim` (all dims when omitted). */
export function prodOf(x: Tensor, options: ReduceOptions = {}): Tensor {
  const op = 'prod';
  checkTensor(op, 'input', x);
  const dims = normalizeDims(op, options.dim, x.ndim);
  const out = finishShape(reduceKeep(op, ReduceCode.prod, x, dims), x, dims, options.keepdim ?? false);
  if (!x._requiresGrad) return out;
  // d prod / d x_i is the product of the others: prod / x_i when the slice has no zero; with
  // exactly one zero, the product of the non-zeros at that zero and 0 elsewhere; else 0.
  return record(op, out, [x], (g) => {
    const keep = keptShape(x.shape, dims);
    const isZero = castTo(binaryRaw(op, BinaryCode.eq, x, scalar(0)), 'float32');
    const zeros = reduceKeep(op, ReduceCode.sum, isZero, dims);
    const nonZero = whereRaw(isZero, scalar(1), x);
    const others = reduceKeep(op, ReduceCode.prod, nonZero, dims);
    const gk = viewAs(g, keep);
    const noZero = binaryRaw(op, BinaryCode.mul, gk, binaryRaw(op, BinaryCode.div, viewAs(out, keep), x));
    const oneZero = binaryRaw(op, BinaryCode.mul, binaryRaw(op, BinaryCode.mul, gk, others), isZero);
    const grad = whereRaw(binaryRaw(op, BinaryCode.eq, zeros, scalar(0)), noZero,
      whereRaw(binaryRaw(op, BinaryCode.eq, zeros, scalar(1)), oneZero, scalar(0)));
    return [expandTo(grad, x.shape)];
  }, [x, out]);
}

export interface MaxResult {
  values: Tensor;
  indices: Tensor;
}

function argReduce(op: string, isMax: boolean, x: Tensor, dim: number, keepdim: boolean, wantValues: boolean): { values: Tensor | null; indices: Tensor } {
  const c = contiguous(op, x);
  const d = normalizeDim(op, dim, Math.max(x.ndim, 1));
  const shape = x.ndim === 0 ? [1] : x.shape;
  const outer = prod(shape, 0, d), r = shape[d], inner = prod(shape, d + 1, shape.length);
  if (r === 0) throw new RangeError(`${op}: cannot reduce over dimension ${dim} of size 0 (shape ${formatShape(x.shape)})`);
  const outShape = x.ndim === 0 ? [] : keepdim ? keptShape(x.shape, [d]) : droppedShape(x.shape, [d]);
  const values = wantValues ? Tensor._empty(outShape, x.dtype) : null;
  const indices = Tensor._empty(outShape, 'int32');
  native.argReduce(isMax, DTYPE_CODE[x.dtype], values ? values._handle(op) : 0, 0, indices._handle(op), 0, c._handle(op), c._offset, outer, r, inner);
  if (c !== x) c.dispose();
  return { values, indices };
}

function maxMin(op: string, isMax: boolean, x: Tensor, dim: number | undefined, keepdim: boolean): Tensor | MaxResult {
  checkTensor(op, 'input', x);
  if (dim === undefined) {
    // Over everything: the value by the vectorized reduction.
    if (x.numel() === 0) throw new RangeError(`${op}: cannot reduce an empty tensor (shape ${formatShape(x.shape)})`);
    const all = x.shape.map((_, i) => i);
    const value = reshapeView(reduceKeep(op, isMax ? ReduceCode.max : ReduceCode.min, x, all), []);
    // As torch.max(): the gradient is shared evenly among the elements equal to the extreme.
    return record(op, value, [x], (g) => {
      const hits = castTo(binaryRaw(op, BinaryCode.eq, x, value), 'float32');
      const count = reduceKeep(op, ReduceCode.sum, hits, all);
      return [binaryRaw(op, BinaryCode.mul, hits, binaryRaw(op, BinaryCode.div, viewAs(g, count.shape), count))];
    }, [x, value]);
  }
  const d = normalizeDim(op, dim, Math.max(x.ndim, 1));
  const { values, indices } = argReduce(op, isMax, x, d, keepdim, true);
  const out = record(op, values!, [x], (g) => [scatterGrad(g, indices, x.shape, d, x.shape)], []);
  return { values: out, indices };
}

// Gradient of max/min along `dim` of `shape`: g placed at the winning indices, zeros elsewhere.
function scatterGrad(g: Tensor, indices: Tensor, shape: readonly number[], dim: number, outShape: readonly number[]): Tensor {
  const op = 'max';
  const gi = Tensor._empty(outShape, 'float32', true);
  const gc = g._contiguous ? g : g._materialize(op);
  const s = shape.length === 0 ? [1] : shape;
  const outer = prod(s, 0, dim), r = s[dim], inner = prod(s, dim + 1, s.length);
  native.indexOp(1, gi._handle(op), 0, gc._handle(op), gc._offset, indices._handle(op), indices._offset, outer, r, 1, inner);
  if (gc !== g) gc.dispose();
  return gi;
}

/** The maximum over everything, or `{values, indices}` along `dim`. NaN propagates. */
export function max(x: Tensor): Tensor;
export function max(x: Tensor, dim: number, options?: { keepdim?: boolean }): MaxResult;
export function max(x: Tensor, dim?: number, options: { keepdim?: boolean } = {}): Tensor | MaxResult {
  return maxMin('max', true, x, dim, options.keepdim ?? false);
}

/** The minimum over everything, or `{values, indices}` along `dim`. */
export function min(x: Tensor): Tensor;
export function min(x: Tensor, dim: number, options?: { keepdim?: boolean }): MaxResult;
export function min(x: Tensor, dim?: number, options: { keepdim?: boolean } = {}): Tensor | MaxResult {
  return maxMin('min', false, x, dim, options.keepdim ?? false);
}

function argExtreme(op: string, isMax: boolean, x: Tensor, options: { dim?: number; keepdim?: boolean }): Tensor {
  checkTensor(op, 'input', x);
  if (options.dim === undefined) {
    const flat = x._contiguous ? Tensor._view(x, [x.numel()], null) : reshapeView(x._materialize(op), [x.numel()]);
    const { indices } = argReduce(op, isMax, flat, 0, false, false);
    flat.dispose();
    return indices;
  }
  return argReduce(op, isMax, x, options.dim, options.keepdim ?? false, false).indices;
}

/** Index of the maximum (flattened when `dim` is omitted), int32. */
export const argmax = (x: Tensor, options: { dim?: number; keepdim?: boolean } = {}): Tensor => argExtreme('argmax', true, x, options);
/** Index of the minimum (flattened when `dim` is omitted), int32. */
export const argmin = (x: Tensor, options: { dim?: number; keepdim?: boolean } = {}): Tensor => argExtreme('argmin', false, x, options);

/** log(sum(exp(x))) over `dim`, computed stably (max-shifted). */
export function logsumexp(x: Tensor, options: ReduceOptions = {}): Tensor {
  const op = 'logsumexp';
  checkTensor(op, 'input', x);
  const dims = normalizeDims(op, options.dim, x.ndim);
  const kept = reduceKeep(op, ReduceCode.logsumexp, x, dims);
  const out = (options.keepdim ?? false) ? kept : Tensor._view(kept, droppedShape(x.shape, dims), null);
  if (out !== kept) kept.dispose();
  return record(op, out, [x], (g) => {
    // d lse / dx = exp(x - lse)
    const keep = keptShape(x.shape, dims);
    const lse = expandTo(viewAs(out, keep), x.shape);
    const gx = expandTo(viewAs(g, keep), x.shape);
    const xc = contiguous(op, x);
    const diff = Tensor._empty(x.shape);
    const strides = contiguousStrides(x.shape);
    writeStridedParams(x.shape, [strides, strides]);
    native.binary(1, 0, diff._handle(op), 0, xc._handle(op), xc._offset, lse._handle(op), 0);
    native.unary(2, diff._handle(op), 0, diff._handle(op), 0, diff.numel(), 0, 0);
    native.binary(2, 0, diff._handle(op), 0, diff._handle(op), 0, gx._handle(op), 0);
    return [diff];
  }, [x, out]);
}

