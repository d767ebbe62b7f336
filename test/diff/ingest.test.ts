// The commit pass end to end over real fixture files, with an in-memory chunk and node store:
// export(ingest(f)) gives back f byte for byte, however f is streamed; identical bytes store
// nothing new; bad rows fail naming line and column.
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { encode, type CborValue } from '../../src/core/cbor.js';
import { CognifyError } from '../../src/core/errors.js';
import { nodeProvider } from '../../src/node/node-crypto.js';
import { ingestTable, type IngestResult } from '../../src/diff/ingest.js';
import { recipeChunks, type RecipeNode } from '../../src/diff/recipe-tree.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function memRepo() {
  const chunks = new Map<string, Uint8Array>();
  const nodes = new Map<string, RecipeNode>();
  return {
    chunks,
    putChunk: async (id: Uint8Array, bytes: Uint8Array) => {
      if (chunks.has(hex(id))) return false;
      chunks.set(hex(id), bytes);
      return true;
    },
    putNode: (n: RecipeNode) => {
      const id = nodeProvider.sha256(encode(n as unknown as CborValue));
      nodes.set(hex(id), n);
      return id;
    },
    getNode: async (id: Uint8Array) => nodes.get(hex(id))!,
  };
}

async function* pieces(bytes: Uint8Array, size: number): AsyncIterable<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function ingest(repo: ReturnType<typeof memRepo>, bytes: Uint8Array, size = 65536, opts: { chunker?: { targetSize: number } } = {}) {
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
