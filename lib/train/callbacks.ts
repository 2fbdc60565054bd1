// Hooks into fit(): the Callback interface, early stopping, and the terminal progress bar.
import { SingleBar } from 'cli-progress';
import { noGrad } from '../autograd.js';
import type { Module } from '../nn/module.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { Tensor } from '../tensor.js';
import { describeValue } from '../validate.js';
import type { EpochRecord } from './chart.js';

/** What fit() exposes to callbacks while it runs. */
export interface TrainingContext {
  readonly model: Module;
  readonly optimizer: Optimizer<any>;
  /** Epochs planned (the `epochs` option). */
  readonly epochs: number;
  /** Batches per training epoch. */
  readonly batchesPerEpoch: number;
  /** Records of the finished epochs, the resumed ones included. */
  readonly history: readonly EpochRecord[];
  /** Set to true (from any hook) to end training after the current epoch. */
  stopTraining: boolean;
}

export interface BatchEnd {
  epoch: number;
  /** Index of the batch within the epoch. */
  batch: number;
  /** Samples in this batch. */
  size: number;
  /** The batch's mean data loss (without regularization). */
  loss: number;
  /** Running means over the epoch so far. */
  epochLoss: number;
  epochAccuracy?: number;
  /** Training samples per second over the epoch so far. */
  samplesPerSecond: number;
}

/** Optional hooks; async ones are awaited. Epochs are 1-based. */
export interface Callback {
  onTrainBegin?(ctx: TrainingContext): void | Promise<void>;
  onEpochBegin?(epoch: number, ctx: TrainingContext): void | Promise<void>;
  onBatchEnd?(info: BatchEnd, ctx: TrainingContext): void | Promise<void>;
  onEpochEnd?(record: EpochRecord, ctx: TrainingContext): void | Promise<void>;
  onTrainEnd?(ctx: TrainingContext): void | Promise<void>;
}

export type Monitor = 'valLoss' | 'valAccuracy' | 'trainLoss' | 'trainAccuracy';

export interface EarlyStoppingOptions {
  /** The quantity watched (default 'valLoss', or 'trainLoss' without validation data). */
  monitor?: Monitor;
  /** 'min' or 'max'; default from the monitor (losses min, accuracies max). */
  mode?: 'min' | 'max';
  /** Epochs without improvement before stopping (default 5). */
  patience?: number;
  /** Smallest change that counts as an improvement (default 0). */
  minDelta?: number;
  /** At the end, load the weights of the best epoch back into the model (default true). */
  restoreBest?: boolean;
}

export function monitorMode(monitor: Monitor): 'min' | 'max' {
  return monitor.endsWith('Loss') ? 'min' : 'max';
}

/** Whether `value` improves on `best` by more than minDelta in direction `mode`. */
export function improves(value: number | undefined, best: number, mode: 'min' | 'max', minDelta = 0): boolean {
  if (value === undefined || Number.isNaN(value)) return false;
  return mode === 'min' ? value < best - minDelta : value > best + minDelta;
}

const MONITORS: readonly Monitor[] = ['valLoss', 'valAccuracy', 'trainLoss', 'trainAccuracy'];

/**
 * Stops training when the monitored quantity has not improved for `patience` epochs, and
 * (restoreBest) puts the best epoch's weights back. Its state survives a resumed fit.
 */
export class EarlyStopping implements Callback {
  readonly monitor: Monitor | undefined;
  readonly mode: 'min' | 'max' | undefined;
  readonly patience: number;
  readonly minDelta: number;
  readonly restoreBest: boolean;
  best = NaN;
  bestEpoch = 0;
  wait = 0;
  stoppedEpoch = 0;
  private bestWeights: Map<string, Tensor> | null = null;

