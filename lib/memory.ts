// Deterministic memory management: tidy() scopes free every tensor created inside them that
// is not returned or kept; dispose() frees one tensor now. A GC finalizer on the storage frees
// whatever is dropped without either (see storage.ts).
import { native } from './native.js';
import type { Tensor } from './tensor.js';

const scopes: Tensor[][] = [];

/** Called by the Tensor constructor: the innermost tidy scope owns the new tensor. */
export function trackTensor(t: Tensor): void {
  if (scopes.length > 0) scopes[scopes.length - 1].push(t);
}

function collectTensors(value: unknown, into: Set<Tensor>, seen: Set<unknown>, TensorClass: Function): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  if (value instanceof TensorClass) {
    into.add(value as Tensor);
    return;
  }
  if (Array.isArray(value)) {
    for (const v of value) collectTensors(v, into, seen, TensorClass);
    return;
  }
  if (value instanceof Map) {
    for (const v of value.values()) collectTensors(v, into, seen, TensorClass);
    return;
  }
  if (Object.getPrototypeOf(value) === Object.prototype) {
    for (const v of Object.values(value)) collectTensors(v, into, seen, TensorClass);
  }
}

let tensorClass: Function | null = null;
export function registerTensorClass(cls: Function): void {
  tensorClass = cls;
}

/**
 * Runs `fn` and frees every tensor it created, except the ones it returns (directly or inside
 * arrays, plain objects and Maps) and the ones passed to `keep()`. Returned tensors belong to
 * the enclosing scope. Gradients stored on parameters during `backward()` survive.
 *
 * @example
 * const loss = keel.tidy(() => {
 *   const y = model.forward(x);          // intermediates freed at the end
 *   return lossFn(y, target);           // ...but the result is kept
 * });
 */
export function tidy<T>(fn: () => T): T {
  if (typeof fn !== 'function') throw new TypeError(`tidy: expected a function for fn but received ${typeof fn}`);
  const scope: Tensor[] = [];
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (err) {
    scopes.pop();
    for (const t of scope) if (!t._kept) t.dispose();
    throw err;
  }
  scopes.pop();
  if (result instanceof Promise) {
    for (const t of scope) if (!t._kept) t.dispose();
    throw new TypeError('tidy: fn must be synchronous (it returned a Promise); tensors would be freed before it settles');
  }
  const returned = new Set<Tensor>();
  collectTensors(result, returned, new Set(), tensorClass!);
  const parent = scopes.length > 0 ? scopes[scopes.length - 1] : null;
  for (const t of scope) {
    if (returned.has(t)) {
      if (parent) parent.push(t);
    } else if (!t._kept) {
      t.dispose();
    }
  }
  return result;
}

/** Exempts `t` from every enclosing tidy scope (it must then be disposed by hand, or by GC). */
export function keep<T extends Tensor>(t: T): T {
  t._kept = true;
  return t;
}

/** Frees the given tensors (or tensors inside arrays/objects) now. */
export function dispose(value: unknown): void {
  const found = new Set<Tensor>();
  collectTensors(value, found, new Set(), tensorClass!);
  for (const t of found) t.dispose();
}

export interface MemoryInfo {
  /** Native storage blocks alive (tensors; views share their base's block). */
  numTensors: number;
  /** Bytes in those blocks. */
  numBytes: number;
  /** Freed blocks kept for reuse, and their bytes. */
  pooledBlocks: number;
  pooledBytes: number;
  /** The most bytes the pool keeps (see setPoolLimit). */
  poolLimit: number;
}

/** Live tensor storage in this thread, and the reuse pool. */
export function memory(): MemoryInfo {
  const s = native.storageStats();
  return { numTensors: s.live, numBytes: s.bytes, pooledBlocks: s.pooled, pooledBytes: s.pooledBytes, poolLimit: s.poolLimit };
}

/** Sets how many bytes of freed storage are kept for reuse (0 turns the pool off). */
export function setPoolLimit(bytes: number): void {
  if (typeof bytes !== 'number' || !Number.isSafeInteger(bytes) || bytes < 0) {
    throw new TypeError(`setPoolLimit: expected a non-negative integer for bytes but received ${String(bytes)}`);
  }
  native.storagePoolLimit(bytes);
}
