// safetensors, Hugging Face's tensor file format (https://huggingface.co/docs/safetensors),
// read and written here without dependencies.
//
// Layout: an 8-byte little-endian u64 N, then N bytes of UTF-8 JSON header, then the tensor
// data. The header maps each tensor name to {dtype, shape, data_offsets: [begin, end]} (byte
// offsets from the first data byte) and may hold "__metadata__", an object of string -> string.
//
// Writing follows the reference implementation byte for byte, so Keel writes the file that the
// `safetensors` package writes for the same tensors: compact JSON with "__metadata__" first,
// tensors ordered by descending dtype (the reference's order; for Keel's two dtypes, every F32
// before every I32) and then by name (UTF-8 byte order), the header padded with spaces to a
// multiple of 8 so the data starts 8-byte aligned.
//
// Reading treats the bytes as hostile, as the reference does: every length and offset is
// checked before it is used, and the tensors' byte ranges must tile the data exactly (no gap,
// no overlap, nothing left over). A bad file throws a SafetensorsError naming the file, the
// tensor and the problem; it never reads out of bounds.
//
// Keel tensors are float32 or int32, so loading converts:
//   F32, I32   as stored
//   F16, BF16  to float32, exactly (every half and bfloat16 value is a float32 value)
//   F64        to float32, rounded to nearest even as torch's .float() does (beyond ±3.4e38: ±inf)
//   I64        to int32; a value outside [-2^31, 2^31) is an error, never wrapped
// The other dtypes of the format (BOOL, U8, I8, I16, U16, U32, U64, F8_*, C64) are recognized
// (their ranges are validated) but loading them throws "not supported yet".
import { closeSync, fstatSync, fsyncSync, openSync, readSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { native } from '../native.js';
import { formatShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { describeValue, MAX_DIM } from '../validate.js';

/** The reference implementation's limit on the header: larger means a corrupt or hostile file. */
export const MAX_HEADER_BYTES = 100_000_000;

/** Bytes per element of every byte-sized dtype of the format. */
const DTYPE_SIZE: Readonly<Record<string, number>> = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, F8_E8M0: 1,
  I16: 2, U16: 2, F16: 2, BF16: 2,
  I32: 4, U32: 4, F32: 4,
  F64: 8, I64: 8, U64: 8, C64: 8,
};

/** The dtypes Keel loads (converting as the header comment says). */
const LOADABLE = new Set(['F32', 'I32', 'F16', 'BF16', 'F64', 'I64']);
const LOADABLE_LIST = 'F32, F16, BF16, F64, I32 and I64';

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** One tensor's header entry. */
export interface SafetensorsEntry {
  /** The format's dtype name: 'F32', 'F16', 'BF16', 'I64', ... */
  dtype: string;
  shape: number[];
  /** [begin, end) in bytes, relative to the first data byte. */
  dataOffsets: [number, number];
}

/** A validated header: the entries in file (data offset) order, and the metadata. */
export interface SafetensorsHeader {
  tensors: Map<string, SafetensorsEntry>;
  metadata: Record<string, string>;
  /** Where the data starts in the file: 8 + the header length. */
  dataStart: number;
  /** Bytes of tensor data. */
  dataLength: number;
}

/** A malformed or unloadable safetensors file or buffer. */
export class SafetensorsError extends Error {
  override name = 'SafetensorsError';
  /** `file '<path>'`, `buffer`, or the `source` given to parseSafetensors. */
  readonly source: string;
  /** The tensor at fault, or null when the problem is not one tensor's. */
  readonly tensor: string | null;

  constructor(op: string, source: string, tensor: string | null, detail: string) {
    super(`${op}: ${source}: ${tensor === null ? '' : `tensor '${tensor}': `}${detail}`);
    this.source = source;
    this.tensor = tensor;
  }
}

/** A short rendering of a parsed JSON value for messages. */
function jsonText(value: unknown): string {
  const s = value === undefined ? 'undefined' : JSON.stringify(value);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

// ------------------------------------------------------------------------------------ header

/** The header length N from the first 8 bytes, checked against the limit and the total size. */
function readHeaderLength(op: string, source: string, first8: Uint8Array, totalSize: number, what: string): number {
  if (totalSize < 8) {
    throw new SafetensorsError(op, source, null, `${totalSize} bytes is too short for a safetensors ${what} (it starts with an 8-byte header length)`);
  }
  const view = new DataView(first8.buffer, first8.byteOffset, 8);
  const n = view.getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) {
    throw new SafetensorsError(op, source, null, `header length ${n} is over the ${MAX_HEADER_BYTES}-byte limit (not a safetensors ${what}, or a corrupt one)`);
  }
  const len = Number(n);
  if (8 + len > totalSize) {
    throw new SafetensorsError(op, source, null, `header length ${len} runs past the end of the ${totalSize}-byte ${what}`);
  }
  return len;
}

function checkEntry(op: string, source: string, name: string, raw: unknown, dataLength: number): SafetensorsEntry {
  const fail = (detail: string): never => {
    throw new SafetensorsError(op, source, name, detail);
  };
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) fail(`expected an object {dtype, shape, data_offsets} but found ${jsonText(raw)}`);
  const entry = raw as Record<string, unknown>;
  for (const key of ['dtype', 'shape', 'data_offsets']) if (!Object.hasOwn(entry, key)) fail(`missing ${key}`);
  const { dtype, shape, data_offsets: offsets } = entry;
  if (typeof dtype !== 'string') fail(`expected a string for dtype but found ${jsonText(dtype)}`);
  const itemSize = Object.hasOwn(DTYPE_SIZE, dtype as string) ? DTYPE_SIZE[dtype as string] : fail(`unknown dtype ${jsonText(dtype)}`);
  // JSON has no NaN, but 1e400 parses to Infinity, and 2.5, -1 and null are all valid JSON.
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    fail(`expected an array of non-negative integers for shape but found ${jsonText(shape)}`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
    fail(`expected [begin, end] (non-negative integers) for data_offsets but found ${jsonText(offsets)}`);
  }
  const dims = shape as number[];
  const [begin, end] = offsets as [number, number];
  if (begin > end) fail(`data_offsets [${begin}, ${end}] begin after they end`);
  if (end > dataLength) fail(`data_offsets [${begin}, ${end}] run past the end of the ${dataLength} bytes of tensor data`);
  // Stepwise, so an absurd shape is reported rather than rounded: the product stays below 2^53.
  let bytes = itemSize;
  for (const d of dims) {
    bytes *= d;
    if (bytes > Number.MAX_SAFE_INTEGER) fail(`shape ${formatShape(dims)} of ${dtype} is too large`);
  }
  if (bytes !== end - begin) {
    fail(`data_offsets [${begin}, ${end}] hold ${end - begin} bytes but shape ${formatShape(dims)} of ${dtype} needs ${bytes}`);
  }
  return { dtype: dtype as string, shape: [...dims], dataOffsets: [begin, end] };
}

