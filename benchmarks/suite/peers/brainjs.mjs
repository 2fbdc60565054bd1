// brain.js worker (NeuralNetwork, its CPU path): the MLP training workload only. brain.js has
// no mini-batches and no softmax/cross-entropy: it trains one sample at a time (trainPattern:
// forward, deltas, update) with the hidden layers' activation on the output too and a squared
// error. So a "batch" of 128 here is 128 per-sample Adam updates (its `praxis: 'adam'`), with
// the same 784-512-256-10 ReLU network, the suite's weights and data; the loss differs, so it
// has no check fingerprint.
import { createRequire } from 'node:module';
import { initParam, labels, uniform } from '../data.mjs';
import { serve, Unsupported } from './harness.mjs';

const require = createRequire(import.meta.url);
const brain = require('brain.js');
const version = require('brain.js/package.json').version;

await serve({
  hello: { framework: 'brainjs', version, threads: [1] },
  setup(w, threads) {
    if (threads !== 1) throw new Unsupported('brain.js runs on one thread');
    if (w.kind !== 'train' || w.model !== 'mlp') throw new Unsupported('the brain.js peer runs the MLP training workload only');
    const net = new brain.NeuralNetwork({ hiddenLayers: [512, 256], activation: 'relu', praxis: 'adam', learningRate: w.lr });
    net.sizes = [784, 512, 256, 10];
    net.initialize();
    // Shared weights: brain.js keeps one Float32Array of incoming weights per node (a row of
    // PyTorch's [out, in] weight) and one bias array per layer.
    [['1', 512, 784], ['3', 256, 512], ['5', 10, 256]].forEach(([k, out, inp], j) => {
      const wt = initParam('mlp', `${k}.weight`, [out, inp]);
      for (let node = 0; node < out; node++) net.weights[j + 1][node] = wt.slice(node * inp, (node + 1) * inp);
      net.biases[j + 1] = initParam('mlp', `${k}.bias`, [out]);
    });
    const x = uniform(`${w.name}:x`, w.batch * 784);
    const y = labels(`${w.name}:y`, w.batch, 10);
    const samples = Array.from({ length: w.batch }, (_, i) => {
      const output = new Float32Array(10);
      output[y[i]] = 1;
      return { input: x.subarray(i * 784, (i + 1) * 784), output };
    });
    // One call trains one sample (a whole batch takes tens of seconds); 128 calls make the
    // workload's unit, and the harness scales the time by that.
    let i = 0;
    const run = () => { net.trainPattern(samples[i++ % samples.length]); };
    return { run, scale: w.batch, check: () => { run(); return null; } };
  },
});
