// Learning-rate schedulers (torch.optim.lr_scheduler, PyTorch 1.13 semantics): each step()
// moves the schedule one epoch on and writes the new lr into every parameter group. The
// formulas are PyTorch's recursive ("chainable") forms, so several schedulers can act on one
// optimizer, and the values match PyTorch's float64 arithmetic.
import { describeValue } from '../validate.js';
import type { Optimizer } from './optimizer.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyOptimizer = Optimizer<any>;

/** Python's modulo (the result has the sign of the divisor). */
function pyMod(a: number, m: number): number {
  return ((a % m) + m) % m;
}

function checkOptimizer(op: string, optimizer: unknown): AnyOptimizer {
  if (optimizer === null || typeof optimizer !== 'object' || !Array.isArray((optimizer as AnyOptimizer).paramGroups)) {
    throw new TypeError(`${op}: expected an Optimizer for optimizer but received ${describeValue(optimizer)}`);
  }
  return optimizer as AnyOptimizer;
}

function checkNum(op: string, name: string, value: unknown, test: (v: number) => boolean, what: string): number {
  if (typeof value !== 'number' || Number.isNaN(value) || !test(value)) {
    throw new RangeError(`${op}: expected ${what} for ${name} but received ${describeValue(value)}`);
  }
  return value;
}

const lrOf = (g: { lr: unknown }): number => g.lr as number;

/** Copies plain data (numbers, strings, arrays, plain objects) for state dicts. */
function copyPlain<T>(v: T): T {
  if (Array.isArray(v)) return v.map(copyPlain) as T;
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, copyPlain(x)])) as T;
  return v;
}

// A scheduler's state is its own fields, the optimizer excluded, as plain copies.
function schedulerState(scheduler: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(scheduler)) if (k !== 'optimizer') out[k] = copyPlain(v);
  return out;
}

function restoreSchedulerState(scheduler: object, state: Record<string, unknown>): void {
  if (state === null || typeof state !== 'object') throw new TypeError(`loadStateDict: expected an object but received ${describeValue(state)}`);
  for (const [k, v] of Object.entries(state)) if (k !== 'optimizer') (scheduler as Record<string, unknown>)[k] = copyPlain(v);
}

/** Base class of the epoch-based schedulers (PyTorch's _LRScheduler). */
export abstract class LRScheduler {
  readonly optimizer: AnyOptimizer;
  /** The groups' lr when the scheduler was attached (their `initialLr`). */
  baseLrs: number[];
  /** The epoch the schedule is at (-1 before the first step; the constructor takes it to 0). */
  lastEpoch: number;
  /** @internal Number of step() calls, the constructor's included. */
  stepCount = 0;
  /** @internal */
  lastLr: number[] = [];

  constructor(name: string, optimizer: AnyOptimizer, lastEpoch = -1) {
    this.optimizer = checkOptimizer(name, optimizer);
    if (!Number.isInteger(lastEpoch) || lastEpoch < -1) throw new RangeError(`${name}: expected an integer >= -1 for lastEpoch but received ${describeValue(lastEpoch)}`);
    if (lastEpoch === -1) {
      for (const g of optimizer.paramGroups) if (g.initialLr === undefined) g.initialLr = g.lr as number;
    } else {
      optimizer.paramGroups.forEach((g, i) => {
        if (g.initialLr === undefined) throw new Error(`${name}: param 'initialLr' is not specified in paramGroups[${i}] when resuming an optimizer`);
      });
    }
    this.baseLrs = optimizer.paramGroups.map((g) => g.initialLr as number);
    this.lastEpoch = lastEpoch;
  }

  /** Subclasses call this at the end of their constructor (PyTorch's _initial_step). */
  protected initialStep(): void {
    this.stepCount = 0;
    this.step();
  }

  /** The lr of each group for the current lastEpoch, from the groups' current lr (chainable form). */
  protected abstract getLr(): number[];