function checkMetadata(op: string, source: string, raw: unknown): Record<string, string> {
  // The reference reads "__metadata__": null as no metadata.
  if (raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new SafetensorsError(op, source, null, `expected an object of strings for __metadata__ but found ${jsonText(raw)}`);
  }
  const entries = Object.entries(raw as Record<string, unknown>);
  for (const [key, value] of entries) {
    if (typeof value !== 'string') {
      throw new SafetensorsError(op, source, null, `__metadata__ value for '${key}' must be a string but is ${jsonText(value)}`);
    }
  }
  // fromEntries defines properties, so a key like "__proto__" stays an ordinary key.
  return Object.fromEntries(entries) as Record<string, string>;
}

/**
 * Validates the header bytes (the N bytes after the length) against `dataLength`, the bytes
 * that follow them: UTF-8 JSON object, well-formed entries, ranges that tile the data exactly.
 */
function parseHeaderJson(op: string, source: string, headerBytes: Uint8Array, dataLength: number): SafetensorsHeader {
  if (headerBytes.length === 0 || headerBytes[0] !== 0x7b /* '{' */) {
    throw new SafetensorsError(op, source, null, `the header must be a JSON object starting with '{' but ${headerBytes.length === 0 ? 'is empty' : `starts with byte 0x${headerBytes[0].toString(16).padStart(2, '0')}`}`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(headerBytes);
  } catch {
    throw new SafetensorsError(op, source, null, 'the header is not valid UTF-8');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new SafetensorsError(op, source, null, `the header is not valid JSON (${(err as Error).message})`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new SafetensorsError(op, source, null, `the header must be a JSON object but is ${jsonText(parsed)}`);
  }
  let metadata: Record<string, string> = {};
  const list: Array<[string, SafetensorsEntry]> = [];
  for (const [name, raw] of Object.entries(parsed as Record<string, unknown>)) {
    if (name === '__metadata__') metadata = checkMetadata(op, source, raw);
    else list.push([name, checkEntry(op, source, name, raw, dataLength)]);
  }
  // The ranges, in offset order, must tile [0, dataLength): each begins where the last ended.
  list.sort(([, a], [, b]) => a.dataOffsets[0] - b.dataOffsets[0] || a.dataOffsets[1] - b.dataOffsets[1]);
  let covered = 0;
  let previous: [string, SafetensorsEntry] | null = null;
  for (const [name, e] of list) {
    const [begin, end] = e.dataOffsets;
    if (begin < covered) {
      const [pName, pEntry] = previous!;
      throw new SafetensorsError(op, source, name, `data_offsets [${begin}, ${end}] overlap those of tensor '${pName}' [${pEntry.dataOffsets.join(', ')}]`);
    }
    if (begin > covered) {
      throw new SafetensorsError(op, source, name, `data_offsets [${begin}, ${end}] leave a gap: bytes [${covered}, ${begin}) of the data belong to no tensor`);
    }
    covered = end;
    previous = [name, e];
  }
  if (covered !== dataLength) {
    throw new SafetensorsError(op, source, null, `bytes [${covered}, ${dataLength}) at the end of the data belong to no tensor`);
  }
  return { tensors: new Map(list), metadata, dataStart: 8 + headerBytes.length, dataLength };
}

/** Parses and validates the header of a whole file held in `bytes`. */
function parseHeader(op: string, source: string, bytes: Uint8Array, what: string): SafetensorsHeader {
  const n = readHeaderLength(op, source, bytes, bytes.length, what);
  return parseHeaderJson(op, source, bytes.subarray(8, 8 + n), bytes.length - 8 - n);
}

// ------------------------------------------------------------------------------------ decoding

/** Throws unless `entry` can become a Keel tensor (dtype and rank); called before any allocation. */
function checkLoadable(op: string, source: string, name: string, entry: SafetensorsEntry): void {
  if (!LOADABLE.has(entry.dtype)) {
    throw new SafetensorsError(op, source, name, `not supported yet: dtype ${entry.dtype} (Keel loads ${LOADABLE_LIST})`);
  }
  if (entry.shape.length > 8) {
    throw new SafetensorsError(op, source, name, `not supported yet: ${entry.shape.length} dimensions (Keel tensors have at most 8)`);
  }
  const big = entry.shape.find((d) => d > MAX_DIM);
  if (big !== undefined) throw new SafetensorsError(op, source, name, `not supported yet: dimension ${big} (Keel's limit is ${MAX_DIM})`);
}

let halfTable: Float32Array | null = null;

/** float32 values of all 65536 half-precision bit patterns (built on first use, 256 KB). */
function halfToFloatTable(): Float32Array {
  if (halfTable !== null) return halfTable;
  const table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    if (exp === 0) table[h] = sign * frac * 2 ** -24; // zero and subnormals
    else if (exp === 31) table[h] = frac === 0 ? sign * Infinity : NaN;
    else table[h] = sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  halfTable = table;
  return table;
}

/** A typed array of `count` 4-byte elements over `bytes` (little-endian), copying only if unaligned. */
function fourByteView<T extends Float32Array | Int32Array>(Ctor: { new (b: ArrayBufferLike, o: number, n: number): T; new (n: number): T }, bytes: Uint8Array, count: number): T {
  if (HOST_LITTLE_ENDIAN) {
    if (bytes.byteOffset % 4 === 0) return new Ctor(bytes.buffer, bytes.byteOffset, count);
    const out = new Ctor(count);
    new Uint8Array(out.buffer).set(bytes.subarray(0, count * 4));
    return out;
  }
  const out = new Ctor(count);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const float = out instanceof Float32Array;
  for (let i = 0; i < count; i++) out[i] = float ? view.getFloat32(i * 4, true) : view.getInt32(i * 4, true);
  return out;
}

/** The values of one tensor's bytes as float32 or int32, converted as the header comment says. */
function decodeValues(op: string, source: string, name: string, dtype: string, bytes: Uint8Array, count: number): Float32Array | Int32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (dtype) {
    case 'F32':
      return fourByteView(Float32Array, bytes, count);
    case 'I32':
      return fourByteView(Int32Array, bytes, count);
    case 'F16': {
      const table = halfToFloatTable();
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = table[view.getUint16(i * 2, true)];
      return out;
    }
    case 'BF16': {
      // bfloat16 is the top half of a float32: shift the bits back into place.
      const out = new Float32Array(count);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < count; i++) bits[i] = view.getUint16(i * 2, true) << 16;
      return out;
    }
    case 'F64': {
      const out = new Float32Array(count); // the store rounds to nearest even
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * 8, true);
      return out;
    }
    case 'I64': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) {
        const lo = view.getUint32(i * 8, true);
        const hi = view.getInt32(i * 8 + 4, true);
        // In int32 range exactly when the high word is the sign extension of the low word.
        if (hi !== (lo & 0x80000000 ? -1 : 0)) {
          throw new SafetensorsError(op, source, name, `I64 value ${view.getBigInt64(i * 8, true)} at index ${i} is outside the int32 range of Keel tensors`);
        }
        out[i] = lo | 0;
      }
      return out;
    }
    default:
      throw new SafetensorsError(op, source, name, `not supported yet: dtype ${dtype} (Keel loads ${LOADABLE_LIST})`);
  }
}

