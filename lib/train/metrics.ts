// Classification metrics computed from logits (or scores) [N, C] and integer targets [N]:
// accuracy, top-k accuracy, and a confusion matrix with per-class precision and recall.
// They read values back to JS once per batch; the counting is cheap next to the model.
import { formatShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { describeValue } from '../validate.js';

function checkPair(op: string, output: Tensor, target: Tensor): { n: number; c: number } {
  if (!(output instanceof Tensor)) throw new TypeError(`${op}: expected a Tensor for output but received ${describeValue(output)}`);
  if (!(target instanceof Tensor)) throw new TypeError(`${op}: expected a Tensor for target but received ${describeValue(target)}`);
  if (output.ndim !== 2) throw new RangeError(`${op}: expected output of shape [N, C] but received ${formatShape(output.shape)}`);
  if (target.ndim !== 1 || target.shape[0] !== output.shape[0]) {
    throw new RangeError(`${op}: expected target of shape [${output.shape[0]}] for output ${formatShape(output.shape)} but received ${formatShape(target.shape)}`);
  }
  return { n: output.shape[0], c: output.shape[1] };
}

function targetValues(op: string, target: Tensor, classes: number): ArrayLike<number> {
  const y = target.toTypedArray();
  for (let i = 0; i < y.length; i++) {
    if (!Number.isInteger(y[i]) || y[i] < 0 || y[i] >= classes) {
      throw new RangeError(`${op}: target[${i}] = ${y[i]} is not a class index in [0, ${classes})`);
    }
  }
  return y;
}

/**
 * For each sample, how many classes score strictly higher than the target class (0 = the
 * prediction is right). Ties count in the target's favour, so a constant output is "right";
 * NaN scores never beat the target, but a NaN target score ranks last.
 */
export function targetRanks(output: Tensor, target: Tensor, op = 'targetRanks'): Int32Array {
  const { n, c } = checkPair(op, output, target);
  const y = targetValues(op, target, c);
  const scores = output.toFloat32Array();
  const ranks = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const row = i * c;
    const s = scores[row + y[i]];
    if (Number.isNaN(s)) {
      ranks[i] = c;
      continue;
    }
    let above = 0;
    for (let k = 0; k < c; k++) if (scores[row + k] > s) above++;
    ranks[i] = above;
  }
  return ranks;
}

/** Fraction of samples whose highest-scoring class is the target. */
export function accuracy(output: Tensor, target: Tensor): number {
  return topKAccuracy(output, target, 1);
}

/** Fraction of samples whose target is among the k highest-scoring classes. */
export function topKAccuracy(output: Tensor, target: Tensor, k: number): number {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`topKAccuracy: expected a positive integer for k but received ${describeValue(k)}`);
  const ranks = targetRanks(output, target, 'topKAccuracy');
  if (ranks.length === 0) return NaN;
  let hits = 0;
  for (let i = 0; i < ranks.length; i++) if (ranks[i] < k) hits++;
  return hits / ranks.length;
}

/** Index of the largest score per row (the first on ties), read back as an Int32Array. */
export function predictions(output: Tensor): Int32Array {
  if (!(output instanceof Tensor) || output.ndim !== 2) {
    throw new RangeError(`predictions: expected output of shape [N, C] but received ${output instanceof Tensor ? formatShape(output.shape) : describeValue(output)}`);
  }
  const [n, c] = output.shape;
  const scores = output.toFloat32Array();
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestScore = scores[i * c];
    for (let k = 1; k < c; k++) {
      const s = scores[i * c + k];
      if (s > bestScore || (Number.isNaN(bestScore) && !Number.isNaN(s))) {
        best = k;
        bestScore = s;
      }
    }
    out[i] = best;
  }
  return out;
}

/**
 * Counts of (true class, predicted class) pairs. Rows are true classes, columns predictions.
 *
 * @example
 * const cm = new keel.train.ConfusionMatrix(10);
 * cm.update(model.forward(x), y);
 * console.log(cm.toString(), cm.recall());
 */
export class ConfusionMatrix {
  readonly numClasses: number;
  readonly counts: Int32Array;

  constructor(numClasses: number) {
    if (!Number.isInteger(numClasses) || numClasses < 1 || numClasses > 100000) {
      throw new RangeError(`ConfusionMatrix: expected a positive integer (at most 100000) for numClasses but received ${describeValue(numClasses)}`);
    }
    this.numClasses = numClasses;
    this.counts = new Int32Array(numClasses * numClasses);
  }

  /** Adds a batch: output [N, C] scores (C = numClasses) and integer targets [N]. */
  update(output: Tensor, target: Tensor): void {
    const { c } = checkPair('ConfusionMatrix.update', output, target);
    if (c !== this.numClasses) throw new RangeError(`ConfusionMatrix.update: output has ${c} classes but the matrix has ${this.numClasses}`);
    const y = targetValues('ConfusionMatrix.update', target, c);
    const p = predictions(output);
    for (let i = 0; i < p.length; i++) this.counts[y[i] * c + p[i]]++;
  }

  /** Count of samples of class `actual` predicted as `predicted`. */
  get(actual: number, predicted: number): number {
    return this.counts[actual * this.numClasses + predicted];
  }

  get total(): number {
    let s = 0;
    for (const v of this.counts) s += v;
    return s;
  }

  accuracy(): number {
    let right = 0;
    for (let k = 0; k < this.numClasses; k++) right += this.get(k, k);
    return right / this.total;
  }

  /** Per class: of the samples predicted as k, the fraction that are k (NaN if none). */
  precision(): number[] {
    return Array.from({ length: this.numClasses }, (_, k) => {
      let col = 0;
      for (let a = 0; a < this.numClasses; a++) col += this.get(a, k);
      return this.get(k, k) / col;
    });
  }

  /** Per class: of the samples of class k, the fraction predicted as k (NaN if none). */
  recall(): number[] {
    return Array.from({ length: this.numClasses }, (_, k) => {
      let row = 0;
      for (let p = 0; p < this.numClasses; p++) row += this.get(k, p);
      return this.get(k, k) / row;
    });
  }

  /** The matrix as nested arrays, rows = true classes. */
  toArray(): number[][] {
    return Array.from({ length: this.numClasses }, (_, a) => Array.from(this.counts.subarray(a * this.numClasses, (a + 1) * this.numClasses)));
  }

  /** A fixed-width table with class labels (default 0..C-1) and per-class recall. */
  toString(labels?: readonly string[]): string {
    const names = labels ?? Array.from({ length: this.numClasses }, (_, k) => String(k));
    if (names.length !== this.numClasses) throw new RangeError(`ConfusionMatrix.toString: expected ${this.numClasses} labels but received ${names.length}`);
    const width = Math.max(5, ...names.map((s) => s.length), ...Array.from(this.counts, (v) => String(v).length)) + 1;
    const pad = (s: string): string => s.padStart(width);
    const recall = this.recall();
    const lines = [pad('true\\pred') + names.map(pad).join('') + pad('recall')];
    for (let a = 0; a < this.numClasses; a++) {
      const row = Array.from(this.counts.subarray(a * this.numClasses, (a + 1) * this.numClasses), (v) => pad(String(v))).join('');
      lines.push(pad(names[a]) + row + pad(Number.isNaN(recall[a]) ? '-' : recall[a].toFixed(3)));
    }
    return lines.join('\n');
  }
}
