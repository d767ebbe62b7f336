// Encoder of deterministic CBOR (RFC 8949 §4.2.1) for the data model in cbor-value.ts.
//
// encode throws InputError INPUT_INVALID (message names the path, e.g. $.a[3]) for values
// outside the model: undefined, functions, symbols, Map, Date, class instances, typed
// arrays other than Uint8Array, unsafe integral numbers, out-of-range bigint, lone
// surrogates, "__proto__" keys, symbol keys, nesting deeper than MAX_DEPTH (or a cycle).

import { InputError } from './errors.js';
import { MAX_DEPTH, _kind, type CborValue } from './cbor-value.js';
import { _Writer, _withWriter } from './cbor-writer.js';
import { _toHalfExact } from './float16.js';

const U64_MAX = (1n << 64n) - 1n;
const SAFE_MAX = BigInt(Number.MAX_SAFE_INTEGER);
const SAFE_MIN = -SAFE_MAX;

/** Fault on the unwind path; top-level encode turns it into InputError with the path. */
class _EncodeFault {
  constructor(
    readonly reason: string,
    readonly path: string[] = [],
  ) {}
}

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

/** Encode value into w, turning a fault into InputError naming its path. decode reuses it. */
export function _fill(w: _Writer, value: unknown): void {
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
