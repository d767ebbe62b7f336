// Documents from the record (issue 6): gather everything a document about one subject may cite
// into a CardRecord (src/cards/types.ts), build the Doc with the kind's pure builder, render it,
// and commit a rendered document as a signed `document` object that can itself be approved.
//
// Regenerating from the same objects and answers gives the same bytes: nothing here reads the
// clock, the log excerpt stops at the last entry about a gathered object (so a later, unrelated
// action changes nothing), and the approval state is shown with document gates left aside (a
// document cannot attest to its own generation; `cognify status` shows those gates).
import { InputError, tagCaller } from '../core/errors.js';
import { toHex } from '../core/bytes.js';
import type { ObjectId } from '../core/ids.js';
import type { CognifyObject } from '../store/object-codec.js';
import { isSigned, signObject, type Signed } from '../chain/signed-object.js';
import type { Signer } from '../chain/signer.js';
import { rootAt } from '../chain/audit-log.js';
import type { DatasetVersion } from '../diff/dataset-types.js';
import { describeSchema } from '../diff/render.js';
import type { CheckpointManifestObject, EvalObject, MetricPoint, RunObject } from '../runs/run-types.js';
import { evaluate } from '../policy/evaluate.js';
import { DOCUMENT_KINDS, SUBJECT_KINDS, type ApprovalObject, type WithdrawalObject } from '../policy/policy-types.js';
import { parseAnswers, type Answers } from '../cards/answers.js';
import type { DocumentObject } from '../cards/document.js';
import { readSmallFile } from '../runs/small-file.js';
import { buildCard, CARD_SUBJECTS, checkSubject, type CardKind } from '../cards/kinds.js';
import { renderMarkdown, renderJson } from '../cards/render-md.js';
import { renderHtml } from '../cards/render-html.js';
import type { ApprovalEntry, CardRecord, DatasetEntry, Doc, LogExcerptEntry, ObjectInfo } from '../cards/types.js';
import { gatherFacts, scanOf } from './approvals.js';
import { repoDiff, statOf } from './diff.js';
import { about, resolveSubject, stageAbout, type Subject } from './subjects.js';
import type { Repo } from './repo.js';

export type CardFormat = 'md' | 'html' | 'json';

/** The metric history kept for charts: beyond this, every k-th point (deterministic). */
const MAX_POINTS = 20_000;

/**
 * Every k-th item, k a power of two chosen so that at most `max` are kept, in one pass and
 * bounded memory: when the kept list overflows, every other kept item goes and k doubles.
 */
export async function sample<T>(items: AsyncIterable<T>, max: number): Promise<T[]> {
  let kept: T[] = [];
  let stride = 1;
  let i = 0;
  for await (const x of items) {
    if (i++ % stride !== 0) continue;
    kept.push(x);
    if (kept.length > max) {
      kept = kept.filter((_, k) => k % 2 === 0);
      stride *= 2;
    }
  }
  return kept;
}

function infoOf(id: string, o: Signed<CognifyObject> | CognifyObject): ObjectInfo {
  const signed = isSigned(o as CognifyObject);
  const hash = o.type === 'dataset-version' ? `sha256:${(o as unknown as DatasetVersion).sha256}` : o.type === 'checkpoint-manifest' ? (o as unknown as CheckpointManifestObject).root : id;
  return { type: o.type, signer: signed ? (o as Signed<CognifyObject>).signer : null, time: typeof o.time === 'string' ? o.time : null, hash };
}

function approvalsIn(records: Awaited<ReturnType<typeof about>>): ApprovalEntry[] {
  const withdrawn = new Map<string, { id: string; object: WithdrawalObject }>();
  for (const r of records) if (r.object.type === 'approval-withdrawal') withdrawn.set((r.object as unknown as WithdrawalObject).approval, { id: r.id, object: r.object as unknown as WithdrawalObject });
  return records.filter((r) => r.object.type === 'approval').map((r) => ({ id: r.id, object: r.object as unknown as ApprovalObject, seq: r.seq, withdrawal: withdrawn.get(r.id) ?? null }));
}

