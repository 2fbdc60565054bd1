// Image batch transforms: shapes, values, and determinism under manualSeed.
import { describe, expect, it } from 'vitest';
import * as keel from '../../lib/index.js';
import { transforms as T } from '../../lib/data/index.js';

const arr = (t: keel.Tensor) => Array.from(t.toTypedArray());

describe('transforms', () => {
  it('normalize works per channel on batches and single images', () => {
    const x = keel.tensor([[[[1, 2]], [[3, 5]]]]); // [1, 2, 1, 2]
    const y = T.normalize([1, 3], [2, 0.5])(x);
    expect(y.shape).toEqual([1, 2, 1, 2]);
    expect(arr(y)).toEqual([0, 0.5, 0, 4]);
    expect(arr(T.normalize([1, 3], [2, 0.5])(x.reshape([2, 1, 2])))).toEqual([0, 0.5, 0, 4]);
    expect(() => T.normalize([0, 0, 0], [1, 1, 1])(x)).toThrow(/3 channel statistics for images with 2 channels/);
    expect(() => T.normalize([0], [0])).toThrow(/non-zero/);
  });

  it('randomHorizontalFlip mirrors a seeded subset of the images', () => {
    const x = keel.arange(0, 8 * 2 * 3 * 4, 1, { dtype: 'float32' }).reshape([8, 2, 3, 4]);
    keel.manualSeed(3);
    const y = T.randomHorizontalFlip()(x);
    expect(y.shape).toEqual(x.shape);
    let flips = 0;
    const xs = arr(x), ys = arr(y);
    for (let n = 0; n < 8; n++) {
      const img = xs.slice(n * 24, n * 24 + 24), out = ys.slice(n * 24, n * 24 + 24);
      const mirrored = img.map((_, k) => img[k - (k % 4) + 3 - (k % 4)]);
      if (out.every((v, k) => v === mirrored[k])) flips++;
      else expect(out).toEqual(img);
    }
    expect(flips).toBeGreaterThan(0);
    expect(flips).toBeLessThan(8);
    keel.manualSeed(3);
    expect(T.randomHorizontalFlip()(x).equal(y)).toBe(true);
    expect(arr(T.randomHorizontalFlip(1)(x.reshape([8 * 2, 3, 4]).narrow(0, 0, 1).reshape([1, 3, 4])))).toEqual([3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8]);
    expect(T.randomHorizontalFlip(0)(x).equal(x)).toBe(true);
  });

  it('randomCrop takes seeded windows of the padded images', () => {
    const n = 6;
    const x = keel.rand([n, 3, 8, 8]);
    keel.manualSeed(11);
    const crop = T.randomCrop(8, { padding: 2 });
    const y = crop(x);
    expect(y.shape).toEqual([n, 3, 8, 8]);
    keel.manualSeed(11);
    expect(crop(x).equal(y)).toBe(true);
    // Every output must be a window of the padded input at one offset shared by its channels.
    const padded = keel.pad(x, [2, 2, 2, 2]);
    const ps = arr(padded), ys = arr(y);
    const offsets = new Set<string>();
    for (let i = 0; i < n; i++) {
      let found = false;
      for (let oy = 0; oy <= 4 && !found; oy++) {
        for (let ox = 0; ox <= 4 && !found; ox++) {
          let ok = true;
          for (let c = 0; c < 3 && ok; c++) {
            for (let r = 0; r < 8 && ok; r++) {
              for (let q = 0; q < 8 && ok; q++) ok = ys[((i * 3 + c) * 8 + r) * 8 + q] === ps[((i * 3 + c) * 12 + r + oy) * 12 + q + ox];
            }
          }
          if (ok) {
            found = true;
            offsets.add(`${oy},${ox}`);
          }
        }
      }
      expect(found).toBe(true);
    }
    expect(offsets.size).toBeGreaterThan(1);
    expect(T.randomCrop([4, 5])(x).shape).toEqual([n, 3, 4, 5]);
    expect(T.randomCrop(8)(x).equal(x)).toBe(true);
    expect(() => T.randomCrop(9)(x)).toThrow(/crop 9x9 is larger than the padded image 8x8/);
  });

  it('compose chains transforms without leaking intermediates', () => {
    const x = keel.rand([4, 3, 8, 8]);
    const t = T.compose([T.randomCrop(8, { padding: 1 }), T.randomHorizontalFlip(), T.normalize([0.5, 0.5, 0.5], [0.25, 0.25, 0.25])]);
    keel.manualSeed(2);
    const y = t(x);
    expect(y.shape).toEqual([4, 3, 8, 8]);
    keel.manualSeed(2);
    const before = keel.memory().numTensors;
    const y2 = t(x);
    expect(keel.memory().numTensors).toBe(before + 1);
    expect(y2.equal(y)).toBe(true);
    expect(x.isDisposed).toBe(false);
  });
});
