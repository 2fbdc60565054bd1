// ResNets (He et al., 2015) built from BasicBlocks.
//  - resnet18 / resnet34: ImageNet-style, torchvision's module structure (torchvision.models.
//    resnet18/34): conv1, bn1, relu, maxpool, layer1..layer4 (blocks `<i>` with conv1, bn1,
//    conv2, bn2 and, where the shape changes, `downsample.{0,1}`), avgpool, fc. stateDict keys,
//    order and shapes match torchvision; initialization follows it too (kaiming-normal fan-out
//    convs, BatchNorm weight 1 / bias 0, default Linear init).
//  - resnet20: the CIFAR-10 network of the paper's section 4.2: conv 3x3 16, three stages of
//    3 BasicBlocks with 16/32/64 channels, global average pooling, fc. The shortcut across a
//    shape change is option A (parameter-free: stride-2 subsampling plus zero channel padding,
//    the paper's choice for CIFAR, 0.27M parameters) by default, or option B (1x1 conv +
//    BatchNorm projection, as torchvision's `downsample`).
import { pad } from '../ops/shape.js';
import { nextTensorId, type Tensor } from '../tensor.js';
import { ReLU } from '../nn/modules/activation.js';
import { Sequential } from '../nn/modules/container.js';
import { Conv2d } from '../nn/modules/conv.js';
import { Linear } from '../nn/modules/linear.js';
import { BatchNorm2d } from '../nn/modules/normalization.js';
import { AdaptiveAvgPool2d, MaxPool2d } from '../nn/modules/pooling.js';
import { forwardReleasing, type ForwardStage, Module, releaseIntermediate } from '../nn/module.js';
import * as init from '../nn/init.js';
import { checkCount, checkFlag } from './utils.js';

function conv3x3(inPlanes: number, outPlanes: number, stride = 1): Conv2d {
  return new Conv2d(inPlanes, outPlanes, 3, { stride, padding: 1, bias: false });
}

/**
 * Option-A shortcut: keeps every other pixel (stride 2) and zero-pads the channels equally on
 * both sides up to `outPlanes`. No parameters.
 */
export class PadShortcut extends Module {
  readonly stride: number;
  readonly padBefore: number;
  readonly padAfter: number;

  constructor(inPlanes: number, outPlanes: number, stride: number) {
    super();
    this.stride = stride;
    this.padBefore = Math.floor((outPlanes - inPlanes) / 2);
    this.padAfter = outPlanes - inPlanes - this.padBefore;
  }

  override forward(x: Tensor): Tensor {
    let y = x;
    if (this.stride !== 1) y = y.slice(2, 0, undefined, this.stride).slice(3, 0, undefined, this.stride);
    if (this.padBefore !== 0 || this.padAfter !== 0) y = pad(y, [0, 0, 0, 0, this.padBefore, this.padAfter]);
    return y;
  }

  override extraRepr(): string {
    return `stride=${this.stride}, pad=(${this.padBefore}, ${this.padAfter})`;
  }
}

/** Two 3x3 convs with BatchNorm and an identity (or `downsample`) shortcut. */
export class BasicBlock extends Module {
  static readonly expansion = 1;
  declare conv1: Conv2d;
  declare bn1: BatchNorm2d;
  declare relu: ReLU;
  declare conv2: Conv2d;
  declare bn2: BatchNorm2d;
  declare downsample: Module | null;
  readonly stride: number;

  constructor(inPlanes: number, planes: number, stride = 1, downsample: Module | null = null) {
    super();
    this.registerModule('conv1', conv3x3(inPlanes, planes, stride));
    this.registerModule('bn1', new BatchNorm2d(planes));
    this.registerModule('relu', new ReLU());
    this.registerModule('conv2', conv3x3(planes, planes));
    this.registerModule('bn2', new BatchNorm2d(planes));
    this.registerModule('downsample', downsample);
    this.stride = stride;
  }

