// One LSTM or GRU layer direction over a whole sequence as a single autograd op on the fused
// native kernels (native/kernels/rnn): forward saves the activated gates and the states of every
// step, backward runs through time natively. nn.LSTM and nn.GRU stack these per layer and
// direction.
import { isGradEnabled, record } from '../autograd.js';
import { native } from '../native.js';
import { formatShape } from '../shape.js';
import { params, Tensor } from '../tensor.js';
import { add } from '../ops/binary.js';
import { tensor } from '../ops/creation.js';
import { contiguousFloat } from '../ops/unary.js';
import { checkTensor } from '../ops/util.js';

export interface RecurrentLayerOptions {
  /** Run from the last time step to the first (the backward direction of a bidirectional layer). */
  reverse?: boolean;
  /** Per batch element, the number of valid steps (1..T): later steps keep the state and output 0. */
  lengths?: readonly number[] | null;
}
/** @deprecated The same as RecurrentLayerOptions (it serves gruLayer too). */
export type LstmLayerOptions = RecurrentLayerOptions;

export interface LstmLayerResult {
  output: Tensor; // [T, B, H]
  hN: Tensor; // [B, H]
  cN: Tensor; // [B, H]
}

// A region of `packed` seen as its own tensor (shares storage), with a backward that places the
// gradient back into a zero tensor of packed's shape (natively: a copy through a JS array cost
// 10% of an LSTM layer's forward + backward).
function region(packed: Tensor, offset: number, shape: number[], name: string): Tensor {
  const view = Tensor._view(packed, shape, null, packed._offset + offset);
  return record(name, view, [packed], (g) => {
    const full = Tensor._empty(packed.shape, 'float32', true);
    const gs = contiguousFloat(name, g);
    params[0] = 1; params[1] = gs.numel(); params[2] = 1; params[3] = 1; // rank 1, unit strides
    native.copy(full._handle(name), full._offset + offset, gs._handle(name), gs._offset);
    if (gs !== g) gs.dispose();
    return [full];
  });
}

/**
 * One direction of one LSTM layer (PyTorch's gate order i, f, g, o and weight layout) over the
 * sequence x [T, B, I], from state h0, c0 [B, H]. Differentiable in every tensor argument.
 */
