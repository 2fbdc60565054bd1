// A character-level language model: Embedding -> LSTM -> Linear, trained with Adam on Keel's
// own TypeScript sources (a text that ships with the repository), by truncated
// back-propagation through time. It prints the loss (nats per character) as it learns, then
// samples some text.
//   node examples/char-lstm.mjs [steps]
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as keel from '../dist/index.js';

const { nn, optim } = keel;
const steps = Number(process.argv[2] ?? 300);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'lib');
const files = readdirSync(root, { recursive: true }).filter((f) => String(f).endsWith('.ts')).sort();
const text = files.map((f) => readFileSync(path.join(root, String(f)), 'utf8')).join('\n');
const chars = [...new Set(text)].sort();
const vocab = new Map(chars.map((c, i) => [c, i]));
const data = Int32Array.from(text, (c) => vocab.get(c));

keel.manualSeed(0);
const seqLen = 64, batch = 32, hidden = 256;
class CharModel extends nn.Module {
  constructor() {
    super();
    this.registerModule('embed', new nn.Embedding(chars.length, 64));
    this.registerModule('lstm', new nn.LSTM(64, hidden));
    this.registerModule('head', new nn.Linear(hidden, chars.length));
  }
  forward(ids, state) {
    const [out, next] = this.lstm.forward(this.embed.forward(ids), state);
    return [this.head.forward(out), next];
  }
}
const model = new CharModel();
const opt = new optim.Adam(model.parameters(), { lr: 3e-3 });
const lossFn = new nn.CrossEntropyLoss();

// Each batch row reads its own stretch of the text, continuing where it left off.
const stride = Math.floor((data.length - 1) / batch);
let cursor = 0;
function nextBatch() {
  if (cursor + seqLen + 1 > stride) cursor = 0;
  const x = new Int32Array(seqLen * batch), y = new Int32Array(seqLen * batch);
  for (let t = 0; t < seqLen; t++) {
    for (let b = 0; b < batch; b++) {
      x[t * batch + b] = data[b * stride + cursor + t];
      y[t * batch + b] = data[b * stride + cursor + t + 1];
    }
  }
  cursor += seqLen;
  return [keel.tensor(x, { shape: [seqLen, batch] }), keel.tensor(y)];
}

const unigram = (() => {
  const counts = new Float64Array(chars.length);
  for (const c of data) counts[c]++;
  let h = 0;
  for (const n of counts) if (n > 0) h -= (n / data.length) * Math.log(n / data.length);
  return h;
})();
console.log(`${data.length} characters, ${chars.length} symbols; a unigram model scores ${unigram.toFixed(2)} nats/char`);

let state = null;
const t0 = performance.now();
let recent = 0;
for (let step = 1; step <= steps; step++) {
  const loss = keel.tidy(() => {
    const [x, y] = nextBatch();
    opt.zeroGrad();
    const [logits, next] = model.forward(x, state);
    const l = lossFn.forward(logits.reshape([-1, chars.length]), y);
    l.backward();
    optim.clipGradNorm_(model.parameters(), 1.0);
    opt.step();
    // Carry the state to the next window, cut from this window's graph.
    if (state) for (const s of state) s.dispose();
    state = next.map((s) => keel.keep(s.detach().clone()));
    return l.item();
  });
  recent = step === 1 ? loss : 0.9 * recent + 0.1 * loss;
  if (step % 25 === 0 || step === 1) {
    const rate = (step * seqLen * batch) / ((performance.now() - t0) / 1000);
    console.log(`step ${String(step).padStart(4)}  loss ${recent.toFixed(3)}  (${Math.round(rate)} chars/s)`);
  }
}

// Sample 300 characters, starting from "export ".
let out = 'export ';
keel.noGrad(() => {
  let s = null;
  let ids = keel.tensor(Int32Array.from(out, (c) => vocab.get(c) ?? 0), { shape: [out.length, 1] });
  for (let i = 0; i < 300; i++) {
    const next = keel.tidy(() => {
      const [logits, st] = model.forward(ids, s);
      if (s) for (const t of s) t.dispose();
      s = st.map((t) => keel.keep(t.clone()));
      const last = logits.slice(0, logits.shape[0] - 1).reshape([-1]).div(0.8).softmax(0).toFloat32Array();
      let r = keel.rand([1]).item(), k = 0;
      while (k < last.length - 1 && (r -= last[k]) > 0) k++;
      return k;
    });
    out += chars[next];
    ids.dispose();
    ids = keel.tensor([next], { dtype: 'int32', shape: [1, 1] });
  }
});
console.log(`\n--- sample ---\n${out}\n---`);
console.log(JSON.stringify({ steps, finalLoss: Number(recent.toFixed(4)), unigramLoss: Number(unigram.toFixed(4)) }));
