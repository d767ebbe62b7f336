// repo.datasets over a real LevelDB: commit fixtures as signed, logged versions; export gives
// back the exact bytes; identical bytes make no new version; roles and bad input are enforced
// with nothing referenced left behind; verify covers it all.
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Repo } from '../../src/api/repo.js';
import { CognifyError } from '../../src/core/errors.js';
import { readProvenanceFile } from '../../src/diff/provenance.js';
import { newRepo, person, snapshot, tempDir } from '../_fixtures.js';

const ada = person('Ada');
const eve = person('Eve');
let repo: Repo;
let cleanup: () => Promise<void>;
let files: string;

beforeAll(async () => {
  const t = await tempDir();
  cleanup = t.cleanup;
  files = t.dir;
  repo = await newRepo(t.dir, ada);
  await repo.addIdentity({ identity: eve.identity, signer: ada.signer });
});
afterAll(async () => {
  await repo.close();
  await cleanup();
});

async function bytesOf(ref: string): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const b of repo.datasets.export(ref)) parts.push(b);
  return Buffer.concat(parts);
}

describe('repo.datasets', () => {
  it('commits two versions, numbers and chains them, and exports each byte for byte', async () => {
    const v1 = await repo.datasets.commit({ name: 'credit', input: 'fixtures/datasets/credit-decisions.v1.csv', message: 'first', signer: ada.signer, provenance: { source: 'synthetic generator' } });
    expect(v1).toMatchObject({ name: 'credit', number: 1, rows: 300, created: true });
    const v2 = await repo.datasets.commit({ name: 'credit', input: 'fixtures/datasets/credit-decisions.v2.csv', message: 'second', signer: ada.signer });
    expect(v2).toMatchObject({ number: 2, rows: 302, created: true });
    expect((await bytesOf('credit@1')).equals(readFileSync('fixtures/datasets/credit-decisions.v1.csv'))).toBe(true);
    expect((await bytesOf('credit')).equals(readFileSync('fixtures/datasets/credit-decisions.v2.csv'))).toBe(true);
    expect((await bytesOf(v1.version.slice(0, 15))).equals(readFileSync('fixtures/datasets/credit-decisions.v1.csv'))).toBe(true);
    const { version } = await repo.datasets.resolve('credit');
    expect(version).toMatchObject({ number: 2, parents: [v1.version], format: 'csv', provenance: { source: null } });
    expect((await repo.datasets.resolve('credit@1')).version.provenance.source).toBe('synthetic generator');
    const names = [];
    for await (const v of repo.datasets.versions('credit')) names.push(v.version.number);
    expect(names).toEqual([2, 1]);
    const last = await repo.logEntry((await repo.logSize()) - 1);
    expect(last.entry).toMatchObject({ action: 'dataset.commit', subjects: [v2.version], details: { name: 'credit', number: 2 } });
    expect((await repo.verify()).ok).toBe(true);
  });

  it('re-committing identical bytes creates no version and writes nothing', async () => {
    const size = await repo.logSize();
    const again = await repo.datasets.commit({ name: 'credit', input: 'fixtures/datasets/credit-decisions.v2.csv', signer: ada.signer });
    expect(again).toMatchObject({ created: false, number: 2, newChunks: 0, newBytes: 0 });
    expect(await repo.logSize()).toBe(size);
  });

  it('commits JSONL and TSV, and streams from an AsyncIterable', async () => {
    const chat = readFileSync('fixtures/datasets/support-chat.v1.jsonl');
    async function* pieces() {
      for (let i = 0; i < chat.length; i += 1000) yield chat.subarray(i, i + 1000);
    }
    const r = await repo.datasets.commit({ name: 'support-chat', input: pieces(), signer: ada.signer });
    expect(r).toMatchObject({ rows: 200, number: 1 });
    expect((await repo.datasets.resolve('support-chat')).version.format).toBe('jsonl');
    expect((await bytesOf('support-chat')).equals(chat)).toBe(true);
    const tsv = await repo.datasets.commit({ name: 'notes', input: 'fixtures/datasets/clinical-notes.tsv', signer: ada.signer });
    expect(tsv).toMatchObject({ rows: 100 });
    expect((await repo.datasets.list()).map((v) => v.version.name).sort()).toEqual(['credit', 'notes', 'support-chat']);
  });

  it('writes recipe nodes ahead with the chunks, not held to the end: a commit failing midway leaves only unreferenced objects whose references exist', async () => {
    const recipeNodes = async () => {
      let n = 0;
      for await (const [hex] of repo.store.sub.objects.iterator()) if ((await repo.store.get(`sha256:${hex}`)).value.type === 'recipe-node') n++;
      return n;
    };
    const before = await recipeNodes();
    const size = await repo.logSize();
    // 3 MB of rows in chunks of about 256 bytes (some 12,000 chunks, 750 leaf nodes), then a read error
    async function* failing() {
      for (let i = 0; i < 30; i++) yield Buffer.from((i ? '' : 'id,text\n') + Array.from({ length: 2000 }, (_, j) => `${i * 2000 + j},row ${'x'.repeat(40)} ${i * 2000 + j}\n`).join(''));
      throw new Error('the disk holding the input went away');
    }
    await expect(repo.datasets.commit({ name: 'ahead', input: failing(), format: 'csv', chunker: { targetSize: 256 }, signer: ada.signer })).rejects.toThrow('went away');
    const written = (await recipeNodes()) - before;
    expect(written).toBeGreaterThan(100);
    expect(await repo.logSize()).toBe(size);
    expect(await repo.store.getRef('datasets/ahead')).toBeUndefined();
    expect((await repo.verify()).ok).toBe(true);
  });

  it('refuses a committer without a data role, bad rows and bad names, changing no ref or log', async () => {
    const size = await repo.logSize();
    const refused = async (p: Promise<unknown>, code: string) => {
      await expect(p).rejects.toBeInstanceOf(CognifyError);
      await expect(p).rejects.toMatchObject({ code });
    };
    await refused(repo.datasets.commit({ name: 'x', input: 'fixtures/datasets/clinical-notes.tsv', signer: eve.signer }), 'ROLE_MISSING');
    await refused(repo.datasets.commit({ name: 'x', input: 'test/fixtures/csv/bad-ragged-row.csv', signer: ada.signer }), 'INPUT_INVALID');
    await refused(repo.datasets.commit({ name: '../x', input: 'fixtures/datasets/clinical-notes.tsv', signer: ada.signer }), 'INPUT_INVALID');
    await refused(repo.datasets.commit({ name: 'x', input: 'no/such/file.csv', signer: ada.signer }), 'INPUT_INVALID');
    await refused(repo.datasets.resolve('credit@9'), 'NOT_FOUND');
    await refused(repo.datasets.resolve('nope'), 'NOT_FOUND');
    expect(await repo.logSize()).toBe(size);
    expect((await repo.datasets.list()).map((v) => v.version.name)).not.toContain('x');
    expect((await repo.verify()).ok).toBe(true);
  });

  it('refuses a file written to while it is read, recording nothing', async () => {
    // ~20 MB: the commit pass takes far longer than the 100 ms after which a row is appended.
    const path = join(files, 'growing.csv');
    const row = (i: number) => `${i},applicant ${i},${(i * 7919) % 100000},"note, with a comma ${i}"\n`;
    writeFileSync(path, 'id,name,amount,note\n' + Array.from({ length: 400_000 }, (_, i) => row(i)).join(''));
    const size = await repo.logSize();
    const commit = repo.datasets.commit({ name: 'growing', input: path, signer: ada.signer });
    await new Promise((r) => setTimeout(r, 100));
    appendFileSync(path, row(400_000));
    await expect(commit).rejects.toMatchObject({ code: 'INPUT_INVALID', message: expect.stringContaining('changed while it was read') });
    expect(await repo.logSize()).toBe(size);
    expect((await repo.datasets.list()).map((v) => v.version.name)).not.toContain('growing');
  });
});

