// Loss functions (functional forms and classes), built from differentiable tensor ops so that
// autograd provides the gradients. Formulas, reductions and defaults follow PyTorch 1.13
// (torch.nn.functional.*_loss, torch.nn.*Loss), in their numerically stable forms.
import { noGrad, record } from '../autograd.js';
import { tidy } from '../memory.js';
import { broadcastShapes, formatShape, sameShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { describeValue } from '../validate.js';
import { add, div, lt, maximum, mul, ne, sub, where } from '../ops/binary.js';
import { abs, clamp, exp, log, log1p, neg, softplus } from '../ops/unary.js';
import { mean, sum } from '../ops/reduce.js';
import { logSoftmax } from '../ops/softmax.js';
import { flatten, gather, indexSelect, reshape, squeeze, unsqueeze } from '../ops/shape.js';
import { to } from '../ops/cast.js';
import { Module } from './module.js';

export type Reduction = 'none' | 'mean' | 'sum';
export type KLDivReduction = Reduction | 'batchmean';

export interface ReductionOptions {
  /** 'none' keeps the elementwise losses, 'sum' adds them, 'mean' (default) averages them. */
  reduction?: Reduction;
}

export interface SmoothL1LossOptions extends ReductionOptions {
  /** Where the loss switches from quadratic to linear (default 1). */
  beta?: number;
}

export interface HuberLossOptions extends ReductionOptions {
  /** Where the loss switches from quadratic to linear (default 1). */
  delta?: number;
}

export interface BCELossOptions extends ReductionOptions {
  /** Rescaling weight, broadcast to the input's shape. */
  weight?: Tensor | null;
}

export interface BCEWithLogitsLossOptions extends BCELossOptions {
  /** Weight of positive examples, broadcast along the last (class) dimension. */
  posWeight?: Tensor | null;
}

export interface NLLLossOptions extends ReductionOptions {
  /** Per-class weight, a 1-D float32 tensor of length C. */
  weight?: Tensor | null;
  /** Target value that contributes neither loss nor gradient (default -100). */
  ignoreIndex?: number;
}

export interface CrossEntropyLossOptions extends NLLLossOptions {
  /** Amount of smoothing in [0, 1] mixing the target with the uniform distribution (default 0). */
  labelSmoothing?: number;
}

export interface KLDivLossOptions {
  /** 'mean' (default, averages over every element), 'batchmean' (sum / batch size, the true KL divergence), 'sum' or 'none'. */
  reduction?: KLDivReduction;
  /** The target is given as log-probabilities (default false). */
  logTarget?: boolean;
}

// ---- argument checks ----

function checkInput(op: string, name: string, value: unknown): Tensor {
  if (!(value instanceof Tensor)) throw new TypeError(`${op}: expected a Tensor for ${name} but received ${describeValue(value)}`);
  if (value.isDisposed) throw new Error(`${op}: ${name} of shape ${formatShape(value.shape)} has been disposed`);
  return value;
}

function checkFloatInput(op: string, name: string, value: unknown): Tensor {
  const t = checkInput(op, name, value);
  if (t.dtype !== 'float32') throw new TypeError(`${op}: expected a float32 tensor for ${name} but received ${t.dtype}`);
  return t;
}

function checkReduction(op: string, reduction: unknown, allowBatchmean = false): void {
  if (reduction === 'none' || reduction === 'mean' || reduction === 'sum' || (allowBatchmean && reduction === 'batchmean')) return;
  const allowed = allowBatchmean ? "'none', 'mean', 'sum' or 'batchmean'" : "'none', 'mean' or 'sum'";
  throw new TypeError(`${op}: expected ${allowed} for reduction but received ${describeValue(reduction)}`);
}

function checkFiniteNumber(op: string, name: string, value: unknown, min = -Infinity, max = Infinity): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value < min || value > max) {
    const range = min === -Infinity && max === Infinity ? 'a number' : max === Infinity ? `a number >= ${min}` : `a number in [${min}, ${max}]`;
    throw new RangeError(`${op}: expected ${range} for ${name} but received ${describeValue(value)}`);
  }
  return value;
}

function checkSameShape(op: string, input: Tensor, target: Tensor): void {
  if (!sameShape(input.shape, target.shape)) {
    throw new RangeError(`${op}: expected target of shape ${formatShape(input.shape)} for input ${formatShape(input.shape)} but got ${formatShape(target.shape)}`);
  }
}

