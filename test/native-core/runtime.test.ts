// cpuInfo, setIsa, get/setNumThreads, and the KEEL_ISA / KEEL_NUM_THREADS environment variables
// (in child processes, since both are read when the addon loads).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blas, cpuInfo, getNumThreads, setIsa, setNumThreads, type Isa } from '../../lib/index.js';
import { native } from '../../lib/native.js';
import { addonPath, repoRoot, saveRuntime, supportedIsas } from './helpers.js';

const ALL_ISAS: Isa[] = ['scalar', 'avx2', 'avx512'];

describe('cpuInfo', () => {
  it('has the documented shape and consistent values', () => {
    const info = cpuInfo();
    expect(Object.keys(info).sort()).toEqual(
      ['arch', 'availableCpus', 'bestIsa', 'brand', 'features', 'gemmKernel', 'isa', 'numThreads', 'supportedIsas', 'vendor'].sort(),
    );
    expect(ALL_ISAS).toContain(info.isa);
    expect(ALL_ISAS).toContain(info.bestIsa);
    expect(info.supportedIsas).toContain('scalar');
    expect(info.supportedIsas).toContain(info.isa);
    expect(info.supportedIsas).toContain(info.bestIsa);
    // Listed in order, best last.
    expect(info.supportedIsas).toEqual(ALL_ISAS.filter((i) => info.supportedIsas.includes(i)));
    expect(info.supportedIsas.at(-1)).toBe(info.bestIsa);
    expect(typeof info.gemmKernel).toBe('string');
    expect(info.gemmKernel).toMatch(/^f32_gemm_\d+x\d+__(scalar|avx2|avx512)$/);
    expect(typeof info.arch).toBe('string');
    expect(info.arch.length).toBeGreaterThan(0);
    expect(typeof info.vendor).toBe('string');
    expect(typeof info.brand).toBe('string');
    expect(Number.isInteger(info.numThreads) && info.numThreads >= 1).toBe(true);
    expect(Number.isInteger(info.availableCpus) && info.availableCpus >= 1).toBe(true);
    expect(info.numThreads).toBe(getNumThreads());
    const flags = ['sse2', 'avx', 'fma', 'avx2', 'f16c', 'avx512f', 'avx512dq', 'avx512bw', 'avx512vl', 'avx512cd', 'osAvx', 'osAvx512'];
    expect(Object.keys(info.features).sort()).toEqual(flags.sort());
    for (const f of flags) expect(typeof info.features[f]).toBe('boolean');
  });

  it('supportedIsas follows the feature flags', () => {
    const { features: f, supportedIsas: s, arch } = cpuInfo();
    if (arch === 'x64') {
      expect(f.sse2).toBe(true);
      expect(s.includes('avx2')).toBe(f.avx && f.avx2 && f.fma && f.osAvx);
      expect(s.includes('avx512')).toBe(f.avx512f && f.avx512dq && f.avx512bw && f.avx512vl && f.osAvx512 && f.fma);
    } else {
      expect(s).toEqual(['scalar']);
    }
    if (f.osAvx512) expect(f.osAvx).toBe(true);
  });

  it('returns a fresh object each call', () => {
    const a = cpuInfo();
    a.supportedIsas.push('avx512');
    (a as { isa: string }).isa = 'bogus';
    expect(cpuInfo().isa).not.toBe('bogus');
  });
});

