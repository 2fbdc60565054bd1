// NativeStorage: allocation, zero fill, views, dispose, stale handles, stats accounting and the
// GC fallback. (64-byte alignment of the block is tested natively: JS cannot see addresses.)
import { spawnSync } from 'node:child_process';
import v8 from 'node:v8';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { blas, NativeStorage, storageStats } from '../../lib/index.js';
import { native } from '../../lib/native.js';
import { addonPath } from './helpers.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const macrotask = () => new Promise<void>((resolve) => setImmediate(resolve));

/** GC and yield until `done()` holds, at most `tries` rounds. */
async function collectUntil(done: () => boolean, tries = 50): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    if (done()) return true;
    gc();
    await macrotask();
    await new Promise((r) => setTimeout(r, 5));
  }
  return done();
}

describe('NativeStorage', () => {
  it('allocates the requested bytes, zero-filled by default', () => {
    const base = storageStats();
    const s = NativeStorage.allocate(1000);
    expect(s.byteLength).toBe(1000);
    expect(s.disposed).toBe(false);
    expect(typeof s.handle).toBe('number');
    expect(Number.isSafeInteger(s.handle) && s.handle > 0).toBe(true);
    expect(s.arrayBuffer().byteLength).toBe(1000);
    expect(native.storageBytes(s.handle)).toBe(1000);
    const f = s.float32();
    expect(f).toBeInstanceOf(Float32Array);
    expect(f.length).toBe(250);
    expect(f.every((x) => x === 0)).toBe(true);
    expect(new Uint8Array(s.arrayBuffer()).every((x) => x === 0)).toBe(true);
    expect(storageStats()).toEqual({ live: base.live + 1, bytes: base.bytes + 1000 });
    s.dispose();
    expect(storageStats()).toEqual(base);
  });

  it('zero: true clears recycled memory; zero: false still gives a usable block', () => {
    // Dirty a block, free it, and allocate the same size again: malloc likely hands it back.
    for (let round = 0; round < 20; round++) {
      const dirty = NativeStorage.allocate(4096, { zero: false });
      dirty.float32().fill(123.5);
      dirty.dispose();
      const clean = NativeStorage.allocate(4096, { zero: true });
      expect(clean.float32().every((x) => x === 0)).toBe(true);
      clean.dispose();
      const clean2 = NativeStorage.allocate(4096);
      expect(clean2.float32().every((x) => x === 0)).toBe(true);
      clean2.dispose();
    }
    const raw = NativeStorage.allocate(64, { zero: false });
    raw.float32().fill(7);
    expect(raw.float32().every((x) => x === 7)).toBe(true);
    raw.dispose();
  });

  it('sizes 0 and non-multiples of 4 work', () => {
    const base = storageStats();
    const z = NativeStorage.allocate(0);
    expect(z.byteLength).toBe(0);
    expect(z.float32().length).toBe(0);
    expect(z.arrayBuffer().byteLength).toBe(0);
    expect(storageStats()).toEqual({ live: base.live + 1, bytes: base.bytes });
    const odd = NativeStorage.allocate(7);
    expect(odd.float32().length).toBe(1);
    expect(odd.arrayBuffer().byteLength).toBe(7);
    z.dispose();
    odd.dispose();
    expect(storageStats()).toEqual(base);
  });

  it('every view is over the same native bytes (zero-copy)', () => {
    const s = NativeStorage.allocate(64);
    const v1 = s.float32(), v2 = s.float32();
    expect(v1.buffer).not.toBe(v2.buffer);
    v1[3] = 42;
    expect(v2[3]).toBe(42);
    new Uint8Array(s.arrayBuffer())[0] = 0xff;
    expect(new Uint8Array(v2.buffer)[0]).toBe(0xff);
    // Used directly as sgemm operands, results land in the storage.
    const a = NativeStorage.allocate(16), b = NativeStorage.allocate(16), c = NativeStorage.allocate(16);
    a.float32().set([1, 2, 3, 4]);
    b.float32().set([5, 6, 7, 8]);
    blas.sgemm(false, false, 2, 2, 2, 1, a.float32(), 2, b.float32(), 2, 0, c.float32(), 2);
    expect(Array.from(c.float32())).toEqual([19, 22, 43, 50]);
    for (const x of [s, a, b, c]) x.dispose();
  });

  it('transferring a view copies it instead of detaching the native memory', () => {
    const s = NativeStorage.allocate(64);
    const view = s.arrayBuffer();
    new Float32Array(view).fill(2);
    const copy = structuredClone(view, { transfer: [view] });
    expect(view.byteLength).toBe(64);
    expect(copy.byteLength).toBe(64);
    new Float32Array(copy).fill(5);
    expect(s.float32().every((x) => x === 2)).toBe(true);
    s.dispose();
  });

  it('dispose is idempotent; handle, arrayBuffer and float32 throw afterwards', () => {
    const base = storageStats();
    const s = NativeStorage.allocate(128);
    s.dispose();
    expect(s.disposed).toBe(true);
    expect(storageStats()).toEqual(base);
    s.dispose();
    s.dispose();
    expect(storageStats()).toEqual(base);
    expect(() => s.handle).toThrow('NativeStorage: used after dispose()');
    expect(() => s.float32()).toThrow('NativeStorage: used after dispose()');
    expect(() => s.arrayBuffer()).toThrow('NativeStorage: used after dispose()');
    expect(s.byteLength).toBe(128);
  });

  it('a view taken before dispose stays valid after it', () => {
    const base = storageStats();
    const s = NativeStorage.allocate(4 * 1024);
    const view = s.float32();
    for (let i = 0; i < view.length; i++) view[i] = i;
    s.dispose();
    // The table no longer counts it; the view's own reference keeps the bytes.
    expect(storageStats()).toEqual(base);
    for (let i = 0; i < view.length; i++) expect(view[i]).toBe(i);
    view.fill(-1);
    // Allocating more (possibly reusing the slot) must not hand out the view's memory.
    const others = Array.from({ length: 10 }, () => NativeStorage.allocate(4 * 1024));
    for (const o of others) expect(o.float32().every((x) => x === 0)).toBe(true);
    expect(view.every((x) => x === -1)).toBe(true);
    for (const o of others) o.dispose();
  });

  it('stale handles are rejected: storageFree returns false, storageView/storageBytes throw', () => {
    const base = storageStats();
    const s = NativeStorage.allocate(32);
    const h = s.handle;
    s.dispose();
    expect(native.storageFree(h)).toBe(false);
    expect(() => native.storageView(h)).toThrow(`storageView: storage ${h} has been freed (use after dispose)`);
    expect(() => native.storageBytes(h)).toThrow(/has been freed/);
    // The slot is reused with a new generation: the old handle must not reach the new block.
    const fresh = Array.from({ length: 4 }, () => NativeStorage.allocate(32));
    const live = storageStats();
    expect(fresh.map((x) => x.handle)).not.toContain(h);
    expect(native.storageFree(h)).toBe(false);
    expect(storageStats()).toEqual(live);
    expect(() => native.storageView(h)).toThrow(/has been freed/);
    for (const x of fresh) x.dispose();
    expect(storageStats()).toEqual(base);
    // Handles that were never issued.
    expect(native.storageFree(123456789)).toBe(false);
    expect(() => native.storageView(987654321)).toThrow(/has been freed/);
  });

  it('freeing the handle behind a NativeStorage\'s back is not a double free', () => {
    const base = storageStats();
    const s = NativeStorage.allocate(32);
    expect(native.storageFree(s.handle)).toBe(true);
    expect(storageStats()).toEqual(base);
    expect(() => s.float32()).toThrow(/has been freed/);
    s.dispose(); // storageFree now returns false: nothing happens
    expect(storageStats()).toEqual(base);
  });

  it('rejects bad sizes (public and native) and reports out-of-memory as a RangeError', () => {
    const base = storageStats();
    for (const bad of [-1, 1.5, NaN, Infinity, 2 ** 53]) {
      expect(() => NativeStorage.allocate(bad), String(bad)).toThrow(RangeError);
      expect(() => NativeStorage.allocate(bad)).toThrow(/^NativeStorage\.allocate: expected a non-negative integer for byteLength but received /);
    }
    expect(() => NativeStorage.allocate(-1)).toThrow(new RangeError('NativeStorage.allocate: expected a non-negative integer for byteLength but received -1 of type number'));
    for (const bad of ['8', null, undefined, {}, 8n]) {
      expect(() => NativeStorage.allocate(bad as number)).toThrow(TypeError);
    }
    for (const bad of [-1, 1.5, NaN, Infinity, 2 ** 54]) {
      expect(() => native.storageAlloc(bad, true), `native ${bad}`).toThrow(RangeError);
    }
    expect(() => native.storageAlloc(-1, true)).toThrow(new RangeError('storageAlloc: expected a non-negative integer for bytes but received -1 of type number'));
    expect(() => native.storageAlloc('8' as unknown as number, true)).toThrow(new TypeError("storageAlloc: expected a non-negative integer for bytes but received '8' of type string"));
    expect(() => (native.storageAlloc as (...a: unknown[]) => number)()).toThrow(new TypeError('storageAlloc: expected 1 arguments but received 0'));
    // Far beyond any address space: a clean RangeError, nothing leaked.
    expect(() => NativeStorage.allocate(Number.MAX_SAFE_INTEGER)).toThrow(/out of memory allocating 9007199254740991 bytes/);
    expect(() => NativeStorage.allocate(2 ** 52, { zero: false })).toThrow(RangeError);
    expect(storageStats()).toEqual(base);
  });

  it('native handle functions reject non-handles with a TypeError', () => {
    for (const f of [native.storageFree, native.storageView, native.storageBytes] as Array<(h: unknown) => unknown>) {
      for (const bad of [0, -1, 1.5, NaN, Infinity, 2 ** 53, '1', null, undefined, {}]) {
        expect(() => f(bad), `${f.name}(${String(bad)})`).toThrow(TypeError);
      }
      expect(() => (f as () => unknown)()).toThrow(/expected 1 arguments but received 0/);
    }
    expect(() => native.storageFree(0)).toThrow(new TypeError('storageFree: expected a storage handle for handle but received 0 of type number'));
  });

  it('stats count live blocks and bytes through interleaved allocations and disposals', () => {
    const base = storageStats();
    const sizes = Array.from({ length: 1000 }, (_, i) => (i * 37) % 513);
    const blocks = sizes.map((n) => NativeStorage.allocate(n, { zero: false }));
    expect(new Set(blocks.map((b) => b.handle)).size).toBe(1000);
    const total = sizes.reduce((x, y) => x + y, 0);
    expect(storageStats()).toEqual({ live: base.live + 1000, bytes: base.bytes + total });
    // Dispose every third, then the rest in reverse.
    let live = 1000, bytes = total;
    for (let i = 0; i < 1000; i += 3) {
      blocks[i]!.dispose();
      live--;
      bytes -= sizes[i]!;
    }
    expect(storageStats()).toEqual({ live: base.live + live, bytes: base.bytes + bytes });
    for (let i = 999; i >= 0; i--) blocks[i]!.dispose();
    expect(storageStats()).toEqual(base);
  });

  it('10,000 allocate + dispose cycles leave the stats at baseline, with unique handles', () => {
    const base = storageStats();
    const handles = new Set<number>();
    for (let i = 0; i < 10_000; i++) {
      const s = NativeStorage.allocate(256 + (i % 7) * 64);
      handles.add(s.handle);
      if (i % 1000 === 0) s.float32()[0] = i;
      s.dispose();
    }
    expect(handles.size).toBe(10_000);
    expect(storageStats()).toEqual(base);
  });

  it('storage dropped without dispose() is freed after GC (FinalizationRegistry fallback)', async () => {
    await collectUntil(() => false, 3); // settle anything left over by earlier tests
    const base = storageStats();
    (() => {
      for (let i = 0; i < 100; i++) NativeStorage.allocate(1024);
    })();
    expect(storageStats()).toEqual({ live: base.live + 100, bytes: base.bytes + 100 * 1024 });
    const freed = await collectUntil(() => storageStats().live === base.live);
    expect(freed, `live ${storageStats().live}, baseline ${base.live}`).toBe(true);
    expect(storageStats()).toEqual(base);
  });

  it('a view outlives its collected storage object', async () => {
    await collectUntil(() => false, 2);
    const base = storageStats();
    const view = (() => {
      const s = NativeStorage.allocate(4 * 100);
      const v = s.float32();
      for (let i = 0; i < 100; i++) v[i] = i * 0.5;
      return v;
    })();
    expect(storageStats().live).toBe(base.live + 1);
    expect(await collectUntil(() => storageStats().live === base.live)).toBe(true);
    for (let i = 0; i < 100; i++) expect(view[i]).toBe(i * 0.5);
  });

  it('disposed storage is not freed again by GC (stats never go below baseline)', async () => {
    await collectUntil(() => false, 2);
    const base = storageStats();
    (() => {
      for (let i = 0; i < 50; i++) NativeStorage.allocate(64).dispose();
    })();
    // Keep one live block so a spurious extra free would show as a drop below baseline + 1.
    const keep = NativeStorage.allocate(64);
    for (let i = 0; i < 5; i++) {
      gc();
      await macrotask();
    }
    expect(storageStats()).toEqual({ live: base.live + 1, bytes: base.bytes + 64 });
    keep.dispose();
  });
});

