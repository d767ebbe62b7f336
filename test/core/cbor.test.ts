// Deterministic CBOR (src/core/cbor.ts): RFC 8949 Appendix A vectors both ways, the strict
// decoder's reject list, shortest floats, key order, hostile input, and seeded properties.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decode, encode, MAX_DEPTH, _fromHalf, _toHalfExact, type CborValue } from '../../src/core/cbor.js';
import { fromHex, toHex } from '../../src/core/bytes.js';
import { CognifyError, InputError, IntegrityError } from '../../src/core/errors.js';

interface Accept {
  hex: string;
  diag: string;
  value?: CborValue;
  bigint?: string;
  bytes?: string;
  float?: 'NaN' | 'Infinity' | '-Infinity' | '-0';
}
interface Reject {
  hex: string;
  diag: string;
  code: string;
  reason: string;
}
const vectors = JSON.parse(
  readFileSync(new URL('../vectors/rfc8949-appendix-a.json', import.meta.url), 'utf8'),
) as { accept: Accept[]; reject: Reject[] };

const FLOATS = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity, '-0': -0 } as const;

function expected(v: Accept): CborValue {
  if (v.bigint !== undefined) return BigInt(v.bigint);
  if (v.bytes !== undefined) return fromHex(v.bytes);
  if (v.float !== undefined) return FLOATS[v.float];
  return v.value!;
}

const hex = (v: CborValue): string => toHex(encode(v));
const dec = (h: string): CborValue => decode(fromHex(h));

/** The error decode throws, asserting it is a typed IntegrityError. */
function decodeError(bytes: Uint8Array): IntegrityError {
  try {
    decode(bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(IntegrityError);
    return e as IntegrityError;
  }
  throw new Error(`expected decode(${toHex(bytes)}) to throw`);
}
const code = (h: string): string => decodeError(fromHex(h)).code;

function encodeError(v: unknown): InputError {
  try {
    encode(v as CborValue);
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).code).toBe('INPUT_INVALID');
    return e as InputError;
  }
  throw new Error('expected encode to throw');
}

describe('RFC 8949 Appendix A', () => {
  it.each(vectors.accept.map((v) => [v.diag, v] as const))('accepts %s both ways', (_d, v) => {
    const want = expected(v);
    expect(hex(want)).toBe(v.hex);
    const got = dec(v.hex);
    expect(got).toStrictEqual(want); // Object.is on numbers: -0 ≠ 0, NaN = NaN
    if (want instanceof Uint8Array) expect((got as Uint8Array).constructor).toBe(Uint8Array);
  });

  it.each(vectors.reject.map((v) => [v.diag, v.hex, v] as const))('rejects %s (%s)', (_d, h, v) => {
    expect(code(h)).toBe(v.code);
  });

  it('covers every row of the appendix', () => {
    expect(vectors.accept.length + vectors.reject.length).toBe(82);
  });
});

