// safetensors writing and reading: round trips, the byte layout against the spec, files
// (atomic writes, header-only reads), argument checks, memory.
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as keel from '../../lib/index.js';
import type { Tensor } from '../../lib/index.js';
import { bitwiseDiff, craft, fixture, split, tempDir } from './helpers.js';

const io = keel.io;

function sample(): Map<string, Tensor> {
  return new Map<string, Tensor>([
    ['b', keel.tensor([1.5, -2])],
    ['a', keel.tensor([7, -8, 2147483647], { dtype: 'int32' })],
    ['c', keel.tensor([[0.1, 0.2], [0.3, NaN]])],
  ]);
}

describe('serializeSafetensors: the byte layout follows the spec', () => {
  it('u64 little-endian header length, compact JSON padded with spaces to 8, data in header order', () => {
    const tensors = sample();
    const bytes = io.serializeSafetensors(tensors, { format: 'pt' });
    const { n, text, data } = split(bytes);
    expect(n % 8).toBe(0);
    expect(bytes.length).toBe(8 + n + data.length);
    // Compact JSON, __metadata__ first, F32 before I32, names in byte order within a dtype.
    const json = '{"__metadata__":{"format":"pt"},' +
      '"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},' +
      '"c":{"dtype":"F32","shape":[2,2],"data_offsets":[8,24]},' +
      '"a":{"dtype":"I32","shape":[3],"data_offsets":[24,36]}}';
    expect(text.trimEnd()).toBe(json);
    expect(text).toBe(json + ' '.repeat(n - json.length));
    expect(n - json.length).toBeLessThan(8);
    expect(data.length).toBe(36);
    // Raw little-endian values at the offsets.
    expect([data.readFloatLE(0), data.readFloatLE(4)]).toEqual([1.5, -2]);
    expect(data.readFloatLE(8)).toBe(Math.fround(0.1));
    expect(Number.isNaN(data.readFloatLE(20))).toBe(true);
    expect([data.readInt32LE(24), data.readInt32LE(28), data.readInt32LE(32)]).toEqual([7, -8, 2147483647]);
    keel.dispose(tensors);
  });

  it('writes no __metadata__ without metadata, and an empty file as {} padded to 8', () => {
    expect(split(io.serializeSafetensors({})).text).toBe('{}      ');
    const t = keel.tensor([1]);
    expect(split(io.serializeSafetensors({ x: t })).text.trimEnd()).toBe('{"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}');
    expect(split(io.serializeSafetensors({ x: t }, {})).text.trimEnd()).toBe('{"__metadata__":{},"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}');
    t.dispose();
  });

  it('orders names by UTF-8 bytes, integer-like names included (JS objects would put them first)', () => {
    const one = keel.tensor([1]);
    const names = ['b', '9', '10', 'ä', 'a.0', 'A'];
    const bytes = io.serializeSafetensors(Object.fromEntries(names.map((n) => [n, one])));
    const keys = [...split(bytes).text.matchAll(/"([^"]+)":\{"dtype"/g)].map((m) => m[1]);
    expect(keys).toEqual(['10', '9', 'A', 'a.0', 'b', 'ä']);
    one.dispose();
  });

  it('is byte-identical to the committed Keel-written fixture that Python checked against the spec', () => {
    const bytes = fixture('keel_written.safetensors');
    const { tensors, metadata } = io.parseSafetensors(bytes);
    expect(metadata.note).toBe('quotes " and \\ and ünïcödé and a\nnewline');
    expect(io.serializeSafetensors(tensors, metadata).equals(bytes)).toBe(true);
    expect(tensors.get('rows')!.toArray()).toEqual([[0.25, -8, 6.5], [0.25, -8, 6.5]]);
    expect(tensors.get('counts')!.toArray()).toEqual([0, -1, 2147483647, -2147483648]);
    expect(tensors.get('empty')!.shape).toEqual([0, 4]);
    keel.dispose(tensors);
  });
});