export function lstmLayer(
  x: Tensor, h0: Tensor, c0: Tensor, wIh: Tensor, wHh: Tensor, bIh: Tensor | null, bHh: Tensor | null,
  options: RecurrentLayerOptions = {},
): LstmLayerResult {
  const op = 'lstm';
  for (const [name, t] of [['input', x], ['h0', h0], ['c0', c0], ['weightIh', wIh], ['weightHh', wHh]] as const) checkTensor(op, name, t);
  if (x.ndim !== 3) throw new RangeError(`${op}: expected input [T, B, I] but got shape ${formatShape(x.shape)}`);
  const [T, B, I] = x.shape;
  if (wIh.ndim !== 2 || wIh.shape[1] !== I || wIh.shape[0] % 4 !== 0) {
    throw new RangeError(`${op}: weightIh of shape ${formatShape(wIh.shape)} does not match input size ${I} (expected [4*H, ${I}])`);
  }
  const H = wIh.shape[0] / 4;
  if (wHh.ndim !== 2 || wHh.shape[0] !== 4 * H || wHh.shape[1] !== H) throw new RangeError(`${op}: weightHh of shape ${formatShape(wHh.shape)} should be [${4 * H}, ${H}]`);
  for (const [name, t] of [['h0', h0], ['c0', c0]] as const) {
    if (t.ndim !== 2 || t.shape[0] !== B || t.shape[1] !== H) throw new RangeError(`${op}: ${name} of shape ${formatShape(t.shape)} should be [${B}, ${H}]`);
  }
  for (const [name, t] of [['biasIh', bIh], ['biasHh', bHh]] as const) {
    if (t != null && (checkTensor(op, name, t).ndim !== 1 || t.shape[0] !== 4 * H)) throw new RangeError(`${op}: ${name} of shape ${formatShape(t.shape)} should be [${4 * H}]`);
  }
  const lengthsTensor = lengthsArg(op, options.lengths, T, B);
  const reverse = options.reverse === true;
  const xs = contiguousFloat(op, x), h0s = contiguousFloat(op, h0), c0s = contiguousFloat(op, c0);
  const wIhs = contiguousFloat(op, wIh), wHhs = contiguousFloat(op, wHh);
  const bias = bIh != null && bHh != null ? add(bIh.detach(), bHh.detach()) : bIh != null ? bIh.detach() : bHh != null ? bHh.detach() : null;
  const packed = Tensor._empty([T + 2, B, H]); // output rows, then hN, then cN
  // Internal to the native kernel, transposed and by time (native/kernels/rnn/lstm.h).
  const hStates = Tensor._empty([H, (T + 1) * B]), cStates = Tensor._empty([H, (T + 1) * B]), gates = Tensor._empty([4 * H, T * B]);
  const h = (t: Tensor | null): [number, number] => (t ? [t._handle(op), t._offset] : [0, 0]);
  const setShape = (): void => {
    params[0] = T; params[1] = B; params[2] = I; params[3] = H; params[4] = reverse ? 1 : 0;
  };
  setShape();
  native.lstm(0, ...h(packed), ...h(hStates), ...h(cStates), ...h(gates), ...h(xs), ...h(h0s), ...h(c0s), ...h(wIhs), ...h(wHhs), ...h(bias), ...h(lengthsTensor));
  // Only the forward call reads these (backward takes the weights and x afresh).
  disposeCopies([[xs, x], [h0s, h0], [c0s, c0], [wIhs, wIh], [wHhs, wHh]]);
  bias?.dispose();
  const inputs = [x, h0, c0, wIh, wHh, bIh, bHh];
  if (!records(inputs)) {
    for (const t of [hStates, cStates, gates, lengthsTensor]) t?.dispose();
  }
  const out = record(op, packed, inputs, (g) => {
    const gs = contiguousFloat(op, g);
    const dgates = Tensor._empty([4 * H, T * B]);
    const need = (t: Tensor | null): boolean => t != null && t.requiresGrad;
    const dx = need(x) ? Tensor._empty([T, B, I]) : null;
    const dh0 = need(h0) ? Tensor._empty([B, H]) : null;
    const dc0 = need(c0) ? Tensor._empty([B, H]) : null;
    const dwIh = need(wIh) ? Tensor._empty([4 * H, I]) : null;
    const dwHh = need(wHh) ? Tensor._empty([4 * H, H]) : null;
    const dBias = need(bIh) || need(bHh) ? Tensor._empty([4 * H]) : null;
    const wIhc = contiguousFloat(op, wIh), wHhc = contiguousFloat(op, wHh), xc = contiguousFloat(op, x);
    setShape();
    const go = gs._handle(op), off = gs._offset;
    native.lstm(1, ...h(dx), ...h(dh0), ...h(dc0), ...h(dwIh), ...h(dwHh), ...h(dBias), ...h(dgates),
      go, off, go, off + T * B * H, go, off + (T + 1) * B * H,
      ...h(xc), ...h(wIhc), ...h(wHhc), ...h(hStates), ...h(cStates), ...h(gates), ...h(lengthsTensor));
    return [dx, dh0, dc0, dwIh, dwHh, need(bIh) ? dBias : null, need(bHh) ? dBias : null];
  }, [hStates, cStates, gates]);
  const result = {
    output: region(out, 0, [T, B, H], 'lstm.output'),
    hN: region(out, T * B * H, [B, H], 'lstm.hN'),
    cN: region(out, (T + 1) * B * H, [B, H], 'lstm.cN'),
  };
  out.dispose(); // the regions hold its storage (and its graph node) from here on
  return result;
}

export interface GruLayerResult {
  output: Tensor; // [T, B, H]
  hN: Tensor; // [B, H]
}

/**
 * One direction of one GRU layer (PyTorch's gate order r, z, n and weight layout) over the
 * sequence x [T, B, I], from state h0 [B, H], on the fused native kernel. Differentiable in
 * every tensor argument.
 *
 * @example
 * const { output, hN } = gruLayer(x, h0, wIh, wHh, bIh, bHh, { reverse: true });
 */
