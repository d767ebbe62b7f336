// Charts of a document as inline SVG: lineage graph, loss curves, eval thresholds, bias selection
// rates and dataset row changes. Output is a pure function of the chart (no clock, no randomness,
// every coordinate written with fixed precision) so a document regenerates byte-identically, and
// a NaN or Infinity in the record never reaches an attribute. No xmlns: an <svg> inside HTML is in
// the SVG namespace by the HTML parser's rules, and the file must carry no URLs of its own.
import type { Chart } from './types.js';

/** Escapes text for HTML/SVG content and double-quoted attribute values. */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const W = 900; // every chart shares one viewBox width, so text is the same size in all of them
const FONT = 'system-ui, -apple-system, Segoe UI, Roboto, Helvetica Neue, Arial, sans-serif';
const INK = '#1f2328';
const MUTED = '#59636e';
const GRID = '#d8dee4';
const PASS = '#2e7d4f';
const FAIL = '#c0392b';
// Okabe-Ito, a palette that stays distinct under the common colour-vision deficiencies.
const SERIES = ['#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9', '#000000', '#7f6a00'];
const DASHES = ['', '6 3', '2 3'];

/** A coordinate with one decimal; anything non-finite becomes 0 rather than "NaN". */
function f(n: number): string {
  if (!Number.isFinite(n)) return '0';
  const s = n.toFixed(1).replace(/\.0$/, '');
  return s === '-0' ? '0' : s;
}

/** A figure for a label: up to four significant digits, "n/a" when not finite. */
function fmt(n: number | null): string {
  if (n === null || !Number.isFinite(n)) return 'n/a';
  if (Number.isInteger(n) && Math.abs(n) < 1e9) return String(n);
  if (Math.abs(n) >= 1e9 || Math.abs(n) < 1e-4) return n.toExponential(2);
  return String(Number(n.toPrecision(4)));
}

function pctText(n: number): string {
  return Number.isFinite(n) ? `${(n * 100).toFixed(1)}%` : 'n/a';
}

/**
 * Cuts a label to `max` characters with an ellipsis, since SVG text never wraps. `middle` keeps
 * the end too, for names that differ only at the end (eval_loss_1, eval_loss_2).
 */
function trunc(s: string, max: number, middle = false): string {
  const chars = [...s];
  if (chars.length <= max) return s;
  if (!middle) return `${chars.slice(0, max - 1).join('')}…`;
  const tail = Math.floor((max - 1) / 2);
  return `${chars.slice(0, max - 1 - tail).join('')}…${chars.slice(chars.length - tail).join('')}`;
}

function num0(n: number): number {
  return Number.isFinite(n) && n > 0 ? n : 0;
}

function text(x: number, y: number, s: string, attrs = ''): string {
  return `<text x="${f(x)}" y="${f(y)}"${attrs ? ` ${attrs}` : ''}>${esc(s)}</text>`;
}

function rect(x: number, y: number, w: number, h: number, attrs: string): string {
  return `<rect x="${f(x)}" y="${f(y)}" width="${f(Math.max(0, w))}" height="${f(Math.max(0, h))}" ${attrs}/>`;
}

function line(x1: number, y1: number, x2: number, y2: number, attrs: string): string {
  return `<line x1="${f(x1)}" y1="${f(y1)}" x2="${f(x2)}" y2="${f(y2)}" ${attrs}/>`;
}

function frame(id: string, title: string, h: number, body: string[], defs = ''): string {
  return [
    `<svg class="chart" viewBox="0 0 ${W} ${f(h)}" width="100%" role="img" aria-labelledby="${esc(id)}-t" font-family="${FONT}" font-size="12" fill="${INK}">`,
    `<title id="${esc(id)}-t">${esc(title)}</title>`,
    defs ? `<defs>${defs}</defs>` : '',
    text(0, 18, trunc(title, 100), 'font-size="14" font-weight="600"'),
    ...body,
    '</svg>',
  ].filter(Boolean).join('\n');
}

/** One row of legend swatches from x, y; returns the markup. */
function legend(x: number, y: number, items: { label: string; swatch: string }[]): string {
  let cx = x;
  const out: string[] = [];
  for (const it of items) {
    out.push(`<g transform="translate(${f(cx)} ${f(y)})">${it.swatch}${text(18, 10, it.label, `fill="${MUTED}"`)}</g>`);
    cx += 30 + [...it.label].length * 6.6;
  }
  return out.join('');
}

