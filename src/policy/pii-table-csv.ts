// CSV/TSV side of the PII scan (pii-table.ts). Rows are split on a byte view of the input
// (pii-text.ts) and every cell goes through the detector with its column's context resolved once.
//
// Speed (bench/scan.ts): a JavaScript loop over characters cost 2–9 ns a character on the bench
// machine (branchy text at the high end), against a budget of 10 ns a byte for everything at
// 100 MB/s. So most work is native. Each column keeps a *format memo* (pii-formats.ts): once its
// values have a simple shape — a plain number, a letter-and-digits id, an ISO 8601 timestamp, a
// bare e-mail address, text with no digit, '@' or ':' — the next value is tried against that shape
// with one sticky regex, which both finds where the field ends and settles what the detector would
// report (nothing, one date, one e-mail address). Columns whose memo nearly always fits are read
// together, a run of them by one regex (the row template, pii-csv-columns.ts): a row of the bench
// CSV costs four native calls, the name check and a cache lookup. A value that does not fit goes
// through the detector as usual, and each column remembers what it found in values it has seen
// (bounded), which pays on categorical and repeated values.
//
// Rows are cut here rather than by src/diff/csv-scanner.ts, whose byte loop alone took a third of
// the budget on quoted rows; the rule is the same (RFC 4180 §2: a row ends at a newline outside
// quotes). Any row this splitter does not expect — a stray quote, text after a closing quote, the
// wrong width, bytes that are not UTF-8, a file ending inside quotes — is cut by csv-scanner and
// read by parseCsvRow / checkWidth / readHeader / _decodeRow, so it fails (or is read) exactly as
// commit reads it, with the diff layer's error naming the line and column. A row is split
// completely before any of its cells is counted.

import { InputError } from '../core/errors.js';
import { checkWidth, parseCsvRow, readHeader, _decodeRow, type CsvDialect } from '../diff/csv-parse.js';
import { createCsvScanner } from '../diff/csv-scanner.js';
import { CsvColumns, ESCAPED, PLAIN, QUOTED } from './pii-csv-columns.js';
import { formatsFor } from './pii-formats.js';
import type { PiiScanAccumulator } from './pii-scan.js';
import { byteView, textOf, utf8ErrorAt } from './pii-text.js';

export interface CsvScanDialect extends CsvDialect {
  /** Whether the first row names the columns (default true); without one they are "column 1", "column 2" … */
  header: boolean;
}

const LF = 10;
const CR = 13;
/** A row longer than this that is still incomplete waits for twice its size before it is tried again. */
const RETRY_BYTES = 64 * 1024;

export class CsvTableScan {
  private readonly _q: number;
  private readonly _qs: string;
  private readonly _d: number;
  private readonly _ds: string;
  private readonly _cols: CsvColumns;
  private _header: boolean;
  /** File offset of the first pending byte, and the line of the next row (1-based). */
  private _offset = 0;
  private _line = 1;
  private _pending: Uint8Array[] = [];
  private _pendingBytes = 0;
  private _needed = 0;
  // Next LF and quote at or after some earlier position, for the template path (refreshed when passed).
  private _nl = -1;
  private _nq = -1;

  constructor(
    private readonly _acc: PiiScanAccumulator,
    private readonly _dialect: CsvScanDialect,
    keySpec: { columns: string[] } | null,
    valueCache = true,
  ) {
    this._q = _dialect.quote === null ? -1 : (_dialect.quote ?? 0x22);
    this._qs = this._q < 0 ? '\u0000' : String.fromCharCode(this._q);
    this._d = _dialect.delimiter;
    this._ds = String.fromCharCode(this._d);
    this._header = _dialect.header;
    this._cols = new CsvColumns(_acc, formatsFor(this._d, this._q), this._q, keySpec, valueCache);
  }

  /** The next piece of the file. It is scanned at once, or copied while a long row waits for its end. */
  push(chunk: Uint8Array): void {
    this._pending.push(chunk);
    this._pendingBytes += chunk.length;
    if (this._pendingBytes >= this._needed) this._process(false);
    else this._pending[this._pending.length - 1] = chunk.slice(); // sources may reuse their buffers
  }

  end(): void {
    this._process(true);
  }

