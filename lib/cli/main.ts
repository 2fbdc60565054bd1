// `keel` command line: train, eval, predict, search and models. Arguments are parsed strictly
// (node:util parseArgs); a bad argument prints the command's usage and exits with code 2,
// a failure while running prints the error and exits with 1.
import '../ops/index.js';
import { existsSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { readModelInfo, loadModelWeights, saveModel } from '../io/index.js';
import { createModel, describeModels, modelConfigProblem, modelNames } from '../models/registry.js';
import type { ModelConfig } from '../models/registry.js';
import type { Module } from '../nn/module.js';
import { normalize } from '../data/transforms.js';
import type { Transform } from '../data/transforms.js';
import { softmax } from '../ops/softmax.js';
import { Adagrad } from '../optim/adagrad.js';
import { Adam, AdamW } from '../optim/adam.js';
import type { Optimizer } from '../optim/optimizer.js';
import { RMSprop } from '../optim/rmsprop.js';
import { SGD } from '../optim/sgd.js';
import { manualSeed } from '../random.js';
import { cpuInfo, getNumThreads, setNumThreads } from '../runtime.js';
import { evaluate, fit } from '../train/fit.js';
import { search } from '../train/search.js';
import type { Params, SearchSpace } from '../train/search.js';
import { augmentation, channelStats, datasetNames, loadDataset, standardize } from './datasets.js';
import type { DatasetName, LoadedData, Normalization } from './datasets.js';
import { CosineAnnealingLR, MultiStepLR } from '../optim/lr_scheduler.js';
import type { LRScheduler } from '../optim/lr_scheduler.js';

/** A mistake in the command line: usage text and exit code 2. */
export class UsageError extends Error {
  constructor(message: string, readonly command?: string) {
    super(message);
  }
}

export interface CliIO {
  out: (line: string) => void;
  err: (line: string) => void;
}

const OPTIMIZERS = ['sgd', 'adam', 'adamw', 'adagrad', 'rmsprop'] as const;
type OptimizerName = (typeof OPTIMIZERS)[number];

const COMMON = `  --threads <n>           native threads (default: all cores, ${getNumThreads()} here)
  --json                  end with one line of JSON for scripts`;

const DATA_OPTIONS = `  --dataset <name>        ${datasetNames.join(' | ')} (default mnist)
  --data <dir>            dataset folder (fashion-mnist: IDX files, default /usr/share/datasets/fashion-mnist;
                          cifar10: the binary batches; folder: train/ and test/ of class folders)
  --image-size <n>        folder: resize images to n x n (default 32)
  --grayscale             folder: one channel instead of RGB`;

const TRAIN_OPTIONS = `  --model <name>          ${modelNames.join(' | ')} (default lenet5)
${DATA_OPTIONS}
  --epochs <n>            training epochs (default 15)
  --batch-size <n>        samples per batch (default 64)
  --optimizer <name>      ${OPTIMIZERS.join(' | ')} (default adam)
  --lr <x>                initial learning rate (default 2e-3 adam/adamw, 1e-3 rmsprop, 0.05 sgd, 0.01 adagrad)
  --schedule <s>          learning-rate schedule: cosine (decay to 0 over the epochs) | step (x0.1 at
                          1/2 and 3/4 of the epochs) | none (default cosine)
  --no-augment            no training augmentation (default: shifted crops for mnist, mirroring
                          for fashion-mnist, both for cifar10 and folder)
  --momentum <x>          sgd/rmsprop momentum (default 0.9 for sgd)
  --weight-decay <x>      optimizer weight decay (default 0; adamw 0.01)
  --l1 <x>, --l2 <x>      add l1·Σ|w| / l2·Σw² over the weights to the loss
  --dropout <p>           dropout probability (mlp, alexnet, vgg, googlenet)
  --validation-split <f>  fraction of the training set held out for validation (default 0.1)
  --patience <n>          stop after n epochs without validation improvement (keeps the best)
  --seed <n>              random seed (default 0)
  --out <file>            where to save the model (default <model>-<dataset>.safetensors)
  --curves <file>         training curves, .svg or .html (default <out>.curves.svg)
  --checkpoint <file>     write model + optimizer state after every epoch
  --resume                continue from --checkpoint if it exists
  --no-progress           no progress bar`;

const USAGE: Record<string, string> = {
  main: `Usage: keel <command> [options]

Commands:
  train      train a model (default: LeNet-5 on the bundled MNIST digits)
  eval       score a saved model on a dataset's test split
  predict    classify image files with a saved model
  search     hyperparameter search (grid or random, validation split or k-fold)
  models     list the models

Run \`keel <command> --help\` for the options.`,
  train: `Usage: keel train [options]

Trains a model and saves it as one .safetensors file; prints the test accuracy.

${TRAIN_OPTIONS}
${COMMON}`,
  eval: `Usage: keel eval [--model-path <file>] [options]

  --model-path <file>     a model saved by keel train (default lenet5-mnist.safetensors)
${DATA_OPTIONS}
                          (default: the dataset the model was trained on)
  --batch-size <n>        samples per batch (default 256)
${COMMON}`,
  predict: `Usage: keel predict <image> [<image> ...] [options]

  --model-path <file>     a model saved by keel train (default lenet5-mnist.safetensors)
  --top <k>               classes to show per image (default 3)
  --invert                invert gray levels (for dark digits on a light background)
${COMMON}`,
  search: `Usage: keel search [options]

Trains one model per hyperparameter setting, ranks them on validation data and saves the best.

  --space <spec>          hyperparameters, e.g. "lr=1e-3,3e-3;batch-size=32,64" (lists) or
                          "lr=1e-4..1e-2:log;dropout=0..0.5" (ranges, random search)
                          names: lr, weight-decay, batch-size, momentum, dropout, optimizer, l2, epochs
                          (default "lr=3e-4,1e-3,3e-3")
  --strategy <s>          grid | random (default grid, random when a range is given)
  --trials <n>            random: number of trials (default 10); grid: at most n
  --folds <k>             k-fold cross-validation instead of a validation split
${TRAIN_OPTIONS}
${COMMON}`,
  models: 'Usage: keel models\n\nLists the models keel train accepts.',
};

type Values = Record<string, string | boolean | undefined>;

function parse(command: string, argv: string[], options: Record<string, { type: 'string' | 'boolean' }>, allowPositionals = false): { values: Values; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({
      args: argv, options: { ...options, help: { type: 'boolean' }, json: { type: 'boolean' }, threads: { type: 'string' } },
      strict: true, allowPositionals,
    });
    return { values: values as Values, positionals };
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/\. To specify a positional.*$/s, ''), command);
  }
}

