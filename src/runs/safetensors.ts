// Reads the header of a safetensors weight file (huggingface/safetensors) without loading weights:
// only the 8-byte length prefix, the N header bytes and `fstat` for the file size are touched, so a
// 70 GB shard costs the same as a 7 KB one.
//
// Layout: u64 little-endian N ‖ N bytes of UTF-8 JSON ‖ data buffer (file size − 8 − N bytes).
// The JSON maps tensor names to {dtype, shape, data_offsets: [begin, end]}, offsets relative to the
// start of the data buffer, plus an optional "__metadata__" object of string → string.
//
// Rules enforced (those of the reference `SafeTensors::read_metadata` + `Metadata::validate`), the
// first broken one is reported:
//  1. The file holds at least the 8-byte prefix.
//  2. N ≤ 100 000 000 (the reference MAX_HEADER_SIZE) and 8 + N ≤ file size.
//  3. The header is valid UTF-8, starts with '{' (spec: "MUST begin with a { character"; trailing
//     0x20 padding is allowed) and parses as a JSON object.
//  4. "__metadata__", if present, is an object whose values are all strings.
//  5. Every other entry is an object with a known dtype (table below), a shape of non-negative safe
//     integers, and data_offsets of exactly two non-negative safe integers with begin ≤ end.
//  6. end − begin = element count × dtype bits / 8 (a sub-byte total that is not whole bytes is
//     rejected); the element count must stay below 2^53.
//  7. end ≤ data buffer size.
//  8. Sorted by (begin, end), the ranges tile the buffer: each begins where the previous ended (an
//     earlier begin is an overlap, a later one a gap), and the last ends at the buffer's end (no
//     trailing bytes). Zero-byte tensors occupy nothing, so they may share an offset, as in the
//     reference.
// Unknown keys inside a tensor entry are ignored, as serde does by default.

import { open, type FileHandle } from 'node:fs/promises';
import { InputError } from '../core/errors.js';

/** The reference implementation's cap on N (safetensors `MAX_HEADER_SIZE`). */
export const MAX_HEADER_BYTES = 100_000_000;

/** Bits per element of each dtype the reference knows (safetensors `Dtype::bitsize`). */
export const SAFETENSORS_DTYPE_BITS: Readonly<Record<string, number>> = Object.freeze({
  BOOL: 8,
  F4: 4,
  F6_E2M3: 6,
  F6_E3M2: 6,
  U8: 8,
  I8: 8,
  F8_E5M2: 8,
  F8_E4M3: 8,
  F8_E8M0: 8,
  F8_E4M3FNUZ: 8,
  F8_E5M2FNUZ: 8,
  I16: 16,
  U16: 16,
  F16: 16,
  BF16: 16,
  I32: 32,
  U32: 32,
  F32: 32,
  C64: 64,
  F64: 64,
  I64: 64,
  U64: 64,
});

export interface SafetensorsInfo {
  /** N, the JSON header's length; the data buffer starts at byte 8 + N. */
  headerBytes: number;
  tensors: number;
  /** Sum over tensors of the product of the shape; exact, since each count is checked below 2^53. */
  parameters: number;
  /** Tensor count per dtype. */
  dtypes: Record<string, number>;
  /** Size of the data buffer in bytes (file size − 8 − N). */
  bytes: number;
  metadata: Record<string, string> | null;
}

export interface TinyTensor {
  name: string;
  dtype: string;
  shape: number[];
}

const FIX = 'the file is truncated or not valid safetensors; re-export or re-download it';

function _fail(name: string, problem: string): InputError {
  return new InputError('INPUT_INVALID', `${name}: ${problem}; ${FIX}`, { path: name, problem });
}

