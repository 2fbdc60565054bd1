// Convolution layers (Conv1d, Conv2d) over the functional kernels. Weights are PyTorch's
// layout [outChannels, inChannels / groups, ...kernelSize], initialized as PyTorch does.
import { empty } from '../../ops/creation.js';
import { squeeze, unsqueeze } from '../../ops/shape.js';
import { formatShape } from '../../shape.js';
import type { Tensor } from '../../tensor.js';
import { describeValue } from '../../validate.js';
import * as F from '../functional.js';
import { calculateFanInAndFanOut, kaimingUniform_, uniform_ } from '../init.js';
import { Module } from '../module.js';
import { checkBool, checkInput, checkPositiveInt, checkRank, intTuple, tupleRepr } from './utils.js';

export type ConvPadding<N extends number[]> = number | N | 'same' | 'valid';

export interface ConvOptions<N extends number[]> {
  stride?: number | N;
  /** Zero padding on both sides of each spatial dim, or 'same' (stride 1 only) / 'valid' (none). */
  padding?: ConvPadding<N>;
  dilation?: number | N;
  groups?: number;
  /** Learn an additive bias (default true). */
  bias?: boolean;
  /** Only 'zeros' is supported. */
  paddingMode?: 'zeros';
}

/** Shared configuration and checks of Conv1d / Conv2d. */
abstract class ConvNd extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: readonly number[];
  readonly stride: readonly number[];
  readonly padding: readonly number[] | 'same' | 'valid';
  readonly dilation: readonly number[];
  readonly groups: number;
  readonly paddingMode: 'zeros';
  declare weight: Tensor;
  declare bias: Tensor | null;

  constructor(op: string, n: number, inChannels: number, outChannels: number, kernelSize: number | number[], options: ConvOptions<number[]>) {
    super();
    this.inChannels = checkPositiveInt(op, 'inChannels', inChannels);
    this.outChannels = checkPositiveInt(op, 'outChannels', outChannels);
    this.groups = checkPositiveInt(op, 'groups', options.groups ?? 1);
    if (inChannels % this.groups !== 0) throw new RangeError(`${op}: inChannels (${inChannels}) must be divisible by groups (${this.groups})`);
    if (outChannels % this.groups !== 0) throw new RangeError(`${op}: outChannels (${outChannels}) must be divisible by groups (${this.groups})`);
    this.kernelSize = intTuple(op, 'kernelSize', kernelSize, n, 1);
    this.stride = intTuple(op, 'stride', options.stride ?? 1, n, 1);
    this.dilation = intTuple(op, 'dilation', options.dilation ?? 1, n, 1);
    const padding = options.padding ?? 0;
    if (typeof padding === 'string') {
      if (padding !== 'same' && padding !== 'valid') {
        throw new TypeError(`${op}: expected a number, ${n} numbers, 'same' or 'valid' for padding but received ${describeValue(padding)}`);
      }
      if (padding === 'same' && this.stride.some((s) => s !== 1)) {
        throw new RangeError(`${op}: padding='same' is not supported for strided convolutions (stride ${tupleRepr(this.stride)})`);
      }
      this.padding = padding;
    } else {
      this.padding = intTuple(op, 'padding', padding, n, 0);
    }
    const mode = options.paddingMode ?? 'zeros';
    if (mode !== 'zeros') throw new Error(`${op}: not supported yet: paddingMode ${describeValue(mode)} (only 'zeros')`);
    this.paddingMode = mode;
    const bias = checkBool(op, 'bias', options.bias ?? true);
    this.registerParameter('weight', empty([outChannels, inChannels / this.groups, ...this.kernelSize]));
    this.registerParameter('bias', bias ? empty([outChannels]) : null);
    this.resetParameters();
  }

  /** PyTorch's default initialization: kaiming_uniform_(a=sqrt(5)), bias U(±1/sqrt(fanIn)). */
  resetParameters(): void {
    kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias) {
      const [fanIn] = calculateFanInAndFanOut(this.weight);
      const bound = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
      uniform_(this.bias, -bound, bound);
    }
  }

  /** Checks rank, channels and spatial size; returns the batched input and whether it was unbatched. */
  protected prepare(op: string, x: Tensor): { input: Tensor; unbatched: boolean } {
    const n = this.kernelSize.length;
    checkInput(op, x);
    checkRank(op, x, [n + 1, n + 2]);
    const unbatched = x.ndim === n + 1;
    const c = x.shape[unbatched ? 0 : 1];
    if (c !== this.inChannels) {
      throw new RangeError(`${op}: expected an input with ${this.inChannels} channels (inChannels) but got shape ${formatShape(x.shape)}`);
    }
    const spatial = x.shape.slice(x.ndim - n);
    for (let i = 0; i < n; i++) {
      const pad = this.padding === 'same' ? Infinity : this.padding === 'valid' ? 0 : 2 * this.padding[i];
      const effective = this.dilation[i] * (this.kernelSize[i] - 1) + 1;
      if (spatial[i] + pad < effective) {
        throw new RangeError(
          `${op}: the input's spatial size ${formatShape(spatial)} (padded by ${formatShape(this.padding as number[])} on each side) ` +
            `is smaller than the kernel ${formatShape(this.kernelSize)} (dilation ${formatShape(this.dilation)}); input shape ${formatShape(x.shape)}`,
        );
      }
    }
    return { input: unbatched ? unsqueeze(x, 0) : x, unbatched };
  }

  override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernelSize=${tupleRepr(this.kernelSize)}, stride=${tupleRepr(this.stride)}`;
    if (this.padding === 'same' || this.padding === 'valid') s += `, padding='${this.padding}'`;
    else if (this.padding.some((p) => p !== 0)) s += `, padding=${tupleRepr(this.padding)}`;
    if (this.dilation.some((d) => d !== 1)) s += `, dilation=${tupleRepr(this.dilation)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (this.bias === null) s += ', bias=false';
    return s;
  }
}

