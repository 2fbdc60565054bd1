// Elementwise binary ops with NumPy broadcasting, comparisons, where(), and the in-place
// arithmetic optimizers use. A JS number operand becomes a 0-d tensor, except where a scalar
// kernel does the same job (x + 1, x * 2 run as one affine map).
import { isGradEnabled, record } from '../autograd.js';
import { native } from '../native.js';
import { broadcastShapes, broadcastStrides, formatShape, sameShape } from '../shape.js';
import { DTYPE_CODE, type DType, params, Tensor, writeStridedParams } from '../tensor.js';
import { describeValue } from '../validate.js';
import { castTo } from './cast.js';
import { scalar } from './creation.js';
import { sumTo } from './reduce.js';
import { UnaryCode, unaryOp } from './unary.js';
import { checkTensor, promote } from './util.js';

/** Native op codes: the order of BinaryOp in native/kernels/elementwise/elementwise.h. */
export const BinaryCode = { add: 0, sub: 1, mul: 2, div: 3, maximum: 4, minimum: 5, pow: 6, eq: 7, ne: 8, lt: 9, le: 10, gt: 11, ge: 12 } as const;

export type Operand = Tensor | number;

function asTensor(op: string, name: string, value: Operand, like: DType): Tensor {
  if (value instanceof Tensor) return checkTensor(op, name, value);
  if (typeof value === 'number') return scalar(value, like === 'int32' && Number.isInteger(value) ? 'int32' : 'float32');
  if (typeof value === 'boolean') return scalar(value ? 1 : 0, like);
  throw new TypeError(`${op}: expected a Tensor or a number for ${name} but received ${describeValue(value)}`);
}

function dispose(temp: Tensor, original: Operand): void {
  if (temp !== original) temp.dispose();
}

function broadcastShape(op: string, a: readonly number[], b: readonly number[]): number[] {
  const shape = broadcastShapes(a, b);
  if (shape === null) {
    throw new RangeError(`${op}: shapes ${formatShape(a)} and ${formatShape(b)} cannot be broadcast together`);
  }
  return shape;
}

/** @internal a op b without autograd; comparisons give int32, int32 div/pow give float32. */
export function binaryRaw(op: string, code: number, a: Tensor, b: Tensor, out?: Tensor): Tensor {
  if (a.dtype === b.dtype && a._contiguous && b._contiguous && sameShape(a.shape, b.shape) &&
      !(a.dtype === 'int32' && (code === BinaryCode.div || code === BinaryCode.pow))) {
    // The common case (same shapes, no broadcasting): one flat loop, no stride arrays.
    const result = out ?? Tensor._empty(a.shape, code >= BinaryCode.eq ? 'int32' : a.dtype);
    params[0] = 1; // rank 1: [n] with unit strides for both operands
    params[1] = a.numel();
    params[2] = 1;
    params[3] = 1;
    native.binary(code, DTYPE_CODE[a.dtype], result._handle(op), result._offset, a._handle(op), a._offset, b._handle(op), b._offset);
    return result;
  }
  const shape = broadcastShape(op, a.shape, b.shape);
  let dtype = promote(a.dtype, b.dtype);
  if (dtype === 'int32' && (code === BinaryCode.div || code === BinaryCode.pow)) dtype = 'float32';
  const aa = a.dtype === dtype ? a : castTo(a, dtype);
  const bb = b.dtype === dtype ? b : castTo(b, dtype);
  const result = out ?? Tensor._empty(shape, code >= BinaryCode.eq ? 'int32' : dtype);
  writeStridedParams(shape, [broadcastStrides(aa.shape, aa._strides, shape), broadcastStrides(bb.shape, bb._strides, shape)]);
  native.binary(code, DTYPE_CODE[dtype], result._handle(op), result._offset, aa._handle(op), aa._offset, bb._handle(op), bb._offset);
  if (aa !== a) aa.dispose();
  if (bb !== b) bb.dispose();
  return result;
}

