// Keel's cross-framework benchmark suite: the workloads of workloads.mjs on Keel and on every
// peer that is installed, in one run, interleaved so machine noise hits all alike.
//
//   npm run bench                       full run (~10-15 min on 2 cores)
//   npm run bench -- --quick            a sub-minute subset
//   npm run bench -- --filter 'gemm|lstm'   workloads whose name matches the regex
//   options: --repeats N  --seconds S (timing budget per measurement)  --verbose
//
// Every framework (and every PyTorch thread setting) runs in its own worker process, so thread
// pools and memory do not interfere. For each repeat, for each workload and thread count, each
// framework measures in turn (the order rotated each repeat): a warm-up call, then calls for
// the budget; the figure is the median over repeats. Before timing, each framework's first
// result is checked against Keel's (same data and weights everywhere, see data.mjs).
//
// Output: benchmarks/results/<date>.json (every raw figure and the machine), <date>.md (the
// table, Keel/peer ratios) and <date>.svg (bar chart); -quick / -partial suffixes for subsets.
// Peers are installed apart from Keel: (cd benchmarks/suite && ONNXRUNTIME_NODE_INSTALL=skip npm install)
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { markdownReport, svgChart } from './report.mjs';
import { startWorker } from './workers.mjs';
import { metricValue, workloads } from './workloads.mjs';

const suiteDir = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(suiteDir, '..', '..');
const peersDir = path.join(suiteDir, 'peers');

// ---- options ------------------------------------------------------------------------------------

function parseArgs(argv) {
  const opt = (name) => {
    const i = argv.indexOf(name);
    if (i < 0) return undefined;
    if (i + 1 >= argv.length) throw new Error(`${name} needs a value`);
    return argv[i + 1];
  };
  const quick = argv.includes('--quick');
  const filter = opt('--filter');
  const o = {
    quick,
    filter: filter ? new RegExp(filter) : null,
    repeats: Number(opt('--repeats') ?? (quick ? 2 : 5)),
    seconds: Number(opt('--seconds') ?? (quick ? 0.08 : 0.25)),
    verbose: argv.includes('--verbose'),
    // A measurement whose single call takes longer than this is repeated at most
    // `slowRepeats` times (median of those): TF.js CPU takes seconds per call.
    slowSeconds: quick ? 0.5 : 2,
    slowRepeats: quick ? 1 : 3,
    // A measurement without a reply in this time is reported as "too slow" and its worker
    // restarted (TF.js CPU's convolution backward takes minutes at the 64-channel size).
    callTimeout: Number(opt('--timeout') ?? (quick ? 15 : 90)),
  };
  if (!(o.repeats >= 1)) throw new Error('--repeats must be a positive integer');
  if (!(o.seconds > 0)) throw new Error('--seconds must be positive');
  return o;
}

const options = parseArgs(process.argv.slice(2));
const selected = workloads.filter((w) => (!options.quick || w.quick) && (!options.filter || options.filter.test(w.name)));
if (!selected.length) throw new Error(`no workload matches ${options.filter}`);

// ---- frameworks -----------------------------------------------------------------------------------