const box = (fill: string, extra = '') => `<rect width="12" height="12" fill="${fill}" ${extra}/>`;

/** About `count` round tick values covering [lo, hi] (steps of 1, 2 or 5 times a power of ten). */
function ticks(lo: number, hi: number, count = 5): { lo: number; hi: number; values: number[]; step: number } {
  const raw = (hi - lo) / count;
  if (!(raw > 0) || !Number.isFinite(raw)) return { lo, hi, values: [lo, hi], step: hi - lo || 1 };
  // The round step nearest the raw one (as d3-array's tickIncrement picks it), so ticks neither
  // crowd nor leave half the axis empty.
  const p = 10 ** Math.floor(Math.log10(raw));
  const e = raw / p;
  const step = p * (e >= Math.sqrt(50) ? 10 : e >= Math.sqrt(10) ? 5 : e >= Math.sqrt(2) ? 2 : 1);
  const a = Math.floor(lo / step) * step;
  const b = Math.ceil(hi / step) * step;
  const values: number[] = [];
  for (let i = 0; a + i * step <= b + step / 2 && i <= 50; i++) values.push(a + i * step);
  return { lo: a, hi: b, values, step };
}

/** A tick label with as many decimals as the step needs, so 0.1 + 0.2 never shows 0.30000000000000004. */
function tickText(v: number, step: number): string {
  if (Math.abs(v) >= 1e9 || (step < 1e-6 && v !== 0)) return v.toExponential(2);
  const d = Math.min(6, Math.max(0, -Math.floor(Math.log10(step) + 1e-9)));
  const s = v.toFixed(d);
  return /^-0(\.0*)?$/.test(s) ? s.slice(1) : s;
}

/** A short tick label for the narrow bar axes: 250M, not 250000000 (SI prefixes from 1e5 up). */
function shortTick(v: number, step: number): string {
  const a = Math.max(Math.abs(v), step);
  if (a < 1e5 || v === 0) return tickText(v, step);
  const [d, unit] = a >= 1e15 ? [1, ''] : a >= 1e12 ? [1e12, 'T'] : a >= 1e9 ? [1e9, 'G'] : a >= 1e6 ? [1e6, 'M'] : [1e3, 'k'];
  if (!unit) return v.toExponential(0).replace('e+', 'e');
  return `${Number((v / d).toPrecision(3))}${unit}`;
}

// ---- lineage -----------------------------------------------------------------------------------

const GROUP_COLOUR = { dataset: '#2f6f9f', run: '#3d4652', checkpoint: '#2e7d4f', eval: '#6b4fa0', approval: '#a35f00' } as const;
const GROUP_FILL = { dataset: '#e8f1f8', run: '#e9ebee', checkpoint: '#e6f3ec', eval: '#efeaf7', approval: '#fbf0e0' } as const;
const COLUMN_OF = { dataset: 0, run: 1, checkpoint: 2, eval: 2, approval: 2 } as const;
const COLUMN_TITLES = ['Datasets', 'Run', 'Checkpoints, evals, approvals'];
const MAX_PER_COLUMN = 24; // beyond this a column would outgrow a printed page

