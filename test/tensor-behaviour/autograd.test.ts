// Autograd engine behaviour: backward entry points, accumulation, graph retention, grad modes,
// leaves, in-place checks, graph shapes (diamonds, broadcasting, deep chains) and gradient
// ownership (no aliasing between leaves or with the user's tensors).
import { describe, expect, it } from 'vitest';
import * as keel from '../../lib/index.js';

const arr = (t: keel.Tensor | null) => (t === null ? null : Array.from(t.toFloat32Array()));

describe('backward entry points', () => {
  it('backward on a scalar fills leaf grads', () => {
    const x = keel.tensor([1, 2, 3], { requiresGrad: true });
    x.mul(x).sum().backward();
    expect(arr(x.grad)).toEqual([2, 4, 6]);
    expect(x.grad!.requiresGrad).toBe(false);
    expect(x.grad!.gradFn).toBe(null);
  });

  it('backward on a one-element non-0-d tensor works', () => {
    const x = keel.tensor([3], { requiresGrad: true });
    x.mul(x).backward();
    expect(arr(x.grad)).toEqual([6]);
  });

  it('non-scalar output without a gradient is an error', () => {
    const x = keel.tensor([1, 2], { requiresGrad: true });
    const y = x.mul(2);
    expect(() => y.backward()).toThrow(/backward: grad can be implicitly created only for scalar outputs/);
    expect(x.grad).toBe(null);
  });

  it('backward with an explicit gradient (vector-Jacobian product)', () => {
    const x = keel.tensor([1, 2], { requiresGrad: true });
    x.mul(3).backward(keel.tensor([1, 10]));
    expect(arr(x.grad)).toEqual([3, 30]);
    const z = keel.tensor([1, 2], { requiresGrad: true });
    expect(() => z.mul(3).backward(keel.tensor([1, 2, 3]))).toThrow(/^backward: .*\[3\].*\[2\]/);
  });

  it('backward on a tensor that does not require grad is an error', () => {
    expect(() => keel.tensor([1]).sum().backward()).toThrow(/does not require grad/);
  });

  it('backward on a leaf accumulates into its own grad', () => {
    const x = keel.scalar(2).requiresGrad_();
    x.backward();
    expect(x.grad!.item()).toBe(1);
  });

  it('the function form keel.backward works', () => {
    const x = keel.tensor([1, 2], { requiresGrad: true });
    keel.backward(x.sum());
    expect(arr(x.grad)).toEqual([1, 1]);
  });
});

describe('accumulation and graph retention', () => {
  it('grads add up across backward calls', () => {
    const x = keel.tensor([1, 2], { requiresGrad: true });
    x.mul(x).sum().backward();
    x.mul(3).sum().backward();
    expect(arr(x.grad)).toEqual([2 + 3, 4 + 3]);
  });

  it('grads can be reset by zero_ or by setting null', () => {
    const x = keel.tensor([1, 2], { requiresGrad: true });
    x.sum().backward();
    x.grad!.zero_();
    x.mul(2).sum().backward();
    expect(arr(x.grad)).toEqual([2, 2]);
    x.grad = null;
    x.mul(5).sum().backward();
    expect(arr(x.grad)).toEqual([5, 5]);
  });

  it('a second backward through the same graph needs retainGraph', () => {
    const x = keel.tensor([1, 2], { requiresGrad: true });
    const y = x.exp().mul(x).sum();
    y.backward(null, { retainGraph: true });
    const g1 = arr(x.grad)!;
    y.backward(); // graph was retained: works, and frees it
    expect(arr(x.grad)!.map((v, i) => v / g1[i])).toEqual([2, 2].map((v) => expect.closeTo(v, 5)));
    expect(() => y.backward()).toThrow(/second time/);
  });

  it('without retainGraph the second backward throws "second time"', () => {
    const x = keel.tensor([1, 2], { requiresGrad: true });
    const h = x.mul(x);
    const y = h.sum();
    y.backward();
    expect(() => y.backward()).toThrow(/backward: trying to backward through the graph a second time/);
    // a new graph on the same leaf still works
    x.sum().backward();
    expect(arr(x.grad)).toEqual([3, 5]);
  });
});

