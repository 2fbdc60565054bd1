// Shared pieces of the benchmark scripts: timing, statistics, machine description, peers.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

export const benchDir = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(benchDir, '..');

/**
 * The options every benchmark script takes: --quick (a sub-minute subset), --filter NAME
 * (workloads whose name contains NAME), --seconds S (sampling time per measurement), --rounds N
 * (interleaved rounds per workload).
 */
export function parseBenchArgs(argv, { seconds = 0.3, quickSeconds = 0.1, rounds = 3 } = {}) {
  const opt = (name, fallback) => {
    const i = argv.indexOf(name);
    return i >= 0 && i + 1 < argv.length ? argv[i + 1] : fallback;
  };
  const quick = argv.includes('--quick');
  return {
    quick,
    filter: opt('--filter', null),
    seconds: Number(opt('--seconds', String(quick ? quickSeconds : seconds))),
    rounds: positiveInt(opt('--rounds', null), quick ? 1 : rounds),
  };
}

function positiveInt(text, fallback) {
  const n = Number(text);
  return text !== null && Number.isInteger(n) && n >= 1 ? n : fallback;
}

/**
 * Where a run's raw figures go: benchmarks/results/<name>-<date>.json for a full run; a
 * --quick or --filter run gets a "-partial" suffix so it never replaces a full run's file.
 */
export function resultsPath(name, { quick, filter }) {
  const date = new Date().toISOString().slice(0, 10);
  const dir = path.join(benchDir, 'results');
  mkdirSync(dir, { recursive: true });
  return path.join(dir, `${name}-${date}${quick || filter ? '-partial' : ''}.json`);
}

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * Times `fn` (one call = one unit of work) for about `seconds`: warm-up, a calibrated batch
 * size, then per-call times of several batches. Returns the samples (seconds per call).
 */
export function sampleSeconds(fn, seconds = 0.3) {
  fn();
  let t = process.hrtime.bigint();
  fn();
  const one = Math.max(Number(process.hrtime.bigint() - t) / 1e9, 1e-7);
  const batch = Math.max(1, Math.floor(seconds / 5 / one));
  const samples = [];
  const end = performance.now() + seconds * 1000;
  while (samples.length < 5 || (performance.now() < end && samples.length < 50)) {
    t = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) fn();
    samples.push(Number(process.hrtime.bigint() - t) / 1e9 / batch);
  }
  return samples;
}

/**
 * The FP32 FMA peak of this machine per ISA, from benchmarks/native/fma_peak.cc: every ISA,
 * best of 7 runs; or with `isa`, that one alone, best of `runs`.
 */
export function measureFmaPeak(threads, { isa = null, runs = 7, cpu = null } = {}) {
  const src = path.join(benchDir, 'native', 'fma_peak.cc');
  const outDir = path.join(repoRoot, 'build', 'bench');
  const exe = path.join(outDir, 'fma_peak');
  mkdirSync(outDir, { recursive: true });
  if (!existsSync(exe) || statSync(exe).mtimeMs < statSync(src).mtimeMs) {
    const cxx = process.env.CXX || 'c++';
    const r = spawnSync(cxx, ['-O2', '-std=c++17', '-pthread', src, '-o', exe], { stdio: 'inherit' });
    if (r.status !== 0) return null;
  }
  const args = isa ? [String(threads), isa, String(runs)] : [String(threads)];
  const [cmd, argv] = cpu === null ? [exe, args] : ['taskset', ['-c', String(cpu), exe, ...args]];
  return JSON.parse(execFileSync(cmd, argv, { encoding: 'utf8' }));
}

/**
 * Moving whole processes between CPUs (every thread: `taskset -a -p`), for benchmarks whose
 * one-thread rows should sample every core rather than whichever one the scheduler left the
 * main thread on. Null when taskset is missing or the process may use only one CPU.
 * `pin(pid, cpus)` sets the allowed CPUs of all of pid's threads; `cpus` is the list the
 * process started with.
 */
export function cpuPinning() {
  const status = (() => {
    try {
      return readFileSync('/proc/self/status', 'utf8');
    } catch {
      return '';
    }
  })();
  const list = /^Cpus_allowed_list:\s*(\S+)/m.exec(status)?.[1];
  if (!list || spawnSync('taskset', ['-V']).status !== 0) return null;
  const parse = (text) => text.trim().split(',').flatMap((part) => {
    const [lo, hi = lo] = part.split('-').map(Number);
    return Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
  });
  // The allowed list may name CPUs that are not online (hot-plug slots on some VMs); pinning
  // to one of those fails.
  let online = null;
  try {
    online = new Set(parse(readFileSync('/sys/devices/system/cpu/online', 'utf8')));
  } catch {
    // no sysfs: take the allowed list as it is
  }
  const cpus = parse(list).filter((c) => !online || online.has(c));
  if (cpus.length < 2) return null;
  const pin = (pid, which) => {
    execFileSync('taskset', ['-a', '-p', '-c', which.join(','), String(pid)], { stdio: 'ignore' });
  };
  try {
    pin(process.pid, cpus);  // where affinity may not be changed (some containers), do without
  } catch {
    return null;
  }
  return { cpus, pin };
}

/** The CPU the calling thread last ran on (field 39 of /proc/thread-self/stat), or null. */
export function currentCpu() {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    // Fields after the command name (which may hold spaces) start at the last ')'.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[36]);
  } catch {
    return null;
  }
}

export function machineDescription(keel) {
  const info = keel.cpuInfo();
  return {
    cpu: info.brand || os.cpus()[0]?.model || 'unknown',
    arch: info.arch,
    isa: info.isa,
    gemmKernel: info.gemmKernel,
    cpus: info.availableCpus,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
  };
}

/**
 * A Python peer script serving JSON requests line by line (benchmarks/peers/*.py), run with
 * Debian's python3 (where python3-numpy and python3-torch live). OPENBLAS_CORETYPE and
 * OPENBLAS_L2_SIZE are unset for it: they pin OpenBLAS to older kernels on this kind of
 * machine, and the comparison is against OpenBLAS at its best. Resolves to null when the peer
 * cannot start (package missing).
 */
export async function startPythonPeer(script, env = {}) {
  const python = process.env.KEEL_BENCH_PYTHON || (existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3');
  const childEnv = { ...process.env, ...env };
  delete childEnv.OPENBLAS_CORETYPE;
  delete childEnv.OPENBLAS_L2_SIZE;
  const child = spawn(python, [path.join(benchDir, 'peers', script)], { env: childEnv, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const lines = readline.createInterface({ input: child.stdout });
  const queue = [];
  const waiters = [];
  lines.on('line', (line) => {
    const w = waiters.shift();
    if (w) w.resolve(line); else queue.push(line);
  });
  const closed = new Promise((resolve) => child.on('close', resolve));
  child.on('error', () => {});
  const next = () => new Promise((resolve, reject) => {
    if (queue.length) return resolve(queue.shift());
    waiters.push({ resolve, reject });
    closed.then(() => reject(new Error(`peer ${script} exited: ${stderr.trim().split('\n').pop() ?? ''}`)));
  });
  let hello;
  try {
    hello = JSON.parse(await next());
  } catch (err) {
    return { available: false, reason: err.message };
  }
  return {
    available: true,
    pid: child.pid,
    hello,
    async request(req) {
      child.stdin.write(JSON.stringify(req) + '\n');
      const reply = JSON.parse(await next());
      if (reply.error) throw new Error(`peer ${script}: ${reply.error}`);
      return reply;
    },
    close() { child.stdin.end(); },
  };
}
