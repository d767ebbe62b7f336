// The data model of the deterministic CBOR codec (cbor-encode.ts, cbor-decode.ts), shared by
// both directions.
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

/** 2^32: splits a 64-bit head argument (§3.1, additional information 27) into two uint32 halves. */
export const TWO32 = 4294967296;

/** Kind of a JS value for error messages: typeof, or the constructor name of an object. */
export function _kind(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v !== 'object') return typeof v;
  const c = (v as object).constructor;
  return typeof c === 'function' && c.name ? c.name : 'object';
}
