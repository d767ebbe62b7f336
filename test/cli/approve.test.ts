// cognify policy | approve | approvals | withdraw | status | scan through the real CLI, for both
// shipped policies with three people each, and every bad request of issue 5: one error line, the
// right exit code, and the repository exactly as it was.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listKeys, type KeyInfo } from '../../src/node/keystore.js';
import { PII_KINDS } from '../../src/policy/pii-detect.js';
import { addPeople, BIN, envFor, expectError, expectOk, initRepo, makeKey, okJson, run, Sandbox, signerOf, snapshot, withRepo } from './_run.js';

const sb = new Sandbox();
afterAll(() => sb.cleanup());

const LORA = resolve('fixtures/runs/credit-lora');
const PREDICTIONS = resolve('fixtures/runs/predictions/credit-decisions.predictions.csv');
const LM_EVAL = resolve('fixtures/runs/lm-eval/results_2026-11-20T14-03-51.482913.json');
const CREDIT = resolve('fixtures/datasets/credit-decisions.v1.csv');
const PROVENANCE = resolve('fixtures/datasets/credit-decisions.provenance.yaml');
const NOTES = resolve('fixtures/datasets/clinical-notes.tsv');
let home: string;
let scratch: string;
let bob: KeyInfo;

function cliIn(dir: string) {
  return (args: string[], as = 'ada@example.org', env: Record<string, string | undefined> = {}) => run(['--as', as, ...args], { cwd: dir, env: envFor(home, env) });
}

beforeAll(async () => {
  home = await sb.dir('cognify-approve-home-');
  scratch = await sb.dir('cognify-approve-scratch-');
  await makeKey(home, 'Ada Lovelace', 'ada@example.org');
  await makeKey(home, 'Grace Hopper', 'grace@example.org');
  await makeKey(home, 'Alan Turing', 'alan@example.org');
  await makeKey(home, 'Pat Privacy', 'pat@example.org');
  bob = await makeKey(home, 'Bob Byte', 'bob@example.org');
});

async function repoWith(roles: Record<string, string[]>): Promise<string> {
  const root = await sb.dir('cognify-approve-');
  const keys = await listKeys({ home });
  const ada = keys.find((k) => k.email === 'ada@example.org')!;
  const { dir } = await initRepo(root, home, ada);
  const { 'ada@example.org': adaRoles = [], ...others } = roles;
  await addPeople(dir, ada, Object.entries(others).map(([email, r]) => ({ key: keys.find((k) => k.email === email)!, roles: r })));
  const signer = await signerOf(ada);
  await withRepo(dir, async (repo) => {
    for (const role of adaRoles) await repo.grantRole({ who: ada.fingerprint, role, signer });
  });
  return dir;
}