describe('integers', () => {
  it.each([
    [23, '17'],
    [24, '1818'],
    [255, '18ff'],
    [256, '190100'],
    [65535, '19ffff'],
    [65536, '1a00010000'],
    [4294967295, '1affffffff'],
    [4294967296, '1b0000000100000000'],
    [Number.MAX_SAFE_INTEGER, '1b001fffffffffffff'],
    [-24, '37'],
    [-25, '3818'],
    [-256, '38ff'],
    [-257, '390100'],
    [-4294967296, '3affffffff'],
    [-4294967297, '3b0000000100000000'],
    [-Number.MAX_SAFE_INTEGER, '3b001ffffffffffffe'],
  ])('%d ↔ %s', (n, h) => {
    expect(hex(n)).toBe(h);
    expect(dec(h)).toBe(n);
  });

  it('bigints: shortest form; safe ones come back as numbers', () => {
    expect(hex(5n)).toBe('05');
    expect(dec('05')).toBe(5);
    expect(hex(-1n)).toBe('20');
    expect(hex(2n ** 53n)).toBe('1b0020000000000000');
    expect(dec('1b0020000000000000')).toBe(2n ** 53n);
    expect(hex(-(2n ** 53n))).toBe('3b001fffffffffffff');
    expect(dec('3b001fffffffffffff')).toBe(-(2n ** 53n));
    expect(hex(2n ** 64n - 1n)).toBe('1bffffffffffffffff');
    expect(hex(-(2n ** 64n))).toBe('3bffffffffffffffff');
  });

  it('refuses unsafe numbers and out-of-range bigints', () => {
    encodeError(2 ** 53);
    encodeError(-(2 ** 53));
    encodeError(1e300);
    encodeError(2n ** 64n);
    encodeError(-(2n ** 64n) - 1n);
  });

  it.each([
    ['1817', 'value < 24 in 1 byte'],
    ['1900ff', '≤ 0xff in 2 bytes'],
    ['1a0000ffff', '≤ 0xffff in 4 bytes'],
    ['1b00000000ffffffff', '≤ 0xffffffff in 8 bytes'],
    ['3817', 'negative, value < 24 in 1 byte'],
    ['3b0000000000000000', 'negative, 0 in 8 bytes'],
    ['5801ff', 'byte string length 1 in 1 byte'],
    ['780161', 'text length 1 in 1 byte'],
    ['980100', 'array length 1 in 1 byte'],
    ['b90001616100', 'map length 1 in 2 bytes'],
  ])('rejects non-shortest %s (%s)', (h, _why) => {
    const e = decodeError(fromHex(h));
    expect(e.code).toBe('CBOR_NONCANONICAL');
    expect(e.data.offset).toBe(0);
  });
});

describe('floats: shortest exact form, numeric reduction', () => {
  it.each([
    [1.5, 'f93e00'],
    [0.5, 'f93800'],
    [-2.5, 'f9c100'],
    [100000.5, 'fa47c35040'],
    [65504.5, 'fa477fe080'],
    [1.1, 'fb3ff199999999999a'],
    [0.1, 'fb3fb999999999999a'],
    [Math.fround(0.1), 'fa3dcccccd'],
    [5.960464477539063e-8, 'f90001'], // smallest half subnormal, 2^-24
    [-(2 ** -24), 'f98001'],
    [1023 * 2 ** -24, 'f903ff'], // largest half subnormal
    [2 ** -14, 'f90400'], // smallest half normal
    [2 ** -25, 'fa33000000'], // below half range: float32
    [3 * 2 ** -25, 'fa33c00000'], // 1.5 * 2^-24: finer than the half subnormal step
    [65503.5, 'fa477fdf80'], // within half range but needs 12 significant bits
  ])('%d → %s', (v, h) => {
    expect(hex(v)).toBe(h);
    expect(Object.is(dec(h), v)).toBe(true);
  });

  it('-0, NaN and infinities', () => {
    expect(hex(-0)).toBe('f98000');
    expect(Object.is(dec('f98000'), -0)).toBe(true);
    expect(hex(0)).toBe('00');
    expect(hex(NaN)).toBe('f97e00');
    expect(hex(Infinity)).toBe('f97c00');
    expect(hex(-Infinity)).toBe('f9fc00');
    // other NaNs (payload, signalling, negative) are not the canonical NaN
    for (const h of ['f97e01', 'f97c01', 'f9fe00', 'fa7fc00001', 'fb7ff8000000000001']) {
      expect(code(h)).toBe('CBOR_NONCANONICAL');
    }
  });

  it('rejects floats that a shorter float holds, and integral floats', () => {
    expect(code('fa3fc00000')).toBe('CBOR_NONCANONICAL'); // 1.5 as float32
    expect(code('fb3ff8000000000000')).toBe('CBOR_NONCANONICAL'); // 1.5 as float64
    expect(code('fb40f86a0800000000')).toBe('CBOR_NONCANONICAL'); // 100000.5 as float64
    expect(code('fa80000000')).toBe('CBOR_NONCANONICAL'); // -0 as float32
    expect(code('f94000')).toBe('CBOR_NONCANONICAL'); // 2.0
    expect(code('fa4b800000')).toBe('CBOR_NONCANONICAL'); // 16777216.0
  });

  it('float16 conversion agrees with the table of all 65536 halves', () => {
    const halves = new Set<number>(); // SameValueZero: 0 and -0 are one entry, both halves
    for (let h = 0; h < 0x10000; h++) {
      const v = _fromHalf(h);
      if (Number.isNaN(v)) continue;
      halves.add(v);
      expect(_toHalfExact(v)).toBe(h);
      if (!Number.isInteger(v) || Object.is(v, -0)) {
        expect(toHex(encode(v))).toBe('f9' + h.toString(16).padStart(4, '0'));
      }
    }
    // random float32 and float64 values near the half range: exact iff in the table
    const rnd = rng(7);
    const dv = new DataView(new ArrayBuffer(8));
    for (let i = 0; i < 20000; i++) {
      let v: number;
      if (i % 2) {
        dv.setUint32(0, (0x33000000 + Math.floor(rnd() * 0x14800000)) >>> 0);
        v = dv.getFloat32(0) * (rnd() < 0.5 ? -1 : 1);
      } else {
        v = _fromHalf(Math.floor(rnd() * 0x7c00)) + (rnd() < 0.5 ? 2 ** -(10 + Math.floor(rnd() * 30)) : 0);
      }
      expect(_toHalfExact(v) >= 0).toBe(halves.has(v));
    }
  });
});