export function gruLayer(
  x: Tensor, h0: Tensor, wIh: Tensor, wHh: Tensor, bIh: Tensor | null, bHh: Tensor | null,
  options: RecurrentLayerOptions = {},
): GruLayerResult {
  const op = 'gru';
  for (const [name, t] of [['input', x], ['h0', h0], ['weightIh', wIh], ['weightHh', wHh]] as const) checkTensor(op, name, t);
  if (x.ndim !== 3) throw new RangeError(`${op}: expected input [T, B, I] but got shape ${formatShape(x.shape)}`);
  const [T, B, I] = x.shape;
  if (wIh.ndim !== 2 || wIh.shape[1] !== I || wIh.shape[0] % 3 !== 0) {
    throw new RangeError(`${op}: weightIh of shape ${formatShape(wIh.shape)} does not match input size ${I} (expected [3*H, ${I}])`);
  }
  const H = wIh.shape[0] / 3;
  if (wHh.ndim !== 2 || wHh.shape[0] !== 3 * H || wHh.shape[1] !== H) throw new RangeError(`${op}: weightHh of shape ${formatShape(wHh.shape)} should be [${3 * H}, ${H}]`);
  if (h0.ndim !== 2 || h0.shape[0] !== B || h0.shape[1] !== H) throw new RangeError(`${op}: h0 of shape ${formatShape(h0.shape)} should be [${B}, ${H}]`);
  for (const [name, t] of [['biasIh', bIh], ['biasHh', bHh]] as const) {
    if (t != null && (checkTensor(op, name, t).ndim !== 1 || t.shape[0] !== 3 * H)) throw new RangeError(`${op}: ${name} of shape ${formatShape(t.shape)} should be [${3 * H}]`);
  }
  const lengthsTensor = lengthsArg(op, options.lengths, T, B);
  const reverse = options.reverse === true;
  const xs = contiguousFloat(op, x), h0s = contiguousFloat(op, h0);
  const wIhs = contiguousFloat(op, wIh), wHhs = contiguousFloat(op, wHh);
  const bIhs = bIh ? contiguousFloat(op, bIh) : null, bHhs = bHh ? contiguousFloat(op, bHh) : null;
  const packed = Tensor._empty([T + 1, B, H]); // output rows, then hN
  // Internal to the native kernel, transposed and by time (native/kernels/rnn/gru.h).
  const hStates = Tensor._empty([H, (T + 1) * B]), hn = Tensor._empty([H, (T + 1) * B]), gates = Tensor._empty([3 * H, T * B]);
  const h = (t: Tensor | null): [number, number] => (t ? [t._handle(op), t._offset] : [0, 0]);
  const setShape = (): void => {
    params[0] = T; params[1] = B; params[2] = I; params[3] = H; params[4] = reverse ? 1 : 0;
  };
  setShape();
  native.gru(0, ...h(packed), ...h(hStates), ...h(gates), ...h(hn), ...h(xs), ...h(h0s), ...h(wIhs), ...h(wHhs), ...h(bIhs), ...h(bHhs), ...h(lengthsTensor));
  // Only the forward call reads these (backward takes the weights and x afresh).
  disposeCopies([[xs, x], [h0s, h0], [wIhs, wIh], [wHhs, wHh], [bIhs, bIh], [bHhs, bHh]]);
  const inputs = [x, h0, wIh, wHh, bIh, bHh];
  if (!records(inputs)) {
    for (const t of [hStates, hn, gates, lengthsTensor]) t?.dispose();
  }
  const out = record(op, packed, inputs, (g) => {
    const gs = contiguousFloat(op, g);
    const dgx = Tensor._empty([3 * H, T * B]), dgh = Tensor._empty([3 * H, T * B]);
    const need = (t: Tensor | null): boolean => t != null && t.requiresGrad;
    const dx = need(x) ? Tensor._empty([T, B, I]) : null;
    const dh0 = need(h0) ? Tensor._empty([B, H]) : null;
    const dwIh = need(wIh) ? Tensor._empty([3 * H, I]) : null;
    const dwHh = need(wHh) ? Tensor._empty([3 * H, H]) : null;
    const dbIh = need(bIh) ? Tensor._empty([3 * H]) : null;
    const dbHh = need(bHh) ? Tensor._empty([3 * H]) : null;
    const wIhc = contiguousFloat(op, wIh), wHhc = contiguousFloat(op, wHh), xc = contiguousFloat(op, x);
    setShape();
    const go = gs._handle(op), off = gs._offset;
    native.gru(1, ...h(dx), ...h(dh0), ...h(dwIh), ...h(dwHh), ...h(dbIh), ...h(dbHh), ...h(dgx), ...h(dgh),
      go, off, go, off + T * B * H, ...h(xc), ...h(wIhc), ...h(wHhc), ...h(hStates), ...h(gates), ...h(hn), ...h(lengthsTensor));
    dgx.dispose();
    dgh.dispose();
    return [dx, dh0, dwIh, dwHh, dbIh, dbHh];
  }, [hStates, hn, gates]);
  const result = {
    output: region(out, 0, [T, B, H], 'gru.output'),
    hN: region(out, T * B * H, [B, H], 'gru.hN'),
  };
  out.dispose(); // the regions hold its storage (and its graph node) from here on
  return result;
}

// Whether record() will keep a graph node (and so the saved buffers) for these inputs.
function records(inputs: ReadonlyArray<Tensor | null>): boolean {
  return isGradEnabled() && inputs.some((t) => t?.requiresGrad);
}

// Disposes each contiguous copy made for a native call, never the caller's own tensor.
function disposeCopies(pairs: ReadonlyArray<[Tensor | null, Tensor | null]>): void {
  for (const [copy, original] of pairs) if (copy != null && copy !== original) copy.dispose();
}

// The optional per-batch lengths as an int32 tensor for the native kernels, or null.
function lengthsArg(op: string, lengths: readonly number[] | null | undefined, T: number, B: number): Tensor | null {
  if (lengths == null) return null;
  if (lengths.length !== B || lengths.some((v) => !Number.isInteger(v) || v < 1 || v > T)) {
    throw new RangeError(`${op}: lengths must hold ${B} integers in [1, ${T}] but received [${[...lengths].join(',')}]`);
  }
  return tensor(Int32Array.from(lengths));
}