  private _process(final: boolean): void {
    let parts = this._pending;
    if (parts.length === 0) return;
    if (parts.length === 2 && !final) {
      // The row carried from the last chunk most likely ends at this chunk's first newline: scan it
      // on its own, then the chunk without copying it (a 1 MiB copy per chunk was 3% of the scan).
      const [carry, chunk] = parts as [Uint8Array, Uint8Array];
      const lf = chunk.indexOf(LF);
      if (lf >= 0 && lf + 1 < chunk.length) {
        const head = new Uint8Array(carry.length + lf + 1);
        head.set(carry);
        head.set(chunk.subarray(0, lf + 1), carry.length);
        if (this._block(head, false) === head.length) {
          this._offset += head.length;
          parts = [chunk.subarray(lf + 1)];
          this._pendingBytes -= head.length;
        }
      }
    }
    let block: Uint8Array;
    if (parts.length === 1) block = parts[0]!;
    else {
      block = new Uint8Array(this._pendingBytes);
      let o = 0;
      for (const p of parts) {
        block.set(p, o);
        o += p.length;
      }
    }
    const used = this._block(block, final);
    const rest = block.length - used;
    this._offset += used;
    // What is left is one incomplete row: keep a copy (the block may be a view of a source buffer).
    this._pending = rest > 0 ? [block.slice(used)] : [];
    this._pendingBytes = rest;
    this._needed = rest > RETRY_BYTES ? 2 * rest : 0;
  }

