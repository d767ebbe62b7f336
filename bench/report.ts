// Benchmark reporting: the machine a run happened on, medians over repeated runs, and the results
// table (console and markdown). Machines are shared and noisy, so every figure is the median of
// its runs, with min and max beside it; a goal ratio above 1× means the goal is met.
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, totalmem, platform, arch, release } from 'node:os';

export interface Goal {
  op: '>=' | '<=';
  value: number;
}

export interface Figure {
  /** Stable identifier for figures that other code looks up (names are for people). */
  key?: string;
  /** Section of the table: "verify", "append", "micro" ... */
  group: string;
  name: string;
  unit: string;
  /** One value per run; the table shows their median, min and max. */
  samples: number[];
  goal?: Goal;
  /** Shown under the table, numbered; says what exactly was measured when the name cannot. */
  note?: string;
}

export interface Summary {
  median: number;
  min: number;
  max: number;
  n: number;
}

export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0) return { median: NaN, min: NaN, max: NaN, n: 0 };
  const s = [...samples].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s[s.length - 1]!, n: s.length };
}

/** How many times better than the goal the median is (≥ 1 meets it). */
export function goalRatio(f: Figure): number | undefined {
  if (!f.goal) return undefined;
  const { median } = summarize(f.samples);
  return f.goal.op === '>=' ? median / f.goal.value : f.goal.value / median;
}

// ---- machine ------------------------------------------------------------------------------

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  openssl: string;
  commit: string;
  date: string;
  /** 1-minute load averages when the run started and ended: a hint of how shared the machine was. */
  loadAtStart: number;
  loadAtEnd?: number;
}

function git(args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/** `git rev-parse --short HEAD`, plus "-dirty" when the working tree has changes. */
export function gitCommit(): string {
  const head = git(['rev-parse', '--short', 'HEAD']);
  if (head === undefined) return 'unknown';
  const status = git(['status', '--porcelain']);
  return status ? `${head}-dirty` : head;
}

export function machineInfo(): Machine {
  const list = cpus();
  return {
    cpu: list[0]?.model.trim() || 'unknown',
    cores: list.length,
    memoryGiB: totalmem() / 2 ** 30,
    os: `${platform()} ${release()} ${arch()}`,
    node: process.version,
    openssl: process.versions.openssl ?? 'none',
    commit: gitCommit(),
    date: new Date().toISOString(),
    loadAtStart: loadavg()[0] ?? 0,
  };
}

// ---- formatting ---------------------------------------------------------------------------

/** Thousands separators for large numbers, three significant digits for small ones. */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 1000 || Number.isInteger(x)) return Math.round(x).toLocaleString('en-US');
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  if (a === 0) return '0';
  return x.toPrecision(3);
}

function fmtGoal(g: Goal | undefined, unit: string): string {
  return g ? `${g.op === '>=' ? '≥' : '≤'} ${fmt(g.value)} ${unit}` : '—';
}

function fmtRatio(f: Figure): string {
  const r = goalRatio(f);
  if (r === undefined) return '—';
  return `${r >= 10 ? r.toFixed(0) : r.toFixed(2)}× ${r >= 1 ? '✓' : '✗'}`;
}

interface Row {
  cells: string[];
  note?: number;
}

const HEADERS = ['figure', 'median', 'min – max', 'runs', 'goal', 'vs goal'];

function rows(figures: readonly Figure[]): { group: string; rows: Row[] }[] {
  const out: { group: string; rows: Row[] }[] = [];
  let noteNo = 0;
  for (const f of figures) {
    let g = out.find((x) => x.group === f.group);
    if (!g) out.push((g = { group: f.group, rows: [] }));
    const s = summarize(f.samples);
    const note = f.note ? ++noteNo : undefined;
    g.rows.push({
      cells: [
        `${f.name}${note ? ` [${note}]` : ''}`,
        `${fmt(s.median)} ${f.unit}`.trim(),
        s.n > 1 ? `${fmt(s.min)} – ${fmt(s.max)}` : '—',
        String(s.n),
        fmtGoal(f.goal, f.unit),
        fmtRatio(f),
      ],
      ...(note ? { note } : {}),
    });
  }
  return out;
}

