// The bias report of a run: how the fairness metrics were computed from the model's predictions,
// per protected attribute (and their intersection) each group's selection rate, its difference
// and ratio to the highest rate, TPR/FPR and the four-fifths flag (EEOC Uniform Guidelines,
// 29 CFR 1607.4(D)); the summary figures; the findings; the eval's warnings; what the approvers
// said; and the mitigation from the answers. Every figure cites the signed bias eval.
import type { Answers } from './answers.js';
import { biasChart, biasOf, DocBuilder, evalsOf, num, pct, runLabel, statusText } from './build.js';
import { approvalText, signedBy, slug } from './dataset-blocks.js';
import type { AttributeResult, GroupStats } from '../runs/bias.js';
import type { CardRecord, Doc } from './types.js';

const pp = (x: number) => `${x > 0 ? '+' : x < 0 ? '-' : ''}${Math.abs(x * 100).toFixed(1)} pp`;
const fig = (x: number | null) => (x === null ? 'n/a' : x.toFixed(3));

function topOf(a: AttributeResult): number {
  return Math.max(...a.groups.map((g) => g.selectionRate));
}

/** Whether every group at the top, or every group at the bottom, of a figure has fewer than 30 rows. */
function setBySmall(groups: GroupStats[], f: (g: GroupStats) => number | null): boolean {
  const xs = groups.filter((g) => f(g) !== null);
  if (!xs.length) return false;
  const vals = xs.map((g) => f(g)!);
  const hi = xs.filter((g) => f(g) === Math.max(...vals));
  const lo = xs.filter((g) => f(g) === Math.min(...vals));
  return hi.every((g) => g.smallSample) || lo.every((g) => g.smallSample);
}

/** The groups with the highest and lowest selection rate: "A 60.0% (n = 10) vs B 25.0% (n = 4)". */
function spread(a: AttributeResult): string {
  const sorted = [...a.groups].sort((x, y) => y.selectionRate - x.selectionRate);
  const g = (x: GroupStats) => `${x.value} ${pct(x.selectionRate)} (n = ${num(x.n)})`;
  return `${g(sorted[0]!)} vs ${g(sorted[sorted.length - 1]!)}${setBySmall(a.groups, (x) => x.selectionRate) ? '; set by a group with fewer than 30 rows' : ''}`;
}

/** Which spread sets an attribute's equalized odds difference, and whether small groups set it. */
function oddsSpread(a: AttributeResult): string {
  const span = (f: (g: GroupStats) => number | null) => {
    const v = a.groups.map(f).filter((x): x is number => x !== null);
    return v.length ? Math.max(...v) - Math.min(...v) : -1;
  };
  const byTpr = span((g) => g.tpr) >= span((g) => g.fpr);
  const small = setBySmall(a.groups, byTpr ? (g) => g.tpr : (g) => g.fpr);
  return `the spread of ${byTpr ? 'TPR' : 'FPR'}${small ? ', set by a group with fewer than 30 rows' : ''}`;
}

