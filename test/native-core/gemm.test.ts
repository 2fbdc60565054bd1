// blas.sgemm / blas.sgemmStridedBatched against a float64 reference, for every ISA the CPU runs
// and for 1 and 2 threads; bit-identity across thread counts; the strided-batched variant.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blas, cpuInfo, getNumThreads, setIsa, setNumThreads } from '../../lib/index.js';
import {
  checkGemm, describeCase, extent, firstBitDifference, pick, randInt, randomF32, rng, saveRuntime,
  storedShape, supportedIsas, type GemmCase,
} from './helpers.js';

interface CaseOptions {
  transA: boolean;
  transB: boolean;
  m: number;
  n: number;
  k: number;
  alpha?: number;
  beta?: number;
  /** Extra elements per row beyond the minimum leading dimension, for A, B and C. */
  padA?: number;
  padB?: number;
  padC?: number;
  /** Fill C (padding included) with NaN before the call. */
  nanC?: boolean;
  /**
   * Put A, B and C in one shared ArrayBuffer at these element offsets (odd ones make every
   * operand misaligned), instead of each in its own array.
   */
  offsets?: [number, number, number];
}

interface Prepared extends GemmCase {
  /** The whole backing memory, and a copy of it from before the call. */
  whole: Float32Array;
  whole0: Float32Array;
}

function prepare(r: () => number, o: CaseOptions): Prepared {
  const { transA, transB, m, n, k } = o;
  const alpha = o.alpha ?? 1, beta = o.beta ?? 0;
  const [ar, ac] = storedShape(transA, m, k);
  const [br, bc] = storedShape(transB, k, n);
  const lda = Math.max(1, ac) + (o.padA ?? 0);
  const ldb = Math.max(1, bc) + (o.padB ?? 0);
  const ldc = Math.max(1, n) + (o.padC ?? 0);
  // Arrays are sized to whole rows of ld (plus a few guard elements for C), so padding exists
  // in every row, the last one included.
  const lenA = ar * lda, lenB = br * ldb, lenC = m * ldc + 3;
  let a: Float32Array, b: Float32Array, c: Float32Array, whole: Float32Array;
  if (o.offsets) {
    const [oa, ob, oc] = o.offsets;
    const total = oa + lenA + ob + lenB + oc + lenC + 5;
    whole = randomF32(r, total);
    const buf = whole.buffer;
    a = new Float32Array(buf, 4 * oa, lenA);
    b = new Float32Array(buf, 4 * (oa + lenA + ob), lenB);
    c = new Float32Array(buf, 4 * (oa + lenA + ob + lenB + oc), lenC);
  } else {
    a = randomF32(r, lenA);
    b = randomF32(r, lenB);
    c = randomF32(r, lenC);
    whole = c;
  }
  if (o.nanC) c.fill(NaN);
  const c0 = c.slice();
  return {
    transA, transB, m, n, k, alpha, beta, a, lda, b, ldb, c, c0, ldc, whole, whole0: whole.slice(),
  };
}

function runCase(r: () => number, o: CaseOptions): string | null {
  const g = prepare(r, o);
  const a0 = g.a.slice(), b0 = g.b.slice();
  blas.sgemm(g.transA, g.transB, g.m, g.n, g.k, g.alpha, g.a, g.lda, g.b, g.ldb, g.beta, g.c, g.ldc);
  if (firstBitDifference(a0, g.a) >= 0 || firstBitDifference(b0, g.b) >= 0) {
    return `${describeCase(g)}: A or B was modified`;
  }
  const err = checkGemm(g);
  if (err) return err;
  if (o.offsets) {
    // Nothing outside C's view (A, B, the gaps and the guards) may change.
    const cStart = g.c.byteOffset / 4, cEnd = cStart + g.c.length;
    for (let i = 0; i < g.whole.length; i++) {
      if (i >= cStart && i < cEnd) continue;
      if (!Object.is(g.whole[i], g.whole0[i])) return `${describeCase(g)}: element ${i} of the shared buffer changed`;
    }
  }
  return null;
}

