// scanTable (src/policy/pii-table.ts): CSV/TSV/JSONL scans against an oracle built from the diff
// layer's own parsers and detectPii cell by cell, chunk boundaries anywhere, row labels from keys,
// bounded locations, malformed input, and that the report copies no identifier. The fast paths'
// shortcuts (value formats, the name check on bytes, the detector's gates) are checked against the
// definitions they stand for.

import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/core/errors.js';
import { createCsvScanner } from '../../src/diff/csv-scanner.js';
import { checkWidth, parseCsvRow, readHeader } from '../../src/diff/csv-parse.js';
import { _looksLikeName, _ORG_WORD_RE, _PERSON_NAME_RE, type ColumnContext } from '../../src/policy/pii-columns.js';
import { detectPii, _detectUngated, type PiiKind } from '../../src/policy/pii-detect.js';
import { F_DEC, F_EMAIL, F_ID, F_ISO, F_TEXT, formatsFor, FORMAT_FINDING, _isFormat } from '../../src/policy/pii-formats.js';
import { PiiScanAccumulator, type PiiScanResult } from '../../src/policy/pii-scan.js';
import { scanTable, type ScanTableOptions, type TableScanResult } from '../../src/policy/pii-table.js';
import { corpus, Gen, prng } from './pii-corpus.js';

const enc = new TextEncoder();

async function* pieces(bytes: Uint8Array, size: number): AsyncIterable<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, i + size);
}

function scan(input: string | Uint8Array, opts: Partial<ScanTableOptions> & { format: ScanTableOptions['format'] }, size = 1 << 20): Promise<TableScanResult> {
  const bytes = typeof input === 'string' ? enc.encode(input) : input;
  return scanTable(pieces(bytes, size), { dialect: null, key: null, ...opts });
}

/** What scanTable must find in a CSV/TSV file: rows cut and parsed as commit does, every cell through detectPii. */
function oracle(bytes: Uint8Array, o: { delimiter: number; quote: number | null; header: boolean; key?: string[]; maxLocations?: number }): PiiScanResult & { bytes: number } {
  const dialect = { delimiter: o.delimiter, quote: o.quote };
  const scanner = createCsvScanner(dialect);
  const ends = [...scanner.push(bytes), ...scanner.end()];
  const acc = new PiiScanAccumulator({ maxLocations: o.maxLocations ?? 100 });
  let header: string[] | null = null;
  let start = 0;
  let line = 1;
  for (const end of ends) {
    const row = bytes.subarray(start, end);
    const where = { line, offset: start };
    if (o.header && header === null) header = readHeader(row, dialect);
    else {
      const fields = parseCsvRow(row, dialect, where);
      header ??= fields.map((_, i) => `column ${i + 1}`);
      checkWidth(fields, header.length, where);
      let label: string | undefined;
      if (o.key) {
        const values = o.key.map((k) => fields[header!.indexOf(k)]!);
        const clean = values.every((v, i) => detectPii(v, o.key![i]).length === 0);
        if (clean) label = values.length === 1 ? values[0]! : JSON.stringify(values);
        if (label === '') label = undefined;
      }
      acc.addRow(fields.map((value, i) => ({ column: header![i]!, value })), label);
    }
    for (const b of row) if (b === 10) line++;
    start = end;
  }
  return { ...acc.result(), bytes: bytes.length };
}

const CSV = { delimiter: 0x2c, quote: 0x22, header: true } as const;

/** A table of patients with identifiers in every shape, deterministic in `seed`. */
function patients(seed: number, rows: number, eol = '\n'): string {
  const g = new Gen(seed);
  const out = ['id,patient_name,dob,email,phone,zip,mrn,amount,status,notes'];
  for (let r = 1; r <= rows; r++) {
    const note = g.note();
    const q = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
    const extra = r % 9 === 0 ? ` said "call me" at ${g.phone()}\nand later` : '';
    out.push([`P${1000 + r}`, g.name(), g.date(), g.email(), g.phone(), g.zip(), `MRN-${g.digits(8)}`, String(g.int(1, 99999) / 100), g.pick(['open', 'closed', 'on hold']), note.value + extra].map(q).join(','));
  }
  return out.join(eol) + eol;
}

