// Optimizer trajectories against PyTorch 1.13 (test/fixtures/optim/optimizers.json, written by
// scripts/gen_fixtures_optim.py): two parameters, fixed gradients per step (one step without a
// gradient for the second parameter), every option combination; state-dict resume; groups;
// memory.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as keel from '../../lib/index.js';
import type { Tensor } from '../../lib/index.js';
import * as optim from '../../lib/optim/index.js';
import { compareValues, makeTensor, type Num, type TensorSpec } from '../tensor/fixtures.js';

interface OptCase {
  name: string;
  optimizer: 'SGD' | 'Adam' | 'AdamW' | 'Adagrad' | 'RMSprop';
  options: Record<string, unknown>;
  groups?: Array<Record<string, unknown> & { params: number[] }>;
  params: Num[][][];
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/optim/optimizers.json', import.meta.url), 'utf8')) as {
  init: TensorSpec[];
  grads: Array<Array<Num[] | null>>;
  cases: OptCase[];
};

const TOL: [number, number] = [2e-6, 2e-5];
const CTORS = { SGD: optim.SGD, Adam: optim.Adam, AdamW: optim.AdamW, Adagrad: optim.Adagrad, RMSprop: optim.RMSprop } as const;

function makeParams(): Tensor[] {
  return fixture.init.map((s) => keel.keep(makeTensor(s, true)));
}

function makeOptimizer(c: OptCase, params: Tensor[]): optim.Optimizer<any> {
  const Ctor = CTORS[c.optimizer] as unknown as new (p: unknown, o: unknown) => optim.Optimizer<any>;
  const input = c.groups ? c.groups.map((g) => ({ ...g, params: g.params.map((i) => params[i]) })) : params;
  return new Ctor(input, c.options);
}

function setGrads(params: Tensor[], step: number): void {
  params.forEach((p, i) => {
    p.grad?.dispose();
    const g = fixture.grads[step][i];
    p.grad = g === null ? null : keel.keep(keel.tensor(Float32Array.from(g.map(Number)), { shape: p.shape }));
  });
}

function expectParams(params: Tensor[], want: Num[][], what: string): void {
  params.forEach((p, i) => {
    const msg = compareValues(p.toFloat32Array(), want[i], TOL);
    expect(msg, `${what}, parameter ${i}: ${msg}`).toBeNull();
  });
}

function cleanup(params: Tensor[], opt?: optim.Optimizer<any>): void {
  opt?.disposeState();
  for (const p of params) {
    p.grad?.dispose();
    p.dispose();
  }
}

describe('optimizers vs PyTorch trajectories', () => {
  for (const c of fixture.cases) {
    it(c.name, () => {
      const params = makeParams();
      const opt = makeOptimizer(c, params);
      for (let s = 0; s < c.params.length; s++) {
        setGrads(params, s);
        opt.step();
        expectParams(params, c.params[s], `step ${s + 1}`);
      }
      cleanup(params, opt);
    });
  }
});

