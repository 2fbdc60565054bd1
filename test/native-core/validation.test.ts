// Every bad-input path of blas.sgemm / blas.sgemmStridedBatched, through the public wrapper and
// straight into the raw addon (which must re-check everything and throw, never crash).
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { blas, NativeStorage } from '../../lib/index.js';
import { native } from '../../lib/native.js';

type Sgemm = (...args: unknown[]) => void;
const layers: Array<[string, Sgemm, Sgemm]> = [
  ['public blas', blas.sgemm as unknown as Sgemm, blas.sgemmStridedBatched as unknown as Sgemm],
  ['raw native', native.sgemm as unknown as Sgemm, native.sgemmStridedBatched as unknown as Sgemm],
];

const MAX = 2147483647;

/** Valid arguments for a 2×2×2 product, as a fresh list. */
function good(): unknown[] {
  return [false, false, 2, 2, 2, 1, new Float32Array(4), 2, new Float32Array(4), 2, 0, new Float32Array(4), 2];
}
function withArg(i: number, v: unknown): unknown[] {
  const args = good();
  args[i] = v;
  return args;
}

/** Valid arguments for sgemmStridedBatched: 3 products of 2×2 by 2×2. */
function goodBatched(): unknown[] {
  return [false, false, 2, 2, 2, 1, new Float32Array(12), 2, 4, new Float32Array(12), 2, 4, 0, new Float32Array(12), 2, 4, 3];
}

function detachedF32(n: number): Float32Array {
  const buf = new ArrayBuffer(4 * n);
  const view = new Float32Array(buf);
  structuredClone(buf, { transfer: [buf] });
  return view;
}

function thrown(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected the call to throw');
}

