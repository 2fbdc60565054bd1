// Module mechanics: registration, traversal order and names, stateDict keys against PyTorch
// (test/fixtures/nn/models.json), loadStateDict round trips and errors, modes, zeroGrad, apply,
// printing, and memory (parameters survive tidy()).
import { describe, expect, it } from 'vitest';
import * as keel from '../../lib/index.js';
import type { Tensor } from '../../lib/index.js';
import * as nn from '../../lib/nn/index.js';
import { buildModule, loadFixture, type ModelCase } from './helpers.js';

const { models } = loadFixture<{ models: ModelCase[] }>('models');

class Net extends nn.Module {
  declare fc1: nn.Linear;
  declare bn: nn.BatchNorm1d;
  declare fc2: nn.Linear;
  declare scale: Tensor;
  constructor() {
    super();
    this.registerModule('fc1', new nn.Linear(4, 8));
    this.registerModule('bn', new nn.BatchNorm1d(8));
    this.registerModule('fc2', new nn.Linear(8, 2));
    this.registerParameter('scale', keel.ones([2]));
  }
  override forward(x: Tensor): Tensor {
    return this.fc2.forward(this.bn.forward(this.fc1.forward(x)).relu()).mul(this.scale);
  }
}

describe('stateDict keys, shapes and parameter counts match PyTorch', () => {
  for (const c of models) {
    it(c.name, () => {
      const m = buildModule(c.spec);
      const sd = m.stateDict();
      expect([...sd.keys()]).toEqual(c.keys);
      expect([...sd.values()].map((t) => [...t.shape])).toEqual(c.shapes);
      expect(m.namedParameters().map(([n]) => n)).toEqual(c.parameterNames);
      expect(m.numParameters()).toBe(c.numParameters);
      m.dispose();
    });
  }

  it('Linear(784, 512) has 401920 parameters', () => {
    expect(new nn.Linear(784, 512).numParameters()).toBe(401920);
  });

  it('a small CNN gives features.0.weight, features.1.running_mean, features.1.num_batches_tracked, ...', () => {
    const model = new nn.Sequential({
      features: new nn.Sequential(new nn.Conv2d(1, 4, 3), new nn.BatchNorm2d(4), new nn.ReLU()),
      classifier: new nn.Linear(4, 2),
    });
    expect([...model.stateDict().keys()]).toEqual([
      'features.0.weight', 'features.0.bias', 'features.1.weight', 'features.1.bias', 'features.1.running_mean', 'features.1.running_var',
      'features.1.num_batches_tracked', 'classifier.weight', 'classifier.bias',
    ]);
    const nbt = model.stateDict().get('features.1.num_batches_tracked')!;
    expect(nbt.dtype).toBe('int32');
    expect(nbt.shape).toEqual([]);
  });
});

