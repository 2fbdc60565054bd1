// Loss functions against PyTorch 1.13 (test/fixtures/losses/losses.json, written by
// scripts/gen_fixtures_losses.py): forward values and gradients for every option, gradcheck,
// the loss classes, and argument validation.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as keel from '../../lib/index.js';
import type { Tensor } from '../../lib/index.js';
import * as nn from '../../lib/nn/losses.js';
import { compareValues, makeTensor, type Num, type TensorSpec } from '../tensor/fixtures.js';

interface LossCase {
  name: string;
  fn: string;
  options: Record<string, unknown>;
  input: TensorSpec;
  target: TensorSpec;
  targetGrad?: boolean;
  upstream: TensorSpec;
  output: TensorSpec;
  grads: { input: Num[]; target?: Num[] } | null;
  gradcheck: boolean;
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/losses/losses.json', import.meta.url), 'utf8')) as { cases: LossCase[] };

type LossFn = (input: Tensor, target: Tensor, options?: any) => Tensor;
const FNS: Record<string, LossFn> = {
  mseLoss: nn.mseLoss,
  l1Loss: nn.l1Loss,
  smoothL1Loss: nn.smoothL1Loss,
  huberLoss: nn.huberLoss,
  binaryCrossEntropy: nn.binaryCrossEntropy,
  binaryCrossEntropyWithLogits: nn.binaryCrossEntropyWithLogits,
  crossEntropy: nn.crossEntropy,
  nllLoss: nn.nllLoss,
  klDiv: nn.klDiv,
};

const CLASSES: Record<string, new (options?: any) => { forward(i: Tensor, t: Tensor): Tensor }> = {
  mseLoss: nn.MSELoss,
  l1Loss: nn.L1Loss,
  smoothL1Loss: nn.SmoothL1Loss,
  huberLoss: nn.HuberLoss,
  binaryCrossEntropy: nn.BCELoss,
  binaryCrossEntropyWithLogits: nn.BCEWithLogitsLoss,
  crossEntropy: nn.CrossEntropyLoss,
  nllLoss: nn.NLLLoss,
  klDiv: nn.KLDivLoss,
};

const VALUE_TOL: [number, number] = [2e-5, 1e-4];
const GRAD_TOL: [number, number] = [2e-6, 2e-4];

function options(c: LossCase): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(c.options)) {
    out[k] = v !== null && typeof v === 'object' && 'tensor' in v ? makeTensor((v as { tensor: TensorSpec }).tensor) : v;
  }
  return out;
}

function expectClose(got: ArrayLike<number>, want: readonly Num[], tol: [number, number], what: string): void {
  const msg = compareValues(got, want, tol);
  expect(msg, `${what}: ${msg}`).toBeNull();
}

describe('losses vs PyTorch', () => {
  it('covers every loss function', () => {
    expect(new Set(fixture.cases.map((c) => c.fn))).toEqual(new Set(Object.keys(FNS)));
  });

  for (const c of fixture.cases) {
    it(c.name, () => {
      keel.tidy(() => {
        const input = makeTensor(c.input, true);
        const target = makeTensor(c.target, c.targetGrad === true);
        const out = FNS[c.fn](input, target, options(c));
        expect(out.shape).toEqual(c.output.shape);
        expectClose(out.toFloat32Array(), c.output.values, VALUE_TOL, 'output');
        out.backward(makeTensor(c.upstream));
        if (c.grads) {
          expectClose(input.grad!.toFloat32Array(), c.grads.input, GRAD_TOL, 'input grad');
          if (c.grads.target) expectClose(target.grad!.toFloat32Array(), c.grads.target, GRAD_TOL, 'target grad');
        }
        // Every value and gradient Keel gives is finite where PyTorch's is.
        for (const v of out.toFloat32Array()) expect(Number.isFinite(v)).toBe(true);
        if (c.grads) for (const v of input.grad!.toFloat32Array()) expect(Number.isFinite(v)).toBe(true);

        // The class form computes the same.
        const mod = new CLASSES[c.fn](options(c));
        const out2 = mod.forward(input, target);
        expectClose(out2.toFloat32Array(), c.output.values, VALUE_TOL, 'class output');
      });
    });
  }
});

describe('losses: gradcheck', () => {
  for (const c of fixture.cases.filter((c) => c.gradcheck)) {
    it(c.name, () => {
      keel.tidy(() => {
        const input = makeTensor(c.input, true);
        const target = makeTensor(c.target, c.targetGrad === true);
        const opts = options(c);
        const fn = FNS[c.fn];
        const inputs = c.targetGrad ? [input, target] : [input];
        // float32 finite differences: eps 1e-3 stays clear of the kinks of the piecewise losses.
        expect(keel.gradcheck((x, t) => fn(x, t ?? target, opts), inputs, { eps: 1e-3, atol: 2e-3, rtol: 2e-2 })).toBe(true);
      });
    });
  }
});

