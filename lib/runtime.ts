// Process-wide settings of the native runtime: which instruction set the kernels use and how
// many threads they run on.
import { native, type NativeCpuInfo } from './native.js';
import { describeValue, typeError } from './validate.js';

export type Isa = 'scalar' | 'avx2' | 'avx512';
export type CpuInfo = NativeCpuInfo;

/**
 * What the CPU offers and what Keel chose: the ISA in use (`isa`), the best one available, the
 * GEMM micro-kernel, raw feature flags, and thread counts.
 *
 * @example
 * console.log(keel.cpuInfo().isa); // 'avx512'
 */
export function cpuInfo(): CpuInfo {
  return native.cpuInfo();
}

/**
 * Forces the kernels onto one instruction set (as `KEEL_ISA` does at start-up), to compare
 * paths or test them. Throws a RangeError if the CPU cannot run it. Process-wide.
 */
export function setIsa(isa: Isa): void {
  if (isa !== 'scalar' && isa !== 'avx2' && isa !== 'avx512') {
    throw typeError('setIsa', "one of 'scalar', 'avx2', 'avx512'", 'isa', isa);
  }
  native.setIsa(isa);
}

/** Threads the kernels use, the calling thread included. */
export function getNumThreads(): number {
  return native.getNumThreads();
}

/**
 * Sets the threads the kernels use (1 to 1024), the calling thread included. Process-wide, like
 * PyTorch's `torch.set_num_threads`; the default is `KEEL_NUM_THREADS` or the CPUs available.
 * Results do not depend on it: GEMM is bit-identical for every thread count.
 */
export function setNumThreads(n: number): void {
  if (typeof n !== 'number') throw typeError('setNumThreads', 'a positive integer', 'n', n);
  if (!Number.isInteger(n) || n < 1 || n > 1024) {
    throw new RangeError(`setNumThreads: expected an integer from 1 to 1024 for n but received ${describeValue(n)}`);
  }
  native.setNumThreads(n);
}
