// torch.nn.functional in camelCase: layers as functions of tensors (the nn modules call these).
// Convolution, pooling and batch norm run native kernels (native/kernels/{conv,pool,norm});
// the rest is built from tensor ops.
import { isGradEnabled, record } from '../autograd.js';
import { native } from '../native.js';
import { formatShape, sizeOf } from '../shape.js';
import { params, Tensor } from '../tensor.js';
import { describeValue } from '../validate.js';
import { BinaryCode, binaryRaw, mul, where } from '../ops/binary.js';
import { bernoulliMask } from '../ops/creation.js';
import { gemmBatched } from '../ops/matmul.js';
import { sumTo } from '../ops/reduce.js';
import { pad as padOp, reshape } from '../ops/shape.js';
import { contiguousFloat } from '../ops/unary.js';
import { checkTensor } from '../ops/util.js';

export { elu, gelu, hardtanh, leakyRelu, relu, sigmoid, silu, softplus, tanh } from '../ops/unary.js';
export { logSoftmax, softmax } from '../ops/softmax.js';
export {
  binaryCrossEntropy, binaryCrossEntropyWithLogits, crossEntropy, huberLoss, klDiv, l1Loss, mseLoss, nllLoss, smoothL1Loss,
} from './losses.js';

type Pair = number | readonly [number, number];

function pair(op: string, name: string, value: Pair, min: number): [number, number] {
  const v: [number, number] = typeof value === 'number' ? [value, value] : Array.isArray(value) && value.length === 2 ? [value[0], value[1]] : [NaN, NaN];
  for (const x of v) {
    if (!Number.isInteger(x) || x < min) {
      throw new RangeError(`${op}: expected ${min > 0 ? 'a positive' : 'a non-negative'} integer or a pair of them for ${name} but received ${describeValue(value)}`);
    }
  }
  return v;
}

/** The tensor as (N, C, H, W): adds a batch dim to a 3-D input (removed again by `finish`). */
function batched(op: string, x: Tensor, ranks: [number, number]): { x4: Tensor; unbatched: boolean } {
  if (x.ndim !== ranks[0] && x.ndim !== ranks[1]) {
    throw new RangeError(`${op}: expected a ${ranks[0]}-D or ${ranks[1]}-D input but got shape ${formatShape(x.shape)}`);
  }
  return x.ndim === ranks[0] ? { x4: reshape(x, [1, ...x.shape]), unbatched: true } : { x4: x, unbatched: false };
}

function unbatch(t: Tensor, unbatched: boolean): Tensor {
  return unbatched ? reshape(t, t.shape.slice(1)) : t;
}

// ---- linear ----

/**
 * y = x Wᵀ + b with weight [out, in] (PyTorch's layout) on the packed GEMM, the transpose a
 * GEMM flag rather than a copy.
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  const op = 'linear';
  checkTensor(op, 'input', x);
  checkTensor(op, 'weight', weight);
  if (weight.ndim !== 2) throw new RangeError(`${op}: expected a 2-D weight [out, in] but got ${formatShape(weight.shape)}`);
  const [outF, inF] = weight.shape;
  if (x.ndim < 1 || x.shape[x.ndim - 1] !== inF) {
    throw new RangeError(`${op}: input of shape ${formatShape(x.shape)} does not match weight ${formatShape(weight.shape)} (expected last dim ${inF})`);
  }
  if (bias != null) {
    checkTensor(op, 'bias', bias);
    if (bias.ndim !== 1 || bias.shape[0] !== outF) throw new RangeError(`${op}: bias of shape ${formatShape(bias.shape)} does not match ${outF} outputs`);
  }
  const rows = x.numel() / Math.max(inF, 1);
  const outShape = [...x.shape.slice(0, -1), outF];
  const x2 = contiguousFloat(op, x);
  const w2 = contiguousFloat(op, weight);
  const out = Tensor._empty(outShape);
  let beta = 0;
  if (bias != null && rows > 0) {
    // Seed the output with the bias rows, then let the GEMM add onto it (beta = 1).
    const b2 = contiguousFloat(op, bias);
    params[0] = 2; params[1] = rows; params[2] = outF; params[3] = outF; params[4] = 1; params[5] = 0; params[6] = 1;
    native.copy(out._handle(op), 0, b2._handle(op), b2._offset);
    if (b2 !== bias) b2.dispose();
    beta = 1;
  }
  native.matmul(false, true, rows, outF, inF, x2._handle(op), x2._offset, inF, 0, w2._handle(op), w2._offset, inF, 0,
    out._handle(op), 0, outF, 0, 1, 1, beta);
  if (x2 !== x) x2.dispose();
  if (w2 !== weight) w2.dispose();
  return record(op, out, [x, weight, bias ?? null], (g) => {
    const g2 = reshape(contiguousFloat(op, g), [rows, outF]);
    const xm = reshape(contiguousFloat(op, x), [rows, inF]);
    const gx = x._requiresGrad ? reshape(gemmBatched(op, g2, false, weight, false, []), x.shape) : null;
    const gw = weight._requiresGrad ? gemmBatched(op, g2, true, xm, false, []) : null;
    const gb = bias != null && bias._requiresGrad ? sumTo(g2, [outF]) : null;
    return [gx, gw, gb];
  }, [x, weight]);
}

// ---- convolution ----

export interface ConvOptions {
  stride?: Pair;
  /** Zero padding per side, or 'same' (stride 1; odd totals pad the extra on the bottom/right, as PyTorch) or 'valid'. */
  padding?: Pair | 'same' | 'valid';
  dilation?: Pair;
  groups?: number;
}

