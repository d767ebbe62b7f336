// parseCsvRow, checkWidth, readHeader and sniffCsvDialect (src/diff/csv-parse.ts): RFC 4180 field
// rules, BOM, strict UTF-8, and errors that name their line and column.

import { describe, expect, it } from 'vitest';
import { concatBytes, utf8 } from '../../src/core/bytes.js';
import { InputError } from '../../src/core/errors.js';
import { checkWidth, parseCsvRow, readHeader, sniffCsvDialect, type CsvDialect } from '../../src/diff/csv-parse.js';

const CSV: CsvDialect = { delimiter: 0x2c };
const TSV: CsvDialect = { delimiter: 0x09, quote: null };
const BOM = new Uint8Array([0xef, 0xbb, 0xbf]);

const parse = (text: string | Uint8Array, opts = CSV, where = { line: 1, offset: 0 }): string[] =>
  parseCsvRow(typeof text === 'string' ? utf8(text) : text, opts, where);

function inputError(f: () => unknown): InputError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    expect((e as InputError).code).toBe('INPUT_INVALID');
    return e as InputError;
  }
  throw new Error('expected an InputError');
}

describe('parseCsvRow', () => {
  it('splits fields, with LF, CRLF or no terminator', () => {
    expect(parse('a,b,c\n')).toEqual(['a', 'b', 'c']);
    expect(parse('a,b,c\r\n')).toEqual(['a', 'b', 'c']);
    expect(parse('a,b,c')).toEqual(['a', 'b', 'c']);
    expect(parse('a,b,c\r')).toEqual(['a', 'b', 'c']);
  });

  it('keeps empty fields, and a blank line is one empty field', () => {
    expect(parse(',,\n')).toEqual(['', '', '']);
    expect(parse('a,\n')).toEqual(['a', '']);
    expect(parse(',a\r\n')).toEqual(['', 'a']);
    expect(parse('\n')).toEqual(['']);
    expect(parse('"",""\n')).toEqual(['', '']);
  });

  it('reads quoted fields with delimiters, newlines, CRLF and doubled quotes (RFC 4180 §2.5-2.7)', () => {
    expect(parse('"a,b","c\nd","e\r\nf"\r\n')).toEqual(['a,b', 'c\nd', 'e\r\nf']);
    expect(parse('"say ""hi""",""""\n')).toEqual(['say "hi"', '"']);
    expect(parse('"a",b,"c"')).toEqual(['a', 'b', 'c']);
    expect(parse('"x\r"\n')).toEqual(['x\r']);
    expect(parse(' a , b \n')).toEqual([' a ', ' b ']); // spaces are part of a field (§2.4)
  });

  it('reads unicode', () => {
    expect(parse('é,"€,𝄞",日本語\n')).toEqual(['é', '€,𝄞', '日本語']);
  });

  it('strips a BOM from the first field of the row at offset 0 only', () => {
    expect(parse(concatBytes(BOM, utf8('id,name\r\n')))).toEqual(['id', 'name']);
    expect(parse(concatBytes(BOM, utf8('"id",name\n')))).toEqual(['id', 'name']);
    expect(parse(concatBytes(BOM, utf8('id\n')), CSV, { line: 2, offset: 10 })).toEqual(['\uFEFFid']);
  });

  it('TSV without quoting keeps quotes as text', () => {
    expect(parse('a\t"b"\tc""\n', TSV)).toEqual(['a', '"b"', 'c""']);
    expect(parse('a,b\tc\r\n', TSV)).toEqual(['a,b', 'c']);
  });

  it('other delimiters', () => {
    expect(parse('a;"b;c";d|e\n', { delimiter: 0x3b })).toEqual(['a', 'b;c', 'd|e']);
    expect(parse('a|"b|c"\n', { delimiter: 0x7c })).toEqual(['a', 'b|c']);
  });
});

