// The `document` object: a rendered document stored in the record so that it can be approved
// like anything else. It keeps the Markdown it rendered, the answers it was built from and the ids
// of its evidence; `cognify card check` rebuilds it from those and compares the bytes.
import { z } from 'zod';
import { zFingerprint, zObjectId, zTime } from '../chain/chain-types.js';
import { IntegrityError } from '../core/errors.js';
import type { ActionRule } from '../chain/trust.js';
import { sameRepo, sameSigner } from '../chain/trust.js';
import { DOCUMENT_KINDS } from '../policy/policy-types.js';

const answer = z.union([z.string().max(20_000), z.boolean(), z.record(z.string().max(200), z.string().max(100))]);

export const documentSchema = z
  .object({
    type: z.literal('document'),
    v: z.literal(1),
    repo: zObjectId,
    kind: z.enum(DOCUMENT_KINDS),
    subject: zObjectId,
    subjectType: z.enum(['run', 'dataset-version']),
    format: z.literal('md'),
    content: z.string().max(16_000_000),
    answers: z.record(z.string().max(100), answer),
    evidence: z.array(zObjectId).max(1_000_000),
    /** The log size the document's evidence stops at. */
    logSize: z.number().int().min(0),
    time: zTime,
    signer: zFingerprint,
    sig: z.instanceof(Uint8Array).refine((b) => b.length === 64),
  })
  .strict();
export type DocumentObject = z.infer<typeof documentSchema>;

export const cardSchemas = { document: documentSchema };

export const cardRules: Record<string, ActionRule> = {
  /** subjects: [document, its subject (a run or dataset version)]; anyone holding a role may store one. */
  'document.commit': {
    who: 'any-role',
    apply(ctx) {
      const [doc, subject] = ctx.subjects as unknown as [DocumentObject | undefined, { type: string } | undefined];
      if (ctx.subjects.length !== 2 || doc?.type !== 'document' || subject?.type !== doc.subjectType) {
        throw new IntegrityError('LOG_BROKEN', `log entry ${ctx.entry.seq} (document.commit) must name a document and the run or dataset version it is about`, { seq: ctx.entry.seq });
      }
      sameSigner(ctx, doc);
      sameRepo(ctx, doc);
      if (doc.subject !== ctx.entry.subjects[1] || ctx.entry.details.about !== doc.subject) {
        throw new IntegrityError('LOG_BROKEN', `log entry ${ctx.entry.seq} (document.commit): the document's subject, the entry's second subject and details.about must agree`, { seq: ctx.entry.seq });
      }
    },
  },
};