/** Runs every case and fails with the list of failures (at most 5 shown). */
function expectAllPass(failures: string[]): void {
  expect(failures.slice(0, 5), `${failures.length} failing case(s)`).toEqual([]);
}

const TRANS: Array<[boolean, boolean]> = [[false, false], [false, true], [true, false], [true, true]];
const SMALL_DIMS = [0, 1, 7, 17, 63, 64, 65];
const SCALARS = [0, 1, -1, 0.5, 2];

describe.each(supportedIsas)('sgemm on %s', (isa) => {
  let restore: () => void;
  beforeAll(() => {
    restore = saveRuntime();
    setIsa(isa);
  });
  afterAll(() => restore());

  it('uses the requested ISA', () => {
    expect(cpuInfo().isa).toBe(isa);
  });

  describe.each([1, 2])('%i thread(s)', (threads) => {
    beforeAll(() => setNumThreads(threads));

    it.each(TRANS)('every small shape in {0,1,7,17,63,64,65}³, transA=%s transB=%s', (transA, transB) => {
      expect(getNumThreads()).toBe(threads);
      const r = rng(1000 + (transA ? 2 : 0) + (transB ? 1 : 0));
      const failures: string[] = [];
      for (const m of SMALL_DIMS) {
        for (const n of SMALL_DIMS) {
          for (const k of SMALL_DIMS) {
            const err = runCase(r, {
              transA, transB, m, n, k,
              alpha: pick(r, SCALARS), beta: pick(r, SCALARS),
              padA: randInt(r, 0, 3), padB: randInt(r, 0, 3), padC: randInt(r, 0, 3),
            });
            if (err) failures.push(err);
          }
        }
      }
      expectAllPass(failures);
    });

    it.each(TRANS)('large and lopsided shapes (255, 1000, cache-block crossings), transA=%s transB=%s', (transA, transB) => {
      const r = rng(2000 + (transA ? 2 : 0) + (transB ? 1 : 0));
      const shapes: Array<[number, number, number]> = [
        [255, 255, 255],
        [1000, 7, 17], [7, 1000, 17], [17, 7, 1000],
        [1000, 64, 65], [65, 1000, 64], [64, 65, 1000],
        [1000, 1, 1000], [1, 1000, 1000], [1000, 1000, 1],
        [63, 1000, 255], // n crosses every kernel's nc
        [1100, 17, 20], // m crosses the scalar kernel's mc
        [4300, 40, 20], // m crosses the AVX2 / AVX-512 mc (4096 / 4200)
      ];
      const failures: string[] = [];
      for (const [m, n, k] of shapes) {
        const err = runCase(r, {
          transA, transB, m, n, k,
          alpha: pick(r, [1, -1, 0.5, 2]), beta: pick(r, SCALARS),
          padA: randInt(r, 0, 5), padB: randInt(r, 0, 5), padC: randInt(r, 0, 5),
        });
        if (err) failures.push(err);
      }
      expectAllPass(failures);
    });

    it('randomized shapes from {0,1,7,17,63,64,65,255,1000}, random transposes, scalars and padding', () => {
      const r = rng(3000 + threads);
      const dims = [0, 1, 7, 17, 63, 64, 65, 255, 1000];
      const failures: string[] = [];
      let done = 0;
      while (done < 60) {
        const m = pick(r, dims), n = pick(r, dims), k = pick(r, dims);
        if (m * n * k > 4e6) continue; // keeps the JS reference fast
        done++;
        const err = runCase(r, {
          transA: r() < 0.5, transB: r() < 0.5, m, n, k,
          alpha: pick(r, SCALARS), beta: pick(r, SCALARS),
          padA: randInt(r, 0, 9), padB: randInt(r, 0, 9), padC: randInt(r, 0, 9),
        });
        if (err) failures.push(err);
      }
      expectAllPass(failures);
    });

    it('every alpha × beta in {0, 1, -1, 0.5, 2}², with k deeper than every kernel kc', () => {
      const r = rng(4000);
      const failures: string[] = [];
      for (const alpha of SCALARS) {
        for (const beta of SCALARS) {
          for (const [m, n, k] of [[65, 63, 17], [33, 47, 1000], [100, 100, 600]] as const) {
            const err = runCase(r, {
              transA: r() < 0.5, transB: r() < 0.5, m, n, k, alpha, beta, padA: 1, padB: 2, padC: 3,
            });
            if (err) failures.push(err);
          }
        }
      }
      expectAllPass(failures);
    });

    it('beta = 0 ignores NaN in C (C is write-only) and leaves the NaN padding alone', () => {
      const r = rng(5000);
      const failures: string[] = [];
      for (const [m, n, k] of [[1, 1, 1], [7, 17, 63], [65, 64, 1], [255, 255, 255], [17, 1000, 7], [33, 40, 0]] as const) {
        for (const [transA, transB] of TRANS) {
          for (const alpha of [1, -1, 0, 2]) {
            const err = runCase(r, { transA, transB, m, n, k, alpha, beta: 0, padC: 5, nanC: true });
            if (err) failures.push(err);
            // runCase's check already requires finite values (NaN fails the bound); be explicit.
          }
        }
      }
      expectAllPass(failures);
    });

    it('k = 0 gives C = beta·C; m = 0 or n = 0 leaves C untouched', () => {
      const r = rng(6000);
      const failures: string[] = [];
      for (const beta of SCALARS) {
        for (const [m, n] of [[5, 7], [64, 65], [300, 300]] as const) {
          const err = runCase(r, { transA: r() < 0.5, transB: r() < 0.5, m, n, k: 0, alpha: 2, beta, padC: 2 });
          if (err) failures.push(err);
        }
      }
      expectAllPass(failures);
      // k = 0 with beta = 0 zeroes a NaN-filled C; the padding keeps its NaNs.
      const c = new Float32Array(3 * 4).fill(NaN);
      blas.sgemm(false, false, 3, 2, 0, 1, new Float32Array(0), 1, new Float32Array(0), 2, 0, c, 4);
      for (let i = 0; i < 3; i++) {
        expect(Array.from(c.subarray(i * 4, i * 4 + 2))).toEqual([0, 0]);
        expect(Number.isNaN(c[i * 4 + 2]!) && Number.isNaN(c[i * 4 + 3]!)).toBe(true);
      }
      // m = 0 or n = 0: nothing is written, whatever beta.
      for (const [m, n] of [[0, 5], [5, 0], [0, 0]] as const) {
        const cc = new Float32Array(25).fill(NaN);
        blas.sgemm(false, false, m, n, 3, 1, new Float32Array(15), 3, new Float32Array(15), 5, 0, cc, 5);
        expect(cc.every((x) => Number.isNaN(x))).toBe(true);
      }
    });

    it('alpha = 0 does not read A or B: NaN in them does not reach C', () => {
      const m = 70, n = 90, k = 50;
      const a = new Float32Array(m * k).fill(NaN), b = new Float32Array(k * n).fill(Infinity);
      const c = new Float32Array(m * n).fill(3);
      blas.sgemm(false, false, m, n, k, 0, a, k, b, n, 0.5, c, n);
      expect(c.every((x) => x === 1.5)).toBe(true);
      blas.sgemm(true, true, m, n, k, 0, a, m, b, k, 0, c, n);
      expect(c.every((x) => x === 0)).toBe(true);
    });

    it('NaN and Inf in A or B propagate to exactly the affected rows / columns', () => {
      const m = 40, n = 50, k = 30;
      const r = rng(7000);
      const a = randomF32(r, m * k), b = randomF32(r, k * n);
      a[5 * k + 3] = NaN; // row 5 of A
      b[7 * n + 11] = Infinity; // column 11 of B
      const c = new Float32Array(m * n);
      blas.sgemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n);
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < n; j++) {
          const x = c[i * n + j]!;
          if (i === 5) expect(Number.isNaN(x), `C[${i},${j}]`).toBe(true);
          else if (j === 11) expect(Number.isFinite(x), `C[${i},${j}]`).toBe(false);
          else expect(Number.isFinite(x), `C[${i},${j}]`).toBe(true);
        }
      }
    });

    it('subarray operands at odd element offsets in one shared buffer (zero-copy, any alignment)', () => {
      const r = rng(8000);
      const failures: string[] = [];
      const shapes: Array<[number, number, number]> = [[1, 1, 1], [7, 17, 63], [65, 64, 17], [130, 129, 100], [255, 255, 255]];
      for (const [m, n, k] of shapes) {
        for (const [transA, transB] of TRANS) {
          for (const offsets of [[1, 3, 5], [3, 1, 7], [7, 5, 1], [0, 13, 3]] as Array<[number, number, number]>) {
            const err = runCase(r, {
              transA, transB, m, n, k, alpha: pick(r, [1, -1, 0.5]), beta: pick(r, SCALARS),
              padA: randInt(r, 0, 3), padB: randInt(r, 0, 3), padC: randInt(r, 0, 3), offsets,
            });
            if (err) failures.push(err);
          }
        }
      }
      expectAllPass(failures);
    });

    it("accepts 'N'/'T'/'n'/'t' for the transposes, with the same result as booleans", () => {
      const r = rng(9000);
      const m = 20, n = 30, k = 40;
      const a = randomF32(r, m * k), b = randomF32(r, k * n);
      for (const [ta, tb, sa, sb] of [[false, false, 'N', 'n'], [true, false, 't', 'N'], [false, true, 'n', 'T'], [true, true, 'T', 't']] as const) {
        const lda = ta ? m : k, ldb = tb ? k : n;
        const c1 = new Float32Array(m * n), c2 = new Float32Array(m * n);
        blas.sgemm(ta, tb, m, n, k, 1, a, lda, b, ldb, 0, c1, n);
        blas.sgemm(sa, sb, m, n, k, 1, a, lda, b, ldb, 0, c2, n);
        expect(firstBitDifference(c1, c2)).toBe(-1);
      }
    });

    it('A and B may be the same array (C = A·Aᵀ)', () => {
      const r = rng(9100);
      const m = 77, k = 91;
      const a = randomF32(r, m * k);
      const c = new Float32Array(m * m);
      blas.sgemm(false, true, m, m, k, 1, a, k, a, k, 0, c, m);
      expect(checkGemm({ transA: false, transB: true, m, n: m, k, alpha: 1, beta: 0, a, lda: k, b: a, ldb: k, c, c0: new Float32Array(m * m), ldc: m })).toBeNull();
    });

    it('exact small-integer products are exact', () => {
      const a = new Float32Array([1, 2, 3, 4]), b = new Float32Array([5, 6, 7, 8]);
      const c = new Float32Array(4);
      blas.sgemm(false, false, 2, 2, 2, 1, a, 2, b, 2, 0, c, 2);
      expect(Array.from(c)).toEqual([19, 22, 43, 50]);
      blas.sgemm(true, false, 2, 2, 2, 1, a, 2, b, 2, 1, c, 2); // += Aᵀ·B
      expect(Array.from(c)).toEqual([19 + 26, 22 + 30, 43 + 38, 50 + 44]);
      blas.sgemm(false, true, 2, 2, 2, -1, a, 2, b, 2, 2, c, 2); // 2C - A·Bᵀ
      expect(Array.from(c)).toEqual([2 * 45 - 17, 2 * 52 - 23, 2 * 81 - 39, 2 * 94 - 53]);
    });
  });
});

