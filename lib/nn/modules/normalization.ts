// Batch normalization layers. Buffers and their names follow PyTorch (running_mean,
// running_var, num_batches_tracked), so stateDicts load across the two.
import { noGrad } from '../../autograd.js';
import { empty, zeros } from '../../ops/creation.js';
import { formatShape } from '../../shape.js';
import type { Tensor } from '../../tensor.js';
import { describeValue } from '../../validate.js';
import * as F from '../functional.js';
import { ones_, zeros_ } from '../init.js';
import { Module } from '../module.js';
import { checkBool, checkInput, checkPositiveInt } from './utils.js';

export interface BatchNormOptions {
  /** Added to the variance for stability (default 1e-5). */
  eps?: number;
  /** Weight of the newest batch in the running statistics (default 0.1); null for a cumulative average. */
  momentum?: number | null;
  /** Learn a per-channel scale and shift (default true). */
  affine?: boolean;
  /** Keep running statistics for evaluation (default true); otherwise always use batch statistics. */
  trackRunningStats?: boolean;
}

/** Shared state of BatchNorm1d / BatchNorm2d. */
abstract class BatchNormBase extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  declare weight: Tensor | null;
  declare bias: Tensor | null;
  declare runningMean: Tensor | null;
  declare runningVar: Tensor | null;
  declare numBatchesTracked: Tensor | null;

  constructor(op: string, numFeatures: number, options: BatchNormOptions) {
    super();
    this.numFeatures = checkPositiveInt(op, 'numFeatures', numFeatures);
    const eps = options.eps ?? 1e-5;
    if (typeof eps !== 'number' || !(eps >= 0)) throw new RangeError(`${op}: eps must be a non-negative number but received ${describeValue(eps)}`);
    this.eps = eps;
    const momentum = options.momentum === undefined ? 0.1 : options.momentum;
    if (momentum !== null && (typeof momentum !== 'number' || !(momentum >= 0 && momentum <= 1))) {
      throw new RangeError(`${op}: momentum must be in [0, 1] or null but received ${describeValue(momentum)}`);
    }
    this.momentum = momentum;
    this.affine = checkBool(op, 'affine', options.affine ?? true);
    this.trackRunningStats = checkBool(op, 'trackRunningStats', options.trackRunningStats ?? true);
    this.registerParameter('weight', this.affine ? empty([numFeatures]) : null);
    this.registerParameter('bias', this.affine ? empty([numFeatures]) : null);
    if (this.trackRunningStats) {
      this.registerBuffer('running_mean', zeros([numFeatures]));
      this.registerBuffer('running_var', empty([numFeatures]));
      this.registerBuffer('num_batches_tracked', zeros([], { dtype: 'int32' }));
    } else {
      this.registerBuffer('running_mean', null);
      this.registerBuffer('running_var', null);
      this.registerBuffer('num_batches_tracked', null);
    }
    this.resetParameters();
  }

  /** Running mean 0, running variance 1, batch count 0. */
  resetRunningStats(): void {
    if (!this.trackRunningStats) return;
    zeros_(this.runningMean!);
    ones_(this.runningVar!);
    noGrad(() => this.numBatchesTracked!.zero_());
  }

  /** Running stats reset; weight 1 and bias 0. */
  resetParameters(): void {
    this.resetRunningStats();
    if (this.affine) {
      ones_(this.weight!);
      zeros_(this.bias!);
    }
  }

  protected abstract checkInputShape(x: Tensor): void;

  override forward(x: Tensor): Tensor {
    const op = this._name();
    checkInput(op, x);
    this.checkInputShape(x);
    if (x.shape[1] !== this.numFeatures) {
      throw new RangeError(`${op}: expected an input with ${this.numFeatures} channels (numFeatures) in dimension 1 but got shape ${formatShape(x.shape)}`);
    }
    let factor = this.momentum ?? 0;
    if (this.training && this.trackRunningStats && this.numBatchesTracked) {
      const count = this.numBatchesTracked;
      noGrad(() => count.add_(1));
      if (this.momentum === null) factor = 1 / count.item();
    }
    // Batch statistics in training, or always when there are no running stats.
    const useBatchStats = this.training || (this.runningMean === null && this.runningVar === null);
    const track = !this.training || this.trackRunningStats;
    return F.batchNorm(x, track ? this.runningMean : null, track ? this.runningVar : null, this.weight, this.bias, {
      training: useBatchStats, momentum: factor, eps: this.eps,
    });
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum ?? 'None'}, affine=${this.affine}, trackRunningStats=${this.trackRunningStats}`;
  }
}

/** Batch normalization over [N, C] or [N, C, L] input (per channel C). */
export class BatchNorm1d extends BatchNormBase {
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super('BatchNorm1d', numFeatures, options);
  }
  protected override checkInputShape(x: Tensor): void {
    if (x.ndim !== 2 && x.ndim !== 3) throw new RangeError(`BatchNorm1d: expected a 2-D or 3-D input but got shape ${formatShape(x.shape)}`);
  }
}

/**
 * Batch normalization over [N, C, H, W] input (per channel C).
 *
 * @example
 * const bn = new nn.BatchNorm2d(16);
 * bn.forward(keel.randn([8, 16, 4, 4]));   // training: batch statistics, running stats updated
 * bn.eval();                              // evaluation: running statistics
 */
export class BatchNorm2d extends BatchNormBase {
  constructor(numFeatures: number, options: BatchNormOptions = {}) {
    super('BatchNorm2d', numFeatures, options);
  }
  protected override checkInputShape(x: Tensor): void {
    if (x.ndim !== 4) throw new RangeError(`BatchNorm2d: expected a 4-D input but got shape ${formatShape(x.shape)}`);
  }
}
