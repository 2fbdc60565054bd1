// Recurrent layers, PyTorch's nn.LSTM / nn.LSTMCell / nn.GRU / nn.GRUCell with camelCase
// options: the same parameter names and order (weight_ih_l0, weight_hh_l0, bias_ih_l0,
// bias_hh_l0, then the _reverse direction, then layer 1 ...), the same gate order in the packed
// weights (LSTM i, f, g, o; GRU r, z, n), the same shapes for input, hx, output and final state
// (batchFirst, unbatched input, bidirectional, projSize), and per-sequence `lengths` giving the
// results of PyTorch's pack_padded_sequence(enforce_sorted=False) + pad_packed_sequence.
//
// LSTM and GRU layers run on the fused native kernels (lstmLayer / gruLayer in
// ../rnn-functional.ts: one autograd op per layer and direction); LSTM with projSize and the
// cells are built from tensor ops (autograd records every step), with the input projection of
// all time steps as one GEMM. The op-based layers (lstmLayerOps, gruLayerOps) stay as the
// reference the fused ones are tested against.
import { tensor, zeros } from '../../ops/creation.js';
import { add, mul, sub, where } from '../../ops/binary.js';
import { sigmoid, tanh } from '../../ops/unary.js';
import { cat, chunk, contiguous, copy_, narrow, reshape, squeeze, stack, transpose, unsqueeze } from '../../ops/shape.js';
import { isGradEnabled, record } from '../../autograd.js';
import { formatShape } from '../../shape.js';
import { Tensor } from '../../tensor.js';
import { describeValue } from '../../validate.js';
import * as F from '../functional.js';
import { uniform_ } from '../init.js';
import { Module } from '../module.js';
import { gruLayer, lstmLayer } from '../rnn-functional.js';
import { checkBool, checkInput, checkNonNegativeInt, checkPositiveInt } from './utils.js';

// ---------------------------------------------------------------- one layer, one direction

export interface RnnLayerOptions {
  /** Run t = T-1 ... 0 (the backward direction of a bidirectional layer). */
  reverse?: boolean;
  /**
   * Valid length of each batch element (each in 1..T): steps t >= lengths[b] leave b's state
   * unchanged and write zeros to output[t, b]; the final state is each sequence's last valid
   * one (in reverse, sequence b is processed from t = lengths[b]-1 down to 0).
   */
  lengths?: readonly number[] | null;
}

/** Per-step [B, 1] float masks (1 where t < lengths[b]); null when every sequence is full. */
function stepMasks(T: number, B: number, lengths: readonly number[] | null | undefined): Tensor[] | null {
  if (!lengths || lengths.every((l) => l >= T)) return null;
  const masks: Tensor[] = [];
  for (let t = 0; t < T; t++) {
    const m = new Float32Array(B);
    for (let b = 0; b < B; b++) m[b] = t < lengths[b] ? 1 : 0;
    masks.push(tensor(m, { shape: [B, 1] }));
  }
  return masks;
}

/**
 * [T, ...] -> T views [...] sharing x's storage. Each piece's backward writes its gradient
 * into one shared [T, ...] buffer that reaches x once (through a single 'unbind' node that
 * runs after every piece), so backward costs O(T) rather than a full-size gradient per step.
 */
function unbind0(x: Tensor): Tensor[] {
  const op = 'unbind';
  const [T, ...rest] = x.shape;
  const n = rest.reduce((a, b) => a * b, 1);
  const xc = x.isContiguous() ? x : contiguous(x);
  if (!isGradEnabled() || !xc.requiresGrad) {
    const pieces = Array.from({ length: T }, (_, t) => Tensor._view(xc, rest, null, xc._offset + t * n));
    if (xc !== x) xc.dispose(); // the views keep the storage
    return pieces;
  }
  // The shared gradient buffer; the first piece to run backward hands it on, the sink resets.
  let acc: Tensor | null = null;
  let delivered = false;
  const sink = record(op, Tensor._view(xc, xc.shape, null), [xc], (g) => {
    acc = null;
    delivered = false;
    return [g];
  });
  return Array.from({ length: T }, (_, t) => record(`${op}.select`, Tensor._view(sink, rest, null, sink._offset + t * n), [sink], (g) => {
    if (acc === null) acc = Tensor._empty(xc.shape, 'float32', true);
    const slot = Tensor._view(acc, rest, null, t * n);
    copy_(slot, g);
    slot.dispose();
    if (delivered) return [null];
    delivered = true;
    return [acc];
  }));
}

