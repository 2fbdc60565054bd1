// ImageFolder and loadImage on a tiny class-folder tree whose PNG / JPEG / WebP files sharp itself
// writes from raw pixels: class order and labels, shapes, exact pixel values (PNG is lossless),
// grayscale, resizing, batching, and errors that name the file or folder. Skipped when the
// optional package sharp is missing (the message for that case is checked on its own).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../../lib/index.js';
import * as data from '../../lib/data/index.js';
import { loadSharp } from '../../lib/data/image-folder.js';
import { mul } from '../../lib/ops/binary.js';
import type { Tensor } from '../../lib/tensor.js';

const hasSharp = (() => {
  try {
    createRequire(import.meta.url).resolve('sharp');
    return true;
  } catch {
    return false;
  }
})();

// Images are 3 high and 4 wide; pixel bytes are distinct per image so a mix-up shows.
const H = 3, W = 4;
function pixels(seed: number, channels = 3): Buffer {
  return Buffer.from(Array.from({ length: H * W * channels }, (_, i) => (seed * 53 + i * 29) % 256));
}

/** One colour everywhere: JPEG keeps it within a level or two, unlike the noise of pixels(). */
function flat(rgb: number[]): Buffer {
  return Buffer.from(Array.from({ length: H * W * 3 }, (_, i) => rgb[i % 3]));
}

/** The expected tensor values of interleaved RGB bytes: CHW, divided by 255 in float32. */
function chw(rgb: Buffer, h = H, w = W): number[] {
  const out: number[] = [];
  for (let c = 0; c < 3; c++) for (let i = 0; i < h * w; i++) out.push(Math.fround(rgb[3 * i + c] / 255));
  return out;
}

/** Pillow's convert('L'): (R*19595 + G*38470 + B*7471 + 0x8000) >> 16. */
function luma(rgb: Buffer): number[] {
  const out: number[] = [];
  for (let i = 0; i < rgb.length; i += 3) out.push(Math.fround(((rgb[i] * 19595 + rgb[i + 1] * 38470 + rgb[i + 2] * 7471 + 0x8000) >> 16) / 255));
  return out;
}

const dir = mkdtempSync(join(tmpdir(), 'keel-imagefolder-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let sharp: any;

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const v of it) out.push(v);
  return out;
}

async function writeImage(path: string, raw: Buffer, format: 'png' | 'jpeg' | 'webp', channels = 3, w = W, h = H): Promise<void> {
  let p = (sharp as any)(raw, { raw: { width: w, height: h, channels } });
  if (channels === 1) p = p.toColourspace('b-w');
  p = format === 'png' ? p.png() : format === 'jpeg' ? p.jpeg({ quality: 95 }) : p.webp({ lossless: true });
  mkdirSync(join(path, '..'), { recursive: true });
  await p.toFile(path);
}

// root/
//   dog/     b.png  a.PNG  c.JPG  notes.txt   (upper-case extensions count; other files do not)
//   cat/     x.png  deep/y.webp                 (nested folders count, as torchvision's os.walk)
//   Zebra/   z.png                              (upper case sorts first, by code point)
//   .ipynb_checkpoints/  hidden.png             (hidden folders are not classes)
const root = join(dir, 'root');
const files = {
  dogA: pixels(1), dogB: pixels(2), dogC: flat([200, 100, 50]), catX: pixels(4), catY: pixels(5), zebra: pixels(6),
};

