// What every kind of document is built with: a section builder whose statements carry the ids
// they came from, answers looked up by key (MISSING when required and not given), and `finish`,
// which derives the missing list, the evidence table and the signatures from the blocks, so no
// builder keeps them by hand. Also the small readers of the record that several kinds share.
import { ANSWER_KEYS, answerText, type AnswerKey, type Answers } from './answers.js';
import type { AttributeResult, BiasResult } from '../runs/bias.js';
import { figure, type EvalObject } from '../runs/run-types.js';
import type { Block, CardRecord, Chart, Cite, Doc, EvidenceRow, Field, Section, SignatureRow } from './types.js';

export class SectionBuilder {
  readonly blocks: Block[] = [];
  constructor(
    readonly id: string,
    readonly title: string,
    private readonly answers: Answers,
  ) {}

  text(text: string, cite: Cite = []): this {
    this.blocks.push({ type: 'paragraph', text, cite });
    return this;
  }

  note(text: string, cite: Cite = []): this {
    this.blocks.push({ type: 'note', text, cite });
    return this;
  }

  /** A labelled value; consecutive fields share one block. A null value is "not recorded" or, when required, MISSING. */
  field(label: string, value: string | number | null | undefined, cite: Cite = [], opts: { required?: boolean; hint?: string } = {}): this {
    const text = value === null || value === undefined || value === '' ? null : String(value);
    const f: Field = { label, value: text, cite: text === null ? [] : cite, required: opts.required ?? false };
    if (opts.hint) f.hint = opts.hint;
    const last = this.blocks[this.blocks.length - 1];
    if (last?.type === 'fields') last.fields.push(f);
    else this.blocks.push({ type: 'fields', fields: [f] });
    return this;
  }

  /** A narrative answer from --answers, as a field; required unless said otherwise. */
  answer(key: AnswerKey, opts: { required?: boolean; label?: string } = {}): this {
    return this.field(opts.label ?? ANSWER_KEYS[key].label, answerText(this.answers, key), [], { required: opts.required ?? true, hint: `answer ${key} in the --answers file: ${ANSWER_KEYS[key].help}` });
  }

  table(columns: string[], rows: { cells: string[]; cite: Cite }[], empty: string): this {
    this.blocks.push({ type: 'table', columns, rows, empty });
    return this;
  }

  list(items: { text: string; cite: Cite }[]): this {
    if (items.length) this.blocks.push({ type: 'list', items });
    return this;
  }

  missing(item: string, hint: string): this {
    this.blocks.push({ type: 'missing', item, hint });
    return this;
  }

  chart(chart: Chart, cite: Cite): this {
    this.blocks.push({ type: 'chart', chart, cite });
    return this;
  }
}

export class DocBuilder {
  private readonly sections: SectionBuilder[] = [];
  constructor(
    readonly r: CardRecord,
    readonly answers: Answers,
  ) {}

  section(id: string, title: string): SectionBuilder {
    const s = new SectionBuilder(id, title, this.answers);
    this.sections.push(s);
    return s;
  }

  finish(kind: string, title: string, frontMatter: Record<string, unknown> | null = null, extraSignatures: string[] = []): Doc {
    const r = this.r;
    const sections: Section[] = this.sections.map((s) => ({ id: s.id, title: s.title, blocks: s.blocks }));
    const missing: Doc['missing'] = [];
    const cited: string[] = [r.subject.id];
    const cite = (c: Cite) => {
      for (const id of c) if (!cited.includes(id)) cited.push(id);
    };
    for (const s of sections) {
      for (const b of s.blocks) {
        if (b.type === 'fields') {
          for (const f of b.fields) {
            if (f.value === null && f.required) missing.push({ section: s.title, item: f.label });
            cite(f.cite);
          }
        } else if (b.type === 'missing') missing.push({ section: s.title, item: b.item });
        else if (b.type === 'table') b.rows.forEach((row) => cite(row.cite));
        else if (b.type === 'list') b.items.forEach((i) => cite(i.cite));
        else cite(b.cite);
      }
    }
    const signatures = signatureRows(r, extraSignatures);
    signatures.forEach((s) => cite(s.withdrawn ? [s.approval, s.withdrawn.id] : [s.approval]));
    const evidence: EvidenceRow[] = cited.map((id) => {
      const o = r.objects[id];
      if (!o) throw new Error(`cards: ${kind} cites ${id}, which the record does not hold`);
      return { id, type: o.type, hash: o.hash, signer: o.signer ? personText(r, o.signer) : null, time: o.time };
    });
    return {
      kind,
      title,
      subject: r.subject.id,
      subjectType: r.subject.type,
      subjectLabel: r.subject.label,
      repo: r.repo,
      frontMatter,
      sections,
      missing,
      evidence,
      signatures,
      verification: { ...r.verification, logSize: r.log.size, root: r.log.root },
      answers: this.answers,
    };
  }
}

