// Native memory for tensors: 64-byte aligned, its size reported to V8, freed by `dispose()` or,
// if the owner forgets, by a GC finalizer. JS holds only a numeric handle; a JS view of the
// bytes is made on demand and keeps the memory alive while it is reachable.
import { native } from './native.js';
import { describeValue, typeError } from './validate.js';

// Fallback for storage that is dropped without dispose(). Deterministic disposal unregisters,
// so the finalizer never frees a handle twice (and the native table rejects stale handles).
const finalizer = new FinalizationRegistry<number>((handle) => {
  native.storageFree(handle);
});

export class NativeStorage {
  /** Handle into the native storage table; 0 after dispose. */
  #handle: number;
  readonly byteLength: number;
  /** Tensors sharing this storage (a base and its views); the last release frees it. */
  #refs = 1;
  /** Bumped by every in-place write, shared by all views, checked by autograd. */
  version = 0;

  private constructor(handle: number, byteLength: number) {
    this.#handle = handle;
    this.byteLength = byteLength;
    finalizer.register(this, handle, this);
  }

  /**
   * Allocates `byteLength` bytes of native memory (zero-filled unless `zero: false`).
   *
   * @example
   * const s = NativeStorage.allocate(4 * 1024);
   * s.float32().fill(1);
   * s.dispose();
   */
  static allocate(byteLength: number, options: { zero?: boolean } = {}): NativeStorage {
    if (typeof byteLength !== 'number') {
      throw typeError('NativeStorage.allocate', 'a non-negative integer', 'byteLength', byteLength);
    }
    if (!Number.isSafeInteger(byteLength) || byteLength < 0) {
      throw new RangeError(
        `NativeStorage.allocate: expected a non-negative integer for byteLength but received ${describeValue(byteLength)}`,
      );
    }
    const handle = native.storageAlloc(byteLength, options.zero ?? true);
    return new NativeStorage(handle, byteLength);
  }

  /** @internal Allocation without argument checks, for tensor ops (sizes come from shapes). */
  static _create(byteLength: number, zero: boolean): NativeStorage {
    return new NativeStorage(native.storageAlloc(byteLength, zero), byteLength);
  }

  /** @internal Another tensor (a view) now shares this storage. */
  _retain(): void {
    this.#refs++;
  }

  /** @internal A sharing tensor is done with it; frees the memory when none is left. */
  _release(): void {
    if (--this.#refs <= 0) this.dispose();
  }

  /** @internal The handle without the disposed check (0 once disposed). */
  get _rawHandle(): number {
    return this.#handle;
  }

  get handle(): number {
    if (this.#handle === 0) throw new Error('NativeStorage: used after dispose()');
    return this.#handle;
  }

  get disposed(): boolean {
    return this.#handle === 0;
  }

  /**
   * An ArrayBuffer over the native bytes, or over `byteLength` bytes from `byteOffset` (no
   * copy). It stays valid after dispose(). One view covers at most 4 GiB (Node's ArrayBuffer
   * limit); read larger storage through several.
   */
  arrayBuffer(byteOffset = 0, byteLength?: number): ArrayBuffer {
    return native.storageView(this.handle, byteOffset, byteLength);
  }

  /** A Float32Array over the native bytes (no copy). */
  float32(): Float32Array {
    return new Float32Array(this.arrayBuffer(), 0, Math.floor(this.byteLength / 4));
  }

  /** Frees the native memory now. Safe to call twice. */
  dispose(): void {
    if (this.#handle === 0) return;
    finalizer.unregister(this);
    native.storageFree(this.#handle);
    this.#handle = 0;
  }
}

/** Native storage blocks alive in this thread, and their bytes. */
export function storageStats(): { live: number; bytes: number } {
  const { live, bytes } = native.storageStats();
  return { live, bytes };
}