describe('setIsa', () => {
  let restore: () => void;
  beforeAll(() => {
    restore = saveRuntime();
  });
  afterAll(() => restore());

  it.each(supportedIsas)('round-trips %s: isa and gemmKernel follow', (isa) => {
    setIsa(isa);
    const info = cpuInfo();
    expect(info.isa).toBe(isa);
    expect(info.gemmKernel.endsWith(`__${isa}`)).toBe(true);
    // bestIsa does not move.
    expect(info.bestIsa).toBe(supportedIsas.at(-1));
    const c = new Float32Array(4);
    blas.sgemm(false, false, 2, 2, 2, 1, new Float32Array([1, 2, 3, 4]), 2, new Float32Array([5, 6, 7, 8]), 2, 0, c, 2);
    expect(Array.from(c)).toEqual([19, 22, 43, 50]);
  });

  it('every supported ISA has its own kernel', () => {
    const kernels = new Set<string>();
    for (const isa of supportedIsas) {
      setIsa(isa);
      kernels.add(cpuInfo().gemmKernel);
    }
    expect(kernels.size).toBe(supportedIsas.length);
  });

  it('rejects unknown names with a TypeError, leaving the ISA unchanged', () => {
    setIsa('scalar');
    for (const bad of ['sse', 'AVX2', '', 'avx-512', 1, null, undefined, {}]) {
      const call = () => setIsa(bad as Isa);
      expect(call).toThrow(TypeError);
      expect(call).toThrow(/^setIsa: expected one of 'scalar', 'avx2', 'avx512' for isa but received /);
    }
    expect(() => setIsa('sse' as Isa)).toThrow(new TypeError("setIsa: expected one of 'scalar', 'avx2', 'avx512' for isa but received 'sse' of type string"));
    expect(cpuInfo().isa).toBe('scalar');
  });

  it.skipIf(supportedIsas.length === ALL_ISAS.length)('rejects an ISA the CPU lacks with a RangeError', () => {
    const missing = ALL_ISAS.find((i) => !supportedIsas.includes(i))!;
    const before = cpuInfo().isa;
    expect(() => setIsa(missing)).toThrow(RangeError);
    expect(() => setIsa(missing)).toThrow(/is not supported by this CPU or build/);
    expect(cpuInfo().isa).toBe(before);
  });

  it('the native setIsa re-checks its argument (case-insensitive names)', () => {
    expect(() => (native.setIsa as (...a: unknown[]) => void)()).toThrow(new TypeError('setIsa: expected 1 arguments but received 0'));
    expect(() => native.setIsa('bogus')).toThrow(new TypeError("setIsa: expected one of 'scalar', 'avx2', 'avx512' for isa but received 'bogus' of type string"));
    expect(() => native.setIsa(2 as unknown as string)).toThrow(TypeError);
    native.setIsa('SCALAR');
    expect(cpuInfo().isa).toBe('scalar');
  });
});

describe('setNumThreads / getNumThreads', () => {
  let restore: () => void;
  beforeAll(() => {
    restore = saveRuntime();
  });
  afterAll(() => restore());

  it('round-trips 1..1024 and is reported by cpuInfo', () => {
    for (const n of [1, 2, 3, 7, 64, 1024]) {
      setNumThreads(n);
      expect(getNumThreads()).toBe(n);
      expect(cpuInfo().numThreads).toBe(n);
    }
  });

  it('GEMM is correct with more threads than CPUs', () => {
    setNumThreads(64);
    const m = 300, n = 200, k = 100;
    const a = new Float32Array(m * k).fill(1), b = new Float32Array(k * n).fill(2);
    const c = new Float32Array(m * n);
    blas.sgemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n);
    expect(c.every((x) => x === 200)).toBe(true);
  });

  it('rejects out-of-range or non-integer counts with RangeError and wrong types with TypeError', () => {
    setNumThreads(2);
    for (const bad of [0, -1, 1025, 1.5, NaN, Infinity, 2 ** 40]) {
      expect(() => setNumThreads(bad), String(bad)).toThrow(RangeError);
      expect(() => setNumThreads(bad)).toThrow(/^setNumThreads: expected an integer from 1 to 1024 for n but received /);
      expect(() => native.setNumThreads(bad), `native ${bad}`).toThrow(RangeError);
    }
    expect(() => setNumThreads(0)).toThrow(new RangeError('setNumThreads: expected an integer from 1 to 1024 for n but received 0 of type number'));
    expect(() => native.setNumThreads(1025)).toThrow(new RangeError('setNumThreads: expected an integer from 1 to 1024 for n but received 1025 of type number'));
    for (const bad of ['2', null, undefined, true, {}]) {
      expect(() => setNumThreads(bad as number)).toThrow(TypeError);
      expect(() => native.setNumThreads(bad as number)).toThrow(TypeError);
    }
    expect(() => setNumThreads('2' as unknown as number)).toThrow(new TypeError("setNumThreads: expected a positive integer for n but received '2' of type string"));
    expect(() => (native.setNumThreads as (...a: unknown[]) => void)()).toThrow(new TypeError('setNumThreads: expected 1 arguments but received 0'));
    expect(getNumThreads()).toBe(2);
  });
});

// ---- Environment variables, in child processes ----

interface ChildResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

