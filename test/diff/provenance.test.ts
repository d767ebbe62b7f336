// Provenance input: the YAML file (the shipped example, syntax errors with line and column,
// unknown keys with the allowed ones, dates kept as text and checked), the flags, and flags over
// a file.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CognifyError } from '../../src/core/errors.js';
import { provenanceSchema } from '../../src/diff/dataset-types.js';
import { checkProvenance, mergeProvenance, parseProvenanceYaml, provenanceFromFlags, readProvenanceFile } from '../../src/diff/provenance.js';

const EXAMPLE = 'fixtures/datasets/credit-decisions.provenance.yaml';
let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'cognify-provenance-'));
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

/** The error `fn` throws (it must throw a CognifyError). */
function errorOf(fn: () => unknown): CognifyError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CognifyError);
    return e as CognifyError;
  }
  throw new Error('expected an error');
}

describe('provenance YAML', () => {
  it('reads the shipped example: all six questions, dates as strings', async () => {
    const p = await readProvenanceFile(EXAMPLE);
    expect(Object.keys(p).sort()).toEqual(['collectionPeriod', 'contact', 'exclusions', 'rights', 'source', 'transformations']);
    expect(p.collectionPeriod).toEqual({ from: '2025-07-01', to: '2025-12-31' });
    expect(p.rights?.legalBasis).toMatch(/^UK GDPR Art\. 6\(1\)\(b\)/);
    expect(p.transformations?.[0]?.codeCommit).toMatch(/^[0-9a-f]{40}$/);
    expect(p.exclusions?.length).toBeGreaterThan(0);
    // complete answers fit the schema the signed version uses
    expect(provenanceSchema.safeParse(p).success).toBe(true);
  });

  it('keeps dates, all-digit commits and yes/no as the text written', () => {
    const p = parseProvenanceYaml('collectionPeriod: {from: 2024-01-31, to: 2024-02-29}\ntransformations:\n  - description: dedup\n    codeCommit: 1234567\nrights:\n  consent: yes\n', 'p.yaml');
    expect(p).toEqual({ collectionPeriod: { from: '2024-01-31', to: '2024-02-29' }, transformations: [{ description: 'dedup', codeCommit: '1234567' }], rights: { consent: 'yes' } });
  });

  it('leaves unanswered questions out (null or absent)', () => {
    expect(parseProvenanceYaml('source: CRM export\nrights: null\n', 'p.yaml')).toEqual({ source: 'CRM export', rights: null });
  });

  it('names the file, line and column of a YAML syntax error', () => {
    const e = errorOf(() => parseProvenanceYaml('source: CRM\nrights:\n  licence: [CC-BY\ncontact: {name: x}\n', 'p.yaml'));
    expect(e.code).toBe('INPUT_INVALID');
    expect(e.message).toMatch(/^p\.yaml: YAML syntax error at line \d+, column \d+: /);
    expect(e.data.line).toBeGreaterThanOrEqual(3);
    const dup = errorOf(() => parseProvenanceYaml('source: a\nsource: b\n', 'p.yaml'));
    expect(dup.message).toMatch(/^p\.yaml: YAML syntax error at line 2, column 1: Map keys must be unique/);
    expect(dup.message).not.toContain('\n');
  });

  it('refuses unknown keys, naming them and the keys allowed there', () => {
    const top = errorOf(() => parseProvenanceYaml('source: a\nlicense: MIT\n', 'p.yaml'));
    expect(top.message).toBe('p.yaml: provenance: unknown key "license"; the keys allowed here are source, rights, collectionPeriod, transformations, exclusions, contact (line 2)');
    const nested = errorOf(() => parseProvenanceYaml('rights:\n  licence: MIT\n  licensee: Bank\n', 'p.yaml'));
    expect(nested.message).toBe('p.yaml: provenance.rights: unknown key "licensee"; the keys allowed here are licence, consent, legalBasis (line 3)');
    const inList = errorOf(() => parseProvenanceYaml('transformations:\n  - description: x\n    commit: abcdef1\n', 'p.yaml'));
    expect(inList.message).toBe('p.yaml: provenance.transformations[0]: unknown key "commit"; the keys allowed here are description, codeCommit, scriptSha256, derivedFrom (line 3)');
  });

  it('reports a bad value as one line with its path, the first in the file first', () => {
    const e = errorOf(() => parseProvenanceYaml('contact:\n  name: x\ncollectionPeriod:\n  from: 31/01/2024\n  to: 2024-02-01\nrights: {licence: ""}\n', 'p.yaml'));
    expect(e.message).toBe('p.yaml: provenance.collectionPeriod.from: expected a date YYYY-MM-DD (line 4)');
    expect(errorOf(() => parseProvenanceYaml('collectionPeriod: {from: 2024-02-30, to: 2024-03-01}\n', 'p.yaml')).message).toBe('p.yaml: provenance.collectionPeriod.from: 2024-02-30 is not a calendar date (line 1)');
    expect(errorOf(() => parseProvenanceYaml('collectionPeriod: {from: 2024-03-01, to: 2024-02-01}\n', 'p.yaml')).message).toBe('p.yaml: provenance.collectionPeriod: from (2024-03-01) is after to (2024-02-01) (line 1)');
    expect(errorOf(() => parseProvenanceYaml('rights: {}\n', 'p.yaml')).message).toBe('p.yaml: provenance.rights: give at least one of licence, consent, legalBasis (line 1)');
    expect(errorOf(() => parseProvenanceYaml('rights: {licence: MIT}\ntransformations:\n  - description: x\n    codeCommit: XYZ\n', 'p.yaml')).message).toMatch(/^p\.yaml: provenance\.transformations\[0\]\.codeCommit: .+ \(line 4\)$/);
  });

  it('refuses an empty file, a file that is not a mapping, and a missing file', async () => {
    expect(errorOf(() => parseProvenanceYaml('# nothing\n', 'p.yaml')).message).toMatch(/^p\.yaml is empty; /);
    expect(errorOf(() => parseProvenanceYaml('- source\n', 'p.yaml')).message).toMatch(/^p\.yaml: expected a YAML mapping/);
    await expect(readProvenanceFile(join(tmp, 'none.yaml'))).rejects.toMatchObject({ code: 'INPUT_INVALID', message: `cannot read provenance file ${join(tmp, 'none.yaml')}: no such file` });
    const path = join(tmp, 'bad.yaml');
    await writeFile(path, 'source: [a\n');
    await expect(readProvenanceFile(path)).rejects.toMatchObject({ message: expect.stringMatching(new RegExp(`^${path}: YAML syntax error at line`)) });
  });
});

