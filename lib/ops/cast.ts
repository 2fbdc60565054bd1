// dtype conversion: float32 <-> int32 (truncating toward zero, as PyTorch's .int()).
import { native } from '../native.js';
import { type DType, Tensor } from '../tensor.js';
import { checkDtype, checkTensor } from './util.js';

/** @internal A contiguous copy of `t` in `dtype` (no autograd: int32 has no gradient). */
export function castTo(t: Tensor, dtype: DType): Tensor {
  const op = 'to';
  if (t.dtype === dtype) return t._materialize(op);
  const src = t._contiguous ? t : t._materialize(op);
  const out = Tensor._empty(t.shape, dtype);
  native.cast(dtype === 'int32', out._handle(op), 0, src._handle(op), src._offset, t.numel());
  if (src !== t) src.dispose();
  return out;
}

/** This tensor in `dtype`: itself if it already is (as PyTorch's `.to`), else a converted copy. */
export function to(t: Tensor, dtype: DType): Tensor {
  checkTensor('to', 'input', t);
  const d = checkDtype('to', dtype);
  return t.dtype === d ? t : castTo(t, d);
}
