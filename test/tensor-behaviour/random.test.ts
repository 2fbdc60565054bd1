// The seeded generator: reproducibility, independence of draws, independence from the thread
// count and tensor size, state save/restore, argument checks, and rough distributions.
import { afterAll, describe, expect, it } from 'vitest';
import * as keel from '../../lib/index.js';

const bits = (t: keel.Tensor) => {
  const a = t.toTypedArray();
  return new Uint32Array(a.buffer, a.byteOffset, a.length);
};
const sameBits = (a: keel.Tensor, b: keel.Tensor) => {
  const x = bits(a), y = bits(b);
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
};

const threads0 = keel.getNumThreads();
afterAll(() => keel.setNumThreads(threads0));

type Draw = () => keel.Tensor;
const draws: Array<[string, Draw]> = [
  ['rand', () => keel.rand([1000])],
  ['randn', () => keel.randn([999])],
  ['randint', () => keel.randint(-5, 1000, [1000])],
  ['uniform', () => keel.uniform([1000], -2, 3)],
  ['normal', () => keel.normal([1000], 5, 0.5)],
  ['randLike', () => keel.randLike(keel.zeros([10, 10]))],
  ['randnLike', () => keel.randnLike(keel.zeros([3, 7]))],
];

describe('manualSeed', () => {
  it.each(draws)('%s is reproducible bit for bit', (_, draw) => {
    keel.manualSeed(1234);
    const a = draw();
    keel.manualSeed(1234);
    const b = draw();
    expect(sameBits(a, b)).toBe(true);
    keel.manualSeed(1235);
    const c = draw();
    expect(sameBits(a, c)).toBe(false);
  });

  it('a sequence of mixed draws replays identically', () => {
    const run = () => {
      keel.manualSeed(7);
      return [keel.rand([5]), keel.randn([3, 3]), keel.randint(0, 10, [7]), keel.rand([])];
    };
    const a = run(), b = run();
    a.forEach((t, i) => expect(sameBits(t, b[i])).toBe(true));
  });

  it('consecutive draws differ', () => {
    keel.manualSeed(99);
    const a = keel.rand([100]), b = keel.rand([100]);
    expect(sameBits(a, b)).toBe(false);
    const c = keel.randn([100]), d = keel.randn([100]);
    expect(sameBits(c, d)).toBe(false);
    // a 0-d draw advances the stream too
    const s1 = keel.rand([]), s2 = keel.rand([]);
    expect(s1.item()).not.toBe(s2.item());
  });

  it('does not depend on the thread count, for small and large (parallel) sizes', () => {
    for (const n of [17, 1000, 70_000, 300_001]) {
      const take = () => {
        keel.manualSeed(42);
        return [keel.rand([n]), keel.randn([n]), keel.randint(0, 1 << 20, [n])];
      };
      keel.setNumThreads(1);
      const one = take();
      keel.setNumThreads(2);
      const two = take();
      one.forEach((t, i) => expect(sameBits(t, two[i]), `n=${n} draw ${i}`).toBe(true));
      keel.dispose([one, two]);
    }
  });

  it('one large draw equals the same positions drawn in pieces', () => {
    // a counter-based stream: draw n values = offsets [offset, offset + n)
    keel.manualSeed(5);
    const whole = keel.rand([100_000]);
    keel.manualSeed(5);
    const a = keel.rand([70_000]);
    const b = keel.rand([30_000]);
    expect(sameBits(whole, keel.cat([a, b]))).toBe(true);
  });

  it('getRngState / setRngState replay a draw', () => {
    keel.manualSeed(3);
    keel.rand([10]);
    const state = keel.getRngState();
    const a = keel.randn([50]);
    keel.rand([10]);
    keel.setRngState(state);
    const b = keel.randn([50]);
    expect(sameBits(a, b)).toBe(true);
    expect(keel.initialSeed()).toBe(3);
    // the returned state is a copy
    state.offset = 0;
    expect(keel.getRngState().offset).not.toBe(0);
  });

  it('validates the seed', () => {
    expect(() => keel.manualSeed(-1)).toThrow(TypeError);
    expect(() => keel.manualSeed(1.5)).toThrow(/manualSeed/);
    expect(() => keel.manualSeed('1' as never)).toThrow(TypeError);
    expect(() => keel.manualSeed(Number.NaN)).toThrow(TypeError);
    keel.manualSeed(Number.MAX_SAFE_INTEGER);
    expect(keel.rand([2]).shape).toEqual([2]);
    keel.manualSeed(0);
  });

  it('requiresGrad option works on random tensors', () => {
    const r = keel.randn([3], { requiresGrad: true });
    expect(r.requiresGrad).toBe(true);
    expect(r.isLeaf).toBe(true);
  });
});