export class Cards {
  constructor(private readonly repo: Repo) {}

  /** Everything a document about `subjectRef` (a run or a dataset version) may cite. */
  async gather(subjectRef: string): Promise<CardRecord> {
    try {
      const repo = this.repo;
      const subject = await resolveSubject(repo, subjectRef);
      if (subject.kind !== 'run' && subject.kind !== 'dataset') {
        throw new InputError('INPUT_INVALID', `${subject.label} is a ${subject.kind}; documents are about a run or a dataset version`, { subject: subject.id });
      }
      const objects: Record<string, ObjectInfo> = {};
      const note = (id: string, o: Signed<CognifyObject> | CognifyObject) => {
        objects[id] = infoOf(id, o);
        return o;
      };
      note(subject.id, subject.object);
      let run: CardRecord['run'] = null;
      const metrics: MetricPoint[] = [];
      const checkpoints: CardRecord['checkpoints'] = [];
      const evals: CardRecord['evals'] = [];
      const datasets: DatasetEntry[] = [];
      if (subject.kind === 'run') {
        const o = subject.object as unknown as Signed<RunObject>;
        const versions = [{ id: subject.id, number: o.number, signer: o.signer, time: o.time }];
        for (let p = o.parents[0] as ObjectId | undefined; p; ) {
          const v = (await repo.store.get(p as ObjectId, 'run')).value as unknown as Signed<RunObject>;
          note(p, v as unknown as CognifyObject);
          versions.unshift({ id: p, number: v.number, signer: v.signer, time: v.time });
          p = v.parents[0] as ObjectId | undefined;
        }
        run = { id: subject.id, object: o, versions };
        // Metric segments are unsigned and content-addressed: read (and so checked) by runs.metrics.
        for (const m of o.metrics) objects[m] = { type: 'run-metrics', signer: null, time: null, hash: m };
        metrics.push(...(await sample(repo.runs.metrics(o), MAX_POINTS)));
        for (const [list, output] of [[o.checkpoints, false], [o.outputs, true]] as const) {
          for (const c of list) {
            const m = (await repo.store.get(c.manifest as ObjectId, 'checkpoint-manifest')).value as unknown as CheckpointManifestObject;
            note(c.manifest, m as unknown as CognifyObject);
            checkpoints.push({ name: c.name, step: c.step, output, id: c.manifest, object: m });
          }
        }
        for (const e of o.evals) evals.push({ id: e, object: note(e, (await repo.store.get(e as ObjectId, 'eval')).value) as unknown as EvalObject });
        for (const d of o.datasets) datasets.push(await this.dataset(d.role, d.version as ObjectId, note));
      } else {
        datasets.push(await this.dataset('subject', subject.id, note));
      }
      const records = await about(repo, subject.id);
      const approvals = approvalsIn(records);
      for (const a of approvals) {
        note(a.id, a.object as unknown as CognifyObject);
        if (a.withdrawal) note(a.withdrawal.id, a.withdrawal.object as unknown as CognifyObject);
      }
      const status = await this.status(subject);
      if (status.policy) note(status.policy.id, (await repo.store.get(status.policy.id as ObjectId, 'policy')).value);
      const people: CardRecord['people'] = {};
      for (const k of await repo.identities()) people[k.fingerprint] = { name: k.name, email: k.email };
      const log = await this.excerpt(new Set(Object.keys(objects)));
      const report = await repo.verify();
      const verification = {
        ok: report.ok,
        objects: Object.keys(objects).length,
        signatures: Object.values(objects).filter((o) => o.signer !== null).length,
        logEntries: log.size,
        problem: report.problems[0] ? `${report.problems[0].what}` : null,
      };
      return { repo: { id: repo.id, name: await repo.name() }, subject: { id: subject.id, type: subject.kind === 'run' ? 'run' : 'dataset-version', label: subject.label }, run, metrics, checkpoints, evals, datasets, approvals, status, people, objects, log, verification };
    } catch (e) {
      throw tagCaller(e, 'cards.gather');
    }
  }

