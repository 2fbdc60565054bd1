// Gradient clipping: by total norm (torch.nn.utils.clip_grad_norm_) and by value
// (torch.nn.utils.clip_grad_value_). Both modify the gradients in place.
import { noGrad } from '../autograd.js';
import { tidy } from '../memory.js';
import { mul_, pow } from '../ops/binary.js';
import { max, sum } from '../ops/reduce.js';
import { copy_ } from '../ops/shape.js';
import { abs, clamp } from '../ops/unary.js';
import { Tensor } from '../tensor.js';
import { describeValue } from '../validate.js';

export interface ClipGradNormOptions {
  /** Order of the norm: any p > 0, or Infinity for the largest magnitude (default 2). */
  normType?: number;
  /** Throw if the total norm is NaN or infinite (default false). */
  errorIfNonfinite?: boolean;
}

function gradsOf(op: string, parameters: Tensor | Iterable<Tensor>): Tensor[] {
  if (parameters instanceof Tensor) parameters = [parameters];
  if (parameters == null || typeof (parameters as Iterable<Tensor>)[Symbol.iterator] !== 'function') {
    throw new TypeError(`${op}: expected a Tensor or an iterable of Tensors for parameters but received ${describeValue(parameters)}`);
  }
  const grads: Tensor[] = [];
  for (const p of parameters) {
    if (!(p instanceof Tensor)) throw new TypeError(`${op}: expected Tensors in parameters but received ${describeValue(p)}`);
    if (p.grad !== null && !p.grad.isDisposed) grads.push(p.grad);
  }
  return grads;
}

/**
 * Scales the gradients so that their total norm (the norm of all gradients concatenated) is at
 * most `maxNorm`: each is multiplied by min(1, maxNorm / (total + 1e-6)). Returns the total norm
 * before clipping. Parameters without a gradient are skipped.
 *
 * @example
 * loss.backward();
 * keel.optim.clipGradNorm_(model.parameters(), 1.0);
 * opt.step();
 */
export function clipGradNorm_(parameters: Tensor | Iterable<Tensor>, maxNorm: number, options: ClipGradNormOptions = {}): number {
  const op = 'clipGradNorm_';
  if (typeof maxNorm !== 'number' || Number.isNaN(maxNorm)) throw new TypeError(`${op}: expected a number for maxNorm but received ${describeValue(maxNorm)}`);
  const p = options.normType ?? 2;
  if (typeof p !== 'number' || !(p > 0)) throw new RangeError(`${op}: expected a number > 0 or Infinity for normType but received ${describeValue(p)}`);
  const grads = gradsOf(op, parameters);
  if (grads.length === 0) return 0;
  // Per-gradient norms in float32 (as torch.norm gives them), combined in float64.
  const total = noGrad(() => tidy(() => {
    if (p === Infinity) {
      let m = 0;
      for (const g of grads) {
        if (g.numel() === 0) continue;
        const v = max(abs(g)).item();
        if (Number.isNaN(v) || v > m) m = v;
        if (Number.isNaN(m)) break;
      }
      return m;
    }
    let acc = 0;
    for (const g of grads) {
      let n: number;
      if (p === 2) n = Math.fround(Math.sqrt(sum(pow(g, 2)).item()));
      else if (p === 1) n = sum(abs(g)).item();
      else n = Math.fround(sum(pow(abs(g), p)).item() ** (1 / p));
      acc += p === 1 ? n : n ** p;
    }
    return Math.fround(p === 1 ? acc : acc ** (1 / p));
  }));
  if (options.errorIfNonfinite && !Number.isFinite(total)) {
    throw new Error(
      `${op}: the total norm of order ${p} for gradients from \`parameters\` is non-finite, so it cannot be clipped. ` +
        'To disable this error and scale the gradients by the non-finite norm anyway, set errorIfNonfinite: false',
    );
  }
  const coef = Math.fround(maxNorm / Math.fround(total + 1e-6));
  const clamped = Math.min(coef, 1);
  // PyTorch multiplies by the clamped coefficient unconditionally; a factor of 1 changes nothing.
  if (!(clamped === 1)) noGrad(() => { for (const g of grads) mul_(g, clamped); });
  return total;
}

/** Clamps every gradient into [-clipValue, clipValue] in place. */
export function clipGradValue_(parameters: Tensor | Iterable<Tensor>, clipValue: number): void {
  const op = 'clipGradValue_';
  if (typeof clipValue !== 'number' || Number.isNaN(clipValue)) throw new TypeError(`${op}: expected a number for clipValue but received ${describeValue(clipValue)}`);
  const grads = gradsOf(op, parameters);
  noGrad(() => tidy(() => { for (const g of grads) copy_(g, clamp(g, -clipValue, clipValue)); }));
}