  /** Scan the complete rows at the front of `block`; returns how many bytes they take. */
  private _block(block: Uint8Array, final: boolean): number {
    const s = byteView(block);
    const n = s.length;
    this._cols.view = s;
    this._cols.textOf = textOf(block);
    this._cols.copyOf = (a, b) => byteView(block.subarray(a, b));
    // Rows end after a newline, so the bytes up to the last one are whole UTF-8 characters.
    const checked = final ? n : s.lastIndexOf('\n') + 1;
    const badAt = utf8ErrorAt(block, checked, s);
    const bad = badAt < 0 ? n + 1 : badAt;
    // A text format is only sure when no "www." (a URL's start) is near ("w." is a quick first test).
    const textOk = (s.indexOf('w.') < 0 && s.indexOf('W.') < 0) || s.search(/[wW]{3}\./) < 0;
    const q = this._q;
    const d = this._d;
    let pos = 0;
    // A byte-order mark is skipped when splitting; the first row's bytes keep it for readHeader / parseCsvRow.
    let bom = this._offset === 0 && block[0] === 0xef && block[1] === 0xbb && block[2] === 0xbf;
    if (bom) pos = 3;
    let nl = -1; // next LF at or after some earlier position (refreshed when passed)
    let nq = q < 0 ? n + 1 : -1; // next quote, likewise
    this._nl = -1;
    this._nq = q < 0 ? n + 1 : -1;
    while (pos < n) {
      // Most rows: the column template, when no location waits for a row label.
      if (textOk && !bom && !this._header && this._cols.width > 0 && !this._acc._wantsLocations()) {
        if (this._cols.tplDirty) this._cols.buildTemplate();
        if (this._cols.tpl !== null) {
          const next = this._fastRow(s, pos, n, bad);
          if (next >= 0) {
            pos = next;
            continue;
          }
        }
      }
      const rowStart = bom ? 0 : pos;
      bom = false;
      const cols = this._cols.cols;
      const width = this._cols.width;
      let w = 0;
      let lines = 0;
      let next = -1; // start of the next row, once this one's end is found
      let slow = false;
      // ---- phase 1: split the row
      for (;;) {
        if (w === this._cols.fa.length) this._cols.grow();
        const col = w < width ? cols[w]! : undefined;
        let e = -1; // end of the field's raw text (after a closing quote)
        let tag = PLAIN;
        if (col !== undefined && col.fmt >= 0 && pos < n) {
          const re = this._cols.formats.re[col.fmt]!;
          re.lastIndex = pos;
          if (re.test(s) && (textOk || col.fmt !== 0)) {
            e = re.lastIndex;
            const c = e < n ? s.charCodeAt(e) : -1;
            if (c === d || c === LF || (c === CR && e + 1 < n && s.charCodeAt(e + 1) === LF)) tag = col.fmt;
            else e = -1; // not the whole field (or its end is in the next chunk): read it as usual
          }
        }
        if (e >= 0) {
          this._cols.fa[w] = pos;
          this._cols.fb[w] = e;
        } else if (pos < n && s.charCodeAt(pos) === q) {
          // Quoted: to a quote not followed by another; "" is one quote (RFC 4180 §2.7).
          let j = pos + 1;
          let close = -1;
          let escaped = false;
          for (;;) {
            if (nq < j) nq = _next(s, this._qs, j, n);
            if (nq >= n) break;
            if (nq + 1 < n && s.charCodeAt(nq + 1) === q) {
              escaped = true;
              j = nq + 2;
              continue;
            }
            if (nq + 1 >= n && !final) break; // "" may straddle the chunk: wait for more
            close = nq;
            break;
          }
          if (close < 0) {
            if (final) slow = true;
            break; // the field goes on in the next chunk
          }
          if (nl < pos) nl = _next(s, '\n', pos, n);
          for (; nl < close; nl = _next(s, '\n', nl + 1, n)) lines++;
          this._cols.fa[w] = pos + 1;
          this._cols.fb[w] = close;
          tag = escaped ? ESCAPED : QUOTED;
          e = close + 1;
        } else {
          if (nl < pos) nl = _next(s, '\n', pos, n);
          let stop = s.indexOf(this._ds, pos);
          if (stop < 0 || stop > nl) stop = nl;
          if (q >= 0) {
            if (nq < pos) nq = _next(s, this._qs, pos, n);
            if (nq < stop) { slow = true; break; } // a quote inside an unquoted field
          }
          this._cols.fa[w] = pos;
          let b = stop;
          if (stop === nl && b > pos && s.charCodeAt(b - 1) === CR) b--;
          this._cols.fb[w] = b;
          e = stop;
        }
        this._cols.tag[w] = tag;
        w++;
        // What follows the field: a delimiter, the end of the row, or the end of the bytes so far.
        if (e >= n) {
          if (final) next = n;
          break;
        }
        const c = s.charCodeAt(e);
        if (c === d) { pos = e + 1; continue; }
        if (c === LF) { next = e + 1; break; }
        if (c === CR && e + 1 < n && s.charCodeAt(e + 1) === LF) { next = e + 2; break; }
        if (c === CR && e + 1 >= n) {
          if (final) next = n;
          break; // "\r\n" may straddle the chunk
        }
        slow = true; // text after a closing quote
        break;
      }
      if (!slow && next < 0) return rowStart; // incomplete: wait for more bytes
      const where = { line: this._line, offset: this._offset + rowStart };
      if (!slow && next > bad) _decodeRow(block.subarray(rowStart, next), where); // throws: not UTF-8
      if (this._header) {
        // The first row names the columns: readHeader reads it as commit does (BOM, duplicates).
        const end = slow ? this._rowEnd(block, rowStart, final) : next;
        if (end < 0) return rowStart;
        const head = block.subarray(0, end);
        if (end > bad) _decodeRow(head, where);
        this._cols.set(readHeader(head, this._dialect));
        this._header = false;
        this._line += _newlines(head);
        pos = end;
        continue;
      }
      if (!slow && width < 0) this._cols.set(Array.from({ length: w }, (_, i) => `column ${i + 1}`));
      if (slow || w !== this._cols.width) {
        const end = this._rowEnd(block, rowStart, final);
        if (end < 0) return rowStart;
        const row = block.subarray(rowStart, end);
        if (end > bad) _decodeRow(row, where);
        this._slowRow(row, where);
        this._line += _newlines(row);
        pos = end;
        continue;
      }
      // ---- phase 2: the cells
      this._cols.scanRow(s, w);
      this._line += 1 + lines;
      pos = next;
    }
    return n;
  }

  /** Where the row starting at `at` ends, by csv-scanner's rule; -1 when that is not in `block` yet. Throws at the end of input inside quotes. */
  private _rowEnd(block: Uint8Array, at: number, final: boolean): number {
    const scanner = createCsvScanner(this._dialect);
    const ends = scanner.push(block.subarray(at));
    if (ends.length > 0) return at + ends[0]!;
    if (!final) return -1;
    try {
      return at + (scanner.end()[0] ?? block.length - at);
    } catch (e) {
      // The scanner counts from this row; name the line in the file.
      if (e instanceof InputError && typeof e.data.line === 'number') {
        const line = this._line + e.data.line - 1;
        throw new InputError(e.code, e.message.replace(/line \d+/, `line ${line}`), { ...e.data, line, offset: this._offset + at + (e.data.offset as number) }, e.cause);
      }
      throw e;
    }
  }

