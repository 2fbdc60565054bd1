// Model files and training checkpoints: metadata, PyTorch keys, bit-identical resume with Adam
// and SGD momentum, all-or-nothing restores, error messages, memory.
import { readdirSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as keel from '../../lib/index.js';
import type { Tensor } from '../../lib/index.js';
import { bitwiseDiff, craft, tempDir } from './helpers.js';

const { io, nn, optim } = keel;
type Optimizer = keel.optim.Optimizer<any>;

/** A small model with parameters and buffers of both dtypes (BatchNorm's num_batches_tracked). */
function buildModel(seed: number): keel.nn.Module {
  keel.manualSeed(seed);
  return new nn.Sequential(new nn.Linear(4, 8), new nn.BatchNorm1d(8), new nn.ReLU(), new nn.Linear(8, 3));
}

/** Fixed batches: the data of step k. */
function batch(k: number): [Tensor, Tensor] {
  const x = keel.tensor(Array.from({ length: 24 }, (_, i) => Math.sin(i * 0.7 + k)), { shape: [6, 4] });
  const y = keel.tensor(Array.from({ length: 18 }, (_, i) => Math.cos(i * 0.3 - k)), { shape: [6, 3] });
  return [x, y];
}

function trainSteps(model: keel.nn.Module, opt: Optimizer, from: number, to: number): void {
  model.train();
  for (let k = from; k < to; k++) {
    keel.tidy(() => {
      const [x, y] = batch(k);
      opt.zeroGrad();
      const loss = keel.nn.functional.mseLoss(model.forward(x) as Tensor, y);
      loss.backward();
      opt.step();
    });
  }
}

function expectSameState(a: keel.nn.Module, b: keel.nn.Module, oa: Optimizer, ob: Optimizer): void {
  const sa = a.stateDict();
  const sb = b.stateDict();
  expect([...sb.keys()]).toEqual([...sa.keys()]);
  for (const [k, t] of sa) expect(bitwiseDiff(sb.get(k)!, t), k).toBeNull();
  keel.dispose([sa, sb]);
  const da = oa.stateDict();
  const db = ob.stateDict();
  expect(db.param_groups).toEqual(da.param_groups);
  expect(Object.keys(db.state)).toEqual(Object.keys(da.state));
  for (const [i, s] of Object.entries(da.state)) {
    for (const [name, v] of Object.entries(s)) {
      const w = db.state[Number(i)][name];
      if (v instanceof keel.Tensor) expect(bitwiseDiff(w as Tensor, v), `state ${i}.${name}`).toBeNull();
      else expect(w, `state ${i}.${name}`).toBe(v);
    }
  }
  keel.dispose([da, db]);
}

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => tmp.remove());

