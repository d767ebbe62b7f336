// A leaked key (issue 9, point 5): once revoked it signs nothing through the API; an entry a thief
// writes with it straight into the store, however its approval is backdated, is flagged by verify
// and does not count for the policy; everything the key signed before the revocation stands.
import { resolve, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Repo } from '../../src/api/repo.js';
import type { ObjectId } from '../../src/core/ids.js';
import { signObject } from '../../src/chain/signed-object.js';
import { readHead, stageAppend, stageCheckpoint } from '../../src/chain/audit-log.js';
import { stageAbout } from '../../src/api/subjects.js';
import type { CognifyObject } from '../../src/store/object-codec.js';
import { newRepo, person, snapshot, tempDir } from '../_fixtures.js';

const ada = person('Ada'); // admin: commits the data
const mo = person('Mo'); // model-risk: the key that leaks
let t: Awaited<ReturnType<typeof tempDir>>;
let repo: Repo;

beforeAll(async () => {
  t = await tempDir();
  repo = await newRepo(join(t.dir, 'record'), ada);
  await repo.addIdentity({ identity: mo.identity, signer: ada.signer });
  await repo.grantRole({ who: mo.email, role: 'model-risk', signer: ada.signer });
  for (const v of ['v1', 'v2']) await repo.datasets.commit({ name: 'credit', input: resolve(`fixtures/datasets/credit-decisions.${v}.csv`), key: 'applicant_id', signer: ada.signer });
});
afterAll(async () => {
  await repo.close();
  await t.cleanup();
});

/** What a thief holding Mo's key can do without the API: a well-formed, chained, checkpointed entry. */
async function forgeApproval(subject: ObjectId, meaning: 'approved' | 'rejected', time: string): Promise<number> {
  const head = await readHead(repo.store);
  const tx = repo.store.begin();
  const approval = signObject(repo.crypto, { type: 'approval', v: 1, repo: repo.id, subject, subjectType: 'dataset-version', meaning, comment: 'looks fine', name: 'Mo', email: mo.email, role: 'model-risk', time } as CognifyObject, mo.signer);
  const aid = tx.putObject(approval).id;
  const entry = signObject(
    repo.crypto,
    { type: 'log-entry', v: 1, repo: repo.id, seq: head.size, time, action: 'approval.sign', subjects: [aid, subject], details: { about: subject, meaning, role: 'model-risk' }, prev: head.head } as CognifyObject,
    mo.signer,
  );
  const enc = repo.store.encode(entry);
  stageAbout(tx, subject, head.size, aid);
  stageCheckpoint(tx, repo.id, stageAppend(tx, head, enc.bytes, enc.id), mo.signer);
  await tx.commit();
  return head.size;
}

describe('a leaked key, revoked', () => {
  let before: number;
  let revokedAt: number;
  let v1: ObjectId;
  let v2: ObjectId;

  it('signed an approval while it was good; the key is then revoked and can sign nothing', async () => {
    v1 = (await repo.datasets.resolve('credit@1')).id;
    v2 = (await repo.datasets.resolve('credit@2')).id;
    before = (await repo.approvals.sign({ subject: v1, meaning: 'approved', signer: mo.signer })).seq;
    expect((await repo.policy.evaluate(v1)).state).toBe('approved');
    revokedAt = (await repo.revokeKey({ who: mo.email, reason: 'key leaked', signer: ada.signer })).seq;
    const snap = await snapshot(repo);
    await expect(repo.approvals.sign({ subject: v2, meaning: 'approved', signer: mo.signer })).rejects.toMatchObject({ code: 'KEY_REVOKED' });
    expect(await snapshot(repo)).toBe(snap);
    expect((await repo.verify()).ok).toBe(true);
    expect((await repo.policy.evaluate(v1)).state).toBe('approved');
  });

  it('a backdated approval written around the rules does not count, and verify names it and nothing before', async () => {
    // Its wall-clock time is before the revocation; its place in the log is after.
    const forged = await forgeApproval(v2, 'approved', '2026-01-01T00:00:00.000Z');
    const s = await repo.policy.evaluate(v2);
    expect(s.state).not.toBe('approved');
    expect(s.signatures).toHaveLength(1);
    expect(s.signatures[0]).toMatchObject({ counts: false, note: `does not count: signed with a key revoked at log entry ${revokedAt}, before this signature's entry ${forged}` });
    const report = await repo.verify();
    expect(report.ok).toBe(false);
    expect(report.problems[0]).toMatchObject({ where: `log entry ${forged}`, code: 'KEY_REVOKED' });
    for (const p of report.problems) expect(p.where).not.toBe(`log entry ${before}`);
    // What the key signed before the revocation still counts.
    expect((await repo.policy.evaluate(v1)).state).toBe('approved');
  });

  it('nor does a rejection made with it after the revocation', async () => {
    await forgeApproval(v1, 'rejected', '2026-01-01T00:00:00.000Z');
    const s = await repo.policy.evaluate(v1);
    expect(s.state).toBe('approved');
    expect(s.signatures.at(-1)).toMatchObject({ meaning: 'rejected', counts: false });
  });
});