describe('parseCsvRow errors', () => {
  it('a stray quote in an unquoted field', () => {
    const e = inputError(() => parse('id,ab"c\n', CSV, { line: 7, offset: 100 }));
    expect(e.data).toEqual({ line: 7, column: 6, offset: 105 });
    expect(e.message).toMatch(/line 7, column 6.*double the quote/);
  });

  it('text after a closing quote, on a later line of a multi-line row', () => {
    const e = inputError(() => parse('"a\nbé"x,c\n', CSV, { line: 3, offset: 20 }));
    expect(e.data).toEqual({ line: 4, column: 4, offset: 20 + utf8('"a\nbé"').length });
  });

  it('an unterminated quote', () => {
    const e = inputError(() => parse('a,"bc\n', CSV, { line: 2, offset: 4 }));
    expect(e.data).toEqual({ line: 2, column: 3, offset: 6 });
  });

  it('invalid UTF-8: bad lead byte, truncated sequence, overlong, surrogate', () => {
    const where = { line: 5, offset: 50 };
    const cases: [Uint8Array, number, number][] = [
      [concatBytes(utf8('ab,é'), new Uint8Array([0xff]), utf8('\n')), 5, 5],
      [concatBytes(utf8('"x\ny",'), new Uint8Array([0xe2, 0x82]), utf8('\n')), 6, 6],
      [concatBytes(utf8('a'), new Uint8Array([0xc0, 0xaf])), 1, 1],
      [concatBytes(utf8('a'), new Uint8Array([0xed, 0xa0, 0x80])), 1, 1],
    ];
    const lines = [5, 6, 5, 5];
    const columns = [5, 4, 2, 2];
    cases.forEach(([bytes, at], k) => {
      const e = inputError(() => parse(bytes, CSV, where));
      expect(e.data).toEqual({ line: lines[k], column: columns[k], offset: 50 + at });
      expect(e.message).toContain('UTF-8');
    });
  });

  it('counts columns after a BOM without the BOM', () => {
    const e = inputError(() => parse(concatBytes(BOM, utf8('a"b\n'))));
    expect(e.data).toEqual({ line: 1, column: 2, offset: 4 });
  });
});

describe('checkWidth and readHeader', () => {
  it('checkWidth names the row and both widths', () => {
    expect(() => checkWidth(['a', 'b'], 2, { line: 3, offset: 9 })).not.toThrow();
    const e = inputError(() => checkWidth(['a'], 3, { line: 12, offset: 99 }));
    expect(e.data).toMatchObject({ line: 12, column: 1, offset: 99, fields: 1, expected: 3 });
    expect(e.message).toContain('row at line 12 has 1 fields, the header has 3');
  });

  it('readHeader strips the BOM and refuses duplicate names', () => {
    expect(readHeader(concatBytes(BOM, utf8('id,text\r\n')), CSV)).toEqual(['id', 'text']);
    const e = inputError(() => readHeader(utf8('id,x,id\n'), CSV));
    expect(e.data).toMatchObject({ line: 1, columns: [1, 3] });
  });
});

describe('sniffCsvDialect', () => {
  it('picks the delimiter whose field count is consistent', () => {
    expect(sniffCsvDialect(utf8('a,b,c\n1,2,3\n4,5,6\n')).delimiter).toBe(0x2c);
    expect(sniffCsvDialect(utf8('a;b;c\n1,5;2;3\n4;5,5;6\n')).delimiter).toBe(0x3b);
    expect(sniffCsvDialect(utf8('a\tb\n"x,y,z"\t2\n3\t4\n')).delimiter).toBe(0x09);
    expect(sniffCsvDialect(utf8('a|b|c|d\n1|2|3|4\n')).delimiter).toBe(0x7c);
    // Commas inside quotes do not count, and a cut-off last row is ignored.
    expect(sniffCsvDialect(utf8('name;note\n"Smith, J";"a, b, c"\nx;y\n"p,q')).delimiter).toBe(0x3b);
    expect(sniffCsvDialect(utf8('single\ncolumn\n')).delimiter).toBe(0x2c);
  });

  it('reports the BOM and the line ending', () => {
    const s = sniffCsvDialect(concatBytes(BOM, utf8('"a\nb",c\r\n1,2\r\n')));
    expect(s).toEqual({ delimiter: 0x2c, quote: 0x22, hasBom: true, lineEnding: '\r\n' });
    expect(sniffCsvDialect(utf8('a,b\n')).lineEnding).toBe('\n');
    expect(sniffCsvDialect(utf8('a,b')).hasBom).toBe(false);
  });
});
