// Reader for the PyTorch reference fixtures in test/fixtures/ops/*.json (written by
// scripts/gen_fixtures.py, committed; no Python at test time), and Keel's side of the op
// dispatch the generator mirrors. Not a test file (no .test.ts suffix).
import { readFileSync } from 'node:fs';
import * as keel from '../../lib/index.js';
import type { Operand, Tensor } from '../../lib/index.js';

export type Num = number | 'NaN' | 'Infinity' | '-Infinity';

export interface TensorSpec {
  shape: number[];
  dtype?: 'float32' | 'int32';
  values: Num[];
}

export interface InputSpec {
  ref?: number;
  number?: Num;
  grad?: boolean;
  pre?: ['expand', number[]];
}

export interface OpCase {
  name: string;
  op: string;
  args?: Record<string, any>;
  inputs: InputSpec[];
  outputs: TensorSpec[];
  tol: [number, number];
  upstream?: Array<{ ref: number } | null>;
  grads?: Array<Num[] | null>;
  gtol?: [number, number];
}

export interface Family {
  family: string;
  torch: string;
  tensors: TensorSpec[];
  cases: OpCase[];
}

export const FAMILY_NAMES = ['unary', 'binary', 'reduce', 'softmax', 'matmul', 'shape'] as const;

export function loadFamily(name: string): Family {
  const url = new URL(`../fixtures/ops/${name}.json`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as Family;
}

export function decode(v: Num): number {
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  return v;
}

/** A Keel tensor holding a fixture tensor (exact float32 or int32 values). */
export function makeTensor(spec: TensorSpec, requiresGrad = false): Tensor {
  const dtype = spec.dtype ?? 'float32';
  const values = spec.values.map(decode);
  const data = dtype === 'int32' ? Int32Array.from(values) : Float32Array.from(values);
  return keel.tensor(data, { shape: spec.shape, dtype, requiresGrad });
}

/**
 * Checks `got` against `want` elementwise: NaN must be NaN, infinities equal, finite values
 * within atol + rtol * |want|. Returns a description of the first few mismatches, or null.
 */
export function compareValues(got: ArrayLike<number>, want: readonly Num[], [atol, rtol]: readonly [number, number]): string | null {
  if (got.length !== want.length) return `length ${got.length} != ${want.length}`;
  const bad: string[] = [];
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const w = decode(want[i]), g = got[i];
    let ok: boolean;
    if (Number.isNaN(w)) ok = Number.isNaN(g);
    else if (!Number.isFinite(w)) ok = g === w;
    else if (atol === 0 && rtol === 0) ok = g === Math.fround(w);
    else ok = Math.abs(g - w) <= atol + rtol * Math.abs(w);
    if (!ok) {
      worst = Math.max(worst, Math.abs(g - w));
      if (bad.length < 6) bad.push(`[${i}] got ${g} want ${w}`);
    }
  }
  return bad.length === 0 ? null : `${bad.join(', ')}${bad.length === 6 ? ', ...' : ''} (max |diff| ${worst}, tol ${atol} + ${rtol}*|want|)`;
}

type Result = Tensor | Tensor[] | keel.MaxResult;
type OpFn = (i: Array<Operand>, a: Record<string, any>) => Result;

const T = (v: Operand): Tensor => v as Tensor;
const red = (a: Record<string, any>) => ({ dim: a.dim, keepdim: a.keepdim });

