// The training loop: fit() runs epochs of mini-batch training with validation, metrics,
// regularization, early stopping, atomic checkpoints and resume; evaluate() scores a model.
// Each batch's tensors live inside one tidy() scope, so memory stays flat across epochs.
import '../ops/index.js';
import { existsSync } from 'node:fs';
import { noGrad } from '../autograd.js';
import { DataLoader } from '../data/dataloader.js';
import { Dataset, randomSplit } from '../data/dataset.js';
import { loadCheckpoint, saveCheckpoint } from '../io/index.js';
import { tidy } from '../memory.js';
import { CrossEntropyLoss } from '../nn/losses.js';
import { Module } from '../nn/module.js';
import { clipGradNorm_ } from '../optim/clip.js';
import { LRScheduler, ReduceLROnPlateau } from '../optim/lr_scheduler.js';
import { Optimizer } from '../optim/optimizer.js';
import { getRngState, manualSeed, setRngState } from '../random.js';
import { Tensor } from '../tensor.js';
import { describeValue } from '../validate.js';
import { EarlyStopping, ProgressBar, improves, monitorMode } from './callbacks.js';
import type { Callback, EarlyStoppingOptions, Monitor, TrainingContext } from './callbacks.js';
import { writeCurves } from './chart.js';
import type { EpochRecord } from './chart.js';
import { ConfusionMatrix, targetRanks } from './metrics.js';

/** A loss: a module like nn.CrossEntropyLoss, or a function (output, target) => scalar. */
export type LossFunction = Module | ((output: Tensor, target: Tensor) => Tensor);

/** Training data: a dataset of [input, target] samples, or a DataLoader yielding [x, y] batches. */
export type DataSource = Dataset<any> | DataLoader<any, any>;

export interface CheckpointOptions {
  /** Checkpoint file (.safetensors), rewritten atomically after every `every` epochs. */
  path: string;
  /** Epochs between checkpoints (default 1). */
  every?: number;
}

export interface FitOptions {
  train: DataSource;
  /** Validation data, evaluated after every epoch. */
  validation?: DataSource;
  /** Instead of `validation`: hold out this fraction of `train` (a seeded random split). */
  validationSplit?: number;
  optimizer: Optimizer<any>;
  /** Default: nn.CrossEntropyLoss (mean over the batch). */
  loss?: LossFunction;
  /** Epochs to train (default 10). With `resume`, the total including the resumed ones. */
  epochs?: number;
  /** Batch size when `train`/`validation` are datasets (default 64; validation uses >= 256). */
  batchSize?: number;
  /** Applied to each training input batch (augmentation, e.g. data.transforms.randomCrop); not to validation. */
  transform?: (x: Tensor) => Tensor;
  /** Shuffle training samples each epoch when `train` is a dataset (default true). */
  shuffle?: boolean;
  /** Stepped once per epoch; ReduceLROnPlateau gets the validation loss (else train loss). */
  scheduler?: LRScheduler | ReduceLROnPlateau;
  /** Adds l1 · Σ|w| over the weights (parameters with 2+ dims) to the training loss. */
  l1?: number;
  /** Adds l2 · Σw² over the weights (parameters with 2+ dims) to the training loss. */
  l2?: number;
  /** Clips the total gradient norm to this value before each step. */
  clipGradNorm?: number;
  /** Stop when the monitored quantity stalls: true for the defaults, or options. */
  earlyStopping?: boolean | EarlyStoppingOptions | EarlyStopping;
  /** Write model + optimizer + loop state here (a path, or options). */
  checkpoint?: string | CheckpointOptions;
  /** Continue from this checkpoint file (as written by `checkpoint`) if it exists. */
  resume?: string;
  /** Also report top-k validation accuracy for these k (e.g. [5]). */
  topK?: number[];
  /** Track whether outputs are class scores: accuracy metrics (default true). */
  accuracy?: boolean;
  /** Write training curves after every epoch (.svg or .html by extension). */
  curves?: string;
  /** Progress bar on stderr (default: when stderr is a terminal). */
  progress?: boolean;
  /** Receives one summary line per epoch (default console.log; false for silence). */
  log?: ((line: string) => void) | false;
  callbacks?: Callback[];
  /** manualSeed(seed) before training, for reproducible shuffles, init and dropout. */
  seed?: number;
}