describe('losses: behaviour', () => {
  it('class options are public with PyTorch defaults', () => {
    expect(new nn.CrossEntropyLoss().options).toEqual({ weight: null, ignoreIndex: -100, labelSmoothing: 0, reduction: 'mean' });
    expect(new nn.SmoothL1Loss().options).toEqual({ reduction: 'mean', beta: 1 });
    expect(new nn.HuberLoss({ delta: 2 }).options).toEqual({ reduction: 'mean', delta: 2 });
    expect(new nn.KLDivLoss({ reduction: 'batchmean' }).options).toEqual({ reduction: 'batchmean', logTarget: false });
    expect(new nn.BCEWithLogitsLoss().options).toEqual({ weight: null, posWeight: null, reduction: 'mean' });
  });

  it('cross entropy of extreme logits is finite (matches log-softmax)', () => {
    keel.tidy(() => {
      const x = keel.tensor([[1000, -1000, 0], [-1e4, 1e4, 0]], { requiresGrad: true });
      const loss = nn.crossEntropy(x, keel.tensor([1, 1], { dtype: 'int32' }));
      expect(loss.item()).toBeCloseTo(1000, 3);
      loss.backward();
      for (const v of x.grad!.toFloat32Array()) expect(Number.isFinite(v)).toBe(true);
    });
  });

  it('crossEntropy with every target ignored gives NaN under mean (as PyTorch)', () => {
    keel.tidy(() => {
      const loss = nn.crossEntropy(keel.randn([2, 3]), keel.tensor([-100, -100], { dtype: 'int32' }));
      expect(Number.isNaN(loss.item())).toBe(true);
    });
  });

  it('throws on shape mismatches, naming the loss and the shapes', () => {
    keel.tidy(() => {
      expect(() => nn.crossEntropy(keel.randn([4, 10]), keel.zeros([5], { dtype: 'int32' })))
        .toThrow('crossEntropy: expected target of shape [4] for input [4,10] but got [5]');
      expect(() => nn.nllLoss(keel.randn([4, 3, 2]), keel.zeros([4, 3], { dtype: 'int32' })))
        .toThrow('nllLoss: expected target of shape [4,2] for input [4,3,2] but got [4,3]');
      expect(() => nn.mseLoss(keel.randn([4, 3]), keel.randn([4, 2]))).toThrow('mseLoss: expected target of shape [4,3] for input [4,3] but got [4,2]');
      expect(() => nn.binaryCrossEntropyWithLogits(keel.randn([4]), keel.randn([4, 1]))).toThrow(/binaryCrossEntropyWithLogits: expected target of shape \[4\]/);
      expect(() => nn.klDiv(keel.randn([2, 3]), keel.randn([3, 2]))).toThrow(/klDiv: expected target of shape \[2,3\]/);
      expect(() => nn.crossEntropy(keel.randn([4, 3]), keel.zeros([4]), { weight: keel.ones([4]) })).toThrow(/crossEntropy:/);
      expect(() => nn.crossEntropy(keel.randn([4, 3]), keel.zeros([4], { dtype: 'int32' }), { weight: keel.ones([4]) }))
        .toThrow('crossEntropy: expected a weight of shape [3] (one per class) but got [4]');
      expect(() => nn.binaryCrossEntropy(keel.rand([2, 3]), keel.rand([2, 3]), { weight: keel.ones([2]) }))
        .toThrow('binaryCrossEntropy: weight of shape [2] cannot be broadcast to the input\'s shape [2,3]');
    });
  });

  it('requires int32 class indices', () => {
    keel.tidy(() => {
      expect(() => nn.crossEntropy(keel.randn([4, 3]), keel.zeros([4]))).toThrow(/crossEntropy: expected int32 class indices/);
      expect(() => nn.nllLoss(keel.randn([4, 3]), keel.zeros([4]))).toThrow(/nllLoss: expected int32 class indices/);
    });
  });

  it('rejects out-of-range class indices and bad options', () => {
    keel.tidy(() => {
      expect(() => nn.crossEntropy(keel.randn([2, 3]), keel.tensor([0, 3], { dtype: 'int32' }))).toThrow(/crossEntropy: target 3 is out of bounds for 3 classes/);
      expect(() => nn.nllLoss(keel.randn([2, 3]), keel.tensor([-1, 0], { dtype: 'int32' }))).toThrow(/nllLoss: target -1 is out of bounds/);
      expect(() => nn.mseLoss(keel.randn([2]), keel.randn([2]), { reduction: 'avg' as never })).toThrow(/mseLoss: expected 'none', 'mean' or 'sum' for reduction/);
      expect(() => nn.mseLoss(keel.randn([2]), keel.randn([2]), { reduction: 'batchmean' as never })).toThrow(/reduction/);
      expect(() => nn.crossEntropy(keel.randn([2, 3]), keel.tensor([0, 1], { dtype: 'int32' }), { labelSmoothing: 1.5 })).toThrow(/labelSmoothing/);
      expect(() => new nn.CrossEntropyLoss({ reduction: 'x' as never })).toThrow(/CrossEntropyLoss: expected/);
      expect(() => nn.mseLoss(keel.randn([2]) as never, [1, 2] as never)).toThrow(/mseLoss: expected a Tensor for target/);
    });
  });

  it('does not leak: a loss and its backward inside tidy free everything', () => {
    const x = keel.keep(keel.randn([8, 5], { requiresGrad: true }));
    const t = keel.keep(keel.tensor([0, 1, 2, 3, 4, 0, 1, -100], { dtype: 'int32' }));
    const w = keel.keep(keel.rand([5]));
    const run = (): void => keel.tidy(() => {
      nn.crossEntropy(x, t, { weight: w, labelSmoothing: 0.1 }).backward();
      x.grad!.dispose();
      x.grad = null;
    });
    run();
    const before = keel.memory().numTensors;
    for (let i = 0; i < 20; i++) run();
    expect(keel.memory().numTensors).toBe(before);
    keel.dispose([x, t, w]);
  });
});
