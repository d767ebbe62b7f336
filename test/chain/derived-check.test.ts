// The derived index check of verify (src/chain/derived-check.ts) over a real repository: records
// looked up as the log is replayed, and those no entry derives counted and then named, a window
// of keys at a time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Repo } from '../../src/api/repo.js';
import { DERIVED_PREFIXES, derivedRecords } from '../../src/api/subjects.js';
import { decodeEntry } from '../../src/chain/audit-log.js';
import { DerivedCheck } from '../../src/chain/derived-check.js';
import { newRepo, person, tempDir } from '../_fixtures.js';

const ada = person('Ada');
let repo: Repo;
let cleanup: () => Promise<void>;
const spec = { prefixes: DERIVED_PREFIXES, optional: ['version/'], of: derivedRecords };

async function check(window?: number): Promise<[string, string][]> {
  const c = await DerivedCheck.open(repo.store, spec, 100, window);
  for await (const [k, v] of repo.store.sub.log.iterator()) {
    c.add(decodeEntry(repo.store, Number(k), v).entry);
    await c.flush();
  }
  await c.finish();
  return c.problems;
}

const put = (key: string, value: string) => repo.store.write([{ type: 'put', sublevel: repo.store.sub.indexes, key, value: new TextEncoder().encode(value) }]);
const del = (key: string) => repo.store.write([{ type: 'del', sublevel: repo.store.sub.indexes, key }]);
const versionKey = (n: number) => `version/datasets/d/${String(n).padStart(12, '0')}`;

beforeAll(async () => {
  const t = await tempDir();
  cleanup = t.cleanup;
  repo = await newRepo(t.dir, ada);
  const { writeFile } = await import('node:fs/promises');
  for (let n = 1; n <= 6; n++) {
    const file = `${t.dir}/d.csv`;
    await writeFile(file, `id,v\n1,${n}\n`);
    await repo.datasets.commit({ name: 'd', input: file, signer: ada.signer });
  }
});
afterAll(async () => {
  await repo.close();
  await cleanup();
});

describe('DerivedCheck', () => {
  it('finds nothing in an index the log derives exactly', async () => {
    expect(await check()).toEqual([]);
    expect(await check(1)).toEqual([]);
  });

  it('names a missing record, a changed one, and every added one, in windows of any size', async () => {
    const saved3 = (await repo.store.sub.indexes.get(versionKey(3)))!;
    const saved4 = (await repo.store.sub.indexes.get(versionKey(4)))!;
    try {
      await del(versionKey(3));
      await put(versionKey(4), 'sha256:' + '0'.repeat(64));
      // added records before, between and after the real ones, under both prefixes
      const added = [versionKey(0), `${versionKey(5)}x`, versionKey(99), `about/${'a'.repeat(64)}/000000000001`];
      for (const k of added) await put(k, 'sha256:' + '1'.repeat(64));
      const expected = [
        [versionKey(3), 'is missing'],
        [versionKey(4), 'disagrees with the state rebuilt from the log'],
        ...[added[3], added[0], added[1], added[2]].map((k) => [k, 'is not derived from the log (an added or leftover record)']),
      ];
      for (const window of [1, 2, 3, 50_000]) expect(await check(window), `window ${window}`).toEqual(expected);
      // and verify reports the same, as index problems
      const r = await repo.verify();
      expect(r.problems.map((p) => [p.where, p.what])).toEqual(expected.map(([k, what]) => [`index ${k}`, what]));
      for (const k of added) await del(k);
    } finally {
      await repo.store.write([
        { type: 'put', sublevel: repo.store.sub.indexes, key: versionKey(3), value: saved3 },
        { type: 'put', sublevel: repo.store.sub.indexes, key: versionKey(4), value: saved4 },
      ]);
    }
    expect((await repo.verify()).ok).toBe(true);
  });
});
