// Multi-layer perceptron: Flatten, then (Linear, ReLU[, Dropout]) per hidden size, then a Linear
// classifier, all in one Sequential (stateDict keys `1.weight`, `1.bias`, ..., as the same
// torch.nn.Sequential would give).
import { Dropout } from '../nn/modules/dropout.js';
import { Flatten } from '../nn/modules/flatten.js';
import { Linear } from '../nn/modules/linear.js';
import { ReLU } from '../nn/modules/activation.js';
import { Sequential } from '../nn/modules/container.js';
import type { Module } from '../nn/module.js';
import { checkCount, checkProbability } from './utils.js';

export interface MLPOptions {
  /** Input features after flattening (default 784, a 28x28 image). */
  inFeatures?: number;
  /** Hidden layer widths (default [512, 256]). */
  hidden?: readonly number[];
  /** Output classes (default 10). */
  numClasses?: number;
  /** Dropout probability after each hidden ReLU; 0 (default) adds no Dropout modules. */
  dropout?: number;
}

/**
 * A fully connected classifier. Accepts [N, ...] inputs whose trailing dims multiply to
 * `inFeatures` (e.g. [N, 1, 28, 28]); returns [N, numClasses] logits.
 */
export function mlp(options: MLPOptions = {}): Sequential {
  const op = 'mlp';
  const inFeatures = checkCount(op, 'inFeatures', options.inFeatures ?? 784);
  const hidden = options.hidden ?? [512, 256];
  if (!Array.isArray(hidden)) throw new TypeError(`${op}: expected an array of widths for hidden`);
  hidden.forEach((h, i) => checkCount(op, `hidden[${i}]`, h));
  const numClasses = checkCount(op, 'numClasses', options.numClasses ?? 10);
  const p = checkProbability(op, 'dropout', options.dropout ?? 0);
  const layers: Module[] = [new Flatten()];
  let width = inFeatures;
  for (const h of hidden) {
    layers.push(new Linear(width, h), new ReLU());
    if (p > 0) layers.push(new Dropout(p));
    width = h;
  }
  layers.push(new Linear(width, numClasses));
  return new Sequential(...layers);
}
