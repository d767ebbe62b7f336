/**
 * Blind precision / recall measurement of detectPii against an independently written corpus
 * (test/policy/pii-blind-corpus.ts). Scoring:
 *  - a true positive is a finding whose kind equals a label's kind and whose span overlaps it;
 *    each label is matched at most once;
 *  - any other finding is a false positive (including right span, wrong kind);
 *  - every unmatched label is a false negative.
 * Per-kind and micro-averaged P/R are printed; failures list example misses and false positives
 * with the span marked as ⟦…⟧ so they can be acted on.
 */
import { describe, expect, it } from 'vitest';
import { detectPii, type PiiFinding, type PiiKind } from '../../src/policy/pii-detect.js';
import { BLIND_KINDS, buildBlindCorpus, npi, vinCheck, type BlindCell, type BlindLabel } from './pii-blind-corpus.js';

const MIN_PRECISION = 0.9;
const MIN_RECALL = 0.9;
const MIN_KIND_RECALL = 0.8;
const EXAMPLES = 10;

interface Miss { cell: BlindCell; label: BlindLabel }
interface FalsePos { cell: BlindCell; finding: PiiFinding; overlaps: string }
interface KindScore { tp: number; fp: number; fn: number; misses: Miss[]; fps: FalsePos[] }

const corpus = buildBlindCorpus();

function show(value: string, start: number, end: number): string {
  const left = Math.max(0, start - 40), right = Math.min(value.length, end + 40);
  const s = `${left > 0 ? '…' : ''}${value.slice(left, start)}⟦${value.slice(start, end)}⟧${value.slice(end, right)}${right < value.length ? '…' : ''}`;
  return JSON.stringify(s).slice(1, -1);
}
const where = (c: BlindCell): string => `${c.table}#${c.row} [${c.column}]`;
const ratio = (a: number, b: number): number => (b === 0 ? 1 : a / b);
const fmt = (x: number, denom: number): string => (denom === 0 ? '   —  ' : x.toFixed(3).padStart(6));

function evaluate(cells: readonly BlindCell[]): Map<PiiKind, KindScore> {
  const scores = new Map<PiiKind, KindScore>(BLIND_KINDS.map((k) => [k, { tp: 0, fp: 0, fn: 0, misses: [], fps: [] }]));
  const score = (k: PiiKind): KindScore => {
    let s = scores.get(k);
    if (!s) { s = { tp: 0, fp: 0, fn: 0, misses: [], fps: [] }; scores.set(k, s); }
    return s;
  };
  for (const cell of cells) {
    const findings = detectPii(cell.value, cell.column);
    const matched = new Array<boolean>(cell.labels.length).fill(false);
    for (const f of findings) {
      const i = cell.labels.findIndex((l, j) => !matched[j] && l.kind === f.kind && f.start < l.end && l.start < f.end);
      if (i >= 0) { matched[i] = true; score(f.kind).tp++; continue; }
      const s = score(f.kind);
      s.fp++;
      const other = cell.labels.filter((l) => f.start < l.end && l.start < f.end).map((l) => l.kind);
      s.fps.push({ cell, finding: f, overlaps: other.length > 0 ? `overlaps label ${[...new Set(other)].join('/')}` : 'no label here' });
    }
    cell.labels.forEach((label, j) => {
      if (matched[j]) return;
      const s = score(label.kind);
      s.fn++;
      s.misses.push({ cell, label });
    });
  }
  return scores;
}

// Scored lazily (once), so the corpus checks above do not depend on the detector.
let scored: { scores: Map<PiiKind, KindScore>; tp: number; fp: number; fn: number; p: number; r: number } | undefined;
function result(): NonNullable<typeof scored> {
  if (scored) return scored;
  const scores = evaluate(corpus);
  const t = [...scores.values()].reduce((a, s) => ({ tp: a.tp + s.tp, fp: a.fp + s.fp, fn: a.fn + s.fn }), { tp: 0, fp: 0, fn: 0 });
  scored = { scores, ...t, p: ratio(t.tp, t.tp + t.fp), r: ratio(t.tp, t.tp + t.fn) };
  return scored;
}

/** Up to n items, round-robin over groups (variant / column) so one frequent form does not hide the others. */
function diverse<T>(items: readonly T[], key: (t: T) => string, n: number): T[] {
  const groups = new Map<string, T[]>();
  for (const it of items) { const k = key(it); const g = groups.get(k); if (g) g.push(it); else groups.set(k, [it]); }
  const out: T[] = [];
  for (let round = 0; out.length < n && out.length < items.length; round++) {
    for (const g of groups.values()) { const it = g[round]; if (it !== undefined && out.length < n) out.push(it); }
  }
  return out;
}

function examples(kinds: Iterable<PiiKind>): string {
  const { scores } = result();
  const out: string[] = [];
  for (const k of kinds) {
    const s = scores.get(k);
    if (!s) continue;
    if (s.misses.length > 0) {
      out.push(`  ${k}: ${s.misses.length} missed, e.g.`);
      for (const m of diverse(s.misses, (x) => x.label.variant, EXAMPLES)) out.push(`    - (${m.label.variant}) ${where(m.cell)}: ${show(m.cell.value, m.label.start, m.label.end)}`);
    }
    if (s.fps.length > 0) {
      out.push(`  ${k}: ${s.fps.length} false positives, e.g.`);
      for (const f of diverse(s.fps, (x) => `${x.cell.column} ${x.overlaps}`, EXAMPLES)) out.push(`    - (${f.overlaps}) ${where(f.cell)}: ${show(f.cell.value, f.finding.start, f.finding.end)}`);
    }
  }
  return out.join('\n');
}