/**
 * One direction of one LSTM layer over a sequence, from tensor ops. x [T, B, I], h0 [B, P]
 * (P = projection size, else H), c0 [B, H], wIh [4H, I], wHh [4H, P], biases [4H], wHr [P, H]
 * or null. Returns output [T, B, P] and the final hN [B, P], cN [B, H].
 */
export function lstmLayerOps(
  x: Tensor, h0: Tensor, c0: Tensor, wIh: Tensor, wHh: Tensor, bIh: Tensor | null, bHh: Tensor | null, wHr: Tensor | null,
  options: RnnLayerOptions = {},
): { output: Tensor; hN: Tensor; cN: Tensor } {
  const [T, B] = x.shape;
  const masks = stepMasks(T, B, options.lengths);
  const xs = unbind0(F.linear(x, wIh, bIh));
  let h = h0, c = c0;
  const outs: Tensor[] = new Array<Tensor>(T);
  for (let k = 0; k < T; k++) {
    const t = options.reverse ? T - 1 - k : k;
    const gates = add(xs[t], F.linear(h, wHh, bHh));
    const [gi, gf, gg, go] = chunk(gates, 4, 1);
    const cNew = add(mul(sigmoid(gf), c), mul(sigmoid(gi), tanh(gg)));
    let hNew = mul(sigmoid(go), tanh(cNew));
    if (wHr) hNew = F.linear(hNew, wHr);
    if (masks) {
      const m = masks[t];
      outs[t] = mul(hNew, m);
      h = where(m, hNew, h);
      c = where(m, cNew, c);
    } else {
      outs[t] = hNew;
      h = hNew;
      c = cNew;
    }
  }
  return { output: stack(outs, 0), hN: h, cN: c };
}

/**
 * One direction of one GRU layer over a sequence, from tensor ops. x [T, B, I], h0 [B, H],
 * wIh [3H, I], wHh [3H, H], biases [3H] (gate order r, z, n). Returns output [T, B, H], hN [B, H].
 */
export function gruLayerOps(
  x: Tensor, h0: Tensor, wIh: Tensor, wHh: Tensor, bIh: Tensor | null, bHh: Tensor | null, options: RnnLayerOptions = {},
): { output: Tensor; hN: Tensor } {
  const [T, B] = x.shape;
  const masks = stepMasks(T, B, options.lengths);
  const xs = unbind0(F.linear(x, wIh, bIh));
  let h = h0;
  const outs: Tensor[] = new Array<Tensor>(T);
  for (let k = 0; k < T; k++) {
    const t = options.reverse ? T - 1 - k : k;
    const hNew = gruStep(xs[t], h, wHh, bHh);
    if (masks) {
      const m = masks[t];
      outs[t] = mul(hNew, m);
      h = where(m, hNew, h);
    } else {
      outs[t] = hNew;
      h = hNew;
    }
  }
  return { output: stack(outs, 0), hN: h };
}

/** h' = (1 - z) n + z h from the input projection gx = W_ih x + b_ih [B, 3H]. */
function gruStep(gx: Tensor, h: Tensor, wHh: Tensor, bHh: Tensor | null): Tensor {
  const gh = F.linear(h, wHh, bHh);
  const [xr, xz, xn] = chunk(gx, 3, 1);
  const [hr, hz, hn] = chunk(gh, 3, 1);
  const r = sigmoid(add(xr, hr));
  const z = sigmoid(add(xz, hz));
  const n = tanh(add(xn, mul(r, hn)));
  return add(n, mul(z, sub(h, n)));
}

function lstmStep(x: Tensor, h: Tensor, c: Tensor, wIh: Tensor, wHh: Tensor, bIh: Tensor | null, bHh: Tensor | null): [Tensor, Tensor] {
  const gates = add(F.linear(x, wIh, bIh), F.linear(h, wHh, bHh));
  const [gi, gf, gg, go] = chunk(gates, 4, 1);
  const cNew = add(mul(sigmoid(gf), c), mul(sigmoid(gi), tanh(gg)));
  return [mul(sigmoid(go), tanh(cNew)), cNew];
}

