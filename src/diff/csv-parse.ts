// Parsing one CSV/TSV row (RFC 4180 §2) into fields, and sniffing a file's dialect. Rows come
// from csv-scanner (one row's bytes, terminator included), so this never sees a partial row and
// can decode the whole row at once and split it with string indexOf. Errors name the line and
// column (1-based, in characters) and say how to fix the file.

import { InputError } from '../core/errors.js';
import { _checkDialectByte } from './csv-scanner.js';
import type { TextPosition } from './rows.js';

export interface CsvDialect {
  /** Field delimiter byte: 0x2c (,), 0x09 (tab), 0x3b (;), 0x7c (|). */
  delimiter: number;
  /** Quote byte, 0x22 (") by default; `null` for TSV without quoting. */
  quote?: number | null;
}

/** Where a row starts: its first line (1-based) and its byte offset in the file. */
export interface RowStart {
  line: number;
  offset: number;
}

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const encoder = new TextEncoder();
const BOM = '\uFEFF';

/** Index of the first byte that does not start a valid UTF-8 sequence (RFC 3629 §4), or -1. */
export function _utf8ErrorIndex(b: Uint8Array): number {
  for (let i = 0; i < b.length; ) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    let len: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) len = 2;
    else if (c >= 0xe0 && c <= 0xef) {
      len = 3;
      if (c === 0xe0) lo = 0xa0; // overlong
      if (c === 0xed) hi = 0x9f; // surrogates
    } else if (c >= 0xf0 && c <= 0xf4) {
      len = 4;
      if (c === 0xf0) lo = 0x90; // overlong
      if (c === 0xf4) hi = 0x8f; // above U+10FFFF
    } else return i;
    if (i + len > b.length) return i;
    const c1 = b[i + 1]!;
    if (c1 < lo || c1 > hi) return i;
    for (let k = 2; k < len; k++) if ((b[i + k]! & 0xc0) !== 0x80) return i;
    i += len;
  }
  return -1;
}

/** Position of text[index] for a row starting at `where`; `skipped` bytes precede text (a BOM). */
export function _positionIn(text: string, index: number, where: RowStart, skipped = 0): TextPosition {
  const prefix = text.slice(0, index);
  const lastNl = prefix.lastIndexOf('\n');
  let lines = 0;
  for (let k = prefix.indexOf('\n'); k !== -1; k = prefix.indexOf('\n', k + 1)) lines++;
  let column = 1;
  for (const _ of prefix.slice(lastNl + 1)) column++; // code points, not UTF-16 units
  return { line: where.line + lines, column, offset: where.offset + skipped + encoder.encode(prefix).length };
}

/** Position of byte `at` of a row's bytes (for errors found before decoding). */
function bytePosition(bytes: Uint8Array, at: number, where: RowStart): TextPosition {
  let line = where.line;
  let column = 1;
  const bom = where.offset === 0 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  for (let k = bom; k < at; k++) {
    const c = bytes[k]!;
    if (c === 0x0a) {
      line++;
      column = 1;
    } else if ((c & 0xc0) !== 0x80) column++;
  }
  return { line, column, offset: where.offset + at };
}

/**
 * Strict UTF-8 decode of one row. A BOM at file offset 0 is dropped from the text (the bytes keep
 * it, for exact export); `skipped` says how many bytes that was.
 */
export function _decodeRow(bytes: Uint8Array, where: RowStart): { text: string; skipped: number } {
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    const at = Math.max(0, _utf8ErrorIndex(bytes));
    const pos = bytePosition(bytes, at, where);
    throw new InputError(
      'INPUT_INVALID',
      `invalid UTF-8 at line ${pos.line}, column ${pos.column} (byte 0x${bytes[at]?.toString(16).padStart(2, '0') ?? '??'}); re-save the file as UTF-8`,
      { ...pos },
    );
  }
  if (where.offset === 0 && text.startsWith(BOM)) return { text: text.slice(1), skipped: 3 };
  return { text, skipped: 0 };
}

function quoteChar(opts: CsvDialect): string {
  if (opts.quote === null) return '';
  return String.fromCharCode(opts.quote === undefined ? 0x22 : _checkDialectByte('quote', opts.quote));
}

function fail(message: (p: TextPosition) => string, text: string, index: number, where: RowStart, skipped: number): never {
  const pos = _positionIn(text, index, where, skipped);
  throw new InputError('INPUT_INVALID', message(pos), { ...pos });
}

/**
 * Parses one row's bytes, as cut by createCsvScanner (its "\n" or "\r\n" terminator included, or
 * none for a last row), into its fields. `where` is the row's first line and byte offset, for
 * error positions; at offset 0 a UTF-8 BOM is stripped from the first field.
 */
