// Finite-difference gradient checks (keel.gradcheck, default eps 1e-2, atol 1e-3, rtol 1e-2) of
// every differentiable op on small seeded random inputs, under each ISA the CPU supports.
// Inputs keep clear of kinks (relu/abs/clamp bounds, integer steps, ties) by more than eps.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as keel from '../../lib/index.js';
import type { GradcheckOptions, Tensor } from '../../lib/index.js';

interface Gen {
  lo?: number;
  hi?: number;
  /** Points to keep at least `gap` away from. */
  away?: number[];
  gap?: number;
  /** Distinct values (no ties), spaced at least 0.1 apart. */
  distinct?: boolean;
}

/** A seeded float32 leaf that requires grad. */
function input(shape: number[], g: Gen = {}): Tensor {
  const lo = g.lo ?? -2, hi = g.hi ?? 2, gap = g.gap ?? 0.1;
  const n = shape.reduce((a, b) => a * b, 1);
  const v = keel.uniform([n], lo, hi).toFloat32Array();
  if (g.distinct) {
    // A shuffled grid: ties impossible, neighbours 0.1+ apart.
    const order = Array.from(v.keys()).sort((a, b) => v[a] - v[b]);
    order.forEach((idx, rank) => (v[idx] = lo + rank * 0.15 + (v[idx] - lo) * 0.01));
  }
  for (const p of g.away ?? []) {
    for (let i = 0; i < n; i++) {
      const d = v[i] - p;
      if (Math.abs(d) < gap) v[i] = p + (d >= 0 ? gap : -gap) + d;
    }
  }
  return keel.tensor(v, { shape, requiresGrad: true });
}

const fixed = (values: number[], shape?: number[]): Tensor => keel.tensor(values, { shape, requiresGrad: true });
const idx = (values: number[], shape?: number[]): Tensor => keel.tensor(values, { shape, dtype: 'int32' });
// Integers and half-integers: the steps of floor/ceil/round/trunc.
const STEPS = Array.from({ length: 17 }, (_, i) => -4 + i * 0.5);

interface Check {
  name: string;
  fn: (...xs: Tensor[]) => Tensor;
  inputs: () => Tensor[];
  opts?: GradcheckOptions;
}