function convOutput(inSize: number, k: number, s: number, p: number, d: number): number {
  const span = d * (k - 1) + 1;
  return inSize + 2 * p < span ? 0 : Math.floor((inSize + 2 * p - span) / s) + 1;
}

/**
 * 2-D convolution (cross-correlation, as PyTorch) of x [N, C, H, W] (or [C, H, W]) with weight
 * [O, C/groups, kh, kw] and an optional bias [O]: im2col + packed GEMM, 1x1 without im2col.
 */
export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null, options: ConvOptions = {}): Tensor {
  const op = 'conv2d';
  checkTensor(op, 'input', x);
  checkTensor(op, 'weight', weight);
  const { x4, unbatched } = batched(op, x, [3, 4]);
  if (weight.ndim !== 4) throw new RangeError(`${op}: expected a 4-D weight [out, in/groups, kh, kw] but got ${formatShape(weight.shape)}`);
  const groups = options.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1) throw new RangeError(`${op}: expected a positive integer for groups but received ${describeValue(groups)}`);
  const [n, c, h, w] = x4.shape;
  const [o, cg, kh, kw] = weight.shape;
  if (c !== cg * groups) {
    throw new RangeError(`${op}: input of shape ${formatShape(x.shape)} has ${c} channels but weight ${formatShape(weight.shape)} with groups=${groups} expects ${cg * groups}`);
  }
  if (o % groups !== 0) throw new RangeError(`${op}: out channels (${o}) must be divisible by groups (${groups})`);
  if (bias != null) {
    checkTensor(op, 'bias', bias);
    if (bias.ndim !== 1 || bias.shape[0] !== o) throw new RangeError(`${op}: bias of shape ${formatShape(bias.shape)} does not match ${o} out channels`);
  }
  const [sh, sw] = pair(op, 'stride', options.stride ?? 1, 1);
  const [dh, dw] = pair(op, 'dilation', options.dilation ?? 1, 1);
  const padding = options.padding ?? 0;
  let ph: number, pw: number;
  if (padding === 'valid') {
    ph = pw = 0;
  } else if (padding === 'same') {
    if (sh !== 1 || sw !== 1) throw new RangeError(`${op}: padding='same' is not supported for strided convolutions`);
    const th = dh * (kh - 1), tw = dw * (kw - 1);
    if (th % 2 !== 0 || tw % 2 !== 0) {
      // Asymmetric: pad the input explicitly (extra on the bottom/right, as PyTorch) and run unpadded.
      const padded = padOp(x4, [Math.floor(tw / 2), tw - Math.floor(tw / 2), Math.floor(th / 2), th - Math.floor(th / 2)]);
      const out = conv2d(padded, weight, bias, { stride: 1, padding: 0, dilation: [dh, dw], groups });
      return unbatch(out, unbatched);
    }
    ph = th / 2;
    pw = tw / 2;
  } else {
    [ph, pw] = pair(op, 'padding', padding, 0);
  }
  const ho = convOutput(h, kh, sh, ph, dh), wo = convOutput(w, kw, sw, pw, dw);
  if (ho === 0 || wo === 0) {
    throw new RangeError(`${op}: kernel ${kh}x${kw} (dilation ${dh}x${dw}) does not fit the padded input of shape ${formatShape(x.shape)}`);
  }
  const shape = [n, c, h, w, o, kh, kw, sh, sw, ph, pw, dh, dw, groups, ho, wo];
  const xs = contiguousFloat(op, x4), ws = contiguousFloat(op, weight);
  const bs = bias != null ? contiguousFloat(op, bias) : null;
  const out = Tensor._empty([n, o, ho, wo]);
  const setShape = (): void => {
    for (let i = 0; i < 16; i++) params[i] = shape[i];
  };
  setShape();
  native.conv2d(0, out._handle(op), 0, xs._handle(op), xs._offset, ws._handle(op), ws._offset, bs ? bs._handle(op) : 0, bs ? bs._offset : 0);
  if (bs && bs !== bias) bs.dispose();
  const result = record(op, out, [x4, weight, bias ?? null], (g) => {
    const gs = contiguousFloat(op, g);
    const xc = contiguousFloat(op, x4), wc = contiguousFloat(op, weight);
    let gx: Tensor | null = null, gw: Tensor | null = null, gb: Tensor | null = null;
    if (x4._requiresGrad) {
      gx = Tensor._empty(x4.shape);
      setShape();
      native.conv2d(1, gx._handle(op), 0, gs._handle(op), gs._offset, wc._handle(op), wc._offset, 0, 0);
    }
    if (weight._requiresGrad || (bias != null && bias._requiresGrad)) {
      gw = Tensor._empty(weight.shape);
      gb = bias != null && bias._requiresGrad ? Tensor._empty([o]) : null;
      setShape();
      native.conv2d(2, gw._handle(op), 0, gb ? gb._handle(op) : 0, 0, gs._handle(op), gs._offset, xc._handle(op), xc._offset);
    }
    return [gx, weight._requiresGrad ? gw : null, gb];
  }, [x4, weight]);
  if (xs !== x4) xs.dispose();
  if (ws !== weight) ws.dispose();
  return unbatch(result, unbatched);
}

