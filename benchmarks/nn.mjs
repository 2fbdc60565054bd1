// Layer kernels beside PyTorch in one run, interleaved: conv2d forward and forward+backward for
// N=32, 64->64, 32x32, 3x3, pad 1 and LeNet's first layer (N=64, 1->6, 28x28, 5x5), pooling and
// batch norm, and LSTM and GRU layers (seq 35, batch 32, 256 -> 256, 1 and 2 layers). PyTorch runs at 1 and 2 threads with OMP_WAIT_POLICY=PASSIVE; its better time is
// the comparison.  npm run bench:nn [-- --quick] [-- --filter conv64]
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { benchDir, machineDescription, median, parseBenchArgs, resultsPath, sampleSeconds, startPythonPeer } from './common.mjs';

const keel = await import('../dist/index.js');
const F = await import('../dist/nn/functional.js');
const { gruLayer, lstmLayer } = await import('../dist/nn/rnn-functional.js');
const { quick, filter, seconds, rounds } = parseBenchArgs(process.argv.slice(2), { seconds: 0.5, quickSeconds: 0.2 });

keel.manualSeed(1);
function convWorkload(name, xShape, wShape, padding, flopsPerSample) {
  const x = keel.randn(xShape), w = keel.randn(wShape).mul(0.05), b = keel.zeros([wShape[0]]);
  const xg = x.clone().requiresGrad_(), wg = w.clone().requiresGrad_(), bg = b.clone().requiresGrad_();
  return [
    { name: `${name}-forward`, flops: flopsPerSample, run: () => F.conv2d(x, w, b, { padding }).dispose() },
    {
      name: `${name}-forward-backward`, flops: 3 * flopsPerSample,
      run: () => keel.tidy(() => {
        const y = F.conv2d(xg, wg, bg, { padding });
        y.backward(keel.onesLike(y));
        for (const t of [xg, wg, bg]) { t.grad.dispose(); t.grad = null; }
      }),
    },
  ];
}
const conv64Flops = 2 * 32 * 64 * 32 * 32 * 64 * 9;
const lenetFlops = 2 * 64 * 6 * 24 * 24 * 25;
const p = keel.randn([32, 64, 32, 32]);
const pg = p.clone().requiresGrad_();
const bnW = keel.ones([64], { requiresGrad: true }), bnB = keel.zeros([64], { requiresGrad: true });
const rm = keel.zeros([64]), rv = keel.ones([64]);
// LSTM / GRU seq 35, batch 32, 256 -> 256, as PyTorch's nn.LSTM / nn.GRU (biases, zero initial
// state).
function rnnWorkloads(mode, layers) {
  const H = 256, bound = 1 / Math.sqrt(H), G = (mode === 'gru' ? 3 : 4) * H;
  const weights = Array.from({ length: layers }, () => ({
    wIh: keel.uniform([G, 256], -bound, bound, { requiresGrad: true }), wHh: keel.uniform([G, H], -bound, bound, { requiresGrad: true }),
    bIh: keel.uniform([G], -bound, bound, { requiresGrad: true }), bHh: keel.uniform([G], -bound, bound, { requiresGrad: true }),
  }));
  const x = keel.randn([35, 32, 256]), xg = x.clone().requiresGrad_();
  const zeros = keel.zeros([32, H]);
  const run = (input) => {
    let h = input;
    for (const w of weights) {
      h = mode === 'gru' ? gruLayer(h, zeros, w.wIh, w.wHh, w.bIh, w.bHh).output : lstmLayer(h, zeros, zeros, w.wIh, w.wHh, w.bIh, w.bHh).output;
    }
    return h;
  };
  const tag = layers === 1 ? mode : `${mode}-2layer`;
  const forward = () => keel.tidy(() => { keel.noGrad(() => run(x)); });
  const forwardBackward = () => keel.tidy(() => {
    const out = run(xg);
    out.backward(keel.onesLike(out));
    for (const w of weights) for (const t of Object.values(w)) { t.grad.dispose(); t.grad = null; }
    xg.grad.dispose();
    xg.grad = null;
  });
  // Keel at 1 thread and at its default, each beside PyTorch's best setting.
  const threads = [1, keel.getNumThreads()].filter((t, i, all) => all.indexOf(t) === i);
  return threads.flatMap((t) => [
    { name: `${tag}-forward`, label: `${tag}-forward (Keel ${t}T)`, threads: t, run: forward },
    { name: `${tag}-forward-backward`, label: `${tag}-forward-backward (Keel ${t}T)`, threads: t, run: forwardBackward },
  ]);
}

