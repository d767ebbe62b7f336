// Sections several kinds of document share, each written once: the datasets a run used, the six
// provenance questions per dataset, the PII/PHI scan state, evaluation results against their
// thresholds, the bias analysis, the compute record and the approval state with its lineage.
import { PROVENANCE_QUESTIONS, type Provenance } from '../diff/dataset-types.js';
import { biasChart, biasOf, bytes, checksOf, diffChart, evalsOf, gapsOf, lineageChart, lossChart, num, pct, runLabel, statusText, taskMetrics, type SectionBuilder } from './build.js';
import type { CardRecord, DatasetEntry } from './types.js';

export const PROVENANCE_LABELS: Record<(typeof PROVENANCE_QUESTIONS)[number], string> = {
  source: 'Where the data came from',
  rights: 'Licence, consent or legal basis',
  collectionPeriod: 'Collection period',
  transformations: 'Transformations applied',
  exclusions: 'What was excluded, and why',
  contact: 'Who answers for the data',
};

/** One provenance answer as text, or null when the committer left it unanswered. */
export function provenanceText(p: Provenance, q: (typeof PROVENANCE_QUESTIONS)[number]): string | null {
  switch (q) {
    case 'source':
      return p.source;
    case 'rights':
      return p.rights ? [p.rights.licence && `licence: ${p.rights.licence}`, p.rights.consent && `consent: ${p.rights.consent}`, p.rights.legalBasis && `legal basis: ${p.rights.legalBasis}`].filter(Boolean).join('; ') : null;
    case 'collectionPeriod':
      return p.collectionPeriod ? `${p.collectionPeriod.from} to ${p.collectionPeriod.to}` : null;
    case 'transformations':
      return p.transformations ? (p.transformations.length ? p.transformations.map((t) => `${t.description}${t.codeCommit ? ` (code ${t.codeCommit.slice(0, 12)})` : ''}${t.derivedFrom?.length ? ` from ${t.derivedFrom.join(', ')}` : ''}`).join('; ') : 'none') : null;
    case 'exclusions':
      return p.exclusions ? (p.exclusions.length ? p.exclusions.map((e) => `${e.what}: ${e.why}`).join('; ') : 'none') : null;
    case 'contact':
      return p.contact ? [p.contact.name, p.contact.email, p.contact.team].filter(Boolean).join(', ') : null;
  }
}

export function datasetLabel(d: DatasetEntry): string {
  return `${d.object.name}@${d.object.number}`;
}

/** The datasets of a run (or the dataset itself): what, how big, which bytes. */
export function datasetsTable(s: SectionBuilder, r: CardRecord): void {
  s.table(
    ['Role', 'Dataset version', 'Format', 'Rows', 'Size', 'File SHA-256'],
    r.datasets.map((d) => ({ cells: [d.role, datasetLabel(d), d.object.format, num(d.object.rows), bytes(d.object.bytes), d.object.sha256], cite: [d.id] })),
    'No dataset versions are recorded for this run.',
  );
  if (r.run && !r.datasets.length) s.missing('Training data', 'Record the dataset versions the run used: cognify run record ... --dataset train=<name>@<N>');
}

/** The six provenance questions for each dataset, each answered from the record or MISSING. */
export function provenanceFields(s: SectionBuilder, d: DatasetEntry): void {
  for (const q of PROVENANCE_QUESTIONS) {
    s.field(`${datasetLabel(d)}: ${PROVENANCE_LABELS[q]}`, provenanceText(d.object.provenance, q), [d.id], {
      required: true,
      hint: `Answer "${q}" when committing the next version (cognify dataset commit ${d.object.name} <file> --provenance <yaml>); a committed version never changes`,
    });
  }
}

/** The PII/PHI scan of each dataset: clean, findings waived, findings open, or not scanned. */
export function scanRows(r: CardRecord): { cells: string[]; cite: string[] }[] {
  // A version used in two roles (train and eval) is one dataset: listed once.
  return r.datasets.filter((d, i) => r.datasets.findIndex((x) => x.id === d.id) === i).map((d) => {
    if (!d.scan) return { cells: [datasetLabel(d), 'not scanned', '', ''], cite: [d.id] };
    const found = Object.entries(d.scan.object.findings) as [string, number][];
    const waived = new Set(d.scan.waivers.map((w) => w.object.kind as string));
    const open = found.filter(([k]) => !waived.has(k));
    const state = !found.length ? 'clean' : open.length ? 'findings open' : 'findings waived';
    return {
      cells: [datasetLabel(d), state, found.map(([k, n]) => `${k} ${n}${waived.has(k) ? ' (waived)' : ''}`).join(', ') || 'none', d.scan.object.detector],
      cite: [d.scan.id, ...d.scan.waivers.map((w) => w.id)],
    };
  });
}

