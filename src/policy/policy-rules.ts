// Trust rules of the policy layer, added to the chain's table by src/api, so that `verify` replays
// them: an approval names its subject and is signed in a role its signer holds at that point of
// the log, with the printed name of the signer's identity; nobody approves or reviews an object
// they signed; only the approval's signer withdraws it; policies are set by an admin; waivers of a
// scan's findings are signed by a privacy officer.
import { IntegrityError, PolicyError } from '../core/errors.js';
import type { ActionRule, RuleContext } from '../chain/trust.js';
import { expectSubjects, holds, sameRepo, sameSigner } from '../chain/trust.js';
import { shortFingerprint } from '../chain/signer.js';
import { isSigned } from '../chain/signed-object.js';
import type { ApprovalObject, PolicyObject, ScanObject, WaiverObject, WithdrawalObject } from './policy-types.js';

/** An object signed by the entry's actor, for this repository, with the actor's printed name and e-mail. */
function signedByActor(ctx: RuleContext, obj: { signer: string; repo: string; name: string; email: string; type: string }): void {
  sameSigner(ctx, obj);
  sameRepo(ctx, obj);
  const key = ctx.state.keys.get(ctx.entry.signer);
  if (!key || key.name !== obj.name || key.email !== obj.email) {
    throw new IntegrityError('LOG_BROKEN', `log entry ${ctx.entry.seq}: its ${obj.type} names ${obj.name} <${obj.email}>, not the signer's identity`, { seq: ctx.entry.seq });
  }
}

function names(ctx: RuleContext, field: string, value: string, expected: string): void {
  if (value !== expected) throw new IntegrityError('LOG_BROKEN', `log entry ${ctx.entry.seq} (${ctx.entry.action}): ${field} ${value} is not the entry's subject ${expected}`, { seq: ctx.entry.seq });
}

/**
 * Each of these entries says in `details.about` which subject its object is about: the
 * `about/<subject>/<seq>` index is derived from exactly that, and `verify` rebuilds it.
 */
function about(ctx: RuleContext, subject: string): void {
  if (ctx.entry.details.about !== subject) {
    throw new IntegrityError('LOG_BROKEN', `log entry ${ctx.entry.seq} (${ctx.entry.action}): details.about must be ${subject}`, { seq: ctx.entry.seq });
  }
}

/** The actions whose entries are indexed by the subject they are about. */
export const ABOUT_ACTIONS = new Set(['approval.sign', 'approval.withdraw', 'scan.record', 'scan.waive', 'document.commit']);

export const policyRules: Record<string, ActionRule> = {
  /** subjects: [approval, the object approved] */
  'approval.sign': {
    who: 'any-role',
    apply(ctx) {
      const [approval, subject] = ctx.subjects as unknown as [ApprovalObject, { type: string; signer?: string }];
      if (ctx.subjects.length !== 2 || approval?.type !== 'approval') {
        throw new IntegrityError('LOG_BROKEN', `log entry ${ctx.entry.seq} (approval.sign) must name an approval and its subject`, { seq: ctx.entry.seq });
      }
      signedByActor(ctx, approval);
      names(ctx, 'approval subject', approval.subject, ctx.entry.subjects[1]!);
      about(ctx, approval.subject);
      if (approval.subjectType !== subject.type) names(ctx, 'approval subject type', approval.subjectType, subject.type);
      if (!holds(ctx.state, approval.signer, approval.role)) {
        throw new PolicyError('ROLE_MISSING', `${approval.email} (${shortFingerprint(approval.signer)}) does not hold the role ${approval.role} they sign as; ask an admin to run cognify role grant`, {
          seq: ctx.entry.seq,
          role: approval.role,
        });
      }
      // A run version may be signed by an evaluator who only attached an eval to it; whether that
      // person authored the run needs its earlier versions, which a rule cannot load, so runs are
      // judged by the API and the policy evaluation (src/api/approvals.ts authorsOf).
      if ((approval.meaning === 'approved' || approval.meaning === 'reviewed') && subject.type !== 'run' && isSigned(subject as never) && subject.signer === approval.signer) {
        throw new PolicyError('POLICY_VIOLATION', `${approval.email} signed this ${subject.type} and cannot mark it ${approval.meaning}: an author does not approve their own work`, { seq: ctx.entry.seq });
      }
    },
  },
  /** subjects: [withdrawal, the approval withdrawn] */
  'approval.withdraw': {
    who: 'any-role',
    apply(ctx) {
      const [w, approval] = expectSubjects<WithdrawalObject | ApprovalObject>(ctx, ['approval-withdrawal', 'approval']) as [WithdrawalObject, ApprovalObject];
      signedByActor(ctx, w);
      names(ctx, 'withdrawal', w.approval, ctx.entry.subjects[1]!);
      names(ctx, 'withdrawal subject', w.subject, approval.subject);
      about(ctx, approval.subject);
      if (approval.signer !== w.signer) {
        throw new PolicyError('POLICY_VIOLATION', `only ${approval.email}, who signed approval ${ctx.entry.subjects[1]}, can withdraw it`, { seq: ctx.entry.seq });
      }
    },
  },
  /** subjects: [policy] */
  'policy.set': {
    who: ['admin'],
    apply(ctx) {
      const [p] = expectSubjects<PolicyObject>(ctx, ['policy']) as [PolicyObject];
      sameSigner(ctx, p);
      sameRepo(ctx, p);
      if ((p.number === 1) !== (p.parents.length === 0)) throw new IntegrityError('LOG_BROKEN', `log entry ${ctx.entry.seq}: policy version ${p.number} has ${p.parents.length} parents`, { seq: ctx.entry.seq });
    },
  },
  /** subjects: [scan, the dataset version scanned] */
  'scan.record': {
    who: 'any-role',
    apply(ctx) {
      const [scan] = expectSubjects<ScanObject>(ctx, ['pii-scan', 'dataset-version']) as [ScanObject];
      sameSigner(ctx, scan);
      sameRepo(ctx, scan);
      names(ctx, 'scan dataset', scan.dataset, ctx.entry.subjects[1]!);
      about(ctx, scan.dataset);
    },
  },
  /** subjects: [waiver, the scan whose finding it waives] */
  'scan.waive': {
    who: ['privacy-officer'],
    apply(ctx) {
      const [waiver, scan] = expectSubjects<WaiverObject | ScanObject>(ctx, ['pii-waiver', 'pii-scan']) as [WaiverObject, ScanObject];
      signedByActor(ctx, waiver);
      names(ctx, 'waiver scan', waiver.scan, ctx.entry.subjects[1]!);
      names(ctx, 'waiver dataset', waiver.dataset, scan.dataset);
      about(ctx, scan.dataset);
      if (!scan.findings[waiver.kind]) {
        throw new PolicyError('POLICY_VIOLATION', `scan ${ctx.entry.subjects[1]} found no ${waiver.kind}; there is nothing to waive`, { seq: ctx.entry.seq, kind: waiver.kind });
      }
    },
  },
};