/** 1-D convolution of x [N, C, L] (or [C, L]) with weight [O, C/groups, k]: conv2d with height 1. */
export function conv1d(x: Tensor, weight: Tensor, bias?: Tensor | null, options: { stride?: number; padding?: number | 'same' | 'valid'; dilation?: number; groups?: number } = {}): Tensor {
  const op = 'conv1d';
  checkTensor(op, 'input', x);
  checkTensor(op, 'weight', weight);
  if (x.ndim !== 2 && x.ndim !== 3) throw new RangeError(`${op}: expected a 2-D or 3-D input but got shape ${formatShape(x.shape)}`);
  if (weight.ndim !== 3) throw new RangeError(`${op}: expected a 3-D weight [out, in/groups, k] but got ${formatShape(weight.shape)}`);
  const x4 = reshape(x, [...x.shape.slice(0, -1), 1, x.shape[x.ndim - 1]]);
  const w4 = reshape(weight, [weight.shape[0], weight.shape[1], 1, weight.shape[2]]);
  const p = options.padding ?? 0;
  const out = conv2d(x4, w4, bias, {
    stride: [1, options.stride ?? 1],
    padding: typeof p === 'string' ? p : [0, p],
    dilation: [1, options.dilation ?? 1],
    groups: options.groups,
  });
  return reshape(out, [...out.shape.slice(0, -2), out.shape[out.ndim - 1]]);
}

// ---- pooling ----

export interface MaxPoolOptions {
  stride?: Pair | null;
  padding?: Pair;
  dilation?: Pair;
  ceilMode?: boolean;
  returnIndices?: boolean;
}

