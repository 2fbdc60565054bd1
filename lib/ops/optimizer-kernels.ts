// Fused optimizer updates: one native call per parameter per step (native/kernels/optim),
// following PyTorch 1.13's single-tensor algorithms. The optimizers in lib/optim/ call these.
import { native } from '../native.js';
import { formatShape } from '../shape.js';
import { params, type Tensor } from '../tensor.js';

export interface FusedHyper {
  lr: number;
  weightDecay?: number;
  momentum?: number;
  dampening?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  alpha?: number;
  lrDecay?: number;
  nesterov?: boolean;
  maximize?: boolean;
  amsgrad?: boolean;
  centered?: boolean;
  /** AdamW: decay the weights directly instead of adding to the gradient. */
  decoupled?: boolean;
  /** The step count after this update (1 on the first). */
  step?: number;
  /** SGD: this is the first step, so the momentum buffer starts as the gradient. */
  firstStep?: boolean;
}

export const OptimKind = { sgd: 0, adam: 1, adagrad: 2, rmsprop: 3 } as const;

function operand(op: string, t: Tensor | null | undefined, n: number, name: string): [number, number] {
  if (!t) return [0, 0];
  if (t.numel() !== n || !t.isContiguous() || t.dtype !== 'float32') {
    throw new RangeError(`${op}: ${name} of shape ${formatShape(t.shape)} must be a contiguous float32 tensor of ${n} elements`);
  }
  t._storage.version++;
  return [t._handle(op), t._offset];
}

/**
 * Updates `param` in place from `grad` and up to three state tensors (see OptimKind for which).
 * No autograd: call it inside noGrad() or on tensors that do not record.
 */
export function fusedOptimizerStep(kind: number, param: Tensor, grad: Tensor, states: Array<Tensor | null | undefined>, h: FusedHyper): void {
  const op = 'optimizer.step';
  const n = param.numel();
  const p = operand(op, param, n, 'param');
  const g = operand(op, grad, n, 'grad');
  grad._storage.version--; // the gradient is only read
  const [s1, s2, s3] = [0, 1, 2].map((i) => operand(op, states[i], n, `state ${i}`));
  const values = [
    h.lr, h.weightDecay ?? 0, h.momentum ?? 0, h.dampening ?? 0, h.beta1 ?? 0.9, h.beta2 ?? 0.999, h.eps ?? 1e-8, h.alpha ?? 0.99,
    h.lrDecay ?? 0, h.nesterov ? 1 : 0, h.maximize ? 1 : 0, h.amsgrad ? 1 : 0, h.centered ? 1 : 0, h.decoupled ? 1 : 0, h.step ?? 1,
    h.firstStep ? 1 : 0,
  ];
  for (let i = 0; i < values.length; i++) params[i] = values[i];
  native.optimStep(kind, ...p, ...g, ...s1, ...s2, ...s3, n);
}