function toTensor(op: string, source: string, name: string, entry: SafetensorsEntry, bytes: Uint8Array): Tensor {
  const count = entry.shape.reduce((a, b) => a * b, 1);
  const values = decodeValues(op, source, name, entry.dtype, bytes, count);
  const t = Tensor._empty(entry.shape, values instanceof Float32Array ? 'float32' : 'int32');
  if (count > 0) native.storageWrite(t._handle(op), 0, values);
  return t;
}

// ------------------------------------------------------------------------------------ encoding

const WRITE_DTYPE = { float32: 'F32', int32: 'I32' } as const;
/** The reference's order: descending dtype (F32 sorts after I32 in its enum, so comes first). */
const WRITE_RANK = { F32: 0, I32: 1 } as const;

interface WritePlan {
  /** The 8-byte length and the padded JSON header. */
  head: Buffer;
  tensors: Array<{ name: string; tensor: Tensor; bytes: number }>;
  dataLength: number;
}

function checkPath(op: string, path: unknown): string {
  if (typeof path !== 'string' || path === '') throw new TypeError(`${op}: expected a non-empty string for path but received ${describeValue(path)}`);
  return path;
}

/** @internal Checks a metadata argument: a plain object of strings. */
export function checkMetadataArg(op: string, metadata: unknown): Record<string, string> {
  if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata) || metadata instanceof Map) {
    throw new TypeError(`${op}: expected an object of strings for metadata but received ${describeValue(metadata)}`);
  }
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== 'string') throw new TypeError(`${op}: expected a string for metadata['${k}'] but received ${describeValue(v)}`);
  }
  return metadata as Record<string, string>;
}

