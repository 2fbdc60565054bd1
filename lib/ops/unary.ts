// Elementwise unary ops: one native call forward (native/kernels/elementwise), one fused
// native call backward computing grad * f'(x) from x and/or the output.
import { record } from '../autograd.js';
import { native } from '../native.js';
import { Tensor } from '../tensor.js';
import { BinaryCode, binaryRaw } from './binary.js';
import { castTo } from './cast.js';
import { scalar } from './creation.js';
import { checkNumber, checkTensor } from './util.js';

/** Native op codes: the order of UnaryOp in native/kernels/elementwise/elementwise.h. */
export const UnaryCode = {
  neg: 0, abs: 1, exp: 2, log: 3, sqrt: 4, rsqrt: 5, sigmoid: 6, tanh: 7, relu: 8, square: 9,
  reciprocal: 10, sign: 11, floor: 12, ceil: 13, round: 14, trunc: 15, sin: 16, cos: 17,
  log1p: 18, expm1: 19, erf: 20, gelu: 21, geluTanh: 22, silu: 23, softplus: 24, affine: 25,
  powScalar: 26, rpowScalar: 27, clamp: 28, leakyRelu: 29, elu: 30, hardtanh: 31,
} as const;

// Backward formulas that read the forward output rather than (only) the input.
const NEEDS_OUTPUT = new Set<number>([
  UnaryCode.exp, UnaryCode.sqrt, UnaryCode.rsqrt, UnaryCode.sigmoid, UnaryCode.tanh, UnaryCode.relu,
  UnaryCode.reciprocal, UnaryCode.expm1, UnaryCode.rpowScalar, UnaryCode.elu,
]);

// Ops whose gradient is g times a constant (affine's is its p0), so backward reads neither the
// input nor the output.
const INPUT_FREE_GRAD = new Map<number, number>([
  [UnaryCode.neg, -1], [UnaryCode.affine, NaN], [UnaryCode.sign, 0], [UnaryCode.floor, 0],
  [UnaryCode.ceil, 0], [UnaryCode.round, 0], [UnaryCode.trunc, 0],
]);

/** @internal A contiguous float32 version of `t` (itself when it already is one). */
export function contiguousFloat(op: string, t: Tensor): Tensor {
  const f = t.dtype === 'float32' ? t : castTo(t, 'float32');
  if (f._contiguous) return f;
  const c = f._materialize(op);
  if (f !== t) f.dispose();
  return c;
}

function releaseTemp(temp: Tensor, original: Tensor): void {
  if (temp !== original) temp.dispose();
}

// int32 inputs keep their dtype for these ops, as in PyTorch (the others compute in float32).
function intUnary(op: string, code: number, x: Tensor, p0: number, p1: number): Tensor | null {
  const int = (v: number): Tensor => scalar(v, 'int32');
  switch (code) {
    case UnaryCode.neg: return binaryRaw(op, BinaryCode.sub, int(0), x);
    case UnaryCode.abs: return binaryRaw(op, BinaryCode.maximum, x, binaryRaw(op, BinaryCode.sub, int(0), x));
    case UnaryCode.relu: return binaryRaw(op, BinaryCode.maximum, x, int(0));
    case UnaryCode.square: return binaryRaw(op, BinaryCode.mul, x, x);
    case UnaryCode.sign: return binaryRaw(op, BinaryCode.sub, binaryRaw(op, BinaryCode.gt, x, int(0)), binaryRaw(op, BinaryCode.lt, x, int(0)));
    case UnaryCode.floor: case UnaryCode.ceil: case UnaryCode.round: case UnaryCode.trunc: return x._materialize(op);
    case UnaryCode.clamp:
      if (!Number.isInteger(p0) && p0 !== -Infinity) return null;
      if (!Number.isInteger(p1) && p1 !== Infinity) return null;
      return binaryRaw(op, BinaryCode.minimum, binaryRaw(op, BinaryCode.maximum, x, int(Math.max(p0, -(2 ** 31)))), int(Math.min(p1, 2 ** 31 - 1)));
    default: return null;
  }
}

/** @internal Applies native unary op `code`; differentiable. */
export function unaryOp(op: string, code: number, x: Tensor, p0 = 0, p1 = 0): Tensor {
  checkTensor(op, 'input', x);
  if (x.dtype === 'int32') {
    const out = intUnary(op, code, x, p0, p1);
    if (out !== null) return out;
  }
  const src = contiguousFloat(op, x);
  const n = src.numel();
  const out = Tensor._empty(src.shape);
  native.unary(code, out._handle(op), 0, src._handle(op), src._offset, n, p0, p1);
  releaseTemp(src, x);
  if (!x._requiresGrad) return out;
  const scale = INPUT_FREE_GRAD.get(code);
  if (scale !== undefined) {
    // The gradient is a constant times g: nothing is saved, so the input may be freed early.
    const factor = code === UnaryCode.affine ? p0 : scale;
    return record(op, out, [x], (g) => {
      const gs = contiguousFloat(op, g);
      const gi = Tensor._empty(x.shape);
      native.unary(UnaryCode.affine, gi._handle(op), 0, gs._handle(op), gs._offset, n, factor, 0);
      return [gi];
    });
  }
  const needsOut = NEEDS_OUTPUT.has(code);
  return record(op, out, [x], (g) => {
    const gs = contiguousFloat(op, g);
    const xs = contiguousFloat(op, x);
    const gi = Tensor._empty(x.shape);
    native.unaryBackward(code, gi._handle(op), 0, gs._handle(op), gs._offset, xs._handle(op), xs._offset,
      needsOut ? out._handle(op) : 0, needsOut ? out._offset : 0, n, p0, p1);
    releaseTemp(gs, g);
    releaseTemp(xs, x);
    return [gi];
  }, needsOut ? [x, out] : [x]);
}

