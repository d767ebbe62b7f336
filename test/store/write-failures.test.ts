// Disk full and read-only (issue 9, point 6), by injection: the database refuses every write the
// way LevelDB does (an Error naming the file and the OS reason). Each action fails with one clear
// IO_FAILED error saying which, and the repository is exactly as it was. A real full disk (a 2 MB
// tmpfs) is test/slow/disk-full.test.ts, where the machine allows mounting one.
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Repo } from '../../src/api/repo.js';
import { newRepo, person, snapshot, tempDir } from '../_fixtures.js';

const ada = person('Ada');
const mo = person('Mo');
let t: Awaited<ReturnType<typeof tempDir>>;
let repo: Repo;

beforeAll(async () => {
  t = await tempDir();
  repo = await newRepo(join(t.dir, 'record'), ada);
  await repo.addIdentity({ identity: mo.identity, signer: ada.signer });
  await repo.grantRole({ who: mo.email, role: 'model-risk', signer: ada.signer });
  await repo.datasets.commit({ name: 'credit', input: resolve('fixtures/datasets/credit-decisions.v1.csv'), key: 'applicant_id', signer: ada.signer });
});
afterAll(async () => {
  await repo.close();
  await t.cleanup();
});

/** Run `f` while every batch write fails with `reason`, as LevelDB reports it. */
async function whileRefusing<T>(reason: string, f: () => Promise<T>): Promise<T> {
  const db = repo.store.db;
  const batch = db.batch.bind(db);
  db.batch = async () => {
    throw Object.assign(new Error(`IO error: ${t.dir}/record/.cognify/db/000042.log: ${reason}`), { code: 'LEVEL_IO_ERROR' });
  };
  try {
    return await f();
  } finally {
    db.batch = batch;
  }
}

describe('a write the disk refuses', () => {
  for (const [reason, says] of [
    ['No space left on device', /^the disk is full \(IO error: .*No space left on device\); the action did not happen/],
    ['Read-only file system', /^the repository cannot be written here \(read-only or no permission\) /],
  ] as const) {
    it(`(${reason}): commit, approve and grant fail with IO_FAILED, and nothing changes`, async () => {
      const before = await snapshot(repo);
      await whileRefusing(reason, async () => {
        await expect(repo.datasets.commit({ name: 'credit', input: resolve('fixtures/datasets/credit-decisions.v2.csv'), signer: ada.signer })).rejects.toMatchObject({ code: 'IO_FAILED', message: expect.stringMatching(says) });
        await expect(repo.approvals.sign({ subject: 'credit', meaning: 'approved', signer: mo.signer })).rejects.toMatchObject({ code: 'IO_FAILED', message: expect.stringMatching(says) });
        await expect(repo.grantRole({ who: mo.email, role: 'compliance', signer: ada.signer })).rejects.toMatchObject({ code: 'IO_FAILED' });
      });
      expect(await snapshot(repo)).toBe(before);
      // Room again: the same actions go through, and the record verifies.
      const r = await repo.approvals.sign({ subject: 'credit', meaning: 'reviewed', signer: mo.signer });
      expect(r.seq).toBeGreaterThan(0);
      expect((await repo.verify()).ok).toBe(true);
      await repo.approvals.withdraw({ approval: r.approval, signer: mo.signer });
    });
  }
});
