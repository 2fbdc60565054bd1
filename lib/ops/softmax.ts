// softmax and logSoftmax along one dimension: max-shifted in the native kernel, with a fused
// backward from the output.
import { record } from '../autograd.js';
import { native } from '../native.js';
import { normalizeDim, prod } from '../shape.js';
import { Tensor } from '../tensor.js';
import { contiguousFloat } from './unary.js';
import { checkTensor } from './util.js';

function softmaxImpl(op: string, log: boolean, x: Tensor, dim: number): Tensor {
  checkTensor(op, 'input', x);
  if (typeof dim !== 'number') throw new TypeError(`${op}: expected an integer for dim but received ${String(dim)}`);
  const shape = x.ndim === 0 ? [1] : x.shape;
  const d = normalizeDim(op, dim, shape.length);
  const outer = prod(shape, 0, d), r = shape[d], inner = prod(shape, d + 1, shape.length);
  const src = contiguousFloat(op, x);
  const out = Tensor._empty(x.shape);
  native.softmax(log, out._handle(op), 0, src._handle(op), src._offset, outer, r, inner);
  if (src !== x) src.dispose();
  return record(op, out, [x], (g) => {
    const gc = contiguousFloat(op, g);
    const gi = Tensor._empty(x.shape);
    native.softmaxBackward(log, gi._handle(op), 0, gc._handle(op), gc._offset, out._handle(op), out._offset, outer, r, inner);
    return [gi];
  }, [out]);
}

/** exp(x) / sum(exp(x)) along `dim`. */
export function softmax(x: Tensor, dim: number): Tensor {
  return softmaxImpl('softmax', false, x, dim);
}

/** x - logsumexp(x) along `dim`: the log of softmax without its underflow. */
export function logSoftmax(x: Tensor, dim: number): Tensor {
  return softmaxImpl('logSoftmax', true, x, dim);
}
