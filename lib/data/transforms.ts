// Batch transforms on image tensors [N, C, H, W] (a single image [C, H, W] works too): each is
// a function tensor -> tensor, vectorized with tensor ops, random ones drawing from the seeded
// generator (reproducible after manualSeed). Inputs are left untouched; intermediates freed.
import { tidy } from '../memory.js';
import { add, lt, sub, div, where } from '../ops/binary.js';
import { arange, rand, randint, tensor } from '../ops/creation.js';
import { contiguous, expand, gather, indexSelect, pad, reshape, squeeze, unsqueeze } from '../ops/shape.js';
import { formatShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { describeValue } from '../validate.js';

export type Transform = (x: Tensor) => Tensor;

function checkImages(op: string, x: Tensor): void {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: expected a Tensor but received ${describeValue(x)}`);
  if (x.ndim !== 3 && x.ndim !== 4) throw new RangeError(`${op}: expected images [N, C, H, W] or [C, H, W] but received shape ${formatShape(x.shape)}`);
}

/** Runs `fn` on a 4-D batch, adding and removing the batch dim for a single image. */
function batched(x: Tensor, fn: (b: Tensor) => Tensor): Tensor {
  return tidy(() => (x.ndim === 3 ? squeeze(fn(unsqueeze(x, 0)), 0) : fn(x)));
}

/**
 * (x - mean[c]) / std[c] per channel.
 *
 * @example
 * const norm = keel.data.transforms.normalize([0.1307], [0.3081]);
 */
export function normalize(mean: readonly number[], std: readonly number[]): Transform {
  const op = 'normalize';
  if (!Array.isArray(mean) || !Array.isArray(std) || mean.length === 0 || mean.length !== std.length) {
    throw new TypeError(`${op}: expected mean and std lists of equal non-zero length but received ${describeValue(mean)} and ${describeValue(std)}`);
  }
  if (std.some((s) => typeof s !== 'number' || s === 0 || !Number.isFinite(s))) throw new RangeError(`${op}: std values must be finite and non-zero but received ${describeValue(std)}`);
  const c = mean.length;
  return (x: Tensor): Tensor => {
    checkImages(op, x);
    const channels = x.shape[x.ndim - 3];
    if (c !== 1 && channels !== c) throw new RangeError(`${op}: ${c} channel statistics for images with ${channels} channels (${formatShape(x.shape)})`);
    return tidy(() => div(sub(x, tensor(mean, { shape: [c, 1, 1] })), tensor(std, { shape: [c, 1, 1] })));
  };
}

/**
 * With probability p (per image), mirrors the image left-right.
 */
export function randomHorizontalFlip(p = 0.5): Transform {
  const op = 'randomHorizontalFlip';
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new RangeError(`${op}: p must be in [0, 1] but received ${describeValue(p)}`);
  return (x: Tensor): Tensor => {
    checkImages(op, x);
    return batched(x, (b) => {
      const [n, , , w] = b.shape;
      const flipped = indexSelect(b, 3, arange(w - 1, -1, -1));
      const mask = reshape(lt(rand([n]), p), [n, 1, 1, 1]);
      return where(mask, flipped, b);
    });
  };
}

/**
 * A random `size` crop (a number for square, or [h, w]) per image, after zero-padding each
 * side by `padding` (the CIFAR recipe: randomCrop(32, { padding: 4 })).
 */
export function randomCrop(size: number | readonly [number, number], options: { padding?: number; fill?: number } = {}): Transform {
  const op = 'randomCrop';
  const [sh, sw] = typeof size === 'number' ? [size, size] : size;
  if (!Number.isInteger(sh) || !Number.isInteger(sw) || sh < 1 || sw < 1) throw new RangeError(`${op}: size must be a positive integer or [h, w] but received ${describeValue(size)}`);
  const padding = options.padding ?? 0;
  if (!Number.isInteger(padding) || padding < 0) throw new RangeError(`${op}: padding must be a non-negative integer but received ${describeValue(padding)}`);
  return (x: Tensor): Tensor => {
    checkImages(op, x);
    return batched(x, (b) => {
      const padded = padding > 0 ? pad(b, [padding, padding, padding, padding], { value: options.fill ?? 0 }) : b;
      const [n, c, hp, wp] = padded.shape;
      if (sh > hp || sw > wp) throw new RangeError(`${op}: crop ${sh}x${sw} is larger than the padded image ${hp}x${wp}`);
      // Row then column gathers, with per-image offsets broadcast over the crop ranges.
      const oy = reshape(randint(0, hp - sh + 1, [n]), [n, 1, 1, 1]);
      const ox = reshape(randint(0, wp - sw + 1, [n]), [n, 1, 1, 1]);
      const rows = contiguous(expand(add(oy, reshape(arange(sh), [1, 1, sh, 1])), [n, c, sh, wp]));
      const tmp = gather(padded, 2, rows);
      const cols = contiguous(expand(add(ox, reshape(arange(sw), [1, 1, 1, sw])), [n, c, sh, sw]));
      return gather(tmp, 3, cols);
    });
  };
}

/** Applies transforms in order. */
export function compose(transforms: readonly Transform[]): Transform {
  if (!Array.isArray(transforms) || transforms.some((t) => typeof t !== 'function')) {
    throw new TypeError(`compose: expected a list of transform functions but received ${describeValue(transforms)}`);
  }
  return (x: Tensor): Tensor => tidy(() => transforms.reduce((acc, t) => t(acc), x));
}
