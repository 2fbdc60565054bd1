// Whole training steps (forward, cross-entropy, backward, optimizer step) of two zoo models
// beside PyTorch in one run, interleaved round by round:
//   lenet5  batch 64,  28x28x1, SGD (lr 0.01, momentum 0.9)
//   mlp     batch 128, 784-512-256-10, Adam (lr 1e-3)
// Keel runs at its default thread count and at 1 thread. PyTorch runs in its three sane
// settings on a small machine, each in its own process because they are fixed by the
// environment at start-up:
//   1T           torch.set_num_threads(1)
//   2T-passive   2 threads, OMP_WAIT_POLICY=PASSIVE (workers sleep between regions)
//   2T-blas1     OMP_NUM_THREADS=2, OPENBLAS_NUM_THREADS=1 (OpenMP over the batch, serial BLAS)
// The ratio is Keel (default threads) over PyTorch's best setting, named in the table.
//   npm run bench:train [-- --quick] [-- --filter lenet] [-- --seconds 1]
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { machineDescription, median, parseBenchArgs, resultsPath, sampleSeconds, startPythonPeer } from './common.mjs';

const keel = await import('../dist/index.js');
const { nn, optim, models } = keel;
const { quick, filter, seconds } = parseBenchArgs(process.argv.slice(2), { seconds: 1, quickSeconds: 0.3 });
// More rounds than the layer benchmarks: a step takes milliseconds, and the machine is shared.
const rounds = quick ? 1 : 5;
// Input batches rotated step to step, so a warm cache does not flatter (as in the peer).
const ROTATE = 4;

function trainingStep(name, model, optimizer, batch) {
  const lossFn = new nn.CrossEntropyLoss();
  const xs = Array.from({ length: ROTATE }, () => keel.randn([batch, 1, 28, 28]));
  const ys = Array.from({ length: ROTATE }, () => keel.randint(0, 10, [batch]));
  let i = 0;
  const step = () => {
    i = (i + 1) % ROTATE;
    return keel.tidy(() => {
      optimizer.zeroGrad();
      const loss = lossFn.forward(model.forward(xs[i]), ys[i]);
      loss.backward();
      optimizer.step();
      return loss.item();
    });
  };
  // Check before timing: the step trains (the loss over the same few batches goes down and
  // stays finite), so a broken kernel is not timed as a fast one.
  const first = step();
  let last = first;
  for (let k = 0; k < 40; k++) last = step();
  if (!Number.isFinite(last) || !(last < first)) {
    throw new Error(`${name}: training does not progress (loss ${first} -> ${last}); not timing it`);
  }
  return { step, check: { lossFirst: first, lossAfter40: last } };
}

const workloads = [
  {
    name: 'lenet5', batch: 64, optimizer: 'SGD momentum 0.9',
    make() {
      keel.manualSeed(0);
      const model = models.lenet5();
      return trainingStep(this.name, model, new optim.SGD(model.parameters(), { lr: 0.01, momentum: 0.9 }), this.batch);
    },
  },
  {
    name: 'mlp', batch: 128, optimizer: 'Adam',
    make() {
      keel.manualSeed(0);
      const model = models.mlp();
      return trainingStep(this.name, model, new optim.Adam(model.parameters(), { lr: 1e-3 }), this.batch);
    },
  },
].filter((w) => !filter || w.name.includes(filter));

const torchSettings = [
  { name: '1T', threads: 1, env: { OMP_NUM_THREADS: '1' } },
  { name: '2T-passive', threads: 2, env: { OMP_NUM_THREADS: '2', OMP_WAIT_POLICY: 'PASSIVE' } },
  { name: '2T-blas1', threads: 2, env: { OMP_NUM_THREADS: '2', OPENBLAS_NUM_THREADS: '1' } },
];

const machine = machineDescription(keel);
const defaultThreads = keel.getNumThreads();
const keelSettings = [defaultThreads, 1].filter((t, i, all) => all.indexOf(t) === i);
const peers = [];
for (const s of torchSettings) peers.push({ ...s, peer: await startPythonPeer('torch_train.py', s.env) });
const torchInfo = peers.find((p) => p.peer.available)?.peer.hello.torch;
console.log(`Keel (${machine.isa}, ${defaultThreads} threads) on ${machine.cpu}; peer: ${torchInfo ? `PyTorch ${torchInfo}` : `PyTorch missing (${peers[0].peer.reason})`}`);
// The machine is shared: say how busy it was, since a contended core slows the 2-thread
// settings most (a worker descheduled mid-task holds up the whole step).
const loadBefore = os.loadavg()[0];
console.log(`${rounds} interleaved round(s) of ~${seconds} s per setting; medians of all step times; load average ${loadBefore.toFixed(2)} on ${os.cpus().length} CPUs\n`);