describe('registration and traversal', () => {
  it('a custom module lists parameters, buffers and children in registration order', () => {
    const net = new Net();
    expect(net.namedParameters().map(([n]) => n)).toEqual(['scale', 'fc1.weight', 'fc1.bias', 'bn.weight', 'bn.bias', 'fc2.weight', 'fc2.bias']);
    expect(net.parameters()).toHaveLength(7);
    expect(net.namedBuffers().map(([n]) => n)).toEqual(['bn.running_mean', 'bn.running_var', 'bn.num_batches_tracked']);
    expect(net.namedChildren().map(([n]) => n)).toEqual(['fc1', 'bn', 'fc2']);
    expect(net.children()).toEqual([net.fc1, net.bn, net.fc2]);
    expect(net.namedModules().map(([n]) => n)).toEqual(['', 'fc1', 'bn', 'fc2']);
    expect(net.modules()[0]).toBe(net);
    expect(net.namedParameters({ recurse: false }).map(([n]) => n)).toEqual(['scale']);
    expect(net.namedParameters({ prefix: 'model' })[1][0]).toBe('model.fc1.weight');
    expect([...net.stateDict().keys()]).toEqual([
      'scale', 'fc1.weight', 'fc1.bias', 'bn.weight', 'bn.bias', 'bn.running_mean', 'bn.running_var', 'bn.num_batches_tracked',
      'fc2.weight', 'fc2.bias',
    ]);
    expect(net.getSubmodule('bn')).toBe(net.bn);
    expect(() => net.getSubmodule('bn.nope')).toThrow("getSubmodule: BatchNorm1d has no submodule 'nope' (in 'bn.nope')");
    const y = net.call(keel.randn([3, 4]));
    expect(y.shape).toEqual([3, 2]);
  });

  it('parameters require grad, are leaves, and camelCase accessors reach snake_case names', () => {
    const bn = new nn.BatchNorm2d(3);
    expect(bn.weight!.requiresGrad).toBe(true);
    expect(bn.weight!.isLeaf).toBe(true);
    expect(bn.runningMean).toBe(bn._buffers.get('running_mean'));
    expect(bn.numBatchesTracked!.item()).toBe(0);
    expect(bn.runningVar!.toArray()).toEqual([1, 1, 1]);
    expect(bn.runningMean!.requiresGrad).toBe(false);
  });

  it('assigning to a registered property re-registers it', () => {
    const fc = new nn.Linear(2, 3);
    const w = keel.zeros([3, 2]);
    fc.weight = w;
    expect(fc.parameters()[0]).toBe(w);
    expect(w.requiresGrad).toBe(true);
    fc.bias = null;
    expect(fc.namedParameters().map(([n]) => n)).toEqual(['weight']);
    expect([...fc.stateDict().keys()]).toEqual(['weight']);
    expect(fc.toString()).toBe('Linear(inFeatures=2, outFeatures=3, bias=false)');
  });

  it('shared parameters and modules are listed once', () => {
    const fc = new nn.Linear(3, 3);
    const seq = new nn.Sequential(fc, new nn.ReLU(), fc);
    expect(seq.parameters()).toHaveLength(2);
    expect(seq.modules()).toHaveLength(3);
    expect(seq.numParameters()).toBe(12);
  });

  it('non-persistent buffers stay out of stateDict', () => {
    class WithCache extends nn.Module {
      constructor() {
        super();
        this.registerBuffer('table', keel.arange(0, 4));
        this.registerBuffer('cache', keel.zeros([2]), { persistent: false });
      }
    }
    const m = new WithCache();
    expect(m.namedBuffers().map(([n]) => n)).toEqual(['table', 'cache']);
    expect([...m.stateDict().keys()]).toEqual(['table']);
  });

  it('rejects bad registrations with errors naming the problem', () => {
    class Bad extends nn.Module {}
    const m = new Bad();
    m.registerParameter('w', keel.zeros([2]));
    expect(() => m.registerBuffer('w', keel.zeros([2]))).toThrow("registerBuffer: 'w' is already registered as a parameter of Bad");
    expect(() => m.registerParameter('a.b', keel.zeros([2]))).toThrow('registerParameter: name can\'t contain "." (got \'a.b\')');
    expect(() => m.registerParameter('', keel.zeros([2]))).toThrow("registerParameter: name can't be empty");
    expect(() => m.registerModule('train', new nn.ReLU())).toThrow("registerModule: attribute 'train' already exists on Bad");
    const x = keel.randn([2], { requiresGrad: true });
    expect(() => m.registerParameter('y', x.mul(2))).toThrow("registerParameter: 'y' must be a leaf tensor (it was computed by mul); register a detach()ed copy");
    expect(() => m.registerParameter('i', keel.zeros([2], { dtype: 'int32' }))).toThrow("registerParameter: parameters must be float32 but 'i' is int32");
    expect(() => m.registerModule('m', {} as nn.Module)).toThrow("registerModule: expected a Module or null for 'm' but received an object");
    expect(() => m.forward(x)).toThrow('Bad: forward() is not implemented; subclasses of Module must override it');
  });
});

