/**
 * Keel: deep learning for Node.js on native SIMD kernels.
 *
 * @example
 * import { blas, cpuInfo } from 'keel';
 * const c = new Float32Array(4);
 * blas.sgemm(false, false, 2, 2, 2, 1, new Float32Array([1, 2, 3, 4]), 2,
 *            new Float32Array([5, 6, 7, 8]), 2, 0, c, 2);
 */
export * as blas from './blas.js';
export type { Transpose } from './blas.js';
export { cpuInfo, getNumThreads, setIsa, setNumThreads } from './runtime.js';
export type { CpuInfo, Isa } from './runtime.js';
export { NativeStorage, storageStats } from './storage.js';
