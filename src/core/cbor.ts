// Deterministic CBOR: RFC 8949 §4.2.1 "core deterministic encoding requirements", for the
// subset of the data model we store. One canonical byte string per value, so hashes and
// signatures over encoded objects are stable. cbor-x cannot sort keys by encoded bytes nor
// emit float16, hence this module.
//
// This module is the codec's public face; the parts live beside it:
// - cbor-value.ts: the data model (CborValue) and its canonical form, MAX_DEPTH.
// - cbor-encode.ts, cbor-writer.ts: encode and its output buffer.
// - cbor-decode.ts, cbor-reader.ts: decode, its error codes, and the structural reader.
// - float16.ts: IEEE 754 binary16 conversion by hand.

export { type CborValue, MAX_DEPTH } from './cbor-value.js';
export { encode } from './cbor-encode.js';
export { decode } from './cbor-decode.js';
export { _fromHalf, _toHalfExact } from './float16.js';
