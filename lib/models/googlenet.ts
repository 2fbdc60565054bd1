// GoogLeNet / Inception v1 (Szegedy et al., 2014), torchvision's module structure
// (torchvision.models.googlenet): BasicConv2d = conv (no bias) + BatchNorm(eps 1e-3) + ReLU,
// Inception blocks with branch1..branch4 (branch3 uses a 3x3 conv where the paper has 5x5, a
// known torchvision quirk kept so its weights load), optional InceptionAux heads aux1/aux2.
// stateDict keys, order and shapes match torchvision for both auxLogits settings.
import type { Tensor } from '../tensor.js';
import { cat, slice } from '../ops/shape.js';
import { Sequential } from '../nn/modules/container.js';
import { Conv2d } from '../nn/modules/conv.js';
import type { ConvOptions } from '../nn/modules/conv.js';
import { Dropout } from '../nn/modules/dropout.js';
import { Linear } from '../nn/modules/linear.js';
import { BatchNorm2d } from '../nn/modules/normalization.js';
import { AdaptiveAvgPool2d, MaxPool2d } from '../nn/modules/pooling.js';
import { Module } from '../nn/module.js';
import * as F from '../nn/functional.js';
import * as init from '../nn/init.js';
import { checkCount, checkFlag, checkProbability } from './utils.js';

/** Conv2d (no bias) + BatchNorm2d(eps 0.001) + ReLU; keys `conv.weight`, `bn.*`. */
export class BasicConv2d extends Module {
  declare conv: Conv2d;
  declare bn: BatchNorm2d;

  constructor(inChannels: number, outChannels: number, kernelSize: number, options: ConvOptions<[number, number]> = {}) {
    super();
    this.registerModule('conv', new Conv2d(inChannels, outChannels, kernelSize, { ...options, bias: false }));
    this.registerModule('bn', new BatchNorm2d(outChannels, { eps: 0.001 }));
  }

  override forward(x: Tensor): Tensor {
    return this.bn.forward(this.conv.forward(x)).relu();
  }
}

/** An Inception module: four parallel branches concatenated along channels. */
export class Inception extends Module {
  declare branch1: BasicConv2d;
  declare branch2: Sequential;
  declare branch3: Sequential;
  declare branch4: Sequential;

  constructor(inChannels: number, ch1x1: number, ch3x3red: number, ch3x3: number, ch5x5red: number, ch5x5: number, poolProj: number) {
    super();
    this.registerModule('branch1', new BasicConv2d(inChannels, ch1x1, 1));
    this.registerModule('branch2', new Sequential(
      new BasicConv2d(inChannels, ch3x3red, 1), new BasicConv2d(ch3x3red, ch3x3, 3, { padding: 1 }),
    ));
    // torchvision uses kernel 3 here (a known bug w.r.t. the paper's 5x5); kept for its weights.
    this.registerModule('branch3', new Sequential(
      new BasicConv2d(inChannels, ch5x5red, 1), new BasicConv2d(ch5x5red, ch5x5, 3, { padding: 1 }),
    ));
    this.registerModule('branch4', new Sequential(
      new MaxPool2d(3, { stride: 1, padding: 1, ceilMode: true }), new BasicConv2d(inChannels, poolProj, 1),
    ));
  }

  override forward(x: Tensor): Tensor {
    return cat([this.branch1.forward(x), this.branch2.forward(x), this.branch3.forward(x), this.branch4.forward(x)], 1);
  }
}

/** Auxiliary classifier: adaptive avg pool 4x4, 1x1 conv 128, fc 1024, dropout, fc. */
export class InceptionAux extends Module {
  declare conv: BasicConv2d;
  declare fc1: Linear;
  declare fc2: Linear;
  declare dropout: Dropout;

  constructor(inChannels: number, numClasses: number, dropout = 0.7) {
    super();
    this.registerModule('conv', new BasicConv2d(inChannels, 128, 1));
    this.registerModule('fc1', new Linear(2048, 1024));
    this.registerModule('fc2', new Linear(1024, numClasses));
    this.registerModule('dropout', new Dropout(dropout));
  }

