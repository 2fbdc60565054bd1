// Tensor-op costs: per-op overhead on tiny tensors (with and without the autograd tape), and
// elementwise ops and reductions on 1M floats as effective GB/s, beside PyTorch (Debian's
// python3-torch) in the same run, interleaved workload by workload. PyTorch runs at 1 and 2
// threads with OMP_WAIT_POLICY=PASSIVE and the better of the two is the comparison.
//   npm run bench:ops [-- --quick] [-- --filter sum]
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { benchDir, machineDescription, median, parseBenchArgs, resultsPath, sampleSeconds, startPythonPeer } from './common.mjs';

const keel = await import('../dist/index.js');
const { quick, filter, seconds, rounds } = parseBenchArgs(process.argv.slice(2));

const n = 1 << 20;
keel.manualSeed(1);
const x = keel.randn([n]), y = keel.randn([n]), m = keel.randn([1000, 1000]);
const a = keel.tensor([1]), b = keel.tensor([2]);
const ag = keel.tensor([1], { requiresGrad: true }), bg = keel.tensor([2], { requiresGrad: true });

// bytes: memory traffic of one call (reads + writes), for GB/s.
const workloads = [
  { name: 'add-scalar-tensors', run: () => a.add(b).dispose(), bytes: 0 },
  { name: 'add-scalar-tensors-grad', run: () => ag.add(bg).dispose(), bytes: 0 },
  { name: 'add-1M', run: () => x.add(y).dispose(), bytes: 12 * n },
  { name: 'mul-1M', run: () => x.mul(y).dispose(), bytes: 12 * n },
  { name: 'exp-1M', run: () => x.exp().dispose(), bytes: 8 * n },
  { name: 'sigmoid-1M', run: () => x.sigmoid().dispose(), bytes: 8 * n },
  { name: 'tanh-1M', run: () => x.tanh().dispose(), bytes: 8 * n },
  { name: 'relu-1M', run: () => x.relu().dispose(), bytes: 8 * n },
  { name: 'sum-1M', run: () => x.sum().dispose(), bytes: 4 * n },
  { name: 'max-1M', run: () => x.max().dispose(), bytes: 4 * n },
  { name: 'sum-dim0-1000x1000', run: () => m.sum({ dim: 0 }).dispose(), bytes: 4e6 },
  { name: 'sum-dim1-1000x1000', run: () => m.sum({ dim: 1 }).dispose(), bytes: 4e6 },
  { name: 'softmax-1000x1000', run: () => m.softmax(1).dispose(), bytes: 8e6 },
  { name: 'copy-1M', run: () => x.clone().dispose(), bytes: 8 * n },
].filter((w) => !filter || w.name.includes(filter));

const machine = machineDescription(keel);
const torch = await startPythonPeer('torch_ops.py', { OMP_WAIT_POLICY: 'PASSIVE' });
console.log(`Keel (${machine.isa}, ${keel.getNumThreads()} threads) on ${machine.cpu}; peer: ${torch.available ? `PyTorch ${torch.hello.torch}` : `PyTorch missing (${torch.reason})`}`);

const results = [];
const rows = [];
const fmt = (s, bytes) => (bytes ? `${(bytes / s / 1e9).toFixed(1)} GB/s` : `${(s * 1e9).toFixed(0)} ns`);
for (const w of workloads) {
  const keelTimes = [];
  const torchTimes = { 1: [], 2: [] };
  for (let r = 0; r < rounds; r++) {
    keelTimes.push(...sampleSeconds(w.run, seconds));
    if (torch.available) {
      for (const t of [1, 2]) torchTimes[t].push(...(await torch.request({ workload: w.name, threads: t, seconds })).samples);
    }
  }
  const k = median(keelTimes);
  results.push({ framework: 'keel', workload: w.name, threads: keel.getNumThreads(), metric: 'seconds', value: k });
  let best = null, bestThreads = null;
  for (const t of [1, 2]) {
    if (!torchTimes[t].length) continue;
    const v = median(torchTimes[t]);
    results.push({ framework: 'pytorch', workload: w.name, threads: t, metric: 'seconds', value: v });
    if (best === null || v < best) { best = v; bestThreads = t; }
  }
  const row = { name: w.name, keel: fmt(k, w.bytes), torch: best === null ? 'missing' : `${fmt(best, w.bytes)} (${bestThreads}T)`, ratio: best === null ? '-' : (best / k).toFixed(2) };
  rows.push(row);
  console.log(`${w.name.padEnd(26)} keel ${row.keel.padStart(12)}   pytorch ${row.torch.padStart(17)}   speedup ${row.ratio}`);
}
torch.available && torch.close();

const table = [
  '| workload | Keel | PyTorch (best of 1T/2T) | Keel speedup |',
  '|---|---:|---:|---:|',
  ...rows.map((r) => `| ${r.name} | ${r.keel} | ${r.torch} | ${r.ratio}× |`),
].join('\n');
console.log(`\n${table}`);
const out = resultsPath('ops', { quick, filter });
writeFileSync(out, JSON.stringify({ machine: { ...machine, peer: torch.available ? `pytorch ${torch.hello.torch}` : null }, results }, null, 2) + '\n');
console.log(`\nraw figures: ${path.relative(process.cwd(), out)}`);
