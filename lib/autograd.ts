// Reverse-mode autograd on a define-by-run tape. Each differentiable op calls record() with
// its output, its inputs and a backward closure (written beside the op's forward in
// lib/ops/); backward() walks the recorded graph in reverse topological order.
import { tidy } from './memory.js';
import { formatShape } from './shape.js';
import { nextStorageSerial } from './storage.js';
import { Tensor as TensorClass, type Tensor } from './tensor.js';
import { describeValue } from './validate.js';

let gradEnabled = true;

/** Whether ops currently record the graph. */
export function isGradEnabled(): boolean {
  return gradEnabled;
}

/**
 * Runs `fn` without recording the graph (evaluation, optimizer steps), like `torch.no_grad()`.
 *
 * @example
 * const pred = keel.noGrad(() => model.forward(x));
 */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/** Runs `fn` with graph recording on (inside a noGrad block). */
export function enableGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = true;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

export type BackwardFn = (grad: Tensor) => Array<Tensor | null>;

/** One recorded op: the inputs it read and how to send a gradient back to them. */
export class GradNode {
  readonly name: string;
  /** @internal Inputs that require grad (null where one does not). */ _inputs: Array<Tensor | null>;
  /** @internal */ _backward: BackwardFn | null;
  /** @internal Tensors the backward reads, with their versions at record time. */ _saved: Tensor[];
  /** @internal */ _savedVersions: number[];
  /** @internal Shape of the output (for checks). */ _outShape: readonly number[];

  constructor(name: string, inputs: Array<Tensor | null>, backward: BackwardFn, saved: Tensor[], outShape: readonly number[]) {
    this.name = name;
    this._inputs = inputs;
    this._backward = backward;
    this._saved = saved;
    this._savedVersions = saved.map((t) => t._storage.version);
    this._outShape = outShape;
  }

  /** Drops the closure and the references it held, so saved tensors can be collected. */
  _release(): void {
    this._backward = null;
    this._inputs = [];
    this._saved = [];
  }
}

/**
 * Records `out = op(inputs)` when grad mode is on and some input requires grad. `backward`
 * maps the gradient of `out` to one gradient per input (null for none); `saved` lists the
 * tensors it reads, whose in-place modification before backward() is then reported.
 */
export function record(name: string, out: Tensor, inputs: ReadonlyArray<Tensor | null | undefined>, backward: BackwardFn, saved: Tensor[] = []): Tensor {
  if (!gradEnabled) return out;
  let any = false;
  for (const t of inputs) if (t && t._requiresGrad) any = true;
  if (!any) return out;
  out._gradFn = new GradNode(name, inputs.map((t) => (t && t._requiresGrad ? t : null)), backward, saved, out.shape);
  out._requiresGrad = true;
  return out;
}

/** Reverse topological order of the graph behind `root` (iterative: RNN graphs are deep). */
function topologicalOrder(root: GradNode): GradNode[] {
  const order: GradNode[] = [];
  const visited = new Set<GradNode>();
  const stack: Array<[GradNode, number]> = [[root, 0]];
  visited.add(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const [node, i] = top;
    if (i < node._inputs.length) {
      top[1]++;
      const next = node._inputs[i]?._gradFn;
      if (next && !visited.has(next)) {
        visited.add(next);
        stack.push([next, 0]);
      }
    } else {
      stack.pop();
      order.push(node);
    }
  }
  return order.reverse();
}

export interface BackwardOptions {
  /** Keep the graph so backward() can run through it again. */
  retainGraph?: boolean;
}

/**
 * Computes gradients of `root` with respect to every leaf that requires grad and adds them
 * into the leaves' `.grad`. `gradient` is d(something)/d(root); it defaults to 1 for a scalar.
 */
