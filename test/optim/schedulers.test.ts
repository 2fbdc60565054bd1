// LR schedulers against PyTorch 1.13 (test/fixtures/optim/schedulers.json): the lr of two
// parameter groups after construction and after each of 25 steps, chained schedulers,
// ReduceLROnPlateau on metric sequences, and state dicts.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as keel from '../../lib/index.js';
import * as optim from '../../lib/optim/index.js';

const { lrScheduler } = optim;

interface SchedCase {
  name: string;
  schedulers: Array<{ scheduler: string; args: unknown[] }>;
  lrs: number[][];
  metrics?: number[];
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/optim/schedulers.json', import.meta.url), 'utf8')) as { cases: SchedCase[] };

type Sched = { step(metric?: number): void; getLastLr(): number[]; stateDict(): Record<string, unknown>; loadStateDict(s: Record<string, unknown>): void };

function makeOptimizer(): { opt: optim.SGD; params: keel.Tensor[] } {
  const params = [keel.keep(keel.zeros([1], { requiresGrad: true })), keel.keep(keel.zeros([1], { requiresGrad: true }))];
  const opt = new optim.SGD([{ params: [params[0]], lr: 0.1 }, { params: [params[1]], lr: 0.05 }], { lr: 0.1 });
  return { opt, params };
}

function make(opt: optim.Optimizer<any>, name: string, args: unknown[]): Sched {
  const Ctor = (lrScheduler as unknown as Record<string, new (...a: unknown[]) => Sched>)[name];
  return new Ctor(opt, ...args);
}

function expectLrs(got: number[], want: number[], what: string): void {
  expect(got.length, what).toBe(want.length);
  got.forEach((g, i) => expect(Math.abs(g - want[i]), `${what}: group ${i} got ${g} want ${want[i]}`).toBeLessThanOrEqual(1e-12 * Math.abs(want[i]) + 1e-15));
}

describe('LR schedulers vs PyTorch', () => {
  for (const c of fixture.cases) {
    it(c.name, () => {
      const { opt, params } = makeOptimizer();
      const scheds = c.schedulers.map((s) => make(opt, s.scheduler, s.args));
      expectLrs(opt.paramGroups.map((g) => g.lr), c.lrs[0], 'after construction');
      if (c.schedulers.length === 1 && c.schedulers[0].scheduler !== 'ReduceLROnPlateau') expectLrs(scheds[0].getLastLr(), c.lrs[0], 'getLastLr');
      for (let i = 0; i < c.lrs.length - 1; i++) {
        opt.step();
        for (const s of scheds) s.step(c.metrics?.[i]);
        expectLrs(opt.paramGroups.map((g) => g.lr), c.lrs[i + 1], `step ${i + 1}`);
        expectLrs(scheds[scheds.length - 1].getLastLr(), c.lrs[i + 1], `getLastLr at step ${i + 1}`);
      }
      keel.dispose(params);
    });
  }

  for (const c of fixture.cases.filter((c) => c.schedulers.length === 1)) {
    it(`${c.name}: stateDict / loadStateDict resumes the schedule`, () => {
      const { opt, params } = makeOptimizer();
      const s = make(opt, c.schedulers[0].scheduler, c.schedulers[0].args);
      const half = 10;
      for (let i = 0; i < half; i++) s.step(c.metrics?.[i]);
      const sd = JSON.parse(JSON.stringify(s.stateDict(), (_k, v) => (v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : v)),
        (_k, v) => (v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : v));
      const osd = opt.stateDict();
      // A new optimizer and scheduler (whose construction moves the lr), then both restored,
      // in PyTorch's order.
      const { opt: opt2, params: params2 } = makeOptimizer();
      const s2 = make(opt2, c.schedulers[0].scheduler, c.schedulers[0].args);
      opt2.loadStateDict(osd);
      s2.loadStateDict(sd);
      for (let i = half; i < c.lrs.length - 1; i++) {
        s2.step(c.metrics?.[i]);
        expectLrs(opt2.paramGroups.map((g) => g.lr), c.lrs[i + 1], `resumed step ${i + 1}`);
      }
      keel.dispose([params, params2]);
    });
  }
});

describe('LR schedulers: behaviour', () => {
  it('stateDict holds plain data (no optimizer)', () => {
    const { opt, params } = makeOptimizer();
    const s = new lrScheduler.StepLR(opt, 3, { gamma: 0.5 });
    s.step();
    expect(s.stateDict()).toEqual({ baseLrs: [0.1, 0.05], lastEpoch: 1, stepCount: 2, lastLr: [0.1, 0.05], stepSize: 3, gamma: 0.5 });
    expect(opt.paramGroups[0].initialLr).toBe(0.1);
    keel.dispose(params);
  });

  it('ReduceLROnPlateau accepts a one-element tensor as the metric', () => {
    const { opt, params } = makeOptimizer();
    const s = new lrScheduler.ReduceLROnPlateau(opt, { patience: 0 });
    s.step(keel.tensor(1));
    s.step(keel.tensor([2]));
    expect(s.getLastLr()).toEqual([0.1 * 0.1, 0.05 * 0.1].map((v) => v));
    keel.dispose(params);
  });

  it('validates its arguments', () => {
    const { opt, params } = makeOptimizer();
    expect(() => new lrScheduler.StepLR(opt, 0)).toThrow(/StepLR: expected a positive integer for stepSize but received 0/);
    expect(() => new lrScheduler.LinearLR(opt, { startFactor: 0 })).toThrow(/LinearLR: expected a number > 0 and <= 1 for startFactor/);
    expect(() => new lrScheduler.ReduceLROnPlateau(opt, { factor: 1 })).toThrow(/ReduceLROnPlateau: expected a number < 1 for factor/);
    expect(() => new lrScheduler.ReduceLROnPlateau(opt, { minLr: [0.1] })).toThrow(/expected 2 values for minLr/);
    expect(() => new lrScheduler.ReduceLROnPlateau(opt, { mode: 'up' as never })).toThrow(/expected 'min' or 'max' for mode/);
    expect(() => new lrScheduler.ExponentialLR({} as never, 0.9)).toThrow(/ExponentialLR: expected an Optimizer/);
    expect(() => new lrScheduler.MultiStepLR(opt, [1.5])).toThrow(/MultiStepLR: expected an array of integers for milestones/);
    keel.dispose(params);
  });
});