function runChild(code: string, env: Record<string, string | undefined>): ChildResult {
  const childEnv: NodeJS.ProcessEnv = { ...process.env };
  delete childEnv.KEEL_ISA;
  delete childEnv.KEEL_NUM_THREADS;
  for (const [k, v] of Object.entries(env)) {
    if (v !== undefined) childEnv[k] = v;
  }
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], {
    env: childEnv, encoding: 'utf8', timeout: 30_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Loads the addon in a child and prints cpuInfo() as JSON, or the load error. */
function childInfo(env: Record<string, string | undefined>): { info?: { isa: string; numThreads: number; availableCpus: number; gemmKernel: string }; error?: string; raw: ChildResult } {
  const code = `
    import { createRequire } from 'node:module';
    const require = createRequire(import.meta.url);
    let addon;
    try { addon = require(${JSON.stringify(addonPath)}); }
    catch (e) { console.log(JSON.stringify({ error: String(e && e.message) })); process.exit(0); }
    console.log(JSON.stringify({ info: addon.cpuInfo() }));
  `;
  const raw = runChild(code, env);
  if (raw.status !== 0) return { raw, error: `child exited with ${raw.status}: ${raw.stderr}` };
  return { ...JSON.parse(raw.stdout.trim().split('\n').at(-1)!), raw };
}

describe('environment variables (child processes)', () => {
  const best = supportedIsas.at(-1)!;

  it('without KEEL_ISA the best ISA is used', () => {
    const r = childInfo({});
    expect(r.error).toBeUndefined();
    expect(r.info!.isa).toBe(best);
    expect(childInfo({ KEEL_ISA: '' }).info!.isa).toBe(best);
  });

  it.each(supportedIsas)('KEEL_ISA=%s forces that ISA at load', (isa) => {
    const r = childInfo({ KEEL_ISA: isa });
    expect(r.error).toBeUndefined();
    expect(r.info!.isa).toBe(isa);
    expect(r.info!.gemmKernel.endsWith(`__${isa}`)).toBe(true);
  });

  it('KEEL_ISA is case-insensitive', () => {
    expect(childInfo({ KEEL_ISA: 'SCALAR' }).info!.isa).toBe('scalar');
  });

  it.each(['sse4', 'avx', 'avx-512', ' scalar', 'scalar,avx2'])('KEEL_ISA=%j makes loading throw an error naming KEEL_ISA', (value) => {
    const r = childInfo({ KEEL_ISA: value });
    expect(r.raw.status).toBe(0); // an exception, not a crash
    expect(r.error).toBeDefined();
    expect(r.error).toMatch(/KEEL_ISA/);
    expect(r.error).toContain(value);
  });

  it.skipIf(supportedIsas.length === ALL_ISAS.length)('KEEL_ISA naming an unsupported ISA makes loading throw', () => {
    const missing = ALL_ISAS.find((i) => !supportedIsas.includes(i))!;
    const r = childInfo({ KEEL_ISA: missing });
    expect(r.error).toMatch(/KEEL_ISA.*not supported/);
  });

  it('KEEL_NUM_THREADS sets the default thread count', () => {
    for (const n of [1, 3, 17]) {
      const r = childInfo({ KEEL_NUM_THREADS: String(n) });
      expect(r.error).toBeUndefined();
      expect(r.info!.numThreads).toBe(n);
    }
  });

  it('without (or with an invalid) KEEL_NUM_THREADS the default is the available CPUs', () => {
    const plain = childInfo({}).info!;
    expect(plain.numThreads).toBe(plain.availableCpus);
    for (const bad of ['', '0', '-2', 'abc', '2x', '1.5']) {
      const r = childInfo({ KEEL_NUM_THREADS: bad });
      expect(r.error, bad).toBeUndefined();
      expect(r.info!.numThreads, `KEEL_NUM_THREADS=${JSON.stringify(bad)}`).toBe(r.info!.availableCpus);
    }
  });

  it('KEEL_NUM_THREADS above 1024 is clamped to 1024', () => {
    expect(childInfo({ KEEL_NUM_THREADS: '5000' }).info!.numThreads).toBe(1024);
  });

  const distIndex = `${repoRoot}dist/index.js`;
  it.skipIf(!existsSync(distIndex))('the built package (dist/index.js) honours both variables and fails to import on a bad KEEL_ISA', () => {
    const url = pathToFileURL(distIndex).href;
    const ok = runChild(
      `const k = await import(${JSON.stringify(url)});
       const c = new Float32Array(4);
       k.blas.sgemm('N', 'N', 2, 2, 2, 1, new Float32Array([1, 2, 3, 4]), 2, new Float32Array([5, 6, 7, 8]), 2, 0, c, 2);
       console.log(JSON.stringify({ isa: k.cpuInfo().isa, threads: k.getNumThreads(), c: Array.from(c) }));`,
      { KEEL_ISA: 'scalar', KEEL_NUM_THREADS: '3' },
    );
    expect(ok.status, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({ isa: 'scalar', threads: 3, c: [19, 22, 43, 50] });

    const bad = runChild(
      `try { await import(${JSON.stringify(url)}); console.log('imported'); }
       catch (e) { console.log('error: ' + e.message); }`,
      { KEEL_ISA: 'nonsense' },
    );
    expect(bad.status, bad.stderr).toBe(0);
    expect(bad.stdout).toMatch(/^error: .*KEEL_ISA.*nonsense/);
  });
});
