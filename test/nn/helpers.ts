// Shared by the nn tests: the PyTorch fixtures in test/fixtures/nn/*.json (written by
// scripts/gen_fixtures_nn.py) and a builder turning a fixture's module spec into a Keel module.
// Not a test file (no .test.ts suffix).
import { readFileSync } from 'node:fs';
import * as keel from '../../lib/index.js';
import type { Tensor } from '../../lib/index.js';
import * as nn from '../../lib/nn/index.js';

export interface TensorSpec {
  shape: number[];
  dtype?: 'float32' | 'int32';
  values: number[];
}

export interface ModuleSpec {
  ctor: string;
  args?: unknown[];
  opts?: Record<string, unknown>;
  named?: Record<string, ModuleSpec>;
}

export interface LayerCase {
  name: string;
  spec: ModuleSpec;
  train: boolean;
  tol: [number, number];
  state: Record<string, TensorSpec>;
  input: TensorSpec;
  output: TensorSpec;
  upstream: TensorSpec;
  inputGrad: TensorSpec | null;
  paramGrads: Record<string, TensorSpec | null>;
  stateAfter: Record<string, TensorSpec>;
}

export interface ModelCase {
  name: string;
  spec: ModuleSpec;
  keys: string[];
  shapes: number[][];
  parameterNames: string[];
  numParameters: number;
}

export function loadFixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/nn/${name}.json`, import.meta.url), 'utf8')) as T;
}

export function makeTensor(spec: TensorSpec, requiresGrad = false): Tensor {
  const dtype = spec.dtype ?? 'float32';
  const data = dtype === 'int32' ? Int32Array.from(spec.values) : Float32Array.from(spec.values);
  return keel.tensor(data, { shape: spec.shape, dtype, requiresGrad });
}

/** The Keel module for a spec: `new nn[ctor](...args, opts)`; Sequential args are child specs. */
export function buildModule(spec: ModuleSpec): nn.Module {
  const ctors = nn as unknown as Record<string, new (...args: unknown[]) => nn.Module>;
  if (spec.ctor === 'Sequential') {
    if (spec.named) return new nn.Sequential(Object.fromEntries(Object.entries(spec.named).map(([k, s]) => [k, buildModule(s)])));
    return new nn.Sequential(...(spec.args ?? []).map((s) => buildModule(s as ModuleSpec)));
  }
  const Ctor = ctors[spec.ctor];
  if (typeof Ctor !== 'function') throw new Error(`no nn.${spec.ctor}`);
  const args = [...(spec.args ?? [])];
  if (spec.opts) args.push(spec.opts);
  return new Ctor(...args);
}

/** First mismatches of `got` against `want` (|got - want| <= atol + rtol |want|), or null. */
export function compare(got: Tensor, want: TensorSpec, [atol, rtol]: readonly [number, number]): string | null {
  if (got.shape.length !== want.shape.length || got.shape.some((d, i) => d !== want.shape[i])) {
    return `shape [${got.shape.join(',')}] != [${want.shape.join(',')}]`;
  }
  if ((want.dtype ?? 'float32') !== got.dtype) return `dtype ${got.dtype} != ${want.dtype ?? 'float32'}`;
  const g = got.toTypedArray();
  const bad: string[] = [];
  let worst = 0;
  for (let i = 0; i < want.values.length; i++) {
    const w = want.values[i];
    if (!(Math.abs(g[i] - w) <= atol + rtol * Math.abs(w))) {
      worst = Math.max(worst, Math.abs(g[i] - w));
      if (bad.length < 5) bad.push(`[${i}] got ${g[i]} want ${w}`);
    }
  }
  return bad.length === 0 ? null : `${bad.join(', ')} (max |diff| ${worst})`;
}

export function stateFrom(state: Record<string, TensorSpec>): Map<string, Tensor> {
  return new Map(Object.entries(state).map(([k, v]) => [k, makeTensor(v)]));
}
