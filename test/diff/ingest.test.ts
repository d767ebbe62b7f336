// The commit pass end to end over real fixture files, with an in-memory chunk and node store:
// export(ingest(f)) gives back f byte for byte, however f is streamed; identical bytes store
// nothing new; bad rows fail naming line and column.
import { readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CognifyError } from '../../src/core/errors.js';
import { nodeProvider } from '../../src/node/node-crypto.js';
import { ingestTable, type IngestOptions, type IngestResult } from '../../src/diff/ingest.js';
import { recipeChunks } from '../../src/diff/recipe-tree.js';
import { hex, memRepo, pieces } from './_mem-repo.js';

async function ingest(repo: ReturnType<typeof memRepo>, bytes: Uint8Array, size = 65536, opts: Partial<Pick<IngestOptions, 'chunker' | 'key' | 'duplicates' | 'format'>> = {}) {
  return ingestTable({ source: pieces(bytes, size), crypto: nodeProvider, putChunk: repo.putChunk, putNode: repo.putNode, ...opts });
}

async function exported(repo: ReturnType<typeof memRepo>, r: IngestResult): Promise<Buffer> {
  const out: Uint8Array[] = [];
  for await (const c of recipeChunks(repo.getNode, r.recipe ? { root: { id: r.recipe.root, rows: 0, bytes: 0 }, depth: r.recipe.depth } : undefined)) out.push(repo.chunks.get(hex(c.id))!);
  return Buffer.concat(out);
}

const files = [
  ...readdirSync('fixtures/datasets').filter((f) => /\.(csv|tsv|jsonl)$/.test(f)).map((f) => `fixtures/datasets/${f}`),
  ...readdirSync('test/fixtures/csv').filter((f) => !f.startsWith('bad-')).map((f) => `test/fixtures/csv/${f}`),
  ...readdirSync('test/fixtures/jsonl').filter((f) => !f.startsWith('bad-')).map((f) => `test/fixtures/jsonl/${f}`),
];