describe('parseSafetensors round trips', () => {
  it('float32 and int32 values, 0-d, empty and non-contiguous tensors, Map or object input', () => {
    const base = keel.tensor([[1, 2, 3]]);
    const inputs: Record<string, Tensor> = {
      f: keel.tensor([[0.5, -0], [Infinity, -Infinity], [NaN, 1e-45]]),
      i: keel.tensor([[-2147483648], [0]], { dtype: 'int32' }),
      scalar: keel.scalar(-3.25),
      empty: keel.zeros([2, 0, 3]),
      expanded: base.expand([4, 3]),
    };
    expect(inputs.expanded.isContiguous()).toBe(false);
    for (const container of [inputs, new Map(Object.entries(inputs))]) {
      const { tensors, metadata } = io.parseSafetensors(io.serializeSafetensors(container, { k: 'v' }));
      expect(metadata).toEqual({ k: 'v' });
      expect([...tensors.keys()]).toEqual(['empty', 'expanded', 'f', 'scalar', 'i']);
      for (const [name, t] of Object.entries(inputs)) {
        const back = tensors.get(name)!;
        expect(back.isContiguous()).toBe(true);
        expect(bitwiseDiff(back, t), name).toBeNull();
      }
      keel.dispose(tensors);
    }
    keel.dispose([inputs, base]);
  });

  it('reads tensors at any alignment of the input bytes', () => {
    const t = keel.tensor([1, 2, 3, 4, 5]);
    const bytes = io.serializeSafetensors({ t });
    for (const shift of [1, 2, 3]) {
      const shifted = new Uint8Array(bytes.length + shift).subarray(shift);
      shifted.set(bytes);
      const { tensors } = io.parseSafetensors(shifted);
      expect(bitwiseDiff(tensors.get('t')!, t)).toBeNull();
      keel.dispose(tensors);
    }
    t.dispose();
  });

  it('accepts headers with extra fields, leading and trailing JSON whitespace inside, and any tensor order', () => {
    // Not Keel's layout, but valid: the data is in reverse name order and the entries carry extra keys.
    const data = Buffer.alloc(12);
    data.writeFloatLE(3, 0);
    data.writeFloatLE(1, 4);
    data.writeFloatLE(2, 8);
    const header = '{ "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12], "extra": 1},\n "a": {"data_offsets": [0, 4], "shape": [], "dtype": "F32"} }   ';
    const { tensors } = io.parseSafetensors(craft(header, data, { raw: true }));
    expect([...tensors.keys()]).toEqual(['a', 'b']);
    expect(tensors.get('a')!.item()).toBe(3);
    expect(tensors.get('b')!.toArray()).toEqual([1, 2]);
    keel.dispose(tensors);
  });

  it('keeps a "__proto__" key as an ordinary key of metadata and of tensor names', () => {
    const { tensors, metadata } = io.parseSafetensors(craft('{"__metadata__":{"__proto__":"x"},"__proto__":{"dtype":"I32","shape":[1],"data_offsets":[0,4]}}', 4, { raw: true }));
    expect(Object.getPrototypeOf(metadata)).toBe(Object.prototype);
    expect(Object.keys(metadata)).toEqual(['__proto__']);
    expect(tensors.get('__proto__')!.toArray()).toEqual([0]);
    keel.dispose(tensors);
  });
});