  override forward(x: Tensor): Tensor {
    // Each intermediate is released (under noGrad only) once the next layer has read it.
    const since = nextTensorId();
    const out: Tensor = forwardReleasing(x, [this.conv1, this.bn1, this.relu, this.conv2, this.bn2], since);
    const identity = this.downsample ? this.downsample.forward(x) : x;
    const sum = out.add(identity);
    releaseIntermediate(out, since, null, x, sum);
    releaseIntermediate(identity, since, this.downsample, x, sum);
    return forwardReleasing(sum, [this.relu], since, x);
  }
}

const flatten1: ForwardStage = (t) => t.flatten(1);

function initResNet(model: Module, zeroInitResidual: boolean): void {
  for (const m of model.modules()) {
    if (m instanceof Conv2d) {
      init.kaimingNormal_(m.weight, { mode: 'fanOut', nonlinearity: 'relu' });
    } else if (m instanceof BatchNorm2d) {
      init.ones_(m.weight!);
      init.zeros_(m.bias!);
    }
  }
  if (zeroInitResidual) {
    for (const m of model.modules()) if (m instanceof BasicBlock) init.zeros_(m.bn2.weight!);
  }
}

export interface ResNetOptions {
  /** Output classes (default 1000). */
  numClasses?: number;
  /** Zero the last BatchNorm weight of each block, so blocks start as identities. Default false. */
  zeroInitResidual?: boolean;
}

/** ImageNet-style ResNet of BasicBlocks (torchvision's ResNet with BasicBlock). */
export class ResNet extends Module {
  declare conv1: Conv2d;
  declare bn1: BatchNorm2d;
  declare relu: ReLU;
  declare maxpool: MaxPool2d;
  declare layer1: Sequential;
  declare layer2: Sequential;
  declare layer3: Sequential;
  declare layer4: Sequential;
  declare avgpool: AdaptiveAvgPool2d;
  declare fc: Linear;
  private inPlanes = 64;

  constructor(layers: readonly [number, number, number, number], options: ResNetOptions = {}, op = 'ResNet') {
    super();
    const numClasses = checkCount(op, 'numClasses', options.numClasses ?? 1000);
    const zeroInitResidual = checkFlag(op, 'zeroInitResidual', options.zeroInitResidual ?? false);
    this.registerModule('conv1', new Conv2d(3, 64, 7, { stride: 2, padding: 3, bias: false }));
    this.registerModule('bn1', new BatchNorm2d(64));
    this.registerModule('relu', new ReLU());
    this.registerModule('maxpool', new MaxPool2d(3, { stride: 2, padding: 1 }));
    this.registerModule('layer1', this.makeLayer(64, layers[0], 1));
    this.registerModule('layer2', this.makeLayer(128, layers[1], 2));
    this.registerModule('layer3', this.makeLayer(256, layers[2], 2));
    this.registerModule('layer4', this.makeLayer(512, layers[3], 2));
    this.registerModule('avgpool', new AdaptiveAvgPool2d([1, 1]));
    this.registerModule('fc', new Linear(512 * BasicBlock.expansion, numClasses));
    initResNet(this, zeroInitResidual);
  }

  private makeLayer(planes: number, blocks: number, stride: number): Sequential {
    let downsample: Module | null = null;
    if (stride !== 1 || this.inPlanes !== planes) {
      downsample = new Sequential(
        new Conv2d(this.inPlanes, planes, 1, { stride, bias: false }),
        new BatchNorm2d(planes),
      );
    }
    const layers: Module[] = [new BasicBlock(this.inPlanes, planes, stride, downsample)];
    this.inPlanes = planes;
    for (let i = 1; i < blocks; i++) layers.push(new BasicBlock(planes, planes));
    return new Sequential(...layers);
  }

  override forward(x: Tensor): Tensor {
    return forwardReleasing(x, [this.conv1, this.bn1, this.relu, this.maxpool, this.layer1, this.layer2, this.layer3,
      this.layer4, this.avgpool, flatten1, this.fc]);
  }
}

