// The CIFAR-10 / CIFAR-100 binary batch format (cs.toronto.edu/~kriz/cifar.html): records of
// 1 label byte (CIFAR-100: coarse then fine label) followed by 3072 pixel bytes (R, G, B
// planes of 32 x 32, row-major).
import type { Tensor } from '../tensor.js';
import { fromTyped, readMaybeGzip } from './idx.js';

const PIXELS = 3 * 32 * 32;

export interface CifarBatch {
  /** float32 [N, 3, 32, 32] in [0, 1]. */
  images: Tensor;
  /** int32 [N]: CIFAR-10 classes, or CIFAR-100 fine labels (coarse ones with `coarse`). */
  labels: Tensor;
}

/** Parses CIFAR binary bytes; `name` is used in error messages. */
export function parseCifarBatch(buf: Uint8Array, name: string, options: { cifar100?: boolean; coarse?: boolean } = {}): CifarBatch {
  const op = 'readCifarBatch';
  const cifar100 = Boolean(options.cifar100 || options.coarse !== undefined);
  const labelBytes = cifar100 ? 2 : 1;
  const record = labelBytes + PIXELS;
  if (buf.length === 0) throw new Error(`${op}: '${name}' is empty`);
  if (buf.length % record !== 0) {
    throw new Error(`${op}: '${name}' has ${buf.length} bytes, not a whole number of ${record}-byte ${cifar100 ? 'CIFAR-100' : 'CIFAR-10'} records (truncated, or not a CIFAR binary batch)`);
  }
  const n = buf.length / record;
  const images = new Float32Array(n * PIXELS);
  const labels = new Int32Array(n);
  const labelAt = cifar100 && !options.coarse ? 1 : 0;
  const maxLabel = cifar100 ? (options.coarse ? 20 : 100) : 10;
  for (let i = 0; i < n; i++) {
    const base = i * record;
    const label = buf[base + labelAt];
    if (label >= maxLabel) {
      throw new Error(`${op}: '${name}' record ${i} has label ${label}, outside [0, ${maxLabel}) (wrong format: CIFAR-10 vs CIFAR-100?)`);
    }
    labels[i] = label;
    const px = base + labelBytes, dst = i * PIXELS;
    for (let k = 0; k < PIXELS; k++) images[dst + k] = buf[px + k] / 255;
  }
  return { images: fromTyped(images, [n, 3, 32, 32]), labels: fromTyped(labels, [n]) };
}

/**
 * Reads a CIFAR-10 binary batch (data_batch_1.bin, test_batch.bin), or a CIFAR-100 one
 * (train.bin, test.bin) with `cifar100: true` (fine labels) or `coarse: true/false`.
 * Gzipped files are accepted. A malformed file throws an Error naming it and the problem.
 *
 * @example
 * const { images, labels } = keel.data.readCifarBatch('cifar-10-batches-bin/data_batch_1.bin');
 */
export function readCifarBatch(path: string, options: { cifar100?: boolean; coarse?: boolean } = {}): CifarBatch {
  return parseCifarBatch(readMaybeGzip('readCifarBatch', path), path, options);
}