function binaryOp(op: string, code: number, a: Operand, b: Operand, backward: (g: Tensor, ta: Tensor, tb: Tensor, out: Tensor) => [Tensor | null, Tensor | null], saveInputs: boolean): Tensor {
  const likeDtype = a instanceof Tensor ? a.dtype : b instanceof Tensor ? b.dtype : 'float32';
  if (!(a instanceof Tensor) && !(b instanceof Tensor)) {
    throw new TypeError(`${op}: expected at least one Tensor operand but received ${describeValue(a)} and ${describeValue(b)}`);
  }
  const ta = asTensor(op, 'input', a, likeDtype);
  const tb = asTensor(op, 'other', b, likeDtype);
  const out = binaryRaw(op, code, ta, tb);
  if (!ta._requiresGrad && !tb._requiresGrad) {
    dispose(ta, a);
    dispose(tb, b);
    return out;
  }
  return record(op, out, [ta, tb], (g) => {
    const [ga, gb] = backward(g, ta, tb, out);
    return [ga && ta._requiresGrad ? sumTo(ga, ta.shape) : null, gb && tb._requiresGrad ? sumTo(gb, tb.shape) : null];
  }, saveInputs ? [ta, tb] : []);
}

const mulRaw = (a: Tensor, b: Tensor): Tensor => binaryRaw('mul', BinaryCode.mul, a, b);
const divRaw = (a: Tensor, b: Tensor): Tensor => binaryRaw('div', BinaryCode.div, a, b);
const negRaw = (a: Tensor): Tensor => unaryOp('neg', UnaryCode.neg, a);

/**
 * a + alpha * b with broadcasting.
 *
 * @example
 * keel.tensor([1, 2]).add(keel.tensor([[10], [20]])); // [[11, 12], [21, 22]]
 */
export function add(a: Operand, b: Operand, options: { alpha?: number } = {}): Tensor {
  const alpha = options.alpha ?? 1;
  if (alpha !== 1) return add(a, mul(b, alpha));
  if (a instanceof Tensor && typeof b === 'number' && a.dtype === 'float32') return unaryOp('add', UnaryCode.affine, a, 1, b);
  if (b instanceof Tensor && typeof a === 'number' && b.dtype === 'float32') return unaryOp('add', UnaryCode.affine, b, 1, a);
  return binaryOp('add', BinaryCode.add, a, b, (g) => [g, g], false);
}

/** a - alpha * b with broadcasting. */
export function sub(a: Operand, b: Operand, options: { alpha?: number } = {}): Tensor {
  const alpha = options.alpha ?? 1;
  if (alpha !== 1) return sub(a, mul(b, alpha));
  if (a instanceof Tensor && typeof b === 'number' && a.dtype === 'float32') return unaryOp('sub', UnaryCode.affine, a, 1, -b);
  if (b instanceof Tensor && typeof a === 'number' && b.dtype === 'float32') return unaryOp('sub', UnaryCode.affine, b, -1, a);
  return binaryOp('sub', BinaryCode.sub, a, b, (g) => [g, negRaw(g)], false);
}

/** a * b with broadcasting. */
export function mul(a: Operand, b: Operand): Tensor {
  if (a instanceof Tensor && typeof b === 'number' && a.dtype === 'float32') return unaryOp('mul', UnaryCode.affine, a, b, 0);
  if (b instanceof Tensor && typeof a === 'number' && b.dtype === 'float32') return unaryOp('mul', UnaryCode.affine, b, a, 0);
  return binaryOp('mul', BinaryCode.mul, a, b, (g, ta, tb) => [
    ta._requiresGrad ? mulRaw(g, tb) : null,
    tb._requiresGrad ? mulRaw(g, ta) : null,
  ], true);
}

/** a / b (true division: int32 operands give float32). */
export function div(a: Operand, b: Operand): Tensor {
  return binaryOp('div', BinaryCode.div, a, b, (g, ta, tb, out) => [
    ta._requiresGrad ? divRaw(g, tb) : null,
    tb._requiresGrad ? negRaw(divRaw(mulRaw(g, out), tb)) : null,
  ], true);
}

// Gradient split of max/min: all to the winner, half each on ties (as PyTorch).
function tieWeights(op: string, win: number, a: Tensor, b: Tensor): Tensor {
  const w = castTo(binaryRaw(op, win, a, b), 'float32');
  const tie = castTo(binaryRaw(op, BinaryCode.eq, a, b), 'float32');
  return binaryRaw(op, BinaryCode.add, w, unaryOp(op, UnaryCode.affine, tie, 0.5, 0));
}