export interface FitResult {
  history: EpochRecord[];
  /** Epoch (1-based) with the best validation loss (train loss without validation). */
  bestEpoch: number;
  stoppedEarly: boolean;
  /** Epochs run in this call (resumed ones excluded). */
  epochsRun: number;
  seconds: number;
  /** Training samples per second over this call (validation excluded). */
  samplesPerSecond: number;
}

export interface EvaluateOptions {
  loss?: LossFunction;
  /** Batch size when `data` is a dataset (default 256). */
  batchSize?: number;
  /** Top-k accuracies to report (1 is always reported when accuracy is on). */
  topK?: number[];
  /** Build a confusion matrix with this many classes. */
  confusionMatrix?: number;
  /** Whether outputs are class scores (default true). */
  accuracy?: boolean;
}

export interface EvaluateResult {
  loss: number;
  accuracy?: number;
  /** k -> top-k accuracy. */
  topK?: Record<number, number>;
  confusionMatrix?: ConfusionMatrix;
  samples: number;
  seconds: number;
}

function callLoss(loss: LossFunction, output: Tensor, target: Tensor): Tensor {
  const l = loss instanceof Module ? loss.forward(output, target) : loss(output, target);
  if (!(l instanceof Tensor) || l.numel() !== 1) {
    throw new TypeError(`fit: the loss must return a scalar Tensor but returned ${l instanceof Tensor ? `shape [${l.shape.join(', ')}]` : describeValue(l)}`);
  }
  return l;
}

function checkLoss(op: string, loss: unknown): LossFunction {
  if (loss === undefined) return new CrossEntropyLoss();
  if (loss instanceof Module || typeof loss === 'function') return loss as LossFunction;
  throw new TypeError(`${op}: expected a Module or a function for loss but received ${describeValue(loss)}`);
}

function toLoader(op: string, name: string, data: unknown, batchSize: number, shuffle: boolean): DataLoader<any, any> {
  if (data instanceof DataLoader) return data;
  if (data instanceof Dataset) return new DataLoader(data, { batchSize, shuffle });
  throw new TypeError(`${op}: expected a Dataset or a DataLoader for ${name} but received ${describeValue(data)}`);
}

function splitBatch(op: string, batch: unknown): [Tensor, Tensor] {
  if (Array.isArray(batch) && batch.length === 2 && batch[0] instanceof Tensor && batch[1] instanceof Tensor) return [batch[0], batch[1]];
  throw new TypeError(`${op}: expected batches of [input, target] tensors but received ${describeValue(batch)}`);
}

function positive(op: string, name: string, v: unknown, integer: boolean): number {
  if (typeof v !== 'number' || !(v > 0) || (integer && !Number.isInteger(v)) || !Number.isFinite(v)) {
    throw new RangeError(`${op}: expected a positive ${integer ? 'integer' : 'number'} for ${name} but received ${describeValue(v)}`);
  }
  return v;
}

function nonNegative(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !(v >= 0) || !Number.isFinite(v)) throw new RangeError(`${op}: expected a non-negative number for ${name} but received ${describeValue(v)}`);
  return v;
}

/** Lets timers (progress bar, servers) run; cheap enough to call every batch. */
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Scores `model` on `data` without recording gradients (the model is put in eval mode and
 * its previous mode restored): mean loss, accuracy, top-k accuracy and a confusion matrix.
 */
export async function evaluate(model: Module, data: DataSource, options: EvaluateOptions = {}): Promise<EvaluateResult> {
  const op = 'evaluate';
  if (!(model instanceof Module)) throw new TypeError(`${op}: expected a Module for model but received ${describeValue(model)}`);
  const loss = checkLoss(op, options.loss);
  const loader = toLoader(op, 'data', data, positive(op, 'batchSize', options.batchSize ?? 256, true), false);
  const withAccuracy = options.accuracy ?? true;
  const ks = [...new Set([1, ...(options.topK ?? [])])].sort((a, b) => a - b);
  ks.forEach((k) => positive(op, 'topK', k, true));
  const cm = options.confusionMatrix === undefined ? undefined : new ConfusionMatrix(options.confusionMatrix);
  const hits = new Map<number, number>(ks.map((k) => [k, 0]));
  const wasTraining = model.training;
  const t0 = performance.now();
  let lossSum = 0;
  let samples = 0;
  let lastYield = t0;
  model.eval();
  try {
    for (const batch of loader) {
      const [x, y] = splitBatch(op, batch);
      try {
        tidy(() => noGrad(() => {
          const out = model.forward(x);
          const l = callLoss(loss, out, y);
          const n = x.shape[0];
          lossSum += l.item() * n;
          samples += n;
          if (withAccuracy) {
            const ranks = targetRanks(out, y, op);
            for (const k of ks) {
              let h = 0;
              for (let i = 0; i < ranks.length; i++) if (ranks[i] < k) h++;
              hits.set(k, hits.get(k)! + h);
            }
            cm?.update(out, y);
          }
        }));
      } finally {
        x.dispose();
        y.dispose();
      }
      if (performance.now() - lastYield > 50) {
        await yieldToEventLoop();
        lastYield = performance.now();
      }
    }
  } finally {
    model.train(wasTraining);
  }
  const result: EvaluateResult = { loss: lossSum / samples, samples, seconds: (performance.now() - t0) / 1000 };
  if (withAccuracy) {
    result.accuracy = hits.get(1)! / samples;
    result.topK = Object.fromEntries(ks.map((k) => [k, hits.get(k)! / samples]));
  }
  if (cm) result.confusionMatrix = cm;
  return result;
}

