// Native memory for tensors: 64-byte aligned, its size reported to V8, freed by `dispose()` or,
// if the owner forgets, by a GC finalizer. JS holds only a numeric handle; a JS view of the
// bytes is made on demand and keeps the memory alive while it is reachable.
import { native } from './native.js';
import { describeValue, typeError } from './validate.js';

// Fallback for storage that is dropped without dispose(). The held value is a box, not the
// handle itself, so a storage object can be reused for a new allocation without registering it
// again (registration costs ~0.3 us, a fifth of a small op). dispose() empties the box, so the
// finalizer never frees a handle twice (and the native table rejects stale handles anyway).
interface HandleBox {
  handle: number;
}
const finalizer = new FinalizationRegistry<HandleBox>((box) => {
  if (box.handle !== 0) native.storageFree(box.handle);
});

// Disposed tensor storage objects, ready to wrap the next allocation. Only objects that tensors
// own internally are recycled: one a user holds from NativeStorage.allocate() stays disposed.
const recycled: NativeStorage[] = [];
let nextSerial = 1;

/** @internal The serial the next allocation will get. */
export function nextStorageSerial(): number {
  return nextSerial;
}
const kMaxRecycled = 4096;

export class NativeStorage {
  /** Handle into the native storage table; 0 after dispose. */
  #box: HandleBox;
  #byteLength: number;
  /** Tensors sharing this storage (a base and its views); the last release frees it. */
  #refs = 1;
  #recyclable: boolean;
  /** Bumped by every in-place write, shared by all views, checked by autograd. */
  version = 0;
  /** @internal Allocation order (renewed on reuse): tells autograd which storage is new. */
  _serial = nextSerial++;

  private constructor(handle: number, byteLength: number, recyclable: boolean) {
    this.#box = { handle };
    this.#byteLength = byteLength;
    this.#recyclable = recyclable;
    if (handle !== 0) finalizer.register(this, this.#box, this);
  }

  get byteLength(): number {
    return this.#byteLength;
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
    return new NativeStorage(handle, byteLength, false);
  }

  /** @internal Allocation without argument checks, for tensor ops (sizes come from shapes). */
  static _create(byteLength: number, zero: boolean): NativeStorage {
    const handle = native.storageAlloc(byteLength, zero);
    const s = recycled.pop();
    if (s === undefined) return new NativeStorage(handle, byteLength, true);
    s.#box.handle = handle;
    s.#byteLength = byteLength;
    s.#refs = 1;
    s.version = 0;
    s._serial = nextSerial++;
    return s;
  }

  /** @internal A placeholder for the storage of disposed tensors (handle 0). */
  static _disposed(): NativeStorage {
    return new NativeStorage(0, 0, false);
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
    return this.#box.handle;
  }

  get handle(): number {
    if (this.#box.handle === 0) throw new Error('NativeStorage: used after dispose()');
    return this.#box.handle;
  }

  get disposed(): boolean {
    return this.#box.handle === 0;
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
    const handle = this.#box.handle;
    if (handle === 0) return;
    this.#box.handle = 0;
    native.storageFree(handle);
    if (this.#recyclable && recycled.length < kMaxRecycled) {
      recycled.push(this); // stays registered: the box is refilled on reuse
    } else {
      finalizer.unregister(this);
    }
  }
}

/** Native storage blocks alive in this thread, and their bytes. */
export function storageStats(): { live: number; bytes: number } {
  const { live, bytes } = native.storageStats();
  return { live, bytes };
}
