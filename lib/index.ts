/**
 * Keel: deep learning for Node.js on native SIMD kernels.
 *
 * @example
 * import * as keel from 'keel';
 * const x = keel.randn([4, 3], { requiresGrad: true });
 * const loss = x.matmul(keel.randn([3, 2])).relu().sum();
 * loss.backward();
 * console.log(x.grad.toString());
 */
import './ops/index.js';

export * as blas from './blas.js';
export type { Transpose } from './blas.js';
export { cpuInfo, getNumThreads, setIsa, setNumThreads } from './runtime.js';
export type { CpuInfo, Isa } from './runtime.js';
export { NativeStorage, storageStats } from './storage.js';

export { Tensor } from './tensor.js';
export type { DType, NestedArray } from './tensor.js';
export { backward, enableGrad, isGradEnabled, noGrad } from './autograd.js';
export type { BackwardOptions } from './autograd.js';
export { dispose, keep, memory, setPoolLimit, tidy } from './memory.js';
export type { MemoryInfo } from './memory.js';
export { getRngState, initialSeed, manualSeed, setRngState } from './random.js';
export { gradcheck } from './gradcheck.js';
export type { GradcheckOptions } from './gradcheck.js';

export {
  arange, empty, emptyLike, eye, full, fullLike, linspace, normal, ones, onesLike, rand, randint, randintLike, randLike, randn, randnLike, scalar,
  tensor, uniform, zeros, zerosLike,
} from './ops/creation.js';
export type { CreationOptions, TensorData } from './ops/creation.js';
export {
  abs, ceil, clamp, cos, elu, erf, exp, expm1, floor, gelu, hardtanh, leakyRelu, log, log1p, neg, reciprocal, relu, round, rsqrt,
  sigmoid, sign, silu, sin, softplus, sqrt, square, tanh, trunc,
} from './ops/unary.js';
export { add, add_, div, div_, eq, ge, gt, le, lt, maximum, minimum, mul, mul_, ne, pow, sub, sub_, where } from './ops/binary.js';
export type { Operand } from './ops/binary.js';
export { argmax, argmin, logsumexp, max, mean, min, prodOf as prod, sum } from './ops/reduce.js';
export type { Dims, MaxResult, ReduceOptions } from './ops/reduce.js';
export { std, variance as var, variance } from './ops/stats.js';
export type { VarOptions } from './ops/stats.js';
export { logSoftmax, softmax } from './ops/softmax.js';
export { bmm, matmul, mm } from './ops/matmul.js';
export {
  cat, chunk, clone, contiguous, copy_, detach, expand, expandAs, fill_, flatten, gather, indexSelect, narrow, pad, permute, reshape,
  slice, split, squeeze, stack, t, transpose, unsqueeze, view, zero_,
} from './ops/shape.js';
export { to } from './ops/cast.js';

export * as nn from './nn/index.js';
export * as optim from './optim/index.js';
export * as data from './data/index.js';
export * as models from './models/index.js';
export * as io from './io/index.js';
export * as train from './train/index.js';