function poolOutput(inSize: number, k: number, s: number, p: number, d: number, ceil: boolean): number {
  const span = d * (k - 1) + 1;
  if (inSize + 2 * p < span) return 0;
  const room = inSize + 2 * p - span;
  let out = (ceil ? Math.ceil(room / s) : Math.floor(room / s)) + 1;
  if (ceil && (out - 1) * s >= inSize + p) out--;
  return out;
}

function poolGeometry(op: string, x4: Tensor, kernelSize: Pair, options: { stride?: Pair | null; padding?: Pair; dilation?: Pair; ceilMode?: boolean }): number[] {
  const [kh, kw] = pair(op, 'kernelSize', kernelSize, 1);
  const [sh, sw] = options.stride == null ? [kh, kw] : pair(op, 'stride', options.stride, 1);
  const [ph, pw] = pair(op, 'padding', options.padding ?? 0, 0);
  const [dh, dw] = pair(op, 'dilation', options.dilation ?? 1, 1);
  if (2 * ph > kh || 2 * pw > kw) {
    throw new RangeError(`${op}: padding (${ph}, ${pw}) should be at most half of the kernel size (${kh}, ${kw})`);
  }
  const [n, c, h, w] = x4.shape;
  const ceil = options.ceilMode ?? false;
  const ho = poolOutput(h, kh, sh, ph, dh, ceil), wo = poolOutput(w, kw, sw, pw, dw, ceil);
  if (ho <= 0 || wo <= 0) throw new RangeError(`${op}: the window does not fit the input of shape ${formatShape(x4.shape)} (output would be ${ho}x${wo})`);
  return [n * c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, ho, wo];
}

function setParams(values: readonly number[]): void {
  for (let i = 0; i < values.length; i++) params[i] = values[i];
}

/** Max pooling over x [N, C, H, W] (or [C, H, W]); `returnIndices` also gives the argmax positions (int32, flat per plane). */
export function maxPool2d(x: Tensor, kernelSize: Pair, options: MaxPoolOptions & { returnIndices: true }): [Tensor, Tensor];
export function maxPool2d(x: Tensor, kernelSize: Pair, options?: MaxPoolOptions): Tensor;
export function maxPool2d(x: Tensor, kernelSize: Pair, options: MaxPoolOptions = {}): Tensor | [Tensor, Tensor] {
  const op = 'maxPool2d';
  checkTensor(op, 'input', x);
  const { x4, unbatched } = batched(op, x, [3, 4]);
  const geo = poolGeometry(op, x4, kernelSize, options);
  const [n, c] = x4.shape;
  const [ho, wo] = [geo[11], geo[12]];
  const xs = contiguousFloat(op, x4);
  const out = Tensor._empty([n, c, ho, wo]);
  // The argmax positions are only needed for backward or when asked for.
  const needIndices = options.returnIndices === true || (x4.requiresGrad && isGradEnabled());
  const indices = needIndices ? Tensor._empty([n, c, ho, wo], 'int32') : null;
  setParams([...geo, 0, 0]);
  native.pool2d(0, out._handle(op), 0, indices ? indices._handle(op) : 0, 0, xs._handle(op), xs._offset);
  if (xs !== x4) xs.dispose();
  if (indices === null) return unbatch(out, unbatched);
  const result = record(op, out, [x4], (g) => {
    const gs = contiguousFloat(op, g);
    const gx = Tensor._empty(x4.shape);
    setParams([...geo, 0, 0]);
    native.pool2d(1, gx._handle(op), 0, gs._handle(op), gs._offset, indices._handle(op), 0);
    return [gx];
  }, [indices]);
  const y = unbatch(result, unbatched);
  if (options.returnIndices) return [y, unbatch(indices, unbatched)];
  if (!result.requiresGrad) indices.dispose();
  return y;
}

export interface AvgPoolOptions {
  stride?: Pair | null;
  padding?: Pair;
  ceilMode?: boolean;
  countIncludePad?: boolean;
  divisorOverride?: number | null;
}