  /** Advances one epoch and sets each group's lr. */
  step(): void {
    this.stepCount++;
    this.lastEpoch++;
    const values = this.getLr();
    this.optimizer.paramGroups.forEach((g, i) => (g.lr = values[i]));
    this.lastLr = this.optimizer.paramGroups.map(lrOf);
  }

  /** The lr of each group as last set by this scheduler. */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** The scheduler's state (everything but the optimizer), plain data. */
  stateDict(): Record<string, unknown> {
    return schedulerState(this);
  }

  /** Restores what stateDict() returned. */
  loadStateDict(state: Record<string, unknown>): void {
    restoreSchedulerState(this, state);
  }
}

/** Multiplies the lr by `gamma` every `stepSize` epochs. */
export class StepLR extends LRScheduler {
  stepSize: number;
  gamma: number;

  constructor(optimizer: AnyOptimizer, stepSize: number, options: { gamma?: number; lastEpoch?: number } = {}) {
    super('StepLR', optimizer, options.lastEpoch ?? -1);
    this.stepSize = checkNum('StepLR', 'stepSize', stepSize, (v) => Number.isInteger(v) && v > 0, 'a positive integer');
    this.gamma = checkNum('StepLR', 'gamma', options.gamma ?? 0.1, () => true, 'a number');
    this.initialStep();
  }

  protected getLr(): number[] {
    const groups = this.optimizer.paramGroups;
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return groups.map(lrOf);
    return groups.map((g) => lrOf(g) * this.gamma);
  }
}

/** Multiplies the lr by `gamma` at each epoch listed in `milestones` (a repeated milestone counts twice). */
export class MultiStepLR extends LRScheduler {
  milestones: number[];
  gamma: number;

  constructor(optimizer: AnyOptimizer, milestones: readonly number[], options: { gamma?: number; lastEpoch?: number } = {}) {
    super('MultiStepLR', optimizer, options.lastEpoch ?? -1);
    if (!Array.isArray(milestones) || milestones.some((m) => !Number.isInteger(m))) {
      throw new TypeError(`MultiStepLR: expected an array of integers for milestones but received ${describeValue(milestones)}`);
    }
    this.milestones = [...milestones].sort((a, b) => a - b);
    this.gamma = checkNum('MultiStepLR', 'gamma', options.gamma ?? 0.1, () => true, 'a number');
    this.initialStep();
  }

  protected getLr(): number[] {
    const groups = this.optimizer.paramGroups;
    const count = this.milestones.filter((m) => m === this.lastEpoch).length;
    if (count === 0) return groups.map(lrOf);
    return groups.map((g) => lrOf(g) * this.gamma ** count);
  }
}

/** Multiplies the lr by `gamma` every epoch. */
export class ExponentialLR extends LRScheduler {
  gamma: number;

  constructor(optimizer: AnyOptimizer, gamma: number, options: { lastEpoch?: number } = {}) {
    super('ExponentialLR', optimizer, options.lastEpoch ?? -1);
    this.gamma = checkNum('ExponentialLR', 'gamma', gamma, () => true, 'a number');
    this.initialStep();
  }

  protected getLr(): number[] {
    const groups = this.optimizer.paramGroups;
    if (this.lastEpoch === 0) return groups.map(lrOf);
    return groups.map((g) => lrOf(g) * this.gamma);
  }
}

/**
 * Cosine annealing from the base lr to `etaMin` over `tMax` epochs (then back up, periodically),
 * in PyTorch's recursive form: lr_t = eta_min + (lr_{t-1} - eta_min) (1 + cos(pi t/T)) / (1 + cos(pi (t-1)/T)).
 */
export class CosineAnnealingLR extends LRScheduler {
  tMax: number;
  etaMin: number;

  constructor(optimizer: AnyOptimizer, tMax: number, options: { etaMin?: number; lastEpoch?: number } = {}) {
    super('CosineAnnealingLR', optimizer, options.lastEpoch ?? -1);
    this.tMax = checkNum('CosineAnnealingLR', 'tMax', tMax, (v) => v > 0, 'a positive number');
    this.etaMin = checkNum('CosineAnnealingLR', 'etaMin', options.etaMin ?? 0, () => true, 'a number');
    this.initialStep();
  }

