// Dropout layers: active in training mode only; identity in eval mode.
import type { Tensor } from '../../tensor.js';
import * as F from '../functional.js';
import { Module } from '../module.js';
import { checkBool, checkInput, checkProbability, checkRank } from './utils.js';

/**
 * Zeroes each element with probability `p` during training and scales the rest by 1/(1-p);
 * the identity in eval mode. Draws from the seeded generator (keel.manualSeed).
 */
export class Dropout extends Module {
  readonly p: number;
  readonly inplace: boolean;
  constructor(p = 0.5, options: { inplace?: boolean } = {}) {
    super();
    this.p = checkProbability(this._name(), p);
    this.inplace = checkBool(this._name(), 'inplace', options.inplace ?? false);
  }
  override forward(x: Tensor): Tensor {
    return F.dropout(checkInput(this._name(), x), { p: this.p, training: this.training });
  }
  override extraRepr(): string {
    return `p=${this.p}, inplace=${this.inplace}`;
  }
}

/**
 * Zeroes whole channels (dim 1 of an [N, C, H, W] input, dim 0 of [C, H, W]) with probability
 * `p` during training, scaling the rest by 1/(1-p).
 */
export class Dropout2d extends Dropout {
  override forward(x: Tensor): Tensor {
    checkInput('Dropout2d', x);
    checkRank('Dropout2d', x, [3, 4]);
    return F.dropout2d(x, { p: this.p, training: this.training });
  }
}