/** ResNet-18 (torchvision.models.resnet18): 11,689,512 parameters at 1000 classes. */
export function resnet18(options: ResNetOptions = {}): ResNet {
  return new ResNet([2, 2, 2, 2], options, 'resnet18');
}

/** ResNet-34 (torchvision.models.resnet34): 21,797,672 parameters at 1000 classes. */
export function resnet34(options: ResNetOptions = {}): ResNet {
  return new ResNet([3, 4, 6, 3], options, 'resnet34');
}

export interface CifarResNetOptions {
  /** Output classes (default 10). */
  numClasses?: number;
  /** Input channels (default 3). */
  inChannels?: number;
  /** 'A' (default): parameter-free zero-padding shortcut; 'B': 1x1 conv + BatchNorm projection. */
  shortcut?: 'A' | 'B';
  /** Zero the last BatchNorm weight of each block. Default false. */
  zeroInitResidual?: boolean;
}

/** CIFAR-style ResNet (6n+2 layers): 3 stages of n BasicBlocks with 16/32/64 channels. */
export class CifarResNet extends Module {
  declare conv1: Conv2d;
  declare bn1: BatchNorm2d;
  declare relu: ReLU;
  declare layer1: Sequential;
  declare layer2: Sequential;
  declare layer3: Sequential;
  declare avgpool: AdaptiveAvgPool2d;
  declare fc: Linear;

  constructor(n: number, options: CifarResNetOptions = {}, op = 'CifarResNet') {
    super();
    const numClasses = checkCount(op, 'numClasses', options.numClasses ?? 10);
    const inChannels = checkCount(op, 'inChannels', options.inChannels ?? 3);
    const shortcut = options.shortcut ?? 'A';
    if (shortcut !== 'A' && shortcut !== 'B') throw new TypeError(`${op}: expected shortcut 'A' or 'B' but received ${String(shortcut)}`);
    const zeroInitResidual = checkFlag(op, 'zeroInitResidual', options.zeroInitResidual ?? false);
    this.registerModule('conv1', conv3x3(inChannels, 16));
    this.registerModule('bn1', new BatchNorm2d(16));
    this.registerModule('relu', new ReLU());
    let inPlanes = 16;
    const stage = (planes: number, stride: number): Sequential => {
      const blocks: Module[] = [];
      for (let i = 0; i < n; i++) {
        const s = i === 0 ? stride : 1;
        let downsample: Module | null = null;
        if (s !== 1 || inPlanes !== planes) {
          downsample = shortcut === 'A'
            ? new PadShortcut(inPlanes, planes, s)
            : new Sequential(new Conv2d(inPlanes, planes, 1, { stride: s, bias: false }), new BatchNorm2d(planes));
        }
        blocks.push(new BasicBlock(inPlanes, planes, s, downsample));
        inPlanes = planes;
      }
      return new Sequential(...blocks);
    };
    this.registerModule('layer1', stage(16, 1));
    this.registerModule('layer2', stage(32, 2));
    this.registerModule('layer3', stage(64, 2));
    this.registerModule('avgpool', new AdaptiveAvgPool2d([1, 1]));
    this.registerModule('fc', new Linear(64, numClasses));
    initResNet(this, zeroInitResidual);
  }

  override forward(x: Tensor): Tensor {
    return forwardReleasing(x, [this.conv1, this.bn1, this.relu, this.layer1, this.layer2, this.layer3, this.avgpool,
      flatten1, this.fc]);
  }
}

/**
 * ResNet-20 for 32x32 inputs (CIFAR-10). Option A shortcut by default: 269,722 parameters at
 * 10 classes; option B adds the two projections' 1x1 convs and BatchNorms (272,474).
 */
export function resnet20(options: CifarResNetOptions = {}): CifarResNet {
  return new CifarResNet(3, options, 'resnet20');
}
