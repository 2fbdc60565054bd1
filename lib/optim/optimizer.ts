// The Optimizer base class: parameter groups with per-group hyperparameters, per-parameter
// state, step()/zeroGrad(), and PyTorch-shaped state dicts. Subclasses supply defaults, the
// state a parameter starts with, and updateParam(): the update of one parameter, which is
// all that a fused native kernel has to replace.
import { enableGrad, noGrad } from '../autograd.js';
import { keep, tidy } from '../memory.js';
import { clone } from '../ops/shape.js';
import { formatShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { describeValue } from '../validate.js';

/** Per-parameter optimizer state: step counts (numbers) and buffers (tensors). */
export type ParamState = Record<string, Tensor | number>;

/** A parameter group: its parameters plus its hyperparameters (lr, momentum, ...). */
export type ParamGroup<H extends object = Record<string, unknown>> = H & {
  params: Tensor[];
  /** Set by LR schedulers: the lr the group had when the first scheduler was attached. */
  initialLr?: number;
  [key: string]: unknown;
};

/** What optimizers accept: parameters, or groups of parameters with per-group options. */
export type ParamGroupInput<H extends object = Record<string, unknown>> = Partial<H> & { params: Iterable<Tensor> | Tensor; [key: string]: unknown };
export type ParamsInput<H extends object = Record<string, unknown>> = Iterable<Tensor> | Iterable<ParamGroupInput<H>>;

/** PyTorch's state dict structure: state by parameter index, groups listing indices. */
export interface OptimizerStateDict {
  state: Record<number, Record<string, Tensor | number>>;
  param_groups: Array<Record<string, unknown> & { params: number[] }>;
}

function copyValue(v: unknown): unknown {
  if (v instanceof Tensor) return keep(noGrad(() => clone(v)));
  if (Array.isArray(v)) return v.map(copyValue);
  return v;
}

export abstract class Optimizer<H extends object = Record<string, unknown>> {
  /** Default hyperparameters, used for whatever a group does not set. */
  readonly defaults: H;
  paramGroups: Array<ParamGroup<H>> = [];
  /** Per-parameter state, created on a parameter's first update. */
  state: Map<Tensor, ParamState> = new Map();
  /** @internal The class name for messages. */
  protected readonly name: string;

  constructor(name: string, params: ParamsInput<H>, defaults: H) {
    this.name = name;
    this.defaults = defaults;
    if (params instanceof Tensor) {
      throw new TypeError(`${name}: params should be an iterable of Tensors or of parameter groups, but received a single Tensor; wrap it in an array`);
    }
    if (params == null || typeof (params as Iterable<unknown>)[Symbol.iterator] !== 'function') {
      throw new TypeError(`${name}: expected an iterable of Tensors or parameter groups for params but received ${describeValue(params)}`);
    }
    const list = [...(params as Iterable<unknown>)];
    if (list.length === 0) throw new RangeError(`${name}: got an empty parameter list`);
    const groups = list[0] instanceof Tensor ? [{ params: list as Tensor[] } as unknown as ParamGroupInput<H>] : (list as Array<ParamGroupInput<H>>);
    for (const g of groups) this.addParamGroup(g);
  }

  /** Adds a group of parameters with its own hyperparameters (the defaults fill the rest). */
  addParamGroup(group: ParamGroupInput<H>): void {
    const name = this.name;
    if (group === null || typeof group !== 'object' || group instanceof Tensor || !('params' in group)) {
      throw new TypeError(`${name}: expected a parameter group ({params, ...options}) but received ${describeValue(group)}`);
    }
    const raw = group.params;
    const params = raw instanceof Tensor ? [raw] : [...raw];
    for (const [i, p] of params.entries()) {
      if (!(p instanceof Tensor)) throw new TypeError(`${name}: expected Tensors in params but element ${i} is ${describeValue(p)}`);
      if (p.dtype !== 'float32') throw new TypeError(`${name}: can only optimize float32 tensors but parameter ${i} is ${p.dtype}`);
      if (!p.isLeaf) throw new Error(`${name}: can't optimize a non-leaf Tensor (parameter ${i} of shape ${formatShape(p.shape)})`);
    }
    if (new Set(params).size !== params.length) {
      throw new Error(`${name}: a parameter group contains the same parameter more than once`);
    }
    for (const g of this.paramGroups) {
      for (const p of params) {
        if (g.params.includes(p)) throw new Error(`${name}: some parameters appear in more than one parameter group`);
      }
    }
    const full = { ...this.defaults, ...group, params } as ParamGroup<H>;
    for (const [k, v] of Object.entries(full)) {
      if (v === undefined) (full as Record<string, unknown>)[k] = (this.defaults as Record<string, unknown>)[k];
    }
    this.validateGroup(full);
    this.paramGroups.push(full);
  }

  /** Checks a group's hyperparameters (subclasses throw errors naming the optimizer). */
  protected validateGroup(_group: ParamGroup<H>): void {}

  /** The state a parameter starts with on its first update. */
  protected abstract initState(param: Tensor, group: ParamGroup<H>): ParamState;

  /**
   * The update of one parameter, in place: `grad` is its gradient, `state` its buffers
   * (updated in place too), `group` its hyperparameters. Runs inside noGrad and a tidy scope.
   */
  protected abstract updateParam(param: Tensor, grad: Tensor, state: ParamState, group: ParamGroup<H>): void;

  /** @internal The state of `p`, created if missing (its tensors are kept from tidy). */
  protected stateFor(p: Tensor, group: ParamGroup<H>): ParamState {
    let s = this.state.get(p);
    if (s === undefined) {
      s = this.initState(p, group);
      for (const v of Object.values(s)) if (v instanceof Tensor) keep(v);
      this.state.set(p, s);
    }
    return s;
  }

  /**
   * Updates every parameter that has a gradient (parameters whose grad is null are skipped).
   * `closure`, if given, re-evaluates the model and returns the loss, which step() returns.
   */
  step<T = undefined>(closure?: () => T): T | undefined {
    let loss: T | undefined;
    if (closure !== undefined) {
      if (typeof closure !== 'function') throw new TypeError(`${this.name}.step: expected a function for closure but received ${describeValue(closure)}`);
      loss = enableGrad(closure);
    }
    noGrad(() => {
      for (const group of this.paramGroups) {
        for (const p of group.params) {
          const g = p.grad;
          if (g === null || g === undefined) continue;
          if (g.isDisposed) throw new Error(`${this.name}.step: the gradient of a parameter of shape ${formatShape(p.shape)} has been disposed`);
          const state = this.stateFor(p, group);
          tidy(() => this.updateParam(p, g, state, group));
        }
      }
    });
    return loss;
  }

  /**
   * Clears the gradients: sets them to null (the default, as PyTorch's set_to_none=True, so the
   * memory is freed), or zeros them in place with `setToNone: false`.
   */
  zeroGrad(options: { setToNone?: boolean } = {}): void {
    const setToNone = options.setToNone ?? true;
    for (const group of this.paramGroups) {
      for (const p of group.params) {
        const g = p.grad;
        if (g === null) continue;
        if (setToNone) {
          p.grad = null;
          if (!g.isDisposed) g.dispose();
        } else if (!g.isDisposed) {
          noGrad(() => g.zero_());
        }
      }
    }
  }

  /**
   * The optimizer's state as PyTorch structures it: `state` maps parameter indices (in group
   * order) to their state, `param_groups` lists each group's hyperparameters and the indices
   * of its parameters. Tensors are copies (kept out of tidy scopes; dispose them when done).
   */
  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    const groups: OptimizerStateDict['param_groups'] = [];
    for (const group of this.paramGroups) {
      const ids: number[] = [];
      for (const p of group.params) {
        if (!index.has(p)) index.set(p, index.size);
        ids.push(index.get(p)!);
      }
      const packed: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(group)) if (k !== 'params') packed[k] = copyValue(v);
      groups.push({ ...packed, params: ids });
    }
    const state: OptimizerStateDict['state'] = {};
    for (const [p, s] of this.state) {
      const i = index.get(p);
      if (i === undefined) continue;
      const copy: Record<string, Tensor | number> = {};
      for (const [k, v] of Object.entries(s)) copy[k] = copyValue(v) as Tensor | number;
      state[i] = copy;
    }
    return { state, param_groups: groups };
  }

  /** Restores what stateDict() returned (copying its tensors); the groups must match in size. */
  loadStateDict(stateDict: OptimizerStateDict): void {
    const name = `${this.name}.loadStateDict`;
    if (stateDict === null || typeof stateDict !== 'object' || !Array.isArray(stateDict.param_groups) || typeof stateDict.state !== 'object') {
      throw new TypeError(`${name}: expected {state, param_groups} but received ${describeValue(stateDict)}`);
    }
    const saved = stateDict.param_groups;
    if (saved.length !== this.paramGroups.length) {
      throw new RangeError(`${name}: loaded state dict has ${saved.length} parameter groups but the optimizer has ${this.paramGroups.length}`);
    }
    const byIndex = new Map<number, Tensor>();
    for (let gi = 0; gi < saved.length; gi++) {
      const ours = this.paramGroups[gi].params;
      if (!Array.isArray(saved[gi].params) || saved[gi].params.length !== ours.length) {
        throw new RangeError(`${name}: loaded parameter group ${gi} has ${saved[gi].params?.length} parameters but the optimizer's has ${ours.length}`);
      }
      saved[gi].params.forEach((id, k) => byIndex.set(id, ours[k]));
    }
    const newState = new Map<Tensor, ParamState>();
    for (const [key, s] of Object.entries(stateDict.state)) {
      const p = byIndex.get(Number(key));
      if (p === undefined) continue;
      const copy: ParamState = {};
      for (const [k, v] of Object.entries(s)) {
        if (v instanceof Tensor && !(v.shape.length === p.shape.length && v.shape.every((d, i) => d === p.shape[i]))) {
          throw new RangeError(`${name}: state '${k}' of parameter ${key} has shape ${formatShape(v.shape)} but the parameter has ${formatShape(p.shape)}`);
        }
        copy[k] = copyValue(v) as Tensor | number;
      }
      newState.set(p, copy);
    }
    this.disposeState();
    this.state = newState;
    this.paramGroups = saved.map((g, gi) => {
      const restored: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(g)) if (k !== 'params') restored[k] = copyValue(v);
      return { ...restored, params: this.paramGroups[gi].params } as ParamGroup<H>;
    });
  }

  /** Frees the state tensors (momentum buffers, moment estimates); the optimizer starts over. */
  disposeState(): void {
    for (const s of this.state.values()) for (const v of Object.values(s)) if (v instanceof Tensor) v.dispose();
    this.state.clear();
  }
}

// ---- helpers for the subclasses ----

export function checkHyper(op: string, name: string, value: unknown, options: { min?: number; max?: number; minExclusive?: boolean; maxExclusive?: boolean } = {}): number {
  const { min = -Infinity, max = Infinity } = options;
  const bad = typeof value !== 'number' || Number.isNaN(value) ||
    (options.minExclusive ? (value as number) <= min : (value as number) < min) ||
    (options.maxExclusive ? (value as number) >= max : (value as number) > max);
  if (bad) {
    const lo = min === -Infinity ? '' : options.minExclusive ? `> ${min}` : `>= ${min}`;
    const hi = max === Infinity ? '' : options.maxExclusive ? `< ${max}` : `<= ${max}`;
    const what = lo && hi ? `a number ${lo} and ${hi}` : lo || hi ? `a number ${lo || hi}` : 'a number';
    throw new RangeError(`${op}: expected ${what} for ${name} but received ${describeValue(value)}`);
  }
  return value as number;
}

export function checkBool(op: string, name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new TypeError(`${op}: expected a boolean for ${name} but received ${describeValue(value)}`);
  return value;
}