  override forward(x: Tensor): Tensor {
    const y = this.conv.forward(F.adaptiveAvgPool2d(x, [4, 4])).flatten(1);
    return this.fc2.forward(this.dropout.forward(this.fc1.forward(y).relu()));
  }
}

export interface GoogLeNetOptions {
  /** Output classes (default 1000). */
  numClasses?: number;
  /** Build the two auxiliary classifiers (aux1, aux2); default false. */
  auxLogits?: boolean;
  /**
   * Re-normalize ImageNet-normalized input to [-1, 1]-style scaling as torchvision's
   * pretrained weights expect (`transform_input=True` there). Default false.
   */
  transformInput?: boolean;
  /** Dropout before fc (default 0.2). */
  dropout?: number;
  /** Dropout in the auxiliary classifiers (default 0.7). */
  dropoutAux?: number;
  /** Apply torchvision's initialization (default true); false keeps the layers' defaults. */
  initWeights?: boolean;
}

/** forwardWithAux()'s result; the auxiliary logits are null unless training with auxLogits. */
export interface GoogLeNetOutputs {
  logits: Tensor;
  auxLogits2: Tensor | null;
  auxLogits1: Tensor | null;
}

/**
 * GoogLeNet. forward() returns the logits [N, numClasses]; in training mode with auxLogits
 * use forwardWithAux() for the auxiliary outputs too (torchvision returns a namedtuple). Works
 * on inputs down to about 64x64 thanks to ceil-mode pooling and the adaptive average pool.
 */
export class GoogLeNet extends Module {
  declare conv1: BasicConv2d;
  declare maxpool1: MaxPool2d;
  declare conv2: BasicConv2d;
  declare conv3: BasicConv2d;
  declare maxpool2: MaxPool2d;
  declare inception3a: Inception;
  declare inception3b: Inception;
  declare maxpool3: MaxPool2d;
  declare inception4a: Inception;
  declare inception4b: Inception;
  declare inception4c: Inception;
  declare inception4d: Inception;
  declare inception4e: Inception;
  declare maxpool4: MaxPool2d;
  declare inception5a: Inception;
  declare inception5b: Inception;
  declare aux1: InceptionAux | null;
  declare aux2: InceptionAux | null;
  declare avgpool: AdaptiveAvgPool2d;
  declare dropout: Dropout;
  declare fc: Linear;
  readonly auxLogits: boolean;
  readonly transformInput: boolean;

