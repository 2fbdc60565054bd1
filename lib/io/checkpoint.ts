// Model files and training checkpoints, each one safetensors file (safetensors.ts).
//
// A model file holds `model.stateDict()` under PyTorch's key names, so it loads with
// `safetensors.torch.load_file` + `load_state_dict` in Python, and its metadata says what it is:
//   format             'pt' (what Hugging Face loaders check for)
//   keel.kind          'model'
//   keel.version       the Keel version that wrote it
//   keel.architecture  optional, e.g. 'resnet18'
//   keel.config        optional, JSON of the constructor options
//
// A checkpoint holds everything needed to resume training bit for bit:
//   tensors   model.<stateDict key>                     the model's parameters and buffers
//             optimizer.state.<paramIndex>.<name>       the optimizer's state tensors (expAvg, momentumBuffer)
//   metadata  keel.kind 'checkpoint', keel.version, keel.epoch, keel.step, keel.extra (JSON),
//             keel.optimizer (its class), keel.optimizer.param_groups (JSON: hyperparameters and
//             parameter indices), keel.optimizer.state (JSON: non-tensor state such as Adam's step)
// Parameter indices are PyTorch's: the position of the parameter across the groups, in order.
//
// Metadata values must be strings, so the non-tensor parts are JSON, extended to round-trip
// every number: NaN, ±Infinity and -0 (a ReduceLROnPlateau's best starts at Infinity) are
// written as {"$number": "Infinity"}. Anything JSON would silently change (undefined in an
// array, a Date, a Map, a Tensor) is rejected instead.
import { createRequire } from 'node:module';
import { Module, type LoadStateDictOptions, type LoadStateDictResult } from '../nn/module.js';
import { Optimizer, type OptimizerStateDict } from '../optim/optimizer.js';
import { formatShape, sameShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { describeValue } from '../validate.js';
import { checkMetadataArg, saveSafetensors, SafetensorsError, withSafetensorsFile } from './safetensors.js';

const KEY = {
  format: 'format',
  kind: 'keel.kind',
  version: 'keel.version',
  architecture: 'keel.architecture',
  config: 'keel.config',
  epoch: 'keel.epoch',
  step: 'keel.step',
  extra: 'keel.extra',
  optimizer: 'keel.optimizer',
  paramGroups: 'keel.optimizer.param_groups',
  optimizerState: 'keel.optimizer.state',
} as const;

const MODEL_PREFIX = 'model.';
const OPTIMIZER_STATE = /^optimizer\.state\.(0|[1-9][0-9]*)\.(.+)$/;

let version: string | null = null;

/** This package's version (the package resolves itself by name through its `exports`). */
function keelVersion(): string {
  if (version === null) {
    try {
      version = String((createRequire(import.meta.url)('keel/package.json') as { version: string }).version);
    } catch {
      version = 'unknown';
    }
  }
  return version;
}

// ------------------------------------------------------------------------------------ JSON

const NUMBER_TAG = '$number';
const TAGGED_NUMBERS: Readonly<Record<string, number>> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity, '-0': -0 };

function plainData(op: string, path: string, value: unknown, seen: Set<object>): unknown {
  const fail = (what: string, at = path): never => {
    throw new TypeError(`${op}: ${at} ${what}; only numbers, strings, booleans, null, arrays and plain objects can be saved`);
  };
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (Number.isFinite(value) && !Object.is(value, -0)) return value;
    return { [NUMBER_TAG]: Object.is(value, -0) ? '-0' : String(value) };
  }
  if (typeof value !== 'object') return fail(`is ${describeValue(value)}`);
  if (value instanceof Tensor) return fail('is a Tensor');
  if (seen.has(value)) return fail('refers back to itself');
  seen.add(value);
  let out: unknown;
  if (Array.isArray(value)) {
    out = value.map((v, i) => {
      if (v === undefined) fail('is undefined (JSON would turn it into null)', `${path}[${i}]`);
      return plainData(op, `${path}[${i}]`, v, seen);
    });
  } else {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) fail(`is ${proto?.constructor?.name ? `a ${proto.constructor.name}` : 'not a plain object'}`);
    const obj: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === NUMBER_TAG) fail(`uses the key '${NUMBER_TAG}', which Keel reserves for NaN and infinities`);
      if (v !== undefined) obj[k] = plainData(op, `${path}.${k}`, v, seen);
    }
    out = obj;
  }
  seen.delete(value);
  return out;
}

