// IDX and CIFAR readers on synthetic files: valid (raw and gzipped), and malformed ones whose
// errors must name the file and the problem.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import '../../lib/index.js';
import * as data from '../../lib/data/index.js';

const dir = mkdtempSync(join(tmpdir(), 'keel-data-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function idxBytes(code: number, shape: number[], body: Uint8Array): Buffer {
  const head = Buffer.alloc(4 + 4 * shape.length);
  head[2] = code;
  head[3] = shape.length;
  shape.forEach((s, i) => head.writeUInt32BE(s, 4 + 4 * i));
  return Buffer.concat([head, Buffer.from(body)]);
}

function write(name: string, bytes: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

const pixels = Uint8Array.from({ length: 3 * 2 * 4 }, (_, i) => (i * 11) % 256);
const images = idxBytes(0x08, [3, 2, 4], pixels);
const labels = idxBytes(0x08, [3], Uint8Array.from([7, 0, 9]));

describe('readIdx', () => {
  it('reads uint8 images and labels, raw and gzipped', () => {
    for (const [imgPath, labPath] of [
      [write('img.idx', images), write('lab.idx', labels)],
      [write('img.idx.gz', gzipSync(images)), write('lab.idx.gz', gzipSync(labels))],
    ]) {
      const f = data.readIdx(imgPath);
      expect(f.dtype).toBe('uint8');
      expect(f.shape).toEqual([3, 2, 4]);
      expect(Array.from(f.data)).toEqual(Array.from(pixels));
      const x = data.loadIdxImages(imgPath);
      expect(x.shape).toEqual([3, 1, 2, 4]);
      expect(x.dtype).toBe('float32');
      const xs = x.toTypedArray();
      expect(xs[5]).toBeCloseTo(pixels[5] / 255, 6);
      const y = data.loadIdxLabels(labPath);
      expect(y.dtype).toBe('int32');
      expect(Array.from(y.toTypedArray())).toEqual([7, 0, 9]);
    }
  });

  it('decodes big-endian int32 and float32', () => {
    const body = Buffer.alloc(8);
    body.writeInt32BE(-5, 0);
    body.writeInt32BE(123456, 4);
    expect(Array.from(data.readIdx(write('i32.idx', idxBytes(0x0c, [2], body))).data)).toEqual([-5, 123456]);
    const fb = Buffer.alloc(4);
    fb.writeFloatBE(1.5, 0);
    const f = data.readIdx(write('f32.idx', idxBytes(0x0d, [1, 1], fb)));
    expect(f.dtype).toBe('float32');
    expect(Array.from(f.data)).toEqual([1.5]);
  });

  it('rejects malformed files with the file name and the problem', () => {
    const bad = (name: string, bytes: Uint8Array, msg: RegExp) => {
      const p = write(name, bytes);
      expect(() => data.readIdx(p)).toThrow(new RegExp(name.replace('.', '\\.')));
      expect(() => data.readIdx(p)).toThrow(msg);
    };
    bad('truncated.idx', images.subarray(0, images.length - 3), /truncated.*needs 40 bytes.*has 37/);
    bad('trailing.idx', Buffer.concat([images, Buffer.from([1])]), /trailing bytes/);
    bad('magic.idx', Buffer.concat([Buffer.from([0x12, 0x34]), images.subarray(2)]), /bad magic number 12 34/);
    bad('dtype.idx', Buffer.concat([Buffer.from([0, 0, 0x07]), images.subarray(3)]), /unknown IDX dtype code 0x07/);
    bad('short.idx', Buffer.from([0, 0]), /too short/);
    bad('header.idx', Buffer.from([0, 0, 8, 3, 0, 0, 0, 3]), /truncated: the header declares 3 dims/);
    bad('gz-trunc.idx.gz', gzipSync(images).subarray(0, 20), /corrupt or truncated gzip/);
    expect(() => data.readIdx(join(dir, 'missing.idx'))).toThrow(/cannot read '.*missing\.idx'/);
  });

  it('checks the layout expected by loadIdxImages / loadIdxLabels', () => {
    const p = write('labels-as-images.idx', labels);
    expect(() => data.loadIdxImages(p)).toThrow(/labels-as-images\.idx.*expected uint8 images \[N, H, W\]/);
    const q = write('images-as-labels.idx', images);
    expect(() => data.loadIdxLabels(q)).toThrow(/images-as-labels\.idx.*expected integer labels \[N\]/);
  });
});

function cifarBytes(n: number, labelBytes: number, labelsOf: (i: number) => number[]): Buffer {
  const rec = labelBytes + 3072;
  const buf = Buffer.alloc(n * rec);
  for (let i = 0; i < n; i++) {
    labelsOf(i).forEach((l, k) => (buf[i * rec + k] = l));
    for (let k = 0; k < 3072; k++) buf[i * rec + labelBytes + k] = (i + k) % 256;
  }
  return buf;
}

describe('readCifarBatch', () => {
  it('reads CIFAR-10 records (raw and gzipped)', () => {
    const bytes = cifarBytes(3, 1, (i) => [i * 3]);
    for (const p of [write('c10.bin', bytes), write('c10.bin.gz', gzipSync(bytes))]) {
      const { images: x, labels: y } = data.readCifarBatch(p);
      expect(x.shape).toEqual([3, 3, 32, 32]);
      expect(Array.from(y.toTypedArray())).toEqual([0, 3, 6]);
      const xs = x.toTypedArray();
      // image 1, channel 2 (blue), row 0, col 5 -> byte k = 2048 + 5
      expect(xs[3072 + 2048 + 5]).toBeCloseTo(((1 + 2048 + 5) % 256) / 255, 6);
      expect(Math.max(...xs.subarray(0, 3072))).toBeLessThanOrEqual(1);
    }
  });

  it('reads CIFAR-100 fine and coarse labels', () => {
    const p = write('c100.bin', cifarBytes(2, 2, (i) => [i + 10, i + 50]));
    expect(Array.from(data.readCifarBatch(p, { cifar100: true }).labels.toTypedArray())).toEqual([50, 51]);
    expect(Array.from(data.readCifarBatch(p, { coarse: false }).labels.toTypedArray())).toEqual([50, 51]);
    expect(Array.from(data.readCifarBatch(p, { coarse: true }).labels.toTypedArray())).toEqual([10, 11]);
  });

  it('rejects truncated files, out-of-range labels and empty files, naming the file', () => {
    const p = write('c10-trunc.bin', cifarBytes(2, 1, () => [1]).subarray(0, 5000));
    expect(() => data.readCifarBatch(p)).toThrow(/c10-trunc\.bin.*5000 bytes, not a whole number of 3073-byte CIFAR-10 records/);
    const q = write('c10-label.bin', cifarBytes(2, 1, (i) => [i === 1 ? 12 : 0]));
    expect(() => data.readCifarBatch(q)).toThrow(/c10-label\.bin.*record 1 has label 12, outside \[0, 10\)/);
    expect(() => data.readCifarBatch(write('empty.bin', new Uint8Array(0)))).toThrow(/empty\.bin' is empty/);
    expect(() => data.readCifarBatch(join(dir, 'nope.bin'))).toThrow(/cannot read '.*nope\.bin'/);
  });
});
