// Memory management: tidy scopes, keep, dispose, use-after-dispose errors, views keeping
// storage alive, a training loop that must not leak, the reuse pool, and the GC fallback.
// Counts are compared within one synchronous stretch (GC finalizers only run between tasks),
// so garbage from other tests cannot shift them.
import v8 from 'node:v8';
import vm from 'node:vm';
import { afterAll, describe, expect, it } from 'vitest';
import * as keel from '../../lib/index.js';

const live = () => keel.memory().numTensors;
const bytes = () => keel.memory().numBytes;

describe('tidy', () => {
  it('frees intermediates and keeps the returned tensor', () => {
    const before = live();
    const out = keel.tidy(() => {
      const a = keel.ones([10, 10]);
      const b = a.mul(2).exp().add(1);
      return b.sum();
    });
    expect(live()).toBe(before + 1);
    expect(out.isDisposed).toBe(false);
    expect(out.item()).toBeCloseTo(100 * (Math.exp(2) + 1), 1);
    out.dispose();
    expect(live()).toBe(before);
  });

  it('returns tensors nested in arrays, plain objects and Maps', () => {
    const before = live();
    const r = keel.tidy(() => {
      const a = keel.ones([2]);
      const b = keel.zeros([3]);
      const c = keel.full([1], 7);
      keel.ones([5]); // garbage
      return { list: [a, { deep: b }], map: new Map([['c', c]]), n: 3 };
    });
    expect(live()).toBe(before + 3);
    expect(r.list[0]).toBeInstanceOf(keel.Tensor);
    expect((r.list[1] as { deep: keel.Tensor }).deep.toArray()).toEqual([0, 0, 0]);
    expect(r.map.get('c')!.toArray()).toEqual([7]);
    expect(r.n).toBe(3);
    keel.dispose(r);
    expect(live()).toBe(before);
  });

  it('returns non-tensor values unchanged', () => {
    expect(keel.tidy(() => 5)).toBe(5);
    expect(keel.tidy(() => undefined)).toBe(undefined);
    expect(keel.tidy(() => keel.ones([3]).sum().item())).toBe(3);
  });

  it('nested tidy: inner results belong to the outer scope', () => {
    const before = live();
    let inner!: keel.Tensor;
    const outer = keel.tidy(() => {
      inner = keel.tidy(() => keel.ones([4]).mul(3));
      expect(inner.isDisposed).toBe(false);
      const kept = keel.tidy(() => keel.ones([4]).add(inner));
      return kept;
    });
    expect(inner.isDisposed).toBe(true); // not returned by the outer scope
    expect(outer.toArray()).toEqual([4, 4, 4, 4]);
    expect(live()).toBe(before + 1);
    outer.dispose();
  });

  it('keep exempts a tensor from every enclosing scope', () => {
    const before = live();
    let k!: keel.Tensor;
    keel.tidy(() => {
      keel.tidy(() => {
        k = keel.keep(keel.ones([3]).mul(2));
      });
      expect(k.isDisposed).toBe(false);
    });
    expect(k.isDisposed).toBe(false);
    expect(k.toArray()).toEqual([2, 2, 2]);
    expect(live()).toBe(before + 1);
    k.dispose();
    expect(live()).toBe(before);
  });

  it('tensors created before the scope are untouched', () => {
    const a = keel.ones([2]);
    keel.tidy(() => a.add(1));
    expect(a.isDisposed).toBe(false);
    a.dispose();
  });

  it('frees everything when fn throws, and rethrows', () => {
    const before = live();
    expect(() => keel.tidy(() => {
      keel.ones([100]);
      keel.ones([2]).add(keel.ones([3])); // throws: shapes do not broadcast
    })).toThrow(/add: shapes/);
    expect(live()).toBe(before);
    expect(() => keel.tidy(() => {
      keel.tidy(() => keel.ones([2]));
      throw new Error('boom');
    })).toThrow('boom');
    expect(live()).toBe(before);
  });

  it('rejects async functions and non-functions', async () => {
    let resolve!: () => void;
    const settled = new Promise<void>((r) => (resolve = r));
    expect(() => keel.tidy((async () => { await settled; }) as never)).toThrow(/tidy: fn must be synchronous/);
    resolve();
    expect(() => keel.tidy(5 as never)).toThrow(TypeError);
  });

  // Regression (found by this suite, fixed in the working tree): when fn returned a Promise,
  // tensors it created before its first await were left alive until GC.
  it('rejecting an async fn still frees tensors it created synchronously', () => {
    const before = live();
    expect(() => keel.tidy((async () => { keel.zeros([3]); }) as never)).toThrow(TypeError);
    expect(live()).toBe(before);
  });

  it('gradients stored by backward inside tidy survive it; the graph does not', () => {
    const w = keel.ones([3, 3], { requiresGrad: true });
    const before = live();
    keel.tidy(() => {
      const y = w.matmul(keel.ones([3, 1])).relu().sum();
      y.backward();
    });
    expect(w.grad).not.toBe(null);
    expect(w.grad!.isDisposed).toBe(false);
    expect(live()).toBe(before + 1);
  });
});

