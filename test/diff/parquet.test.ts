// Parquet datasets: the commit pass over the fixtures (chunks rebuild the file, SHA-256, rows,
// schema), stream input spooled to a temp file that is always removed, rows read back equal to the
// CSV the fixtures were made from, non-Parquet input refused with one clear message, and a stored
// version read through its chunks exactly as through the file.
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parquetMetadata } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { InputError, IntegrityError } from '../../src/core/errors.js';
import { nodeProvider } from '../../src/node/node-crypto.js';
import { recipeChunks } from '../../src/diff/recipe-tree.js';
import { hex, memRepo, pieces } from './_mem-repo.js';
import {
  _isoDate,
  _isoTimestamp,
  fileAsyncBuffer,
  ingestParquet,
  parquetRows,
  storedAsyncBuffer,
  type ParquetIngestOptions,
  type ParquetIngestResult,
  type RandomAccessBytes,
} from '../../src/diff/parquet.js';

const DIR = 'fixtures/datasets';
const V1 = `${DIR}/credit-decisions.v1.parquet`;
const V2 = `${DIR}/credit-decisions.v2.parquet`;
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

type Repo = ReturnType<typeof memRepo>;


let temp = '';
beforeEach(async () => {
  temp = await mkdtemp(join(tmpdir(), 'cognify-parquet-test-'));
});
afterEach(() => rm(temp, { recursive: true, force: true }));

/** Stream input (no path) spooled into `temp`; small chunks so every fixture has several. */
function ingest(repo: Repo, bytes: Uint8Array, extra: Partial<ParquetIngestOptions> = {}, size = 4096): Promise<ParquetIngestResult> {
  return ingestParquet({ source: pieces(bytes, size), crypto: nodeProvider, putChunk: repo.putChunk, putNode: repo.putNode, chunker: { targetSize: 1024 }, tempDir: temp, ...extra });
}

async function recipe(repo: Repo, r: ParquetIngestResult) {
  const tree = r.recipe ? { root: { id: r.recipe.root, rows: 0, bytes: 0 }, depth: r.recipe.depth } : undefined;
  const list: { id: Uint8Array; rows: number; bytes: number }[] = [];
  for await (const c of recipeChunks(repo.getNode, tree)) list.push(c);
  return list;
}

/** RFC 4180 (CRLF, quoted fields with "" escapes): the fixtures' CSV, independent of src/diff. */
function parseCsv(text: string): string[][] {
  const out: string[][] = [];
  let row: string[] = [];
  let f = '';
  let q = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (q) {
      if (c === '"' && text[i + 1] === '"') (f += '"'), i++;
      else if (c === '"') q = false;
      else f += c;
    } else if (c === '"') q = true;
    else if (c === ',') row.push(f), (f = '');
    else if (c === '\r' && text[i + 1] === '\n') {
      row.push(f), out.push(row), (row = []), (f = ''), i++;
    } else f += c;
  }
  return out;
}

const INTEGER_COLUMNS = new Set(['age', 'income', 'loan_amount', 'term_months', 'credit_score']);

/** The CSV fixture's rows as the Parquet rows must read: integers as numbers, the rest (dates too) as text. */
function csvRows(version: 'v1' | 'v2'): Record<string, unknown>[] {
  const [header, ...rows] = parseCsv(readFileSync(`${DIR}/credit-decisions.${version}.csv`, 'utf8'));
  return rows.map((r) => Object.fromEntries(header!.map((h, i) => [h, INTEGER_COLUMNS.has(h) ? Number(r[i]) : r[i]])));
}

async function collect(file: RandomAccessBytes | Uint8Array, opts?: Parameters<typeof parquetRows>[1]) {
  const out: { row: number; value: Record<string, unknown> }[] = [];
  for await (const r of parquetRows(file, opts)) out.push(r);
  return out;
}

const CREDIT_SCHEMA = [
  ['applicant_id', 'string'],
  ['application_date', 'date'],
  ['age', 'integer'],
  ['sex', 'string'],
  ['ethnicity', 'string'],
  ['postcode_area', 'string'],
  ['income', 'integer'],
  ['loan_amount', 'integer'],
  ['term_months', 'integer'],
  ['credit_score', 'integer'],
  ['decision', 'string'],
  ['reason_code', 'string'],
  ['reason_text', 'string'],
].map(([name, type]) => ({ name, type, empties: 0 }));