  constructor(options: EarlyStoppingOptions = {}) {
    const op = 'EarlyStopping';
    if (options.monitor !== undefined && !MONITORS.includes(options.monitor)) {
      throw new TypeError(`${op}: expected one of ${MONITORS.join(', ')} for monitor but received ${describeValue(options.monitor)}`);
    }
    if (options.mode !== undefined && options.mode !== 'min' && options.mode !== 'max') {
      throw new TypeError(`${op}: expected 'min' or 'max' for mode but received ${describeValue(options.mode)}`);
    }
    const patience = options.patience ?? 5;
    if (!Number.isInteger(patience) || patience < 0) throw new RangeError(`${op}: expected a non-negative integer for patience but received ${describeValue(patience)}`);
    const minDelta = options.minDelta ?? 0;
    if (typeof minDelta !== 'number' || !(minDelta >= 0)) throw new RangeError(`${op}: expected a non-negative number for minDelta but received ${describeValue(minDelta)}`);
    this.monitor = options.monitor;
    this.mode = options.mode;
    this.patience = patience;
    this.minDelta = minDelta;
    this.restoreBest = options.restoreBest ?? true;
  }

  private watched(ctx: TrainingContext): Monitor {
    return this.monitor ?? (ctx.history.some((r) => r.valLoss !== undefined) ? 'valLoss' : 'trainLoss');
  }

  onEpochEnd(record: EpochRecord, ctx: TrainingContext): void {
    const monitor = this.watched(ctx);
    const mode = this.mode ?? monitorMode(monitor);
    const value = record[monitor];
    if (Number.isNaN(this.best) ? value !== undefined && !Number.isNaN(value) : improves(value, this.best, mode, this.minDelta)) {
      this.best = value as number;
      this.bestEpoch = record.epoch;
      this.wait = 0;
      if (this.restoreBest) this.saveWeights(ctx.model);
    } else {
      this.wait++;
      if (this.wait > this.patience) {
        this.stoppedEpoch = record.epoch;
        ctx.stopTraining = true;
      }
    }
  }

  onTrainEnd(ctx: TrainingContext): void {
    if (this.restoreBest && this.bestWeights !== null) ctx.model.loadStateDict(this.bestWeights);
    this.releaseWeights();
  }

  /** Plain state for checkpoints (the best weights are not included). */
  stateDict(): Record<string, number> {
    return { best: this.best, bestEpoch: this.bestEpoch, wait: this.wait, stoppedEpoch: this.stoppedEpoch };
  }

  loadStateDict(state: Record<string, number | null>): void {
    this.best = state.best === null || state.best === undefined ? NaN : Number(state.best);
    this.bestEpoch = Number(state.bestEpoch ?? 0);
    this.wait = Number(state.wait ?? 0);
    this.stoppedEpoch = Number(state.stoppedEpoch ?? 0);
  }

  private saveWeights(model: Module): void {
    this.releaseWeights();
    const copies = new Map<string, Tensor>();
    noGrad(() => {
      for (const [k, t] of model.stateDict()) copies.set(k, t.clone());
    });
    this.bestWeights = copies;
  }

  private releaseWeights(): void {
    if (this.bestWeights) for (const t of this.bestWeights.values()) t.dispose();
    this.bestWeights = null;
  }
}

function formatRate(v: number): string {
  return Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '-';
}

/**
 * A cli-progress bar per epoch on stderr: batches done, running loss and accuracy, samples/s
 * and the time left.
 */
export class ProgressBar implements Callback {
  private bar: SingleBar | null = null;
  private readonly stream: NodeJS.WritableStream;

  constructor(options: { stream?: NodeJS.WritableStream } = {}) {
    this.stream = options.stream ?? process.stderr;
  }

  onEpochBegin(epoch: number, ctx: TrainingContext): void {
    this.bar = new SingleBar({
      format: `epoch ${epoch}/${ctx.epochs} {bar} {value}/{total} | loss {loss} | acc {acc} | {rate} samples/s | eta {eta_formatted}`,
      stream: this.stream,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
      barsize: 24,
    });
    this.bar.start(ctx.batchesPerEpoch, 0, { loss: '-', acc: '-', rate: '-' });
  }

  onBatchEnd(info: BatchEnd): void {
    this.bar?.update(info.batch + 1, {
      loss: info.epochLoss.toFixed(4),
      acc: info.epochAccuracy === undefined ? '-' : `${(info.epochAccuracy * 100).toFixed(1)}%`,
      rate: formatRate(info.samplesPerSecond),
    });
  }

  onEpochEnd(): void {
    this.bar?.stop();
    this.bar = null;
  }

  onTrainEnd(): void {
    this.bar?.stop();
    this.bar = null;
  }
}