describe('the bank policy: an engineer authors a run, model risk and compliance approve it', () => {
  let dir: string;
  let cli: ReturnType<typeof cliIn>;
  beforeAll(async () => {
    dir = await repoWith({ 'ada@example.org': ['ml-engineer'], 'grace@example.org': ['compliance'], 'alan@example.org': ['model-risk'], 'bob@example.org': [] });
    cli = cliIn(dir);
    expectOk(await cli(['dataset', 'commit', 'credit', CREDIT, '--key', 'applicant_id', '--provenance', PROVENANCE]));
    expectOk(await cli(['run', 'record', '--hf-trainer', LORA, '--name', 'credit-lora', '--dataset', 'train=credit']));
  });

  it('sets the policy (admin only), versioned and logged', async () => {
    const before = await snapshot(dir);
    expectError(await cli(['policy', 'set', resolve('fixtures/policies/bank.yaml')], 'alan@example.org'), 'ROLE_MISSING', 6);
    const bad = join(scratch, 'contradictory.yaml');
    writeFileSync(bad, 'name: p\nsubjects:\n  run:\n    approvals:\n      - { role: model-risk, count: 0 }\n');
    expect(expectError(await cli(['policy', 'set', bad]), 'INPUT_INVALID', 2)).toMatch(/contradictory\.yaml:5:\d+: subjects\.run\.approvals\.0\.count: count must be a whole number from 1 to 100, got 0/);
    writeFileSync(bad, 'name: p\nsubjects:\n  run:\n    approvals:\n      - { role: validator }\n');
    expect(expectError(await cli(['policy', 'set', bad]), 'INPUT_INVALID', 2)).toMatch(/unknown role "validator"/);
    expect(await snapshot(dir)).toEqual(before);
    const j = okJson(await cli(['policy', 'set', resolve('fixtures/policies/bank.yaml'), '--json']));
    expect(j.policy).toMatch(/^sha256:[0-9a-f]{64}$/);
    const shown = okJson(await cli(['policy', 'show', '--json']));
    expect(shown).toMatchObject({ policy: j.policy, name: 'bank-model-risk', number: 1 });
    const log = okJson(await cli(['log', '--json']));
    expect(log.at(-1)).toMatchObject({ action: 'policy.set', subjects: [j.policy] });
    expect(expectOk(await cli(['policy', 'show'])).stdout).toMatch(/run:\n  approvals   1 × model-risk, 1 × compliance/);
  });

  it('moves from draft to in-review to approved, and --require gates on it', async () => {
    let s = okJson(await cli(['status', 'credit-lora', '--json']));
    expect(s).toMatchObject({ state: 'draft', missing: expect.any(Array), met: expect.any(Array) });
    const gate = await cli(['status', 'credit-lora', '--require', 'approved']);
    expect(gate.code).toBe(1);
    expect(gate.stderr).toMatch(/is draft, not approved/);

    const a = okJson(await cli(['approve', 'credit-lora', '--meaning', 'authored', '--comment', 'ready for validation', '--json']));
    expect(Object.keys(a)).toEqual(expect.arrayContaining(['approval', 'subject', 'signer', 'meaning', 'time']));
    expect(a.signer).toEqual({ name: 'Ada Lovelace', email: 'ada@example.org', fingerprint: expect.stringMatching(/^[0-9a-f]{64}$/), role: 'ml-engineer' });
    expect(okJson(await cli(['status', 'credit-lora', '--json'])).state).toBe('in-review');

    // The validator adds the fair-lending analysis (a new run version), then approves that version.
    expectOk(await cli(['eval', 'bias', PREDICTIONS, '--run', 'credit-lora', '--group', 'sex', '--label', 'label', '--pred', 'pred', '--positive', 'approve'], 'alan@example.org'));
    expectOk(await cli(['approve', 'credit-lora', '--meaning', 'authored'], 'ada@example.org'));
    const human = expectOk(await cli(['approve', 'credit-lora', '--meaning', 'approved', '--comment', 'independently validated'], 'alan@example.org'));
    // The signature manifestation: subject, printed name, role, meaning, comment, time.
    expect(human.stdout).toMatch(/^Signed sha256:[0-9a-f]{64}, log entry \d+:\n {2}subject {3}run credit-lora version 2 \(finished\)[^\n]*\n[\s\S]*signer {4}Alan Turing <alan@example.org>[^\n]*\n {2}role {6}model-risk\n {2}meaning {3}approved\n {2}comment {3}"independently validated"\n {2}time {6}\d{4}-/);
    s = okJson(await cli(['status', 'credit-lora', '--json']));
    expect(s.state).toBe('in-review');
    expect(s.missing.map((m: { requirement: string }) => m.requirement)).toEqual(['approval: compliance']);

    okJson(await cli(['approve', 'credit-lora', '--meaning', 'approved', '--json'], 'grace@example.org'));
    s = okJson(await cli(['status', 'credit-lora', '--json']));
    expect(s.state).toBe('approved');
    expect(s.missing).toEqual([]);
    expectOk(await cli(['status', 'credit-lora', '--require', 'approved']));
    const text = expectOk(await cli(['status', 'credit-lora'])).stdout;
    expect(text).toMatch(/^run credit-lora@2: APPROVED under policy bank-model-risk version 1/);
    expect(text).toMatch(/met {6}approval: model-risk: 1 model-risk approval: Alan Turing/);
    // An approval of version 1 does not count for version 2, and version 1 stays in review.
    expect(okJson(await cli(['status', 'credit-lora@1', '--json'])).state).toBe('in-review');

    const list = okJson(await cli(['approvals', 'credit-lora', '--json']));
    expect(list.map((r: { meaning: string; signer: { email: string } }) => `${r.meaning} ${r.signer.email}`)).toEqual(['authored ada@example.org', 'approved alan@example.org', 'approved grace@example.org']);
    expect(okJson(await cli(['verify', '--json'])).ok).toBe(true);
  });

  it('a withdrawal cites the approval, keeps both, and takes the subject out of approved', async () => {
    const list = okJson(await cli(['approvals', 'credit-lora', '--json']));
    const grace = list.find((r: { signer: { email: string } }) => r.signer.email === 'grace@example.org');
    const before = await snapshot(dir);
    expectError(await cli(['withdraw', grace.approval], 'alan@example.org'), 'POLICY_VIOLATION', 6);
    expect(await snapshot(dir)).toEqual(before);
    const w = okJson(await cli(['withdraw', grace.approval, '--reason', 'pending legal review', '--json'], 'grace@example.org'));
    expect(w).toMatchObject({ approval: grace.approval, withdrawal: expect.stringMatching(/^sha256:/) });
    const after = okJson(await cli(['approvals', 'credit-lora', '--json']));
    expect(after.map((r: { type: string }) => r.type)).toEqual(['approval', 'approval', 'approval', 'withdrawal']);
    expect(okJson(await cli(['status', 'credit-lora', '--json'])).state).toBe('in-review');
    okJson(await cli(['approve', 'credit-lora', '--meaning', 'approved', '--json'], 'grace@example.org'));
    expect(okJson(await cli(['status', 'credit-lora', '--json'])).state).toBe('approved');
  });

  it('on a terminal, shows what will be signed and signs only after a yes', async () => {
    // script(1) gives the command a pseudo-terminal; the passphrase still comes from the environment.
    const onTty = (answer: string) =>
      spawnSync('script', ['-qec', `${process.execPath} ${BIN} --as grace@example.org approve credit-lora@1 --meaning reviewed --comment checked`, '/dev/null'], {
        cwd: dir,
        input: answer,
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '', HOME: home, ...envFor(home) } as NodeJS.ProcessEnv,
        timeout: 30_000,
      });
    const before = await snapshot(dir);
    const no = onTty('n\n');
    expect(no.stdout).toMatch(/You are about to sign:\r?\n {2}subject {3}run credit-lora version 1 \(finished\)/);
    expect(no.stdout).toMatch(/meaning {3}reviewed\r?\n {2}comment {3}"checked"/);
    expect(no.stdout).toMatch(/Sign "reviewed" for run credit-lora@1\? \[y\/N\]/);
    expect(no.stdout).toMatch(/cognify: not signed: you did not confirm \[USAGE\]/);
    expect(no.status).toBe(2);
    expect(await snapshot(dir)).toEqual(before);
    const yes = onTty('y\n');
    expect(yes.status, yes.stdout).toBe(0);
    expect(yes.stdout).toMatch(/Signed sha256:[0-9a-f]{64}, log entry \d+:/);
    const list = okJson(await cli(['approvals', 'credit-lora@1', '--json']));
    expect(list.at(-1)).toMatchObject({ meaning: 'reviewed', comment: 'checked', signer: { email: 'grace@example.org', role: 'compliance' } });
  });

  it('refuses every bad request with one error line, signing and logging nothing', async () => {
    const before = await snapshot(dir);
    const cases: [string[], string, string, number][] = [
      [['approve', 'no-such-run', '--meaning', 'approved'], 'alan@example.org', 'NOT_FOUND', 3],
      [['approve', 'credit-lora', '--meaning', 'okay'], 'alan@example.org', 'USAGE', 2],
      [['approve', 'credit-lora'], 'alan@example.org', 'USAGE', 2],
      [['approve', 'credit-lora', '--meaning', 'approved'], 'bob@example.org', 'ROLE_MISSING', 6],
      [['approve', 'credit-lora', '--meaning', 'approved', '--role', 'compliance'], 'alan@example.org', 'ROLE_MISSING', 6],
      [['approve', 'credit-lora@1', '--meaning', 'approved'], 'ada@example.org', 'POLICY_VIOLATION', 6],
      [['approve', 'credit', '--meaning', 'approved'], 'ada@example.org', 'POLICY_VIOLATION', 6],
      [['status', 'credit-lora', '--require', 'shipped'], 'ada@example.org', 'USAGE', 2],
      [['scan', 'credit', '--waive', 'name', '--reason', 'pseudonyms'], 'grace@example.org', 'ROLE_MISSING', 6],
      [['scan', 'credit', '--waive', 'name'], 'grace@example.org', 'USAGE', 2],
    ];
    for (const [args, as, code, exit] of cases) expectError(await cli(args, as), code, exit);
    expect(expectError(await cli(['approve', 'credit-lora', '--meaning', 'approved'], 'alan@example.org'), 'POLICY_VIOLATION', 6)).toMatch(/already signed run credit-lora@2 as approved/);
    expectError(await cli(['approve', 'credit-lora', '--meaning', 'reviewed', '--json'], 'alan@example.org', { COGNIFY_PASSPHRASE: 'wrong' }), 'PASSPHRASE_WRONG', 7, { json: true });
    expectError(await cli(['approve', 'credit-lora', '--meaning', 'reviewed'], 'alan@example.org', { COGNIFY_PASSPHRASE: undefined }), 'PASSPHRASE_MISSING', 7);
    expect(await snapshot(dir)).toEqual(before);
    // A revoked key: refused before the passphrase is asked for.
    expectOk(await cli(['id', 'revoke', 'alan@example.org', '--reason', 'laptop lost']));
    const revoked = await snapshot(dir);
    expectError(await cli(['approve', 'credit-lora', '--meaning', 'reviewed'], 'alan@example.org', { COGNIFY_PASSPHRASE: undefined }), 'KEY_REVOKED', 5);
    expect(await snapshot(dir)).toEqual(revoked);
  });
});