const workloads = [
  ...convWorkload('conv64', [32, 64, 32, 32], [64, 64, 3, 3], 1, conv64Flops),
  ...convWorkload('lenet-conv1', [64, 1, 28, 28], [6, 1, 5, 5], 0, lenetFlops),
  { name: 'maxpool-3s2-forward', run: () => F.maxPool2d(p, 3, { stride: 2, padding: 1 }).dispose() },
  { name: 'avgpool-2-forward', run: () => F.avgPool2d(p, 2).dispose() },
  {
    name: 'batchnorm-train-forward-backward',
    run: () => keel.tidy(() => {
      const y = F.batchNorm(pg, rm, rv, bnW, bnB, { training: true });
      y.backward(keel.onesLike(y));
      for (const t of [pg, bnW, bnB]) { t.grad.dispose(); t.grad = null; }
    }),
  },
  ...rnnWorkloads('lstm', 1),
  ...rnnWorkloads('lstm', 2),
  ...rnnWorkloads('gru', 1),
  ...rnnWorkloads('gru', 2),
].filter((w) => !filter || w.name.includes(filter));

const machine = machineDescription(keel);
const torch = await startPythonPeer('torch_nn.py', { OMP_WAIT_POLICY: 'PASSIVE' });
console.log(`Keel (${machine.isa}, ${keel.getNumThreads()} threads) on ${machine.cpu}; peer: ${torch.available ? `PyTorch ${torch.hello.torch}` : `PyTorch missing (${torch.reason})`}`);
const results = [], rows = [];
for (const w of workloads) {
  const keelTimes = [], torchTimes = { 1: [], 2: [] };
  const defaultThreads = keel.getNumThreads();
  for (let r = 0; r < rounds; r++) {
    if (w.threads) keel.setNumThreads(w.threads);
    keelTimes.push(...sampleSeconds(w.run, seconds));
    keel.setNumThreads(defaultThreads);
    if (torch.available) for (const t of [1, 2]) torchTimes[t].push(...(await torch.request({ workload: w.name, threads: t, seconds })).samples);
  }
  const k = median(keelTimes);
  results.push({ framework: 'keel', workload: w.name, threads: w.threads ?? keel.getNumThreads(), metric: 'seconds', value: k });
  let best = null, bestT = null;
  for (const t of [1, 2]) {
    if (!torchTimes[t].length) continue;
    const v = median(torchTimes[t]);
    results.push({ framework: 'pytorch', workload: w.name, threads: t, metric: 'seconds', value: v });
    if (best === null || v < best) { best = v; bestT = t; }
  }
  const gf = (s) => (w.flops ? ` (${(w.flops / s / 1e9).toFixed(0)} GFLOP/s)` : '');
  const row = { name: w.label ?? w.name, keel: `${(k * 1e3).toFixed(2)} ms${gf(k)}`, torch: best === null ? 'missing' : `${(best * 1e3).toFixed(2)} ms${gf(best)} (${bestT}T)`, ratio: best === null ? '-' : (best / k).toFixed(2) };
  rows.push(row);
  console.log(`${row.name.padEnd(40)} keel ${row.keel.padStart(24)}  pytorch ${row.torch.padStart(28)}  speedup ${row.ratio}`);
}
torch.available && torch.close();
const table = ['| workload | Keel | PyTorch (best of 1T/2T) | Keel speedup |', '|---|---:|---:|---:|', ...rows.map((r) => `| ${r.name} | ${r.keel} | ${r.torch} | ${r.ratio}× |`)].join('\n');
console.log(`\n${table}`);
const out = resultsPath('nn', { quick, filter });
writeFileSync(out, JSON.stringify({ machine: { ...machine, peer: torch.available ? `pytorch ${torch.hello.torch}` : null }, results }, null, 2) + '\n');
console.log(`\nraw figures: ${path.relative(process.cwd(), out)}`);