export function backward(root: Tensor, gradient?: Tensor | null, options: BackwardOptions = {}): void {
  root._handle('backward');
  if (!root._requiresGrad) {
    throw new Error('backward: the tensor does not require grad and has no gradFn');
  }
  if (gradient == null && root.numel() !== 1) {
    throw new Error(`backward: grad can be implicitly created only for scalar outputs (shape ${formatShape(root.shape)})`);
  }
  if (gradient != null) {
    if (!(gradient instanceof TensorClass)) {
      throw new TypeError(`backward: expected a Tensor for gradient but received ${describeValue(gradient)}`);
    }
    gradient._handle('backward');
    if (gradient.dtype !== 'float32') {
      throw new TypeError(`backward: expected a float32 gradient but received ${gradient.dtype}`);
    }
    if (gradient.shape.length !== root.shape.length || gradient.shape.some((d, i) => d !== root.shape[i])) {
      throw new RangeError(`backward: mismatch in shape: gradient has shape ${formatShape(gradient.shape)} and the output has shape ${formatShape(root.shape)}`);
    }
  }
  const retain = options.retainGraph === true;
  // Gradients assigned to leaves must outlive this call; everything else made here is freed.
  const assigned = new Set<object>();
  const firstSerial = nextStorageSerial();
  tidy(() => {
    const seed = gradient != null ? gradient : onesLike(root);
    const prev = gradEnabled;
    gradEnabled = false;
    try {
      if (root._gradFn === null) {
        accumulateLeaf(root, seed, assigned, firstSerial);
        return;
      }
      const grads = new Map<GradNode, Tensor>();
      grads.set(root._gradFn, seed);
      for (const node of topologicalOrder(root._gradFn)) {
        const g = grads.get(node);
        grads.delete(node);
        if (g === undefined) continue;
        if (node._backward === null) {
          throw new Error(
            `backward: trying to backward through the graph a second time (at ${node.name}); ` +
              'pass { retainGraph: true } to the first backward() to keep it',
          );
        }
        for (let i = 0; i < node._saved.length; i++) {
          const t = node._saved[i];
          if (t._disposed) throw new Error(`backward: a tensor saved by ${node.name} for the gradient has been disposed`);
          if (t._storage.version !== node._savedVersions[i]) {
            throw new Error(
              `backward: a tensor saved by ${node.name} (shape ${formatShape(t.shape)}) was modified by an in-place ` +
                'operation after it was used; clone() it before modifying',
            );
          }
        }
        const inputGrads = node._backward(g);
        for (let i = 0; i < node._inputs.length; i++) {
          const input = node._inputs[i];
          const gi = inputGrads[i];
          if (!input || !gi) continue;
          if (input.numel() !== gi.numel()) {
            throw new Error(`backward: ${node.name} produced a gradient of shape ${formatShape(gi.shape)} for an input of shape ${formatShape(input.shape)}`);
          }
          if (input._gradFn) {
            const prevGrad = grads.get(input._gradFn);
            grads.set(input._gradFn, prevGrad ? addTensors(prevGrad, gi) : gi);
          } else {
            accumulateLeaf(input, gi, assigned, firstSerial);
          }
        }
        if (!retain) node._release();
      }
    } finally {
      gradEnabled = prev;
    }
  });
}

// These are filled in by ops/ (autograd cannot import them without a cycle).
export const hooks = {
  add: null as null | ((a: Tensor, b: Tensor) => Tensor),
  addInPlace: null as null | ((a: Tensor, b: Tensor) => void),
  ones: null as null | ((shape: readonly number[]) => Tensor),
  reshape: null as null | ((t: Tensor, shape: readonly number[]) => Tensor),
  clone: null as null | ((t: Tensor) => Tensor),
};

function addTensors(a: Tensor, b: Tensor): Tensor {
  return hooks.add!(a, b);
}

function onesLike(t: Tensor): Tensor {
  return hooks.ones!(t.shape);
}


// Gradients reach leaves as tensors the graph may still use (add's backward hands the same
// tensor to both inputs, one maybe a leaf), so a leaf never takes ownership of a tensor it
// could share: it clones anything made before this backward or already given to another leaf,
// and accumulates out of place into a gradient assigned during this backward. Only a gradient
// left from an earlier backward is updated in place.
function accumulateLeaf(leaf: Tensor, g: Tensor, assigned: Set<object>, firstSerial: number): void {
  if (!leaf._requiresGrad) return;
  if (g.shape.length !== leaf.shape.length || !g.shape.every((d, i) => d === leaf.shape[i])) g = hooks.reshape!(g, leaf.shape);
  const current = leaf.grad;
  if (current && !current._disposed) {
    if (assigned.has(current._storage)) {
      const sum = hooks.add!(current, g);
      current._kept = false;
      sum._kept = true;
      assigned.add(sum._storage);
      leaf.grad = sum;
    } else {
      hooks.addInPlace!(current, g);
    }
    return;
  }
  // Fresh storage means allocated during this backward: views of the caller's gradient (a
  // reshape's backward returns one) are new tensors on old storage.
  const own = g._storage._serial < firstSerial || assigned.has(g._storage) || !g._contiguous ? hooks.clone!(g) : g;
  own._kept = true;
  assigned.add(own._storage);
  leaf.grad = own;
}