describe.each(supportedIsas)('bit-identical results across thread counts on %s', (isa) => {
  let restore: () => void;
  beforeAll(() => {
    restore = saveRuntime();
    setIsa(isa);
  });
  afterAll(() => restore());

  const shapes: Array<[number, number, number, boolean, boolean]> = [
    [300, 257, 513, false, false],
    [1000, 64, 300, false, true],
    [64, 1000, 128, true, false],
    [257, 300, 200, true, true],
    [4500, 70, 30, false, false], // crosses mc off the tile grid for AVX2 (4096 % 6 != 0)
    [1000, 1000, 1000, true, false], // 10^9 multiply-adds: several threads share each packed A block
  ];
  it.each(shapes)('%i×%i×%i (transA=%s, transB=%s) at 1, 2, 3, 4 threads', (m, n, k, transA, transB) => {
    const r = rng(m * 7 + n * 13 + k);
    const [ar, ac] = storedShape(transA, m, k), [br, bc] = storedShape(transB, k, n);
    const a = randomF32(r, ar * ac), b = randomF32(r, br * bc), c0 = randomF32(r, m * n);
    let first: Float32Array | undefined;
    for (const beta of [0, 0.5]) {
      first = undefined;
      for (const threads of [1, 2, 3, 4]) {
        setNumThreads(threads);
        const c = c0.slice();
        blas.sgemm(transA, transB, m, n, k, 1.25, a, ac, b, bc, beta, c, n);
        if (!first) {
          first = c;
          expect(checkGemm({ transA, transB, m, n, k, alpha: 1.25, beta, a, lda: ac, b, ldb: bc, c, c0, ldc: n })).toBeNull();
        } else {
          expect(firstBitDifference(first, c), `${threads} threads vs 1, beta=${beta}`).toBe(-1);
        }
      }
    }
  });
});

