// Keel's worker: every workload through the public API (dist/index.js), models from
// keel.models, weights and data from data.mjs loaded by PyTorch state_dict key.
import { fingerprint, initParam, labels, uniform } from '../data.mjs';
import { serve } from './harness.mjs';

const keel = await import('../../../dist/index.js');
const { nn, optim, models } = keel;

const t = (data, shape) => keel.tensor(data, { shape });

/** Loads the suite's shared weights into `model` (every stateDict entry, by its torch key). */
function loadSharedWeights(model, name) {
  const state = new Map();
  for (const [key, value] of model.stateDict()) {
    if (value.dtype !== 'float32') continue; // num_batches_tracked
    state.set(key, t(initParam(name, key, value.shape), value.shape));
  }
  model.loadStateDict(state, { strict: false });
  for (const v of state.values()) v.dispose();
  return model;
}

/** Embedding -> LSTM -> Linear, the suite's small LSTM model (keys embed.*, lstm.*, head.*). */
class CharLSTM extends nn.Module {
  constructor({ vocab, embed, hidden }) {
    super();
    this.registerModule('embed', new nn.Embedding(vocab, embed));
    this.registerModule('lstm', new nn.LSTM(embed, hidden));
    this.registerModule('head', new nn.Linear(hidden, vocab));
  }

  forward(ids) {
    const [out] = this.lstm.forward(this.embed.forward(ids));
    return this.head.forward(out.reshape([-1, out.shape[2]]));
  }
}

function buildModel(w) {
  if (w.model === 'mlp') return loadSharedWeights(models.mlp(), 'mlp');
  if (w.model === 'lenet5') return loadSharedWeights(models.lenet5(), 'lenet5');
  if (w.model === 'resnet20') return loadSharedWeights(models.resnet20(), 'resnet20');
  if (w.model === 'charlstm') return loadSharedWeights(new CharLSTM(w), 'charlstm');
  throw new Error(`unknown model ${w.model}`);
}

function modelInput(w) {
  if (w.model === 'charlstm') return t(labels(`${w.name}:x`, w.seq * w.batch, w.vocab), [w.seq, w.batch]);
  const shape = w.model === 'resnet20' ? [w.batch, 3, 32, 32] : [w.batch, 1, 28, 28];
  return t(uniform(`${w.name}:x`, shape.reduce((a, b) => a * b)), shape);
}

function targets(w) {
  const n = w.model === 'charlstm' ? w.seq * w.batch : w.batch;
  return t(labels(`${w.name}:y`, n, w.model === 'charlstm' ? w.vocab : 10), [n]);
}

const setups = {
  gemm(w) {
    const sets = Array.from({ length: w.sets }, (_, j) => ({
      a: keel.keep(t(uniform(`gemm:${w.name}:a${j}`, w.m * w.k), [w.m, w.k])),
      b: keel.keep(t(uniform(`gemm:${w.name}:b${j}`, w.k * w.n), [w.k, w.n])),
    }));
    let i = 0;
    return {
      run: () => { const s = sets[i++ % sets.length]; keel.matmul(s.a, s.b).dispose(); },
      check: () => { const c = keel.matmul(sets[0].a, sets[0].b); const f = fingerprint(c.toTypedArray()); c.dispose(); return f; },
    };
  },

  conv(w) {
    const x = t(uniform(`${w.name}:x`, w.n * w.cin * w.h * w.w), [w.n, w.cin, w.h, w.w]);
    const wt = t(initParam(w.name, 'weight', [w.cout, w.cin, w.kernel, w.kernel]), [w.cout, w.cin, w.kernel, w.kernel]);
    const b = t(initParam(w.name, 'bias', [w.cout]), [w.cout]);
    const conv = nn.functional.conv2d;
    if (!w.backward) {
      return {
        run: () => conv(x, wt, b, { padding: w.padding }).dispose(),
        check: () => { const y = conv(x, wt, b, { padding: w.padding }); const f = fingerprint(y.toTypedArray()); y.dispose(); return f; },
      };
    }
    for (const p of [x, wt, b]) p.requiresGrad_();
    // One step: forward, backward of sum(y) (dy = 1); the check reads dL/dweight.
    const step = (read) => keel.tidy(() => {
      const y = conv(x, wt, b, { padding: w.padding });
      y.backward(keel.onesLike(y));
      const f = read ? fingerprint(wt.grad.toTypedArray()) : null;
      for (const p of [x, wt, b]) { p.grad.dispose(); p.grad = null; }
      return f;
    });
    return { run: () => step(false), check: () => step(true) };
  },

  lstm(w) {
    const lstm = loadSharedWeights(new nn.LSTM(w.input, w.hidden), w.name);
    const x = t(uniform(`${w.name}:x`, w.seq * w.batch * w.input), [w.seq, w.batch, w.input]);
    if (!w.backward) {
      const fwd = () => keel.noGrad(() => lstm.forward(x)[0]);
      return {
        run: () => keel.tidy(() => { fwd(); }),
        check: () => keel.tidy(() => fingerprint(fwd().toTypedArray())),
      };
    }
    x.requiresGrad_();
    const wIh = lstm.namedParameters().find(([k]) => k === 'weight_ih_l0')[1];
    const step = (read) => keel.tidy(() => {
      const [out] = lstm.forward(x);
      out.backward(keel.onesLike(out));
      const f = read ? fingerprint(wIh.grad.toTypedArray()) : null;
      lstm.zeroGrad();
      x.grad.dispose();
      x.grad = null;
      return f;
    });
    return { run: () => step(false), check: () => step(true) };
  },

  train(w) {
    const model = buildModel(w);
    model.train();
    const opt = w.optimizer === 'adam'
      ? new optim.Adam(model.parameters(), { lr: w.lr })
      : new optim.SGD(model.parameters(), { lr: w.lr, momentum: w.momentum });
    const lossFn = new nn.CrossEntropyLoss();
    const x = modelInput(w), y = targets(w);
    // The loss of the step is returned (as a tensor, not read) so the check can read the first.
    const step = () => keel.tidy(() => {
      opt.zeroGrad();
      const loss = lossFn.forward(model.forward(x), y);
      loss.backward();
      opt.step();
      return loss;
    });
    return {
      run: () => step().dispose(),
      check: () => { const loss = step(); const v = loss.item(); loss.dispose(); return { sum: v, abs: Math.abs(v) }; },
    };
  },

  infer(w) {
    const model = buildModel(w);
    model.eval();
    const x = modelInput(w);
    // The logits are read back to JS, as an application would.
    const predict = () => keel.noGrad(() => keel.tidy(() => model.forward(x).toTypedArray()));
    return { run: predict, check: () => fingerprint(predict()) };
  },
};

await serve({
  hello: {
    framework: 'keel',
    version: JSON.parse((await import('node:fs')).readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')).version,
    threads: [1, 2].filter((n) => n <= keel.cpuInfo().availableCpus),
    cpuInfo: keel.cpuInfo(),
  },
  setThreads: (n) => keel.setNumThreads(n),
  setup: (w) => setups[w.kind](w),
});
