// Malformed safetensors input: every check has a case, each error names the source, the
// tensor and the problem, nothing is read out of bounds or leaked, and random corruption of a
// valid file only ever produces a SafetensorsError (or a valid parse).
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as keel from '../../lib/index.js';
import { craft, tempDir } from './helpers.js';

const io = keel.io;
const F32 = (shape: number[], begin: number, end: number) => ({ dtype: 'F32', shape, data_offsets: [begin, end] });

/** The message parseSafetensors throws for `bytes` (failing the test if it does not throw). */
function parseError(bytes: Uint8Array, source?: string): Error {
  try {
    keel.dispose(io.parseSafetensors(bytes, source === undefined ? {} : { source }).tensors);
  } catch (err) {
    expect(err).toBeInstanceOf(io.SafetensorsError);
    return err as Error;
  }
  throw new Error('expected parseSafetensors to throw');
}

const cases: Array<[string, Uint8Array, string]> = [
  // ---- the 8-byte length
  ['an empty buffer', new Uint8Array(0), 'buffer: 0 bytes is too short for a safetensors buffer (it starts with an 8-byte header length)'],
  ['5 bytes', new Uint8Array(5), 'buffer: 5 bytes is too short for a safetensors buffer'],
  ['a header length past the end', craft({}, 0, { headerLength: 100n }), 'buffer: header length 100 runs past the end of the 10-byte buffer'],
  ['a header length over 100 MB', craft({}, 0, { headerLength: 100_000_001n }), 'buffer: header length 100000001 is over the 100000000-byte limit'],
  ['a header length of 2^64 - 1', craft({}, 0, { headerLength: 2n ** 64n - 1n }), 'buffer: header length 18446744073709551615 is over the 100000000-byte limit'],
  // ---- the header text
  ['an empty header', craft('', 0, { raw: true }), "buffer: the header must be a JSON object starting with '{' but is empty"],
  ['a JSON array', craft([1, 2]), "buffer: the header must be a JSON object starting with '{' but starts with byte 0x5b"],
  ['leading whitespace', craft(' {}', 0, { raw: true }), "starts with byte 0x20"],
  ['a byte-order mark', craft('\ufeff{}', 0, { raw: true }), "starts with byte 0xef"],
  ['invalid UTF-8', Buffer.concat([craft('{"\xff":1}', 0, { raw: true }).subarray(0, 10), Buffer.from([0xff, 0xfe]), Buffer.from('":1}')]), 'buffer: the header is not valid UTF-8'],
  ['truncated JSON', craft('{"a": {"dtype"', 0, { raw: true }), 'buffer: the header is not valid JSON ('],
  ['trailing garbage', craft('{} x', 0, { raw: true }), 'buffer: the header is not valid JSON ('],
  ['NaN in a shape (not JSON)', craft('{"a":{"dtype":"F32","shape":[NaN],"data_offsets":[0,0]}}', 0, { raw: true }), 'buffer: the header is not valid JSON ('],
  // ---- entries
  ['an entry that is a number', craft({ a: 3 }), "buffer: tensor 'a': expected an object {dtype, shape, data_offsets} but found 3"],
  ['an entry that is null', craft({ a: null }), "tensor 'a': expected an object {dtype, shape, data_offsets} but found null"],
  ['an entry that is an array', craft({ a: ['F32', [1], [0, 4]] }), "tensor 'a': expected an object {dtype, shape, data_offsets} but found [\"F32\",[1],[0,4]]"],
  ['a missing dtype', craft({ a: { shape: [1], data_offsets: [0, 4] } }, 4), "buffer: tensor 'a': missing dtype"],
  ['a missing shape', craft({ a: { dtype: 'F32', data_offsets: [0, 4] } }, 4), "buffer: tensor 'a': missing shape"],
  ['missing data_offsets', craft({ a: { dtype: 'F32', shape: [1] } }, 4), "buffer: tensor 'a': missing data_offsets"],
  ['a dtype that is not a string', craft({ a: { dtype: 4, shape: [1], data_offsets: [0, 4] } }, 4), "tensor 'a': expected a string for dtype but found 4"],
  ['an unknown dtype', craft({ a: { dtype: 'Q8', shape: [1], data_offsets: [0, 4] } }, 4), "buffer: tensor 'a': unknown dtype \"Q8\""],
  ['a lowercase dtype', craft({ a: { dtype: 'f32', shape: [1], data_offsets: [0, 4] } }, 4), "tensor 'a': unknown dtype \"f32\""],
  ['a shape that is not an array', craft({ a: { dtype: 'F32', shape: 2, data_offsets: [0, 8] } }, 8), "tensor 'a': expected an array of non-negative integers for shape but found 2"],
  ['a negative dimension', craft({ a: F32([2, -1], 0, 8) }, 8), "buffer: tensor 'a': expected an array of non-negative integers for shape but found [2,-1]"],
  ['a fractional dimension', craft({ a: F32([2.5], 0, 8) }, 8), 'found [2.5]'],
  ['an infinite dimension (1e400)', craft('{"a":{"dtype":"F32","shape":[1e400],"data_offsets":[0,4]}}', 4, { raw: true }), 'found [null]'],
  ['a string dimension', craft({ a: F32(['3'] as never, 0, 12) }, 12), 'found ["3"]'],
  ['a null dimension', craft({ a: F32([null] as never, 0, 4) }, 4), 'found [null]'],
  ['data_offsets that are not a pair', craft({ a: F32([1], 0, 4), b: { dtype: 'F32', shape: [1], data_offsets: [4, 8, 12] } }, 8), "buffer: tensor 'b': expected [begin, end] (non-negative integers) for data_offsets but found [4,8,12]"],
  ['a negative offset', craft({ a: F32([1], -4, 0) }, 4), "tensor 'a': expected [begin, end] (non-negative integers) for data_offsets but found [-4,0]"],
  ['a fractional offset', craft({ a: F32([1], 0.5, 4.5) }, 5), 'found [0.5,4.5]'],
  ['string offsets', craft({ a: { dtype: 'F32', shape: [1], data_offsets: ['0', '4'] } }, 4), 'found ["0","4"]'],
  ['begin after end', craft({ a: F32([1], 8, 4) }, 8), "buffer: tensor 'a': data_offsets [8, 4] begin after they end"],
  ['an end past the data', craft({ a: F32([25], 0, 100) }, 16), "buffer: tensor 'a': data_offsets [0, 100] run past the end of the 16 bytes of tensor data"],
  ['a byte size that does not match the shape', craft({ a: F32([2, 3], 0, 16) }, 16), "buffer: tensor 'a': data_offsets [0, 16] hold 16 bytes but shape [2,3] of F32 needs 24"],
  ['a byte size that does not match the dtype', craft({ a: { dtype: 'F64', shape: [2], data_offsets: [0, 8] } }, 8), 'hold 8 bytes but shape [2] of F64 needs 16'],
  ['an absurd shape', craft({ a: F32([2 ** 40, 2 ** 40], 0, 4) }, 4), "buffer: tensor 'a': shape [1099511627776,1099511627776] of F32 is too large"],
  // ---- how the ranges tile the data
  ['overlapping ranges', craft({ a: F32([4], 0, 16), b: F32([4], 8, 24) }, 24), "buffer: tensor 'b': data_offsets [8, 24] overlap those of tensor 'a' [0, 16]"],
  ['two tensors on the same bytes', craft({ a: F32([2], 0, 8), b: F32([2], 0, 8) }, 8), "data_offsets [0, 8] overlap those of tensor 'a' [0, 8]"],
  ['an empty tensor inside another', craft({ a: F32([4], 0, 16), z: F32([0], 8, 8) }, 16), "tensor 'z': data_offsets [8, 8] overlap those of tensor 'a' [0, 16]"],
  ['a gap between tensors', craft({ a: F32([2], 0, 8), b: F32([2], 12, 20) }, 20), "buffer: tensor 'b': data_offsets [12, 20] leave a gap: bytes [8, 12) of the data belong to no tensor"],
  ['a gap at the start', craft({ a: F32([2], 4, 12) }, 12), "tensor 'a': data_offsets [4, 12] leave a gap: bytes [0, 4) of the data belong to no tensor"],
  ['bytes left at the end', craft({ a: F32([2], 0, 8) }, 12), 'buffer: bytes [8, 12) at the end of the data belong to no tensor'],
  ['data but no tensors', craft({}, 4), 'buffer: bytes [0, 4) at the end of the data belong to no tensor'],
  // ---- metadata
  ['metadata that is a string', craft({ __metadata__: 'pt' }), 'buffer: expected an object of strings for __metadata__ but found "pt"'],
  ['metadata that is an array', craft({ __metadata__: ['pt'] }), 'expected an object of strings for __metadata__ but found ["pt"]'],
  ['a metadata number', craft({ __metadata__: { format: 'pt', epoch: 3 } }), "buffer: __metadata__ value for 'epoch' must be a string but is 3"],
  ['a metadata object', craft({ __metadata__: { nested: { a: '1' } } }), "__metadata__ value for 'nested' must be a string but is {\"a\":\"1\"}"],
  ['a metadata null', craft({ __metadata__: { k: null } }), "__metadata__ value for 'k' must be a string but is null"],
  // ---- valid files Keel can't load
  ['a U8 tensor', craft({ m: { dtype: 'U8', shape: [2], data_offsets: [0, 2] } }, 2), "buffer: tensor 'm': not supported yet: dtype U8 (Keel loads F32, F16, BF16, F64, I32 and I64)"],
  ['a BOOL tensor', craft({ m: { dtype: 'BOOL', shape: [2], data_offsets: [0, 2] } }, 2), "tensor 'm': not supported yet: dtype BOOL"],
  ['9 dimensions', craft({ a: F32([1, 1, 1, 1, 1, 1, 1, 1, 1], 0, 4) }, 4), "buffer: tensor 'a': not supported yet: 9 dimensions (Keel tensors have at most 8)"],
  ['a dimension over 2^31 - 1', craft({ a: F32([0, 2 ** 31], 0, 0) }), "tensor 'a': not supported yet: dimension 2147483648 (Keel's limit is 2147483647)"],
];