/** Average pooling over x [N, C, H, W] (or [C, H, W]). */
export function avgPool2d(x: Tensor, kernelSize: Pair, options: AvgPoolOptions = {}): Tensor {
  const op = 'avgPool2d';
  checkTensor(op, 'input', x);
  const { x4, unbatched } = batched(op, x, [3, 4]);
  const geo = poolGeometry(op, x4, kernelSize, { ...options, dilation: 1 });
  const divisor = options.divisorOverride ?? 0;
  if (!Number.isInteger(divisor) || divisor < 0) throw new RangeError(`${op}: divisorOverride must be a positive integer`);
  const extra = [options.countIncludePad ?? true ? 1 : 0, divisor];
  const [n, c] = x4.shape;
  const xs = contiguousFloat(op, x4);
  const out = Tensor._empty([n, c, geo[11], geo[12]]);
  setParams([...geo, ...extra]);
  native.pool2d(2, out._handle(op), 0, xs._handle(op), xs._offset, 0, 0);
  if (xs !== x4) xs.dispose();
  return unbatch(record(op, out, [x4], (g) => {
    const gs = contiguousFloat(op, g);
    const gx = Tensor._empty(x4.shape);
    setParams([...geo, ...extra]);
    native.pool2d(3, gx._handle(op), 0, gs._handle(op), gs._offset, 0, 0);
    return [gx];
  }), unbatched);
}

/** Average pooling to a fixed output size (PyTorch's adaptive windows); null keeps that input size. */
export function adaptiveAvgPool2d(x: Tensor, outputSize: number | readonly [number | null, number | null]): Tensor {
  const op = 'adaptiveAvgPool2d';
  checkTensor(op, 'input', x);
  const { x4, unbatched } = batched(op, x, [3, 4]);
  const [n, c, h, w] = x4.shape;
  const [oh0, ow0] = typeof outputSize === 'number' ? [outputSize, outputSize] : outputSize;
  const ho = oh0 ?? h, wo = ow0 ?? w;
  if (!Number.isInteger(ho) || !Number.isInteger(wo) || ho < 1 || wo < 1) {
    throw new RangeError(`${op}: expected positive integers for outputSize but received ${describeValue(outputSize)}`);
  }
  const geo = [n * c, h, w, 0, 0, 0, 0, 0, 0, 0, 0, ho, wo, 0, 0];
  const xs = contiguousFloat(op, x4);
  const out = Tensor._empty([n, c, ho, wo]);
  setParams(geo);
  native.pool2d(4, out._handle(op), 0, xs._handle(op), xs._offset, 0, 0);
  if (xs !== x4) xs.dispose();
  return unbatch(record(op, out, [x4], (g) => {
    const gs = contiguousFloat(op, g);
    const gx = Tensor._empty(x4.shape);
    setParams(geo);
    native.pool2d(5, gx._handle(op), 0, gs._handle(op), gs._offset, 0, 0);
    return [gx];
  }), unbatched);
}

/** 1-D max pooling of x [N, C, L] (or [C, L]). */
export function maxPool1d(x: Tensor, kernelSize: number, options: { stride?: number | null; padding?: number; dilation?: number; ceilMode?: boolean } = {}): Tensor {
  checkTensor('maxPool1d', 'input', x);
  const x4 = reshape(x, [...x.shape.slice(0, -1), 1, x.shape[x.ndim - 1]]);
  const out = maxPool2d(x4, [1, kernelSize], {
    stride: options.stride == null ? null : [1, options.stride], padding: [0, options.padding ?? 0], dilation: [1, options.dilation ?? 1], ceilMode: options.ceilMode,
  });
  return reshape(out, [...out.shape.slice(0, -2), out.shape[out.ndim - 1]]);
}

/** 1-D average pooling of x [N, C, L] (or [C, L]). */
export function avgPool1d(x: Tensor, kernelSize: number, options: { stride?: number | null; padding?: number; ceilMode?: boolean; countIncludePad?: boolean } = {}): Tensor {
  checkTensor('avgPool1d', 'input', x);
  const x4 = reshape(x, [...x.shape.slice(0, -1), 1, x.shape[x.ndim - 1]]);
  const out = avgPool2d(x4, [1, kernelSize], {
    stride: options.stride == null ? null : [1, options.stride], padding: [0, options.padding ?? 0], ceilMode: options.ceilMode, countIncludePad: options.countIncludePad,
  });
  return reshape(out, [...out.shape.slice(0, -2), out.shape[out.ndim - 1]]);
}