describe('verify and datasets', () => {
  it('names the recipe node whose chunk is missing, and the version whose recipe is missing', async () => {
    const { version } = await repo.datasets.resolve('notes');
    const rootHex = Buffer.from(version.recipe!.root).toString('hex');
    // the notes fixture is small: its root is a level-0 node listing the chunks
    const node = (await repo.store.get(`sha256:${rootHex}`, 'recipe-node')).value as unknown as { level: number; entries: [Uint8Array, number, number][] };
    expect(node.level).toBe(0);
    const chunkHex = Buffer.from(node.entries[0]![0]).toString('hex');
    const chunk = await repo.store.getChunk(node.entries[0]![0]);

    let tx = repo.store.begin();
    tx.del('chunks', chunkHex);
    await tx.commit();
    let r = await repo.verify();
    expect(r.ok).toBe(false);
    expect(r.problems).toContainEqual(expect.objectContaining({ where: `object sha256:${rootHex}`, code: 'NOT_FOUND' }));
    await expect(async () => {
      for await (const _ of repo.datasets.export('notes')) void _;
    }).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await repo.store.putChunk(node.entries[0]![0], chunk);

    const nodeBytes = (await repo.store.getRaw(`sha256:${rootHex}`))!;
    tx = repo.store.begin();
    tx.del('objects', rootHex);
    await tx.commit();
    r = await repo.verify();
    expect(r.problems).toContainEqual(expect.objectContaining({ code: 'NOT_FOUND' }));
    expect(r.problems.some((p) => p.what.includes(`sha256:${rootHex}`))).toBe(true);
    tx = repo.store.begin();
    tx.putEncoded(`sha256:${rootHex}`, nodeBytes);
    await tx.commit();
    expect((await repo.verify()).ok).toBe(true);
  });
});

