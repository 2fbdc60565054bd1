// Wires the op functions into Tensor methods (x.add(y), x.sum({dim})) and into autograd's
// hooks, and re-exports them as functions. Imported once by lib/index.ts.
import { backward, type BackwardOptions, hooks, noGrad } from '../autograd.js';
import { Tensor, type DType } from '../tensor.js';
import { add, add_, div, div_, eq, ge, gt, le, lt, maximum, minimum, mul, mul_, ne, type Operand, pow, sub, sub_, where } from './binary.js';
import { to } from './cast.js';
import { filled } from './creation.js';
import { bmm, matmul, mm } from './matmul.js';
import { argmax, argmin, logsumexp, max, type MaxResult, mean, min, prodOf, type ReduceOptions, sum } from './reduce.js';
import {
  chunk, clone, contiguous, copy_, detach, expand, expandAs, fill_, flatten, gather, indexSelect, narrow, permute, reshape, slice,
  split, squeeze, t, transpose, unsqueeze, view, zero_,
} from './shape.js';
import { logSoftmax, softmax } from './softmax.js';
import { std, variance, type VarOptions } from './stats.js';
import {
  abs, ceil, clamp, cos, elu, erf, exp, expm1, floor, gelu, leakyRelu, log, log1p, neg, reciprocal, relu, round, rsqrt, sigmoid, sign,
  silu, sin, softplus, sqrt, square, tanh, trunc,
} from './unary.js';

hooks.add = (a, b) => add(a, b);
hooks.addInPlace = (a, b) => {
  noGrad(() => add_(a, b));
};
hooks.ones = (shape) => filled(shape, 1);
hooks.reshape = (x, shape) => reshape(x, shape);
hooks.clone = (x) => clone(x);

declare module '../tensor.js' {
  interface Tensor {
    add(other: Operand, options?: { alpha?: number }): Tensor;
    sub(other: Operand, options?: { alpha?: number }): Tensor;
    mul(other: Operand): Tensor;
    div(other: Operand): Tensor;
    pow(exponent: Operand): Tensor;
    maximum(other: Operand): Tensor;
    minimum(other: Operand): Tensor;
    eq(other: Operand): Tensor;
    ne(other: Operand): Tensor;
    lt(other: Operand): Tensor;
    le(other: Operand): Tensor;
    gt(other: Operand): Tensor;
    ge(other: Operand): Tensor;
    where(condition: Tensor, other: Operand): Tensor;
    neg(): Tensor;
    abs(): Tensor;
    exp(): Tensor;
    log(): Tensor;
    sqrt(): Tensor;
    rsqrt(): Tensor;
    sigmoid(): Tensor;
    tanh(): Tensor;
    relu(): Tensor;
    square(): Tensor;
    reciprocal(): Tensor;
    sign(): Tensor;
    floor(): Tensor;
    ceil(): Tensor;
    round(): Tensor;
    trunc(): Tensor;
    sin(): Tensor;
    cos(): Tensor;
    log1p(): Tensor;
    expm1(): Tensor;
    erf(): Tensor;
    gelu(options?: { approximate?: 'none' | 'tanh' }): Tensor;
    silu(): Tensor;
    softplus(options?: { beta?: number; threshold?: number }): Tensor;
    clamp(min?: number | null, max?: number | null): Tensor;
    leakyRelu(negativeSlope?: number): Tensor;
    elu(alpha?: number): Tensor;
    sum(options?: ReduceOptions): Tensor;
    mean(options?: ReduceOptions): Tensor;
    prod(options?: ReduceOptions): Tensor;
    max(): Tensor;
    max(dim: number, options?: { keepdim?: boolean }): MaxResult;
    min(): Tensor;
    min(dim: number, options?: { keepdim?: boolean }): MaxResult;
    argmax(options?: { dim?: number; keepdim?: boolean }): Tensor;
    argmin(options?: { dim?: number; keepdim?: boolean }): Tensor;
    logsumexp(options?: ReduceOptions): Tensor;
    var(options?: VarOptions): Tensor;
    std(options?: VarOptions): Tensor;
    softmax(dim: number): Tensor;
    logSoftmax(dim: number): Tensor;
    matmul(other: Tensor): Tensor;
    mm(other: Tensor): Tensor;
    bmm(other: Tensor): Tensor;
    reshape(...shape: Array<number | readonly number[]>): Tensor;
    view(...shape: Array<number | readonly number[]>): Tensor;
    flatten(startDim?: number, endDim?: number): Tensor;
    squeeze(dim?: number): Tensor;
    unsqueeze(dim: number): Tensor;
    expand(...sizes: Array<number | readonly number[]>): Tensor;
    expandAs(other: Tensor): Tensor;
    permute(...dims: Array<number | readonly number[]>): Tensor;
    transpose(dim0: number, dim1: number): Tensor;
    t(): Tensor;
    contiguous(): Tensor;
    clone(): Tensor;
    detach(): Tensor;
    slice(dim: number, start?: number, end?: number, step?: number): Tensor;
    narrow(dim: number, start: number, length: number): Tensor;
    split(splitSizeOrSections: number | readonly number[], dim?: number): Tensor[];
    chunk(chunks: number, dim?: number): Tensor[];
    indexSelect(dim: number, index: Tensor): Tensor;
    gather(dim: number, index: Tensor): Tensor;
    add_(other: Operand, options?: { alpha?: number }): Tensor;
    sub_(other: Operand): Tensor;
    mul_(other: Operand): Tensor;
    div_(other: Operand): Tensor;
    zero_(): Tensor;
    fill_(value: number): Tensor;
    copy_(src: Tensor): Tensor;
    to(dtype: DType): Tensor;
    float(): Tensor;
    int(): Tensor;
    backward(gradient?: Tensor | null, options?: BackwardOptions): void;
    /** True when shapes and every value are equal. */
    equal(other: Tensor): boolean;
    /** True when |a - b| <= atol + rtol * |b| everywhere (NaN equal to NaN only with equalNan). */
    allclose(other: Tensor, options?: { rtol?: number; atol?: number; equalNan?: boolean }): boolean;
  }
}

