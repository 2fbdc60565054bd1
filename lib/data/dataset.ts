// Datasets: indexable collections of samples. TensorDataset wraps tensors whose first dim
// indexes the samples (the DataLoader gathers its batches natively); Subset views a dataset
// through a list of indices; randomSplit partitions a dataset with the seeded generator.
import { randint } from '../ops/creation.js';
import { reshape, slice } from '../ops/shape.js';
import { getRngState, manualSeed, setRngState } from '../random.js';
import { formatShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { describeValue } from '../validate.js';

/** A collection of `length` samples read by index (as torch.utils.data.Dataset). */
export abstract class Dataset<T = unknown> {
  abstract get length(): number;
  abstract get(index: number): T;
}

function checkIndex(op: string, index: number, length: number): number {
  if (!Number.isInteger(index)) throw new TypeError(`${op}: expected an integer index but received ${describeValue(index)}`);
  const i = index < 0 ? index + length : index;
  if (i < 0 || i >= length) throw new RangeError(`${op}: index ${index} is out of range for a dataset of ${length} samples`);
  return i;
}

/**
 * Tensors sharing their first dimension: sample i is [t0[i], t1[i], ...].
 *
 * @example
 * const ds = new keel.data.TensorDataset(images, labels);
 * const [x, y] = ds.get(0); // x: [1, 28, 28], y: 0-d int32
 */
export class TensorDataset extends Dataset<Tensor[]> {
  readonly tensors: readonly Tensor[];

  constructor(...tensors: Tensor[]) {
    super();
    if (tensors.length === 0) throw new TypeError('TensorDataset: expected at least one tensor');
    tensors.forEach((t, i) => {
      if (!(t instanceof Tensor)) throw new TypeError(`TensorDataset: expected a Tensor for tensors[${i}] but received ${describeValue(t)}`);
      if (t.ndim === 0) throw new RangeError(`TensorDataset: tensors[${i}] is 0-d; the first dimension must index the samples`);
      if (t.shape[0] !== tensors[0].shape[0]) {
        throw new RangeError(`TensorDataset: size mismatch between tensors: tensors[0] ${formatShape(tensors[0].shape)} and tensors[${i}] ${formatShape(t.shape)} differ in the first dimension`);
      }
    });
    this.tensors = tensors;
  }

  get length(): number {
    return this.tensors[0].shape[0];
  }

  get(index: number): Tensor[] {
    const i = checkIndex('TensorDataset.get', index, this.length);
    return this.tensors.map((t) => {
      const row = slice(t, 0, i, i + 1);
      const out = reshape(row, t.shape.slice(1));
      if (out !== row) row.dispose();
      return out;
    });
  }
}

/** The samples `indices` of `dataset`, in that order. */
export class Subset<T = unknown> extends Dataset<T> {
  readonly dataset: Dataset<T>;
  readonly indices: readonly number[];

  constructor(dataset: Dataset<T>, indices: ArrayLike<number>) {
    super();
    if (!(dataset instanceof Dataset)) throw new TypeError(`Subset: expected a Dataset but received ${describeValue(dataset)}`);
    const n = dataset.length;
    this.dataset = dataset;
    this.indices = Array.from(indices, (v) => checkIndex('Subset', v, n));
  }

  get length(): number {
    return this.indices.length;
  }

  get(index: number): T {
    return this.dataset.get(this.indices[checkIndex('Subset.get', index, this.indices.length)]);
  }
}

/**
 * A uniform random permutation of 0..n-1 (Fisher-Yates on int32 draws from the seeded
 * generator): reproducible after manualSeed, and it advances the generator.
 */
export function randperm(n: number): Int32Array {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`randperm: expected a non-negative integer for n but received ${describeValue(n)}`);
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  if (n < 2) return perm;
  const r = randint(0, 2 ** 31, [n]);
  const draws = r.toTypedArray();
  r.dispose();
  for (let i = n - 1; i > 0; i--) {
    // 31 random bits scaled to [0, i]: the bias is at most n / 2^31.
    const j = Math.floor((draws[i] / 2 ** 31) * (i + 1));
    const tmp = perm[i];
    perm[i] = perm[j];
    perm[j] = tmp;
  }
  return perm;
}

/** Runs `fn` with the default generator seeded by `seed` (if given), then restores its state. */
export function withSeed<T>(seed: number | undefined, fn: () => T): T {
  if (seed === undefined) return fn();
  const saved = getRngState();
  manualSeed(seed);
  try {
    return fn();
  } finally {
    setRngState(saved);
  }
}

/**
 * Splits `dataset` into non-overlapping random subsets of the given sizes: counts summing to
 * the length, or fractions summing to 1 (the remainder is dealt round-robin, as PyTorch).
 * Uses the default generator, or a private one seeded by `seed` (the default generator is
 * then left untouched).
 *
 * @example
 * keel.manualSeed(0);
 * const [train, val] = keel.data.randomSplit(ds, [0.8, 0.2]);
 */
export function randomSplit<T>(dataset: Dataset<T>, lengths: readonly number[], options: { seed?: number } = {}): Subset<T>[] {
  const op = 'randomSplit';
  if (!(dataset instanceof Dataset)) throw new TypeError(`${op}: expected a Dataset but received ${describeValue(dataset)}`);
  if (!Array.isArray(lengths) || lengths.length === 0 || lengths.some((v) => typeof v !== 'number' || !(v >= 0))) {
    throw new TypeError(`${op}: expected a non-empty list of non-negative sizes or fractions but received ${describeValue(lengths)}`);
  }
  const n = dataset.length;
  let sizes: number[];
  const total = lengths.reduce((a, b) => a + b, 0);
  if (lengths.every(Number.isInteger) && total === n) {
    sizes = [...lengths];
  } else if (Math.abs(total - 1) < 1e-6 && lengths.every((v) => v <= 1)) {
    sizes = lengths.map((f) => Math.floor(f * n));
    let rest = n - sizes.reduce((a, b) => a + b, 0);
    for (let i = 0; rest > 0; i = (i + 1) % sizes.length, rest--) sizes[i]++;
  } else {
    throw new RangeError(`${op}: sizes ${describeValue(lengths)} must sum to the dataset length (${n}) or fractions must sum to 1`);
  }
  const perm = withSeed(options.seed, () => randperm(n));
  const out: Subset<T>[] = [];
  let start = 0;
  for (const s of sizes) {
    out.push(new Subset(dataset, perm.subarray(start, start + s)));
    start += s;
  }
  return out;
}