function int(command: string, values: Values, name: string, fallback: number, min = 1): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isInteger(v) || v < min) throw new UsageError(`--${name}: expected an integer >= ${min} but received '${String(raw)}'`, command);
  return v;
}

function num(command: string, values: Values, name: string, fallback: number | undefined, check: (v: number) => boolean = (v) => v >= 0, what = 'a number >= 0'): number | undefined {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(v) || !check(v)) throw new UsageError(`--${name}: expected ${what} but received '${String(raw)}'`, command);
  return v;
}

function choice<T extends string>(command: string, values: Values, name: string, allowed: readonly T[], fallback: T): T {
  const raw = values[name];
  if (raw === undefined) return fallback;
  if (!allowed.includes(raw as T)) throw new UsageError(`--${name}: expected one of ${allowed.join(', ')} but received '${String(raw)}'`, command);
  return raw as T;
}

function applyThreads(command: string, values: Values): void {
  const threads = int(command, values, 'threads', 0, 1);
  if (threads > 0) setNumThreads(threads);
}

const DATA_ARGS = {
  dataset: { type: 'string' }, data: { type: 'string' }, 'image-size': { type: 'string' }, grayscale: { type: 'boolean' },
} as const;

const TRAIN_ARGS = {
  ...DATA_ARGS,
  model: { type: 'string' }, epochs: { type: 'string' }, 'batch-size': { type: 'string' }, optimizer: { type: 'string' },
  lr: { type: 'string' }, momentum: { type: 'string' }, 'weight-decay': { type: 'string' }, l1: { type: 'string' }, l2: { type: 'string' },
  dropout: { type: 'string' }, 'validation-split': { type: 'string' }, patience: { type: 'string' }, seed: { type: 'string' },
  out: { type: 'string' }, curves: { type: 'string' }, checkpoint: { type: 'string' }, resume: { type: 'boolean' }, 'no-progress': { type: 'boolean' },
  schedule: { type: 'string' }, 'no-augment': { type: 'boolean' },
} as const;