describe('distributions (100k samples)', () => {
  const N = 100_000;
  const stats = (t: keel.Tensor) => {
    const a = t.toFloat32Array();
    let s = 0, s2 = 0, mn = Infinity, mx = -Infinity;
    for (const v of a) {
      s += v;
      s2 += v * v;
      if (v < mn) mn = v;
      if (v > mx) mx = v;
    }
    const mean = s / a.length;
    return { mean, std: Math.sqrt(s2 / a.length - mean * mean), min: mn, max: mx };
  };

  it('rand is uniform on [0, 1)', () => {
    keel.manualSeed(11);
    const s = stats(keel.rand([N]));
    expect(s.mean).toBeGreaterThan(0.49);
    expect(s.mean).toBeLessThan(0.51);
    expect(s.std).toBeCloseTo(Math.sqrt(1 / 12), 2);
    expect(s.min).toBeGreaterThanOrEqual(0);
    expect(s.max).toBeLessThan(1);
  });

  it('randn is standard normal', () => {
    keel.manualSeed(12);
    const s = stats(keel.randn([N]));
    expect(Math.abs(s.mean)).toBeLessThan(0.02);
    expect(Math.abs(s.std - 1)).toBeLessThan(0.02);
    expect(Number.isFinite(s.min) && Number.isFinite(s.max)).toBe(true);
    expect(s.min).toBeLessThan(-3);
    expect(s.max).toBeGreaterThan(3);
  });

  it('normal and uniform honour their parameters', () => {
    keel.manualSeed(13);
    const n = stats(keel.normal([N], 5, 0.5));
    expect(Math.abs(n.mean - 5)).toBeLessThan(0.02);
    expect(Math.abs(n.std - 0.5)).toBeLessThan(0.02);
    const u = stats(keel.uniform([N], -2, 3));
    expect(u.min).toBeGreaterThanOrEqual(-2);
    expect(u.max).toBeLessThan(3);
    expect(Math.abs(u.mean - 0.5)).toBeLessThan(0.05);
  });

  it('randint stays in [low, high) and hits every value', () => {
    keel.manualSeed(14);
    const t = keel.randint(-3, 4, [N]);
    expect(t.dtype).toBe('int32');
    const a = t.toTypedArray();
    const counts = new Map<number, number>();
    for (const v of a) counts.set(v, (counts.get(v) ?? 0) + 1);
    expect([...counts.keys()].sort((x, y) => x - y)).toEqual([-3, -2, -1, 0, 1, 2, 3]);
    for (const c of counts.values()) expect(Math.abs(c / N - 1 / 7)).toBeLessThan(0.01);
    const single = keel.randint(5, 6, [100]).toTypedArray();
    expect(single.every((v) => v === 5)).toBe(true);
    const wide = keel.randint(-(2 ** 31), 2 ** 31, [1000]).toTypedArray();
    expect(wide.length).toBe(1000);
  });

  it('randint validates its bounds', () => {
    expect(() => keel.randint(5, 5, [2])).toThrow(RangeError);
    expect(() => keel.randint(0, 1.5, [2])).toThrow(RangeError);
    expect(() => keel.randint(0, 2 ** 32, [2])).toThrow(RangeError);
    expect(() => keel.rand([-1])).toThrow(RangeError);
  });
});