/** Physical lines: 1 header; C-0012's first row spans lines 3-4 (a quoted newline). */
const KEYED = ['id,region,note', 'C-0001,LS,ok', 'C-0012,M,"two', 'lines"', 'C-0003,LS,ok', 'C-0012,M,again', 'C-0004,B,ok', 'C-0003,B,dup', 'C-0012,LS,third', 'C-0005,M,ok', ''].join('\n');

describe('keys, duplicate keys and provenance', () => {
  it('records the key, reports repeats, and reuses the key for the next version', async () => {
    const path = join(files, 'keyed.csv');
    writeFileSync(path, KEYED);
    const v1 = await repo.datasets.commit({ name: 'keyed', input: path, key: 'id', signer: ada.signer });
    expect(v1).toMatchObject({ number: 1, key: { columns: ['id'] }, keyReusedFrom: null, duplicates: { keys: 2, rows: 3, examples: [{ key: 'C-0012', lines: [3, 6, 9] }, { key: 'C-0003', lines: [5, 8] }] } });
    expect((await repo.datasets.resolve('keyed')).version.key).toEqual({ columns: ['id'] });
    writeFileSync(path, KEYED + 'C-0006,LS,new\n');
    const v2 = await repo.datasets.commit({ name: 'keyed', input: path, signer: ada.signer });
    expect(v2).toMatchObject({ number: 2, key: { columns: ['id'] }, keyReusedFrom: 1, duplicates: { keys: 2, rows: 3 } });
    expect((await repo.datasets.resolve('keyed@2')).version.key).toEqual({ columns: ['id'] });
    writeFileSync(path, KEYED + 'C-0007,LS,new\n');
    const v3 = await repo.datasets.commit({ name: 'keyed', input: path, key: 'region,id', signer: ada.signer });
    expect(v3).toMatchObject({ number: 3, key: { columns: ['region', 'id'] }, keyReusedFrom: null, duplicates: { keys: 1, rows: 1, examples: [{ key: ['M', 'C-0012'], lines: [3, 6] }] } });
    expect((await repo.datasets.resolve('keyed')).version.key).toEqual({ columns: ['region', 'id'] });
    const plain = await repo.datasets.commit({ name: 'plain', input: 'fixtures/datasets/clinical-notes.tsv', signer: ada.signer });
    expect(plain).toMatchObject({ key: null, keyReusedFrom: null, duplicates: null });
    expect((await repo.datasets.resolve('plain')).version.key).toBeNull();
  });

  it('refuses an unknown key column, a reused key that no longer fits, and --strict repeats, writing nothing', async () => {
    const path = join(files, 'strict.csv');
    writeFileSync(path, KEYED);
    const before = await snapshot(repo);
    await expect(repo.datasets.commit({ name: 'k2', input: path, key: 'id,customer', signer: ada.signer })).rejects.toMatchObject({
      code: 'INPUT_INVALID',
      message: `${path}: key column "customer" is not in the header; its columns are "id", "region", "note"`,
    });
    writeFileSync(path, KEYED.replace('id,region,note', 'ref,region,note'));
    await expect(repo.datasets.commit({ name: 'keyed', input: path, signer: ada.signer })).rejects.toMatchObject({
      code: 'INPUT_INVALID',
      message: expect.stringMatching(/key column "id" is not in the header; .*; the key region,id was reused from keyed version 3, give --key to choose another$/),
    });
    expect(await snapshot(repo)).toBe(before); // the header is checked before the first chunk is stored
    writeFileSync(path, KEYED);
    const size = await repo.logSize();
    const err = await repo.datasets.commit({ name: 'k2', input: path, key: 'id', strict: true, signer: ada.signer }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CognifyError);
    expect(err).toMatchObject({ code: 'INPUT_INVALID', data: { duplicates: { keys: 2, rows: 3 } } });
    expect((err as Error).message).toBe(`${path}: key id: 2 key values repeat (3 extra rows), e.g. "C-0012" at lines 3, 6, 9; remove the repeats, choose another --key, or commit without --strict`);
    expect(await repo.logSize()).toBe(size);
    expect(await repo.store.getRef('datasets/k2')).toBeUndefined();
    const ok = await repo.datasets.commit({ name: 'k2', input: path, key: 'region,id,note', strict: true, signer: ada.signer });
    expect(ok).toMatchObject({ created: true, duplicates: { keys: 0, rows: 0, examples: [] } });
  });

  it('keys JSONL by a JSON pointer and refuses a row without it', async () => {
    const chat = await repo.datasets.commit({ name: 'chat-keyed', input: 'fixtures/datasets/support-chat.v1.jsonl', key: '/id', signer: ada.signer });
    expect(chat).toMatchObject({ key: { pointer: '/id' }, duplicates: { keys: 0, rows: 0 } });
    const path = join(files, 'rows.jsonl');
    writeFileSync(path, '{"id":"a","meta":{"uid":1}}\n{"id":"b","meta":{}}\n');
    await expect(repo.datasets.commit({ name: 'rows', input: path, key: '/meta/uid', signer: ada.signer })).rejects.toMatchObject({
      code: 'INPUT_INVALID',
      data: { line: 2, pointer: '/meta/uid' },
      message: expect.stringContaining(`${path} line 2 has no value at key /meta/uid`),
    });
    await expect(repo.datasets.commit({ name: 'rows', input: path, key: 'id', signer: ada.signer })).rejects.toMatchObject({ code: 'USAGE' });
    expect(await repo.store.getRef('datasets/rows')).toBeUndefined();
  });

  it('records provenance answers, null for the rest, and refuses malformed answers', async () => {
    const answers = await readProvenanceFile('fixtures/datasets/credit-decisions.provenance.yaml');
    const full = await repo.datasets.commit({ name: 'credit-prov', input: 'fixtures/datasets/credit-decisions.v1.csv', key: 'applicant_id', provenance: answers, signer: ada.signer });
    expect(full.missingProvenance).toEqual([]);
    expect((await repo.datasets.resolve('credit-prov')).version.provenance).toEqual(answers);
    const some = await repo.datasets.commit({ name: 'credit-prov', input: 'fixtures/datasets/credit-decisions.v2.csv', provenance: { source: 'LOS', contact: { team: 'Risk' } }, signer: ada.signer });
    expect(some.missingProvenance).toEqual(['rights', 'collectionPeriod', 'transformations', 'exclusions']);
    expect((await repo.datasets.resolve('credit-prov')).version.provenance).toEqual({ source: 'LOS', rights: null, collectionPeriod: null, transformations: null, exclusions: null, contact: { team: 'Risk' } });
    const size = await repo.logSize();
    await expect(
      repo.datasets.commit({ name: 'x', input: 'fixtures/datasets/clinical-notes.tsv', provenance: { collectionPeriod: { from: '2025-09-01', to: '2025-01-01' } }, signer: ada.signer }),
    ).rejects.toMatchObject({ code: 'INPUT_INVALID', message: 'provenance.collectionPeriod: from (2025-09-01) is after to (2025-01-01)' });
    expect(await repo.logSize()).toBe(size);
    expect((await repo.verify()).ok).toBe(true);
  });
});

