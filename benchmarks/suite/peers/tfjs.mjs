// TensorFlow.js worker: `--backend cpu` (@tensorflow/tfjs, plain JavaScript), `--backend wasm`
// (@tensorflow/tfjs-backend-wasm, XNNPACK compiled to WebAssembly with SIMD) or
// `--backend tensorflow` (@tensorflow/tfjs-node, libtensorflow).
//
// The models are written with tf ops rather than tf.layers, as the same functions of the same
// weights as Keel's and PyTorch's: TensorFlow.js works in NHWC, so the inputs are transposed
// from NCHW and the weights from PyTorch's layouts once, at setup (conv OIHW -> HWIO, linear
// [out, in] -> [in, out], LeNet's first linear layer's rows permuted from CHW to HWC order).
// The check fingerprints (sums) do not depend on layout, so they compare with Keel's directly.
import { createRequire } from 'node:module';
import path from 'node:path';
import { fingerprint, initParam, labels, uniform } from '../data.mjs';
import { serve, Unsupported } from './harness.mjs';

const backend = process.argv[process.argv.indexOf('--backend') + 1];
const require = createRequire(import.meta.url);

let tf, versions, threads = [1];
if (backend === 'tensorflow') {
  tf = require('@tensorflow/tfjs-node');
  versions = { tfjs: tf.version.tfjs, 'tfjs-node': tf.version['tfjs-node'] };
  const n = Number(process.env.TF_NUM_INTRAOP_THREADS ?? 0);
  threads = n > 0 ? [n] : [1, 2];
} else {
  tf = require('@tensorflow/tfjs');
  versions = { tfjs: tf.version.tfjs };
  if (backend === 'wasm') {
    const wasm = require('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths(`${path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'))}/`);
    wasm.setThreadsCount(2); // honoured only where the threaded build can load (not in Node)
    versions['tfjs-backend-wasm'] = wasm.version_wasm;
  }
}
if (!(await tf.setBackend(backend))) throw new Error(`TensorFlow.js backend ${backend} failed to initialize`);
await tf.ready();
if (backend === 'wasm') {
  const wasm = require('@tensorflow/tfjs-backend-wasm');
  threads = [wasm.getThreadsCount()];
  versions.simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
  versions.multithread = tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT');
}

// ---- shared data in TensorFlow.js layouts ------------------------------------------------------

const nchwToNhwc = (data, [n, c, h, w]) => tf.tidy(() => tf.tensor4d(data, [n, c, h, w]).transpose([0, 2, 3, 1]));
const oihwToHwio = (data, [o, i, h, w]) => tf.tidy(() => tf.tensor4d(data, [o, i, h, w]).transpose([2, 3, 1, 0]));
const linearT = (data, [o, i]) => tf.tidy(() => tf.tensor2d(data, [o, i]).transpose());

/** The shared parameter `key` of `model`, in TensorFlow.js layout. */
function param(model, key, shape) {
  const data = initParam(model, key, shape);
  if (shape.length === 4) return oihwToHwio(data, shape);
  if (shape.length === 2 && !key.startsWith('embed')) return linearT(data, shape);
  return tf.tensor(data, shape);
}

/**
 * LeNet's first linear layer sees [N, 16, 5, 5] flattened in CHW order in PyTorch but [N, 5, 5,
 * 16] in HWC order here: permute its input rows so both compute the same function.
 */
function lenetFc1(model) {
  const data = initParam(model, 'classifier.1.weight', [120, 400]);
  return tf.tidy(() => tf.tensor4d(data, [120, 16, 5, 5]).transpose([2, 3, 1, 0]).reshape([400, 120]));
}

// ---- models as functions of a parameter object ----------------------------------------------

function mlpParams(model) {
  const p = {};
  [['1', 512, 784], ['3', 256, 512], ['5', 10, 256]].forEach(([k, out, inp], j) => {
    p[`w${j}`] = param(model, `${k}.weight`, [out, inp]);
    p[`b${j}`] = param(model, `${k}.bias`, [out]);
  });
  return p;
}
function mlpForward(p, x) {
  const h1 = tf.relu(tf.matMul(x.reshape([x.shape[0], -1]), p.w0).add(p.b0));
  const h2 = tf.relu(tf.matMul(h1, p.w1).add(p.b1));
  return tf.matMul(h2, p.w2).add(p.b2);
}

function lenetParams(model) {
  return {
    c1: param(model, 'features.0.weight', [6, 1, 5, 5]), c1b: param(model, 'features.0.bias', [6]),
    c2: param(model, 'features.3.weight', [16, 6, 5, 5]), c2b: param(model, 'features.3.bias', [16]),
    f1: lenetFc1(model), f1b: param(model, 'classifier.1.bias', [120]),
    f2: param(model, 'classifier.3.weight', [84, 120]), f2b: param(model, 'classifier.3.bias', [84]),
    f3: param(model, 'classifier.5.weight', [10, 84]), f3b: param(model, 'classifier.5.bias', [10]),
  };
}
function lenetForward(p, x) {
  let y = tf.maxPool(tf.relu(tf.conv2d(x, p.c1, 1, 2).add(p.c1b)), 2, 2, 'valid');
  y = tf.maxPool(tf.relu(tf.conv2d(y, p.c2, 1, 'valid').add(p.c2b)), 2, 2, 'valid');
  y = tf.relu(tf.matMul(y.reshape([y.shape[0], 400]), p.f1).add(p.f1b));
  y = tf.relu(tf.matMul(y, p.f2).add(p.f2b));
  return tf.matMul(y, p.f3).add(p.f3b);
}

function bnParams(model, prefix, c) {
  const g = (k) => param(model, `${prefix}.${k}`, [c]);
  return { weight: g('weight'), bias: g('bias'), mean: g('running_mean'), variance: g('running_var') };
}
const batchNorm = (x, bn) => tf.batchNorm(x, bn.mean, bn.variance, bn.bias, bn.weight, 1e-5);

/** ResNet-20 (option A shortcuts), eval mode, as keel.models.resnet20(). */
function resnet20Params(model) {
  const p = { conv1: param(model, 'conv1.weight', [16, 3, 3, 3]), bn1: bnParams(model, 'bn1', 16), blocks: [] };
  let inPlanes = 16;
  for (const [s, planes] of [[1, 16], [2, 32], [3, 64]]) {
    for (let i = 0; i < 3; i++) {
      const pre = `layer${s}.${i}`;
      const stride = i === 0 && s > 1 ? 2 : 1;
      p.blocks.push({
        stride, inPlanes, planes,
        conv1: param(model, `${pre}.conv1.weight`, [planes, inPlanes, 3, 3]), bn1: bnParams(model, `${pre}.bn1`, planes),
        conv2: param(model, `${pre}.conv2.weight`, [planes, planes, 3, 3]), bn2: bnParams(model, `${pre}.bn2`, planes),
      });
      inPlanes = planes;
    }
  }
  p.fc = param(model, 'fc.weight', [10, 64]);
  p.fcb = param(model, 'fc.bias', [10]);
  return p;
}
function resnet20Forward(p, x) {
  let y = tf.relu(batchNorm(tf.conv2d(x, p.conv1, 1, 1), p.bn1));
  for (const b of p.blocks) {
    let out = tf.relu(batchNorm(tf.conv2d(y, b.conv1, b.stride, 1), b.bn1));
    out = batchNorm(tf.conv2d(out, b.conv2, 1, 1), b.bn2);
    let shortcut = y;
    if (b.stride !== 1 || b.inPlanes !== b.planes) {
      const [n, h, w, c] = y.shape;
      const before = Math.floor((b.planes - b.inPlanes) / 2);
      shortcut = tf.pad(tf.stridedSlice(y, [0, 0, 0, 0], [n, h, w, c], [1, b.stride, b.stride, 1]),
        [[0, 0], [0, 0], [0, 0], [before, b.planes - b.inPlanes - before]]);
    }
    y = tf.relu(out.add(shortcut));
  }
  return tf.matMul(tf.mean(y, [1, 2]), p.fc).add(p.fcb);
}

/** LSTM layer parameters (torch.nn.LSTM keys), transposed for x @ W. */
function lstmParams(model, prefix, input, hidden) {
  const k = (s) => (prefix ? `${prefix}.${s}` : s);
  return {
    wIh: param(model, k('weight_ih_l0'), [4 * hidden, input]), wHh: param(model, k('weight_hh_l0'), [4 * hidden, hidden]),
    bIh: param(model, k('bias_ih_l0'), [4 * hidden]), bHh: param(model, k('bias_hh_l0'), [4 * hidden]),
  };
}
/** x [T, B, I] -> outputs [T, B, H]: PyTorch's LSTM (gates i, f, g, o), zero initial state. */
function lstmForward(p, x) {
  const [T, B] = x.shape;
  const H = p.wHh.shape[0];
  // The input projection of all steps is one GEMM, as in PyTorch and Keel.
  const xs = tf.unstack(tf.matMul(x.reshape([T * B, -1]), p.wIh).add(p.bIh.add(p.bHh)).reshape([T, B, 4 * H]));
  let h = tf.zeros([B, H]), c = tf.zeros([B, H]);
  const outs = [];
  for (let t = 0; t < T; t++) {
    const [i, f, g, o] = tf.split(xs[t].add(tf.matMul(h, p.wHh)), 4, 1);
    c = tf.sigmoid(f).mul(c).add(tf.sigmoid(i).mul(tf.tanh(g)));
    h = tf.sigmoid(o).mul(tf.tanh(c));
    outs.push(h);
  }
  return tf.stack(outs);
}

function charlstmParams(w) {
  return {
    embed: param('charlstm', 'embed.weight', [w.vocab, w.embed]),
    lstm: lstmParams('charlstm', 'lstm', w.embed, w.hidden),
    head: param('charlstm', 'head.weight', [w.vocab, w.hidden]), headb: param('charlstm', 'head.bias', [w.vocab]),
  };
}
function charlstmForward(p, ids) {
  const [T, B] = ids.shape;
  const e = tf.gather(p.embed, ids.reshape([T * B])).reshape([T, B, -1]);
  const out = lstmForward(p.lstm, e);
  return tf.matMul(out.reshape([T * B, -1]), p.head).add(p.headb);
}

const models = {
  mlp: { params: () => mlpParams('mlp'), forward: mlpForward },
  lenet5: { params: () => lenetParams('lenet5'), forward: lenetForward },
  resnet20: { params: () => resnet20Params('resnet20'), forward: resnet20Forward },
  charlstm: { params: charlstmParams, forward: charlstmForward },
};

function modelInput(w) {
  if (w.model === 'charlstm') return tf.tensor2d(labels(`${w.name}:x`, w.seq * w.batch, w.vocab), [w.seq, w.batch], 'int32');
  const shape = w.model === 'resnet20' ? [w.batch, 3, 32, 32] : [w.batch, 1, 28, 28];
  return nchwToNhwc(uniform(`${w.name}:x`, shape.reduce((a, b) => a * b)), shape);
}

/** Every tensor inside a (nested) parameter object. */
function tensorsOf(p) {
  if (p instanceof tf.Tensor) return [p];
  if (Array.isArray(p)) return p.flatMap(tensorsOf);
  if (p && typeof p === 'object') return Object.values(p).flatMap(tensorsOf);
  return [];
}
/** The same object with each tensor replaced by a tf.Variable (for training). */
function asVariables(p) {
  if (p instanceof tf.Tensor) return tf.variable(p);
  if (Array.isArray(p)) return p.map(asVariables);
  if (p && typeof p === 'object') return Object.fromEntries(Object.entries(p).map(([k, v]) => [k, asVariables(v)]));
  return p;
}

const print = (t) => fingerprint(t.dataSync());

const setups = {
  gemm(w) {
    const sets = Array.from({ length: w.sets }, (_, j) => ({
      a: tf.tensor2d(uniform(`gemm:${w.name}:a${j}`, w.m * w.k), [w.m, w.k]),
      b: tf.tensor2d(uniform(`gemm:${w.name}:b${j}`, w.k * w.n), [w.k, w.n]),
    }));
    let i = 0;
    return {
      run: () => { const s = sets[i++ % sets.length]; tf.matMul(s.a, s.b).dispose(); },
      check: () => tf.tidy(() => print(tf.matMul(sets[0].a, sets[0].b))),
    };
  },

  conv(w) {
    const x = nchwToNhwc(uniform(`${w.name}:x`, w.n * w.cin * w.h * w.w), [w.n, w.cin, w.h, w.w]);
    const k = param(w.name, 'weight', [w.cout, w.cin, w.kernel, w.kernel]);
    const b = param(w.name, 'bias', [w.cout]);
    const conv = (xx, kk, bb) => tf.conv2d(xx, kk, 1, w.padding).add(bb);
    if (!w.backward) return { run: () => tf.tidy(() => { conv(x, k, b); }), check: () => tf.tidy(() => print(conv(x, k, b))) };
    // Gradients of sum(y) (dy = 1) with respect to input, weight and bias; the check reads dW.
    const grads = tf.grads(conv);
    return { run: () => tf.tidy(() => { grads([x, k, b]); }), check: () => tf.tidy(() => print(grads([x, k, b])[1])) };
  },

  lstm(w) {
    const p = lstmParams(w.name, '', w.input, w.hidden);
    const x = tf.tensor3d(uniform(`${w.name}:x`, w.seq * w.batch * w.input), [w.seq, w.batch, w.input]);
    if (!w.backward) return { run: () => tf.tidy(() => { lstmForward(p, x); }), check: () => tf.tidy(() => print(lstmForward(p, x))) };
    const grads = tf.grads((xx, wIh, wHh, bIh, bHh) => lstmForward({ wIh, wHh, bIh, bHh }, xx));
    const args = [x, p.wIh, p.wHh, p.bIh, p.bHh];
    return { run: () => tf.tidy(() => { grads(args); }), check: () => tf.tidy(() => print(grads(args)[1])) };
  },

  train(w) {
    const m = models[w.model];
    const p = asVariables(m.params(w));
    const vars = tensorsOf(p);
    const x = modelInput(w);
    const classes = w.model === 'charlstm' ? w.vocab : 10;
    const n = w.model === 'charlstm' ? w.seq * w.batch : w.batch;
    const y = tf.oneHot(tf.tensor1d(labels(`${w.name}:y`, n, classes), 'int32'), classes);
    const opt = w.optimizer === 'adam' ? tf.train.adam(w.lr, 0.9, 0.999, 1e-8) : tf.train.momentum(w.lr, w.momentum);
    // softmaxCrossEntropy's default reduction is the batch mean, as nn.CrossEntropyLoss's.
    const step = (returnCost) => opt.minimize(() => tf.losses.softmaxCrossEntropy(y, m.forward(p, x)), returnCost, vars);
    return {
      run: () => tf.tidy(() => { step(false); }),
      check: () => tf.tidy(() => { const v = step(true).dataSync()[0]; return { sum: v, abs: Math.abs(v) }; }),
    };
  },

  infer(w) {
    const m = models[w.model];
    const p = m.params(w);
    const x = modelInput(w);
    // The logits are read back to JS, as an application would.
    const predict = () => tf.tidy(() => m.forward(p, x).dataSync());
    return { run: predict, check: () => fingerprint(predict()) };
  },
};

await serve({
  hello: { framework: `tfjs-${backend}`, version: tf.version.tfjs, versions, threads },
  setup: (w, t) => {
    if (!threads.includes(t)) throw new Unsupported(`runs at ${threads.join('/')} thread(s) only`);
    return setups[w.kind](w);
  },
});
