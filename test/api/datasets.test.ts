// repo.datasets over a real LevelDB: commit fixtures as signed, logged versions; export gives
// back the exact bytes; identical bytes make no new version; roles and bad input are enforced
// with nothing referenced left behind; verify covers it all.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Repo } from '../../src/api/repo.js';
import { CognifyError } from '../../src/core/errors.js';
import { newRepo, person, tempDir } from '../_fixtures.js';

const ada = person('Ada');
const eve = person('Eve');
let repo: Repo;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  const t = await tempDir();
  cleanup = t.cleanup;
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