describe('scanTable: CSV and TSV', () => {
  it('matches the oracle on a patient table, with a key as the row label', async () => {
    const text = patients(1, 300);
    const bytes = enc.encode(text);
    const r = await scan(bytes, { format: 'csv', dialect: { delimiter: ',', quote: '"', header: true }, key: { columns: ['id'] } });
    expect(r).toEqual(oracle(bytes, { ...CSV, key: ['id'] }));
    expect(r.rows).toBe(300);
    expect(r.locations[0]!.row).toBe('P1001');
    expect(r.columns['patient_name']).toEqual({ name: 300 });
    expect(r.columns['email']).toEqual({ email: 300 });
    expect(r.columns['mrn']).toEqual({ mrn: 300 });
  });

  it('CRLF line endings, a byte-order mark, and the dialect as CsvDialect', async () => {
    const bytes = enc.encode('\uFEFF' + patients(2, 50, '\r\n'));
    const r = await scan(bytes, { format: 'csv', dialect: { delimiter: 0x2c, quote: 0x22 }, key: null });
    expect(r).toEqual(oracle(bytes, CSV));
    expect(Object.keys(r.columns)).toContain('patient_name');
  });

  it('without a header: columns are "column N"', async () => {
    const text = 'Maria Garcia,555-234-5678,x\nAda Brandt,jane@example.org,y\n';
    const r = await scan(text, { format: 'csv', dialect: { delimiter: ',', quote: '"', header: false }, key: null });
    expect(r.rows).toBe(2);
    expect(r.columns).toEqual({ 'column 2': { phone: 1, email: 1 } });
    expect(r).toEqual(oracle(enc.encode(text), { ...CSV, header: false }));
  });

  it('a last row without a line ending (and one ending in a lone CR)', async () => {
    for (const text of ['a,b\n1,555-234-5678', 'a,b\r\n1,"555-234-5678"\r', 'a,b\n1,x\n2,jane@example.org\r']) {
      for (const size of [1, 4, 1 << 20]) expect(await scan(text, { format: 'csv' }, size), `${JSON.stringify(text)} / ${size}`).toEqual(oracle(enc.encode(text), CSV));
    }
  });

  it('TSV: tabs, no quoting', async () => {
    const text = 'name\tnote\tssn\nMaria "M" Garcia\tcall 555-234-5678\t123456789\n';
    const r = await scan(text, { format: 'tsv', dialect: null, key: null });
    expect(r.findings).toEqual({ ssn: 1, phone: 1, name: 1 });
    expect(r).toEqual(oracle(enc.encode(text), { delimiter: 9, quote: null, header: true }));
  });

  it('quoted fields across lines, and errors after them name the right line', async () => {
    const text = 'id,notes\n1,"first line\nMRN: 00123456\nthird"\n2,"a ""quoted"" SSN 123-45-6789"\n3,ok\n';
    const r = await scan(text, { format: 'csv', key: { columns: ['id'] } });
    expect(r.findings).toEqual({ ssn: 1, mrn: 1 });
    expect(r.locations.map((l) => l.row)).toEqual(['1', '2']);
    const bad = text + '4,a,b\n';
    await expect(scan(bad, { format: 'csv' })).rejects.toMatchObject({ code: 'INPUT_INVALID', data: { line: 7 } });
  });

  it('the bench CSV, big enough for the column template, with multi-line comments', async () => {
    const { benchCsvRow, BENCH_CSV_HEADER, csvField, splitCsvRecord } = await import('../../bench/gen.js');
    const rows = [BENCH_CSV_HEADER];
    for (let i = 0; i < 3000; i++) rows.push(benchCsvRow(7, i, true));
    // a few rows the formats do not fit: an identifier in the comment, an odd amount, a quoted id
    const edit = (i: number, col: number, value: string, quote = false) => {
      const f = splitCsvRecord(rows[i]!);
      f[col] = value;
      rows[i] = f.map((v, k) => (quote && k === col ? `"${v}"` : csvField(v))).join(',');
    };
    edit(500, 10, 'call 555-234-5678, urgent');
    edit(900, 0, 'r000000899', true);
    edit(1200, 5, '1.2.3.4');
    const bytes = enc.encode(rows.join('\n') + '\n');
    const want = oracle(bytes, { ...CSV, key: ['id'], maxLocations: 5 });
    for (const size of [1 << 20, 4096, 333]) {
      const r = await scan(bytes, { format: 'csv', dialect: { delimiter: ',', quote: '"', header: true }, key: { columns: ['id'] }, maxLocations: 5 }, size);
      expect(r, `chunks of ${size}`).toEqual(want);
    }
    expect(want.findings).toMatchObject({ name: 3000, email: 3000, date: 3000, phone: 1, ip: 1 });
    // the same rows as TSV (no quoting: the comments' quotes are text)
    const tsv = enc.encode(rows.map((r) => splitCsvRecord(r).map((v) => v.replace(/[\t\n]/g, ' ')).join('\t')).join('\n') + '\n');
    const wantTsv = oracle(tsv, { delimiter: 9, quote: null, header: true, key: ['id'], maxLocations: 5 });
    expect(await scan(tsv, { format: 'tsv', dialect: { delimiter: '\t', quote: '', header: true }, key: { columns: ['id'] }, maxLocations: 5 }, 5000)).toEqual(wantTsv);
    expect(wantTsv.findings).toMatchObject({ name: 3000, email: 3000, date: 3000 });
  });

  it('other delimiters, including ones a value format could match, and without the value cache', async () => {
    const { benchCsvRow, BENCH_CSV_HEADER, splitCsvRecord } = await import('../../bench/gen.js');
    const records = [BENCH_CSV_HEADER, ...Array.from({ length: 1500 }, (_, i) => benchCsvRow(3, i))].map(splitCsvRecord);
    for (const d of [';', '|', '.', ' ', '-']) {
      const field = (v: string) => (v.includes(d) || /["\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
      const bytes = enc.encode(records.map((r) => r.map(field).join(d)).join('\n') + '\n');
      const want = oracle(bytes, { ...CSV, delimiter: d.charCodeAt(0), key: ['id'], maxLocations: 3 });
      const opts = { format: 'csv' as const, dialect: { delimiter: d, quote: '"', header: true }, key: { columns: ['id'] }, maxLocations: 3 };
      expect(await scan(bytes, opts, 10_000), `delimiter ${JSON.stringify(d)}`).toEqual(want);
      expect(await scan(bytes, { ...opts, valueCache: false }, 10_000), `delimiter ${JSON.stringify(d)}, no cache`).toEqual(want);
      expect(want.findings).toMatchObject({ name: 1500, email: 1500, date: 1500 });
    }
  });

  it('a row longer than the chunks (and than the retry threshold)', async () => {
    const long = 'x'.repeat(300_000) + ' SSN 123-45-6789';
    const text = `id,notes\n1,"${long}"\n2,"call 555-234-5678"\n3,${'y'.repeat(100_000)}\n`;
    const want = oracle(enc.encode(text), CSV);
    expect(want.findings).toEqual({ ssn: 1, phone: 1 });
    for (const size of [4096, 65_536]) expect(await scan(text, { format: 'csv' }, size)).toEqual(want);
  });
});

describe('scanTable: JSONL and JSON paths', () => {
  const jsonl = [
    { id: 'p1', patient: { name: 'Maria Garcia', phones: ['555-234-5678', '+44 20 7946 0958'], age: 93 }, meta: { ts: '2024-03-05T10:00:00Z' } },
    { id: 'jane@example.org', notes: [{ text: 'SSN 123-45-6789' }, { text: 'MRN: 00123456' }], product: { name: 'Fixed 30Y' } },
    { id: 7, 'a@b.example.org': { phone: '5552345678' }, customer: 'Ada Brandt', client: 'C-10023' },
  ].map((v) => JSON.stringify(v)).join('\n') + '\n';

  it('columns are JSON pointers with array indexes as *', async () => {
    const r = await scan(jsonl, { format: 'jsonl', key: { pointer: '/id' } });
    expect(r.rows).toBe(3);
    expect(r.columns).toEqual({
      '/patient/name': { name: 1 },
      '/patient/phones/*': { phone: 2 },
      '/patient/age': { 'age-over-89': 1 },
      '/meta/ts': { date: 1 },
      '/id': { email: 1 },
      '/notes/*/text': { ssn: 1, mrn: 1 },
      '/•@•.•••••••.•••/phone': { phone: 1 },
      '/customer': { name: 1 },
    });
    // the key labels rows, except where it is itself an identifier
    expect([...new Set(r.locations.map((l) => l.row))]).toEqual(['p1', '2', '7']);
  });

  it('is the same in any chunks', async () => {
    const want = await scan(jsonl, { format: 'jsonl', key: { pointer: '/id' } });
    for (const size of [1, 7]) expect(await scan(jsonl, { format: 'jsonl', key: { pointer: '/id' } }, size)).toEqual(want);
  });

  it('paths past maxColumns count together', async () => {
    const rows = Array.from({ length: 50 }, (_, i) => JSON.stringify({ [`k${i}`]: { phone: '555-234-5678' } })).join('\n');
    const r = await scan(rows, { format: 'jsonl', maxColumns: 10 });
    expect(Object.keys(r.columns)).toContain('(other columns)');
    expect(r.findings.phone).toBe(50);
  });
});

describe('scanTable: Parquet', () => {
  it('columns are JSON pointers, as for JSONL; streamed or with random access', async () => {
    const { parquetWriteBuffer } = await import('hyparquet-writer');
    const buf = new Uint8Array(
      parquetWriteBuffer({
        columnData: [
          { name: 'id', data: ['a1', 'jane@example.org', 'a3'], type: 'STRING' },
          { name: 'patient_name', data: ['Maria Garcia', null, 'Ada Brandt'], type: 'STRING' },
          { name: 'age', data: [93, 40, null], type: 'INT32' },
          { name: 'notes', data: ['call 555-234-5678', 'none', 'SSN 123-45-6789'], type: 'STRING' },
        ],
        rowGroupSize: 2,
      }),
    );
    const want = {
      rows: 3,
      bytes: buf.length,
      findings: { ssn: 1, phone: 1, email: 1, 'age-over-89': 1, name: 2 },
      columns: { '/id': { email: 1 }, '/patient_name': { name: 2 }, '/age': { 'age-over-89': 1 }, '/notes': { phone: 1, ssn: 1 } },
    };
    const streamed = await scan(buf, { format: 'parquet', key: { pointer: '/id' } }, 100);
    expect(streamed).toMatchObject(want);
    expect(streamed.locations.map((l) => l.row)).toEqual(['a1', 'a1', 'a1', '2', 'a3', 'a3']);
    const file = { byteLength: buf.length, slice: (a: number, b?: number) => buf.slice(a, b).buffer };
    expect(await scanTable(pieces(new Uint8Array(0), 1), { format: 'parquet', dialect: null, key: { columns: ['id'] }, parquetFile: file })).toEqual(streamed);
  });
});

describe('scanTable: the report', () => {
  it('is identical for 1-byte, 7-byte and whole chunks', async () => {
    const text = '\uFEFF' + patients(3, 40, '\r\n');
    const opts = { format: 'csv' as const, dialect: { delimiter: ',', quote: '"', header: true }, key: { columns: ['id'] } };
    const whole = await scan(text, opts);
    expect(await scan(text, opts, 1)).toEqual(whole);
    expect(await scan(text, opts, 7)).toEqual(whole);
    const r = prng(11);
    for (let k = 0; k < 5; k++) {
      const bytes = enc.encode(text);
      async function* random(): AsyncIterable<Uint8Array> {
        for (let i = 0; i < bytes.length; ) {
          const n = 1 + Math.floor(r() * 300);
          yield bytes.slice(i, i + n);
          i += n;
        }
      }
      expect(await scanTable(random(), { ...opts })).toEqual(whole);
    }
  });

  it('reports progress and stops when aborted', async () => {
    const text = patients(6, 100);
    const seen: number[] = [];
    const r = await scan(text, { format: 'csv', onProgress: (b) => seen.push(b) }, 1000);
    expect(seen.at(-1)).toBe(r.bytes);
    expect(seen.every((b, i) => i === 0 || b > seen[i - 1]!)).toBe(true);
    const ac = new AbortController();
    const p = scan(text, { format: 'csv', signal: ac.signal, onProgress: (b) => b > 3000 && ac.abort() }, 1000);
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('keeps at most maxLocations, and a key that is an identifier never labels a row', async () => {
    const text = 'email,phone\n' + Array.from({ length: 30 }, (_, i) => `user${i}@example.org,555-234-${String(1000 + i)}`).join('\n') + '\n';
    const r = await scan(text, { format: 'csv', key: { columns: ['email'] }, maxLocations: 7 });
    expect(r.locations).toHaveLength(7);
    expect(r.findings).toEqual({ email: 30, phone: 30 });
    expect(r.locations.map((l) => l.row)).toEqual(['1', '1', '2', '2', '3', '3', '4']);
  });

  it('holds none of the identifiers it found', async () => {
    const bytes = enc.encode(patients(4, 120));
    const r = await scan(bytes, { format: 'csv', key: { columns: ['id'] }, maxLocations: 1000 });
    expect(r.locations.length).toBeGreaterThan(500);
    const json = JSON.stringify(r);
    // every identifier in the file, cut and parsed as commit does
    const scanner = createCsvScanner(CSV);
    let start = 0;
    let header: string[] | undefined;
    let checked = 0;
    for (const end of [...scanner.push(bytes), ...scanner.end()]) {
      const fields = parseCsvRow(bytes.subarray(start, end), CSV, { line: 1, offset: start });
      start = end;
      if (!header) {
        header = fields;
        continue;
      }
      fields.forEach((v, i) => {
        for (const f of detectPii(v, header![i])) {
          const id = v.slice(f.start, f.end);
          if (f.kind === 'age-over-89' || id.length < 5) continue;
          expect(json.includes(id), `${f.kind} ${id}`).toBe(false);
          checked++;
        }
      });
    }
    expect(checked).toBeGreaterThan(800);
    for (const l of r.locations) expect(l.masked).toMatch(/^[•\s\-.@/:()+,_#]+…?$/u);
  });
});

describe('scanTable: malformed input', () => {
  const bad = async (text: string | Uint8Array, format: ScanTableOptions['format'], line: number) => {
    for (const size of [1 << 20, 3]) {
      const e = await scan(text, { format }, size).then(
        () => undefined,
        (x: unknown) => x,
      );
      expect(e, `chunks of ${size}`).toBeInstanceOf(InputError);
      expect((e as InputError).code).toBe('INPUT_INVALID');
      expect((e as InputError).data.line, (e as Error).message).toBe(line);
    }
  };
  it('bad UTF-8', () => bad(new Uint8Array([...enc.encode('a,b\n1,2\n3,'), 0xc3, 0x28, ...enc.encode('\n')]), 'csv', 3));
  it('an unterminated quote', () => bad('a,b\n1,2\n3,"open\nstill open\n', 'csv', 3));
  it('a stray quote', () => bad('a,b\n1,x"y,z\n2,3\n', 'csv', 2));
  it('text after a closing quote', () => bad('a,b\n1,"x"y\n', 'csv', 2));
  it('a row of the wrong width', () => bad('a,b\n1,2\n3\n', 'csv', 3));
  it('a bad JSON line', () => bad('{"a":1}\n{"a":\n', 'jsonl', 2));
  it('a row with one field too many after many good rows (the template path)', async () => {
    const rows = ['id,amount,who,note'];
    for (let i = 0; i < 500; i++) rows.push(`r${i},${i}.5,Ada Brandt ${i % 2 ? 'x' : ''},note ${i}`);
    rows.push('r9,1.5,Ada Brandt,note,extra');
    await bad(rows.join('\n') + '\n', 'csv', 502);
  });
  it('a blank JSON line', () => bad('{"a":1}\n\n{"a":2}\n', 'jsonl', 2));
  it('bad UTF-8 in JSONL', () => bad(new Uint8Array([...enc.encode('{"a":1}\n{"a":"'), 0xff, ...enc.encode('"}\n')]), 'jsonl', 2));
  it('a key column that is not in the header', async () => {
    await expect(scan('a,b\n1,2\n', { format: 'csv', key: { columns: ['id'] } })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
  });
});

// ---------------------------------------------------------------------------------------------
// The shortcuts, against what they stand for.

/** Random strings from pieces that make and break identifiers. */
function noise(r: () => number, n: number): string {
  const bits = ['1', '23', '456', '7890', '555', '2024', '03', '-', '/', '.', ' ', ':', '::', '@', 'www.', 'http://', '+', '(', ')', 'a', 'Z', 'SSN', 'MRN', 'acct', 'age', 'y/o', 'March', 'IL', 'zip', 'DL', 'é', '静', '\u00a0', ',', '#', 'x', 'yo', '1HGCM82633A004352', 'fe80', 'T', '_'];
  let s = '';
  for (let i = 0; i < n; i++) s += bits[Math.floor(r() * bits.length)];
  return s;
}

describe('shortcuts agree with the definitions', () => {
  it("the detector's gates never drop a finding: gated and ungated agree", () => {
    const r = prng(3);
    const values = corpus(9, 150).map((c) => [c.value, c.column] as const);
    for (let i = 0; i < 20000; i++) values.push([noise(r, 1 + Math.floor(r() * 12)), r() < 0.3 ? 'zip' : 'notes']);
    for (const [v, c] of values) expect(detectPii(v, c), `${JSON.stringify(v)} in ${c}`).toEqual(_detectUngated(v, c));
  });

  it('each value format means what FORMAT_FINDING says', () => {
    const f = formatsFor(0x2c, 0x22);
    const r = prng(5);
    const g = new Gen(5);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
    const gen: Record<number, () => string> = {
      // the caller rules out "www." for the whole block
      [F_TEXT]: () => noise(r, 6).replace(/[0-9@:,"\n\r]/g, '').replace(/[wW]{3}\./g, 'w'),
      [F_DEC]: () => `${r() < 0.2 ? '-' : ''}${g.digits(1 + Math.floor(r() * 18))}${r() < 0.5 ? '.' + g.digits(1 + Math.floor(r() * 6)) : ''}`,
      [F_ID]: () => (r() < 0.5 ? pick(['r', 'x', 'c']) + g.digits(1 + Math.floor(r() * 20)) : pick(['R', 'DL', 'MB', 'A', 'SN']) + g.digits(1 + Math.floor(r() * 14))),
      [F_ISO]: () => `${g.int(1800, 2099)}-${g.pad(g.int(1, 12), 2)}-${g.pad(g.int(1, 31), 2)}${pick(['', 'T10:30', ' 23:59:59', 'T00:00:00Z', 'T12:34:56.789+05:30', 'T01:02:03-0800'])}`,
      [F_EMAIL]: () => pick([g.email(), `a+1555234567${g.digits(2)}@x.example.org`, `mrn.${g.digits(8)}@h.example.com`, `${g.digits(3)}-${g.digits(2)}-${g.digits(4)}@ssn.example.net`]),
    };
    for (const k of [F_TEXT, F_DEC, F_ID, F_ISO, F_EMAIL]) {
      let n = 0;
      for (let i = 0; i < 3000; i++) {
        const v = gen[k]!();
        if (!_isFormat(f, k, v)) continue;
        n++;
        const claim = FORMAT_FINDING[k];
        const want = claim ? [{ kind: claim.kind, start: 0, end: claim.end < 0 ? v.length : claim.end }] : [];
        const columns: Array<[string, ColumnContext]> = [['notes', null], ['customer', 'person'], ['first_name', 'name'], ['zip', 'zip'], ['mrn', 'mrn']];
        for (const [column, ctx] of columns) {
          if ((f.allowed(ctx) & (1 << k)) === 0) continue;
          expect(detectPii(v, column), `${k}: ${JSON.stringify(v)} in ${column}`).toEqual(want);
        }
      }
      expect(n, `values of format ${k}`).toBeGreaterThan(500);
    }
  });

  it('the name check on text and on UTF-8 bytes agrees with its regex definition', () => {
    const r = prng(8);
    const parts = ['Maria', 'García', 'ada', 'O’Neil', "d'Arc", 'Jean-Luc', 'Zoë', '静', '陈', 'É', 'x', 'Dr.', ',', ' ', '  ', '\t', '1', 'Inc', 'co.', 'Ltd', 'Bank', '\u0301', '𝒜', 'ß', 'Σ', 'ǅ', '—', '\u00a0', '.', 'van ', 'de ', 'del', 'st.', 'Jr.', ', '];
    const utf8 = (s: string) => Array.from(enc.encode(s), (b) => String.fromCharCode(b)).join('');
    let names = 0;
    for (let i = 0; i < 30000; i++) {
      let v = '';
      const n = 1 + Math.floor(r() * 7);
      for (let k = 0; k < n; k++) v += parts[Math.floor(r() * parts.length)];
      v = v.replace(/^[\s]+|[\s]+$/g, '');
      if (v === '' || /^[\t\n\v\f\r \u00a0]|[\t\n\v\f\r ]$/.test(v)) continue;
      const want = v.length >= 3 && v.length <= 100 && _PERSON_NAME_RE.test(v) && !_ORG_WORD_RE.test(v);
      expect(_looksLikeName(v, 0, v.length), JSON.stringify(v)).toBe(want);
      const b = utf8(v);
      expect(_looksLikeName(b, 0, b.length, true), `bytes ${JSON.stringify(v)}`).toBe(want);
      if (want) names++;
    }
    expect(names).toBeGreaterThan(500);
  });

  it('a bare person column holds names only when they look like names', async () => {
    const text = 'customer,applicant,contact\nMaria Garcia,C-10023,by phone only\nJürgen Weiß,C-10024,Ada Brandt\n';
    const r = await scan(text, { format: 'csv' });
    expect(r.columns).toEqual({ customer: { name: 2 }, contact: { name: 1 } });
    const kinds = (v: string, c: string): PiiKind[] => detectPii(v, c).map((x) => x.kind);
    expect(kinds('C-10023', 'customer')).toEqual([]);
    expect(kinds('Acme Corp', 'client')).toEqual([]);
    expect(kinds('Garcia, Maria', 'borrower')).toEqual(['name']);
    expect(kinds('jane@example.org', 'contact')).toEqual(['email']);
  });
});
