// keel.nn: the Module system, layers, weight initialization and the functional API.
import '../ops/index.js';

export { camelCaseName, Module } from './module.js';
export type { LoadStateDictOptions, LoadStateDictResult, StateDict } from './module.js';
export * as init from './init.js';
export * as functional from './functional.js';

export { Identity, Linear } from './modules/linear.js';
export type { LinearOptions } from './modules/linear.js';
export {
  ELU, GELU, Hardtanh, LeakyReLU, LogSoftmax, PReLU, ReLU, ReLU6, Sigmoid, SiLU, Softmax, Softplus, Tanh,
} from './modules/activation.js';
export { ModuleDict, ModuleList, Sequential } from './modules/container.js';
export { Dropout, Dropout2d } from './modules/dropout.js';
export { Embedding } from './modules/embedding.js';
export type { EmbeddingOptions } from './modules/embedding.js';
export { Conv1d, Conv2d } from './modules/conv.js';
export type { ConvOptions, ConvPadding } from './modules/conv.js';
export { AdaptiveAvgPool2d, AvgPool1d, AvgPool2d, MaxPool1d, MaxPool2d } from './modules/pooling.js';
export type { AvgPoolOptions, MaxPoolOptions } from './modules/pooling.js';
export { BatchNorm1d, BatchNorm2d } from './modules/normalization.js';
export type { BatchNormOptions } from './modules/normalization.js';
export { Flatten, Unflatten } from './modules/flatten.js';
export {
  BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, KLDivLoss, L1Loss, MSELoss, NLLLoss, SmoothL1Loss,
} from './losses.js';
export type {
  BCELossOptions, BCEWithLogitsLossOptions, CrossEntropyLossOptions, HuberLossOptions, KLDivLossOptions, KLDivReduction,
  NLLLossOptions, Reduction, ReductionOptions, SmoothL1LossOptions,
} from './losses.js';
export { GRU, GRUCell, LSTM, LSTMCell } from './modules/rnn.js';
export type { LSTMOptions, RNNForwardOptions, RnnLayerOptions, RNNOptions } from './modules/rnn.js';