describe('strings and bytes', () => {
  it('round-trips UTF-8, including a leading U+FEFF (not a BOM here)', () => {
    for (const s of ['\uFEFFabc', 'ü'.repeat(100), 'x'.repeat(64), 'x'.repeat(65), '😀', 'a\u0000b']) {
      expect(decode(encode(s))).toBe(s);
    }
    expect(hex('\uFEFF')).toBe('63efbbbf');
  });

  it('refuses lone surrogates on encode, invalid UTF-8 on decode', () => {
    encodeError('a\uD800');
    encodeError('\uDC00b');
    encodeError({ k: 'x\uDBFF' });
    for (const h of ['61ff', '62c328', '63eda080', '64f4908080', '62c0af', '6180']) {
      const e = decodeError(fromHex(h));
      expect(e.code).toBe('CBOR_MALFORMED');
      expect(e.data.offset).toBe(0);
    }
  });

  it('decodes byte strings into fresh plain Uint8Arrays, also from a Buffer', () => {
    const input = Buffer.from('4401020304', 'hex');
    const out = decode(input) as Uint8Array;
    expect(out.constructor).toBe(Uint8Array);
    input[1] = 9;
    expect([...out]).toEqual([1, 2, 3, 4]);
    expect(hex(Buffer.from([1, 2]))).toBe('420102');
  });
});