// A PyTorch process whose OpenMP workers spin after its run would slow whatever runs next:
// let them go to sleep first.
const settle = () => new Promise((resolve) => setTimeout(resolve, 200));

const results = [], rows = [];
for (const w of workloads) {
  const { step, check } = w.make();
  const keelTimes = Object.fromEntries(keelSettings.map((t) => [t, []]));
  const torchTimes = Object.fromEntries(peers.map((p) => [p.name, []]));
  for (let r = 0; r < rounds; r++) {
    for (const t of keelSettings) {
      keel.setNumThreads(t);
      keelTimes[t].push(...sampleSeconds(step, seconds));
    }
    keel.setNumThreads(defaultThreads);
    for (const p of peers) {
      if (!p.peer.available) continue;
      await settle();
      torchTimes[p.name].push(...(await p.peer.request({ workload: w.name, threads: p.threads, seconds })).samples);
      await settle();
    }
  }
  const rate = (times) => w.batch / median(times);
  const keelRates = Object.fromEntries(keelSettings.map((t) => [t, rate(keelTimes[t])]));
  for (const t of keelSettings) {
    results.push({ framework: 'keel', workload: w.name, setting: `${t}T`, threads: t, metric: 'samples/s', value: keelRates[t], check });
  }
  let best = null;
  const torchRates = {};
  for (const p of peers) {
    if (!torchTimes[p.name].length) continue;
    torchRates[p.name] = rate(torchTimes[p.name]);
    results.push({ framework: 'pytorch', workload: w.name, setting: p.name, threads: p.threads, metric: 'samples/s', value: torchRates[p.name] });
    if (best === null || torchRates[p.name] > torchRates[best]) best = p.name;
  }
  const fmt = (v) => (v === undefined ? 'missing' : Math.round(v).toLocaleString('en-US'));
  const row = {
    name: `${w.name} (batch ${w.batch}, ${w.optimizer})`,
    keel: keelSettings.map((t) => fmt(keelRates[t])),
    torch: peers.map((p) => fmt(torchRates[p.name])),
    best: best === null ? 'missing' : `${fmt(torchRates[best])} (${best})`,
    ratio: best === null ? '-' : `${(keelRates[defaultThreads] / torchRates[best]).toFixed(2)}×`,
  };
  rows.push(row);
  console.log(`${row.name.padEnd(36)} keel ${row.keel.join(' / ')}  pytorch ${row.torch.join(' / ')}  keel/best ${row.ratio}`);
}
peers.forEach((p) => p.peer.available && p.peer.close());

const keelCols = keelSettings.map((t) => `Keel ${t}T${t === defaultThreads ? ' (default)' : ''}`);
const torchCols = peers.map((p) => `PyTorch ${p.name}`);
const table = [
  `| model | ${keelCols.join(' | ')} | ${torchCols.join(' | ')} | PyTorch best | Keel / PyTorch best |`,
  `|---|${keelCols.map(() => '---:').join('|')}|${torchCols.map(() => '---:').join('|')}|---:|---:|`,
  ...rows.map((r) => `| ${r.name} | ${r.keel.join(' | ')} | ${r.torch.join(' | ')} | ${r.best} | ${r.ratio} |`),
].join('\n');
const loadAfter = os.loadavg()[0];
console.log(`\nsamples/s (median of ${rounds} interleaved rounds; load average ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after)\n\n${table}`);
const out = resultsPath('train', { quick, filter });
writeFileSync(out, JSON.stringify({
  machine: { ...machine, peer: torchInfo ? `pytorch ${torchInfo}` : null, loadAverage: { before: loadBefore, after: loadAfter } },
  settings: { keel: keelSettings.map((t) => `${t}T`), pytorch: torchSettings.map(({ name, env }) => ({ name, env })) },
  results,
}, null, 2) + '\n');
console.log(`\nraw figures: ${path.relative(process.cwd(), out)}`);