  /**
   * A row read with the template: each run of columns is one sticky regex; each other column its
   * memo's regex, else a field read as usual. Returns the next row's start, or -1 to read this row
   * field by field (a value that does not fit a run, a newline inside quotes, the end of the bytes
   * so far, bytes that are not UTF-8).
   */
  private _fastRow(s: string, pos: number, n: number, bad: number): number {
    const cols = this._cols;
    const parts = cols.tpl!;
    const q = this._q;
    const d = this._d;
    const last = cols.width - 1;
    let p = pos;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i]!;
      const re = part.re;
      if (re !== null) {
        re.lastIndex = p;
        if (!re.test(s)) return -1;
        p = re.lastIndex;
        continue;
      }
      const c = part.from;
      const col = cols.cols[c]!;
      if (p >= n) return -1;
      // What may follow the field: the delimiter, or for the last column the line ending.
      if (col.fmt >= 0) {
        const m = cols.formats.re[col.fmt]!;
        m.lastIndex = p;
        if (m.test(s)) {
          const e = m.lastIndex;
          const ch = e < n ? s.charCodeAt(e) : -1;
          const after = c < last ? (ch === d ? e + 1 : -1) : ch === LF ? e + 1 : ch === CR && e + 1 < n && s.charCodeAt(e + 1) === LF ? e + 2 : -1;
          if (after >= 0) {
            cols.fa[c] = p;
            cols.fb[c] = e;
            cols.tag[c] = col.fmt;
            p = after;
            continue;
          }
        }
      }
      let e: number;
      if (s.charCodeAt(p) === q) {
        let j = p + 1;
        let escaped = false;
        let close: number;
        for (;;) {
          close = s.indexOf(this._qs, j);
          if (close < 0 || close + 1 >= n) return -1;
          if (s.charCodeAt(close + 1) !== q) break;
          escaped = true;
          j = close + 2;
        }
        if (this._nl < p) this._nl = _next(s, '\n', p, n);
        if (this._nl < close) return -1; // lines inside quotes: counted by the field-by-field path
        cols.fa[c] = p + 1;
        cols.fb[c] = close;
        cols.tag[c] = escaped ? ESCAPED : QUOTED;
        e = close + 1;
      } else {
        if (this._nl < p) this._nl = _next(s, '\n', p, n);
        const nl = this._nl;
        let stop: number;
        if (c === last) {
          stop = nl;
          if (stop >= n) return -1;
          const more = s.indexOf(this._ds, p);
          if (more >= 0 && more < stop) return -1; // more fields than the header: the slow path says so
        } else {
          stop = s.indexOf(this._ds, p);
          if (stop < 0 || stop > nl) return -1;
        }
        if (q >= 0) {
          if (this._nq < p) this._nq = _next(s, this._qs, p, n);
          if (this._nq < stop) return -1;
        }
        cols.fa[c] = p;
        cols.fb[c] = c === last && stop > p && s.charCodeAt(stop - 1) === CR ? stop - 1 : stop;
        cols.tag[c] = PLAIN;
        e = stop;
      }
      const ch = e < n ? s.charCodeAt(e) : -1;
      if (c < last) {
        if (ch !== d) return -1;
        p = e + 1;
      } else if (ch === LF) p = e + 1;
      else if (ch === CR && e + 1 < n && s.charCodeAt(e + 1) === LF) p = e + 2;
      else return -1;
    }
    if (p > bad) return -1;
    this._cols.templateRow(s);
    this._line++;
    return p;
  }

  /** A row read by parseCsvRow (and checked by checkWidth): its cells scanned as text. */
  private _slowRow(row: Uint8Array, where: { line: number; offset: number }): void {
    const fields = parseCsvRow(row, this._dialect, where);
    if (this._cols.width < 0) this._cols.set(fields.map((_, i) => `column ${i + 1}`));
    checkWidth(fields, this._cols.width, where);
    this._cols.textRow(fields);
  }
}

/** Index of `ch` in s at or after `from`, or `n` when there is none. */
function _next(s: string, ch: string, from: number, n: number): number {
  const i = s.indexOf(ch, from);
  return i < 0 ? n : i;
}

function _newlines(b: Uint8Array): number {
  let c = 0;
  for (let i = b.indexOf(LF); i !== -1; i = b.indexOf(LF, i + 1)) c++;
  return c;
}
