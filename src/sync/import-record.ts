// The `import` object (issue 7, "logs across repositories"): this repository's signed statement
// that it took in another repository's record (or, with --keep-both, a diverged copy of its own)
// as that record stood at a signed checkpoint. The other record's log is kept beside this one as
// a verified replica (`.cognify/origins/<name>`); its objects join the shared object store and
// its refs appear here under `remotes/<name>/`. The entry that logs it is `sync.import`.
import { z } from 'zod';
import { zFingerprint, zObjectId, zTime } from '../chain/chain-types.js';
import { IntegrityError } from '../core/errors.js';
import { expectSubjects, sameRepo, sameSigner, type ActionRule } from '../chain/trust.js';
import type { ObjectId } from '../core/ids.js';

export const importRecordSchema = z
  .object({
    type: z.literal('import'),
    v: z.literal(1),
    /** This repository. */
    repo: zObjectId,
    /** The repository whose record came in (this one's own id for a diverged copy kept beside it). */
    origin: zObjectId,
    /** Its refs appear under remotes/<name>/. */
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/),
    /** Where it came from: a bundle file's name or a remote's URL. */
    source: z.string().min(1).max(4096),
    /** The origin's log size, and the checkpoint note it signed at that size. */
    size: z.number().int().min(1),
    checkpoint: z.string().min(1).max(100_000),
    /** Objects and chunks this import added to the store. */
    objects: z.number().int().min(0),
    /** The origin's refs at that checkpoint (stored here as remotes/<name>/<ref>). */
    refs: z.record(z.string().min(1).max(1000), zObjectId),
    time: zTime,
    signer: zFingerprint,
    sig: z.instanceof(Uint8Array).refine((b) => b.length === 64),
  })
  .strict();
export type ImportRecord = z.infer<typeof importRecordSchema>;

export const importSchemas = { import: importRecordSchema };

export const importRules: Record<string, ActionRule> = {
  /** subjects: [import]; anyone holding a role may bring another record in. */
  'sync.import': {
    who: 'any-role',
    apply(ctx) {
      const [rec] = expectSubjects<ImportRecord & { type: 'import' }>(ctx, ['import']) as unknown as [ImportRecord];
      sameSigner(ctx, rec);
      sameRepo(ctx, rec);
      if (ctx.entry.details.origin !== rec.origin || ctx.entry.details.size !== rec.size) {
        throw new IntegrityError('LOG_BROKEN', `log entry ${ctx.entry.seq} (sync.import): details.origin and details.size must be the import's`, { seq: ctx.entry.seq });
      }
    },
  },
};

/** What an import refers to: the objects its refs name (so that bundles carry them). */
export function importReferences(rec: ImportRecord): { objects: ObjectId[]; chunks: string[] } {
  return { objects: Object.values(rec.refs) as ObjectId[], chunks: [] };
}