function notes(figures: readonly Figure[]): string[] {
  return figures.filter((f) => f.note).map((f, i) => `[${i + 1}] ${f.note}`);
}

/** Plain-text table for the terminal. */
export function consoleTable(figures: readonly Figure[]): string {
  const groups = rows(figures).map((g) => ({ group: g.group, cells: g.rows.map((r) => ['  ' + r.cells[0], ...r.cells.slice(1)]) }));
  const all = groups.flatMap((g) => g.cells);
  const width = HEADERS.map((h, i) => Math.max(h.length, ...all.map((c) => c[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(width[i]!) : c.padStart(width[i]!))).join('  ');
  const out = [line(HEADERS), width.map((w) => '-'.repeat(w)).join('  ')];
  for (const g of groups) {
    out.push(`${g.group}:`);
    for (const c of g.cells) out.push(line(c));
  }
  return out.join('\n') + '\n\n' + notes(figures).join('\n');
}

function mdEscape(s: string): string {
  return s.replace(/\|/g, '\\|');
}

/** Markdown table, one section row per group, then the numbered notes. */
export function markdownTable(figures: readonly Figure[]): string {
  const out = [`| ${HEADERS.join(' | ')} |`, `|${HEADERS.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`];
  for (const g of rows(figures)) {
    out.push(`| **${mdEscape(g.group)}** | | | | | |`);
    for (const r of g.rows) out.push(`| ${r.cells.map(mdEscape).join(' | ')} |`);
  }
  const n = notes(figures);
  return out.join('\n') + (n.length ? '\n\n' + n.join('\n\n') : '');
}

export function machineMarkdown(m: Machine): string {
  return [
    '| | |',
    '| --- | --- |',
    `| CPU | ${m.cpu} |`,
    `| cores | ${m.cores} |`,
    `| memory | ${m.memoryGiB.toFixed(1)} GiB |`,
    `| OS | ${m.os} |`,
    `| Node | ${m.node} (OpenSSL ${m.openssl}) |`,
    `| commit | ${m.commit} |`,
    `| date | ${m.date} |`,
    `| load average, 1 min (start / end) | ${m.loadAtStart.toFixed(2)} / ${m.loadAtEnd?.toFixed(2) ?? '?'} |`,
  ].join('\n');
}

/** Raw samples, for anyone who wants to recompute. */
export function samplesMarkdown(figures: readonly Figure[]): string {
  return figures.map((f) => `- ${f.group} / ${f.name}: ${f.samples.map((x) => fmt(x)).join(', ')} ${f.unit}`).join('\n');
}

// ---- peer comparisons ----------------------------------------------------------------------

/** One row of a comparison with other tools: already formatted cells, and whether the goal was met. */
export interface PeerRow {
  case: string;
  ours: string;
  peer: string;
  /** Peer median / our median, or what the goal compares. */
  ratio: string;
  gnuDiff: string;
  daff: string;
  goal: string;
  /** undefined: no goal, or not measured in this run. */
  met?: boolean;
}

const PEER_HEADERS = ['case', 'ours', 'DuckDB / git add', 'ratio', 'GNU diff', 'daff', 'goal', 'met?'];

function peerCells(r: PeerRow): string[] {
  return [r.case, r.ours, r.peer, r.ratio, r.gnuDiff, r.daff, r.goal, r.met === undefined ? '—' : r.met ? '✓' : '✗'];
}

export function peerTableConsole(rows: readonly PeerRow[]): string {
  const all = [PEER_HEADERS, ...rows.map(peerCells)];
  const width = PEER_HEADERS.map((_, i) => Math.max(...all.map((c) => c[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(width[i]!)).join('  ').trimEnd();
  return [line(PEER_HEADERS), width.map((w) => '-'.repeat(w)).join('  '), ...rows.map((r) => line(peerCells(r)))].join('\n');
}

export function peerTableMarkdown(rows: readonly PeerRow[]): string {
  return [
    `| ${PEER_HEADERS.join(' | ')} |`,
    `|${PEER_HEADERS.map((_, i) => (i === 0 || i >= 6 ? ' --- ' : ' ---: ')).join('|')}|`,
    ...rows.map((r) => `| ${peerCells(r).map(mdEscape).join(' | ')} |`),
  ].join('\n');
}
