// Shared helpers for the native-core tests: a seeded PRNG, a float64 reference GEMM with an
// error bound, and small utilities. Not a test file (no .test.ts suffix).
import { fileURLToPath } from 'node:url';
import { cpuInfo, getNumThreads, setIsa, setNumThreads, type Isa } from '../../lib/index.js';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const addonPath = fileURLToPath(new URL('../../build/Release/keel.node', import.meta.url));

/** mulberry32: a tiny seeded PRNG, so every failure reproduces. Returns floats in [0, 1). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randInt(r: () => number, lo: number, hi: number): number {
  return lo + Math.floor(r() * (hi - lo + 1));
}

export function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)]!;
}

/** Float32Array of `n` values uniform in [-1, 1). */
export function randomF32(r: () => number, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = r() * 2 - 1;
  return out;
}

/** Plain-JS source of the same PRNG and filler, to rebuild identical inputs inside workers. */
export const rngSource = `
function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function randomF32(r, n) {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = r() * 2 - 1;
  return out;
}
`;

export interface GemmCase {
  transA: boolean;
  transB: boolean;
  m: number;
  n: number;
  k: number;
  alpha: number;
  beta: number;
  a: Float32Array;
  lda: number;
  b: Float32Array;
  ldb: number;
  c: Float32Array; // the C passed in (its values before the call are in c0)
  c0: Float32Array; // a copy of C before the call
  ldc: number;
}

export function describeCase(g: Omit<GemmCase, 'a' | 'b' | 'c' | 'c0'> | GemmCase): string {
  return (
    `${g.transA ? 'T' : 'N'}${g.transB ? 'T' : 'N'} m=${g.m} n=${g.n} k=${g.k} ` +
    `alpha=${g.alpha} beta=${g.beta} lda=${g.lda} ldb=${g.ldb} ldc=${g.ldc}`
  );
}

/** Rows and columns of a stored (not op()) operand. */
export function storedShape(trans: boolean, rows: number, cols: number): [number, number] {
  return trans ? [cols, rows] : [rows, cols];
}

/** Elements a matrix of `rows` rows with leading dimension `ld` and `cols` columns needs. */
export function extent(rows: number, cols: number, ld: number): number {
  return rows === 0 || cols === 0 ? 0 : (rows - 1) * ld + cols;
}

/**
 * Compares C after sgemm against a float64 reference. Checks, for every element in the m×n
 * region, |got - want| <= 1e-5·sqrt(K)·(Σp |alpha·a_ip·b_pj| + |beta·c_ij|) + tiny, and that
 * nothing outside that region (padding up to ldc, and past the last row) changed, bitwise.
 * Returns a failure message or null.
 */
export function checkGemm(g: GemmCase): string | null {
  const { transA, transB, m, n, k, alpha, beta, a, lda, b, ldb, c, c0, ldc } = g;
  // op(A) as m×k and op(B)ᵀ as n×k, both row-major float64, so the inner loop is contiguous.
  const opA = new Float64Array(m * k);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) opA[i * k + p] = transA ? a[p * lda + i]! : a[i * lda + p]!;
  }
  const opBt = new Float64Array(n * k);
  for (let j = 0; j < n; j++) {
    for (let p = 0; p < k; p++) opBt[j * k + p] = transB ? b[j * ldb + p]! : b[p * ldb + j]!;
  }
  const tolScale = 1e-5 * Math.sqrt(Math.max(k, 1));
  const touched = new Uint8Array(c.length);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      let abs = 0;
      if (alpha !== 0) {
        const ai = i * k, bj = j * k;
        for (let p = 0; p < k; p++) {
          const prod = opA[ai + p]! * opBt[bj + p]!;
          sum += prod;
          abs += Math.abs(prod);
        }
      }
      const idx = i * ldc + j;
      touched[idx] = 1;
      const cOld = beta === 0 ? 0 : c0[idx]!;
      const want = alpha * sum + beta * cOld;
      const bound = tolScale * (Math.abs(alpha) * abs + Math.abs(beta * cOld)) + 1e-30;
      const got = c[idx]!;
      if (!(Math.abs(got - want) <= bound)) {
        return `${describeCase(g)}: C[${i},${j}] = ${got}, want ${want} (bound ${bound})`;
      }
    }
  }
  for (let idx = 0; idx < c.length; idx++) {
    if (touched[idx]) continue;
    if (!Object.is(c[idx], c0[idx]) && !(Number.isNaN(c[idx]) && Number.isNaN(c0[idx]))) {
      return `${describeCase(g)}: element ${idx} outside the m×n region changed from ${c0[idx]} to ${c[idx]}`;
    }
  }
  return null;
}

/** Bytes of a typed array, for bitwise comparisons. */
export function bytesOf(x: Float32Array): Uint8Array {
  return new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
}

/** Index of the first differing byte-word, or -1. */
export function firstBitDifference(x: Float32Array, y: Float32Array): number {
  if (x.length !== y.length) return Math.min(x.length, y.length);
  const xi = new Uint32Array(x.buffer, x.byteOffset, x.length);
  const yi = new Uint32Array(y.buffer, y.byteOffset, y.length);
  for (let i = 0; i < xi.length; i++) if (xi[i] !== yi[i]) return i;
  return -1;
}

/** Every ISA this machine runs, for describe.each. */
export const supportedIsas: Isa[] = cpuInfo().supportedIsas;

/** Saves the ISA and thread count, to restore after a describe block. */
export function saveRuntime(): () => void {
  const isa = cpuInfo().isa;
  const threads = getNumThreads();
  return () => {
    setIsa(isa);
    setNumThreads(threads);
  };
}