/** The lm-eval results: each task metric, then the objectives' thresholds and the gaps. */
export function evaluationBlocks(s: SectionBuilder, r: CardRecord, opts: { required: boolean }): void {
  const evals = evalsOf(r, 'lm-eval');
  if (!evals.length) {
    if (opts.required) s.missing('Evaluation results', 'Attach lm-evaluation-harness results: cognify eval import <results.json> --run <name>');
    else s.text('No benchmark evaluation is recorded for this run.');
    return;
  }
  for (const e of evals) {
    s.text(`Results read from ${e.object.source.file} (SHA-256 ${e.object.source.sha256}), recorded for run ${e.object.run}.`, [e.id]);
    s.table(['Task', 'Metric', 'Value', 'Std. error', 'Shots'], taskMetrics(e.object).map((m) => ({ cells: [m.task, m.metric, num(m.value), m.stderr === null ? '' : num(m.stderr), m.nShot === null ? '' : String(m.nShot)], cite: [e.id] })), 'The results file holds no metrics.');
    const checks = checksOf(e.object);
    if (checks.length) {
      s.chart({ kind: 'thresholds', title: 'Results against their compliance objectives', rows: checks.map((c) => ({ label: `${c.task} ${c.metric}`, value: c.value, threshold: c.threshold, direction: c.direction, passed: c.passed })) }, [e.id]);
      const failed = checks.filter((c) => !c.passed);
      if (failed.length) s.note(`Below threshold: ${failed.map((c) => `${c.task} ${c.metric} ${num(c.value)} (needs ${c.direction === 'higher' ? '≥' : '≤'} ${num(c.threshold)})`).join('; ')}.`, [e.id]);
    }
    const gaps = gapsOf(e.object);
    if (gaps.length) s.text(`Objectives no evaluation covers: ${gaps.join(', ')}.`, [e.id]);
  }
}

/** Bias against protected classes: per attribute the group rates, ratios and four-fifths flags. */
export function biasBlocks(s: SectionBuilder, r: CardRecord, opts: { required: boolean; charts: boolean }): void {
  const evals = evalsOf(r, 'bias');
  if (!evals.length) {
    if (opts.required) s.missing('Bias evaluation against protected classes', 'Compute it from the model\'s predictions: cognify eval bias <predictions.csv> --run <name> --group <columns>');
    else s.text('No bias evaluation is recorded for this run.');
    return;
  }
  for (const e of evals) {
    const b = biasOf(e.object);
    s.text(
      `Fairness metrics computed from ${e.object.source.file} (SHA-256 ${e.object.source.sha256}): ${num(Number(e.object.summary.rows ?? 0))} predictions, protected attributes ${b.columns.groups.join(', ')}, positive outcome "${b.columns.positive}". Largest demographic parity difference ${num(b.demographicParityDifference)}; largest equalized odds difference ${b.equalizedOddsDifference === null ? 'not computable' : num(b.equalizedOddsDifference)}.`,
      [e.id],
    );
    for (const a of b.attributes) {
      s.table(
        [`${a.attribute}`, 'n', 'Selection rate', 'Ratio to highest', 'TPR', 'FPR', 'Four-fifths'],
        a.groups.map((g) => {
          const top = Math.max(...a.groups.map((x) => x.selectionRate));
          const flagged = a.fourFifthsViolations.some((v) => v.value === g.value);
          return { cells: [g.value, num(g.n), pct(g.selectionRate), top > 0 ? (g.selectionRate / top).toFixed(3) : 'n/a', g.tpr === null ? '' : pct(g.tpr), g.fpr === null ? '' : pct(g.fpr), flagged ? 'BELOW 0.8' : g.smallSample ? 'ok (n < 30)' : 'ok'], cite: [e.id] };
        }),
        'No groups.',
      );
      if (opts.charts) s.chart(biasChart(a), [e.id]);
    }
    if (b.fourFifthsViolations.length) {
      s.note(`Four-fifths rule (EEOC Uniform Guidelines, 29 CFR 1607.4(D)): ${b.fourFifthsViolations.map((v) => `${v.attribute}=${v.value} at ${num(v.impactRatio, 3)} of the highest rate`).join('; ')}.`, [e.id]);
    } else s.text('No group falls below four-fifths of the highest selection rate.', [e.id]);
    if (b.warnings.length) s.list(b.warnings.map((w) => ({ text: w, cite: [e.id] })));
  }
}