function checkBroadcastTo(op: string, name: string, t: Tensor, shape: readonly number[]): void {
  const b = broadcastShapes(t.shape, shape);
  if (b === null || !sameShape(b, shape)) {
    throw new RangeError(`${op}: ${name} of shape ${formatShape(t.shape)} cannot be broadcast to the input's shape ${formatShape(shape)}`);
  }
}

function applyReduction(loss: Tensor, reduction: Reduction): Tensor {
  if (reduction === 'none') return loss;
  if (reduction === 'sum') return sum(loss);
  return mean(loss);
}

// ---- regression losses ----

/**
 * Mean squared error: (input - target)^2, reduced.
 *
 * @example
 * const loss = keel.nn.mseLoss(pred, target); // scalar
 */
export function mseLoss(input: Tensor, target: Tensor, options: ReductionOptions = {}): Tensor {
  const op = 'mseLoss';
  const reduction = options.reduction ?? 'mean';
  checkReduction(op, reduction);
  checkFloatInput(op, 'input', input);
  checkFloatInput(op, 'target', target);
  checkSameShape(op, input, target);
  const d = sub(input, target);
  return applyReduction(mul(d, d), reduction);
}

/** Mean absolute error: |input - target|, reduced. */
export function l1Loss(input: Tensor, target: Tensor, options: ReductionOptions = {}): Tensor {
  const op = 'l1Loss';
  const reduction = options.reduction ?? 'mean';
  checkReduction(op, reduction);
  checkFloatInput(op, 'input', input);
  checkFloatInput(op, 'target', target);
  checkSameShape(op, input, target);
  return applyReduction(abs(sub(input, target)), reduction);
}

// |d| < t: 0.5 d^2 * quad, else lin * (|d| - 0.5 t).
function piecewise(d: Tensor, threshold: number, quadScale: number, linScale: number): Tensor {
  const a = abs(d);
  const quad = mul(mul(d, d), 0.5 * quadScale);
  const linear = linScale === 1 ? sub(a, 0.5 * threshold) : mul(sub(a, 0.5 * threshold), linScale);
  return where(lt(a, threshold), quad, linear);
}

/** Smooth L1: 0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (L1 when beta is 0). */
export function smoothL1Loss(input: Tensor, target: Tensor, options: SmoothL1LossOptions = {}): Tensor {
  const op = 'smoothL1Loss';
  const reduction = options.reduction ?? 'mean';
  checkReduction(op, reduction);
  const beta = checkFiniteNumber(op, 'beta', options.beta ?? 1, 0);
  checkFloatInput(op, 'input', input);
  checkFloatInput(op, 'target', target);
  checkSameShape(op, input, target);
  const d = sub(input, target);
  if (beta === 0) return applyReduction(abs(d), reduction);
  return applyReduction(piecewise(d, beta, 1 / beta, 1), reduction);
}

/** Huber: 0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta). */
export function huberLoss(input: Tensor, target: Tensor, options: HuberLossOptions = {}): Tensor {
  const op = 'huberLoss';
  const reduction = options.reduction ?? 'mean';
  checkReduction(op, reduction);
  const delta = checkFiniteNumber(op, 'delta', options.delta ?? 1, 0);
  if (delta <= 0) throw new RangeError(`${op}: expected a number > 0 for delta but received ${describeValue(delta)}`);
  checkFloatInput(op, 'input', input);
  checkFloatInput(op, 'target', target);
  checkSameShape(op, input, target);
  return applyReduction(piecewise(sub(input, target), delta, 1, delta), reduction);
}

// ---- binary classification ----

// (t - 1) max(log(1 - x), -100) - t max(log x, -100), the form of PyTorch's kernel, as one
// recorded op whose backward is PyTorch's: d/dx = (x - t) / max(x (1 - x), 1e-12), finite at
// x = 0 and 1 (where the clamped logs have no useful derivative), d/dt = log(1 - x) - log x.
function bceElementwise(x: Tensor, t: Tensor): Tensor {
  const clampedLogs = (): [Tensor, Tensor] => [clamp(log(x), -100), clamp(log1p(neg(x)), -100)];
  const out = noGrad(() => tidy(() => {
    const [logX, log1mX] = clampedLogs();
    return sub(mul(sub(t, 1), log1mX), mul(t, logX));
  }));
  return record('binaryCrossEntropy', out, [x, t], (g) => {
    const gx = x.requiresGrad ? mul(g, div(sub(x, t), maximum(mul(sub(1, x), x), 1e-12))) : null;
    let gt: Tensor | null = null;
    if (t.requiresGrad) {
      const [logX, log1mX] = clampedLogs();
      gt = mul(g, sub(log1mX, logX));
    }
    return [gx, gt];
  }, [x, t]);
}