/** The regularization penalty l1·Σ|w| + l2·Σw² over parameters with 2+ dims. */
function penalty(weights: readonly Tensor[], l1: number, l2: number): Tensor | null {
  let total: Tensor | null = null;
  for (const w of weights) {
    let term: Tensor | null = null;
    if (l1 > 0) term = w.abs().sum().mul(l1);
    if (l2 > 0) {
      const sq = w.square().sum().mul(l2);
      term = term ? term.add(sq) : sq;
    }
    if (term) total = total ? total.add(term) : term;
  }
  return total;
}

function formatEpoch(r: EpochRecord, epochs: number): string {
  const pct = (v: number | undefined): string => (v === undefined ? '' : ` ${(v * 100).toFixed(2)}%`);
  let line = `epoch ${r.epoch}/${epochs}  train loss ${r.trainLoss.toFixed(4)}${pct(r.trainAccuracy)}`;
  if (r.valLoss !== undefined) line += `  val loss ${r.valLoss.toFixed(4)}${pct(r.valAccuracy)}`;
  if (r.valTopK) for (const [k, v] of Object.entries(r.valTopK)) if (k !== '1') line += `  top-${k}${pct(v)}`;
  if (r.samplesPerSecond !== undefined) line += `  ${Math.round(r.samplesPerSecond).toLocaleString('en-US')} samples/s`;
  if (r.seconds !== undefined) line += `  ${r.seconds.toFixed(1)}s`;
  return line;
}

interface LoopState {
  history: EpochRecord[];
  rng: { seed: number; offset: number };
  scheduler?: Record<string, unknown>;
  earlyStopping?: Record<string, number>;
  step: number;
}

/**
 * Trains `model`: per epoch, shuffled mini-batches with the optimizer, then validation; it
 * reports progress, stops early when asked, writes checkpoints and curves, and returns the
 * history. Deterministic for a given `seed` (and across thread counts).
 *
 * @example
 * const { train, test } = keel.data.datasets.mnist();
 * const model = keel.models.lenet5();
 * const result = await keel.train.fit(model, {
 *   train, validation: test, epochs: 5,
 *   optimizer: new keel.optim.Adam(model.parameters(), { lr: 1e-3 }),
 *   earlyStopping: { patience: 2 }, checkpoint: 'lenet.ckpt.safetensors', curves: 'curves.svg',
 * });
 */