  /** Check, cheaply, that `kind` can be about `subjectRef` (before a passphrase is asked for). */
  async prepare(kind: CardKind, subjectRef: string): Promise<{ subject: string; label: string }> {
    try {
      const s = await resolveSubject(this.repo, subjectRef);
      checkSubject(kind, { id: s.id, type: SUBJECT_KINDS[s.kind], label: s.label });
      return { subject: s.id, label: s.label };
    } catch (e) {
      throw tagCaller(e, 'cards.prepare');
    }
  }

  /** Build one kind of document from the record and answers. */
  async build(kind: CardKind, subjectRef: string, answers: Answers = {}): Promise<Doc> {
    const record = await this.gather(subjectRef);
    return buildCard(kind, record, answers);
  }

  /** Render a document: the bytes `cognify card` writes. */
  render(doc: Doc, format: CardFormat): string {
    return format === 'md' ? renderMarkdown(doc) : format === 'html' ? renderHtml(doc) : renderJson(doc);
  }

  /**
   * Store a rendered document (Markdown) as a signed `document` object about its subject, with the
   * answers it was built from, so that it can be approved and regenerated byte for byte.
   */
  async commit(opts: { kind: CardKind; subject: string; answers?: Answers; signer: Signer }): Promise<{ document: ObjectId; kind: CardKind; subject: string; seq: number | null; unchanged: boolean; missing: Doc['missing'] }> {
    try {
      const doc = await this.build(opts.kind, opts.subject, opts.answers ?? {});
      const content = renderMarkdown(doc);
      const existing = (await about(this.repo, doc.subject as ObjectId)).find((r) => r.object.type === 'document' && r.object.kind === opts.kind && r.object.content === content);
      if (existing) return { document: existing.id, kind: opts.kind, subject: doc.subject, seq: null, unchanged: true, missing: doc.missing };
      const obj = signObject(
        this.repo.crypto,
        {
          type: 'document',
          v: 1,
          repo: this.repo.id,
          kind: opts.kind,
          subject: doc.subject,
          subjectType: doc.subjectType,
          format: 'md',
          content,
          answers: doc.answers,
          evidence: doc.evidence.map((e) => e.id),
          logSize: doc.verification.logSize,
          time: this.repo.now(),
        } as unknown as CognifyObject,
        opts.signer,
      );
      let id = '' as ObjectId;
      const res = await this.repo.act(opts.signer, 'document.commit', (tx, state) => {
        id = tx.putObject(obj as CognifyObject).id;
        stageAbout(tx, doc.subject as ObjectId, state.size, id);
        return { subjects: [id, doc.subject as ObjectId], details: { about: doc.subject, kind: opts.kind } };
      });
      return { document: id, kind: opts.kind, subject: doc.subject, seq: res.seq, unchanged: false, missing: doc.missing };
    } catch (e) {
      throw tagCaller(e, 'cards.commit');
    }
  }

  /** A committed document: its Markdown, the answers it was built from, its kind and subject. */
  async stored(ref: string): Promise<{ document: ObjectId; kind: CardKind; subject: string; content: string; answers: Answers; time: string; signer: string }> {
    try {
      const id = await this.repo.resolve(ref);
      const o = (await this.repo.store.get(id)).value as unknown as DocumentObject;
      if (o.type !== 'document') throw new InputError('INPUT_INVALID', `${id} is a ${o.type}, not a document; see cognify card commit`, { id });
      return { document: id, kind: o.kind, subject: o.subject, content: o.content, answers: o.answers as Answers, time: o.time, signer: o.signer };
    } catch (e) {
      throw tagCaller(e, 'cards.stored');
    }
  }