/**
 * Binary cross entropy on probabilities: -w (t log x + (1 - t) log(1 - x)), with each log
 * clamped at -100 as PyTorch does (so x = 0 or 1 gives a finite loss).
 */
export function binaryCrossEntropy(input: Tensor, target: Tensor, options: BCELossOptions = {}): Tensor {
  const op = 'binaryCrossEntropy';
  const reduction = options.reduction ?? 'mean';
  checkReduction(op, reduction);
  checkFloatInput(op, 'input', input);
  checkFloatInput(op, 'target', target);
  checkSameShape(op, input, target);
  const weight = options.weight ?? null;
  if (weight !== null) {
    checkFloatInput(op, 'weight', weight);
    checkBroadcastTo(op, 'weight', weight, input.shape);
  }
  let loss = bceElementwise(input, target);
  if (weight !== null) loss = mul(loss, weight);
  return applyReduction(loss, reduction);
}

/**
 * Binary cross entropy on logits, computed stably as (1 - t) x + lw * softplus(-x) with
 * lw = 1 + (posWeight - 1) t; finite for any finite logit.
 */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, options: BCEWithLogitsLossOptions = {}): Tensor {
  const op = 'binaryCrossEntropyWithLogits';
  const reduction = options.reduction ?? 'mean';
  checkReduction(op, reduction);
  checkFloatInput(op, 'input', input);
  checkFloatInput(op, 'target', target);
  checkSameShape(op, input, target);
  const weight = options.weight ?? null, posWeight = options.posWeight ?? null;
  if (weight !== null) {
    checkFloatInput(op, 'weight', weight);
    checkBroadcastTo(op, 'weight', weight, input.shape);
  }
  if (posWeight !== null) {
    checkFloatInput(op, 'posWeight', posWeight);
    checkBroadcastTo(op, 'posWeight', posWeight, input.shape);
  }
  const sp = softplus(neg(input)); // log(1 + exp(-x)), linear beyond the threshold
  const first = mul(sub(1, target), input);
  let loss: Tensor;
  if (posWeight !== null) {
    const logWeight = add(mul(sub(posWeight, 1), target), 1);
    loss = add(first, mul(logWeight, sp));
  } else {
    loss = add(first, sp);
  }
  if (weight !== null) loss = mul(loss, weight);
  return applyReduction(loss, reduction);
}

// ---- multi-class classification ----

/** The class weight as a 1-D float32 tensor of length `c`, or null. */
function checkClassWeight(op: string, weight: Tensor | null | undefined, c: number): Tensor | null {
  if (weight == null) return null;
  checkFloatInput(op, 'weight', weight);
  if (weight.ndim !== 1 || weight.shape[0] !== c) {
    throw new RangeError(`${op}: expected a weight of shape [${c}] (one per class) but got ${formatShape(weight.shape)}`);
  }
  return weight;
}

function checkIgnoreIndex(op: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new TypeError(`${op}: expected an integer for ignoreIndex but received ${describeValue(value)}`);
  }
  return value;
}

/** Expected shape of class-index targets for `input` [N, C, d1...]: [N, d1...]. */
function indexTargetShape(input: Tensor): number[] {
  return [input.shape[0], ...input.shape.slice(2)];
}

function checkIndexTarget(op: string, input: Tensor, target: Tensor, ignoreIndex: number): void {
  const want = indexTargetShape(input);
  if (target.dtype !== 'int32') {
    throw new TypeError(`${op}: expected int32 class indices for target but received ${target.dtype} of shape ${formatShape(target.shape)}`);
  }
  if (!sameShape(want, target.shape)) {
    throw new RangeError(`${op}: expected target of shape ${formatShape(want)} for input ${formatShape(input.shape)} but got ${formatShape(target.shape)}`);
  }
  const c = input.shape[1];
  const values = target.toTypedArray();
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== ignoreIndex && (v < 0 || v >= c)) {
      throw new RangeError(`${op}: target ${v} is out of bounds for ${c} classes (valid: 0..${c - 1}, or ignoreIndex ${ignoreIndex})`);
    }
  }
}

