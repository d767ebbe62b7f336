// createCsvScanner (src/diff/csv-scanner.ts): RFC 4180 row boundaries, state across every kind of
// chunk split, the unterminated-quote error, and the property that any chunking gives the same
// boundaries as the whole file, that they partition it, and that parsing the rows gives back the
// generated fields.

import { describe, expect, it } from 'vitest';
import { concatBytes, utf8 } from '../../src/core/bytes.js';
import { InputError } from '../../src/core/errors.js';
import { parseCsvRow } from '../../src/diff/csv-parse.js';
import { createCsvScanner, type CsvScannerOptions } from '../../src/diff/csv-scanner.js';

const CSV: CsvScannerOptions = { delimiter: 0x2c };

/** Row ends of `bytes` fed in pieces of the given sizes (cycled); undefined: one piece. */
function scan(bytes: Uint8Array, sizes?: number[], opts: CsvScannerOptions = CSV): number[] {
  const s = createCsvScanner(opts);
  const ends: number[] = [];
  if (sizes === undefined) ends.push(...s.push(bytes));
  else {
    for (let o = 0, k = 0; o < bytes.length; k++) {
      const n = Math.max(1, sizes[k % sizes.length]!);
      ends.push(...s.push(bytes.subarray(o, o + n)));
      o += n;
    }
  }
  ends.push(...s.end());
  return ends;
}

/** Rows (as strings) the boundaries cut. */
function rows(text: string, sizes?: number[], opts?: CsvScannerOptions): string[] {
  const b = utf8(text);
  let start = 0;
  return scan(b, sizes, opts).map((e) => {
    const r = new TextDecoder().decode(b.subarray(start, e));
    start = e;
    return r;
  });
}

function scanError(text: string | Uint8Array, sizes?: number[]): InputError {
  try {
    scan(typeof text === 'string' ? utf8(text) : text, sizes);
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).code).toBe('INPUT_INVALID');
    return e as InputError;
  }
  throw new Error('expected an InputError');
}

// mulberry32: small seeded PRNG so failures reproduce.
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('createCsvScanner: rows', () => {
  it('cuts after each LF and CRLF; a final row without a newline comes from end()', () => {
    expect(rows('a,b\nc,d\n')).toEqual(['a,b\n', 'c,d\n']);
    expect(rows('a,b\r\nc,d\r\n')).toEqual(['a,b\r\n', 'c,d\r\n']);
    expect(rows('a,b\nc,d')).toEqual(['a,b\n', 'c,d']);
    expect(rows('')).toEqual([]);
    expect(rows('\n\n')).toEqual(['\n', '\n']);
    expect(rows('x')).toEqual(['x']);
  });

  it('keeps newlines inside quotes (RFC 4180 §2.6) and escaped quotes (§2.7)', () => {
    expect(rows('"a\nb",c\nd\n')).toEqual(['"a\nb",c\n', 'd\n']);
    expect(rows('"a\r\nb",c\r\nd\r\n')).toEqual(['"a\r\nb",c\r\n', 'd\r\n']);
    expect(rows('"say ""hi""\n",x\ny\n')).toEqual(['"say ""hi""\n",x\n', 'y\n']);
    expect(rows('"""",""\n""\n')).toEqual(['"""",""\n', '""\n']);
    expect(rows('a,"x\n\n\ny"\nb')).toEqual(['a,"x\n\n\ny"\n', 'b']);
  });

  it('a TSV scanner (quote: null) treats quotes as text', () => {
    expect(rows('a\t"b\nc"\n', undefined, { delimiter: 0x09, quote: null })).toEqual(['a\t"b\n', 'c"\n']);
    expect(rows('a\t"b\nc"\n', undefined, { delimiter: 0x09 })).toEqual(['a\t"b\nc"\n']);
  });

  it('keeps state across chunks split inside quotes, between CR and LF, and between two quotes', () => {
    const text = '"a""b",c\r\n"x\r\ny",""""\r\nlast';
    const whole = rows(text);
    expect(whole).toEqual(['"a""b",c\r\n', '"x\r\ny",""""\r\n', 'last']);
    for (let cut = 1; cut < text.length; cut++) {
      expect(rows(text, [cut, text.length])).toEqual(whole);
    }
    expect(rows(text, [1])).toEqual(whole);
  });

  it('counts multi-byte characters split across chunks as bytes, not characters', () => {
    const text = 'é,"ü\n€",𝄞\n𝄞𝄞,"\u00e9"\n';
    const b = utf8(text);
    const whole = scan(b);
    expect(whole).toEqual([b.indexOf(0x0a, b.indexOf(0x0a) + 1) + 1, b.length]);
    for (const sizes of [[1], [2], [3], [5, 1, 7]]) expect(scan(b, sizes)).toEqual(whole);
  });

  it('handles a row much larger than any chunk', () => {
    const big = 'x'.repeat(100_000);
    const text = `h1,h2\n"${big}\n${big}",${big}\nz\n`;
    const b = utf8(text);
    const expected = [6, 6 + 2 * 100_000 + 2 + 1 + 1 + 100_000 + 1, b.length];
    expect(scan(b)).toEqual(expected);
    expect(scan(b, [4096])).toEqual(expected);
    expect(scan(b, [65_536, 1, 333])).toEqual(expected);
  });

  it('keeps the BOM inside the first row', () => {
    const b = concatBytes(new Uint8Array([0xef, 0xbb, 0xbf]), utf8('a,b\n1,2\n'));
    expect(scan(b)).toEqual([7, 11]);
  });

  it('rejects bad options', () => {
    expect(() => createCsvScanner({ delimiter: 0x0a })).toThrow(TypeError);
    expect(() => createCsvScanner({ delimiter: 0x2c, quote: 0x2c })).toThrow(TypeError);
    const s = createCsvScanner(CSV);
    s.end();
    expect(() => s.push(new Uint8Array(1))).toThrow(TypeError);
  });
});