describe.skipIf(!hasSharp)('ImageFolder', () => {
  beforeAll(async () => {
    sharp = await loadSharp('test');
    await writeImage(join(root, 'dog', 'b.png'), files.dogB, 'png');
    await writeImage(join(root, 'dog', 'a.PNG'), files.dogA, 'png');
    await writeImage(join(root, 'dog', 'c.JPG'), files.dogC, 'jpeg');
    writeFileSync(join(root, 'dog', 'notes.txt'), 'not an image');
    await writeImage(join(root, 'cat', 'x.png'), files.catX, 'png');
    await writeImage(join(root, 'cat', 'deep', 'y.webp'), files.catY, 'webp');
    await writeImage(join(root, 'Zebra', 'z.png'), files.zebra, 'png');
    await writeImage(join(root, '.ipynb_checkpoints', 'hidden.png'), files.zebra, 'png');
  });

  it('lists classes sorted by name and samples in torchvision order', () => {
    const ds = new data.ImageFolder(root);
    expect(ds.classes).toEqual(['Zebra', 'cat', 'dog']);
    expect(ds.classToIdx).toEqual({ Zebra: 0, cat: 1, dog: 2 });
    expect(ds.samples).toEqual([
      [join(root, 'Zebra', 'z.png'), 0],
      [join(root, 'cat', 'x.png'), 1],
      [join(root, 'cat', 'deep', 'y.webp'), 1],
      [join(root, 'dog', 'a.PNG'), 2],
      [join(root, 'dog', 'b.png'), 2],
      [join(root, 'dog', 'c.JPG'), 2],
    ]);
    expect(ds.targets).toEqual([0, 1, 1, 2, 2, 2]);
    expect(ds.length).toBe(6);
    expect(ds.isCached).toBe(false);
    expect(() => ds.get(0)).toThrow(/not decoded in memory.*ImageFolder\.load/);
  });

  it('decodes every image into float32 CHW in [0, 1], exactly for lossless files', async () => {
    const ds = await data.ImageFolder.load(root, { concurrency: 2 });
    expect(ds.isCached).toBe(true);
    expect(ds.images.shape).toEqual([6, 3, H, W]);
    expect(ds.images.dtype).toBe('float32');
    expect(ds.labels.dtype).toBe('int32');
    expect(Array.from(ds.labels.toTypedArray())).toEqual([0, 1, 1, 2, 2, 2]);
    const expected = [files.zebra, files.catX, files.catY, files.dogA, files.dogB];
    expected.forEach((raw, i) => {
      const [x, y] = ds.get(i);
      expect(x.shape).toEqual([3, H, W]);
      expect(Array.from(x.toTypedArray())).toEqual(chw(raw));
      expect(y).toBe(ds.targets[i]);
      x.dispose();
    });
    // JPEG is lossy: close, not equal.
    const [jpg] = ds.get(-1);
    const got = jpg.toTypedArray();
    chw(files.dogC).forEach((v, k) => expect(Math.abs(got[k] - v)).toBeLessThanOrEqual(3 / 255));
    jpg.dispose();
    ds.dispose();
    expect(ds.isCached).toBe(false);
  });

  it('converts to grayscale with PIL luma, and keeps gray files exact', async () => {
    const ds = await data.ImageFolder.load(root, { channels: 1 });
    expect(ds.images.shape).toEqual([6, 1, H, W]);
    const [x] = ds.get(0);
    expect(Array.from(x.toTypedArray())).toEqual(luma(files.zebra));
    ds.dispose();

    const gray = pixels(7, 1);
    const p = join(dir, 'gray.png');
    await writeImage(p, gray, 'png', 1);
    const g1 = await data.loadImage(p, { channels: 1 });
    expect(g1.shape).toEqual([1, 1, H, W]);
    expect(Array.from(g1.toTypedArray())).toEqual(Array.from(gray, (v) => Math.fround(v / 255)));
    const g3 = await data.loadImage(p); // gray to RGB repeats the channel
    expect(g3.shape).toEqual([1, 3, H, W]);
    expect(Array.from(g3.toTypedArray())).toEqual([0, 1, 2].flatMap(() => Array.from(gray, (v) => Math.fround(v / 255))));
  });

  it('drops alpha as PIL convert("RGB") does', async () => {
    const rgba = Buffer.from([10, 20, 30, 0, 40, 50, 60, 128]);
    const p = join(dir, 'alpha.png');
    await sharp(rgba, { raw: { width: 2, height: 1, channels: 4 } }).png().toFile(p);
    const x = await data.loadImage(p);
    expect(x.shape).toEqual([1, 3, 1, 2]);
    expect(Array.from(x.toTypedArray())).toEqual([10, 40, 20, 50, 30, 60].map((v) => Math.fround(v / 255)));
  });

  it('resizes: cover center-crops, fill stretches, a number means a square', async () => {
    // 6 wide x 2 high: red | green | blue thirds. Covering 2x2 keeps the scale and crops the middle.
    const w = 6, h = 2;
    const stripes = Buffer.alloc(w * h * 3);
    for (let r = 0; r < h; r++) for (let c = 0; c < w; c++) stripes[(r * w + c) * 3 + Math.floor(c / 2)] = 255;
    const p = join(dir, 'stripes.png');
    await writeImage(p, stripes, 'png', 3, w, h);
    const cover = await data.loadImage(p, { size: 2 });
    expect(cover.shape).toEqual([1, 3, 2, 2]);
    expect(Array.from(cover.toTypedArray())).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0]);
    const fill = await data.loadImage(p, { size: [2, 3], fit: 'fill' });
    expect(fill.shape).toEqual([1, 3, 2, 3]);
    // Stretching squeezes the three stripes into the three columns, all still present.
    const f = fill.toTypedArray();
    expect(f[0]).toBeGreaterThan(0.5); // red, left column
    expect(f[6 + 1]).toBeGreaterThan(0.5); // green, middle column
    expect(f[12 + 2]).toBeGreaterThan(0.5); // blue, right column
    const big = await data.loadImage(p, { size: [5, 7] });
    expect(big.shape).toEqual([1, 3, 5, 7]);
    for (const v of big.toTypedArray()) expect(v >= 0 && v <= 1).toBe(true);

    const ds = await data.ImageFolder.load(root, { size: [8, 5] });
    expect(ds.images.shape).toEqual([6, 3, 8, 5]);
    ds.dispose();
  });

  it('reads bytes as well as paths', async () => {
    const p = join(dir, 'bytes.png');
    await writeImage(p, files.dogA, 'png');
    const { readFileSync } = await import('node:fs');
    const x = await data.loadImage(new Uint8Array(readFileSync(p)));
    expect(Array.from(x.toTypedArray())).toEqual(chw(files.dogA));
  });

  it('batches: DataLoader over get(), the native TensorDataset path, and batches() cached or not', async () => {
    const ds = await data.ImageFolder.load(root);
    const loader = new data.DataLoader(ds, { batchSize: 4 });
    const batches = [...loader] as [Tensor, Tensor][];
    expect(batches.map(([x]) => x.shape)).toEqual([[4, 3, H, W], [2, 3, H, W]]);
    expect(batches.map(([, y]) => Array.from(y.toTypedArray()))).toEqual([[0, 1, 1, 2], [2, 2]]);
    expect(batches[1][1].dtype).toBe('int32');

    const [tx, ty] = [...new data.DataLoader(ds.toTensorDataset(), { batchSize: 6 })][0] as Tensor[];
    expect(Array.from(tx.toTypedArray())).toEqual(Array.from(ds.images.toTypedArray()));
    expect(Array.from(ty.toTypedArray())).toEqual([0, 1, 1, 2, 2, 2]);

    const lazy = await data.ImageFolder.load(root, { cache: false });
    expect(lazy.isCached).toBe(false);
    for (const src of [ds, lazy]) {
      const got: number[] = [], labels: number[] = [];
      const shapes: number[][] = [];
      for await (const [x, y] of src.batches({ batchSize: 4 })) {
        shapes.push(x.shape as number[]);
        got.push(...x.toTypedArray());
        labels.push(...y.toTypedArray());
        x.dispose();
        y.dispose();
      }
      expect(shapes).toEqual([[4, 3, H, W], [2, 3, H, W]]);
      expect(labels).toEqual([0, 1, 1, 2, 2, 2]);
      expect(got).toEqual(Array.from(ds.images.toTypedArray()));
    }
    expect((await collect(lazy.batches({ batchSize: 4, dropLast: true }))).length).toBe(1);
    // Shuffled: a permutation of the samples, labels kept with their images.
    const seen: number[] = [];
    for await (const [x, y] of lazy.batches({ batchSize: 5, shuffle: true })) {
      const xs = x.toTypedArray(), ys = y.toTypedArray();
      const per = 3 * H * W;
      ys.forEach((label, k) => {
        const first = xs[k * per];
        const i = [0, 1, 2, 3, 4, 5].find((j) => ds.images.toTypedArray()[j * per] === first)!;
        expect(ds.targets[i]).toBe(label);
        seen.push(i);
      });
    }
    expect(seen.sort()).toEqual([0, 1, 2, 3, 4, 5]);
    const [ax, ay] = await lazy.getAsync(1);
    expect(Array.from(ax.toTypedArray())).toEqual(chw(files.catX));
    expect(ay).toBe(1);
    ds.dispose();
  });

  it('applies the transform to each sample', async () => {
    const ds = await data.ImageFolder.load(root, { transform: (x) => mul(x, 2) });
    const [x] = ds.get(0);
    expect(Array.from(x.toTypedArray())).toEqual(chw(files.zebra).map((v) => Math.fround(v * 2)));
    const [b] = (await collect(ds.batches({ batchSize: 6 })))[0];
    expect(b.toTypedArray()[0]).toBe(Math.fround(chw(files.zebra)[0] * 2));
    ds.dispose();
  });

  it('names the file that cannot be decoded', async () => {
    const bad = join(dir, 'bad');
    await writeImage(join(bad, 'a', 'ok.png'), files.dogA, 'png');
    writeFileSync(join(bad, 'a', 'broken.png'), 'this is not a png');
    const jpeg = await sharp(files.dogA, { raw: { width: W, height: H, channels: 3 } }).jpeg().toBuffer();
    mkdirSync(join(bad, 'b'));
    writeFileSync(join(bad, 'b', 'cut.jpg'), jpeg.subarray(0, jpeg.length >> 1));
    await expect(data.ImageFolder.load(bad)).rejects.toThrow(`ImageFolder.load: cannot decode image '${join(bad, 'a', 'broken.png')}'`);
    await expect(data.loadImage(join(bad, 'b', 'cut.jpg'))).rejects.toThrow(`loadImage: cannot decode image '${join(bad, 'b', 'cut.jpg')}'`);
    await expect(data.loadImage(join(bad, 'missing.png'))).rejects.toThrow(/cannot decode image '.*missing\.png'/);
    await expect(data.loadImage(new Uint8Array([1, 2, 3]))).rejects.toThrow("loadImage: cannot decode image '<buffer>'");
    const lazy = await data.ImageFolder.load(bad, { cache: false });
    await expect(lazy.getAsync(0)).rejects.toThrow(`cannot decode image '${join(bad, 'a', 'broken.png')}'`);
  });

  it('needs one size without { size }, naming the odd file', async () => {
    const mixed = join(dir, 'mixed');
    await writeImage(join(mixed, 'a', '1.png'), files.dogA, 'png');
    await writeImage(join(mixed, 'b', '2.png'), pixels(8).subarray(0, 2 * 2 * 3), 'png', 3, 2, 2);
    await expect(data.ImageFolder.load(mixed)).rejects.toThrow(`'${join(mixed, 'b', '2.png')}' is 2x2 (HxW) but '${join(mixed, 'a', '1.png')}' is 3x4; pass { size }`);
    const lazy = await data.ImageFolder.load(mixed, { cache: false });
    await expect(collect(lazy.batches({ batchSize: 2 }))).rejects.toThrow(/gives an image of shape \[3, 2, 2\].*pass \{ size \}/);
    const ok = await data.ImageFolder.load(mixed, { size: 3 });
    expect(ok.images.shape).toEqual([2, 3, 3, 3]);
    ok.dispose();
  });
});