function lineage(c: Extract<Chart, { kind: 'lineage' }>, id: string): string {
  const bw = 250, bh = 30, gap = 14, top = 56, colX = [10, 325, 640];
  const cols: { id: string; label: string; group: keyof typeof GROUP_COLOUR }[][] = [[], [], []];
  const extra = [0, 0, 0];
  for (const raw of c.nodes) {
    // An unknown group (a newer record) is drawn as a run-coloured box in the last column.
    const known = Object.hasOwn(GROUP_COLOUR, raw.group); // hasOwn: a group named "constructor" is not known
    const n = known ? raw : { ...raw, group: 'run' as const };
    const col = known ? COLUMN_OF[n.group] : 2;
    if (cols[col]!.length < MAX_PER_COLUMN) cols[col]!.push(n);
    else extra[col]!++;
  }
  const rows = Math.max(1, ...cols.map((k, i) => k.length + (extra[i]! ? 1 : 0)));
  const h = top + rows * (bh + gap) + 40;
  const pos = new Map<string, { x: number; y: number; col: number }>();
  const body: string[] = COLUMN_TITLES.map((t, i) => text(colX[i]!, 42, t, `fill="${MUTED}" font-weight="600"`));
  if (!c.nodes.length) body.push(text(W / 2, top + 20, 'No lineage recorded', `text-anchor="middle" fill="${MUTED}"`));
  const boxes: string[] = [];
  cols.forEach((k, i) => {
    const n = k.length + (extra[i]! ? 1 : 0);
    // Centre each column vertically against the tallest one, so edges fan out symmetrically.
    const y0 = top + ((rows - n) * (bh + gap)) / 2;
    k.forEach((node, j) => {
      const x = colX[i]!, y = y0 + j * (bh + gap);
      pos.set(node.id, { x, y, col: i });
      boxes.push(
        `<g><title>${esc(`${node.group}: ${node.label} (${node.id})`)}</title>` +
          rect(x, y, bw, bh, `rx="4" fill="${GROUP_FILL[node.group]}" stroke="${GROUP_COLOUR[node.group]}" stroke-width="1.5"`) +
          text(x + 10, y + 19, trunc(node.label, 36)) +
          '</g>',
      );
    });
    if (extra[i]) boxes.push(text(colX[i]! + 10, y0 + k.length * (bh + gap) + 19, `… and ${extra[i]} more`, `fill="${MUTED}"`));
  });
  const edges: string[] = [];
  for (const e of c.edges) {
    const a = pos.get(e.from), b = pos.get(e.to);
    if (!a || !b) continue; // an edge to a node cut by MAX_PER_COLUMN (or not in the chart) is not drawn
    const ay = a.y + bh / 2, by = b.y + bh / 2;
    let d: string;
    if (a.col === b.col) {
      const x = a.x + bw; // same column: bow out to the right
      d = `M${f(x)} ${f(ay)} C${f(x + 40)} ${f(ay)} ${f(x + 40)} ${f(by)} ${f(x + 4)} ${f(by)}`;
    } else {
      const fwd = a.col < b.col;
      const x1 = fwd ? a.x + bw : a.x, x2 = fwd ? b.x - 4 : b.x + bw + 4;
      const mx = (x1 + x2) / 2;
      d = `M${f(x1)} ${f(ay)} C${f(mx)} ${f(ay)} ${f(mx)} ${f(by)} ${f(x2)} ${f(by)}`;
    }
    edges.push(`<path d="${d}" fill="none" stroke="#8c959f" stroke-width="1.2" marker-end="url(#${esc(id)}-arrow)"/>`);
  }
  const defs = `<marker id="${esc(id)}-arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0 0L8 4L0 8z" fill="#8c959f"/></marker>`;
  const groups = (Object.keys(GROUP_COLOUR) as (keyof typeof GROUP_COLOUR)[]).map((g) => ({ label: g, swatch: box(GROUP_FILL[g], `stroke="${GROUP_COLOUR[g]}" stroke-width="1.5"`) }));
  return frame(id, 'Lineage: datasets → run → checkpoints, evals and approvals', h, [...body, ...edges, ...boxes, legend(10, h - 22, groups)], defs);
}

// ---- loss curves -------------------------------------------------------------------------------

/** At most ~600 points a series (every k-th, and the last): more adds bytes, not detail, at this size. */
function thin(pts: [number, number][]): [number, number][] {
  const k = Math.ceil(pts.length / 600);
  return k <= 1 ? pts : pts.filter((_, i) => i % k === 0 || i === pts.length - 1);
}