describe('grad modes', () => {
  it('noGrad records nothing', () => {
    const x = keel.tensor([1, 2], { requiresGrad: true });
    const y = keel.noGrad(() => x.mul(2).exp().sum());
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBe(null);
    expect(y.isLeaf).toBe(true);
    expect(keel.isGradEnabled()).toBe(true);
    expect(() => y.backward()).toThrow(/does not require grad/);
  });

  it('noGrad restores the mode after an exception and returns the value', () => {
    expect(() => keel.noGrad(() => { throw new Error('boom'); })).toThrow('boom');
    expect(keel.isGradEnabled()).toBe(true);
    expect(keel.noGrad(() => 42)).toBe(42);
  });

  it('enableGrad re-enables recording inside noGrad', () => {
    const x = keel.tensor([1, 2], { requiresGrad: true });
    keel.noGrad(() => {
      expect(keel.isGradEnabled()).toBe(false);
      const y = keel.enableGrad(() => {
        expect(keel.isGradEnabled()).toBe(true);
        return x.mul(3).sum();
      });
      expect(keel.isGradEnabled()).toBe(false);
      expect(y.gradFn).not.toBe(null);
      y.backward(); // backward inside noGrad still computes grads
    });
    expect(arr(x.grad)).toEqual([3, 3]);
  });

  it('nested noGrad/enableGrad restore correctly', () => {
    keel.enableGrad(() => keel.noGrad(() => keel.noGrad(() => 0)));
    expect(keel.isGradEnabled()).toBe(true);
  });
});

describe('leaves and requiresGrad', () => {
  it('isLeaf and gradFn', () => {
    const x = keel.tensor([1, 2], { requiresGrad: true });
    const c = keel.tensor([1, 2]);
    expect(x.isLeaf).toBe(true);
    expect(x.gradFn).toBe(null);
    const y = x.add(c);
    expect(y.isLeaf).toBe(false);
    expect(y.requiresGrad).toBe(true);
    expect(y.gradFn!.name).toBe('add');
    expect(x.sum().gradFn!.name).toBe('sum');
    expect(x.matmul(c).gradFn!.name).toBe('matmul');
    // ops on tensors that do not require grad are leaves
    const z = c.mul(2);
    expect(z.isLeaf).toBe(true);
    expect(z.requiresGrad).toBe(false);
  });

  it('only leaves get .grad', () => {
    const x = keel.tensor([1, 2], { requiresGrad: true });
    const h = x.mul(2);
    h.sum().backward();
    expect(h.grad).toBe(null);
    expect(arr(x.grad)).toEqual([2, 2]);
  });

  it('requiresGrad on int32 throws', () => {
    expect(() => keel.arange(3).requiresGrad_()).toThrow(TypeError);
    expect(() => { keel.arange(3).requiresGrad = true; }).toThrow(/only float32/);
    expect(() => keel.tensor([1], { dtype: 'int32', requiresGrad: true })).toThrow(TypeError);
    expect(() => keel.zeros([1], { dtype: 'int32', requiresGrad: true })).toThrow(TypeError);
    expect(keel.arange(3).requiresGrad_(false).requiresGrad).toBe(false);
  });

  it('requiresGrad cannot be turned off on a non-leaf', () => {
    const y = keel.tensor([1], { requiresGrad: true }).mul(2);
    expect(() => y.requiresGrad_(false)).toThrow(/leaf/);
  });

  it('int32 results of ops on grad tensors do not require grad', () => {
    const x = keel.tensor([1, 2], { requiresGrad: true });
    expect(x.gt(1).requiresGrad).toBe(false);
    expect(x.argmax().requiresGrad).toBe(false);
    const m = x.max(0);
    expect(m.indices.requiresGrad).toBe(false);
    expect(m.values.requiresGrad).toBe(true);
  });
});