  protected getLr(): number[] {
    const groups = this.optimizer.paramGroups;
    const { tMax, etaMin, lastEpoch } = this;
    if (lastEpoch === 0) return groups.map(lrOf);
    if (this.stepCount === 1 && lastEpoch > 0) {
      return this.baseLrs.map((base) => etaMin + ((base - etaMin) * (1 + Math.cos((lastEpoch * Math.PI) / tMax))) / 2);
    }
    if (pyMod(lastEpoch - 1 - tMax, 2 * tMax) === 0) {
      return groups.map((g, i) => lrOf(g) + ((this.baseLrs[i] - etaMin) * (1 - Math.cos(Math.PI / tMax))) / 2);
    }
    return groups.map((g) =>
      ((1 + Math.cos((Math.PI * lastEpoch) / tMax)) / (1 + Math.cos((Math.PI * (lastEpoch - 1)) / tMax))) * (lrOf(g) - etaMin) + etaMin);
  }
}

/**
 * Linear warm-up (or decay): scales the lr by a factor going linearly from `startFactor`
 * (default 1/3) to `endFactor` (default 1) over `totalIters` epochs (default 5).
 */
export class LinearLR extends LRScheduler {
  startFactor: number;
  endFactor: number;
  totalIters: number;

  constructor(optimizer: AnyOptimizer, options: { startFactor?: number; endFactor?: number; totalIters?: number; lastEpoch?: number } = {}) {
    super('LinearLR', optimizer, options.lastEpoch ?? -1);
    this.startFactor = checkNum('LinearLR', 'startFactor', options.startFactor ?? 1 / 3, (v) => v > 0 && v <= 1, 'a number > 0 and <= 1');
    this.endFactor = checkNum('LinearLR', 'endFactor', options.endFactor ?? 1, (v) => v >= 0 && v <= 1, 'a number in [0, 1]');
    this.totalIters = checkNum('LinearLR', 'totalIters', options.totalIters ?? 5, (v) => Number.isInteger(v) && v >= 0, 'a non-negative integer');
    this.initialStep();
  }

  protected getLr(): number[] {
    const groups = this.optimizer.paramGroups;
    const { startFactor, endFactor, totalIters, lastEpoch } = this;
    if (lastEpoch === 0) return groups.map((g) => lrOf(g) * startFactor);
    if (lastEpoch > totalIters) return groups.map(lrOf);
    return groups.map((g) => lrOf(g) * (1 + (endFactor - startFactor) / (totalIters * startFactor + (lastEpoch - 1) * (endFactor - startFactor))));
  }
}

export interface ReduceLROnPlateauOptions {
  /** 'min' (default): the metric should decrease; 'max': it should increase. */
  mode?: 'min' | 'max';
  /** Factor the lr is multiplied by (default 0.1, must be < 1). */
  factor?: number;
  /** Epochs without improvement tolerated before reducing (default 10). */
  patience?: number;
  /** Minimum change counting as an improvement (default 1e-4). */
  threshold?: number;
  /** 'rel' (default): relative to the best value; 'abs': absolute. */
  thresholdMode?: 'rel' | 'abs';
  /** Epochs to wait after a reduction before counting bad epochs again (default 0). */
  cooldown?: number;
  /** Lower bound on the lr, one for all groups or one per group (default 0). */
  minLr?: number | number[];
  /** Reductions smaller than this are skipped (default 1e-8). */
  eps?: number;
}

/**
 * Reduces the lr by `factor` when a metric has stopped improving for `patience` epochs.
 *
 * @example
 * const sched = new keel.optim.lrScheduler.ReduceLROnPlateau(opt, { patience: 2 });
 * sched.step(validationLoss);
 */
export class ReduceLROnPlateau {
  readonly optimizer: AnyOptimizer;
  mode: 'min' | 'max';
  factor: number;
  patience: number;
  threshold: number;
  thresholdMode: 'rel' | 'abs';
  cooldown: number;
  cooldownCounter = 0;
  minLrs: number[];
  eps: number;
  best: number;
  numBadEpochs = 0;
  modeWorse: number;
  lastEpoch = 0;
  /** @internal */
  lastLr: number[];

