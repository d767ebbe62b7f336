// repo.approvals and repo.policy in a real LevelDB: signing binds the exact object, the trust rules
// refuse what the policy layer forbids (and verify replays them), a bad request writes nothing, an
// approval of an earlier version does not count for a later one, and a forged index is refused.
import { resolve, join } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Repo } from '../../src/api/repo.js';
import { signObject } from '../../src/chain/signed-object.js';
import { stageAbout } from '../../src/api/subjects.js';
import type { CognifyObject } from '../../src/store/object-codec.js';
import { newRepo, person, snapshot, tempDir } from '../_fixtures.js';

const ada = person('Ada'); // admin, ml-engineer: builds the run
const mo = person('Mo'); // model-risk
const cy = person('Cy'); // compliance
const pat = person('Pat'); // privacy-officer and compliance
const eve = person('Eve'); // known, no role
const ed = person('Ed'); // ml-engineer, not an author
let t: { dir: string; cleanup: () => Promise<void> };
let repo: Repo;
const BANK = resolve('fixtures/policies/bank.yaml');

beforeAll(async () => {
  t = await tempDir();
  repo = await newRepo(join(t.dir, 'record'), ada);
  for (const p of [mo, cy, pat, eve, ed]) await repo.addIdentity({ identity: p.identity, signer: ada.signer });
  await repo.grantRole({ who: ada.email, role: 'ml-engineer', signer: ada.signer });
  await repo.grantRole({ who: mo.email, role: 'model-risk', signer: ada.signer });
  await repo.grantRole({ who: ed.email, role: 'ml-engineer', signer: ada.signer });
  await repo.grantRole({ who: cy.email, role: 'compliance', signer: ada.signer });
  await repo.grantRole({ who: pat.email, role: 'privacy-officer', signer: ada.signer });
  await repo.grantRole({ who: pat.email, role: 'compliance', signer: ada.signer });
  await repo.datasets.commit({
    name: 'credit',
    input: resolve('fixtures/datasets/credit-decisions.v2.csv'),
    key: 'applicant_id',
    provenance: { source: 'loan system', rights: { legalBasis: 'contract' }, contact: { team: 'credit' } },
    signer: ada.signer,
  });
  await repo.runs.recordTrainer({ dir: resolve('fixtures/runs/credit-lora'), name: 'credit-lora', datasets: [{ role: 'train', ref: 'credit' }], signer: ada.signer });
});
afterAll(async () => {
  await repo.close();
  await t.cleanup();
});

