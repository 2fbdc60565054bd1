// Multiplies two matrices with Keel's GEMM and checks one entry by hand: the shortest program
// that proves the addon built and picked a kernel for this CPU.
//   node examples/gemm.mjs [n]
import { blas, cpuInfo, getNumThreads } from '../dist/index.js';

const n = Number(process.argv[2] ?? 1024);
const info = cpuInfo();
console.log(`Keel on ${info.brand || info.arch}: ISA ${info.isa} (${info.gemmKernel}), ${getNumThreads()} thread(s)`);

const a = Float32Array.from({ length: n * n }, (_, i) => ((i * 7) % 13) / 13 - 0.5);
const b = Float32Array.from({ length: n * n }, (_, i) => ((i * 5) % 11) / 11 - 0.5);
const c = new Float32Array(n * n);
blas.sgemm(false, false, n, n, n, 1, a, n, b, n, 0, c, n); // warm-up

const reps = Math.max(1, Math.round(2e10 / (2 * n ** 3)));
const t0 = performance.now();
for (let r = 0; r < reps; r++) blas.sgemm(false, false, n, n, n, 1, a, n, b, n, 0, c, n);
const seconds = (performance.now() - t0) / 1000 / reps;

const i = n >> 1, j = n >> 2;
let want = 0;
for (let p = 0; p < n; p++) want += a[i * n + p] * b[p * n + j];
const err = Math.abs(c[i * n + j] - want);
console.log(`${n}x${n}x${n} sgemm: ${(seconds * 1e3).toFixed(2)} ms, ${((2 * n ** 3) / seconds / 1e9).toFixed(1)} GFLOP/s; C[${i},${j}] = ${c[i * n + j].toFixed(4)} (float64 check: ${want.toFixed(4)})`);
if (!(err <= 1e-3 * Math.sqrt(n))) {
  console.error('result check failed');
  process.exit(1);
}
