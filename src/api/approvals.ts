// repo.approvals and repo.policy: e-signatures bound to the exact object they are about, the
// policy in force, and its evaluation against the record (src/policy/evaluate.ts decides; this
// file gathers the facts: who authored the subject and its inputs, every signature and
// withdrawal, evals, scans, provenance, documents).
import { InputError, PolicyError, SignatureError, tagCaller } from '../core/errors.js';
import { toHex, utf8 } from '../core/bytes.js';
import type { ObjectId } from '../core/ids.js';
import type { CognifyObject } from '../store/object-codec.js';
import { ROLES, type Role } from '../chain/chain-types.js';
import { signObject, type Signed } from '../chain/signed-object.js';
import type { Signer } from '../chain/signer.js';
import { missingProvenance, type DatasetVersion } from '../diff/dataset-types.js';
import type { EvalObject, RunObject } from '../runs/run-types.js';
import { readSmallFile } from '../runs/small-file.js';
import { parsePolicy, type PolicyDocument } from '../policy/policy-doc.js';
import { encode, type CborValue } from '../core/cbor.js';
import { evaluate, type DatasetFact, type Facts, type SignatureFact, type Verdict } from '../policy/evaluate.js';
import { MEANINGS, PII_DETECTOR, type ApprovalObject, type Meaning, type PolicyObject, type ScanObject, type WaiverObject, type WithdrawalObject } from '../policy/policy-types.js';
import type { Repo } from './repo.js';
import { about, describeSubject, resolveSubject, stageAbout, type Subject } from './subjects.js';

const POLICY_REF = 'policy/active';

export interface SignOptions {
  /** A subject reference (see resolveSubject): `run:<name>`, `dataset:<name>@N`, an object id ... */
  subject: string;
  meaning: string;
  comment?: string;
  /** The role to sign in; default: the one role the signer holds that the policy asks for, or their only role. */
  role?: string;
}

/** Exactly what an approval will say, before it is signed. */
export interface ApprovalPreview {
  subject: Subject;
  name: string;
  email: string;
  fingerprint: string;
  role: Role;
  meaning: Meaning;
  comment: string;
  time: string;
}

export interface ApprovalResult {
  approval: ObjectId;
  subject: ObjectId;
  signer: { name: string; email: string; fingerprint: string; role: Role };
  meaning: Meaning;
  comment: string;
  time: string;
  seq: number;
}

export type ApprovalRecord =
  | (Omit<ApprovalResult, 'seq'> & { type: 'approval'; seq: number; withdrawn: ObjectId | null })
  | { type: 'withdrawal'; withdrawal: ObjectId; approval: ObjectId; subject: ObjectId; signer: { name: string; email: string; fingerprint: string }; reason: string; time: string; seq: number };

export class Approvals {
  constructor(private readonly repo: Repo) {}

