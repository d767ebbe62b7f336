// Reader of the CBOR decoder: structural checks at every head (RFC 8949 §3, §4.2.1), for the
// data model in cbor-value.ts. The error codes it raises are listed in cbor-decode.ts.

import { IntegrityError, type ErrorCode } from './errors.js';
import { MAX_DEPTH, TWO32, type CborValue } from './cbor-value.js';
import { _fromHalf, _toHalfExact } from './float16.js';

// Own decoder: bytes.fromUtf8 strips a leading U+FEFF (ignoreBOM defaults to false), which
// would lose data inside a CBOR text string.
const textDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Throw IntegrityError `code` with a message naming the byte offset (also in data.offset). */
export function _fail(code: ErrorCode, what: string, offset: number): never {
  throw new IntegrityError(code, `cbor.decode: ${what} at byte ${offset}`, { offset });
}

// Decoded short map keys by their UTF-8 bytes: records repeat their keys, so this skips
// UTF-8 decoding and hands V8 the same (internalized) key string each time. Bytes in the
// cache were validated when first decoded.
const KEY_SLOTS = 4096;
const keySlotBytes: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(KEY_SLOTS).fill(undefined);
const keySlotStr: (string | undefined)[] = new Array<string | undefined>(KEY_SLOTS).fill(undefined);

export class _Reader {
  readonly b: Uint8Array;
  readonly dv: DataView;
  pos = 0;

  constructor(b: Uint8Array) {
    this.b = b;
    this.dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }

  need(n: number, start: number): void {
    if (n > this.b.length - this.pos) {
      _fail('CBOR_TRUNCATED', `item needs ${n} more byte(s), ${this.b.length - this.pos} left`, start);
    }
  }

  /**
   * Argument of the head at `start` (initial byte already consumed), checked shortest
   * (§4.2.1). Returns a number; beyond 2^53 it is inexact, which callers only compare
   * against remaining bytes (ints beyond 2^53 are read separately as bigint).
   */
  arg(ai: number, start: number): number {
    if (ai < 24) return ai;
    let n: number;
    if (ai === 24) {
      this.need(1, start);
      n = this.b[this.pos]!;
      this.pos += 1;
      if (n < 24) _fail('CBOR_NONCANONICAL', `argument ${n} not in shortest form (1-byte for < 24)`, start);
    } else if (ai === 25) {
      this.need(2, start);
      n = this.dv.getUint16(this.pos);
      this.pos += 2;
      if (n <= 0xff) _fail('CBOR_NONCANONICAL', `argument ${n} not in shortest form (2-byte for ≤ 0xff)`, start);
    } else if (ai === 26) {
      this.need(4, start);
      n = this.dv.getUint32(this.pos);
      this.pos += 4;
      if (n <= 0xffff) _fail('CBOR_NONCANONICAL', `argument ${n} not in shortest form (4-byte for ≤ 0xffff)`, start);
    } else {
      this.need(8, start);
      const hi = this.dv.getUint32(this.pos);
      n = hi * TWO32 + this.dv.getUint32(this.pos + 4);
      this.pos += 8;
      if (hi === 0) _fail('CBOR_NONCANONICAL', `argument ${n} not in shortest form (8-byte for ≤ 0xffffffff)`, start);
    }
    return n;
  }

