// Image files on disk: ImageFolder (torchvision.datasets.ImageFolder's layout, root/<class>/<image>)
// and loadImage for single images. Decoding and resizing run in `sharp` (an optional dependency,
// imported on first use) off the main thread; pixels become float32 CHW in [0, 1] as torchvision's
// ToTensor makes them. Only the main thread touches tensors: a decode resolves with raw bytes,
// which are converted and copied into native storage after the await.
import { readdirSync, realpathSync, statSync } from 'node:fs';
import type { Dirent } from 'node:fs';
import { availableParallelism } from 'node:os';
import { extname, join } from 'node:path';
import { native } from '../native.js';
import { tensor } from '../ops/creation.js';
import { indexSelect, reshape, slice } from '../ops/shape.js';
import { Tensor } from '../tensor.js';
import { describeValue, MAX_DIM, rangeError, typeError } from '../validate.js';
import { Dataset, randperm, TensorDataset } from './dataset.js';
import { defaultCollate } from './dataloader.js';
import { fromTyped } from './idx.js';

/** File extensions ImageFolder collects (compared case-insensitively). */
export const IMAGE_EXTENSIONS: readonly string[] = ['.jpg', '.jpeg', '.png', '.webp'];

/** How an image is brought to `size`: 'cover' scales to cover it and center-crops, 'fill' stretches. */
export type ImageFit = 'cover' | 'fill';

export interface ImageOptions {
  /**
   * Output [height, width], or one number for a square. Without it images keep their own size.
   * A number with fit 'cover' equals torchvision's Resize(n) followed by CenterCrop(n).
   */
  size?: number | readonly [number, number];
  /** 3 for RGB (default), 1 for grayscale (PIL's convert('L') luma: 0.299 R + 0.587 G + 0.114 B). */
  channels?: 1 | 3;
  /** Resize mode (default 'cover'). */
  fit?: ImageFit;
}

export interface ImageFolderOptions extends ImageOptions {
  /** Applied to each image [C, H, W] when a sample is read (get, getAsync, batches). */
  transform?: (image: Tensor) => Tensor;
  /**
   * ImageFolder.load decodes every image once into one float32 tensor [N, C, H, W] (default
   * true; for sets that fit in memory). With false, images are decoded on demand (getAsync,
   * batches) and the synchronous get() is unavailable.
   */
  cache?: boolean;
  /** Images decoded at the same time (default: the number of CPUs, at most 8). */
  concurrency?: number;
}

export interface ImageBatchOptions {
  /** Samples per batch (default 1). */
  batchSize?: number;
  /** Reorders the samples on every call (seeded generator; default false). */
  shuffle?: boolean;
  /** Drops the last batch when it is smaller than batchSize (default false). */
  dropLast?: boolean;
}

// ---- sharp, imported on first use -------------------------------------------------------------

// The few members of sharp's API used here, declared locally so that Keel type-checks and builds
// without the optional package installed.
interface SharpPipeline {
  resize(options: { width: number; height: number; fit: ImageFit; position: 'centre' }): SharpPipeline;
  removeAlpha(): SharpPipeline;
  toColourspace(space: 'srgb'): SharpPipeline;
  raw(): SharpPipeline;
  toBuffer(options: { resolveWithObject: true }): Promise<{ data: Buffer; info: { width: number; height: number; channels: number } }>;
}
type SharpFactory = (input: string | Buffer, options?: { autoOrient?: boolean }) => SharpPipeline;

let sharpModule: Promise<SharpFactory> | undefined;

/**
 * Imports `sharp` once (`specifier` exists for tests). A missing or broken install rejects with an
 * Error that says to run `npm install sharp`.
 */
export function loadSharp(op: string, specifier = 'sharp'): Promise<SharpFactory> {
  if (specifier === 'sharp' && sharpModule !== undefined) return sharpModule;
  const p = (import(specifier) as Promise<{ default?: SharpFactory }>).then(
    (m) => (m.default ?? m) as SharpFactory,
    (err: NodeJS.ErrnoException) => {
      // A failed import is not remembered, so installing sharp works without a restart.
      if (specifier === 'sharp') sharpModule = undefined;
      const missing = err?.code === 'ERR_MODULE_NOT_FOUND' || err?.code === 'MODULE_NOT_FOUND';
      const detail = String(err?.message ?? err).split('\n')[0];
      throw new Error(`${op}: decoding images needs the optional package 'sharp', which ${missing ? 'is not installed' : 'failed to load'}; run \`npm install sharp\` (${detail})`);
    },
  );
  if (specifier === 'sharp') sharpModule = p;
  return p;
}

