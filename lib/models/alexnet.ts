// AlexNet, torchvision's variant (torchvision.models.alexnet): same module names, order and
// shapes, so torchvision's state_dict loads with loadStateDict.
import type { Tensor } from '../tensor.js';
import { ReLU } from '../nn/modules/activation.js';
import { Sequential } from '../nn/modules/container.js';
import { Conv2d } from '../nn/modules/conv.js';
import { Dropout } from '../nn/modules/dropout.js';
import { Linear } from '../nn/modules/linear.js';
import { AdaptiveAvgPool2d, MaxPool2d } from '../nn/modules/pooling.js';
import { Module } from '../nn/module.js';
import { checkCount, checkProbability } from './utils.js';

export interface AlexNetOptions {
  /** Output classes (default 1000). */
  numClasses?: number;
  /** Dropout probability in the classifier (default 0.5). */
  dropout?: number;
}

/**
 * AlexNet (one-GPU variant, as torchvision). Input [N, 3, H, W] with H, W >= 63; the adaptive
 * pooling to 6x6 makes any such size work (224x224 is the trained size).
 */
export class AlexNet extends Module {
  declare features: Sequential;
  declare avgpool: AdaptiveAvgPool2d;
  declare classifier: Sequential;

  constructor(options: AlexNetOptions = {}) {
    super();
    const numClasses = checkCount('alexnet', 'numClasses', options.numClasses ?? 1000);
    const p = checkProbability('alexnet', 'dropout', options.dropout ?? 0.5);
    this.registerModule('features', new Sequential(
      new Conv2d(3, 64, 11, { stride: 4, padding: 2 }), new ReLU(), new MaxPool2d(3, { stride: 2 }),
      new Conv2d(64, 192, 5, { padding: 2 }), new ReLU(), new MaxPool2d(3, { stride: 2 }),
      new Conv2d(192, 384, 3, { padding: 1 }), new ReLU(),
      new Conv2d(384, 256, 3, { padding: 1 }), new ReLU(),
      new Conv2d(256, 256, 3, { padding: 1 }), new ReLU(),
      new MaxPool2d(3, { stride: 2 }),
    ));
    this.registerModule('avgpool', new AdaptiveAvgPool2d([6, 6]));
    this.registerModule('classifier', new Sequential(
      new Dropout(p), new Linear(256 * 6 * 6, 4096), new ReLU(),
      new Dropout(p), new Linear(4096, 4096), new ReLU(),
      new Linear(4096, numClasses),
    ));
  }

  override forward(x: Tensor): Tensor {
    const f = this.avgpool.forward(this.features.forward(x));
    return this.classifier.forward(f.flatten(1));
  }
}

export function alexnet(options: AlexNetOptions = {}): AlexNet {
  return new AlexNet(options);
}