function _isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function _isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** Product of a shape, or null when it would reach 2^53 (the reference's ValidationOverflow). */
function _elements(shape: readonly number[]): number | null {
  if (shape.includes(0)) return 0;
  let n = 1;
  for (const d of shape) {
    n *= d;
    if (n > Number.MAX_SAFE_INTEGER) return null;
  }
  return n;
}

interface _Range {
  key: string;
  begin: number;
  end: number;
}

/**
 * Validate a header already read: `header` is the N JSON bytes (without the 8-byte prefix),
 * `fileSize` the whole file's size, `name` what errors call the file.
 */
export function parseSafetensorsHeader(header: Uint8Array, fileSize: number, name: string): SafetensorsInfo {
  const n = header.length;
  if (n > MAX_HEADER_BYTES) throw _fail(name, `header length ${n} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  if (8 + n > fileSize) {
    throw _fail(name, `header length ${n} runs past the end of the file (${fileSize} bytes)`);
  }
  const bufferSize = fileSize - 8 - n;

  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(header);
  } catch {
    throw _fail(name, 'header is not valid UTF-8');
  }
  if (!text.startsWith('{')) throw _fail(name, "header does not start with '{'");
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // The parser's own message differs between Node versions; the offset is not worth that.
    throw _fail(name, 'header is not valid JSON');
  }
  if (!_isObject(parsed)) throw _fail(name, 'header is not a JSON object');

  let metadata: Record<string, string> | null = null;
  const dtypes: Record<string, number> = {};
  const ranges: _Range[] = [];
  let parameters = 0;

  for (const [key, entry] of Object.entries(parsed)) {
    const t = JSON.stringify(key);
    if (key === '__metadata__') {
      if (!_isObject(entry)) throw _fail(name, '__metadata__ is not an object');
      for (const [k, v] of Object.entries(entry)) {
        if (typeof v !== 'string') throw _fail(name, `__metadata__ value for ${JSON.stringify(k)} is not a string`);
      }
      metadata = { ...(entry as Record<string, string>) };
      continue;
    }
    if (!_isObject(entry)) throw _fail(name, `tensor ${t} is not an object`);
    const { dtype, shape, data_offsets: offsets } = entry;
    if (typeof dtype !== 'string' || !Object.hasOwn(SAFETENSORS_DTYPE_BITS, dtype)) {
      throw _fail(name, `tensor ${t} has unknown dtype ${JSON.stringify(dtype ?? null)}`);
    }
    if (!Array.isArray(shape) || !shape.every(_isCount)) {
      throw _fail(name, `tensor ${t} has a shape that is not a list of non-negative integers`);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(_isCount)) {
      throw _fail(name, `tensor ${t} has data_offsets that are not two non-negative integers`);
    }
    const [begin, end] = offsets as [number, number];
    if (end < begin) throw _fail(name, `tensor ${t} has data_offsets [${begin}, ${end}] that end before they begin`);
    const elements = _elements(shape as number[]);
    if (elements === null) throw _fail(name, `tensor ${t} has a shape whose element count reaches 2^53`);
    const bits = elements * (SAFETENSORS_DTYPE_BITS[dtype] as number);
    if (bits % 8 !== 0) throw _fail(name, `tensor ${t} (${dtype}, ${elements} elements) is not a whole number of bytes`);
    const expected = bits / 8;
    if (end - begin !== expected) {
      throw _fail(
        name,
        `tensor ${t} (${dtype}, shape [${(shape as number[]).join(', ')}]) needs ${expected} bytes but data_offsets [${begin}, ${end}] span ${end - begin}`,
      );
    }
    if (end > bufferSize) {
      throw _fail(name, `tensor ${t} data_offsets [${begin}, ${end}] run past the ${bufferSize}-byte data buffer`);
    }
    dtypes[dtype] = (dtypes[dtype] ?? 0) + 1;
    parameters += elements;
    ranges.push({ key, begin, end });
  }

  // Tiling check, as the reference does after sorting by offsets.
  ranges.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = 0;
  for (const r of ranges) {
    if (r.begin < cursor) {
      throw _fail(name, `tensor ${JSON.stringify(r.key)} at [${r.begin}, ${r.end}] overlaps the previous tensor ending at ${cursor}`);
    }
    if (r.begin > cursor) {
      throw _fail(name, `gap in the data buffer: bytes [${cursor}, ${r.begin}) belong to no tensor`);
    }
    cursor = r.end;
  }
  if (cursor !== bufferSize) {
    throw _fail(name, `bytes [${cursor}, ${bufferSize}) at the end of the data buffer belong to no tensor`);
  }

  return { headerBytes: n, tensors: ranges.length, parameters, dtypes, bytes: bufferSize, metadata };
}

/** Read and validate the header of the safetensors file at `path`, never reading the weights. */
export async function readSafetensorsHeader(path: string): Promise<SafetensorsInfo> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    throw new InputError('INPUT_INVALID', `${path}: cannot open (${code}); check the path and permissions`, { path }, e);
  }
  try {
    const { size } = await fh.stat();
    if (size < 8) throw _fail(path, `file is ${size} bytes, shorter than the 8-byte header length`);
    const prefix = Buffer.alloc(8);
    await _readFully(fh, prefix, 0, path);
    const n = prefix.readBigUInt64LE(0);
    if (n > BigInt(MAX_HEADER_BYTES)) {
      throw _fail(path, `header length ${n} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
    }
    if (n > BigInt(size - 8)) {
      throw _fail(path, `header length ${n} runs past the end of the file (${size} bytes)`);
    }
    const header = Buffer.alloc(Number(n));
    await _readFully(fh, header, 8, path);
    return parseSafetensorsHeader(header, size, path);
  } finally {
    await fh.close();
  }
}

async function _readFully(fh: FileHandle, buf: Buffer, position: number, name: string): Promise<void> {
  let done = 0;
  while (done < buf.length) {
    const { bytesRead } = await fh.read(buf, done, buf.length - done, position + done);
    if (bytesRead === 0) throw _fail(name, 'file shrank while being read');
    done += bytesRead;
  }
}

/**
 * A valid safetensors file holding `tensors` in order, data all zeros, header padded with spaces
 * to a multiple of 8 as the reference serializer does. For fixtures and tests.
 */
export function writeTinySafetensors(tensors: readonly TinyTensor[], metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) header['__metadata__'] = metadata;
  let offset = 0;
  for (const t of tensors) {
    const bits = SAFETENSORS_DTYPE_BITS[t.dtype];
    const elements = t.shape.every(_isCount) ? _elements(t.shape) : null;
    if (bits === undefined || !Object.hasOwn(SAFETENSORS_DTYPE_BITS, t.dtype) || elements === null || (elements * bits) % 8 !== 0) {
      throw new InputError(
        'INPUT_INVALID',
        `writeTinySafetensors: tensor ${JSON.stringify(t.name)} (${t.dtype}, shape [${t.shape.join(', ')}]) is not representable; use a known dtype and whole-byte non-negative shape`,
        { name: t.name },
      );
    }
    const size = (elements * bits) / 8;
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + size] };
    offset += size;
  }
  let json = JSON.stringify(header);
  let body = new TextEncoder().encode(json);
  const pad = (8 - (body.length % 8)) % 8;
  if (pad > 0) {
    json += ' '.repeat(pad);
    body = new TextEncoder().encode(json);
  }
  const out = new Uint8Array(8 + body.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(body.length), true);
  out.set(body, 8);
  return out;
}