// ---- decoding -------------------------------------------------------------------------------

interface ResolvedImageOptions {
  size: readonly [number, number] | undefined;
  channels: 1 | 3;
  fit: ImageFit;
}

function resolveImageOptions(op: string, options: ImageOptions): ResolvedImageOptions {
  if (options === null || typeof options !== 'object') throw typeError(op, 'an options object', 'options', options);
  const { size, channels = 3, fit = 'cover' } = options;
  let hw: [number, number] | undefined;
  const isSide = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 65535;
  if (size === undefined) hw = undefined;
  else if (isSide(size)) hw = [size, size];
  else if (Array.isArray(size) && size.length === 2 && size.every(isSide)) hw = [size[0], size[1]];
  else throw rangeError(op, 'a positive integer or [height, width] of positive integers (at most 65535)', 'size', size);
  if (channels !== 1 && channels !== 3) throw rangeError(op, '1 or 3', 'channels', channels);
  if (fit !== 'cover' && fit !== 'fill') {
    if (typeof fit === 'string') throw new RangeError(`${op}: not supported yet: fit '${fit}' (expected 'cover' or 'fill')`);
    throw typeError(op, "'cover' or 'fill'", 'fit', fit);
  }
  return { size: hw, channels, fit };
}

interface RawImage {
  /** Interleaved RGB bytes, row-major [H, W, 3]. */
  rgb: Buffer;
  height: number;
  width: number;
}

/**
 * Decodes one image to 8-bit sRGB: EXIF orientation applied (as an image viewer shows it; PIL,
 * and so torchvision, ignore it, which turns phone photos sideways), alpha dropped rather than
 * composited (as PIL's convert('RGB')), grayscale and CMYK converted to RGB, then resized.
 */
async function decodeRgb(sharp: SharpFactory, op: string, input: string | Buffer, name: string, o: ResolvedImageOptions): Promise<RawImage> {
  let out: Awaited<ReturnType<SharpPipeline['toBuffer']>>;
  try {
    let p = sharp(input, { autoOrient: true });
    if (o.size !== undefined) p = p.resize({ height: o.size[0], width: o.size[1], fit: o.fit, position: 'centre' });
    out = await p.removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  } catch (err) {
    // libvips repeats its warnings over several lines; the first says what is wrong.
    throw new Error(`${op}: cannot decode image '${name}': ${String((err as Error)?.message ?? err).split('\n')[0]}`);
  }
  const { data, info } = out;
  if (info.channels !== 3 || data.length !== info.width * info.height * 3) {
    throw new Error(`${op}: cannot decode image '${name}': sharp returned ${info.channels} channels of ${info.width}x${info.height} in ${data.length} bytes (expected 8-bit RGB)`);
  }
  return { rgb: data, height: info.height, width: info.width };
}

// v / 255 rounded once to float32, as torchvision's ToTensor (img.float().div(255)) computes it.
const BYTE_TO_UNIT = Float32Array.from({ length: 256 }, (_, v) => v / 255);

/** Interleaved RGB bytes -> planar float32 CHW in [0, 1] (C = 1: PIL's integer luma). */
function rgbToChw(img: RawImage, channels: 1 | 3): Float32Array {
  const { rgb } = img;
  const hw = img.height * img.width;
  const out = new Float32Array(channels * hw);
  if (channels === 3) {
    for (let i = 0, j = 0; i < hw; i++, j += 3) {
      out[i] = BYTE_TO_UNIT[rgb[j]];
      out[hw + i] = BYTE_TO_UNIT[rgb[j + 1]];
      out[2 * hw + i] = BYTE_TO_UNIT[rgb[j + 2]];
    }
  } else {
    // Pillow's L24 rounding (Convert.c): (R*19595 + G*38470 + B*7471 + 0x8000) >> 16, exact on gray.
    for (let i = 0, j = 0; i < hw; i++, j += 3) out[i] = BYTE_TO_UNIT[(rgb[j] * 19595 + rgb[j + 1] * 38470 + rgb[j + 2] * 7471 + 0x8000) >>> 16];
  }
  return out;
}