// ---- normalization ----

export interface BatchNormOptions {
  training?: boolean;
  momentum?: number;
  eps?: number;
}

/**
 * Batch normalization of x [N, C], [N, C, L] or [N, C, H, W] over all but the channel dim.
 * In training it uses the batch statistics and updates runningMean / runningVar in place
 * (unbiased variance, as PyTorch); otherwise it uses them.
 */
export function batchNorm(x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, weight?: Tensor | null, bias?: Tensor | null, options: BatchNormOptions = {}): Tensor {
  const op = 'batchNorm';
  checkTensor(op, 'input', x);
  if (x.ndim < 2) throw new RangeError(`${op}: expected an input of at least 2 dimensions [N, C, ...] but got shape ${formatShape(x.shape)}`);
  const training = options.training ?? false;
  const momentum = options.momentum ?? 0.1, eps = options.eps ?? 1e-5;
  const n = x.shape[0], c = x.shape[1], l = sizeOf(x.shape.slice(2));
  for (const [name, t] of [['runningMean', runningMean], ['runningVar', runningVar], ['weight', weight], ['bias', bias]] as const) {
    if (t == null) continue;
    checkTensor(op, name, t);
    if (t.numel() !== c || !t.isContiguous()) throw new RangeError(`${op}: ${name} of shape ${formatShape(t.shape)} does not match ${c} channels`);
  }
  if (!training && (runningMean == null || runningVar == null)) throw new Error(`${op}: evaluation mode needs runningMean and runningVar`);
  if (training && n * l <= 1) throw new RangeError(`${op}: expected more than 1 value per channel when training, got input of shape ${formatShape(x.shape)}`);
  const xs = contiguousFloat(op, x);
  const out = Tensor._empty(x.shape);
  const saveMean = Tensor._empty([c]), saveInvstd = Tensor._empty([c]);
  const h = (t: Tensor | null | undefined): [number, number] => (t ? [t._handle(op), t._offset] : [0, 0]);
  if (training) {
    if (runningMean) runningMean._storage.version++;
    if (runningVar) runningVar._storage.version++;
  }
  native.batchNorm(0, ...h(out), ...h(saveMean), ...h(saveInvstd), ...h(xs), ...h(weight), ...h(bias), ...h(runningMean), ...h(runningVar),
    n, c, l, training, momentum, eps);
  if (!training) {
    // Backward in evaluation mode normalizes with the running statistics.
    native.storageWrite(saveMean._handle(op), 0, runningMean!.toFloat32Array());
    const v = runningVar!.toFloat32Array().map((s) => 1 / Math.sqrt(s + eps));
    native.storageWrite(saveInvstd._handle(op), 0, v);
  }
  const result = record(op, out, [x, weight ?? null, bias ?? null], (g) => {
    const gs = contiguousFloat(op, g);
    const xc = contiguousFloat(op, x);
    const gx = x._requiresGrad ? Tensor._empty(x.shape) : null;
    const gw = weight && weight._requiresGrad ? Tensor._empty([c]) : null;
    const gb = bias && bias._requiresGrad ? Tensor._empty([c]) : null;
    native.batchNorm(1, ...h(gx), ...h(gw), ...h(gb), ...h(gs), ...h(xc), ...h(weight), ...h(saveMean), ...h(saveInvstd),
      n, c, l, training, momentum, eps);
    return [gx, gw ? reshape(gw, weight!.shape) : null, gb ? reshape(gb, bias!.shape) : null];
  }, [x]);
  if (xs !== x) xs.dispose();
  if (!result.requiresGrad) {
    saveMean.dispose();
    saveInvstd.dispose();
  }
  return result;
}

// ---- dropout ----

