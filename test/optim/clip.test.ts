// clipGradNorm_ / clipGradValue_ against PyTorch 1.13 (test/fixtures/optim/clip.json).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as keel from '../../lib/index.js';
import type { Tensor } from '../../lib/index.js';
import * as optim from '../../lib/optim/index.js';
import { compareValues, decode, makeTensor, type Num, type TensorSpec } from '../tensor/fixtures.js';

const fixture = JSON.parse(readFileSync(new URL('../fixtures/optim/clip.json', import.meta.url), 'utf8')) as {
  grads: TensorSpec[];
  cases: Array<{ name: string; normType: Num; maxNorm: number; total: Num; clipped: Num[][] }>;
  clipValue: { clipValue: number; clipped: Num[][] };
};

function withGrads(fn: (params: Tensor[]) => void): void {
  keel.tidy(() => {
    const params = fixture.grads.map((g) => {
      const p = keel.zeros(g.shape, { requiresGrad: true });
      p.grad = makeTensor(g);
      return p;
    });
    fn(params);
  });
}

describe('gradient clipping vs PyTorch', () => {
  for (const c of fixture.cases) {
    it(`clipGradNorm_ ${c.name}`, () => {
      withGrads((params) => {
        const total = optim.clipGradNorm_(params, c.maxNorm, { normType: decode(c.normType) });
        expect(Math.abs(total - decode(c.total))).toBeLessThanOrEqual(1e-5 * Math.abs(decode(c.total)));
        params.forEach((p, i) => {
          const msg = compareValues(p.grad!.toFloat32Array(), c.clipped[i], [1e-7, 1e-5]);
          expect(msg, `grad ${i}: ${msg}`).toBeNull();
        });
      });
    });
  }

  it('clipGradValue_', () => {
    withGrads((params) => {
      optim.clipGradValue_(params, fixture.clipValue.clipValue);
      params.forEach((p, i) => expect(compareValues(p.grad!.toFloat32Array(), fixture.clipValue.clipped[i], [0, 0])).toBeNull());
    });
  });

  it('skips parameters without a gradient and accepts a single tensor', () => {
    keel.tidy(() => {
      const p = keel.zeros([2], { requiresGrad: true });
      const q = keel.zeros([2], { requiresGrad: true });
      p.grad = keel.tensor([3, 4]);
      expect(optim.clipGradNorm_([p, q], 1)).toBeCloseTo(5, 5);
      expect(p.grad!.toFloat32Array()[0]).toBeCloseTo(0.6, 5);
      expect(optim.clipGradNorm_(q, 1)).toBe(0);
      expect(() => optim.clipGradNorm_([p], 1, { normType: 0 })).toThrow(/clipGradNorm_: expected a number > 0 or Infinity for normType/);
      p.grad = keel.tensor([NaN, 1]);
      expect(() => optim.clipGradNorm_([p], 1, { errorIfNonfinite: true })).toThrow(/clipGradNorm_: the total norm of order 2 .* is non-finite/);
    });
  });

  it('does not leak', () => {
    withGrads((params) => {
      optim.clipGradNorm_(params, 0.1);
      const before = keel.memory().numTensors;
      for (let i = 0; i < 20; i++) {
        optim.clipGradNorm_(params, 0.1, { normType: 3 });
        optim.clipGradValue_(params, 0.01);
      }
      expect(keel.memory().numTensors).toBe(before);
    });
  });
});
