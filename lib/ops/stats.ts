// Variance and standard deviation, composed from differentiable ops (their gradients come
// from the pieces).
import type { Tensor } from '../tensor.js';
import { mul, sub } from './binary.js';
import { mean, normalizeDims, type ReduceOptions, sum } from './reduce.js';
import { sqrt } from './unary.js';
import { checkTensor } from './util.js';

export interface VarOptions extends ReduceOptions {
  /** Divide by N - correction: 1 (Bessel's correction, PyTorch's default) or 0. */
  correction?: number;
}

/** Variance over `dim` (all dims when omitted), with Bessel's correction by default. */
export function variance(x: Tensor, options: VarOptions = {}): Tensor {
  const op = 'var';
  checkTensor(op, 'input', x);
  const dims = normalizeDims(op, options.dim, x.ndim);
  const n = dims.reduce((c, d) => c * x.shape[d], 1);
  const correction = options.correction ?? 1;
  const m = mean(x, { dim: dims, keepdim: true });
  const d = sub(x, m);
  const sq = mul(d, d);
  const s = sum(sq, { dim: dims, keepdim: options.keepdim ?? false });
  const out = mul(s, 1 / Math.max(n - correction, 0));
  if (!out.requiresGrad) for (const t of [m, d, sq, s]) t.dispose();
  return out;
}

/** Standard deviation: sqrt(var). */
export function std(x: Tensor, options: VarOptions = {}): Tensor {
  const v = variance(x, options);
  const out = sqrt(v);
  if (!out.requiresGrad) v.dispose();
  return out;
}
