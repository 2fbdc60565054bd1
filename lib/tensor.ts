// The Tensor: a shape, a dtype and a view into native storage, plus the autograd fields.
// Ops live in lib/ops/ (one family per file) and attach themselves to Tensor.prototype; this
// file holds what every op needs: construction, storage access and reading values back.
import type { GradNode } from './autograd.js';
import { registerTensorClass, trackTensor } from './memory.js';
import { native } from './native.js';
import { contiguousStrides, formatShape, normalizeDim, type Shape, sizeOf } from './shape.js';
import { NativeStorage } from './storage.js';

export type DType = 'float32' | 'int32';

/** Codes the native layer uses for dtypes. */
export const DTYPE_CODE: Readonly<Record<DType, number>> = { float32: 0, int32: 1 };

let nextId = 1;

/** @internal The id the next tensor will get (ids only grow). */
export function nextTensorId(): number {
  return nextId;
}

export class Tensor {
  /** Sizes of each dimension. */
  readonly shape: readonly number[];
  readonly dtype: DType;
  /** Gradient accumulated by backward() (leaves only). */
  grad: Tensor | null = null;
  /** @internal */ _storage: NativeStorage;
  /** @internal Element offset into the storage. */ _offset: number;
  /** @internal Element strides when not contiguous (after expand); null means contiguous. */ _stridesOrNull: readonly number[] | null;
  /** @internal */ _contiguous: boolean;
  /** @internal The op that produced this tensor, for backward(); null for leaves. */ _gradFn: GradNode | null = null;
  /** @internal */ _requiresGrad = false;
  /** @internal Exempt from tidy(). */ _kept = false;
  /** @internal */ _disposed = false;
  /** @internal Identity for graph bookkeeping. */ readonly _id: number;

  /** @internal Use the creation functions (tensor, zeros, ...) instead. */
  constructor(storage: NativeStorage, offset: number, shape: readonly number[], strides: readonly number[] | null, dtype: DType) {
    if (shape.length > 8) throw new RangeError(`tensors of more than 8 dimensions are not supported (shape ${formatShape(shape)})`);
    this._storage = storage;
    this._offset = offset;
    this.shape = shape;
    this.dtype = dtype;
    this._contiguous = strides === null || isContiguousLayout(shape, strides);
    this._stridesOrNull = this._contiguous ? null : strides;
    this._id = nextId++;
    trackTensor(this);
  }

  /** @internal A new contiguous tensor with fresh (uninitialized unless `zero`) storage. */
  static _empty(shape: readonly number[], dtype: DType = 'float32', zero = false): Tensor {
    const storage = NativeStorage._create(sizeOf(shape) * 4, zero);
    return new Tensor(storage, 0, shape, null, dtype);
  }

  /** @internal A view sharing `base`'s storage. */
  static _view(base: Tensor, shape: readonly number[], strides: readonly number[] | null, offset = base._offset): Tensor {
    base._storage._retain();
    return new Tensor(base._storage, offset, shape, strides, base.dtype);
  }

  /** @internal Element strides (computed on demand for contiguous tensors). */
  get _strides(): readonly number[] {
    return this._stridesOrNull ?? contiguousStrides(this.shape);
  }

  /** Whether backward() computes a gradient for this tensor. */
  get requiresGrad(): boolean {
    return this._requiresGrad;
  }

  set requiresGrad(value: boolean) {
    this.requiresGrad_(value);
  }

  /** Sets requiresGrad in place and returns this tensor (PyTorch's `requires_grad_`). */
  requiresGrad_(value = true): this {
    if (value && this.dtype !== 'float32') {
      throw new TypeError(`requiresGrad: only float32 tensors can require gradients (this one is ${this.dtype})`);
    }
    if (this._gradFn !== null && !value) {
      throw new Error('requiresGrad: you can only change requiresGrad of leaf tensors; use detach()');
    }
    this._requiresGrad = value;
    return this;
  }

  /** True for tensors not produced by a recorded op (inputs, parameters). */
  get isLeaf(): boolean {
    return this._gradFn === null;
  }

