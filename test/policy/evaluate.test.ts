// Policy evaluation as a table: quorum, separation of duties, gates, withdrawal, rejection, the
// default without a policy; and the policy file checker on the shipped policies and bad ones.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RULES, evaluate, type Facts, type SignatureFact } from '../../src/policy/evaluate.js';
import { parsePolicy } from '../../src/policy/policy-doc.js';
import type { SubjectRules } from '../../src/policy/policy-types.js';
import type { Role } from '../../src/chain/chain-types.js';

const bank = parsePolicy(readFileSync(new URL('../../fixtures/policies/bank.yaml', import.meta.url), 'utf8'), 'bank.yaml');
const hospital = parsePolicy(readFileSync(new URL('../../fixtures/policies/hospital.yaml', import.meta.url), 'utf8'), 'hospital.yaml');

let seq = 10;
function sig(who: string, role: Role, meaning: SignatureFact['meaning'] = 'approved', withdrawn = false): SignatureFact {
  seq++;
  return {
    approval: `sha256:${String(seq).padStart(64, '0')}`,
    seq,
    time: '2026-11-27T12:00:00.000Z',
    signer: `fp-${who}`,
    name: who,
    email: `${who}@example.org`,
    role,
    meaning,
    comment: '',
    withdrawn: withdrawn ? { withdrawal: 'sha256:w', seq: seq + 100, time: '2026-11-27T13:00:00.000Z', reason: 'mistake' } : null,
  };
}

function facts(rules: SubjectRules | undefined, signatures: SignatureFact[], more: Partial<Facts> = {}): Facts {
  return {
    subject: { id: 'sha256:subject', kind: 'run' },
    policy: rules ? { id: 'sha256:policy', name: 'p', number: 1, rules } : null,
    authors: new Map([['fp-ada', 'signed run version 1']]),
    inputAuthors: new Map([['fp-dan', 'committed dataset credit version 1']]),
    signatures,
    evals: [{ id: 'sha256:e1', kind: 'bias', failing: [] }],
    datasets: [{ id: 'sha256:d1', label: 'credit@1', scan: null, waived: {}, provenanceMissing: [] }],
    documents: [],
    ...more,
  };
}

const run = bank.subjects.run!;

