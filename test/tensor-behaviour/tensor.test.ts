// Tensor basics: creation and shape inference, dtype rules, reading values back, printing,
// size queries, 0-d and empty tensors, views vs copies, broadcasting and dtype promotion.
import { describe, expect, it } from 'vitest';
import * as keel from '../../lib/index.js';
import { Tensor } from '../../lib/index.js';

describe('creation', () => {
  it('infers shapes from nested arrays', () => {
    expect(keel.tensor([[1, 2, 3], [4, 5, 6]]).shape).toEqual([2, 3]);
    expect(keel.tensor([[[1], [2]], [[3], [4]]]).shape).toEqual([2, 2, 1]);
    expect(keel.tensor([1, 2, 3]).shape).toEqual([3]);
    expect(keel.tensor(5).shape).toEqual([]);
    expect(keel.tensor(5).item()).toBe(5);
  });

  it('accepts typed arrays, alone and nested', () => {
    const f = keel.tensor(new Float32Array([1, 2, 3]));
    expect(f.shape).toEqual([3]);
    expect(f.dtype).toBe('float32');
    const i = keel.tensor(new Int32Array([1, 2, 3]));
    expect(i.dtype).toBe('int32');
    expect(Array.from(i.toTypedArray())).toEqual([1, 2, 3]);
    const nested = keel.tensor([new Float32Array([1, 2]), new Float32Array([3, 4])]);
    expect(nested.shape).toEqual([2, 2]);
    expect(nested.toArray()).toEqual([[1, 2], [3, 4]]);
    const f64 = keel.tensor(new Float64Array([0.5, 1.5]));
    expect(f64.dtype).toBe('float32');
    expect(f64.toArray()).toEqual([0.5, 1.5]);
  });

  it('reshapes flat data with the shape option', () => {
    const t = keel.tensor([1, 2, 3, 4, 5, 6], { shape: [2, 3] });
    expect(t.shape).toEqual([2, 3]);
    expect(t.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(() => keel.tensor([1, 2, 3], { shape: [2, 2] })).toThrow(RangeError);
  });

  it('rejects ragged nested arrays with a RangeError naming tensor', () => {
    expect(() => keel.tensor([[1, 2], [3]])).toThrow(RangeError);
    expect(() => keel.tensor([[1, 2], [3]])).toThrow(/^tensor: .*ragged/);
    expect(() => keel.tensor([[1, 2], 3])).toThrow(RangeError);
    expect(() => keel.tensor([[[1, 2]], [[3, 4], [5, 6]]])).toThrow(/tensor: .*ragged/);
  });

  // Regression (found by this suite, fixed in the working tree): [1, [2]] used to be read as
  // shape [2, 1] because a leading number did not fix the depth.
  it('rejects ragged arrays whose first element is a number and a later one a list', () => {
    expect(() => keel.tensor([1, [2]] as never)).toThrow(RangeError);
    expect(() => keel.tensor([[1], 2] as never)).toThrow(/^tensor: ragged/);
    expect(() => keel.tensor([[1, [2]], [3, 4]] as never)).toThrow(RangeError);
  });

  it('rejects non-numeric data with a TypeError naming tensor', () => {
    expect(() => keel.tensor(['a'] as never)).toThrow(TypeError);
    expect(() => keel.tensor(['a'] as never)).toThrow(/^tensor: /);
    expect(() => keel.tensor([1, null] as never)).toThrow(TypeError);
    expect(() => keel.tensor({} as never)).toThrow(TypeError);
    expect(() => keel.tensor('12' as never)).toThrow(TypeError);
    expect(() => keel.tensor(keel.zeros([2]) as never)).toThrow(TypeError);
    expect(() => keel.tensor([1], { dtype: 'float64' as never })).toThrow(TypeError);
  });

  it('follows the dtype rules', () => {
    expect(keel.tensor([1, 2, 3]).dtype).toBe('float32'); // JS numbers: float32 even when integral
    expect(keel.tensor([[1, 2]]).dtype).toBe('float32');
    expect(keel.tensor(new Int32Array([1])).dtype).toBe('int32');
    expect(keel.tensor([1.7, -2.7], { dtype: 'int32' }).toArray()).toEqual([1, -2]);
    expect(keel.arange(5).dtype).toBe('int32');
    expect(keel.arange(0, 10, 2).dtype).toBe('int32');
    expect(keel.arange(0, 1, 0.25).dtype).toBe('float32');
    expect(keel.arange(0.5, 3).dtype).toBe('float32');
    expect(keel.arange(5, undefined, 1, { dtype: 'float32' }).dtype).toBe('float32');
    expect(keel.zeros([2]).dtype).toBe('float32');
    expect(keel.ones([2], { dtype: 'int32' }).dtype).toBe('int32');
    expect(keel.randint(0, 5, [3]).dtype).toBe('int32');
    expect(keel.zerosLike(keel.arange(3)).dtype).toBe('int32');
  });

  it('creation helpers give the expected values', () => {
    expect(keel.arange(5).toArray()).toEqual([0, 1, 2, 3, 4]);
    expect(keel.arange(2, 8, 3).toArray()).toEqual([2, 5]);
    expect(keel.arange(3, 0, -1).toArray()).toEqual([3, 2, 1]);
    expect(keel.full([2], 7).toArray()).toEqual([7, 7]);
    expect(keel.eye(2, 3).toArray()).toEqual([[1, 0, 0], [0, 1, 0]]);
    expect(keel.linspace(0, 1, 5).toArray()).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(keel.scalar(3).shape).toEqual([]);
  });
});

describe('reading values back', () => {
  it('toArray nests by shape and returns a number for 0-d', () => {
    const t = keel.tensor([[1, 2], [3, 4]]);
    expect(t.toArray()).toEqual([[1, 2], [3, 4]]);
    expect(keel.scalar(2.5).toArray()).toBe(2.5);
    expect(keel.zeros([2, 0]).toArray()).toEqual([[], []]);
    expect(keel.zeros([0]).toArray()).toEqual([]);
  });

  it('toTypedArray gives a copy of the right type', () => {
    const t = keel.tensor([1, 2, 3]);
    const a = t.toTypedArray();
    expect(a).toBeInstanceOf(Float32Array);
    a[0] = 100;
    expect(t.toArray()).toEqual([1, 2, 3]);
    expect(keel.arange(3).toTypedArray()).toBeInstanceOf(Int32Array);
  });

  it('toFloat32Array converts int32', () => {
    const a = keel.arange(3).toFloat32Array();
    expect(a).toBeInstanceOf(Float32Array);
    expect(Array.from(a)).toEqual([0, 1, 2]);
  });

  it('reads non-contiguous (expanded) tensors in logical order', () => {
    const e = keel.tensor([[1], [2]]).expand([2, 3]);
    expect(e.toArray()).toEqual([[1, 1, 1], [2, 2, 2]]);
    expect(Array.from(e.toTypedArray())).toEqual([1, 1, 1, 2, 2, 2]);
  });

  it('item reads one-element tensors and rejects others', () => {
    expect(keel.scalar(4).item()).toBe(4);
    expect(keel.tensor([[7]]).item()).toBe(7);
    expect(keel.arange(3).slice(0, 2).item()).toBe(2);
    expect(() => keel.tensor([1, 2]).item()).toThrow(RangeError);
    expect(() => keel.tensor([1, 2]).item()).toThrow(/item: .*2 elements/);
    expect(() => keel.zeros([0]).item()).toThrow(RangeError);
  });

  it('item reads the right element of a view with an offset', () => {
    // squeeze/unsqueeze/reshape views keep the offset of their base
    const base = keel.tensor([[1, 2], [3, 4]]);
    const row = base.reshape([4]).reshape([2, 2]);
    expect(row.toArray()).toEqual([[1, 2], [3, 4]]);
  });
});

describe('toString', () => {
  it('prints like PyTorch', () => {
    expect(keel.tensor([[1, 2], [3, 4]]).toString()).toBe('tensor([[1., 2.],\n        [3., 4.]])');
    expect(keel.tensor([1, 2, 3]).toString()).toBe('tensor([1., 2., 3.])');
    expect(keel.tensor([1.5, 2.25]).toString()).toBe('tensor([1.5000, 2.2500])');
    expect(keel.tensor([-1, 2.5]).toString()).toBe('tensor([-1.0000,  2.5000])');
    expect(keel.scalar(3).toString()).toBe('tensor(3.)');
    expect(keel.scalar(0.5).toString()).toBe('tensor(0.5000)');
  });

  it('prints 3-d tensors with blank lines between blocks', () => {
    const s = keel.arange(8).reshape([2, 2, 2]).toString();
    expect(s).toBe('tensor([[[0, 1],\n         [2, 3]],\n\n        [[4, 5],\n         [6, 7]]], dtype=int32)');
  });

  it('shows requiresGrad, gradFn and int32 dtype', () => {
    const x = keel.tensor([1, 2], { requiresGrad: true });
    expect(x.toString()).toBe('tensor([1., 2.], requiresGrad=true)');
    const y = x.mul(2);
    expect(y.toString()).toMatch(/^tensor\(\[2\., 4\.\], gradFn=<\w+>\)$/);
    expect(y.toString()).toContain('gradFn=<mul>');
    expect(keel.arange(3).toString()).toBe('tensor([0, 1, 2], dtype=int32)');
    expect(keel.tensor([Number.NaN, Infinity, -Infinity]).toString()).toMatch(/^tensor\(\[ *nan, +inf, -inf\]\)$/);
  });

  it('summarizes tensors of more than 1000 elements', () => {
    expect(keel.arange(2000).toString()).toBe('tensor([   0,    1,    2, ..., 1997, 1998, 1999], dtype=int32)');
    const m = keel.arange(1600).reshape([40, 40]).toString().split('\n');
    expect(m[0]).toBe('tensor([[   0,    1,    2, ...,   37,   38,   39],');
    expect(m[3]).toBe('        ...,');
    expect(m.length).toBe(7);
  });

  it('switches to scientific notation for extreme magnitudes', () => {
    expect(keel.tensor([1e-5, 1]).toString()).toMatch(/^tensor\(\[1\.0000e-0?5, 1\.0000e\+0?0\]\)$/);
    expect(keel.tensor([1e10, 1]).toString()).toMatch(/^tensor\(\[1\.0000e\+10, +1\.0000e\+0?0\]\)$/);
  });

  // PyTorch pads exponents to two digits.
  it('pads exponents to two digits as PyTorch', () => {
    expect(keel.tensor([1e-5, 1]).toString()).toBe('tensor([1.0000e-05, 1.0000e+00])');
  });

  it('describes disposed and empty tensors without throwing', () => {
    const t = keel.zeros([2, 3]);
    t.dispose();
    expect(t.toString()).toContain('disposed');
    expect(keel.zeros([0]).toString()).toContain('tensor([]');
    expect(() => keel.zeros([2, 0]).toString()).not.toThrow();
  });

  it('is used by util.inspect', async () => {
    const { inspect } = await import('node:util');
    expect(inspect(keel.tensor([1, 2]))).toBe('tensor([1., 2.])');
  });
});

describe('size queries', () => {
  it('size, numel, dim, ndim, stride', () => {
    const t = keel.zeros([2, 3, 4]);
    expect(t.size()).toEqual([2, 3, 4]);
    expect(t.size(1)).toBe(3);
    expect(t.size(-1)).toBe(4);
    expect(() => t.size(3)).toThrow(/dimension out of range/);
    expect(t.numel()).toBe(24);
    expect(t.dim()).toBe(3);
    expect(t.ndim).toBe(3);
    expect(t.stride()).toEqual([12, 4, 1]);
    expect(t.isContiguous()).toBe(true);
    // size() returns a copy
    t.size().push(9);
    expect(t.shape).toEqual([2, 3, 4]);
  });

  it('expanded tensors report stride 0', () => {
    const e = keel.tensor([[1], [2], [3]]).expand(3, 4);
    expect(e.shape).toEqual([3, 4]);
    expect(e.stride()).toEqual([1, 0]);
    expect(e.isContiguous()).toBe(false);
    const lead = keel.tensor([1, 2]).expand([3, 2]);
    expect(lead.stride()).toEqual([0, 1]);
  });
});

describe('0-d tensors', () => {
  it('behave as scalars through ops', () => {
    const s = keel.scalar(3);
    expect(s.dim()).toBe(0);
    expect(s.numel()).toBe(1);
    expect(s.size()).toEqual([]);
    expect(s.stride()).toEqual([]);
    expect(s.add(1).item()).toBe(4);
    expect(s.mul(keel.tensor([1, 2])).toArray()).toEqual([3, 6]);
    expect(s.sum().shape).toEqual([]);
    expect(s.sum().item()).toBe(3);
    expect(s.exp().shape).toEqual([]);
    expect(s.reshape([1, 1]).shape).toEqual([1, 1]);
    expect(s.unsqueeze(0).shape).toEqual([1]);
    expect(keel.tensor([5]).squeeze().shape).toEqual([]);
    expect(s.max().item()).toBe(3);
    expect(s.flatten().shape).toEqual([1]);
  });

  it('gradients of 0-d leaves are 0-d', () => {
    const s = keel.scalar(3).requiresGrad_();
    s.mul(s).backward();
    expect(s.grad!.shape).toEqual([]);
    expect(s.grad!.item()).toBe(6);
  });
});

describe('empty tensors', () => {
  it('go through elementwise, reductions and shape ops', () => {
    const e = keel.zeros([0]);
    expect(e.numel()).toBe(0);
    expect(e.add(1).shape).toEqual([0]);
    expect(e.exp().shape).toEqual([0]);
    expect(e.sum().item()).toBe(0);
    expect(e.prod().item()).toBe(1);
    expect(Number.isNaN(e.mean().item())).toBe(true);

    const e2 = keel.zeros([2, 0]);
    expect(e2.sum({ dim: 1 }).toArray()).toEqual([0, 0]);
    expect(e2.sum({ dim: 0 }).shape).toEqual([0]);
    expect(e2.add(keel.zeros([1, 0])).shape).toEqual([2, 0]);
    expect(e2.reshape([0, 5]).shape).toEqual([0, 5]);
    expect(e2.t().shape).toEqual([0, 2]);
    expect(e2.matmul(keel.zeros([0, 3])).toArray()).toEqual([[0, 0, 0], [0, 0, 0]]);
    expect(keel.cat([e2, keel.ones([2, 1])], 1).toArray()).toEqual([[1], [1]]);
    expect(keel.zeros([3, 4]).slice(0, 2, 2).shape).toEqual([0, 4]);
    expect(e2.softmax(1).shape).toEqual([2, 0]);
    expect(e2.toTypedArray().length).toBe(0);
  });

  it('max of an empty tensor is an error, not a crash', () => {
    expect(() => keel.zeros([0]).max()).toThrow(RangeError);
    expect(() => keel.zeros([2, 0]).argmax({ dim: 1 })).toThrow(RangeError);
  });

  it('backward through empty tensors gives empty gradients', () => {
    const x = keel.zeros([2, 0], { requiresGrad: true });
    x.mul(2).sum().backward();
    expect(x.grad!.shape).toEqual([2, 0]);
  });
});

describe('views share storage', () => {
  it('reshape and view of contiguous tensors write through', () => {
    const x = keel.zeros([2, 3]);
    const r = x.reshape([6]);
    const v = x.view(3, 2);
    r.add_(1);
    expect(x.toArray()).toEqual([[1, 1, 1], [1, 1, 1]]);
    expect(v.toArray()).toEqual([[1, 1], [1, 1], [1, 1]]);
    v.mul_(keel.tensor([2, 3]));
    expect(x.toArray()).toEqual([[2, 3, 2], [3, 2, 3]]);
    x.fill_(5);
    expect(r.toArray()).toEqual([5, 5, 5, 5, 5, 5]);
    expect(x.reshape(-1, 2).shape).toEqual([3, 2]);
  });

  it('squeeze, unsqueeze and flatten are views', () => {
    const x = keel.zeros([2, 1, 3]);
    const s = x.squeeze(1);
    const u = x.unsqueeze(0);
    const f = x.flatten();
    expect(s.shape).toEqual([2, 3]);
    expect(u.shape).toEqual([1, 2, 1, 3]);
    expect(x.squeeze().shape).toEqual([2, 3]);
    expect(x.squeeze(0).shape).toEqual([2, 1, 3]); // not size 1: unchanged
    expect(x.unsqueeze(-1).shape).toEqual([2, 1, 3, 1]);
    s.add_(1);
    expect(u.sum().item()).toBe(6);
    expect(f.toArray()).toEqual([1, 1, 1, 1, 1, 1]);
  });

  it('expand gives stride-0 views that ops accept', () => {
    const base = keel.tensor([[1], [2], [3]]);
    const e = base.expand([3, 4]);
    expect(e.add(keel.ones([3, 4])).toArray()).toEqual([[2, 2, 2, 2], [3, 3, 3, 3], [4, 4, 4, 4]]);
    expect(e.sum({ dim: 1 }).toArray()).toEqual([4, 8, 12]);
    expect(e.exp().shape).toEqual([3, 4]);
    expect(e.matmul(keel.ones([4, 1])).toArray()).toEqual([[4], [8], [12]]);
    expect(e.t().shape).toEqual([4, 3]);
    expect(e.softmax(1).sum({ dim: 1 }).allclose(keel.ones([3]))).toBe(true);
    expect(e.reshape([12]).toArray()).toEqual([1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3]);
    expect(e.contiguous().isContiguous()).toBe(true);
    expect(keel.cat([e, e], 0).shape).toEqual([6, 4]);
    expect(e.indexSelect(0, keel.tensor([2], { dtype: 'int32' })).toArray()).toEqual([[3, 3, 3, 3]]);
    // expand shares storage: writing the base is visible
    base.fill_(9);
    expect(e.sum().item()).toBe(9 * 12);
    expect(e.unsqueeze(0).squeeze(0).toArray()).toEqual(e.toArray());
  });

  it('view() of an expanded tensor throws; in-place writes to it throw', () => {
    const e = keel.tensor([[1], [2]]).expand([2, 3]);
    expect(() => e.view([6])).toThrow(/view: /);
    expect(() => e.add_(1)).toThrow(/contiguous/);
    expect(() => e.fill_(0)).toThrow(/contiguous/);
  });

  it('matmul of 2-D stride-0 views gives the bits of contiguous copies, with gradients to the bases', () => {
    const rowsA = keel.randn([5, 1], { requiresGrad: true });
    const w = keel.randn([4, 3], { requiresGrad: true });
    const colsE = keel.randn([1, 7], { requiresGrad: true });
    const a = rowsA.expand([5, 4]); // strides [1, 0]
    const e = colsE.expand([3, 7]); // strides [0, 1]
    expect(a.isContiguous() || e.isContiguous()).toBe(false);
    const viaViews = a.matmul(w).matmul(e);
    const viaCopies = a.contiguous().matmul(w).matmul(e.contiguous());
    expect(Array.from(viaViews.toTypedArray())).toEqual(Array.from(viaCopies.toTypedArray()));
    // The 2-D product is the batched one's single matrix, bit for bit.
    const batched = a.unsqueeze(0).matmul(w.unsqueeze(0)).squeeze(0);
    expect(Array.from(a.matmul(w).toTypedArray())).toEqual(Array.from(batched.toTypedArray()));
    viaViews.sum().backward();
    // sum(a W E) = sum_i rowsA[i] * sum(W E): every row's gradient is sum(W E).
    const perRow = w.detach().matmul(e.detach()).sum().item();
    for (const g of rowsA.grad!.toTypedArray()) expect(g).toBeCloseTo(perRow, 4);
    expect(w.grad!.shape).toEqual([4, 3]);
    expect(colsE.grad!.shape).toEqual([1, 7]);
  });

  it('detach shares storage but has no grad', () => {
    const x = keel.tensor([1, 2, 3], { requiresGrad: true });
    const d = x.detach();
    expect(d.requiresGrad).toBe(false);
    expect(d.gradFn).toBe(null);
    expect(d.isLeaf).toBe(true);
    d.add_(10);
    expect(x.toArray()).toEqual([11, 12, 13]);
    const y = x.mul(2).detach();
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBe(null);
  });

  it('transpose, permute, slice, narrow, cat, split and clone copy', () => {
    const x = keel.arange(6).reshape([2, 3]).float();
    const copies = [
      x.transpose(0, 1), x.permute(1, 0), x.t(), x.slice(1, 0, 2), x.narrow(0, 1, 1), keel.cat([x], 0), x.split(1, 0)[0], x.clone(),
      keel.stack([x]), x.chunk(3, 1)[0], keel.pad(x, [1, 1]),
    ];
    const before = copies.map((c) => c.toArray());
    x.fill_(-1);
    copies.forEach((c, i) => expect(c.toArray()).toEqual(before[i]));
    expect(x.transpose(0, 1).isContiguous()).toBe(true);
    expect(x.to('float32')).toBe(x); // .to of the same dtype is the tensor itself
  });
});

describe('broadcasting and dtype promotion', () => {
  const i32 = (v: number[]) => keel.tensor(v, { dtype: 'int32' });

  it('promotes int32 with float32 to float32', () => {
    const r = i32([1, 2]).add(keel.tensor([0.5, 0.5]));
    expect(r.dtype).toBe('float32');
    expect(r.toArray()).toEqual([1.5, 2.5]);
    expect(keel.tensor([0.5]).mul(i32([3])).dtype).toBe('float32');
  });

  it('keeps int32 op int32 as int32, except true division', () => {
    expect(i32([1, 2]).add(i32([3, 4])).dtype).toBe('int32');
    expect(i32([1, 2]).mul(i32([3, 4])).toArray()).toEqual([3, 8]);
    expect(i32([5, 6]).sub(i32([1, 1])).dtype).toBe('int32');
    const q = i32([1, 3]).div(i32([2, 2]));
    expect(q.dtype).toBe('float32');
    expect(q.toArray()).toEqual([0.5, 1.5]);
  });

  it('comparisons give int32 0/1', () => {
    const c = keel.tensor([1, 2, 3]).gt(keel.tensor([2, 2, 2]));
    expect(c.dtype).toBe('int32');
    expect(c.toArray()).toEqual([0, 0, 1]);
    expect(keel.tensor([1, 2]).eq(2).toArray()).toEqual([0, 1]);
    expect(i32([1, 2]).le(1.5).toArray()).toEqual([1, 0]);
    expect(keel.tensor([1, 2]).ne(i32([1, 3])).dtype).toBe('int32');
  });

  it('accepts number operands on either side', () => {
    expect(keel.tensor([1, 2]).add(1).toArray()).toEqual([2, 3]);
    expect(keel.add(1, keel.tensor([1, 2])).toArray()).toEqual([2, 3]);
    expect(keel.sub(10, keel.tensor([1, 2])).toArray()).toEqual([9, 8]);
    expect(keel.div(1, keel.tensor([2, 4])).toArray()).toEqual([0.5, 0.25]);
    expect(keel.pow(2, keel.tensor([1, 3])).toArray()).toEqual([2, 8]);
    expect(keel.tensor([2, 3]).pow(2).toArray()).toEqual([4, 9]);
    // number operands with int32 tensors: integers stay int32, fractions promote
    expect(i32([1, 2]).add(1).dtype).toBe('int32');
    expect(i32([1, 2]).mul(3).toArray()).toEqual([3, 6]);
    const f = i32([1, 2]).add(0.5);
    expect(f.dtype).toBe('float32');
    expect(f.toArray()).toEqual([1.5, 2.5]);
    expect(i32([3]).div(2).toArray()).toEqual([1.5]);
    expect(() => keel.add(1 as never, 2 as never)).toThrow(TypeError);
  });

  it('broadcasts shapes both ways', () => {
    const r = keel.tensor([[1], [2], [3]]).add(keel.tensor([10, 20]));
    expect(r.shape).toEqual([3, 2]);
    expect(r.toArray()).toEqual([[11, 21], [12, 22], [13, 23]]);
    expect(keel.ones([2, 1, 4]).mul(keel.ones([3, 1])).shape).toEqual([2, 3, 4]);
    expect(keel.ones([2, 3]).add(keel.scalar(1)).shape).toEqual([2, 3]);
    expect(keel.where(keel.tensor([1, 0], { dtype: 'int32' }), keel.tensor([[1, 2]]), 0).toArray()).toEqual([[1, 0]]);
  });

  it('names the op and both shapes when shapes do not broadcast', () => {
    expect(() => keel.ones([2, 3]).add(keel.ones([4]))).toThrow(RangeError);
    expect(() => keel.ones([2, 3]).add(keel.ones([4]))).toThrow('add: shapes [2,3] and [4] cannot be broadcast together');
    expect(() => keel.ones([2, 3]).mul(keel.ones([3, 2]))).toThrow('mul: shapes [2,3] and [3,2] cannot be broadcast together');
    expect(() => keel.ones([2]).gt(keel.ones([3]))).toThrow('gt: shapes [2] and [3] cannot be broadcast together');
    expect(() => keel.ones([2, 3]).matmul(keel.ones([4, 5]))).toThrow(RangeError);
    expect(() => keel.ones([2, 3]).matmul(keel.ones([4, 5]))).toThrow('matmul: shapes [2,3] and [4,5] cannot be multiplied');
    expect(() => keel.ones([2]).add_(keel.ones([2, 2]))).toThrow(/add_: /);
  });

  it('in-place int32 ops refuse float results', () => {
    expect(() => i32([1]).add_(0.5)).toThrow(TypeError);
    expect(() => i32([1]).div_(2)).toThrow(TypeError);
    expect(i32([1]).add_(2).toArray()).toEqual([3]);
  });
});

it('the Tensor class is exported and creation results are instances', () => {
  expect(keel.zeros([1])).toBeInstanceOf(Tensor);
});