describe('ingestParquet', () => {
  it('stores the fixture as byte chunks that rebuild it, with its SHA-256, rows and schema', async () => {
    const bytes = new Uint8Array(readFileSync(V1));
    const repo = memRepo();
    const r = await ingestParquet({ source: pieces(bytes, 4096), path: V1, crypto: nodeProvider, putChunk: repo.putChunk, putNode: repo.putNode, chunker: { targetSize: 1024 } });
    expect(r).toMatchObject({ format: 'parquet', dialect: null, sha256: sha256(bytes), bytes: bytes.length, rows: 300 });
    expect(r.schema).toEqual({ columns: CREDIT_SCHEMA });

    const list = await recipe(repo, r);
    expect(list.length).toBe(r.recipe!.chunks);
    expect(list.length).toBeGreaterThan(4);
    expect(r.newChunks).toBe(new Set(list.map((c) => hex(c.id))).size);
    expect(r.newBytes).toBe([...repo.chunks.values()].reduce((n, c) => n + c.length, 0));
    // Byte chunks carry no rows; their bytes add up to the file.
    expect(list.every((c) => c.rows === 0)).toBe(true);
    expect(list.reduce((n, c) => n + c.bytes, 0)).toBe(bytes.length);
    const rebuilt = Buffer.concat(list.map((c) => repo.chunks.get(hex(c.id))!));
    expect(rebuilt.equals(bytes)).toBe(true);
    expect(await readdir(temp)).toEqual([]); // nothing spooled here (the default tempDir is not this one)
  });

  it('v2: the added column, 302 rows; storing it again stores nothing new', async () => {
    const bytes = new Uint8Array(readFileSync(V2));
    const repo = memRepo();
    const r = await ingest(repo, bytes);
    expect(r.rows).toBe(302);
    expect(r.schema.columns).toEqual([...CREDIT_SCHEMA, { name: 'model_version', type: 'string', empties: 0 }]);
    const again = await ingest(repo, bytes, {}, 777);
    expect(again.recipe!.root).toEqual(r.recipe!.root);
    expect([again.newChunks, again.newBytes]).toEqual([0, 0]);
  });

  it('stream input gives the same result however it is split, spools to tempDir and removes the spool', async () => {
    const bytes = new Uint8Array(readFileSync(V1));
    const withPath = await ingestParquet({ source: pieces(bytes, 65536), path: V1, crypto: nodeProvider, putChunk: memRepo().putChunk, putNode: memRepo().putNode, chunker: { targetSize: 1024 } });
    const seenDuring: string[][] = [];
    async function* watched(): AsyncIterable<Uint8Array> {
      for await (const p of pieces(bytes, 1000)) {
        yield p;
        seenDuring.push(await readdir(temp));
      }
    }
    const repo = memRepo();
    const streamed = await ingestParquet({ source: watched(), crypto: nodeProvider, putChunk: repo.putChunk, putNode: repo.putNode, chunker: { targetSize: 1024 }, tempDir: temp });
    expect({ ...streamed, newChunks: 0, newBytes: 0 }).toEqual({ ...withPath, newChunks: 0, newBytes: 0 });
    expect(seenDuring[0]).toHaveLength(1); // the spool directory existed during the pass
    expect(seenDuring[0]![0]).toMatch(/^cognify-parquet-/);
    expect(await readdir(temp)).toEqual([]);
    const split7 = await ingest(memRepo(), bytes, {}, 7);
    expect(split7.recipe!.root).toEqual(streamed.recipe!.root);
  });

  it('counts nulls exactly, maps types, and agrees with column statistics when decoding is off', async () => {
    const buf = new Uint8Array(
      parquetWriteBuffer({
        columnData: [
          { name: 'flag', data: [true, null, false, null], type: 'BOOLEAN' },
          { name: 'big', data: [1n, null, 2n ** 60n, -3n], type: 'INT64' },
          { name: 'x', data: [1.5, NaN, null, -0], type: 'DOUBLE' },
          { name: 'ts', data: [new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678)), null, new Date(-1), null], type: 'TIMESTAMP' },
          { name: 'bin', data: [new Uint8Array([0, 255, 1]), new Uint8Array([]), null, new Uint8Array([0x68, 0x69])], type: 'BYTE_ARRAY' },
          { name: 'doc', data: [{ a: 1 }, null, [1, 2], 'x'], type: 'JSON' },
        ],
        rowGroupSize: 3,
      }),
    );
    const r = await ingest(memRepo(), buf);
    const expected = [
      { name: 'flag', type: 'boolean', empties: 2 },
      { name: 'big', type: 'integer', empties: 1 },
      { name: 'x', type: 'number', empties: 1 },
      { name: 'ts', type: 'datetime', empties: 2 },
      { name: 'bin', type: 'string', empties: 1 },
      { name: 'doc', type: 'string', empties: 1 },
    ];
    expect(r.rows).toBe(4);
    expect(r.schema.columns).toEqual(expected);
    expect((await ingest(memRepo(), buf, { decode: false })).schema.columns).toEqual(expected);

    expect(await collect(buf)).toEqual([
      { row: 0, value: { flag: true, big: 1, x: 1.5, ts: '2026-01-02T03:04:05.678Z', bin: 'AP8B', doc: { a: 1 } } },
      { row: 1, value: { flag: null, big: null, x: 'NaN', ts: null, bin: '', doc: null } },
      { row: 2, value: { flag: false, big: '1152921504606846976', x: null, ts: '1969-12-31T23:59:59.999Z', bin: null, doc: [1, 2] } },
      { row: 3, value: { flag: null, big: -3, x: 0, ts: null, bin: 'aGk=', doc: 'x' } },
    ]);
  });

  describe('refuses what is not readable Parquet, with one message, and leaves no spool', () => {
    const v1 = new Uint8Array(readFileSync(V1));
    const notParquet = (name: string) => `${name}: not a Parquet file (no PAR1 magic at the end); it is truncated or in another format: copy it again, or commit it as CSV, TSV or JSONL`;
    const corrupt = v1.slice();
    const page = Number(parquetMetadata(v1).row_groups[1]!.columns[2]!.meta_data!.data_page_offset);
    corrupt.fill(0xff, page, page + 16); // the page header of "age" in row group 1
    const cases: [what: string, name: string, bytes: Uint8Array, message: string][] = [
      ['the CSV fixture', 'credit-decisions.v1.csv', new Uint8Array(readFileSync(`${DIR}/credit-decisions.v1.csv`)), notParquet('credit-decisions.v1.csv')],
      ['an empty file', 'empty.parquet', new Uint8Array(0), notParquet('empty.parquet')],
      ['the first half of a Parquet file', 'half.parquet', v1.subarray(0, v1.length >> 1), notParquet('half.parquet')],
      ['PAR1 at the end only', 'tail.parquet', new Uint8Array(Buffer.from('id,name\n1,PAR1')), 'tail.parquet: not a Parquet file (no PAR1 magic at the start); it is damaged or in another format: copy it again, or commit it as CSV, TSV or JSONL'],
      ['an encrypted footer', 'enc.parquet', new Uint8Array(Buffer.from('PAR1....\x04\x00\x00\x00PARE', 'latin1')), 'enc.parquet: an encrypted Parquet file (PARE magic at the end), which Cognify cannot read; commit a decrypted copy'],
      ['a footer length past the start', 'len.parquet', new Uint8Array(Buffer.from('PAR1\xff\x00\x00\x00PAR1', 'latin1')), 'len.parquet: the Parquet footer cannot be read (parquet metadata length 255 exceeds available buffer 4); the file is damaged: copy it again'],
      ['a damaged page header', 'bad-page.parquet', corrupt, 'bad-page.parquet: Parquet row group 1 (rows 101–200) cannot be decoded (thrift unhandled type: 15); the file is damaged or uses an unsupported encoding'],
    ];
    it.each(cases)('%s', async (_, name, bytes, message) => {
      const err = await ingest(memRepo(), bytes, { name }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(InputError);
      expect((err as InputError).code).toBe('INPUT_INVALID');
      expect((err as InputError).message).toBe(message);
      expect(await readdir(temp)).toEqual([]);
    });

    it('a damaged page passes a footer-only check (decode: false)', async () => {
      expect((await ingest(memRepo(), corrupt, { decode: false })).rows).toBe(300);
    });

    it('an abort stops the pass and removes the spool', async () => {
      const ac = new AbortController();
      async function* slow(): AsyncIterable<Uint8Array> {
        yield v1.subarray(0, 100);
        ac.abort();
        yield v1.subarray(100);
      }
      await expect(ingestParquet({ source: slow(), crypto: nodeProvider, putChunk: memRepo().putChunk, putNode: memRepo().putNode, tempDir: temp, signal: ac.signal })).rejects.toThrow(/abort/i);
      expect(await readdir(temp)).toEqual([]);
    });
  });
});

