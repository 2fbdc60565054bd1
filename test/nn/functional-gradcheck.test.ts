// Finite-difference checks of the layer functions' backward passes (conv, pooling, batch
// norm, linear, embedding, prelu, dropout), under every ISA the CPU runs. Forward values and
// gradients against PyTorch are in layers.test.ts; this checks each backward against its own
// forward, on small shapes that hit strides, padding, dilation, groups and ceil mode.
import { afterAll, describe, expect, it } from 'vitest';
import * as keel from '../../lib/index.js';
import type { Tensor } from '../../lib/index.js';

const F = keel.nn.functional;
const isas = keel.cpuInfo().supportedIsas as keel.Isa[];
const original = keel.cpuInfo().isa as keel.Isa;
afterAll(() => keel.setIsa(original));

const leaf = (shape: number[], scale = 1): Tensor => keel.randn(shape).mul(scale).detach().requiresGrad_();

describe.each(isas)('nn.functional gradcheck [isa %s]', (isa) => {
  const setup = (): void => {
    keel.setIsa(isa);
    keel.manualSeed(7);
  };

  it('conv2d with stride, padding and bias', () => {
    setup();
    expect(keel.gradcheck((x, w, b) => F.conv2d(x, w, b, { stride: 2, padding: 1 }), [leaf([2, 2, 5, 5]), leaf([3, 2, 3, 3]), leaf([3])])).toBe(true);
  });

  it('conv2d with dilation and groups (depthwise too)', () => {
    setup();
    expect(keel.gradcheck((x, w) => F.conv2d(x, w, null, { dilation: 2, padding: 2, groups: 2 }), [leaf([1, 4, 5, 5]), leaf([4, 2, 3, 3])])).toBe(true);
    expect(keel.gradcheck((x, w) => F.conv2d(x, w, null, { groups: 3, padding: 1 }), [leaf([1, 3, 4, 4]), leaf([3, 1, 3, 3])])).toBe(true);
  });

  it('conv2d 1x1 (no im2col) and padding same with an even kernel', () => {
    setup();
    expect(keel.gradcheck((x, w) => F.conv2d(x, w), [leaf([2, 3, 3, 3]), leaf([2, 3, 1, 1])])).toBe(true);
    expect(keel.gradcheck((x, w) => F.conv2d(x, w, null, { padding: 'same' }), [leaf([1, 2, 4, 5]), leaf([2, 2, 2, 2])])).toBe(true);
  });

  it('conv1d', () => {
    setup();
    expect(keel.gradcheck((x, w, b) => F.conv1d(x, w, b, { stride: 2, padding: 1 }), [leaf([2, 2, 7]), leaf([3, 2, 3]), leaf([3])])).toBe(true);
  });

  it('max pooling (overlapping windows, ceil mode) and average pooling', () => {
    setup();
    // Well-separated values so no finite-difference step crosses a tie.
    const x = keel.arange(0, 50).float().mul(0.37).sin().mul(3).reshape([1, 2, 5, 5]).detach().requiresGrad_();
    expect(keel.gradcheck((a) => F.maxPool2d(a, 3, { stride: 2, padding: 1, ceilMode: true }), [x])).toBe(true);
    expect(keel.gradcheck((a) => F.avgPool2d(a, 3, { stride: 2, padding: 1, countIncludePad: false }), [leaf([1, 2, 5, 5])])).toBe(true);
    expect(keel.gradcheck((a) => F.adaptiveAvgPool2d(a, [2, 3]), [leaf([1, 2, 5, 7])])).toBe(true);
  });

  it('batch norm in training and in evaluation', () => {
    setup();
    expect(keel.gradcheck((x, w, b) => F.batchNorm(x, null, null, w, b, { training: true }), [leaf([3, 2, 2, 2]), leaf([2]), leaf([2])], { atol: 5e-3 })).toBe(true);
    const rm = keel.randn([2]), rv = keel.rand([2]).add(0.5);
    expect(keel.gradcheck((x, w, b) => F.batchNorm(x, rm, rv, w, b, { training: false }), [leaf([3, 2, 4]), leaf([2]), leaf([2])])).toBe(true);
  });

  it('linear, prelu, embedding, dropout (train mode, fixed mask by reseeding)', () => {
    setup();
    expect(keel.gradcheck((x, w, b) => F.linear(x, w, b), [leaf([2, 3, 5]), leaf([4, 5]), leaf([4])])).toBe(true);
    expect(keel.gradcheck((x, w) => F.prelu(x, w), [leaf([2, 3, 4]), leaf([3])])).toBe(true);
    const idx = keel.tensor([[0, 2], [2, 1]], { dtype: 'int32' });
    expect(keel.gradcheck((w) => F.embedding(idx, w), [leaf([3, 4])])).toBe(true);
    expect(keel.gradcheck((x) => {
      keel.manualSeed(11);
      return F.dropout(x, { p: 0.3, training: true });
    }, [leaf([4, 5])])).toBe(true);
  });
});