/**
 * Runs fn(0..n-1) with at most `limit` calls in flight. On failure no new calls start, the running
 * ones are awaited (nothing keeps working after the caller sees the error), and the error of the
 * lowest failing index is thrown, so that which file is reported does not depend on timing.
 */
async function forEachLimit(n: number, limit: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const failures: { index: number; error: unknown }[] = [];
  const worker = async (): Promise<void> => {
    while (failures.length === 0 && next < n) {
      const i = next++;
      try {
        await fn(i);
      } catch (error) {
        failures.push({ index: i, error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, n) }, worker));
  if (failures.length > 0) throw failures.reduce((a, b) => (b.index < a.index ? b : a)).error;
}

function defaultConcurrency(): number {
  return Math.max(1, Math.min(8, availableParallelism()));
}

/**
 * Decodes one image (a file path, or the file's bytes) to a float32 tensor [1, C, H, W] in [0, 1].
 * Throws an Error naming the file when it cannot be decoded, and one saying to
 * `npm install sharp` when the optional package is missing.
 *
 * @example
 * const x = await keel.data.loadImage('cat.jpg', { size: 224 }); // [1, 3, 224, 224]
 * const logits = model.forward(keel.data.transforms.normalize(mean, std)(x));
 */
export async function loadImage(input: string | Uint8Array, options: ImageOptions = {}): Promise<Tensor> {
  const op = 'loadImage';
  if (typeof input !== 'string' && !(input instanceof Uint8Array)) throw typeError(op, 'a file path or a Uint8Array of file bytes', 'input', input);
  const o = resolveImageOptions(op, options);
  const sharp = await loadSharp(op);
  const bytes = typeof input === 'string' ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const img = await decodeRgb(sharp, op, bytes, typeof input === 'string' ? input : '<buffer>', o);
  return fromTyped(rgbToChw(img, o.channels), [1, o.channels, img.height, img.width]);
}

// ---- scanning ------------------------------------------------------------------------------

interface FolderScan {
  classes: string[];
  samples: [string, number][];
}

function isDirectory(parent: string, entry: Dirent): boolean {
  if (entry.isDirectory()) return true;
  if (!entry.isSymbolicLink()) return false;
  try {
    return statSync(join(parent, entry.name)).isDirectory();
  } catch {
    return false; // a dangling link
  }
}

/**
 * The image files under `dir`, at any depth (symlinks followed, cycles skipped), in torchvision's
 * order: folders by path, files by name within a folder (code-unit order, as Python's sorted()).
 */
function listImages(dir: string): string[] {
  const byFolder: [string, string[]][] = [];
  const seen = new Set<string>();
  const walk = (d: string): void => {
    const real = realpathSync(d);
    if (seen.has(real)) return;
    seen.add(real);
    const files: string[] = [];
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.name.startsWith('.')) continue;
      if (isDirectory(d, e)) walk(join(d, e.name));
      else if (IMAGE_EXTENSIONS.includes(extname(e.name).toLowerCase())) files.push(e.name);
    }
    byFolder.push([d, files.sort()]);
  };
  walk(dir);
  byFolder.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return byFolder.flatMap(([d, files]) => files.map((f) => join(d, f)));
}

/**
 * One sub-folder per class, sorted by name. Hidden entries (names starting with '.') are skipped:
 * torchvision counts `.ipynb_checkpoints` as a class and macOS `._x.jpg` files as images.
 */
