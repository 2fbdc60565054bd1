// DataLoader: batches of a dataset, in order or shuffled by the seeded generator. For a
// TensorDataset a batch is one native gather (indexSelect) per tensor; other datasets are read
// sample by sample and combined by `collate` (default: stack tensors, tensor-ify numbers).
import { tensor } from '../ops/creation.js';
import { indexSelect, stack } from '../ops/shape.js';
import { Tensor } from '../tensor.js';
import { describeValue } from '../validate.js';
import { Dataset, randperm, Subset, TensorDataset } from './dataset.js';

export interface DataLoaderOptions<T, B> {
  /** Samples per batch (default 1). */
  batchSize?: number;
  /** Reorders the samples at the start of every epoch (seeded generator; default false). */
  shuffle?: boolean;
  /** Drops the last batch when it is smaller than batchSize (default false). */
  dropLast?: boolean;
  /** Combines a list of samples into a batch (default: defaultCollate). */
  collate?: (samples: T[]) => B;
}

/**
 * Combines samples into a batch: tensors are stacked along a new first dim, numbers become a
 * 1-D tensor (int32 when all are integers, else float32), and arrays / plain objects are
 * collated element-wise (a list of [x, y] pairs gives [xs, ys]). The sample tensors are freed.
 */
export function defaultCollate(samples: readonly unknown[]): any {
  if (samples.length === 0) throw new RangeError('defaultCollate: expected at least one sample');
  const first = samples[0];
  if (first instanceof Tensor) {
    const ts = samples as Tensor[];
    const out = stack(ts, 0);
    if (!out.requiresGrad) for (const t of ts) t.dispose();
    return out;
  }
  if (typeof first === 'number') {
    const nums = samples as number[];
    return tensor(nums, { dtype: nums.every(Number.isInteger) ? 'int32' : 'float32' });
  }
  if (Array.isArray(first)) {
    return first.map((_, k) => defaultCollate(samples.map((s, i) => {
      if (!Array.isArray(s) || s.length !== first.length) throw new TypeError(`defaultCollate: sample ${i} does not have the structure of sample 0 (an array of ${first.length})`);
      return s[k];
    })));
  }
  if (first !== null && typeof first === 'object' && Object.getPrototypeOf(first) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(first)) out[key] = defaultCollate(samples.map((s) => (s as Record<string, unknown>)[key]));
    return out;
  }
  throw new TypeError(`defaultCollate: cannot batch samples of type ${describeValue(first)}; pass a collate function`);
}

/**
 * Iterates over a dataset in batches.
 *
 * @example
 * keel.manualSeed(0);
 * const loader = new keel.data.DataLoader(train, { batchSize: 64, shuffle: true });
 * for (let epoch = 0; epoch < 5; epoch++) {
 *   for (const [x, y] of loader) keel.tidy(() => step(x, y)); // the batch is yours to dispose
 * }
 */
export class DataLoader<T = unknown, B = any> implements Iterable<B> {
  readonly dataset: Dataset<T>;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly collate: ((samples: T[]) => B) | undefined;

  constructor(dataset: Dataset<T>, options: DataLoaderOptions<T, B> = {}) {
    if (!(dataset instanceof Dataset)) throw new TypeError(`DataLoader: expected a Dataset but received ${describeValue(dataset)}`);
    const { batchSize = 1, shuffle = false, dropLast = false, collate } = options;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`DataLoader: batchSize must be a positive integer but received ${describeValue(batchSize)}`);
    if (collate !== undefined && typeof collate !== 'function') throw new TypeError(`DataLoader: collate must be a function but received ${describeValue(collate)}`);
    this.dataset = dataset;
    this.batchSize = batchSize;
    this.shuffle = Boolean(shuffle);
    this.dropLast = Boolean(dropLast);
    this.collate = collate;
  }

  /** The number of batches per epoch. */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** The sample order of one epoch (a fresh permutation per call when shuffling). */
  private order(): Int32Array {
    const n = this.dataset.length;
    if (this.shuffle) return randperm(n);
    const idx = new Int32Array(n);
    for (let i = 0; i < n; i++) idx[i] = i;
    return idx;
  }

  *[Symbol.iterator](): Iterator<B> {
    const order = this.order();
    const batches = this.length;
    // A TensorDataset, or a Subset of one, batches by one native gather per tensor.
    let source: TensorDataset | undefined;
    let through: readonly number[] | undefined;
    if (this.collate === undefined) {
      if (this.dataset instanceof TensorDataset) source = this.dataset;
      else if (this.dataset instanceof Subset && this.dataset.dataset instanceof TensorDataset) {
        source = this.dataset.dataset;
        through = this.dataset.indices;
      }
    }
    for (let b = 0; b < batches; b++) {
      const idx = order.subarray(b * this.batchSize, Math.min((b + 1) * this.batchSize, order.length));
      if (source) {
        const index = tensor(through ? Int32Array.from(idx, (i) => through[i]) : idx, { dtype: 'int32' });
        let batch: Tensor[];
        try {
          batch = source.tensors.map((t) => indexSelect(t, 0, index));
        } finally {
          index.dispose();
        }
        yield batch as unknown as B;
      } else {
        const samples = Array.from(idx, (i) => this.dataset.get(i));
        yield (this.collate ?? defaultCollate)(samples) as B;
      }
    }
  }
}
