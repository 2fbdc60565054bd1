// The training loop on a small synthetic task: it learns, it is reproducible, it resumes from
// a checkpoint bit-identically, early stopping and regularization act, memory stays flat,
// callbacks run in order, and bad arguments get named errors.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as keel from '../../lib/index.js';
import { TensorDataset } from '../../lib/data/dataset.js';
import { DataLoader } from '../../lib/data/dataloader.js';
import { Linear } from '../../lib/nn/modules/linear.js';
import { Module } from '../../lib/nn/module.js';
import { mlp } from '../../lib/models/mlp.js';
import { Adam } from '../../lib/optim/adam.js';
import { SGD } from '../../lib/optim/sgd.js';
import { ReduceLROnPlateau, StepLR } from '../../lib/optim/lr_scheduler.js';
import { EarlyStopping, ProgressBar } from '../../lib/train/callbacks.js';
import type { Callback } from '../../lib/train/callbacks.js';
import { evaluate, fit } from '../../lib/train/fit.js';

const dir = mkdtempSync(join(tmpdir(), 'keel-fit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Three Gaussian blobs in 4-D, labels 0..2: separable, so a small MLP reaches ~100%. */
function blobs(n: number, seed: number): TensorDataset {
  keel.manualSeed(seed);
  const y = keel.randint(0, 3, [n]);
  const centers = keel.tensor([[2, 0, 0, 1], [-2, 1, 0, 0], [0, -2, 2, 0]]);
  const x = keel.tidy(() => keel.indexSelect(centers, 0, y).add(keel.randn([n, 4]).mul(0.5)));
  centers.dispose();
  return new TensorDataset(x, y);
}

const small = () => mlp({ inFeatures: 4, hidden: [16], numClasses: 3 });
const quiet = { log: false as const, progress: false };
const weightsOf = (m: Module) => m.parameters().map((p) => Array.from(p.toFloat32Array()));

describe('fit', () => {
  const train = blobs(600, 1);
  const val = blobs(200, 2);

  it('learns a separable task and reports per-epoch history', async () => {
    keel.manualSeed(0);
    const model = small();
    const result = await fit(model, { ...quiet, train, validation: val, optimizer: new Adam(model.parameters(), { lr: 0.01 }), epochs: 5, batchSize: 32, seed: 0 });
    expect(result.history).toHaveLength(5);
    expect(result.epochsRun).toBe(5);
    const [first, last] = [result.history[0], result.history[4]];
    expect(last.trainLoss).toBeLessThan(first.trainLoss);
    expect(last.valAccuracy).toBeGreaterThan(0.95);
    expect(last.trainAccuracy).toBeGreaterThan(0.9);
    expect(result.history.map((r) => r.epoch)).toEqual([1, 2, 3, 4, 5]);
    expect(result.samplesPerSecond).toBeGreaterThan(0);
    expect(result.bestEpoch).toBeGreaterThanOrEqual(1);
    const ev = await evaluate(model, val, { topK: [2], confusionMatrix: 3 });
    expect(ev.accuracy).toBeCloseTo(last.valAccuracy!, 6);
    expect(ev.loss).toBeCloseTo(last.valLoss!, 5);
    expect(ev.topK![2]).toBeGreaterThanOrEqual(ev.accuracy!);
    expect(ev.confusionMatrix!.total).toBe(200);
    expect(model.training).toBe(true);
  });

  it('is bit-identical for the same seed, whatever the thread count', async () => {
    const run = async (threads: number) => {
      const before = keel.getNumThreads();
      keel.setNumThreads(threads);
      try {
        keel.manualSeed(3);
        const model = small();
        const r = await fit(model, { ...quiet, train, validationSplit: 0.25, optimizer: new SGD(model.parameters(), { lr: 0.05, momentum: 0.9 }), epochs: 3, batchSize: 16, seed: 7 });
        return { w: weightsOf(model), h: r.history.map(({ seconds, samplesPerSecond, ...rest }) => rest) };
      } finally {
        keel.setNumThreads(before);
      }
    };
    const a = await run(1);
    const b = await run(2);
    expect(b.w).toEqual(a.w);
    expect(b.h).toEqual(a.h);
    expect(a.h[0].valLoss).toBeDefined();
  });

  it('resumes from a checkpoint exactly where an uninterrupted run would be', async () => {
    const ckpt = join(dir, 'resume.safetensors');
    const setup = () => {
      keel.manualSeed(11);
      const model = mlp({ inFeatures: 4, hidden: [16], numClasses: 3, dropout: 0.2 });
      const optimizer = new Adam(model.parameters(), { lr: 0.01 });
      return { model, optimizer, scheduler: new StepLR(optimizer, 1, { gamma: 0.5 }) };
    };
    const full = setup();
    const straight = await fit(full.model, { ...quiet, train, validation: val, optimizer: full.optimizer, scheduler: full.scheduler, epochs: 4, batchSize: 32, seed: 5 });

    const first = setup();
    await fit(first.model, { ...quiet, train, validation: val, optimizer: first.optimizer, scheduler: first.scheduler, epochs: 2, batchSize: 32, seed: 5, checkpoint: ckpt });
    expect(existsSync(ckpt)).toBe(true);
    const second = setup();
    const lines: string[] = [];
    const resumed = await fit(second.model, {
      progress: false, log: (l) => lines.push(l), train, validation: val, optimizer: second.optimizer, scheduler: second.scheduler,
      epochs: 4, batchSize: 32, seed: 5, checkpoint: ckpt, resume: ckpt,
    });
    expect(lines[0]).toMatch(/resumed from .* after epoch 2/);
    expect(resumed.epochsRun).toBe(2);
    expect(resumed.history).toHaveLength(4);
    expect(weightsOf(second.model)).toEqual(weightsOf(full.model));
    const strip = (h: typeof straight.history) => h.map(({ seconds, samplesPerSecond, ...rest }) => rest);
    expect(strip(resumed.history)).toEqual(strip(straight.history));
    expect(second.optimizer.paramGroups[0].lr).toBe(full.optimizer.paramGroups[0].lr);
  });

  it('stops early and restores the best weights', async () => {
    keel.manualSeed(0);
    const model = small();
    const optimizer = new SGD(model.parameters(), { lr: 0 });
    const snapshot = weightsOf(model);
    const early = new EarlyStopping({ patience: 1 });
    const result = await fit(model, { ...quiet, train, validation: val, optimizer, epochs: 10, earlyStopping: early });
    // lr 0: the validation loss never improves after epoch 1, so training ends after epoch 3.
    expect(result.epochsRun).toBe(3);
    expect(result.stoppedEarly).toBe(true);
    expect(early.bestEpoch).toBe(1);
    expect(weightsOf(model)).toEqual(snapshot);
  });

  it('shrinks the weights with l1/l2 penalties', async () => {
    const norm = async (opts: { l1?: number; l2?: number }) => {
      keel.manualSeed(2);
      const model = small();
      await fit(model, { ...quiet, ...opts, train, optimizer: new SGD(model.parameters(), { lr: 0.05 }), epochs: 3, seed: 1 });
      return model.parameters().filter((p) => p.ndim === 2).reduce((s, p) => s + p.toFloat32Array().reduce((a, v) => a + v * v, 0), 0);
    };
    const plain = await norm({});
    expect(await norm({ l2: 0.05 })).toBeLessThan(plain * 0.8);
    expect(await norm({ l1: 0.01 })).toBeLessThan(plain);
  });

  it('keeps the number of live tensors flat across epochs', async () => {
    keel.manualSeed(0);
    const model = small();
    const optimizer = new Adam(model.parameters());
    await fit(model, { ...quiet, train, validation: val, optimizer, epochs: 1 });
    const before = keel.memory().numTensors;
    await fit(model, { ...quiet, train, validation: val, optimizer, epochs: 3 });
    expect(keel.memory().numTensors).toBe(before);
  });

  it('calls callbacks in order and lets them stop training', async () => {
    keel.manualSeed(0);
    const model = small();
    const events: string[] = [];
    const cb: Callback = {
      onTrainBegin: () => { events.push('begin'); },
      onEpochBegin: (e) => { events.push(`epoch ${e}`); },
      onBatchEnd: (info) => { if (info.batch === 0) events.push(`batch ${info.epoch}.0 ${info.size}`); },
      onEpochEnd: (r, ctx) => {
        events.push(`end ${r.epoch}`);
        if (r.epoch === 2) ctx.stopTraining = true;
      },
      onTrainEnd: async () => { events.push('done'); },
    };
    const loader = new DataLoader(train, { batchSize: 100, shuffle: true });
    const r = await fit(model, { ...quiet, train: loader, optimizer: new Adam(model.parameters()), epochs: 5, callbacks: [cb] });
    expect(events).toEqual(['begin', 'epoch 1', 'batch 1.0 100', 'end 1', 'epoch 2', 'batch 2.0 100', 'end 2', 'done']);
    expect(r.epochsRun).toBe(2);
  });

  it('writes training curves and one log line per epoch', async () => {
    keel.manualSeed(0);
    const model = small();
    const lines: string[] = [];
    const curves = join(dir, 'curves.svg');
    await fit(model, { progress: false, log: (l) => lines.push(l), train, validation: val, optimizer: new Adam(model.parameters()), epochs: 2, curves });
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^epoch 2\/2 {2}train loss \d\.\d{4} \d+\.\d\d% {2}val loss \d\.\d{4} \d+\.\d\d%/);
    expect(readFileSync(curves, 'utf8')).toMatch(/<svg[\s\S]*<\/svg>/);
  });

  it('applies transform to training inputs only, and steps ReduceLROnPlateau on the validation loss', async () => {
    keel.manualSeed(0);
    const model = small();
    const optimizer = new SGD(model.parameters(), { lr: 1e-6 });
    const plateau = new ReduceLROnPlateau(optimizer, { patience: 0, factor: 0.5 });
    const sizes: number[] = [];
    const transform = (x: keel.Tensor) => {
      sizes.push(x.shape[0]);
      return x.mul(1);
    };
    // lr 1e-6: the validation loss does not improve by the 1e-4 threshold after epoch 1, so
    // epochs 2 and 3 each halve the lr.
    await fit(model, { ...quiet, train, validation: val, optimizer, epochs: 3, batchSize: 200, transform, scheduler: plateau, shuffle: false });
    expect(sizes).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 200]);
    expect(optimizer.paramGroups[0].lr).toBeCloseTo(2.5e-7, 15);
    await expect(fit(model, { ...quiet, train, optimizer, transform: 3 as never })).rejects.toThrow(/expected a function for transform/);
  });

  it('draws a progress bar on the given stream', async () => {
    keel.manualSeed(0);
    const model = small();
    let written = '';
    const stream = { write: (chunk: string) => { written += chunk; return true; }, isTTY: true, columns: 120, cursorTo: () => true, clearLine: () => true, moveCursor: () => true, on: () => stream, removeListener: () => stream } as unknown as NodeJS.WritableStream;
    await fit(model, { log: false, progress: false, callbacks: [new ProgressBar({ stream })], train, optimizer: new Adam(model.parameters()), epochs: 1, batchSize: 100 });
    expect(written).toMatch(/epoch 1\/1 .* 6\/6 \| loss \d\.\d{4} \| acc \d+\.\d% \| [\d,]+ samples\/s/);
  });

  it('names the bad argument', async () => {
    const model = small();
    const optimizer = new Adam(model.parameters());
    await expect(fit({} as never, { train, optimizer })).rejects.toThrow(/fit: expected a Module for model/);
    await expect(fit(model, { train, optimizer: {} as never })).rejects.toThrow(/expected an Optimizer for optimizer/);
    await expect(fit(model, { train, optimizer, epochs: 0 })).rejects.toThrow(/positive integer for epochs but received 0/);
    await expect(fit(model, { train, optimizer, batchSize: NaN })).rejects.toThrow(/batchSize but received NaN/);
    await expect(fit(model, { train: [1, 2] as never, optimizer })).rejects.toThrow(/expected a Dataset or a DataLoader for train/);
    await expect(fit(model, { train, optimizer, validationSplit: 1.5 })).rejects.toThrow(/validationSplit but received 1.5/);
    await expect(fit(model, { train, optimizer, l2: -1 })).rejects.toThrow(/non-negative number for l2/);
    await expect(fit(model, { ...quiet, train, optimizer, loss: (o: keel.Tensor) => o })).rejects.toThrow(/the loss must return a scalar Tensor but returned shape \[64, 3\]/);
    const odd = new TensorDataset(keel.zeros([8, 4]));
    await expect(fit(model, { ...quiet, train: odd, optimizer })).rejects.toThrow(/batches of \[input, target\] tensors/);
  });

  it('stops with a clear error when the loss diverges', async () => {
    keel.manualSeed(0);
    const model = new Linear(4, 3);
    const nanData = new TensorDataset(keel.full([8, 4], NaN), keel.zeros([8], { dtype: 'int32' }));
    await expect(fit(model, { ...quiet, train: nanData, optimizer: new SGD(model.parameters(), { lr: 0.1 }) })).rejects.toThrow(/training loss became NaN at epoch 1, batch 0/);
  });
});
