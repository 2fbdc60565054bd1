// Bad input: wrong argument types, bad dims and sizes, disposed tensors, bad indices. Every
// failure must be a JS error with a message naming the op, never a crash or a silent result.
import { describe, expect, it } from 'vitest';
import * as keel from '../../lib/index.js';

const i32 = (v: number[]) => keel.tensor(v, { dtype: 'int32' });
const x23 = () => keel.ones([2, 3]);

describe('wrong argument types', () => {
  it.each<[string, () => unknown, RegExp]>([
    ['string operand', () => keel.add('a' as never, x23()), /^add: expected a Tensor or a number for input but received 'a' of type string$/],
    ['Float32Array operand', () => x23().add(new Float32Array(3) as never), /^add: .*Float32Array/],
    ['object operand', () => x23().mul({} as never), /^mul: .*an object/],
    ['null operand', () => x23().sub(null as never), /^sub: /],
    ['array operand', () => x23().div([1, 2, 3] as never), /^div: .*an Array/],
    ['two numbers', () => keel.add(1 as never, 2 as never), /^add: expected at least one Tensor/],
    ['string to unary', () => keel.exp('x' as never), /^exp: expected a Tensor for input/],
    ['Float32Array to matmul', () => x23().matmul(new Float32Array(6) as never), /^matmul: expected a Tensor for other but received a Float32Array/],
    ['undefined to sum', () => keel.sum(undefined as never), /^sum: expected a Tensor/],
    ['array to reshape fn', () => keel.reshape([1, 2] as never, [2]), /^reshape: expected a Tensor/],
    ['Float32Array to copy_', () => x23().copy_(new Float32Array(6) as never), /^copy_: expected a Tensor for src/],
    ['non-tensor in cat', () => keel.cat([x23(), 'a' as never]), /^cat: expected a Tensor for tensors\[1\]/],
    ['string dim to softmax', () => x23().softmax('1' as never), /^softmax: /],
    ['string clamp bound', () => x23().clamp('a' as never), /^clamp: expected a number for min/],
    ['bad dtype', () => x23().to('float64' as never), /^to: expected 'float32' or 'int32'/],
    ['bad dtype option', () => keel.zeros([2], { dtype: 'bool' as never }), /^zeros: /],
    ['number as shape', () => keel.zeros(3 as never), /^zeros: expected an array/],
    ['string fill', () => keel.full([2], '1' as never), /^full: expected a number for value/],
    ['mean of int32', () => i32([1]).mean(), /^mean: expected a float32 tensor/],
    ['matmul of int32', () => i32([1]).matmul(i32([1])), /^matmul: expected float32 tensors/],
    ['cat of mixed dtypes', () => keel.cat([keel.ones([1]), i32([1])]), /^cat: .*int32/],
    ['tidy of a non-function', () => keel.tidy(undefined as never), /^tidy: expected a function/],
    ['setNumThreads(0)', () => keel.setNumThreads(0), /^setNumThreads: /],
  ])('%s', (_, fn, message) => {
    let err: unknown = null;
    try {
      fn();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(message);
    expect(['TypeError', 'RangeError']).toContain((err as Error).constructor.name);
  });

  // Regression (found by this suite, fixed in the working tree): a non-tensor gradient used to
  // fail with "TypeError: gradient.numel is not a function".
  it('backward with a non-tensor gradient names backward', () => {
    const y = keel.ones([2], { requiresGrad: true }).mul(2);
    expect(() => y.backward(new Float32Array(2) as never)).toThrow(/^backward: expected a Tensor for gradient/);
    expect(() => y.backward('x' as never)).toThrow(TypeError);
  });

  // Regression (found by this suite, fixed in the working tree): an int32 gradient used to be
  // accepted; through clone/add/reshape (or on a leaf) the float32 leaf got an int32 .grad and
  // the next backward failed in add_.
  it('backward with an int32 gradient is rejected', () => {
    const x = keel.ones([2], { requiresGrad: true });
    expect(() => x.clone().backward(i32([1, 1]))).toThrow(/^backward: expected a float32 gradient/);
    expect(() => x.backward(i32([1, 1]))).toThrow(TypeError);
    expect(x.grad).toBe(null);
  });
});

describe('bad dimensions', () => {
  it.each<[string, () => unknown]>([
    ['sum', () => x23().sum({ dim: 2 })],
    ['sum negative', () => x23().sum({ dim: -3 })],
    ['mean list', () => x23().mean({ dim: [0, 5] })],
    ['softmax', () => x23().softmax(5)],
    ['logSoftmax', () => x23().logSoftmax(-3)],
    ['transpose', () => x23().transpose(0, 2)],
    ['unsqueeze', () => x23().unsqueeze(4)],
    ['squeeze', () => x23().squeeze(3)],
    ['cat', () => keel.cat([x23()], 2)],
    ['stack', () => keel.stack([x23()], 4)],
    ['argmax', () => x23().argmax({ dim: 2 })],
    ['max', () => x23().max(2)],
    ['slice', () => x23().slice(2)],
    ['narrow', () => x23().narrow(-3, 0, 1)],
    ['indexSelect', () => x23().indexSelect(2, i32([0]))],
    ['gather', () => x23().gather(2, i32([0, 0, 0, 0, 0, 0]).reshape([2, 3]))],
    ['permute', () => x23().permute(0, 2)],
    ['flatten', () => x23().flatten(0, 2)],
    ['split', () => x23().split(1, 2)],
    ['size', () => x23().size(2)],
    ['var', () => x23().var({ dim: 3 })],
    ['fractional dim', () => x23().sum({ dim: 0.5 })],
    ['NaN dim', () => x23().sum({ dim: NaN })],
  ])('%s: RangeError with "dimension out of range"', (op, fn) => {
    expect(fn).toThrow(RangeError);
    expect(fn).toThrow(/dimension out of range/);
  });

  it('messages name the op and the valid range', () => {
    expect(() => x23().sum({ dim: 2 })).toThrow('sum: dimension out of range (expected to be in range of [-2, 1], but got 2)');
    expect(() => x23().unsqueeze(-4)).toThrow('unsqueeze: dimension out of range (expected to be in range of [-3, 2], but got -4)');
  });

  it('repeated dims are rejected', () => {
    expect(() => x23().sum({ dim: [0, -2] })).toThrow(/sum: dim -2 appears multiple times/);
  });
});

describe('bad sizes and shapes', () => {
  it.each<[string, () => unknown, RegExp]>([
    ['zeros NaN', () => keel.zeros([NaN]), /^zeros: /],
    ['zeros negative', () => keel.zeros([2, -1]), /^zeros: /],
    ['zeros fractional', () => keel.zeros([1.5]), /^zeros: /],
    ['zeros Infinity', () => keel.zeros([Infinity]), /^zeros: /],
    ['ones string size', () => keel.ones(['2'] as never), /^ones: /],
    ['rand NaN', () => keel.rand([NaN]), /^rand: /],
    ['full NaN size', () => keel.full([NaN], 1), /^full: /],
    ['eye NaN', () => keel.eye(NaN), /^eye: /],
    ['arange NaN', () => keel.arange(NaN), /^arange: /],
    ['arange step 0', () => keel.arange(0, 5, 0), /^arange: /],
    ['linspace negative', () => keel.linspace(0, 1, -1), /^linspace: /],
    ['reshape NaN', () => x23().reshape([NaN, 6]), /^reshape: /],
    ['reshape NaN varargs', () => x23().reshape(NaN, 6), /^reshape: /],
    ['reshape fractional', () => x23().reshape([1.5, 4]), /^reshape: /],
    ['reshape wrong size', () => x23().reshape([4, 2]), /^reshape: shape \[4,2\] is invalid for input of shape \[2,3\]/],
    ['reshape two -1', () => x23().reshape([-1, -1]), /^reshape: only one dimension can be inferred/],
    ['view NaN', () => x23().view(NaN), /^(view|reshape): /],
    ['more than 8 dims', () => keel.zeros([1, 1, 1, 1, 1, 1, 1, 1, 1]), /^zeros: tensors of more than 8 dimensions/],
    ['out of memory', () => keel.zeros([1e6, 1e6]), /out of memory/],
    ['narrow past the end', () => x23().narrow(1, 2, 5), /^narrow: /],
    ['split sizes', () => x23().split([1, 1], 1), /^split: /],
    ['slice step 0', () => x23().slice(0, 0, 2, 0), /^slice: /],
    ['expand non-1 dim', () => x23().expand([4, 3]), /^expand: the expanded size \(4\) must match the existing size \(2\)/],
    ['expand fewer sizes', () => x23().expand([3]), /^expand: /],
    ['stack unequal', () => keel.stack([x23(), keel.ones([3])]), /^stack: /],
    ['cat unequal', () => keel.cat([x23(), keel.ones([2, 2])], 0), /^cat: sizes of tensors must match/],
    ['cat empty list', () => keel.cat([]), /^cat: /],
    ['matmul 0-d', () => keel.scalar(1).matmul(x23()), /^matmul: both arguments need at least 1 dimension/],
    ['bmm 2-d', () => keel.bmm(x23(), x23()), /^bmm: /],
    ['item of many', () => x23().item(), /^item: /],
    ['pad odd length', () => keel.pad(x23(), [1]), /^pad: /],
    ['randint low >= high', () => keel.randint(3, 3, [1]), /^randint: /],
  ])('%s', (_, fn, message) => {
    expect(fn).toThrow(message);
    expect(fn).toThrow(expect.objectContaining({ name: expect.stringMatching(/^(TypeError|RangeError)$/) }));
  });

  // Regression (found by this suite, fixed in the working tree): expand() used to accept NaN,
  // negative, fractional and string sizes (shape [NaN], numel() NaN), failing later with
  // unrelated messages ("storageAlloc: ... NaN", "copy: bad shape", "Invalid typed array length").
  it.each<[string, () => unknown]>([
    ['NaN', () => keel.ones([1]).expand([NaN])],
    ['-2', () => keel.ones([1]).expand([-2])],
    ['2.5', () => keel.ones([1]).expand([2.5])],
    ['new leading NaN', () => keel.ones([1]).expand([NaN, 1])],
    ["'3' (string)", () => keel.ones([1]).expand(['3'] as never)],
  ])('expand rejects the size %s', (_, fn) => {
    expect(fn).toThrow(/^expand: /);
  });
});

describe('bad indices', () => {
  it('indexSelect out of range throws a RangeError naming the index', () => {
    const x = x23();
    expect(() => x.indexSelect(1, i32([0, 3]))).toThrow(RangeError);
    expect(() => x.indexSelect(1, i32([0, 3]))).toThrow(/index 3 .*out of range for a dimension of size 3/);
    expect(() => x.indexSelect(0, i32([-1]))).toThrow(/index -1 .*out of range/);
    expect(() => x.indexSelect(0, i32([2]))).toThrow(/index 2 /);
  });

  it('gather out of range throws a RangeError naming the index', () => {
    const x = x23();
    const idx = i32([0, 5, 1, 1, 1, 1]).reshape([2, 3]);
    expect(() => x.gather(1, idx)).toThrow(RangeError);
    expect(() => x.gather(1, idx)).toThrow(/index 5 .*out of range/);
    expect(() => x.gather(0, i32([-1, 0, 0]).reshape([1, 3]))).toThrow(/index -1 /);
  });

  it('indices must be int32 tensors', () => {
    expect(() => x23().indexSelect(1, keel.tensor([0]))).toThrow(TypeError);
    expect(() => x23().indexSelect(1, keel.tensor([0]))).toThrow(/^indexSelect: expected an int32 tensor for index but received float32/);
    expect(() => x23().gather(1, keel.zeros([2, 3]))).toThrow(/^gather: expected an int32 tensor for index/);
    expect(() => x23().indexSelect(1, [0] as never)).toThrow(/^indexSelect: expected a Tensor for index/);
    expect(() => x23().indexSelect(0, i32([0, 1]).reshape([1, 2]))).toThrow(/^indexSelect: index should be 0-D or 1-D/);
  });

  it('a failed index op leaves its inputs usable', () => {
    const x = x23();
    expect(() => x.indexSelect(1, i32([9]))).toThrow(RangeError);
    expect(x.indexSelect(1, i32([2, 0])).toArray()).toEqual([[1, 1], [1, 1]]);
    const g = keel.ones([2, 3], { requiresGrad: true });
    expect(() => g.gather(1, i32([0, 0, 0, 3, 0, 0]).reshape([2, 3]))).toThrow(RangeError);
    g.gather(1, i32([0, 0, 0, 2, 2, 2]).reshape([2, 3])).sum().backward();
    expect(g.grad!.toArray()).toEqual([[3, 0, 0], [0, 0, 3]]);
  });

  // Regression (found by this suite, fixed in the working tree): indexSelect/gather used to leak
  // their output (until GC) when the native call threw for a bad index.
  it('a failed index op does not leak its output', () => {
    const x = x23();
    const xt = keel.ones([3, 2]).t(); // non-contiguous input: a temporary copy is made too
    const bad = i32([0, 3]);
    const badG = i32([0, 5, 1, 1, 1, 1]).reshape([2, 3]);
    const before = keel.memory().numTensors;
    expect(() => x.indexSelect(1, bad)).toThrow(RangeError);
    expect(() => x.gather(1, badG)).toThrow(RangeError);
    expect(() => xt.indexSelect(1, bad)).toThrow(RangeError);
    expect(keel.memory().numTensors).toBe(before);
  });

  it('other failed ops do not leak', () => {
    const x = x23();
    const other = keel.ones([4]);
    const w = keel.ones([4, 5]);
    const before = keel.memory().numTensors;
    expect(() => x.add(other)).toThrow(RangeError);
    expect(() => x.matmul(w)).toThrow(RangeError);
    expect(() => x.reshape([5])).toThrow(RangeError);
    expect(() => x.sum({ dim: 3 })).toThrow(RangeError);
    expect(() => keel.cat([x, w])).toThrow(RangeError);
    expect(keel.memory().numTensors).toBe(before);
  });
});

describe('disposed tensors passed to ops', () => {
  it('every argument position reports the op and "disposed"', () => {
    const d = x23();
    d.dispose();
    const idx = i32([0]);
    const di = i32([0]);
    di.dispose();
    const ok = x23();
    expect(() => keel.add(ok, d)).toThrow(/^add: other of shape \[2,3\] has been disposed$/);
    expect(() => keel.mul(d, ok)).toThrow(/^mul: input of shape \[2,3\] has been disposed$/);
    expect(() => keel.where(d, ok, ok)).toThrow(/^where: .*disposed/);
    expect(() => keel.where(i32([1]), d, ok)).toThrow(/^where: .*disposed/);
    expect(() => ok.indexSelect(0, di)).toThrow(/^indexSelect: index .*disposed/);
    expect(() => d.indexSelect(0, idx)).toThrow(/^indexSelect: .*disposed/);
    expect(() => keel.stack([ok, d])).toThrow(/^stack: tensors\[1\] .*disposed/);
    expect(() => ok.copy_(d)).toThrow(/^copy_: src .*disposed/);
    expect(() => d.copy_(ok)).toThrow(/^copy_: .*disposed/);
    expect(() => d.fill_(1)).toThrow(/^fill_: .*disposed/);
    expect(() => keel.zerosLike(d)).toThrow(/^zerosLike: .*disposed/);
    expect(() => d.expand([2, 3])).toThrow(/^expand: .*disposed/);
  });

  it('a disposed gradient or root passed to backward is reported', () => {
    const x = keel.ones([2], { requiresGrad: true });
    const g = keel.ones([2]);
    g.dispose();
    expect(() => x.mul(2).backward(g)).toThrow(/disposed/);
    const y = x.sum();
    y.dispose();
    expect(() => y.backward()).toThrow(/^backward: .*disposed/);
  });

  it('a disposed .grad is replaced by the next backward', () => {
    const x = keel.ones([2], { requiresGrad: true });
    x.sum().backward();
    x.grad!.dispose();
    x.mul(3).sum().backward();
    expect(x.grad!.toArray()).toEqual([3, 3]);
  });
});