const python = process.env.KEEL_BENCH_PYTHON || (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
// Debian's torch and numpy live with /usr/bin/python3. OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE, set
// on this kind of machine for older OpenBLAS builds, pin it to slower kernels: unset for peers.
const pythonUnset = ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE'];
const suiteRequire = createRequire(path.join(suiteDir, 'package.json'));
const onnxDir = path.join(os.tmpdir(), 'keel-bench-onnx');
const allGroups = ['gemm', 'conv', 'lstm', 'train', 'infer'];

/**
 * Each entry is one worker process. `threads` limits the thread counts it runs (else what its
 * hello says it supports); `accepts` limits the workloads (others are "not applicable", not
 * "unsupported"); `npm` names the package whose absence makes it "missing".
 */
const instances = [
  { framework: 'keel', cmd: [process.execPath, path.join(peersDir, 'keel.mjs')], accepts: () => true },
  ...[
    { setting: '1T', env: { OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' }, threads: [1] },
    { setting: '2T passive', env: { OMP_NUM_THREADS: '2', OMP_WAIT_POLICY: 'PASSIVE', OPENBLAS_NUM_THREADS: '2' }, threads: [2] },
    { setting: '2T blas1', env: { OMP_NUM_THREADS: '2', OPENBLAS_NUM_THREADS: '1' }, threads: [2] },
  ].map((s) => ({
    framework: 'pytorch', ...s, unsetEnv: [...pythonUnset, 'OMP_WAIT_POLICY'].filter((k) => !(k in s.env)),
    cmd: [python, path.join(peersDir, 'torch_peer.py'), '--framework', 'torch'], accepts: () => true,
  })),
  {
    framework: 'numpy', cmd: [python, path.join(peersDir, 'torch_peer.py'), '--framework', 'numpy'], unsetEnv: pythonUnset,
    accepts: (w) => w.group === 'gemm',
  },
  { framework: 'tfjs-cpu', npm: '@tensorflow/tfjs', cmd: [process.execPath, path.join(peersDir, 'tfjs.mjs'), '--backend', 'cpu'], accepts: () => true },
  {
    framework: 'tfjs-wasm', npm: '@tensorflow/tfjs-backend-wasm', cmd: [process.execPath, path.join(peersDir, 'tfjs.mjs'), '--backend', 'wasm'],
    accepts: () => true,
  },
  ...[1, 2].map((n) => ({
    framework: 'tfjs-node', setting: `${n}T`, npm: '@tensorflow/tfjs-node', threads: [n],
    env: { TF_NUM_INTRAOP_THREADS: String(n), TF_NUM_INTEROP_THREADS: '1' },
    cmd: [process.execPath, path.join(peersDir, 'tfjs.mjs'), '--backend', 'tensorflow'], accepts: () => true,
    missingNote: 'its install script downloads libtensorflow from outside the npm registry, which fails offline (see benchmarks/README.md)',
  })),
  {
    framework: 'onnxruntime', npm: 'onnxruntime-node', cmd: [process.execPath, path.join(peersDir, 'onnxruntime.mjs'), '--models', onnxDir],
    accepts: (w) => w.group === 'infer',
  },
  { framework: 'brainjs', npm: 'brain.js', cmd: [process.execPath, path.join(peersDir, 'brainjs.mjs')], accepts: (w) => w.kind === 'train' && w.model === 'mlp' },
];

function log(line) {
  process.stdout.write(`${line}\n`);
}

function npmMissing(inst) {
  if (!inst.npm) return null;
  try {
    suiteRequire.resolve(inst.npm);
    return null;
  } catch {
    const base = `${inst.npm} is not installed (cd benchmarks/suite && ONNXRUNTIME_NODE_INSTALL=skip npm install)`;
    return inst.missingNote ? `${inst.npm} is not installed: ${inst.missingNote}` : base;
  }
}

/**
 * Exports the inference models to ONNX with PyTorch, once: the files are reused while the
 * scripts that define the models and weights (torch_peer.py, data.mjs) are unchanged.
 */
async function exportOnnx() {
  if (!selected.some((w) => w.group === 'infer')) return { ok: false, reason: 'no inference workload selected' };
  const hash = createHash('sha256');
  for (const f of [path.join(peersDir, 'torch_peer.py'), path.join(suiteDir, 'data.mjs')]) hash.update(readFileSync(f));
  const stamp = path.join(onnxDir, 'source.sha256');
  const digest = hash.digest('hex');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === digest) return { ok: true, cached: true };
  const w = startWorker(python, [path.join(peersDir, 'torch_peer.py'), '--export-onnx', onnxDir], { unsetEnv: pythonUnset });
  const h = await w.hello;
  await w.close();
  if (!h.available) return { ok: false, reason: h.reason };
  writeFileSync(stamp, digest);
  return { ok: true, files: h.hello.exported };
}

/** Starts (or restarts) an instance's worker; resolves to its hello. */
async function startInstance(inst) {
  inst.worker = startWorker(inst.cmd[0], inst.cmd.slice(1), {
    env: inst.env, unsetEnv: inst.unsetEnv, log: options.verbose ? (l) => log(`  [${inst.id}] ${l}`) : () => {},
  });
  return inst.worker.hello;
}

const started = performance.now();
log(`Keel benchmark suite: ${selected.length} workloads, ${options.repeats} repeats, ${options.seconds} s per measurement${options.quick ? ' (quick)' : ''}`);
// The export (a PyTorch start-up) runs beside the other workers' start-up; ONNX Runtime waits for it.
const onnxExportDone = exportOnnx();
let onnxExport;
await Promise.all(instances.map(async (inst) => {
  inst.id = inst.setting ? `${inst.framework} (${inst.setting})` : inst.framework;
  const missing = npmMissing(inst);
  if (missing) { inst.status = 'missing'; inst.reason = missing; return; }
  if (!selected.some(inst.accepts)) { inst.status = 'skipped'; inst.reason = 'no selected workload applies'; return; }
  if (inst.framework === 'onnxruntime') onnxExport = await onnxExportDone;
  if (inst.framework === 'onnxruntime' && !onnxExport.ok) {
    inst.status = 'missing';
    inst.reason = `no ONNX models: the export from PyTorch failed (${onnxExport.reason})`;
    return;
  }
  const h = await startInstance(inst);
  if (!h.available) { inst.status = 'missing'; inst.reason = inst.missingNote ? `${h.reason}: ${inst.missingNote}` : h.reason; return; }
  inst.status = 'ok';
  inst.hello = h.hello;
  inst.threads = (inst.threads ?? h.hello.threads).filter((t) => h.hello.threads.includes(t));
}));
for (const inst of instances) {
  log(`  ${inst.id.padEnd(22)} ${inst.status === 'ok' ? `${inst.hello.version}, threads ${inst.threads.join('/')}` : `${inst.status}: ${inst.reason}`}`);
}
log(`  workers ready in ${((performance.now() - started) / 1000).toFixed(1)} s`);
const keelHello = instances[0].hello;
if (!keelHello) throw new Error(`Keel's worker did not start: ${instances[0].reason} (is dist/ built? npm run build)`);

// ---- measurement ---------------------------------------------------------------------------------

const cases = selected.flatMap((w) => w.threads.filter((t) => t <= keelHello.cpuInfo.availableCpus).map((threads) => ({ workload: w, threads })));
const active = instances.filter((i) => i.status === 'ok');
const caseKey = (c) => `${c.workload.name}@${c.threads}`;
// Per (instance, case): {perCall: [], calls: [], check, status, reason}
const records = new Map();
const rec = (inst, c) => {
  const k = `${inst.id}|${caseKey(c)}`;
  if (!records.has(k)) records.set(k, { inst, c, perCall: [], calls: [], status: 'ok' });
  return records.get(k);
};
const applies = (inst, c) => inst.accepts(c.workload) && inst.threads.includes(c.threads);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Cross-framework check: the first result's sum against Keel's, relative to the sum of |x|.
const CHECK_TOLERANCE = 1e-3;
function checkAgainstKeel(r) {
  if (r.inst.framework === 'keel' || !r.check) return;
  const keel = [...records.values()].find((k) => k.inst.framework === 'keel' && k.c.workload === r.c.workload && k.check);
  if (!keel) return;
  const diff = Math.abs(r.check.sum - keel.check.sum);
  r.checkOk = diff <= CHECK_TOLERANCE * Math.max(keel.check.abs, 1e-12);
  if (!r.checkOk) log(`  CHECK MISMATCH ${r.inst.id} ${caseKey(r.c)}: sum ${r.check.sum} vs Keel's ${keel.check.sum}`);
}

for (let rep = 0; rep < options.repeats; rep++) {
  const t0 = performance.now();
  for (const c of cases) {
    const here = active.filter((i) => i.status === 'ok' && applies(i, c));
    // Keel measures first on the first repeat (its check is the reference); later repeats
    // rotate the order so no framework always follows the same neighbour.
    const order = rep === 0 ? here : here.map((_, j) => here[(j + rep) % here.length]);
    const parts = [];
    for (const inst of order) {
      const r = rec(inst, c);
      if (r.status !== 'ok') continue;
      if (rep >= options.slowRepeats && r.perCall.length && Math.min(...r.perCall) > options.slowSeconds) continue;
      const reply = await inst.worker.request({ workload: c.workload, threads: c.threads, seconds: options.seconds }, options.callTimeout * 1000);
      if (reply.timeout) {
        // Still computing: end that worker and start a fresh one for the other workloads.
        inst.worker.kill();
        const h = await startInstance(inst);
        if (!h.available) { inst.status = 'error'; log(`  ${inst.id} did not restart: ${h.reason}`); }
        r.status = 'too slow';
        r.reason = `one call did not finish within ${options.callTimeout} s`;
        parts.push(`${inst.id} too slow`);
        continue;
      }
      if (reply.unsupported || reply.error) {
        r.status = reply.unsupported ? 'unsupported' : 'error';
        r.reason = reply.unsupported ?? reply.error;
        parts.push(`${inst.id} ${r.status}`);
        if (r.status === 'error') log(`  ERROR ${inst.id} ${caseKey(c)}: ${r.reason}`);
        continue;
      }
      r.perCall.push(reply.perCall);
      r.calls.push(reply.calls);
      if (reply.check !== undefined) { r.check = reply.check; checkAgainstKeel(r); }
      parts.push(`${inst.id} ${fmt(metricValue(c.workload, reply.perCall))}`);
      // Let the previous worker's idle threads wind down before the next one measures:
      // OpenBLAS's spin for about 2^28 cycles after a call (THREAD_TIMEOUT), some 80 ms here,
      // and bench:gemm measured Keel's one-thread n = 1024 beside them at 161 GFLOP/s
      // against 188 after a pause.
      await sleep(150);
    }
    if (rep === 0 || options.verbose) log(`  ${caseKey(c).padEnd(34)} ${c.workload.metric.padEnd(9)} ${parts.join(' | ')}`);
  }
  log(`repeat ${rep + 1}/${options.repeats} done in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}
await Promise.all(active.map((i) => i.worker.close()));

function fmt(v) {
  if (!Number.isFinite(v)) return String(v);
  return v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toPrecision(3);
}

// ---- results ---------------------------------------------------------------------------------------

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const results = [];
for (const r of records.values()) {
  const base = { framework: r.inst.framework, ...(r.inst.setting ? { setting: r.inst.setting } : {}), workload: r.c.workload.name, threads: r.c.threads, metric: r.c.workload.metric };
  if (r.status !== 'ok') { results.push({ ...base, value: null, status: r.status, reason: r.reason }); continue; }
  if (!r.perCall.length) continue;
  results.push({
    ...base,
    value: metricValue(r.c.workload, median(r.perCall)),
    repeats: r.perCall.map((s) => metricValue(r.c.workload, s)),
    secondsPerCall: r.perCall,
    calls: r.calls,
    check: r.check ?? null,
    ...(r.checkOk === undefined ? {} : { checkOk: r.checkOk }),
  });
}

function gitCommit() {
  try {
    return execFileSync('git', ['-C', repoRoot, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}

const info = keelHello.cpuInfo;
const torchHello = active.find((i) => i.framework === 'pytorch')?.hello;
const numpyHello = active.find((i) => i.framework === 'numpy')?.hello;
const openblas = (torchHello ?? numpyHello)?.pools?.find((p) => p.internal_api === 'openblas');
const wasmHello = active.find((i) => i.framework === 'tfjs-wasm')?.hello;
const machine = {
  cpu: info.brand || os.cpus()[0]?.model,
  vendor: info.vendor,
  arch: info.arch,
  cpus: info.availableCpus,
  memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  os: `${os.platform()} ${os.release()}`,
  isa: {
    keel: `${info.isa} (${info.gemmKernel}); supported: ${info.supportedIsas.join(', ')}`,
    pytorch: torchHello ? `CPU capability ${torchHello.cpuCapability}` : null,
    openblas: openblas ? `OpenBLAS ${openblas.version} ${openblas.architecture} (${openblas.threading_layer})` : null,
    'tfjs-wasm': wasmHello ? `WebAssembly SIMD ${wasmHello.versions.simd ? 'on' : 'off'}, threads ${wasmHello.versions.multithread ? 'on' : 'off (no multithreaded build in Node)'}` : null,
  },
  threads: 'GEMM, conv, LSTM, training and inference at 1 and 2 threads; single-threaded frameworks at 1',
  versions: {
    node: process.version,
    python: torchHello?.python ?? numpyHello?.python ?? null,
    keel: `${keelHello.version} (${gitCommit() ?? 'unknown commit'})`,
    ...Object.fromEntries(active.filter((i) => i.framework !== 'keel' && i.hello).map((i) => [i.framework, i.hello.version])),
  },
};

const date = new Date().toISOString().slice(0, 10);
const full = !options.quick && !options.filter;
const suffix = options.quick ? '-quick' : options.filter ? '-partial' : '';
const resultsDir = path.join(repoRoot, 'benchmarks', 'results');
mkdirSync(resultsDir, { recursive: true });
const base = path.join(resultsDir, `${date}${suffix}`);
const frameworks = instances.map((i) => ({
  framework: i.framework, ...(i.setting ? { setting: i.setting } : {}), status: i.status,
  ...(i.status === 'ok' ? { version: i.hello.version, threads: i.threads } : { reason: i.reason }),
  ...(i.env ? { env: i.env } : {}),
}));
const run = {
  date, full, quick: options.quick, filter: options.filter?.source ?? null, repeats: options.repeats, secondsPerMeasurement: options.seconds,
  slowRule: `single calls over ${options.slowSeconds} s are measured in at most ${options.slowRepeats} repeats`,
  checkTolerance: CHECK_TOLERANCE, durationSeconds: Math.round((performance.now() - started) / 1000),
  onnxExport: (onnxExport ??= await onnxExportDone).ok ? 'torch.onnx.export, opset 13, dynamic batch' : onnxExport.reason,
};
const doc = { machine, run, frameworks, workloads: selected, results };
writeFileSync(`${base}.json`, `${JSON.stringify(doc, null, 2)}\n`);
const md = markdownReport(doc);
writeFileSync(`${base}.md`, md);
writeFileSync(`${base}.svg`, svgChart(doc));
log(`\n${md}`);
log(`raw figures: ${path.relative(process.cwd(), `${base}.json`)}; table ${path.basename(base)}.md; chart ${path.basename(base)}.svg`);
log(`done in ${run.durationSeconds} s`);
