// Model selection: hyperparameter search over a grid or random samples, each trial scored on
// a validation split or by k-fold cross-validation, ranked, with the best model kept.
import { Dataset, randperm, Subset, withSeed } from '../data/dataset.js';
import { manualSeed } from '../random.js';
import type { Module } from '../nn/module.js';
import type { LRScheduler, ReduceLROnPlateau } from '../optim/lr_scheduler.js';
import type { Optimizer } from '../optim/optimizer.js';
import { describeValue } from '../validate.js';
import { fit } from './fit.js';
import type { FitOptions, LossFunction } from './fit.js';

export type ParamValue = number | string | boolean;

/** A range to sample from (random search only). `log` samples uniformly in log space. */
export interface ParamRange {
  min: number;
  max: number;
  log?: boolean;
  integer?: boolean;
}

/** Each hyperparameter: a list of values (grid or random choice) or a range (random). */
export type SearchSpace = Record<string, readonly ParamValue[] | ParamRange>;

export type Params = Record<string, ParamValue>;

/** What a trial trains: build it fresh from the trial's parameters. */
export interface TrialSetup {
  model: Module;
  optimizer: Optimizer<any>;
  loss?: LossFunction;
  scheduler?: LRScheduler | ReduceLROnPlateau;
}

export interface SearchOptions {
  space: SearchSpace;
  /** Builds model and optimizer for one trial's parameters. */
  build: (params: Params) => TrialSetup;
  train: Dataset<any>;
  /** Held-out data for scoring; otherwise `validationSplit` of train, or `folds`. */
  validation?: Dataset<any>;
  /** Fraction of train held out when neither validation nor folds is given (default 0.2). */
  validationSplit?: number;
  /** k-fold cross-validation: the score is the mean over k trainings. */
  folds?: number;
  /** 'grid' (every combination of the listed values) or 'random' (default: grid unless a range is given). */
  strategy?: 'grid' | 'random';
  /** Random search: how many trials (default 10). Grid: an upper bound. */
  trials?: number;
  /** Epochs per trial (default 5); a `epochs` parameter in the space overrides it. */
  epochs?: number;
  /** Batch size (default 64); a `batchSize` parameter in the space overrides it. */
  batchSize?: number;
  /** Ranked by this (default 'valAccuracy'; use 'valLoss' for regression). */
  metric?: 'valAccuracy' | 'valLoss';
  /** Seeds the sampler and every trial's initialization, for a reproducible search. */
  seed?: number;
  /** Extra fit() options for every trial (earlyStopping, l2, ...). */
  fitOptions?: Partial<Omit<FitOptions, 'train' | 'validation' | 'optimizer' | 'epochs' | 'batchSize'>>;
  /** One line per finished trial (default console.log; false for silence). */
  log?: ((line: string) => void) | false;
}

export interface TrialResult {
  /** 1-based trial number, in the order run. */
  trial: number;
  params: Params;
  /** The ranked metric: the best epoch's (mean over folds with k-fold). */
  score: number;
  valLoss: number;
  valAccuracy?: number;
  /** Per-fold scores with k-fold. */
  foldScores?: number[];
  /** The epoch of the best score (the last fold's, with k-fold). */
  bestEpoch: number;
  seconds: number;
}

export interface SearchResult {
  /** Trials ranked best first. */
  ranked: TrialResult[];
  best: TrialResult;
  /** The best trial's trained model (validation-split mode; with k-fold, trained on all of train). */
  bestModel: Module;
  /** The ranked table as text. */
  table: string;
}