function planWrite(op: string, tensors: unknown, metadata: unknown): WritePlan {
  if (tensors === null || typeof tensors !== 'object' || tensors instanceof Tensor || Array.isArray(tensors)) {
    throw new TypeError(`${op}: expected a Map or an object of name -> Tensor for tensors but received ${describeValue(tensors)}`);
  }
  const pairs: Array<[string, unknown]> = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  const list: WritePlan['tensors'] = [];
  for (const [name, t] of pairs) {
    if (typeof name !== 'string') throw new TypeError(`${op}: expected string names but found ${describeValue(name)}`);
    if (name === '__metadata__') throw new Error(`${op}: '__metadata__' is reserved by the format and can't name a tensor`);
    if (!(t instanceof Tensor)) throw new TypeError(`${op}: expected a Tensor for '${name}' but received ${describeValue(t)}`);
    if (t.isDisposed) throw new Error(`${op}: the tensor '${name}' has been disposed`);
    list.push({ name, tensor: t, bytes: t.numel() * 4 });
  }
  const utf8 = new Map(list.map(({ name }) => [name, Buffer.from(name, 'utf8')]));
  list.sort((a, b) => WRITE_RANK[WRITE_DTYPE[a.tensor.dtype]] - WRITE_RANK[WRITE_DTYPE[b.tensor.dtype]] || Buffer.compare(utf8.get(a.name)!, utf8.get(b.name)!));
  // Built by hand rather than with JSON.stringify of one object: JS objects put integer-like
  // keys ('0', '10') first, which would break the order above.
  const parts: string[] = [];
  if (metadata !== undefined) {
    const meta = checkMetadataArg(op, metadata);
    parts.push(`"__metadata__":{${Object.entries(meta).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`);
  }
  let offset = 0;
  for (const { name, tensor, bytes } of list) {
    const info = { dtype: WRITE_DTYPE[tensor.dtype], shape: tensor.shape, data_offsets: [offset, offset + bytes] };
    parts.push(`${JSON.stringify(name)}:${JSON.stringify(info)}`);
    offset += bytes;
  }
  const json = Buffer.from(`{${parts.join(',')}}`, 'utf8');
  const n = Math.ceil(json.length / 8) * 8;
  if (n > MAX_HEADER_BYTES) throw new RangeError(`${op}: the header would take ${n} bytes, over the format's ${MAX_HEADER_BYTES}-byte limit`);
  const head = Buffer.alloc(8 + n, 0x20); // padded with spaces, as the reference pads
  head.writeBigUInt64LE(BigInt(n), 0);
  json.copy(head, 8);
  return { head, tensors: list, dataLength: offset };
}

