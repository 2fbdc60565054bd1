// The convolution fixtures (PyTorch 1.13, test/fixtures/nn/layers.json) under every ISA this
// machine runs and at 1 and 2 threads: stride-1 convolutions take the direct kernels
// (native/kernels/conv/conv_direct_*.cc, one per ISA), the rest im2col + GEMM. Each ISA must
// match PyTorch, and within an ISA the results must be bit-identical for every thread count.
import { afterAll, describe, expect, it } from 'vitest';
import * as keel from '../../lib/index.js';
import { saveRuntime, supportedIsas } from '../native-core/helpers.js';
import { buildModule, compare, type LayerCase, loadFixture, makeTensor, stateFrom } from './helpers.js';

const { cases } = loadFixture<{ cases: LayerCase[] }>('layers');
const convCases = cases.filter((c) => c.name.startsWith('Conv2d') || c.name.startsWith('small CNN'));

const bytes = (a: Float32Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** Output, input gradient and parameter gradients of one case, checked against PyTorch. */
function runCase(c: LayerCase): Float32Array[] {
  return keel.tidy(() => {
    const m = buildModule(c.spec);
    m.loadStateDict(stateFrom(c.state));
    m.train(c.train);
    const x = makeTensor(c.input, true);
    const y = m.forward(x) as keel.Tensor;
    expect(compare(y, c.output, c.tol), 'output').toBeNull();
    y.backward(makeTensor(c.upstream));
    const got = [y.toFloat32Array()];
    if (c.inputGrad) {
      expect(compare(x.grad!, c.inputGrad, c.tol), 'input grad').toBeNull();
      got.push(x.grad!.toFloat32Array());
    }
    for (const [name, p] of m.namedParameters()) {
      const want = c.paramGrads[name];
      if (want == null) continue;
      expect(compare(p.grad!, want, c.tol), `grad of ${name}`).toBeNull();
      got.push(p.grad!.toFloat32Array());
    }
    m.dispose();
    return got;
  });
}

describe.each(supportedIsas)('convolution vs PyTorch under %s', (isa) => {
  const restore = saveRuntime();
  afterAll(restore);
  it('has the direct-path cases', () => {
    expect(convCases.map((c) => c.name)).toContain('Conv2d(6, 16, 5) LeNet layer 2');
  });
  for (const c of convCases) {
    it(`${c.name}: matches at 1 and 2 threads, bit-identical`, () => {
      keel.setIsa(isa);
      keel.setNumThreads(1);
      const one = runCase(c);
      keel.setNumThreads(2);
      const two = runCase(c);
      expect(two.length).toBe(one.length);
      for (let i = 0; i < one.length; i++) expect(Buffer.compare(bytes(two[i]), bytes(one[i])), `result ${i}`).toBe(0);
    });
  }
});
