// keel.optim: optimizers, gradient clipping and learning-rate schedulers.
export { Optimizer } from './optimizer.js';
export type { OptimizerStateDict, ParamGroup, ParamGroupInput, ParamsInput, ParamState } from './optimizer.js';
export { SGD } from './sgd.js';
export type { SGDOptions } from './sgd.js';
export { Adam, AdamW } from './adam.js';
export type { AdamOptions } from './adam.js';
export { Adagrad } from './adagrad.js';
export type { AdagradOptions } from './adagrad.js';
export { RMSprop } from './rmsprop.js';
export type { RMSpropOptions } from './rmsprop.js';
export { clipGradNorm_, clipGradValue_ } from './clip.js';
export type { ClipGradNormOptions } from './clip.js';
export * as lrScheduler from './lr_scheduler.js';
