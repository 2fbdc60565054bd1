// Recurrent layers against PyTorch 1.13 (test/fixtures/rnn/cases.json from
// scripts/gen_fixtures_rnn.py, computed in float64): each case loads torch's state_dict into the
// Keel module, runs the same input (with the same initial state and sequence lengths), and
// compares every output and the gradients of the input, the initial states and every parameter
// for the loss sum_k (outputs[k] * upstreams[k]).sum(). Also: stateDict keys and parameter
// counts, gradcheck of the layers, and argument errors.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as keel from '../../lib/index.js';
import type { Tensor } from '../../lib/index.js';
import { gruLayerOps, lstmLayerOps } from '../../lib/nn/modules/rnn.js';
import { gruLayer, lstmLayer } from '../../lib/nn/rnn-functional.js';
import { native } from '../../lib/native.js';
import { params } from '../../lib/tensor.js';
import { buildModule, compare, type ModuleSpec, makeTensor, stateFrom, type TensorSpec } from './helpers.js';

const nn = keel.nn;

interface RnnCase {
  name: string;
  spec: ModuleSpec;
  train: boolean;
  tol: [number, number];
  state: Record<string, TensorSpec>;
  input: TensorSpec;
  hx: TensorSpec[] | null;
  lengths: number[] | null;
  outputs: TensorSpec[];
  upstreams: TensorSpec[];
  inputGrad: TensorSpec;
  hxGrads: TensorSpec[] | null;
  paramGrads: Record<string, TensorSpec>;
}

interface RnnModelCase {
  name: string;
  spec: ModuleSpec;
  keys: string[];
  shapes: number[][];
  numParameters: number;
}

const fixture = JSON.parse(readFileSync(new URL('../fixtures/rnn/cases.json', import.meta.url), 'utf8')) as { cases: RnnCase[]; models: RnnModelCase[] };

/** Runs a module the way the fixture's torch module was run; returns the flat list of outputs. */
function run(m: keel.nn.Module, ctor: string, x: Tensor, hx: Tensor[] | null, lengths: number[] | null): Tensor[] {
  switch (ctor) {
    case 'LSTM': {
      const [out, [h, c]] = (m as keel.nn.LSTM).forward(x, hx ? [hx[0], hx[1]] : null, { lengths });
      return [out, h, c];
    }
    case 'GRU': {
      const [out, h] = (m as keel.nn.GRU).forward(x, hx ? hx[0] : null, { lengths });
      return [out, h];
    }
    case 'LSTMCell':
      return (m as keel.nn.LSTMCell).forward(x, hx ? [hx[0], hx[1]] : null);
    case 'GRUCell':
      return [(m as keel.nn.GRUCell).forward(x, hx ? hx[0] : null)];
    default:
      throw new Error(`unknown ctor ${ctor}`);
  }
}

describe('recurrent layers vs PyTorch', () => {
  for (const c of fixture.cases) {
    it(c.name, () => {
      keel.tidy(() => {
        const m = buildModule(c.spec);
        m.loadStateDict(stateFrom(c.state));
        m.train(c.train);
        const x = makeTensor(c.input, true);
        const hx = c.hx ? c.hx.map((h) => makeTensor(h, true)) : null;
        const outs = run(m, c.spec.ctor, x, hx, c.lengths);
        expect(outs.length).toBe(c.outputs.length);
        outs.forEach((o, k) => expect(compare(o, c.outputs[k], c.tol), `outputs[${k}]`).toBeNull());
        let loss = outs[0].mul(makeTensor(c.upstreams[0])).sum();
        for (let k = 1; k < outs.length; k++) loss = loss.add(outs[k].mul(makeTensor(c.upstreams[k])).sum());
        loss.backward();
        expect(x.grad, 'input grad').not.toBeNull();
        expect(compare(x.grad!, c.inputGrad, c.tol), 'input grad').toBeNull();
        if (hx) {
          hx.forEach((h, k) => {
            expect(h.grad, `hx[${k}] grad`).not.toBeNull();
            expect(compare(h.grad!, c.hxGrads![k], c.tol), `hx[${k}] grad`).toBeNull();
          });
        }
        const params = new Map(m.namedParameters());
        expect([...params.keys()]).toEqual(Object.keys(c.paramGrads));
        for (const [name, want] of Object.entries(c.paramGrads)) {
          const g = params.get(name)!.grad;
          expect(g, `grad of ${name}`).not.toBeNull();
          expect(compare(g!, want, c.tol), `grad of ${name}`).toBeNull();
        }
        m.dispose();
      });
    });
  }
});