export function parseCsvRow(bytes: Uint8Array, opts: CsvDialect, where: RowStart): string[] {
  const d = String.fromCharCode(_checkDialectByte('delimiter', opts.delimiter));
  const q = quoteChar(opts);
  const { text, skipped } = _decodeRow(bytes, where);
  let end = text.length;
  if (text.charCodeAt(end - 1) === 0x0a) end--;
  if (text.charCodeAt(end - 1) === 0x0d) end--; // CRLF, or a lone CR before end of file

  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (q !== '' && text[i] === q && i < end) {
      // Quoted field: runs to a quote not followed by another; "" is one literal quote (§2.7).
      let value = '';
      let j = i + 1;
      for (;;) {
        const k = text.indexOf(q, j);
        if (k === -1 || k >= end) {
          fail((p) => `unterminated quote opened at line ${p.line}, column ${p.column}; close the quoted field, and double any quote inside it ("")`, text, i, where, skipped);
        }
        value += text.slice(j, k);
        if (text[k + 1] === q && k + 1 < end) {
          value += q;
          j = k + 2;
          continue;
        }
        j = k + 1;
        break;
      }
      fields.push(value);
      if (j === end) return fields;
      if (text[j] !== d) {
        fail((p) => `text after a closing quote at line ${p.line}, column ${p.column}; quote the whole field and double any quote inside it ("")`, text, j, where, skipped);
      }
      i = j + 1;
      continue;
    }
    const k = text.indexOf(d, i);
    const stop = k === -1 || k > end ? end : k;
    const value = text.slice(i, stop);
    if (q !== '') {
      const stray = value.indexOf(q);
      if (stray !== -1) {
        fail((p) => `stray quote in an unquoted field at line ${p.line}, column ${p.column}; quote the field and double the quote ("")`, text, i + stray, where, skipped);
      }
    }
    fields.push(value);
    if (stop === end) return fields;
    i = stop + 1;
  }
}

/** Throws if a row's field count differs from the header's: ragged rows are not a table. */
export function checkWidth(fields: readonly string[], width: number, where: RowStart): void {
  if (fields.length === width) return;
  throw new InputError(
    'INPUT_INVALID',
    `row at line ${where.line} has ${fields.length} fields, the header has ${width}; give every row ${width} fields, and quote fields that contain the delimiter`,
    { line: where.line, column: 1, offset: where.offset, fields: fields.length, expected: width },
  );
}

/**
 * Parses the header row (the file's first row, at offset 0) into column names: BOM stripped, and
 * duplicate names refused, since rows are keyed and diffed by column name.
 */
export function readHeader(bytes: Uint8Array, opts: CsvDialect): string[] {
  const where = { line: 1, offset: 0 };
  const names = parseCsvRow(bytes, opts, where);
  const seen = new Map<string, number>();
  names.forEach((name, k) => {
    const first = seen.get(name);
    if (first !== undefined) {
      throw new InputError(
        'INPUT_INVALID',
        `column name ${JSON.stringify(name)} appears twice in the header (columns ${first + 1} and ${k + 1}); rename one`,
        { line: 1, column: 1, offset: 0, name, columns: [first + 1, k + 1] },
      );
    }
    seen.set(name, k);
  });
  return names;
}

export interface SniffedDialect {
  delimiter: number;
  quote: number;
  hasBom: boolean;
  lineEnding: '\n' | '\r\n';
}

const CANDIDATES = [0x2c, 0x09, 0x3b, 0x7c] as const; // , \t ; |  (ties go to the earlier)
const SNIFF_ROWS = 50;

/**
 * Field counts of the sample's first rows for one delimiter, quote-aware (parity, as the
 * scanner). A last row without a newline is left out unless it is the only one: the sample may
 * have cut it.
 */
function fieldCounts(sample: Uint8Array, delimiter: number, quote: number): number[] {
  const counts: number[] = [];
  let inQuote = false;
  let fields = 1;
  let rowStart = 0;
  for (let k = 0; k < sample.length && counts.length < SNIFF_ROWS; k++) {
    const b = sample[k]!;
    if (b === quote) inQuote = !inQuote;
    else if (inQuote) continue;
    else if (b === delimiter) fields++;
    else if (b === 0x0a) {
      // Blank lines say nothing about the delimiter.
      if (!(k === rowStart || (k === rowStart + 1 && sample[rowStart] === 0x0d))) counts.push(fields);
      fields = 1;
      rowStart = k + 1;
    }
  }
  if (counts.length === 0 && rowStart < sample.length) counts.push(fields);
  return counts;
}

/**
 * Guesses a CSV file's dialect from its first bytes (64 KiB is plenty): the delimiter among
 * , tab ; | whose field count is the same on every sampled row and largest (most consistent
 * first, then widest, then in that order); whether the file starts with a UTF-8 BOM; and the
 * first row's line ending. The quote is always '"' (RFC 4180); TSV callers may drop it.
 */
export function sniffCsvDialect(sample: Uint8Array): SniffedDialect {
  const quote = 0x22;
  const hasBom = sample[0] === 0xef && sample[1] === 0xbb && sample[2] === 0xbf;
  let best = { delimiter: 0x2c as number, consistent: -1, width: 0 };
  for (const delimiter of CANDIDATES) {
    const counts = fieldCounts(sample, delimiter, quote);
    if (counts.length === 0) continue;
    const width = counts[0]!;
    if (width < 2) continue;
    // Share of rows agreeing with the header's width.
    const consistent = counts.filter((c) => c === width).length / counts.length;
    if (consistent > best.consistent || (consistent === best.consistent && width > best.width)) {
      best = { delimiter, consistent, width };
    }
  }
  let lineEnding: '\n' | '\r\n' = '\n';
  let inQuote = false;
  for (let k = 0; k < sample.length; k++) {
    const b = sample[k]!;
    if (b === quote) inQuote = !inQuote;
    else if (b === 0x0a && !inQuote) {
      if (k > 0 && sample[k - 1] === 0x0d) lineEnding = '\r\n';
      break;
    }
  }
  return { delimiter: best.delimiter, quote, hasBom, lineEnding };
}
