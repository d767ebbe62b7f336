// What a signature or a scan is about: resolving a subject reference to the exact object, a short
// human summary of it (shown before anyone signs), and the "about" index that finds every
// approval, withdrawal, scan, waiver and document that names a subject.
//
// The index (`about/<subject hex>/<seq>` -> object id) is a cache of the log: each record names
// the log entry that added the object, and readers check that entry before trusting the record, so
// a record written outside the log is refused rather than believed.
import { InputError, IntegrityError, NotFoundError } from '../core/errors.js';
import { fromUtf8, utf8 } from '../core/bytes.js';
import { idHex, isObjectId, type ObjectId } from '../core/ids.js';
import type { CognifyObject } from '../store/object-codec.js';
import type { Transaction } from '../store/store.js';
import { readEntry } from '../chain/audit-log.js';
import { versionRecords } from './version-chain.js';
import type { Signed } from '../chain/signed-object.js';
import type { DatasetVersion } from '../diff/dataset-types.js';
import type { CheckpointManifestObject, EvalObject, RunObject } from '../runs/run-types.js';
import { subjectKindOf, SUBJECT_KINDS, type SubjectKind } from '../policy/policy-types.js';
import type { Repo } from './repo.js';
import type { LogEntry } from '../chain/chain-types.js';
import { ABOUT_ACTIONS } from '../policy/policy-rules.js';
import { resolveCheckpoint } from './checkpoints.js';

export interface Subject {
  id: ObjectId;
  kind: SubjectKind;
  object: Signed<CognifyObject>;
  /** `run credit-lora@3`, `dataset credit-decisions@2`, `eval 1a2b3c4d5e6f`. */
  label: string;
  /** A few lines that say what the object is. */
  summary: string[];
}

const ID_LIKE = /^(sha256:)?[0-9a-f]{7,64}$/;

/**
 * `run:<name>[@N]`, `dataset:<name>[@N]`, `<run>/<checkpoint>`, an object id or unique prefix, or a
 * bare run or dataset name (`name`, `name@N`) when only one of the two has it.
 */
export async function resolveSubject(repo: Repo, ref: string): Promise<Subject> {
  const r = ref.trim();
  if (!r) throw new InputError('USAGE', 'give a subject: a run or dataset name (name or name@N), run:<name>, dataset:<name>, or an object id', {});
  const colon = /^(run|dataset):(.+)$/.exec(r);
  if (colon) {
    const v = colon[1] === 'run' ? await repo.runs.resolve(colon[2]!) : await repo.datasets.resolve(colon[2]!);
    return describeSubject(repo, v.id, v.version as unknown as Signed<CognifyObject>);
  }
  if (ID_LIKE.test(r) || isObjectId(r)) {
    const named = (await repo.store.getRef(`runs/${r}`)) ?? (await repo.store.getRef(`datasets/${r}`));
    if (!named) {
      const id = await repo.store.resolve(r);
      return describeSubject(repo, id, (await repo.store.get(id)).value as Signed<CognifyObject>);
    }
  }
  if (r.includes('/')) {
    const c = await resolveCheckpoint(repo, r);
    return describeSubject(repo, c.id, c.manifest as unknown as Signed<CognifyObject>);
  }
  const name = r.includes('@') ? r.slice(0, r.lastIndexOf('@')) : r;
  const [run, dataset] = await Promise.all([repo.store.getRef(`runs/${name}`), repo.store.getRef(`datasets/${name}`)]);
  if (run && dataset) throw new InputError('USAGE', `"${name}" is both a run and a dataset; say run:${r} or dataset:${r}`, { ref });
  if (!run && !dataset) throw new NotFoundError('NOT_FOUND', `no run, dataset or object "${r}"; see cognify run list and cognify dataset list`, { ref });
  const v = run ? await repo.runs.resolve(r) : await repo.datasets.resolve(r);
  return describeSubject(repo, v.id, v.version as unknown as Signed<CognifyObject>);
}

function short(id: string): string {
  return id.slice(7, 19);
}