/** Weight broadcast along dim 1 of an [N, C, d1...] tensor: [1, C, 1...]. */
function classView(weight: Tensor, ndim: number): Tensor {
  const shape = new Array<number>(ndim).fill(1);
  shape[1] = weight.shape[0];
  return reshape(weight, shape);
}

interface NllParts {
  /** -w[t] * logp[t] per element (0 where ignored), shape [N, d1...]. */
  loss: Tensor;
  /** w[t] per element (0 where ignored). */
  w: Tensor;
  /** 1 where the target is not ignored (int32). */
  valid: Tensor;
}

function nllParts(logp: Tensor, target: Tensor, weight: Tensor | null, ignoreIndex: number): NllParts {
  const valid = ne(target, ignoreIndex);
  const safe = where(valid, target, 0);
  const picked = squeeze(gather(logp, 1, unsqueeze(safe, 1)), 1);
  const validF = to(valid, 'float32');
  const w = weight !== null ? mul(reshape(indexSelect(weight, 0, flatten(safe)), target.shape), validF) : validF;
  return { loss: neg(mul(picked, w)), w, valid };
}

function reduceNll(parts: NllParts, reduction: Reduction): Tensor {
  if (reduction === 'none') return parts.loss;
  if (reduction === 'sum') return sum(parts.loss);
  // PyTorch's weighted mean: divide by the total weight of the counted targets.
  return div(sum(parts.loss), sum(parts.w));
}

/** Runs `fn` on a batch of one when `input` has no batch dimension ([C] with a [] target). */
function unbatched(input: Tensor, target: Tensor, reduction: string, fn: (i: Tensor, t: Tensor) => Tensor): Tensor {
  const out = fn(unsqueeze(input, 0), unsqueeze(target, 0));
  return reduction === 'none' ? squeeze(out, 0) : out;
}

/**
 * Negative log likelihood: input holds log-probabilities [N, C] or [N, C, d1...] (or [C]),
 * target int32 class indices [N] or [N, d1...]. `weight` rescales each class; the weighted
 * mean divides by the sum of the weights of the non-ignored targets.
 */
export function nllLoss(input: Tensor, target: Tensor, options: NLLLossOptions = {}): Tensor {
  const op = 'nllLoss';
  const reduction = options.reduction ?? 'mean';
  checkReduction(op, reduction);
  const ignoreIndex = checkIgnoreIndex(op, options.ignoreIndex ?? -100);
  checkFloatInput(op, 'input', input);
  checkInput(op, 'target', target);
  if (input.ndim === 0) throw new RangeError(`${op}: expected input of shape [N, C] or [N, C, d1, ...] or [C] but got []`);
  if (input.ndim === 1) {
    if (target.ndim !== 0) throw new RangeError(`${op}: expected target of shape [] for input ${formatShape(input.shape)} but got ${formatShape(target.shape)}`);
    return unbatched(input, target, reduction, (i, t) => nllLoss(i, t, options));
  }
  const weight = checkClassWeight(op, options.weight, input.shape[1]);
  checkIndexTarget(op, input, target, ignoreIndex);
  return reduceNll(nllParts(input, target, weight, ignoreIndex), reduction);
}

/**
 * Cross entropy between logits `input` ([N, C], [N, C, d1...] or [C]) and either int32 class
 * indices ([N] / [N, d1...]) or float32 class probabilities of the input's shape. Computed
 * from logSoftmax, so extreme logits stay finite.
 *
 * @example
 * const loss = keel.nn.crossEntropy(logits, labels, { labelSmoothing: 0.1 });
 */
