// Layers against PyTorch 1.13 (test/fixtures/nn/layers.json from scripts/gen_fixtures_nn.py):
// each case loads torch's state_dict into the Keel module, runs the same input in the same
// mode, and compares the output, the input gradient, every parameter gradient and the state
// after the forward (BatchNorm's running statistics and batch count).
import { describe, expect, it } from 'vitest';
import * as keel from '../../lib/index.js';
import { buildModule, compare, type LayerCase, loadFixture, makeTensor, stateFrom } from './helpers.js';

const { cases } = loadFixture<{ cases: LayerCase[] }>('layers');

// Cases whose functional op is still missing: it.skip with the reason.
const SKIP: Record<string, string> = {};

describe('layers vs PyTorch', () => {
  for (const c of cases) {
    const run = SKIP[c.name] ? it.skip : it;
    run(c.name, () => {
      keel.tidy(() => {
        const m = buildModule(c.spec);
        m.loadStateDict(stateFrom(c.state));
        m.train(c.train);
        const x = makeTensor(c.input, (c.input.dtype ?? 'float32') === 'float32');
        const y = m.forward(x) as keel.Tensor;
        expect(compare(y, c.output, c.tol), 'output').toBeNull();
        y.backward(makeTensor(c.upstream));
        if (c.inputGrad) {
          expect(x.grad, 'input grad').not.toBeNull();
          expect(compare(x.grad!, c.inputGrad, c.tol), 'input grad').toBeNull();
        }
        const params = new Map(m.namedParameters());
        expect([...params.keys()]).toEqual(Object.keys(c.paramGrads));
        for (const [name, want] of Object.entries(c.paramGrads)) {
          const g = params.get(name)!.grad;
          if (want === null) {
            expect(g, `grad of ${name}`).toBeNull();
            continue;
          }
          expect(g, `grad of ${name}`).not.toBeNull();
          expect(compare(g!, want, c.tol), `grad of ${name}`).toBeNull();
        }
        const after = m.stateDict();
        expect([...after.keys()]).toEqual(Object.keys(c.stateAfter));
        for (const [name, want] of Object.entries(c.stateAfter)) {
          expect(compare(after.get(name)!, want, c.tol), `state ${name} after forward`).toBeNull();
        }
        m.dispose();
      });
    });
  }
});

describe('fixture harness', () => {
  it('detects a wrong value, shape or dtype', () => {
    const c = cases.find((k) => k.name === 'Linear(5, 3)')!;
    keel.tidy(() => {
      const m = buildModule(c.spec);
      m.loadStateDict(stateFrom(c.state));
      const y = m.forward(makeTensor(c.input)) as keel.Tensor;
      expect(compare(y, c.output, c.tol)).toBeNull();
      expect(compare(y, { ...c.output, values: c.output.values.map((v, i) => (i === 3 ? v + 1e-3 : v)) }, c.tol)).toMatch(/\[3\] got/);
      expect(compare(y, { ...c.output, shape: [3, 4] }, c.tol)).toMatch(/shape/);
      expect(compare(y, { ...c.output, dtype: 'int32' }, c.tol)).toMatch(/dtype/);
    });
  });
});