// Blocks of 4 GiB and more, the crashing one in a child process so it cannot take the test runner down.
// The memory is not zeroed, so it is only reserved, never touched.
describe('NativeStorage of 4 GiB and more', () => {
  function child(code: string): { status: number | null; signal: NodeJS.Signals | null; out: string; err: string } {
    const r = spawnSync(process.execPath, ['-e', `const k = require(${JSON.stringify(addonPath)});\n${code}`], {
      encoding: 'utf8', timeout: 30_000,
    });
    return { status: r.status, signal: r.signal, out: r.stdout, err: r.stderr };
  }

  // Past buffer.constants.MAX_LENGTH (2^32 on Node 20) Node refuses external ArrayBuffers, and
  // node-addon-api then frees its finalizer data twice: storageView must refuse first.
  it('a view of a block larger than the maximum ArrayBuffer throws instead of aborting', () => {
    const r = child(`
      const h = k.storageAlloc(2 ** 32 + 64, false);
      try { k.storageView(h); console.log('view'); } catch (e) { console.log('threw ' + e.constructor.name); }
      console.log(k.storageFree(h));
    `);
    expect(r.signal, r.err).toBeNull();
    expect(r.status, r.err).toBe(0);
    expect(r.out).toMatch(/^(view|threw \w+)\ntrue\n$/);
  });

  // `byteLength >>> 2` would wrap at 2^32 and give a 4 GiB block a Float32Array of length 0.
  it('float32() of a 4 GiB storage covers all of it', () => {
    // Exactly 2^32 bytes: the largest view Node 20 can make, so this runs in-process.
    const s = NativeStorage.allocate(2 ** 32, { zero: false });
    try {
      expect(s.arrayBuffer().byteLength).toBe(2 ** 32);
      expect(s.float32().length).toBe(2 ** 30);
    } finally {
      s.dispose();
    }
  });
});