// [description, argument index, bad value, error class, message: exact string or pattern]
type Row = [string, number, unknown, ErrorConstructor, string | RegExp];
const rows: Row[] = [
  ['transA a bad string', 0, 'X', TypeError, "blas.sgemm: expected a boolean or 'N' | 'T' for transA but received 'X' of type string"],
  ['transA a number', 0, 1, TypeError, "blas.sgemm: expected a boolean or 'N' | 'T' for transA but received 1 of type number"],
  ['transB undefined', 1, undefined, TypeError, "blas.sgemm: expected a boolean or 'N' | 'T' for transB but received undefined"],
  ['transB null', 1, null, TypeError, "blas.sgemm: expected a boolean or 'N' | 'T' for transB but received null"],
  ['m negative', 2, -1, RangeError, 'blas.sgemm: expected a non-negative integer no larger than 2147483647 for m but received -1 of type number'],
  ['m fractional', 2, 1.5, RangeError, /^blas\.sgemm: expected a non-negative integer no larger than 2147483647 for m but received 1\.5/],
  ['m NaN', 2, NaN, RangeError, /^blas\.sgemm: expected a non-negative integer no larger than 2147483647 for m but received /],
  ['m Infinity', 2, Infinity, RangeError, /^blas\.sgemm: expected a non-negative integer no larger than 2147483647 for m but received /],
  ['m -Infinity', 2, -Infinity, RangeError, /for m but received /],
  ['m 2^31', 2, 2 ** 31, RangeError, 'blas.sgemm: expected a non-negative integer no larger than 2147483647 for m but received 2147483648 of type number'],
  ['m 2^53', 2, 2 ** 53, RangeError, /for m but received 9007199254740992 of type number/],
  ['n a string', 3, '2', TypeError, "blas.sgemm: expected a non-negative integer for n but received '2' of type string"],
  ['n a bigint', 3, 2n, TypeError, /^blas\.sgemm: expected a non-negative integer for n but received /],
  ['n a boolean', 3, true, TypeError, /^blas\.sgemm: expected a non-negative integer for n but received true/],
  ['k null', 4, null, TypeError, 'blas.sgemm: expected a non-negative integer for k but received null'],
  ['k undefined', 4, undefined, TypeError, 'blas.sgemm: expected a non-negative integer for k but received undefined'],
  ['k an object', 4, { valueOf: () => 2 }, TypeError, 'blas.sgemm: expected a non-negative integer for k but received an object'],
  ['alpha a string', 5, '1', TypeError, "blas.sgemm: expected a number for alpha but received '1' of type string"],
  ['alpha undefined', 5, undefined, TypeError, 'blas.sgemm: expected a number for alpha but received undefined'],
  ['a a Float64Array', 6, new Float64Array(4), TypeError, 'blas.sgemm: expected a Float32Array for a but received a Float64Array'],
  ['a an Int32Array', 6, new Int32Array(4), TypeError, 'blas.sgemm: expected a Float32Array for a but received an Int32Array'],
  // Values described as JS prints them, whichever layer throws.
  ['m tiny', 2, 1e-7, RangeError, 'blas.sgemm: expected a non-negative integer no larger than 2147483647 for m but received 1e-7 of type number'],
  ['m huge', 2, 1.2345678901234568e20, RangeError, 'blas.sgemm: expected a non-negative integer no larger than 2147483647 for m but received 123456789012345680000 of type number'],
  ['m beyond 1e21', 2, 1.5e21, RangeError, 'blas.sgemm: expected a non-negative integer no larger than 2147483647 for m but received 1.5e+21 of type number'],
  ['a a Buffer', 6, Buffer.alloc(16), TypeError, 'blas.sgemm: expected a Float32Array for a but received a Buffer'],
  ['a a DataView', 6, new DataView(new ArrayBuffer(16)), TypeError, 'blas.sgemm: expected a Float32Array for a but received a DataView'],
  ['a a BigInt64Array', 6, new BigInt64Array(4), TypeError, 'blas.sgemm: expected a Float32Array for a but received a BigInt64Array'],
  ['a a Uint16Array', 6, new Uint16Array(8), TypeError, /^blas\.sgemm: expected a Float32Array for a but received an? Uint16Array$/],
  ['a an Array', 6, [1, 2, 3, 4], TypeError, 'blas.sgemm: expected a Float32Array for a but received an Array'],
  ['a null', 6, null, TypeError, 'blas.sgemm: expected a Float32Array for a but received null'],
  ['a a plain object', 6, { length: 4 }, TypeError, 'blas.sgemm: expected a Float32Array for a but received an object'],
  ['a an ArrayBuffer', 6, new ArrayBuffer(16), TypeError, /^blas\.sgemm: expected a Float32Array for a but received an? /],
  ['a a DataView', 6, new DataView(new ArrayBuffer(16)), TypeError, /^blas\.sgemm: expected a Float32Array for a but received /],
  ['lda too small', 7, 1, RangeError, 'blas.sgemm: expected lda >= 2 for a of shape [2,2] but received 1'],
  ['lda negative', 7, -2, RangeError, 'blas.sgemm: expected a non-negative integer no larger than 2147483647 for lda but received -2 of type number'],
  ['lda 2^31', 7, 2 ** 31, RangeError, /for lda but received 2147483648 of type number/],
  ['lda a string', 7, '2', TypeError, "blas.sgemm: expected a non-negative integer for lda but received '2' of type string"],
  ['b null', 8, null, TypeError, 'blas.sgemm: expected a Float32Array for b but received null'],
  ['b a Float64Array', 8, new Float64Array(4), TypeError, 'blas.sgemm: expected a Float32Array for b but received a Float64Array'],
  ['ldb 0', 9, 0, RangeError, 'blas.sgemm: expected ldb >= 2 for b of shape [2,2] but received 0'],
  ['ldb NaN', 9, NaN, RangeError, /for ldb but received /],
  ['beta undefined', 10, undefined, TypeError, 'blas.sgemm: expected a number for beta but received undefined'],
  ['beta null', 10, null, TypeError, 'blas.sgemm: expected a number for beta but received null'],
  ['c a Float64Array', 11, new Float64Array(4), TypeError, 'blas.sgemm: expected a Float32Array for c but received a Float64Array'],
  ['c undefined', 11, undefined, TypeError, 'blas.sgemm: expected a Float32Array for c but received undefined'],
  ['ldc too small', 12, 1, RangeError, 'blas.sgemm: expected ldc >= 2 for c of shape [2,2] but received 1'],
  ['ldc fractional', 12, 2.5, RangeError, /for ldc but received 2\.5/],
  ['a too short', 6, new Float32Array(3), RangeError, 'blas.sgemm: a of shape [2,2] with lda=2 needs 4 elements but the Float32Array has 3'],
  ['b too short', 8, new Float32Array(0), RangeError, 'blas.sgemm: b of shape [2,2] with ldb=2 needs 4 elements but the Float32Array has 0'],
  ['c too short', 11, new Float32Array(3), RangeError, 'blas.sgemm: c of shape [2,2] with ldc=2 needs 4 elements but the Float32Array has 3'],
  ['a detached', 6, detachedF32(4), RangeError, 'blas.sgemm: a of shape [2,2] with lda=2 needs 4 elements but the Float32Array has 0'],
  ['b detached', 8, detachedF32(4), RangeError, 'blas.sgemm: b of shape [2,2] with ldb=2 needs 4 elements but the Float32Array has 0'],
  ['c detached', 11, detachedF32(4), RangeError, 'blas.sgemm: c of shape [2,2] with ldc=2 needs 4 elements but the Float32Array has 0'],
];

