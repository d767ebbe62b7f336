// Deterministic CBOR: RFC 8949 §4.2.1 "core deterministic encoding requirements", for the
// subset of the data model we store. One canonical byte string per value, so hashes and
// signatures over encoded objects are stable. cbor-x cannot sort keys by encoded bytes nor
// emit float16, hence this module.
//
// Data model (CborValue) and its canonical form:
// - Integral numbers (Number.isInteger, safe range only) and bigint in [-2^64, 2^64-1]:
//   major type 0/1 with the shortest argument (§4.2.1, §3.1). No bignum tags (§3.4.3).
//   Decoding gives a number within ±(2^53-1), else a bigint; so 5n round-trips as 5.
// - Numeric reduction (as in dCBOR, draft-mcnally-deterministic-cbor): an integral value
//   is ALWAYS an integer, never a float. Hence a float item that holds an integral value
//   (f90000, f93c00, fa47c35000, ...) is non-canonical here. -0 is the exception: it is not
//   representable as an integer, so it stays a float (f98000). Integral numbers outside the
//   safe range (1e300, 2^60) cannot be passed as number: pass a bigint (≤ 64 bits) instead.
// - Other numbers: the shortest of float16/32/64 that holds the value exactly (§4.2.1,
//   preferred serialisation §4.1 / §3.3); NaN always f97e00 (§4.2.2: one NaN, quiet, no payload).
// - string: major 3, strict UTF-8 (§3.1; lone surrogates are rejected on encode, invalid
//   UTF-8 on decode). A leading U+FEFF is data, not a BOM.
// - Uint8Array: major 2. Decoding returns a fresh plain Uint8Array (a copy, never a Buffer).
// - Array: major 4. Plain object: major 5, text keys only, sorted by the bytewise order of
//   their encodings (§4.2.1), i.e. shorter UTF-8 first, then bytewise. No duplicates.
// - true f5, false f4, null f6. Nothing else: no undefined, tags, other simple values,
//   indefinite lengths.
//
// Error codes of decode (all IntegrityError, message names the byte offset, data.offset):
// - CBOR_TRUNCATED: the input ends inside an item, or a length claims more bytes (or, for
//   arrays and maps, more items) than remain. Checked before any allocation.
// - CBOR_MALFORMED: not well-formed CBOR (§3, Appendix F): reserved additional info 28-30,
//   indefinite length on major 0/1/6, a stray break (ff), f8 with a value < 32 (§3.3);
//   invalid UTF-8; trailing bytes after the single top-level item.
// - CBOR_NONCANONICAL: well-formed but not the one deterministic form: non-shortest
//   argument, indefinite-length string/array/map (§4.2.1 forbids them), non-shortest or
//   integral float, NaN other than f97e00, keys out of order or duplicated, or (final
//   guarantee) the re-encoding of the decoded value differs from the input.
// - CBOR_UNSUPPORTED: well-formed but outside our data model: tags (major 6), undefined,
//   simple values other than false/true/null, non-text map keys, the key "__proto__"
//   (rejected rather than defined, so no decoded object can ever have a surprising
//   prototype and encode/decode stay symmetric), nesting deeper than MAX_DEPTH.
// encode throws InputError INPUT_INVALID (message names the path, e.g. $.a[3]) for values
// outside the model: undefined, functions, symbols, Map, Date, class instances, typed
// arrays other than Uint8Array, unsafe integral numbers, out-of-range bigint, lone
// surrogates, "__proto__" keys, symbol keys, nesting deeper than MAX_DEPTH (or a cycle).

import { InputError, IntegrityError, type ErrorCode } from './errors.js';
import { plain } from './bytes.js';

export type CborValue =
  | number
  | bigint
  | string
  | Uint8Array
  | boolean
  | null
  | CborValue[]
  | { [key: string]: CborValue };

/** Containers (arrays, maps) nested deeper than this are refused by encode and decode. */
export const MAX_DEPTH = 256;

