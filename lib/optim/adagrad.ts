// Adagrad with learning-rate decay, weight decay and an initial accumulator value: PyTorch
// 1.13's torch.optim.Adagrad update rule.
import { full } from '../ops/creation.js';
import { fusedOptimizerStep, OptimKind } from '../ops/optimizer-kernels.js';
import { contiguous } from '../ops/shape.js';
import { keep } from '../memory.js';
import type { Tensor } from '../tensor.js';
import { checkBool, checkHyper, Optimizer, type ParamGroup, type ParamsInput, type ParamState } from './optimizer.js';

export interface AdagradOptions {
  /** Learning rate (default 1e-2). */
  lr: number;
  /** Learning-rate decay: lr / (1 + (t − 1) · lrDecay) (default 0). */
  lrDecay: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Starting value of the sum of squared gradients (default 0). */
  initialAccumulatorValue: number;
  /** Added to the denominator (default 1e-10). */
  eps: number;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize: boolean;
}

/**
 * Adagrad: s ← s + g², p ← p − lr/(1 + (t − 1)·lrDecay) · g / (√s + ε). The state is created
 * when the optimizer is, as PyTorch does.
 */
export class Adagrad extends Optimizer<AdagradOptions> {
  constructor(params: ParamsInput<AdagradOptions>, options: Partial<AdagradOptions> = {}) {
    super('Adagrad', params, {
      lr: options.lr ?? 1e-2,
      lrDecay: options.lrDecay ?? 0,
      weightDecay: options.weightDecay ?? 0,
      initialAccumulatorValue: options.initialAccumulatorValue ?? 0,
      eps: options.eps ?? 1e-10,
      maximize: options.maximize ?? false,
    });
    for (const group of this.paramGroups) for (const p of group.params) this.stateFor(p, group);
  }

  protected override validateGroup(g: ParamGroup<AdagradOptions>): void {
    checkHyper('Adagrad', 'lr', g.lr, { min: 0 });
    checkHyper('Adagrad', 'lrDecay', g.lrDecay, { min: 0 });
    checkHyper('Adagrad', 'weightDecay', g.weightDecay, { min: 0 });
    checkHyper('Adagrad', 'initialAccumulatorValue', g.initialAccumulatorValue, { min: 0 });
    checkHyper('Adagrad', 'eps', g.eps, { min: 0 });
    checkBool('Adagrad', 'maximize', g.maximize);
  }

  protected initState(param: Tensor, group: ParamGroup<AdagradOptions>): ParamState {
    return { step: 0, sum: keep(full(param.shape, group.initialAccumulatorValue)) };
  }

  protected updateParam(param: Tensor, grad: Tensor, state: ParamState, group: ParamGroup<AdagradOptions>): void {
    const { lr, lrDecay, weightDecay, eps, maximize } = group;
    const step = (state.step as number) + 1;
    state.step = step;
    fusedOptimizerStep(OptimKind.adagrad, param, contiguous(grad), [state.sum as Tensor], { lr, lrDecay, weightDecay, eps, maximize, step });
  }
}