/** JSON text of plain data that decodeJson turns back into an equal value (see the header). */
function encodeJson(op: string, path: string, value: unknown): string {
  return JSON.stringify(plainData(op, path, value, new Set()));
}

function decodeJson(op: string, source: string, key: string, text: string | undefined): unknown {
  if (text === undefined) return null;
  try {
    return JSON.parse(text, (_k, v: unknown) => {
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
        const keys = Object.keys(v);
        const tag = (v as Record<string, unknown>)[NUMBER_TAG];
        if (keys.length === 1 && keys[0] === NUMBER_TAG && typeof tag === 'string' && Object.hasOwn(TAGGED_NUMBERS, tag)) return TAGGED_NUMBERS[tag];
      }
      return v;
    });
  } catch (err) {
    throw new SafetensorsError(op, source, null, `metadata '${key}' is not valid JSON (${(err as Error).message})`);
  }
}

// ------------------------------------------------------------------------------------ helpers

function checkModel(op: string, model: unknown): Module {
  if (!(model instanceof Module)) throw new TypeError(`${op}: expected an nn.Module for model but received ${describeValue(model)}`);
  return model;
}

function checkOptimizer(op: string, optimizer: unknown): Optimizer<any> {
  if (!(optimizer instanceof Optimizer)) throw new TypeError(`${op}: expected an optimizer for optimizer but received ${describeValue(optimizer)}`);
  return optimizer;
}

function checkCount(op: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new TypeError(`${op}: expected a non-negative integer for ${name} but received ${describeValue(value)}`);
  }
  return value;
}

/** The user's metadata, refusing the keys this module writes. */
function userMetadata(op: string, metadata: unknown): Record<string, string> {
  if (metadata === undefined) return {};
  const meta = checkMetadataArg(op, metadata);
  for (const k of Object.keys(meta)) {
    if (k === KEY.format || k.startsWith('keel.')) throw new Error(`${op}: metadata key '${k}' is reserved ('format' and 'keel.*' are written by Keel)`);
  }
  return meta;
}

function disposeAll(tensors: Iterable<Tensor>): void {
  for (const t of tensors) t.dispose();
}

// ------------------------------------------------------------------------------------ models

/** Options of saveModel. */
export interface SaveModelOptions {
  /** What builds the model, e.g. 'resnet18' (stored as keel.architecture). */
  architecture?: string;
  /** The model's configuration, plain data (stored as JSON in keel.config). */
  config?: unknown;
  /** More string metadata (keys other than 'format' and 'keel.*'). */
  metadata?: Record<string, string>;
}

/**
 * Saves `model.stateDict()` (PyTorch's key names) as a safetensors file, atomically, with
 * metadata saying what the model is. The file loads in PyTorch with `safetensors.torch`.
 *
 * @example
 * keel.io.saveModel('lenet.safetensors', model, { architecture: 'lenet5', config: { numClasses: 10 } });
 */
export function saveModel(path: string, model: Module, options: SaveModelOptions = {}): void {
  const op = 'saveModel';
  checkModel(op, model);
  const meta: Record<string, string> = { [KEY.format]: 'pt', [KEY.kind]: 'model', [KEY.version]: keelVersion() };
  if (options.architecture !== undefined) {
    if (typeof options.architecture !== 'string') throw new TypeError(`${op}: expected a string for architecture but received ${describeValue(options.architecture)}`);
    meta[KEY.architecture] = options.architecture;
  }
  if (options.config !== undefined) meta[KEY.config] = encodeJson(op, 'config', options.config);
  Object.assign(meta, userMetadata(op, options.metadata));
  const state = model.stateDict(); // detached views: dispose them, not the model's tensors
  try {
    saveSafetensors(path, state, meta);
  } finally {
    disposeAll(state.values());
  }
}