  item(depth: number): CborValue {
    const start = this.pos;
    if (start >= this.b.length) _fail('CBOR_TRUNCATED', 'input ends where an item should start', start);
    const ib = this.b[this.pos++]!;
    const major = ib >>> 5;
    const ai = ib & 0x1f;
    if (ai >= 28 && ai <= 30) _fail('CBOR_MALFORMED', `reserved additional information ${ai} (§3)`, start);
    if (ai === 31) {
      if (major === 7) _fail('CBOR_MALFORMED', 'break (0xff) outside an indefinite-length item (§3.2.1)', start);
      if (major <= 1 || major === 6) _fail('CBOR_MALFORMED', `additional information 31 on major type ${major} (§3.2.4)`, start);
      _fail('CBOR_NONCANONICAL', `indefinite-length major type ${major} (§4.2.1 forbids it)`, start);
    }
    switch (major) {
      case 0:
      case 1:
        return this.int(major, ai, start);
      case 2: {
        const n = this.arg(ai, start);
        this.need(n, start);
        const out = this.b.slice(this.pos, this.pos + n);
        this.pos += n;
        return out;
      }
      case 3: {
        const n = this.arg(ai, start);
        this.need(n, start);
        const s = this.text(n, start);
        return s;
      }
      case 4: {
        const n = this.arg(ai, start);
        // every item takes at least one byte: fail before allocating for a hostile length
        this.need(n, start);
        if (depth >= MAX_DEPTH) _fail('CBOR_UNSUPPORTED', `nesting deeper than ${MAX_DEPTH}`, start);
        const out: CborValue[] = new Array(n);
        for (let i = 0; i < n; i++) out[i] = this.item(depth + 1);
        return out;
      }
      case 5:
        return this.map(ai, start, depth);
      case 6:
        return _fail('CBOR_UNSUPPORTED', 'tags (major type 6) are not supported', start);
      default:
        return this.simple(ai, start);
    }
  }

  int(major: number, ai: number, start: number): number | bigint {
    if (ai === 27) {
      this.need(8, start);
      const hi = this.dv.getUint32(this.pos);
      if (hi >= 0x200000) {
        // ≥ 2^53: exact via bigint (shortest form holds trivially since hi ≠ 0)
        const n = this.dv.getBigUint64(this.pos);
        this.pos += 8;
        return major === 0 ? n : -1n - n;
      }
    }
    const n = this.arg(ai, start);
    // -1 - (2^53-1) = -2^53 is outside the safe range: bigint, to match the encoder
    if (major === 0) return n;
    return n === Number.MAX_SAFE_INTEGER ? -1n - BigInt(n) : -1 - n;
  }

  text(n: number, start: number): string {
    const b = this.b;
    const p = this.pos;
    this.pos += n;
    if (n <= 64) {
      let s = '';
      let i = 0;
      for (; i < n; i++) {
        const c = b[p + i]!;
        if (c > 0x7f) break;
        s += String.fromCharCode(c);
      }
      if (i === n) return s;
    }
    try {
      return textDecoder.decode(b.subarray(p, p + n));
    } catch {
      return _fail('CBOR_MALFORMED', 'text string is not valid UTF-8', start);
    }
  }

  map(ai: number, start: number, depth: number): CborValue {
    const n = this.arg(ai, start);
    if (n > (this.b.length - this.pos) / 2) {
      _fail('CBOR_TRUNCATED', `map of ${n} entries needs ≥ ${2 * n} bytes, ${this.b.length - this.pos} left`, start);
    }
    if (depth >= MAX_DEPTH) _fail('CBOR_UNSUPPORTED', `nesting deeper than ${MAX_DEPTH}`, start);
    const out: { [key: string]: CborValue } = {};
    let prevStart = -1;
    let prevEnd = -1;
    for (let i = 0; i < n; i++) {
      const ks = this.pos;
      if (ks >= this.b.length) _fail('CBOR_TRUNCATED', 'input ends where a map key should start', ks);
      if (this.b[ks]! >>> 5 !== 3) _fail('CBOR_UNSUPPORTED', 'map key is not a text string', ks);
      const k = this.key(ks);
      const ke = this.pos;
      if (prevStart >= 0) {
        const c = _compareRanges(this.b, prevStart, prevEnd, ks, ke);
        if (c === 0) _fail('CBOR_NONCANONICAL', `duplicate map key ${JSON.stringify(k)}`, ks);
        if (c > 0) _fail('CBOR_NONCANONICAL', `map key ${JSON.stringify(k)} out of order (§4.2.1)`, ks);
      }
      if (k === '__proto__') _fail('CBOR_UNSUPPORTED', 'map key "__proto__" is not allowed', ks);
      prevStart = ks;
      prevEnd = ke;
      out[k] = this.item(depth + 1);
    }
    return out;
  }