/** Zeroes each element with probability p and scales the rest by 1/(1-p) (identity when not training). */
export function dropout(x: Tensor, options: { p?: number; training?: boolean } = {}): Tensor {
  const op = 'dropout';
  checkTensor(op, 'input', x);
  const p = options.p ?? 0.5;
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new RangeError(`${op}: dropout probability has to be between 0 and 1, but got ${describeValue(p)}`);
  if (!(options.training ?? true) || p === 0) return x;
  const mask = bernoulliMask(x.shape, 1 - p, p === 1 ? 0 : 1 / (1 - p));
  const out = mul(x, mask);
  if (!out.requiresGrad) mask.dispose();
  return out;
}

/** Zeroes whole channels (dim 1 of [N, C, ...], or dim 0 of an unbatched [C, H, W]) with probability p. */
export function dropout2d(x: Tensor, options: { p?: number; training?: boolean } = {}): Tensor {
  const op = 'dropout2d';
  checkTensor(op, 'input', x);
  const p = options.p ?? 0.5;
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new RangeError(`${op}: dropout probability has to be between 0 and 1, but got ${describeValue(p)}`);
  if (x.ndim !== 3 && x.ndim !== 4) throw new RangeError(`${op}: expected a 3-D or 4-D input but got shape ${formatShape(x.shape)}`);
  if (!(options.training ?? true) || p === 0) return x;
  const lead = x.ndim === 4 ? 2 : 1;
  const maskShape = [...x.shape.slice(0, lead), ...new Array(x.ndim - lead).fill(1)];
  const mask = bernoulliMask(maskShape, 1 - p, p === 1 ? 0 : 1 / (1 - p));
  const out = mul(x, mask);
  if (!out.requiresGrad) mask.dispose();
  return out;
}

// ---- activations with parameters ----

/** PReLU: x where x > 0, else weight * x, with weight [C] per channel (dim 1) or a single value. */
export function prelu(x: Tensor, weight: Tensor): Tensor {
  const op = 'prelu';
  checkTensor(op, 'input', x);
  checkTensor(op, 'weight', weight);
  const k = weight.numel();
  if (k !== 1 && (x.ndim < 2 || x.shape[1] !== k)) {
    throw new RangeError(`${op}: weight of ${k} parameters does not match the channel dim of input ${formatShape(x.shape)}`);
  }
  const w = k === 1 ? reshape(weight, []) : reshape(weight, [k, ...new Array(Math.max(x.ndim - 2, 0)).fill(1)]);
  const positive = binaryRaw(op, BinaryCode.gt, x, Tensor._empty([], 'int32', true));
  return where(positive, x, mul(x, w));
}

/** Rows of `weight` [num, dim] picked by int32 `indices` of any shape; the paddingIdx row gets no gradient. */
export function embedding(indices: Tensor, weight: Tensor, options: { paddingIdx?: number | null } = {}): Tensor {
  const op = 'embedding';
  checkTensor(op, 'indices', indices);
  checkTensor(op, 'weight', weight);
  if (indices.dtype !== 'int32') throw new TypeError(`${op}: expected int32 indices but received ${indices.dtype}`);
  if (weight.ndim !== 2) throw new RangeError(`${op}: expected a 2-D weight [num, dim] but got ${formatShape(weight.shape)}`);
  const [num, dim] = weight.shape;
  const pad = options.paddingIdx ?? null;
  const padRow = pad === null ? -1 : pad < 0 ? pad + num : pad;
  const k = indices.numel();
  const idx = indices.isContiguous() ? indices : indices._materialize(op);
  const ws = contiguousFloat(op, weight);
  const out = Tensor._empty([...indices.shape, dim]);
  try {
    native.indexOp(2, out._handle(op), 0, ws._handle(op), ws._offset, idx._handle(op), idx._offset, 1, num, k, dim);
  } catch (err) {
    out.dispose();
    throw err instanceof Error ? new RangeError(err.message.replace(/^indexOp/, op)) : err;
  } finally {
    if (ws !== weight) ws.dispose();
  }
  return record(op, out, [weight], (g) => {
    const gs = contiguousFloat(op, g);
    const gw = Tensor._empty([num, dim], 'float32', true);
    native.indexOp(3, gw._handle(op), 0, gs._handle(op), gs._offset, idx._handle(op), idx._offset, 1, num, k, dim);
    if (padRow >= 0) native.fill(gw._handle(op), padRow * dim, dim, 0, 0);
    return [gw];
  }, [indices]);
}