/** What readModelInfo finds in a file's metadata. */
export interface ModelInfo {
  /** keel.architecture, or null. */
  architecture: string | null;
  /** keel.config parsed, or null. */
  config: unknown;
  /** The Keel version that wrote the file, or null if Keel did not. */
  version: string | null;
  /** 'model', 'checkpoint', or null for files Keel did not write. */
  kind: string | null;
  /** All of the file's metadata. */
  metadata: Record<string, string>;
}

/**
 * The architecture, config and metadata of a model file, reading only its header.
 *
 * @example
 * const { architecture, config } = keel.io.readModelInfo('model.safetensors');
 * const model = keel.models[architecture](config);
 */
export function readModelInfo(path: string): ModelInfo {
  const op = 'readModelInfo';
  return withSafetensorsFile(op, path, ({ header, source }) => {
    const m = header.metadata;
    return {
      architecture: m[KEY.architecture] ?? null,
      config: decodeJson(op, source, KEY.config, m[KEY.config]),
      version: m[KEY.version] ?? null,
      kind: m[KEY.kind] ?? null,
      metadata: m,
    };
  });
}

/** What loadModelWeights returns. */
export interface LoadModelWeightsResult extends LoadStateDictResult {
  /** The file's metadata. */
  metadata: Record<string, string>;
}

/**
 * Loads a safetensors file into `model` with loadStateDict (strict by default: the keys must
 * match; shapes always must). Works on any file with PyTorch's keys, including ones written by
 * `safetensors.torch.save_file`, and on Keel checkpoints (their `model.` tensors). Half, bfloat16
 * and float64 weights are converted to float32.
 *
 * @example
 * const { metadata } = keel.io.loadModelWeights('model.safetensors', model);
 */
export function loadModelWeights(path: string, model: Module, options: LoadStateDictOptions = {}): LoadModelWeightsResult {
  const op = 'loadModelWeights';
  checkModel(op, model);
  return withSafetensorsFile(op, path, ({ header, read }) => {
    const checkpoint = header.metadata[KEY.kind] === 'checkpoint';
    const loaded = read(checkpoint ? (name) => name.startsWith(MODEL_PREFIX) : undefined);
    try {
      const state = checkpoint ? new Map([...loaded].map(([k, t]) => [k.slice(MODEL_PREFIX.length), t])) : loaded;
      return { ...model.loadStateDict(state, options), metadata: header.metadata };
    } finally {
      disposeAll(loaded.values());
    }
  });
}

// ------------------------------------------------------------------------------------ checkpoints

/** What saveCheckpoint saves. */
export interface CheckpointContents {
  model: Module;
  optimizer?: Optimizer<any>;
  /** Epochs completed. */
  epoch?: number;
  /** Optimizer steps taken (or batches seen). */
  step?: number;
  /** Anything else, plain data: a scheduler's stateDict(), the best validation loss, ... */
  extra?: unknown;
  /** More string metadata (keys other than 'format' and 'keel.*'). */
  metadata?: Record<string, string>;
}

/**
 * Saves a training checkpoint in one safetensors file, atomically: the model's state, the
 * optimizer's state (buffers as tensors, the rest as JSON), epoch, step and `extra`.
 *
 * @example
 * keel.io.saveCheckpoint('ckpt.safetensors', { model, optimizer, epoch, extra: { scheduler: sched.stateDict() } });
 */
