// Loads the compiled addon (build/Release/keel.node, from `npm install`) and types its exports.
// Everything else in lib/ talks to native code through this one object.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export interface NativeCpuInfo {
  isa: 'scalar' | 'avx2' | 'avx512';
  bestIsa: 'scalar' | 'avx2' | 'avx512';
  supportedIsas: Array<'scalar' | 'avx2' | 'avx512'>;
  gemmKernel: string;
  arch: string;
  vendor: string;
  brand: string;
  features: Record<string, boolean>;
  numThreads: number;
  availableCpus: number;
}

export interface NativeAddon {
  sgemm(
    transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number,
    a: Float32Array, lda: number, b: Float32Array, ldb: number, beta: number,
    c: Float32Array, ldc: number,
  ): void;
  sgemmStridedBatched(
    transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number,
    a: Float32Array, lda: number, strideA: number, b: Float32Array, ldb: number, strideB: number,
    beta: number, c: Float32Array, ldc: number, strideC: number, batchCount: number,
  ): void;
  cpuInfo(): NativeCpuInfo;
  setIsa(isa: string): void;
  getNumThreads(): number;
  setNumThreads(n: number): void;
  storageAlloc(bytes: number, zero: boolean): number;
  storageFree(handle: number): boolean;
  storageView(handle: number, byteOffset?: number, byteLength?: number): ArrayBuffer;
  storageBytes(handle: number): number;
  storageStats(): { live: number; bytes: number };
}

const require = createRequire(import.meta.url);
const packageRoot = fileURLToPath(new URL('..', import.meta.url));

function load(): NativeAddon {
  const bindings = require('bindings') as (opts: { bindings: string; module_root: string }) => NativeAddon;
  try {
    return bindings({ bindings: 'keel', module_root: packageRoot });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (/Could not locate the bindings file/.test(message)) {
      throw new Error(
        `keel: the native addon is not built (${packageRoot}build/Release/keel.node is missing). ` +
          'Run `npm install` (or `npm run build`) in the package folder; it compiles the addon from source.',
      );
    }
    throw err;
  }
}

export const native: NativeAddon = load();
