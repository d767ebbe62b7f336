// Renderers for a row-level diff: each takes the engine's AsyncIterable<RowChange>, reads it once,
// and yields strings as it goes, so memory stays bounded however many rows changed. The only state
// kept is counters and, for the HTML summary, at most HTML_SUMMARY_SCHEMA_LIMIT schema changes.
//
//   jsonl — the CLI contract, one record per line (machine-readable, complete).
//   text  — for a terminal, after `git diff --word-diff` (plain brackets, or ANSI colour).
//   csv   — for spreadsheets, one line per changed field (RFC 4180).
//   html  — one self-contained page for a reviewer, readable offline and in print.
import { InputError } from '../core/errors.js';
import type { FieldChange, RowChange, SchemaChange } from './changes.js';

/** Longest value (in code points) the text renderer shows before cutting it with "…". */
export const TEXT_VALUE_LIMIT = 80;
/** Longest row preview (in characters) the text renderer shows for an added or removed row. */
export const TEXT_ROW_LIMIT = 200;
/** Longest value (in code points) the HTML renderer shows; the jsonl format has them whole. */
export const HTML_VALUE_LIMIT = 2000;
/** Changed strings longer than this (in code units), or with line breaks, are shown old above new with the difference marked. */
export const HTML_INLINE_LIMIT = 40;
/** Most fields of one added or removed row the HTML renderer lists. */
export const HTML_ROW_FIELDS = 100;
/** Rows the HTML renderer writes unless told otherwise; past it, it only counts. */
export const HTML_DEFAULT_LIMIT = 10_000;
/** Most schema changes the HTML summary lists (the only items a renderer keeps in memory). */
export const HTML_SUMMARY_SCHEMA_LIMIT = 200;

export interface Labels {
  a: string;
  b: string;
}

export interface TextOptions {
  /** ANSI colour (red/green as git does) instead of [-…-]{+…+} brackets. */
  color: boolean;
  labels: Labels;
}

export interface CsvOptions {
  /**
   * Prefix cells that start with = + - @ TAB or CR with an apostrophe, so a spreadsheet shows
   * data as text rather than running it as a formula (OWASP "CSV Injection"). Off by default,
   * since it changes the values.
   */
  formulaGuard?: boolean;
}

export interface HtmlOptions {
  labels: Labels;
  title?: string;
  /** Most records written as rows (default HTML_DEFAULT_LIMIT); the rest are only counted. */
  limit?: number;
  /** The "generated" time shown in the header (default: now). */
  now?: Date;
}

// ---------------------------------------------------------------------------------------------
// jsonl

/** One JSON object per line, exactly the record (undefined before/after are left out by JSON). */
export async function* renderJsonl(changes: AsyncIterable<RowChange>): AsyncGenerator<string> {
  for await (const c of changes) yield `${JSON.stringify(c)}\n`;
}

// ---------------------------------------------------------------------------------------------
// shared formatting