// ---------------------------------------------------------------- argument checks

function checkTensorArg(op: string, name: string, t: unknown): Tensor {
  if (!(t instanceof Tensor)) throw new TypeError(`${op}: expected a Tensor for ${name} but received ${describeValue(t)}`);
  if (t.isDisposed) throw new Error(`${op}: ${name} of shape ${formatShape(t.shape)} has been disposed`);
  if (t.dtype !== 'float32') throw new TypeError(`${op}: expected a float32 tensor for ${name} but received ${t.dtype}`);
  return t;
}

function checkShapeIs(op: string, name: string, t: Tensor, want: readonly number[]): void {
  if (t.ndim !== want.length || t.shape.some((s, i) => s !== want[i])) {
    throw new RangeError(`${op}: expected ${name} of shape ${formatShape(want)} but got ${formatShape(t.shape)}`);
  }
}

function checkLengths(op: string, lengths: unknown, T: number, B: number): number[] | null {
  if (lengths === undefined || lengths === null) return null;
  let arr: number[];
  if (lengths instanceof Tensor) arr = Array.from(lengths.toTypedArray());
  else if (Array.isArray(lengths) || ArrayBuffer.isView(lengths)) arr = Array.from(lengths as ArrayLike<number>);
  else throw new TypeError(`${op}: expected an array of numbers for lengths but received ${describeValue(lengths)}`);
  if (arr.length !== B) throw new RangeError(`${op}: expected ${B} lengths (one per batch element) but got ${arr.length}`);
  for (const [b, l] of arr.entries()) {
    if (typeof l !== 'number' || !Number.isInteger(l) || l < 1 || l > T) {
      throw new RangeError(`${op}: lengths[${b}] must be an integer in 1..${T} (the sequence length) but received ${describeValue(l)}`);
    }
  }
  return arr;
}

// ---------------------------------------------------------------- LSTM / GRU

export interface RNNOptions {
  /** Stacked layers (default 1). */
  numLayers?: number;
  /** Learn biases b_ih and b_hh (default true). */
  bias?: boolean;
  /** Input and output are [B, T, features] instead of [T, B, features] (default false). */
  batchFirst?: boolean;
  /** Dropout probability on the outputs of each layer except the last, in training mode (default 0). */
  dropout?: number;
  /** Run a second layer over the reversed sequence and concatenate both outputs (default false). */
  bidirectional?: boolean;
}

export interface LSTMOptions extends RNNOptions {
  /** Project each hidden state to this size with weight_hr (default 0: no projection). */
  projSize?: number;
}

export interface RNNForwardOptions {
  /**
   * Valid length of each batch element (in 1..T, any order): the result equals PyTorch's on
   * pack_padded_sequence(input, lengths, enforce_sorted=False) followed by pad_packed_sequence
   * with total_length T (padding steps give zero outputs and leave the state unchanged).
   */
  lengths?: readonly number[] | null;
}

type Mode = 'LSTM' | 'GRU';

/** Shared by LSTM and GRU: options, parameters and the layer/direction loop. */
abstract class RNNBase extends Module {
  readonly mode: Mode;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;
  readonly projSize: number;
  /** Parameter names per layer and direction, in PyTorch's order (`_flat_weights_names`). */
  readonly allWeightNames: string[][] = [];