export const neg = (x: Tensor): Tensor => unaryOp('neg', UnaryCode.neg, x);
export const abs = (x: Tensor): Tensor => unaryOp('abs', UnaryCode.abs, x);
export const exp = (x: Tensor): Tensor => unaryOp('exp', UnaryCode.exp, x);
export const log = (x: Tensor): Tensor => unaryOp('log', UnaryCode.log, x);
export const sqrt = (x: Tensor): Tensor => unaryOp('sqrt', UnaryCode.sqrt, x);
export const rsqrt = (x: Tensor): Tensor => unaryOp('rsqrt', UnaryCode.rsqrt, x);
export const sigmoid = (x: Tensor): Tensor => unaryOp('sigmoid', UnaryCode.sigmoid, x);
export const tanh = (x: Tensor): Tensor => unaryOp('tanh', UnaryCode.tanh, x);
export const relu = (x: Tensor): Tensor => unaryOp('relu', UnaryCode.relu, x);
export const square = (x: Tensor): Tensor => unaryOp('square', UnaryCode.square, x);
export const reciprocal = (x: Tensor): Tensor => unaryOp('reciprocal', UnaryCode.reciprocal, x);
export const sign = (x: Tensor): Tensor => unaryOp('sign', UnaryCode.sign, x);
export const floor = (x: Tensor): Tensor => unaryOp('floor', UnaryCode.floor, x);
export const ceil = (x: Tensor): Tensor => unaryOp('ceil', UnaryCode.ceil, x);
export const round = (x: Tensor): Tensor => unaryOp('round', UnaryCode.round, x);
export const trunc = (x: Tensor): Tensor => unaryOp('trunc', UnaryCode.trunc, x);
export const sin = (x: Tensor): Tensor => unaryOp('sin', UnaryCode.sin, x);
export const cos = (x: Tensor): Tensor => unaryOp('cos', UnaryCode.cos, x);
export const log1p = (x: Tensor): Tensor => unaryOp('log1p', UnaryCode.log1p, x);
export const expm1 = (x: Tensor): Tensor => unaryOp('expm1', UnaryCode.expm1, x);
export const erf = (x: Tensor): Tensor => unaryOp('erf', UnaryCode.erf, x);
export const silu = (x: Tensor): Tensor => unaryOp('silu', UnaryCode.silu, x);

/** GELU; `approximate: 'tanh'` for the tanh form, as in PyTorch. */
export function gelu(x: Tensor, options: { approximate?: 'none' | 'tanh' } = {}): Tensor {
  const approximate = options.approximate ?? 'none';
  if (approximate !== 'none' && approximate !== 'tanh') {
    throw new TypeError(`gelu: expected 'none' or 'tanh' for approximate but received '${String(approximate)}'`);
  }
  return unaryOp('gelu', approximate === 'tanh' ? UnaryCode.geluTanh : UnaryCode.gelu, x);
}

/** log(1 + e^(beta x)) / beta, linear where beta x > threshold (PyTorch's defaults 1, 20). */
export function softplus(x: Tensor, options: { beta?: number; threshold?: number } = {}): Tensor {
  const beta = checkNumber('softplus', 'beta', options.beta ?? 1);
  const threshold = checkNumber('softplus', 'threshold', options.threshold ?? 20);
  return unaryOp('softplus', UnaryCode.softplus, x, beta, threshold);
}

/** Clamps into [min, max]; either bound may be omitted (null/undefined). */
export function clamp(x: Tensor, min?: number | null, max?: number | null): Tensor {
  const lo = min ?? -Infinity, hi = max ?? Infinity;
  checkNumber('clamp', 'min', lo);
  checkNumber('clamp', 'max', hi);
  if (min == null && max == null) throw new TypeError('clamp: at least one of min or max must be given');
  return unaryOp('clamp', UnaryCode.clamp, x, lo, hi);
}

export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  return unaryOp('leakyRelu', UnaryCode.leakyRelu, x, checkNumber('leakyRelu', 'negativeSlope', negativeSlope));
}

export function elu(x: Tensor, alpha = 1): Tensor {
  return unaryOp('elu', UnaryCode.elu, x, checkNumber('elu', 'alpha', alpha));
}

export function hardtanh(x: Tensor, minVal = -1, maxVal = 1): Tensor {
  return unaryOp('hardtanh', UnaryCode.hardtanh, x, checkNumber('hardtanh', 'minVal', minVal), checkNumber('hardtanh', 'maxVal', maxVal));
}