async function dataFrom(command: string, values: Values, fallback: DatasetName = 'mnist'): Promise<LoadedData> {
  const dataset = choice(command, values, 'dataset', datasetNames, fallback);
  const imageSize = int(command, values, 'image-size', 32, 1);
  if (values.data === undefined && dataset === 'cifar10') throw new UsageError('--dataset cifar10: pass --data <folder> holding the CIFAR-10 binary batches (data_batch_1.bin ... test_batch.bin)', command);
  if (values.data === undefined && dataset === 'folder') throw new UsageError('--dataset folder: pass --data <folder> with train/ and test/ sub-folders of class folders', command);
  return loadDataset(dataset, values.data as string | undefined, { imageSize, channels: values.grayscale ? 1 : 3 });
}

interface Hyper {
  optimizer: OptimizerName;
  lr: number;
  momentum?: number;
  weightDecay?: number;
}

function buildOptimizer(model: Module, h: Hyper): Optimizer<any> {
  const params = model.parameters();
  const wd = h.weightDecay === undefined ? {} : { weightDecay: h.weightDecay };
  switch (h.optimizer) {
    case 'sgd': return new SGD(params, { lr: h.lr, momentum: h.momentum ?? 0.9, ...wd });
    case 'adam': return new Adam(params, { lr: h.lr, ...wd });
    case 'adamw': return new AdamW(params, { lr: h.lr, ...wd });
    case 'adagrad': return new Adagrad(params, { lr: h.lr, ...wd });
    case 'rmsprop': return new RMSprop(params, { lr: h.lr, momentum: h.momentum ?? 0, ...wd });
  }
}

function defaultLr(optimizer: OptimizerName): number {
  if (optimizer === 'sgd') return 0.05;
  if (optimizer === 'adagrad') return 0.01;
  return optimizer === 'rmsprop' ? 1e-3 : 2e-3;
}

function trainSettings(command: string, values: Values) {
  const modelName = choice(command, values, 'model', modelNames, 'lenet5');
  const optimizer = choice(command, values, 'optimizer', OPTIMIZERS, 'adam');
  return {
    modelName,
    optimizer,
    epochs: int(command, values, 'epochs', 15),
    schedule: choice(command, values, 'schedule', ['cosine', 'step', 'none'] as const, 'cosine'),
    augment: !values['no-augment'],
    batchSize: int(command, values, 'batch-size', 64),
    lr: num(command, values, 'lr', defaultLr(optimizer), (v) => v > 0, 'a number > 0')!,
    momentum: num(command, values, 'momentum', undefined, (v) => v >= 0 && v < 1, 'a number in [0, 1)'),
    weightDecay: num(command, values, 'weight-decay', undefined),
    l1: num(command, values, 'l1', 0)!,
    l2: num(command, values, 'l2', 0)!,
    dropout: num(command, values, 'dropout', undefined, (v) => v >= 0 && v < 1, 'a probability in [0, 1)'),
    validationSplit: num(command, values, 'validation-split', 0.1, (v) => v >= 0 && v < 1, 'a fraction in [0, 1)')!,
    patience: values.patience === undefined ? undefined : int(command, values, 'patience', 0, 0),
    seed: int(command, values, 'seed', 0, 0),
  };
}

function makeScheduler(optimizer: Optimizer<any>, schedule: 'cosine' | 'step' | 'none', epochs: number): LRScheduler | undefined {
  if (schedule === 'cosine') return new CosineAnnealingLR(optimizer, epochs);
  if (schedule === 'step') return new MultiStepLR(optimizer, [...new Set([Math.max(1, Math.round(epochs / 2)), Math.max(1, Math.round((epochs * 3) / 4))])], { gamma: 0.1 });
  return undefined;
}

/** Standardizes the data with its training-set statistics; returns them and the augmentation. */
function prepare(data: LoadedData, augment: boolean): { stats: Normalization; transform: Transform | undefined } {
  const stats = channelStats(data.train.tensors[0]);
  standardize(data, stats);
  return { stats, transform: augment ? augmentation(data, stats) : undefined };
}

function modelConfig(data: LoadedData, dropout: number | undefined): ModelConfig {
  return { numClasses: data.classes.length, inputShape: data.inputShape, ...(dropout === undefined ? {} : { dropout }) };
}

function checkModelFits(command: string, modelName: string, config: ModelConfig): void {
  const problem = modelConfigProblem(modelName, config);
  if (problem) throw new UsageError(`--model ${modelName}: ${problem}`, command);
}