/** The subject's approvals, then (for the ids given) those of its datasets, as 21 CFR 11.50 shows them. */
function signatureRows(r: CardRecord, datasets: string[]): SignatureRow[] {
  const all = [...r.approvals, ...r.datasets.filter((d) => datasets.includes(d.id)).flatMap((d) => d.approvals)].filter((a, i, list) => list.findIndex((b) => b.id === a.id) === i);
  return all.map((a) => ({
    approval: a.id,
    name: a.object.name,
    email: a.object.email,
    role: a.object.role,
    meaning: a.object.meaning,
    time: a.object.time,
    comment: a.object.comment,
    subject: a.object.subject,
    withdrawn: a.withdrawal ? { id: a.withdrawal.id, time: a.withdrawal.object.time, reason: a.withdrawal.object.reason } : null,
  }));
}

// ---- shared readers and formats ---------------------------------------------------------------

export function personText(r: CardRecord, fingerprint: string): string {
  const p = r.people[fingerprint];
  return p ? `${p.name} <${p.email}>` : `key ${fingerprint.slice(0, 16)}`;
}

export function shortId(id: string): string {
  return id.startsWith('sha256:') ? id.slice(7, 19) : id.slice(0, 12);
}

export function num(n: number | bigint | string | null | undefined, digits = 4): string {
  const x = figure(n as number | null);
  if (x === null || Number.isNaN(x)) return String(n);
  if (Number.isInteger(x) && Math.abs(x) < 1e15) return x.toLocaleString('en-US');
  if (Math.abs(x) >= 1e15) return x.toExponential(3).replace('e+', 'e');
  return String(Number(x.toPrecision(digits)));
}