describe('in-place safety', () => {
  it('in-place ops on a leaf requiring grad throw unless in noGrad', () => {
    const x = keel.tensor([1, 2], { requiresGrad: true });
    expect(() => x.add_(1)).toThrow(/add_: a leaf tensor that requires grad/);
    expect(() => x.mul_(2)).toThrow(/leaf/);
    expect(() => x.zero_()).toThrow(/leaf/);
    expect(() => x.fill_(0)).toThrow(/leaf/);
    expect(() => x.copy_(keel.zeros([2]))).toThrow(/leaf/);
    expect(() => keel.sub_(x, 1)).toThrow(/leaf/);
    expect(x.toArray()).toEqual([1, 2]);
    keel.noGrad(() => x.add_(1));
    expect(x.toArray()).toEqual([2, 3]);
    expect(x.requiresGrad).toBe(true);
    expect(x.isLeaf).toBe(true);
  });

  it('in-place ops on non-leaves that require grad are refused', () => {
    const y = keel.tensor([1, 2], { requiresGrad: true }).mul(2);
    expect(() => y.add_(1)).toThrow(/add_: /);
    // using a grad tensor as the source of an in-place op on a plain tensor is refused too
    expect(() => keel.zeros([2]).add_(y)).toThrow(/add_: /);
  });

  it('modifying a saved input in place before backward is reported', () => {
    const x = keel.tensor([1, 2], { requiresGrad: true });
    const w = keel.tensor([3, 4]);
    const y = x.mul(w).sum(); // mul saves w for x's gradient
    w.mul_(10);
    expect(() => y.backward()).toThrow(/in-place/);
  });

  it('modifying a saved output (through noGrad) before backward is reported', () => {
    const x = keel.tensor([1, 2], { requiresGrad: true });
    const e = x.exp(); // exp's backward reads its output
    const y = e.sum();
    keel.noGrad(() => e.add_(1));
    expect(() => y.backward()).toThrow(/exp .*in-place/);
  });

  it('modifying a saved leaf through a view (detach) is reported', () => {
    const x = keel.tensor([1, 2], { requiresGrad: true });
    const y = x.mul(x).sum();
    x.detach().add_(1); // detach shares storage and the version counter
    expect(() => y.backward()).toThrow(/in-place/);
  });

  it('modifying a tensor that is not saved does not block backward', () => {
    const x = keel.tensor([1, 2], { requiresGrad: true });
    const c = keel.tensor([5, 5]);
    const y = x.add(c).sum(); // add saves nothing
    c.add_(1);
    y.backward();
    expect(arr(x.grad)).toEqual([1, 1]);
  });
});