describe('createCsvScanner: unterminated quote', () => {
  it('names the line and column of the opening quote, however the file is chunked', () => {
    const text = 'a,b\n"ok\nfine",1\nc,dé,"never\nclosed\n';
    const expected = { line: 4, column: 6, offset: utf8('a,b\n"ok\nfine",1\nc,dé,').length };
    for (const sizes of [undefined, [1], [2], [7], [3, 11]]) {
      const e = scanError(text, sizes);
      expect(e.data).toEqual(expected);
      expect(e.message).toContain('line 4, column 6');
    }
  });

  it('counts the column after earlier closed quotes on the same line and without the BOM', () => {
    const text = '\uFEFF"x","y\n';
    for (const sizes of [undefined, [1], [2], [4]]) {
      expect(scanError(text, sizes).data).toMatchObject({ line: 1, column: 5, offset: 7 });
    }
    const long = 'p'.repeat(70_000) + ',"open';
    for (const sizes of [undefined, [4096], [1000, 7]]) {
      expect(scanError(long, sizes).data).toMatchObject({ line: 1, column: 70_002, offset: 70_001 });
    }
  });
});

// ---- property: random CSV-ish content -------------------------------------------------------

const ALPHABET = ['a', 'b', 'z', ' ', ',', '"', '\n', '\r\n', '\r', 'é', '€', '𝄞', '1', '""'];

function randomField(r: () => number): string {
  // Mostly short fields, sometimes long ones (past the scanner's 64-byte JS loop for quoted fields).
  const n = r() < 0.05 ? 40 + Math.floor(r() * 150) : Math.floor(r() * r() * 12);
  let s = '';
  for (let k = 0; k < n; k++) s += ALPHABET[Math.floor(r() * ALPHABET.length)];
  return s;
}

function encodeField(f: string, r: () => number): string {
  const needs = /[",\r\n]/.test(f) || f === '';
  return needs || r() < 0.2 ? `"${f.replace(/"/g, '""')}"` : f;
}

function randomCsv(r: () => number): { text: string; rows: string[][] } {
  const width = 1 + Math.floor(r() * 4);
  const nRows = Math.floor(r() * 30);
  const out: string[][] = [];
  let text = '';
  for (let i = 0; i < nRows; i++) {
    const fields = Array.from({ length: width }, () => randomField(r));
    // A single empty field would be a blank line, which a reader cannot tell from no row.
    out.push(fields);
    text += fields.map((f) => encodeField(f, r)).join(',');
    const last = i === nRows - 1;
    if (!last || r() < 0.7) text += r() < 0.5 ? '\r\n' : '\n';
  }
  return { text, rows: out };
}

describe('createCsvScanner: property', () => {
  it('any chunking gives the whole-file boundaries, which partition the file and parse back to the fields', () => {
    const r = prng(0xc5f);
    for (let iter = 0; iter < 600; iter++) {
      const { text, rows: expected } = randomCsv(r);
      const bytes = utf8(text);
      const whole = scan(bytes);
      // Partition: strictly increasing, last one is the file length.
      let prev = 0;
      for (const e of whole) {
        expect(e).toBeGreaterThan(prev);
        prev = e;
      }
      expect(prev).toBe(bytes.length);
      const randomSizes = Array.from({ length: 8 }, () => 1 + Math.floor(r() * 40));
      for (const sizes of [[1], randomSizes, [bytes.length || 1], [2, 3], [65, 100], [200]]) {
        expect(scan(bytes, sizes)).toEqual(whole);
      }
      // Parse back.
      let start = 0;
      let line = 1;
      const parsed = whole.map((e) => {
        const row = bytes.subarray(start, e);
        const fields = parseCsvRow(row, CSV, { line, offset: start });
        for (const b of row) if (b === 0x0a) line++;
        start = e;
        return fields;
      });
      expect(parsed).toEqual(expected);
    }
  });
});