function pct(v: number | undefined): string {
  return v === undefined ? '-' : `${(v * 100).toFixed(2)}%`;
}

function withoutExt(path: string): string {
  return path.slice(0, path.length - extname(path).length);
}

async function train(argv: string[], io: CliIO): Promise<number> {
  const { values } = parse('train', argv, TRAIN_ARGS);
  if (values.help) {
    io.out(USAGE.train);
    return 0;
  }
  applyThreads('train', values);
  const s = trainSettings('train', values);
  if (values.resume && values.checkpoint === undefined) throw new UsageError('--resume needs --checkpoint <file> to resume from', 'train');
  const data = await dataFrom('train', values);
  const config = modelConfig(data, s.dropout);
  checkModelFits('train', s.modelName, config);
  const out = resolve((values.out as string | undefined) ?? `${s.modelName}-${data.name}.safetensors`);
  const curves = resolve((values.curves as string | undefined) ?? `${withoutExt(out)}.curves.svg`);
  const json = Boolean(values.json);
  const { stats, transform } = prepare(data, s.augment);

  io.out(`keel train: ${s.modelName} on ${data.name} (${data.train.length.toLocaleString('en-US')} train / ${data.test.length.toLocaleString('en-US')} test samples, ${data.source})`);
  io.out(`  ${s.optimizer} lr ${s.lr} (${s.schedule} schedule), batch ${s.batchSize}, ${s.epochs} epoch${s.epochs === 1 ? '' : 's'}, ${transform ? 'augmented' : 'no augmentation'}, ${getNumThreads()} threads, ${cpuInfo().isa}`);
  manualSeed(s.seed);
  const model = createModel(s.modelName, config);
  const optimizer = buildOptimizer(model, s);
  const scheduler = makeScheduler(optimizer, s.schedule, s.epochs);
  const t0 = performance.now();
  const result = await fit(model, {
    train: data.train, transform, scheduler,
    ...(s.validationSplit > 0 ? { validationSplit: s.validationSplit } : { validation: data.test }),
    optimizer, epochs: s.epochs, batchSize: s.batchSize, seed: s.seed, l1: s.l1, l2: s.l2,
    earlyStopping: s.patience === undefined ? undefined : { patience: s.patience },
    checkpoint: values.checkpoint as string | undefined,
    resume: values.resume ? (values.checkpoint as string) : undefined,
    curves,
    progress: values['no-progress'] ? false : undefined,
    log: (line) => io.out(`  ${line}`),
  });
  const test = await evaluate(model, data.test, { topK: data.classes.length > 5 ? [5] : [] });
  const seconds = (performance.now() - t0) / 1000;
  saveModel(out, model, {
    architecture: s.modelName,
    config: config as unknown as Record<string, unknown>,
    metadata: { classes: JSON.stringify(data.classes), dataset: data.name, normalization: JSON.stringify(stats) },
  });
  io.out(`test accuracy ${pct(test.accuracy)}, test loss ${test.loss.toFixed(4)} on ${test.samples.toLocaleString('en-US')} held-out samples`);
  io.out(`trained ${result.epochsRun} epoch${result.epochsRun === 1 ? '' : 's'} in ${seconds.toFixed(1)}s (${Math.round(result.samplesPerSecond).toLocaleString('en-US')} samples/s)${result.stoppedEarly ? ', stopped early' : ''}`);
  io.out(`saved ${out}; curves ${curves}`);
  if (json) {
    io.out(JSON.stringify({
      testAccuracy: test.accuracy, testLoss: test.loss, epochs: result.history.length, seconds,
      samplesPerSecond: result.samplesPerSecond, modelPath: out, curvesPath: curves, bestEpoch: result.bestEpoch,
    }));
  }
  model.dispose();
  optimizer.disposeState();
  return 0;
}

interface SavedModel {
  model: Module;
  architecture: string;
  config: ModelConfig;
  classes: string[];
  dataset?: string;
  /** The training-set statistics the inputs were standardized with (none for older files). */
  normalization?: Normalization;
}

function parseNormalization(raw: string | undefined, channels: number, path: string): Normalization | undefined {
  if (raw === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Error(`'${path}': metadata 'normalization' is not valid JSON`);
  }
  const ok = (v: unknown): v is number[] => Array.isArray(v) && v.length === channels && v.every((x) => typeof x === 'number' && Number.isFinite(x));
  const n = parsed as Partial<Normalization> | null;
  if (!n || !ok(n.mean) || !ok(n.std) || n.std.some((x) => x === 0)) {
    throw new Error(`'${path}': metadata 'normalization' must hold ${channels} finite mean and non-zero std values but holds ${raw.slice(0, 200)}`);
  }
  return { mean: n.mean, std: n.std };
}