describe('evaluate', () => {
  it.each([
    ['nothing signed', [], 'draft', ['approval: model-risk', 'approval: compliance']],
    ['the author says authored', [sig('ada', 'ml-engineer', 'authored')], 'in-review', ['approval: model-risk', 'approval: compliance']],
    ['one of two roles', [sig('mo', 'model-risk')], 'in-review', ['approval: compliance']],
    ['quorum met', [sig('mo', 'model-risk'), sig('cy', 'compliance')], 'approved', []],
    ['the author approving does not count', [sig('ada', 'model-risk'), sig('cy', 'compliance')], 'in-review', ['approval: model-risk']],
    ['the author of the training data does not count', [sig('dan', 'model-risk'), sig('cy', 'compliance')], 'in-review', ['approval: model-risk']],
    ['one person cannot fill two roles', [sig('mo', 'model-risk'), sig('mo', 'compliance')], 'in-review', ['approval: compliance']],
    ['a role the policy does not ask for', [sig('mo', 'model-risk'), sig('pat', 'privacy-officer')], 'in-review', ['approval: compliance']],
    ['a withdrawn approval no longer counts', [sig('mo', 'model-risk'), sig('cy', 'compliance', 'approved', true)], 'in-review', ['approval: compliance']],
    ['every approval withdrawn', [sig('mo', 'model-risk', 'approved', true)], 'withdrawn', ['approval: model-risk', 'approval: compliance']],
    ['a rejection wins', [sig('mo', 'model-risk'), sig('cy', 'compliance'), sig('vi', 'compliance', 'rejected')], 'rejected', []],
    ['a withdrawn rejection does not', [sig('mo', 'model-risk'), sig('cy', 'compliance'), sig('vi', 'compliance', 'rejected', true)], 'approved', []],
    ['reviewed is not approved', [sig('mo', 'model-risk', 'reviewed'), sig('cy', 'compliance')], 'in-review', ['approval: model-risk']],
  ] as const)('%s', (_name, sigs, state, missing) => {
    const v = evaluate(facts(run, [...sigs]));
    expect(v.state).toBe(state);
    expect(v.missing.map((m) => m.requirement)).toEqual(missing);
  });

  it('a person with two keys is still one person', () => {
    const a = sig('mo', 'model-risk');
    const b = { ...sig('mo', 'compliance'), signer: 'fp-mo-second-key' };
    expect(evaluate(facts(run, [a, b])).missing.map((m) => m.requirement)).toEqual(['approval: compliance']);
  });

  it('matching chooses roles so that as many requirements as possible are met', () => {
    // mo signed as both; cy only as model-risk: mo must fill compliance
    const rules: SubjectRules = { ...run, approvals: [{ role: 'model-risk', count: 1 }, { role: 'compliance', count: 1 }] };
    const v = evaluate(facts(rules, [sig('mo', 'model-risk'), sig('mo', 'compliance'), sig('cy', 'model-risk')]));
    expect(v.state).toBe('approved');
    expect(v.met.find((m) => m.requirement === 'approval: compliance')!.by!.map((b) => b.name)).toEqual(['mo']);
  });

  it('counts: two model-risk validators needed', () => {
    const rules: SubjectRules = { ...run, approvals: [{ role: 'model-risk', count: 2 }] };
    expect(evaluate(facts(rules, [sig('mo', 'model-risk')])).missing[0]!.detail).toBe('2 model-risk approvals needed, 1 counted');
    expect(evaluate(facts(rules, [sig('mo', 'model-risk'), sig('vi', 'model-risk')])).state).toBe('approved');
  });

  it('gates: bias eval required, provenance answered', () => {
    const two = [sig('mo', 'model-risk'), sig('cy', 'compliance')];
    expect(evaluate(facts(run, two, { evals: [] })).missing.map((m) => m.requirement)).toEqual(['gate: bias eval']);
    const gap = evaluate(facts(run, two, { datasets: [{ id: 'd', label: 'credit@1', scan: null, waived: {}, provenanceMissing: ['rights', 'exclusions'] }] }));
    expect(gap.state).toBe('in-review');
    expect(gap.missing).toEqual([{ requirement: 'gate: provenance of credit@1', detail: 'unanswered: rights' }]);
  });

  it('gates: the hospital scan gate needs a clean scan or every finding waived', () => {
    const h = hospital.subjects.run!;
    const two = [sig('pat', 'privacy-officer'), sig('cy', 'compliance')];
    const ds = (scan: Facts['datasets'][number]['scan'], waived: Facts['datasets'][number]['waived'] = {}) => [{ id: 'd', label: 'notes@1', scan, waived, provenanceMissing: [] }];
    expect(evaluate(facts(h, two, { datasets: ds(null) })).missing[0]!.detail).toBe('not scanned; run cognify scan notes@1');
    expect(evaluate(facts(h, two, { datasets: ds({ id: 's', findings: {} }) })).state).toBe('approved');
    const found = { id: 's', findings: { name: 3, date: 5 } };
    expect(evaluate(facts(h, two, { datasets: ds(found, { name: { waiver: 'w', name: 'pat' } }) })).missing[0]!.detail).toBe('unwaived findings: date 5');
    expect(evaluate(facts(h, two, { datasets: ds(found, { name: { waiver: 'w', name: 'pat' }, date: { waiver: 'w2', name: 'pat' } }) })).state).toBe('approved');
  });

  it('gates: thresholds met means no failed objective', () => {
    const h = hospital.subjects.run!;
    const two = [sig('pat', 'privacy-officer'), sig('cy', 'compliance')];
    const clean = [{ id: 'd', label: 'notes@1', scan: { id: 's', findings: {} }, waived: {}, provenanceMissing: [] }];
    const v = evaluate(facts(h, two, { datasets: clean, evals: [{ id: 'sha256:abcdef0123456789', kind: 'lm-eval', failing: ['objective failed: truthfulqa_mc2 acc'] }] }));
    expect(v.state).toBe('in-review');
    expect(v.missing[0]!.requirement).toBe('gate: eval thresholds');
    expect(evaluate(facts(h, two, { datasets: clean, evals: [] })).missing[0]!.detail).toBe('no eval recorded');
  });

  it('without a policy: one approval by anyone but the author', () => {
    expect(DEFAULT_RULES.approvals).toEqual([]);
    expect(evaluate(facts(undefined, [sig('ada', 'admin')])).state).toBe('in-review');
    const v = evaluate(facts(undefined, [sig('ada', 'admin'), sig('pat', 'privacy-officer')]));
    expect(v.state).toBe('approved');
    expect(v.policy).toBeNull();
    expect(v.signatures.map((s) => s.counts)).toEqual([false, true]);
  });
});

