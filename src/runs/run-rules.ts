// Trust rules of the runs layer, added to the chain's table by src/api. Every run action names
// the objects it adds (checkpoint manifests, an eval) followed by the new run version; all are
// signed by the entry's actor for this repository. A new run starts at version 1 with no parent;
// every later version names exactly one.
import { IntegrityError } from '../core/errors.js';
import type { ActionRule, RuleContext } from '../chain/trust.js';
import { sameRepo, sameSigner } from '../chain/trust.js';
import type { Role } from '../chain/chain-types.js';
import type { RunObject } from './run-types.js';

const ENGINEERS: readonly Role[] = ['ml-engineer', 'admin'];
/** Evaluations are evidence that reviewers bring too. */
const EVALUATORS: readonly Role[] = ['ml-engineer', 'model-risk', 'compliance', 'admin'];

function runAction(opts: { first: boolean; extra: readonly string[]; who: readonly Role[] }): ActionRule {
  return {
    who: opts.who,
    apply(ctx: RuleContext) {
      const { subjects, entry } = ctx;
      const run = subjects[subjects.length - 1] as unknown as RunObject | undefined;
      const extras = subjects.slice(0, -1);
      if (!run || run.type !== 'run' || extras.some((s) => !opts.extra.includes(s.type))) {
        throw new IntegrityError('LOG_BROKEN', `log entry ${entry.seq} (${entry.action}) must name ${opts.extra.length ? `${opts.extra.join(' or ')} objects and then ` : ''}a run; it names ${subjects.map((s) => s.type).join(', ') || 'nothing'}`, { seq: entry.seq });
      }
      for (const s of subjects) {
        sameSigner(ctx, s as unknown as { signer: string; type: string });
        sameRepo(ctx, s as unknown as { repo: string; type: string });
      }
      if (opts.first !== (run.number === 1 && run.parents.length === 0) || (!opts.first && run.parents.length !== 1)) {
        throw new IntegrityError('LOG_BROKEN', `log entry ${entry.seq} (${entry.action}): run ${run.name} version ${run.number} ${opts.first ? 'must be a first version' : 'must continue an earlier version'}`, { seq: entry.seq });
      }
    },
  };
}

export const runRules: Record<string, ActionRule> = {
  /** A run begun live (CLI or Python callback). */
  'run.start': runAction({ first: true, extra: [], who: ENGINEERS }),
  /** A finished run recorded after the fact by an importer, with its checkpoints. */
  'run.record': runAction({ first: true, extra: ['checkpoint-manifest'], who: ENGINEERS }),
  /** Metrics, status or a checkpoint added to a running run. */
  'run.event': runAction({ first: false, extra: ['checkpoint-manifest'], who: ENGINEERS }),
  'run.finish': runAction({ first: false, extra: ['checkpoint-manifest'], who: ENGINEERS }),
  /** An evaluation (lm-eval results, bias metrics) attached to a run. */
  'eval.record': runAction({ first: false, extra: ['eval'], who: EVALUATORS }),
};
