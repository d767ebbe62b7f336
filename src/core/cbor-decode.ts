// Decoder of deterministic CBOR: the reader's structural checks, then the re-encode comparison.
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

import { InputError } from './errors.js';
import { plain } from './bytes.js';
import { _kind, type CborValue } from './cbor-value.js';
import { _fill } from './cbor-encode.js';
import { _Reader, _fail } from './cbor-reader.js';
import { _withWriter } from './cbor-writer.js';

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