describe('maps', () => {
  it('sorts keys by encoded bytes: shorter first, then bytewise', () => {
    expect(hex({ b: 1, a: 2, aa: 3 })).toBe('a3' + '616102' + '616201' + '62616103');
    expect(Object.keys(dec('a3616102616201626161' + '03') as object)).toEqual(['a', 'b', 'aa']);
    // UTF-8 order differs from UTF-16 order: U+E000 (ee 80 80) sorts before U+10000 (f0 90 80 80)
    const v = { '\u{10000}': 1, '\uE000a': 2 };
    expect(hex(v)).toBe('a2' + '64ee80806102' + '64f090808001');
    expect(decode(encode(v))).toStrictEqual(v);
    // the cached order is per key list, not per object
    expect(hex({ a: 1, b: 2 })).toBe(hex({ b: 2, a: 1 }));
    // integer-like keys (which JS lists first) are just strings
    expect(hex({ b: 0, 10: 0, 9: 0 })).toBe('a3' + '613900' + '616200' + '62313000');
  });

  it('rejects keys out of order, duplicated, non-text, or __proto__', () => {
    expect(decodeError(fromHex('a2616201616102')).data.offset).toBe(4); // b, a
    expect(code('a2616201616102')).toBe('CBOR_NONCANONICAL');
    expect(code('a2626161016162' + '02')).toBe('CBOR_NONCANONICAL'); // aa before b
    expect(code('a2616101616102')).toBe('CBOR_NONCANONICAL'); // duplicate
    expect(code('a10102')).toBe('CBOR_UNSUPPORTED'); // int key
    expect(code('a14161' + '01')).toBe('CBOR_UNSUPPORTED'); // byte-string key
    expect(code('a1' + '695f5f70726f746f5f5f' + 'a0')).toBe('CBOR_UNSUPPORTED');
  });

  it('refuses what encode cannot represent, naming the path', () => {
    expect(encodeError({ a: [1, undefined] }).data.path).toBe('$.a[1]');
    expect(encodeError({ 'x y': { z: () => 1 } }).data.path).toBe('$["x y"].z');
    encodeError(new Map());
    encodeError(new Date(0));
    encodeError(new (class Point {})());
    encodeError(new Uint16Array(2));
    encodeError(Symbol('s'));
    encodeError([, 1]); // hole
    encodeError(JSON.parse('{"__proto__": 1}'));
    encodeError({ [Symbol('k')]: 1 });
    const cyc: Record<string, unknown> = {};
    cyc.self = cyc;
    encodeError(cyc);
  });

  it('accepts null-prototype objects and decodes into plain objects', () => {
    const o = Object.create(null) as Record<string, CborValue>;
    o.k = 1;
    expect(hex(o)).toBe('a1616b01');
    const back = dec('a1616b01') as Record<string, CborValue>;
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(dec('a16b636f6e7374727563746f7201')).toStrictEqual({ constructor: 1 });
  });
});

describe('hostile and malformed input', () => {
  it.each([
    ['5bffffffffffffffff', 'byte string of 2^64-1 bytes'],
    ['7bffffffffffffffff00', 'text of 2^64-1 bytes'],
    ['9bffffffffffffffff', 'array of 2^64-1 items'],
    ['bbffffffffffffffff', 'map of 2^64-1 entries'],
    ['5affffffff00', 'byte string of 2^32-1 bytes'],
    ['9a7fffffff0000', 'array of 2^31-1 items'],
    ['a3616100616200', 'map of 3 entries in 6 bytes'],
    ['', 'empty input'],
  ])('%s (%s) → CBOR_TRUNCATED without allocating', (h, _why) => {
    expect(code(h)).toBe('CBOR_TRUNCATED');
  });

  it.each([
    ['1c', 'CBOR_MALFORMED'], // reserved additional information
    ['5d', 'CBOR_MALFORMED'],
    ['fe', 'CBOR_MALFORMED'],
    ['ff', 'CBOR_MALFORMED'], // stray break
    ['1f', 'CBOR_MALFORMED'], // indefinite unsigned
    ['3f', 'CBOR_MALFORMED'],
    ['df', 'CBOR_MALFORMED'], // indefinite tag
    ['f800', 'CBOR_MALFORMED'], // simple < 32 in two bytes
    ['f81f', 'CBOR_MALFORMED'],
    ['f820', 'CBOR_UNSUPPORTED'],
    ['f3', 'CBOR_UNSUPPORTED'],
    ['0000', 'CBOR_MALFORMED'], // trailing byte
    ['8001', 'CBOR_MALFORMED'],
  ])('%s → %s', (h, c) => {
    expect(code(h)).toBe(c);
  });

  it('names the offending byte offset', () => {
    expect(decodeError(fromHex('83018202039f0405ff')).data.offset).toBe(5);
    expect(decodeError(fromHex('82616162ff00')).data.offset).toBe(3);
    expect(decodeError(fromHex('820000' + '00')).data.offset).toBe(3);
    const e = decodeError(fromHex('82f5d800'));
    expect(e.data.offset).toBe(2);
    expect(e.message).toMatch(/at byte 2/);
  });

  it(`limits nesting to ${MAX_DEPTH} containers`, () => {
    let v: CborValue = 0;
    for (let i = 0; i < MAX_DEPTH; i++) v = i % 2 ? [v] : { k: v };
    expect(decode(encode(v))).toStrictEqual(v);
    encodeError([v]);
    const deep = new Uint8Array(MAX_DEPTH + 2).fill(0x81);
    deep[MAX_DEPTH + 1] = 0;
    const e = decodeError(deep);
    expect(e.code).toBe('CBOR_UNSUPPORTED');
    expect(e.data.offset).toBe(MAX_DEPTH);
    expect(code('81'.repeat(100000))).toBe('CBOR_UNSUPPORTED'); // hostile depth: no stack overflow
  });

  it('every proper prefix of a complex value is CBOR_TRUNCATED', () => {
    const bytes = encode(complexValue());
    for (let n = 0; n < bytes.length; n++) {
      expect(decodeError(bytes.subarray(0, n)).code).toBe('CBOR_TRUNCATED');
    }
  });

  it('flipped bytes only ever raise typed errors, and what decodes is canonical', () => {
    const bytes = encode(complexValue());
    const rnd = rng(3);
    for (let i = 0; i < bytes.length; i++) {
      for (const mask of [0x01, 0x02, 0x10, 0x20, 0x80, 0xff, 1 + Math.floor(rnd() * 255)]) {
        const m = bytes.slice();
        m[i]! ^= mask;
        checkTyped(m);
      }
    }
    for (let i = 0; i < 5000; i++) {
      const m = new Uint8Array(1 + Math.floor(rnd() * 24));
      for (let j = 0; j < m.length; j++) m[j] = Math.floor(rnd() * 256);
      checkTyped(m);
    }
  });
});