describe.each(supportedIsas)('sgemmStridedBatched on %s', (isa) => {
  let restore: () => void;
  beforeAll(() => {
    restore = saveRuntime();
    setIsa(isa);
  });
  afterAll(() => restore());

  // Small products are spread over the batch, large ones run one after another on all threads:
  // both paths must match a plain loop of sgemm bit for bit.
  const cases: Array<[string, number, number, number, number]> = [
    ['small', 9, 13, 11, 7],
    ['medium', 64, 65, 63, 5],
    ['large', 200, 150, 120, 3],
  ];
  for (const threads of [1, 2]) {
    it.each(cases)(`%s products (%i×%i×%i, batch %i) equal a loop of sgemm bitwise, ${threads} thread(s)`, (_name, m, n, k, batch) => {
      setNumThreads(threads);
      const r = rng(m + n + k + batch + threads);
      for (const [transA, transB] of TRANS) {
        for (const beta of [0, 1, 0.5]) {
          const [ar, ac] = storedShape(transA, m, k), [br, bc] = storedShape(transB, k, n);
          const lda = ac + 2, ldb = bc + 1, ldc = n + 3;
          const strideA = (ar - 1) * lda + ac + 5, strideB = (br - 1) * ldb + bc + 1, strideC = m * ldc + 4;
          const a = randomF32(r, batch * strideA), b = randomF32(r, batch * strideB);
          const c0 = randomF32(r, batch * strideC);
          const cBatched = c0.slice(), cLoop = c0.slice();
          blas.sgemmStridedBatched(transA, transB, m, n, k, 0.75, a, lda, strideA, b, ldb, strideB, beta, cBatched, ldc, strideC, batch);
          for (let i = 0; i < batch; i++) {
            blas.sgemm(transA, transB, m, n, k, 0.75,
              a.subarray(i * strideA), lda, b.subarray(i * strideB), ldb, beta, cLoop.subarray(i * strideC), ldc);
          }
          expect(firstBitDifference(cBatched, cLoop), `${transA} ${transB} beta=${beta}`).toBe(-1);
          // And the first entry is right, not just consistent.
          expect(checkGemm({
            transA, transB, m, n, k, alpha: 0.75, beta, a, lda, b, ldb,
            c: cBatched.subarray(0, strideC), c0: c0.subarray(0, strideC), ldc,
          })).toBeNull();
        }
      }
    });
  }

  it('strideA = 0 and strideB = 0 share one matrix across the batch', () => {
    const r = rng(11);
    const m = 30, n = 40, k = 50, batch = 6;
    const a = randomF32(r, m * k), b = randomF32(r, batch * k * n);
    const c = new Float32Array(batch * m * n);
    blas.sgemmStridedBatched(false, false, m, n, k, 1, a, k, 0, b, n, k * n, 0, c, n, m * n, batch);
    for (let i = 0; i < batch; i++) {
      const want = new Float32Array(m * n);
      blas.sgemm(false, false, m, n, k, 1, a, k, b.subarray(i * k * n), n, 0, want, n);
      expect(firstBitDifference(c.subarray(i * m * n, (i + 1) * m * n), want)).toBe(-1);
    }
    // Shared B: every C_i = A_i · B.
    const a2 = randomF32(r, batch * m * k), b2 = randomF32(r, k * n);
    blas.sgemmStridedBatched(false, false, m, n, k, 1, a2, k, m * k, b2, n, 0, 0, c, n, m * n, batch);
    for (let i = 0; i < batch; i++) {
      const want = new Float32Array(m * n);
      blas.sgemm(false, false, m, n, k, 1, a2.subarray(i * m * k), k, b2, n, 0, want, n);
      expect(firstBitDifference(c.subarray(i * m * n, (i + 1) * m * n), want)).toBe(-1);
    }
    // Shared A and B: every C_i is the same.
    blas.sgemmStridedBatched(true, true, m, n, k, 1, a2, m, 0, b2, k, 0, 0, c, n, m * n, batch);
    for (let i = 1; i < batch; i++) {
      expect(firstBitDifference(c.subarray(i * m * n, (i + 1) * m * n), c.subarray(0, m * n))).toBe(-1);
    }
  });

  it('batchCount = 0 is a no-op (even with empty arrays and NaN in C)', () => {
    const c = new Float32Array(100).fill(NaN);
    blas.sgemmStridedBatched(false, false, 5, 5, 5, 1, new Float32Array(0), 5, 25, new Float32Array(0), 5, 25, 0, c, 5, 25, 0);
    expect(c.every((x) => Number.isNaN(x))).toBe(true);
    blas.sgemmStridedBatched(false, false, 5, 5, 5, 1, new Float32Array(0), 5, 25, new Float32Array(0), 5, 25, 0, new Float32Array(0), 5, 25, 0);
  });

  it('batchCount = 1 with strideC = 0 is a single sgemm; k = 0 scales every C_i by beta', () => {
    const r = rng(12);
    const a = randomF32(r, 12), b = randomF32(r, 12);
    const c1 = randomF32(r, 9), c2 = c1.slice();
    blas.sgemmStridedBatched(false, false, 3, 3, 4, 1, a, 4, 0, b, 3, 0, 0.5, c1, 3, 0, 1);
    blas.sgemm(false, false, 3, 3, 4, 1, a, 4, b, 3, 0.5, c2, 3);
    expect(firstBitDifference(c1, c2)).toBe(-1);
    const c = new Float32Array(3 * 10).fill(4);
    blas.sgemmStridedBatched(false, false, 2, 3, 0, 1, new Float32Array(0), 1, 0, new Float32Array(0), 3, 0, 0.5, c, 4, 10, 3);
    for (let i = 0; i < 3; i++) {
      expect(Array.from(c.subarray(i * 10, i * 10 + 10))).toEqual([2, 2, 2, 4, 2, 2, 2, 4, 4, 4]);
    }
  });

  it('rejects overlapping C matrices and arrays too short for the batch', () => {
    const a = new Float32Array(4 * 20), b = new Float32Array(4 * 25), c = new Float32Array(4 * 20);
    expect(() => blas.sgemmStridedBatched(false, false, 4, 5, 5, 1, a, 5, 20, b, 5, 25, 0, c, 5, 19, 4))
      .toThrow(new RangeError('blas.sgemmStridedBatched: expected strideC >= 20 so that the C matrices do not overlap, but received 19'));
    expect(() => blas.sgemmStridedBatched(false, false, 4, 5, 5, 1, a, 5, 20, b, 5, 25, 0, c, 5, 0, 4))
      .toThrow(/expected strideC >= 20 so that the C matrices do not overlap, but received 0/);
    expect(() => blas.sgemmStridedBatched(false, false, 4, 5, 5, 1, a, 5, 21, b, 5, 25, 0, c, 5, 20, 4))
      .toThrow(new RangeError('blas.sgemmStridedBatched: a of shape [4,5] with lda=5 and batch 4 needs 83 elements but the Float32Array has 80'));
    expect(() => blas.sgemmStridedBatched(false, false, 4, 5, 5, 1, a, 5, 20, b, 5, 25, 0, c, 5, 20, 5))
      .toThrow(/a of shape \[4,5\] with lda=5 and batch 5 needs 100 elements but the Float32Array has 80/);
  });
});