  /** Check everything an approval needs and say exactly what will be signed; signs nothing. */
  async prepare(opts: SignOptions & { signer: string; time?: string }): Promise<ApprovalPreview> {
    try {
      if (!(MEANINGS as readonly string[]).includes(opts.meaning)) {
        throw new InputError('USAGE', `meaning must be one of ${MEANINGS.join(', ')}, got ${JSON.stringify(opts.meaning)}`, { meaning: opts.meaning });
      }
      const meaning = opts.meaning as Meaning;
      const comment = opts.comment ?? '';
      if (comment.length > 10_000) throw new InputError('INPUT_INVALID', `the comment is ${comment.length} characters; keep it under 10,000`, {});
      const subject = await resolveSubject(this.repo, opts.subject);
      const me = await this.repo.resolveIdentity(opts.signer);
      if (me.revoked) throw new SignatureError('KEY_REVOKED', `${me.email}'s key was revoked at log entry ${me.revokedAt}; it can no longer sign`, { signer: me.fingerprint });
      if (!me.roles.length) throw new PolicyError('ROLE_MISSING', `${me.email} holds no role in this repository; ask an admin to run cognify role grant`, { signer: me.fingerprint });
      const policy = await this.repo.policy.current();
      const rules = policy?.policy.subjects[subject.kind];
      let role: Role;
      if (opts.role !== undefined) {
        if (!(ROLES as readonly string[]).includes(opts.role)) throw new InputError('USAGE', `unknown role "${opts.role}"; roles are ${ROLES.join(', ')}`, { role: opts.role });
        role = opts.role as Role;
        if (!me.roles.includes(role)) throw new PolicyError('ROLE_MISSING', `${me.email} does not hold ${role} (they hold ${me.roles.join(', ')}); ask an admin to run cognify role grant`, { role });
      } else {
        // The one role the policy asks for that the signer holds; else their one role besides admin.
        const wanted = me.roles.filter((r) => rules?.approvals.some((a) => a.role === r));
        const working = me.roles.filter((r) => r !== 'admin');
        const pick = wanted.length ? wanted : working.length ? working : me.roles;
        if (pick.length !== 1) throw new InputError('USAGE', `${me.email} holds ${pick.join(' and ')}; say which one you sign as with --role`, { roles: me.roles });
        role = pick[0]!;
      }
      if (meaning === 'approved' || meaning === 'reviewed') {
        const { authors, inputAuthors } = await authorsOf(this.repo, subject);
        const own = authors.get(me.fingerprint);
        const input = (rules?.separation.inputs ?? false) ? inputAuthors.get(me.fingerprint) : undefined;
        if (own || input) {
          const why = own ? `they are its author (${own})` : `they authored what it was built from (${input})`;
          throw new PolicyError('POLICY_VIOLATION', `${me.email} cannot mark ${subject.label} ${meaning}: ${why}; an independent reviewer must sign`, { signer: me.fingerprint });
        }
      }
      // An approval or rejection in a role the policy does not ask for would never count: refuse it.
      if ((meaning === 'approved' || meaning === 'rejected') && rules && !rules.approvals.some((a) => a.role === role)) {
        throw new PolicyError(
          'ROLE_MISSING',
          `policy ${policy!.policy.name} takes ${subject.kind} approvals from ${rules.approvals.map((a) => a.role).join(', ')}; ${me.email} would sign as ${role}`,
          { role },
        );
      }
      // The same signature twice says nothing new; to change it, withdraw it and sign again.
      const mine = approvalRecords(await about(this.repo, subject.id)).find((r) => r.type === 'approval' && r.signer.fingerprint === me.fingerprint && r.meaning === meaning && r.withdrawn === null);
      if (mine && mine.type === 'approval') {
        throw new PolicyError('POLICY_VIOLATION', `${me.email} already signed ${subject.label} as ${meaning} (approval ${mine.approval}, ${mine.time}); to change it, withdraw that one first with cognify withdraw`, { approval: mine.approval });
      }
      return { subject, name: me.name, email: me.email, fingerprint: me.fingerprint, role, meaning, comment, time: opts.time ?? this.repo.now() };
    } catch (e) {
      throw tagCaller(e, 'approvals.prepare');
    }
  }

  /** Sign an approval (21 CFR 11.50: printed name, date and time, meaning) of the subject's exact id. */
  async sign(opts: SignOptions & { signer: Signer; time?: string }): Promise<ApprovalResult> {
    try {
      const p = await this.prepare({ ...opts, signer: opts.signer.fingerprint });
      const r = await this.repo.act(opts.signer, 'approval.sign', (tx, state) => {
        const obj = signObject(
          this.repo.crypto,
          { type: 'approval', v: 1, repo: this.repo.id, subject: p.subject.id, subjectType: p.subject.object.type, meaning: p.meaning, comment: p.comment, name: p.name, email: p.email, role: p.role, time: p.time } as CognifyObject,
          opts.signer,
        );
        const id = tx.putObject(obj).id;
        stageAbout(tx, p.subject.id, state.size, id);
        return { subjects: [id, p.subject.id], details: { about: p.subject.id, meaning: p.meaning, role: p.role } };
      });
      return { approval: r.subjects[0]!, subject: p.subject.id, signer: { name: p.name, email: p.email, fingerprint: p.fingerprint, role: p.role }, meaning: p.meaning, comment: p.comment, time: p.time, seq: r.seq };
    } catch (e) {
      throw tagCaller(e, 'approvals.sign');
    }
  }

  /** The approval to withdraw, checked: it exists, is the signer's own, and is not withdrawn yet. */
  async prepareWithdrawal(opts: { approval: string; signer: string }): Promise<{ id: ObjectId; approval: Signed<ApprovalObject>; subject: Subject }> {
    const id = await this.repo.store.resolve(opts.approval);
    const obj = (await this.repo.store.get(id)).value as unknown as Signed<ApprovalObject>;
    if (obj.type !== 'approval') throw new InputError('INPUT_INVALID', `${id} is a ${obj.type}, not an approval; see cognify approvals <subject>`, { id });
    const me = await this.repo.resolveIdentity(opts.signer);
    if (obj.signer !== me.fingerprint) throw new PolicyError('POLICY_VIOLATION', `approval ${id} was signed by ${obj.email}; only they can withdraw it`, { id });
    const records = await about(this.repo, obj.subject as ObjectId);
    const done = records.find((r) => r.object.type === 'approval-withdrawal' && (r.object as unknown as WithdrawalObject).approval === id);
    if (done) throw new PolicyError('POLICY_VIOLATION', `approval ${id} was already withdrawn at log entry ${done.seq}`, { id });
    const subject = await describeSubject(this.repo, obj.subject as ObjectId, (await this.repo.store.get(obj.subject as ObjectId)).value as Signed<CognifyObject>);
    return { id, approval: obj, subject };
  }

