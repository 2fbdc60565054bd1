// Containers: Sequential (chains its children) and ModuleList (holds them). Children are
// registered under '0', '1', ... (or the given names), as in PyTorch, so stateDict keys match.
import { describeValue } from '../../validate.js';
import { forwardReleasing, Module } from '../module.js';

function checkModule(op: string, m: unknown, where: string): Module {
  if (!(m instanceof Module)) throw new TypeError(`${op}: expected a Module for ${where} but received ${describeValue(m)}`);
  return m;
}

function normalizeIndex(op: string, index: number, length: number): number {
  if (typeof index !== 'number' || !Number.isInteger(index)) throw new TypeError(`${op}: expected an integer index but received ${describeValue(index)}`);
  const i = index < 0 ? index + length : index;
  if (i < 0 || i >= length) throw new RangeError(`${op}: index ${index} is out of range for ${length} modules`);
  return i;
}

/** Shared list behaviour of Sequential and ModuleList. */
abstract class ModuleSequence extends Module {
  /** Number of child modules. */
  get length(): number {
    return this._modules.size;
  }

  /** The child at `index` (negative counts from the end). */
  at(index: number): Module {
    const mods = [...this._modules.values()];
    return mods[normalizeIndex(`${this._name()}.at`, index, mods.length)]!;
  }

  [Symbol.iterator](): Iterator<Module> {
    return ([...this._modules.values()].filter((m) => m !== null) as Module[])[Symbol.iterator]();
  }

  /** Adds `module` at the end; returns this. */
  append(module: Module): this {
    this.registerModule(String(this._modules.size), checkModule(`${this._name()}.append`, module, 'module'));
    return this;
  }

  extend(modules: Iterable<Module>): this {
    for (const m of modules) this.append(m);
    return this;
  }

  /** Inserts `module` before position `index` (renumbering the ones after it). */
  insert(index: number, module: Module): this {
    const op = `${this._name()}.insert`;
    checkModule(op, module, 'module');
    const mods = [...this._modules.values()] as Module[];
    const i = index === mods.length ? index : normalizeIndex(op, index, mods.length);
    mods.splice(i, 0, module);
    this.renumber(mods);
    return this;
  }

  /** @internal Re-registers `mods` as '0', '1', ... */
  protected renumber(mods: Module[]): void {
    for (const key of [...this._modules.keys()]) this.unregister(key);
    mods.forEach((m, i) => this.registerModule(String(i), m));
  }
}

/**
 * Runs its modules in order, each on the previous one's output. Children are named '0', '1',
 * ..., or by the keys of an object / Map passed instead (PyTorch's OrderedDict form).
 *
 * @example
 * const model = new nn.Sequential(new nn.Linear(784, 128), new nn.ReLU(), new nn.Linear(128, 10));
 * const named = new nn.Sequential({ fc: new nn.Linear(4, 2), act: new nn.Tanh() });
 */
export class Sequential extends ModuleSequence {
  constructor(...modules: Module[] | [Record<string, Module> | Map<string, Module>]) {
    super();
    const first = modules[0] as unknown;
    if (modules.length === 1 && first !== null && typeof first === 'object' && !(first instanceof Module)) {
      const entries = first instanceof Map ? [...first.entries()] : Object.entries(first as Record<string, Module>);
      for (const [name, m] of entries) this.registerModule(name, checkModule('Sequential', m, `'${name}'`));
    } else {
      (modules as Module[]).forEach((m, i) => this.registerModule(String(i), checkModule('Sequential', m, `module ${i}`)));
    }
  }

  override forward(input: unknown): any {
    // Under noGrad each child's output is released once the next child has read it.
    return forwardReleasing(input, this._modules.values());
  }

  /** A new Sequential of the children in [start, end) (PyTorch's seq[start:end]); shares them. */
  slice(start = 0, end?: number): Sequential {
    const entries = [...this._modules.entries()].slice(start, end);
    const s = new Sequential();
    for (const [name, m] of entries) s.registerModule(name, m);
    s.training = this.training;
    return s;
  }
}

/**
 * A list of modules whose parameters belong to the parent (PyTorch's nn.ModuleList). It has no
 * forward(); index it with at() or iterate it.
 */
export class ModuleList extends ModuleSequence {
  constructor(modules: Iterable<Module> = []) {
    super();
    let i = 0;
    for (const m of modules) this.registerModule(String(i), checkModule('ModuleList', m, `module ${i++}`));
  }
}

/** Modules by name (PyTorch's nn.ModuleDict); keys must be valid registration names. */
export class ModuleDict extends Module {
  constructor(modules: Record<string, Module> | Map<string, Module> = {}) {
    super();
    const entries = modules instanceof Map ? [...modules.entries()] : Object.entries(modules);
    for (const [name, m] of entries) this.registerModule(name, checkModule('ModuleDict', m, `'${name}'`));
  }

  get size(): number {
    return this._modules.size;
  }

  get(name: string): Module | undefined {
    return this._modules.get(name) ?? undefined;
  }

  set(name: string, module: Module): this {
    this.registerModule(name, checkModule('ModuleDict.set', module, `'${name}'`));
    return this;
  }

  has(name: string): boolean {
    return this._modules.has(name);
  }

  keys(): string[] {
    return [...this._modules.keys()];
  }

  entries(): Array<[string, Module]> {
    return this.namedChildren();
  }
}