export function crossEntropy(input: Tensor, target: Tensor, options: CrossEntropyLossOptions = {}): Tensor {
  const op = 'crossEntropy';
  const reduction = options.reduction ?? 'mean';
  checkReduction(op, reduction);
  const ignoreIndex = checkIgnoreIndex(op, options.ignoreIndex ?? -100);
  const ls = checkFiniteNumber(op, 'labelSmoothing', options.labelSmoothing ?? 0, 0, 1);
  checkFloatInput(op, 'input', input);
  checkInput(op, 'target', target);
  if (input.ndim === 0) throw new RangeError(`${op}: expected input of shape [N, C] or [N, C, d1, ...] or [C] but got []`);
  if (input.ndim === 1) {
    const want = target.dtype === 'float32' ? input.shape : [];
    if (!sameShape(want, target.shape)) {
      throw new RangeError(`${op}: expected target of shape ${formatShape(want)} for input ${formatShape(input.shape)} but got ${formatShape(target.shape)}`);
    }
    return unbatched(input, target, reduction, (i, t) => crossEntropy(i, t, options));
  }
  const c = input.shape[1];
  const weight = checkClassWeight(op, options.weight, c);

  if (target.dtype === 'float32') {
    // Class probabilities.
    if (!sameShape(target.shape, input.shape)) {
      const idx = indexTargetShape(input);
      if (sameShape(target.shape, idx)) {
        throw new TypeError(`${op}: expected int32 class indices for target of shape ${formatShape(idx)} but received float32; convert with .int()`);
      }
      throw new RangeError(`${op}: expected target of shape ${formatShape(idx)} (int32 class indices) or ${formatShape(input.shape)} (class probabilities) for input ${formatShape(input.shape)} but got ${formatShape(target.shape)}`);
    }
    const logp = logSoftmax(input, 1);
    const tgt = ls > 0 ? add(mul(target, 1 - ls), ls / c) : target;
    let prod = mul(logp, tgt);
    if (weight !== null) prod = mul(prod, classView(weight, input.ndim));
    if (reduction === 'none') return neg(sum(prod, { dim: 1 }));
    if (reduction === 'sum') return neg(sum(prod));
    return div(neg(sum(prod)), input.numel() / c);
  }

  checkIndexTarget(op, input, target, ignoreIndex);
  const logp = logSoftmax(input, 1);
  const parts = nllParts(logp, target, weight, ignoreIndex);
  const nll = reduceNll(parts, reduction);
  if (ls === 0) return nll;
  // Label smoothing: (1 - ls) * nll + ls / C * (-sum over classes of w_c logp_c), ignored
  // targets masked out, the mean normalized like the nll term.
  const weighted = weight !== null ? mul(logp, classView(weight, input.ndim)) : logp;
  const smooth = where(parts.valid, neg(sum(weighted, { dim: 1 })), 0);
  let ret: Tensor;
  if (reduction === 'none') ret = smooth;
  else if (reduction === 'sum') ret = sum(smooth);
  else ret = div(sum(smooth), sum(parts.w));
  return add(mul(nll, 1 - ls), mul(ret, ls / c));
}

// ---- distributions ----

/**
 * Kullback-Leibler divergence with `input` as log-probabilities: target * (log target - input)
 * (0 where target is 0), or exp(target) * (target - input) with `logTarget`. Use
 * reduction 'batchmean' for the mathematical KL divergence.
 */
export function klDiv(input: Tensor, target: Tensor, options: KLDivLossOptions = {}): Tensor {
  const op = 'klDiv';
  const reduction = options.reduction ?? 'mean';
  checkReduction(op, reduction, true);
  checkFloatInput(op, 'input', input);
  checkFloatInput(op, 'target', target);
  checkSameShape(op, input, target);
  let loss: Tensor;
  if (options.logTarget) {
    loss = mul(exp(target), sub(target, input));
  } else {
    // xlogy(t, t) - t * input; log of 1 where t <= 0 keeps 0 * log 0 (and its gradient) at 0.
    const positive = lt(0, target);
    const safe = where(positive, target, 1);
    loss = sub(mul(target, log(safe)), mul(target, input));
  }
  if (reduction === 'batchmean') {
    const batch = input.ndim === 0 ? 1 : input.shape[0];
    return div(sum(loss), batch);
  }
  return applyReduction(loss, reduction);
}

// ---- loss classes ----
// Modules, as in PyTorch: class weights are registered buffers ('weight', 'pos_weight'), so they
// appear in stateDict() under PyTorch's names.
function registerWeights(m: Module, weights: Record<string, Tensor | null>): void {
  for (const [name, t] of Object.entries(weights)) if (t) m.registerBuffer(name, t);
}

/** Mean squared error as a module: `new MSELoss({reduction}).forward(input, target)`. */
export class MSELoss extends Module {
  readonly options: Required<ReductionOptions>;
  constructor(options: ReductionOptions = {}) {
    super();
    checkReduction('MSELoss', options.reduction ?? 'mean');
    this.options = { reduction: options.reduction ?? 'mean' };
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return mseLoss(input, target, this.options);
  }
}

/** Mean absolute error as a module. */
export class L1Loss extends Module {
  readonly options: Required<ReductionOptions>;
  constructor(options: ReductionOptions = {}) {
    super();
    checkReduction('L1Loss', options.reduction ?? 'mean');
    this.options = { reduction: options.reduction ?? 'mean' };
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return l1Loss(input, target, this.options);
  }
}

