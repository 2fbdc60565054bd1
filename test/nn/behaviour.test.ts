// Layer behaviour beyond the PyTorch fixtures: dropout statistics, BatchNorm mode handling,
// unbatched inputs, and configuration / input errors that name the module.
import { describe, expect, it } from 'vitest';
import * as keel from '../../lib/index.js';
import * as nn from '../../lib/nn/index.js';

describe('Dropout', () => {
  it('is the identity in eval mode', () => {
    const d = new nn.Dropout(0.4).eval();
    const x = keel.randn([10, 10]);
    expect(d.forward(x).equal(x)).toBe(true);
    const d2 = new nn.Dropout2d(0.4).eval();
    const x4 = keel.randn([2, 3, 4, 4]);
    expect(d2.forward(x4).equal(x4)).toBe(true);
  });

  it('in training zeroes about p of the elements and scales the rest by 1/(1-p)', () => {
    keel.manualSeed(7);
    const p = 0.3;
    const y = new nn.Dropout(p).forward(keel.ones([200, 500])).toFloat32Array();
    let zeros = 0;
    for (const v of y) {
      if (v === 0) zeros++;
      else expect(v).toBeCloseTo(1 / (1 - p), 6);
    }
    // 100000 Bernoulli draws: sd of the fraction ~0.0014.
    expect(Math.abs(zeros / y.length - p)).toBeLessThan(0.01);
  });

  it('Dropout2d drops whole channels', () => {
    keel.manualSeed(3);
    const p = 0.5;
    const y = new nn.Dropout2d(p).forward(keel.ones([50, 40, 3, 3]));
    const v = y.toFloat32Array();
    let dropped = 0;
    for (let ch = 0; ch < 2000; ch++) {
      const plane = v.subarray(ch * 9, ch * 9 + 9);
      expect(plane.every((x) => x === plane[0])).toBe(true);
      expect([0, 2]).toContain(plane[0]);
      if (plane[0] === 0) dropped++;
    }
    expect(Math.abs(dropped / 2000 - p)).toBeLessThan(0.05);
    expect(() => new nn.Dropout2d(0.5).forward(keel.ones([4, 4]))).toThrow('Dropout2d: expected a 3-D or 4-D input but got shape [4,4]');
  });

  it('passes gradients through the kept elements only', () => {
    keel.manualSeed(1);
    const x = keel.ones([1000], { requiresGrad: true });
    const y = new nn.Dropout(0.5).forward(x);
    y.sum().backward();
    expect(x.grad!.equal(y.detach())).toBe(true);
  });

  it('rejects p outside [0, 1]', () => {
    expect(() => new nn.Dropout(1.5)).toThrow('Dropout: dropout probability has to be between 0 and 1, but got 1.5 of type number');
    expect(() => new nn.Dropout2d(-0.1)).toThrow('Dropout2d: dropout probability has to be between 0 and 1');
  });
});

describe('BatchNorm modes', () => {
  it('training updates running stats and the batch count; eval leaves them', () => {
    keel.manualSeed(0);
    const bn = new nn.BatchNorm2d(2);
    const x = keel.randn([4, 2, 3, 3]).mul(2).add(1);
    bn.forward(x);
    expect(bn.numBatchesTracked!.item()).toBe(1);
    const mean = x.mean({ dim: [0, 2, 3] });
    expect(bn.runningMean!.allclose(mean.mul(0.1), { atol: 1e-6 })).toBe(true);
    const v = x.var({ dim: [0, 2, 3] });
    expect(bn.runningVar!.allclose(v.mul(0.1).add(0.9), { atol: 1e-5 })).toBe(true);
    bn.eval();
    const before = bn.runningMean!.toArray();
    bn.forward(x);
    expect(bn.runningMean!.toArray()).toEqual(before);
    expect(bn.numBatchesTracked!.item()).toBe(1);
  });

  it('momentum null averages all batches', () => {
    const bn = new nn.BatchNorm1d(1, { momentum: null, affine: false });
    bn.forward(keel.tensor([[1], [3]]));
    bn.forward(keel.tensor([[5], [7]]));
    expect(bn.runningMean!.toArray()).toEqual([4]);
    expect(bn.numBatchesTracked!.item()).toBe(2);
  });

  it('without running stats uses batch statistics in eval too', () => {
    const bn = new nn.BatchNorm1d(2, { trackRunningStats: false }).eval();
    expect(bn.runningMean).toBeNull();
    const y = bn.forward(keel.tensor([[1, 10], [3, 30]]));
    expect(y.allclose(keel.tensor([[-1, -1], [1, 1]]), { atol: 1e-3 })).toBe(true);
  });

  it('checks rank and channels, naming the module', () => {
    expect(() => new nn.BatchNorm2d(3).forward(keel.randn([2, 3, 4]))).toThrow('BatchNorm2d: expected a 4-D input but got shape [2,3,4]');
    expect(() => new nn.BatchNorm1d(3).forward(keel.randn([2, 3, 4, 4]))).toThrow('BatchNorm1d: expected a 2-D or 3-D input but got shape [2,3,4,4]');
    expect(() => new nn.BatchNorm1d(3).forward(keel.randn([2, 4]))).toThrow(
      'BatchNorm1d: expected an input with 3 channels (numFeatures) in dimension 1 but got shape [2,4]',
    );
    expect(() => new nn.BatchNorm1d(3).forward(keel.randn([1, 3]))).toThrow(/more than 1 value per channel when training/);
    expect(() => new nn.BatchNorm2d(0)).toThrow('BatchNorm2d: numFeatures must be a positive integer but received 0 of type number');
    expect(() => new nn.BatchNorm2d(3, { momentum: 2 })).toThrow('BatchNorm2d: momentum must be in [0, 1] or null but received 2 of type number');
  });
});