/**
 * 1-D convolution over [N, C, L] (or unbatched [C, L]) input.
 *
 * @example
 * const conv = new nn.Conv1d(16, 33, 3, { stride: 2 });
 */
export class Conv1d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number | [number], options: ConvOptions<[number]> = {}) {
    super('Conv1d', 1, inChannels, outChannels, kernelSize, options as ConvOptions<number[]>);
  }

  override forward(x: Tensor): Tensor {
    const { input, unbatched } = this.prepare('Conv1d', x);
    const padding = typeof this.padding === 'string' ? this.padding : this.padding[0];
    const out = F.conv1d(input, this.weight, this.bias ?? undefined, {
      stride: this.stride[0], padding, dilation: this.dilation[0], groups: this.groups,
    });
    return unbatched ? squeeze(out, 0) : out;
  }
}

/**
 * 2-D convolution over [N, C, H, W] (or unbatched [C, H, W]) input.
 *
 * @example
 * const conv = new nn.Conv2d(3, 16, 3, { padding: 1 });
 * conv.forward(keel.randn([8, 3, 32, 32])).shape; // [8, 16, 32, 32]
 */
export class Conv2d extends ConvNd {
  constructor(inChannels: number, outChannels: number, kernelSize: number | [number, number], options: ConvOptions<[number, number]> = {}) {
    super('Conv2d', 2, inChannels, outChannels, kernelSize, options as ConvOptions<number[]>);
  }

  override forward(x: Tensor): Tensor {
    const { input, unbatched } = this.prepare('Conv2d', x);
    const padding = typeof this.padding === 'string' ? this.padding : (this.padding as [number, number]);
    const out = F.conv2d(input, this.weight, this.bias ?? undefined, {
      stride: this.stride as [number, number], padding, dilation: this.dilation as [number, number], groups: this.groups,
    });
    return unbatched ? squeeze(out, 0) : out;
  }
}
