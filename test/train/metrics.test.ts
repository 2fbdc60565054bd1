// Classification metrics on hand-made scores: accuracy, top-k (ties, NaN), the confusion
// matrix with precision/recall, and errors for mismatched shapes and bad targets.
import { describe, expect, it } from 'vitest';
import * as keel from '../../lib/index.js';
import { accuracy, ConfusionMatrix, predictions, targetRanks, topKAccuracy } from '../../lib/train/metrics.js';

const scores = () => keel.tensor([
  [0.1, 0.7, 0.2], // predicts 1
  [0.5, 0.3, 0.2], // predicts 0
  [0.2, 0.3, 0.5], // predicts 2
  [0.4, 0.4, 0.2], // tie 0/1: predicts 0 (first)
]);

describe('accuracy and top-k', () => {
  it('counts the samples whose best class is the target', () => {
    const out = scores();
    const y = keel.tensor([1, 0, 0, 1], { dtype: 'int32' });
    // Row 3's target 1 ties with class 0: ties count in the target's favour.
    expect(accuracy(out, y)).toBe(0.75);
    expect(Array.from(targetRanks(out, y))).toEqual([0, 0, 2, 0]);
    expect(topKAccuracy(out, y, 2)).toBe(0.75);
    expect(topKAccuracy(out, y, 3)).toBe(1);
    expect(Array.from(predictions(out))).toEqual([1, 0, 2, 0]);
  });

  it('ranks a NaN target score last', () => {
    const out = keel.tensor([[NaN, 1, 2]]);
    const y = keel.tensor([0], { dtype: 'int32' });
    expect(topKAccuracy(out, y, 2)).toBe(0);
    expect(topKAccuracy(out, y, 3)).toBe(0);
    expect(Array.from(predictions(out))).toEqual([2]);
  });

  it('rejects mismatched shapes, bad targets and bad k with named errors', () => {
    const out = scores();
    expect(() => accuracy(out, keel.tensor([1, 0], { dtype: 'int32' }))).toThrow(/target of shape \[4\].*\[2\]/);
    expect(() => accuracy(keel.zeros([4]), keel.tensor([1, 0, 0, 1], { dtype: 'int32' }))).toThrow(/output of shape \[N, C\]/);
    expect(() => accuracy(out, keel.tensor([1, 0, 3, 1], { dtype: 'int32' }))).toThrow(/target\[2\] = 3 is not a class index in \[0, 3\)/);
    expect(() => accuracy(out, keel.tensor([1, 0, 0.5, 1]))).toThrow(/target\[2\] = 0.5/);
    expect(() => topKAccuracy(out, keel.tensor([1, 0, 0, 1], { dtype: 'int32' }), 0)).toThrow(/positive integer for k/);
    expect(() => accuracy(null as never, out)).toThrow(/expected a Tensor for output/);
  });
});

describe('ConfusionMatrix', () => {
  it('accumulates batches into counts, precision and recall', () => {
    const cm = new ConfusionMatrix(3);
    cm.update(scores(), keel.tensor([1, 0, 0, 1], { dtype: 'int32' }));
    cm.update(keel.tensor([[0, 0, 1]]), keel.tensor([2], { dtype: 'int32' }));
    expect(cm.toArray()).toEqual([[1, 0, 1], [1, 1, 0], [0, 0, 1]]);
    expect(cm.total).toBe(5);
    expect(cm.accuracy()).toBeCloseTo(3 / 5);
    expect(cm.recall()).toEqual([0.5, 0.5, 1]);
    expect(cm.precision()).toEqual([0.5, 1, 0.5]);
    const text = cm.toString(['a', 'b', 'c']);
    expect(text.split('\n')).toHaveLength(4);
    expect(text).toContain('recall');
  });

  it('gives NaN precision for a never-predicted class and checks its inputs', () => {
    const cm = new ConfusionMatrix(2);
    cm.update(keel.tensor([[1, 0]]), keel.tensor([1], { dtype: 'int32' }));
    expect(Number.isNaN(cm.precision()[1])).toBe(true);
    expect(() => cm.update(keel.zeros([1, 3]), keel.tensor([0], { dtype: 'int32' }))).toThrow(/3 classes but the matrix has 2/);
    expect(() => new ConfusionMatrix(0)).toThrow(/positive integer/);
    expect(() => cm.toString(['x'])).toThrow(/expected 2 labels/);
  });
});
