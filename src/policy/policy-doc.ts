// A policy as people write it (YAML), checked and turned into the rules a `policy` object stores.
// Shape (see fixtures/policies/bank.yaml):
//
//   name: bank-model-risk
//   description: ...
//   subjects:
//     run:                              # dataset, run, eval, checkpoint, document
//       approvals:                      # roles that must approve, and how many people in each
//         - { role: model-risk, count: 1 }
//         - { role: compliance }        # count defaults to 1
//       separation:                     # all default to true
//         author: true                  # the subject's author cannot approve it
//         inputs: true                  # nor the author of what it was built from
//         distinct: true                # one person fills at most one required role
//       gates:                          # evidence that must exist before approvals count
//         evals: { kinds: [lm-eval, bias], thresholds: met }
//         scan: clean-or-waived
//         provenance: complete          # or a list: [source, rights, ...]
//         documents: [model-card, sr11-7]
//
// Every error names the file, the line and column, and the key at fault. A policy that could never
// be met or says nothing (a count below one, a role twice, a gate the kind cannot have, no
// approvals) is refused: a policy that approves everything silently is worse than none.
import { isMap, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import { yamlData } from '../core/yaml.js';
import { InputError } from '../core/errors.js';
import { ROLES, type Role } from '../chain/chain-types.js';
import { DOCUMENT_KINDS, SUBJECT_KINDS, type SubjectKind, type SubjectRules } from './policy-types.js';
import { PROVENANCE_QUESTIONS } from '../diff/dataset-types.js';

export interface PolicyDocument {
  name: string;
  description: string;
  subjects: Partial<Record<SubjectKind, SubjectRules>>;
}

/** Which gates make sense for which kind of subject. */
const GATES_FOR: Record<SubjectKind, readonly string[]> = {
  dataset: ['scan', 'provenance', 'documents'],
  run: ['evals', 'scan', 'provenance', 'documents'],
  eval: ['evals', 'documents'],
  checkpoint: ['documents'],
  document: [],
};

export type Path = (string | number)[];

/** A problem at a path of a YAML document; `key` points at the key rather than its value. */
export class Problem extends Error {
  constructor(
    readonly path: Path,
    message: string,
    readonly key = false,
  ) {
    super(message);
  }
}

function keysOf(v: unknown, path: Path, allowed: readonly string[]): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Problem(path, `expected a mapping with keys ${allowed.join(', ')}`);
  for (const k of Object.keys(v)) if (!allowed.includes(k)) throw new Problem([...path, k], `unknown key "${k}"; the keys allowed here are ${allowed.join(', ')}`, true);
  return v as Record<string, unknown>;
}

function bool(v: unknown, path: Path, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean') throw new Problem(path, `expected true or false, got ${JSON.stringify(v)}`);
  return v;
}

function list<T extends string>(v: unknown, path: Path, allowed: readonly T[], what: string): T[] {
  if (!Array.isArray(v)) throw new Problem(path, `expected a list of ${what}`);
  const out: T[] = [];
  v.forEach((x, i) => {
    if (typeof x !== 'string' || !(allowed as readonly string[]).includes(x)) throw new Problem([...path, i], `unknown ${what.replace(/s$/, '')} ${JSON.stringify(x)}; use ${allowed.join(', ')}`);
    if (out.includes(x as T)) throw new Problem([...path, i], `${x} is listed twice`);
    out.push(x as T);
  });
  return out;
}