describe('recurrent layers: parameters and state dict', () => {
  for (const c of fixture.models) {
    it(`${c.name}: stateDict keys, shapes and parameter count match PyTorch`, () => {
      const m = buildModule(c.spec);
      const sd = m.stateDict();
      expect([...sd.keys()]).toEqual(c.keys);
      expect([...sd.values()].map((t) => t.shape)).toEqual(c.shapes);
      expect(m.numParameters()).toBe(c.numParameters);
      expect(m.namedParameters().map(([n]) => n)).toEqual(c.keys);
      m.dispose();
    });
  }

  it('initializes every parameter uniformly in ±1/sqrt(hiddenSize), from the seeded generator', () => {
    keel.manualSeed(3);
    const a = new nn.LSTM(5, 16, { numLayers: 2, bidirectional: true });
    keel.manualSeed(3);
    const b = new nn.LSTM(5, 16, { numLayers: 2, bidirectional: true });
    const bound = 1 / 4;
    for (const [[name, p], [, q]] of a.namedParameters().map((e, i) => [e, b.namedParameters()[i]] as const)) {
      const v = p.toFloat32Array();
      expect(Math.max(...v), name).toBeLessThanOrEqual(bound);
      expect(Math.min(...v), name).toBeGreaterThanOrEqual(-bound);
      expect(Math.max(...v) - Math.min(...v), name).toBeGreaterThan(bound); // not constant
      expect(Array.from(q.toFloat32Array())).toEqual(Array.from(v));
    }
    const g = new nn.GRUCell(3, 4);
    for (const p of g.parameters()) for (const v of p.toFloat32Array()) expect(Math.abs(v)).toBeLessThanOrEqual(0.5);
    a.dispose();
    b.dispose();
    g.dispose();
  });

  it('exposes parameters under camelCase accessors and allWeights', () => {
    const m = new nn.LSTM(3, 4, { bidirectional: true, projSize: 2 });
    expect(m.allWeights.map((ws) => ws.map((w) => w.shape))).toEqual([
      [[16, 3], [16, 2], [16], [16], [2, 4]],
      [[16, 3], [16, 2], [16], [16], [2, 4]],
    ]);
    const acc = m as unknown as Record<string, Tensor>;
    expect(acc.weightIhL0).toBe(m.allWeights[0][0]);
    expect(acc.weightHrL0Reverse).toBe(m.allWeights[1][4]);
    const cell = new nn.GRUCell(3, 4, { bias: false });
    expect(cell.weightIh.shape).toEqual([12, 3]);
    expect(cell.biasIh).toBeNull();
    expect(String(m)).toBe('LSTM(3, 4, projSize=2, bidirectional=true)');
    m.dispose();
    cell.dispose();
  });
});