export function saveCheckpoint(path: string, contents: CheckpointContents): void {
  const op = 'saveCheckpoint';
  if (contents === null || typeof contents !== 'object') throw new TypeError(`${op}: expected {model, optimizer?, epoch?, step?, extra?} but received ${describeValue(contents)}`);
  const model = checkModel(op, contents.model);
  const optimizer = contents.optimizer === undefined ? undefined : checkOptimizer(op, contents.optimizer);
  const meta: Record<string, string> = {
    [KEY.format]: 'pt',
    [KEY.kind]: 'checkpoint',
    [KEY.version]: keelVersion(),
    [KEY.epoch]: JSON.stringify(contents.epoch === undefined ? null : checkCount(op, 'epoch', contents.epoch)),
    [KEY.step]: JSON.stringify(contents.step === undefined ? null : checkCount(op, 'step', contents.step)),
    [KEY.extra]: encodeJson(op, 'extra', contents.extra === undefined ? null : contents.extra),
  };
  Object.assign(meta, userMetadata(op, contents.metadata));
  const tensors = new Map<string, Tensor>();
  const owned: Tensor[] = [];
  try {
    for (const [k, t] of model.stateDict()) {
      owned.push(t);
      tensors.set(MODEL_PREFIX + k, t);
    }
    if (optimizer !== undefined) {
      const sd = optimizer.stateDict(); // copies, ours to dispose
      const plain: Record<string, Record<string, unknown>> = {};
      for (const [idx, s] of Object.entries(sd.state)) {
        for (const [name, v] of Object.entries(s)) {
          if (v instanceof Tensor) {
            owned.push(v);
            tensors.set(`optimizer.state.${idx}.${name}`, v);
          } else {
            (plain[idx] ??= {})[name] = v;
          }
        }
      }
      for (const g of sd.param_groups) for (const v of Object.values(g)) if (v instanceof Tensor) owned.push(v);
      meta[KEY.optimizer] = optimizer.constructor.name;
      meta[KEY.paramGroups] = encodeJson(op, 'optimizer param_groups', sd.param_groups);
      meta[KEY.optimizerState] = encodeJson(op, 'optimizer state', plain);
    }
    saveSafetensors(path, tensors, meta);
  } finally {
    disposeAll(owned);
  }
}

/** Options of loadCheckpoint. */
export interface LoadCheckpointOptions extends LoadStateDictOptions {
  model: Module;
  /** Restored too when given (the checkpoint must then hold the same optimizer's state). */
  optimizer?: Optimizer<any>;
}

/** What loadCheckpoint returns besides restoring the model and optimizer. */
export interface LoadedCheckpoint extends LoadStateDictResult {
  epoch: number | null;
  step: number | null;
  extra: unknown;
  metadata: Record<string, string>;
}

/**
 * Checks that `sd` fits `optimizer` (what Optimizer.loadStateDict checks), so that nothing is
 * restored unless everything can be.
 */
function checkOptimizerFits(op: string, source: string, optimizer: Optimizer<any>, sd: OptimizerStateDict): void {
  const fail = (detail: string, tensor: string | null = null): never => {
    throw new SafetensorsError(op, source, tensor, detail);
  };
  const groups = sd.param_groups;
  if (!Array.isArray(groups)) return fail(`metadata '${KEY.paramGroups}' is not a list of parameter groups`);
  if (groups.length !== optimizer.paramGroups.length) {
    fail(`the checkpoint has ${groups.length} optimizer parameter groups but the optimizer has ${optimizer.paramGroups.length}`);
  }
  const byIndex = new Map<number, Tensor>();
  groups.forEach((g, gi) => {
    const ours = optimizer.paramGroups[gi].params;
    const ids = g !== null && typeof g === 'object' && Array.isArray(g.params) ? g.params : null;
    if (ids === null || ids.length !== ours.length) {
      fail(`optimizer parameter group ${gi} has ${ids === null ? 'no list of' : ids.length} parameters in the checkpoint but ${ours.length} in the optimizer`);
    }
    ids!.forEach((id, k) => byIndex.set(id, ours[k]));
  });
  for (const [idx, s] of Object.entries(sd.state)) {
    const p = byIndex.get(Number(idx));
    if (p === undefined) fail(`the checkpoint has optimizer state for parameter ${idx}, which no parameter group lists`);
    for (const [name, v] of Object.entries(s)) {
      if (v instanceof Tensor && !sameShape(v.shape, p!.shape)) {
        fail(`shape ${formatShape(v.shape)} does not match the parameter's ${formatShape(p!.shape)}`, `optimizer.state.${idx}.${name}`);
      }
    }
  }
}