describe.each(layers)('%s sgemm rejects bad input', (_layer, sgemm, sgemmBatched) => {
  it.each(rows)('%s', (_name, index, value, Kind, message) => {
    const err = thrown(() => sgemm(...withArg(index, value)));
    expect(err).toBeInstanceOf(Kind);
    if (typeof message === 'string') expect(err.message).toBe(message);
    else expect(err.message).toMatch(message);
  });

  it('the same arguments, fixed, work (the table above is not failing for another reason)', () => {
    const args = good();
    (args[6] as Float32Array).set([1, 2, 3, 4]);
    (args[8] as Float32Array).set([5, 6, 7, 8]);
    sgemm(...args);
    expect(Array.from(args[11] as Float32Array)).toEqual([19, 22, 43, 50]);
  });

  it('shape messages use the stored shape of transposed operands and the actual ld', () => {
    // m=3, k=4: A is stored 3×4, or 4×3 when transposed.
    const c = new Float32Array(3 * 5);
    const b = new Float32Array(4 * 5);
    expect(() => sgemm(false, false, 3, 5, 4, 1, new Float32Array(10), 4, b, 5, 0, c, 5))
      .toThrow(new RangeError('blas.sgemm: a of shape [3,4] with lda=4 needs 12 elements but the Float32Array has 10'));
    expect(() => sgemm(false, false, 3, 5, 4, 1, new Float32Array(12), 5, b, 5, 0, c, 5))
      .toThrow(new RangeError('blas.sgemm: a of shape [3,4] with lda=5 needs 14 elements but the Float32Array has 12'));
    expect(() => sgemm(true, false, 3, 5, 4, 1, new Float32Array(12), 2, b, 5, 0, c, 5))
      .toThrow(new RangeError('blas.sgemm: expected lda >= 3 for a of shape [4,3] but received 2'));
    expect(() => sgemm(false, true, 3, 5, 4, 1, new Float32Array(12), 4, b, 3, 0, c, 5))
      .toThrow(new RangeError('blas.sgemm: expected ldb >= 4 for b of shape [5,4] but received 3'));
    expect(() => sgemm(false, true, 3, 5, 4, 1, new Float32Array(12), 4, new Float32Array(19), 4, 0, c, 5))
      .toThrow(new RangeError('blas.sgemm: b of shape [5,4] with ldb=4 needs 20 elements but the Float32Array has 19'));
    expect(() => sgemm(false, false, 3, 5, 4, 1, new Float32Array(12), 4, b, 5, 0, new Float32Array(14), 5))
      .toThrow(new RangeError('blas.sgemm: c of shape [3,5] with ldc=5 needs 15 elements but the Float32Array has 14'));
    // The last row needs only its own columns, not a whole ld.
    sgemm(false, false, 3, 5, 4, 1, new Float32Array(14), 5, new Float32Array(26), 7, 0, new Float32Array(2 * 9 + 5), 9);
  });

  it('with m, n or k = 0, A and B are not read (empty arrays are fine) but ld and C are still checked', () => {
    const empty = new Float32Array(0);
    sgemm(false, false, 3, 4, 0, 1, empty, 1, empty, 4, 0, new Float32Array(12), 4);
    sgemm(false, false, 0, 4, 5, 1, empty, 5, empty, 4, 0, empty, 4);
    sgemm(false, false, 3, 0, 5, 1, empty, 5, empty, 1, 0, empty, 1);
    sgemm(false, false, 3, 4, 0, 1, detachedF32(4), 1, detachedF32(4), 4, 0, new Float32Array(12), 4);
    sgemm(false, false, 0, 0, 0, 1, detachedF32(4), 1, detachedF32(4), 1, 0, detachedF32(4), 1);
    expect(() => sgemm(false, false, 3, 4, 0, 1, empty, 0, empty, 4, 0, new Float32Array(12), 4))
      .toThrow(new RangeError('blas.sgemm: expected lda >= 1 for a of shape [3,0] but received 0'));
    expect(() => sgemm(false, false, 3, 4, 0, 1, empty, 1, empty, 3, 0, new Float32Array(12), 4))
      .toThrow(new RangeError('blas.sgemm: expected ldb >= 4 for b of shape [0,4] but received 3'));
    expect(() => sgemm(false, false, 3, 4, 0, 1, empty, 1, empty, 4, 0, new Float32Array(11), 4))
      .toThrow(new RangeError('blas.sgemm: c of shape [3,4] with ldc=4 needs 12 elements but the Float32Array has 11'));
    expect(() => sgemm(false, false, 3, 4, 0, 1, empty, 1, empty, 4, 0, detachedF32(12), 4))
      .toThrow(new RangeError('blas.sgemm: c of shape [3,4] with ldc=4 needs 12 elements but the Float32Array has 0'));
  });

  it('huge and overflow-prone dimensions throw RangeError instead of crashing', () => {
    const small = () => new Float32Array(16);
    // Every dimension at the limit, small arrays: the extent (~2^62) must not wrap.
    expect(() => sgemm(false, false, MAX, MAX, MAX, 1, small(), MAX, small(), MAX, 0, small(), MAX))
      .toThrow(RangeError);
    expect(thrown(() => sgemm(false, false, MAX, MAX, MAX, 1, small(), MAX, small(), MAX, 0, small(), MAX)).message)
      .toMatch(/^blas\.sgemm: a of shape \[2147483647,2147483647\] with lda=2147483647 needs \d+ elements but the Float32Array has 16$/);
    expect(() => sgemm(false, false, MAX, 1, 1, 1, small(), 1, small(), 1, 0, small(), 1))
      .toThrow(new RangeError('blas.sgemm: a of shape [2147483647,1] with lda=1 needs 2147483647 elements but the Float32Array has 16'));
    expect(() => sgemm(true, true, 1, MAX, 1, 1, small(), 1, small(), 1, 0, small(), MAX))
      .toThrow(new RangeError('blas.sgemm: b of shape [2147483647,1] with ldb=1 needs 2147483647 elements but the Float32Array has 16'));
    expect(() => sgemm(false, false, 1, 1, MAX, 1, small(), MAX, small(), 1, 0, small(), 1))
      .toThrow(new RangeError('blas.sgemm: a of shape [1,2147483647] with lda=2147483647 needs 2147483647 elements but the Float32Array has 16'));
    // m = 0 makes a huge n and k legal: nothing is read or written.
    sgemm(false, false, 0, MAX, MAX, 1, small(), MAX, small(), MAX, 0, small(), MAX);
    expect(() => sgemm(false, false, 2 ** 31, 1, 1, 1, small(), 1, small(), 1, 0, small(), 1)).toThrow(/for m but received 2147483648/);
    expect(() => sgemm(false, false, 1, 1, 1, 1, small(), 1, small(), 1, 0, small(), 2 ** 32)).toThrow(/for ldc but received 4294967296/);
    expect(() => sgemm(false, false, 1, 1, 1, 1, small(), 1, small(), 1, 0, small(), -(2 ** 31))).toThrow(RangeError);
  });

  it('c must not share memory with a or b', () => {
    const buf = new Float32Array(64);
    const msg = 'blas.sgemm: c must not share memory with a or b';
    expect(() => sgemm(false, false, 2, 2, 2, 1, buf, 2, new Float32Array(4), 2, 0, buf, 2)).toThrow(new RangeError(msg));
    expect(() => sgemm(false, false, 2, 2, 2, 1, new Float32Array(4), 2, buf, 2, 0, buf, 2)).toThrow(new RangeError(msg));
    // Partial overlap through subarrays of one buffer, at either end.
    expect(() => sgemm(false, false, 2, 2, 2, 1, buf.subarray(0, 4), 2, new Float32Array(4), 2, 0, buf.subarray(3, 7), 2)).toThrow(new RangeError(msg));
    expect(() => sgemm(false, false, 2, 2, 2, 1, new Float32Array(4), 2, buf.subarray(10, 14), 2, 0, buf.subarray(7, 11), 2)).toThrow(new RangeError(msg));
    // Adjacent but disjoint views are fine, and A and B may alias each other.
    sgemm(false, false, 2, 2, 2, 1, buf.subarray(0, 4), 2, buf.subarray(0, 4), 2, 0, buf.subarray(4, 8), 2);
    sgemm(false, false, 2, 2, 2, 1, buf.subarray(8, 12), 2, buf.subarray(12, 16), 2, 0, buf.subarray(4, 8), 2);
  });

  it('c sharing memory through two different ArrayBuffers over one native block is rejected', () => {
    // Two views of one NativeStorage are different ArrayBuffer objects over the same bytes.
    const s = NativeStorage.allocate(64 * 4);
    try {
      const a = s.float32(), c = s.float32();
      expect(a.buffer).not.toBe(c.buffer);
      expect(() => sgemm(false, false, 2, 2, 2, 1, a, 2, new Float32Array(4), 2, 0, c.subarray(2), 2))
        .toThrow(new RangeError('blas.sgemm: c must not share memory with a or b'));
      sgemm(false, false, 2, 2, 2, 1, a, 2, new Float32Array(4), 2, 0, c.subarray(4), 2);
    } finally {
      s.dispose();
    }
  });

  it('sgemmStridedBatched: bad strides, batch counts and short arrays', () => {
    const args = goodBatched();
    sgemmBatched(...args);
    const bad = (i: number, v: unknown): Error => {
      const a = goodBatched();
      a[i] = v;
      return thrown(() => sgemmBatched(...a));
    };
    const cases: Array<[number, unknown, ErrorConstructor, string | RegExp]> = [
      [8, -1, RangeError, 'blas.sgemmStridedBatched: expected a non-negative integer no larger than 2147483647 for strideA but received -1 of type number'],
      [8, '4', TypeError, "blas.sgemmStridedBatched: expected a non-negative integer for strideA but received '4' of type string"],
      [11, 0.5, RangeError, /for strideB but received 0\.5/],
      [15, NaN, RangeError, /for strideC but received /],
      [15, 3, RangeError, 'blas.sgemmStridedBatched: expected strideC >= 4 so that the C matrices do not overlap, but received 3'],
      [16, -1, RangeError, 'blas.sgemmStridedBatched: expected a non-negative integer no larger than 2147483647 for batchCount but received -1 of type number'],
      [16, 2 ** 31, RangeError, /for batchCount but received 2147483648 of type number/],
      [16, undefined, TypeError, 'blas.sgemmStridedBatched: expected a non-negative integer for batchCount but received undefined'],
      [16, 4, RangeError, 'blas.sgemmStridedBatched: a of shape [2,2] with lda=2 and batch 4 needs 16 elements but the Float32Array has 12'],
      [8, 5, RangeError, 'blas.sgemmStridedBatched: a of shape [2,2] with lda=2 and batch 3 needs 14 elements but the Float32Array has 12'],
      [11, 5, RangeError, 'blas.sgemmStridedBatched: b of shape [2,2] with ldb=2 and batch 3 needs 14 elements but the Float32Array has 12'],
      [15, 5, RangeError, 'blas.sgemmStridedBatched: c of shape [2,2] with ldc=2 and batch 3 needs 14 elements but the Float32Array has 12'],
      [6, new Float64Array(12), TypeError, 'blas.sgemmStridedBatched: expected a Float32Array for a but received a Float64Array'],
      [13, detachedF32(12), RangeError, 'blas.sgemmStridedBatched: c of shape [2,2] with ldc=2 and batch 3 needs 12 elements but the Float32Array has 0'],
      [0, 'x', TypeError, "blas.sgemmStridedBatched: expected a boolean or 'N' | 'T' for transA but received 'x' of type string"],
    ];
    for (const [i, v, Kind, message] of cases) {
      const err = bad(i, v);
      expect(err, `arg ${i} = ${typeof v === 'number' ? v : typeof v}`).toBeInstanceOf(Kind);
      if (typeof message === 'string') expect(err.message).toBe(message);
      else expect(err.message).toMatch(message);
    }
    // C shared with A across the batch.
    const shared = new Float32Array(12);
    expect(() => sgemmBatched(false, false, 2, 2, 2, 1, shared, 2, 4, new Float32Array(12), 2, 4, 0, shared, 2, 4, 3))
      .toThrow(new RangeError('blas.sgemmStridedBatched: c must not share memory with a or b'));
    // Huge batch and strides: the needed length (~2^62) does not wrap.
    expect(() => sgemmBatched(false, false, 2, 2, 2, 1, new Float32Array(12), 2, MAX, new Float32Array(12), 2, 4, 0, new Float32Array(12), 2, 4, MAX))
      .toThrow(/^blas\.sgemmStridedBatched: a of shape \[2,2\] with lda=2 and batch 2147483647 needs \d+ elements but the Float32Array has 12$/);
    expect(() => sgemmBatched(false, false, 2, 2, 2, 1, new Float32Array(12), 2, 0, new Float32Array(12), 2, 0, 0, new Float32Array(12), 2, MAX, MAX))
      .toThrow(/^blas\.sgemmStridedBatched: c of shape \[2,2\] with ldc=2 and batch 2147483647 needs \d+ elements but the Float32Array has 12$/);
  });

  it('alpha and beta may be any number (NaN propagates)', () => {
    const c = new Float32Array(4);
    sgemm(false, false, 2, 2, 2, NaN, new Float32Array([1, 2, 3, 4]), 2, new Float32Array([1, 0, 0, 1]), 2, 0, c, 2);
    expect(c.every((x) => Number.isNaN(x))).toBe(true);
    sgemm(false, false, 2, 2, 2, 1, new Float32Array([1, 2, 3, 4]), 2, new Float32Array([1, 0, 0, 1]), 2, Infinity, c.fill(1), 2);
    expect(Array.from(c)).toEqual([Infinity, Infinity, Infinity, Infinity]);
  });
});