describe('loadStateDict', () => {
  it('round trips: a fresh model given the state produces the same outputs', () => {
    keel.manualSeed(1);
    const a = new Net();
    a.train();
    a.forward(keel.randn([5, 4])); // moves the running stats and the batch count
    a.eval();
    keel.manualSeed(2);
    const b = new Net().eval();
    const x = keel.randn([3, 4]);
    expect(a.forward(x).allclose(b.forward(x))).toBe(false);
    const result = b.loadStateDict(a.stateDict());
    expect(result).toEqual({ missingKeys: [], unexpectedKeys: [] });
    expect(b.forward(x).equal(a.forward(x))).toBe(true);
    expect(b.bn.numBatchesTracked!.item()).toBe(1);
    // Copies, not aliases: changing a afterwards leaves b alone.
    keel.noGrad(() => a.fc1.weight.fill_(0));
    expect(b.fc1.weight.toFloat32Array().some((v) => v !== 0)).toBe(true);
  });

  it('accepts a plain object', () => {
    const fc = new nn.Linear(2, 1);
    fc.loadStateDict({ weight: keel.tensor([[1, 2]]), bias: keel.tensor([3]) });
    expect(fc.forward(keel.tensor([[1, 1]])).toArray()).toEqual([[6]]);
  });

  it('stateDict values are detached views of the live tensors', () => {
    const fc = new nn.Linear(2, 1);
    const sd = fc.stateDict();
    expect(sd.get('weight')!.requiresGrad).toBe(false);
    keel.noGrad(() => fc.weight.fill_(7));
    expect(sd.get('weight')!.toArray()).toEqual([[7, 7]]);
    expect(fc.stateDict({ keepVars: true }).get('weight')).toBe(fc.weight);
  });

  it('strict mode lists missing and unexpected keys; nothing is copied on error', () => {
    const fc = new nn.Linear(2, 1);
    const before = fc.weight.toArray();
    expect(() => fc.loadStateDict({ weight: keel.zeros([1, 2]), extra: keel.zeros([1]) })).toThrow(
      'loadStateDict: 2 errors loading the state dict of Linear:\n  missing key(s) in state dict: "bias"\n  unexpected key(s) in state dict: "extra"',
    );
    expect(fc.weight.toArray()).toEqual(before);
    expect(() => fc.loadStateDict({ weight: keel.zeros([1, 2]) })).toThrow('loadStateDict: missing key(s) in state dict: "bias"');
  });

  it('strict: false reports the differences and loads the rest', () => {
    const fc = new nn.Linear(2, 1);
    const r = fc.loadStateDict({ weight: keel.zeros([1, 2]), 'other.weight': keel.zeros([1]) }, { strict: false });
    expect(r).toEqual({ missingKeys: ['bias'], unexpectedKeys: ['other.weight'] });
    expect(fc.weight.toArray()).toEqual([[0, 0]]);
  });

  it('size mismatches always throw, naming the key and both shapes', () => {
    const model = new nn.Sequential({ features: new nn.Sequential(new nn.Conv2d(1, 6, 5)) });
    const other = new nn.Sequential({ features: new nn.Sequential(new nn.Conv2d(3, 6, 5)) });
    const msg = 'loadStateDict: size mismatch for features.0.weight: expected [6,1,5,5] but got [6,3,5,5]';
    expect(() => model.loadStateDict(other.stateDict())).toThrow(msg);
    expect(() => model.loadStateDict(other.stateDict(), { strict: false })).toThrow(msg);
    expect(() => model.loadStateDict({ 'features.0.weight': 3 as unknown as Tensor }, { strict: false })).toThrow(
      'loadStateDict: expected a Tensor for features.0.weight but received 3 of type number',
    );
  });

  it('loads int32 and float buffers, converting dtype like copy_', () => {
    const bn = new nn.BatchNorm1d(2);
    const sd = bn.stateDict();
    sd.set('num_batches_tracked', keel.scalar(9, 'int32'));
    sd.set('running_mean', keel.tensor([0.5, -0.5]));
    bn.loadStateDict(sd);
    expect(bn.numBatchesTracked!.item()).toBe(9);
    expect(bn.runningMean!.toArray()).toEqual([0.5, -0.5]);
  });
});