  /** Withdraw an approval: a new signed object citing it; both stay in the record. */
  async withdraw(opts: { approval: string; reason?: string; signer: Signer }): Promise<{ withdrawal: ObjectId; approval: ObjectId; subject: ObjectId; time: string; seq: number }> {
    try {
      const { id, approval } = await this.prepareWithdrawal({ approval: opts.approval, signer: opts.signer.fingerprint });
      const time = this.repo.now();
      const r = await this.repo.act(opts.signer, 'approval.withdraw', (tx, state) => {
        const obj = signObject(
          this.repo.crypto,
          { type: 'approval-withdrawal', v: 1, repo: this.repo.id, approval: id, subject: approval.subject, reason: opts.reason ?? '', name: approval.name, email: approval.email, time } as CognifyObject,
          opts.signer,
        );
        const wid = tx.putObject(obj).id;
        stageAbout(tx, approval.subject as ObjectId, state.size, wid);
        return { subjects: [wid, id], details: { about: approval.subject } };
      });
      return { withdrawal: r.subjects[0]!, approval: id, subject: approval.subject as ObjectId, time, seq: r.seq };
    } catch (e) {
      throw tagCaller(e, 'approvals.withdraw');
    }
  }

  /** Approvals and withdrawals of a subject, in log order. */
  async list(subjectRef: string): Promise<ApprovalRecord[]> {
    try {
      const subject = await resolveSubject(this.repo, subjectRef);
      return approvalRecords(await about(this.repo, subject.id));
    } catch (e) {
      throw tagCaller(e, 'approvals.list');
    }
  }
}

function approvalRecords(records: Awaited<ReturnType<typeof about>>): ApprovalRecord[] {
  const withdrawnBy = new Map<string, ObjectId>();
  for (const r of records) if (r.object.type === 'approval-withdrawal') withdrawnBy.set((r.object as unknown as WithdrawalObject).approval, r.id);
  const out: ApprovalRecord[] = [];
  for (const r of records) {
    if (r.object.type === 'approval') {
      const a = r.object as unknown as ApprovalObject;
      out.push({ type: 'approval', approval: r.id, subject: a.subject as ObjectId, signer: { name: a.name, email: a.email, fingerprint: a.signer, role: a.role }, meaning: a.meaning, comment: a.comment, time: a.time, seq: r.seq, withdrawn: withdrawnBy.get(r.id) ?? null });
    } else if (r.object.type === 'approval-withdrawal') {
      const w = r.object as unknown as WithdrawalObject;
      out.push({ type: 'withdrawal', withdrawal: r.id, approval: w.approval as ObjectId, subject: w.subject as ObjectId, signer: { name: w.name, email: w.email, fingerprint: w.signer }, reason: w.reason, time: w.time, seq: r.seq });
    }
  }
  return out;
}

// ---- policies ------------------------------------------------------------------------------

export type StatusResult = Verdict & { label: string; summary: string[] };

export class Policies {
  constructor(private readonly repo: Repo) {}

  /** The policy in force, or null when none was ever set. */
  async current(): Promise<{ id: ObjectId; policy: Signed<PolicyObject> } | null> {
    const id = await this.repo.store.getRef(POLICY_REF);
    return id ? { id, policy: (await this.repo.store.get(id, 'policy')).value as unknown as Signed<PolicyObject> } : null;
  }