describe('approvals under the bank policy', () => {
  it('refuses policy set by a non-admin and a bad policy file, writing nothing', async () => {
    const before = await snapshot(repo);
    await expect(repo.policy.set({ file: BANK, signer: mo.signer })).rejects.toMatchObject({ code: 'ROLE_MISSING' });
    const bad = join(t.dir, 'bad.yaml');
    await writeFile(bad, 'name: p\nsubjects:\n  run:\n    approvals:\n      - { role: auditor }\n');
    await expect(repo.policy.set({ file: bad, signer: ada.signer })).rejects.toThrow(/bad\.yaml:5:\d+: subjects\.run\.approvals\.0\.role: unknown role "auditor"/);
    await expect(repo.policy.set({ file: join(t.dir, 'missing.yaml'), signer: ada.signer })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await snapshot(repo)).toBe(before);
    expect(await repo.policy.current()).toBeNull();
  });

  it('without a policy: one independent approval', async () => {
    const s = await repo.policy.evaluate('credit-lora');
    expect(s).toMatchObject({ state: 'draft', policy: null, kind: 'run' });
    expect(s.missing.map((m) => m.requirement)).toEqual(['approval']);
  });

  it('walks a run from draft through in-review to approved', async () => {
    const set = await repo.policy.set({ file: BANK, signer: ada.signer });
    expect(set).toMatchObject({ name: 'bank-model-risk', number: 1, unchanged: false });
    const size = await repo.logSize();
    expect(await repo.policy.set({ file: BANK, signer: ada.signer })).toMatchObject({ policy: set.policy, number: 1, unchanged: true, seq: null });
    expect(await repo.logSize()).toBe(size);
    const authored = await repo.approvals.sign({ subject: 'credit-lora', meaning: 'authored', comment: 'ready for validation', signer: ada.signer });
    expect(authored.signer).toMatchObject({ name: 'Ada', email: ada.email, role: 'ml-engineer' });
    let s = await repo.policy.evaluate('credit-lora');
    expect(s.state).toBe('in-review');
    expect(s.missing.map((m) => m.requirement)).toEqual(['approval: model-risk', 'approval: compliance', 'gate: bias eval']);

    await repo.runs.evalBias({ file: resolve('fixtures/runs/predictions/credit-decisions.predictions.csv'), run: 'credit-lora', signer: mo.signer, columns: { groups: ['sex'], label: 'label', pred: 'pred', positive: 'approve' } });
    // The eval made a new run version: the authored signature was of the old one.
    s = await repo.policy.evaluate('credit-lora');
    expect(s.state).toBe('draft');
    expect((await repo.policy.evaluate('credit-lora@1')).state).toBe('in-review');

    const a = await repo.approvals.sign({ subject: 'credit-lora', meaning: 'approved', comment: 'validated', signer: mo.signer });
    expect(a).toMatchObject({ meaning: 'approved', signer: { role: 'model-risk', name: 'Mo' } });
    s = await repo.policy.evaluate('credit-lora');
    expect(s.state).toBe('in-review');
    expect(s.missing.map((m) => m.requirement)).toEqual(['approval: compliance']);
    // The approval names the exact version.
    const { id } = await repo.runs.resolve('credit-lora');
    expect(a.subject).toBe(id);
    await repo.approvals.sign({ subject: id, meaning: 'approved', signer: cy.signer });
    s = await repo.policy.evaluate(`run:credit-lora`);
    expect(s.state).toBe('approved');
    expect(s.met.map((m) => m.requirement)).toEqual(['approval: model-risk', 'approval: compliance', 'gate: bias eval', 'gate: provenance of credit@1']);
    expect((await repo.verify()).ok).toBe(true);
  });

  it('lists approvals and withdrawals; a withdrawal by its signer only, and only once', async () => {
    const list = await repo.approvals.list('credit-lora');
    const cyApproval = list.find((r) => r.type === 'approval' && r.signer.email === cy.email)!;
    expect(cyApproval).toMatchObject({ type: 'approval', meaning: 'approved', withdrawn: null });
    const id = (cyApproval as { approval: string }).approval;
    await expect(repo.approvals.withdraw({ approval: id, signer: mo.signer })).rejects.toMatchObject({ code: 'POLICY_VIOLATION' });
    const w = await repo.approvals.withdraw({ approval: id, reason: 'signed the wrong version', signer: cy.signer });
    expect(w.approval).toBe(id);
    await expect(repo.approvals.withdraw({ approval: id, signer: cy.signer })).rejects.toThrow(/already withdrawn/);
    const after = await repo.approvals.list('credit-lora');
    expect(after.map((r) => r.type)).toEqual(['approval', 'approval', 'withdrawal']);
    expect(after[1]).toMatchObject({ withdrawn: w.withdrawal });
    expect((await repo.policy.evaluate('credit-lora')).state).toBe('in-review');
    await repo.approvals.sign({ subject: 'credit-lora', meaning: 'approved', signer: cy.signer });
    expect((await repo.policy.evaluate('credit-lora')).state).toBe('approved');
  });

  it('refuses bad requests with one clear error each, writing nothing', async () => {
    const before = await snapshot(repo);
    const cases: [Parameters<Repo['approvals']['sign']>[0], string | RegExp][] = [
      [{ subject: 'no-such-run', meaning: 'approved', signer: mo.signer }, 'NOT_FOUND'],
      [{ subject: 'credit-lora', meaning: 'okayed', signer: mo.signer }, /meaning must be one of authored, reviewed, approved, rejected/],
      [{ subject: 'credit-lora', meaning: 'approved', signer: eve.signer }, 'ROLE_MISSING'],
      [{ subject: 'credit-lora', meaning: 'approved', signer: ada.signer, role: 'admin' }, /Ada.*cannot mark run credit-lora@\d approved: they are its author/i],
      [{ subject: 'credit', meaning: 'approved', signer: pat.signer }, /pat@example.org holds compliance and privacy-officer; say which one you sign as with --role/],
      [{ subject: 'credit-lora', meaning: 'approved', signer: mo.signer, role: 'compliance' }, /does not hold compliance/],
      [{ subject: 'credit-lora', meaning: 'approved', signer: ed.signer }, /policy bank-model-risk takes run approvals from model-risk, compliance; ed@example.org would sign as ml-engineer/],
      [{ subject: 'credit-lora', meaning: 'approved', signer: ada.signer }, /they are its author \(signed run credit-lora version 1\)/],
      [{ subject: 'credit-lora', meaning: 'approved', signer: mo.signer }, /mo@example.org already signed run credit-lora@2 as approved \(approval sha256:[0-9a-f]{64}, .*\); to change it, withdraw that one first/],
      [{ subject: (await repo.identities())[0]!.identity, meaning: 'approved', signer: mo.signer }, /is a identity; approvals and scans are about dataset-version, run, eval/],
    ];
    for (const [opts, err] of cases) {
      const p = repo.approvals.sign(opts);
      if (typeof err === 'string') await expect(p, JSON.stringify(opts.subject)).rejects.toMatchObject({ code: err });
      else await expect(p).rejects.toThrow(err);
    }
    expect(await snapshot(repo)).toBe(before);
  });

  it('the trust rules refuse what the API would, so verify replays them', async () => {
    const before = await snapshot(repo);
    const { id, version } = await repo.runs.resolve('credit-lora');
    // Hand-made approval, around the API: the author approving their own version.
    const forge = (fields: Record<string, unknown>, signer = ada.signer) =>
      repo.act(signer, 'approval.sign', (tx, state) => {
        const obj = signObject(repo.crypto, { type: 'approval', v: 1, repo: repo.id, subject: id, subjectType: 'run', meaning: 'approved', comment: '', name: 'Ada', email: ada.email, role: 'admin', time: repo.now(), ...fields } as CognifyObject, signer);
        const oid = tx.putObject(obj).id;
        stageAbout(tx, id, state.size, oid);
        return { subjects: [oid, id], details: { about: id } };
      });
    expect(version.signer).toBe(mo.signer.fingerprint); // the latest version was made by the eval
    // The committer approving their own dataset version.
    const credit = (await repo.datasets.resolve('credit')).id;
    await expect(
      repo.act(ada.signer, 'approval.sign', (tx) => {
        const obj = signObject(repo.crypto, { type: 'approval', v: 1, repo: repo.id, subject: credit, subjectType: 'dataset-version', meaning: 'approved', comment: '', name: 'Ada', email: ada.email, role: 'admin', time: repo.now() } as CognifyObject, ada.signer);
        return { subjects: [tx.putObject(obj).id, credit], details: { about: credit } };
      }),
    ).rejects.toMatchObject({ code: 'POLICY_VIOLATION' });
    await expect(forge({ role: 'compliance' })).rejects.toMatchObject({ code: 'ROLE_MISSING' });
    await expect(forge({ name: 'Grace Hopper' })).rejects.toMatchObject({ code: 'LOG_BROKEN' });
    await expect(forge({ subjectType: 'dataset-version' })).rejects.toMatchObject({ code: 'LOG_BROKEN' });
    await expect(
      repo.act(mo.signer, 'approval.sign', (tx) => {
        const obj = signObject(repo.crypto, { type: 'approval', v: 1, repo: repo.id, subject: id, subjectType: 'run', meaning: 'approved', comment: '', name: 'Mo', email: mo.email, role: 'model-risk', time: repo.now() } as CognifyObject, mo.signer);
        return { subjects: [tx.putObject(obj).id, id], details: { about: credit } };
      }),
    ).rejects.toThrow(/details\.about must be/);
    expect(await snapshot(repo)).toBe(before);
  });

  it('an index record that the log did not write is refused, not believed', async () => {
    const { id } = await repo.runs.resolve('credit-lora');
    const approval = (await repo.approvals.list('credit-lora')).find((r) => r.type === 'approval')! as { approval: string };
    const tx = repo.store.begin();
    stageAbout(tx, id, 3, approval.approval as never); // entry 3 is a role grant
    await tx.commit();
    await expect(repo.policy.evaluate('credit-lora')).rejects.toMatchObject({ code: 'LOG_BROKEN' });
    const report = await repo.verify();
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([{ where: `index about/${id.slice(7)}/000000000003`, what: 'is not derived from the log (an added or leftover record)', code: 'LOG_BROKEN' }]);
    const undo = repo.store.begin();
    undo.del('indexes', `about/${id.slice(7)}/000000000003`);
    await undo.commit();
    expect((await repo.policy.evaluate('credit-lora')).state).toBe('approved');
  });

  it('a revoked key cannot sign; approvals it made before still stand', async () => {
    await repo.revokeKey({ who: mo.email, reason: 'laptop lost', signer: ada.signer });
    await expect(repo.approvals.sign({ subject: 'credit-lora', meaning: 'reviewed', signer: mo.signer })).rejects.toMatchObject({ code: 'KEY_REVOKED' });
    expect((await repo.policy.evaluate('credit-lora')).state).toBe('approved');
  });

  it('a new policy is a new signed version naming the one before; status follows it', async () => {
    const before = (await repo.policy.current())!;
    const r = await repo.policy.set({ file: resolve('fixtures/policies/hospital.yaml'), signer: ada.signer });
    expect(r).toMatchObject({ name: 'hospital-hipaa', number: 2, unchanged: false });
    expect((await repo.policy.current())!.policy.parents).toEqual([before.id]);
    const s = await repo.policy.evaluate('credit-lora');
    expect(s.policy).toMatchObject({ name: 'hospital-hipaa', number: 2 });
    expect(s.missing.map((m) => m.requirement)).toContain('gate: PII/PHI scan of credit@1');
    await repo.policy.set({ file: BANK, signer: ada.signer });
    expect((await repo.policy.evaluate('credit-lora')).policy).toMatchObject({ name: 'bank-model-risk', number: 3 });
  });

  it('a rejection puts the subject in rejected', async () => {
    await repo.approvals.sign({ subject: 'credit-lora', meaning: 'rejected', comment: 'four-fifths violation on sex', role: 'compliance', signer: pat.signer });
    const s = await repo.policy.evaluate('credit-lora');
    expect(s.state).toBe('rejected');
    expect(s.signatures.at(-1)).toMatchObject({ meaning: 'rejected', note: 'rejects' });
    expect((await repo.verify()).ok).toBe(true);
  });
});