// C0/C1 controls, line and paragraph separators, and bidirectional controls. The last are
// escaped so data cannot reorder what a reviewer sees ("Trojan Source", CVE-2021-42574); ESC is
// escaped so data cannot drive the terminal.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const HAS_CONTROL = new RegExp(CONTROL.source); // no /g: .test() keeps no lastIndex
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function _controlName(ch: string): string {
  return NAMED[ch] ?? `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** Escapes control characters so one value stays on one line and cannot move the cursor. */
function _escapeControls(s: string): string {
  return s.replace(CONTROL, _controlName);
}

const _isHigh = (c: number) => c >= 0xd800 && c <= 0xdbff;
const _isLow = (c: number) => c >= 0xdc00 && c <= 0xdfff;

/** s.slice(start, end), moved inwards so no surrogate pair is split. */
function _slice(s: string, start: number, end: number): string {
  if (start > 0 && start < s.length && _isLow(s.charCodeAt(start))) start++;
  if (end > start && end < s.length && _isHigh(s.charCodeAt(end - 1))) end--;
  return s.slice(start, end);
}

/** At most `limit` code points: the first limit-1 and "…" when longer. */
export function shorten(s: string, limit: number): string {
  if (s.length <= limit) return s; // code points ≤ code units
  let out = '';
  let n = 0;
  for (const ch of s) {
    if (n === limit - 1) return `${out}…`;
    out += ch;
    n++;
  }
  return out;
}

/** One side of a changed string: the part that differs, and the common text around it. */
interface Split {
  head: string;
  mid: string;
  tail: string;
}

const WORD = /[\p{L}\p{N}_]/u;
const _wordAt = (x: string, i: number) => i >= 0 && i < x.length && WORD.test(x[i]!);

// Context is cut between words when a boundary is near (within 12 characters), else anywhere.
function _wordStart(x: string, i: number, max: number): number {
  for (let j = i; j < Math.min(max, i + 12); j++) if (!_wordAt(x, j - 1) || !_wordAt(x, j)) return j;
  return i;
}
function _wordEnd(x: string, i: number, min: number): number {
  for (let j = i; j > Math.max(min, i - 12); j--) if (!_wordAt(x, j - 1) || !_wordAt(x, j)) return j;
  return i;
}

/**
 * Both sides of a changed string split into common head, differing middle and common tail,
 * widened to whole words, and cut to about `limit` code points around what differs: a long
 * prompt with one number changed shows that number with some context, not its first `limit`
 * characters twice. Null when either side is not a string.
 */
function _splitPair(a: unknown, b: unknown, limit: number): [Split, Split] | null {
  if (typeof a !== 'string' || typeof b !== 'string') return null;
  const min = Math.min(a.length, b.length);
  let p = 0;
  while (p < min && a.charCodeAt(p) === b.charCodeAt(p)) p++;
  while (p > 0 && _wordAt(a, p - 1) && (_wordAt(a, p) || _wordAt(b, p))) p--; // whole words
  if (p > 0 && _isHigh(a.charCodeAt(p - 1))) p--; // keep a differing surrogate pair whole
  let s = 0;
  while (s < min - p && a.charCodeAt(a.length - 1 - s) === b.charCodeAt(b.length - 1 - s)) s++;
  while (s > 0 && _wordAt(a, a.length - s) && (_wordAt(a, a.length - s - 1) || _wordAt(b, b.length - s - 1))) s--;
  if (s > 0 && _isLow(a.charCodeAt(a.length - s))) s--;
  const clipped = a.length > limit || b.length > limit;
  const context = Math.floor(limit / 4);
  const split = (x: string): Split => {
    const tailEnd = x.length - s;
    if (!clipped) return { head: x.slice(0, p), mid: x.slice(p, tailEnd), tail: x.slice(tailEnd) };
    return {
      head: p > context ? `…${_slice(x, _wordStart(x, p - context, p), p)}` : x.slice(0, p),
      mid: shorten(_slice(x, p, tailEnd), Math.max(1, limit - 2 * context - 2)),
      tail: s > context ? `${_slice(x, tailEnd, _wordEnd(x, tailEnd + context, tailEnd))}…` : x.slice(tailEnd),
    };
  };
  return [split(a), split(b)];
}

/** Both sides of a change as they are, or cut around what differs when long strings. */
function _clipPair(a: unknown, b: unknown, limit: number): [unknown, unknown] {
  const split = _splitPair(a, b, limit);
  if (split === null) return [a, b];
  return [split[0].head + split[0].mid + split[0].tail, split[1].head + split[1].mid + split[1].tail];
}

/** A value as text: strings as they are, anything else as compact JSON, undefined as "". */
function _plain(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === undefined) return '';
  return JSON.stringify(v) ?? String(v);
}

/** A key as shown to people: a plain string as is, anything else as JSON; null has none. */
function _keyText(key: unknown): string | undefined {
  if (key === null || key === undefined) return undefined;
  if (typeof key === 'string' && key !== '' && !/[\s"]/u.test(key) && !HAS_CONTROL.test(key)) return key;
  return JSON.stringify(key) ?? String(key);
}

function _unescapePointer(segment: string): string {
  return segment.replaceAll('~1', '/').replaceAll('~0', '~'); // RFC 6901 §4: ~1 first, then ~0
}

/** A field path as shown: a top-level name by itself, a nested JSON pointer as written. */
function _fieldLabel(path: string): { noun: 'column' | 'field'; name: string } {
  if (path === '') return { noun: 'field', name: '(whole row)' };
  const rest = path.slice(1);
  return rest.includes('/') ? { noun: 'field', name: path } : { noun: 'column', name: _unescapePointer(rest) };
}

/** One line for a schema change, e.g. `column "score" retyped integer → number`. */
export function describeSchema(c: SchemaChange): string {
  const field = c.before ?? c.after;
  const { noun, name } = _fieldLabel(field?.path ?? '');
  const subject = `${noun} ${JSON.stringify(name)}`;
  const typed = (t: string | undefined) => (t === undefined ? '' : ` (${t})`);
  switch (c.change) {
    case 'added':
      return `${subject} added${typed(c.after?.type)}`;
    case 'removed':
      return `${subject} removed${typed(c.before?.type)}`;
    case 'renamed':
      return `${subject} renamed → ${JSON.stringify(_fieldLabel(c.after?.path ?? '').name)}`;
    case 'retyped':
      return `${subject} retyped ${c.before?.type ?? '?'} → ${c.after?.type ?? '?'}`;
  }
}

const _rowsText = (a: number, b: number) => (a === b ? `row ${a}` : `row ${a}→${b}`);

// ---------------------------------------------------------------------------------------------
// text

// SGR codes (ECMA-48 §8.3.117) as git uses them: red for old, green for new, `ESC[m` to reset.
const SGR = { bold: '\x1b[1m', red: '\x1b[31m', green: '\x1b[32m', yellow: '\x1b[33m', cyan: '\x1b[36m', reset: '\x1b[m' };

function _textValue(v: unknown, limit = TEXT_VALUE_LIMIT): string {
  if (v === '') return '""';
  return _escapeControls(shorten(_plain(v), limit));
}

function _textRow(row: unknown): string {
  if (row === null || typeof row !== 'object' || Array.isArray(row)) return _textValue(row, TEXT_ROW_LIMIT);
  const parts: string[] = [];
  let length = 2;
  for (const [k, v] of Object.entries(row)) {
    const part = `${_escapeControls(shorten(k, TEXT_VALUE_LIMIT))}: ${_textValue(v)}`;
    if (parts.length > 0 && length + part.length + 2 > TEXT_ROW_LIMIT) {
      parts.push('…');
      break;
    }
    parts.push(part);
    length += part.length + 2;
  }
  return `{${parts.join(', ')}}`;
}

function _textChange(f: FieldChange, color: boolean): string {
  const [before, after] = _clipPair(f.before, f.after, TEXT_VALUE_LIMIT);
  const { name } = _fieldLabel(f.path);
  let out = `${_escapeControls(shorten(name, TEXT_VALUE_LIMIT))}: `;
  if (f.before !== undefined) out += color ? `${SGR.red}${_textValue(before)}${SGR.reset}` : `[-${_textValue(before)}-]`;
  if (f.after !== undefined) out += color ? `${SGR.green}${_textValue(after)}${SGR.reset}` : `{+${_textValue(after)}+}`;
  return out;
}

/** Lines like `git diff --word-diff`: a header, then one line per record. */
export async function* renderText(changes: AsyncIterable<RowChange>, opts: TextOptions): AsyncGenerator<string> {
  _checkLabels(opts?.labels, 'renderText');
  const color = opts.color === true;
  const paint = (code: string, s: string) => (color ? `${code}${s}${SGR.reset}` : s);
  const key = (k: unknown) => {
    const t = _keyText(k);
    return t === undefined ? '' : ` key=${_escapeControls(shorten(t, TEXT_VALUE_LIMIT))}`;
  };
  yield `${paint(SGR.bold, `--- a: ${_escapeControls(opts.labels.a)}`)}\n`;
  yield `${paint(SGR.bold, `+++ b: ${_escapeControls(opts.labels.b)}`)}\n`;
  for await (const c of changes) {
    switch (c.op) {
      case 'schema':
        yield `${paint(SGR.yellow, `schema: ${_escapeControls(describeSchema(c))}`)}\n`;
        break;
      case 'added':
        yield `${paint(SGR.green, `+ row ${c.row}${key(c.key)}  ${_textRow(c.after)}`)}\n`;
        break;
      case 'removed':
        yield `${paint(SGR.red, `- row ${c.row}${key(c.key)}  ${_textRow(c.before)}`)}\n`;
        break;
      case 'modified': {
        const fields = c.changes.map((f) => _textChange(f, color)).join('  ');
        yield `${paint(SGR.cyan, `~ ${_rowsText(c.rows[0], c.rows[1])}${key(c.key)}`)}  ${fields}\n`;
        break;
      }
      case 'moved':
        yield `${paint(SGR.cyan, `> moved${key(c.key)} row ${c.rows[0]} → row ${c.rows[1]}`)}\n`;
        break;
      default:
        _unknown(c);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// csv

export const CSV_HEADER = 'op,key,row_a,row_b,path,before,after';

// RFC 4180 §2.6–2.7: a field with a comma, a double quote, CR or LF is quoted, quotes doubled.
function _csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/**
 * A flat table for spreadsheets: one line per changed field of a modified row, one per added,
 * removed or moved row (before/after: the row as compact JSON), one per schema change (path: the
 * field; before/after: {path, type} as JSON). Lines end in CRLF (RFC 4180 §2.1).
 */
export async function* renderCsv(changes: AsyncIterable<RowChange>, opts: CsvOptions = {}): AsyncGenerator<string> {
  const guard = opts.formulaGuard === true;
  const data = (s: string) => _csvField(guard && /^[=+\-@\t\r]/.test(s) ? `'${s}` : s);
  const line = (op: string, key: unknown, a: number | undefined, b: number | undefined, path: string, before: string, after: string) =>
    `${[op, data(key === null || key === undefined ? '' : _plain(key)), a === undefined ? '' : String(a), b === undefined ? '' : String(b), data(path), data(before), data(after)].join(',')}\r\n`;
  const json = (v: unknown) => (v === undefined ? '' : (JSON.stringify(v) ?? ''));
  yield `${CSV_HEADER}\r\n`;
  for await (const c of changes) {
    switch (c.op) {
      case 'schema':
        yield line('schema', null, undefined, undefined, (c.before ?? c.after)?.path ?? '', c.before ? json(c.before) : '', c.after ? json(c.after) : '');
        break;
      case 'added':
        yield line('added', c.key, undefined, c.row, '', '', json(c.after));
        break;
      case 'removed':
        yield line('removed', c.key, c.row, undefined, '', json(c.before), '');
        break;
      case 'moved':
        yield line('moved', c.key, c.rows[0], c.rows[1], '', json(c.before), json(c.after));
        break;
      case 'modified': {
        let out = '';
        for (const f of c.changes) out += line('modified', c.key, c.rows[0], c.rows[1], f.path, _plain(f.before), _plain(f.after));
        yield out;
        break;
      }
      default:
        _unknown(c);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// html

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for element content and quoted attributes (all five of & < > " '). */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch]!);
}

/** Text as HTML: escaped, with control characters shown as markers (a newline also breaks). */
function _htmlText(s: string): string {
  return escapeHtml(s).replace(CONTROL, (ch) => (ch === '\n' ? '<span class="ctl">↵</span>\n' : `<span class="ctl">${_controlName(ch)}</span>`));
}

/** A value as HTML: a marker for absent or empty, else its text cut at HTML_VALUE_LIMIT. */
function _htmlValue(v: unknown): string {
  if (v === undefined) return '<span class="muted">absent</span>';
  if (v === '') return '<span class="muted">empty</span>';
  return _htmlText(shorten(_plain(v), HTML_VALUE_LIMIT));
}

const _len = (v: unknown) => (typeof v === 'string' ? v.length : 0);

function _htmlKey(k: unknown): string {
  const t = _keyText(k);
  return t === undefined ? '<span class="muted">—</span>' : _htmlValue(t);
}

function _htmlFields(row: unknown, tag: 'ins' | 'del'): string {
  if (row === null || typeof row !== 'object' || Array.isArray(row)) return `<${tag} class="v">${_htmlValue(row)}</${tag}>`;
  let out = '<div class="kv">';
  let n = 0;
  const entries = Object.entries(row);
  for (const [k, v] of entries) {
    if (n++ === HTML_ROW_FIELDS) {
      out += `<span class="n"></span><span class="muted">${entries.length - HTML_ROW_FIELDS} more fields</span>`;
      break;
    }
    out += `<span class="n">${_htmlValue(k)}</span><${tag} class="v">${_htmlValue(v)}</${tag}>`;
  }
  return `${out}</div>`;
}

function _htmlChanges(changes: FieldChange[]): string {
  let out = '<div class="kv">';
  for (const f of changes) {
    out += `<span class="n">${_htmlValue(_fieldLabel(f.path).name)}</span>`;
    const split = _splitPair(f.before, f.after, HTML_VALUE_LIMIT);
    if (split !== null && (Math.max(_len(f.before), _len(f.after)) > HTML_INLINE_LIMIT || /[\n\r]/.test(`${f.before}${f.after}`))) {
      // Long or multi-line text: old and new on lines of their own, the differing words marked.
      const [a, b] = split;
      out += `<span class="v"><span class="line old">${_htmlText(a.head)}<del>${_htmlText(a.mid)}</del>${_htmlText(a.tail)}</span>`;
      out += `<span class="line new">${_htmlText(b.head)}<ins>${_htmlText(b.mid)}</ins>${_htmlText(b.tail)}</span></span>`;
      continue;
    }
    const [before, after] = _clipPair(f.before, f.after, HTML_VALUE_LIMIT);
    out += '<span>';
    out += f.before === undefined ? '<span class="muted">absent</span>' : `<del class="v">${_htmlValue(before)}</del>`;
    out += ' <span class="arrow">→</span> ';
    out += f.after === undefined ? '<span class="muted">absent</span>' : `<ins class="v">${_htmlValue(after)}</ins>`;
    out += '</span>';
  }
  return `${out}</div>`;
}

function _htmlRow(c: RowChange): string {
  const badge = `<span class="badge b-${c.op}">${c.op}</span>`;
  const num = (n: number | undefined) => `<td class="num">${n === undefined ? '' : n}</td>`;
  switch (c.op) {
    case 'schema':
      return `<tr class="op-schema"><td>${badge}</td><td></td>${num(undefined)}${num(undefined)}<td>${_htmlValue(describeSchema(c))}</td></tr>\n`;
    case 'added':
      return `<tr class="op-added"><td>${badge}</td><td class="key">${_htmlKey(c.key)}</td>${num(undefined)}${num(c.row)}<td>${_htmlFields(c.after, 'ins')}</td></tr>\n`;
    case 'removed':
      return `<tr class="op-removed"><td>${badge}</td><td class="key">${_htmlKey(c.key)}</td>${num(c.row)}${num(undefined)}<td>${_htmlFields(c.before, 'del')}</td></tr>\n`;
    case 'modified':
      return `<tr class="op-modified"><td>${badge}</td><td class="key">${_htmlKey(c.key)}</td>${num(c.rows[0])}${num(c.rows[1])}<td>${_htmlChanges(c.changes)}</td></tr>\n`;
    case 'moved':
      return `<tr class="op-moved"><td>${badge}</td><td class="key">${_htmlKey(c.key)}</td>${num(c.rows[0])}${num(c.rows[1])}<td><span class="muted">moved from row ${c.rows[0]} to row ${c.rows[1]}, content unchanged</span></td></tr>\n`;
    default:
      return _unknown(c);
  }
}

// The page's only style and script. The Content-Security-Policy admits exactly these two by
// their SHA-256 (CSP Level 3 §8.4 hash-source), and nothing else: no network, no injected
// script or style even if escaping were ever wrong. test/diff/render.test.ts recomputes both.
export const HTML_STYLE = `
:root{color-scheme:light}
*{box-sizing:border-box}
body{margin:0;padding:24px 32px;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#1f2328;background:#fff}
h1{font-size:22px;margin:0 0 10px}
h2{font-size:16px;margin:0 0 8px}
header dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:0}
header dt{color:#59636e}
header dd{margin:0;font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;word-break:break-all}
#jump{margin:10px 0 0}
a{color:#0969da}
.summary{border:1px solid #d1d9e0;border-radius:6px;padding:12px 16px;margin:18px 0;background:#f6f8fa}
.counts{display:flex;flex-wrap:wrap;gap:8px 20px;list-style:none;padding:0;margin:0 0 6px}
.counts b{font-variant-numeric:tabular-nums}
.summary ul.schema{margin:6px 0 0;padding-left:20px}
.summary p{margin:6px 0 0}
table{border-collapse:collapse;width:100%;margin-top:18px}
th,td{border-bottom:1px solid #d1d9e0;padding:6px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa;font-weight:600;font-size:13px;color:#31373d}
col.op{width:96px}col.key{width:14%}col.num{width:64px}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.key,.v,.kv .n{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:12.5px}
.key{word-break:break-all}
.v{white-space:pre-wrap;word-break:break-word;padding:0 2px;border-radius:3px}
.kv{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:2px 14px}
.kv .n{color:#59636e}
.kv>.v{justify-self:start}
.line{display:block;padding:1px 4px;border-radius:3px}
.line.old{background:#fff5f5;color:#57606a}.line.new{background:#f3fcf5;color:#1f2328;margin-top:2px}
.line del{color:#a40e26;background:#ffcecb}.line ins{color:#116329;background:#aceebb}
.badge{display:inline-block;padding:0 8px;border-radius:10px;font-size:12px;font-weight:600;border:1px solid}
.b-added{color:#1a7f37;background:#dafbe1;border-color:#aceebb}
.b-removed{color:#cf222e;background:#ffebe9;border-color:#ffcecb}
.b-modified{color:#9a6700;background:#fff8c5;border-color:#eed888}
.b-moved{color:#0969da;background:#ddf4ff;border-color:#b6e3ff}
.b-schema{color:#8250df;background:#fbefff;border-color:#e2c6fb}
del{color:#a40e26;background:#ffebe9;text-decoration:line-through}
ins{color:#116329;background:#dafbe1;text-decoration:none}
.arrow,.muted,.ctl{color:#818b98}
.muted{font-style:italic}
.more{font-weight:600}
@media print{body{padding:0;font-size:11px}#jump{display:none}.summary,th,.badge,del,ins{print-color-adjust:exact;-webkit-print-color-adjust:exact}tr{break-inside:avoid}}
`;
export const HTML_SCRIPT = `document.getElementById("top").after(document.getElementById("summary"));document.getElementById("jump").hidden=true;`;
const STYLE_HASH = 'sha256-0wLMxCucgdtsNo0epByFfygdXhfcW0gcJ9LB+PCPcaA=';
const SCRIPT_HASH = 'sha256-fDqFjXoy3zxGSztEQQQVMlb+VPv0uSxzpolZqA71GsE=';
export const HTML_CSP = `default-src 'none'; style-src '${STYLE_HASH}'; script-src '${SCRIPT_HASH}'; base-uri 'none'; form-action 'none'`;

const OPS = ['added', 'removed', 'modified', 'moved', 'schema'] as const;

/**
 * One self-contained HTML page. Rows are written as they arrive; the summary can only be known at
 * the end, so it is written last and an inline script moves it under the header (without
 * JavaScript it stays at the end, and the header links to it).
 */
export async function* renderHtml(changes: AsyncIterable<RowChange>, opts: HtmlOptions): AsyncGenerator<string> {
  _checkLabels(opts?.labels, 'renderHtml');
  const limit = opts.limit ?? HTML_DEFAULT_LIMIT;
  if (!Number.isSafeInteger(limit) || limit < 0) {
    throw new InputError('INPUT_INVALID', `renderHtml: expected limit to be a whole number ≥ 0, got ${String(limit)}`, { limit });
  }
  const title = opts.title ?? 'Dataset diff';
  const now = opts.now ?? new Date();
  yield `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${HTML_CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<style>${HTML_STYLE}</style>
</head>
<body>
<header id="top">
<h1>${escapeHtml(title)}</h1>
<dl><dt>A (before)</dt><dd>${_htmlValue(opts.labels.a)}</dd><dt>B (after)</dt><dd>${_htmlValue(opts.labels.b)}</dd><dt>Generated</dt><dd>${escapeHtml(now.toISOString())}</dd></dl>
<p id="jump"><a href="#summary">Summary</a> is at the end of this page.</p>
</header>
<main>
<table>
<colgroup><col class="op"><col class="key"><col class="num"><col class="num"><col></colgroup>
<thead><tr><th>Change</th><th>Key</th><th class="num">Row in A</th><th class="num">Row in B</th><th>Details</th></tr></thead>
<tbody>
`;
  const counts = { added: 0, removed: 0, modified: 0, moved: 0, schema: 0 };
  const schema: string[] = [];
  let total = 0;
  for await (const c of changes) {
    if (!Object.hasOwn(counts, c.op)) _unknown(c as never);
    counts[c.op]++;
    if (c.op === 'schema' && schema.length < HTML_SUMMARY_SCHEMA_LIMIT) schema.push(describeSchema(c));
    if (total++ < limit) yield _htmlRow(c);
  }
  const hidden = total - Math.min(total, limit);
  let tail = '';
  if (total === 0) tail += '<tr><td colspan="5" class="muted">No differences.</td></tr>\n';
  tail += '</tbody>\n</table>\n';
  if (hidden > 0) tail += `<p class="more">${_moreMessage(hidden)}</p>\n`;
  tail += '</main>\n<section id="summary" class="summary">\n<h2>Summary</h2>\n<ul class="counts">';
  for (const op of OPS) tail += `<li><span class="badge b-${op}">${op}</span> <b>${counts[op]}</b></li>`;
  tail += '</ul>\n';
  if (schema.length > 0) {
    tail += `<ul class="schema">${schema.map((s) => `<li>${_htmlValue(s)}</li>`).join('')}</ul>\n`;
    if (counts.schema > schema.length) tail += `<p class="muted">and ${counts.schema - schema.length} more schema changes</p>\n`;
  }
  tail += `<p>${total} change${total === 1 ? '' : 's'} in all${hidden > 0 ? `; the first ${limit} are shown. ${_moreMessage(hidden)}` : '.'}</p>\n`;
  tail += `</section>\n<script>${HTML_SCRIPT}</script>\n</body>\n</html>\n`;
  yield tail;
}

function _moreMessage(n: number): string {
  return `${n} more change${n === 1 ? '' : 's'} not shown; use --format jsonl for all`;
}

// ---------------------------------------------------------------------------------------------

function _checkLabels(labels: unknown, caller: string): void {
  const l = labels as Partial<Labels> | undefined;
  if (typeof l?.a !== 'string' || typeof l?.b !== 'string') {
    throw new InputError('INPUT_INVALID', `${caller}: expected labels {a: string, b: string}`, { caller });
  }
}

function _unknown(c: never): never {
  throw new InputError('INPUT_INVALID', `unknown diff record op ${JSON.stringify((c as { op?: unknown })?.op)}`, { op: (c as { op?: unknown })?.op });
}
