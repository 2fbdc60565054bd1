// Pooling layers over the functional kernels: MaxPool1d/2d, AvgPool1d/2d, AdaptiveAvgPool2d.
import type { Tensor } from '../../tensor.js';
import { describeValue } from '../../validate.js';
import * as F from '../functional.js';
import { Module } from '../module.js';
import { checkBool, checkInput, checkRank, intTuple, tupleRepr } from './utils.js';

type Size2 = number | [number, number];

function checkHalfKernel(op: string, padding: readonly number[], kernel: readonly number[]): void {
  for (let i = 0; i < kernel.length; i++) {
    if (2 * padding[i] > kernel[i]) {
      throw new RangeError(`${op}: padding ${tupleRepr(padding)} should be at most half of the kernel size ${tupleRepr(kernel)}`);
    }
  }
}

function reprValue(t: readonly number[]): string {
  return t.every((v) => v === t[0]) ? String(t[0]) : tupleRepr(t);
}

export interface MaxPoolOptions<S> {
  /** Default: the kernel size. */
  stride?: S | null;
  padding?: S;
  dilation?: S;
  /** Round the output size up instead of down. */
  ceilMode?: boolean;
  /** forward() returns [values, indices] (int32 flat positions per plane). */
  returnIndices?: boolean;
}

/**
 * 2-D max pooling over [N, C, H, W] (or [C, H, W]).
 *
 * @example
 * new nn.MaxPool2d(2).forward(keel.randn([1, 3, 32, 32])).shape; // [1, 3, 16, 16]
 */
export class MaxPool2d extends Module {
  readonly kernelSize: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
  readonly dilation: readonly [number, number];
  readonly ceilMode: boolean;
  readonly returnIndices: boolean;

  constructor(kernelSize: Size2, options: MaxPoolOptions<Size2> = {}) {
    super();
    const op = 'MaxPool2d';
    this.kernelSize = intTuple(op, 'kernelSize', kernelSize, 2, 1) as [number, number];
    this.stride = options.stride == null ? this.kernelSize : (intTuple(op, 'stride', options.stride, 2, 1) as [number, number]);
    this.padding = intTuple(op, 'padding', options.padding ?? 0, 2, 0) as [number, number];
    this.dilation = intTuple(op, 'dilation', options.dilation ?? 1, 2, 1) as [number, number];
    checkHalfKernel(op, this.padding, this.kernelSize);
    this.ceilMode = checkBool(op, 'ceilMode', options.ceilMode ?? false);
    this.returnIndices = checkBool(op, 'returnIndices', options.returnIndices ?? false);
  }

  override forward(x: Tensor): any {
    checkInput('MaxPool2d', x);
    checkRank('MaxPool2d', x, [3, 4]);
    const opts = { stride: this.stride, padding: this.padding, dilation: this.dilation, ceilMode: this.ceilMode };
    if (this.returnIndices) return F.maxPool2d(x, this.kernelSize, { ...opts, returnIndices: true });
    return F.maxPool2d(x, this.kernelSize, opts);
  }

  override extraRepr(): string {
    return `kernelSize=${reprValue(this.kernelSize)}, stride=${reprValue(this.stride)}, padding=${reprValue(this.padding)}, ` +
      `dilation=${reprValue(this.dilation)}, ceilMode=${this.ceilMode}`;
  }
}

export interface AvgPoolOptions<S> {
  /** Default: the kernel size. */
  stride?: S | null;
  padding?: S;
  ceilMode?: boolean;
  /** Count the zero padding in the divisor (default true). */
  countIncludePad?: boolean;
  /** Divide by this instead of the window size. */
  divisorOverride?: number | null;
}

/** 2-D average pooling over [N, C, H, W] (or [C, H, W]). */
export class AvgPool2d extends Module {
  readonly kernelSize: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;
  readonly divisorOverride: number | null;

  constructor(kernelSize: Size2, options: AvgPoolOptions<Size2> = {}) {
    super();
    const op = 'AvgPool2d';
    this.kernelSize = intTuple(op, 'kernelSize', kernelSize, 2, 1) as [number, number];
    this.stride = options.stride == null ? this.kernelSize : (intTuple(op, 'stride', options.stride, 2, 1) as [number, number]);
    this.padding = intTuple(op, 'padding', options.padding ?? 0, 2, 0) as [number, number];
    checkHalfKernel(op, this.padding, this.kernelSize);
    this.ceilMode = checkBool(op, 'ceilMode', options.ceilMode ?? false);
    this.countIncludePad = checkBool(op, 'countIncludePad', options.countIncludePad ?? true);
    const d = options.divisorOverride ?? null;
    if (d !== null && (typeof d !== 'number' || !Number.isInteger(d) || d <= 0)) {
      throw new RangeError(`${op}: divisorOverride must be a positive integer but received ${describeValue(d)}`);
    }
    this.divisorOverride = d;
  }

