// Row boundaries of a CSV/TSV byte stream (RFC 4180 §2): a row ends at a "\n" outside quotes, so
// "\r\n" and "\n" endings both end at the "\n", and a newline inside a quoted field does not end
// a row. This is on the commit hot path (every byte of every dataset passes through it), so it
// never decodes text and keeps only a few numbers of state across chunks.
//
// Quote state is the parity of quote bytes seen in the row: `""` inside a quoted field closes and
// reopens at once, so an escaped quote needs no look-ahead and a chunk may end between the two.
// A stray quote in an unquoted field (`ab"c`) flips the parity too; that row is malformed, and
// parseCsvRow rejects it with its position, but the boundaries stay the same however the file
// is chunked, which is what recipes need.
//
// Speed (measured, see the report in the PR): a native byte search costs ~45 ns per call with
// Node's Buffer#indexOf (memchr) and ~100 ns with Uint8Array#indexOf, and scans GB/s; a JS byte
// loop runs at ~400 MB/s here. So rows without quotes are found with one native search per row,
// and rows with quotes (where fields are short and calls would dominate) with a JS loop, which
// stays on while consecutive rows keep having quotes. Long quoted fields go back to native search.

import { InputError } from '../core/errors.js';
import type { RowBoundaryScanner } from './rows.js';

const LF = 0x0a;
const BOM = [0xef, 0xbb, 0xbf] as const;
/** Bytes of a quoted field scanned by the JS loop before switching to native search. */
const QUOTED_LOOP_BYTES = 64;

export interface CsvScannerOptions {
  /** Field delimiter byte: 0x2c (,), 0x09 (tab), 0x3b (;), 0x7c (|). */
  delimiter: number;
  /** Quote byte, 0x22 (") by default; `null` for TSV without quoting (IANA text/tab-separated-values). */
  quote?: number | null;
}

/** The byte searches the scanners need: Node's Buffer (memchr) when present, else the chunk itself. */
export interface _ByteSearch {
  indexOf(value: number, from?: number): number;
  lastIndexOf(value: number, from?: number): number;
}

type BufferFrom = (b: ArrayBufferLike, offset: number, length: number) => _ByteSearch;
const bufferFrom: BufferFrom | undefined = (() => {
  // Feature-detected, not imported, so this file still runs outside Node.
  const B = (globalThis as { Buffer?: { from: BufferFrom } }).Buffer;
  return B ? (b, o, l) => B.from(b, o, l) : undefined;
})();

/** A zero-copy view of `chunk` with the fastest available indexOf/lastIndexOf. */
export function _byteSearch(chunk: Uint8Array): _ByteSearch {
  return bufferFrom !== undefined && chunk.length > 64 ? bufferFrom(chunk.buffer, chunk.byteOffset, chunk.byteLength) : chunk;
}

/** Checks a delimiter or quote byte: ASCII, and not CR or LF. */
export function _checkDialectByte(name: string, b: unknown): number {
  if (typeof b !== 'number' || !Number.isInteger(b) || b < 0 || b > 0x7f || b === LF || b === 0x0d) {
    throw new TypeError(`expected ${name} to be an ASCII byte other than CR or LF, got ${String(b)}`);
  }
  return b;
}

/** Characters (UTF-8 lead bytes) in bytes[from, to). */
function _chars(bytes: Uint8Array, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) if ((bytes[i]! & 0xc0) !== 0x80) n++;
  return n;
}

