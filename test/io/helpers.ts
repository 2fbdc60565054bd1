// Shared by the io tests: temporary directories, hand-built safetensors bytes, bitwise
// comparison. Not a test file (no .test.ts suffix).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Tensor } from '../../lib/index.js';

/** A fresh temporary directory; call the returned function to remove it. */
export function tempDir(): { dir: string; path: (name: string) => string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'keel-io-'));
  return { dir, path: (name) => join(dir, name), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function fixture(name: string): Buffer {
  return readFileSync(new URL(`../fixtures/io/${name}`, import.meta.url));
}

export const fixturePath = (name: string): string => new URL(`../fixtures/io/${name}`, import.meta.url).pathname;

/**
 * Safetensors bytes from a header (an object, serialized compactly, or raw text) and data;
 * `headerLength` overrides the u64 in front (to lie about it).
 */
export function craft(header: unknown, data: Uint8Array | number = 0, options: { headerLength?: bigint; raw?: boolean } = {}): Buffer {
  const text = options.raw ? String(header) : JSON.stringify(header);
  const json = Buffer.from(text, 'utf8');
  const body = typeof data === 'number' ? Buffer.alloc(data) : Buffer.from(data);
  const out = Buffer.alloc(8 + json.length + body.length);
  out.writeBigUInt64LE(options.headerLength ?? BigInt(json.length), 0);
  json.copy(out, 8);
  body.copy(out, 8 + json.length);
  return out;
}

/** The header's u64 length, its text, and the data that follows. */
export function split(bytes: Uint8Array): { n: number; text: string; data: Buffer } {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(b.readBigUInt64LE(0));
  return { n, text: b.subarray(8, 8 + n).toString('utf8'), data: b.subarray(8 + n) };
}

/** null when `a` and `b` hold the same values bit for bit (NaN equals NaN; -0 differs from 0). */
export function bitwiseDiff(a: Tensor, b: Tensor): string | null {
  if (a.dtype !== b.dtype) return `dtype ${a.dtype} vs ${b.dtype}`;
  if (a.shape.join() !== b.shape.join()) return `shape [${a.shape}] vs [${b.shape}]`;
  const x = a.toTypedArray();
  const y = b.toTypedArray();
  const xi = new Uint32Array(x.buffer, x.byteOffset, x.length);
  const yi = new Uint32Array(y.buffer, y.byteOffset, y.length);
  for (let i = 0; i < x.length; i++) {
    const bothNaN = Number.isNaN(x[i]) && Number.isNaN(y[i]);
    if (xi[i] !== yi[i] && !bothNaN) return `element ${i}: ${Object.is(x[i], -0) ? '-0' : x[i]} vs ${Object.is(y[i], -0) ? '-0' : y[i]}`;
  }
  return null;
}