describe('modes, gradients and utilities', () => {
  it('train()/eval() set the mode on every descendant', () => {
    const net = new Net();
    expect(net.training && net.bn.training).toBe(true);
    expect(net.eval()).toBe(net);
    expect(net.modules().every((m) => !m.training)).toBe(true);
    net.train();
    expect(net.modules().every((m) => m.training)).toBe(true);
    expect(() => net.train('no' as unknown as boolean)).toThrow("train: expected a boolean for mode but received 'no' of type string");
  });

  it('zeroGrad() sets gradients to null (and frees them); setToNone: false zeroes in place', () => {
    const net = new Net();
    net.forward(keel.randn([3, 4])).sum().backward();
    const grads = net.parameters().map((p) => p.grad);
    expect(grads.every((g) => g !== null)).toBe(true);
    net.zeroGrad();
    expect(net.parameters().every((p) => p.grad === null)).toBe(true);
    expect(grads.every((g) => g!.isDisposed)).toBe(true);
    net.forward(keel.randn([3, 4])).sum().backward();
    net.zeroGrad({ setToNone: false });
    for (const p of net.parameters()) expect(p.grad!.toFloat32Array().every((v) => v === 0)).toBe(true);
  });

  it('apply() visits children before their parent and returns the module', () => {
    const net = new Net();
    const seen: string[] = [];
    expect(net.apply((m) => seen.push(m.constructor.name))).toBe(net);
    expect(seen).toEqual(['Linear', 'BatchNorm1d', 'Linear', 'Net']);
    net.apply((m) => {
      if (m instanceof nn.Linear) nn.init.zeros_(m.weight);
    });
    expect(net.fc1.weight.toFloat32Array().every((v) => v === 0)).toBe(true);
  });

  it('requiresGrad_(false) freezes; numParameters({onlyTrainable}) counts the rest', () => {
    const net = new Net();
    net.fc1.requiresGrad_(false);
    expect(net.numParameters()).toBe(4 * 8 + 8 + 16 + 8 * 2 + 2 + 2);
    expect(net.numParameters({ onlyTrainable: true })).toBe(16 + 8 * 2 + 2 + 2);
  });

  it('parameters survive tidy() and the forward intermediates do not', () => {
    const before = keel.memory().numTensors;
    const model = keel.tidy(() => {
      const m = new nn.Sequential(new nn.Linear(4, 8), new nn.ReLU(), new nn.Linear(8, 2));
      keel.tidy(() => m.forward(keel.randn([2, 4])).sum());
      return m;
    });
    expect(model.parameters().every((p) => !p.isDisposed)).toBe(true);
    expect(keel.memory().numTensors - before).toBe(4);
    model.forward(keel.randn([1, 4]));
    model.dispose();
    expect(model.parameters().every((p) => p.isDisposed)).toBe(true);
  });

  it('prints like PyTorch', () => {
    const model = new nn.Sequential({
      features: new nn.Sequential(new nn.Conv2d(1, 6, 5, { padding: 2 }), new nn.BatchNorm2d(6), new nn.ReLU(), new nn.MaxPool2d(2)),
      classifier: new nn.Sequential(new nn.Flatten(), new nn.Dropout(0.5), new nn.Linear(1176, 10)),
    });
    expect(model.toString()).toBe(
      [
        'Sequential(',
        '  (features): Sequential(',
        '    (0): Conv2d(1, 6, kernelSize=(5, 5), stride=(1, 1), padding=(2, 2))',
        '    (1): BatchNorm2d(6, eps=0.00001, momentum=0.1, affine=true, trackRunningStats=true)',
        '    (2): ReLU()',
        '    (3): MaxPool2d(kernelSize=2, stride=2, padding=0, dilation=1, ceilMode=false)',
        '  )',
        '  (classifier): Sequential(',
        '    (0): Flatten(startDim=1, endDim=-1)',
        '    (1): Dropout(p=0.5, inplace=false)',
        '    (2): Linear(inFeatures=1176, outFeatures=10, bias=true)',
        '  )',
        ')',
      ].join('\n'),
    );
    expect(String(new nn.Embedding(10, 3, { paddingIdx: 0 }))).toBe('Embedding(10, 3, paddingIdx=0)');
  });
});

describe('containers', () => {
  it('Sequential indexing, iteration, append, insert and slice', () => {
    const a = new nn.Linear(2, 3), b = new nn.ReLU(), c = new nn.Linear(3, 1);
    const seq = new nn.Sequential(a, b);
    expect(seq.length).toBe(2);
    expect(seq.at(-1)).toBe(b);
    expect(() => seq.at(2)).toThrow('Sequential.at: index 2 is out of range for 2 modules');
    seq.append(c);
    expect([...seq]).toEqual([a, b, c]);
    expect(seq.forward(keel.randn([4, 2])).shape).toEqual([4, 1]);
    const id = new nn.Identity();
    seq.insert(1, id);
    expect(seq.namedChildren().map(([n, m]) => [n, m])).toEqual([['0', a], ['1', id], ['2', b], ['3', c]]);
    expect([...seq.stateDict().keys()]).toEqual(['0.weight', '0.bias', '3.weight', '3.bias']);
    const head = seq.slice(0, 2);
    expect([...head]).toEqual([a, id]);
    expect(() => new nn.Sequential(a, 3 as unknown as nn.Module)).toThrow('Sequential: expected a Module for module 1 but received 3 of type number');
  });

  it('ModuleList registers its modules for the parent; ModuleDict by name', () => {
    class Stack extends nn.Module {
      declare layers: nn.ModuleList;
      declare heads: nn.ModuleDict;
      constructor() {
        super();
        this.registerModule('layers', new nn.ModuleList([new nn.Linear(2, 2), new nn.Linear(2, 2)]));
        this.registerModule('heads', new nn.ModuleDict({ cls: new nn.Linear(2, 3) }));
      }
      override forward(x: Tensor): Tensor {
        for (const l of this.layers) x = l.forward(x);
        return (this.heads.get('cls') as nn.Linear).forward(x);
      }
    }
    const m = new Stack();
    expect([...m.stateDict().keys()]).toEqual(['layers.0.weight', 'layers.0.bias', 'layers.1.weight', 'layers.1.bias', 'heads.cls.weight', 'heads.cls.bias']);
    expect(m.forward(keel.randn([1, 2])).shape).toEqual([1, 3]);
    expect(() => m.layers.forward()).toThrow('ModuleList: forward() is not implemented');
  });
});