  constructor(mode: Mode, inputSize: number, hiddenSize: number, options: LSTMOptions) {
    super();
    const op = mode;
    if (options === null || typeof options !== 'object') throw new TypeError(`${op}: expected an options object but received ${describeValue(options)}`);
    this.mode = mode;
    this.inputSize = checkNonNegativeInt(op, 'inputSize', inputSize);
    this.hiddenSize = checkPositiveInt(op, 'hiddenSize', hiddenSize);
    this.numLayers = checkPositiveInt(op, 'numLayers', options.numLayers ?? 1);
    this.bias = checkBool(op, 'bias', options.bias ?? true);
    this.batchFirst = checkBool(op, 'batchFirst', options.batchFirst ?? false);
    this.bidirectional = checkBool(op, 'bidirectional', options.bidirectional ?? false);
    const dropout = options.dropout ?? 0;
    if (typeof dropout !== 'number' || !(dropout >= 0 && dropout <= 1)) {
      throw new RangeError(`${op}: dropout should be a number in range [0, 1] representing the probability of an element being zeroed, but got ${describeValue(dropout)}`);
    }
    this.dropout = dropout;
    this.projSize = checkNonNegativeInt(op, 'projSize', options.projSize ?? 0);
    if (mode !== 'LSTM' && this.projSize !== 0) throw new Error(`${op}: projSize argument is only supported for LSTM, not ${mode}`);
    if (this.projSize >= this.hiddenSize && this.projSize > 0) {
      throw new RangeError(`${op}: projSize (${this.projSize}) has to be smaller than hiddenSize (${this.hiddenSize})`);
    }
    const gateSize = (mode === 'LSTM' ? 4 : 3) * this.hiddenSize;
    const D = this.bidirectional ? 2 : 1;
    const realH = this.projSize > 0 ? this.projSize : this.hiddenSize;
    for (let l = 0; l < this.numLayers; l++) {
      for (let d = 0; d < D; d++) {
        const layerInput = l === 0 ? this.inputSize : realH * D;
        const sfx = `_l${l}${d === 1 ? '_reverse' : ''}`;
        const names: string[] = [];
        const reg = (name: string, shape: number[]): void => {
          this.registerParameter(name + sfx, Tensor._empty(shape));
          names.push(name + sfx);
        };
        reg('weight_ih', [gateSize, layerInput]);
        reg('weight_hh', [gateSize, realH]);
        if (this.bias) {
          reg('bias_ih', [gateSize]);
          reg('bias_hh', [gateSize]);
        }
        if (this.projSize > 0) reg('weight_hr', [this.projSize, this.hiddenSize]);
        this.allWeightNames.push(names);
      }
    }
    this.resetParameters();
  }

  /** PyTorch's init: every parameter uniform in ±1/sqrt(hiddenSize). */
  resetParameters(): void {
    const bound = 1 / Math.sqrt(this.hiddenSize);
    for (const p of this.parameters()) uniform_(p, -bound, bound);
  }

  /** The parameters per layer and direction, in PyTorch's order (`all_weights`). */
  get allWeights(): Tensor[][] {
    return this.allWeightNames.map((names) => names.map((n) => this._parameters.get(n)!));
  }

  /** @internal The parameters of layer l, direction d. */
  protected layerWeights(l: number, d: number): { wIh: Tensor; wHh: Tensor; bIh: Tensor | null; bHh: Tensor | null; wHr: Tensor | null } {
    const sfx = `_l${l}${d === 1 ? '_reverse' : ''}`;
    const p = (n: string): Tensor | null => this._parameters.get(n + sfx) ?? null;
    return { wIh: p('weight_ih')!, wHh: p('weight_hh')!, bIh: p('bias_ih'), bHh: p('bias_hh'), wHr: p('weight_hr') };
  }