describe('configuration and input errors name the module', () => {
  it('Conv2d', () => {
    expect(() => new nn.Conv2d(3, 4, 3, { groups: 2 })).toThrow('Conv2d: inChannels (3) must be divisible by groups (2)');
    expect(() => new nn.Conv2d(4, 3, 3, { groups: 2 })).toThrow('Conv2d: outChannels (3) must be divisible by groups (2)');
    expect(() => new nn.Conv2d(3, 4, 3, { padding: -1 })).toThrow('Conv2d: padding must be non-negative integers but received [-1, -1]');
    expect(() => new nn.Conv2d(3, 4, [3, 0])).toThrow('Conv2d: kernelSize must be positive integers but received [3, 0]');
    expect(() => new nn.Conv2d(3, 4, 3, { stride: 0 })).toThrow('Conv2d: stride must be positive integers but received [0, 0]');
    expect(() => new nn.Conv2d(3, 4, 3, { padding: 'full' as 'same' })).toThrow("Conv2d: expected a number, 2 numbers, 'same' or 'valid' for padding but received 'full' of type string");
    expect(() => new nn.Conv2d(3, 4, 3, { padding: 'same', stride: 2 })).toThrow("Conv2d: padding='same' is not supported for strided convolutions (stride (2, 2))");
    expect(() => new nn.Conv2d(3, 4, [3, 3, 3] as unknown as number)).toThrow('Conv2d: expected a number or 2 numbers for kernelSize but received [3, 3, 3]');
    expect(() => new nn.Conv2d(0, 4, 3)).toThrow('Conv2d: inChannels must be a positive integer but received 0 of type number');
    const conv = new nn.Conv2d(3, 4, 3);
    expect(() => conv.forward(keel.randn([3, 8]))).toThrow('Conv2d: expected a 3-D or 4-D input but got shape [3,8]');
    expect(() => conv.forward(keel.randn([1, 2, 3, 4, 5]))).toThrow('Conv2d: expected a 3-D or 4-D input but got shape [1,2,3,4,5]');
    expect(() => conv.forward(keel.randn([1, 4, 8, 8]))).toThrow('Conv2d: expected an input with 3 channels (inChannels) but got shape [1,4,8,8]');
    expect(() => conv.forward(keel.randn([1, 3, 2, 8]))).toThrow(/Conv2d: the input's spatial size \[2,8\] .* is smaller than the kernel \[3,3\]/);
    expect(() => conv.forward([1, 2] as unknown as keel.Tensor)).toThrow('Conv2d: expected a Tensor for input but received an Array');
  });

  it('Conv1d, Linear, Embedding, PReLU, pooling, activations', () => {
    expect(() => new nn.Conv1d(3, 4, 3).forward(keel.randn([1, 3, 5, 5]))).toThrow('Conv1d: expected a 2-D or 3-D input but got shape [1,3,5,5]');
    expect(() => new nn.Linear(4, 2).forward(keel.randn([3, 5]))).toThrow('Linear: expected an input with last dimension 4 (inFeatures) but got shape [3,5]');
    expect(() => new nn.Linear(-1, 2)).toThrow('Linear: inFeatures must be a non-negative integer but received -1 of type number');
    expect(() => new nn.Embedding(5, 2).forward(keel.tensor([1.5]))).toThrow('Embedding: expected an int32 tensor of indices but received float32 of shape [1]');
    expect(() => new nn.Embedding(5, 2, { paddingIdx: 5 })).toThrow('Embedding: paddingIdx (5) must be within numEmbeddings (5)');
    expect(() => new nn.Embedding(5, 2).forward(keel.tensor([7], { dtype: 'int32' }))).toThrow(/embedding/);
    expect(() => new nn.PReLU(3).forward(keel.randn([2, 4]))).toThrow('PReLU: expected an input with 3 channels (numParameters) in dimension 1 but got shape [2,4]');
    expect(() => new nn.MaxPool2d(2, { padding: 2 })).toThrow('MaxPool2d: padding (2, 2) should be at most half of the kernel size (2, 2)');
    expect(() => new nn.MaxPool2d(2).forward(keel.randn([4]))).toThrow('MaxPool2d: expected a 3-D or 4-D input but got shape [4]');
    expect(() => new nn.AvgPool2d(2, { divisorOverride: 0 })).toThrow('AvgPool2d: divisorOverride must be a positive integer but received 0 of type number');
    expect(() => new nn.AdaptiveAvgPool2d(0)).toThrow('AdaptiveAvgPool2d: expected a positive integer or a pair of them (or null) for outputSize but received 0 of type number');
    expect(() => new nn.Softmax(undefined as unknown as number)).toThrow('Softmax: expected an integer for dim but received undefined');
    expect(() => new nn.GELU({ approximate: 'fast' as 'tanh' })).toThrow("GELU: expected 'none' or 'tanh' for approximate but received 'fast' of type string");
    expect(() => new nn.ReLU().forward(null as unknown as keel.Tensor)).toThrow('ReLU: expected a Tensor for input but received null');
  });
});

describe('shapes', () => {
  it('unbatched Conv1d/Conv2d/pooling inputs give unbatched outputs', () => {
    expect(new nn.Conv2d(3, 5, 3, { padding: 'same' }).forward(keel.randn([3, 6, 7])).shape).toEqual([5, 6, 7]);
    expect(new nn.Conv1d(3, 5, 3).forward(keel.randn([3, 6])).shape).toEqual([5, 4]);
    expect(new nn.MaxPool2d(2).forward(keel.randn([3, 6, 6])).shape).toEqual([3, 3, 3]);
    expect(new nn.AdaptiveAvgPool2d([null, 2]).forward(keel.randn([1, 3, 5, 6])).shape).toEqual([1, 3, 5, 2]);
  });

  it('MaxPool2d with returnIndices gives [values, indices]', () => {
    const [values, indices] = new nn.MaxPool2d(2, { returnIndices: true }).forward(keel.tensor([[[[1, 5], [3, 2]]]])) as keel.Tensor[];
    expect(values.toArray()).toEqual([[[[5]]]]);
    expect(indices.toArray()).toEqual([[[[1]]]]);
  });

  it('Flatten / Unflatten / Identity', () => {
    const x = keel.randn([2, 3, 4, 5]);
    expect(new nn.Flatten().forward(x).shape).toEqual([2, 60]);
    expect(new nn.Flatten(0, 2).forward(x).shape).toEqual([24, 5]);
    expect(new nn.Unflatten(1, [3, -1]).forward(keel.randn([2, 12])).shape).toEqual([2, 3, 4]);
    expect(new nn.Identity(1, 'ignored').forward(x)).toBe(x);
  });

  it('Embedding.fromPretrained copies and freezes by default', () => {
    const w = keel.tensor([[1, 2], [3, 4]]);
    const emb = nn.Embedding.fromPretrained(w);
    expect(emb.weight.requiresGrad).toBe(false);
    expect(emb.forward(keel.tensor([1, 0], { dtype: 'int32' })).toArray()).toEqual([[3, 4], [1, 2]]);
    expect(nn.Embedding.fromPretrained(w, { freeze: false }).weight.requiresGrad).toBe(true);
  });
});