/** A tensor's values as little-endian bytes. */
function tensorBytes(t: Tensor): Uint8Array {
  const values = t.toTypedArray();
  if (HOST_LITTLE_ENDIAN) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const out = new Uint8Array(values.byteLength);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) {
    if (values instanceof Float32Array) view.setFloat32(i * 4, values[i], true);
    else view.setInt32(i * 4, values[i], true);
  }
  return out;
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, Math.min(bytes.length - done, 1 << 30));
}

/**
 * @internal Writes a file atomically: into a temporary file in the same directory (so the
 * rename stays on one filesystem), flushed to disk, then renamed over `path`. A failure leaves
 * any previous file at `path` as it was.
 */
export function writeFileAtomic(path: string, write: (fd: number) => void): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let fd: number | null = openSync(tmp, 'wx');
  try {
    write(fd);
    fsyncSync(fd);
    closeSync(fd);
    fd = null;
    renameSync(tmp, path);
  } catch (err) {
    if (fd !== null) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
    throw err;
  }
  // Make the rename itself durable; directories can't be opened for this on every platform.
  try {
    const dir = openSync(dirname(path), 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  } catch {
    // best effort
  }
}

// ------------------------------------------------------------------------------------ public API

/**
 * The safetensors bytes of `tensors` (name -> Tensor) with optional string metadata. Tensors
 * may be non-contiguous; float32 is written as F32, int32 as I32.
 *
 * @example
 * const bytes = keel.io.serializeSafetensors({ weight: w, bias: b }, { format: 'pt' });
 */
export function serializeSafetensors(tensors: Map<string, Tensor> | Record<string, Tensor>, metadata?: Record<string, string>): Buffer {
  const plan = planWrite('serializeSafetensors', tensors, metadata);
  const out = Buffer.allocUnsafe(plan.head.length + plan.dataLength);
  plan.head.copy(out, 0);
  let pos = plan.head.length;
  for (const { tensor, bytes } of plan.tensors) {
    if (bytes > 0) out.set(tensorBytes(tensor), pos);
    pos += bytes;
  }
  return out;
}

/**
 * Writes `tensors` to a safetensors file, atomically (a temporary file in the same directory,
 * renamed over `path` once complete).
 *
 * @example
 * keel.io.saveSafetensors('weights.safetensors', model.stateDict(), { format: 'pt' });
 */
export function saveSafetensors(path: string, tensors: Map<string, Tensor> | Record<string, Tensor>, metadata?: Record<string, string>): void {
  const op = 'saveSafetensors';
  checkPath(op, path);
  const plan = planWrite(op, tensors, metadata);
  writeFileAtomic(path, (fd) => {
    writeAll(fd, plan.head);
    for (const { tensor, bytes } of plan.tensors) if (bytes > 0) writeAll(fd, tensorBytes(tensor));
  });
}

/** Options of parseSafetensors. */
export interface ParseSafetensorsOptions {
  /** Names the bytes in error messages (a file name, a URL); default 'buffer'. */
  source?: string;
}

/** Tensors and metadata read from a safetensors file. */
export interface SafetensorsContents {
  /** In file order. The caller owns the tensors (dispose them, or let a tidy() scope do it). */
  tensors: Map<string, Tensor>;
  metadata: Record<string, string>;
}