describe('ImageFolder folder errors', () => {
  it('a missing root, a file as root, no class folders, an empty class', () => {
    expect(() => new data.ImageFolder(join(dir, 'nope'))).toThrow(`ImageFolder: folder '${join(dir, 'nope')}' not found`);
    const file = join(dir, 'file.txt');
    writeFileSync(file, 'x');
    expect(() => new data.ImageFolder(file)).toThrow(/is not a folder/);
    const flat = join(dir, 'flat');
    mkdirSync(flat);
    expect(() => new data.ImageFolder(flat)).toThrow(`ImageFolder: no class folders in '${flat}' (it is empty)`);
    writeFileSync(join(flat, 'img.png'), 'x');
    expect(() => new data.ImageFolder(flat)).toThrow(/no class folders .* \(it holds only files: 'img\.png'\); expected one sub-folder per class/);
    const empty = join(dir, 'empty');
    mkdirSync(join(empty, 'a'), { recursive: true });
    mkdirSync(join(empty, 'b', 'sub'), { recursive: true });
    mkdirSync(join(empty, 'c'));
    writeFileSync(join(empty, 'b', 'sub', 'x.png'), 'x');
    writeFileSync(join(empty, 'c', 'readme.md'), 'x');
    expect(() => new data.ImageFolder(empty)).toThrow(`ImageFolder: no images (.jpg, .jpeg, .png, .webp) in the class folders 'a', 'c' of '${empty}'`);
  });

  it('checks its options', async () => {
    expect(() => new data.ImageFolder('')).toThrow(/expected a folder path for root/);
    await expect(data.loadImage('x.png', { size: 0 })).rejects.toThrow('loadImage: expected a positive integer or [height, width] of positive integers (at most 65535) for size but received 0 of type number');
    await expect(data.loadImage('x.png', { size: [2, 2.5] as any })).rejects.toThrow(/for size but received an Array/);
    await expect(data.loadImage('x.png', { channels: 4 as any })).rejects.toThrow('loadImage: expected 1 or 3 for channels but received 4 of type number');
    await expect(data.loadImage('x.png', { fit: 'contain' as any })).rejects.toThrow("loadImage: not supported yet: fit 'contain' (expected 'cover' or 'fill')");
    await expect(data.loadImage(42 as any)).rejects.toThrow(/expected a file path or a Uint8Array/);
  });

  it('says to install sharp when it is missing', async () => {
    await expect(loadSharp('ImageFolder.load', 'sharp-not-installed-keel-test')).rejects.toThrow(
      /^ImageFolder\.load: decoding images needs the optional package 'sharp', which is not installed; run `npm install sharp`/,
    );
  });
});