describe('ingestTable', () => {
  it('gives back every fixture byte for byte, with its SHA-256, whatever the piece size', async () => {
    expect(files.length).toBeGreaterThan(12);
    for (const f of files) {
      const bytes = readFileSync(f);
      const repo = memRepo();
      const r = await ingest(repo, bytes, 4096, { chunker: { targetSize: 1024 } }); // small chunks: several per fixture
      expect((await exported(repo, r)).equals(bytes), f).toBe(true);
      expect(r.sha256, f).toBe(hex(nodeProvider.sha256(bytes)));
      expect(r.bytes, f).toBe(bytes.length);
      for (const size of [1, 7, 100_000]) {
        if (size === 1 && bytes.length > 20_000) continue;
        const again = await ingest(memRepo(), bytes, size, { chunker: { targetSize: 1024 } });
        expect(again.recipe && hex(again.recipe.root), `${f} in pieces of ${size}`).toBe(r.recipe && hex(r.recipe.root));
      }
    }
  });

  it('counts data rows, infers the schema and the dialect', async () => {
    const csv = await ingest(memRepo(), readFileSync('fixtures/datasets/credit-decisions.v1.csv'));
    expect(csv).toMatchObject({ format: 'csv', rows: 300, dialect: { delimiter: ',', quote: '"', header: true, lineEnding: '\r\n' } });
    expect('columns' in csv.schema && csv.schema.columns.map((c) => c.name)).toContain('credit_score');
    const tsv = await ingest(memRepo(), readFileSync('fixtures/datasets/clinical-notes.tsv'));
    expect(tsv).toMatchObject({ format: 'tsv', rows: 100, dialect: { delimiter: '\t', quote: '' } });
    const jsonl = await ingest(memRepo(), readFileSync('fixtures/datasets/support-chat.v1.jsonl'));
    expect(jsonl).toMatchObject({ format: 'jsonl', rows: 200, dialect: null });
    expect('paths' in jsonl.schema && jsonl.schema.paths.map((p) => p.path)).toContain('/messages/*/content');
    const semi = await ingest(memRepo(), readFileSync('test/fixtures/csv/semicolon-delimited.csv'));
    expect(semi).toMatchObject({ rows: 3, dialect: { delimiter: ';' } });
    expect(await ingest(memRepo(), readFileSync('test/fixtures/csv/header-only.csv'))).toMatchObject({ rows: 0 });
    expect(await ingest(memRepo(), new Uint8Array(0))).toMatchObject({ rows: 0, bytes: 0, recipe: null });
  });

  it('stores nothing new for identical bytes, and little for a small change', async () => {
    const repo = memRepo();
    const v1 = readFileSync('fixtures/datasets/credit-decisions.v1.csv');
    const first = await ingest(repo, v1, 65536, { chunker: { targetSize: 1024 } });
    expect(first.newChunks).toBe(first.recipe!.chunks);
    const again = await ingest(repo, v1, 999, { chunker: { targetSize: 1024 } });
    expect(again).toMatchObject({ newChunks: 0, newBytes: 0 });
    // v2 adds a column (every row changes), so compare a one-row edit instead
    const text = v1.toString('utf8');
    const at = text.indexOf('\n', text.length / 2) + 1;
    const edited = Buffer.from(text.slice(0, at) + text.slice(at).replace(/,(approve|decline|refer),/, ',manual_review,'));
    expect(edited.equals(v1)).toBe(false);
    const small = await ingest(repo, edited, 65536, { chunker: { targetSize: 1024 } });
    expect(small.newChunks).toBeLessThanOrEqual(2);
    expect(small.newBytes).toBeLessThan(v1.length / 10);
  });

  it('refuses bad rows naming the line and column', async () => {
    // (a ragged row is reported at its start: checkWidth sees fields, not bytes)
    // (Node 20's JSON.parse names no position for some errors: then only the line is certain)
    const cases: [string, number, number | undefined][] = [
      ['test/fixtures/csv/bad-ragged-row.csv', 3, 1],
      ['test/fixtures/csv/bad-unterminated-quote.csv', 3, 3],
      ['test/fixtures/csv/bad-invalid-utf8.csv', 3, 5],
      ['test/fixtures/jsonl/bad-not-json.jsonl', 3, undefined],
      ['test/fixtures/jsonl/bad-blank-line.jsonl', 3, 1],
    ];
    for (const [f, line, column] of cases) {
      let err: unknown;
      try {
        await ingest(memRepo(), readFileSync(f));
      } catch (e) {
        err = e;
      }
      expect(err, f).toBeInstanceOf(CognifyError);
      expect((err as CognifyError).code, f).toBe('INPUT_INVALID');
      expect((err as CognifyError).data, f).toMatchObject(column === undefined ? { line } : { line, column });
      expect((err as CognifyError).message, f).toContain(`line ${line}`);
    }
  });
});

// Physical lines: 1 header; C-0012's first row spans lines 3-4 (a quoted newline).
const KEYED = [
  'id,region,note',
  'C-0001,LS,ok',
  'C-0012,M,"two',
  'lines"',
  'C-0003,LS,ok',
  'C-0012,M,again',
  'C-0004,B,ok',
  'C-0003,B,dup',
  'C-0012,LS,third',
  'C-0005,M,ok',
  '',
].join('\r\n');