  /** Check a policy file and make it the policy in force (admin only): a new signed, logged version. */
  async set(opts: { file: string; signer: Signer; text?: string }): Promise<{ policy: ObjectId; name: string; number: number; seq: number | null; unchanged: boolean }> {
    try {
      const text =
        opts.text ??
        (await readSmallFile(opts.file, { cap: 1 << 20, what: 'policy file', limitFor: 'a policy', hint: 'give a policy YAML file such as fixtures/policies/bank.yaml' }));
      const doc = parsePolicy(text, opts.file);
      const prev = await this.current();
      const same = (p: PolicyDocument) => toHex(this.repo.crypto.sha256(encode(p as unknown as CborValue)));
      if (prev && same({ name: prev.policy.name, description: prev.policy.description, subjects: prev.policy.subjects }) === same(doc)) {
        // Setting the policy in force again changes nothing: no new version, nothing logged.
        return { policy: prev.id, name: prev.policy.name, number: prev.policy.number, seq: null, unchanged: true };
      }
      const number = (prev?.policy.number ?? 0) + 1;
      const r = await this.repo.act(opts.signer, 'policy.set', (tx) => {
        const obj = signObject(
          this.repo.crypto,
          {
            type: 'policy', v: 1, repo: this.repo.id, name: doc.name, description: doc.description, number, parents: prev ? [prev.id] : [],
            subjects: doc.subjects, source: { file: opts.file, sha256: toHex(this.repo.crypto.sha256(utf8(text))) }, time: this.repo.now(),
          } as unknown as CognifyObject,
          opts.signer,
        );
        const id = tx.putObject(obj).id;
        tx.setRef(POLICY_REF, prev?.id, id);
        return { subjects: [id], details: { name: doc.name, number } };
      });
      return { policy: r.subjects[0]!, name: doc.name, number, seq: r.seq, unchanged: false };
    } catch (e) {
      throw tagCaller(e, 'policy.set');
    }
  }

  /** The subject's state under the policy in force: each requirement met or missing, and who signed what. */
  async evaluate(subjectRef: string): Promise<StatusResult> {
    try {
      const subject = await resolveSubject(this.repo, subjectRef);
      const current = await this.current();
      const facts = await gatherFacts(this.repo, subject, current);
      return { ...evaluate(facts), label: subject.label, summary: subject.summary };
    } catch (e) {
      throw tagCaller(e, 'policy.evaluate');
    }
  }
}

// ---- facts -----------------------------------------------------------------------------------

/** A run version that only attached evals to its parent: the evaluator is not an author of the model. */
function evalAttachment(v: RunObject, p: RunObject): boolean {
  const added = v.evals.filter((e) => !p.evals.includes(e));
  return added.length > 0 && v.status === p.status && v.checkpoints.length === p.checkpoints.length && v.outputs.length === p.outputs.length && v.metrics.length === p.metrics.length;
}

async function runAuthors(repo: Repo, head: ObjectId, into: Map<string, string>): Promise<void> {
  const load = async (id: ObjectId) => (await repo.store.get(id, 'run')).value as unknown as Signed<RunObject>;
  for (let v: Signed<RunObject> | undefined = await load(head); v; ) {
    const p: Signed<RunObject> | undefined = v.parents[0] ? await load(v.parents[0] as ObjectId) : undefined;
    if ((!p || !evalAttachment(v, p)) && !into.has(v.signer)) into.set(v.signer, `signed run ${v.name} version ${v.number}`);
    v = p;
  }
}

export async function authorsOf(repo: Repo, subject: Subject): Promise<{ authors: Map<string, string>; inputAuthors: Map<string, string> }> {
  const authors = new Map<string, string>();
  const inputAuthors = new Map<string, string>();
  const o = subject.object;
  if (subject.kind === 'run') {
    await runAuthors(repo, subject.id, authors);
    for (const d of (o as unknown as RunObject).datasets) {
      const dv = (await repo.store.get(d.version as ObjectId, 'dataset-version')).value as unknown as Signed<DatasetVersion>;
      if (!inputAuthors.has(dv.signer)) inputAuthors.set(dv.signer, `committed dataset ${dv.name} version ${dv.number}`);
    }
  } else if (subject.kind === 'eval') {
    authors.set(o.signer, 'recorded the eval');
    const run = await repo.store.getRef(`runs/${(o as unknown as EvalObject).run}`);
    if (run) await runAuthors(repo, run, inputAuthors);
  } else if (subject.kind === 'dataset') {
    const d = o as unknown as DatasetVersion;
    authors.set(o.signer, `committed dataset ${d.name} version ${d.number}`);
    for (const t of d.provenance.transformations ?? []) {
      for (const src of t.derivedFrom ?? []) {
        const dv = (await repo.store.get(src as ObjectId, 'dataset-version')).value as unknown as Signed<DatasetVersion>;
        if (!inputAuthors.has(dv.signer)) inputAuthors.set(dv.signer, `committed dataset ${dv.name} version ${dv.number}`);
      }
    }
  } else {
    authors.set(o.signer, `signed the ${o.type}`);
  }
  return { authors, inputAuthors };
}