describe('the hospital policy: a scan gate, waived by the privacy officer', () => {
  let dir: string;
  let cli: ReturnType<typeof cliIn>;
  beforeAll(async () => {
    dir = await repoWith({ 'ada@example.org': ['ml-engineer'], 'grace@example.org': ['compliance'], 'pat@example.org': ['privacy-officer'] });
    cli = cliIn(dir);
    expectOk(await cli(['policy', 'set', resolve('fixtures/policies/hospital.yaml')]));
    expectOk(await cli(['dataset', 'commit', 'notes', NOTES, '--source', 'EHR export', '--licence', 'internal', '--collected', '2024-01-01..2024-06-30']));
    expectOk(await cli(['run', 'record', '--hf-trainer', LORA, '--name', 'triage', '--dataset', 'train=notes']));
    expectOk(await cli(['eval', 'import', LM_EVAL, '--run', 'triage']));
  });

  it('scans once, stores the scan as evidence, masks what it found, and does not scan again', async () => {
    const s = okJson(await cli(['scan', 'notes', '--json']));
    expect(Object.keys(s)).toEqual(expect.arrayContaining(['scan', 'rows', 'findings', 'columns']));
    expect(s.rows).toBeGreaterThan(0);
    expect(Object.keys(s.findings).length).toBeGreaterThan(0);
    expect(s.reused).toBe(false);
    const again = okJson(await cli(['scan', 'notes', '--json'], 'grace@example.org', { COGNIFY_PASSPHRASE: undefined }));
    expect(again).toMatchObject({ scan: s.scan, reused: true });
    const shown = expectOk(await cli(['show', s.scan])).stdout;
    expect(shown).toMatch(/pii-scan/);
    for (const l of s.locations) expect(l.masked).toMatch(/^[•\s\-.@/:()+,_#]+$/u);
    const log = okJson(await cli(['log', '--json']));
    expect(log.filter((e: { action: string }) => e.action === 'scan.record')).toHaveLength(1);
    expect((await cli(['scan', 'notes', '--exit-code'], 'grace@example.org')).code).toBe(1);
  });

  it('the run is approved only when every finding is waived by the privacy officer', async () => {
    expectOk(await cli(['approve', 'triage', '--meaning', 'approved'], 'pat@example.org'));
    expectOk(await cli(['approve', 'triage', '--meaning', 'approved'], 'grace@example.org'));
    let s = okJson(await cli(['status', 'triage', '--json']));
    expect(s.missing.map((m: { requirement: string }) => m.requirement)).toContain('gate: PII/PHI scan of notes@1');
    const kinds = Object.keys(okJson(await cli(['scan', 'notes', '--json'])).findings);
    const before = await snapshot(dir);
    const absent = PII_KINDS.find((k) => !kinds.includes(k))!;
    expect(expectError(await cli(['scan', 'notes', '--waive', absent, '--reason', 'x'], 'pat@example.org'), 'POLICY_VIOLATION', 6)).toMatch(/found no/);
    expectError(await cli(['scan', 'notes', '--waive', 'shoe-size', '--reason', 'x'], 'pat@example.org'), 'USAGE', 2);
    expect(await snapshot(dir)).toEqual(before);
    for (const k of kinds) okJson(await cli(['scan', 'notes', '--waive', k, '--reason', 'expert determination 2026-11', '--json'], 'pat@example.org'));
    expectError(await cli(['scan', 'notes', '--waive', kinds[0]!, '--reason', 'again'], 'pat@example.org'), 'POLICY_VIOLATION', 6);
    s = okJson(await cli(['status', 'triage', '--json']));
    expect(s.met.map((m: { requirement: string }) => m.requirement)).toContain('gate: PII/PHI scan of notes@1');
    expect((await cli(['scan', 'notes', '--exit-code'], 'grace@example.org')).code).toBe(0);
    expect(okJson(await cli(['verify', '--json'])).ok).toBe(true);
    void bob;
  });
});