/** Elementwise maximum (NaN wins, as in PyTorch). */
export function maximum(a: Operand, b: Operand): Tensor {
  return binaryOp('maximum', BinaryCode.maximum, a, b, (g, ta, tb) => [
    ta._requiresGrad ? mulRaw(g, tieWeights('maximum', BinaryCode.gt, ta, tb)) : null,
    tb._requiresGrad ? mulRaw(g, tieWeights('maximum', BinaryCode.gt, tb, ta)) : null,
  ], true);
}

/** Elementwise minimum (NaN wins). */
export function minimum(a: Operand, b: Operand): Tensor {
  return binaryOp('minimum', BinaryCode.minimum, a, b, (g, ta, tb) => [
    ta._requiresGrad ? mulRaw(g, tieWeights('minimum', BinaryCode.lt, ta, tb)) : null,
    tb._requiresGrad ? mulRaw(g, tieWeights('minimum', BinaryCode.lt, tb, ta)) : null,
  ], true);
}

/** a ** b. A number exponent or base runs as one scalar kernel. */
export function pow(a: Operand, b: Operand): Tensor {
  if (a instanceof Tensor && typeof b === 'number') {
    if (b === 2) return unaryOp('pow', UnaryCode.square, a);
    return unaryOp('pow', UnaryCode.powScalar, a, b);
  }
  if (b instanceof Tensor && typeof a === 'number') return unaryOp('pow', UnaryCode.rpowScalar, b, a);
  return binaryOp('pow', BinaryCode.pow, a, b, (g, ta, tb, out) => {
    let ga: Tensor | null = null, gb: Tensor | null = null;
    if (ta._requiresGrad) {
      const bm1 = unaryOp('pow', UnaryCode.affine, tb, 1, -1);
      ga = mulRaw(mulRaw(g, tb), binaryRaw('pow', BinaryCode.pow, ta, bm1));
    }
    if (tb._requiresGrad) {
      // d/db a^b = a^b log a, taken as 0 where a == 0 (the limit for b > 0), as PyTorch does.
      const raw = mulRaw(mulRaw(g, out), unaryOp('pow', UnaryCode.log, ta));
      gb = where(binaryRaw('pow', BinaryCode.eq, ta, scalar(0)), 0, raw);
    }
    return [ga, gb];
  }, true);
}

function compare(op: string, code: number, a: Operand, b: Operand): Tensor {
  const like = a instanceof Tensor ? a.dtype : b instanceof Tensor ? b.dtype : 'float32';
  if (!(a instanceof Tensor) && !(b instanceof Tensor)) throw new TypeError(`${op}: expected at least one Tensor operand`);
  const ta = asTensor(op, 'input', a, like), tb = asTensor(op, 'other', b, like);
  const out = binaryRaw(op, code, ta, tb);
  dispose(ta, a);
  dispose(tb, b);
  return out;
}

/** Elementwise comparisons: int32 tensors of 1 and 0 (Keel has no bool dtype). */
export const eq = (a: Operand, b: Operand): Tensor => compare('eq', BinaryCode.eq, a, b);
export const ne = (a: Operand, b: Operand): Tensor => compare('ne', BinaryCode.ne, a, b);
export const lt = (a: Operand, b: Operand): Tensor => compare('lt', BinaryCode.lt, a, b);
export const le = (a: Operand, b: Operand): Tensor => compare('le', BinaryCode.le, a, b);
export const gt = (a: Operand, b: Operand): Tensor => compare('gt', BinaryCode.gt, a, b);
export const ge = (a: Operand, b: Operand): Tensor => compare('ge', BinaryCode.ge, a, b);