async function openModel(command: string, values: Values): Promise<SavedModel> {
  const path = resolve((values['model-path'] as string | undefined) ?? 'lenet5-mnist.safetensors');
  if (!existsSync(path)) throw new UsageError(`--model-path: '${path}' does not exist (train one with \`keel train\`)`, command);
  const info = readModelInfo(path);
  const architecture = info.architecture;
  const config = info.config as unknown as ModelConfig;
  if (typeof architecture !== 'string' || !config) throw new Error(`${command}: '${path}' has no keel architecture metadata; it was not written by keel train / saveModel`);
  const problem = modelConfigProblem(architecture, config);
  if (problem) throw new Error(`${command}: '${path}' records architecture ${architecture} with an unusable config: ${problem}`);
  const model = createModel(architecture, config);
  loadModelWeights(path, model);
  let classes: string[] = Array.from({ length: config.numClasses }, (_, i) => String(i));
  const rawClasses = info.metadata.classes;
  if (rawClasses !== undefined) {
    try {
      const parsed = JSON.parse(rawClasses) as unknown;
      if (Array.isArray(parsed) && parsed.length === config.numClasses) classes = parsed.map(String);
    } catch {
      // A damaged class list only costs the names; the indices still print.
    }
  }
  const normalization = parseNormalization(info.metadata.normalization, config.inputShape[0], path);
  return { model, architecture, config, classes, dataset: info.metadata.dataset, normalization };
}

async function evalCommand(argv: string[], io: CliIO): Promise<number> {
  const { values } = parse('eval', argv, { ...DATA_ARGS, 'model-path': { type: 'string' }, 'batch-size': { type: 'string' } });
  if (values.help) {
    io.out(USAGE.eval);
    return 0;
  }
  applyThreads('eval', values);
  const batchSize = int('eval', values, 'batch-size', 256);
  const saved = await openModel('eval', values);
  const trainedOn = (datasetNames as readonly string[]).includes(saved.dataset ?? '') ? (saved.dataset as DatasetName) : 'mnist';
  const data = await dataFrom('eval', values, trainedOn);
  const shape = data.inputShape.join('x');
  if (shape !== saved.config.inputShape.join('x') || data.classes.length !== saved.config.numClasses) {
    throw new UsageError(`--dataset ${data.name}: the model takes ${saved.config.inputShape.join('x')} inputs and ${saved.config.numClasses} classes but the data has ${shape} and ${data.classes.length}`, 'eval');
  }
  if (saved.normalization) standardize(data, saved.normalization);
  const r = await evaluate(saved.model, data.test, { batchSize, topK: data.classes.length > 5 ? [5] : [], confusionMatrix: data.classes.length });
  io.out(`${saved.architecture} on ${data.name} test (${r.samples.toLocaleString('en-US')} samples): accuracy ${pct(r.accuracy)}${r.topK?.[5] !== undefined ? `, top-5 ${pct(r.topK[5])}` : ''}, loss ${r.loss.toFixed(4)}`);
  if (r.confusionMatrix && data.classes.length <= 20) io.out(r.confusionMatrix.toString(data.classes.map((c) => c.slice(0, 8))));
  if (values.json) io.out(JSON.stringify({ testAccuracy: r.accuracy, testLoss: r.loss, top5: r.topK?.[5], samples: r.samples, confusionMatrix: r.confusionMatrix?.toArray() }));
  saved.model.dispose();
  return 0;
}

