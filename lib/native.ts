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
    transA: boolean | string, transB: boolean | string, m: number, n: number, k: number, alpha: number,
    a: Float32Array, lda: number, b: Float32Array, ldb: number, beta: number,
    c: Float32Array, ldc: number,
  ): void;
  sgemmStridedBatched(
    transA: boolean | string, transB: boolean | string, m: number, n: number, k: number, alpha: number,
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
  storageStats(): { live: number; bytes: number; pooled: number; pooledBytes: number; poolLimit: number };
  storageWrite(handle: number, byteOffset: number, data: ArrayBufferView): void;
  storageRead(handle: number, byteOffset: number, data: ArrayBufferView): void;
  storagePoolLimit(bytes: number): void;
  paramBuffer(): ArrayBuffer;
  unary(op: number, out: number, outOff: number, x: number, xOff: number, n: number, p0: number, p1: number): void;
  unaryBackward(
    op: number, gradIn: number, giOff: number, gradOut: number, goOff: number, x: number, xOff: number,
    y: number, yOff: number, n: number, p0: number, p1: number,
  ): void;
  binary(op: number, dtype: number, out: number, outOff: number, a: number, aOff: number, b: number, bOff: number): void;
  where(out: number, outOff: number, cond: number, condOff: number, a: number, aOff: number, b: number, bOff: number): void;
  copy(out: number, outOff: number, input: number, inOff: number): void;
  fill(out: number, outOff: number, n: number, value: number, dtype: number): void;
  arange(out: number, outOff: number, n: number, start: number, step: number, dtype: number): void;
  cast(toInt: boolean, out: number, outOff: number, input: number, inOff: number, n: number): void;
  reduce(op: number, dtype: number, out: number, outOff: number, input: number, inOff: number, outer: number, r: number, inner: number): void;
  argReduce(
    isMax: boolean, dtype: number, values: number, valOff: number, indices: number, idxOff: number,
    input: number, inOff: number, outer: number, r: number, inner: number,
  ): void;
  softmax(log: boolean, out: number, outOff: number, input: number, inOff: number, outer: number, r: number, inner: number): void;
  softmaxBackward(
    log: boolean, gradIn: number, giOff: number, gradOut: number, goOff: number, y: number, yOff: number,
    outer: number, r: number, inner: number,
  ): void;
  indexOp(
    kind: number, out: number, outOff: number, src: number, srcOff: number, index: number, indexOff: number,
    outer: number, r: number, k: number, inner: number,
  ): void;
  random(kind: number, out: number, outOff: number, n: number, seed: number, offset: number, p0: number, p1: number): void;
  matmul(
    transA: boolean, transB: boolean, m: number, n: number, k: number,
    a: number, aOff: number, lda: number, strideA: number,
    b: number, bOff: number, ldb: number, strideB: number,
    c: number, cOff: number, ldc: number, strideC: number,
    batch: number, alpha: number, beta: number,
  ): void;
  conv2d(kind: number, a: number, aOff: number, b: number, bOff: number, c: number, cOff: number, d: number, dOff: number): void;
  pool2d(kind: number, a: number, aOff: number, b: number, bOff: number, c: number, cOff: number): void;
  batchNorm(kind: number, ...args: Array<number | boolean>): void;
  lstm(kind: number, ...operands: number[]): void;
  gru(kind: number, ...operands: number[]): void;
  optimStep(kind: number, param: number, pOff: number, grad: number, gOff: number, s1: number, s1Off: number,
    s2: number, s2Off: number, s3: number, s3Off: number, n: number): void;
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