describe('round-trip properties (seeded)', () => {
  it('decode(encode(v)) equals v and encode(decode(b)) equals b', () => {
    const rnd = rng(42);
    for (let i = 0; i < 3000; i++) {
      const v = randomValue(rnd, 0);
      const b = encode(v);
      const back = decode(b);
      expect(back).toStrictEqual(normalise(v));
      expect(toHex(encode(back))).toBe(toHex(b));
    }
  });

  it('decodes many small records (shared buffer and caches stay consistent)', () => {
    const rec = (i: number): CborValue => ({ id: i, name: `n${i}`, score: i + 0.5, tags: ['a', 'b'], ok: i % 2 === 0 });
    const blobs = Array.from({ length: 5000 }, (_, i) => encode(rec(i)));
    for (let i = 0; i < blobs.length; i++) expect(decode(blobs[i]!)).toStrictEqual(rec(i));
  });

  it('decodes more distinct short keys than the key cache has slots', () => {
    const o: Record<string, CborValue> = {};
    for (let i = 0; i < 10000; i++) o[`k${i.toString(36)}`] = i;
    const b = encode(o);
    expect(decode(b)).toStrictEqual(o);
    for (let i = 0; i < 10000; i += 97) expect(decode(encode({ [`k${i.toString(36)}`]: i, z: 1 }))).toStrictEqual({ [`k${i.toString(36)}`]: i, z: 1 });
  });
});

// ---------------------------------------------------------------------------------------

function checkTyped(bytes: Uint8Array): void {
  let v: CborValue;
  try {
    v = decode(bytes);
  } catch (e) {
    if (!(e instanceof CognifyError)) throw e;
    expect(e).toBeInstanceOf(IntegrityError);
    return;
  }
  expect(toHex(encode(v))).toBe(toHex(bytes));
}

