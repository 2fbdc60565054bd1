// nn.Module: the base class of every layer and model. A module owns parameters (trainable
// tensors), buffers (state that is saved but not trained, like BatchNorm's running stats) and
// child modules, each registered under the name PyTorch uses, so stateDict() keys match
// torch's state_dict() exactly (`features.0.weight`, `bn1.running_mean`).
//
// Registration is explicit: subclasses call registerParameter / registerBuffer / registerModule
// in their constructor. We chose this over scanning properties or wrapping `this` in a Proxy:
//  - the registered name must be PyTorch's (snake_case `running_mean`, Sequential's '0', '1'),
//    which differs from the JS property name (camelCase `runningMean`), so a property scan would
//    produce the wrong stateDict keys;
//  - a Proxy around every module costs a trap on each property read in forward() (the hot
//    path), breaks `#private` fields (methods invoked through the proxy see the proxy as
//    `this`) and makes `this` differ from the constructed object;
//  - registration order is the parameter order, visible in the constructor.
// Each register* call also defines an accessor property under the camelCase name
// (`running_mean` -> `runningMean`), so `this.weight` reads the registered tensor and
// `this.weight = t` replaces it (re-registering it), as attribute assignment does in PyTorch.
// Declare such fields with `declare weight: Tensor;` (no initializer) in TypeScript.
import { isGradEnabled, noGrad } from '../autograd.js';
import { keep } from '../memory.js';
import { copy_ } from '../ops/shape.js';
import { formatShape, sameShape } from '../shape.js';
import { nextTensorId, Tensor } from '../tensor.js';
import { describeValue } from '../validate.js';

/** A state dict: PyTorch's parameter/buffer names (`features.0.weight`) to tensors, in order. */
export type StateDict = Map<string, Tensor>;

export interface LoadStateDictOptions {
  /** Require the keys to match exactly (default true). Shape mismatches always throw. */
  strict?: boolean;
}

export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

type Kind = 'parameter' | 'buffer' | 'module';