describe('recurrent layers: gradcheck', () => {
  const leaf = (shape: number[]): Tensor => keel.randn(shape).detach().requiresGrad_();
  const flat = (ts: Tensor[]): Tensor => keel.cat(ts.map((t) => t.reshape([-1])), 0);

  const cases: Array<[string, () => keel.nn.Module, boolean, number[] | null]> = [
    ['LSTM', () => new nn.LSTM(3, 2), false, null],
    ['LSTM bidirectional, 2 layers, with hx', () => new nn.LSTM(3, 2, { bidirectional: true, numLayers: 2 }), true, null],
    ['LSTM bidirectional with lengths', () => new nn.LSTM(3, 2, { bidirectional: true }), true, [3, 1]],
    ['LSTM projSize with lengths', () => new nn.LSTM(3, 3, { projSize: 2, batchFirst: true }), true, [2, 3]],
    ['GRU', () => new nn.GRU(3, 2), false, null],
    ['GRU bidirectional, 2 layers, with hx', () => new nn.GRU(3, 2, { bidirectional: true, numLayers: 2 }), true, null],
    ['GRU bidirectional with lengths', () => new nn.GRU(3, 2, { bidirectional: true, batchFirst: true }), true, [1, 3]],
  ];
  for (const [name, make, withHx, lengths] of cases) {
    it(name, () => {
      keel.manualSeed(11);
      const m = make() as keel.nn.LSTM | keel.nn.GRU;
      const D = m.bidirectional ? 2 : 1;
      const x = leaf(m.batchFirst ? [2, 3, 3] : [3, 2, 3]);
      const hOut = m.projSize > 0 ? m.projSize : m.hiddenSize;
      const h0 = withHx ? leaf([D * m.numLayers, 2, hOut]) : null;
      const c0 = withHx ? leaf([D * m.numLayers, 2, m.hiddenSize]) : null;
      const inputs = [x, ...(h0 ? [h0] : []), ...(c0 && m instanceof nn.LSTM ? [c0] : []), ...m.parameters()];
      const fn = (): Tensor => {
        if (m instanceof nn.LSTM) {
          const [out, [h, c]] = m.forward(x, h0 ? [h0, c0!] : null, { lengths });
          return flat([out, h, c]);
        }
        const [out, h] = m.forward(x, h0, { lengths });
        return flat([out, h]);
      };
      expect(keel.gradcheck(fn, inputs, { eps: 1e-2, atol: 2e-3, rtol: 2e-2 })).toBe(true);
      m.dispose();
    });
  }

  it('LSTMCell and GRUCell', () => {
    keel.manualSeed(12);
    const lc = new nn.LSTMCell(3, 2);
    const gc = new nn.GRUCell(3, 2);
    const x = leaf([2, 3]), h = leaf([2, 2]), c = leaf([2, 2]);
    expect(keel.gradcheck(() => flat(lc.forward(x, [h, c])), [x, h, c, ...lc.parameters()])).toBe(true);
    expect(keel.gradcheck(() => gc.forward(x, h), [x, h, ...gc.parameters()])).toBe(true);
  });
});

// The fused layer against the tensor-op one: each result's outputs (and the input gradients of
// sum(output_k * ups_k)) must match the reference's.
function expectFusedMatchesOps(inputs: Tensor[], ups: Tensor[], fused: Tensor[], reference: Tensor[]): void {
  const results = [fused, reference].map((outs) => {
    outs.map((o, k) => o.mul(ups[k]).sum()).reduce((a, b) => a.add(b)).backward();
    const grads = inputs.map((t) => {
      const g = t.grad!;
      t.grad = null;
      return g;
    });
    return [...outs, ...grads];
  });
  results[0].forEach((got, k) => {
    const want = results[1][k];
    expect(compare(got, { shape: [...want.shape], values: Array.from(want.toFloat32Array()) }, [2e-5, 2e-4]), `result ${k}`).toBeNull();
  });
}

