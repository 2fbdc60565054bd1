// Weight initialization, PyTorch's torch.nn.init in camelCase: in-place fills drawn from the
// seeded generator (keel.manualSeed), with PyTorch's fan computations and gains. Each function
// writes into `tensor` (without recording a gradient) and returns it.
import { noGrad } from '../autograd.js';
import { normal, tensor as tensorCreate, uniform } from '../ops/creation.js';
import { copy_ } from '../ops/shape.js';
import { formatShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { describeValue } from '../validate.js';

export type Nonlinearity =
  | 'linear' | 'conv1d' | 'conv2d' | 'conv3d' | 'convTranspose1d' | 'convTranspose2d' | 'convTranspose3d'
  | 'sigmoid' | 'tanh' | 'relu' | 'leakyRelu' | 'selu'
  // PyTorch's spellings are accepted too.
  | 'conv_transpose1d' | 'conv_transpose2d' | 'conv_transpose3d' | 'leaky_relu';

export type FanMode = 'fanIn' | 'fanOut' | 'fan_in' | 'fan_out';

function checkTensorArg(op: string, t: unknown): Tensor {
  if (!(t instanceof Tensor)) throw new TypeError(`${op}: expected a Tensor for tensor but received ${describeValue(t)}`);
  if (t.isDisposed) throw new Error(`${op}: tensor of shape ${formatShape(t.shape)} has been disposed`);
  if (t.dtype !== 'float32') throw new TypeError(`${op}: expected a float32 tensor but received ${t.dtype}`);
  return t;
}

/** Writes `src` into `dst` without autograd and frees `src`. */
function fillFrom(dst: Tensor, src: Tensor): Tensor {
  try {
    noGrad(() => copy_(dst, src));
  } finally {
    src.dispose();
  }
  return dst;
}

/**
 * The recommended gain for a nonlinearity (PyTorch's calculate_gain): 1 for linear/conv/
 * sigmoid, 5/3 for tanh, sqrt(2) for relu, sqrt(2 / (1 + slope^2)) for leaky relu (slope
 * `param`, default 0.01), 3/4 for selu.
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number | null): number {
  const op = 'calculateGain';
  switch (nonlinearity) {
    case 'linear': case 'conv1d': case 'conv2d': case 'conv3d': case 'convTranspose1d': case 'convTranspose2d': case 'convTranspose3d':
    case 'conv_transpose1d': case 'conv_transpose2d': case 'conv_transpose3d': case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leakyRelu': case 'leaky_relu': {
      if (param != null && (typeof param !== 'number' || !Number.isFinite(param))) {
        throw new TypeError(`${op}: negative slope ${describeValue(param)} is not a valid number`);
      }
      const slope = param ?? 0.01;
      return Math.sqrt(2 / (1 + slope * slope));
    }
    case 'selu':
      return 3 / 4;
    default:
      throw new Error(`${op}: unsupported nonlinearity ${describeValue(nonlinearity)}`);
  }
}

/**
 * [fanIn, fanOut] of a weight (PyTorch's _calculate_fan_in_and_fan_out): dim 1 is the input,
 * dim 0 the output, and any further dims are the receptive field (conv kernels).
 */
export function calculateFanInAndFanOut(tensor: Tensor): [number, number] {
  const op = 'calculateFanInAndFanOut';
  checkTensorArg(op, tensor);
  if (tensor.ndim < 2) {
    throw new RangeError(`${op}: fan in and fan out can not be computed for a tensor with fewer than 2 dimensions (shape ${formatShape(tensor.shape)})`);
  }
  let receptive = 1;
  for (let d = 2; d < tensor.ndim; d++) receptive *= tensor.shape[d];
  return [tensor.shape[1] * receptive, tensor.shape[0] * receptive];
}

function fanFor(op: string, tensor: Tensor, mode: FanMode): number {
  if (mode !== 'fanIn' && mode !== 'fanOut' && mode !== 'fan_in' && mode !== 'fan_out') {
    throw new TypeError(`${op}: expected 'fanIn' or 'fanOut' for mode but received ${describeValue(mode)}`);
  }
  const [fanIn, fanOut] = calculateFanInAndFanOut(tensor);
  return mode === 'fanIn' || mode === 'fan_in' ? fanIn : fanOut;
}

/** Fills with values uniform in [a, b). */
export function uniform_(tensor: Tensor, a = 0, b = 1): Tensor {
  checkTensorArg('uniform_', tensor);
  return fillFrom(tensor, uniform(tensor.shape, a, b));
}

/** Fills with values from N(mean, std^2). */
export function normal_(tensor: Tensor, mean = 0, std = 1): Tensor {
  checkTensorArg('normal_', tensor);
  return fillFrom(tensor, normal(tensor.shape, mean, std));
}

/** Fills with `value`. */
export function constant_(tensor: Tensor, value: number): Tensor {
  checkTensorArg('constant_', tensor);
  if (typeof value !== 'number') throw new TypeError(`constant_: expected a number for value but received ${describeValue(value)}`);
  noGrad(() => tensor.fill_(value));
  return tensor;
}

export function zeros_(tensor: Tensor): Tensor {
  return constant_(tensor, 0);
}

export function ones_(tensor: Tensor): Tensor {
  return constant_(tensor, 1);
}

/** The identity matrix (2-D tensors only), as PyTorch's eye_. */
export function eye_(tensor: Tensor): Tensor {
  checkTensorArg('eye_', tensor);
  if (tensor.ndim !== 2) throw new RangeError(`eye_: only 2-D tensors are supported (shape ${formatShape(tensor.shape)})`);
  const [n, m] = tensor.shape;
  const data = new Float32Array(n * m);
  for (let i = 0; i < Math.min(n, m); i++) data[i * m + i] = 1;
  return fillFrom(tensor, tensorCreate(data, { shape: tensor.shape }));
}

export interface KaimingOptions {
  /** Negative slope of the rectifier after this layer (leaky relu only). Default 0. */
  a?: number;
  /** 'fanIn' (default) preserves the forward variance, 'fanOut' the backward one. */
  mode?: FanMode;
  /** Default 'leakyRelu' (with a = 0 that is relu's gain). */
  nonlinearity?: Nonlinearity;
}

function kaimingStd(op: string, tensor: Tensor, options: KaimingOptions): number {
  checkTensorArg(op, tensor);
  const fan = fanFor(op, tensor, options.mode ?? 'fanIn');
  const gain = calculateGain(options.nonlinearity ?? 'leakyRelu', options.a ?? 0);
  return fan === 0 ? 0 : gain / Math.sqrt(fan);
}

/**
 * He uniform initialization: U(-bound, bound) with bound = gain * sqrt(3 / fan). PyTorch's
 * Linear and Conv layers use `{ a: Math.sqrt(5) }`, giving bound = 1 / sqrt(fanIn).
 */
export function kaimingUniform_(tensor: Tensor, options: KaimingOptions = {}): Tensor {
  const bound = Math.sqrt(3) * kaimingStd('kaimingUniform_', tensor, options);
  return fillFrom(tensor, uniform(tensor.shape, -bound, bound));
}

/** He normal initialization: N(0, std^2) with std = gain / sqrt(fan). */
export function kaimingNormal_(tensor: Tensor, options: KaimingOptions = {}): Tensor {
  const std = kaimingStd('kaimingNormal_', tensor, options);
  return fillFrom(tensor, normal(tensor.shape, 0, std));
}

/** Glorot uniform: U(-a, a) with a = gain * sqrt(6 / (fanIn + fanOut)). */
export function xavierUniform_(tensor: Tensor, gain = 1): Tensor {
  checkTensorArg('xavierUniform_', tensor);
  const [fanIn, fanOut] = calculateFanInAndFanOut(tensor);
  const a = gain * Math.sqrt(6 / (fanIn + fanOut));
  return fillFrom(tensor, uniform(tensor.shape, -a, a));
}

/** Glorot normal: N(0, std^2) with std = gain * sqrt(2 / (fanIn + fanOut)). */
export function xavierNormal_(tensor: Tensor, gain = 1): Tensor {
  checkTensorArg('xavierNormal_', tensor);
  const [fanIn, fanOut] = calculateFanInAndFanOut(tensor);
  const std = gain * Math.sqrt(2 / (fanIn + fanOut));
  return fillFrom(tensor, normal(tensor.shape, 0, std));
}