export async function describeSubject(repo: Repo, id: ObjectId, object: Signed<CognifyObject>): Promise<Subject> {
  const kind = subjectKindOf(object.type);
  if (!kind) {
    throw new InputError('INPUT_INVALID', `${id} is a ${object.type}; approvals and scans are about ${Object.values(SUBJECT_KINDS).join(', ')} objects`, { id, type: object.type });
  }
  const by = await repo.resolveIdentity(object.signer).then((k) => `${k.name} <${k.email}>`, () => object.signer.slice(0, 16));
  let label: string;
  let summary: string[];
  if (kind === 'run') {
    const run = object as unknown as RunObject;
    label = `run ${run.name}@${run.number}`;
    summary = [
      `run ${run.name} version ${run.number} (${run.status}), signed by ${by}`,
      `base model ${run.baseModel ? `${run.baseModel.name}${run.baseModel.revision ? `@${run.baseModel.revision}` : ''}` : 'not recorded'}; datasets ${run.datasets.map((d) => `${d.role}=${d.name}@${d.number}`).join(', ') || 'none'}`,
      `${run.checkpoints.length} checkpoint(s), ${run.outputs.length} output(s), ${run.evals.length} eval(s)`,
    ];
  } else if (kind === 'dataset') {
    const d = object as unknown as DatasetVersion;
    label = `dataset ${d.name}@${d.number}`;
    summary = [`dataset ${d.name} version ${d.number}, committed by ${by}`, `${d.format}, ${d.rows.toLocaleString('en-US')} rows, ${d.bytes.toLocaleString('en-US')} bytes, SHA-256 ${d.sha256}`];
  } else if (kind === 'eval') {
    const e = object as unknown as EvalObject;
    label = `eval ${short(id)}`;
    summary = [`${e.kind} eval of run ${e.run}, recorded by ${by}`, `from ${e.source.file} (SHA-256 ${e.source.sha256})`];
  } else if (kind === 'checkpoint') {
    const m = object as unknown as CheckpointManifestObject;
    label = `checkpoint ${short(id)}`;
    summary = [`checkpoint manifest, signed by ${by}`, `${m.files.length} files, root ${m.root}`];
  } else {
    label = `document ${short(id)}`;
    summary = [`${String(object.kind ?? 'document')} document, signed by ${by}`];
  }
  return { id, kind, object, label, summary: [...summary, `object ${id}`] };
}

// ---- the about index ---------------------------------------------------------------------

export function aboutKey(subject: ObjectId, seq: number): string {
  return `about/${idHex(subject)}/${String(seq).padStart(12, '0')}`;
}

/** Record that the log entry `seq` (this action's) adds `object`, which is about `subject`. */
export function stageAbout(tx: Transaction, subject: ObjectId, seq: number, object: ObjectId): void {
  tx.put('indexes', aboutKey(subject, seq), utf8(object));
}

export interface AboutRecord {
  id: ObjectId;
  seq: number;
  time: string;
  action: string;
  object: Signed<CognifyObject>;
}

/** The index record a logged entry of ABOUT_ACTIONS implies (for verify to rebuild the index). */
export function aboutRecords(entry: LogEntry): [string, Uint8Array][] {
  const about = entry.details.about;
  if (!ABOUT_ACTIONS.has(entry.action) || typeof about !== 'string' || !isObjectId(about)) return [];
  return [[aboutKey(about, entry.seq), utf8(entry.subjects[0]!)]];
}

/** Every index record derived from a log entry alone: about records and version numbers. */
export function derivedRecords(entry: LogEntry): [string, Uint8Array][] {
  return [...aboutRecords(entry), ...versionRecords(entry)];
}

/** The index prefixes `derivedRecords` writes under; verify compares each with the log. */
export const DERIVED_PREFIXES = ['about/', 'version/'];

/** Every object about `subject`, in log order, each checked against the log entry that added it. */
export async function about(repo: Repo, subject: ObjectId): Promise<AboutRecord[]> {
  const prefix = `about/${idHex(subject)}/`;
  const out: AboutRecord[] = [];
  for await (const [k, v] of repo.store.sub.indexes.iterator({ gte: prefix, lt: prefix + '\uffff' })) {
    const seq = Number(k.slice(prefix.length));
    const id = fromUtf8(v) as ObjectId;
    const entry = await readEntry(repo.store, seq).catch(() => undefined);
    if (!entry || entry.entry.subjects[0] !== id) {
      throw new IntegrityError('LOG_BROKEN', `index ${k} names ${id}, which log entry ${seq} did not add; run cognify verify`, { key: k });
    }
    out.push({ id, seq, time: entry.entry.time, action: entry.entry.action, object: (await repo.store.get(id)).value as Signed<CognifyObject> });
  }
  return out;
}