describe('the two layers describe bad values the same way', () => {
  function messages(index: number, value: unknown): [string, string] {
    const pub = thrown(() => (blas.sgemm as unknown as Sgemm)(...withArg(index, value))).message;
    const nat = thrown(() => (native.sgemm as unknown as Sgemm)(...withArg(index, value))).message;
    return [pub, nat];
  }

  it('for the values both format alike', () => {
    for (const [i, v] of [[2, -1], [2, 2 ** 31], [3, 'x'], [4, null], [4, undefined], [6, new Float64Array(1)], [6, new Int8Array(1)], [6, [1]], [6, {}]] as Array<[number, unknown]>) {
      const [pub, nat] = messages(i, v);
      expect(nat).toBe(pub);
    }
  });

  // "Uint…" starts with a vowel letter but not a vowel sound.
  it('unsigned typed arrays: "a Uint8Array", not "an Uint8Array"', () => {
    for (const v of [new Uint8Array(4), new Uint16Array(4), new Uint32Array(4), new Uint8ClampedArray(4)]) {
      const [pub, nat] = messages(6, v);
      expect(pub).toBe(nat);
      expect(pub).toMatch(/received a Uint/);
    }
  });

  // printf("%.17g") would say "nan", "inf", "0.10000000000000001" where JS says "NaN",
  // "Infinity", "0.1".
  it('non-integer numbers and booleans are formatted like JS does', () => {
    for (const [i, v] of [[2, NaN], [2, Infinity], [2, -Infinity], [2, 0.1], [3, true]] as Array<[number, unknown]>) {
      const [pub, nat] = messages(i, v);
      expect(nat).toBe(pub);
    }
  });
});