// ---------------------------------------------------------------------------------------
// float16 by hand (IEEE 754 binary16: 1 sign, 5 exponent (bias 15), 10 fraction bits).

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** binary16 bits of v if v is exactly representable (not NaN), else -1. */
export function _toHalfExact(v: number): number {
  if (Math.fround(v) !== v) return -1; // not even a float32 (also rejects NaN)
  f32[0] = v;
  const bits = u32[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  const mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00; // ±Infinity (NaN excluded above)
  if (exp === 0) return mant === 0 ? sign : -1; // ±0; float32 subnormals are < 2^-126
  const e = exp - 127;
  if (e > 15) return -1;
  if (e >= -14) {
    // normal half: the low 13 of the 23 fraction bits must be zero
    return (mant & 0x1fff) === 0 ? sign | ((e + 15) << 10) | (mant >>> 13) : -1;
  }
  if (e < -24) return -1;
  // subnormal half: value = m * 2^-24, m = significand (24 bits, implicit 1) >> (-1 - e)
  const full = 0x800000 | mant;
  const shift = -1 - e; // 14..23
  return (full & ((1 << shift) - 1)) === 0 ? sign | (full >>> shift) : -1;
}

/** Value of binary16 bits h. */
export function _fromHalf(h: number): number {
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  let v: number;
  if (exp === 0) v = mant * 2 ** -24;
  else if (exp === 31) v = mant === 0 ? Infinity : NaN;
  else v = (1024 + mant) * 2 ** (exp - 25);
  return h & 0x8000 ? -v : v;
}

// ---------------------------------------------------------------------------------------
// Encoder: one growable buffer, reused across calls when not re-entered.

const TWO32 = 4294967296;
const U64_MAX = (1n << 64n) - 1n;
const SAFE_MAX = BigInt(Number.MAX_SAFE_INTEGER);
const SAFE_MIN = -SAFE_MAX;
const KEEP_BYTES = 1 << 20; // drop the shared buffer after an encode that grew past this

/** Fault on the unwind path; top-level encode turns it into InputError with the path. */
class _EncodeFault {
  constructor(
    readonly reason: string,
    readonly path: string[] = [],
  ) {}
}

class _Writer {
  buf = new Uint8Array(256);
  dv = new DataView(this.buf.buffer);
  pos = 0;
  busy = false;

  ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.dv = new DataView(next.buffer);
  }

  /** Major type (0..7) and argument 0 ≤ n ≤ 2^53-1, shortest form (§4.2.1 first bullet). */
  head(major: number, n: number): void {
    this.ensure(9);
    const m = major << 5;
    const b = this.buf;
    if (n < 24) b[this.pos++] = m | n;
    else if (n <= 0xff) {
      b[this.pos++] = m | 24;
      b[this.pos++] = n;
    } else if (n <= 0xffff) {
      b[this.pos++] = m | 25;
      this.dv.setUint16(this.pos, n);
      this.pos += 2;
    } else if (n <= 0xffffffff) {
      b[this.pos++] = m | 26;
      this.dv.setUint32(this.pos, n);
      this.pos += 4;
    } else {
      b[this.pos++] = m | 27;
      this.dv.setUint32(this.pos, Math.floor(n / TWO32));
      this.dv.setUint32(this.pos + 4, n >>> 0);
      this.pos += 8;
    }
  }

  raw(bytes: Uint8Array): void {
    const n = bytes.length;
    this.ensure(n);
    if (n > 32) this.buf.set(bytes, this.pos);
    else for (let i = 0, b = this.buf, p = this.pos; i < n; i++) b[p + i] = bytes[i]!; // set() is slow for tiny arrays
    this.pos += n;
  }
}

const shared = new _Writer();

function _number(w: _Writer, v: number): void {
  if (Number.isInteger(v) && !Object.is(v, -0)) {
    if (!Number.isSafeInteger(v)) {
      throw new _EncodeFault(`integral number ${v} is outside the safe range; pass a bigint`);
    }
    if (v >= 0) w.head(0, v);
    else w.head(1, -1 - v);
    return;
  }
  w.ensure(9);
  const b = w.buf;
  if (v !== v) {
    b[w.pos++] = 0xf9; // §4.2.2: NaN is always the quiet half-precision NaN
    b[w.pos++] = 0x7e;
    b[w.pos++] = 0x00;
    return;
  }
  const h = _toHalfExact(v);
  if (h >= 0) {
    b[w.pos++] = 0xf9;
    w.dv.setUint16(w.pos, h);
    w.pos += 2;
  } else if (Math.fround(v) === v) {
    b[w.pos++] = 0xfa;
    w.dv.setFloat32(w.pos, v);
    w.pos += 4;
  } else {
    b[w.pos++] = 0xfb;
    w.dv.setFloat64(w.pos, v);
    w.pos += 8;
  }
}

function _bigint(w: _Writer, v: bigint): void {
  if (v >= SAFE_MIN && v <= SAFE_MAX) return _number(w, Number(v));
  const neg = v < 0n;
  const n = neg ? -1n - v : v;
  if (n > U64_MAX) throw new _EncodeFault(`bigint ${v} is outside [-2^64, 2^64-1] (no bignum tags)`);
  w.ensure(9);
  w.buf[w.pos++] = neg ? 0x3b : 0x1b; // beyond 2^53 the 8-byte argument is the shortest
  w.dv.setBigUint64(w.pos, n);
  w.pos += 8;
}

const textEncoder = new TextEncoder();

/**
 * UTF-8 byte length of s (RFC 3629), or -1 if s holds a lone surrogate: TextEncoder would
 * silently write U+FFFD for it, and a codec that changes data is worse than one that refuses.
 */