/** Keel's side of the generator's TORCH table: op name -> call. */
export const OPS: Record<string, OpFn> = {
  neg: (i) => keel.neg(T(i[0])),
  abs: (i) => keel.abs(T(i[0])),
  exp: (i) => keel.exp(T(i[0])),
  log: (i) => keel.log(T(i[0])),
  sqrt: (i) => keel.sqrt(T(i[0])),
  rsqrt: (i) => keel.rsqrt(T(i[0])),
  sigmoid: (i) => keel.sigmoid(T(i[0])),
  tanh: (i) => keel.tanh(T(i[0])),
  relu: (i) => keel.relu(T(i[0])),
  square: (i) => keel.square(T(i[0])),
  reciprocal: (i) => keel.reciprocal(T(i[0])),
  sign: (i) => keel.sign(T(i[0])),
  floor: (i) => keel.floor(T(i[0])),
  ceil: (i) => keel.ceil(T(i[0])),
  round: (i) => keel.round(T(i[0])),
  trunc: (i) => keel.trunc(T(i[0])),
  sin: (i) => keel.sin(T(i[0])),
  cos: (i) => keel.cos(T(i[0])),
  log1p: (i) => keel.log1p(T(i[0])),
  expm1: (i) => keel.expm1(T(i[0])),
  erf: (i) => keel.erf(T(i[0])),
  gelu: (i, a) => keel.gelu(T(i[0]), a.approximate === undefined ? undefined : { approximate: a.approximate }),
  silu: (i) => keel.silu(T(i[0])),
  softplus: (i, a) => keel.softplus(T(i[0]), { beta: a.beta, threshold: a.threshold }),
  clamp: (i, a) => keel.clamp(T(i[0]), a.min, a.max),
  leakyRelu: (i, a) => keel.leakyRelu(T(i[0]), a.slope),
  elu: (i, a) => keel.elu(T(i[0]), a.alpha),
  hardtanh: (i, a) => keel.hardtanh(T(i[0]), a.min, a.max),

  add: (i, a) => keel.add(i[0], i[1], a.alpha === undefined ? undefined : { alpha: a.alpha }),
  sub: (i, a) => keel.sub(i[0], i[1], a.alpha === undefined ? undefined : { alpha: a.alpha }),
  mul: (i) => keel.mul(i[0], i[1]),
  div: (i) => keel.div(i[0], i[1]),
  pow: (i) => keel.pow(i[0], i[1]),
  maximum: (i) => keel.maximum(i[0], i[1]),
  minimum: (i) => keel.minimum(i[0], i[1]),
  eq: (i) => keel.eq(i[0], i[1]),
  ne: (i) => keel.ne(i[0], i[1]),
  lt: (i) => keel.lt(i[0], i[1]),
  le: (i) => keel.le(i[0], i[1]),
  gt: (i) => keel.gt(i[0], i[1]),
  ge: (i) => keel.ge(i[0], i[1]),
  where: (i) => keel.where(T(i[0]), i[1], i[2]),

  sum: (i, a) => keel.sum(T(i[0]), red(a)),
  mean: (i, a) => keel.mean(T(i[0]), red(a)),
  prod: (i, a) => keel.prod(T(i[0]), red(a)),
  max: (i, a) => ('dim' in a ? keel.max(T(i[0]), a.dim, { keepdim: a.keepdim }) : keel.max(T(i[0]))),
  min: (i, a) => ('dim' in a ? keel.min(T(i[0]), a.dim, { keepdim: a.keepdim }) : keel.min(T(i[0]))),
  argmax: (i, a) => keel.argmax(T(i[0]), red(a)),
  argmin: (i, a) => keel.argmin(T(i[0]), red(a)),
  logsumexp: (i, a) => keel.logsumexp(T(i[0]), red(a)),
  var: (i, a) => keel.var(T(i[0]), { ...red(a), correction: a.correction }),
  std: (i, a) => keel.std(T(i[0]), { ...red(a), correction: a.correction }),
  softmax: (i, a) => keel.softmax(T(i[0]), a.dim),
  logSoftmax: (i, a) => keel.logSoftmax(T(i[0]), a.dim),

  matmul: (i) => keel.matmul(T(i[0]), T(i[1])),
  mm: (i) => keel.mm(T(i[0]), T(i[1])),
  bmm: (i) => keel.bmm(T(i[0]), T(i[1])),

  reshape: (i, a) => keel.reshape(T(i[0]), a.shape),
  view: (i, a) => keel.view(T(i[0]), a.shape),
  flatten: (i, a) => keel.flatten(T(i[0]), a.start, a.end),
  squeeze: (i, a) => keel.squeeze(T(i[0]), a.dim),
  unsqueeze: (i, a) => keel.unsqueeze(T(i[0]), a.dim),
  expand: (i, a) => keel.expand(T(i[0]), a.sizes),
  expandAs: (i) => keel.expandAs(T(i[0]), T(i[1])),
  permute: (i, a) => keel.permute(T(i[0]), a.dims),
  transpose: (i, a) => keel.transpose(T(i[0]), a.dim0, a.dim1),
  t: (i) => keel.t(T(i[0])),
  contiguous: (i) => keel.contiguous(T(i[0])),
  clone: (i) => keel.clone(T(i[0])),
  detach: (i) => keel.detach(T(i[0])),
  slice: (i, a) => keel.slice(T(i[0]), a.dim, a.start, a.end, a.step),
  narrow: (i, a) => keel.narrow(T(i[0]), a.dim, a.start, a.length),
  cat: (i, a) => keel.cat(i as Tensor[], a.dim),
  stack: (i, a) => keel.stack(i as Tensor[], a.dim),
  split: (i, a) => keel.split(T(i[0]), a.size, a.dim),
  chunk: (i, a) => keel.chunk(T(i[0]), a.chunks, a.dim),
  indexSelect: (i, a) => keel.indexSelect(T(i[0]), a.dim, T(i[1])),
  gather: (i, a) => keel.gather(T(i[0]), a.dim, T(i[1])),
  pad: (i, a) => keel.pad(T(i[0]), a.pad, a.value === undefined ? undefined : { value: a.value }),
  to: (i, a) => keel.to(T(i[0]), a.dtype),
};