export function pct(x: number): string {
  return `${(x * 100).toFixed(1)}%`;
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = -1;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1)} ${units[u]}`;
}

export function runLabel(r: CardRecord): string {
  return r.run ? `${r.run.object.name}@${r.run.object.number}` : r.subject.label;
}

export function baseModelText(r: CardRecord): string | null {
  const b = r.run?.object.baseModel;
  return b ? `${b.name}${b.revision ? ` (revision ${b.revision})` : ''}` : null;
}

/** The model's authenticity hash: the root digest of the run's final output, else its last checkpoint. */
export function modelDigest(r: CardRecord): { name: string; root: string; manifest: string } | null {
  const out = r.checkpoints.filter((c) => c.output);
  const pick = out[out.length - 1] ?? r.checkpoints[r.checkpoints.length - 1];
  return pick ? { name: pick.name, root: pick.object.root, manifest: pick.id } : null;
}

export interface EvalCheck {
  task: string;
  metric: string;
  value: number;
  threshold: number;
  direction: 'higher' | 'lower';
  passed: boolean;
  objectives: string[];
}

export function evalsOf(r: CardRecord, kind: EvalObject['kind']): { id: string; object: EvalObject }[] {
  return r.evals.filter((e) => e.object.kind === kind);
}

/** The objective checks of an lm-eval eval (figures against the compliance thresholds). */
export function checksOf(e: EvalObject): EvalCheck[] {
  const a = e.detail.assessment as { checks?: EvalCheck[] } | undefined;
  return (a?.checks ?? []).map((c) => ({ ...c, value: Number(c.value), threshold: Number(c.threshold) }));
}

export function gapsOf(e: EvalObject): string[] {
  const a = e.detail.assessment as { gaps?: string[] } | undefined;
  return a?.gaps ?? [];
}

/** Every task metric of an lm-eval eval. */
export function taskMetrics(e: EvalObject): { task: string; metric: string; value: number; stderr: number | null; nShot: number | null }[] {
  const tasks = (e.detail.tasks ?? []) as { task: string; nShot: number | null; metrics: { name: string; value: number; stderr: number | null }[] }[];
  return tasks.flatMap((t) => t.metrics.map((m) => ({ task: t.task, metric: m.name, value: Number(m.value), stderr: m.stderr === null ? null : Number(m.stderr), nShot: t.nShot })));
}

export function biasOf(e: EvalObject): BiasResult & { columns: { groups: string[]; label: string; pred: string; positive: string } } {
  return e.detail as unknown as BiasResult & { columns: { groups: string[]; label: string; pred: string; positive: string } };
}

/** Each group's selection rate beside the highest of its attribute, as a bias chart. */
export function biasChart(a: AttributeResult): Chart {
  const top = Math.max(...a.groups.map((g) => g.selectionRate));
  const flagged = new Set(a.fourFifthsViolations.map((v) => v.value));
  return {
    kind: 'bias',
    title: `Selection rate by ${a.attribute}`,
    attribute: a.attribute,
    groups: a.groups.map((g) => ({ label: g.value, rate: g.selectionRate, ratio: top > 0 ? g.selectionRate / top : null, n: g.n, flagged: flagged.has(g.value), smallSample: g.smallSample })),
  };
}

/** Loss curves from the run's metric history: every *loss* value by step, train and eval apart. */
export function lossChart(r: CardRecord): Chart | null {
  const series = new Map<string, [number, number][]>();
  for (const p of r.metrics) {
    // "other" points are summaries (the Trainer's closing train_loss average, *_results.json): not a curve.
    if (p.kind === 'other') continue;
    for (const [k, v] of Object.entries(p.values)) {
      if (!/loss/i.test(k) || typeof v === 'string') continue;
      const name = p.kind === 'eval' || k.startsWith('eval_') ? (k.startsWith('eval_') ? k : `eval_${k}`) : k;
      const x = Number(v);
      if (!Number.isFinite(x)) continue;
      const s = series.get(name) ?? [];
      s.push([p.step, x]);
      series.set(name, s);
    }
  }
  const out = [...series.entries()].filter(([, pts]) => pts.length > 1 || series.size === 1).map(([name, points]) => ({ name, points }));
  return out.length ? { kind: 'loss', title: 'Loss by training step', series: out } : null;
}

/** The lineage graph: datasets → run → checkpoints, evals, approvals. */
export function lineageChart(r: CardRecord): Extract<Chart, { kind: 'lineage' }> | null {
  if (!r.run) return null;
  const nodes: Extract<Chart, { kind: 'lineage' }>['nodes'] = [];
  const edges: { from: string; to: string }[] = [];
  for (const d of r.datasets) {
    nodes.push({ id: d.id, label: `${d.role}: ${d.object.name}@${d.object.number}`, group: 'dataset' });
    edges.push({ from: d.id, to: r.run.id });
  }
  nodes.push({ id: r.run.id, label: `run ${runLabel(r)}`, group: 'run' });
  for (const c of r.checkpoints) {
    nodes.push({ id: c.id, label: `${c.output ? 'output' : 'checkpoint'} ${c.name}`, group: 'checkpoint' });
    edges.push({ from: r.run.id, to: c.id });
  }
  for (const e of r.evals) {
    nodes.push({ id: e.id, label: `${e.object.kind} eval`, group: 'eval' });
    edges.push({ from: r.run.id, to: e.id });
  }
  for (const a of r.approvals) {
    nodes.push({ id: a.id, label: `${a.object.meaning}: ${a.object.name}${a.withdrawal ? ' (withdrawn)' : ''}`, group: 'approval' });
    edges.push({ from: r.run.id, to: a.id });
  }
  return { kind: 'lineage', nodes, edges };
}

/** Row changes of each dataset the run used against its parent version. */
export function diffChart(r: CardRecord): Chart | null {
  const rows = r.datasets.filter((d) => d.parent).map((d) => ({ label: `${d.object.name}@${d.parent!.number} → @${d.object.number}`, ...d.parent!.diff }));
  return rows.length ? { kind: 'diff', title: 'Row changes against the previous version', rows: rows.map(({ schema: _s, ...x }) => x) } : null;
}

/** The run's approvals and the policy verdict, as the "who signed off" paragraph. */
export function statusText(r: CardRecord): string {
  const p = r.status.policy;
  return `Approval state under ${p ? `policy ${p.name} version ${p.number}` : 'the default rule (one independent approval)'}: ${r.status.state.toUpperCase()}${r.status.missing.length ? `; still missing: ${r.status.missing.map((m) => m.requirement).join('; ')}` : ''}.`;
}