export function createCsvScanner(opts: CsvScannerOptions): RowBoundaryScanner {
  const delimiter = _checkDialectByte('delimiter', opts.delimiter);
  const q = opts.quote === undefined ? 0x22 : opts.quote === null ? -1 : _checkDialectByte('quote', opts.quote);
  if (q === delimiter) throw new TypeError('expected the quote and the delimiter to differ');

  let base = 0; // absolute offset of the next chunk's first byte
  let lastEnd = 0; // absolute end of the last row returned
  let ended = false;
  let _inQuote = false;
  // Position bookkeeping, only for the "unterminated quote" error: physical line (1-based),
  // characters of the current line in earlier chunks, and where the open quote is.
  let _line = 1;
  let lineCarry = 0;
  let bomSeen = 0; // how many leading bytes matched the BOM; 3 = the file starts with one
  let _openLine = 0;
  let openColumn = 0;
  let openOffset = 0;

  function push(chunk: Uint8Array): number[] {
    if (ended) throw new TypeError('push() after end()');
    if (!(chunk instanceof Uint8Array)) throw new TypeError('expected a Uint8Array chunk');
    const out: number[] = [];
    const n = chunk.length;
    if (n === 0) return out;
    for (let k = 0; base + k < 3 && k < n; k++) if (bomSeen === base + k && chunk[k] === BOM[base + k]) bomSeen++;
    const s = _byteSearch(chunk);
    // State in locals: V8 keeps locals in registers, closure variables it does not.
    let line = _line;
    let inQuote = _inQuote;
    let openLine = _openLine;
    let openAt = -1; // chunk index of the last quote opened in this chunk
    let i = 0;
    // Cached next quote and newline at or after i: -1 none in the rest of the chunk, -2 unknown.
    let nq = q >= 0 ? -2 : -1;
    let nl = -2;
    // Quote-dense mode: the JS loop handles whole rows while consecutive rows have quotes.
    let dense = false;
    let rowHadQuote = false;

    while (i < n) {
      if (inQuote) {
        // Find the closing quote, counting the newlines inside the field.
        let k = i;
        const lim = Math.min(n, i + QUOTED_LOOP_BYTES);
        for (; k < lim; k++) {
          const b = chunk[k]!;
          if (b === q) break;
          if (b === LF) line++;
        }
        if (k === lim && k < n) {
          const close = s.indexOf(q, k);
          const stop = close === -1 ? n : close;
          for (let m = s.indexOf(LF, k); m !== -1 && m < stop; m = s.indexOf(LF, m + 1)) line++;
          k = stop;
        }
        if (k >= n) break; // the field goes on in the next chunk
        inQuote = false;
        i = k + 1;
        dense = rowHadQuote = true;
        continue;
      }
      if (dense) {
        // One tight loop over rows and their quoted fields; fields are closed inline.
        let k = i;
        for (; k < n; k++) {
          const b = chunk[k]!;
          if (b === q) {
            const open = k;
            const lineAtOpen = line;
            const lim = Math.min(n, k + QUOTED_LOOP_BYTES);
            for (k++; k < lim; k++) {
              const c = chunk[k]!;
              if (c === q) break;
              if (c === LF) line++;
            }
            if (k === lim && k < n) {
              const close = s.indexOf(q, k);
              const stop = close === -1 ? n : close;
              for (let m = s.indexOf(LF, k); m !== -1 && m < stop; m = s.indexOf(LF, m + 1)) line++;
              k = stop;
            }
            if (k >= n) {
              inQuote = true; // the field goes on in the next chunk
              openAt = open;
              openLine = lineAtOpen;
              break;
            }
            rowHadQuote = true;
          } else if (b === LF) {
            out.push(base + k + 1);
            line++;
            if (!rowHadQuote) {
              dense = false; // a row without quotes: back to native search
              break;
            }
            rowHadQuote = false;
          }
        }
        i = k + 1;
        continue;
      }
      // Sparse mode: with no quote left in the chunk (plain CSV, and all of TSV) this is one
      // native search per row.
      if (nq !== -1 && nq < i) nq = s.indexOf(q, i);
      if (nl !== -1 && nl < i) nl = s.indexOf(LF, i);
      if (nq === -1 || (nl !== -1 && nl < nq)) {
        if (nl === -1) break;
        out.push(base + nl + 1);
        line++;
        i = nl + 1;
        continue;
      }
      inQuote = true;
      openAt = nq;
      openLine = line;
      i = nq + 1;
    }

    _line = line;
    _inQuote = inQuote;
    _openLine = openLine;
    if (inQuote && openAt !== -1) {
      openOffset = base + openAt;
      const p = openAt > 0 ? s.lastIndexOf(LF, openAt - 1) : -1;
      let before = p === -1 ? lineCarry + _chars(chunk, 0, openAt) : _chars(chunk, p + 1, openAt);
      if (openLine === 1 && bomSeen === 3) before--; // an editor does not show the BOM
      openColumn = before + 1;
    }
    // Carry the current line's length in characters into the next chunk, for that column. Only
    // the tail after the last newline is counted: about one row per chunk.
    const last = s.lastIndexOf(LF);
    lineCarry = last === -1 ? lineCarry + _chars(chunk, 0, n) : _chars(chunk, last + 1, n);
    base += n;
    if (out.length > 0) lastEnd = out[out.length - 1]!;
    return out;
  }

  function end(): number[] {
    if (ended) return [];
    ended = true;
    if (_inQuote) {
      throw new InputError(
        'INPUT_INVALID',
        `unterminated quote opened at line ${_openLine}, column ${openColumn}; close the quoted field, and double any quote inside it ("")`,
        { line: _openLine, column: openColumn, offset: openOffset },
      );
    }
    return base > lastEnd ? [base] : [];
  }

  return { push, end };
}
