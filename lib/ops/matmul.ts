// Matrix products on the packed GEMM: matmul with PyTorch's rules (1-D operands, batch
// broadcasting), mm and bmm. Transposes in the backward pass are GEMM flags, never copies.
import { record } from '../autograd.js';
import { native } from '../native.js';
import { broadcastShapes, formatShape, sameShape, sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';
import { expandTo, sumTo } from './reduce.js';
import { checkTensor } from './util.js';

interface Operand {
  t: Tensor; // contiguous; to dispose if !== the input
  stride: number;
}

// A batch of matrices as GEMM wants it: contiguous, with a batch stride (0 = one shared matrix).
function prepare(op: string, x: Tensor, batchOf: readonly number[], mat: readonly number[], batch: readonly number[]): Operand {
  const matSize = mat[0] * mat[1];
  if (sizeOf(batchOf) <= 1) return { t: x._contiguous ? x : x._materialize(op), stride: 0 };
  if (sameShape(batchOf, batch)) return { t: x._contiguous ? x : x._materialize(op), stride: matSize };
  // Partial broadcast ([2,1] against [1,3]): materialize the expanded batch.
  const padded = [...new Array(batch.length - batchOf.length).fill(1), ...batchOf, ...mat];
  const v = Tensor._view(x._contiguous ? x : x._materialize(op), padded, null);
  const full = expandTo(v, [...batch, ...mat]);
  v.dispose();
  return { t: full, stride: matSize };
}

/**
 * @internal C[batch] = op(A) op(B) where a is aBatch+[ra,ca] and b is bBatch+[rb,cb]
 * (row-major); op transposes when the flag is set.
 */
export function gemmBatched(op: string, a: Tensor, transA: boolean, b: Tensor, transB: boolean, batch: readonly number[]): Tensor {
  const ra = a.shape[a.ndim - 2], ca = a.shape[a.ndim - 1], rb = b.shape[b.ndim - 2], cb = b.shape[b.ndim - 1];
  const m = transA ? ca : ra, k = transA ? ra : ca, n = transB ? rb : cb;
  const A = prepare(op, a, a.shape.slice(0, -2), [ra, ca], batch);
  const B = prepare(op, b, b.shape.slice(0, -2), [rb, cb], batch);
  const out = Tensor._empty([...batch, m, n]);
  const count = sizeOf(batch);
  native.matmul(transA, transB, m, n, k, A.t._handle(op), A.t._offset, ca, A.stride, B.t._handle(op), B.t._offset, cb, B.stride,
    out._handle(op), 0, n, m * n, count, 1, 0);
  if (A.t !== a) A.t.dispose();
  if (B.t !== b) B.t.dispose();
  return out;
}

function view(t: Tensor, shape: readonly number[]): Tensor {
  return Tensor._view(t._contiguous ? t : t._materialize('matmul'), shape, null);
}

// Two matrices, the common case: the general path's batch broadcasting and operand records
// cost about 0.2 us per call (1x1x1: 696 -> 475 ns), a tenth of a 64x64 product's arithmetic.
function matmul2d(op: string, a: Tensor, b: Tensor): Tensor {
  const m = a.shape[0], k = a.shape[1], n = b.shape[1];
  if (b.shape[0] !== k) {
    throw new RangeError(`${op}: shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} cannot be multiplied (${k} != ${b.shape[0]})`);
  }
  const A = a._contiguous ? a : a._materialize(op);
  const B = b._contiguous ? b : b._materialize(op);
  const out = Tensor._empty([m, n]);
  native.matmul(false, false, m, n, k, A._handle(op), A._offset, k, 0, B._handle(op), B._offset, n, 0,
    out._handle(op), 0, n, m * n, 1, 1, 0);
  if (A !== a) A.dispose();
  if (B !== b) B.dispose();
  return record(op, out, [a, b], (g) => [
    a._requiresGrad ? gemmBatched(op, g, false, b, true, []) : null,
    b._requiresGrad ? gemmBatched(op, a, true, g, false, []) : null,
  ], [a, b]);
}

/**
 * Matrix product with PyTorch's rules: 1-D operands act as row/column vectors (and their
 * dimension is dropped), leading dimensions are batch dimensions and broadcast.
 *
 * @example
 * keel.matmul(keel.randn([10, 3, 4]), keel.randn([4, 5])).shape; // [10, 3, 5]
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  const op = 'matmul';
  checkTensor(op, 'input', a);
  checkTensor(op, 'other', b);
  if (a.ndim === 0 || b.ndim === 0) {
    throw new RangeError(`${op}: both arguments need at least 1 dimension, got shapes ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
  }
  if (a.dtype !== 'float32' || b.dtype !== 'float32') {
    throw new TypeError(`${op}: expected float32 tensors but received ${a.dtype} and ${b.dtype}`);
  }
  if (a.ndim === 2 && b.ndim === 2) return matmul2d(op, a, b);
  const a2 = a.ndim === 1 ? view(a, [1, a.shape[0]]) : a;
  const b2 = b.ndim === 1 ? view(b, [b.shape[0], 1]) : b;
  const k = a2.shape[a2.ndim - 1];
  if (b2.shape[b2.ndim - 2] !== k) {
    throw new RangeError(`${op}: shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} cannot be multiplied (${k} != ${b2.shape[b2.ndim - 2]})`);
  }
  const batchA = a2.shape.slice(0, -2), batchB = b2.shape.slice(0, -2);
  const batch = broadcastShapes(batchA, batchB);
  if (batch === null) {
    throw new RangeError(`${op}: batch dimensions of ${formatShape(a.shape)} and ${formatShape(b.shape)} cannot be broadcast together`);
  }
  const full = gemmBatched(op, a2, false, b2, false, batch);
  let outShape = [...full.shape];
  if (a.ndim === 1) outShape.splice(outShape.length - 2, 1);
  if (b.ndim === 1) outShape.splice(outShape.length - 1, 1);
  let out = full;
  if (outShape.length !== full.ndim) {
    out = Tensor._view(full, outShape, null);
    full.dispose();
  }
  return record(op, out, [a, b], (g) => {
    const gFull = view(g, [...batch, a2.shape[a2.ndim - 2], b2.shape[b2.ndim - 1]]);
    const ga = a._requiresGrad ? gemmBatched(op, gFull, false, b2, true, batch) : null;
    const gb = b._requiresGrad ? gemmBatched(op, a2, true, gFull, false, batch) : null;
    return [
      ga ? view(sumTo(ga, a2.shape), a.shape) : null,
      gb ? view(sumTo(gb, b2.shape), b.shape) : null,
    ];
  }, [a, b]);
}

/** 2-D matrix product (n×k by k×m). */
export function mm(a: Tensor, b: Tensor): Tensor {
  checkTensor('mm', 'input', a);
  checkTensor('mm', 'mat2', b);
  if (a.ndim !== 2 || b.ndim !== 2) throw new RangeError(`mm: expected 2-D tensors but got shapes ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
  return matmul(a, b);
}

/** Batched product of b×n×k by b×k×m (no broadcasting). */
export function bmm(a: Tensor, b: Tensor): Tensor {
  checkTensor('bmm', 'input', a);
  checkTensor('bmm', 'mat2', b);
  if (a.ndim !== 3 || b.ndim !== 3 || a.shape[0] !== b.shape[0]) {
    throw new RangeError(`bmm: expected 3-D tensors with the same batch size but got shapes ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
  }
  return matmul(a, b);
}
