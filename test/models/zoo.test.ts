// The model zoo: stateDict keys, order and shapes and parameter counts against reference lists
// made by scripts/gen_model_keys.py (torchvision 0.14 for alexnet / vgg / googlenet / resnet18/34,
// plain torch.nn re-implementations for mlp, lenet5, resnet20), forward shapes on small inputs,
// loadStateDict round trips, and train()/eval() behaviour of the BatchNorm/Dropout inside.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import * as keel from '../../lib/index.js';
import type { Tensor } from '../../lib/index.js';
import * as nn from '../../lib/nn/index.js';
import * as models from '../../lib/models/index.js';

interface KeyFixture {
  model: string;
  source: 'torchvision' | 'torch.nn';
  numParameters: number;
  keys: Array<[string, number[]]>;
}

function fixture(name: string): KeyFixture {
  return JSON.parse(readFileSync(new URL(`../fixtures/models/${name}.json`, import.meta.url), 'utf8')) as KeyFixture;
}

const live: nn.Module[] = [];
function build<M extends nn.Module>(m: M): M {
  live.push(m);
  return m;
}
afterEach(() => {
  for (const m of live.splice(0)) m.dispose();
});

function shapeOf(m: nn.Module, shape: number[]): number[] {
  return keel.tidy(() => [...(m.forward(keel.randn(shape)) as Tensor).shape]);
}

// [fixture, factory, optional forward check on the same instance]. The VGGs skip torchvision's
// re-initialization (initWeights: false) to keep the test fast: building a 100M-weight
// classifier costs seconds; the keys and shapes do not depend on it.
const CASES: Array<[string, () => nn.Module, ((m: nn.Module) => void)?]> = [
  ['alexnet', () => models.alexnet(), (m) => {
    const drops = m.modules().filter((c) => c instanceof nn.Dropout);
    expect(drops.length).toBe(2);
    m.eval();
    expect(drops.every((d) => !d.training)).toBe(true);
    // 63x63 is the smallest input AlexNet accepts.
    expect(shapeOf(m, [1, 3, 63, 63])).toEqual([1, 1000]);
  }],
  ['vgg11', () => models.vgg11({ initWeights: false }), (m) => {
    expect(shapeOf(m.eval(), [1, 3, 32, 32])).toEqual([1, 1000]);
  }],
  ['vgg11_bn', () => models.vgg11({ batchNorm: true, initWeights: false }), (m) => {
    expect(shapeOf(m, [2, 3, 32, 32])).toEqual([2, 1000]);
  }],
  ['vgg16', () => models.vgg16({ initWeights: false })],
  ['vgg16_bn', () => models.vgg16({ batchNorm: true, initWeights: false })],
  ['googlenet', () => models.googlenet()],
  ['googlenet_aux', () => models.googlenet({ auxLogits: true })],
  ['resnet18', () => models.resnet18(), (m) => {
    expect(shapeOf(m, [1, 3, 64, 64])).toEqual([1, 1000]);
  }],
  ['resnet18_10', () => models.resnet18({ numClasses: 10 })],
  ['resnet34', () => models.resnet34(), (m) => {
    expect(shapeOf(m.eval(), [1, 3, 32, 32])).toEqual([1, 1000]);
  }],
  ['mlp', () => models.mlp()],
  ['lenet5', () => models.lenet5()],
  ['resnet20', () => models.resnet20()],
  ['resnet20_b', () => models.resnet20({ shortcut: 'B' })],
];