function loss(c: Extract<Chart, { kind: 'loss' }>, id: string): string {
  const L = 70, R = W - 40, T = 40, B = 300; // R leaves room for the last x tick's label
  const series = c.series.map((s) => ({ name: s.name, pts: thin(s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)).sort((p, q) => p[0] - q[0])) }));
  const all = series.flatMap((s) => s.pts);
  const perRow = 4, legendRows = Math.ceil(series.length / perRow);
  const h = B + 50 + legendRows * 20;
  if (!all.length) return frame(id, c.title, 120, [text(W / 2, 70, 'No finite data points recorded', `text-anchor="middle" fill="${MUTED}"`)]);
  // reduce, not Math.min(...xs): spreading a long history overflows the call stack.
  let [xlo, xhi, ylo, yhi] = all.reduce<[number, number, number, number]>(([a, b, c, d], [x, y]) => [Math.min(a, x), Math.max(b, x), Math.min(c, y), Math.max(d, y)], [Infinity, -Infinity, Infinity, -Infinity]);
  // A single step or a flat curve has no range: widen it so the scale never divides by zero.
  if (xhi - xlo === 0) { xlo -= 1; xhi += 1; }
  if (yhi - ylo === 0) { const d = Math.abs(ylo) * 0.1 || 1; ylo -= d; yhi += d; }
  const xt = ticks(xlo, xhi), yt = ticks(ylo, yhi);
  const sx = (x: number) => L + ((x - xt.lo) / (xt.hi - xt.lo || 1)) * (R - L);
  const sy = (y: number) => B - ((y - yt.lo) / (yt.hi - yt.lo || 1)) * (B - T);
  const body: string[] = [];
  for (const v of yt.values) {
    body.push(line(L, sy(v), R, sy(v), `stroke="${GRID}"`), text(L - 8, sy(v) + 4, tickText(v, yt.step), `text-anchor="end" fill="${MUTED}"`));
  }
  for (const v of xt.values) {
    body.push(line(sx(v), B, sx(v), B + 5, `stroke="${MUTED}"`), text(sx(v), B + 19, tickText(v, xt.step), `text-anchor="middle" fill="${MUTED}"`));
  }
  body.push(line(L, B, R, B, `stroke="${MUTED}"`), line(L, T, L, B, `stroke="${MUTED}"`));
  body.push(text((L + R) / 2, B + 38, 'training step', `text-anchor="middle" fill="${MUTED}"`));
  body.push(text(16, (T + B) / 2, 'loss', `text-anchor="middle" fill="${MUTED}" transform="rotate(-90 16 ${f((T + B) / 2)})"`));
  series.forEach((s, i) => {
    const colour = SERIES[i % SERIES.length]!;
    const dash = DASHES[Math.floor(i / SERIES.length) % DASHES.length]!;
    const style = `stroke="${colour}" stroke-width="2" fill="none"${dash ? ` stroke-dasharray="${dash}"` : ''}`;
    if (s.pts.length > 1) body.push(`<polyline points="${s.pts.map(([x, y]) => `${f(sx(x))},${f(sy(y))}`).join(' ')}" ${style} stroke-linejoin="round"/>`);
    // Markers when points are few, so a one-point series is still visible.
    if (s.pts.length <= 20) for (const [x, y] of s.pts) body.push(`<circle cx="${f(sx(x))}" cy="${f(sy(y))}" r="3" fill="${colour}"/>`);
    const lx = L + (i % perRow) * ((R - L) / perRow), ly = B + 52 + Math.floor(i / perRow) * 20;
    const label = s.pts.length ? s.name : `${s.name} (no data)`;
    body.push(`<g transform="translate(${f(lx)} ${f(ly)})">${line(0, 6, 22, 6, style)}${text(28, 10, trunc(label, 22, true))}</g>`);
  });
  return frame(id, c.title, h, body);
}

// ---- shared layout of the bar charts -----------------------------------------------------------

// Row labels take x 0..200 (30 characters), bars 210..560, the figures from 574 to the edge.
const BAR_L = 210, BAR_R = 560, NOTE_X = 574, ROW_H = 30, ROWS_TOP = 64;

/** A linear scale over [lo, hi] into the bar area, plus its axis (ticks under the last row). */
function barScale(lo: number, hi: number, axisY: number, unit: 'pct' | 'value' | 'count') {
  // Scores and rates in [0, 1] get a fixed 0..1 axis, so charts of one kind compare at a glance;
  // counts never get fractional ticks.
  const t =
    unit !== 'count' && lo === 0 && hi <= 1
      ? { lo: 0, hi: 1, values: [0, 0.2, 0.4, 0.6, 0.8, 1], step: 0.2 }
      : unit === 'count' && hi <= 5
        ? { lo: 0, hi: Math.max(1, Math.ceil(hi)), values: Array.from({ length: Math.max(1, Math.ceil(hi)) + 1 }, (_, i) => i), step: 1 }
        : ticks(lo, hi, 4);
  const s = (v: number) => BAR_L + ((Math.min(Math.max(v, t.lo), t.hi) - t.lo) / (t.hi - t.lo || 1)) * (BAR_R - BAR_L);
  const axis = [line(BAR_L, axisY, BAR_R, axisY, `stroke="${MUTED}"`)];
  for (const v of t.values) {
    axis.push(line(s(v), ROWS_TOP - 6, s(v), axisY, `stroke="${GRID}"`));
    axis.push(text(s(v), axisY + 16, unit === 'pct' ? `${Math.round(v * 100)}%` : shortTick(v, t.step), `text-anchor="middle" fill="${MUTED}"`));
  }
  return { s, axis };
}