const checks: Check[] = [
  // ---- unary
  { name: 'neg', fn: (x) => x.neg(), inputs: () => [input([3, 4])] },
  { name: 'abs', fn: (x) => x.abs(), inputs: () => [input([3, 4], { away: [0] })] },
  { name: 'exp', fn: (x) => x.exp(), inputs: () => [input([3, 4])] },
  { name: 'log', fn: (x) => x.log(), inputs: () => [input([3, 4], { lo: 0.3, hi: 3 })] },
  { name: 'sqrt', fn: (x) => x.sqrt(), inputs: () => [input([3, 4], { lo: 0.3, hi: 3 })] },
  { name: 'rsqrt', fn: (x) => x.rsqrt(), inputs: () => [input([3, 4], { lo: 0.3, hi: 3 })] },
  { name: 'sigmoid', fn: (x) => x.sigmoid(), inputs: () => [input([3, 4], { lo: -4, hi: 4 })] },
  { name: 'tanh', fn: (x) => x.tanh(), inputs: () => [input([3, 4])] },
  { name: 'relu', fn: (x) => x.relu(), inputs: () => [input([3, 4], { away: [0] })] },
  { name: 'square', fn: (x) => x.square(), inputs: () => [input([3, 4])] },
  { name: 'reciprocal', fn: (x) => x.reciprocal(), inputs: () => [input([3, 4], { away: [0], gap: 0.4 })] },
  { name: 'sign', fn: (x) => x.sign(), inputs: () => [input([3, 4], { away: [0] })] },
  { name: 'floor', fn: (x) => x.floor(), inputs: () => [input([3, 4], { away: STEPS, gap: 0.05 })] },
  { name: 'ceil', fn: (x) => x.ceil(), inputs: () => [input([3, 4], { away: STEPS, gap: 0.05 })] },
  { name: 'round', fn: (x) => x.round(), inputs: () => [input([3, 4], { away: STEPS, gap: 0.05 })] },
  { name: 'trunc', fn: (x) => x.trunc(), inputs: () => [input([3, 4], { away: STEPS, gap: 0.05 })] },
  { name: 'sin', fn: (x) => x.sin(), inputs: () => [input([3, 4], { lo: -4, hi: 4 })] },
  { name: 'cos', fn: (x) => x.cos(), inputs: () => [input([3, 4], { lo: -4, hi: 4 })] },
  { name: 'log1p', fn: (x) => x.log1p(), inputs: () => [input([3, 4], { lo: -0.6, hi: 3 })] },
  { name: 'expm1', fn: (x) => x.expm1(), inputs: () => [input([3, 4])] },
  { name: 'erf', fn: (x) => x.erf(), inputs: () => [input([3, 4])] },
  { name: 'gelu', fn: (x) => x.gelu(), inputs: () => [input([3, 4], { lo: -3, hi: 3 })] },
  { name: 'gelu tanh', fn: (x) => x.gelu({ approximate: 'tanh' }), inputs: () => [input([3, 4], { lo: -3, hi: 3 })] },
  { name: 'silu', fn: (x) => x.silu(), inputs: () => [input([3, 4], { lo: -3, hi: 3 })] },
  { name: 'softplus', fn: (x) => x.softplus(), inputs: () => [input([3, 4], { lo: -3, hi: 3 })] },
  // the linear switch at beta*x = threshold (x = 1.5) is a tiny kink: keep clear of it
  { name: 'softplus beta 2 threshold 3', fn: (x) => x.softplus({ beta: 2, threshold: 3 }), inputs: () => [input([3, 4], { lo: -3, hi: 3, away: [1.5] })] },
  { name: 'clamp', fn: (x) => x.clamp(-0.5, 0.8), inputs: () => [input([3, 4], { away: [-0.5, 0.8] })] },
  { name: 'clamp min only', fn: (x) => x.clamp(0.2), inputs: () => [input([3, 4], { away: [0.2] })] },
  { name: 'clamp max only', fn: (x) => x.clamp(null, -0.3), inputs: () => [input([3, 4], { away: [-0.3] })] },
  { name: 'leakyRelu', fn: (x) => x.leakyRelu(0.1), inputs: () => [input([3, 4], { away: [0] })] },
  { name: 'elu', fn: (x) => x.elu(0.7), inputs: () => [input([3, 4], { away: [0] })] },
  { name: 'hardtanh', fn: (x) => keel.hardtanh(x, -0.5, 1.2), inputs: () => [input([3, 4], { away: [-0.5, 1.2] })] },
  { name: 'unary on a 0-d tensor', fn: (x) => x.tanh(), inputs: () => [fixed([0.3], [])] },

  // ---- binary (with broadcasting)
  { name: 'add', fn: (a, b) => a.add(b), inputs: () => [input([3, 4]), input([3, 4])] },
  { name: 'add broadcast [3,1]+[1,4]', fn: (a, b) => a.add(b), inputs: () => [input([3, 1]), input([1, 4])] },
  { name: 'add alpha', fn: (a, b) => keel.add(a, b, { alpha: -1.5 }), inputs: () => [input([2, 3, 4]), input([4])] },
  { name: 'add number', fn: (a) => a.add(1.25), inputs: () => [input([5])] },
  { name: 'sub broadcast [2,3,4]-[4]', fn: (a, b) => a.sub(b), inputs: () => [input([2, 3, 4]), input([4])] },
  { name: 'sub alpha', fn: (a, b) => keel.sub(a, b, { alpha: 2 }), inputs: () => [input([3, 1]), input([1, 4])] },
  { name: 'sub number first', fn: (a) => keel.sub(3, a), inputs: () => [input([5])] },
  { name: 'mul', fn: (a, b) => a.mul(b), inputs: () => [input([3, 4]), input([3, 4])] },
  { name: 'mul broadcast with 0-d', fn: (a, b) => a.mul(b), inputs: () => [input([3, 4]), fixed([0.7], [])] },
  { name: 'mul number', fn: (a) => a.mul(-2.5), inputs: () => [input([5])] },
  { name: 'div', fn: (a, b) => a.div(b), inputs: () => [input([3, 4]), input([3, 4], { away: [0], gap: 0.5 })] },
  { name: 'div broadcast [3,1]/[1,4]', fn: (a, b) => a.div(b), inputs: () => [input([3, 1]), input([1, 4], { away: [0], gap: 0.5 })] },
  { name: 'div number first', fn: (a) => keel.div(2, a), inputs: () => [input([5], { away: [0], gap: 0.5 })] },
  { name: 'pow tensor^tensor', fn: (a, b) => a.pow(b), inputs: () => [input([3, 4], { lo: 0.4, hi: 2 }), input([3, 4])] },
  { name: 'pow broadcast', fn: (a, b) => a.pow(b), inputs: () => [input([3, 1], { lo: 0.4, hi: 2 }), input([1, 4])] },
  { name: 'pow tensor^3', fn: (a) => a.pow(3), inputs: () => [input([5])] },
  { name: 'pow tensor^-0.5', fn: (a) => a.pow(-0.5), inputs: () => [input([5], { lo: 0.4, hi: 2 })] },
  { name: 'pow 2^tensor', fn: (a) => keel.pow(2, a), inputs: () => [input([5])] },
  { name: 'maximum', fn: (a, b) => a.maximum(b), inputs: () => { const [a, b] = [input([3, 4], { distinct: true }), input([3, 4], { distinct: true })]; return [a, separate(a, b)]; } },
  { name: 'minimum', fn: (a, b) => a.minimum(b), inputs: () => { const [a, b] = [input([3, 4], { distinct: true }), input([3, 4], { distinct: true })]; return [a, separate(a, b)]; } },
  { name: 'maximum broadcast with number', fn: (a) => a.maximum(0.3), inputs: () => [input([3, 4], { away: [0.3] })] },
  { name: 'where', fn: (a, b) => keel.where(idx([1, 0, 1, 0, 0, 1], [2, 3]), a, b), inputs: () => [input([2, 3]), input([2, 3])] },
  { name: 'where broadcast', fn: (a, b) => keel.where(idx([1, 0, 1], [3, 1]), a, b), inputs: () => [input([1, 4]), input([4])] },

  // ---- reductions
  { name: 'sum all', fn: (x) => x.sum(), inputs: () => [input([3, 4])] },
  { name: 'sum dims [0,2] keepdim', fn: (x) => x.sum({ dim: [0, 2], keepdim: true }), inputs: () => [input([2, 3, 4])] },
  { name: 'sum dim 1 of expanded', fn: (x) => x.expand([3, 4]).sum({ dim: 0 }), inputs: () => [input([3, 1])] },
  { name: 'mean dim 1', fn: (x) => x.mean({ dim: 1 }), inputs: () => [input([2, 3, 4])] },
  { name: 'mean all', fn: (x) => x.mean(), inputs: () => [input([3, 4])] },
  { name: 'prod all', fn: (x) => x.prod(), inputs: () => [input([2, 3], { lo: 0.5, hi: 1.5 })] },
  { name: 'prod dim 1', fn: (x) => x.prod({ dim: 1 }), inputs: () => [input([3, 4], { lo: -1.5, hi: 1.5, away: [0], gap: 0.3 })] },
  { name: 'max all', fn: (x) => x.max(), inputs: () => [input([3, 4], { distinct: true })] },
  { name: 'max dim 1', fn: (x) => x.max(1).values, inputs: () => [input([3, 4], { distinct: true })] },
  { name: 'min dim 0 keepdim', fn: (x) => x.min(0, { keepdim: true }).values, inputs: () => [input([3, 4], { distinct: true })] },
  { name: 'min all', fn: (x) => x.min(), inputs: () => [input([3, 4], { distinct: true })] },
  { name: 'logsumexp dim 1', fn: (x) => x.logsumexp({ dim: 1 }), inputs: () => [input([3, 4])] },
  { name: 'logsumexp all', fn: (x) => x.logsumexp(), inputs: () => [input([2, 3, 4])] },
  { name: 'var dim 1', fn: (x) => x.var({ dim: 1 }), inputs: () => [input([3, 4])] },
  { name: 'var all correction 0', fn: (x) => x.var({ correction: 0 }), inputs: () => [input([3, 4])] },
  { name: 'std dim 0 keepdim', fn: (x) => x.std({ dim: 0, keepdim: true }), inputs: () => [input([3, 4])] },
  { name: 'softmax dim 1', fn: (x) => x.softmax(1), inputs: () => [input([3, 4])] },
  { name: 'softmax dim 0 of 3-D', fn: (x) => x.softmax(0), inputs: () => [input([2, 3, 2])] },
  { name: 'logSoftmax dim -1', fn: (x) => x.logSoftmax(-1), inputs: () => [input([3, 4])] },
  { name: 'logSoftmax dim 1 of 3-D', fn: (x) => x.logSoftmax(1), inputs: () => [input([2, 3, 2])] },

  // ---- matmul
  { name: 'matmul 2-D', fn: (a, b) => a.matmul(b), inputs: () => [input([3, 4]), input([4, 2])] },
  { name: 'matmul 1-D . 1-D', fn: (a, b) => a.matmul(b), inputs: () => [input([4]), input([4])] },
  { name: 'matmul 1-D x 2-D', fn: (a, b) => a.matmul(b), inputs: () => [input([3]), input([3, 2])] },
  { name: 'matmul 2-D x 1-D', fn: (a, b) => a.matmul(b), inputs: () => [input([2, 3]), input([3])] },
  { name: 'matmul batched broadcast', fn: (a, b) => a.matmul(b), inputs: () => [input([2, 1, 2, 3]), input([2, 3, 2])] },
  { name: 'mm', fn: (a, b) => a.mm(b), inputs: () => [input([2, 5]), input([5, 3])] },
  { name: 'bmm', fn: (a, b) => a.bmm(b), inputs: () => [input([2, 2, 3]), input([2, 3, 2])] },

  // ---- shape
  { name: 'reshape', fn: (x) => x.reshape([4, -1]), inputs: () => [input([2, 3, 2])] },
  { name: 'view', fn: (x) => x.view([6, 2]), inputs: () => [input([2, 3, 2])] },
  { name: 'flatten', fn: (x) => x.flatten(1), inputs: () => [input([2, 3, 2])] },
  { name: 'squeeze', fn: (x) => x.squeeze(), inputs: () => [input([2, 1, 3])] },
  { name: 'unsqueeze', fn: (x) => x.unsqueeze(1), inputs: () => [input([2, 3])] },
  { name: 'expand', fn: (x) => x.expand([2, 3, 4]), inputs: () => [input([3, 1])] },
  { name: 'expandAs', fn: (x) => x.expandAs(keel.zeros([3, 4])), inputs: () => [input([1, 4])] },
  { name: 'permute', fn: (x) => x.permute([2, 0, 1]), inputs: () => [input([2, 3, 2])] },
  { name: 'transpose', fn: (x) => x.transpose(0, 2), inputs: () => [input([2, 3, 2])] },
  { name: 't', fn: (x) => x.t(), inputs: () => [input([2, 3])] },
  { name: 'contiguous of expanded', fn: (x) => x.expand([3, 4]).contiguous(), inputs: () => [input([1, 4])] },
  { name: 'clone', fn: (x) => x.clone(), inputs: () => [input([2, 3])] },
  { name: 'slice with step', fn: (x) => x.slice(1, 1, 6, 2), inputs: () => [input([2, 7])] },
  { name: 'narrow', fn: (x) => x.narrow(0, 1, 2), inputs: () => [input([4, 3])] },
  { name: 'cat', fn: (a, b) => keel.cat([a, b], 1), inputs: () => [input([2, 3]), input([2, 2])] },
  { name: 'stack', fn: (a, b) => keel.stack([a, b], 1), inputs: () => [input([2, 3]), input([2, 3])] },
  { name: 'split', fn: (x) => keel.cat(x.split([1, 3, 1], 1).map((p, i) => p.mul(i + 1)), 1), inputs: () => [input([2, 5])] },
  { name: 'chunk', fn: (x) => keel.cat(x.chunk(3, 0).map((p, i) => p.mul(i - 1.5)), 0), inputs: () => [input([5, 2])] },
  { name: 'indexSelect repeats', fn: (x) => x.indexSelect(0, idx([2, 0, 2, 1])), inputs: () => [input([3, 4])] },
  { name: 'gather repeats', fn: (x) => x.gather(1, idx([0, 0, 3, 1, 2, 1, 3, 3, 3], [3, 3])), inputs: () => [input([3, 4])] },
  { name: 'pad', fn: (x) => keel.pad(x, [1, 2, 0, 1], { value: 0.5 }), inputs: () => [input([2, 3])] },
  { name: 'to float32 (identity)', fn: (x) => x.float().mul(2), inputs: () => [input([2, 3])] },
  // a composite: gradients through a small network-like graph
  { name: 'composite mlp', fn: (x, w, b) => x.matmul(w).add(b).tanh().logSoftmax(1).mean(), inputs: () => [input([4, 3]), input([3, 5]), input([5])] },
];

/** b moved so no element ties or nearly ties with a (keeps maximum/minimum smooth). */
function separate(a: Tensor, b: Tensor): Tensor {
  const av = a.toFloat32Array(), bv = b.toFloat32Array();
  for (let i = 0; i < bv.length; i++) if (Math.abs(av[i] - bv[i]) < 0.1) bv[i] = av[i] + (bv[i] >= av[i] ? 0.1 : -0.1);
  return keel.tensor(bv, { shape: b.shape, requiresGrad: true });
}

const isas = keel.cpuInfo().supportedIsas as keel.Isa[];
const originalIsa = keel.cpuInfo().isa as keel.Isa;

describe.each(isas)('gradcheck [isa %s]', (isa) => {
  beforeAll(() => keel.setIsa(isa));
  afterAll(() => keel.setIsa(originalIsa));

  checks.forEach((c, k) => {
    it(c.name, () => {
      keel.manualSeed(1000 + k);
      keel.tidy(() => {
        expect(keel.gradcheck(c.fn, c.inputs(), c.opts)).toBe(true);
      });
    });
  });
});