describe('stateDict keys, order, shapes and parameter counts match the reference', () => {
  for (const [name, make, check] of CASES) {
    it(name, () => {
      const ref = fixture(name);
      const model = build(make());
      const sd = model.stateDict();
      expect([...sd.entries()].map(([k, t]) => [k, [...t.shape]])).toEqual(ref.keys);
      expect(model.numParameters()).toBe(ref.numParameters);
      check?.(model);
    });
  }

  it('quotes the well-known counts', () => {
    expect(fixture('resnet18').numParameters).toBe(11_689_512);
    expect(fixture('resnet34').numParameters).toBe(21_797_672);
    expect(fixture('vgg16').numParameters).toBe(138_357_544);
    expect(fixture('alexnet').numParameters).toBe(61_100_840);
    expect(fixture('googlenet').numParameters).toBe(6_624_904);
    expect(fixture('resnet20').numParameters).toBe(269_722);
  });

  it('a stateDict from another instance loads strictly (the torchvision-weights path)', () => {
    const a = build(models.resnet18({ numClasses: 10 }));
    const b = build(models.resnet18({ numClasses: 10 }));
    const res = b.loadStateDict(a.stateDict());
    expect(res).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(b.conv1.weight.equal(a.conv1.weight)).toBe(true);
    const bnOf = (m: nn.Module) => m.getSubmodule('layer4.1.bn2') as nn.BatchNorm2d;
    expect(bnOf(b).runningVar!.equal(bnOf(a).runningVar!)).toBe(true);
  });

  it('googlenet without aux loads an aux stateDict non-strictly, reporting the aux keys', () => {
    const withAux = build(models.googlenet({ numClasses: 10, auxLogits: true }));
    const plain = build(models.googlenet({ numClasses: 10 }));
    const res = plain.loadStateDict(withAux.stateDict(), { strict: false });
    expect(res.missingKeys).toEqual([]);
    expect(res.unexpectedKeys.length).toBe(20);
    expect(res.unexpectedKeys.every((k) => k.startsWith('aux1.') || k.startsWith('aux2.'))).toBe(true);
  });
});

describe('forward shapes on small inputs', () => {
  it('mlp on [2, 1, 28, 28] and custom sizes', () => {
    expect(shapeOf(build(models.mlp()), [2, 1, 28, 28])).toEqual([2, 10]);
    const m = build(models.mlp({ inFeatures: 12, hidden: [5], numClasses: 3, dropout: 0.5 }));
    expect(m.length).toBe(5);
    expect(m.at(3)).toBeInstanceOf(nn.Dropout);
    expect(shapeOf(m, [4, 12])).toEqual([4, 3]);
  });

  it('lenet5 on [2, 1, 28, 28] and 3 input channels', () => {
    expect(shapeOf(build(models.lenet5()), [2, 1, 28, 28])).toEqual([2, 10]);
    expect(shapeOf(build(models.lenet5({ inChannels: 3, numClasses: 4 })), [1, 3, 28, 28])).toEqual([1, 4]);
    // inputSize sizes the first Linear: 32x32 leaves 6x6 maps (576 features), 12x12 leaves 1x1.
    const cifar = models.lenet5({ inChannels: 3, inputSize: 32 });
    expect(cifar.stateDict().get('classifier.1.weight')!.shape).toEqual([120, 576]);
    expect(shapeOf(build(cifar), [2, 3, 32, 32])).toEqual([2, 10]);
    expect(shapeOf(build(models.lenet5({ inputSize: 12 })), [1, 1, 12, 12])).toEqual([1, 10]);
  });

  it('resnet20 (option A and B) on [2, 3, 32, 32]', () => {
    expect(shapeOf(build(models.resnet20()), [2, 3, 32, 32])).toEqual([2, 10]);
    expect(shapeOf(build(models.resnet20({ shortcut: 'B', numClasses: 100 })), [2, 3, 32, 32])).toEqual([2, 100]);
  });

  it('googlenet on [1, 3, 96, 96], with aux heads in training', () => {
    const g = build(models.googlenet({ numClasses: 10, auxLogits: true }));
    keel.tidy(() => {
      const out = g.forwardWithAux(keel.randn([2, 3, 96, 96]));
      expect(out.logits.shape).toEqual([2, 10]);
      expect(out.auxLogits1!.shape).toEqual([2, 10]);
      expect(out.auxLogits2!.shape).toEqual([2, 10]);
      g.eval();
      const ev = g.forwardWithAux(keel.randn([1, 3, 96, 96]));
      expect(ev.auxLogits1).toBeNull();
      expect(ev.auxLogits2).toBeNull();
      expect(ev.logits.shape).toEqual([1, 10]);
    });
    expect(shapeOf(build(models.googlenet({ transformInput: true })).eval(), [1, 3, 96, 96])).toEqual([1, 1000]);
  });
});

describe('option-A shortcut', () => {
  it('subsamples by 2 and zero-pads channels equally on both sides', () => {
    const s = new models.PadShortcut(2, 4, 2);
    const x = keel.arange(0, 2 * 4 * 4).reshape([1, 2, 4, 4]);
    const y = s.forward(x);
    expect(y.shape).toEqual([1, 4, 2, 2]);
    expect([...y.toFloat32Array()]).toEqual([0, 0, 0, 0, 0, 2, 8, 10, 16, 18, 24, 26, 0, 0, 0, 0]);
    expect(s.numParameters()).toBe(0);
  });
});