/** Compute and energy as recorded (FLOPs, GPU-hours, energy estimate with its method). */
export function computeFields(s: SectionBuilder, r: CardRecord): void {
  const c = r.run?.object.compute ?? null;
  const id = r.run ? [r.run.id] : [];
  s.field('Hardware', c?.gpuModel ? `${c.gpuCount ?? 1} × ${c.gpuModel}` : (r.run?.object.environment?.gpu ?? null), id);
  s.field('GPU-hours', c?.gpuHours ?? null, id);
  s.field('Training compute (FLOPs)', c?.flops !== null && c?.flops !== undefined ? `${num(c.flops)}${c.flopsMethod ? ` (${c.flopsMethod})` : ''}` : null, id);
  s.field('Energy (kWh)', c?.energyKwh !== null && c?.energyKwh !== undefined ? `${num(c.energyKwh)}${c.energyMethod ? ` (${c.energyMethod})` : ''}` : null, id);
}

/** The training record: the run, its code commit and its hyperparameters. */
export function trainingRecordBlocks(s: SectionBuilder, r: CardRecord): void {
  if (!r.run) return;
  const run = r.run.object;
  const id = [r.run.id];
  s.field('Run', `${runLabel(r)} (${run.status}), recorded from ${run.source.kind}`, id);
  s.field('Code commit', run.code?.commit ? `${run.code.commit}${run.code.branch ? ` on ${run.code.branch}` : ''}${run.code.remote ? ` (${run.code.remote.url})` : ''}${run.code.clean === false ? `; working tree had ${run.code.dirty.length} uncommitted change(s): ${run.code.dirty.map((d) => `${d.path} ${d.status}`).join(', ')}` : ''}` : null, id, {
    required: true,
    hint: 'Record the training code: cognify run record ... --code <git working tree>',
  });
  const all = Object.entries(run.hyperparameters).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  // Settings recorded as null (a library's unset options) say nothing; they are counted, not listed.
  const hp = all.filter(([, v]) => v !== null);
  s.table(['Hyperparameter', 'Value'], hp.map(([k, v]) => ({ cells: [k, typeof v === 'string' ? v : JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? Number(x) : x))], cite: id })), 'No hyperparameters recorded.');
  if (hp.length < all.length) s.text(`${all.length - hp.length} further settings are recorded as null (unset): ${all.filter(([, v]) => v === null).map(([k]) => k).join(', ')}.`, id);
}

/** Loss curves from the run's metric history. */
export function lossBlocks(s: SectionBuilder, r: CardRecord): void {
  if (!r.run) return;
  const loss = lossChart(r);
  if (loss) s.chart(loss, [r.run.id, ...r.run.object.metrics]);
  else s.text('No loss values are recorded in the metric history.', [r.run.id]);
}

/** Row and schema changes of each dataset version against its parent. */
export function dataChangeBlocks(s: SectionBuilder, r: CardRecord): void {
  const diff = diffChart(r);
  if (diff) s.chart(diff, r.datasets.filter((d) => d.parent).flatMap((d) => [d.parent!.id, d.id]));
  for (const d of r.datasets) if (d.parent?.diff.schema.length) s.text(`${datasetLabel(d)} schema changes since @${d.parent.number}: ${d.parent.diff.schema.join('; ')}.`, [d.parent.id, d.id]);
}

/** All of the above, in that order (the model card's Training Details). */
export function trainingBlocks(s: SectionBuilder, r: CardRecord): void {
  trainingRecordBlocks(s, r);
  lossBlocks(s, r);
  dataChangeBlocks(s, r);
}

/** Who signed off, under which policy, and the lineage of everything cited. */
export function approvalBlocks(s: SectionBuilder, r: CardRecord): void {
  s.text(statusText(r), r.status.policy ? [r.status.policy.id] : []);
  const lineage = lineageChart(r);
  if (lineage) s.chart(lineage, lineage.nodes.map((n) => n.id));
}