function _utf8Length(s: string): number {
  let len = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) len += 1;
    else if (c < 0x800) len += 2;
    else if (c < 0xd800 || c > 0xdfff) len += 3;
    else if (c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      len += 4;
      i++;
    } else return -1;
  }
  return len;
}

function _string(w: _Writer, s: string): void {
  const len = _utf8Length(s);
  if (len < 0) throw new _EncodeFault('string holds a lone UTF-16 surrogate (not valid UTF-8)');
  w.head(3, len);
  w.ensure(len);
  const b = w.buf;
  let p = w.pos;
  const n = s.length;
  if (len === n) {
    for (let i = 0; i < n; i++) b[p++] = s.charCodeAt(i); // ASCII
  } else if (n > 256) {
    p += textEncoder.encodeInto(s, b.subarray(p, p + len)).written;
  } else {
    for (let i = 0; i < n; i++) {
      let c = s.charCodeAt(i);
      if (c < 0x80) b[p++] = c;
      else if (c < 0x800) {
        b[p++] = 0xc0 | (c >> 6);
        b[p++] = 0x80 | (c & 0x3f);
      } else if (c < 0xd800 || c > 0xdfff) {
        b[p++] = 0xe0 | (c >> 12);
        b[p++] = 0x80 | ((c >> 6) & 0x3f);
        b[p++] = 0x80 | (c & 0x3f);
      } else {
        c = 0x10000 + ((c - 0xd800) << 10) + (s.charCodeAt(++i) - 0xdc00); // pair checked above
        b[p++] = 0xf0 | (c >> 18);
        b[p++] = 0x80 | ((c >> 12) & 0x3f);
        b[p++] = 0x80 | ((c >> 6) & 0x3f);
        b[p++] = 0x80 | (c & 0x3f);
      }
    }
  }
  w.pos = p;
}

// Map keys. §4.2.1 orders keys by their encoded bytes; for text keys that is shorter UTF-8
// first, then bytewise (which is code point order, not JS's UTF-16 order). Records tend to
// share key lists, so the sorted order is cached in a trie over the Object.keys sequence
// (one Map lookup per key, no string building). Both caches are bounded.
const KEY_CACHE_MAX = 10_000;
const TRIE_NODES_MAX = 10_000;
const keyBytes = new Map<string, Uint8Array>();
interface _Order {
  sorted: string[];
  encoded: Uint8Array[]; // encoded keys, in sorted order
}
interface _Node {
  next: Map<string, _Node>;
  order: _Order | undefined;
}
let trie: _Node = { next: new Map(), order: undefined };
let trieNodes = 0;

function _encodedKey(k: string): Uint8Array {
  let e = keyBytes.get(k);
  if (e === undefined) {
    if (k === '__proto__') throw new _EncodeFault('key "__proto__" is not allowed');
    const w = new _Writer();
    _string(w, k);
    e = w.buf.slice(0, w.pos);
    if (keyBytes.size >= KEY_CACHE_MAX) keyBytes.clear();
    keyBytes.set(k, e);
  }
  return e;
}

function _compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

function _order(keys: string[]): _Order {
  if (trieNodes > TRIE_NODES_MAX) {
    trie = { next: new Map(), order: undefined };
    trieNodes = 0;
  }
  let node = trie;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    let child = node.next.get(k);
    if (child === undefined) {
      child = { next: new Map(), order: undefined };
      node.next.set(k, child);
      trieNodes++;
    }
    node = child;
  }
  if (node.order !== undefined) return node.order;
  const pairs = keys.map((k) => ({ k, e: _encodedKey(k) }));
  pairs.sort((x, y) => _compareBytes(x.e, y.e));
  node.order = { sorted: pairs.map((p) => p.k), encoded: pairs.map((p) => p.e) };
  return node.order;
}

function _kind(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v !== 'object') return typeof v;
  const c = (v as object).constructor;
  return typeof c === 'function' && c.name ? c.name : 'object';
}