async function predictCommand(argv: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parse('predict', argv, { 'model-path': { type: 'string' }, top: { type: 'string' }, invert: { type: 'boolean' } }, true);
  if (values.help) {
    io.out(USAGE.predict);
    return 0;
  }
  if (positionals.length === 0) throw new UsageError('expected at least one image file', 'predict');
  applyThreads('predict', values);
  const top = int('predict', values, 'top', 3);
  for (const p of positionals) if (!existsSync(p)) throw new UsageError(`image '${p}' does not exist`, 'predict');
  const saved = await openModel('predict', values);
  const { loadImage } = await import('../data/image-folder.js');
  const [c, h, w] = saved.config.inputShape;
  saved.model.eval();
  const results = [];
  for (const file of positionals) {
    let x = await loadImage(file, { size: [h, w], channels: c === 1 ? 1 : 3 });
    if (values.invert) {
      const inv = x.neg().add(1);
      x.dispose();
      x = inv;
    }
    if (saved.normalization) {
      const standardized = normalize(saved.normalization.mean, saved.normalization.std)(x);
      x.dispose();
      x = standardized;
    }
    const logits = saved.model.forward(x);
    const probs = softmax(logits, 1);
    const p = probs.toFloat32Array();
    x.dispose();
    logits.dispose();
    probs.dispose();
    const order = Array.from(p.keys()).sort((a, b) => p[b] - p[a]).slice(0, top);
    const ranked = order.map((k) => ({ class: saved.classes[k], index: k, probability: p[k] }));
    results.push({ file, predictions: ranked });
    io.out(`${basename(file)}: ${ranked.map((r) => `${r.class} ${(r.probability * 100).toFixed(1)}%`).join(', ')}`);
  }
  if (values.json) io.out(JSON.stringify({ results }));
  saved.model.dispose();
  return 0;
}

const SEARCH_NAMES: Record<string, string> = {
  lr: 'lr', 'weight-decay': 'weightDecay', 'batch-size': 'batchSize', momentum: 'momentum', dropout: 'dropout', optimizer: 'optimizer', l2: 'l2', epochs: 'epochs',
};

