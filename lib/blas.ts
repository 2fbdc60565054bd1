// BLAS on the caller's own Float32Arrays: zero-copy, any alignment, row-major, CBLAS order.
import { native } from './native.js';
import { checkDim, checkFloat32Array, checkNumber, typeError } from './validate.js';

/** `false`/'N' for op(X) = X, `true`/'T' for op(X) = Xᵀ. */
export type Transpose = boolean | 'N' | 'T' | 'n' | 't';

function checkTranspose(fn: string, name: string, value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (value === 'N' || value === 'n') return false;
  if (value === 'T' || value === 't') return true;
  throw typeError(fn, "a boolean or 'N' | 'T'", name, value);
}

interface MatrixSpec {
  name: string;
  ldName: string;
  rows: number;
  cols: number;
  ld: number;
  stride: number;
  array: Float32Array;
}

// ld >= cols, and every batch entry inside the array: (batch-1)*stride + (rows-1)*ld + cols.
function checkMatrix(fn: string, spec: MatrixSpec, batch: number, reads: boolean): number {
  const minLd = Math.max(1, spec.cols);
  if (spec.ld < minLd) {
    throw new RangeError(
      `${fn}: expected ${spec.ldName} >= ${minLd} for ${spec.name} of shape [${spec.rows},${spec.cols}] ` +
        `but received ${spec.ld}`,
    );
  }
  if (!reads || batch === 0 || spec.rows === 0 || spec.cols === 0) return 0;
  const needed = (batch - 1) * spec.stride + (spec.rows - 1) * spec.ld + spec.cols;
  if (needed > spec.array.length) {
    const batchText = batch > 1 ? ` and batch ${batch}` : '';
    throw new RangeError(
      `${fn}: ${spec.name} of shape [${spec.rows},${spec.cols}] with ${spec.ldName}=${spec.ld}${batchText} ` +
        `needs ${needed} elements but the Float32Array has ${spec.array.length}`,
    );
  }
  return needed;
}

function overlaps(p: Float32Array, pLen: number, q: Float32Array, qLen: number): boolean {
  if (pLen === 0 || qLen === 0 || p.buffer !== q.buffer) return false;
  const p0 = p.byteOffset, q0 = q.byteOffset;
  return p0 < q0 + qLen * 4 && q0 < p0 + pLen * 4;
}

function checkAll(
  fn: string, transA: boolean, transB: boolean, m: number, n: number, k: number,
  a: Float32Array, lda: number, strideA: number, b: Float32Array, ldb: number, strideB: number,
  c: Float32Array, ldc: number, strideC: number, batch: number,
): void {
  const reads = m > 0 && n > 0 && k > 0;
  const aLen = checkMatrix(fn, { name: 'a', ldName: 'lda', rows: transA ? k : m, cols: transA ? m : k, ld: lda, stride: strideA, array: a }, batch, reads);
  const bLen = checkMatrix(fn, { name: 'b', ldName: 'ldb', rows: transB ? n : k, cols: transB ? k : n, ld: ldb, stride: strideB, array: b }, batch, reads);
  const cLen = checkMatrix(fn, { name: 'c', ldName: 'ldc', rows: m, cols: n, ld: ldc, stride: strideC, array: c }, batch, true);
  if (batch > 1 && m > 0 && n > 0 && (m - 1) * ldc + n > strideC) {
    throw new RangeError(
      `${fn}: expected strideC >= ${(m - 1) * ldc + n} so that the C matrices do not overlap, but received ${strideC}`,
    );
  }
  if (overlaps(c, cLen, a, aLen) || overlaps(c, cLen, b, bLen)) {
    throw new RangeError(`${fn}: c must not share memory with a or b`);
  }
}

/**
 * C = alpha·op(A)·op(B) + beta·C on row-major Float32Arrays (CBLAS order, without the layout
 * argument). op(A) is m×k, op(B) is k×n, C is m×n; lda/ldb/ldc are row strides in elements.
 * With beta = 0, C is write-only (NaNs in it are ignored).
 *
 * @example
 * const a = new Float32Array([1, 2, 3, 4]), b = new Float32Array([5, 6, 7, 8]);
 * const c = new Float32Array(4);
 * blas.sgemm(false, false, 2, 2, 2, 1, a, 2, b, 2, 0, c, 2); // c = [19, 22, 43, 50]
 */
export function sgemm(
  transA: Transpose, transB: Transpose, m: number, n: number, k: number, alpha: number,
  a: Float32Array, lda: number, b: Float32Array, ldb: number, beta: number,
  c: Float32Array, ldc: number,
): void {
  const fn = 'blas.sgemm';
  // Checked in argument order, as the native layer does, so both report the same first error.
  const ta = checkTranspose(fn, 'transA', transA), tb = checkTranspose(fn, 'transB', transB);
  checkDim(fn, 'm', m); checkDim(fn, 'n', n); checkDim(fn, 'k', k); checkNumber(fn, 'alpha', alpha);
  checkFloat32Array(fn, 'a', a); checkDim(fn, 'lda', lda);
  checkFloat32Array(fn, 'b', b); checkDim(fn, 'ldb', ldb);
  checkNumber(fn, 'beta', beta); checkFloat32Array(fn, 'c', c); checkDim(fn, 'ldc', ldc);
  checkAll(fn, ta, tb, m, n, k, a, lda, 0, b, ldb, 0, c, ldc, 0, 1);
  native.sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

/**
 * `batchCount` independent products C_i = alpha·op(A_i)·op(B_i) + beta·C_i, where matrix i of
 * each operand starts `i * stride` elements into its array. A stride of 0 reuses one matrix
 * for every entry (only for A and B: the C matrices must not overlap).
 *
 * @example
 * // 8 products of 4x5 by 5x3
 * blas.sgemmStridedBatched(false, false, 4, 3, 5, 1, a, 5, 20, b, 3, 15, 0, c, 3, 12, 8);
 */
export function sgemmStridedBatched(
  transA: Transpose, transB: Transpose, m: number, n: number, k: number, alpha: number,
  a: Float32Array, lda: number, strideA: number, b: Float32Array, ldb: number, strideB: number,
  beta: number, c: Float32Array, ldc: number, strideC: number, batchCount: number,
): void {
  const fn = 'blas.sgemmStridedBatched';
  const ta = checkTranspose(fn, 'transA', transA), tb = checkTranspose(fn, 'transB', transB);
  checkDim(fn, 'm', m); checkDim(fn, 'n', n); checkDim(fn, 'k', k); checkNumber(fn, 'alpha', alpha);
  checkFloat32Array(fn, 'a', a); checkDim(fn, 'lda', lda); checkDim(fn, 'strideA', strideA);
  checkFloat32Array(fn, 'b', b); checkDim(fn, 'ldb', ldb); checkDim(fn, 'strideB', strideB);
  checkNumber(fn, 'beta', beta); checkFloat32Array(fn, 'c', c); checkDim(fn, 'ldc', ldc);
  checkDim(fn, 'strideC', strideC); checkDim(fn, 'batchCount', batchCount);
  checkAll(fn, ta, tb, m, n, k, a, lda, strideA, b, ldb, strideB, c, ldc, strideC, batchCount);
  native.sgemmStridedBatched(ta, tb, m, n, k, alpha, a, lda, strideA, b, ldb, strideB, beta, c, ldc, strideC, batchCount);
}
