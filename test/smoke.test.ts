import { describe, expect, it } from 'vitest';
import { blas, cpuInfo } from '../lib/index.js';

describe('smoke', () => {
  it('loads', () => {
    expect(cpuInfo().supportedIsas).toContain('scalar');
    const c = new Float32Array(4);
    blas.sgemm(false, false, 2, 2, 2, 1, new Float32Array([1, 2, 3, 4]), 2, new Float32Array([5, 6, 7, 8]), 2, 0, c, 2);
    expect(Array.from(c)).toEqual([19, 22, 43, 50]);
  });
});