function topCounts(keys: string[], n: number): [string, number][] {
  const m = new Map<string, number>();
  for (const k of keys) m.set(k, (m.get(k) ?? 0) + 1);
  return [...m.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, n);
}

function report(): string {
  const { scores, ...totals } = result();
  const lines = ['kind          support    TP    FP    FN  precision  recall'];
  for (const k of BLIND_KINDS) {
    const s = scores.get(k);
    if (!s) continue;
    lines.push(`${k.padEnd(13)} ${String(s.tp + s.fn).padStart(7)} ${String(s.tp).padStart(5)} ${String(s.fp).padStart(5)} ${String(s.fn).padStart(5)}`
      + `     ${fmt(ratio(s.tp, s.tp + s.fp), s.tp + s.fp)}  ${fmt(ratio(s.tp, s.tp + s.fn), s.tp + s.fn)}`);
  }
  lines.push(`${'OVERALL'.padEnd(13)} ${String(totals.tp + totals.fn).padStart(7)} ${String(totals.tp).padStart(5)} ${String(totals.fp).padStart(5)}`
    + ` ${String(totals.fn).padStart(5)}     ${fmt(totals.p, 1)}  ${fmt(totals.r, 1)}`);
  const all = [...scores.values()];
  const misses = topCounts(all.flatMap((s) => s.misses.map((m) => m.label.variant)), 10);
  const fps = topCounts(all.flatMap((s) => s.fps.map((f) => `${f.finding.kind} in ${f.cell.table}[${f.cell.column}] (${f.overlaps})`)), 10);
  lines.push('', 'most common misses (label variant: count):', ...misses.map(([v, c]) => `  ${String(c).padStart(5)}  ${v}`));
  lines.push('', 'most common false positives:', ...fps.map(([v, c]) => `  ${String(c).padStart(5)}  ${v}`));
  return lines.join('\n');
}

describe('PII detector — blind corpus', () => {
  it('corpus is well-formed, deterministic and large enough', () => {
    const perKind = new Map<PiiKind, number>();
    let negatives = 0;
    for (const c of corpus) {
      if (c.labels.length === 0) negatives++;
      let prevEnd = 0;
      for (const l of c.labels) {
        const text = c.value.slice(l.start, l.end);
        expect(l.start >= prevEnd && l.end > l.start && l.end <= c.value.length, `${where(c)} bad span ${l.start}-${l.end}`).toBe(true);
        expect(text, `${where(c)} label not trimmed`).toBe(text.trim());
        if (l.kind === 'vehicle' && text.length === 17) {
          expect(vinCheck(text), `${where(c)} VIN check digit`).toBe(text.charAt(8));
        }
        prevEnd = l.end;
        perKind.set(l.kind, (perKind.get(l.kind) ?? 0) + 1);
      }
    }
    expect(vinCheck('1HGCM82633A004352')).toBe('3');
    expect(/^\d{10}$/.test(npi())).toBe(true);
    const total = [...perKind.values()].reduce((a, b) => a + b, 0);
    console.log(`blind corpus: ${corpus.length} cells, ${total} labels, ${negatives} negative cells; by kind: `
      + BLIND_KINDS.map((k) => `${k}=${perKind.get(k) ?? 0}`).join(' '));
    expect(total).toBeGreaterThanOrEqual(3000);
    expect(negatives).toBeGreaterThanOrEqual(3000);
    for (const k of BLIND_KINDS) expect(perKind.get(k) ?? 0, `labels of kind ${k}`).toBeGreaterThanOrEqual(60);
    expect(JSON.stringify(buildBlindCorpus())).toBe(JSON.stringify(corpus));
  });

  it(`overall precision ≥ ${MIN_PRECISION} and recall ≥ ${MIN_RECALL}`, () => {
    const { p: overallP, r: overallR, ...totals } = result();
    console.log(`\nPII blind corpus results\n${report()}`);
    const msg = `overall P=${overallP.toFixed(3)} R=${overallR.toFixed(3)} (TP ${totals.tp}, FP ${totals.fp}, FN ${totals.fn})\n${report()}\n\nexamples:\n${examples(BLIND_KINDS)}`;
    expect(overallP >= MIN_PRECISION, `precision below ${MIN_PRECISION}: ${msg}`).toBe(true);
    expect(overallR >= MIN_RECALL, `recall below ${MIN_RECALL}: ${msg}`).toBe(true);
  });

  it(`every kind has recall ≥ ${MIN_KIND_RECALL}`, () => {
    const { scores } = result();
    const failing = BLIND_KINDS.filter((k) => {
      const s = scores.get(k);
      return s !== undefined && ratio(s.tp, s.tp + s.fn) < MIN_KIND_RECALL;
    });
    const detail = failing.map((k) => {
      const s = scores.get(k);
      return s ? `${k} ${ratio(s.tp, s.tp + s.fn).toFixed(3)} (${s.fn}/${s.tp + s.fn} missed)` : k;
    });
    expect(failing, `kinds with recall < ${MIN_KIND_RECALL}: ${detail.join(', ')}\n\nexamples:\n${examples(failing)}`).toEqual([]);
  });
});