  /**
   * @internal Checks and normalizes the input to [T, B, I] and the initial states to
   * [D * numLayers, B, size] (zeros when absent); runs `step(l, d, layerInput, states)` for
   * every layer and direction; and shapes the results back.
   */
  protected run(
    input: unknown, hx: Array<Tensor | null> | null, stateSizes: number[], stateNames: string[], lengthsArg: unknown,
    layer: (l: number, d: number, x: Tensor, states: Tensor[], lengths: number[] | null) => { output: Tensor; states: Tensor[] },
  ): { output: Tensor; states: Tensor[] } {
    const op = this.mode;
    const x0 = checkInput(op, input);
    if (x0.dtype !== 'float32') throw new TypeError(`${op}: expected a float32 input but received ${x0.dtype}`);
    if (x0.ndim !== 2 && x0.ndim !== 3) {
      throw new RangeError(`${op}: Expected input to be 2-D (unbatched) or 3-D (batched), got ${x0.ndim}-D input of shape ${formatShape(x0.shape)}`);
    }
    if (x0.shape[x0.ndim - 1] !== this.inputSize) {
      throw new RangeError(`${op}: input.size(-1) must be equal to inputSize. Expected ${this.inputSize}, got ${x0.shape[x0.ndim - 1]} (input shape ${formatShape(x0.shape)})`);
    }
    const batched = x0.ndim === 3;
    const batchDim = this.batchFirst ? 0 : 1;
    let x = batched ? x0 : unsqueeze(x0, batchDim);
    if (this.batchFirst) x = transpose(x, 0, 1);
    const [T, B] = x.shape;
    if (T === 0) throw new RangeError(`${op}: expected a non-empty sequence but got input of shape ${formatShape(x0.shape)}`);
    const lengths = checkLengths(op, lengthsArg, T, B);
    const D = this.bidirectional ? 2 : 1;
    const L = this.numLayers;
    // Initial states [D*L, B, size].
    const init: Tensor[] = stateSizes.map((size, k) => {
      const given = hx ? hx[k] : null;
      const want = [D * L, B, size];
      if (given === null || given === undefined) return zeros(want);
      const t = checkTensorArg(op, stateNames[k], given);
      if (!batched) {
        if (t.ndim !== 2) {
          throw new RangeError(`${op}: for unbatched 2-D input, ${stateNames[k]} should also be 2-D but got a ${t.ndim}-D tensor of shape ${formatShape(t.shape)}`);
        }
        checkShapeIs(op, stateNames[k], t, [D * L, size]);
        return unsqueeze(t, 1);
      }
      if (t.ndim !== 3) {
        throw new RangeError(`${op}: for batched 3-D input, ${stateNames[k]} should also be 3-D but got a ${t.ndim}-D tensor of shape ${formatShape(t.shape)}`);
      }
      checkShapeIs(op, stateNames[k], t, want);
      return t;
    });
    const finals: Tensor[][] = stateSizes.map(() => []);
    let layerInput = x;
    for (let l = 0; l < L; l++) {
      const outs: Tensor[] = [];
      for (let d = 0; d < D; d++) {
        const idx = l * D + d;
        const states = init.map((s) => reshape(narrow(s, 0, idx, 1), s.shape.slice(1)));
        const res = layer(l, d, layerInput, states, lengths);
        outs.push(res.output);
        res.states.forEach((s, k) => finals[k].push(s));
      }
      layerInput = D === 1 ? outs[0] : cat(outs, 2);
      if (this.dropout > 0 && this.training && l < L - 1) layerInput = F.dropout(layerInput, { p: this.dropout, training: true });
    }
    let output = layerInput;
    if (this.batchFirst) output = transpose(output, 0, 1);
    if (!batched) output = squeeze(output, batchDim);
    const states = finals.map((list) => {
      const s = stack(list, 0);
      return batched ? s : squeeze(s, 1);
    });
    return { output, states };
  }

  override extraRepr(): string {
    let s = `${this.inputSize}, ${this.hiddenSize}`;
    if (this.projSize !== 0) s += `, projSize=${this.projSize}`;
    if (this.numLayers !== 1) s += `, numLayers=${this.numLayers}`;
    if (!this.bias) s += ', bias=false';
    if (this.batchFirst) s += ', batchFirst=true';
    if (this.dropout !== 0) s += `, dropout=${this.dropout}`;
    if (this.bidirectional) s += ', bidirectional=true';
    return s;
  }
}

/**
 * Multi-layer long short-term memory, PyTorch's nn.LSTM:
 *   i = σ(W_ii x + b_ii + W_hi h + b_hi), f = σ(W_if x + b_if + W_hf h + b_hf),
 *   g = tanh(W_ig x + b_ig + W_hg h + b_hg), o = σ(W_io x + b_io + W_ho h + b_ho),
 *   c' = f * c + i * g, h' = o * tanh(c') (then h' = W_hr h' with projSize).
 * `forward(input, [h0, c0]?, {lengths?})` returns `[output, [hN, cN]]`: output [T, B, D*P]
 * ([B, T, D*P] with batchFirst), hN [D*numLayers, B, P], cN [D*numLayers, B, H], where D is 2
 * when bidirectional and P is projSize or hiddenSize. Unbatched input [T, inputSize] works too.
 *
 * @example
 * const lstm = new nn.LSTM(10, 20, { numLayers: 2 });
 * const [output, [hN, cN]] = lstm.forward(keel.randn([5, 3, 10]));
 * output.shape; // [5, 3, 20]
 */