  /** The op that produced this tensor (its name), or null for a leaf. */
  get gradFn(): { name: string } | null {
    return this._gradFn;
  }

  get ndim(): number {
    return this.shape.length;
  }

  /** Number of dimensions (PyTorch's `dim()`). */
  dim(): number {
    return this.shape.length;
  }

  /** Total number of elements. */
  numel(): number {
    return sizeOf(this.shape);
  }

  /** The shape, or the size of one dimension. */
  size(): number[];
  size(dim: number): number;
  size(dim?: number): number[] | number {
    if (dim === undefined) return [...this.shape];
    return this.shape[normalizeDim('size', dim, this.shape.length)];
  }

  /** Element strides (PyTorch's `stride()`). */
  stride(): number[] {
    return [...this._strides];
  }

  isContiguous(): boolean {
    return this._contiguous;
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  /** @internal The storage handle, or an error naming `op` if the tensor was disposed. */
  _handle(op: string): number {
    const h = this._storage._rawHandle;
    if (this._disposed || h === 0) {
      throw new Error(`${op}: tensor of shape ${formatShape(this.shape)} has been disposed`);
    }
    return h;
  }

  /**
   * Frees this tensor's storage now (views of it keep the memory until they are disposed too).
   * Safe to call twice; using the tensor afterwards throws.
   */
  dispose(): void {
    if (this._disposed) return;
    this._disposed = true;
    this._storage._release();
    // Let go of the storage object: it may be recycled for another tensor. The gradFn stays:
    // backward() can still route gradients through a disposed intermediate it does not read.
    this._storage = DISPOSED_STORAGE;
  }

  /** Reads the values as a flat typed array in row-major order (a copy). */
  toTypedArray(): Float32Array | Int32Array {
    this._handle('toTypedArray');
    const n = this.numel();
    const out = this.dtype === 'float32' ? new Float32Array(n) : new Int32Array(n);
    if (n === 0) return out;
    if (this._contiguous) {
      native.storageRead(this._handle('toTypedArray'), this._offset * 4, out);
      return out;
    }
    const c = this._materialize('toTypedArray');
    try {
      native.storageRead(c._handle('toTypedArray'), 0, out);
    } finally {
      c.dispose();
    }
    return out;
  }

  /** The values as a Float32Array (int32 tensors are converted), row-major, a copy. */
  toFloat32Array(): Float32Array {
    const data = this.toTypedArray();
    return data instanceof Float32Array ? data : Float32Array.from(data);
  }

  /** Alias of toTypedArray() for TensorFlow.js users. */
  dataSync(): Float32Array | Int32Array {
    return this.toTypedArray();
  }

  /** The values as nested JS arrays (a number for a 0-d tensor). */
  toArray(): NestedArray {
    const data = this.toTypedArray();
    if (this.shape.length === 0) return data[0];
    let pos = 0;
    const build = (d: number): NestedArray => {
      const n = this.shape[d];
      const out: NestedArray[] = new Array(n);
      if (d === this.shape.length - 1) {
        for (let i = 0; i < n; i++) out[i] = data[pos++];
      } else {
        for (let i = 0; i < n; i++) out[i] = build(d + 1);
      }
      return out;
    };
    return build(0);
  }

  /** The value of a one-element tensor. */
  item(): number {
    if (this.numel() !== 1) {
      throw new RangeError(`item: a Tensor with ${this.numel()} elements cannot be converted to a number`);
    }
    const out = this.dtype === 'float32' ? new Float32Array(1) : new Int32Array(1);
    native.storageRead(this._handle('item'), this._offset * 4, out);
    return out[0];
  }

  /** @internal A contiguous copy of a strided tensor (no autograd). */
  _materialize(op: string): Tensor {
    const out = Tensor._empty(this.shape, this.dtype);
    writeStridedParams(this.shape, [contiguousStrides(this.shape), this._strides]);
    native.copy(out._handle(op), 0, this._handle(op), this._offset);
    return out;
  }

  /** PyTorch-style text: `tensor([[1.0000, 2.0000]], requiresGrad=true)`. */
  toString(): string {
    if (this._disposed) return `tensor(<disposed>, shape=${formatShape(this.shape)})`;
    return formatTensor(this);
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

export type NestedArray = number | NestedArray[];

const DISPOSED_STORAGE = NativeStorage._disposed();

registerTensorClass(Tensor);

function isContiguousLayout(shape: readonly number[], strides: readonly number[]): boolean {
  let expected = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    if (shape[d] !== 1 && strides[d] !== expected) return false;
    expected *= shape[d];
  }
  return true;
}

/** The shared parameter slots of the native layer (shapes and strides of the next call). */
export const params = new Float64Array(native.paramBuffer());

/** Writes [rank, shape, strides of each operand] into the parameter slots. */
export function writeStridedParams(shape: Shape, strides: ReadonlyArray<readonly number[]>): void {
  const rank = shape.length;
  if (rank > 8) throw new RangeError(`tensors of more than 8 dimensions are not supported (shape ${formatShape(shape)})`);
  params[0] = rank;
  for (let d = 0; d < rank; d++) params[1 + d] = shape[d];
  for (let k = 0; k < strides.length; k++) {
    const s = strides[k];
    for (let d = 0; d < rank; d++) params[1 + rank * (k + 1) + d] = s[d];
  }
}

// ---- printing ----

function formatNumber(v: number, dtype: DType, fixed: number | null): string {
  if (dtype === 'int32') return String(v);
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  // Two-digit exponents, as PyTorch prints them (1.0000e-05).
  return fixed === null ? v.toExponential(4).replace(/e([+-])(\d)$/, 'e$10$2') : v.toFixed(fixed);
}

function formatTensor(t: Tensor): string {
  const data = t.toTypedArray();
  // PyTorch picks fixed notation with 4 decimals unless magnitudes call for scientific.
  let maxAbs = 0, minAbs = Infinity, allInts = true;
  for (let i = 0; i < data.length; i++) {
    const a = Math.abs(data[i]);
    if (!Number.isFinite(a)) continue;
    if (a > maxAbs) maxAbs = a;
    if (a !== 0 && a < minAbs) minAbs = a;
    if (!Number.isInteger(data[i])) allInts = false;
  }
  const sci = t.dtype === 'float32' && (maxAbs >= 1e8 || (minAbs < 1e-4 && minAbs !== Infinity) || (maxAbs / minAbs > 1000 && !allInts && maxAbs > 1e3));
  const fixed = sci ? null : allInts ? 0 : 4;
  const texts = Array.from(data, (v) => {
    const s = formatNumber(v, t.dtype, fixed);
    return t.dtype === 'float32' && allInts && !sci && Number.isFinite(v) ? `${s}.` : s;
  });
  const width = texts.reduce((w, s) => Math.max(w, s.length), 0);
  const summarize = data.length > 1000;
  const indent = 'tensor('.length;
  let pos = 0;
  const render = (d: number): string => {
    if (t.shape.length === 0) return texts[0].padStart(width);
    const n = t.shape[d];
    const stride = sizeOf(t.shape.slice(d + 1));
    const parts: string[] = [];
    const showAll = !summarize || n <= 6;
    for (let i = 0; i < n; i++) {
      if (!showAll && i === 3) {
        parts.push('...');
        pos += (n - 6) * stride;
        i = n - 4;
        continue;
      }
      if (d === t.shape.length - 1) parts.push(texts[pos++].padStart(width));
      else parts.push(render(d + 1));
    }
    if (d === t.shape.length - 1) return `[${parts.join(', ')}]`;
    const sep = ',' + '\n'.repeat(t.shape.length - 1 - d) + ' '.repeat(indent + d + 1);
    return `[${parts.join(sep)}]`;
  };
  const body = render(0);
  const extras: string[] = [];
  if (t.dtype === 'int32') extras.push('dtype=int32');
  if (data.length === 0) extras.push(`size=${formatShape(t.shape)}`);
  if (t._gradFn) extras.push(`gradFn=<${t._gradFn.name}>`);
  else if (t.requiresGrad) extras.push('requiresGrad=true');
  return `tensor(${body}${extras.length ? ', ' + extras.join(', ') : ''})`;
}