function scanFolder(op: string, root: string): FolderScan {
  let st;
  try {
    st = statSync(root);
  } catch {
    throw new Error(`${op}: folder '${root}' not found`);
  }
  if (!st.isDirectory()) throw new Error(`${op}: '${root}' is not a folder (expected a folder with one sub-folder of images per class)`);
  const entries = readdirSync(root, { withFileTypes: true }).filter((e) => !e.name.startsWith('.'));
  const classes = entries.filter((e) => isDirectory(root, e)).map((e) => e.name).sort();
  if (classes.length === 0) {
    const files = entries.length === 0 ? 'it is empty' : `it holds only files: ${entries.slice(0, 5).map((e) => `'${e.name}'`).join(', ')}${entries.length > 5 ? ', ...' : ''}`;
    throw new Error(`${op}: no class folders in '${root}' (${files}); expected one sub-folder per class: ${join(root, '<class>', '<image>')}`);
  }
  const samples: [string, number][] = [];
  const empty: string[] = [];
  classes.forEach((name, label) => {
    const files = listImages(join(root, name));
    if (files.length === 0) empty.push(name);
    for (const f of files) samples.push([f, label]);
  });
  if (empty.length > 0) {
    throw new Error(`${op}: no images (${IMAGE_EXTENSIONS.join(', ')}) in the class folder${empty.length > 1 ? 's' : ''} ${empty.map((c) => `'${c}'`).join(', ')} of '${root}'`);
  }
  return { classes, samples };
}

// ---- the dataset -----------------------------------------------------------------------------

/**
 * Images in class folders, as torchvision.datasets.ImageFolder: `root/<class>/**\/<image>` with
 * classes sorted by name (their index is the label) and .jpg/.jpeg/.png/.webp files in any case.
 * A sample is [image float32 [C, H, W] in [0, 1], label]. Decoding is asynchronous (sharp), so
 * build it with the async `ImageFolder.load`: by default every image is decoded once into one
 * tensor and get() reads from it, so a DataLoader can batch it. With `cache: false` images are
 * decoded on demand by getAsync() and batches().
 *
 * @example
 * const train = await keel.data.ImageFolder.load('data/train', { size: [64, 64] });
 * train.classes; // ['cat', 'dog']
 * for (const [x, y] of new keel.data.DataLoader(train, { batchSize: 32, shuffle: true })) step(x, y);
 *
 * const big = await keel.data.ImageFolder.load('imagenet/train', { size: 224, cache: false });
 * for await (const [x, y] of big.batches({ batchSize: 64, shuffle: true })) step(x, y);
 */
export class ImageFolder extends Dataset<[Tensor, number]> {
  readonly root: string;
  /** Class names, sorted; a label is an index into this list. */
  readonly classes: readonly string[];
  readonly classToIdx: Readonly<Record<string, number>>;
  /** [file path, label] per sample, in torchvision's order. */
  readonly samples: ReadonlyArray<readonly [string, number]>;
  /** The label of each sample. */
  readonly targets: readonly number[];
  readonly size: readonly [number, number] | undefined;
  readonly channels: 1 | 3;
  readonly fit: ImageFit;
  readonly transform: ((image: Tensor) => Tensor) | undefined;
  readonly concurrency: number;
  private cache: { images: Tensor; labels: Tensor } | undefined;

  /**
   * Lists the classes and files under `root` (synchronously; nothing is decoded). Most callers
   * want `await ImageFolder.load(root, options)`.
   */
  constructor(root: string, options: ImageFolderOptions = {}) {
    super();
    const op = 'ImageFolder';
    if (typeof root !== 'string' || root === '') throw typeError(op, 'a folder path', 'root', root);
    const o = resolveImageOptions(op, options);
    const { transform, concurrency = defaultConcurrency() } = options;
    if (transform !== undefined && typeof transform !== 'function') throw typeError(op, 'a function', 'transform', transform);
    if (!Number.isInteger(concurrency) || concurrency < 1) throw rangeError(op, 'a positive integer', 'concurrency', concurrency);
    const { classes, samples } = scanFolder(op, root);
    this.root = root;
    this.classes = Object.freeze(classes);
    this.classToIdx = Object.freeze(Object.fromEntries(classes.map((c, i) => [c, i])));
    this.samples = Object.freeze(samples.map((s) => Object.freeze(s)));
    this.targets = Object.freeze(samples.map((s) => s[1]));
    this.size = o.size;
    this.channels = o.channels;
    this.fit = o.fit;
    this.transform = transform;
    this.concurrency = concurrency;
  }

  /**
   * Scans `root` and, unless `cache: false`, decodes every image (`concurrency` at a time) into
   * one float32 tensor [N, C, H, W]. Without `size` all images must have the same dimensions.
   */
  static async load(root: string, options: ImageFolderOptions = {}): Promise<ImageFolder> {
    const ds = new ImageFolder(root, options);
    if (options.cache === false) {
      await loadSharp('ImageFolder.load'); // fail now, not at the first batch, when sharp is missing
      return ds;
    }
    return ds.preload();
  }