export class LSTM extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, options: LSTMOptions = {}) {
    super('LSTM', inputSize, hiddenSize, options);
  }

  override forward(input: Tensor, hx?: readonly [Tensor, Tensor] | null, options: RNNForwardOptions = {}): [Tensor, [Tensor, Tensor]] {
    const op = 'LSTM';
    if (hx !== undefined && hx !== null && (!Array.isArray(hx) || hx.length !== 2)) {
      throw new TypeError(`${op}: expected hx to be an array [h0, c0] but received ${describeValue(hx)}`);
    }
    const P = this.projSize > 0 ? this.projSize : this.hiddenSize;
    const { output, states } = this.run(input, hx ? [hx[0], hx[1]] : null, [P, this.hiddenSize], ['hx[0] (h0)', 'hx[1] (c0)'], options?.lengths,
      (l, d, x, [h0, c0], lengths) => {
        const w = this.layerWeights(l, d);
        const layerOptions = { reverse: d === 1, lengths };
        // The fused native kernel, except with a projection (weight_hr), which it lacks.
        const r = w.wHr
          ? lstmLayerOps(x, h0, c0, w.wIh, w.wHh, w.bIh, w.bHh, w.wHr, layerOptions)
          : lstmLayer(x, h0, c0, w.wIh, w.wHh, w.bIh, w.bHh, layerOptions);
        return { output: r.output, states: [r.hN, r.cN] };
      });
    return [output, [states[0], states[1]]];
  }
}

/**
 * Multi-layer gated recurrent unit, PyTorch's nn.GRU:
 *   r = σ(W_ir x + b_ir + W_hr h + b_hr), z = σ(W_iz x + b_iz + W_hz h + b_hz),
 *   n = tanh(W_in x + b_in + r * (W_hn h + b_hn)), h' = (1 - z) * n + z * h.
 * `forward(input, h0?, {lengths?})` returns `[output, hN]` with LSTM's shapes.
 *
 * @example
 * const gru = new nn.GRU(10, 20, { bidirectional: true, batchFirst: true });
 * const [output, hN] = gru.forward(keel.randn([3, 5, 10]));
 * output.shape; // [3, 5, 40]; hN.shape: [2, 3, 20]
 */
export class GRU extends RNNBase {
  constructor(inputSize: number, hiddenSize: number, options: RNNOptions = {}) {
    if (options && typeof options === 'object' && (options as LSTMOptions).projSize) {
      throw new Error('GRU: projSize argument is only supported for LSTM, not GRU');
    }
    super('GRU', inputSize, hiddenSize, { ...options, projSize: 0 });
  }

  override forward(input: Tensor, hx?: Tensor | null, options: RNNForwardOptions = {}): [Tensor, Tensor] {
    const { output, states } = this.run(input, [hx ?? null], [this.hiddenSize], ['hx'], options?.lengths, (l, d, x, [h0], lengths) => {
      const w = this.layerWeights(l, d);
      const r = gruLayer(x, h0, w.wIh, w.wHh, w.bIh, w.bHh, { reverse: d === 1, lengths });
      return { output: r.output, states: [r.hN] };
    });
    return [output, states[0]];
  }
}

// ---------------------------------------------------------------- cells

abstract class RNNCellBase extends Module {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly bias: boolean;
  declare weightIh: Tensor;
  declare weightHh: Tensor;
  declare biasIh: Tensor | null;
  declare biasHh: Tensor | null;

  constructor(op: string, inputSize: number, hiddenSize: number, gates: number, options: { bias?: boolean }) {
    super();
    if (options === null || typeof options !== 'object') throw new TypeError(`${op}: expected an options object but received ${describeValue(options)}`);
    this.inputSize = checkNonNegativeInt(op, 'inputSize', inputSize);
    this.hiddenSize = checkPositiveInt(op, 'hiddenSize', hiddenSize);
    this.bias = checkBool(op, 'bias', options.bias ?? true);
    this.registerParameter('weight_ih', Tensor._empty([gates * hiddenSize, inputSize]));
    this.registerParameter('weight_hh', Tensor._empty([gates * hiddenSize, hiddenSize]));
    this.registerParameter('bias_ih', this.bias ? Tensor._empty([gates * hiddenSize]) : null);
    this.registerParameter('bias_hh', this.bias ? Tensor._empty([gates * hiddenSize]) : null);
    this.resetParameters();
  }