describe('raw native layer specifics', () => {
  it('too few arguments throw a TypeError naming the count', () => {
    const f = native.sgemm as unknown as Sgemm;
    expect(() => f()).toThrow(new TypeError('blas.sgemm: expected 13 arguments but received 0'));
    expect(() => f(...good().slice(0, 12))).toThrow(new TypeError('blas.sgemm: expected 13 arguments but received 12'));
    const g = native.sgemmStridedBatched as unknown as Sgemm;
    expect(() => g(...goodBatched().slice(0, 16))).toThrow(new TypeError('blas.sgemmStridedBatched: expected 17 arguments but received 16'));
  });

  it('extra arguments are ignored', () => {
    (native.sgemm as unknown as Sgemm)(...good(), 'extra', 42);
  });

  it('a Proxy or fake Float32Array that fools instanceof is still rejected natively, without a crash', () => {
    const proxy = new Proxy(new Float32Array(4), {});
    expect(proxy instanceof Float32Array).toBe(true);
    for (const f of [blas.sgemm as unknown as Sgemm, native.sgemm as unknown as Sgemm]) {
      expect(() => f(...withArg(6, proxy))).toThrow(TypeError);
    }
    const fake = Object.create(Float32Array.prototype) as Float32Array;
    for (const f of [blas.sgemm as unknown as Sgemm, native.sgemm as unknown as Sgemm]) {
      expect(() => f(...withArg(6, fake))).toThrow(TypeError);
    }
    // With no reads the JS wrapper never touches a.length: the native check must catch it.
    expect(() => blas.sgemm(false, false, 2, 2, 0, 1, fake, 1, new Float32Array(0), 2, 0, new Float32Array(4), 2))
      .toThrow(new TypeError('blas.sgemm: expected a Float32Array for a but received an object'));
  });

  it('a Float32Array over a SharedArrayBuffer works', () => {
    const sab = new SharedArrayBuffer(4 * 12);
    const a = new Float32Array(sab, 0, 4), b = new Float32Array(sab, 16, 4), c = new Float32Array(sab, 32, 4);
    a.set([1, 2, 3, 4]);
    b.set([5, 6, 7, 8]);
    blas.sgemm(false, false, 2, 2, 2, 1, a, 2, b, 2, 0, c, 2);
    expect(Array.from(c)).toEqual([19, 22, 43, 50]);
  });

  it('a Float32Array from another realm is accepted by the native layer', () => {
    const foreign = vm.runInNewContext('new Float32Array([1, 2, 3, 4])') as Float32Array;
    const c = new Float32Array(4);
    native.sgemm(false, false, 2, 2, 2, 1, foreign, 2, new Float32Array([5, 6, 7, 8]), 2, 0, c, 2);
    expect(Array.from(c)).toEqual([19, 22, 43, 50]);
  });
});
