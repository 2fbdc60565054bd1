// The addon in worker_threads: it is context-aware (each worker loads its own instance with its
// own storage table), the thread pool and ISA choice are process-wide, and concurrent GEMMs
// from several JS threads give the same bits as the main thread.
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blas, cpuInfo, getNumThreads, setIsa, setNumThreads, storageStats } from '../../lib/index.js';
import { addonPath, firstBitDifference, randomF32, rng, saveRuntime } from './helpers.js';

/** Starts an eval worker (CommonJS, so `require` exists) with the addon already loaded as `k`. */
function startWorker(body: string, workerData: unknown): Worker {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const k = require(${JSON.stringify(addonPath)});
    ${body}
  `;
  return new Worker(code, { eval: true, workerData });
}

/** Next message from a worker; rejects on error or early exit. */
function nextMessage<T>(w: Worker): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onMessage = (m: T) => { cleanup(); resolve(m); };
    const onError = (e: Error) => { cleanup(); reject(e); };
    const onExit = (code: number) => { cleanup(); reject(new Error(`worker exited with code ${code} before replying`)); };
    const cleanup = () => {
      w.off('message', onMessage);
      w.off('error', onError);
      w.off('exit', onExit);
    };
    w.on('message', onMessage);
    w.on('error', onError);
    w.on('exit', onExit);
  });
}

function exited(w: Worker): Promise<number> {
  return new Promise((resolve) => w.once('exit', resolve));
}

const M = 200, N = 300, K = 400;

describe('worker_threads', () => {
  let restore: () => void;
  let a: Float32Array, b: Float32Array, c0: Float32Array, reference: Float32Array;
  beforeAll(() => {
    restore = saveRuntime();
    setNumThreads(2);
    const r = rng(424242);
    a = randomF32(r, M * K);
    b = randomF32(r, K * N);
    c0 = randomF32(r, M * N);
    reference = c0.slice();
    blas.sgemm(false, true, M, N, K, 1.5, a, K, b, K, 0.25, reference, N);
  });
  afterAll(() => restore());

  // Each worker waits for 'go', runs the product `reps` times, checks its own runs agree, and
  // posts its result back.
  const gemmWorker = `
    const { a, b, c0, m, n, kk, reps } = workerData;
    parentPort.postMessage({ ready: true, info: k.cpuInfo(), stats: k.storageStats() });
    parentPort.once('message', () => {
      let first = null, consistent = true;
      for (let i = 0; i < reps; i++) {
        const c = c0.slice();
        k.sgemm(false, true, m, n, kk, 1.5, a, kk, b, kk, 0.25, c, n);
        if (first === null) first = c;
        else {
          const x = new Uint32Array(first.buffer), y = new Uint32Array(c.buffer);
          for (let j = 0; j < x.length; j++) if (x[j] !== y[j]) { consistent = false; break; }
        }
      }
      parentPort.postMessage({ result: first, consistent });
    });
  `;

  it('2-3 workers running sgemm concurrently with the main thread match it bit for bit', async () => {
    const isa = cpuInfo().isa;
    const workers = [0, 1, 2].map(() => startWorker(gemmWorker, { a, b, c0, m: M, n: N, kk: K, reps: 4 }));
    try {
      const ready = await Promise.all(workers.map((w) => nextMessage<{ info: { isa: string; numThreads: number } }>(w)));
      for (const r of ready) {
        // ISA and thread count are process-wide: the workers see the main thread's choice.
        expect(r.info.isa).toBe(isa);
        expect(r.info.numThreads).toBe(getNumThreads());
      }
      const results = workers.map((w) => nextMessage<{ result: Float32Array; consistent: boolean }>(w));
      for (const w of workers) w.postMessage('go');
      // Meanwhile the main thread runs the same product, sharing the pool with the workers.
      for (let i = 0; i < 4; i++) {
        const c = c0.slice();
        blas.sgemm(false, true, M, N, K, 1.5, a, K, b, K, 0.25, c, N);
        expect(firstBitDifference(c, reference), `main rep ${i}`).toBe(-1);
      }
      for (const [i, r] of (await Promise.all(results)).entries()) {
        expect(r.consistent, `worker ${i} repetitions agree`).toBe(true);
        expect(firstBitDifference(r.result, reference), `worker ${i} vs main`).toBe(-1);
      }
    } finally {
      await Promise.all(workers.map((w) => w.terminate()));
    }
  });

  it('works on every ISA from workers too (setIsa is process-wide)', async () => {
    for (const isa of cpuInfo().supportedIsas) {
      setIsa(isa);
      const want = c0.slice();
      blas.sgemm(false, true, M, N, K, 1.5, a, K, b, K, 0.25, want, N);
      const w = startWorker(gemmWorker, { a, b, c0, m: M, n: N, kk: K, reps: 2 });
      try {
        const ready = await nextMessage<{ info: { isa: string } }>(w);
        expect(ready.info.isa).toBe(isa);
        const res = nextMessage<{ result: Float32Array; consistent: boolean }>(w);
        w.postMessage('go');
        const r = await res;
        expect(r.consistent).toBe(true);
        expect(firstBitDifference(r.result, want), isa).toBe(-1);
      } finally {
        await w.terminate();
      }
    }
  });

  it('a worker changing the thread count changes it for the main thread as well', async () => {
    setNumThreads(2);
    const w = startWorker(`k.setNumThreads(3); parentPort.postMessage(k.getNumThreads());`, null);
    try {
      expect(await nextMessage<number>(w)).toBe(3);
      expect(getNumThreads()).toBe(3);
    } finally {
      await w.terminate();
      setNumThreads(2);
    }
  });

  it("each worker has its own storage table: allocations there do not touch the main thread's", async () => {
    const base = storageStats();
    const w = startWorker(`
      const before = k.storageStats();
      const handles = [];
      for (let i = 0; i < 5; i++) handles.push(k.storageAlloc(1000, true));
      const during = k.storageStats();
      parentPort.postMessage({ before, during, handles });
      parentPort.once('message', () => {
        for (const h of handles) k.storageFree(h);
        parentPort.postMessage({ after: k.storageStats() });
      });
    `, null);
    try {
      const first = await nextMessage<{ before: { live: number; bytes: number }; during: { live: number; bytes: number }; handles: number[] }>(w);
      expect(first.before).toMatchObject({ live: 0, bytes: 0 });
      expect(first.during).toMatchObject({ live: 5, bytes: 5000 });
      expect(storageStats()).toEqual(base);
      const second = nextMessage<{ after: { live: number; bytes: number } }>(w);
      w.postMessage('free');
      expect((await second).after).toMatchObject({ live: 0, bytes: 0 });
      expect(storageStats()).toEqual(base);
    } finally {
      await w.terminate();
    }
  });

  it('terminating a worker that holds storage (and views of it) does not crash', async () => {
    const base = storageStats();
    const workers = [0, 1, 2].map(() => startWorker(`
      const views = [];
      for (let i = 0; i < 20; i++) {
        const h = k.storageAlloc(64 * 1024, true);
        const v = new Float32Array(k.storageView(h));
        v.fill(i);
        views.push(v);
        if (i % 2) k.storageFree(h); // some freed with a view still alive, some left live
      }
      parentPort.postMessage(k.storageStats());
      setInterval(() => {}, 1000); // stay alive until terminated
    `, null));
    const stats = await Promise.all(workers.map((w) => nextMessage<{ live: number }>(w)));
    for (const s of stats) expect(s.live).toBe(10);
    const codes = await Promise.all(workers.map((w) => w.terminate()));
    expect(codes).toEqual([1, 1, 1]);
    expect(storageStats()).toEqual(base);
    // The process and the addon are still fine.
    const c = c0.slice();
    blas.sgemm(false, true, M, N, K, 1.5, a, K, b, K, 0.25, c, N);
    expect(firstBitDifference(c, reference)).toBe(-1);
  });

  it('terminating workers in the middle of a stream of large GEMMs does not crash', async () => {
    const workers = [0, 1].map(() => startWorker(`
      const { a, b, m, n, kk } = workerData;
      const c = new Float32Array(m * n);
      parentPort.postMessage('started');
      for (;;) k.sgemm(false, true, m, n, kk, 1, a, kk, b, kk, 0, c, n);
    `, { a, b, m: M, n: N, kk: K }));
    await Promise.all(workers.map((w) => nextMessage<string>(w)));
    // Let them get into the loop, then stop them while the main thread also uses the pool.
    const c = c0.slice();
    blas.sgemm(false, true, M, N, K, 1.5, a, K, b, K, 0.25, c, N);
    const ends = workers.map((w) => exited(w));
    await Promise.all(workers.map((w) => w.terminate()));
    await Promise.all(ends);
    expect(firstBitDifference(c, reference)).toBe(-1);
    const c2 = c0.slice();
    blas.sgemm(false, true, M, N, K, 1.5, a, K, b, K, 0.25, c2, N);
    expect(firstBitDifference(c2, reference)).toBe(-1);
  });

  it('a storage view posted (with transfer) from a worker survives the worker', async () => {
    const w = startWorker(`
      const h = k.storageAlloc(16 << 20, true);
      const ab = k.storageView(h);
      new Float32Array(ab).fill(3);
      parentPort.postMessage(ab, [ab]);
      k.storageFree(h);
    `, null);
    const ended = exited(w);
    const buf = await nextMessage<ArrayBuffer>(w);
    expect(await ended).toBe(0);
    const f = new Float32Array(buf);
    expect(f.length).toBe(4 << 20);
    expect(f.every((x) => x === 3)).toBe(true);
    f.fill(1);
    expect(f[f.length - 1]).toBe(1);
  });

  it('a worker exiting on its own with live storage is fine, and the addon reloads in new workers', async () => {
    for (let round = 0; round < 3; round++) {
      const w = startWorker(`
        for (let i = 0; i < 10; i++) k.storageAlloc(4096, true);
        parentPort.postMessage(k.storageStats().live);
      `, null);
      const ended = exited(w);
      expect(await nextMessage<number>(w)).toBe(10);
      expect(await ended).toBe(0);
    }
  });
});