  /** PyTorch's init: every parameter uniform in ±1/sqrt(hiddenSize). */
  resetParameters(): void {
    const bound = 1 / Math.sqrt(this.hiddenSize);
    for (const p of this.parameters()) uniform_(p, -bound, bound);
  }

  /** @internal Input as [B, I] (batched false for a 1-D input) and each state as [B, H]. */
  protected prepare(op: string, input: unknown, hx: Array<Tensor | null>, names: string[]): { x: Tensor; states: Tensor[]; batched: boolean } {
    const x0 = checkInput(op, input);
    if (x0.dtype !== 'float32') throw new TypeError(`${op}: expected a float32 input but received ${x0.dtype}`);
    if (x0.ndim !== 1 && x0.ndim !== 2) {
      throw new RangeError(`${op}: Expected input to be 1-D (unbatched) or 2-D (batched), got ${x0.ndim}-D input of shape ${formatShape(x0.shape)}`);
    }
    if (x0.shape[x0.ndim - 1] !== this.inputSize) {
      throw new RangeError(`${op}: input has inconsistent input size: got ${x0.shape[x0.ndim - 1]}, expected ${this.inputSize} (input shape ${formatShape(x0.shape)})`);
    }
    const batched = x0.ndim === 2;
    const x = batched ? x0 : unsqueeze(x0, 0);
    const B = x.shape[0];
    const states = hx.map((h, k) => {
      if (h === null || h === undefined) return zeros([B, this.hiddenSize]);
      const t = checkTensorArg(op, names[k], h);
      const want = batched ? [B, this.hiddenSize] : [this.hiddenSize];
      if (t.ndim !== want.length) {
        throw new RangeError(`${op}: for ${batched ? 'batched 2-D' : 'unbatched 1-D'} input, ${names[k]} should be ${want.length}-D but got shape ${formatShape(t.shape)}`);
      }
      checkShapeIs(op, names[k], t, want);
      return batched ? t : unsqueeze(t, 0);
    });
    return { x, states, batched };
  }

  override extraRepr(): string {
    return `${this.inputSize}, ${this.hiddenSize}${this.bias ? '' : ', bias=false'}`;
  }
}

/**
 * One LSTM step, PyTorch's nn.LSTMCell: `forward(input, [h, c]?)` returns `[h', c']`; input
 * [B, inputSize] or [inputSize], states [B, hiddenSize] or [hiddenSize] (zeros when absent).
 */
export class LSTMCell extends RNNCellBase {
  constructor(inputSize: number, hiddenSize: number, options: { bias?: boolean } = {}) {
    super('LSTMCell', inputSize, hiddenSize, 4, options);
  }

  override forward(input: Tensor, hx?: readonly [Tensor, Tensor] | null): [Tensor, Tensor] {
    const op = 'LSTMCell';
    if (hx !== undefined && hx !== null && (!Array.isArray(hx) || hx.length !== 2)) {
      throw new TypeError(`${op}: expected hx to be an array [h, c] but received ${describeValue(hx)}`);
    }
    const { x, states, batched } = this.prepare(op, input, hx ? [hx[0], hx[1]] : [null, null], ['hx[0] (h)', 'hx[1] (c)']);
    const [h, c] = lstmStep(x, states[0], states[1], this.weightIh, this.weightHh, this.biasIh, this.biasHh);
    return batched ? [h, c] : [squeeze(h, 0), squeeze(c, 0)];
  }
}

/**
 * One GRU step, PyTorch's nn.GRUCell: `forward(input, h?)` returns h'; input [B, inputSize]
 * or [inputSize], h [B, hiddenSize] or [hiddenSize] (zeros when absent).
 */
export class GRUCell extends RNNCellBase {
  constructor(inputSize: number, hiddenSize: number, options: { bias?: boolean } = {}) {
    super('GRUCell', inputSize, hiddenSize, 3, options);
  }

  override forward(input: Tensor, hx?: Tensor | null): Tensor {
    const { x, states, batched } = this.prepare('GRUCell', input, [hx ?? null], ['hx']);
    const h = gruStep(F.linear(x, this.weightIh, this.biasIh), states[0], this.weightHh, this.biasHh);
    return batched ? h : squeeze(h, 0);
  }
}