describe('fixtures', () => {
  it('scripts/make-parquet-fixtures.js reproduces the checked-in files byte for byte', async () => {
    const script = '../../scripts/make-parquet-fixtures.js'; // plain JS, no types: import by a non-literal path
    const { csvToParquet } = (await import(script)) as { csvToParquet: (csv: string) => { bytes: Uint8Array; rows: number } };
    for (const [v, rows] of [['v1', 300], ['v2', 302]] as const) {
      const made = csvToParquet(`${DIR}/credit-decisions.${v}.csv`);
      expect(made.rows).toBe(rows);
      expect(Buffer.from(made.bytes).equals(readFileSync(`${DIR}/credit-decisions.${v}.parquet`)), v).toBe(true);
    }
  });
});

describe('parquetRows', () => {
  it.each(['v1', 'v2'] as const)('%s: every row, in order, with the CSV fixture values', async (v) => {
    const file = await fileAsyncBuffer(v === 'v1' ? V1 : V2);
    try {
      const rows = await collect(file);
      const expected = csvRows(v);
      expect(rows.length).toBe(expected.length);
      expect(rows.map((r) => r.row)).toEqual(expected.map((_, i) => i));
      expect(rows.map((r) => r.value)).toEqual(expected);
      expect(Object.keys(rows[0]!.value)).toEqual(Object.keys(expected[0]!)); // file column order
    } finally {
      await file.close();
    }
  });

  it('reads only the requested columns, in the requested order; an unknown column is an input error', async () => {
    const file = await fileAsyncBuffer(V1);
    try {
      const rows = await collect(file, { columns: ['credit_score', 'applicant_id'] });
      expect(rows[150]).toEqual({ row: 150, value: { credit_score: csvRows('v1')[150]!.credit_score, applicant_id: 'APP-100151' } });
      expect(Object.keys(rows[0]!.value)).toEqual(['credit_score', 'applicant_id']);
      await expect(collect(file, { columns: ['score'], name: 'v1.parquet' })).rejects.toThrow(/^v1\.parquet: no column "score"; the columns are applicant_id, application_date, /);
    } finally {
      await file.close();
    }
  });
});