/** Parses "lr=1e-3,3e-3;batch-size=32,64" and "lr=1e-4..1e-2:log". */
export function parseSpace(spec: string): SearchSpace {
  const space: SearchSpace = {};
  for (const part of spec.split(';').map((s) => s.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new UsageError(`--space: expected name=values in '${part}'`, 'search');
    const rawName = part.slice(0, eq).trim();
    const name = SEARCH_NAMES[rawName];
    if (!name) throw new UsageError(`--space: unknown hyperparameter '${rawName}'; expected one of ${Object.keys(SEARCH_NAMES).join(', ')}`, 'search');
    const body = part.slice(eq + 1).trim();
    const range = /^([^.]+?)\.\.([^:]+?)(:log)?(:int)?$/.exec(body);
    if (range) {
      const min = Number(range[1]), max = Number(range[2]);
      if (!Number.isFinite(min) || !Number.isFinite(max) || min > max || (range[3] && min <= 0)) throw new UsageError(`--space: bad range '${body}' for ${rawName}`, 'search');
      space[name] = { min, max, log: Boolean(range[3]), integer: Boolean(range[4]) || name === 'batchSize' || name === 'epochs' };
      continue;
    }
    const items = body.split(',').map((s) => s.trim()).filter(Boolean);
    if (items.length === 0) throw new UsageError(`--space: no values for ${rawName}`, 'search');
    space[name] = items.map((v) => {
      if (name === 'optimizer') {
        if (!(OPTIMIZERS as readonly string[]).includes(v)) throw new UsageError(`--space: optimizer '${v}' is not one of ${OPTIMIZERS.join(', ')}`, 'search');
        return v;
      }
      const n = Number(v);
      if (!Number.isFinite(n) || n < 0) throw new UsageError(`--space: '${v}' is not a non-negative number for ${rawName}`, 'search');
      if ((name === 'batchSize' || name === 'epochs') && (!Number.isInteger(n) || n < 1)) throw new UsageError(`--space: ${rawName} must be a positive integer but received '${v}'`, 'search');
      return n;
    });
  }
  if (Object.keys(space).length === 0) throw new UsageError('--space: no hyperparameters given', 'search');
  return space;
}

async function searchCommand(argv: string[], io: CliIO): Promise<number> {
  const { values } = parse('search', argv, { ...TRAIN_ARGS, space: { type: 'string' }, strategy: { type: 'string' }, trials: { type: 'string' }, folds: { type: 'string' } });
  if (values.help) {
    io.out(USAGE.search);
    return 0;
  }
  applyThreads('search', values);
  const s = trainSettings('search', values);
  const space = parseSpace((values.space as string | undefined) ?? 'lr=3e-4,1e-3,3e-3');
  const strategy = values.strategy === undefined ? undefined : choice('search', values, 'strategy', ['grid', 'random'] as const, 'grid');
  if (strategy === 'grid' && Object.values(space).some((v) => !Array.isArray(v))) throw new UsageError('--strategy grid: ranges need --strategy random; give lists of values for a grid', 'search');
  const trials = values.trials === undefined ? undefined : int('search', values, 'trials', 10);
  const folds = values.folds === undefined ? undefined : int('search', values, 'folds', 5, 2);
  if (s.dropout === undefined && 'dropout' in space && !['mlp', 'alexnet', 'vgg11', 'vgg16', 'googlenet'].includes(s.modelName)) {
    throw new UsageError(`--space: ${s.modelName} has no dropout layers to tune`, 'search');
  }
  const data = await dataFrom('search', values);
  const baseConfig = modelConfig(data, s.dropout);
  checkModelFits('search', s.modelName, baseConfig);
  const out = resolve((values.out as string | undefined) ?? `${s.modelName}-${data.name}-best.safetensors`);
  io.out(`keel search: ${s.modelName} on ${data.name}, ${folds ? `${folds}-fold cross-validation` : `validation split ${s.validationSplit || 0.1}`}`);
  const { stats, transform } = prepare(data, s.augment);
  const configFor = (p: Params): ModelConfig => ({ ...baseConfig, ...(typeof p.dropout === 'number' ? { dropout: p.dropout } : {}) });
  const result = await search({
    space, strategy, trials, folds, epochs: s.epochs, batchSize: s.batchSize, seed: s.seed,
    train: data.train,
    ...(folds ? {} : { validationSplit: s.validationSplit || 0.1 }),
    build: (p) => {
      const model = createModel(s.modelName, configFor(p));
      const optimizer = buildOptimizer(model, {
        optimizer: (p.optimizer as OptimizerName | undefined) ?? s.optimizer,
        lr: typeof p.lr === 'number' ? p.lr : s.lr,
        momentum: typeof p.momentum === 'number' ? p.momentum : s.momentum,
        weightDecay: typeof p.weightDecay === 'number' ? p.weightDecay : s.weightDecay,
      });
      const epochs = typeof p.epochs === 'number' ? p.epochs : s.epochs;
      return { model, optimizer, scheduler: makeScheduler(optimizer, s.schedule, epochs) };
    },
    fitOptions: { l1: s.l1, l2: s.l2, transform, ...(s.patience === undefined ? {} : { earlyStopping: { patience: s.patience } }) },
    log: (line) => io.out(`  ${line}`),
  });
  io.out('');
  io.out(result.table);
  const test = await evaluate(result.bestModel, data.test);
  const best = result.best;
  const bestConfig = configFor(best.params);
  saveModel(out, result.bestModel, {
    architecture: s.modelName,
    config: bestConfig as unknown as Record<string, unknown>,
    metadata: { classes: JSON.stringify(data.classes), dataset: data.name, normalization: JSON.stringify(stats), searchParams: JSON.stringify(best.params) },
  });
  io.out(`best: trial ${best.trial} (${Object.entries(best.params).map(([k, v]) => `${k}=${v}`).join(' ')}), test accuracy ${pct(test.accuracy)}; saved ${out}`);
  if (values.json) io.out(JSON.stringify({ best: best.params, validationScore: best.score, testAccuracy: test.accuracy, testLoss: test.loss, trials: result.ranked, modelPath: out }));
  result.bestModel.dispose();
  return 0;
}

/** Runs the CLI; resolves to the process exit code. */
export async function main(argv: string[], io: CliIO = { out: (l) => console.log(l), err: (l) => console.error(l) }): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'train': return await train(rest, io);
      case 'eval': return await evalCommand(rest, io);
      case 'predict': return await predictCommand(rest, io);
      case 'search': return await searchCommand(rest, io);
      case 'models':
        if (rest.length > 0 && !(rest.length === 1 && rest[0] === '--help')) throw new UsageError(`unexpected arguments: ${rest.join(' ')}`, 'models');
        io.out(rest.length ? USAGE.models : describeModels());
        return 0;
      case undefined: case '--help': case '-h': case 'help':
        io.out(USAGE.main);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command '${command}'`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`keel${err.command ? ` ${err.command}` : ''}: ${err.message}`);
      io.err('');
      io.err(USAGE[err.command ?? 'main']);
      return 2;
    }
    io.err(`keel ${command}: ${(err as Error).message}`);
    if (process.env.KEEL_DEBUG) io.err((err as Error).stack ?? '');
    return 1;
  }
}
