// Models by name, for the CLI and for files that record their architecture: createModel()
// builds a zoo model from a plain, JSON-serializable config and checks that the model can
// take the given input shape before any training starts.
import type { Module } from '../nn/module.js';
import { describeValue } from '../validate.js';
import { alexnet } from './alexnet.js';
import { googlenet } from './googlenet.js';
import { lenet5 } from './lenet.js';
import { mlp } from './mlp.js';
import { resnet18, resnet20, resnet34 } from './resnet.js';
import { vgg11, vgg16 } from './vgg.js';

/** A model's construction parameters: what saveModel() records and createModel() takes. */
export interface ModelConfig {
  numClasses: number;
  /** Input [channels, height, width]. */
  inputShape: [number, number, number];
  /** Dropout probability, for the models that have dropout layers. */
  dropout?: number;
  /** mlp: hidden widths. */
  hidden?: number[];
  /** vgg: BatchNorm after each conv. */
  batchNorm?: boolean;
}

interface Entry {
  description: string;
  build: (c: ModelConfig) => Module;
  /** Why this input shape cannot work, or undefined when it can. */
  rejects: (shape: [number, number, number]) => string | undefined;
}

const rgbOnly = (name: string, minSize: number) => ([c, h, w]: [number, number, number]): string | undefined => {
  if (c !== 3) return `${name} takes 3-channel (RGB) input but the data has ${c} channel${c === 1 ? '' : 's'}`;
  if (h < minSize || w < minSize) return `${name} needs images of at least ${minSize}x${minSize} but the data is ${h}x${w}`;
  return undefined;
};

const REGISTRY: Record<string, Entry> = {
  mlp: {
    description: 'multi-layer perceptron (default hidden 512, 256)',
    build: (c) => mlp({ inFeatures: c.inputShape[0] * c.inputShape[1] * c.inputShape[2], numClasses: c.numClasses, hidden: c.hidden, dropout: c.dropout }),
    rejects: () => undefined,
  },
  lenet5: {
    description: 'LeNet-5 (ReLU, max pooling) for small square images (28x28, 32x32, ...)',
    build: (c) => lenet5({ numClasses: c.numClasses, inChannels: c.inputShape[0], inputSize: c.inputShape[1] }),
    rejects: ([, h, w]) => (h === w && h >= 12 ? undefined : `lenet5 takes square images of at least 12x12 but the data is ${h}x${w}`),
  },
  resnet20: {
    description: 'CIFAR-style ResNet-20 for small images (32x32)',
    build: (c) => resnet20({ numClasses: c.numClasses, inChannels: c.inputShape[0] }),
    rejects: ([, h, w]) => (h >= 8 && w >= 8 ? undefined : `resnet20 needs images of at least 8x8 but the data is ${h}x${w}`),
  },
  alexnet: {
    description: 'AlexNet (torchvision layout), RGB >= 63x63',
    build: (c) => alexnet({ numClasses: c.numClasses, dropout: c.dropout }),
    rejects: rgbOnly('alexnet', 63),
  },
  vgg11: {
    description: 'VGG-11 (torchvision layout), RGB >= 32x32',
    build: (c) => vgg11({ numClasses: c.numClasses, batchNorm: c.batchNorm, dropout: c.dropout }),
    rejects: rgbOnly('vgg11', 32),
  },
  vgg16: {
    description: 'VGG-16 (torchvision layout), RGB >= 32x32',
    build: (c) => vgg16({ numClasses: c.numClasses, batchNorm: c.batchNorm, dropout: c.dropout }),
    rejects: rgbOnly('vgg16', 32),
  },
  googlenet: {
    description: 'GoogLeNet / Inception v1 (torchvision layout), RGB >= 32x32',
    build: (c) => googlenet({ numClasses: c.numClasses, dropout: c.dropout }),
    rejects: rgbOnly('googlenet', 32),
  },
  resnet18: {
    description: 'ResNet-18 (torchvision layout), RGB >= 32x32',
    build: (c) => resnet18({ numClasses: c.numClasses }),
    rejects: rgbOnly('resnet18', 32),
  },
  resnet34: {
    description: 'ResNet-34 (torchvision layout), RGB >= 32x32',
    build: (c) => resnet34({ numClasses: c.numClasses }),
    rejects: rgbOnly('resnet34', 32),
  },
};

/** Names createModel() accepts. */
export const modelNames: readonly string[] = Object.keys(REGISTRY);

/** One line per model: name and what it is. */
export function describeModels(): string {
  const width = Math.max(...modelNames.map((n) => n.length));
  return modelNames.map((n) => `  ${n.padEnd(width)}  ${REGISTRY[n].description}`).join('\n');
}

/** Checks `config` for model `name`; returns the reason it cannot work, or undefined. */
export function modelConfigProblem(name: string, config: ModelConfig): string | undefined {
  const entry = REGISTRY[name];
  if (!entry) return `unknown model '${name}'; expected one of ${modelNames.join(', ')}`;
  if (config === null || typeof config !== 'object') return `expected a config object but received ${describeValue(config)}`;
  const { numClasses, inputShape } = config;
  if (!Number.isInteger(numClasses) || numClasses < 1) return `expected a positive integer for numClasses but received ${describeValue(numClasses)}`;
  if (!Array.isArray(inputShape) || inputShape.length !== 3 || !inputShape.every((d) => Number.isInteger(d) && d > 0)) {
    return `expected [channels, height, width] positive integers for inputShape but received ${JSON.stringify(inputShape)}`;
  }
  return entry.rejects(inputShape);
}

/**
 * Builds zoo model `name` for `config` (classes and input shape).
 *
 * @example
 * const model = keel.models.createModel('lenet5', { numClasses: 10, inputShape: [1, 28, 28] });
 */
export function createModel(name: string, config: ModelConfig): Module {
  const problem = modelConfigProblem(name, config);
  if (problem) throw new RangeError(`createModel: ${problem}`);
  return REGISTRY[name].build(config);
}