describe('files', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => tmp.remove());

  it('saveSafetensors writes serializeSafetensors bytes; loadSafetensors reads them back', () => {
    const tensors = sample();
    const path = tmp.path('t.safetensors');
    io.saveSafetensors(path, tensors, { format: 'pt' });
    expect(readFileSync(path).equals(io.serializeSafetensors(tensors, { format: 'pt' }))).toBe(true);
    const loaded = io.loadSafetensors(path);
    expect(loaded.metadata).toEqual({ format: 'pt' });
    for (const [name, t] of tensors) expect(bitwiseDiff(loaded.tensors.get(name)!, t), name).toBeNull();
    keel.dispose([tensors, loaded.tensors]);
  });

  it('replaces an existing file atomically and leaves no temporary file behind', () => {
    const path = tmp.path('w.safetensors');
    writeFileSync(path, 'old contents');
    const t = keel.tensor([1, 2]);
    io.saveSafetensors(path, { t });
    expect(readdirSync(tmp.dir)).toEqual(['w.safetensors']);
    expect(split(readFileSync(path)).text.trimEnd()).toBe('{"t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}');
    t.dispose();
  });

  it('a failed save leaves what was at the path untouched and cleans up', () => {
    const target = tmp.path('taken');
    mkdirSync(target);
    writeFileSync(tmp.path('taken/inside'), 'x');
    const t = keel.tensor([1]);
    expect(() => io.saveSafetensors(target, { t })).toThrow(); // rename onto a directory fails
    expect(statSync(target).isDirectory()).toBe(true);
    expect(readdirSync(tmp.dir)).toEqual(['taken']);
    expect(() => io.saveSafetensors(tmp.path('missing/dir/x.safetensors'), { t })).toThrow(/ENOENT/);
    t.dispose();
  });

  it('readSafetensorsHeader returns entries in data order and metadata without reading the data', () => {
    const tensors = sample();
    const path = tmp.path('h.safetensors');
    io.saveSafetensors(path, tensors, { a: '1' });
    const before = keel.memory().numTensors;
    const header = io.readSafetensorsHeader(path);
    expect(keel.memory().numTensors).toBe(before);
    expect(header.metadata).toEqual({ a: '1' });
    expect([...header.tensors]).toEqual([
      ['b', { dtype: 'F32', shape: [2], dataOffsets: [0, 8] }],
      ['c', { dtype: 'F32', shape: [2, 2], dataOffsets: [8, 24] }],
      ['a', { dtype: 'I32', shape: [3], dataOffsets: [24, 36] }],
    ]);
    expect(header.dataStart).toBe(8 + split(readFileSync(path)).n);
    expect(header.dataLength).toBe(36);
    keel.dispose(tensors);
  });

  it('reads the header of files with dtypes Keel does not load, and names them when loading', () => {
    const path = tmp.path('u8.safetensors');
    writeFileSync(path, craft({ mask: { dtype: 'U8', shape: [3], data_offsets: [0, 3] } }, 3));
    expect(io.readSafetensorsHeader(path).tensors.get('mask')).toEqual({ dtype: 'U8', shape: [3], dataOffsets: [0, 3] });
    expect(() => io.loadSafetensors(path)).toThrow(`loadSafetensors: file '${path}': tensor 'mask': not supported yet: dtype U8 (Keel loads F32, F16, BF16, F64, I32 and I64)`);
  });

  it('names the file in errors and reports a missing file', () => {
    const path = tmp.path('short.safetensors');
    writeFileSync(path, Buffer.from([1, 2, 3]));
    expect(() => io.loadSafetensors(path)).toThrow(`loadSafetensors: file '${path}': 3 bytes is too short for a safetensors file (it starts with an 8-byte header length)`);
    expect(() => io.loadSafetensors(tmp.path('nope.safetensors'))).toThrow(/ENOENT/);
  });
});

describe('arguments', () => {
  it('rejects what is not a name -> Tensor container, bad tensors and bad metadata', () => {
    const t = keel.tensor([1]);
    expect(() => io.serializeSafetensors(t as never)).toThrow('serializeSafetensors: expected a Map or an object of name -> Tensor for tensors but received an object');
    expect(() => io.serializeSafetensors([t] as never)).toThrow(/received an Array/);
    expect(() => io.serializeSafetensors({ w: [1, 2] } as never)).toThrow("serializeSafetensors: expected a Tensor for 'w' but received an Array");
    expect(() => io.serializeSafetensors({ __metadata__: t })).toThrow("serializeSafetensors: '__metadata__' is reserved by the format and can't name a tensor");
    expect(() => io.serializeSafetensors({ t }, { epoch: 3 } as never)).toThrow("serializeSafetensors: expected a string for metadata['epoch'] but received 3 of type number");
    expect(() => io.serializeSafetensors({ t }, 'pt' as never)).toThrow(/expected an object of strings for metadata/);
    expect(() => io.saveSafetensors('' as string, { t })).toThrow("saveSafetensors: expected a non-empty string for path but received '' of type string");
    expect(() => io.parseSafetensors([1, 2] as never)).toThrow('parseSafetensors: expected a Uint8Array or Buffer for bytes but received an Array');
    const d = keel.tensor([1]);
    d.dispose();
    expect(() => io.serializeSafetensors({ d })).toThrow("serializeSafetensors: the tensor 'd' has been disposed");
    t.dispose();
  });
});

describe('memory', () => {
  it('serializing frees what it creates; loaded tensors belong to the caller', () => {
    const tensors = sample();
    const base = tensors.get('a')!.expand([2, 3]);
    const start = keel.memory().numTensors;
    const bytes = io.serializeSafetensors({ ...Object.fromEntries(tensors), base });
    expect(keel.memory().numTensors).toBe(start);
    const { tensors: loaded } = io.parseSafetensors(bytes);
    expect(keel.memory().numTensors).toBe(start + 4);
    keel.dispose(loaded);
    expect(keel.memory().numTensors).toBe(start);
    // Inside tidy(), returned tensors survive and the rest are freed.
    const kept = keel.tidy(() => io.parseSafetensors(bytes).tensors);
    expect(keel.memory().numTensors).toBe(start + 4);
    keel.dispose(kept);
    keel.dispose([tensors, base]);
  });
});
