// Datasets, randomSplit and DataLoader: batching, shuffling, dropLast, determinism under
// manualSeed, and the TensorDataset fast path against the per-sample path.
import { describe, expect, it } from 'vitest';
import * as keel from '../../lib/index.js';
import * as data from '../../lib/data/index.js';

const arr = (t: keel.Tensor) => Array.from(t.toTypedArray());

// A dataset that is not a TensorDataset (forces the per-sample path + defaultCollate).
class Wrapped extends data.Dataset<keel.Tensor[]> {
  constructor(readonly inner: data.TensorDataset) {
    super();
  }
  get length() {
    return this.inner.length;
  }
  get(i: number) {
    return this.inner.get(i);
  }
}

function toy(n = 10) {
  const x = keel.arange(0, n * 6, 1, { dtype: 'float32' }).reshape([n, 2, 3]);
  const y = keel.arange(n);
  return new data.TensorDataset(x, y);
}

describe('TensorDataset / Subset', () => {
  it('indexes the first dimension', () => {
    const ds = toy();
    expect(ds.length).toBe(10);
    const [x, y] = ds.get(3);
    expect(x.shape).toEqual([2, 3]);
    expect(arr(x)).toEqual([18, 19, 20, 21, 22, 23]);
    expect(y.shape).toEqual([]);
    expect(y.item()).toBe(3);
    expect(ds.get(-1)[1].item()).toBe(9);
    expect(() => ds.get(10)).toThrow(/index 10 is out of range for a dataset of 10 samples/);
    expect(() => new data.TensorDataset(keel.zeros([3]), keel.zeros([4]))).toThrow(/size mismatch/);
    const sub = new data.Subset(ds, [4, 1]);
    expect(sub.length).toBe(2);
    expect(sub.get(1)[1].item()).toBe(1);
  });

  it('randomSplit partitions reproducibly (counts or fractions)', () => {
    const ds = toy(10);
    keel.manualSeed(1);
    const [a, b] = data.randomSplit(ds, [7, 3]);
    expect([a.length, b.length]).toEqual([7, 3]);
    expect([...a.indices, ...b.indices].sort((p, q) => p - q)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    keel.manualSeed(1);
    const [a2] = data.randomSplit(ds, [7, 3]);
    expect(a2.indices).toEqual(a.indices);
    const [f1, f2, f3] = data.randomSplit(ds, [0.5, 0.25, 0.25]);
    expect([f1.length, f2.length, f3.length]).toEqual([6, 2, 2]);
    // A private seed gives the same split and leaves the default generator alone.
    const before = keel.getRngState();
    const s1 = data.randomSplit(ds, [0.8, 0.2], { seed: 5 })[0].indices;
    expect(keel.getRngState()).toEqual(before);
    expect(data.randomSplit(ds, [0.8, 0.2], { seed: 5 })[0].indices).toEqual(s1);
    expect(() => data.randomSplit(ds, [5, 4])).toThrow(/must sum to the dataset length \(10\)/);
  });
});

describe('DataLoader', () => {
  it('batches in order, with length and dropLast', () => {
    const ds = toy(10);
    const loader = new data.DataLoader(ds, { batchSize: 4 });
    expect(loader.length).toBe(3);
    const batches = [...loader];
    expect(batches.map(([x]) => x.shape)).toEqual([[4, 2, 3], [4, 2, 3], [2, 2, 3]]);
    expect(batches.map(([, y]) => arr(y))).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
    expect(batches[0][1].dtype).toBe('int32');
    const dl = new data.DataLoader(ds, { batchSize: 4, dropLast: true });
    expect(dl.length).toBe(2);
    expect([...dl].length).toBe(2);
    expect(new data.DataLoader(ds).length).toBe(10);
    expect(() => new data.DataLoader(ds, { batchSize: 0 })).toThrow(/batchSize must be a positive integer/);
  });

  it('shuffles reproducibly after manualSeed, differently each epoch, covering every sample', () => {
    const ds = toy(50);
    const loader = new data.DataLoader(ds, { batchSize: 8, shuffle: true });
    const epoch = () => [...loader].flatMap(([, y]) => arr(y));
    keel.manualSeed(123);
    const e1 = epoch(), e2 = epoch();
    expect([...e1].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(e1).not.toEqual(e2);
    expect(e1).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
    keel.manualSeed(123);
    expect(epoch()).toEqual(e1);
    expect(epoch()).toEqual(e2);
  });

  it('the TensorDataset fast path equals the per-sample path', () => {
    const ds = toy(23);
    for (const shuffle of [false, true]) {
      keel.manualSeed(9);
      const fast = [...new data.DataLoader(ds, { batchSize: 5, shuffle })];
      keel.manualSeed(9);
      const slow = [...new data.DataLoader(new Wrapped(ds), { batchSize: 5, shuffle })];
      expect(fast.length).toBe(slow.length);
      fast.forEach(([x, y], i) => {
        expect(x.equal(slow[i][0])).toBe(true);
        expect(y.equal(slow[i][1])).toBe(true);
        expect(y.dtype).toBe(slow[i][1].dtype);
      });
    }
  });

  it('uses a custom collate and collates numbers and objects by default', () => {
    const ds = toy(6);
    const sums = [...new data.DataLoader(ds, { batchSize: 3, collate: (s) => s.map(([, y]) => y.item()) })];
    expect(sums).toEqual([[0, 1, 2], [3, 4, 5]]);
    const batch = data.defaultCollate([{ a: 1, b: 0.5 }, { a: 2, b: 1.5 }]);
    expect(batch.a.dtype).toBe('int32');
    expect(arr(batch.a)).toEqual([1, 2]);
    expect(batch.b.dtype).toBe('float32');
    expect(() => data.defaultCollate(['x'])).toThrow(/pass a collate function/);
  });

  it('does not leak the index tensors of the fast path', () => {
    const ds = toy(40);
    const loader = new data.DataLoader(ds, { batchSize: 8, shuffle: true });
    [...loader].forEach((b) => keel.dispose(b)); // warm up
    const before = keel.memory().numTensors;
    for (const b of loader) keel.dispose(b);
    expect(keel.memory().numTensors).toBe(before);
    const slow = new data.DataLoader(new Wrapped(ds), { batchSize: 8, shuffle: true });
    for (const b of slow) keel.dispose(b);
    expect(keel.memory().numTensors).toBe(before);
  });
});