export function biasReport(r: CardRecord, answers: Answers): Doc {
  if (!r.run) throw new Error('cards: a bias report is about a run');
  const d = new DocBuilder(r, answers);
  const evals = evalsOf(r, 'bias');
  const many = evals.length > 1;

  const method = d.section('method', 'Method');
  if (!evals.length) {
    method.missing(
      'Bias evaluation against protected classes',
      `compute it from the model's predictions on labelled data: cognify eval bias <predictions.csv> --run ${r.run.object.name} --group <protected columns> --label <column> --pred <column> --positive <value>`,
    );
  }
  evals.forEach((e, i) => {
    const b = biasOf(e.object);
    const attrs = b.columns.groups.length > 1 ? `${b.columns.groups.join(', ')} and their intersection ${b.columns.groups.join('×')}` : b.columns.groups.join(', ');
    method.text(`${many ? `Bias eval ${i + 1}: c` : 'C'}omputed from the predictions file ${e.object.source.file} (SHA-256 ${e.object.source.sha256}), ${num(Number(e.object.summary.rows ?? 0))} rows, signed by ${signedBy(r, e.id) ?? 'an unknown key'}.`, [e.id]);
    method.field('Protected attributes', attrs, [e.id]);
    method.field('Label column (actual outcome)', b.columns.label, [e.id]);
    method.field('Prediction column', b.columns.pred, [e.id]);
    method.field('Positive outcome', b.columns.positive, [e.id]);
  });
  if (evals.length) {
    method.list(
      [
        'Selection rate of a group = rows predicted positive / rows in the group (n).',
        "Difference from highest = the group's selection rate minus the highest selection rate of its attribute, in percentage points; ratio to highest = the group's rate / the highest rate.",
        'Four-fifths rule (EEOC Uniform Guidelines on Employee Selection Procedures, 29 CFR 1607.4(D)): a ratio below 0.8 is flagged as evidence of adverse impact.',
        'TPR = true positives / actual positives; FPR = false positives / actual negatives; not computed for a group with no actual positives (or negatives).',
        'Demographic parity difference = highest minus lowest selection rate of the attribute; demographic parity ratio = lowest / highest; equalized odds difference = the larger of the spread of TPR and the spread of FPR (definitions as in fairlearn).',
        'Groups with fewer than 30 rows are marked unstable: one row moves their rate by more than 3 points, and 29 CFR 1607.4(D) notes that differences based on small numbers may not be significant.',
      ].map((text) => ({ text, cite: [] })),
    );
  }

  evals.forEach((e, i) => {
    const b = biasOf(e.object);
    const id = [e.id];
    const sfx = many ? `-${i + 1}` : '';
    const sum = d.section(`summary${sfx}`, `Summary${many ? ` (bias eval ${i + 1})` : ''}`);
    sum.table(
      ['Attribute', 'Groups', 'Demographic parity difference', 'Demographic parity ratio', 'Equalized odds difference', 'Groups below four-fifths'],
      b.attributes.map((a) => ({ cells: [a.attribute, num(a.groups.length), fig(a.demographicParityDifference), fig(a.demographicParityRatio), fig(a.equalizedOddsDifference), num(a.fourFifthsViolations.length)], cite: id })),
      'No attributes.',
    );
    const dpd = b.attributes.find((a) => a.demographicParityDifference === b.demographicParityDifference);
    const eod = b.attributes.find((a) => a.equalizedOddsDifference !== null && a.equalizedOddsDifference === b.equalizedOddsDifference);
    sum.text(
      `Largest demographic parity difference ${fig(b.demographicParityDifference)}${dpd ? ` (${dpd.attribute}: ${spread(dpd)})` : ''}; largest equalized odds difference ${b.equalizedOddsDifference === null ? 'not computable' : `${fig(b.equalizedOddsDifference)}${eod ? ` (${eod.attribute}: ${oddsSpread(eod)})` : ''}`}.`,
      id,
    );

    const used = new Set<string>();
    for (const a of b.attributes) {
      let sid = `attribute-${slug(a.attribute)}${sfx}`;
      for (let k = 2; used.has(sid); k++) sid = `attribute-${slug(a.attribute)}-${k}${sfx}`;
      used.add(sid);
      const s = d.section(sid, `Selection Rates by ${a.attribute}${many ? ` (bias eval ${i + 1})` : ''}`);
      const top = topOf(a);
      const flagged = new Set(a.fourFifthsViolations.map((v) => v.value));
      s.table(
        [a.attribute, 'n', 'Predicted positive', 'Selection rate', 'Difference from highest', 'Ratio to highest', 'TPR', 'FPR', 'Flag'],
        a.groups.map((g) => {
          const flag = [flagged.has(g.value) ? 'BELOW 0.8' : '', g.smallSample ? 'n < 30: unstable' : ''].filter(Boolean).join('; ') || 'ok';
          return {
            cells: [g.value, num(g.n), num(g.predictedPositive), pct(g.selectionRate), g.selectionRate === top ? 'highest' : pp(g.selectionRate - top), fig(top > 0 ? g.selectionRate / top : null), g.tpr === null ? 'n/a' : pct(g.tpr), g.fpr === null ? 'n/a' : pct(g.fpr), flag],
            cite: id,
          };
        }),
        'No groups.',
      );
      s.chart(biasChart(a), id);
    }

    const find = d.section(`findings${sfx}`, `Findings${many ? ` (bias eval ${i + 1})` : ''}`);
    if (b.fourFifthsViolations.length) {
      const lines = b.fourFifthsViolations.map((v) => {
        const a = b.attributes.find((x) => x.attribute === v.attribute);
        const g = a?.groups.find((x) => x.value === v.value);
        const hi = a ? [...a.groups].sort((x, y) => y.selectionRate - x.selectionRate)[0] : undefined;
        const n = (x: GroupStats) => `n = ${num(x.n)}${x.smallSample ? ', below 30: unstable' : ''}`;
        return `${v.attribute} = ${v.value}: selection rate ${pct(v.selectionRate)}${g ? ` (${n(g)})` : ''}, ${fig(v.impactRatio)} of the highest${hi ? `, ${hi.value} at ${pct(hi.selectionRate)} (${n(hi)})` : ''}`;
      });
      find.note(`Four-fifths rule (29 CFR 1607.4(D)): ${lines.length} group${lines.length === 1 ? '' : 's'} below 0.8 of the highest selection rate of ${lines.length === 1 ? 'its' : 'their'} attribute:\n- ${lines.join('\n- ')}`, id);
    } else find.text('No group falls below four-fifths of the highest selection rate of its attribute (29 CFR 1607.4(D)).', id);

    const warn = d.section(`warnings${sfx}`, `Warnings${many ? ` (bias eval ${i + 1})` : ''}`);
    if (b.warnings.length) warn.list(b.warnings.map((w) => ({ text: w, cite: id })));
    else warn.text('The bias eval recorded no warnings.', id);
  });

  const review = d.section('review', "Reviewers' Comments");
  const since = evals.length ? evals.map((e) => e.object.time).sort()[0]! : null;
  const after = since ? r.approvals.filter((a) => a.object.time >= since) : [];
  if (since) {
    review.text(after.length ? 'Approvals of this run version signed after the bias evaluation was recorded, with their comments:' : 'No approval of this run version has been signed since the bias evaluation was recorded.', evals.map((e) => e.id));
    review.list(after.map((a) => ({ text: approvalText(r, a), cite: a.withdrawal ? [a.id, a.withdrawal.id] : [a.id] })));
  }
  review.text(statusText(r), r.status.policy ? [r.status.policy.id] : []);

  const mit = d.section('mitigation', 'Mitigation');
  mit.answer('riskMitigation');

  return d.finish('bias', `Bias report: ${runLabel(r)}`);
}