describe('optimizers: stateDict / loadStateDict', () => {
  for (const c of fixture.cases) {
    it(`${c.name}: resuming from a state dict continues the same trajectory`, () => {
      const params = makeParams();
      const opt = makeOptimizer(c, params);
      const split = 4; // after the step where parameter 1 had no gradient
      for (let s = 0; s < split; s++) {
        setGrads(params, s);
        opt.step();
      }
      const sd = opt.stateDict();
      // A fresh optimizer on fresh parameters holding the same values.
      const params2 = params.map((p) => keel.keep(keel.tensor(p.toFloat32Array(), { shape: p.shape, requiresGrad: true })));
      const opt2 = makeOptimizer({ ...c, options: { ...c.options, lr: 123 } }, params2);
      opt2.loadStateDict(sd);
      expect(opt2.paramGroups.map((g) => g.lr)).toEqual(opt.paramGroups.map((g) => g.lr));
      // The dict was copied: changing it afterwards does not reach the optimizer.
      keel.dispose(sd);
      for (let s = split; s < c.params.length; s++) {
        setGrads(params, s);
        setGrads(params2, s);
        opt.step();
        opt2.step();
        expectParams(params2, c.params[s], `resumed step ${s + 1}`);
        params.forEach((p, i) => expect(params2[i].toFloat32Array()).toEqual(p.toFloat32Array()));
      }
      cleanup(params, opt);
      cleanup(params2, opt2);
    });
  }

  it('has PyTorch\'s structure: state by index, groups listing indices', () => {
    const params = makeParams();
    const opt = new optim.Adam([{ params: [params[0]] }, { params: [params[1]], lr: 0.1 }], { lr: 0.01, amsgrad: true });
    setGrads(params, 0);
    opt.step();
    const sd = opt.stateDict();
    expect(Object.keys(sd.state)).toEqual(['0', '1']);
    expect(Object.keys(sd.state[0]).sort()).toEqual(['expAvg', 'expAvgSq', 'maxExpAvgSq', 'step']);
    expect(sd.state[1].step).toBe(1);
    expect(sd.param_groups).toEqual([
      { lr: 0.01, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: true, maximize: false, params: [0] },
      { lr: 0.1, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: true, maximize: false, params: [1] },
    ]);
    // Copies, not the live buffers.
    expect(sd.state[0].expAvg).not.toBe(opt.state.get(params[0])!.expAvg);
    keel.dispose(sd);
    cleanup(params, opt);
  });

  it('rejects a state dict with mismatched groups', () => {
    const params = makeParams();
    const opt = new optim.SGD(params, { lr: 0.1, momentum: 0.9 });
    const other = new optim.SGD([params[0]], { lr: 0.1 });
    expect(() => other.loadStateDict(opt.stateDict())).toThrow(/SGD.loadStateDict: loaded parameter group 0 has 2 parameters but the optimizer's has 1/);
    const two = new optim.SGD([{ params: [params[0]] }, { params: [params[1]] }], { lr: 0.1 });
    expect(() => two.loadStateDict(opt.stateDict())).toThrow(/1 parameter groups but the optimizer has 2/);
    cleanup(params, opt);
  });
});

describe('optimizers: behaviour', () => {
  it('step() skips parameters without a gradient and runs without recording the graph', () => {
    const p = keel.keep(keel.tensor([1, 2, 3], { requiresGrad: true }));
    const q = keel.keep(keel.tensor([4, 5], { requiresGrad: true }));
    const opt = new optim.Adam([p, q], { lr: 0.1 });
    keel.tidy(() => p.mul(2).sum().backward());
    opt.step();
    expect(q.toArray()).toEqual([4, 5]);
    expect(opt.state.has(q)).toBe(false);
    expect(p.isLeaf).toBe(true);
    expect(p.requiresGrad).toBe(true);
    cleanup([p, q], opt);
  });

  it('zeroGrad() sets gradients to null (or zeros them with setToNone: false)', () => {
    const p = keel.keep(keel.tensor([1, 2], { requiresGrad: true }));
    const opt = new optim.SGD([p], { lr: 0.1 });
    keel.tidy(() => p.mul(3).sum().backward());
    opt.zeroGrad({ setToNone: false });
    expect(p.grad!.toArray()).toEqual([0, 0]);
    opt.zeroGrad();
    expect(p.grad).toBeNull();
    cleanup([p], opt);
  });

  it('step(closure) re-evaluates the loss with grad enabled and returns it', () => {
    const p = keel.keep(keel.tensor([1, -2], { requiresGrad: true }));
    const opt = new optim.SGD([p], { lr: 0.25 });
    const loss = keel.noGrad(() => opt.step(() => {
      opt.zeroGrad();
      const l = keel.tidy(() => {
        const v = p.square().sum();
        v.backward();
        return v.item();
      });
      return l;
    }));
    expect(loss).toBe(5);
    expect(p.toArray()).toEqual([0.5, -1]);
    cleanup([p], opt);
  });

  it('per-group hyperparameters can be changed and groups added', () => {
    const [a, b] = makeParams();
    const opt = new optim.SGD([a], { lr: 0.1, momentum: 0.5 });
    opt.addParamGroup({ params: [b], lr: 0.01 });
    expect(opt.paramGroups[1]).toMatchObject({ lr: 0.01, momentum: 0.5, dampening: 0, nesterov: false });
    expect(() => opt.addParamGroup({ params: [a] })).toThrow(/SGD: some parameters appear in more than one parameter group/);
    opt.paramGroups[0].lr = 0;
    const before = a.toFloat32Array();
    setGrads([a, b], 0);
    opt.step();
    expect(a.toFloat32Array()).toEqual(before);
    cleanup([a, b], opt);
  });

  it('validates its arguments', () => {
    const p = keel.keep(keel.zeros([2], { requiresGrad: true }));
    expect(() => new optim.SGD([p])).toThrow(/SGD: the learning rate lr is required/);
    expect(new optim.SGD([{ params: [p], lr: 0.5 }]).paramGroups[0].lr).toBe(0.5);
    expect(() => new optim.SGD([p], { lr: -1 })).toThrow(/SGD: expected a number >= 0 for lr but received -1/);
    expect(() => new optim.SGD([p], { lr: 0.1, nesterov: true })).toThrow(/Nesterov momentum requires a momentum and zero dampening/);
    expect(() => new optim.Adam([p], { betas: [0.9, 1] })).toThrow(/Adam: expected a number >= 0 and < 1 for betas\[1\]/);
    expect(() => new optim.Adam(p as never)).toThrow(/Adam: params should be an iterable of Tensors/);
    expect(() => new optim.Adam([])).toThrow(/Adam: got an empty parameter list/);
    expect(() => new optim.RMSprop([keel.zeros([2], { dtype: 'int32' })])).toThrow(/RMSprop: can only optimize float32 tensors/);
    expect(() => new optim.Adagrad([p.mul(2)])).toThrow(/Adagrad: can't optimize a non-leaf Tensor/);
    p.dispose();
  });

  it('100 optimizer steps do not grow memory', () => {
    keel.manualSeed(1);
    const w = keel.keep(keel.randn([16, 8], { requiresGrad: true }));
    const b = keel.keep(keel.zeros([8], { requiresGrad: true }));
    const x = keel.keep(keel.randn([32, 16]));
    const y = keel.keep(keel.randn([32, 8]));
    const opts = [
      new optim.SGD([w, b], { lr: 0.01, momentum: 0.9, nesterov: true, weightDecay: 1e-4 }),
      new optim.Adam([w, b], { lr: 1e-3, amsgrad: true, weightDecay: 1e-4, maximize: false }),
      new optim.AdamW([w, b], { lr: 1e-3 }),
      new optim.Adagrad([w, b], { lr: 1e-2, weightDecay: 1e-4 }),
      new optim.RMSprop([w, b], { lr: 1e-3, centered: true, momentum: 0.9, weightDecay: 1e-4 }),
    ];
    const train = (opt: optim.Optimizer<any>): void => {
      opt.zeroGrad();
      keel.tidy(() => x.matmul(w).add(b).sub(y).square().mean().backward());
      optim.clipGradNorm_([w, b], 1.0);
      opt.step();
    };
    for (const opt of opts) {
      train(opt); // creates the state
      const before = keel.memory().numTensors;
      for (let i = 0; i < 100; i++) train(opt);
      expect(keel.memory().numTensors, opt.constructor.name).toBe(before);
      opt.disposeState();
    }
    for (const v of w.toFloat32Array()) expect(Number.isFinite(v)).toBe(true);
    cleanup([w, b]);
    keel.dispose([x, y]);
  });
});