/**
 * Restores a checkpoint written by saveCheckpoint into `model` (and `optimizer`, if given) and
 * returns epoch, step and extra. Everything is read and checked before anything is restored.
 *
 * @example
 * const { epoch } = keel.io.loadCheckpoint('ckpt.safetensors', { model, optimizer });
 * for (let e = (epoch ?? -1) + 1; e < epochs; e++) trainOneEpoch();
 */
export function loadCheckpoint(path: string, options: LoadCheckpointOptions): LoadedCheckpoint {
  const op = 'loadCheckpoint';
  if (options === null || typeof options !== 'object') throw new TypeError(`${op}: expected {model, optimizer?} for options but received ${describeValue(options)}`);
  const model = checkModel(op, options.model);
  const optimizer = options.optimizer === undefined ? undefined : checkOptimizer(op, options.optimizer);
  return withSafetensorsFile(op, path, ({ header, source, read }) => {
    const meta = header.metadata;
    const fail = (detail: string, tensor: string | null = null): never => {
      throw new SafetensorsError(op, source, tensor, detail);
    };
    if (meta[KEY.kind] !== 'checkpoint') {
      fail(`not a Keel checkpoint (metadata '${KEY.kind}' is ${meta[KEY.kind] === undefined ? 'missing' : `'${meta[KEY.kind]}'`}); load model files with loadModelWeights`);
    }
    const epoch = decodeJson(op, source, KEY.epoch, meta[KEY.epoch]) as number | null;
    const step = decodeJson(op, source, KEY.step, meta[KEY.step]) as number | null;
    const extra = decodeJson(op, source, KEY.extra, meta[KEY.extra]);
    if (optimizer !== undefined) {
      const saved = meta[KEY.optimizer];
      if (saved === undefined) fail('the checkpoint holds no optimizer state');
      if (saved !== optimizer.constructor.name) fail(`the checkpoint holds ${saved} state but the optimizer is ${optimizer.constructor.name}`);
    }
    for (const name of header.tensors.keys()) {
      if (!name.startsWith(MODEL_PREFIX) && !OPTIMIZER_STATE.test(name)) fail(`unexpected tensor in a checkpoint (expected 'model.*' or 'optimizer.state.<index>.<name>')`, name);
    }
    const loaded = read((name) => name.startsWith(MODEL_PREFIX) || (optimizer !== undefined && OPTIMIZER_STATE.test(name)));
    try {
      const modelState = new Map<string, Tensor>();
      let optimizerState: OptimizerStateDict | null = null;
      if (optimizer !== undefined) {
        const plain = (decodeJson(op, source, KEY.optimizerState, meta[KEY.optimizerState]) ?? {}) as Record<string, Record<string, number>>;
        const groups = decodeJson(op, source, KEY.paramGroups, meta[KEY.paramGroups]) as OptimizerStateDict['param_groups'];
        const state: OptimizerStateDict['state'] = {};
        for (const [idx, s] of Object.entries(plain)) state[Number(idx)] = { ...s };
        optimizerState = { state, param_groups: groups };
      }
      for (const [name, t] of loaded) {
        if (name.startsWith(MODEL_PREFIX)) {
          modelState.set(name.slice(MODEL_PREFIX.length), t);
          continue;
        }
        const [, idx, key] = OPTIMIZER_STATE.exec(name)!;
        const s = (optimizerState!.state[Number(idx)] ??= {});
        if (Object.hasOwn(s, key)) fail(`optimizer state '${key}' of parameter ${idx} is both a tensor and in '${KEY.optimizerState}'`, name);
        s[key] = t;
      }
      if (optimizer !== undefined) checkOptimizerFits(op, source, optimizer, optimizerState!);
      const result = model.loadStateDict(modelState, { strict: options.strict });
      if (optimizer !== undefined) optimizer.loadStateDict(optimizerState!);
      return { ...result, epoch, step, extra, metadata: meta };
    } finally {
      disposeAll(loaded.values());
    }
  });
}
