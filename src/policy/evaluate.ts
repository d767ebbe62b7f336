// Policy evaluation: pure, facts in and a verdict out, so the rules are table-tested without a
// repository (src/api/approvals.ts gathers the facts from the record).
//
// State, in order of precedence:
//   rejected   a live (not withdrawn) `rejected` signature by someone whose role the policy asks for
//   approved   every required approval counted and every gate met
//   withdrawn  an `approved` signature was withdrawn and no live one remains
//   in-review  some live signature (authored, reviewed, approved)
//   draft      none
// An approval counts when it is live, means `approved`, is signed in a required role, and its
// signer is neither the subject's author nor (when the policy says so) the author of its inputs;
// with `distinct`, one person (one e-mail) fills at most one required role, chosen so that as
// many requirements as possible are met (a small bipartite matching).
import type { Role } from '../chain/chain-types.js';
import type { Meaning, SubjectKind, SubjectRules } from './policy-types.js';

export type State = 'draft' | 'in-review' | 'approved' | 'rejected' | 'withdrawn';

export interface SignatureFact {
  approval: string;
  seq: number;
  time: string;
  signer: string;
  name: string;
  email: string;
  role: Role;
  meaning: Meaning;
  comment: string;
  withdrawn: { withdrawal: string; seq: number; time: string; reason: string } | null;
  /**
   * The log entry that revoked the signer's key, when it comes before this signature's entry. The
   * trust rules refuse such an entry and verify flags it; an entry written around them (straight
   * into the store, by whoever holds a leaked key) must not count either, whatever time it claims.
   */
  keyRevokedAt?: number;
}

export interface EvalFact {
  id: string;
  kind: 'lm-eval' | 'bias';
  /** Objectives failed and four-fifths violations, as text; empty when every threshold is met. */
  failing: string[];
}

export interface DatasetFact {
  id: string;
  label: string;
  /** null: never scanned (by the current detector). */
  scan: { id: string; findings: Record<string, number> } | null;
  /** Kinds waived by a privacy officer, with who waived them. */
  waived: Record<string, { waiver: string; name: string }>;
  provenanceMissing: string[];
}

export interface Facts {
  subject: { id: string; kind: SubjectKind };
  policy: { id: string; name: string; number: number; rules: SubjectRules | undefined } | null;
  /** Fingerprints of the subject's authors, with why (e.g. "signed run version 3"). */
  authors: Map<string, string>;
  inputAuthors: Map<string, string>;
  signatures: SignatureFact[];
  evals: EvalFact[];
  /** The dataset itself, or a run's datasets. */
  datasets: DatasetFact[];
  /** Kinds of document generated for the subject. */
  documents: string[];
}

export interface Requirement {
  requirement: string;
  detail: string;
  /** Signatures that fill it (approval requirements). */
  by?: { name: string; email: string; role: Role; approval: string; time: string }[];
}

export interface Verdict {
  subject: string;
  kind: SubjectKind;
  policy: { id: string; name: string; number: number } | null;
  state: State;
  met: Requirement[];
  missing: Requirement[];
  /** Every signature on the subject, with whether it counts and why not. */
  signatures: (SignatureFact & { counts: boolean; note: string })[];
}

/** Without a policy (or without rules for this kind): one independent approval by anyone holding a role. */
export const DEFAULT_RULES: SubjectRules = {
  approvals: [],
  separation: { author: true, inputs: false, distinct: true },
  gates: { evals: null, scan: false, provenance: [], documents: [] },
};

