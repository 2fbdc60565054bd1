// Flatten and Unflatten: reshape layers for between convolution and linear stacks.
import { flatten, reshape } from '../../ops/shape.js';
import { normalizeDim } from '../../shape.js';
import type { Tensor } from '../../tensor.js';
import { describeValue } from '../../validate.js';
import { Module } from '../module.js';
import { checkInput } from './utils.js';

/** Flattens dims startDim..endDim into one (default: all but the batch dim). */
export class Flatten extends Module {
  readonly startDim: number;
  readonly endDim: number;
  constructor(startDim = 1, endDim = -1) {
    super();
    for (const [name, v] of [['startDim', startDim], ['endDim', endDim]] as const) {
      if (typeof v !== 'number' || !Number.isInteger(v)) throw new TypeError(`Flatten: expected an integer for ${name} but received ${describeValue(v)}`);
    }
    this.startDim = startDim;
    this.endDim = endDim;
  }
  override forward(x: Tensor): Tensor {
    return flatten(checkInput('Flatten', x), this.startDim, this.endDim);
  }
  override extraRepr(): string {
    return `startDim=${this.startDim}, endDim=${this.endDim}`;
  }
}

/** Expands dim `dim` into `unflattenedSize` (one entry may be -1). */
export class Unflatten extends Module {
  readonly dim: number;
  readonly unflattenedSize: readonly number[];
  constructor(dim: number, unflattenedSize: readonly number[]) {
    super();
    if (typeof dim !== 'number' || !Number.isInteger(dim)) throw new TypeError(`Unflatten: expected an integer for dim but received ${describeValue(dim)}`);
    if (!Array.isArray(unflattenedSize) || !unflattenedSize.every((d) => Number.isInteger(d))) {
      throw new TypeError(`Unflatten: expected an array of integers for unflattenedSize but received ${describeValue(unflattenedSize)}`);
    }
    this.dim = dim;
    this.unflattenedSize = [...unflattenedSize];
  }
  override forward(x: Tensor): Tensor {
    checkInput('Unflatten', x);
    const d = normalizeDim('Unflatten', this.dim, x.ndim);
    return reshape(x, [...x.shape.slice(0, d), ...this.unflattenedSize, ...x.shape.slice(d + 1)]);
  }
  override extraRepr(): string {
    return `dim=${this.dim}, unflattenedSize=[${this.unflattenedSize.join(', ')}]`;
  }
}
