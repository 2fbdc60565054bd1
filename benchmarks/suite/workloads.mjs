// The suite's workloads, as data. Each is sent whole to every framework's worker, which builds
// the same computation from these fields (and the shared data of data.mjs) in its own API.
//
// Fields: name (what --filter matches), group, kind and its sizes, `threads` (the thread
// counts it is measured at), `unit` (what one timed call is worth: flops, samples or one call)
// and `metric` (what the table shows), `quick` (part of the --quick subset).
//
// Metrics and their direction: GFLOP/s, samples/s (higher is better); ms (lower is better).

const MACHINE_THREADS = [1, 2];

// GEMM: square sizes and the shapes training presents to it (batch x in x out of the MLP's
// layers; the LSTM's input projection for all steps and its per-step recurrent product in the
// row-major form frameworks use; the 3x3 64->64 convolution as an im2col product).
const gemmShapes = [
  ...[64, 128, 256, 512, 1024, 2048].map((s) => ({ m: s, k: s, n: s, label: `${s}` })),
  { m: 128, k: 784, n: 512, label: '128x784x512', note: 'MLP layer 1, batch 128' },
  { m: 128, k: 512, n: 256, label: '128x512x256', note: 'MLP layer 2, batch 128' },
  { m: 1120, k: 256, n: 1024, label: '1120x256x1024', note: 'LSTM input projection, 35 steps x batch 32' },
  { m: 32, k: 256, n: 1024, label: '32x256x1024', note: 'batch-32 layer 256->1024 (row-major LSTM recurrent step)' },
  { m: 32768, k: 576, n: 64, label: '32768x576x64', note: 'conv 3x3 64->64 on 32x32, batch 32, as im2col' },
];

/**
 * Operand sets a GEMM rotates through so small sizes are not flattered by a warm cache:
 * enough to pass 4 MiB (beyond L2), at most 16 — the same count for every framework.
 */
function gemmSets({ m, k, n }) {
  return Math.max(1, Math.min(16, Math.floor((4 << 20) / (4 * (m * k + k * n + m * n)))));
}

export const workloads = [
  ...gemmShapes.map((s) => ({
    name: `gemm-${s.label}`, group: 'gemm', kind: 'gemm', m: s.m, k: s.k, n: s.n, sets: gemmSets(s), note: s.note,
    threads: MACHINE_THREADS, unit: { flops: 2 * s.m * s.k * s.n }, metric: 'GFLOP/s',
    quick: s.label === '256' || s.label === '128x784x512',
  })),
  // Conv2d (PyTorch layout NCHW; TensorFlow.js runs its native NHWC on the same values).
  ...[false, true].flatMap((backward) => [
    {
      name: `conv-64x64-32x32-3x3-${backward ? 'fwd-bwd' : 'fwd'}`, group: 'conv', kind: 'conv', backward,
      n: 32, cin: 64, cout: 64, h: 32, w: 32, kernel: 3, padding: 1, note: 'N=32, 64->64, 32x32, 3x3, pad 1',
      threads: MACHINE_THREADS, unit: { calls: 1 }, metric: 'ms', quick: false,
    },
    {
      name: `conv-lenet1-${backward ? 'fwd-bwd' : 'fwd'}`, group: 'conv', kind: 'conv', backward,
      n: 64, cin: 1, cout: 6, h: 28, w: 28, kernel: 5, padding: 2, note: "LeNet-5's first layer: N=64, 1->6, 28x28, 5x5, pad 2",
      threads: MACHINE_THREADS, unit: { calls: 1 }, metric: 'ms', quick: !backward, // TF.js CPU: 3 s a call backward
    },
  ]),
  // One LSTM layer as torch.nn.LSTM(256, 256): seq 35, batch 32, zero initial state.
  ...[false, true].map((backward) => ({
    name: `lstm-256-${backward ? 'fwd-bwd' : 'fwd'}`, group: 'lstm', kind: 'lstm', backward,
    seq: 35, batch: 32, input: 256, hidden: 256, note: 'seq 35, batch 32, 256->256',
    threads: MACHINE_THREADS, unit: { calls: 1 }, metric: 'ms', quick: false,
  })),
  // Training: one optimizer step per call (forward, cross-entropy loss, backward, update).
  {
    name: 'train-mlp-adam', group: 'train', kind: 'train', model: 'mlp', batch: 128, optimizer: 'adam', lr: 1e-3,
    note: 'MLP 784-512-256-10, Adam, batch 128', threads: MACHINE_THREADS, unit: { samples: 128 }, metric: 'samples/s', quick: true,
  },
  {
    name: 'train-lenet5-sgd', group: 'train', kind: 'train', model: 'lenet5', batch: 64, optimizer: 'sgd', lr: 0.01, momentum: 0.9,
    note: 'LeNet-5 on 1x28x28, SGD momentum 0.9, batch 64', threads: MACHINE_THREADS, unit: { samples: 64 }, metric: 'samples/s', quick: false,
  },
  {
    name: 'train-charlstm-adam', group: 'train', kind: 'train', model: 'charlstm', batch: 32, seq: 35, vocab: 64, embed: 64, hidden: 128,
    optimizer: 'adam', lr: 1e-3, note: 'Embedding 64x64 -> LSTM 64->128 -> Linear 128->64, seq 35, batch 32, Adam (sample = one sequence)',
    threads: MACHINE_THREADS, unit: { samples: 32 }, metric: 'samples/s', quick: false,
  },
  // Inference (eval mode, no autograd, logits read back to JS): batch-1 latency, batch-64 throughput.
  ...['lenet5', 'resnet20'].flatMap((model) => [
    {
      name: `infer-${model}-b1`, group: 'infer', kind: 'infer', model, batch: 1,
      note: `${model === 'lenet5' ? 'LeNet-5, 1x28x28' : 'ResNet-20 (CIFAR, option A shortcuts), 3x32x32'}, batch 1`,
      threads: MACHINE_THREADS, unit: { calls: 1 }, metric: 'ms', quick: model === 'lenet5',
    },
    {
      name: `infer-${model}-b64`, group: 'infer', kind: 'infer', model, batch: 64,
      note: `${model === 'lenet5' ? 'LeNet-5' : 'ResNet-20'}, batch 64`,
      threads: MACHINE_THREADS, unit: { samples: 64 }, metric: 'samples/s', quick: model === 'lenet5',
    },
  ]),
];

/** The figure a workload's table cell shows, from seconds per call. */
export function metricValue(workload, secondsPerCall) {
  const u = workload.unit;
  if (u.flops) return u.flops / secondsPerCall / 1e9;
  if (u.samples) return u.samples / secondsPerCall;
  return secondsPerCall * 1e3;
}

/** True when a larger figure is better (rates); false for times. */
export function higherIsBetter(workload) {
  return workload.metric !== 'ms';
}