describe('graph shapes', () => {
  it('diamond: y = x*x + x gives 2x + 1', () => {
    const x = keel.tensor([1, 2, 3], { requiresGrad: true });
    x.mul(x).add(x).sum().backward();
    expect(arr(x.grad)).toEqual([3, 5, 7]);
  });

  it('shared subexpressions accumulate through non-leaves', () => {
    const x = keel.tensor([1, 2], { requiresGrad: true });
    const h = x.mul(3); // used three times
    const y = h.mul(h).add(h.exp().mul(0)).add(h).sum(); // d/dx = (2h + 1) * 3
    y.backward();
    expect(arr(x.grad)).toEqual([(2 * 3 + 1) * 3, (2 * 6 + 1) * 3]);
  });

  it('x + x and x - x', () => {
    const x = keel.tensor([1, 2], { requiresGrad: true });
    x.add(x).sum().backward();
    expect(arr(x.grad)).toEqual([2, 2]);
    x.grad = null;
    x.sub(x).sum().backward();
    expect(arr(x.grad)).toEqual([0, 0]);
  });

  it('broadcast gradients are reduced to the input shape', () => {
    const a = keel.ones([3, 1], { requiresGrad: true });
    const b = keel.ones([1, 4], { requiresGrad: true });
    a.add(b).sum().backward();
    expect(a.grad!.shape).toEqual([3, 1]);
    expect(b.grad!.shape).toEqual([1, 4]);
    expect(a.grad!.toArray()).toEqual([[4], [4], [4]]);
    expect(b.grad!.toArray()).toEqual([[3, 3, 3, 3]]);
  });

  it('broadcast over leading dims and scalars', () => {
    const w = keel.tensor([1, 2], { requiresGrad: true });
    const s = keel.scalar(2).requiresGrad_();
    const x = keel.ones([4, 3, 2]);
    x.mul(w).mul(s).sum().backward();
    expect(w.grad!.shape).toEqual([2]);
    expect(arr(w.grad)).toEqual([24, 24]);
    expect(s.grad!.shape).toEqual([]);
    expect(s.grad!.item()).toBe(12 * 3);
  });

  it('expand backward sums to the input shape', () => {
    const a = keel.tensor([[1], [2]], { requiresGrad: true });
    a.expand([2, 5]).mul(keel.arange(5).float()).sum().backward();
    expect(a.grad!.toArray()).toEqual([[10], [10]]);
  });

  it('leaves that do not take part get no grad; inputs without requiresGrad get none', () => {
    const x = keel.tensor([1], { requiresGrad: true });
    const unused = keel.tensor([1], { requiresGrad: true });
    const c = keel.tensor([2]);
    x.mul(c).sum().backward();
    expect(unused.grad).toBe(null);
    expect(c.grad).toBe(null);
  });

  it('a deep chain (5000 ops) does not overflow the stack', () => {
    const x = keel.scalar(1).requiresGrad_();
    keel.tidy(() => {
      let h = x;
      for (let i = 0; i < 5000; i++) h = h.mul(1.0001).add(0);
      h.backward();
    });
    expect(x.grad!.item()).toBeCloseTo(Math.pow(1.0001, 5000), 2);
  });

  it('a wide fan-in (many uses of one leaf) accumulates', () => {
    const x = keel.tensor([1], { requiresGrad: true });
    keel.tidy(() => {
      let acc = keel.zeros([1]);
      for (let i = 0; i < 300; i++) acc = acc.add(x);
      acc.sum().backward();
    });
    expect(arr(x.grad)).toEqual([300]);
  });

  it('backward after a saved intermediate was disposed is an error', () => {
    const x = keel.tensor([1, 2], { requiresGrad: true });
    const w = keel.tensor([3, 4]);
    const y = x.mul(w).sum(); // mul saves w
    w.dispose();
    expect(() => y.backward()).toThrow(/backward: a tensor saved by mul .*disposed/);
  });

  // Regression (found by this suite, fixed in the working tree): dispose() used to null the
  // tensor's gradFn, so backward() silently stopped at a disposed intermediate that no op had
  // saved (x.grad stayed null, the disposed tensor got a .grad). Now the gradient routes through.
  it('backward through a disposed intermediate that nothing saved still reaches the leaf', () => {
    const x = keel.tensor([1], { requiresGrad: true });
    const h = x.add(x);
    const y = h.sum();
    h.dispose();
    y.backward();
    expect(arr(x.grad)).toEqual([2]);
    expect(h.grad).toBe(null);
  });

  it('the loss returned from tidy can be backpropagated when nothing freed was saved', () => {
    const x = keel.tensor([1, 2], { requiresGrad: true });
    const loss = keel.tidy(() => x.add(x).reshape([1, 2]).sum()); // add, reshape and sum save nothing
    loss.backward();
    expect(arr(x.grad)).toEqual([2, 2]);
    // ...and a freed tensor that backward needs is reported, not silently skipped
    const loss2 = keel.tidy(() => x.add(1).exp().sum());
    expect(() => loss2.backward()).toThrow(/^backward: a tensor saved by exp .*disposed/);
  });

  it('matmul, softmax, reductions and shape ops compose', () => {
    keel.manualSeed(1);
    const w = keel.randn([4, 3], { requiresGrad: true });
    const x = keel.randn([2, 4]);
    const ok = keel.gradcheck((ww) => x.matmul(ww).softmax(1).transpose(0, 1).slice(0, 1).mean({ dim: 1 }).square().sum(), [w]);
    expect(ok).toBe(true);
  });
});