function subjectRules(kind: SubjectKind, v: unknown, path: Path): SubjectRules {
  const o = keysOf(v, path, ['approvals', 'separation', 'gates']);
  if (!Array.isArray(o.approvals) || o.approvals.length === 0) {
    throw new Problem([...path, 'approvals'], `a ${kind} policy needs at least one approval: a list of { role, count }`);
  }
  const approvals = o.approvals.map((a, i) => {
    const p = [...path, 'approvals', i];
    const r = keysOf(a, p, ['role', 'count']);
    if (typeof r.role !== 'string' || !(ROLES as readonly string[]).includes(r.role)) {
      throw new Problem([...p, 'role'], `unknown role ${JSON.stringify(r.role ?? null)}; roles are ${ROLES.join(', ')}`);
    }
    const count = r.count === undefined ? 1 : r.count;
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > 100) {
      throw new Problem([...p, 'count'], `count must be a whole number from 1 to 100, got ${JSON.stringify(count)}`);
    }
    return { role: r.role as Role, count };
  });
  approvals.forEach((a, i) => {
    if (approvals.findIndex((b) => b.role === a.role) !== i) throw new Problem([...path, 'approvals', i, 'role'], `${a.role} is listed twice; give one entry with the total count`);
  });
  const s = o.separation === undefined ? {} : keysOf(o.separation, [...path, 'separation'], ['author', 'inputs', 'distinct']);
  const separation = { author: bool(s.author, [...path, 'separation', 'author'], true), inputs: bool(s.inputs, [...path, 'separation', 'inputs'], true), distinct: bool(s.distinct, [...path, 'separation', 'distinct'], true) };
  const gp = [...path, 'gates'];
  const g = o.gates === undefined ? {} : keysOf(o.gates, gp, ['evals', 'scan', 'provenance', 'documents']);
  for (const k of Object.keys(g)) {
    if (!GATES_FOR[kind].includes(k)) {
      throw new Problem([...gp, k], `a ${kind} cannot have a ${k} gate; the gates for a ${kind} are ${GATES_FOR[kind].join(', ') || 'none'}`, true);
    }
  }
  let evals: SubjectRules['gates']['evals'] = null;
  if (g.evals !== undefined) {
    const e = keysOf(g.evals, [...gp, 'evals'], ['kinds', 'thresholds']);
    const kinds = e.kinds === undefined ? [] : list(e.kinds, [...gp, 'evals', 'kinds'], ['lm-eval', 'bias'] as const, 'eval kinds');
    if (e.thresholds !== undefined && e.thresholds !== 'met' && e.thresholds !== 'any') {
      throw new Problem([...gp, 'evals', 'thresholds'], `thresholds must be "met" (every objective passes, no four-fifths violation) or "any", got ${JSON.stringify(e.thresholds)}`);
    }
    const thresholds = e.thresholds !== 'any';
    if (!thresholds && kinds.length === 0) throw new Problem([...gp, 'evals'], 'this evals gate asks for nothing; list kinds, or set thresholds: met');
    evals = { kinds, thresholds };
  }
  if (g.scan !== undefined && g.scan !== 'clean-or-waived') throw new Problem([...gp, 'scan'], `scan must be "clean-or-waived", got ${JSON.stringify(g.scan)}`);
  const provenance = g.provenance === undefined ? [] : g.provenance === 'complete' ? [...PROVENANCE_QUESTIONS] : list(g.provenance, [...gp, 'provenance'], PROVENANCE_QUESTIONS, 'provenance questions');
  const documents = g.documents === undefined ? [] : list(g.documents, [...gp, 'documents'], DOCUMENT_KINDS, 'document kinds');
  return { approvals, separation, gates: { evals, scan: g.scan !== undefined, provenance, documents } };
}

/** ":line:col" of a problem's node in the document, or "" when it has none. */
export function locate(doc: Document, lines: LineCounter, p: Problem): string {
  let node = doc.getIn(p.path, true) as { range?: [number, number, number] } | undefined;
  for (let n = p.path.length; !node && n > 0; n--) node = doc.getIn(p.path.slice(0, n - 1), true) as typeof node;
  let at = node?.range?.[0];
  const last = p.path[p.path.length - 1];
  const parent = doc.getIn(p.path.slice(0, -1), true);
  if (p.key && isMap(parent)) {
    const pair = parent.items.find((i) => isScalar(i.key) && String(i.key.value) === String(last));
    if (pair && isScalar(pair.key) && pair.key.range) at = pair.key.range[0];
  }
  if (at === undefined) return '';
  const { line, col } = lines.linePos(at);
  return `:${line}:${col}`;
}

/** Parse and check a policy file's text; `file` names it in errors. */
export function parsePolicy(text: string, file: string): PolicyDocument {
  const lines = new LineCounter();
  const doc = parseDocument(text, { version: '1.2', schema: 'core', uniqueKeys: true, prettyErrors: false, lineCounter: lines });
  const err = doc.errors[0];
  if (err) {
    const { line, col } = lines.linePos(err.pos[0]);
    throw new InputError('INPUT_INVALID', `${file}:${line}:${col}: YAML syntax error: ${err.message.split('\n')[0]}; fix the file and run cognify policy set again`, { file, line });
  }
  try {
    const root = keysOf(yamlData(doc, file), [], ['name', 'description', 'subjects']);
    if (typeof root.name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(root.name)) {
      throw new Problem(['name'], 'name must be a word of letters, digits, ".", "_" or "-" (such as bank-model-risk)');
    }
    if (root.description !== undefined && typeof root.description !== 'string') throw new Problem(['description'], 'description must be text');
    const kinds = Object.keys(SUBJECT_KINDS);
    const subs = keysOf(root.subjects ?? null, ['subjects'], kinds);
    if (!Object.keys(subs).length) throw new Problem(['subjects'], `the policy says nothing; give rules for at least one of ${kinds.join(', ')}`);
    const subjects: PolicyDocument['subjects'] = {};
    for (const [k, v] of Object.entries(subs)) subjects[k as SubjectKind] = subjectRules(k as SubjectKind, v, ['subjects', k]);
    return { name: root.name, description: (root.description as string | undefined) ?? '', subjects };
  } catch (e) {
    if (!(e instanceof Problem)) throw e;
    const where = e.path.length ? `${e.path.join('.')}: ` : '';
    throw new InputError('INPUT_INVALID', `${file}${locate(doc, lines, e)}: ${where}${e.message}`, { file, path: e.path.join('.') });
  }
}
