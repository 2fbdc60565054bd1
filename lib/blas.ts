// BLAS on the caller's own Float32Arrays: zero-copy, any alignment, row-major, CBLAS order.
// The native layer checks every argument (types, dimensions, array extents, overlap of C with
// A or B) and throws TypeError or RangeError naming the function and argument; these wrappers
// add no JS-side checks of their own, which cost a quarter of a 64^3 product's time.
import { native } from './native.js';

/** `false`/'N' for op(X) = X, `true`/'T' for op(X) = Xᵀ. */
export type Transpose = boolean | 'N' | 'T' | 'n' | 't';

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
  native.sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
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
  native.sgemmStridedBatched(transA, transB, m, n, k, alpha, a, lda, strideA, b, ldb, strideB, beta, c, ldc, strideC, batchCount);
}