describe('fused lstmLayer vs the tensor-op LSTM layer', () => {
  const cases: Array<[string, { reverse?: boolean; lengths?: number[] }]> = [
    ['forward', {}],
    ['reverse', { reverse: true }],
    ['lengths', { lengths: [6, 2, 5, 1] }],
    ['reverse with lengths', { reverse: true, lengths: [3, 6, 1, 4] }],
  ];
  for (const [name, options] of cases) {
    it(name, () => {
      keel.tidy(() => {
        keel.manualSeed(21);
        const [T, B, I, H] = [6, 4, 5, 7];
        const leaf = (shape: number[]): Tensor => keel.randn(shape).mul(0.5).detach().requiresGrad_();
        const inputs = [leaf([T, B, I]), leaf([B, H]), leaf([B, H]), leaf([4 * H, I]), leaf([4 * H, H]), leaf([4 * H]), leaf([4 * H])];
        const [x, h0, c0, wIh, wHh, bIh, bHh] = inputs;
        const ups = [keel.randn([T, B, H]), keel.randn([B, H]), keel.randn([B, H])];
        const [fused, ops] = [
          lstmLayer(x, h0, c0, wIh, wHh, bIh, bHh, options),
          lstmLayerOps(x, h0, c0, wIh, wHh, bIh, bHh, null, options),
        ].map((r) => [r.output, r.hN, r.cN]);
        expectFusedMatchesOps(inputs, ups, fused, ops);
      });
    });
  }
});

describe('fused gruLayer vs the tensor-op GRU layer', () => {
  // H = 7: one unit block of the fused kernel; H = 45: a full 28-unit block and a partial one.
  const cases: Array<[string, number, { reverse?: boolean; lengths?: number[] }]> = [
    ['forward', 7, {}],
    ['reverse', 7, { reverse: true }],
    ['lengths', 7, { lengths: [6, 2, 5, 1] }],
    ['reverse with lengths, two unit blocks', 45, { reverse: true, lengths: [3, 6, 1, 4] }],
    ['forward, two unit blocks', 45, {}],
  ];
  for (const [name, H, options] of cases) {
    it(name, () => {
      keel.tidy(() => {
        keel.manualSeed(22);
        const [T, B, I] = [6, 4, 5];
        const leaf = (shape: number[]): Tensor => keel.randn(shape).mul(0.5).detach().requiresGrad_();
        const inputs = [leaf([T, B, I]), leaf([B, H]), leaf([3 * H, I]), leaf([3 * H, H]), leaf([3 * H]), leaf([3 * H])];
        const [x, h0, wIh, wHh, bIh, bHh] = inputs;
        const ups = [keel.randn([T, B, H]), keel.randn([B, H])];
        const [fused, ops] = [
          gruLayer(x, h0, wIh, wHh, bIh, bHh, options),
          gruLayerOps(x, h0, wIh, wHh, bIh, bHh, options),
        ].map((r) => [r.output, r.hN]);
        expectFusedMatchesOps(inputs, ups, fused, ops);
      });
    });
  }

  it('without biases, and with only some inputs requiring grad', () => {
    keel.tidy(() => {
      keel.manualSeed(23);
      const [T, B, I, H] = [3, 2, 4, 30];
      const x = keel.randn([T, B, I]), h0 = keel.randn([B, H]);
      const wIh = keel.randn([3 * H, I]).mul(0.3).requiresGrad_(), wHh = keel.randn([3 * H, H]).mul(0.3).requiresGrad_();
      const [a, b] = [gruLayer(x, h0, wIh, wHh, null, null), gruLayerOps(x, h0, wIh, wHh, null, null)].map((r) => {
        r.output.sum().add(r.hN.mul(2).sum()).backward();
        const g = [r.output, r.hN, wIh.grad!, wHh.grad!];
        wIh.grad = null;
        wHh.grad = null;
        return g;
      });
      a.forEach((got, k) => expect(compare(got, { shape: [...b[k].shape], values: Array.from(b[k].toFloat32Array()) }, [2e-5, 2e-4]), `result ${k}`).toBeNull());
    });
  });
});