export async function fit(model: Module, options: FitOptions): Promise<FitResult> {
  const op = 'fit';
  if (!(model instanceof Module)) throw new TypeError(`${op}: expected a Module for model but received ${describeValue(model)}`);
  if (options === null || typeof options !== 'object') throw new TypeError(`${op}: expected an options object but received ${describeValue(options)}`);
  const { optimizer } = options;
  if (!(optimizer instanceof Optimizer)) throw new TypeError(`${op}: expected an Optimizer for optimizer but received ${describeValue(optimizer)}`);
  const loss = checkLoss(op, options.loss);
  const epochs = positive(op, 'epochs', options.epochs ?? 10, true);
  const batchSize = positive(op, 'batchSize', options.batchSize ?? 64, true);
  const l1 = nonNegative(op, 'l1', options.l1 ?? 0);
  const l2 = nonNegative(op, 'l2', options.l2 ?? 0);
  const clip = options.clipGradNorm === undefined ? undefined : positive(op, 'clipGradNorm', options.clipGradNorm, false);
  const withAccuracy = options.accuracy ?? true;
  const topK = options.topK ?? [];
  topK.forEach((k) => positive(op, 'topK', k, true));
  const { scheduler, transform } = options;
  if (transform !== undefined && typeof transform !== 'function') throw new TypeError(`${op}: expected a function for transform but received ${describeValue(transform)}`);
  if (scheduler !== undefined && !(scheduler instanceof LRScheduler) && !(scheduler instanceof ReduceLROnPlateau)) {
    throw new TypeError(`${op}: expected an LRScheduler or ReduceLROnPlateau for scheduler but received ${describeValue(scheduler)}`);
  }
  if (options.seed !== undefined) manualSeed(options.seed);

  let trainData: unknown = options.train;
  let valData: unknown = options.validation;
  if (options.validationSplit !== undefined) {
    const f = options.validationSplit;
    if (valData !== undefined) throw new TypeError(`${op}: pass either validation or validationSplit, not both`);
    if (typeof f !== 'number' || !(f > 0 && f < 1)) throw new RangeError(`${op}: expected a fraction in (0, 1) for validationSplit but received ${describeValue(f)}`);
    if (!(trainData instanceof Dataset)) throw new TypeError(`${op}: validationSplit needs train to be a Dataset but received ${describeValue(trainData)}`);
    const n = trainData.length;
    const nVal = Math.max(1, Math.round(n * f));
    [trainData, valData] = randomSplit(trainData, [n - nVal, nVal], { seed: options.seed ?? 0 });
  }
  const trainLoader = toLoader(op, 'train', trainData, batchSize, options.shuffle ?? true);
  const valLoader = valData === undefined ? undefined : toLoader(op, 'validation', valData, Math.max(batchSize, 256), false);

  let early: EarlyStopping | undefined;
  if (options.earlyStopping instanceof EarlyStopping) early = options.earlyStopping;
  else if (options.earlyStopping === true) early = new EarlyStopping();
  else if (options.earlyStopping) early = new EarlyStopping(options.earlyStopping);

  const checkpoint = typeof options.checkpoint === 'string' ? { path: options.checkpoint } : options.checkpoint;
  const checkpointEvery = checkpoint ? positive(op, 'checkpoint.every', checkpoint.every ?? 1, true) : 1;
  const log = options.log === false ? undefined : (options.log ?? ((line: string) => console.log(line)));
  const progress = options.progress ?? Boolean((process.stderr as { isTTY?: boolean }).isTTY);
  const callbacks: Callback[] = [];
  if (progress) callbacks.push(new ProgressBar());
  if (early) callbacks.push(early);
  callbacks.push(...(options.callbacks ?? []));

  const history: EpochRecord[] = [];
  let step = 0;
  let resumedStopped = false;
  if (options.resume !== undefined) {
    if (typeof options.resume !== 'string') throw new TypeError(`${op}: expected a file path for resume but received ${describeValue(options.resume)}`);
    if (existsSync(options.resume)) {
      const restored = loadCheckpoint(options.resume, { model, optimizer });
      const loop = restored.extra as unknown as LoopState | undefined;
      if (loop && Array.isArray(loop.history)) {
        history.push(...loop.history);
        step = loop.step ?? restored.step ?? 0;
        if (loop.rng) setRngState(loop.rng);
        if (loop.scheduler && scheduler) scheduler.loadStateDict(loop.scheduler as never);
        if (loop.earlyStopping && early) {
          early.loadStateDict(loop.earlyStopping);
          resumedStopped = early.stoppedEpoch > 0;
        }
      }
      log?.(`resumed from ${options.resume} after epoch ${history.length}`);
    }
  }

  const ctx: TrainingContext = { model, optimizer, epochs, batchesPerEpoch: trainLoader.length, history, stopTraining: resumedStopped };
  const weights = model.parameters().filter((p) => p.ndim >= 2 && p.requiresGrad);
  const params = model.parameters();
  const monitor: Monitor = valLoader ? 'valLoss' : 'trainLoss';
  const t0 = performance.now();
  let trainSeconds = 0;
  let trainSamples = 0;
  let epochsRun = 0;
  const startEpoch = history.length + 1;
  const wantsBatchEnd = callbacks.some((c) => c.onBatchEnd);
  const emit = async (hook: keyof Callback, ...args: unknown[]): Promise<void> => {
    for (const cb of callbacks) {
      const fn = cb[hook] as ((...a: unknown[]) => void | Promise<void>) | undefined;
      if (fn) await fn.apply(cb, [...args, ctx]);
    }
  };

  await emit('onTrainBegin');
  try {
    for (let epoch = startEpoch; epoch <= epochs && !ctx.stopTraining; epoch++) {
      await emit('onEpochBegin', epoch);
      model.train();
      const epochStart = performance.now();
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      let batchIndex = 0;
      let lastYield = epochStart;
      for (const batch of trainLoader) {
        const [x, y] = splitBatch(op, batch);
        let batchLoss = 0;
        try {
          tidy(() => {
            optimizer.zeroGrad();
            const out = model.forward(transform ? transform(x) : x);
            const dataLoss = callLoss(loss, out, y);
            batchLoss = dataLoss.item();
            const reg = l1 > 0 || l2 > 0 ? penalty(weights, l1, l2) : null;
            (reg ? dataLoss.add(reg) : dataLoss).backward();
            if (clip !== undefined) clipGradNorm_(params, clip);
            optimizer.step();
            if (withAccuracy) {
              const ranks = targetRanks(out, y, op);
              for (let i = 0; i < ranks.length; i++) if (ranks[i] === 0) correct++;
            }
          });
        } finally {
          x.dispose();
          y.dispose();
        }
        if (!Number.isFinite(batchLoss)) {
          throw new Error(`fit: the training loss became ${batchLoss} at epoch ${epoch}, batch ${batchIndex}; lower the learning rate or check the data`);
        }
        const n = x.shape[0];
        lossSum += batchLoss * n;
        seen += n;
        step++;
        if (wantsBatchEnd) {
          const elapsed = (performance.now() - epochStart) / 1000;
          await emit('onBatchEnd', {
            epoch, batch: batchIndex, size: n, loss: batchLoss, epochLoss: lossSum / seen,
            epochAccuracy: withAccuracy ? correct / seen : undefined, samplesPerSecond: seen / elapsed,
          });
        }
        batchIndex++;
        if (performance.now() - lastYield > 50) {
          await yieldToEventLoop();
          lastYield = performance.now();
        }
      }
      if (seen === 0) throw new RangeError(`${op}: the training data yielded no batches (dataset of ${trainLoader.dataset.length} samples, batchSize ${trainLoader.batchSize}, dropLast ${trainLoader.dropLast})`);
      const epochTrainSeconds = (performance.now() - epochStart) / 1000;
      trainSeconds += epochTrainSeconds;
      trainSamples += seen;
      const record: EpochRecord = {
        epoch,
        trainLoss: lossSum / seen,
        trainAccuracy: withAccuracy ? correct / seen : undefined,
        lr: typeof optimizer.paramGroups[0]?.lr === 'number' ? (optimizer.paramGroups[0].lr as number) : undefined,
        samplesPerSecond: seen / epochTrainSeconds,
      };
      if (valLoader) {
        const v = await evaluate(model, valLoader, { loss, topK, accuracy: withAccuracy });
        record.valLoss = v.loss;
        record.valAccuracy = v.accuracy;
        if (topK.length > 0) record.valTopK = v.topK;
      }
      record.seconds = (performance.now() - epochStart) / 1000;
      history.push(record);
      epochsRun++;
      if (scheduler instanceof ReduceLROnPlateau) scheduler.step(record[monitor] as number);
      else scheduler?.step();
      log?.(formatEpoch(record, epochs));
      await emit('onEpochEnd', record);
      if (options.curves) await writeCurves(options.curves, history, {});
      if (checkpoint && (epoch % checkpointEvery === 0 || epoch === epochs || ctx.stopTraining)) {
        const loop: LoopState = {
          history, rng: getRngState(), step,
          scheduler: scheduler?.stateDict() as Record<string, unknown> | undefined,
          earlyStopping: early?.stateDict(),
        };
        saveCheckpoint(checkpoint.path, { model, optimizer, epoch, step, extra: loop as unknown as Record<string, unknown> });
      }
    }
  } finally {
    await emit('onTrainEnd');
  }

  let bestEpoch = 0;
  let best = monitorMode(monitor) === 'min' ? Infinity : -Infinity;
  for (const r of history) {
    if (improves(r[monitor], best, monitorMode(monitor))) {
      best = r[monitor] as number;
      bestEpoch = r.epoch;
    }
  }
  return {
    history,
    bestEpoch,
    stoppedEarly: early !== undefined && early.stoppedEpoch > 0,
    epochsRun,
    seconds: (performance.now() - t0) / 1000,
    samplesPerSecond: trainSeconds > 0 ? trainSamples / trainSeconds : NaN,
  };
}
