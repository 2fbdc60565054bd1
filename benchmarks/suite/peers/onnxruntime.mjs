// ONNX Runtime worker (onnxruntime-node, CPU execution provider): the inference workloads, on
// models that peers/torch_peer.py exported from PyTorch with the suite's shared weights
// (`--models DIR` holds lenet5.onnx and resnet20.onnx). One session per thread count, with
// intraOpNumThreads set to it and sequential execution (no inter-op pool).
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fingerprint, uniform } from '../data.mjs';
import { serve, Unsupported } from './harness.mjs';

const require = createRequire(import.meta.url);
const ort = require('onnxruntime-node');
const modelsDir = process.argv[process.argv.indexOf('--models') + 1];

await serve({
  hello: { framework: 'onnxruntime', version: ort.env.versions?.node ?? 'unknown', threads: [1, 2] },
  async setup(w, threads) {
    if (w.kind !== 'infer') throw new Unsupported('ONNX Runtime runs the exported inference models only');
    const file = path.join(modelsDir, `${w.model}.onnx`);
    if (!existsSync(file)) throw new Unsupported(`no ONNX export of ${w.model} (torch.onnx.export failed or PyTorch is missing)`);
    const session = await ort.InferenceSession.create(file, {
      executionProviders: ['cpu'], intraOpNumThreads: threads, interOpNumThreads: 1,
      executionMode: 'sequential', graphOptimizationLevel: 'all',
    });
    const shape = w.model === 'resnet20' ? [w.batch, 3, 32, 32] : [w.batch, 1, 28, 28];
    const x = new ort.Tensor('float32', uniform(`${w.name}:x`, shape.reduce((a, b) => a * b)), shape);
    // run() resolves to output tensors whose data is already in JS memory.
    const predict = async () => (await session.run({ x })).logits.data;
    return { run: predict, check: async () => fingerprint(await predict()) };
  },
});