/** Small seeded generator (mulberry32) so sampling leaves the tensor RNG alone. */
function sampler(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function isRange(v: unknown): v is ParamRange {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function checkSpace(op: string, space: unknown): SearchSpace {
  if (space === null || typeof space !== 'object' || Array.isArray(space)) throw new TypeError(`${op}: expected an object of hyperparameters for space but received ${describeValue(space)}`);
  const entries = Object.entries(space as Record<string, unknown>);
  if (entries.length === 0) throw new RangeError(`${op}: space has no hyperparameters`);
  for (const [name, v] of entries) {
    if (Array.isArray(v)) {
      if (v.length === 0) throw new RangeError(`${op}: space.${name} is an empty list`);
      v.forEach((x, i) => {
        if (!['number', 'string', 'boolean'].includes(typeof x)) throw new TypeError(`${op}: expected a number, string or boolean for space.${name}[${i}] but received ${describeValue(x)}`);
      });
    } else if (isRange(v)) {
      const { min, max, log } = v;
      if (typeof min !== 'number' || typeof max !== 'number' || !Number.isFinite(min) || !Number.isFinite(max) || !(min <= max)) {
        throw new RangeError(`${op}: expected finite numbers with min <= max for space.${name} but received min ${describeValue(min)}, max ${describeValue(max)}`);
      }
      if (log && !(min > 0)) throw new RangeError(`${op}: space.${name} is log-scaled, so min must be > 0 but received ${min}`);
    } else {
      throw new TypeError(`${op}: expected a list of values or {min, max} for space.${name} but received ${describeValue(v)}`);
    }
  }
  return space as SearchSpace;
}

/** Every combination of the listed values, the first parameter varying slowest. */
export function gridPoints(space: SearchSpace): Params[] {
  let points: Params[] = [{}];
  for (const [name, values] of Object.entries(space)) {
    if (!Array.isArray(values)) throw new TypeError(`grid search: space.${name} is a range; grid search needs a list of values (or use strategy 'random')`);
    points = points.flatMap((p) => (values as ParamValue[]).map((v) => ({ ...p, [name]: v })));
  }
  return points;
}

/** `count` independent samples: list entries picked uniformly, ranges sampled (log-uniform if `log`). */
export function randomPoints(space: SearchSpace, count: number, seed: number): Params[] {
  const next = sampler(seed);
  return Array.from({ length: count }, () => {
    const p: Params = {};
    for (const [name, spec] of Object.entries(space)) {
      if (Array.isArray(spec)) {
        p[name] = spec[Math.min(spec.length - 1, Math.floor(next() * spec.length))];
      } else {
        const { min, max, log, integer } = spec as ParamRange;
        const u = next();
        let v = log ? Math.exp(Math.log(min) + u * (Math.log(max) - Math.log(min))) : min + u * (max - min);
        if (integer) v = Math.min(max, Math.max(min, Math.round(v)));
        else v = Number(v.toPrecision(4));
        p[name] = v;
      }
    }
    return p;
  });
}

/** k folds over n samples after a seeded shuffle: [trainIdx, valIdx] per fold. */
export function kFoldIndices(n: number, k: number, seed: number): Array<[number[], number[]]> {
  if (!Number.isInteger(k) || k < 2 || k > n) throw new RangeError(`kFold: expected an integer in [2, ${n}] for folds but received ${describeValue(k)}`);
  const perm = Array.from(withSeed(seed, () => randperm(n)));
  const folds: Array<[number[], number[]]> = [];
  for (let f = 0; f < k; f++) {
    const lo = Math.floor((f * n) / k), hi = Math.floor(((f + 1) * n) / k);
    folds.push([[...perm.slice(0, lo), ...perm.slice(hi)], perm.slice(lo, hi)]);
  }
  return folds;
}

function formatValue(v: ParamValue): string {
  return typeof v === 'number' && !Number.isInteger(v) ? v.toPrecision(3) : String(v);
}

/** The ranked trials as an aligned text table. */
export function formatTrials(ranked: readonly TrialResult[], metric: 'valAccuracy' | 'valLoss'): string {
  if (ranked.length === 0) return '(no trials)';
  const names = Object.keys(ranked[0].params);
  const header = ['rank', 'trial', ...names, metric === 'valAccuracy' ? 'val acc' : 'val loss', 'val loss', 'epoch', 'seconds'];
  const rows = ranked.map((t, i) => [
    String(i + 1), String(t.trial), ...names.map((n) => formatValue(t.params[n])),
    metric === 'valAccuracy' ? `${(t.score * 100).toFixed(2)}%` : t.score.toFixed(4),
    t.valLoss.toFixed(4), String(t.bestEpoch), t.seconds.toFixed(1),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (r: string[]): string => r.map((s, c) => s.padStart(widths[c])).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/**
 * Trains one model per hyperparameter point and ranks them by validation score.
 *
 * @example
 * const result = await keel.train.search({
 *   space: { lr: [1e-3, 3e-3], weightDecay: [0, 1e-4] },
 *   build: (p) => { const model = keel.models.lenet5(); return { model, optimizer: new keel.optim.Adam(model.parameters(), p) }; },
 *   train, validationSplit: 0.2, epochs: 3, seed: 0,
 * });
 * console.log(result.table);
 */
export async function search(options: SearchOptions): Promise<SearchResult> {
  const op = 'search';
  if (options === null || typeof options !== 'object') throw new TypeError(`${op}: expected an options object but received ${describeValue(options)}`);
  const space = checkSpace(op, options.space);
  if (typeof options.build !== 'function') throw new TypeError(`${op}: expected a function for build but received ${describeValue(options.build)}`);
  if (!(options.train instanceof Dataset)) throw new TypeError(`${op}: expected a Dataset for train but received ${describeValue(options.train)}`);
  const hasRange = Object.values(space).some(isRange);
  const strategy = options.strategy ?? (hasRange ? 'random' : 'grid');
  if (strategy !== 'grid' && strategy !== 'random') throw new TypeError(`${op}: expected 'grid' or 'random' for strategy but received ${describeValue(strategy)}`);
  const seed = options.seed ?? 0;
  const trials = options.trials;
  if (trials !== undefined && (!Number.isInteger(trials) || trials < 1)) throw new RangeError(`${op}: expected a positive integer for trials but received ${describeValue(trials)}`);
  let points = strategy === 'grid' ? gridPoints(space) : randomPoints(space, trials ?? 10, seed);
  if (strategy === 'grid' && trials !== undefined) points = points.slice(0, trials);
  const metric = options.metric ?? 'valAccuracy';
  if (metric !== 'valAccuracy' && metric !== 'valLoss') throw new TypeError(`${op}: expected 'valAccuracy' or 'valLoss' for metric but received ${describeValue(metric)}`);
  const log = options.log === false ? undefined : (options.log ?? ((line: string) => console.log(line)));
  const train = options.train;
  const folds = options.folds;
  if (folds !== undefined && options.validation !== undefined) throw new TypeError(`${op}: pass either validation or folds, not both`);

  let splits: Array<[Dataset<any>, Dataset<any>]>;
  if (folds !== undefined) {
    splits = kFoldIndices(train.length, folds, seed).map(([tr, va]) => [new Subset(train, tr), new Subset(train, va)]);
  } else if (options.validation !== undefined) {
    if (!(options.validation instanceof Dataset)) throw new TypeError(`${op}: expected a Dataset for validation but received ${describeValue(options.validation)}`);
    splits = [[train, options.validation]];
  } else {
    const f = options.validationSplit ?? 0.2;
    if (typeof f !== 'number' || !(f > 0 && f < 1)) throw new RangeError(`${op}: expected a fraction in (0, 1) for validationSplit but received ${describeValue(f)}`);
    // The first round(n·f) samples of a seeded shuffle are held out (fold 0 of kFoldIndices
    // when 1/f is a whole number).
    const perm = Array.from(withSeed(seed, () => randperm(train.length)));
    const nVal = Math.min(train.length - 1, Math.max(1, Math.round(train.length * f)));
    splits = [[new Subset(train, perm.slice(nVal)), new Subset(train, perm.slice(0, nVal))]];
  }

  const better = (a: number, b: number): boolean => (metric === 'valLoss' ? a < b : a > b);
  const runTrial = async (params: Params, trainSet: Dataset<any>, valSet: Dataset<any> | undefined) => {
    manualSeed(seed);
    const setup = options.build({ ...params });
    if (setup === null || typeof setup !== 'object' || !setup.model || !setup.optimizer) {
      throw new TypeError(`${op}: build must return {model, optimizer} but returned ${describeValue(setup)}`);
    }
    const epochs = typeof params.epochs === 'number' ? params.epochs : (options.epochs ?? 5);
    const batchSize = typeof params.batchSize === 'number' ? params.batchSize : (options.batchSize ?? 64);
    const result = await fit(setup.model, {
      log: false, progress: false, ...options.fitOptions,
      train: trainSet, validation: valSet, optimizer: setup.optimizer, loss: setup.loss, scheduler: setup.scheduler, epochs, batchSize, seed,
      accuracy: metric === 'valAccuracy' || options.fitOptions?.accuracy,
    });
    return { setup, result };
  };

  const results: TrialResult[] = [];
  let bestModel: Module | undefined;
  let bestScore = NaN;
  for (let i = 0; i < points.length; i++) {
    const params = points[i];
    const t0 = performance.now();
    const foldScores: number[] = [];
    let valLoss = 0, valAccuracy = 0, bestEpoch = 0;
    for (const [trainSet, valSet] of splits) {
      const { setup, result } = await runTrial(params, trainSet, valSet);
      const scored = result.history.filter((r) => r[metric] !== undefined);
      const top = scored.reduce((a, r) => (better(r[metric] as number, a[metric] as number) ? r : a), scored[0]);
      foldScores.push(top[metric] as number);
      valLoss += top.valLoss! / splits.length;
      valAccuracy += (top.valAccuracy ?? NaN) / splits.length;
      bestEpoch = top.epoch;
      const score = top[metric] as number;
      if (folds === undefined && (Number.isNaN(bestScore) || better(score, bestScore))) {
        bestModel?.dispose();
        bestModel = setup.model;
        bestScore = score;
      } else {
        setup.model.dispose();
      }
      setup.optimizer.disposeState();
    }
    const score = foldScores.reduce((a, b) => a + b, 0) / foldScores.length;
    const trial: TrialResult = {
      trial: i + 1, params, score, valLoss, bestEpoch, seconds: (performance.now() - t0) / 1000,
      ...(metric === 'valAccuracy' || !Number.isNaN(valAccuracy) ? { valAccuracy } : {}),
      ...(folds !== undefined ? { foldScores } : {}),
    };
    results.push(trial);
    log?.(`trial ${i + 1}/${points.length} ${Object.entries(params).map(([k, v]) => `${k}=${formatValue(v)}`).join(' ')}: ${metric} ${metric === 'valAccuracy' ? `${(score * 100).toFixed(2)}%` : score.toFixed(4)}${folds ? ` (mean of ${folds} folds)` : ''}`);
  }
  const ranked = [...results].sort((a, b) => (metric === 'valLoss' ? a.score - b.score : b.score - a.score) || a.trial - b.trial);
  const best = ranked[0];
  if (folds !== undefined) {
    // Cross-validation scores a setting, not a model: train the winner on all of train.
    const { setup } = await runTrial(best.params, train, undefined);
    setup.optimizer.disposeState();
    bestModel = setup.model;
  }
  return { ranked, best, bestModel: bestModel!, table: formatTrials(ranked, metric) };
}