/** The same calls through Tensor methods, where a method exists. */
export const METHODS: Record<string, OpFn> = {
  ...Object.fromEntries(
    ['neg', 'abs', 'exp', 'log', 'sqrt', 'rsqrt', 'sigmoid', 'tanh', 'relu', 'square', 'reciprocal', 'sign', 'floor', 'ceil', 'round',
      'trunc', 'sin', 'cos', 'log1p', 'expm1', 'erf', 'silu', 't', 'contiguous', 'clone', 'detach']
      .map((op) => [op, (i: Operand[]) => (T(i[0]) as any)[op]() as Tensor]),
  ),
  gelu: (i, a) => T(i[0]).gelu(a.approximate === undefined ? undefined : { approximate: a.approximate }),
  softplus: (i, a) => T(i[0]).softplus({ beta: a.beta, threshold: a.threshold }),
  clamp: (i, a) => T(i[0]).clamp(a.min, a.max),
  leakyRelu: (i, a) => T(i[0]).leakyRelu(a.slope),
  elu: (i, a) => T(i[0]).elu(a.alpha),
  ...Object.fromEntries(
    ['mul', 'div', 'pow', 'maximum', 'minimum', 'eq', 'ne', 'lt', 'le', 'gt', 'ge']
      .map((op) => [op, (i: Operand[]) => (i[0] instanceof keel.Tensor ? (i[0] as any)[op](i[1]) : null)]),
  ),
  add: (i, a) => (i[0] instanceof keel.Tensor ? i[0].add(i[1], a.alpha === undefined ? undefined : { alpha: a.alpha }) : null!),
  sub: (i, a) => (i[0] instanceof keel.Tensor ? i[0].sub(i[1], a.alpha === undefined ? undefined : { alpha: a.alpha }) : null!),
  where: (i) => (i[1] instanceof keel.Tensor ? i[1].where(T(i[0]), i[2]) : null!),
  sum: (i, a) => T(i[0]).sum(red(a)),
  mean: (i, a) => T(i[0]).mean(red(a)),
  prod: (i, a) => T(i[0]).prod(red(a)),
  max: (i, a) => ('dim' in a ? T(i[0]).max(a.dim, { keepdim: a.keepdim }) : T(i[0]).max()),
  min: (i, a) => ('dim' in a ? T(i[0]).min(a.dim, { keepdim: a.keepdim }) : T(i[0]).min()),
  argmax: (i, a) => T(i[0]).argmax(red(a)),
  argmin: (i, a) => T(i[0]).argmin(red(a)),
  logsumexp: (i, a) => T(i[0]).logsumexp(red(a)),
  var: (i, a) => T(i[0]).var({ ...red(a), correction: a.correction }),
  std: (i, a) => T(i[0]).std({ ...red(a), correction: a.correction }),
  softmax: (i, a) => T(i[0]).softmax(a.dim),
  logSoftmax: (i, a) => T(i[0]).logSoftmax(a.dim),
  matmul: (i) => T(i[0]).matmul(T(i[1])),
  mm: (i) => T(i[0]).mm(T(i[1])),
  bmm: (i) => T(i[0]).bmm(T(i[1])),
  reshape: (i, a) => T(i[0]).reshape(a.shape),
  view: (i, a) => T(i[0]).view(a.shape),
  flatten: (i, a) => T(i[0]).flatten(a.start, a.end),
  squeeze: (i, a) => T(i[0]).squeeze(a.dim),
  unsqueeze: (i, a) => T(i[0]).unsqueeze(a.dim),
  expand: (i, a) => T(i[0]).expand(a.sizes),
  expandAs: (i) => T(i[0]).expandAs(T(i[1])),
  permute: (i, a) => T(i[0]).permute(a.dims),
  transpose: (i, a) => T(i[0]).transpose(a.dim0, a.dim1),
  slice: (i, a) => T(i[0]).slice(a.dim, a.start, a.end, a.step),
  narrow: (i, a) => T(i[0]).narrow(a.dim, a.start, a.length),
  split: (i, a) => T(i[0]).split(a.size, a.dim),
  chunk: (i, a) => T(i[0]).chunk(a.chunks, a.dim),
  indexSelect: (i, a) => T(i[0]).indexSelect(a.dim, T(i[1])),
  gather: (i, a) => T(i[0]).gather(a.dim, T(i[1])),
  to: (i, a) => (a.dtype === 'int32' ? T(i[0]).int() : T(i[0]).float()),
};

/** A result as a flat list of tensors: [t], the list, or [values, indices]. */
export function outputsOf(r: Result): Tensor[] {
  if (r instanceof keel.Tensor) return [r];
  if (Array.isArray(r)) return r;
  return [r.values, r.indices];
}