describe('name@<id prefix> of digits only', () => {
  it('resolves a version whose id begins with seven or more decimal digits, as well as name@N', async () => {
    // Commit small versions until one's id begins with seven digits (about one in 27 does).
    let found: { id: string; number: number } | undefined;
    for (let i = 0; i < 400 && !found; i++) {
      const bytes = new TextEncoder().encode(`id,value\n1,${i}\n`);
      const r = await repo.datasets.commit({ name: 'digits', input: (async function* () { yield bytes; })(), signer: ada.signer });
      if (/^\d{7}/.test(r.version.slice(7))) found = { id: r.version, number: r.number };
    }
    expect(found, 'no id began with seven digits in 400 versions').toBeDefined();
    const prefix = /^\d+/.exec(found!.id.slice(7))![0].slice(0, 12);
    expect((await repo.datasets.resolve(`digits@${prefix}`)).id).toBe(found!.id);
    expect((await repo.datasets.resolve(`digits@${found!.number}`)).id).toBe(found!.id);
  }, 60_000);
});

describe('storing chunks', () => {
  it('a new version asks the store which chunks exist without reading their bytes', async () => {
    const chunks = repo.store.sub.chunks;
    const getMany = chunks.getMany.bind(chunks);
    let valuesRead = 0;
    Object.assign(chunks, { getMany: (keys: string[]) => ((valuesRead += keys.length), getMany(keys)) });
    try {
      const path = join(files, 'big-enough.csv');
      const rows = Array.from({ length: 20_000 }, (_, i) => `${i},row ${i}`).join('\n');
      writeFileSync(path, `id,text\n${rows}\n`);
      await repo.datasets.commit({ name: 'chunked', input: path, signer: ada.signer });
      writeFileSync(path, `id,text\n${rows.replace('\n7,row 7\n', '\n7,row seven\n')}\n`);
      const v2 = await repo.datasets.commit({ name: 'chunked', input: path, signer: ada.signer });
      expect(v2.created).toBe(true);
      expect(v2.newChunks).toBeGreaterThan(0);
      expect(v2.chunks).toBeGreaterThan(v2.newChunks);
      expect(valuesRead).toBe(0);
    } finally {
      Object.assign(chunks, { getMany });
    }
  });
});