describe('parsePolicy', () => {
  it('reads the shipped policies with their defaults', () => {
    expect(bank.name).toBe('bank-model-risk');
    expect(run.approvals).toEqual([{ role: 'model-risk', count: 1 }, { role: 'compliance', count: 1 }]);
    expect(run.gates.evals).toEqual({ kinds: ['bias'], thresholds: false });
    expect(bank.subjects.dataset!.separation).toEqual({ author: true, inputs: true, distinct: true });
    expect(bank.subjects.dataset!.gates.provenance).toHaveLength(6);
    expect(hospital.subjects.run!.gates.scan).toBe(true);
  });

  it.each([
    ['unknown role', 'name: p\nsubjects:\n  run:\n    approvals:\n      - role: validator\n', /p\.yaml:5:15: subjects\.run\.approvals\.0\.role: unknown role "validator"; roles are ml-engineer/],
    ['count below one', 'name: p\nsubjects:\n  run:\n    approvals:\n      - { role: compliance, count: 0 }\n', /p\.yaml:5:\d+: subjects\.run\.approvals\.0\.count: count must be a whole number from 1 to 100, got 0/],
    ['no approvals', 'name: p\nsubjects:\n  run:\n    gates: { scan: clean-or-waived }\n', /needs at least one approval/],
    ['a role twice', 'name: p\nsubjects:\n  run:\n    approvals: [{ role: compliance }, { role: compliance }]\n', /compliance is listed twice/],
    ['a gate the kind cannot have', 'name: p\nsubjects:\n  dataset:\n    approvals: [{ role: compliance }]\n    gates: { evals: { thresholds: met } }\n', /p\.yaml:5:14: subjects\.dataset\.gates\.evals: a dataset cannot have a evals gate/],
    ['an unknown key', 'name: p\nsubjects:\n  run:\n    approvals: [{ role: compliance }]\n    quorum: 2\n', /p\.yaml:5:5: subjects\.run\.quorum: unknown key "quorum"/],
    ['an unknown subject kind', 'name: p\nsubjects:\n  model:\n    approvals: [{ role: compliance }]\n', /unknown key "model"; the keys allowed here are dataset, run, eval, checkpoint, document/],
    ['nothing at all', 'name: p\nsubjects: {}\n', /the policy says nothing/],
    ['a gate asking nothing', 'name: p\nsubjects:\n  run:\n    approvals: [{ role: compliance }]\n    gates: { evals: { thresholds: any } }\n', /asks for nothing/],
    ['YAML syntax', 'name: p\nsubjects:\n  run: [\n', /p\.yaml:\d+:\d+: YAML syntax error/],
    ['a duplicate key', 'name: p\nname: q\nsubjects: {}\n', /p\.yaml:2:1: YAML syntax error/],
    ['not a mapping', '- a\n- b\n', /expected a mapping with keys name, description, subjects/],
    ['a bad name', 'name: a b\nsubjects: {}\n', /name must be a word/],
  ])('refuses %s', (_name, text, message) => {
    expect(() => parsePolicy(text, 'p.yaml')).toThrow(message);
  });
});