  get length(): number {
    return this.samples.length;
  }

  /** True once every image has been decoded into memory (load with cache, or preload()). */
  get isCached(): boolean {
    return this.cache !== undefined;
  }

  /** All images, float32 [N, C, H, W] (cached datasets only; owned by the dataset). */
  get images(): Tensor {
    return this.cached('ImageFolder.images').images;
  }

  /** All labels, int32 [N] (cached datasets only; owned by the dataset). */
  get labels(): Tensor {
    return this.cached('ImageFolder.labels').labels;
  }

  /**
   * Decodes every image into one tensor, unless already done. The memory is 4·N·C·H·W bytes,
   * at most 2 GiB (the limit of one storage write); larger sets are read with cache: false.
   */
  async preload(): Promise<this> {
    const op = 'ImageFolder.load';
    if (this.cache !== undefined) return this;
    const sharp = await loadSharp(op);
    const n = this.samples.length;
    const c = this.channels;
    // Without a target size, the first image sets it; decoding it first keeps errors deterministic.
    let hw = this.size;
    let first: Float32Array | undefined;
    if (hw === undefined) {
      const img = await decodeRgb(sharp, op, this.samples[0][0], this.samples[0][0], this.resolved());
      hw = [img.height, img.width];
      first = rgbToChw(img, c);
    }
    const per = c * hw[0] * hw[1];
    if (n * per * 4 > MAX_DIM) {
      throw new RangeError(`${op}: caching ${n} images of ${c}x${hw[0]}x${hw[1]} needs ${((n * per * 4) / 2 ** 30).toFixed(1)} GiB, more than the 2 GiB the cache holds; pass a smaller size or cache: false (then read with getAsync / batches)`);
    }
    const images = Tensor._empty([n, c, hw[0], hw[1]], 'float32');
    try {
      const handle = (): number => images._handle(op);
      if (first !== undefined) native.storageWrite(handle(), 0, first);
      await forEachLimit(n - (first ? 1 : 0), this.concurrency, async (k) => {
        const i = k + (first ? 1 : 0);
        const path = this.samples[i][0];
        const img = await decodeRgb(sharp, op, path, path, this.resolved());
        if (img.height !== hw[0] || img.width !== hw[1]) {
          throw new Error(`${op}: '${path}' is ${img.height}x${img.width} (HxW) but '${this.samples[0][0]}' is ${hw[0]}x${hw[1]}; pass { size } to resize all images to one size`);
        }
        native.storageWrite(handle(), i * per * 4, rgbToChw(img, c));
      });
    } catch (err) {
      images.dispose();
      throw err;
    }
    this.cache = { images, labels: tensor(Int32Array.from(this.targets), { dtype: 'int32' }) };
    return this;
  }

  /** Sample `index` (negative counts from the end): [image [C, H, W], label]. Cached datasets only. */
  get(index: number): [Tensor, number] {
    const op = 'ImageFolder.get';
    const i = this.checkIndex(op, index);
    const { images } = this.cached(op);
    const row = slice(images, 0, i, i + 1);
    const x = reshape(row, images.shape.slice(1));
    if (x !== row) row.dispose();
    return [this.applyTransform(x), this.targets[i]];
  }

  /** Sample `index`, decoding it if the dataset is not cached. */
  async getAsync(index: number): Promise<[Tensor, number]> {
    const op = 'ImageFolder.getAsync';
    const i = this.checkIndex(op, index);
    if (this.cache !== undefined) return this.get(i);
    const sharp = await loadSharp(op);
    const path = this.samples[i][0];
    const img = await decodeRgb(sharp, op, path, path, this.resolved());
    return [this.applyTransform(fromTyped(rgbToChw(img, this.channels), [this.channels, img.height, img.width])), this.targets[i]];
  }