/** `running_mean` -> `runningMean` (names without underscores are unchanged). */
export function camelCaseName(name: string): string {
  return name.replace(/_+([a-zA-Z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Indents every line after the first by `n` spaces (PyTorch's _addindent). */
function addIndent(s: string, n: number): string {
  const lines = s.split('\n');
  if (lines.length === 1) return s;
  return [lines[0], ...lines.slice(1).map((l) => ' '.repeat(n) + l)].join('\n');
}

/**
 * Base class for all neural network modules, PyTorch's `nn.Module` with camelCase names.
 *
 * @example
 * class Net extends nn.Module {
 *   declare fc1: nn.Linear;
 *   declare fc2: nn.Linear;
 *   constructor() {
 *     super();
 *     this.registerModule('fc1', new nn.Linear(784, 128));
 *     this.registerModule('fc2', new nn.Linear(128, 10));
 *   }
 *   override forward(x: Tensor): Tensor {
 *     return this.fc2.forward(this.fc1.forward(x).relu());
 *   }
 * }
 */
export class Module {
  /** Training mode (dropout active, batch norm on batch statistics); see train()/eval(). */
  training = true;
  /** @internal */ readonly _parameters = new Map<string, Tensor | null>();
  /** @internal */ readonly _buffers = new Map<string, Tensor | null>();
  /** @internal Buffers left out of stateDict(). */ readonly _nonPersistent = new Set<string>();
  /** @internal */ readonly _modules = new Map<string, Module | null>();

  /** The computation; subclasses override it. */
  forward(..._args: any[]): any {
    throw new Error(`${this._name()}: forward() is not implemented; subclasses of Module must override it`);
  }

  /** Runs forward() (PyTorch's `module(x)`; JS objects cannot be called). */
  call(...args: any[]): any {
    return this.forward(...args);
  }

  /** @internal The class name, as PyTorch's _get_name(). */
  _name(): string {
    return this.constructor.name;
  }

  // ---------------------------------------------------------------- registration

  private checkName(op: string, name: unknown, kind: Kind): string {
    if (typeof name !== 'string') throw new TypeError(`${op}: expected a string for name but received ${describeValue(name)}`);
    if (name === '') throw new Error(`${op}: name can't be empty`);
    if (name.includes('.')) throw new Error(`${op}: name can't contain "." (got '${name}')`);
    const others: Array<[Kind, Map<string, unknown>]> = [['parameter', this._parameters], ['buffer', this._buffers], ['module', this._modules]];
    for (const [k, map] of others) {
      if (k !== kind && map.has(name)) throw new Error(`${op}: '${name}' is already registered as a ${k} of ${this._name()}`);
    }
    const prop = camelCaseName(name);
    if (!this._parameters.has(name) && !this._buffers.has(name) && !this._modules.has(name) && prop in this) {
      const own = Object.getOwnPropertyDescriptor(this, prop);
      // An own data property that is still undefined is a TS class field awaiting this call.
      if (!own || !('value' in own) || (own.value !== undefined && own.value !== null)) {
        throw new Error(`${op}: attribute '${prop}' already exists on ${this._name()}`);
      }
    }
    return name;
  }

  private defineAccessor(name: string, kind: Kind): void {
    const prop = camelCaseName(name);
    const own = Object.getOwnPropertyDescriptor(this, prop);
    if (own && own.get) return;
    Object.defineProperty(this, prop, {
      configurable: true,
      enumerable: true,
      get: () => (kind === 'parameter' ? this._parameters : kind === 'buffer' ? this._buffers : this._modules).get(name) ?? null,
      set: (value: unknown) => {
        if (kind === 'parameter') this.registerParameter(name, value as Tensor | null);
        else if (kind === 'buffer') this.registerBuffer(name, value as Tensor | null, { persistent: !this._nonPersistent.has(name) });
        else this.registerModule(name, value as Module | null);
      },
    });
  }

  /**
   * Registers `param` as a parameter under `name` (PyTorch's name: it is the stateDict key).
   * The tensor is made to require grad and is kept (no tidy() scope frees it). null registers
   * an absent parameter (like `bias=None`). Also defines the accessor `this[camelCase(name)]`.
   */
  registerParameter<T extends Tensor | null>(name: string, param: T): T {
    const op = 'registerParameter';
    this.checkName(op, name, 'parameter');
    if (param !== null) {
      if (!(param instanceof Tensor)) throw new TypeError(`${op}: expected a Tensor or null for '${name}' but received ${describeValue(param)}`);
      if (param.isDisposed) throw new Error(`${op}: the tensor for '${name}' has been disposed`);
      if (!param.isLeaf) throw new Error(`${op}: '${name}' must be a leaf tensor (it was computed by ${param.gradFn!.name}); register a detach()ed copy`);
      if (param.dtype !== 'float32') throw new TypeError(`${op}: parameters must be float32 but '${name}' is ${param.dtype}`);
      keep(param);
      if (!param.requiresGrad) param.requiresGrad_(true);
    }
    this._parameters.set(name, param);
    this.defineAccessor(name, 'parameter');
    return param;
  }

  /**
   * Registers a buffer: module state saved in stateDict() but not trained (running stats).
   * `persistent: false` leaves it out of stateDict(). The tensor is kept.
   */
  registerBuffer<T extends Tensor | null>(name: string, buffer: T, options: { persistent?: boolean } = {}): T {
    const op = 'registerBuffer';
    this.checkName(op, name, 'buffer');
    if (buffer !== null) {
      if (!(buffer instanceof Tensor)) throw new TypeError(`${op}: expected a Tensor or null for '${name}' but received ${describeValue(buffer)}`);
      if (buffer.isDisposed) throw new Error(`${op}: the tensor for '${name}' has been disposed`);
      keep(buffer);
    }
    this._buffers.set(name, buffer);
    if (options.persistent === false) this._nonPersistent.add(name);
    else this._nonPersistent.delete(name);
    this.defineAccessor(name, 'buffer');
    return buffer;
  }

  /** Registers a child module under `name` (its parameters get the prefix `name.`). */
  registerModule<M extends Module | null>(name: string, module: M): M {
    const op = 'registerModule';
    this.checkName(op, name, 'module');
    if (module !== null && !(module instanceof Module)) {
      throw new TypeError(`${op}: expected a Module or null for '${name}' but received ${describeValue(module)}`);
    }
    this._modules.set(name, module);
    this.defineAccessor(name, 'module');
    return module;
  }

  /** Removes a registered parameter, buffer or module and its accessor (PyTorch's `del m.name`). */
  unregister(name: string): void {
    if (!this._parameters.delete(name) && !this._buffers.delete(name) && !this._modules.delete(name)) {
      throw new Error(`unregister: ${this._name()} has no parameter, buffer or module '${name}'`);
    }
    this._nonPersistent.delete(name);
    const prop = camelCaseName(name);
    const own = Object.getOwnPropertyDescriptor(this, prop);
    if (own?.get) delete (this as Record<string, unknown>)[prop];
  }

  /** Alias of registerModule (PyTorch's add_module). */
  addModule<M extends Module | null>(name: string, module: M): M {
    return this.registerModule(name, module);
  }

  // ---------------------------------------------------------------- traversal

  /** This module and every descendant with its dotted name ('' for this one), each once. */
  namedModules(options: { prefix?: string; removeDuplicate?: boolean } = {}): Array<[string, Module]> {
    const out: Array<[string, Module]> = [];
    const seen = new Set<Module>();
    const removeDuplicate = options.removeDuplicate ?? true;
    const visit = (m: Module, prefix: string): void => {
      if (removeDuplicate) {
        if (seen.has(m)) return;
        seen.add(m);
      }
      out.push([prefix, m]);
      for (const [name, child] of m._modules) {
        if (child) visit(child, prefix === '' ? name : `${prefix}.${name}`);
      }
    };
    visit(this, options.prefix ?? '');
    return out;
  }

  /** This module and all descendants, each once. */
  modules(): Module[] {
    return this.namedModules().map(([, m]) => m);
  }

  /** Direct children with their registered names. */
  namedChildren(): Array<[string, Module]> {
    const out: Array<[string, Module]> = [];
    const seen = new Set<Module>();
    for (const [name, m] of this._modules) {
      if (m && !seen.has(m)) {
        seen.add(m);
        out.push([name, m]);
      }
    }
    return out;
  }

  children(): Module[] {
    return this.namedChildren().map(([, m]) => m);
  }

  private namedMembers(kind: 'parameter' | 'buffer', prefix: string, recurse: boolean): Array<[string, Tensor]> {
    const out: Array<[string, Tensor]> = [];
    const seen = new Set<Tensor>();
    const mods: Array<[string, Module]> = recurse ? this.namedModules({ prefix }) : [[prefix, this]];
    for (const [modPrefix, m] of mods) {
      const map = kind === 'parameter' ? m._parameters : m._buffers;
      for (const [name, t] of map) {
        if (t === null || seen.has(t)) continue;
        seen.add(t);
        out.push([modPrefix === '' ? name : `${modPrefix}.${name}`, t]);
      }
    }
    return out;
  }

  /** Parameters with dotted names (`features.0.weight`), in registration order, each once. */
  namedParameters(options: { prefix?: string; recurse?: boolean } = {}): Array<[string, Tensor]> {
    return this.namedMembers('parameter', options.prefix ?? '', options.recurse ?? true);
  }

  /** The parameters (what an optimizer trains), in registration order, each once. */
  parameters(options: { recurse?: boolean } = {}): Tensor[] {
    return this.namedParameters(options).map(([, p]) => p);
  }

  /** Buffers with dotted names (`bn.running_mean`). */
  namedBuffers(options: { prefix?: string; recurse?: boolean } = {}): Array<[string, Tensor]> {
    return this.namedMembers('buffer', options.prefix ?? '', options.recurse ?? true);
  }

  buffers(options: { recurse?: boolean } = {}): Tensor[] {
    return this.namedBuffers(options).map(([, b]) => b);
  }

  /** The descendant at a dotted path (`features.0`). */
  getSubmodule(target: string): Module {
    if (target === '') return this;
    let m: Module = this;
    const parts = target.split('.');
    for (let i = 0; i < parts.length; i++) {
      const next = m._modules.get(parts[i]);
      if (!next) throw new Error(`getSubmodule: ${m._name()} has no submodule '${parts[i]}' (in '${target}')`);
      m = next;
    }
    return m;
  }

  /** Number of parameter elements (PyTorch: sum(p.numel() for p in m.parameters())). */
  numParameters(options: { onlyTrainable?: boolean } = {}): number {
    let n = 0;
    for (const p of this.parameters()) if (!options.onlyTrainable || p.requiresGrad) n += p.numel();
    return n;
  }

  // ---------------------------------------------------------------- modes and utilities

  /** Calls `fn` on every descendant (children first) and then this module; returns this. */
  apply(fn: (m: Module) => void): this {
    if (typeof fn !== 'function') throw new TypeError(`apply: expected a function for fn but received ${describeValue(fn)}`);
    for (const child of this.children()) child.apply(fn);
    fn(this);
    return this;
  }

  /** Sets training mode on this module and all descendants. */
  train(mode = true): this {
    if (typeof mode !== 'boolean') throw new TypeError(`train: expected a boolean for mode but received ${describeValue(mode)}`);
    this.training = mode;
    for (const child of this.children()) child.train(mode);
    return this;
  }

  /** Evaluation mode: train(false). */
  eval(): this {
    return this.train(false);
  }

  /** Sets requiresGrad on every parameter (false freezes the module). */
  requiresGrad_(requiresGrad = true): this {
    for (const p of this.parameters()) p.requiresGrad_(requiresGrad);
    return this;
  }

  /**
   * Clears parameter gradients. By default sets them to null (PyTorch >= 2) and frees the
   * old gradient tensors; `setToNone: false` zeroes them in place instead.
   */
  zeroGrad(options: { setToNone?: boolean } = {}): void {
    const setToNone = options.setToNone ?? true;
    for (const p of this.parameters()) {
      const g = p.grad;
      if (!g) continue;
      if (setToNone) {
        p.grad = null;
        g.dispose();
      } else if (!g.isDisposed) {
        noGrad(() => g.zero_());
      }
    }
  }

  /** Frees every parameter, buffer and gradient of this module and its descendants. */
  dispose(): void {
    for (const p of this.parameters()) {
      p.grad?.dispose();
      p.grad = null;
      p.dispose();
    }
    for (const b of this.buffers()) b.dispose();
  }

  // ---------------------------------------------------------------- state dict

  /**
   * Parameters and persistent buffers by PyTorch's names, in PyTorch's order (each module's
   * parameters, then its buffers, then its children). Values are detached views sharing
   * storage with the module (`keepVars: true` gives the tensors themselves).
   */
  stateDict(options: { prefix?: string; keepVars?: boolean } = {}): StateDict {
    const out: StateDict = new Map();
    const keepVars = options.keepVars ?? false;
    const visit = (m: Module, prefix: string): void => {
      for (const [name, p] of m._parameters) if (p) out.set(prefix + name, keepVars ? p : p.detach());
      for (const [name, b] of m._buffers) if (b && !m._nonPersistent.has(name)) out.set(prefix + name, keepVars ? b : b.detach());
      for (const [name, child] of m._modules) if (child) visit(child, `${prefix}${name}.`);
    };
    visit(this, options.prefix ?? '');
    return out;
  }

  /**
   * Copies values from `stateDict` (a Map or a plain object of name -> Tensor) into this
   * module's parameters and buffers. Everything is checked before anything is copied: with
   * `strict` (default) missing or unexpected keys throw; a shape mismatch always throws.
   */
  loadStateDict(stateDict: Map<string, Tensor> | Record<string, Tensor>, options: LoadStateDictOptions = {}): LoadStateDictResult {
    const op = 'loadStateDict';
    const strict = options.strict ?? true;
    if (stateDict === null || typeof stateDict !== 'object') {
      throw new TypeError(`${op}: expected a Map or an object of tensors for stateDict but received ${describeValue(stateDict)}`);
    }
    const given: Map<string, unknown> = stateDict instanceof Map ? stateDict : new Map(Object.entries(stateDict));
    const own = this.stateDict({ keepVars: true });
    const missingKeys = [...own.keys()].filter((k) => !given.has(k));
    const unexpectedKeys = [...given.keys()].filter((k) => !own.has(k));
    const errors: string[] = [];
    if (strict && missingKeys.length > 0) errors.push(`missing key(s) in state dict: ${missingKeys.map((k) => `"${k}"`).join(', ')}`);
    if (strict && unexpectedKeys.length > 0) errors.push(`unexpected key(s) in state dict: ${unexpectedKeys.map((k) => `"${k}"`).join(', ')}`);
    const copies: Array<[Tensor, Tensor]> = [];
    for (const [key, dst] of own) {
      if (!given.has(key)) continue;
      const src = given.get(key);
      if (!(src instanceof Tensor)) {
        errors.push(`expected a Tensor for ${key} but received ${describeValue(src)}`);
        continue;
      }
      if (src.isDisposed) {
        errors.push(`the tensor for ${key} has been disposed`);
        continue;
      }
      if (!sameShape(src.shape, dst.shape)) {
        errors.push(`size mismatch for ${key}: expected ${formatShape(dst.shape)} but got ${formatShape(src.shape)}`);
        continue;
      }
      copies.push([dst, src]);
    }
    if (errors.length === 1) throw new Error(`${op}: ${errors[0]}`);
    if (errors.length > 1) throw new Error(`${op}: ${errors.length} errors loading the state dict of ${this._name()}:\n  ${errors.join('\n  ')}`);
    noGrad(() => {
      for (const [dst, src] of copies) if (dst !== src) copy_(dst, src);
    });
    return { missingKeys, unexpectedKeys };
  }

  // ---------------------------------------------------------------- printing

  /** Extra text inside this module's repr (its configuration), as PyTorch's extra_repr(). */
  extraRepr(): string {
    return '';
  }

  /** PyTorch-style repr: `Sequential(\n  (0): Linear(inFeatures=4, outFeatures=2, bias=true)\n)`. */
  toString(): string {
    const extra = this.extraRepr();
    const extraLines = extra ? extra.split('\n') : [];
    const childLines: string[] = [];
    for (const [name, m] of this._modules) childLines.push(`(${name}): ${addIndent(m ? m.toString() : 'None', 2)}`);
    const lines = [...extraLines, ...childLines];
    let s = `${this._name()}(`;
    if (lines.length > 0) {
      if (extraLines.length === 1 && childLines.length === 0) s += extraLines[0];
      else s += '\n  ' + lines.join('\n  ') + '\n';
    }
    return s + ')';
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

/**
 * Frees `t` now when no gradient is being recorded (under noGrad an intermediate is needed by
 * nothing once the next layer has read it). Only a tensor created during the current forward
 * (id at least `since`, from nextTensorId() at its start), and never one of `keep` (the layer's
 * input, or an output that aliases it) or a parameter or buffer of `owner`. Inference then holds
 * a few activations at a time instead of every one until the enclosing tidy() ends: for
 * ResNet-20 at batch 64 that is 167 MB, on which page faults alone cost over a tenth of the
 * forward. (A module that keeps its own output for later must keep a clone.)
 */
export function releaseIntermediate(t: unknown, since: number, owner: Module | null, ...keep: unknown[]): void {
  if (isGradEnabled() || !(t instanceof Tensor) || t._id < since || keep.includes(t)) return;
  if (owner != null) {
    for (const p of owner.parameters()) if (p === t) return;
    for (const b of owner.buffers()) if (b === t) return;
  }
  t.dispose();
}

/** A stage of forwardReleasing: a module, or a plain function of the tensor. */
export type ForwardStage = Module | ((t: Tensor) => Tensor);

/**
 * Runs `stages` in turn, each on the previous one's output (null entries skipped), and releases
 * each intermediate once the next stage has read it (releaseIntermediate: only under noGrad,
 * never `root`, the result, or a parameter or buffer of the module that produced it). `since`
 * marks the start of the enclosing forward, for a caller that releases more of its own.
 */
export function forwardReleasing(x: unknown, stages: Iterable<ForwardStage | null | undefined>,
  since = nextTensorId(), root: unknown = x): any {
  let t = x;
  let producer: Module | null = null;
  for (const stage of stages) {
    if (!stage) continue;
    const module = stage instanceof Module ? stage : null;
    const y = module ? module.forward(t) : (stage as (t: Tensor) => Tensor)(t as Tensor);
    releaseIntermediate(t, since, producer, root, y);
    t = y;
    producer = module;
  }
  return t;
}
