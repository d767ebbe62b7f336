// The dataset-version object (issue 3): what one committed version of a named dataset records.
// The file's bytes live in row-aligned chunks (src/diff/row-chunker.ts) listed by a recipe tree
// (src/diff/recipe-tree.ts); this object ties them to the dataset's name, its previous version,
// its schema and key, and the six provenance answers a compliance team asks for. It is signed by
// its author and logged like every other action.
import { z } from 'zod';

const zObjectId = z.string().regex(/^sha256:[0-9a-f]{64}$/, 'expected sha256:<64 hex>');
const zFingerprint = z.string().regex(/^[0-9a-f]{64}$/);
const zTime = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/, 'expected an ISO 8601 UTC time');
const zDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date YYYY-MM-DD');
const zHex64 = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 hex digits');
const text = z.string().min(1).max(4000);

export const DATASET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * Provenance: the six questions. Each answer is present or `null`, and `null` means the committer
 * did not answer it: missing answers are recorded as missing, never invented, so a document or a
 * policy gate can say exactly what is unknown.
 */
export const provenanceSchema = z
  .object({
    /** Where the data came from (a system, a vendor, a URL, a prior dataset). */
    source: text.nullable(),
    /** Licence, consent, or legal basis for using it (GDPR Art. 6 / 9 basis, HIPAA authorisation ...). */
    rights: z
      .object({ licence: text.optional(), consent: text.optional(), legalBasis: text.optional() })
      .strict()
      .refine((r) => r.licence || r.consent || r.legalBasis, 'give at least one of licence, consent, legalBasis')
      .nullable(),
    collectionPeriod: z.object({ from: zDate, to: zDate }).strict().nullable(),
    /** What was done to it, by which code, from which earlier versions. */
    transformations: z
      .array(
        z
          .object({
            description: text,
            codeCommit: z.string().regex(/^[0-9a-f]{7,64}$/).optional(),
            scriptSha256: zHex64.optional(),
            derivedFrom: z.array(zObjectId).max(100).optional(),
          })
          .strict(),
      )
      .max(100)
      .nullable(),
    /** What was filtered out, and why. */
    exclusions: z.array(z.object({ what: text, why: text }).strict()).max(100).nullable(),
    contact: z.object({ name: text.optional(), email: text.optional(), team: text.optional() }).strict().nullable(),
  })
  .strict();

export type Provenance = z.infer<typeof provenanceSchema>;

export const PROVENANCE_QUESTIONS = ['source', 'rights', 'collectionPeriod', 'transformations', 'exclusions', 'contact'] as const;

export function missingProvenance(p: Provenance): string[] {
  return PROVENANCE_QUESTIONS.filter((q) => p[q] === null);
}

const columnSchema = z.object({ name: z.string().max(1000), type: z.enum(['integer', 'number', 'boolean', 'date', 'datetime', 'string', 'empty']), empties: z.number().int().min(0) }).strict();
/** A JSON path (array indexes as "*") with its types and the number of rows that have it (a field on every row is part of the table's shape). */
const pathSchema = z
  .object({ path: z.string().max(2000), types: z.array(z.enum(['string', 'number', 'integer', 'boolean', 'null', 'object', 'array'])).min(1), rows: z.number().int().min(0) })
  .strict();

export const datasetVersionSchema = z
  .object({
    type: z.literal('dataset-version'),
    v: z.literal(1),
    repo: zObjectId,
    name: z.string().regex(DATASET_NAME),
    /** 1 for the first version of this name, then 2, 3 ... */
    number: z.number().int().min(1),
    parents: z.array(zObjectId).max(16),
    format: z.enum(['csv', 'tsv', 'jsonl', 'parquet']),
    /** CSV/TSV dialect as read (the bytes are kept exactly; this says how to parse them). */
    dialect: z
      .object({ delimiter: z.string().length(1), quote: z.string().max(1), header: z.boolean(), bom: z.boolean(), lineEnding: z.enum(['\n', '\r\n']) })
      .strict()
      .nullable(),
    /** Hex SHA-256 of the whole file, and its size. */
    sha256: zHex64,
    bytes: z.number().int().min(0),
    rows: z.number().int().min(0),
    /** Root of the recipe tree (null for an empty file). */
    recipe: z.object({ root: z.instanceof(Uint8Array).refine((b) => b.length === 32), depth: z.number().int().min(1).max(32), chunks: z.number().int().min(1) }).strict().nullable(),
    schema: z.union([z.object({ columns: z.array(columnSchema).max(10_000) }).strict(), z.object({ paths: z.array(pathSchema).max(10_000) }).strict()]),
    /** How rows are identified: key columns (CSV/TSV), a JSON pointer (JSONL), or by content. */
    key: z.union([z.object({ columns: z.array(z.string()).min(1).max(16) }).strict(), z.object({ pointer: z.string().max(1000) }).strict(), z.null()]),
    provenance: provenanceSchema,
    message: z.string().max(10_000),
    time: zTime,
    signer: zFingerprint,
    sig: z.instanceof(Uint8Array).refine((b) => b.length === 64),
  })
  .strict();

export type DatasetVersion = z.infer<typeof datasetVersionSchema>;

export const datasetSchemas = { 'dataset-version': datasetVersionSchema };
