// VGG (Simonyan & Zisserman, 2014), torchvision's module structure (torchvision.models.vgg*):
// `features.<i>` (conv 3x3 [+ BatchNorm] + ReLU, MaxPool), `avgpool` (adaptive 7x7),
// `classifier.{0,3,6}`; stateDict keys, order and shapes match torchvision, and so does the
// initialization (kaiming-normal fan-out convs, N(0, 0.01) linears, zero biases).
import type { Tensor } from '../tensor.js';
import { ReLU } from '../nn/modules/activation.js';
import { Sequential } from '../nn/modules/container.js';
import { Conv2d } from '../nn/modules/conv.js';
import { Dropout } from '../nn/modules/dropout.js';
import { Linear } from '../nn/modules/linear.js';
import { BatchNorm2d } from '../nn/modules/normalization.js';
import { AdaptiveAvgPool2d, MaxPool2d } from '../nn/modules/pooling.js';
import { Module } from '../nn/module.js';
import * as init from '../nn/init.js';
import { checkCount, checkFlag, checkProbability } from './utils.js';

export interface VGGOptions {
  /** Output classes (default 1000). */
  numClasses?: number;
  /** BatchNorm after every conv (torchvision's vgg*_bn). Default false. */
  batchNorm?: boolean;
  /** Dropout probability in the classifier (default 0.5). */
  dropout?: number;
  /**
   * Apply torchvision's initialization (default true): kaiming-normal fan-out convs, N(0, 0.01)
   * linears, zero biases. false keeps the layers' default init (faster for the 100M-weight
   * classifier, e.g. before loading a stateDict), as torchvision's `init_weights=False`.
   */
  initWeights?: boolean;
}

type Cfg = ReadonlyArray<number | 'M'>;
const CFGS: Record<'A' | 'B' | 'D' | 'E', Cfg> = {
  A: [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
  B: [64, 64, 'M', 128, 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
  D: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M'],
  E: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 256, 'M', 512, 512, 512, 512, 'M', 512, 512, 512, 512, 'M'],
};

function makeLayers(cfg: Cfg, batchNorm: boolean): Sequential {
  const layers: Module[] = [];
  let inChannels = 3;
  for (const v of cfg) {
    if (v === 'M') {
      layers.push(new MaxPool2d(2, { stride: 2 }));
    } else {
      layers.push(new Conv2d(inChannels, v, 3, { padding: 1 }));
      if (batchNorm) layers.push(new BatchNorm2d(v));
      layers.push(new ReLU());
      inChannels = v;
    }
  }
  return new Sequential(...layers);
}

/** A VGG network; input [N, 3, H, W] with H, W >= 32 (five 2x2 poolings). */
export class VGG extends Module {
  declare features: Sequential;
  declare avgpool: AdaptiveAvgPool2d;
  declare classifier: Sequential;

  constructor(cfg: Cfg, options: VGGOptions = {}, op = 'VGG') {
    super();
    const numClasses = checkCount(op, 'numClasses', options.numClasses ?? 1000);
    const batchNorm = checkFlag(op, 'batchNorm', options.batchNorm ?? false);
    const p = checkProbability(op, 'dropout', options.dropout ?? 0.5);
    const initWeights = checkFlag(op, 'initWeights', options.initWeights ?? true);
    this.registerModule('features', makeLayers(cfg, batchNorm));
    this.registerModule('avgpool', new AdaptiveAvgPool2d([7, 7]));
    this.registerModule('classifier', new Sequential(
      new Linear(512 * 7 * 7, 4096), new ReLU(), new Dropout(p),
      new Linear(4096, 4096), new ReLU(), new Dropout(p),
      new Linear(4096, numClasses),
    ));
    if (initWeights) this.initWeights();
  }

  private initWeights(): void {
    for (const m of this.modules()) {
      if (m instanceof Conv2d) {
        init.kaimingNormal_(m.weight, { mode: 'fanOut', nonlinearity: 'relu' });
        if (m.bias) init.zeros_(m.bias);
      } else if (m instanceof BatchNorm2d) {
        init.ones_(m.weight!);
        init.zeros_(m.bias!);
      } else if (m instanceof Linear) {
        init.normal_(m.weight, 0, 0.01);
        if (m.bias) init.zeros_(m.bias);
      }
    }
  }

  override forward(x: Tensor): Tensor {
    const f = this.avgpool.forward(this.features.forward(x));
    return this.classifier.forward(f.flatten(1));
  }
}

/** VGG-11 (configuration A); `{ batchNorm: true }` is torchvision's vgg11_bn. */
export function vgg11(options: VGGOptions = {}): VGG {
  return new VGG(CFGS.A, options, 'vgg11');
}

/** VGG-13 (configuration B); `{ batchNorm: true }` is torchvision's vgg13_bn. */
export function vgg13(options: VGGOptions = {}): VGG {
  return new VGG(CFGS.B, options, 'vgg13');
}

/** VGG-16 (configuration D); `{ batchNorm: true }` is torchvision's vgg16_bn. */
export function vgg16(options: VGGOptions = {}): VGG {
  return new VGG(CFGS.D, options, 'vgg16');
}

/** VGG-19 (configuration E); `{ batchNorm: true }` is torchvision's vgg19_bn. */
export function vgg19(options: VGGOptions = {}): VGG {
  return new VGG(CFGS.E, options, 'vgg19');
}