describe('malformed input throws a SafetensorsError naming the source, tensor and problem', () => {
  it.each(cases)('%s', (_, bytes, message) => {
    const err = parseError(bytes);
    expect(err.message.startsWith('parseSafetensors: buffer: ')).toBe(true);
    expect(err.message).toContain(message);
  });

  it('names options.source instead of "buffer", and carries source and tensor as fields', () => {
    const err = parseError(craft({ a: F32([2, 3], 0, 16) }, 16), 'https://example.com/m.safetensors') as InstanceType<typeof io.SafetensorsError>;
    expect(err.message).toBe("parseSafetensors: 'https://example.com/m.safetensors': tensor 'a': data_offsets [0, 16] hold 16 bytes but shape [2,3] of F32 needs 24");
    expect(err.name).toBe('SafetensorsError');
    expect(err.source).toBe("'https://example.com/m.safetensors'");
    expect(err.tensor).toBe('a');
  });

  it('accepts "__metadata__": null as no metadata (as the reference does)', () => {
    const { tensors, metadata } = io.parseSafetensors(craft({ __metadata__: null }));
    expect(metadata).toEqual({});
    expect(tensors.size).toBe(0);
  });

  it('an I64 value outside int32 names the tensor, index and value, and frees what was loaded', () => {
    const data = Buffer.alloc(16 + 24);
    data.writeFloatLE(1, 0);
    data.writeBigInt64LE(5n, 16);
    data.writeBigInt64LE(-(2n ** 31n), 24);
    data.writeBigInt64LE(2n ** 31n, 32);
    const bytes = craft({ a: F32([4], 0, 16), big: { dtype: 'I64', shape: [3], data_offsets: [16, 40] } }, data);
    const before = keel.memory().numTensors;
    expect(parseError(bytes).message).toBe("parseSafetensors: buffer: tensor 'big': I64 value 2147483648 at index 2 is outside the int32 range of Keel tensors");
    expect(keel.memory().numTensors).toBe(before);
    data.writeBigInt64LE(2n ** 31n - 1n, 32);
    const ok = io.parseSafetensors(craft({ a: F32([4], 0, 16), big: { dtype: 'I64', shape: [3], data_offsets: [16, 40] } }, data));
    expect(ok.tensors.get('big')!.toArray()).toEqual([5, -2147483648, 2147483647]);
    keel.dispose(ok.tensors);
  });

  it('names the file when reading from disk, and catches a file truncated after its header', () => {
    const tmp = tempDir();
    try {
      const path = tmp.path('bad.safetensors');
      writeFileSync(path, craft({ a: F32([2], 0, 8) }, 4));
      expect(() => io.loadSafetensors(path)).toThrow(`loadSafetensors: file '${path}': tensor 'a': data_offsets [0, 8] run past the end of the 4 bytes of tensor data`);
      writeFileSync(path, craft({}, 0, { headerLength: 64n }));
      expect(() => io.readSafetensorsHeader(path)).toThrow(`readSafetensorsHeader: file '${path}': header length 64 runs past the end of the 10-byte file`);
    } finally {
      tmp.remove();
    }
  });
});

