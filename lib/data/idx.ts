// The IDX file format of MNIST / Fashion-MNIST (yann.lecun.com/exdb/mnist): two zero bytes,
// a dtype code, the number of dims, then each dim as a big-endian uint32 and the values in
// big-endian row-major order. Files may be gzipped (detected by the 1f 8b magic).
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { native } from '../native.js';
import { Tensor } from '../tensor.js';

export type IdxDType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxFile {
  dtype: IdxDType;
  shape: number[];
  data: IdxData;
}

const IDX_TYPES: Record<number, [IdxDType, number]> = {
  0x08: ['uint8', 1], 0x09: ['int8', 1], 0x0b: ['int16', 2], 0x0c: ['int32', 4], 0x0d: ['float32', 4], 0x0e: ['float64', 8],
};

/** @internal Reads a file, gunzipping it when it starts with the gzip magic; errors name the file. */
export function readMaybeGzip(op: string, path: string): Buffer {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (err) {
    throw new Error(`${op}: cannot read '${path}': ${(err as Error).message}`);
  }
  if (buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
    try {
      buf = gunzipSync(buf);
    } catch (err) {
      throw new Error(`${op}: '${path}' is a corrupt or truncated gzip file: ${(err as Error).message}`);
    }
  }
  return buf;
}

/** @internal A tensor over a typed array without the per-element copy of tensor(). */
export function fromTyped(data: Float32Array | Int32Array, shape: readonly number[]): Tensor {
  const t = Tensor._empty(shape, data instanceof Float32Array ? 'float32' : 'int32');
  if (data.length > 0) native.storageWrite(t._handle('fromTyped'), 0, data);
  return t;
}

/** Parses IDX bytes; `name` is used in error messages. */
export function parseIdx(buf: Uint8Array, name = '<buffer>'): IdxFile {
  const op = 'readIdx';
  if (buf.length < 4) throw new Error(`${op}: '${name}' is too short (${buf.length} bytes) to be an IDX file (4-byte header expected)`);
  if (buf[0] !== 0 || buf[1] !== 0) {
    const magic = Array.from(buf.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new Error(`${op}: '${name}' is not an IDX file: bad magic number ${magic} (expected 00 00 <dtype> <ndims>)`);
  }
  const type = IDX_TYPES[buf[2]];
  if (type === undefined) throw new Error(`${op}: '${name}' has an unknown IDX dtype code 0x${buf[2].toString(16).padStart(2, '0')} (expected 08, 09, 0b, 0c, 0d or 0e)`);
  const [dtype, bytes] = type;
  const ndims = buf[3];
  if (ndims === 0) throw new Error(`${op}: '${name}' declares 0 dimensions`);
  const headerSize = 4 + 4 * ndims;
  if (buf.length < headerSize) throw new Error(`${op}: '${name}' is truncated: the header declares ${ndims} dims (${headerSize} bytes) but the file has ${buf.length} bytes`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const shape: number[] = [];
  for (let d = 0; d < ndims; d++) shape.push(view.getUint32(4 + 4 * d, false));
  const count = shape.reduce((a, b) => a * b, 1);
  const expected = headerSize + count * bytes;
  if (buf.length !== expected) {
    const what = buf.length < expected ? 'is truncated' : 'has trailing bytes';
    throw new Error(`${op}: '${name}' ${what}: shape [${shape.join(', ')}] of ${dtype} needs ${expected} bytes but the file has ${buf.length}`);
  }
  let data: IdxData;
  switch (dtype) {
    case 'uint8':
      data = Uint8Array.from(buf.subarray(headerSize, expected));
      break;
    case 'int8':
      data = Int8Array.from(buf.subarray(headerSize, expected), (b) => (b << 24) >> 24);
      break;
    case 'int16':
      data = new Int16Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getInt16(headerSize + 2 * i, false);
      break;
    case 'int32':
      data = new Int32Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getInt32(headerSize + 4 * i, false);
      break;
    case 'float32':
      data = new Float32Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getFloat32(headerSize + 4 * i, false);
      break;
    default:
      data = new Float64Array(count);
      for (let i = 0; i < count; i++) data[i] = view.getFloat64(headerSize + 8 * i, false);
  }
  return { dtype, shape, data };
}

/**
 * Reads an IDX file (gzipped or not). A malformed or truncated file throws an Error naming the
 * file and the problem.
 *
 * @example
 * const { dtype, shape, data } = keel.data.readIdx('train-labels-idx1-ubyte.gz'); // 'uint8', [60000]
 */
export function readIdx(path: string): IdxFile {
  return parseIdx(readMaybeGzip('readIdx', path), path);
}

/** An IDX image file ([N, H, W] uint8) as a float32 tensor [N, 1, H, W] scaled to [0, 1]. */
export function loadIdxImages(path: string): Tensor {
  const f = readIdx(path);
  if (f.dtype !== 'uint8' || f.shape.length !== 3) {
    throw new Error(`loadIdxImages: '${path}' holds ${f.dtype} [${f.shape.join(', ')}]; expected uint8 images [N, H, W]`);
  }
  const [n, h, w] = f.shape;
  const src = f.data, out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) out[i] = src[i] / 255;
  return fromTyped(out, [n, 1, h, w]);
}

/** An IDX label file ([N] integers) as an int32 tensor [N]. */
export function loadIdxLabels(path: string): Tensor {
  const f = readIdx(path);
  if (f.shape.length !== 1 || f.dtype === 'float32' || f.dtype === 'float64') {
    throw new Error(`loadIdxLabels: '${path}' holds ${f.dtype} [${f.shape.join(', ')}]; expected integer labels [N]`);
  }
  return fromTyped(Int32Array.from(f.data), [f.shape[0]]);
}