describe('fused lstmLayer and gruLayer: bit-identical at 1 and 2 threads', () => {
  // Big enough for the parallel steps (several unit blocks, the last partial) and GEMMs split
  // over threads.
  const lengths = Array.from({ length: 32 }, (_, b) => 1 + (b * 5) % 9);
  const cases = [
    ['LSTM forward', 4, {}], ['LSTM reverse with lengths', 4, { reverse: true, lengths }],
    ['GRU forward', 3, {}], ['GRU reverse with lengths', 3, { reverse: true, lengths }],
  ] as const;
  for (const [name, gateCount, options] of cases) {
    it(name, () => {
      const saved = keel.getNumThreads();
      try {
        const runs = [1, 2].map((threads) => keel.tidy(() => {
          keel.setNumThreads(threads);
          keel.manualSeed(5);
          const [T, B, I, H] = [9, 32, 40, 160];
          const leaf = (shape: number[]): Tensor => keel.randn(shape).mul(0.2).detach().requiresGrad_();
          const G = gateCount * H;
          const [x, h0, c0, wIh, wHh, bIh, bHh] = [leaf([T, B, I]), leaf([B, H]), leaf([B, H]), leaf([G, I]), leaf([G, H]), leaf([G]), leaf([G])];
          const inputs = gateCount === 4 ? [x, h0, c0, wIh, wHh, bIh, bHh] : [x, h0, wIh, wHh, bIh, bHh];
          const outs = gateCount === 4
            ? (({ output, hN, cN }) => [output, hN, cN])(lstmLayer(x, h0, c0, wIh, wHh, bIh, bHh, options))
            : (({ output, hN }) => [output, hN])(gruLayer(x, h0, wIh, wHh, bIh, bHh, options));
          outs.map((o) => o.mul(keel.randn(o.shape)).sum()).reduce((a, b) => a.add(b)).backward();
          return [...outs, ...inputs.map((t) => t.grad!)].map((t) => t.toFloat32Array());
        }));
        const bytes = (a: Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
        runs[0].forEach((one, k) => expect(bytes(runs[1][k]).equals(bytes(one)), `result ${k}`).toBe(true));
      } finally {
        keel.setNumThreads(saved);
      }
    });
  }
});

describe('recurrent layers: behaviour', () => {
  it('dropout acts between layers only in training mode, never after the last layer', () => {
    keel.tidy(() => {
      keel.manualSeed(5);
      const x = keel.randn([4, 2, 3]);
      const one = new nn.LSTM(3, 4, { dropout: 0.5 });
      const [a] = one.forward(x);
      one.eval();
      const [b] = one.forward(x);
      expect(Array.from(a.toFloat32Array())).toEqual(Array.from(b.toFloat32Array()));
      const two = new nn.GRU(3, 4, { numLayers: 2, dropout: 0.5 });
      const [c] = two.forward(x);
      two.eval();
      const [d] = two.forward(x);
      const [e] = two.forward(x);
      expect(Array.from(c.toFloat32Array())).not.toEqual(Array.from(d.toFloat32Array()));
      expect(Array.from(d.toFloat32Array())).toEqual(Array.from(e.toFloat32Array()));
    });
  });

  it('a full-length lengths array gives the same result as no lengths', () => {
    keel.tidy(() => {
      keel.manualSeed(6);
      const m = new nn.LSTM(3, 4, { bidirectional: true });
      const x = keel.randn([4, 2, 3]);
      const [a, [ha]] = m.forward(x);
      const [b, [hb]] = m.forward(x, null, { lengths: [4, 4] });
      expect(compare(b, { shape: [...a.shape], values: Array.from(a.toFloat32Array()) }, [1e-6, 1e-6])).toBeNull();
      expect(compare(hb, { shape: [...ha.shape], values: Array.from(ha.toFloat32Array()) }, [1e-6, 1e-6])).toBeNull();
    });
  });

  it('runs under noGrad and inside tidy without leaking', () => {
    const m = new nn.GRU(3, 4, { numLayers: 2 });
    const before = keel.memory().numTensors;
    keel.tidy(() => {
      keel.noGrad(() => m.forward(keel.randn([5, 2, 3])));
    });
    keel.tidy(() => {
      const [out] = m.forward(keel.randn([5, 2, 3]));
      out.sum().backward();
    });
    m.zeroGrad();
    expect(keel.memory().numTensors).toBe(before);
    m.dispose();
  });

  for (const mode of ['lstm', 'gru'] as const) {
    it(`${mode}Layer outside tidy leaves nothing behind once its results are disposed (noGrad, and no input needing grad)`, () => {
      const H = 5, I = 3, T = 4, B = 2, G = mode === 'lstm' ? 4 : 3;
      const x = keel.randn([T, B, I]), h0 = keel.zeros([B, H]), c0 = keel.zeros([B, H]);
      const wIh = keel.randn([G * H, I], { requiresGrad: true }), wHh = keel.randn([G * H, H], { requiresGrad: true });
      const bIh = keel.randn([G * H], { requiresGrad: true }), bHh = keel.randn([G * H], { requiresGrad: true });
      const run = (lengths: number[] | null): void => {
        const before = keel.memory().numTensors;
        const r = mode === 'lstm'
          ? lstmLayer(x, h0, c0, wIh, wHh, bIh, bHh, { lengths })
          : gruLayer(x, h0, wIh, wHh, bIh, bHh, { lengths });
        for (const t of Object.values(r)) t.dispose();
        expect(keel.memory().numTensors).toBe(before);
      };
      keel.noGrad(() => run(null));
      keel.noGrad(() => run([4, 2]));
      // Non-contiguous weights take contiguous copies, which are freed too.
      const wT = keel.randn([H, G * H]);
      const before = keel.memory().numTensors;
      const r = mode === 'lstm'
        ? lstmLayer(x, h0, c0, wIh.detach(), wT.t(), null, null)
        : gruLayer(x, h0, wIh.detach(), wT.t(), null, null);
      for (const t of Object.values(r)) t.dispose();
      expect(keel.memory().numTensors).toBe(before + 1);  // the transposed view made by t()
      for (const t of [x, h0, c0, wIh, wHh, bIh, bHh, wT]) t.dispose();
    });

    it(`${mode}Layer: NaN in the padding past a sequence's end reaches no gradient (PyTorch never reads it)`, () => {
      const H = 4, I = 3, T = 4, B = 2, G = mode === 'lstm' ? 4 : 3;
      keel.tidy(() => {
        const data = keel.randn([T, B, I]).toFloat32Array();
        for (let i = 0; i < I; i++) data[(3 * B + 1) * I + i] = NaN; // time 3, batch 1: past its length 3
        const x = keel.tensor(data).reshape([T, B, I]).requiresGrad_();
        const h0 = keel.zeros([B, H], { requiresGrad: true }), c0 = keel.zeros([B, H], { requiresGrad: true });
        const w = [keel.randn([G * H, I]), keel.randn([G * H, H]), keel.randn([G * H]), keel.randn([G * H])].map((t) => t.mul(0.3).requiresGrad_());
        const r = mode === 'lstm'
          ? lstmLayer(x, h0, c0, w[0], w[1], w[2], w[3], { lengths: [4, 3] })
          : gruLayer(x, h0, w[0], w[1], w[2], w[3], { lengths: [4, 3] });
        r.output.sum().add(r.hN.sum()).backward();
        for (const t of [r.output, ...w.map((p) => p.grad!), h0.grad!]) {
          expect(t.toFloat32Array().every(Number.isFinite)).toBe(true);
        }
        // The padded row itself gets a zero gradient; the rest of x a finite one.
        const gx = x.grad!.toFloat32Array();
        for (let i = 0; i < I; i++) expect(gx[(3 * B + 1) * I + i]).toBe(0);
        expect(gx.every(Number.isFinite)).toBe(true);
      });
    });
  }
});

describe('recurrent layers: errors', () => {
  it('rejects bad constructor arguments', () => {
    expect(() => new nn.LSTM(3, 0)).toThrow(/LSTM: hiddenSize must be a positive integer/);
    expect(() => new nn.GRU(3, 4, { numLayers: 0 })).toThrow(/GRU: numLayers must be a positive integer/);
    expect(() => new nn.LSTM(3, 4, { dropout: 1.5 })).toThrow(/LSTM: dropout should be a number in range \[0, 1\]/);
    expect(() => new nn.LSTM(3, 4, { projSize: 4 })).toThrow(/LSTM: projSize \(4\) has to be smaller than hiddenSize \(4\)/);
    expect(() => new nn.GRU(3, 4, { projSize: 2 } as never)).toThrow(/GRU: projSize argument is only supported for LSTM/);
    expect(() => new nn.LSTMCell(3, 4, { bias: 1 as never })).toThrow(/LSTMCell: expected a boolean for bias/);
  });

  it('names the module and shapes for wrong inputs and states', () => {
    keel.tidy(() => {
      const lstm = new nn.LSTM(3, 4, { numLayers: 2 });
      expect(() => lstm.forward(keel.randn([2, 3]).reshape([6]))).toThrow(/LSTM: Expected input to be 2-D \(unbatched\) or 3-D \(batched\), got 1-D input of shape \[6\]/);
      expect(() => lstm.forward(keel.randn([5, 2, 4]))).toThrow(/LSTM: input.size\(-1\) must be equal to inputSize. Expected 3, got 4/);
      expect(() => lstm.forward(keel.randn([5, 2, 3]), [keel.zeros([1, 2, 4]), keel.zeros([2, 2, 4])])).toThrow(/LSTM: expected hx\[0\] \(h0\) of shape \[2,2,4\] but got \[1,2,4\]/);
      expect(() => lstm.forward(keel.randn([5, 2, 3]), [keel.zeros([2, 2, 4]), keel.zeros([2, 3, 4])])).toThrow(/LSTM: expected hx\[1\] \(c0\) of shape \[2,2,4\] but got \[2,3,4\]/);
      expect(() => lstm.forward(keel.randn([5, 3]), [keel.zeros([2, 1, 4]), keel.zeros([2, 1, 4])])).toThrow(/LSTM: for unbatched 2-D input, hx\[0\] \(h0\) should also be 2-D/);
      expect(() => lstm.forward(keel.randn([5, 2, 3]), keel.zeros([2, 2, 4]) as never)).toThrow(/LSTM: expected hx to be an array \[h0, c0\]/);
      expect(() => lstm.forward(keel.randn([5, 2, 3]), null, { lengths: [5] })).toThrow(/LSTM: expected 2 lengths/);
      expect(() => lstm.forward(keel.randn([5, 2, 3]), null, { lengths: [5, 6] })).toThrow(/LSTM: lengths\[1\] must be an integer in 1..5/);
      expect(() => lstm.forward(keel.randn([5, 2, 3]), null, { lengths: [0, 2] })).toThrow(/LSTM: lengths\[0\] must be an integer in 1..5/);
      const gru = new nn.GRU(3, 4, { bidirectional: true });
      expect(() => gru.forward(keel.randn([5, 2, 3]), keel.zeros([1, 2, 4]))).toThrow(/GRU: expected hx of shape \[2,2,4\] but got \[1,2,4\]/);
      expect(() => gru.forward(keel.randn([5, 2, 3]), keel.zeros([2, 4]))).toThrow(/GRU: for batched 3-D input, hx should also be 3-D/);
      expect(() => gru.forward('x' as never)).toThrow(/GRU: expected a Tensor for input/);
      const cell = new nn.LSTMCell(3, 4);
      expect(() => cell.forward(keel.randn([2, 5]))).toThrow(/LSTMCell: input has inconsistent input size: got 5, expected 3/);
      expect(() => cell.forward(keel.randn([2, 3]), [keel.zeros([2, 5]), keel.zeros([2, 4])])).toThrow(/LSTMCell: expected hx\[0\] \(h\) of shape \[2,4\] but got \[2,5\]/);
      const gcell = new nn.GRUCell(3, 4);
      expect(() => gcell.forward(keel.randn([1, 2, 3]))).toThrow(/GRUCell: Expected input to be 1-D \(unbatched\) or 2-D \(batched\), got 3-D/);
      expect(() => gcell.forward(keel.randn([3]), keel.zeros([1, 4]))).toThrow(/GRUCell: for unbatched 1-D input, hx should be 1-D/);
      lstm.dispose();
      gru.dispose();
      cell.dispose();
      gcell.dispose();
    });
  });

  it('the fused layer functions name the op and the argument', () => {
    keel.tidy(() => {
      const x = keel.randn([5, 2, 3]), h0 = keel.zeros([2, 4]);
      const wIh = keel.randn([12, 3]), wHh = keel.randn([12, 4]);
      expect(() => gruLayer(x, h0, wIh, keel.randn([12, 5]), null, null)).toThrow(/gru: weightHh of shape \[12,5\] should be \[12, 4\]/);
      expect(() => gruLayer(x, h0, keel.randn([12, 2]), wHh, null, null)).toThrow(/gru: weightIh of shape \[12,2\] does not match input size 3/);
      expect(() => gruLayer(x, keel.zeros([3, 4]), wIh, wHh, null, null)).toThrow(/gru: h0 of shape \[3,4\] should be \[2, 4\]/);
      expect(() => gruLayer(x, h0, wIh, wHh, keel.zeros([11]), null)).toThrow(/gru: biasIh of shape \[11\] should be \[12\]/);
      expect(() => gruLayer(x, h0, wIh, wHh, null, null, { lengths: [5, 6] })).toThrow(/gru: lengths must hold 2 integers in \[1, 5\] but received \[5,6\]/);
      expect(() => gruLayer('x' as never, h0, wIh, wHh, null, null)).toThrow(/gru: expected a Tensor for input/);
      expect(() => lstmLayer(x, h0, h0, keel.randn([16, 3]), wHh, null, null)).toThrow(/lstm: weightHh of shape \[12,4\] should be \[16, 4\]/);
    });
  });

  it('the native entry points name the operand, and reject an unknown kind first', () => {
    // Straight to the binding, as a tool building on Keel's native layer would call it.
    const T = 2, B = 1, I = 2, H = 2;
    const buf = (n: number): Tensor => keel.zeros([n]);
    const x = buf(T * B * I), h0 = buf(B * H), wIh = buf(3 * H * I), wHh = buf(3 * H * H);
    const out = buf((T + 1) * B * H), states = buf(H * (T + 1) * B), gates = buf(3 * H * T * B), hn = buf(H * (T + 1) * B);
    const pair = (t: Tensor | null): [number, number] => (t ? [t._handle('test'), t._offset] : [0, 0]);
    const setShape = (): void => { params[0] = T; params[1] = B; params[2] = I; params[3] = H; params[4] = 0; };
    const call = (kind: number, ops: Array<Tensor | null>): void => {
      setShape();
      (native as unknown as { gru: (...a: number[]) => void }).gru(kind, ...ops.flatMap(pair));
    };
    const forward = [out, states, gates, hn, x, h0, wIh, wHh, null, null, null];
    expect(() => call(0, forward)).not.toThrow();
    expect(() => call(0, forward.map((t) => (t === wHh ? buf(3) : t)))).toThrow(/gru: weightHh/);
    expect(() => call(7, forward)).toThrow(/gru: unknown kind/);
    const freed = buf(3 * H * H);
    const handle = freed._handle('test');
    freed.dispose();
    setShape();
    expect(() => (native as unknown as { gru: (...a: number[]) => void }).gru(0, ...forward.slice(0, 7).flatMap(pair), handle, 0, 0, 0, 0, 0, 0, 0))
      .toThrow(/gru: weightHh/);
    for (const t of [x, h0, wIh, wHh, out, states, gates, hn]) t.dispose();
  });
});