describe('random corruption', () => {
  // A small deterministic generator (mulberry32), so a failure reproduces.
  function rng(seed: number): () => number {
    return () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  it('mutated, truncated or extended files only ever parse or throw SafetensorsError', () => {
    const x = keel.tensor([[1, 2], [3, 4]]);
    const n = keel.tensor([1, 2, 3], { dtype: 'int32' });
    const valid = io.serializeSafetensors({ x, n }, { format: 'pt' });
    keel.dispose([x, n]);
    const random = rng(1234);
    const before = keel.memory().numTensors;
    const outcomes = { parsed: 0, rejected: 0 };
    for (let i = 0; i < 3000; i++) {
      let bytes = Buffer.from(valid);
      const kind = i % 4;
      if (kind === 0) {
        // flip bytes anywhere (header length, JSON, data)
        for (let k = 0; k < 1 + Math.floor(random() * 3); k++) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      } else if (kind === 1) {
        bytes = bytes.subarray(0, Math.floor(random() * bytes.length));
      } else if (kind === 2) {
        bytes = Buffer.concat([bytes, Buffer.alloc(1 + Math.floor(random() * 16))]);
      } else {
        // replace a digit in the JSON (offsets, shapes)
        const text = bytes.toString('latin1');
        const digits = [...text.matchAll(/[0-9]/g)].map((m) => m.index!).filter((p) => p >= 8);
        const p = digits[Math.floor(random() * digits.length)];
        bytes[p] = 0x30 + Math.floor(random() * 10);
      }
      try {
        keel.dispose(io.parseSafetensors(bytes).tensors);
        outcomes.parsed++;
      } catch (err) {
        if (!(err instanceof io.SafetensorsError)) throw new Error(`case ${i}: ${(err as Error).stack}`);
        outcomes.rejected++;
      }
    }
    expect(outcomes.rejected).toBeGreaterThan(1000);
    expect(outcomes.parsed).toBeGreaterThan(100);
    expect(keel.memory().numTensors).toBe(before);
  });
});