export function evaluate(f: Facts): Verdict {
  const rules = f.policy?.rules ?? DEFAULT_RULES;
  const anyRole = rules.approvals.length === 0;
  const required = new Set(rules.approvals.map((a) => a.role));
  const sigs = f.signatures.map((s) => ({ ...s, counts: false, note: '' }));

  const exclusion = (s: SignatureFact): string | null => {
    if (s.keyRevokedAt !== undefined) return `signed with a key revoked at log entry ${s.keyRevokedAt}, before this signature's entry ${s.seq}`;
    if (rules.separation.author && f.authors.has(s.signer)) return `author: ${f.authors.get(s.signer)}`;
    if (rules.separation.inputs && f.inputAuthors.has(s.signer)) return `author of an input: ${f.inputAuthors.get(s.signer)}`;
    return null;
  };

  // Candidates: live approvals by eligible signers in a required role; the others say why not.
  const whyNot = (s: SignatureFact): string | null => {
    if (s.withdrawn) return `withdrawn at log entry ${s.withdrawn.seq}`;
    if (s.meaning !== 'approved') return s.meaning;
    const ex = exclusion(s);
    if (ex) return `does not count: ${ex}`;
    if (!anyRole && !required.has(s.role)) return `does not count: the policy does not ask for ${s.role}`;
    return null;
  };
  const candidates = sigs.filter((s) => {
    const note = whyNot(s);
    if (note !== null) s.note = note;
    return note === null;
  });

  // Slots: one per required approval; a person (e-mail) may fill one slot per role, or one slot at all with `distinct`.
  const slots = anyRole ? [{ role: null as Role | null, n: 0 }] : rules.approvals.flatMap((a) => Array.from({ length: a.count }, (_, n) => ({ role: a.role as Role | null, n })));
  const people = new Map<string, typeof candidates>();
  for (const s of candidates) {
    const who = s.email.toLowerCase();
    const list = people.get(who) ?? [];
    // the earliest signature per person and role
    if (!list.some((x) => x.role === s.role)) list.push(s);
    people.set(who, list);
  }
  const filled = new Array<(typeof candidates)[number] | undefined>(slots.length);
  const units = rules.separation.distinct ? [...people.values()] : [...people.values()].flatMap((l) => l.map((s) => [s]));
  const owner = new Array<number>(slots.length).fill(-1);
  const fits = (u: number, k: number) => units[u]!.find((s) => slots[k]!.role === null || s.role === slots[k]!.role);
  const augment = (u: number, seen: boolean[]): boolean => {
    for (let k = 0; k < slots.length; k++) {
      if (seen[k] || !fits(u, k)) continue;
      seen[k] = true;
      if (owner[k] === -1 || augment(owner[k]!, seen)) {
        owner[k] = u;
        return true;
      }
    }
    return false;
  };
  for (let u = 0; u < units.length; u++) augment(u, new Array(slots.length).fill(false));
  for (let k = 0; k < slots.length; k++) if (owner[k]! >= 0) filled[k] = fits(owner[k]!, k);
  const counted = new Set(filled.filter((s) => s !== undefined));
  for (const s of candidates) {
    s.counts = counted.has(s);
    s.note = s.counts ? 'counts' : rules.separation.distinct ? 'does not count: this person already fills another required role, or the role needs no more' : 'does not count: the role needs no more';
  }

  const met: Requirement[] = [];
  const missing: Requirement[] = [];
  const put = (ok: boolean, r: Requirement) => (ok ? met : missing).push(r);

  const groups = anyRole ? [{ role: null as Role | null, count: 1 }] : rules.approvals.map((a) => ({ role: a.role as Role | null, count: a.count }));
  for (const g of groups) {
    const by = slots.flatMap((sl, k) => (sl.role === g.role && filled[k] ? [filled[k]!] : []));
    const name = g.role ? `approval: ${g.role}` : 'approval';
    const who = g.role ? `${g.count} ${g.role} approval${g.count > 1 ? 's' : ''}` : 'an approval by someone other than the author';
    put(by.length >= g.count, {
      requirement: name,
      detail: by.length >= g.count ? `${who}: ${by.map((s) => s.name).join(', ')}` : `${who} needed, ${by.length} counted`,
      by: by.map((s) => ({ name: s.name, email: s.email, role: s.role, approval: s.approval, time: s.time })),
    });
  }

  const gates = rules.gates;
  if (gates.evals) {
    const { kinds, thresholds } = gates.evals;
    for (const k of kinds) put(f.evals.some((e) => e.kind === k), { requirement: `gate: ${k} eval`, detail: f.evals.some((e) => e.kind === k) ? `${k} eval recorded` : `no ${k} eval recorded; run cognify eval ${k === 'bias' ? 'bias' : 'import'}` });
    if (thresholds) {
      const failing = f.evals.flatMap((e) => e.failing.map((x) => `${x} (${e.id.slice(7, 19)})`));
      const ok = f.evals.length > 0 && failing.length === 0;
      put(ok, { requirement: 'gate: eval thresholds', detail: ok ? `${f.evals.length} eval(s), every threshold met` : f.evals.length === 0 ? 'no eval recorded' : `not met: ${failing.slice(0, 10).join('; ')}` });
    }
  }
  if (gates.scan) {
    for (const d of f.datasets) {
      const open = d.scan ? Object.keys(d.scan.findings).filter((k) => !d.waived[k]) : [];
      const ok = d.scan !== null && open.length === 0;
      const waived = Object.keys(d.waived);
      put(ok, {
        requirement: `gate: PII/PHI scan of ${d.label}`,
        detail: !d.scan
          ? `not scanned; run cognify scan ${d.label}`
          : ok
            ? waived.length ? `findings waived by a privacy officer: ${waived.map((k) => `${k} (${d.waived[k]!.name})`).join(', ')}` : 'clean'
            : `unwaived findings: ${open.map((k) => `${k} ${d.scan!.findings[k]}`).join(', ')}`,
      });
    }
    if (!f.datasets.length) put(false, { requirement: 'gate: PII/PHI scan', detail: 'the run names no dataset to scan' });
  }
  if (gates.provenance.length) {
    for (const d of f.datasets) {
      const gap = gates.provenance.filter((q) => d.provenanceMissing.includes(q));
      put(gap.length === 0, { requirement: `gate: provenance of ${d.label}`, detail: gap.length ? `unanswered: ${gap.join(', ')}` : `answered: ${gates.provenance.join(', ')}` });
    }
    if (!f.datasets.length) put(false, { requirement: 'gate: provenance', detail: 'the run names no dataset' });
  }
  for (const doc of gates.documents) put(f.documents.includes(doc), { requirement: `gate: ${doc} document`, detail: f.documents.includes(doc) ? `${doc} generated` : `no ${doc} generated; run cognify card ${doc}` });

  const live = sigs.filter((s) => !s.withdrawn);
  const rejection = live.find((s) => s.meaning === 'rejected' && (anyRole || required.has(s.role)) && exclusion(s) === null);
  let state: State;
  if (rejection) state = 'rejected';
  else if (missing.length === 0) state = 'approved';
  else if (sigs.some((s) => s.withdrawn && s.meaning === 'approved') && !live.some((s) => s.meaning === 'approved')) state = 'withdrawn';
  else state = live.length ? 'in-review' : 'draft';
  if (rejection) rejection.note = 'rejects';

  return {
    subject: f.subject.id,
    kind: f.subject.kind,
    policy: f.policy ? { id: f.policy.id, name: f.policy.name, number: f.policy.number } : null,
    state,
    met,
    missing,
    signatures: sigs,
  };
}