  override forward(x: Tensor): Tensor {
    checkInput('AvgPool2d', x);
    checkRank('AvgPool2d', x, [3, 4]);
    return F.avgPool2d(x, this.kernelSize, {
      stride: this.stride, padding: this.padding, ceilMode: this.ceilMode, countIncludePad: this.countIncludePad, divisorOverride: this.divisorOverride,
    });
  }

  override extraRepr(): string {
    return `kernelSize=${reprValue(this.kernelSize)}, stride=${reprValue(this.stride)}, padding=${reprValue(this.padding)}`;
  }
}

/** 1-D max pooling over [N, C, L] (or [C, L]). */
export class MaxPool1d extends Module {
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: number;
  readonly dilation: number;
  readonly ceilMode: boolean;

  constructor(kernelSize: number, options: Omit<MaxPoolOptions<number>, 'returnIndices'> = {}) {
    super();
    const op = 'MaxPool1d';
    [this.kernelSize] = intTuple(op, 'kernelSize', kernelSize, 1, 1);
    this.stride = options.stride == null ? this.kernelSize : intTuple(op, 'stride', options.stride, 1, 1)[0];
    [this.padding] = intTuple(op, 'padding', options.padding ?? 0, 1, 0);
    [this.dilation] = intTuple(op, 'dilation', options.dilation ?? 1, 1, 1);
    checkHalfKernel(op, [this.padding], [this.kernelSize]);
    this.ceilMode = checkBool(op, 'ceilMode', options.ceilMode ?? false);
  }

  override forward(x: Tensor): Tensor {
    checkInput('MaxPool1d', x);
    checkRank('MaxPool1d', x, [2, 3]);
    return F.maxPool1d(x, this.kernelSize, { stride: this.stride, padding: this.padding, dilation: this.dilation, ceilMode: this.ceilMode });
  }

  override extraRepr(): string {
    return `kernelSize=${this.kernelSize}, stride=${this.stride}, padding=${this.padding}, dilation=${this.dilation}, ceilMode=${this.ceilMode}`;
  }
}

/** 1-D average pooling over [N, C, L] (or [C, L]). */
export class AvgPool1d extends Module {
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: number;
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;

  constructor(kernelSize: number, options: Omit<AvgPoolOptions<number>, 'divisorOverride'> = {}) {
    super();
    const op = 'AvgPool1d';
    [this.kernelSize] = intTuple(op, 'kernelSize', kernelSize, 1, 1);
    this.stride = options.stride == null ? this.kernelSize : intTuple(op, 'stride', options.stride, 1, 1)[0];
    [this.padding] = intTuple(op, 'padding', options.padding ?? 0, 1, 0);
    checkHalfKernel(op, [this.padding], [this.kernelSize]);
    this.ceilMode = checkBool(op, 'ceilMode', options.ceilMode ?? false);
    this.countIncludePad = checkBool(op, 'countIncludePad', options.countIncludePad ?? true);
  }

  override forward(x: Tensor): Tensor {
    checkInput('AvgPool1d', x);
    checkRank('AvgPool1d', x, [2, 3]);
    return F.avgPool1d(x, this.kernelSize, { stride: this.stride, padding: this.padding, ceilMode: this.ceilMode, countIncludePad: this.countIncludePad });
  }

  override extraRepr(): string {
    return `kernelSize=(${this.kernelSize},), stride=(${this.stride},), padding=(${this.padding},)`;
  }
}

/** Average pooling to a fixed output size [outH, outW] (null keeps that input size). */
export class AdaptiveAvgPool2d extends Module {
  readonly outputSize: number | readonly [number | null, number | null];

  constructor(outputSize: number | readonly [number | null, number | null]) {
    super();
    const op = 'AdaptiveAvgPool2d';
    const parts = typeof outputSize === 'number' ? [outputSize] : Array.isArray(outputSize) && outputSize.length === 2 ? outputSize : null;
    if (parts === null || parts.some((v) => v !== null && (typeof v !== 'number' || !Number.isInteger(v) || v < 1))) {
      throw new RangeError(`${op}: expected a positive integer or a pair of them (or null) for outputSize but received ${Array.isArray(outputSize) ? `[${outputSize.join(', ')}]` : describeValue(outputSize)}`);
    }
    this.outputSize = typeof outputSize === 'number' ? outputSize : [outputSize[0], outputSize[1]];
  }

  override forward(x: Tensor): Tensor {
    checkInput('AdaptiveAvgPool2d', x);
    checkRank('AdaptiveAvgPool2d', x, [3, 4]);
    return F.adaptiveAvgPool2d(x, this.outputSize);
  }

  override extraRepr(): string {
    const o = this.outputSize;
    return `outputSize=${typeof o === 'number' ? o : `(${o.map((v) => (v === null ? 'None' : v)).join(', ')})`}`;
  }
}
