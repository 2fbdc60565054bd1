// RMSprop with momentum, centering and weight decay: PyTorch 1.13's torch.optim.RMSprop
// update rule.
import { zerosLike } from '../ops/creation.js';
import { fusedOptimizerStep, OptimKind } from '../ops/optimizer-kernels.js';
import { contiguous } from '../ops/shape.js';
import { keep } from '../memory.js';
import type { Tensor } from '../tensor.js';
import { checkBool, checkHyper, Optimizer, type ParamGroup, type ParamsInput, type ParamState } from './optimizer.js';

export interface RMSpropOptions {
  /** Learning rate (default 1e-2). */
  lr: number;
  /** Smoothing constant of the squared-gradient average (default 0.99). */
  alpha: number;
  /** Added to the denominator (default 1e-8). */
  eps: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Momentum factor (default 0). */
  momentum: number;
  /** Normalize by the estimated variance of the gradient instead of its second moment (default false). */
  centered: boolean;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize: boolean;
}

/**
 * RMSprop: v ← α v + (1 − α) g², with centering v − ḡ²; p ← p − lr · g / (√v + ε), or
 * through a momentum buffer b ← μ b + g / (√v + ε).
 */
export class RMSprop extends Optimizer<RMSpropOptions> {
  constructor(params: ParamsInput<RMSpropOptions>, options: Partial<RMSpropOptions> = {}) {
    super('RMSprop', params, {
      lr: options.lr ?? 1e-2,
      alpha: options.alpha ?? 0.99,
      eps: options.eps ?? 1e-8,
      weightDecay: options.weightDecay ?? 0,
      momentum: options.momentum ?? 0,
      centered: options.centered ?? false,
      maximize: options.maximize ?? false,
    });
  }

  protected override validateGroup(g: ParamGroup<RMSpropOptions>): void {
    checkHyper('RMSprop', 'lr', g.lr, { min: 0 });
    checkHyper('RMSprop', 'alpha', g.alpha, { min: 0 });
    checkHyper('RMSprop', 'eps', g.eps, { min: 0 });
    checkHyper('RMSprop', 'weightDecay', g.weightDecay, { min: 0 });
    checkHyper('RMSprop', 'momentum', g.momentum, { min: 0 });
    checkBool('RMSprop', 'centered', g.centered);
    checkBool('RMSprop', 'maximize', g.maximize);
  }

  protected initState(param: Tensor, group: ParamGroup<RMSpropOptions>): ParamState {
    const s: ParamState = { step: 0, squareAvg: zerosLike(param) };
    if (group.momentum > 0) s.momentumBuffer = zerosLike(param);
    if (group.centered) s.gradAvg = zerosLike(param);
    return s;
  }

  protected updateParam(param: Tensor, grad: Tensor, state: ParamState, group: ParamGroup<RMSpropOptions>): void {
    const { lr, alpha, eps, weightDecay, momentum, centered, maximize } = group;
    state.step = (state.step as number) + 1;
    const gradAvg = centered ? ((state.gradAvg as Tensor | undefined) ?? (state.gradAvg = keep(zerosLike(param)))) : null;
    const buf = momentum > 0 ? ((state.momentumBuffer as Tensor | undefined) ?? (state.momentumBuffer = keep(zerosLike(param)))) : null;
    fusedOptimizerStep(OptimKind.rmsprop, param, contiguous(grad), [state.squareAvg as Tensor, gradAvg, buf], {
      lr, alpha, eps, weightDecay, momentum, centered, maximize,
    });
  }
}
