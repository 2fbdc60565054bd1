// LeNet-5 (LeCun et al., 1998) with ReLU and max pooling, the common modern variant.
import type { Tensor } from '../tensor.js';
import { ReLU } from '../nn/modules/activation.js';
import { Sequential } from '../nn/modules/container.js';
import { Conv2d } from '../nn/modules/conv.js';
import { Flatten } from '../nn/modules/flatten.js';
import { Linear } from '../nn/modules/linear.js';
import { MaxPool2d } from '../nn/modules/pooling.js';
import { Module } from '../nn/module.js';
import { checkCount } from './utils.js';

export interface LeNet5Options {
  /** Output classes (default 10). */
  numClasses?: number;
  /** Input channels (default 1, grayscale). */
  inChannels?: number;
  /** Height and width of the square input (default 28; 32 for CIFAR-size images; at least 12). */
  inputSize?: number;
}

/**
 * conv 6@5x5 (padding 2) - ReLU - maxpool 2 - conv 16@5x5 - ReLU - maxpool 2 - flatten -
 * 120 - 84 - numClasses. Expects [N, inChannels, 28, 28] input by default (the padding makes
 * 28x28 play the role of the original 32x32); `inputSize` sizes the first Linear for other
 * squares. stateDict keys: `features.{0,3}.*`, `classifier.{1,3,5}.*`.
 */
export class LeNet5 extends Module {
  declare features: Sequential;
  declare classifier: Sequential;

  constructor(options: LeNet5Options = {}) {
    super();
    const numClasses = checkCount('lenet5', 'numClasses', options.numClasses ?? 10);
    const inChannels = checkCount('lenet5', 'inChannels', options.inChannels ?? 1);
    const inputSize = checkCount('lenet5', 'inputSize', options.inputSize ?? 28);
    // conv 5x5 pad 2 keeps the size; pool halves; conv 5x5 takes 4; pool halves.
    const side = Math.floor((Math.floor(inputSize / 2) - 4) / 2);
    if (side < 1) throw new RangeError(`lenet5: expected an inputSize of at least 12 but received ${inputSize}`);
    this.registerModule('features', new Sequential(
      new Conv2d(inChannels, 6, 5, { padding: 2 }), new ReLU(), new MaxPool2d(2),
      new Conv2d(6, 16, 5), new ReLU(), new MaxPool2d(2),
    ));
    this.registerModule('classifier', new Sequential(
      new Flatten(),
      new Linear(16 * side * side, 120), new ReLU(),
      new Linear(120, 84), new ReLU(),
      new Linear(84, numClasses),
    ));
  }

  override forward(x: Tensor): Tensor {
    return this.classifier.forward(this.features.forward(x));
  }
}

export function lenet5(options: LeNet5Options = {}): LeNet5 {
  return new LeNet5(options);
}