describe('train() / eval() reach the BatchNorm and Dropout inside', () => {
  it('resnet20: eval() is deterministic and leaves running stats alone; train() updates them', () => {
    keel.manualSeed(3);
    const m = build(models.resnet20());
    const bn = m.bn1;
    const x = keel.randn([4, 3, 16, 16]);
    m.eval();
    expect(m.modules().every((c) => !c.training)).toBe(true);
    const before = bn.runningMean!.clone();
    const a = m.forward(x), b = m.forward(x);
    expect(a.equal(b)).toBe(true);
    expect(bn.runningMean!.equal(before)).toBe(true);
    expect(bn.numBatchesTracked!.item()).toBe(0);
    m.train();
    expect(m.modules().every((c) => c.training)).toBe(true);
    m.forward(x);
    expect(bn.runningMean!.equal(before)).toBe(false);
    expect(bn.numBatchesTracked!.item()).toBe(1);
    // Training mode normalizes with batch statistics, so the outputs differ from eval mode.
    m.eval();
    const c = m.forward(x);
    expect(c.equal(a)).toBe(false);
  });

  it('mlp with dropout: random in training, deterministic in eval', () => {
    keel.manualSeed(5);
    const m = build(models.mlp({ inFeatures: 16, hidden: [64, 64], numClasses: 4, dropout: 0.5 }));
    const x = keel.randn([8, 16]);
    expect(m.forward(x).equal(m.forward(x))).toBe(false);
    m.eval();
    expect(m.forward(x).equal(m.forward(x))).toBe(true);
  });

  it('googlenet BatchNorm/Dropout (aux heads included) follow the mode', () => {
    const g = build(models.googlenet({ numClasses: 3, auxLogits: true })).eval();
    expect(g.modules().filter((c) => c instanceof nn.BatchNorm2d || c instanceof nn.Dropout).every((c) => !c.training)).toBe(true);
  });

  it('trains: a few Adam steps on a fixed batch reduce the loss (lenet5)', () => {
    keel.manualSeed(11);
    const m = build(models.lenet5());
    const opt = new keel.optim.Adam(m.parameters(), { lr: 0.003 });
    const x = keel.randn([8, 1, 28, 28]);
    const y = keel.tensor([0, 1, 2, 3, 4, 5, 6, 7], { dtype: 'int32' });
    const loss = (): number => keel.tidy(() => {
      opt.zeroGrad();
      const l = nn.functional.crossEntropy(m.forward(x), y);
      l.backward();
      opt.step();
      return l.item();
    });
    const first = loss();
    let last = first;
    for (let i = 0; i < 20; i++) last = loss();
    expect(last).toBeLessThan(first * 0.5);
  });
});

describe('option errors name the factory', () => {
  it('rejects bad options', () => {
    expect(() => models.mlp({ numClasses: 0 })).toThrow(/mlp: .*numClasses/);
    expect(() => models.mlp({ dropout: 1 })).toThrow(/mlp: .*dropout/);
    expect(() => models.resnet20({ shortcut: 'C' as 'A' })).toThrow(/resnet20: .*shortcut/);
    expect(() => models.vgg11({ batchNorm: 1 as unknown as boolean })).toThrow(/vgg11: .*batchNorm/);
    expect(() => models.googlenet({ dropout: -0.1 })).toThrow(/googlenet: .*dropout/);
    expect(() => models.lenet5({ inputSize: 11 })).toThrow(/lenet5: expected an inputSize of at least 12 but received 11/);
    expect(() => models.createModel('lenet5', { numClasses: 10, inputShape: [1, 28, 30] })).toThrow(/lenet5 takes square images of at least 12x12 but the data is 28x30/);
    expect(() => models.createModel('alexnet', { numClasses: 10, inputShape: [1, 224, 224] })).toThrow(/alexnet takes 3-channel \(RGB\) input but the data has 1 channel/);
    expect(() => models.createModel('gpt', { numClasses: 10, inputShape: [1, 28, 28] })).toThrow(/unknown model 'gpt'; expected one of mlp, lenet5/);
    expect(models.createModel('lenet5', { numClasses: 10, inputShape: [3, 32, 32] }).forward(keel.zeros([1, 3, 32, 32])).shape).toEqual([1, 10]);
  });
});