describe('gradient ownership', () => {
  it('a + b with both leaves gives independent .grad tensors', () => {
    const a = keel.tensor([1, 2], { requiresGrad: true });
    const b = keel.tensor([3, 4], { requiresGrad: true });
    a.add(b).sum().backward();
    expect(arr(a.grad)).toEqual([1, 1]);
    expect(arr(b.grad)).toEqual([1, 1]);
    expect(a.grad).not.toBe(b.grad);
    a.grad!.add_(100);
    expect(arr(b.grad)).toEqual([1, 1]);
    a.grad!.zero_();
    expect(arr(b.grad)).toEqual([1, 1]);
  });

  it('gradients reaching two leaves through views stay independent', () => {
    const a = keel.ones([2, 2], { requiresGrad: true });
    const c = keel.ones([2, 2], { requiresGrad: true });
    a.reshape([4]).add(c.reshape([4])).sum().backward();
    a.grad!.add_(1);
    expect(arr(c.grad)).toEqual([1, 1, 1, 1]);
    expect(arr(a.grad)).toEqual([2, 2, 2, 2]);
  });

  it('clone passes the same gradient to two leaves without aliasing', () => {
    const a = keel.tensor([1], { requiresGrad: true });
    const b = keel.tensor([1], { requiresGrad: true });
    a.clone().add(b.clone()).sum().backward();
    a.grad!.fill_(7);
    expect(arr(b.grad)).toEqual([1]);
  });

  it('a second backward accumulates into each leaf separately', () => {
    const a = keel.tensor([1, 2], { requiresGrad: true });
    const b = keel.tensor([3, 4], { requiresGrad: true });
    a.add(b).sum().backward();
    a.add(b).mul(2).sum().backward();
    expect(arr(a.grad)).toEqual([3, 3]);
    expect(arr(b.grad)).toEqual([3, 3]);
  });

  it('backward(gradient) does not alias the user gradient', () => {
    const x = keel.tensor([1, 2], { requiresGrad: true });
    const g = keel.tensor([1, 1]);
    x.clone().backward(g);
    expect(arr(x.grad)).toEqual([1, 1]);
    g.fill_(5);
    expect(arr(x.grad)).toEqual([1, 1]);
    x.clone().backward(g); // accumulating must not write into g either
    expect(arr(g)).toEqual([5, 5]);
    expect(arr(x.grad)).toEqual([6, 6]);
  });

  it('backward(gradient) on a leaf does not alias the user gradient', () => {
    const x = keel.tensor([1, 2], { requiresGrad: true });
    const g = keel.tensor([3, 4]);
    x.backward(g);
    g.fill_(0);
    expect(arr(x.grad)).toEqual([3, 4]);
  });

  // Regression (found by this suite, fixed in the working tree): a gradient of another shape
  // with the same element count used to be accepted and reshaped into a view of the user's
  // storage, which a leaf then adopted as its .grad (aliasing the user's tensor).
  it('backward(gradient) rejects a differently shaped gradient (as PyTorch)', () => {
    const x = keel.tensor([[1, 2], [3, 4]], { requiresGrad: true });
    const g = keel.tensor([1, 1, 1, 1]);
    expect(() => x.clone().backward(g)).toThrow(/^backward: .*shape/);
    expect(() => x.backward(g)).toThrow(/^backward: .*shape/);
    expect(x.grad).toBe(null);
    expect(arr(g)).toEqual([1, 1, 1, 1]);
  });

  // Regression: the leaf adopted a view of the caller's gradient (decided by tensor id, not storage).
  it('backward(gradient) through a view-producing op does not alias the user gradient', () => {
    const x = keel.tensor([[1, 2], [3, 4]], { requiresGrad: true });
    const g = keel.tensor([1, 1, 1, 1]);
    x.reshape([4]).backward(g);
    g.fill_(5);
    expect(x.grad!.toArray()).toEqual([[1, 1], [1, 1]]);
    x.reshape([4]).backward(keel.ones([4]));
    expect(arr(g)).toEqual([5, 5, 5, 5]);
    expect(x.grad!.toArray()).toEqual([[2, 2], [2, 2]]);
  });

  it('the gradient given to backward is never modified', () => {
    const x = keel.tensor([1, 2], { requiresGrad: true });
    const g = keel.tensor([1, 1]);
    const y = x.mul(2);
    y.backward(g, { retainGraph: true });
    y.backward(g);
    expect(arr(g)).toEqual([1, 1]);
    expect(arr(x.grad)).toEqual([4, 4]);
  });
});