function rowLabel(y: number, label: string): string {
  return `<g><title>${esc(label)}</title>${text(0, y + 15, trunc(label, 30))}</g>`;
}

// ---- eval thresholds ---------------------------------------------------------------------------

function thresholds(c: Extract<Chart, { kind: 'thresholds' }>, id: string): string {
  const finite = c.rows.flatMap((r) => [r.value, r.threshold]).filter(Number.isFinite);
  const lo = Math.min(0, ...finite), hi = Math.max(0, ...finite);
  const axisY = ROWS_TOP + Math.max(1, c.rows.length) * ROW_H + 4;
  const { s, axis } = barScale(lo, hi === lo ? lo + 1 : hi, axisY, 'value');
  const body: string[] = [
    legend(0, 30, [
      { label: 'passed', swatch: box(PASS) },
      { label: 'not passed', swatch: box(FAIL) },
      { label: 'threshold', swatch: line(6, -1, 6, 13, `stroke="${INK}" stroke-width="2.5"`) },
    ]),
    ...axis,
  ];
  if (!c.rows.length) body.push(text(BAR_L, ROWS_TOP + 18, 'No thresholds recorded', `fill="${MUTED}"`));
  c.rows.forEach((r, i) => {
    const y = ROWS_TOP + i * ROW_H;
    const colour = r.passed ? PASS : FAIL;
    body.push(rowLabel(y, r.label));
    if (Number.isFinite(r.value)) {
      const x0 = s(0), x1 = s(r.value);
      body.push(rect(Math.min(x0, x1), y + 5, Math.abs(x1 - x0), ROW_H - 12, `fill="${colour}" fill-opacity="0.85"`));
    }
    if (Number.isFinite(r.threshold)) body.push(line(s(r.threshold), y + 1, s(r.threshold), y + ROW_H - 3, `stroke="${INK}" stroke-width="2.5"`));
    const note = `${fmt(r.value)} / ${fmt(r.threshold)} (${r.direction} is better)`;
    body.push(text(NOTE_X, y + 15, note) + text(NOTE_X + 250, y + 15, r.passed ? 'pass' : 'FAIL', `fill="${colour}" font-weight="600"`));
  });
  return frame(id, c.title, axisY + 30, body);
}

// ---- bias: selection rates against the four-fifths line ----------------------------------------

function bias(c: Extract<Chart, { kind: 'bias' }>, id: string): string {
  const rates = c.groups.map((g) => g.rate).filter(Number.isFinite);
  const top = Math.max(0, ...rates);
  const axisY = ROWS_TOP + 14 + Math.max(1, c.groups.length) * ROW_H + 4;
  const rowsTop = ROWS_TOP + 14; // room above the rows for the four-fifths label
  const { s, axis } = barScale(0, Math.max(1, top), axisY, 'pct');
  const hatch = `${esc(id)}-hatch`;
  const defs = `<pattern id="${hatch}" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" stroke="#ffffff" stroke-width="2.5"/></pattern>`;
  const body: string[] = [
    legend(0, 30, [
      { label: 'selection rate', swatch: box('#2f6f9f') },
      { label: 'below four-fifths (flagged)', swatch: box(FAIL) },
      { label: 'small sample (n<30)', swatch: box('#2f6f9f') + box(`url(#${hatch})`) },
    ]),
    ...axis,
  ];
  if (!c.groups.length) body.push(text(BAR_L, rowsTop + 18, 'No groups recorded', `fill="${MUTED}"`));
  c.groups.forEach((g, i) => {
    const y = rowsTop + i * ROW_H;
    const colour = g.flagged ? FAIL : '#2f6f9f';
    body.push(rowLabel(y, g.label));
    if (Number.isFinite(g.rate)) {
      const w = s(g.rate) - s(0);
      body.push(rect(BAR_L, y + 5, w, ROW_H - 12, `fill="${colour}"`));
      if (g.smallSample) body.push(rect(BAR_L, y + 5, w, ROW_H - 12, `fill="url(#${hatch})"`));
    }
    // Three decimals, so a ratio of 0.7996 (flagged) never reads as 0.80.
    const ratio = g.ratio !== null && Number.isFinite(g.ratio) ? g.ratio.toFixed(3) : 'n/a';
    const parts = [pctText(g.rate), `ratio ${ratio}`, `n=${fmt(g.n)}`];
    if (g.smallSample) parts.push('(n<30)');
    body.push(text(NOTE_X, y + 15, parts.join(' · '), g.flagged ? `fill="${FAIL}" font-weight="600"` : ''));
  });
  if (top > 0) {
    // 29 CFR 1607.4(D): a rate under four-fifths of the highest group's is evidence of adverse impact.
    const x = s(0.8 * top);
    body.push(line(x, rowsTop - 4, x, axisY, `stroke="${INK}" stroke-width="1.5" stroke-dasharray="5 4"`));
    body.push(text(x, rowsTop - 8, `four-fifths line (${pctText(0.8 * top)})`, `text-anchor="middle" font-size="11"`));
  }
  return frame(id, `${c.title} (attribute: ${c.attribute})`, axisY + 30, body, defs);
}

