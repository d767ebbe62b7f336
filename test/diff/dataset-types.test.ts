import { describe, expect, it } from 'vitest';
import { datasetVersionSchema, missingProvenance, provenanceSchema } from '../../src/diff/dataset-types.js';

const unanswered = { source: null, rights: null, collectionPeriod: null, transformations: null, exclusions: null, contact: null };

const version = {
  type: 'dataset-version',
  v: 1,
  repo: `sha256:${'a'.repeat(64)}`,
  name: 'credit-decisions',
  number: 2,
  parents: [`sha256:${'b'.repeat(64)}`],
  format: 'csv',
  dialect: { delimiter: ',', quote: '"', header: true, bom: false, lineEnding: '\n' },
  sha256: 'c'.repeat(64),
  bytes: 1234,
  rows: 10,
  recipe: { root: new Uint8Array(32), depth: 1, chunks: 1 },
  schema: { columns: [{ name: 'applicant_id', type: 'string', empties: 0 }] },
  key: { columns: ['applicant_id'] },
  provenance: { ...unanswered, source: 'loan origination system export, 2026-10', rights: { legalBasis: 'GDPR Art. 6(1)(b)' } },
  message: 'October decisions',
  time: '2026-11-27T05:00:00.000Z',
  signer: 'd'.repeat(64),
  sig: new Uint8Array(64),
};

describe('dataset-version schema', () => {
  it('accepts a complete version and records unanswered provenance questions as missing', () => {
    const v = datasetVersionSchema.parse(version);
    expect(missingProvenance(v.provenance)).toEqual(['collectionPeriod', 'transformations', 'exclusions', 'contact']);
  });

  it('refuses an empty rights answer, unknown fields, bad names and a key of the wrong shape', () => {
    expect(provenanceSchema.safeParse({ ...unanswered, rights: {} }).success).toBe(false);
    expect(datasetVersionSchema.safeParse({ ...version, extra: 1 }).success).toBe(false);
    expect(datasetVersionSchema.safeParse({ ...version, name: '../etc' }).success).toBe(false);
    expect(datasetVersionSchema.safeParse({ ...version, key: { columns: [] } }).success).toBe(false);
    expect(datasetVersionSchema.safeParse({ ...version, recipe: null, rows: 0, bytes: 0 }).success).toBe(true);
  });
});