/** @internal where() without autograd. */
export function whereRaw(cond: Tensor, a: Tensor, b: Tensor): Tensor {
  const op = 'where';
  const shape = broadcastShape(op, broadcastShape(op, cond.shape, a.shape), b.shape);
  const c = cond.dtype === 'int32' ? cond : binaryRaw(op, BinaryCode.ne, cond, scalar(0));
  const dtype = promote(a.dtype, b.dtype);
  const aa = a.dtype === dtype ? a : castTo(a, dtype), bb = b.dtype === dtype ? b : castTo(b, dtype);
  const out = Tensor._empty(shape, dtype);
  writeStridedParams(shape, [
    broadcastStrides(c.shape, c._strides, shape), broadcastStrides(aa.shape, aa._strides, shape), broadcastStrides(bb.shape, bb._strides, shape),
  ]);
  native.where(out._handle(op), 0, c._handle(op), c._offset, aa._handle(op), aa._offset, bb._handle(op), bb._offset);
  if (c !== cond) c.dispose();
  if (aa !== a) aa.dispose();
  if (bb !== b) bb.dispose();
  return out;
}

/** `input` where `condition` is non-zero, else `other`, with broadcasting. */
export function where(condition: Tensor, input: Operand, other: Operand): Tensor {
  const op = 'where';
  checkTensor(op, 'condition', condition);
  const like = input instanceof Tensor ? input.dtype : other instanceof Tensor ? other.dtype : 'float32';
  const ta = asTensor(op, 'input', input, like), tb = asTensor(op, 'other', other, like);
  const out = whereRaw(condition, ta, tb);
  if (!ta._requiresGrad && !tb._requiresGrad) {
    dispose(ta, input);
    dispose(tb, other);
    return out;
  }
  return record(op, out, [ta, tb], (g) => {
    const zero = scalar(0);
    return [
      ta._requiresGrad ? sumTo(whereRaw(condition, g, zero), ta.shape) : null,
      tb._requiresGrad ? sumTo(whereRaw(condition, zero, g), tb.shape) : null,
    ];
  }, [condition]);
}

// ---- in place ----

/** @internal Checks an in-place op is allowed and bumps the storage version. */
export function beginInPlace(op: string, self: Tensor, other?: Tensor): void {
  checkTensor(op, 'self', self);
  if (isGradEnabled() && (self._requiresGrad || other?._requiresGrad)) {
    if (self._requiresGrad && self.isLeaf) {
      throw new Error(`${op}: a leaf tensor that requires grad is being used in an in-place operation; wrap it in noGrad()`);
    }
    throw new Error(`${op}: not supported yet: in-place ops on tensors that require grad; use the out-of-place op`);
  }
  if (!self._contiguous) throw new Error(`${op}: in-place ops need a contiguous tensor (this one is expanded); call contiguous() first`);
  self._storage.version++;
}

function inPlace(op: string, code: number, self: Tensor, other: Operand): Tensor {
  const o = asTensor(op, 'other', other, self.dtype);
  beginInPlace(op, self, o);
  const shape = broadcastShape(op, self.shape, o.shape);
  if (!sameShape(shape, self.shape)) {
    throw new RangeError(`${op}: output with shape ${formatShape(self.shape)} doesn't match the broadcast shape ${formatShape(shape)}`);
  }
  if (self.dtype === 'int32' && (promote(self.dtype, o.dtype) === 'float32' || code === BinaryCode.div)) {
    throw new TypeError(`${op}: result type float32 can't be cast to the int32 tensor being written in place`);
  }
  binaryRaw(op, code, self, o, self);
  dispose(o, other);
  return self;
}

/** self += alpha * other, in place (no autograd). */
export function add_(self: Tensor, other: Operand, options: { alpha?: number } = {}): Tensor {
  const alpha = options.alpha ?? 1;
  if (alpha !== 1) {
    const scaled = other instanceof Tensor ? unaryOp('add_', UnaryCode.affine, other, alpha, 0) : other * alpha;
    inPlace('add_', BinaryCode.add, self, scaled);
    if (scaled instanceof Tensor) scaled.dispose();
    return self;
  }
  return inPlace('add_', BinaryCode.add, self, other);
}
export const sub_ = (self: Tensor, other: Operand): Tensor => inPlace('sub_', BinaryCode.sub, self, other);
export const mul_ = (self: Tensor, other: Operand): Tensor => inPlace('mul_', BinaryCode.mul, self, other);
export const div_ = (self: Tensor, other: Operand): Tensor => inPlace('div_', BinaryCode.div, self, other);