  /** Map key at `start` (a text string head), through the short-key cache. */
  key(start: number): string {
    const b = this.b;
    const len = b[start]! - 0x60;
    if (len <= 0 || len >= 24 || len > b.length - start - 1) return this.item(0) as string;
    const p = start + 1;
    let h = len;
    for (let i = 0; i < len; i++) h = Math.imul(h ^ b[p + i]!, 0x01000193); // FNV-1a step
    const slot = (h >>> 16) & (KEY_SLOTS - 1);
    const cached = keySlotBytes[slot];
    if (cached !== undefined && cached.length === len) {
      let i = 0;
      while (i < len && cached[i] === b[p + i]) i++;
      if (i === len) {
        this.pos = p + len;
        return keySlotStr[slot]!;
      }
    }
    const k = this.item(0) as string; // validates UTF-8
    keySlotBytes[slot] = b.slice(p, p + len);
    keySlotStr[slot] = k;
    return k;
  }

  simple(ai: number, start: number): CborValue {
    switch (ai) {
      case 20:
        return false;
      case 21:
        return true;
      case 22:
        return null;
      case 23:
        return _fail('CBOR_UNSUPPORTED', 'undefined (f7) is not supported', start);
      case 24: {
        this.need(1, start);
        const s = this.b[this.pos++]!;
        if (s < 32) _fail('CBOR_MALFORMED', `simple value ${s} in two-byte form (§3.3)`, start);
        return _fail('CBOR_UNSUPPORTED', `simple value ${s} is not supported`, start);
      }
      case 25: {
        this.need(2, start);
        const bits = this.dv.getUint16(this.pos);
        this.pos += 2;
        const v = _fromHalf(bits);
        if (v !== v && bits !== 0x7e00) _fail('CBOR_NONCANONICAL', 'NaN must be encoded as f97e00 (§4.2.2)', start);
        _integral(v, start);
        return v;
      }
      case 26: {
        this.need(4, start);
        const v = this.dv.getFloat32(this.pos);
        this.pos += 4;
        if (v !== v) _fail('CBOR_NONCANONICAL', 'NaN must be encoded as f97e00 (§4.2.2)', start);
        if (_toHalfExact(v) >= 0) _fail('CBOR_NONCANONICAL', `float32 ${v} fits float16 (§4.2.1)`, start);
        _integral(v, start);
        return v;
      }
      case 27: {
        this.need(8, start);
        const v = this.dv.getFloat64(this.pos);
        this.pos += 8;
        if (v !== v) _fail('CBOR_NONCANONICAL', 'NaN must be encoded as f97e00 (§4.2.2)', start);
        if (Math.fround(v) === v) _fail('CBOR_NONCANONICAL', `float64 ${v} fits a shorter float (§4.2.1)`, start);
        _integral(v, start);
        return v;
      }
      default:
        return _fail('CBOR_UNSUPPORTED', `simple value ${ai} is not supported`, start);
    }
  }
}

/** Numeric reduction: integral values are integers, so an integral float is non-canonical. */
function _integral(v: number, start: number): void {
  if (Number.isInteger(v) && !Object.is(v, -0)) {
    _fail('CBOR_NONCANONICAL', `float ${v} is integral; canonical form is an integer`, start);
  }
}

function _compareRanges(b: Uint8Array, as: number, ae: number, bs: number, be: number): number {
  const la = ae - as;
  const lb = be - bs;
  const n = la < lb ? la : lb;
  for (let i = 0; i < n; i++) {
    const d = b[as + i]! - b[bs + i]!;
    if (d !== 0) return d;
  }
  return la - lb;
}