const methods: Partial<Record<keyof Tensor, unknown>> & ThisType<Tensor> = {
  add(other: Operand, options?: { alpha?: number }) { return add(this, other, options); },
  sub(other: Operand, options?: { alpha?: number }) { return sub(this, other, options); },
  mul(other: Operand) { return mul(this, other); },
  div(other: Operand) { return div(this, other); },
  pow(exponent: Operand) { return pow(this, exponent); },
  maximum(other: Operand) { return maximum(this, other); },
  minimum(other: Operand) { return minimum(this, other); },
  eq(other: Operand) { return eq(this, other); },
  ne(other: Operand) { return ne(this, other); },
  lt(other: Operand) { return lt(this, other); },
  le(other: Operand) { return le(this, other); },
  gt(other: Operand) { return gt(this, other); },
  ge(other: Operand) { return ge(this, other); },
  where(condition: Tensor, other: Operand) { return where(condition, this, other); },
  neg() { return neg(this); },
  abs() { return abs(this); },
  exp() { return exp(this); },
  log() { return log(this); },
  sqrt() { return sqrt(this); },
  rsqrt() { return rsqrt(this); },
  sigmoid() { return sigmoid(this); },
  tanh() { return tanh(this); },
  relu() { return relu(this); },
  square() { return square(this); },
  reciprocal() { return reciprocal(this); },
  sign() { return sign(this); },
  floor() { return floor(this); },
  ceil() { return ceil(this); },
  round() { return round(this); },
  trunc() { return trunc(this); },
  sin() { return sin(this); },
  cos() { return cos(this); },
  log1p() { return log1p(this); },
  expm1() { return expm1(this); },
  erf() { return erf(this); },
  gelu(options?: { approximate?: 'none' | 'tanh' }) { return gelu(this, options); },
  silu() { return silu(this); },
  softplus(options?: { beta?: number; threshold?: number }) { return softplus(this, options); },
  clamp(lo?: number | null, hi?: number | null) { return clamp(this, lo, hi); },
  leakyRelu(slope?: number) { return leakyRelu(this, slope); },
  elu(alpha?: number) { return elu(this, alpha); },
  sum(options?: ReduceOptions) { return sum(this, options); },
  mean(options?: ReduceOptions) { return mean(this, options); },
  prod(options?: ReduceOptions) { return prodOf(this, options); },
  max(dim?: number, options?: { keepdim?: boolean }) { return dim === undefined ? max(this) : max(this, dim, options); },
  min(dim?: number, options?: { keepdim?: boolean }) { return dim === undefined ? min(this) : min(this, dim, options); },
  argmax(options?: { dim?: number; keepdim?: boolean }) { return argmax(this, options); },
  argmin(options?: { dim?: number; keepdim?: boolean }) { return argmin(this, options); },
  logsumexp(options?: ReduceOptions) { return logsumexp(this, options); },
  var(options?: VarOptions) { return variance(this, options); },
  std(options?: VarOptions) { return std(this, options); },
  softmax(dim: number) { return softmax(this, dim); },
  logSoftmax(dim: number) { return logSoftmax(this, dim); },
  matmul(other: Tensor) { return matmul(this, other); },
  mm(other: Tensor) { return mm(this, other); },
  bmm(other: Tensor) { return bmm(this, other); },
  reshape(...shape: Array<number | readonly number[]>) { return reshape(this, ...shape); },
  view(...shape: Array<number | readonly number[]>) { return view(this, ...shape); },
  flatten(startDim?: number, endDim?: number) { return flatten(this, startDim, endDim); },
  squeeze(dim?: number) { return squeeze(this, dim); },
  unsqueeze(dim: number) { return unsqueeze(this, dim); },
  expand(...sizes: Array<number | readonly number[]>) { return expand(this, ...sizes); },
  expandAs(other: Tensor) { return expandAs(this, other); },
  permute(...dims: Array<number | readonly number[]>) { return permute(this, ...dims); },
  transpose(d0: number, d1: number) { return transpose(this, d0, d1); },
  t() { return t(this); },
  contiguous() { return contiguous(this); },
  clone() { return clone(this); },
  detach() { return detach(this); },
  slice(dim: number, start?: number, end?: number, step?: number) { return slice(this, dim, start, end, step); },
  narrow(dim: number, start: number, length: number) { return narrow(this, dim, start, length); },
  split(s: number | readonly number[], dim?: number) { return split(this, s, dim); },
  chunk(chunks: number, dim?: number) { return chunk(this, chunks, dim); },
  indexSelect(dim: number, index: Tensor) { return indexSelect(this, dim, index); },
  gather(dim: number, index: Tensor) { return gather(this, dim, index); },
  add_(other: Operand, options?: { alpha?: number }) { return add_(this, other, options); },
  sub_(other: Operand) { return sub_(this, other); },
  mul_(other: Operand) { return mul_(this, other); },
  div_(other: Operand) { return div_(this, other); },
  zero_() { return zero_(this); },
  fill_(value: number) { return fill_(this, value); },
  copy_(src: Tensor) { return copy_(this, src); },
  to(dtype: DType) { return to(this, dtype); },
  float() { return to(this, 'float32'); },
  int() { return to(this, 'int32'); },
  backward(gradient?: Tensor | null, options?: BackwardOptions) { backward(this, gradient, options); },
  equal(other: Tensor) {
    if (!(other instanceof Tensor) || other.shape.length !== this.shape.length || other.shape.some((d, i) => d !== this.shape[i])) return false;
    const a = this.toTypedArray(), b = other.toTypedArray();
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  },
  allclose(other: Tensor, options: { rtol?: number; atol?: number; equalNan?: boolean } = {}) {
    const rtol = options.rtol ?? 1e-5, atol = options.atol ?? 1e-8;
    if (!(other instanceof Tensor)) return false;
    const a = this.toFloat32Array(), b = other.toFloat32Array();
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) {
      if (Number.isNaN(a[i]) || Number.isNaN(b[i])) {
        if (!(options.equalNan && Number.isNaN(a[i]) && Number.isNaN(b[i]))) return false;
        continue;
      }
      if (a[i] === b[i]) continue;
      if (!(Math.abs(a[i] - b[i]) <= atol + rtol * Math.abs(b[i]))) return false;
    }
    return true;
  },
};

for (const [name, fn] of Object.entries(methods)) {
  Object.defineProperty(Tensor.prototype, name, { value: fn, writable: true, configurable: true, enumerable: false });
}

