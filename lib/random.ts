// The default random generator: a seed and a running offset into a counter-based stream
// (Philox, native/kernels/random). A draw of n values uses offsets [offset, offset + n), so
// results depend only on the seed and the order of draws, never on threads.
import { randomBytes } from 'node:crypto';

interface GeneratorState {
  seed: number;
  offset: number;
}

const state: GeneratorState = { seed: randomBytes(6).readUIntLE(0, 6), offset: 0 };

/**
 * Seeds the default generator: every later random draw (rand, randn, randint, dropout, weight
 * initialization, shuffling) is reproducible.
 *
 * @example
 * keel.manualSeed(42);
 * const a = keel.randn([3]);
 * keel.manualSeed(42);
 * keel.randn([3]).equal(a); // true
 */
export function manualSeed(seed: number): void {
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0) {
    throw new TypeError(`manualSeed: expected a non-negative safe integer for seed but received ${String(seed)}`);
  }
  state.seed = seed;
  state.offset = 0;
}

/** The current seed (as set by manualSeed, or drawn at start-up). */
export function initialSeed(): number {
  return state.seed;
}

/** Reserves `n` consecutive stream positions; returns [seed, first offset]. */
export function nextOffsets(n: number): [number, number] {
  const offset = state.offset;
  state.offset += Math.max(n, 1);
  if (state.offset > Number.MAX_SAFE_INTEGER) state.offset = 0;
  return [state.seed, offset];
}

/** The generator state, to save and restore (checkpoints, reproducible sub-experiments). */
export function getRngState(): { seed: number; offset: number } {
  return { ...state };
}

export function setRngState(s: { seed: number; offset: number }): void {
  state.seed = s.seed;
  state.offset = s.offset;
}