describe('dispose', () => {
  it('frees now and is idempotent', () => {
    const before = live();
    const t = keel.ones([16]);
    expect(live()).toBe(before + 1);
    t.dispose();
    expect(t.isDisposed).toBe(true);
    expect(live()).toBe(before);
    t.dispose();
    keel.dispose(t);
    expect(live()).toBe(before);
  });

  it('keel.dispose walks arrays and objects', () => {
    const before = live();
    const a = keel.ones([1]), b = keel.ones([1]), c = keel.ones([1]);
    keel.dispose([a, { b, nested: [c, 3, 'x', null] }]);
    expect([a, b, c].every((t) => t.isDisposed)).toBe(true);
    expect(live()).toBe(before);
  });

  it('using a disposed tensor throws an error naming the op and "disposed"', () => {
    const t = keel.ones([2, 3]);
    const other = keel.ones([2, 3]);
    const one = keel.ones([1]);
    t.dispose();
    one.dispose();
    const cases: Array<[string, () => unknown]> = [
      ['add', () => t.add(other)],
      ['add', () => other.add(t)],
      ['add', () => t.add(1)],
      ['mul', () => keel.mul(t, 2)],
      ['exp', () => t.exp()],
      ['sum', () => t.sum()],
      ['matmul', () => t.matmul(keel.ones([3, 2]))],
      ['reshape', () => t.reshape([6])],
      ['transpose', () => t.transpose(0, 1)],
      ['softmax', () => t.softmax(1)],
      ['cat', () => keel.cat([other, t])],
      ['toTypedArray', () => t.toArray()],
      ['toTypedArray', () => t.toTypedArray()],
      ['item', () => one.item()],
      ['backward', () => t.backward()],
      ['add_', () => other.add_(t)],
      ['gt', () => t.gt(0)],
      ['detach', () => t.detach()],
      ['clone', () => t.clone()],
    ];
    for (const [op, fn] of cases) {
      let err: unknown = null;
      try {
        fn();
      } catch (e) {
        err = e;
      }
      expect(err, op).toBeInstanceOf(Error);
      expect((err as Error).message, op).toMatch(new RegExp(`^${op}: .*disposed`));
    }
  });

  // Regression: an empty tensor skipped the disposed check.
  it('reading a disposed empty tensor throws', () => {
    const t = keel.zeros([0]);
    t.dispose();
    expect(() => t.toArray()).toThrow(/disposed/);
  });

  it('views keep the storage alive after the base is disposed', () => {
    const before = live();
    const base = keel.tensor([1, 2, 3, 4]);
    const v = base.reshape([2, 2]);
    const u = base.unsqueeze(0);
    const d = base.detach();
    expect(live()).toBe(before + 1); // views share one block
    base.dispose();
    expect(live()).toBe(before + 1);
    expect(v.toArray()).toEqual([[1, 2], [3, 4]]);
    const ua = u.add(1);
    expect(ua.toArray()).toEqual([[2, 3, 4, 5]]);
    ua.dispose();
    expect(() => base.toArray()).toThrow(/disposed/);
    v.dispose();
    u.dispose();
    expect(d.toArray()).toEqual([1, 2, 3, 4]);
    d.dispose();
    expect(live()).toBe(before);
  });

  it('a view returned from tidy keeps its storage while intermediates go', () => {
    const before = live();
    const v = keel.tidy(() => keel.arange(6).float().mul(2).reshape([2, 3]));
    expect(live()).toBe(before + 1);
    expect(v.toArray()).toEqual([[0, 2, 4], [6, 8, 10]]);
    v.dispose();
    expect(live()).toBe(before);
  });

  it('ops do not leak temporaries (casts, broadcasts, scalars, non-contiguous inputs)', () => {
    const a = keel.ones([3, 1]);
    const i = keel.arange(4);
    const e = keel.tensor([[1], [2]]).expand([2, 4]);
    const before = live();
    const outs = [
      a.add(i), i.div(2), a.mul(2), keel.pow(2, a), i.add(0.5), e.exp(), e.sum({ dim: 1 }), e.matmul(keel.ones([4, 2])),
      e.softmax(1), e.gt(1), keel.where(e.gt(1), e, 0), e.t(), e.max(1).values, e.var(), e.std({ dim: 0 }), a.maximum(i),
    ];
    // each op leaves exactly its outputs (plus the two argument tensors made here, and the gt and indices)
    const extra = 3 /* ones([4,2]), e.gt(1) in where, max indices */;
    expect(live()).toBe(before + outs.length + extra);
    keel.dispose(outs);
  });
});

