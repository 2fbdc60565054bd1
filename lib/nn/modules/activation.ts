// Activation layers: thin modules over the elementwise ops (PReLU has a learned slope).
import { full } from '../../ops/creation.js';
import { logSoftmax, softmax } from '../../ops/softmax.js';
import { elu, gelu, hardtanh, leakyRelu, relu, sigmoid, silu, softplus, tanh } from '../../ops/unary.js';
import { formatShape } from '../../shape.js';
import type { Tensor } from '../../tensor.js';
import { describeValue } from '../../validate.js';
import * as F from '../functional.js';
import { Module } from '../module.js';
import { checkInput, checkPositiveInt } from './utils.js';

function checkFinite(op: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new TypeError(`${op}: expected a finite number for ${name} but received ${describeValue(value)}`);
  return value;
}

/** max(0, x). */
export class ReLU extends Module {
  override forward(x: Tensor): Tensor {
    return relu(checkInput('ReLU', x));
  }
}

/** min(max(0, x), 6). */
export class ReLU6 extends Module {
  override forward(x: Tensor): Tensor {
    return hardtanh(checkInput('ReLU6', x), 0, 6);
  }
}

/** 1 / (1 + e^-x). */
export class Sigmoid extends Module {
  override forward(x: Tensor): Tensor {
    return sigmoid(checkInput('Sigmoid', x));
  }
}

export class Tanh extends Module {
  override forward(x: Tensor): Tensor {
    return tanh(checkInput('Tanh', x));
  }
}

/** x * sigmoid(x) (swish). */
export class SiLU extends Module {
  override forward(x: Tensor): Tensor {
    return silu(checkInput('SiLU', x));
  }
}

/** x for x >= 0, negativeSlope * x otherwise (default slope 0.01). */
export class LeakyReLU extends Module {
  readonly negativeSlope: number;
  constructor(negativeSlope = 0.01) {
    super();
    this.negativeSlope = checkFinite('LeakyReLU', 'negativeSlope', negativeSlope);
  }
  override forward(x: Tensor): Tensor {
    return leakyRelu(checkInput('LeakyReLU', x), this.negativeSlope);
  }
  override extraRepr(): string {
    return `negativeSlope=${this.negativeSlope}`;
  }
}

/** x for x > 0, alpha * (e^x - 1) otherwise. */
export class ELU extends Module {
  readonly alpha: number;
  constructor(alpha = 1) {
    super();
    this.alpha = checkFinite('ELU', 'alpha', alpha);
  }
  override forward(x: Tensor): Tensor {
    return elu(checkInput('ELU', x), this.alpha);
  }
  override extraRepr(): string {
    return `alpha=${this.alpha}`;
  }
}

/** x * Phi(x); `approximate: 'tanh'` for the tanh approximation. */
export class GELU extends Module {
  readonly approximate: 'none' | 'tanh';
  constructor(options: { approximate?: 'none' | 'tanh' } = {}) {
    super();
    const approximate = options.approximate ?? 'none';
    if (approximate !== 'none' && approximate !== 'tanh') {
      throw new TypeError(`GELU: expected 'none' or 'tanh' for approximate but received ${describeValue(approximate)}`);
    }
    this.approximate = approximate;
  }
  override forward(x: Tensor): Tensor {
    return gelu(checkInput('GELU', x), { approximate: this.approximate });
  }
  override extraRepr(): string {
    return `approximate='${this.approximate}'`;
  }
}

/** log(1 + e^(beta x)) / beta, linear above `threshold`. */
export class Softplus extends Module {
  readonly beta: number;
  readonly threshold: number;
  constructor(options: { beta?: number; threshold?: number } = {}) {
    super();
    this.beta = checkFinite('Softplus', 'beta', options.beta ?? 1);
    this.threshold = checkFinite('Softplus', 'threshold', options.threshold ?? 20);
  }
  override forward(x: Tensor): Tensor {
    return softplus(checkInput('Softplus', x), { beta: this.beta, threshold: this.threshold });
  }
  override extraRepr(): string {
    return `beta=${this.beta}, threshold=${this.threshold}`;
  }
}

/** Clamps to [minVal, maxVal] (default [-1, 1]). */
export class Hardtanh extends Module {
  readonly minVal: number;
  readonly maxVal: number;
  constructor(minVal = -1, maxVal = 1) {
    super();
    this.minVal = checkFinite('Hardtanh', 'minVal', minVal);
    this.maxVal = checkFinite('Hardtanh', 'maxVal', maxVal);
    if (this.maxVal <= this.minVal) throw new RangeError(`Hardtanh: maxVal (${maxVal}) must be greater than minVal (${minVal})`);
  }
  override forward(x: Tensor): Tensor {
    return hardtanh(checkInput('Hardtanh', x), this.minVal, this.maxVal);
  }
  override extraRepr(): string {
    return `minVal=${this.minVal}, maxVal=${this.maxVal}`;
  }
}

function checkDim(op: string, dim: unknown): number {
  if (typeof dim !== 'number' || !Number.isInteger(dim)) {
    throw new TypeError(`${op}: expected an integer for dim but received ${describeValue(dim)} (Keel requires the dim PyTorch would guess)`);
  }
  return dim;
}

/** softmax along `dim` (required: PyTorch's implicit-dim guess is deprecated). */
export class Softmax extends Module {
  readonly dim: number;
  constructor(dim: number) {
    super();
    this.dim = checkDim('Softmax', dim);
  }
  override forward(x: Tensor): Tensor {
    return softmax(checkInput('Softmax', x), this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/** log(softmax(x)) along `dim`, computed stably. */
export class LogSoftmax extends Module {
  readonly dim: number;
  constructor(dim: number) {
    super();
    this.dim = checkDim('LogSoftmax', dim);
  }
  override forward(x: Tensor): Tensor {
    return logSoftmax(checkInput('LogSoftmax', x), this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/**
 * max(0, x) + a * min(0, x) with a learned slope `a`: one shared value (default) or one per
 * channel (dim 1 of the input), initialized to `init` (0.25).
 */
export class PReLU extends Module {
  declare weight: Tensor;
  constructor(numParameters = 1, init = 0.25) {
    super();
    checkPositiveInt('PReLU', 'numParameters', numParameters);
    checkFinite('PReLU', 'init', init);
    this.registerParameter('weight', full([numParameters], init));
  }
  override forward(x: Tensor): Tensor {
    checkInput('PReLU', x);
    const n = this.weight.shape[0];
    if (n > 1 && (x.ndim < 2 || x.shape[1] !== n)) {
      throw new RangeError(`PReLU: expected an input with ${n} channels (numParameters) in dimension 1 but got shape ${formatShape(x.shape)}`);
    }
    return F.prelu(x, this.weight);
  }
  override extraRepr(): string {
    return `numParameters=${this.weight.shape[0]}`;
  }
}
