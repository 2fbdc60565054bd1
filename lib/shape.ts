// Shape arithmetic shared by the ops: sizes, strides, broadcasting, dimension arguments.

export type Shape = readonly number[];

export function formatShape(shape: Shape): string {
  return `[${shape.join(',')}]`;
}

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (let i = 0; i < shape.length; i++) n *= shape[i];
  return n;
}

export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = s;
    s *= shape[d];
  }
  return strides;
}

export function sameShape(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** NumPy broadcasting of two shapes; null if they do not broadcast. */
export function broadcastShapes(a: Shape, b: Shape): number[] | null {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
    const db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
    if (da === db || db === 1) out[i] = da;
    else if (da === 1) out[i] = db;
    else return null;
  }
  return out;
}

/**
 * Strides that read a tensor of `shape`/`strides` as if it had `target` shape (right-aligned
 * broadcasting): broadcast dimensions get stride 0.
 */
export function broadcastStrides(shape: Shape, strides: readonly number[], target: Shape): number[] {
  const out = new Array<number>(target.length).fill(0);
  const shift = target.length - shape.length;
  for (let d = 0; d < shape.length; d++) {
    out[d + shift] = shape[d] === 1 && target[d + shift] !== 1 ? 0 : strides[d];
  }
  return out;
}

/** Normalizes a possibly negative dimension, throwing an error that names the op. */
export function normalizeDim(op: string, dim: number, rank: number, forInsert = false): number {
  if (typeof dim !== 'number') throw new TypeError(`${op}: expected an integer for dim but received ${typeof dim === 'string' ? `'${dim}' of type string` : typeof dim}`);
  const limit = forInsert ? rank + 1 : rank;
  if (!Number.isInteger(dim) || dim < -Math.max(limit, 1) || dim >= Math.max(limit, 1)) {
    throw new RangeError(
      `${op}: dimension out of range (expected to be in range of [${-Math.max(limit, 1)}, ${Math.max(limit, 1) - 1}], but got ${dim})`,
    );
  }
  return dim < 0 ? dim + Math.max(limit, 1) : dim;
}

/** Product of shape[from, to). */
export function prod(shape: Shape, from: number, to: number): number {
  let n = 1;
  for (let i = from; i < to; i++) n *= shape[i];
  return n;
}
