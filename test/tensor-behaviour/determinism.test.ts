// Parallel kernels must give bit-identical results at every thread count (the runtime splits
// work above ~64K elements). Each case runs at 1 and 2 threads and compares the bits.
import { afterAll, describe, expect, it } from 'vitest';
import * as keel from '../../lib/index.js';

const threads0 = keel.getNumThreads();
afterAll(() => keel.setNumThreads(threads0));

function bitsOf(t: keel.Tensor): Uint32Array {
  const a = t.toTypedArray();
  return new Uint32Array(a.buffer, a.byteOffset, a.length);
}

function firstDiff(a: Uint32Array, b: Uint32Array): number {
  if (a.length !== b.length) return -2;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

/** Runs `make` at 1 and 2 threads (inputs drawn from the same seed) and compares all outputs. */
function expectThreadInvariant(make: () => keel.Tensor[]): void {
  const run = (n: number) => {
    keel.setNumThreads(n);
    keel.manualSeed(2024);
    return keel.tidy(() => make().map((t) => bitsOf(t)));
  };
  const one = run(1), two = run(2), again = run(2);
  one.forEach((b, i) => {
    expect(firstDiff(b, two[i]), `output ${i}: first differing element at 1 vs 2 threads`).toBe(-1);
    expect(firstDiff(two[i], again[i]), `output ${i}: differs between two runs at 2 threads`).toBe(-1);
  });
}

describe('bit-identical at 1 and 2 threads', () => {
  it('sum and mean of 1M elements', () => {
    expectThreadInvariant(() => {
      const x = keel.randn([1_000_000]);
      return [x.sum(), x.mean(), x.reshape([1000, 1000]).sum({ dim: 0 }), x.reshape([1000, 1000]).sum({ dim: 1 }), x.reshape([100, 100, 100]).mean({ dim: [0, 2] })];
    });
  });

  it('other reductions on large inputs', () => {
    expectThreadInvariant(() => {
      const x = keel.randn([512, 1024]);
      return [x.max(), x.max(1).values, x.argmax({ dim: 0 }), x.logsumexp({ dim: 1 }), x.var(), x.std({ dim: 0 }), x.mul(0.001).prod({ dim: 0 })];
    });
  });

  it('softmax and logSoftmax over big rows and many rows', () => {
    expectThreadInvariant(() => {
      const wide = keel.randn([4, 100_000]);
      const tall = keel.randn([4000, 64]);
      return [wide.softmax(1), wide.logSoftmax(1), tall.softmax(1), tall.softmax(0), tall.logSoftmax(0)];
    });
  });

  it('matmul, including batched and backward', () => {
    expectThreadInvariant(() => {
      const a = keel.randn([300, 257]);
      const b = keel.randn([257, 190]);
      const w = keel.randn([257, 64], { requiresGrad: true });
      const batched = keel.randn([8, 64, 96]).matmul(keel.randn([96, 40]));
      a.matmul(w).tanh().sum().backward();
      return [a.matmul(b), batched, w.grad!];
    });
  });

  it('elementwise ops on > 64K elements, broadcasting and strided inputs', () => {
    expectThreadInvariant(() => {
      const x = keel.randn([300, 700]);
      const y = keel.randn([300, 700]);
      const row = keel.randn([700]);
      return [
        x.add(y), x.mul(y), x.div(y.abs().add(1)), x.exp(), x.tanh(), x.sigmoid(), x.gelu(), x.add(row), x.gt(y),
        x.t().contiguous(), x.transpose(0, 1).add(1), keel.where(x.gt(0), x, y), x.maximum(y), x.pow(y.abs()),
        row.unsqueeze(1).expand([700, 300]).mul(2), x.to('int32'),
      ];
    });
  });

  it('backward of a small network', () => {
    expectThreadInvariant(() => {
      const x = keel.randn([512, 200]);
      const w1 = keel.randn([200, 256], { requiresGrad: true });
      const w2 = keel.randn([256, 10], { requiresGrad: true });
      const loss = x.matmul(w1).relu().matmul(w2).logSoftmax(1).mean();
      loss.backward();
      return [loss, w1.grad!, w2.grad!];
    });
  });
});