function complexValue(): CborValue {
  return {
    name: 'dataset-\u00fc-\u6c34-\u{10151}',
    rows: 1234567,
    big: 2n ** 60n,
    neg: -(2n ** 64n),
    ratio: 0.25,
    pi: Math.PI,
    f32: 100000.5,
    negz: -0,
    nan: NaN,
    blob: new Uint8Array([0, 1, 2, 254, 255]),
    list: [1, -1, 24, -25, 256, [true, false, null], {}],
    nested: { a: { b: { c: 'deep' } }, aa: [] },
    long: 'x'.repeat(300),
  };
}

/** mulberry32: tiny seeded PRNG, enough for reproducible property tests. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = ['a', 'b', 'z', '0', ' ', '\u00fc', '\u6c34', '\uE000', '\uFEFF', '\u{10151}', '\u{1F600}', '"'];

function randomString(rnd: () => number): string {
  const n = rnd() < 0.9 ? Math.floor(rnd() * 6) : Math.floor(rnd() * 200);
  let s = '';
  for (let i = 0; i < n; i++) s += ALPHABET[Math.floor(rnd() * ALPHABET.length)];
  return s;
}

function randomNumber(rnd: () => number): number | bigint {
  const dv = new DataView(new ArrayBuffer(8));
  switch (Math.floor(rnd() * 8)) {
    case 0:
      return Math.floor(rnd() * 48) - 24;
    case 1:
      return Math.floor((rnd() - 0.5) * 2 ** Math.floor(rnd() * 54));
    case 2: {
      const n = BigInt(Math.floor(rnd() * 2 ** 32)) * 2n ** 32n + BigInt(Math.floor(rnd() * 2 ** 32));
      return rnd() < 0.5 ? n : -1n - n;
    }
    case 3:
      return _fromHalf(Math.floor(rnd() * 0x10000));
    case 4:
      dv.setUint32(0, Math.floor(rnd() * 2 ** 32));
      return dv.getFloat32(0);
    case 5:
      dv.setUint32(0, Math.floor(rnd() * 2 ** 32));
      dv.setUint32(4, Math.floor(rnd() * 2 ** 32));
      return dv.getFloat64(0);
    case 6:
      return (rnd() - 0.5) * 10 ** Math.floor(rnd() * 20);
    default:
      return [NaN, -0, Infinity, -Infinity, 0.5, 2 ** -24][Math.floor(rnd() * 6)]!;
  }
}

/** Random CborValue; unsafe integral floats are replaced (encode refuses them by design). */
function randomValue(rnd: () => number, depth: number): CborValue {
  const r = rnd();
  if (depth < 4 && r < 0.15) {
    return Array.from({ length: Math.floor(rnd() * 5) }, () => randomValue(rnd, depth + 1));
  }
  if (depth < 4 && r < 0.3) {
    const o: Record<string, CborValue> = {};
    const n = Math.floor(rnd() * 6);
    for (let i = 0; i < n; i++) {
      const k = randomString(rnd);
      if (k !== '__proto__') o[k] = randomValue(rnd, depth + 1);
    }
    return o;
  }
  if (r < 0.6) {
    const v = randomNumber(rnd);
    return typeof v === 'number' && Number.isInteger(v) && !Number.isSafeInteger(v) ? 0.5 : v;
  }
  if (r < 0.8) return randomString(rnd);
  if (r < 0.9) return Uint8Array.from({ length: Math.floor(rnd() * 40) }, () => Math.floor(rnd() * 256));
  return [true, false, null][Math.floor(rnd() * 3)]!;
}

/** What decode gives back: safe bigints become numbers. */
function normalise(v: CborValue): CborValue {
  if (typeof v === 'bigint') return v >= -(2n ** 53n - 1n) && v <= 2n ** 53n - 1n ? Number(v) : v;
  if (Array.isArray(v)) return v.map(normalise);
  if (v instanceof Uint8Array || v === null || typeof v !== 'object') return v;
  const o: Record<string, CborValue> = {};
  for (const k of Object.keys(v)) o[k] = normalise(v[k]!);
  return o;
}