describe('training-like loop', () => {
  it('does not grow live tensors or bytes over 200 iterations', () => {
    keel.manualSeed(0);
    const w = keel.randn([16, 8], { requiresGrad: true });
    const b = keel.zeros([8], { requiresGrad: true });
    const x = keel.randn([32, 16]);
    const target = keel.randn([32, 8]);
    const counts: Array<[number, number]> = [];
    let firstLoss = 0, lastLoss = 0;
    for (let it = 0; it < 200; it++) {
      const loss = keel.tidy(() => {
        const pred = x.matmul(w).add(b).tanh();
        const l = pred.sub(target).square().mean();
        l.backward();
        keel.noGrad(() => {
          w.sub_(w.grad!.mul(0.1));
          b.sub_(b.grad!.mul(0.1));
        });
        w.grad!.zero_();
        b.grad!.zero_();
        return l.item();
      });
      if (it === 0) firstLoss = loss;
      lastLoss = loss;
      if (it >= 10) counts.push([live(), bytes()]);
    }
    expect(lastLoss).toBeLessThan(firstLoss);
    const [n0, b0] = counts[0];
    for (const [n, by] of counts) {
      expect(n).toBe(n0);
      expect(by).toBe(b0);
    }
  });

  it('does not grow when grads are disposed and reset to null each step', () => {
    const w = keel.ones([4, 4], { requiresGrad: true });
    const x = keel.ones([2, 4]);
    const counts: number[] = [];
    for (let it = 0; it < 50; it++) {
      keel.tidy(() => {
        x.matmul(w).sigmoid().sum().backward();
        keel.noGrad(() => w.sub_(w.grad!.mul(0.01)));
      });
      w.grad!.dispose();
      w.grad = null;
      counts.push(live());
    }
    expect(new Set(counts.slice(5)).size).toBe(1);
  });
});

