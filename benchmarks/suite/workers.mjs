// The coordinator's side of the worker protocol (see peers/harness.mjs): starts a worker
// process, waits for its hello, sends requests and matches replies. A worker that cannot start
// (a package missing, an import failing) resolves to {available: false, reason}, the reason
// being the last line it wrote on stderr.
import { spawn } from 'node:child_process';
import readline from 'node:readline';

const PREFIX = '@@bench ';

/**
 * @param command, args, env  the process (env is added to the coordinator's)
 * @param options.unsetEnv     variables removed from the environment
 * @param options.log          (line) => void for the worker's other output
 * @param options.helloTimeoutMs how long start-up may take
 */
export function startWorker(command, args, { env = {}, unsetEnv = [], log = () => {}, helloTimeoutMs = 120_000 } = {}) {
  const childEnv = { ...process.env, ...env };
  for (const k of unsetEnv) delete childEnv[k];
  const child = spawn(command, args, { env: childEnv, stdio: ['pipe', 'pipe', 'pipe'] });
  const stderrTail = [];
  readline.createInterface({ input: child.stderr }).on('line', (l) => {
    stderrTail.push(l);
    if (stderrTail.length > 40) stderrTail.shift();
    log(l);
  });
  const pending = new Map();
  let nextId = 1, exited = false, helloResolve;
  const hello = new Promise((resolve) => { helloResolve = resolve; });
  const reason = () => {
    const lines = stderrTail.filter((l) => l.trim() && !/^\s+at /.test(l));
    // The thrown message ("Error: ...", "ModuleNotFoundError: ..."), not the source line quoted above it.
    const err = lines.find((l) => /^\s*(\w+\.)*\w*(Error|Exception)\b:/.test(l)) ?? lines.at(-1);
    return err ? err.trim() : `exited (code ${child.exitCode})`;
  };
  readline.createInterface({ input: child.stdout }).on('line', (line) => {
    if (!line.startsWith(PREFIX)) { log(line); return; }
    const msg = JSON.parse(line.slice(PREFIX.length));
    if (msg.ready) { helloResolve({ available: true, hello: msg }); return; }
    const p = pending.get(msg.id);
    if (p) { pending.delete(msg.id); p.resolve(msg); }
  });
  child.on('error', (err) => { stderrTail.push(`Error: ${err.message}`); });
  child.on('close', () => {
    exited = true;
    helloResolve({ available: false, reason: reason() });
    for (const p of pending.values()) p.resolve({ error: `worker exited: ${reason()}` });
    pending.clear();
  });
  const timer = setTimeout(() => helloResolve({ available: false, reason: `no hello within ${helloTimeoutMs / 1000} s` }), helloTimeoutMs);
  hello.then(() => clearTimeout(timer));

  return {
    hello,
    /**
     * Sends one request; resolves to the reply (never rejects: failures come back as {error},
     * with `timeout: true` when no reply came in time — the worker is then still busy).
     */
    request(req, timeoutMs = 600_000) {
      if (exited) return Promise.resolve({ error: `worker exited: ${reason()}` });
      const id = nextId++;
      return new Promise((resolve) => {
        const t = setTimeout(() => { pending.delete(id); resolve({ timeout: true, error: `no reply within ${timeoutMs / 1000} s` }); }, timeoutMs);
        pending.set(id, { resolve: (m) => { clearTimeout(t); resolve(m); } });
        child.stdin.write(`${JSON.stringify({ ...req, id })}\n`);
      });
    },
    close() {
      if (!exited) child.stdin.end();
      return new Promise((resolve) => { if (exited) resolve(); else child.on('close', resolve); });
    },
    kill() { if (!exited) child.kill(); },
  };
}
