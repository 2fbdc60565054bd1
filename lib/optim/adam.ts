// Adam and AdamW (decoupled weight decay), with amsgrad and maximize: PyTorch 1.13's
// torch.optim.Adam / AdamW update rules (the single-tensor path, its CPU default).
import { keep } from '../memory.js';
import { zerosLike } from '../ops/creation.js';
import { fusedOptimizerStep, OptimKind } from '../ops/optimizer-kernels.js';
import { contiguous } from '../ops/shape.js';
import type { Tensor } from '../tensor.js';
import { describeValue } from '../validate.js';
import { checkBool, checkHyper, Optimizer, type ParamGroup, type ParamsInput, type ParamState } from './optimizer.js';

export interface AdamOptions {
  /** Learning rate (default 1e-3). */
  lr: number;
  /** Decay rates of the first and second moment estimates (default [0.9, 0.999]). */
  betas: [number, number];
  /** Added to the denominator for numerical stability (default 1e-8). */
  eps: number;
  /** Adam: L2 penalty added to the gradient (default 0). AdamW: decoupled decay (default 1e-2). */
  weightDecay: number;
  /** Use the maximum of past second moments (AMSGrad, default false). */
  amsgrad: boolean;
  /** Maximize the objective instead of minimizing it (default false). */
  maximize: boolean;
}

function validate(op: string, g: ParamGroup<AdamOptions>): void {
  checkHyper(op, 'lr', g.lr, { min: 0 });
  checkHyper(op, 'eps', g.eps, { min: 0 });
  if (!Array.isArray(g.betas) || g.betas.length !== 2) throw new TypeError(`${op}: expected [beta1, beta2] for betas but received ${describeValue(g.betas)}`);
  checkHyper(op, 'betas[0]', g.betas[0], { min: 0, max: 1, maxExclusive: true });
  checkHyper(op, 'betas[1]', g.betas[1], { min: 0, max: 1, maxExclusive: true });
  checkHyper(op, 'weightDecay', g.weightDecay, { min: 0 });
  checkBool(op, 'amsgrad', g.amsgrad);
  checkBool(op, 'maximize', g.maximize);
}

function adamInit(param: Tensor, group: ParamGroup<AdamOptions>): ParamState {
  const s: ParamState = { step: 0, expAvg: zerosLike(param), expAvgSq: zerosLike(param) };
  if (group.amsgrad) s.maxExpAvgSq = zerosLike(param);
  return s;
}

/**
 * The shared Adam/AdamW update of one parameter, one fused native pass. `decoupled` selects
 * AdamW's p ← p (1 − lr·wd) in place of Adam's g ← g + wd·p.
 */
function adamUpdate(param: Tensor, grad: Tensor, state: ParamState, group: ParamGroup<AdamOptions>, decoupled: boolean): void {
  const { lr, eps, weightDecay, amsgrad, maximize } = group;
  const [beta1, beta2] = group.betas;
  const step = (state.step as number) + 1;
  state.step = step;
  let maxSq = state.maxExpAvgSq as Tensor | undefined;
  if (amsgrad && maxSq === undefined) {
    maxSq = keep(zerosLike(param));
    state.maxExpAvgSq = maxSq;
  }
  fusedOptimizerStep(OptimKind.adam, param, contiguous(grad), [state.expAvg as Tensor, state.expAvgSq as Tensor, amsgrad ? maxSq : null], {
    lr, eps, weightDecay, amsgrad, maximize, beta1, beta2, step, decoupled,
  });
}

/** Adam and AdamW differ only in their name, the weight-decay default and where decay applies. */
abstract class AdamFamily extends Optimizer<AdamOptions> {
  private readonly decoupled: boolean;

  constructor(name: string, decoupled: boolean, params: ParamsInput<AdamOptions>, options: Partial<AdamOptions>, defaultWeightDecay: number) {
    super(name, params, {
      lr: options.lr ?? 1e-3,
      betas: options.betas ?? [0.9, 0.999],
      eps: options.eps ?? 1e-8,
      weightDecay: options.weightDecay ?? defaultWeightDecay,
      amsgrad: options.amsgrad ?? false,
      maximize: options.maximize ?? false,
    });
    this.decoupled = decoupled;
  }

  protected override validateGroup(g: ParamGroup<AdamOptions>): void {
    validate(this.name, g);
  }

  protected initState(param: Tensor, group: ParamGroup<AdamOptions>): ParamState {
    return adamInit(param, group);
  }

  protected updateParam(param: Tensor, grad: Tensor, state: ParamState, group: ParamGroup<AdamOptions>): void {
    adamUpdate(param, grad, state, group, this.decoupled);
  }
}

/**
 * Adam: m ← β1 m + (1 − β1) g, v ← β2 v + (1 − β2) g², p ← p − lr/(1 − β1^t) · m / (√v/√(1 − β2^t) + ε).
 *
 * @example
 * const opt = new keel.optim.Adam(model.parameters(), { lr: 1e-3 });
 */
export class Adam extends AdamFamily {
  constructor(params: ParamsInput<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super('Adam', false, params, options, 0);
  }
}

/** AdamW: Adam with decoupled weight decay, p ← p (1 − lr·wd) before the Adam step (default wd 1e-2). */
export class AdamW extends AdamFamily {
  constructor(params: ParamsInput<AdamOptions>, options: Partial<AdamOptions> = {}) {
    super('AdamW', true, params, options, 1e-2);
  }
}