/** The current scan of a dataset version (by this detector) and the waivers of its findings. */
export async function scanOf(repo: Repo, dataset: ObjectId): Promise<{ id: ObjectId; scan: Signed<ScanObject>; waivers: { id: ObjectId; waiver: Signed<WaiverObject> }[] } | null> {
  const records = await about(repo, dataset);
  let found: { id: ObjectId; scan: Signed<ScanObject> } | undefined;
  for (const r of records) if (r.object.type === 'pii-scan' && (r.object as unknown as ScanObject).detector === PII_DETECTOR) found = { id: r.id, scan: r.object as unknown as Signed<ScanObject> };
  if (!found) return null;
  const waivers = records.filter((r) => r.object.type === 'pii-waiver' && (r.object as unknown as WaiverObject).scan === found.id).map((r) => ({ id: r.id, waiver: r.object as unknown as Signed<WaiverObject> }));
  return { ...found, waivers };
}

async function datasetFact(repo: Repo, id: ObjectId, d: DatasetVersion): Promise<DatasetFact> {
  const s = await scanOf(repo, id);
  const waived: DatasetFact['waived'] = {};
  for (const w of s?.waivers ?? []) waived[w.waiver.kind] ??= { waiver: w.id, name: w.waiver.name };
  return {
    id,
    label: `${d.name}@${d.number}`,
    scan: s ? { id: s.id, findings: s.scan.findings as Record<string, number> } : null,
    waived,
    provenanceMissing: missingProvenance(d.provenance),
  };
}

function evalFact(id: string, e: EvalObject): Facts['evals'][number] {
  const s = e.summary as Record<string, unknown>;
  const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);
  const failing = e.kind === 'lm-eval' ? list(s.failed).map((x) => `objective failed: ${x}`) : list(s.fourFifthsViolations).map((x) => `four-fifths rule: ${x}`);
  return { id, kind: e.kind, failing };
}

export async function gatherFacts(repo: Repo, subject: Subject, current: { id: ObjectId; policy: Signed<PolicyObject> } | null): Promise<Facts> {
  const { authors, inputAuthors } = await authorsOf(repo, subject);
  const records = await about(repo, subject.id);
  const signatures: SignatureFact[] = [];
  const withdrawals = new Map<string, SignatureFact['withdrawn']>();
  for (const r of records) {
    if (r.object.type !== 'approval-withdrawal') continue;
    const w = r.object as unknown as WithdrawalObject;
    if (!withdrawals.has(w.approval)) withdrawals.set(w.approval, { withdrawal: r.id, seq: r.seq, time: w.time, reason: w.reason });
  }
  // Judged by log position, not by the time the approval claims: a backdated one still came after.
  const revokedAt = new Map((await repo.identities()).filter((k) => k.revoked).map((k) => [k.fingerprint, k.revokedAt!]));
  for (const r of records) {
    if (r.object.type !== 'approval') continue;
    const a = r.object as unknown as ApprovalObject;
    const revoked = revokedAt.get(a.signer);
    signatures.push({
      approval: r.id,
      seq: r.seq,
      time: a.time,
      signer: a.signer,
      name: a.name,
      email: a.email,
      role: a.role,
      meaning: a.meaning,
      comment: a.comment,
      withdrawn: withdrawals.get(r.id) ?? null,
      ...(revoked !== undefined && revoked < r.seq ? { keyRevokedAt: revoked } : {}),
    });
  }
  const evals: Facts['evals'] = [];
  const datasets: DatasetFact[] = [];
  const o = subject.object;
  if (subject.kind === 'run') {
    for (const e of (o as unknown as RunObject).evals) evals.push(evalFact(e, (await repo.store.get(e as ObjectId, 'eval')).value as unknown as EvalObject));
    const seen = new Set<string>();
    for (const d of (o as unknown as RunObject).datasets) {
      if (seen.has(d.version)) continue;
      seen.add(d.version);
      datasets.push(await datasetFact(repo, d.version as ObjectId, (await repo.store.get(d.version as ObjectId, 'dataset-version')).value as unknown as DatasetVersion));
    }
  } else if (subject.kind === 'eval') {
    evals.push(evalFact(subject.id, o as unknown as EvalObject));
  } else if (subject.kind === 'dataset') {
    datasets.push(await datasetFact(repo, subject.id, o as unknown as DatasetVersion));
  }
  const documents = records.filter((r) => r.object.type === 'document' && typeof r.object.kind === 'string').map((r) => r.object.kind as string);
  const p = current?.policy;
  return {
    subject: { id: subject.id, kind: subject.kind },
    policy: p ? { id: current!.id, name: p.name, number: p.number, rules: p.subjects[subject.kind] } : null,
    authors,
    inputAuthors,
    signatures,
    evals,
    datasets,
    documents,
  };
}
