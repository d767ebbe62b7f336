// Bytes and text for the PII scan's CSV/TSV path (pii-table-csv.ts).
//
// Why a byte view: decoding UTF-8 to a JavaScript string runs at about 235 MB/s here once a chunk
// holds any non-ASCII character (measured on the bench CSV with TextDecoder, fatal or not, and
// Buffer#toString alike), which alone would take 40% of the scan's 100 MB/s budget. A byte view
// — one character per byte, Buffer#toString('latin1') — is a memory copy, and delimiters, quotes,
// newlines and every character the detector's patterns look for are ASCII, which UTF-8 never uses
// inside a multi-byte character (RFC 3629 §3). So rows are split and cells scanned on the view; a
// cell whose bytes are all ASCII is its own text, and only a cell with other bytes that may hold an
// identifier is decoded (the detector says which: _detectRange returns null). The bytes are still
// checked to be UTF-8, so bad input fails exactly as the diff layer's parsers fail it.
//
// Buffer and isUtf8 are feature-detected, not imported (as src/diff/csv-scanner.ts does), so this
// file runs outside Node too, only slower.

import { _utf8ErrorIndex } from '../diff/csv-parse.js';

interface _Buf {
  toString(encoding: 'latin1' | 'utf8', start?: number, end?: number): string;
  /** Node's Buffer#toString('utf8', a, b) without its argument handling (a quarter of its cost on short ranges). */
  utf8Slice?: (start: number, end: number) => string;
}
type _BufferFrom = (b: ArrayBufferLike, offset: number, length: number) => _Buf;

const _bufferFrom: _BufferFrom | undefined = (() => {
  const B = (globalThis as { Buffer?: { from: _BufferFrom } }).Buffer;
  return B ? (b, o, l) => B.from(b, o, l) : undefined;
})();

// node:buffer isUtf8 (simdutf, tens of GB/s) when the runtime offers it through
// process.getBuiltinModule (Node ≥ 20.16); else a JavaScript check of the non-ASCII runs only.
const _isUtf8: ((b: Uint8Array) => boolean) | undefined = (() => {
  try {
    const p = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
    const m = p?.getBuiltinModule?.('node:buffer') as { isUtf8?: (b: Uint8Array) => boolean } | undefined;
    return typeof m?.isUtf8 === 'function' ? m.isUtf8 : undefined;
  } catch {
    return undefined;
  }
})();

const _decoder = new TextDecoder('utf-8', { ignoreBOM: true });
const _NON_ASCII = /[\x80-\xff]+/g;

/** Bytes as a string of one character per byte (U+0000–U+00FF). */
export function byteView(bytes: Uint8Array): string {
  if (_bufferFrom !== undefined) return _bufferFrom(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  const parts: string[] = [];
  for (let i = 0; i < bytes.length; i += 8192) parts.push(String.fromCharCode(...bytes.subarray(i, i + 8192)));
  return parts.join('');
}

/** Decodes ranges of one block of bytes (whole UTF-8 characters each). */
export type TextOf = (a: number, b: number) => string;

export function textOf(bytes: Uint8Array): TextOf {
  if (_bufferFrom !== undefined) {
    const buf = _bufferFrom(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (typeof buf.utf8Slice === 'function') return (a, b) => buf.utf8Slice!(a, b);
    return (a, b) => buf.toString('utf8', a, b);
  }
  return (a, b) => _decoder.decode(bytes.subarray(a, b));
}

/** The text of a byte-view string (each character one byte of UTF-8). */
export function textOfView(view: string): string {
  const b = new Uint8Array(view.length);
  for (let i = 0; i < view.length; i++) b[i] = view.charCodeAt(i);
  return _decoder.decode(b);
}

/**
 * Index of the first byte of bytes[0, n) that is not valid UTF-8, or -1. `view` is byteView(bytes)
 * (used to find the non-ASCII runs when isUtf8 is not available).
 */
export function utf8ErrorAt(bytes: Uint8Array, n: number, view: string): number {
  const b = bytes.subarray(0, n);
  if (_isUtf8 !== undefined) return _isUtf8(b) ? -1 : Math.max(0, _utf8ErrorIndex(b));
  // A maximal run of bytes ≥ 0x80 is bounded by ASCII bytes, which never occur inside a UTF-8
  // sequence: the bytes are valid exactly when every such run is.
  _NON_ASCII.lastIndex = 0;
  for (let m = _NON_ASCII.exec(view); m !== null && m.index < n; m = _NON_ASCII.exec(view)) {
    const end = Math.min(n, m.index + m[0].length);
    const at = _utf8ErrorIndex(bytes.subarray(m.index, end));
    if (at !== -1) return m.index + at;
  }
  return -1;
}