describe('pool', () => {
  const original = keel.memory().poolLimit;
  afterAll(() => keel.setPoolLimit(original));

  it('keeps freed blocks for reuse and setPoolLimit(0) empties it', () => {
    keel.setPoolLimit(64 << 20);
    const size = 1 << 18; // 1 MiB of float32
    const t = keel.zeros([size]);
    const pooled0 = keel.memory().pooledBytes;
    t.dispose();
    const m1 = keel.memory();
    expect(m1.pooledBytes).toBeGreaterThanOrEqual(pooled0 + size * 4);
    expect(m1.pooledBlocks).toBeGreaterThan(0);
    expect(m1.poolLimit).toBe(64 << 20);
    // the same size again comes out of the pool
    const u = keel.empty([size]);
    expect(keel.memory().pooledBytes).toBeLessThan(m1.pooledBytes);
    u.dispose();
    keel.setPoolLimit(0);
    const m2 = keel.memory();
    expect(m2.pooledBytes).toBe(0);
    expect(m2.pooledBlocks).toBe(0);
    expect(m2.poolLimit).toBe(0);
    // with the pool off, a freed block is released at once
    keel.ones([size]).dispose();
    expect(keel.memory().pooledBytes).toBe(0);
  });

  it('pooled memory is zeroed where zeros are promised', () => {
    keel.setPoolLimit(64 << 20);
    const t = keel.full([4096], 3);
    t.dispose();
    const z = keel.zeros([4096]);
    expect(z.sum().item()).toBe(0);
    const s = keel.tensor([[1, 2]]).slice(0, 0, 1).mul(0);
    expect(s.toArray()).toEqual([[0, 0]]);
    z.dispose();
  });

  it('setPoolLimit validates its argument', () => {
    expect(() => keel.setPoolLimit(-1)).toThrow(TypeError);
    expect(() => keel.setPoolLimit(Number.NaN)).toThrow(TypeError);
    expect(() => keel.setPoolLimit('1' as never)).toThrow(TypeError);
  });
});

describe('GC fallback', () => {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;

  async function settle(target: number, maxRounds = 200): Promise<number> {
    for (let i = 0; i < maxRounds && live() > target; i++) {
      gc();
      await new Promise((r) => setImmediate(r));
    }
    return live();
  }

  async function drain(): Promise<number> {
    // collect garbage left by earlier tests until the count stops falling
    let prev = -1;
    for (let i = 0; i < 50 && live() !== prev; i++) {
      prev = live();
      for (let k = 0; k < 3; k++) {
        gc();
        await new Promise((r) => setImmediate(r));
      }
    }
    return live();
  }

  it('frees tensors dropped without dispose once they are collected', async () => {
    const base = await drain();
    const baseBytes = bytes();
    (() => {
      for (let i = 0; i < 100; i++) keel.ones([1000]).mul(2);
    })();
    expect(live()).toBe(base + 200);
    expect(bytes()).toBeGreaterThanOrEqual(baseBytes + 200 * 4000);
    expect(await settle(base)).toBeLessThanOrEqual(base);
  });

  it('frees dropped graphs (leaf, intermediates and grads)', async () => {
    const base = await drain();
    (() => {
      for (let i = 0; i < 20; i++) {
        const w = keel.ones([10, 10], { requiresGrad: true });
        w.matmul(keel.ones([10, 2])).relu().sum().backward();
      }
    })();
    expect(live()).toBeGreaterThan(base);
    expect(await settle(base)).toBeLessThanOrEqual(base);
  });

  it('disposing explicitly and then collecting does not double-free', async () => {
    const base = await drain();
    (() => {
      for (let i = 0; i < 50; i++) {
        const t = keel.ones([100]);
        const v = t.reshape([10, 10]);
        t.dispose();
        if (i % 2 === 0) v.dispose();
      }
    })();
    expect(await settle(base)).toBeLessThanOrEqual(base);
    // still functional afterwards
    expect(keel.ones([3]).sum().item()).toBe(3);
  });
});