  constructor(optimizer: AnyOptimizer, options: ReduceLROnPlateauOptions = {}) {
    const op = 'ReduceLROnPlateau';
    this.optimizer = checkOptimizer(op, optimizer);
    this.factor = checkNum(op, 'factor', options.factor ?? 0.1, (v) => v < 1, 'a number < 1');
    const n = optimizer.paramGroups.length;
    const minLr = options.minLr ?? 0;
    if (Array.isArray(minLr)) {
      if (minLr.length !== n) throw new RangeError(`${op}: expected ${n} values for minLr (one per group) but received ${minLr.length}`);
      this.minLrs = minLr.map((v, i) => checkNum(op, `minLr[${i}]`, v, () => true, 'a number'));
    } else {
      this.minLrs = new Array<number>(n).fill(checkNum(op, 'minLr', minLr, () => true, 'a number'));
    }
    this.patience = checkNum(op, 'patience', options.patience ?? 10, (v) => Number.isInteger(v) && v >= 0, 'a non-negative integer');
    this.cooldown = checkNum(op, 'cooldown', options.cooldown ?? 0, (v) => Number.isInteger(v) && v >= 0, 'a non-negative integer');
    this.threshold = checkNum(op, 'threshold', options.threshold ?? 1e-4, () => true, 'a number');
    this.eps = checkNum(op, 'eps', options.eps ?? 1e-8, () => true, 'a number');
    const mode = options.mode ?? 'min', thresholdMode = options.thresholdMode ?? 'rel';
    if (mode !== 'min' && mode !== 'max') throw new TypeError(`${op}: expected 'min' or 'max' for mode but received ${describeValue(mode)}`);
    if (thresholdMode !== 'rel' && thresholdMode !== 'abs') throw new TypeError(`${op}: expected 'rel' or 'abs' for thresholdMode but received ${describeValue(thresholdMode)}`);
    this.mode = mode;
    this.thresholdMode = thresholdMode;
    this.modeWorse = mode === 'min' ? Infinity : -Infinity;
    this.best = this.modeWorse;
    this.lastLr = optimizer.paramGroups.map(lrOf);
  }

  private isBetter(a: number, best: number): boolean {
    if (this.mode === 'min' && this.thresholdMode === 'rel') return a < best * (1 - this.threshold);
    if (this.mode === 'min') return a < best - this.threshold;
    if (this.thresholdMode === 'rel') return a > best * (this.threshold + 1);
    return a > best + this.threshold;
  }

  get inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  /** Records this epoch's metric (a number, or a one-element tensor) and reduces the lr if it has plateaued. */
  step(metric: number | { item(): number }): void {
    const current = typeof metric === 'number' ? metric : metric !== null && typeof metric === 'object' && typeof metric.item === 'function' ? metric.item() : NaN;
    if (typeof metric !== 'number' && Number.isNaN(current)) {
      throw new TypeError(`ReduceLROnPlateau.step: expected a number or a one-element Tensor for metric but received ${describeValue(metric)}`);
    }
    this.lastEpoch += 1;
    if (this.isBetter(current, this.best)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs += 1;
    }
    if (this.inCooldown) {
      this.cooldownCounter -= 1;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.patience) {
      this.reduceLr();
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = this.optimizer.paramGroups.map(lrOf);
  }

  private reduceLr(): void {
    this.optimizer.paramGroups.forEach((g, i) => {
      const oldLr = lrOf(g);
      const newLr = Math.max(oldLr * this.factor, this.minLrs[i]);
      if (oldLr - newLr > this.eps) g.lr = newLr;
    });
  }

  /** The lr of each group after the last step(). */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  stateDict(): Record<string, unknown> {
    return schedulerState(this);
  }

  loadStateDict(state: Record<string, unknown>): void {
    restoreSchedulerState(this, state);
  }
}