describe('the version-number index', () => {
  it('resolves name@N with one read of the index, falls back to the chain without it, and verify names a changed record', async () => {
    const path = join(files, 'versions.csv');
    for (let n = 1; n <= 30; n++) {
      writeFileSync(path, `id,value\n1,${n}\n2,two\n`);
      await repo.datasets.commit({ name: 'many', input: path, signer: ada.signer });
    }
    const ids = new Map<number, string>();
    for await (const v of repo.datasets.versions('many')) ids.set(v.version.number, v.id);
    expect(ids.size).toBe(30);
    // name@1 reads the index and that version, not the 29 versions above it
    const store = repo.store;
    const get = store.get.bind(store);
    let reads = 0;
    Object.assign(store, { get: (...a: Parameters<typeof get>) => (reads++, get(...a)) });
    try {
      expect((await repo.datasets.resolve('many@1')).id).toBe(ids.get(1));
      expect(reads).toBe(1);
    } finally {
      Object.assign(store, { get });
    }
    for (const n of [1, 17, 30]) expect((await repo.datasets.resolve(`many@${n}`)).id).toBe(ids.get(n));
    await expect(repo.datasets.resolve('many@31')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await repo.verify()).ok).toBe(true);

    // A record pointing at another version is not believed (the version's own number decides),
    // and verify names it.
    const indexes = store.sub.indexes;
    const key = `version/datasets/many/${String(5).padStart(12, '0')}`;
    const saved = (await indexes.get(key))!;
    await indexes.put(key, new TextEncoder().encode(ids.get(6)!));
    expect((await repo.datasets.resolve('many@5')).id).toBe(ids.get(5));
    const r = await repo.verify();
    expect(r.ok).toBe(false);
    expect(r.problems.map((p) => p.where)).toContain(`index ${key}`);
    await indexes.put(key, saved);

    // A repository indexed before the version index: every version/ record gone. name@N walks the
    // chain, and verify passes.
    const keys: string[] = [];
    for await (const k of indexes.keys({ gte: 'version/', lt: 'version/\uffff' })) keys.push(k);
    expect(keys.length).toBeGreaterThanOrEqual(30);
    const values = await indexes.getMany(keys);
    await store.write(keys.map((k) => ({ type: 'del' as const, sublevel: indexes, key: k })));
    expect((await repo.datasets.resolve('many@3')).id).toBe(ids.get(3));
    expect((await repo.verify()).ok).toBe(true);
    await store.write(keys.map((k, i) => ({ type: 'put' as const, sublevel: indexes, key: k, value: values[i]! })));
    expect((await repo.verify()).ok).toBe(true);
  });
});