  /** Whether rebuilding a committed document from the record and its stored answers gives the same bytes. */
  async check(ref: string): Promise<{ document: ObjectId; kind: CardKind; subject: string; identical: boolean }> {
    try {
      const d = await this.stored(ref);
      const again = renderMarkdown(await this.build(d.kind, d.subject, d.answers));
      return { document: d.document, kind: d.kind, subject: d.subject, identical: again === d.content };
    } catch (e) {
      throw tagCaller(e, 'cards.check');
    }
  }

  private async dataset(role: string, id: ObjectId, note: (id: string, o: Signed<CognifyObject> | CognifyObject) => unknown): Promise<DatasetEntry> {
    const repo = this.repo;
    const object = (await repo.store.get(id, 'dataset-version')).value as unknown as Signed<DatasetVersion>;
    note(id, object as unknown as CognifyObject);
    let parent: DatasetEntry['parent'] = null;
    const p = object.parents[0] as ObjectId | undefined;
    if (p) {
      const po = (await repo.store.get(p, 'dataset-version')).value as unknown as DatasetVersion;
      note(p, po as unknown as CognifyObject);
      const s = await statOf(repoDiff(repo, p, id));
      parent = { id: p, number: po.number, diff: { added: s.added, removed: s.removed, modified: s.modified, moved: s.moved, schema: s.schema.map(describeSchema) } };
    }
    const found = await scanOf(repo, id);
    const scan = found ? { id: found.id, object: found.scan, waivers: found.waivers.map((w) => ({ id: w.id, object: w.waiver })) } : null;
    if (scan) {
      note(scan.id, scan.object as unknown as CognifyObject);
      for (const w of scan.waivers) note(w.id, w.object as unknown as CognifyObject);
    }
    const approvals = approvalsIn(await about(repo, id));
    for (const a of approvals) {
      note(a.id, a.object as unknown as CognifyObject);
      if (a.withdrawal) note(a.withdrawal.id, a.withdrawal.object as unknown as CognifyObject);
    }
    return { role, id, object, parent, scan, approvals };
  }

  /** The policy verdict with document gates taken as met (see the file comment). */
  private async status(subject: Subject): Promise<CardRecord['status']> {
    const current = await this.repo.policy.current();
    const facts = await gatherFacts(this.repo, subject, current);
    const v = evaluate({ ...facts, documents: [...DOCUMENT_KINDS] });
    const isDocGate = (r: { requirement: string }) => /^gate: .* document$/.test(r.requirement);
    return {
      state: v.state,
      policy: v.policy,
      met: v.met.filter((r) => !isDocGate(r)).map((r) => ({ requirement: r.requirement, detail: r.detail })),
      missing: v.missing.map((r) => ({ requirement: r.requirement, detail: r.detail })),
    };
  }

  /** Log entries naming a gathered object (documents' own entries aside), and the root at the last. */
  private async excerpt(ids: Set<string>): Promise<CardRecord['log']> {
    const entries: LogExcerptEntry[] = [];
    for await (const e of this.repo.log()) {
      if (e.entry.action === 'document.commit' || !e.entry.subjects.some((s) => ids.has(s))) continue;
      entries.push({ seq: e.entry.seq, id: e.id, time: e.entry.time, actor: e.entry.signer, action: e.entry.action, subjects: e.entry.subjects });
    }
    const size = entries.length ? entries[entries.length - 1]!.seq + 1 : 0;
    const root = toHex(await rootAt(this.repo.store, size));
    return { size, root, entries };
  }
}

export { CARD_SUBJECTS };

/** Read and check an answers file (`--answers`); `name` is how errors name it. */
export async function readAnswers(path: string, name = path): Promise<Answers> {
  const text = await readSmallFile(path, { cap: 1 << 20, what: 'answers file', limitFor: 'an answers file', name, hint: 'give a YAML file of answers such as fixtures/cards/credit-lora.answers.yaml' });
  return parseAnswers(text, name);
}