/** Smooth L1 loss as a module. */
export class SmoothL1Loss extends Module {
  readonly options: Required<SmoothL1LossOptions>;
  constructor(options: SmoothL1LossOptions = {}) {
    super();
    checkReduction('SmoothL1Loss', options.reduction ?? 'mean');
    this.options = { reduction: options.reduction ?? 'mean', beta: checkFiniteNumber('SmoothL1Loss', 'beta', options.beta ?? 1, 0) };
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return smoothL1Loss(input, target, this.options);
  }
}

/** Huber loss as a module. */
export class HuberLoss extends Module {
  readonly options: Required<HuberLossOptions>;
  constructor(options: HuberLossOptions = {}) {
    super();
    checkReduction('HuberLoss', options.reduction ?? 'mean');
    this.options = { reduction: options.reduction ?? 'mean', delta: checkFiniteNumber('HuberLoss', 'delta', options.delta ?? 1, 0) };
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return huberLoss(input, target, this.options);
  }
}

/** Binary cross entropy on probabilities as a module. */
export class BCELoss extends Module {
  readonly options: { weight: Tensor | null; reduction: Reduction };
  constructor(options: BCELossOptions = {}) {
    super();
    checkReduction('BCELoss', options.reduction ?? 'mean');
    this.options = { weight: options.weight ?? null, reduction: options.reduction ?? 'mean' };
    registerWeights(this, { weight: this.options.weight });
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropy(input, target, this.options);
  }
}

/** Binary cross entropy on logits as a module. */
export class BCEWithLogitsLoss extends Module {
  readonly options: { weight: Tensor | null; posWeight: Tensor | null; reduction: Reduction };
  constructor(options: BCEWithLogitsLossOptions = {}) {
    super();
    checkReduction('BCEWithLogitsLoss', options.reduction ?? 'mean');
    this.options = { weight: options.weight ?? null, posWeight: options.posWeight ?? null, reduction: options.reduction ?? 'mean' };
    registerWeights(this, { weight: this.options.weight, pos_weight: this.options.posWeight });
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return binaryCrossEntropyWithLogits(input, target, this.options);
  }
}

/** Negative log likelihood as a module. */
export class NLLLoss extends Module {
  readonly options: { weight: Tensor | null; ignoreIndex: number; reduction: Reduction };
  constructor(options: NLLLossOptions = {}) {
    super();
    checkReduction('NLLLoss', options.reduction ?? 'mean');
    this.options = {
      weight: options.weight ?? null,
      ignoreIndex: checkIgnoreIndex('NLLLoss', options.ignoreIndex ?? -100),
      reduction: options.reduction ?? 'mean',
    };
    registerWeights(this, { weight: this.options.weight });
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return nllLoss(input, target, this.options);
  }
}

/**
 * Cross entropy on logits as a module.
 *
 * @example
 * const lossFn = new keel.nn.CrossEntropyLoss({ labelSmoothing: 0.1 });
 * const loss = lossFn.forward(logits, labels);
 */
export class CrossEntropyLoss extends Module {
  readonly options: { weight: Tensor | null; ignoreIndex: number; labelSmoothing: number; reduction: Reduction };
  constructor(options: CrossEntropyLossOptions = {}) {
    super();
    checkReduction('CrossEntropyLoss', options.reduction ?? 'mean');
    this.options = {
      weight: options.weight ?? null,
      ignoreIndex: checkIgnoreIndex('CrossEntropyLoss', options.ignoreIndex ?? -100),
      labelSmoothing: checkFiniteNumber('CrossEntropyLoss', 'labelSmoothing', options.labelSmoothing ?? 0, 0, 1),
      reduction: options.reduction ?? 'mean',
    };
    registerWeights(this, { weight: this.options.weight });
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return crossEntropy(input, target, this.options);
  }
}

/** KL divergence as a module. */
export class KLDivLoss extends Module {
  readonly options: { reduction: KLDivReduction; logTarget: boolean };
  constructor(options: KLDivLossOptions = {}) {
    super();
    checkReduction('KLDivLoss', options.reduction ?? 'mean', true);
    this.options = { reduction: options.reduction ?? 'mean', logTarget: options.logTarget ?? false };
  }
  override forward(input: Tensor, target: Tensor): Tensor {
    return klDiv(input, target, this.options);
  }
}
