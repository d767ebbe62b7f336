// Object types of the policy layer: approvals and their withdrawals (21 CFR 11.50: printed name,
// date and time, meaning, inside the signed payload), policies, PII/PHI scans and waivers. All are
// signed by the person acting; schemas are strict, so an unknown field is an error.
import { z } from 'zod';
import { zFingerprint, zObjectId, zRole, zTime } from '../chain/chain-types.js';
import type { Signed } from '../chain/signed-object.js';
import { PII_KINDS, type PiiKind } from './pii-detect.js';
import { PROVENANCE_QUESTIONS } from '../diff/dataset-types.js';

const signed = { signer: zFingerprint, sig: z.instanceof(Uint8Array).refine((b) => b.length === 64) };
const text = (max: number) => z.string().max(max);

export const MEANINGS = ['authored', 'reviewed', 'approved', 'rejected'] as const;
export type Meaning = (typeof MEANINGS)[number];

/** Kinds of subject a policy speaks about, and the object type each one is. */
export const SUBJECT_KINDS = { dataset: 'dataset-version', run: 'run', eval: 'eval', checkpoint: 'checkpoint-manifest', document: 'document' } as const;
export type SubjectKind = keyof typeof SUBJECT_KINDS;

export function subjectKindOf(type: string): SubjectKind | undefined {
  for (const [k, t] of Object.entries(SUBJECT_KINDS)) if (t === type) return k as SubjectKind;
  return undefined;
}

/** Who signed, as the signature manifestation shows them: printed name and e-mail (from the identity). */
const signerFields = { name: text(200).min(1), email: text(320).min(3) };

export const approvalSchema = z
  .object({
    type: z.literal('approval'),
    v: z.literal(1),
    repo: zObjectId,
    /** The exact object approved: its id. Changing the object changes the id, so an approval cannot move. */
    subject: zObjectId,
    subjectType: text(64).min(1),
    meaning: z.enum(MEANINGS),
    comment: text(10_000),
    ...signerFields,
    /** The role the signer acts in; they must hold it when the approval is logged. */
    role: zRole,
    time: zTime,
    ...signed,
  })
  .strict();
export type ApprovalObject = Signed<z.infer<typeof approvalSchema>>;

export const withdrawalSchema = z
  .object({
    type: z.literal('approval-withdrawal'),
    v: z.literal(1),
    repo: zObjectId,
    approval: zObjectId,
    subject: zObjectId,
    reason: text(10_000),
    ...signerFields,
    time: zTime,
    ...signed,
  })
  .strict();
export type WithdrawalObject = Signed<z.infer<typeof withdrawalSchema>>;

const zKind = z.enum(PII_KINDS as [PiiKind, ...PiiKind[]]);
const zCounts = z.partialRecord(zKind, z.number().int().min(1));

export const scanSchema = z
  .object({
    type: z.literal('pii-scan'),
    v: z.literal(1),
    repo: zObjectId,
    /** The dataset version scanned. */
    dataset: zObjectId,
    name: text(200),
    number: z.number().int().min(1),
    /** Detector and version: a scan by another detector version is a different piece of evidence. */
    detector: text(100),
    rows: z.number().int().min(0),
    bytes: z.number().int().min(0),
    findings: zCounts,
    columns: z.record(text(2000), zCounts),
    /** A bounded sample of where identifiers are, masked: never the identifier itself. */
    locations: z.array(z.object({ row: text(200), column: text(2000), kind: zKind, masked: text(1000) }).strict()).max(1000),
    time: zTime,
    ...signed,
  })
  .strict();
export type ScanObject = Signed<z.infer<typeof scanSchema>>;

export const waiverSchema = z
  .object({
    type: z.literal('pii-waiver'),
    v: z.literal(1),
    repo: zObjectId,
    scan: zObjectId,
    dataset: zObjectId,
    kind: zKind,
    reason: text(10_000).min(1),
    ...signerFields,
    time: zTime,
    ...signed,
  })
  .strict();
export type WaiverObject = Signed<z.infer<typeof waiverSchema>>;

// ---- policies ------------------------------------------------------------------------------

export const DOCUMENT_KINDS = ['model-card', 'annex-xi', 'annex-xii', 'training-summary', 'sr11-7', 'datasheet', 'provenance', 'hipaa', 'bias'] as const;

export const subjectRulesSchema = z
  .object({
    /** Roles that must approve, and how many distinct people in each. */
    approvals: z.array(z.object({ role: zRole, count: z.number().int().min(1).max(100) }).strict()).max(6),
    separation: z
      .object({
        /** The author of the subject cannot approve it. */
        author: z.boolean(),
        /** Nor can the author of what it was built from (a run's datasets, a dataset's sources). */
        inputs: z.boolean(),
        /** One person fills at most one required role. */
        distinct: z.boolean(),
      })
      .strict(),
    gates: z
      .object({
        /** Evals attached to the run (or the eval itself): these kinds present, and every threshold met. */
        evals: z.object({ kinds: z.array(z.enum(['lm-eval', 'bias'])).max(2), thresholds: z.boolean() }).strict().nullable(),
        /** A PII/PHI scan of the dataset (or each of the run's datasets): clean, or every kind found waived. */
        scan: z.boolean(),
        /** Provenance questions that must be answered (dataset, or each of the run's datasets). */
        provenance: z.array(z.enum(PROVENANCE_QUESTIONS)).max(6),
        /** Documents that must have been generated for the subject. */
        documents: z.array(z.enum(DOCUMENT_KINDS)).max(DOCUMENT_KINDS.length),
      })
      .strict(),
  })
  .strict();
export type SubjectRules = z.infer<typeof subjectRulesSchema>;

export const policySchema = z
  .object({
    type: z.literal('policy'),
    v: z.literal(1),
    repo: zObjectId,
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/),
    description: text(10_000),
    number: z.number().int().min(1),
    parents: z.array(zObjectId).max(1),
    subjects: z
      .object({ dataset: subjectRulesSchema.optional(), run: subjectRulesSchema.optional(), eval: subjectRulesSchema.optional(), checkpoint: subjectRulesSchema.optional(), document: subjectRulesSchema.optional() })
      .strict(),
    /** The YAML it was made from: file name as given and SHA-256 of its bytes. */
    source: z.object({ file: text(4096), sha256: z.string().regex(/^[0-9a-f]{64}$/) }).strict(),
    time: zTime,
    ...signed,
  })
  .strict();
export type PolicyObject = Signed<z.infer<typeof policySchema>>;

/** The detector a scan object names; a scan by another version is not reused. */
export const PII_DETECTOR = 'cognify-pii 1';

export const policySchemas = {
  approval: approvalSchema,
  'approval-withdrawal': withdrawalSchema,
  'pii-scan': scanSchema,
  'pii-waiver': waiverSchema,
  policy: policySchema,
};