  /**
   * Batches [images [B, C, H, W], labels int32 [B]], decoding `concurrency` images at a time
   * and the next batch while the caller works on the current one. Works cached or not; the
   * batches are the caller's to dispose. Without `size` (and uncached) images of one batch must
   * match in size.
   */
  async *batches(options: ImageBatchOptions = {}): AsyncGenerator<[Tensor, Tensor]> {
    const op = 'ImageFolder.batches';
    const { batchSize = 1, shuffle = false, dropLast = false } = options;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw rangeError(op, 'a positive integer', 'batchSize', batchSize);
    const n = this.samples.length;
    const order = shuffle ? randperm(n) : Int32Array.from({ length: n }, (_, i) => i);
    const count = dropLast ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
    const makeBatch = async (b: number): Promise<[Tensor, Tensor]> => {
      const idx = order.subarray(b * batchSize, Math.min((b + 1) * batchSize, n));
      if (this.cache !== undefined && this.transform === undefined) {
        const index = tensor(idx, { dtype: 'int32' });
        try {
          return [indexSelect(this.cache.images, 0, index), indexSelect(this.cache.labels, 0, index)];
        } finally {
          index.dispose();
        }
      }
      const xs: Tensor[] = new Array(idx.length);
      try {
        await forEachLimit(idx.length, this.concurrency, async (k) => {
          xs[k] = (await this.getAsync(idx[k]))[0];
        });
        const shape = xs[0].shape;
        const odd = xs.findIndex((x) => x.shape.some((d, j) => d !== shape[j]));
        if (odd >= 0) {
          throw new Error(`${op}: '${this.samples[idx[odd]][0]}' gives an image of shape [${xs[odd].shape.join(', ')}] but '${this.samples[idx[0]][0]}' one of [${shape.join(', ')}]; pass { size } to resize all images to one size`);
        }
        return [defaultCollate(xs) as Tensor, tensor(Array.from(idx, (i) => this.targets[i]), { dtype: 'int32' })];
      } catch (err) {
        for (const x of xs) x?.dispose();
        throw err;
      }
    };
    let pending: Promise<[Tensor, Tensor]> | undefined = count > 0 ? makeBatch(0) : undefined;
    try {
      for (let b = 0; b < count; b++) {
        const batch = await pending!;
        pending = b + 1 < count ? makeBatch(b + 1) : undefined;
        yield batch;
      }
    } finally {
      // The caller stopped early: free the batch decoded ahead.
      if (pending !== undefined) {
        const p = pending;
        pending = undefined;
        await p.then(([x, y]) => { x.dispose(); y.dispose(); }, () => undefined);
      }
    }
  }

  /**
   * The cached images and labels as a TensorDataset (sharing their memory, no transform), whose
   * batches a DataLoader gathers natively in one call per tensor.
   */
  toTensorDataset(): TensorDataset {
    const { images, labels } = this.cached('ImageFolder.toTensorDataset');
    return new TensorDataset(images, labels);
  }

  /** Frees the cached images (the file list stays; preload() decodes them again). */
  dispose(): void {
    if (this.cache === undefined) return;
    this.cache.images.dispose();
    this.cache.labels.dispose();
    this.cache = undefined;
  }

  private resolved(): ResolvedImageOptions {
    return { size: this.size, channels: this.channels, fit: this.fit };
  }

  private cached(op: string): { images: Tensor; labels: Tensor } {
    if (this.cache === undefined) {
      throw new Error(`${op}: the images of '${this.root}' are not decoded in memory (decoding is asynchronous); create the dataset with \`await ImageFolder.load(root, options)\` (cache defaults to true) or call \`await ds.preload()\`, or read it with getAsync / batches`);
    }
    return this.cache;
  }

  private checkIndex(op: string, index: number): number {
    const n = this.samples.length;
    if (!Number.isInteger(index)) throw new TypeError(`${op}: expected an integer index but received ${describeValue(index)}`);
    const i = index < 0 ? index + n : index;
    if (i < 0 || i >= n) throw new RangeError(`${op}: index ${index} is out of range for a dataset of ${n} samples`);
    return i;
  }

  private applyTransform(x: Tensor): Tensor {
    if (this.transform === undefined) return x;
    let y: Tensor;
    try {
      y = this.transform(x);
    } catch (err) {
      x.dispose();
      throw err;
    }
    if (!(y instanceof Tensor)) {
      x.dispose();
      throw new TypeError(`ImageFolder: transform must return a Tensor but returned ${describeValue(y)}`);
    }
    if (y !== x) x.dispose();
    return y;
  }
}