describe('inference frees intermediates as it goes', () => {
  // Counts the live tensors when the chain reaches it, and passes its input through.
  class Probe extends nn.Module {
    seen = -1;
    override forward(x: Tensor): Tensor {
      this.seen = keel.memory().numTensors;
      return x;
    }
  }
  // Returns its own buffer, which must never be freed by the container.
  class ReturnsBuffer extends nn.Module {
    constructor() {
      super();
      this.registerBuffer('table', keel.ones([2, 4]));
    }
    override forward(): Tensor {
      return this.buffers()[0]!;
    }
  }

  it('Sequential under noGrad holds one activation at a time, with the same values as with gradients', () => {
    keel.manualSeed(3);
    const probe = new Probe();
    const layers: nn.Module[] = [];
    for (let i = 0; i < 6; i++) layers.push(new nn.Linear(4, 4), new nn.ReLU(), new nn.Identity());
    const m = new nn.Sequential(...layers, probe);
    const x = keel.randn([2, 4]);
    const before = keel.memory().numTensors;
    const withGrad = keel.tidy(() => (m.forward(x) as Tensor).toFloat32Array());
    const recorded = probe.seen - before;
    const inference = keel.tidy(() => keel.noGrad(() => (m.forward(x) as Tensor).toFloat32Array()));
    expect(inference).toEqual(withGrad);
    // With gradients every one of the 12 Linear/ReLU outputs stays alive for backward; under
    // noGrad only the last one (and at most one temporary) does.
    expect(recorded).toBeGreaterThanOrEqual(12);
    expect(probe.seen - before).toBeLessThanOrEqual(2);
    expect(x.toFloat32Array().length).toBe(8);  // the caller's input is never freed
    m.dispose();
    x.dispose();
  });

  it('never frees a child\'s parameter or buffer returned as its output', () => {
    const m = new nn.Sequential(new ReturnsBuffer(), new nn.ReLU(), new nn.Linear(4, 3));
    for (let i = 0; i < 2; i++) keel.tidy(() => keel.noGrad(() => { m.forward(keel.zeros([1])); }));
    expect(m.at(0).buffers()[0]!.toFloat32Array()).toEqual(new Float32Array(8).fill(1));
    m.dispose();
  });

  it('never frees a tensor that existed before the forward, such as one picked out of an array input', () => {
    class First extends nn.Module {
      override forward(xs: Tensor[]): Tensor {
        return xs[0]!;
      }
    }
    const m = new nn.Sequential(new First(), new nn.Linear(4, 2));
    const a = keel.ones([1, 4]), b = keel.ones([1, 4]);
    keel.tidy(() => keel.noGrad(() => { m.forward([a, b]); }));
    expect(a.toFloat32Array()).toEqual(new Float32Array(4).fill(1));
    m.dispose();
    a.dispose();
    b.dispose();
  });

  it('ResNet-20 in eval mode under noGrad gives the outputs it gives with gradients recorded', () => {
    keel.manualSeed(5);
    const m = keel.models.resnet20();
    m.eval();
    const x = keel.randn([2, 3, 32, 32]);
    const a = keel.tidy(() => (m.forward(x) as Tensor).toFloat32Array());
    const b = keel.tidy(() => keel.noGrad(() => (m.forward(x) as Tensor).toFloat32Array()));
    expect(b).toEqual(a);
    m.dispose();
    x.dispose();
  });
});
