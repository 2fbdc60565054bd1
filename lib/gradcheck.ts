// Finite-difference gradient checking, for tests and for users writing their own ops.
import { backward, noGrad } from './autograd.js';
import { native } from './native.js';
import { formatShape } from './shape.js';
import { Tensor } from './tensor.js';

export interface GradcheckOptions {
  /** Perturbation size. float32 arithmetic makes 1e-6 (PyTorch's float64 default) useless. */
  eps?: number;
  atol?: number;
  rtol?: number;
  /** Throw a descriptive error on a mismatch (default) instead of returning false. */
  raiseException?: boolean;
}

// A fixed pseudo-random projection so one backward pass checks every output at once.
function projection(n: number): Float32Array {
  const v = new Float32Array(n);
  let s = 12345;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    v[i] = (s / 2 ** 32) * 2 - 1;
  }
  return v;
}

function dot(t: Tensor, v: Float32Array): number {
  const data = t.toFloat32Array();
  let acc = 0;
  for (let i = 0; i < data.length; i++) acc += data[i] * v[i];
  return acc;
}

/**
 * Compares the gradients backward() computes for `fn` at `inputs` with central finite
 * differences, for every input that requires grad. Inputs must be contiguous float32 leaves.
 *
 * @example
 * const x = keel.randn([3, 4], { requiresGrad: true });
 * keel.gradcheck((a) => a.tanh().sum({ dim: 1 }), [x]); // true
 */
export function gradcheck(fn: (...inputs: Tensor[]) => Tensor, inputs: Tensor[], options: GradcheckOptions = {}): boolean {
  const eps = options.eps ?? 1e-2, atol = options.atol ?? 1e-3, rtol = options.rtol ?? 1e-2;
  const raise = options.raiseException ?? true;
  for (const [i, x] of inputs.entries()) {
    if (!(x instanceof Tensor)) throw new TypeError(`gradcheck: inputs[${i}] is not a Tensor`);
    if (x.requiresGrad && (!x.isLeaf || !x.isContiguous() || x.dtype !== 'float32')) {
      throw new TypeError(`gradcheck: inputs[${i}] must be a contiguous float32 leaf`);
    }
  }
  const out = fn(...inputs);
  const v = projection(out.numel());
  const vt = new Tensor(Tensor._empty(out.shape)._storage, 0, out.shape, null, 'float32');
  native.storageWrite(vt._handle('gradcheck'), 0, v);
  const saved = inputs.map((x) => x.grad);
  inputs.forEach((x) => (x.grad = null));
  backward(out, vt);
  const analytic = inputs.map((x) => (x.requiresGrad && x.grad ? x.grad.toFloat32Array() : null));
  inputs.forEach((x, i) => {
    x.grad?.dispose();
    x.grad = saved[i];
  });
  out.dispose();
  vt.dispose();

  for (const [i, x] of inputs.entries()) {
    if (!x.requiresGrad) continue;
    const values = x.toFloat32Array();
    const n = values.length;
    const got = analytic[i] ?? new Float32Array(n);
    const one = new Float32Array(1);
    for (let j = 0; j < n; j++) {
      const orig = values[j];
      const evalAt = (value: number): number => {
        one[0] = value;
        native.storageWrite(x._handle('gradcheck'), (x._offset + j) * 4, one);
        return noGrad(() => {
          const y = fn(...inputs);
          const s = dot(y, v);
          y.dispose();
          return s;
        });
      };
      const plus = evalAt(orig + eps), minus = evalAt(orig - eps);
      one[0] = orig;
      native.storageWrite(x._handle('gradcheck'), (x._offset + j) * 4, one);
      // The step actually taken in float32 may differ from 2*eps.
      const step = Math.fround(orig + eps) - Math.fround(orig - eps);
      const numeric = (plus - minus) / step;
      if (!(Math.abs(numeric - got[j]) <= atol + rtol * Math.abs(numeric))) {
        if (!raise) return false;
        throw new Error(
          `gradcheck: Jacobian mismatch for inputs[${i}] (shape ${formatShape(x.shape)}) at element ${j}: ` +
            `numerical ${numeric.toPrecision(6)} vs analytical ${got[j].toPrecision(6)} (eps ${eps}, atol ${atol}, rtol ${rtol})`,
        );
      }
    }
  }
  return true;
}