describe('saveModel / loadModelWeights / readModelInfo', () => {
  it('writes the stateDict under PyTorch\'s keys with format, kind, version, architecture and config', () => {
    const model = buildModel(1);
    const path = tmp.path('m.safetensors');
    const config = { hidden: 8, sizes: [4, 8, 3], dropout: null, best: Infinity, worst: -Infinity, nan: NaN, negZero: -0, nested: { a: 'x' } };
    io.saveModel(path, model, { architecture: 'tiny-mlp', config, metadata: { author: 'test' } });
    const { tensors, metadata } = io.loadSafetensors(path);
    expect([...tensors.keys()].sort()).toEqual([...model.stateDict({ keepVars: true }).keys()].sort());
    expect(tensors.get('1.num_batches_tracked')!.dtype).toBe('int32');
    expect(metadata).toEqual({
      format: 'pt', 'keel.kind': 'model', 'keel.version': '0.1.0', 'keel.architecture': 'tiny-mlp',
      'keel.config': '{"hidden":8,"sizes":[4,8,3],"dropout":null,"best":{"$number":"Infinity"},"worst":{"$number":"-Infinity"},"nan":{"$number":"NaN"},"negZero":{"$number":"-0"},"nested":{"a":"x"}}',
      author: 'test',
    });
    keel.dispose(tensors);
    const info = io.readModelInfo(path);
    expect(info.architecture).toBe('tiny-mlp');
    expect(info.kind).toBe('model');
    expect(info.version).toBe('0.1.0');
    expect(info.config).toEqual(config);
    expect(Object.is((info.config as typeof config).negZero, -0)).toBe(true);

    const other = buildModel(2);
    const result = io.loadModelWeights(path, other);
    expect(result.missingKeys).toEqual([]);
    expect(result.metadata['keel.architecture']).toBe('tiny-mlp');
    const [sa, sb] = [model.stateDict(), other.stateDict()];
    for (const [k, t] of sa) expect(bitwiseDiff(sb.get(k)!, t), k).toBeNull();
    keel.dispose([sa, sb]);
    model.dispose();
    other.dispose();
  });

  it('checks keys strictly by default; strict: false reports them', () => {
    const path = tmp.path('m.safetensors');
    const small = new nn.Sequential(new nn.Linear(4, 8));
    io.saveModel(path, small);
    const model = buildModel(3);
    expect(() => io.loadModelWeights(path, model)).toThrow(/loadStateDict: missing key\(s\) in state dict: "1.weight"/);
    const result = io.loadModelWeights(path, model, { strict: false });
    expect(result.missingKeys).toContain('3.bias');
    expect(result.unexpectedKeys).toEqual([]);
    const wrong = new nn.Sequential(new nn.Linear(4, 7));
    expect(() => io.loadModelWeights(path, wrong)).toThrow('loadStateDict: 2 errors loading the state dict of Sequential:\n  size mismatch for 0.weight: expected [7,4] but got [8,4]');
    keel.dispose([small, model, wrong].map((m) => m.parameters()));
  });

  it('rejects reserved metadata keys and configs JSON would change', () => {
    const model = new nn.Linear(2, 2);
    const path = tmp.path('m.safetensors');
    expect(() => io.saveModel(path, model, { metadata: { format: 'tf' } })).toThrow("saveModel: metadata key 'format' is reserved ('format' and 'keel.*' are written by Keel)");
    expect(() => io.saveModel(path, model, { metadata: { 'keel.kind': 'x' } })).toThrow(/metadata key 'keel.kind' is reserved/);
    expect(() => io.saveModel(path, model, { config: { w: model.weight } })).toThrow('saveModel: config.w is a Tensor; only numbers, strings, booleans, null, arrays and plain objects can be saved');
    expect(() => io.saveModel(path, model, { config: { f: () => 1 } })).toThrow('saveModel: config.f is a function;');
    expect(() => io.saveModel(path, model, { config: { when: new Date(0) } })).toThrow('saveModel: config.when is a Date;');
    expect(() => io.saveModel(path, model, { config: { m: new Map() } })).toThrow('saveModel: config.m is a Map;');
    expect(() => io.saveModel(path, model, { config: { a: [1, undefined] } })).toThrow('saveModel: config.a[1] is undefined (JSON would turn it into null);');
    expect(() => io.saveModel(path, model, { config: { n: 10n } })).toThrow('saveModel: config.n is a bigint;');
    expect(() => io.saveModel(path, model, { config: { $number: 'NaN' } })).toThrow("saveModel: config uses the key '$number'");
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => io.saveModel(path, model, { config: cyclic })).toThrow('saveModel: config.self refers back to itself;');
    expect(() => io.saveModel(path, {} as never)).toThrow('saveModel: expected an nn.Module for model but received an object');
    expect(() => io.saveModel(path, model, { architecture: 3 as never })).toThrow('saveModel: expected a string for architecture but received 3 of type number');
    expect(readdirSync(tmp.dir)).toEqual([]);
    // Shared (not cyclic) references and undefined object fields are fine.
    const shared = { a: 1 };
    io.saveModel(path, model, { config: { x: shared, y: shared, skip: undefined } });
    expect(io.readModelInfo(path).config).toEqual({ x: { a: 1 }, y: { a: 1 } });
    model.dispose();
  });

  it('leaves no tensor behind', () => {
    const model = buildModel(4);
    const path = tmp.path('m.safetensors');
    const before = keel.memory().numTensors;
    io.saveModel(path, model);
    io.loadModelWeights(path, model);
    io.readModelInfo(path);
    expect(keel.memory().numTensors).toBe(before);
    model.dispose();
  });
});