describe('ingestTable with a key', () => {
  it('counts repeated keys in the same pass, naming physical lines', async () => {
    const r = await ingest(memRepo(), Buffer.from(KEYED), 7, { key: 'id' });
    expect(r.key).toEqual({ columns: ['id'] });
    expect(r.rows).toBe(8);
    expect(r.duplicates).toEqual({
      keys: 2,
      rows: 3,
      examples: [
        { key: 'C-0012', lines: [3, 6, 9] },
        { key: 'C-0003', lines: [5, 8] },
      ],
    });
    const composite = await ingest(memRepo(), Buffer.from(KEYED), 65536, { key: 'region,id' });
    expect(composite.key).toEqual({ columns: ['region', 'id'] });
    expect(composite.duplicates).toEqual({ keys: 1, rows: 1, examples: [{ key: ['M', 'C-0012'], lines: [3, 6] }] });
    const none = await ingest(memRepo(), Buffer.from(KEYED));
    expect(none).toMatchObject({ key: null, duplicates: null });
  });

  it('refuses a key column not in the header before storing any chunk', async () => {
    const repo = memRepo();
    const err = await ingest(repo, Buffer.from(KEYED), 65536, { key: 'id,customer' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CognifyError);
    expect(err).toMatchObject({ code: 'INPUT_INVALID', data: { column: 'customer' } });
    expect((err as Error).message).toBe('key column "customer" is not in the header; its columns are "id", "region", "note"');
    expect(repo.chunks.size).toBe(0);
  });

  it('keys JSONL rows by a JSON pointer, and refuses a row without it', async () => {
    const rows = ['{"id":1,"meta":{"uid":"u-1"}}', '{"id":2,"meta":{"uid":"u-2"}}', '{"id":3,"meta":{"uid":"u-1"}}', '{"id":4,"meta":{"uid":2}}', '{"id":5,"meta":{"uid":"2"}}'];
    const r = await ingest(memRepo(), Buffer.from(rows.join('\n') + '\n'), 65536, { key: '/meta/uid' });
    expect(r.key).toEqual({ pointer: '/meta/uid' });
    // the number 2 and the string "2" are different keys
    expect(r.duplicates).toEqual({ keys: 1, rows: 1, examples: [{ key: 'u-1', lines: [1, 3] }] });
    const missing = [...rows.slice(0, 3), '{"id":4,"meta":{}}'].join('\n') + '\n';
    await expect(ingest(memRepo(), Buffer.from(missing), 65536, { key: '/meta/uid', format: 'jsonl' })).rejects.toMatchObject({ code: 'INPUT_INVALID', data: { line: 4, pointer: '/meta/uid' } });
    await expect(ingest(memRepo(), Buffer.from(missing), 65536, { key: 'id' })).rejects.toMatchObject({ code: 'USAGE' });
    await expect(ingest(memRepo(), Buffer.from(KEYED), 65536, { key: { pointer: '/id' } })).rejects.toMatchObject({ code: 'USAGE' });
  });

  it('spills to partition files under a small memory budget with the same answer, and removes them', async () => {
    const tmp = await mkdtemp(join(tmpdir(), 'cognify-ingest-keys-'));
    try {
      // 50,000 rows; row i (i = 102, 199, ... : 515 of them) repeats the id of the row before it
      const lines = ['id,value'];
      for (let i = 0; i < 50_000; i++) lines.push(`${i % 97 === 5 && i > 5 ? `K${i - 1}` : `K${i}`},${i}`);
      const bytes = Buffer.from(lines.join('\n') + '\n');
      const inMemory = await ingest(memRepo(), bytes, 65536, { key: 'id', duplicates: { tmpDir: tmp } });
      const spilled = await ingest(memRepo(), bytes, 65536, { key: 'id', duplicates: { tmpDir: tmp, memoryBytes: 16 * 1024, partitions: 8 } });
      expect(inMemory.duplicates!.keys).toBe(515);
      expect(inMemory.duplicates!.rows).toBe(515);
      expect(inMemory.duplicates!.examples[0]).toEqual({ key: 'K101', lines: [103, 104] });
      expect(spilled.duplicates).toEqual(inMemory.duplicates);
      expect(spilled.sha256).toBe(inMemory.sha256);
      expect(await readdir(tmp)).toEqual([]);
      // an error after the spill began still removes the temporary files
      const bad = Buffer.concat([bytes, Buffer.from('"unterminated,1\n')]);
      await expect(ingest(memRepo(), bad, 65536, { key: 'id', duplicates: { tmpDir: tmp, memoryBytes: 16 * 1024 } })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
      expect(await readdir(tmp)).toEqual([]);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  });
});