// ---- dataset diff ------------------------------------------------------------------------------

const DIFF_PARTS = [
  { key: 'added', label: 'added', sign: '+', colour: '#2e7d4f', ink: '#ffffff' },
  { key: 'removed', label: 'removed', sign: '−', colour: '#c0392b', ink: '#ffffff' },
  { key: 'modified', label: 'modified', sign: '~', colour: '#e0a100', ink: INK },
  { key: 'moved', label: 'moved', sign: '↔', colour: '#9aa1a9', ink: INK },
] as const;

function diff(c: Extract<Chart, { kind: 'diff' }>, id: string): string {
  const total = (r: (typeof c.rows)[number]) => DIFF_PARTS.reduce((t, p) => t + num0(r[p.key]), 0);
  const max = Math.max(0, ...c.rows.map(total));
  const axisY = ROWS_TOP + Math.max(1, c.rows.length) * ROW_H + 4;
  const { s, axis } = barScale(0, max || 1, axisY, 'count');
  const body: string[] = [legend(0, 30, DIFF_PARTS.map((p) => ({ label: `${p.label} (${p.sign})`, swatch: box(p.colour) }))), ...axis];
  if (!c.rows.length) body.push(text(BAR_L, ROWS_TOP + 18, 'No dataset changes recorded', `fill="${MUTED}"`));
  c.rows.forEach((r, i) => {
    const y = ROWS_TOP + i * ROW_H;
    body.push(rowLabel(y, r.label));
    let x = BAR_L;
    for (const p of DIFF_PARTS) {
      const n = num0(r[p.key]);
      if (!n) continue;
      const w = Math.max(2, s(n) - s(0)); // a small but non-zero change stays visible
      body.push(`<g><title>${esc(`${fmt(n)} ${p.label}`)}</title>${rect(x, y + 5, w, ROW_H - 12, `fill="${p.colour}"`)}</g>`);
      // A count inside its segment only when it fits (about 7 units a digit).
      if (w >= fmt(n).length * 7 + 8) body.push(text(x + w / 2, y + 19, fmt(n), `text-anchor="middle" fill="${p.ink}" font-size="11"`));
      x += w;
    }
    const present = DIFF_PARTS.filter((p) => num0(r[p.key]));
    const parts = present.map((p) => `${fmt(num0(r[p.key]))} ${p.label}`);
    // Words while they fit beside the bar (about 50 characters), else the legend's signs.
    const long = parts.join(' · ').length > 50;
    const note = !parts.length ? 'no row changes' : long ? present.map((p) => `${p.sign}${fmt(num0(r[p.key]))}`).join('  ') : parts.join(' · ');
    body.push(text(NOTE_X, y + 15, note, parts.length ? '' : `fill="${MUTED}"`));
  });
  return frame(id, c.title, axisY + 30, body);
}

/**
 * The chart as an inline <svg>. `id` prefixes the ids inside it (title, arrow marker, hatch
 * pattern), so that several charts in one HTML file do not share ids; render-html passes one.
 */
export function chartSvg(chart: Chart, id = `chart-${chart.kind}`): string {
  switch (chart.kind) {
    case 'lineage':
      return lineage(chart, id);
    case 'loss':
      return loss(chart, id);
    case 'thresholds':
      return thresholds(chart, id);
    case 'bias':
      return bias(chart, id);
    case 'diff':
      return diff(chart, id);
  }
}
