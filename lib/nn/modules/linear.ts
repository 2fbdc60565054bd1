// Linear (fully connected) layer and Identity.
import { empty } from '../../ops/creation.js';
import { formatShape } from '../../shape.js';
import type { Tensor } from '../../tensor.js';
import * as F from '../functional.js';
import { calculateFanInAndFanOut, kaimingUniform_, uniform_ } from '../init.js';
import { Module } from '../module.js';
import { checkBool, checkInput, checkNonNegativeInt } from './utils.js';

/** Returns its input unchanged (a placeholder, e.g. to remove a layer from a model). */
export class Identity extends Module {
  constructor(..._args: unknown[]) {
    super();
  }

  override forward(x: Tensor): Tensor {
    return x;
  }
}

export interface LinearOptions {
  /** Learn an additive bias (default true). */
  bias?: boolean;
}

/**
 * y = x W^T + b. `weight` is [outFeatures, inFeatures] (PyTorch's layout), `bias`
 * [outFeatures]; both start uniform in ±1/sqrt(inFeatures), as in PyTorch.
 *
 * @example
 * const fc = new nn.Linear(784, 512);
 * fc.forward(keel.randn([32, 784])).shape; // [32, 512]
 */
export class Linear extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  declare weight: Tensor;
  declare bias: Tensor | null;

  constructor(inFeatures: number, outFeatures: number, options: LinearOptions = {}) {
    super();
    const op = 'Linear';
    this.inFeatures = checkNonNegativeInt(op, 'inFeatures', inFeatures);
    this.outFeatures = checkNonNegativeInt(op, 'outFeatures', outFeatures);
    const bias = checkBool(op, 'bias', options.bias ?? true);
    this.registerParameter('weight', empty([outFeatures, inFeatures]));
    this.registerParameter('bias', bias ? empty([outFeatures]) : null);
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

  override forward(x: Tensor): Tensor {
    checkInput('Linear', x);
    if (x.ndim === 0 || x.shape[x.ndim - 1] !== this.inFeatures) {
      throw new RangeError(`Linear: expected an input with last dimension ${this.inFeatures} (inFeatures) but got shape ${formatShape(x.shape)}`);
    }
    return F.linear(x, this.weight, this.bias ?? undefined);
  }

  override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}