describe('storedAsyncBuffer', () => {
  async function stored(path: string, cacheChunks?: number) {
    const bytes = new Uint8Array(readFileSync(path));
    const repo = memRepo();
    const r = await ingest(repo, bytes);
    const list = await recipe(repo, r);
    const reads: number[] = [];
    const file = storedAsyncBuffer(
      list,
      async (i) => {
        reads.push(i);
        return repo.chunks.get(hex(list[i]!.id))!;
      },
      cacheChunks === undefined ? {} : { cacheChunks },
    );
    return { bytes, list, reads, file };
  }

  it('reads the same rows as the file itself', async () => {
    for (const path of [V1, V2]) {
      const { file, list } = await stored(path);
      expect(list.length).toBeGreaterThan(4);
      const disk = await fileAsyncBuffer(path);
      try {
        expect(file.byteLength).toBe(disk.byteLength);
        expect(await collect(file)).toEqual(await collect(disk));
      } finally {
        await disk.close();
      }
    }
  });

  it('any byte range equals the file slice, across chunk boundaries; the LRU avoids refetching', async () => {
    const { bytes, file, list, reads } = await stored(V1, 3);
    let seed = 12345;
    const rand = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
    for (let k = 0; k < 300; k++) {
      const a = rand(bytes.length + 1);
      const b = a + rand(Math.min(5000, bytes.length - a) + 1);
      expect(Buffer.from(await file.slice(a, b)).equals(bytes.subarray(a, b)), `${a}..${b}`).toBe(true);
    }
    expect(Buffer.from(await file.slice(bytes.length - 8)).equals(bytes.subarray(-8))).toBe(true); // end defaults to the length
    expect((await file.slice(5, 5)).byteLength).toBe(0);

    reads.length = 0;
    const firstTwo = list[0]!.bytes + list[1]!.bytes;
    await file.slice(0, firstTwo);
    await file.slice(10, firstTwo - 10);
    expect(reads).toEqual([0, 1]); // second read served from the cache
  });

  it('a chunk whose size differs from the recipe is an integrity error', async () => {
    const file = storedAsyncBuffer([{ bytes: 4 }, { bytes: 4 }], async (i) => new Uint8Array(i === 0 ? 4 : 3));
    await expect(file.slice(0, 8)).rejects.toBeInstanceOf(IntegrityError);
    await expect(file.slice(0, 8)).rejects.toThrow('chunk 1 has 3 bytes but the recipe lists 4; run cognify verify');
  });
});

describe('ISO dates and timestamps', () => {
  it("days → YYYY-MM-DD as Date#toISOString gives it, over Date's whole range (±10^8 days)", () => {
    for (let days = -100_000_000; days <= 100_000_000; days += 99_991) {
      const iso = new Date(days * 86_400_000).toISOString();
      expect(_isoDate(days), String(days)).toBe(iso.slice(0, iso.indexOf('T')));
    }
    expect(_isoDate(0)).toBe('1970-01-01');
    expect(_isoDate(-1)).toBe('1969-12-31');
    expect(_isoDate(11016)).toBe('2000-02-29');
  });

  it('timestamps keep their unit precision, before and after the epoch', () => {
    expect(_isoTimestamp(-1n, 1_000_000n, 6)).toBe('1969-12-31T23:59:59.999999Z');
    expect(_isoTimestamp(1_767_323_045_678_901_234n, 1_000_000_000n, 9)).toBe('2026-01-02T03:04:05.678901234Z');
    expect(_isoTimestamp(0n, 1000n, 3)).toBe('1970-01-01T00:00:00.000Z');
    for (const ms of [-62_135_596_800_000, -1, 951_782_400_000, 253_402_300_799_999]) {
      expect(_isoTimestamp(BigInt(ms), 1000n, 3)).toBe(new Date(ms).toISOString());
    }
  });
});