  constructor(options: GoogLeNetOptions = {}) {
    super();
    const op = 'googlenet';
    const numClasses = checkCount(op, 'numClasses', options.numClasses ?? 1000);
    this.auxLogits = checkFlag(op, 'auxLogits', options.auxLogits ?? false);
    this.transformInput = checkFlag(op, 'transformInput', options.transformInput ?? false);
    const dropout = checkProbability(op, 'dropout', options.dropout ?? 0.2);
    const dropoutAux = checkProbability(op, 'dropoutAux', options.dropoutAux ?? 0.7);
    const initWeights = checkFlag(op, 'initWeights', options.initWeights ?? true);
    this.registerModule('conv1', new BasicConv2d(3, 64, 7, { stride: 2, padding: 3 }));
    this.registerModule('maxpool1', new MaxPool2d(3, { stride: 2, ceilMode: true }));
    this.registerModule('conv2', new BasicConv2d(64, 64, 1));
    this.registerModule('conv3', new BasicConv2d(64, 192, 3, { padding: 1 }));
    this.registerModule('maxpool2', new MaxPool2d(3, { stride: 2, ceilMode: true }));
    this.registerModule('inception3a', new Inception(192, 64, 96, 128, 16, 32, 32));
    this.registerModule('inception3b', new Inception(256, 128, 128, 192, 32, 96, 64));
    this.registerModule('maxpool3', new MaxPool2d(3, { stride: 2, ceilMode: true }));
    this.registerModule('inception4a', new Inception(480, 192, 96, 208, 16, 48, 64));
    this.registerModule('inception4b', new Inception(512, 160, 112, 224, 24, 64, 64));
    this.registerModule('inception4c', new Inception(512, 128, 128, 256, 24, 64, 64));
    this.registerModule('inception4d', new Inception(512, 112, 144, 288, 32, 64, 64));
    this.registerModule('inception4e', new Inception(528, 256, 160, 320, 32, 128, 128));
    this.registerModule('maxpool4', new MaxPool2d(2, { stride: 2, ceilMode: true }));
    this.registerModule('inception5a', new Inception(832, 256, 160, 320, 32, 128, 128));
    this.registerModule('inception5b', new Inception(832, 384, 192, 384, 48, 128, 128));
    this.registerModule('aux1', this.auxLogits ? new InceptionAux(512, numClasses, dropoutAux) : null);
    this.registerModule('aux2', this.auxLogits ? new InceptionAux(528, numClasses, dropoutAux) : null);
    this.registerModule('avgpool', new AdaptiveAvgPool2d([1, 1]));
    this.registerModule('dropout', new Dropout(dropout));
    this.registerModule('fc', new Linear(1024, numClasses));
    // torchvision: trunc_normal_(std=0.01, a=-2, b=2) on conv/linear weights (the +-2 cut is
    // 200 standard deviations out, so a plain normal is the same distribution); BN 1 / 0.
    if (!initWeights) return;
    for (const m of this.modules()) {
      if (m instanceof Conv2d || m instanceof Linear) init.normal_(m.weight, 0, 0.01);
      else if (m instanceof BatchNorm2d) {
        init.ones_(m.weight!);
        init.zeros_(m.bias!);
      }
    }
  }

  private transform(x: Tensor): Tensor {
    const ch = (i: number, std: number, mean: number): Tensor =>
      slice(x, 1, i, i + 1).mul(std / 0.5).add((mean - 0.5) / 0.5);
    return cat([ch(0, 0.229, 0.485), ch(1, 0.224, 0.456), ch(2, 0.225, 0.406)], 1);
  }

  /**
   * Logits plus the auxiliary logits when training with auxLogits (else null), as torchvision's
   * GoogLeNetOutputs(logits, aux_logits2, aux_logits1). Train on
   * `loss + 0.3 * (aux1Loss + aux2Loss)` as in the paper.
   */
  forwardWithAux(x: Tensor): GoogLeNetOutputs {
    return this.run(x, true);
  }

  private run(x: Tensor, withAux: boolean): GoogLeNetOutputs {
    let y = this.transformInput ? this.transform(x) : x;
    y = this.maxpool1.forward(this.conv1.forward(y));
    y = this.maxpool2.forward(this.conv3.forward(this.conv2.forward(y)));
    y = this.maxpool3.forward(this.inception3b.forward(this.inception3a.forward(y)));
    y = this.inception4a.forward(y);
    const useAux = withAux && this.auxLogits && this.training;
    const a1 = useAux && this.aux1 ? this.aux1.forward(y) : null;
    y = this.inception4d.forward(this.inception4c.forward(this.inception4b.forward(y)));
    const a2 = useAux && this.aux2 ? this.aux2.forward(y) : null;
    y = this.maxpool4.forward(this.inception4e.forward(y));
    y = this.inception5b.forward(this.inception5a.forward(y));
    y = this.dropout.forward(this.avgpool.forward(y).flatten(1));
    return { logits: this.fc.forward(y), auxLogits2: a2, auxLogits1: a1 };
  }

  /** The main logits [N, numClasses] (the auxiliary heads, if any, are skipped in eval mode). */
  override forward(x: Tensor): Tensor {
    return this.run(x, false).logits;
  }
}

export function googlenet(options: GoogLeNetOptions = {}): GoogLeNet {
  return new GoogLeNet(options);
}