describe('provenance flags', () => {
  it('answers each question from its flags, leaving the others out', () => {
    const sha = 'ab'.repeat(32);
    const id = `sha256:${'cd'.repeat(32)}`;
    expect(
      provenanceFromFlags({
        source: 'CRM export',
        licence: 'internal',
        legalBasis: 'GDPR Art. 6(1)(b)',
        collected: '2025-07-01..2025-12-31',
        transformations: ['dropped names', 'rounded income'],
        codeCommit: 'ABCDEF1',
        scriptSha256: sha,
        derivedFrom: [id],
        exclusions: ['under-18s: not eligible: by law'],
        contact: 'risk@bank.example',
        team: 'Credit Risk',
      }),
    ).toEqual({
      source: 'CRM export',
      rights: { licence: 'internal', legalBasis: 'GDPR Art. 6(1)(b)' },
      collectionPeriod: { from: '2025-07-01', to: '2025-12-31' },
      transformations: [
        { description: 'dropped names', codeCommit: 'abcdef1', scriptSha256: sha, derivedFrom: [id] },
        { description: 'rounded income', codeCommit: 'abcdef1', scriptSha256: sha, derivedFrom: [id] },
      ],
      exclusions: [{ what: 'under-18s', why: 'not eligible: by law' }],
      contact: { email: 'risk@bank.example', team: 'Credit Risk' },
    });
    expect(provenanceFromFlags({ contact: 'Priya Raman' })).toEqual({ contact: { name: 'Priya Raman' } });
    expect(provenanceFromFlags({})).toEqual({});
  });

  it('refuses malformed flags as usage errors naming the flag', () => {
    for (const collected of ['2025-07-01', '2025-07-01..', '01/07/2025..31/12/2025', '2025-7-1..2025-12-31']) {
      const e = errorOf(() => provenanceFromFlags({ collected }));
      expect(e.code, collected).toBe('USAGE');
      expect(e.message, collected).toMatch(/^--collected must be FROM\.\.TO with dates YYYY-MM-DD/);
    }
    expect(errorOf(() => provenanceFromFlags({ collected: '2025-02-29..2025-03-01' })).message).toBe('--collected: 2025-02-29 is not a calendar date');
    expect(errorOf(() => provenanceFromFlags({ collected: '2025-12-31..2025-07-01' })).message).toMatch(/^--collected: 2025-12-31 is after 2025-07-01/);
    expect(errorOf(() => provenanceFromFlags({ exclusions: ['no reason given'] })).message).toMatch(/^--exclusion must be "WHAT: WHY"/);
    expect(errorOf(() => provenanceFromFlags({ exclusions: ['minors: '] })).code).toBe('USAGE');
    expect(errorOf(() => provenanceFromFlags({ codeCommit: 'abcdef1' })).message).toBe('--code-commit describes a transformation; add --transformation "what was done"');
    expect(errorOf(() => provenanceFromFlags({ transformations: ['x'], codeCommit: 'main' })).message).toMatch(/^--code-commit must be a commit id/);
    expect(errorOf(() => provenanceFromFlags({ source: '  ' })).message).toBe('--source needs some text');
  });

  it('override the same question from a file; rights and contact field by field', async () => {
    const file = await readProvenanceFile(EXAMPLE);
    const flags = provenanceFromFlags({ source: 'replayed export', consent: 'marketing opt-in', collected: '2025-08-01..2025-08-31', exclusions: ['test accounts: not customers'], team: 'Model Risk' });
    const p = mergeProvenance(file, flags);
    expect(p.source).toBe('replayed export');
    expect(p.rights).toEqual({ ...file.rights, consent: 'marketing opt-in' });
    expect(p.collectionPeriod).toEqual({ from: '2025-08-01', to: '2025-08-31' });
    expect(p.exclusions).toEqual([{ what: 'test accounts', why: 'not customers' }]);
    expect(p.contact).toEqual({ ...file.contact, team: 'Model Risk' });
    expect(p.transformations).toEqual(file.transformations);
    expect(mergeProvenance({ rights: null }, { rights: { licence: 'MIT' } })).toEqual({ rights: { licence: 'MIT' } });
  });

  it('checks library answers the same way', () => {
    expect(checkProvenance({ source: undefined, contact: null })).toEqual({ contact: null });
    expect(errorOf(() => checkProvenance({ sauce: 'x' })).message).toMatch(/^provenance: unknown key "sauce"; the keys allowed here are source, /);
  });
});
