// keel.models: model factories. Where torchvision has the same architecture (alexnet, vgg*,
// vgg*_bn, googlenet, resnet18/34) the module names, parameter order and shapes match it, so
// its state_dict loads with loadStateDict().
import '../ops/index.js';

export { mlp } from './mlp.js';
export type { MLPOptions } from './mlp.js';
export { LeNet5, lenet5 } from './lenet.js';
export type { LeNet5Options } from './lenet.js';
export { AlexNet, alexnet } from './alexnet.js';
export type { AlexNetOptions } from './alexnet.js';
export { VGG, vgg11, vgg13, vgg16, vgg19 } from './vgg.js';
export type { VGGOptions } from './vgg.js';
export { BasicConv2d, GoogLeNet, googlenet, Inception, InceptionAux } from './googlenet.js';
export type { GoogLeNetOptions, GoogLeNetOutputs } from './googlenet.js';
export { BasicBlock, CifarResNet, PadShortcut, ResNet, resnet18, resnet20, resnet34 } from './resnet.js';
export type { CifarResNetOptions, ResNetOptions } from './resnet.js';
export { createModel, describeModels, modelConfigProblem, modelNames } from './registry.js';
export type { ModelConfig } from './registry.js';