function _value(w: _Writer, v: unknown, depth: number): void {
  switch (typeof v) {
    case 'number':
      return _number(w, v);
    case 'string':
      return _string(w, v);
    case 'boolean':
      w.ensure(1);
      w.buf[w.pos++] = v ? 0xf5 : 0xf4;
      return;
    case 'bigint':
      return _bigint(w, v);
    case 'object':
      break;
    default:
      throw new _EncodeFault(`${typeof v} is not a CBOR value${v === undefined ? ' (omit optional fields instead)' : ''}`);
  }
  if (v === null) {
    w.ensure(1);
    w.buf[w.pos++] = 0xf6;
    return;
  }
  if (v instanceof Uint8Array) {
    w.head(2, v.length);
    w.raw(v);
    return;
  }
  if (depth >= MAX_DEPTH) throw new _EncodeFault(`nesting deeper than ${MAX_DEPTH} (or a cycle)`);
  if (Array.isArray(v)) {
    const n = v.length;
    w.head(4, n);
    for (let i = 0; i < n; i++) {
      try {
        _value(w, v[i], depth + 1);
      } catch (e) {
        if (e instanceof _EncodeFault) e.path.unshift(`[${i}]`);
        throw e;
      }
    }
    return;
  }
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) {
    throw new _EncodeFault(`${_kind(v)} is not a CBOR value (plain objects, arrays and Uint8Array only)`);
  }
  // never drop data silently: symbol keys would vanish (≈100 ns per object, worth it)
  if (Object.getOwnPropertySymbols(v).length > 0) throw new _EncodeFault('object has symbol keys');
  const keys = Object.keys(v);
  const o = _order(keys);
  w.head(5, keys.length);
  const rec = v as Record<string, unknown>;
  for (let i = 0; i < o.sorted.length; i++) {
    const k = o.sorted[i]!;
    w.raw(o.encoded[i]!);
    try {
      _value(w, rec[k], depth + 1);
    } catch (e) {
      if (e instanceof _EncodeFault) e.path.unshift(/^[A-Za-z_$][\w$]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`);
      throw e;
    }
  }
}

/** Run fn with a writer: the shared one unless re-entered (e.g. from a getter). */
function _withWriter<T>(fn: (w: _Writer) => T): T {
  const w = shared.busy ? new _Writer() : shared;
  w.busy = true;
  w.pos = 0;
  try {
    return fn(w);
  } finally {
    w.busy = false;
    if (w === shared && w.buf.length > KEEP_BYTES) {
      w.buf = new Uint8Array(256);
      w.dv = new DataView(w.buf.buffer);
    }
  }
}

function _fill(w: _Writer, value: unknown): void {
  try {
    _value(w, value, 0);
  } catch (e) {
    if (e instanceof _EncodeFault) {
      const path = '$' + e.path.join('');
      throw new InputError('INPUT_INVALID', `cbor.encode: ${e.reason} at ${path}`, { path });
    }
    throw e;
  }
}

/** Canonical (RFC 8949 §4.2.1) encoding of value. Throws InputError for values outside CborValue. */
export function encode(value: CborValue): Uint8Array {
  return _withWriter((w) => {
    _fill(w, value);
    return w.buf.slice(0, w.pos);
  });
}

// ---------------------------------------------------------------------------------------
// Decoder: structural checks at every head, then the re-encode comparison.

// Own decoder: bytes.fromUtf8 strips a leading U+FEFF (ignoreBOM defaults to false), which
// would lose data inside a CBOR text string.
const textDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function _fail(code: ErrorCode, what: string, offset: number): never {
  throw new IntegrityError(code, `cbor.decode: ${what} at byte ${offset}`, { offset });
}

// Decoded short map keys by their UTF-8 bytes: records repeat their keys, so this skips
// UTF-8 decoding and hands V8 the same (internalized) key string each time. Bytes in the
// cache were validated when first decoded.
const KEY_SLOTS = 4096;
const keySlotBytes: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(KEY_SLOTS).fill(undefined);
const keySlotStr: (string | undefined)[] = new Array<string | undefined>(KEY_SLOTS).fill(undefined);

class _Reader {
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

/**
 * Strict decode of exactly one canonical item. Throws IntegrityError (CBOR_TRUNCATED,
 * CBOR_MALFORMED, CBOR_NONCANONICAL, CBOR_UNSUPPORTED) naming the byte offset.
 */
export function decode(bytes: Uint8Array): CborValue {
  if (!(bytes instanceof Uint8Array)) {
    throw new InputError('INPUT_INVALID', `cbor.decode: expected a Uint8Array, got ${_kind(bytes)}`);
  }
  const input = plain(bytes);
  const r = new _Reader(input);
  const value = r.item(0);
  if (r.pos !== input.length) {
    _fail('CBOR_MALFORMED', `${input.length - r.pos} trailing byte(s) after the item`, r.pos);
  }
  // Final guarantee: the input is exactly the canonical encoding of what we return.
  _withWriter((w) => {
    try {
      _fill(w, value);
    } catch (e) {
      if (e instanceof InputError) _fail('CBOR_NONCANONICAL', `decoded value cannot be re-encoded: ${e.message}`, 0);
      throw e;
    }
    const out = w.buf;
    const n = w.pos < input.length ? w.pos : input.length;
    for (let i = 0; i < n; i++) {
      if (out[i] !== input[i]) _fail('CBOR_NONCANONICAL', 're-encoding differs from the input', i);
    }
    if (w.pos !== input.length) _fail('CBOR_NONCANONICAL', 're-encoding differs in length from the input', n);
  });
  return value;
}