/** Creates the tensors of `names` (all validated as loadable first), disposing them all on error. */
function materialize(op: string, source: string, header: SafetensorsHeader, names: string[], bytesOf: (e: SafetensorsEntry) => Uint8Array): Map<string, Tensor> {
  for (const name of names) checkLoadable(op, source, name, header.tensors.get(name)!);
  const out = new Map<string, Tensor>();
  try {
    for (const name of names) {
      const entry = header.tensors.get(name)!;
      out.set(name, toTensor(op, source, name, entry, bytesOf(entry)));
    }
  } catch (err) {
    for (const t of out.values()) t.dispose();
    throw err;
  }
  return out;
}

/**
 * Reads safetensors bytes into Keel tensors (see the conversions in this file's header).
 * Malformed bytes throw a SafetensorsError naming `options.source` (default 'buffer').
 *
 * @example
 * const { tensors, metadata } = keel.io.parseSafetensors(await (await fetch(url)).bytes(), { source: url });
 */
export function parseSafetensors(bytes: Uint8Array, options: ParseSafetensorsOptions = {}): SafetensorsContents {
  const op = 'parseSafetensors';
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`${op}: expected a Uint8Array or Buffer for bytes but received ${describeValue(bytes)}`);
  if (options.source !== undefined && typeof options.source !== 'string') {
    throw new TypeError(`${op}: expected a string for options.source but received ${describeValue(options.source)}`);
  }
  const source = options.source === undefined ? 'buffer' : `'${options.source}'`;
  const header = parseHeader(op, source, bytes, 'buffer');
  const tensors = materialize(op, source, header, [...header.tensors.keys()], (e) =>
    bytes.subarray(header.dataStart + e.dataOffsets[0], header.dataStart + e.dataOffsets[1]));
  return { tensors, metadata: header.metadata };
}

/** Reads exactly `length` bytes at `position` into fresh, 8-byte aligned memory. */
function readAt(op: string, source: string, fd: number, position: number, length: number): Uint8Array {
  const buf = Buffer.allocUnsafeSlow(length); // never from the shared pool, so byteOffset is 0
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buf, done, Math.min(length - done, 1 << 30), position + done);
    if (n === 0) throw new SafetensorsError(op, source, null, `the file ended at byte ${position + done} while ${position + length} were expected (was it truncated while being read?)`);
    done += n;
  }
  return buf;
}

/** @internal An open safetensors file: its validated header, and reads of its tensors. */
export interface SafetensorsFile {
  header: SafetensorsHeader;
  /** `file '<path>'`, for messages. */
  source: string;
  /** Loads the tensors whose names pass `select` (all by default). */
  read(select?: (name: string) => boolean): Map<string, Tensor>;
}

/**
 * @internal Opens `path`, reads and validates its header only (not the data), and passes the
 * file to `fn`; closes it afterwards.
 */
export function withSafetensorsFile<T>(op: string, path: string, fn: (file: SafetensorsFile) => T): T {
  checkPath(op, path);
  const source = `file '${path}'`;
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const first8 = size >= 8 ? readAt(op, source, fd, 0, 8) : new Uint8Array(0);
    const n = readHeaderLength(op, source, first8, size, 'file');
    const header = parseHeaderJson(op, source, readAt(op, source, fd, 8, n), size - 8 - n);
    const read = (select?: (name: string) => boolean): Map<string, Tensor> => {
      const names = [...header.tensors.keys()].filter((name) => select === undefined || select(name));
      return materialize(op, source, header, names, (e) => readAt(op, source, fd, header.dataStart + e.dataOffsets[0], e.dataOffsets[1] - e.dataOffsets[0]));
    };
    return fn({ header, source, read });
  } finally {
    closeSync(fd);
  }
}

/**
 * Loads every tensor of a safetensors file (reading the file tensor by tensor, not whole).
 *
 * @example
 * const { tensors, metadata } = keel.io.loadSafetensors('model.safetensors');
 * model.loadStateDict(tensors);
 * keel.dispose(tensors);
 */
export function loadSafetensors(path: string): SafetensorsContents {
  return withSafetensorsFile('loadSafetensors', path, (file) => ({ tensors: file.read(), metadata: file.header.metadata }));
}

/**
 * The validated header of a safetensors file (names, dtypes, shapes, offsets, metadata)
 * without reading the tensor data.
 *
 * @example
 * const { tensors } = keel.io.readSafetensorsHeader('model.safetensors');
 * for (const [name, { dtype, shape }] of tensors) console.log(name, dtype, shape);
 */
export function readSafetensorsHeader(path: string): SafetensorsHeader {
  return withSafetensorsFile('readSafetensorsHeader', path, (file) => file.header);
}