describe('checkpoints', () => {
  const optimizers: Array<[string, (m: keel.nn.Module) => Optimizer]> = [
    ['Adam', (m) => new optim.Adam(m.parameters(), { lr: 0.01, weightDecay: 1e-3 })],
    ['Adam (amsgrad)', (m) => new optim.Adam(m.parameters(), { lr: 0.02, amsgrad: true })],
    ['SGD momentum', (m) => new optim.SGD(m.parameters(), { lr: 0.05, momentum: 0.9 })],
    ['SGD nesterov, two groups', (m) => {
      const params = m.parameters();
      return new optim.SGD([{ params: params.slice(0, 2), lr: 0.1 }, { params: params.slice(2) }], { lr: 0.03, momentum: 0.8, nesterov: true, weightDecay: 1e-4 });
    }],
  ];

  it.each(optimizers)('%s: save after 3 steps, load into a fresh model and optimizer, 4 more steps: bit-identical to 7 uninterrupted steps', (_, makeOpt) => {
    const straight = buildModel(10);
    const straightOpt = makeOpt(straight);
    trainSteps(straight, straightOpt, 0, 7);

    const first = buildModel(10);
    const firstOpt = makeOpt(first);
    trainSteps(first, firstOpt, 0, 3);
    const path = tmp.path('ckpt.safetensors');
    io.saveCheckpoint(path, { model: first, optimizer: firstOpt, epoch: 0, step: 3, extra: { loss: 0.25, history: [1, 0.5] } });

    const resumed = buildModel(99); // different initial weights, no optimizer state yet
    const resumedOpt = makeOpt(resumed);
    const loaded = io.loadCheckpoint(path, { model: resumed, optimizer: resumedOpt });
    expect(loaded.epoch).toBe(0);
    expect(loaded.step).toBe(3);
    expect(loaded.extra).toEqual({ loss: 0.25, history: [1, 0.5] });
    expect(loaded.missingKeys).toEqual([]);
    expectSameState(first, resumed, firstOpt, resumedOpt);
    trainSteps(resumed, resumedOpt, 3, 7);
    expectSameState(straight, resumed, straightOpt, resumedOpt);

    for (const [m, o] of [[straight, straightOpt], [first, firstOpt], [resumed, resumedOpt]] as const) {
      o.disposeState();
      m.zeroGrad();
      m.dispose();
    }
  });

  it('stores the layout the format comment describes', () => {
    const model = buildModel(5);
    const opt = new optim.Adam(model.parameters(), { lr: 0.01 });
    trainSteps(model, opt, 0, 2);
    const path = tmp.path('ckpt.safetensors');
    io.saveCheckpoint(path, { model, optimizer: opt, step: 2, metadata: { run: 'a' } });
    const header = io.readSafetensorsHeader(path);
    const names = [...header.tensors.keys()];
    expect(names).toContain('model.0.weight');
    expect(names).toContain('model.1.num_batches_tracked');
    expect(names).toContain('optimizer.state.0.expAvg');
    expect(names).toContain('optimizer.state.5.expAvgSq');
    expect(names.filter((n) => n.startsWith('optimizer.')).length).toBe(12); // 6 parameters x 2 moments
    const m = header.metadata;
    expect(m['keel.kind']).toBe('checkpoint');
    expect(m['keel.optimizer']).toBe('Adam');
    expect(m['keel.epoch']).toBe('null');
    expect(m['keel.step']).toBe('2');
    expect(m['keel.extra']).toBe('null');
    expect(m.run).toBe('a');
    expect(JSON.parse(m['keel.optimizer.state'])).toEqual({ 0: { step: 2 }, 1: { step: 2 }, 2: { step: 2 }, 3: { step: 2 }, 4: { step: 2 }, 5: { step: 2 } });
    expect(JSON.parse(m['keel.optimizer.param_groups'])).toEqual([{ lr: 0.01, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false, params: [0, 1, 2, 3, 4, 5] }]);
    opt.disposeState();
    model.dispose();
  });

  it('round-trips extra with non-finite numbers, e.g. a scheduler\'s state', () => {
    const model = buildModel(6);
    const opt = new optim.SGD(model.parameters(), { lr: 0.1 });
    const plateau = new optim.lrScheduler.ReduceLROnPlateau(opt);
    const path = tmp.path('ckpt.safetensors');
    io.saveCheckpoint(path, { model, optimizer: opt, epoch: 4, extra: { scheduler: plateau.stateDict() } });
    const loaded = io.loadCheckpoint(path, { model, optimizer: opt });
    expect(loaded.extra).toEqual({ scheduler: plateau.stateDict() });
    expect((loaded.extra as { scheduler: { best: number } }).scheduler.best).toBe(Infinity);
    model.dispose();
  });

  it('without an optimizer: saves and restores the model only, skipping optimizer tensors', () => {
    const model = buildModel(7);
    const opt = new optim.Adam(model.parameters());
    trainSteps(model, opt, 0, 1);
    const path = tmp.path('ckpt.safetensors');
    io.saveCheckpoint(path, { model, optimizer: opt });
    const fresh = buildModel(8);
    const before = keel.memory().numTensors;
    io.loadCheckpoint(path, { model: fresh });
    expect(keel.memory().numTensors).toBe(before);
    // loadModelWeights reads the model part of a checkpoint too.
    const third = buildModel(9);
    expect(io.loadModelWeights(path, third).missingKeys).toEqual([]);
    const [a, b, c] = [model.stateDict(), fresh.stateDict(), third.stateDict()];
    for (const [k, t] of a) {
      expect(bitwiseDiff(b.get(k)!, t), k).toBeNull();
      expect(bitwiseDiff(c.get(k)!, t), k).toBeNull();
    }
    keel.dispose([a, b, c]);
    const noOpt = tmp.path('no-opt.safetensors');
    io.saveCheckpoint(noOpt, { model });
    expect(() => io.loadCheckpoint(noOpt, { model: fresh, optimizer: new optim.Adam(fresh.parameters()) })).toThrow(`loadCheckpoint: file '${noOpt}': the checkpoint holds no optimizer state`);
    opt.disposeState();
    for (const m of [model, fresh, third]) m.dispose();
  });

  it('memory: saving frees the optimizer stateDict copies; loading frees everything it read', () => {
    const model = buildModel(11);
    const opt = new optim.Adam(model.parameters());
    trainSteps(model, opt, 0, 2);
    model.zeroGrad();
    const path = tmp.path('ckpt.safetensors');
    const start = keel.memory().numTensors;
    io.saveCheckpoint(path, { model, optimizer: opt });
    expect(keel.memory().numTensors).toBe(start);
    io.loadCheckpoint(path, { model, optimizer: opt }); // state replaced, not added
    expect(keel.memory().numTensors).toBe(start);
    const fresh = buildModel(12);
    const freshOpt = new optim.Adam(fresh.parameters());
    const before = keel.memory().numTensors;
    io.loadCheckpoint(path, { model: fresh, optimizer: freshOpt });
    expect(keel.memory().numTensors).toBe(before + 12); // the new optimizer's moment buffers
    for (const o of [opt, freshOpt]) o.disposeState();
    model.dispose();
    fresh.dispose();
  });

  it('restores nothing unless everything fits', () => {
    const model = buildModel(13);
    const opt = new optim.Adam(model.parameters(), { lr: 0.01 });
    trainSteps(model, opt, 0, 2);
    const path = tmp.path('ckpt.safetensors');
    io.saveCheckpoint(path, { model, optimizer: opt });

    // The optimizer's groups differ: the model must not be touched either.
    const target = buildModel(14);
    const params = target.parameters();
    const twoGroups = new optim.Adam([{ params: params.slice(0, 3) }, { params: params.slice(3) }]);
    const snapshot = target.stateDict();
    const copies = new Map([...snapshot].map(([k, t]) => [k, keel.clone(t)]));
    expect(() => io.loadCheckpoint(path, { model: target, optimizer: twoGroups })).toThrow(`loadCheckpoint: file '${path}': the checkpoint has 1 optimizer parameter groups but the optimizer has 2`);
    const fewer = new optim.Adam(params.slice(0, 4));
    expect(() => io.loadCheckpoint(path, { model: target, optimizer: fewer })).toThrow(`loadCheckpoint: file '${path}': optimizer parameter group 0 has 6 parameters in the checkpoint but 4 in the optimizer`);
    const sgd = new optim.SGD(params, { lr: 0.1 });
    expect(() => io.loadCheckpoint(path, { model: target, optimizer: sgd })).toThrow(`loadCheckpoint: file '${path}': the checkpoint holds Adam state but the optimizer is SGD`);
    for (const [k, t] of copies) expect(bitwiseDiff(target.stateDict({ keepVars: true }).get(k)!, t), k).toBeNull();
    expect(twoGroups.state.size + fewer.state.size + sgd.state.size).toBe(0);

    // The model differs: the optimizer must not be touched.
    const wrongModel = new nn.Sequential(new nn.Linear(4, 8), new nn.BatchNorm1d(8), new nn.ReLU(), new nn.Linear(8, 3));
    const wrongOpt = new optim.Adam(wrongModel.parameters(), { lr: 0.5 });
    wrongModel.unregister('3');
    wrongModel.registerModule('3', new nn.Linear(8, 3, { bias: false }));
    expect(() => io.loadCheckpoint(path, { model: wrongModel, optimizer: wrongOpt })).toThrow('loadStateDict: unexpected key(s) in state dict: "3.bias"');
    expect(wrongOpt.state.size).toBe(0);
    expect(wrongOpt.paramGroups[0].lr).toBe(0.5);
    keel.dispose([snapshot, copies]);
    opt.disposeState();
    model.dispose();
    target.dispose();
    wrongModel.dispose();
  });

  it('refuses files that are not checkpoints and checkpoints with stray tensors', () => {
    const model = buildModel(15);
    const modelFile = tmp.path('m.safetensors');
    io.saveModel(modelFile, model);
    expect(() => io.loadCheckpoint(modelFile, { model })).toThrow(`loadCheckpoint: file '${modelFile}': not a Keel checkpoint (metadata 'keel.kind' is 'model'); load model files with loadModelWeights`);
    const plain = tmp.path('plain.safetensors');
    writeFileSync(plain, craft({}));
    expect(() => io.loadCheckpoint(plain, { model })).toThrow(/not a Keel checkpoint \(metadata 'keel.kind' is missing\)/);
    const stray = tmp.path('stray.safetensors');
    const t = keel.tensor([1]);
    io.saveSafetensors(stray, { 'model.x': t, 'scheduler.y': t }, { 'keel.kind': 'checkpoint' });
    expect(() => io.loadCheckpoint(stray, { model })).toThrow(`loadCheckpoint: file '${stray}': tensor 'scheduler.y': unexpected tensor in a checkpoint (expected 'model.*' or 'optimizer.state.<index>.<name>')`);
    const badJson = tmp.path('bad-json.safetensors');
    io.saveSafetensors(badJson, {}, { 'keel.kind': 'checkpoint', 'keel.extra': '{oops' });
    expect(() => io.loadCheckpoint(badJson, { model })).toThrow(/loadCheckpoint: file '.*': metadata 'keel.extra' is not valid JSON/);
    t.dispose();
    model.dispose();
  });

  it('checks its arguments', () => {
    const model = new nn.Linear(2, 2);
    const path = tmp.path('c.safetensors');
    expect(() => io.saveCheckpoint(path, { model, epoch: -1 })).toThrow('saveCheckpoint: expected a non-negative integer for epoch but received -1 of type number');
    expect(() => io.saveCheckpoint(path, { model, step: 1.5 })).toThrow('saveCheckpoint: expected a non-negative integer for step but received 1.5 of type number');
    expect(() => io.saveCheckpoint(path, { model, optimizer: {} as never })).toThrow('saveCheckpoint: expected an optimizer for optimizer but received an object');
    expect(() => io.saveCheckpoint(path, { model, extra: { t: model.weight } })).toThrow('saveCheckpoint: extra.t is a Tensor;');
    expect(() => io.saveCheckpoint(path, null as never)).toThrow('saveCheckpoint: expected {model, optimizer?, epoch?, step?, extra?} but received null');
    expect(() => io.loadCheckpoint(path, { model: null as never })).toThrow('loadCheckpoint: expected an nn.Module for model but received null');
    expect(readdirSync(tmp.dir)).toEqual([]);
    model.dispose();
  });

  it('is written atomically: the previous checkpoint survives until the new one is complete', () => {
    const model = new nn.Linear(2, 2);
    const path = tmp.path('c.safetensors');
    io.saveCheckpoint(path, { model, epoch: 1 });
    io.saveCheckpoint(path, { model, epoch: 2 });
    expect(readdirSync(tmp.dir)).toEqual(['c.safetensors']);
    expect(io.loadCheckpoint(path, { model }).epoch).toBe(2);
    model.dispose();
  });
});
