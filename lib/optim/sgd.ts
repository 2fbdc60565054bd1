// Stochastic gradient descent with momentum, dampening, Nesterov momentum, weight decay and
// maximize: PyTorch 1.13's torch.optim.SGD update rule.
import { keep } from '../memory.js';
import { zerosLike } from '../ops/creation.js';
import { fusedOptimizerStep, OptimKind } from '../ops/optimizer-kernels.js';
import { contiguous } from '../ops/shape.js';
import type { Tensor } from '../tensor.js';
import { checkBool, checkHyper, Optimizer, type ParamGroup, type ParamsInput, type ParamState } from './optimizer.js';

export interface SGDOptions {
  /** Learning rate (required). */
  lr: number;
  /** Momentum factor (default 0). */
  momentum: number;
  /** Dampening of the momentum (default 0). */
  dampening: number;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay: number;
  /** Nesterov momentum (default false; needs momentum > 0 and dampening 0). */
  nesterov: boolean;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize: boolean;
}

/**
 * SGD: with momentum μ, b ← μ b + (1 − dampening) g (b = g on the first step), and
 * p ← p − lr · b (or g + μ b with Nesterov).
 *
 * @example
 * const opt = new keel.optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
 */
export class SGD extends Optimizer<SGDOptions> {
  /** `lr` is required, here or in every parameter group (as in PyTorch 1.13). */
  constructor(params: ParamsInput<SGDOptions>, options: Partial<SGDOptions> = {}) {
    super('SGD', params, {
      lr: options.lr as number,
      momentum: options.momentum ?? 0,
      dampening: options.dampening ?? 0,
      weightDecay: options.weightDecay ?? 0,
      nesterov: options.nesterov ?? false,
      maximize: options.maximize ?? false,
    });
  }

  protected override validateGroup(g: ParamGroup<SGDOptions>): void {
    if (g.lr === undefined) throw new TypeError('SGD: the learning rate lr is required (e.g. { lr: 0.01 }), in the options or in every parameter group');
    checkHyper('SGD', 'lr', g.lr, { min: 0 });
    checkHyper('SGD', 'momentum', g.momentum, { min: 0 });
    checkHyper('SGD', 'dampening', g.dampening);
    checkHyper('SGD', 'weightDecay', g.weightDecay, { min: 0 });
    checkBool('SGD', 'nesterov', g.nesterov);
    checkBool('SGD', 'maximize', g.maximize);
    if (g.nesterov && (g.momentum <= 0 || g.dampening !== 0)) {
      throw new RangeError('SGD: Nesterov momentum requires a momentum and zero dampening');
    }
  }

  protected initState(): ParamState {
    return {};
  }

  // One fused native pass per parameter (native/kernels/optim): d = g (+ wd p), the momentum
  // buffer (starting as d on the first step), nesterov, p -= lr d.
  protected updateParam(param: Tensor, grad: Tensor, state: ParamState, group: ParamGroup<SGDOptions>): void {
    const { lr, momentum, dampening, weightDecay, nesterov, maximize } = group;
    let buf = state.momentumBuffer as Tensor | undefined;
    const firstStep = momentum !== 0 && buf === undefined;
    if (firstStep) {
      buf = keep(zerosLike(param));
      state.momentumBuffer = buf;
    }
    fusedOptimizerStep(OptimKind.sgd, param, contiguous(grad), [momentum !== 0 ? buf : null], {
      lr, momentum, dampening, weightDecay, nesterov, maximize, firstStep,
    });
  }
}
