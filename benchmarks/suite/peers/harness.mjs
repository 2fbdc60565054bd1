// The worker side of the suite's protocol, shared by the JavaScript peers (Keel, TensorFlow.js,
// ONNX Runtime, brain.js); peers/torch_peer.py speaks the same protocol in Python.
//
// The coordinator writes one JSON request per line on stdin; the worker answers with one line
// "@@bench <json>" on stdout. The prefix keeps the protocol apart from whatever a library prints
// on stdout (TensorFlow.js prints a banner), which is passed on as log text.
//   hello   (written at start)  {ready, framework, versions..., threads: [supported counts]}
//   request {id, workload, threads, seconds}
//   reply   {id, perCall, calls, check?}  |  {id, unsupported: reason}  |  {id, error: message}
// A workload's state (data, model, session) is built on its first request and kept, so later
// repeats time the same objects; the first call doubles as the warm-up and returns the check
// fingerprint ({sum, abs} of the result) that the coordinator compares across frameworks.
import readline from 'node:readline';

export const PREFIX = '@@bench ';

/** Thrown by a worker for a workload (or an option of it) its framework cannot run. */
export class Unsupported extends Error {}

// One-time costs of a first call (JIT, allocation pools, weight packing, algorithm choice) take
// milliseconds to a second: a first call of 5 s or more hides them and serves as a measurement
// as well as the warm-up. Calls under 1 s get a warm-up call before every repeat's timing
// (other workloads ran in between); longer ones are their own warm-up.
export const FIRST_CALL_MEASURES_SECONDS = 5;
export const WARMUP_BELOW_SECONDS = 1;

// Messages by which a library says it lacks an op, as opposed to failing at it.
const LACKS_OP = /not registered|not (yet )?supported|not implemented|unsupported/i;

function send(obj) {
  process.stdout.write(`${PREFIX}${JSON.stringify(obj)}\n`);
}

/**
 * Runs `run` (one call = one unit of the workload) until `seconds` have passed, at least once.
 * Returns seconds per call and the call count.
 */
export async function timeCalls(run, seconds) {
  let calls = 0;
  const t0 = performance.now();
  let elapsed;
  do {
    const r = run();
    if (r && typeof r.then === 'function') await r;
    calls++;
    elapsed = (performance.now() - t0) / 1000;
  } while (elapsed < seconds);
  return { perCall: elapsed / calls, calls };
}

/**
 * Serves requests until stdin closes.
 * @param hello   facts about the framework (versions, supported thread counts)
 * @param setup   (workload, threads) => {run, check, scale?}: builds a workload's state
 *                (`scale`: how many calls of `run` make one unit of the workload, default 1);
 *                throws Unsupported for what the framework cannot do
 * @param setThreads (n) => void, called before each measurement (optional)
 */
export async function serve({ hello, setup, setThreads }) {
  send({ ready: true, ...hello });
  const states = new Map();
  const lines = readline.createInterface({ input: process.stdin });
  for await (const line of lines) {
    if (!line.trim()) continue;
    const req = JSON.parse(line);
    try {
      send({ id: req.id, ...(await measure(req)) });
    } catch (err) {
      const message = String(err?.message ?? err).split('\n')[0];
      if (err instanceof Unsupported || LACKS_OP.test(message)) send({ id: req.id, unsupported: message });
      else send({ id: req.id, error: message });
    }
  }

  async function measure({ workload, threads, seconds }) {
    setThreads?.(threads);
    const key = `${workload.name}@${threads}`;
    let state = states.get(key), check;
    if (!state) {
      state = await setup(workload, threads);
      states.set(key, state);
      const t0 = performance.now();
      check = await state.check();
      const first = (performance.now() - t0) / 1000;
      state.lastPerCall = Infinity;
      if (first >= FIRST_CALL_MEASURES_SECONDS && !state.scale) {
        state.lastPerCall = first;
        return { perCall: first, calls: 1, check };
      }
    } else if (state.lastPerCall < WARMUP_BELOW_SECONDS) {
      const r = state.run();
      if (r && typeof r.then === 'function') await r;
    }
    const t = await timeCalls(state.run, seconds);
    state.lastPerCall = t.perCall;
    // A worker whose call is a fraction of the workload (state.scale calls make one) reports
    // the time of the whole workload.
    if (state.scale) t.perCall *= state.scale;
    return check === undefined ? t : { ...t, check };
  }
}
