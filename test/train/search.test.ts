// Hyperparameter search: grid and random points, k-fold index splits, ranking on a task where
// the answer is known (a zero learning rate cannot learn), k-fold refit, and input errors.
import { describe, expect, it } from 'vitest';
import * as keel from '../../lib/index.js';
import { TensorDataset } from '../../lib/data/dataset.js';
import { mlp } from '../../lib/models/mlp.js';
import { SGD } from '../../lib/optim/sgd.js';
import { formatTrials, gridPoints, kFoldIndices, randomPoints, search } from '../../lib/train/search.js';

function blobs(n: number, seed: number): TensorDataset {
  keel.manualSeed(seed);
  const y = keel.randint(0, 2, [n]);
  const x = keel.tidy(() => y.to('float32').mul(3).sub(1.5).unsqueeze(1).expand([n, 3]).add(keel.randn([n, 3])));
  return new TensorDataset(x, y);
}

const build = (p: Record<string, unknown>) => {
  const model = mlp({ inFeatures: 3, hidden: [8], numClasses: 2 });
  return { model, optimizer: new SGD(model.parameters(), { lr: p.lr as number, momentum: 0.9 }) };
};

describe('search points', () => {
  it('grid: every combination, first parameter slowest', () => {
    expect(gridPoints({ a: [1, 2], b: ['x', 'y', 'z'] })).toEqual([
      { a: 1, b: 'x' }, { a: 1, b: 'y' }, { a: 1, b: 'z' }, { a: 2, b: 'x' }, { a: 2, b: 'y' }, { a: 2, b: 'z' },
    ]);
    expect(() => gridPoints({ a: { min: 0, max: 1 } })).toThrow(/grid search needs a list/);
  });

  it('random: reproducible, inside the ranges, log-uniform when asked', () => {
    const space = { lr: { min: 1e-4, max: 1e-1, log: true }, units: { min: 8, max: 64, integer: true }, act: ['relu', 'tanh'] };
    const a = randomPoints(space, 200, 3);
    expect(randomPoints(space, 200, 3)).toEqual(a);
    expect(randomPoints(space, 200, 4)).not.toEqual(a);
    for (const p of a) {
      expect(p.lr).toBeGreaterThanOrEqual(1e-4);
      expect(p.lr).toBeLessThanOrEqual(1e-1);
      expect(Number.isInteger(p.units)).toBe(true);
      expect(['relu', 'tanh']).toContain(p.act);
    }
    // Log-uniform: about a third of the draws fall in each decade.
    const low = a.filter((p) => (p.lr as number) < 1e-3).length;
    expect(low).toBeGreaterThan(40);
    expect(low).toBeLessThan(95);
  });

  it('k-fold: disjoint validation folds that cover every sample once', () => {
    const folds = kFoldIndices(10, 3, 0);
    expect(folds.map(([, v]) => v.length)).toEqual([3, 3, 4]);
    const all = folds.flatMap(([, v]) => v).sort((x, y) => x - y);
    expect(all).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const [t, v] of folds) {
      expect(t.length + v.length).toBe(10);
      expect(t.filter((i) => v.includes(i))).toEqual([]);
    }
    expect(() => kFoldIndices(10, 1, 0)).toThrow(/integer in \[2, 10\] for folds/);
  });
});

describe('search', () => {
  const train = blobs(400, 0);

  it('ranks a learning setting above one that cannot learn and keeps its model', async () => {
    const result = await search({ space: { lr: [0, 0.05] }, build, train, epochs: 2, batchSize: 32, seed: 0, log: false });
    expect(result.ranked.map((t) => t.params.lr)).toEqual([0.05, 0]);
    expect(result.best.score).toBeGreaterThan(0.9);
    expect(result.ranked[1].score).toBeLessThan(result.best.score);
    expect(result.table.split('\n')).toHaveLength(4);
    expect(result.table).toMatch(/rank\s+trial\s+lr\s+val acc/);
    const x = keel.randn([5, 3]);
    expect(result.bestModel.forward(x).shape).toEqual([5, 2]);
    result.bestModel.dispose();
  });

  it('cross-validates with k folds and refits the winner on all the data', async () => {
    const lines: string[] = [];
    const result = await search({ space: { lr: [0.05, 0] }, build, train, folds: 3, epochs: 1, seed: 1, log: (l) => lines.push(l) });
    expect(result.best.params.lr).toBe(0.05);
    expect(result.best.foldScores).toHaveLength(3);
    expect(result.best.score).toBeCloseTo(result.best.foldScores!.reduce((a, b) => a + b) / 3, 12);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/trial 1\/2 lr=0.05\d*: valAccuracy \d+\.\d\d% \(mean of 3 folds\)/);
    result.bestModel.dispose();
  });

  it('is reproducible for a seed', async () => {
    const run = async () => (await search({ space: { lr: { min: 0.01, max: 0.1, log: true } }, strategy: 'random', trials: 2, build, train, epochs: 1, seed: 9, log: false }));
    const a = await run();
    const b = await run();
    expect(b.ranked.map((t) => [t.params, t.score])).toEqual(a.ranked.map((t) => [t.params, t.score]));
    a.bestModel.dispose();
    b.bestModel.dispose();
  });

  it('names what is wrong with its options', async () => {
    await expect(search({ space: {}, build, train })).rejects.toThrow(/space has no hyperparameters/);
    await expect(search({ space: { lr: [] }, build, train })).rejects.toThrow(/space.lr is an empty list/);
    await expect(search({ space: { lr: { min: 1, max: 0 } }, build, train })).rejects.toThrow(/min <= max for space.lr/);
    await expect(search({ space: { lr: { min: 0, max: 1, log: true } }, build, train })).rejects.toThrow(/log-scaled, so min must be > 0/);
    await expect(search({ space: { lr: [0.1] }, build: 3 as never, train })).rejects.toThrow(/expected a function for build/);
    await expect(search({ space: { lr: [0.1] }, build, train: [] as never })).rejects.toThrow(/expected a Dataset for train/);
    await expect(search({ space: { lr: [0.1] }, build, train, validationSplit: 2 })).rejects.toThrow(/fraction in \(0, 1\) for validationSplit/);
    await expect(search({ space: { lr: [0.1] }, build: () => ({}) as never, train, log: false })).rejects.toThrow(/build must return \{model, optimizer\}/);
  });

  it('formats an empty table', () => {
    expect(formatTrials([], 'valLoss')).toBe('(no trials)');
  });
});
