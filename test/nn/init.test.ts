// Weight initialization: PyTorch's fan and gain arithmetic, the default layer initializations
// (bounds and statistics), and reproducibility under keel.manualSeed.
import { describe, expect, it } from 'vitest';
import * as keel from '../../lib/index.js';
import * as nn from '../../lib/nn/index.js';

const { init } = nn;

function stats(t: keel.Tensor): { min: number; max: number; mean: number; std: number } {
  const v = t.toFloat32Array();
  let min = Infinity, max = -Infinity, s = 0, s2 = 0;
  for (const x of v) {
    min = Math.min(min, x);
    max = Math.max(max, x);
    s += x;
    s2 += x * x;
  }
  const mean = s / v.length;
  return { min, max, mean, std: Math.sqrt(s2 / v.length - mean * mean) };
}

describe('nn.init', () => {
  it('computes fans and gains as PyTorch', () => {
    expect(init.calculateFanInAndFanOut(keel.empty([5, 3]))).toEqual([3, 5]);
    expect(init.calculateFanInAndFanOut(keel.empty([16, 6, 5, 5]))).toEqual([150, 400]);
    expect(() => init.calculateFanInAndFanOut(keel.empty([5]))).toThrow(/fewer than 2 dimensions \(shape \[5\]\)/);
    expect(init.calculateGain('linear')).toBe(1);
    expect(init.calculateGain('conv2d')).toBe(1);
    expect(init.calculateGain('sigmoid')).toBe(1);
    expect(init.calculateGain('tanh')).toBeCloseTo(5 / 3, 12);
    expect(init.calculateGain('relu')).toBeCloseTo(Math.SQRT2, 12);
    expect(init.calculateGain('leakyRelu')).toBeCloseTo(Math.sqrt(2 / (1 + 0.01 ** 2)), 12);
    expect(init.calculateGain('leaky_relu', Math.sqrt(5))).toBeCloseTo(Math.sqrt(1 / 3), 12);
    expect(init.calculateGain('selu')).toBe(0.75);
    expect(() => init.calculateGain('swish' as 'relu')).toThrow("calculateGain: unsupported nonlinearity 'swish' of type string");
  });

  it('kaimingUniform_ / kaimingNormal_ / xavier*_ have the documented bounds and spread', () => {
    keel.manualSeed(0);
    const w = keel.empty([256, 400]);
    init.kaimingUniform_(w, { mode: 'fanIn', nonlinearity: 'relu' });
    let s = stats(w);
    const bound = Math.sqrt(3) * Math.SQRT2 / Math.sqrt(400);
    expect(s.max).toBeLessThanOrEqual(bound);
    expect(s.min).toBeGreaterThanOrEqual(-bound);
    expect(s.std).toBeCloseTo(bound / Math.sqrt(3), 3);
    init.kaimingNormal_(w, { mode: 'fanOut' });
    s = stats(w);
    expect(s.std).toBeCloseTo(Math.SQRT2 / Math.sqrt(256), 3);
    expect(Math.abs(s.mean)).toBeLessThan(0.003);
    init.xavierUniform_(w, 2);
    s = stats(w);
    const a = 2 * Math.sqrt(6 / (256 + 400));
    expect(s.max).toBeLessThanOrEqual(a);
    expect(s.max).toBeGreaterThan(0.99 * a);
    init.xavierNormal_(w);
    expect(stats(w).std).toBeCloseTo(Math.sqrt(2 / 656), 3);
    init.normal_(w, 3, 0.5);
    s = stats(w);
    expect(s.mean).toBeCloseTo(3, 2);
    expect(s.std).toBeCloseTo(0.5, 2);
    init.uniform_(w, -2, -1);
    s = stats(w);
    expect(s.min).toBeGreaterThanOrEqual(-2);
    expect(s.max).toBeLessThan(-1);
    init.constant_(w, 0.25);
    expect(stats(w)).toEqual({ min: 0.25, max: 0.25, mean: 0.25, std: 0 });
    const e = init.eye_(keel.empty([2, 3]));
    expect(e.toArray()).toEqual([[1, 0, 0], [0, 1, 0]]);
  });

  it('works on parameters (requiresGrad leaves) without recording a graph', () => {
    const fc = new nn.Linear(3, 2);
    init.ones_(fc.weight);
    init.zeros_(fc.bias!);
    expect(fc.weight.isLeaf).toBe(true);
    expect(fc.weight.toArray()).toEqual([[1, 1, 1], [1, 1, 1]]);
  });

  it('Linear and Conv default to U(±1/sqrt(fanIn)) for weight and bias', () => {
    keel.manualSeed(0);
    const fc = new nn.Linear(100, 300);
    for (const t of [fc.weight, fc.bias!]) {
      const s = stats(t);
      expect(s.max).toBeLessThanOrEqual(0.1);
      expect(s.min).toBeGreaterThanOrEqual(-0.1);
      expect(s.max).toBeGreaterThan(0.09);
    }
    expect(stats(fc.weight).std).toBeCloseTo(0.1 / Math.sqrt(3), 3);
    const conv = new nn.Conv2d(8, 64, 3, { groups: 2 });
    const bound = 1 / Math.sqrt(4 * 9);
    for (const t of [conv.weight, conv.bias!]) {
      const s = stats(t);
      expect(s.max).toBeLessThanOrEqual(bound);
      expect(s.min).toBeGreaterThanOrEqual(-bound);
    }
    expect(stats(conv.weight).max).toBeGreaterThan(0.95 * bound);
  });

  it('Embedding starts N(0, 1) with a zero padding row; BatchNorm at 1 / 0; PReLU at init', () => {
    keel.manualSeed(0);
    const emb = new nn.Embedding(1000, 16, { paddingIdx: -1 });
    expect(emb.paddingIdx).toBe(999);
    const s = stats(emb.weight);
    expect(s.std).toBeCloseTo(1, 1);
    expect(Math.abs(s.mean)).toBeLessThan(0.03);
    expect(emb.weight.slice(0, 999, 1000).toFloat32Array().every((v) => v === 0)).toBe(true);
    const bn = new nn.BatchNorm2d(3);
    expect(bn.weight!.toArray()).toEqual([1, 1, 1]);
    expect(bn.bias!.toArray()).toEqual([0, 0, 0]);
    expect(new nn.PReLU(2, 0.5).weight.toArray()).toEqual([0.5, 0.5]);
  });

  it('is reproducible under manualSeed', () => {
    keel.manualSeed(123);
    const a = new nn.Sequential(new nn.Conv2d(3, 4, 3), new nn.Linear(4, 2), new nn.Embedding(5, 2));
    keel.manualSeed(123);
    const b = new nn.Sequential(new nn.Conv2d(3, 4, 3), new nn.Linear(4, 2), new nn.Embedding(5, 2));
    const pa = a.parameters(), pb = b.parameters();
    pa.forEach((p, i) => expect(p.equal(pb[i])).toBe(true));
    const c = new nn.Linear(4, 2);
    expect(c.weight.equal(pa[2])).toBe(false);
  });
});
