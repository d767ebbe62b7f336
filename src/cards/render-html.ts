// A Doc as ONE self-contained HTML file: inline CSS and inline SVG, no scripts, no fonts, no
// images, no URLs, so that it opens offline, archives as one file and prints to PDF from any
// browser. Every string from the doc is escaped (answers, names and comments are user-supplied).
// Citations are in-page links to the evidence table; the reader checks each id with
// `cognify show <id>`. The output is a pure function of the doc: same doc, same bytes.
import { chartSvg, esc } from './svg.js';
import type { Block, Cite, Doc, EvidenceRow, Field, Section, SignatureRow } from './types.js';

/** The evidence row's anchor: `ev-` and the first 12 hex digits of the digest. */
export function evidenceAnchor(id: string): string {
  const m = /^sha256:([0-9a-f]{12})/.exec(id);
  return m ? `ev-${m[1]}` : `ev-x-${id.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}

function shortText(id: string): string {
  return id.startsWith('sha256:') ? `${id.slice(0, 15)}…` : id.length > 16 ? `${id.slice(0, 15)}…` : id;
}

/** What a renderer needs beside the block: which ids have an evidence row, and chart numbering. */
interface Ctx {
  evidence: Set<string>;
  charts: number;
}

function citeLink(ctx: Ctx, id: string): string {
  // Builders cite only ids in the evidence table; should one not be, show it unlinked rather
  // than as a link to nowhere.
  if (!ctx.evidence.has(id)) return `<code class="cite" title="${esc(id)}">${esc(shortText(id))}</code>`;
  return `<a class="cite" href="#${esc(evidenceAnchor(id))}" title="${esc(id)}">${esc(shortText(id))}</a>`;
}

function cites(ctx: Ctx, c: Cite): string {
  return c.length ? ` <span class="cites">${c.map((id) => citeLink(ctx, id)).join(' ')}</span>` : '';
}

/** A time that may wrap before its "T" in a narrow column (the text is escaped first). */
function timeText(t: string): string {
  return esc(t).replace(/^(\d{4}-\d{2}-\d{2})T/, '$1<wbr>T');
}

/** A table cell's text; a long unbroken token (a hash, a path) may break anywhere, words may not. */
function cellText(c: string): string {
  return `<td class="${c.length > 24 && !/\s/.test(c) ? 'tok' : 't'}">${esc(c)}</td>`;
}

const missingBadge = '<span class="badge missing">MISSING</span>';

// ---- blocks ------------------------------------------------------------------------------------

function fieldValue(f: Field): string {
  if (f.value !== null) return `<span class="t">${esc(f.value)}</span>`;
  if (!f.required) return '<span class="muted">not recorded</span>';
  return `${missingBadge}${f.hint ? `<span class="hint">${esc(f.hint)}</span>` : ''}`;
}

function fields(ctx: Ctx, list: Field[]): string {
  const withCites = list.some((f) => f.cite.length);
  const rows = list.map(
    (f) =>
      `<tr${f.value === null && f.required ? ' class="is-missing"' : ''}><th scope="row">${esc(f.label)}</th><td>${fieldValue(f)}</td>` +
      (withCites ? `<td class="src">${cites(ctx, f.cite)}</td>` : '') +
      '</tr>',
  );
  return `<table class="fields"><tbody>\n${rows.join('\n')}\n</tbody></table>`;
}

function table(ctx: Ctx, b: Extract<Block, { type: 'table' }>): string {
  if (!b.rows.length) return `<p class="muted empty">${esc(b.empty)}</p>`;
  const withCites = b.rows.some((r) => r.cite.length);
  const width = Math.max(b.columns.length, ...b.rows.map((r) => r.cells.length));
  const pad = (cells: string[]) => [...cells, ...Array<string>(width - cells.length).fill('')];
  const head = pad(b.columns).map((c) => `<th scope="col">${esc(c)}</th>`).join('') + (withCites ? '<th scope="col" class="src">Source</th>' : '');
  const rows = b.rows.map(
    (r) => `<tr>${pad(r.cells).map(cellText).join('')}${withCites ? `<td class="src">${cites(ctx, r.cite)}</td>` : ''}</tr>`,
  );
  return `<div class="table-wrap"><table class="data"><thead><tr>${head}</tr></thead><tbody>\n${rows.join('\n')}\n</tbody></table></div>`;
}

function block(ctx: Ctx, b: Block): string {
  switch (b.type) {
    case 'paragraph':
      return `<p><span class="t">${esc(b.text)}</span>${cites(ctx, b.cite)}</p>`;
    case 'note':
      return `<aside class="note" role="note"><span class="t">${esc(b.text)}</span>${cites(ctx, b.cite)}</aside>`;
    case 'fields':
      return fields(ctx, b.fields);
    case 'table':
      return table(ctx, b);
    case 'list':
      return `<ul>\n${b.items.map((i) => `<li><span class="t">${esc(i.text)}</span>${cites(ctx, i.cite)}</li>`).join('\n')}\n</ul>`;
    case 'missing':
      return `<div class="missing-block">${missingBadge} <strong>${esc(b.item)}</strong><span class="hint">${esc(b.hint)}</span></div>`;
    case 'chart': {
      const svg = chartSvg(b.chart, `chart-${++ctx.charts}`);
      return `<figure class="chart">\n${svg}\n${b.cite.length ? `<figcaption>Source:${cites(ctx, b.cite)}</figcaption>` : ''}</figure>`;
    }
  }
}

function section(ctx: Ctx, s: Section): string {
  return `<section id="${esc(s.id)}">\n<h2>${esc(s.title)}</h2>\n${s.blocks.map((b) => block(ctx, b)).join('\n')}\n</section>`;
}

// ---- the fixed parts: signatures, missing items, evidence, verification -----------------------

function signatureRow(ctx: Ctx, s: SignatureRow): string {
  const w = s.withdrawn;
  const strike = (html: string) => (w ? `<s>${html}</s>` : html);
  const cell = (v: string) => `<td class="t">${strike(esc(v))}</td>`;
  const row =
    `<tr${w ? ' class="withdrawn"' : ''}><td class="t">${strike(esc(s.name))}<span class="hint">${strike(esc(s.email))}</span></td>` +
    `${cell(s.role)}${cell(s.meaning)}<td class="nowrap">${strike(esc(s.time))}</td>${cell(s.comment)}` +
    `<td>${citeLink(ctx, s.approval)}<span class="hint">for ${citeLink(ctx, s.subject)}</span></td></tr>`;
  const note = w
    ? `\n<tr class="withdrawal"><td colspan="6"><span class="badge withdrawn">WITHDRAWN</span> at ${esc(w.time)}: <span class="t">${esc(w.reason)}</span>${cites(ctx, [w.id])}</td></tr>`
    : '';
  // One tbody a signature, so a signature and its withdrawal are never split across pages.
  return `<tbody class="sig">${row}${note}</tbody>`;
}

function signatures(ctx: Ctx, doc: Doc): string {
  const head = '<h2>Signatures (21 CFR 11.50)</h2>';
  if (!doc.signatures.length) return `<section id="doc-signatures">${head}\n<p class="muted">No signatures recorded.</p></section>`;
  const cols = ['Printed name and e-mail', 'Role', 'Meaning', 'Date and time (UTC)', 'Comment', 'Approval'];
  return (
    `<section id="doc-signatures">${head}\n<div class="table-wrap"><table class="data sigs"><thead><tr>${cols.map((c) => `<th scope="col">${c}</th>`).join('')}</tr></thead>\n` +
    `${doc.signatures.map((s) => signatureRow(ctx, s)).join('\n')}\n</table></div></section>`
  );
}

function missing(doc: Doc): string {
  const head = '<h2>Missing items</h2>';
  if (!doc.missing.length) return `<section id="doc-missing">${head}\n<p class="ok-text">None: every required item is answered.</p></section>`;
  const idOf = new Map(doc.sections.map((s) => [s.title, s.id]));
  const items = doc.missing.map((m) => {
    const id = idOf.get(m.section);
    const where = id === undefined ? esc(m.section) : `<a href="#${esc(id)}">${esc(m.section)}</a>`;
    return `<li>${missingBadge} ${esc(m.item)} <span class="muted">(${where})</span></li>`;
  });
  return `<section id="doc-missing">${head}\n<p>${doc.missing.length} required item${doc.missing.length === 1 ? ' is' : 's are'} neither in the record nor in the answers:</p>\n<ul class="missing-list">\n${items.join('\n')}\n</ul></section>`;
}

function evidenceRow(e: EvidenceRow): string {
  return (
    `<tr id="${esc(evidenceAnchor(e.id))}"><td class="mono id">${esc(e.id)}</td><td>${esc(e.type)}</td>` +
    `<td class="mono id">${e.hash === e.id ? '<span class="muted">= id</span>' : esc(e.hash)}</td>` +
    `<td class="t">${e.signer === null ? '<span class="muted">unsigned</span>' : esc(e.signer)}</td><td>${e.time === null ? '' : timeText(e.time)}</td></tr>`
  );
}

function evidence(doc: Doc): string {
  return (
    '<section id="doc-evidence"><h2>Evidence</h2>\n<p>Every object this document cites, as held in the repository. Check any of them with <code>cognify show &lt;id&gt;</code>.</p>\n' +
    '<div class="table-wrap"><table class="data evidence"><thead><tr><th scope="col">Id</th><th scope="col">Type</th><th scope="col">Hash</th><th scope="col">Signer</th><th scope="col">Time (UTC)</th></tr></thead><tbody>\n' +
    `${doc.evidence.map(evidenceRow).join('\n')}\n</tbody></table></div></section>`
  );
}

function verification(doc: Doc): string {
  const v = doc.verification;
  const status = v.ok
    ? `<p class="verify"><span class="badge ok">PASSED</span> <code>cognify verify</code> passed for the whole repository when this document was generated: every object's hash and form, every signature and signer's role, the log's hash chain and Merkle root. This document rests on ${v.objects} objects (${v.signatures} of them signed), recorded in the first ${v.logEntries} log entries.</p>`
    : `<p class="verify"><span class="badge missing">FAILED</span> <code>cognify verify</code> failed: <span class="t">${esc(v.problem ?? 'no problem reported')}</span></p>`;
  return (
    `<section id="doc-verification"><h2>Verification</h2>\n${status}\n` +
    `<table class="fields"><tbody><tr><th scope="row">Log size</th><td>${v.logSize} entries</td></tr><tr><th scope="row">Merkle root</th><td class="mono id">${esc(v.root)}</td></tr></tbody></table>\n` +
    '<p>To check this document, run <code>cognify verify</code> in a copy of the repository: it must pass, and the log must contain the size and root above. ' +
    'Then run <code>cognify show &lt;id&gt;</code> for any id in the evidence table and compare type, hash, signer and time.</p></section>'
  );
}

function header(doc: Doc): string {
  const v = doc.verification;
  const chips = [
    v.ok ? '<span class="badge ok">VERIFIED</span>' : '<span class="badge missing">VERIFICATION FAILED</span>',
    doc.missing.length ? `<a href="#doc-missing" class="badge missing">${doc.missing.length} MISSING</a>` : '<span class="badge ok">COMPLETE</span>',
    `<a href="#doc-signatures" class="badge plain">${doc.signatures.filter((s) => !s.withdrawn).length} SIGNATURE${doc.signatures.filter((s) => !s.withdrawn).length === 1 ? '' : 'S'}</a>`,
  ];
  return (
    `<header class="doc">\n<p class="kind">${esc(doc.kind)}</p>\n<h1>${esc(doc.title)}</h1>\n<dl class="meta">` +
    `<dt>Subject</dt><dd>${esc(doc.subjectLabel)} <span class="muted">(${esc(doc.subjectType)})</span></dd>` +
    `<dt>Subject id</dt><dd class="mono">${esc(doc.subject)}</dd>` +
    `<dt>Repository</dt><dd>${esc(doc.repo.name)} <span class="mono muted">${esc(doc.repo.id)}</span></dd>` +
    `</dl>\n<p class="chips">${chips.join(' ')}</p>\n</header>`
  );
}

function toc(doc: Doc): string {
  const items = [
    ...doc.sections.map((s) => [s.id, s.title] as const),
    ['doc-signatures', 'Signatures'],
    ['doc-missing', 'Missing items'],
    ['doc-evidence', 'Evidence'],
    ['doc-verification', 'Verification'],
    ...(doc.frontMatter ? [['doc-metadata', 'Hugging Face metadata'] as const] : []),
  ];
  return `<nav class="toc" aria-label="Contents"><h2>Contents</h2><ol>${items.map(([id, t]) => `<li><a href="#${esc(id)}">${esc(t)}</a></li>`).join('')}</ol></nav>`;
}

const CSS = `
:root{--ink:#1f2328;--muted:#59636e;--line:#d0d7de;--soft:#f6f8fa;--accent:#1f4e79;--red:#b42318;--red-bg:#fdf0ee;--green:#1a7f37;--amber:#9a6700}
*{box-sizing:border-box}
html{-webkit-print-color-adjust:exact;print-color-adjust:exact;color-scheme:light}
body{margin:0;background:#fff;color:var(--ink);font:15px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans","Liberation Sans",sans-serif}
.page{max-width:960px;margin:0 auto;padding:32px 28px 48px}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono","DejaVu Sans Mono",monospace;font-size:.85em}
a{color:var(--accent)}
h1{font-size:1.65rem;line-height:1.25;margin:.15rem 0 .8rem;font-weight:600}
h2{font-size:1.2rem;font-weight:600;margin:2.2rem 0 .8rem;padding-bottom:.3rem;border-bottom:1px solid var(--line)}
header.doc{border-bottom:3px solid var(--accent);padding-bottom:1rem}
.kind{margin:0;font-size:.75rem;letter-spacing:.1em;text-transform:uppercase;color:var(--muted)}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:.15rem 1.2rem;margin:0}
dl.meta dt{color:var(--muted)}
dl.meta dd{margin:0;overflow-wrap:anywhere}
.chips{margin:.8rem 0 0}
nav.toc h2{font-size:1rem;border:0;margin:1.4rem 0 .3rem}
nav.toc ol{margin:0;padding-left:1.4rem;columns:2;column-gap:2rem;font-size:.92rem}
table{border-collapse:collapse;width:100%;margin:.6rem 0 1rem;font-size:.9rem}
th,td{border:1px solid var(--line);padding:.35rem .55rem;text-align:left;vertical-align:top}
thead th{background:var(--soft);font-weight:600}
table.fields th{width:30%;background:var(--soft);font-weight:600}
.table-wrap{overflow-x:auto}
.t{white-space:pre-line;overflow-wrap:break-word}
.tok{overflow-wrap:anywhere;word-break:break-all}
table.evidence{table-layout:fixed}
table.evidence th:nth-child(1){width:28%}
table.evidence th:nth-child(2){width:11%}
table.evidence th:nth-child(3){width:23%}
table.evidence th:nth-child(5){width:13%}
td.src,th.src{width:1%;white-space:nowrap}
td.src .cite{display:block;margin:.1rem 0}
td.id{overflow-wrap:anywhere;word-break:break-all;font-size:.78rem}
.nowrap{white-space:nowrap}
.cites{white-space:normal}
.cite{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono","DejaVu Sans Mono",monospace;font-size:.74rem;color:var(--accent);background:#edf2f7;border-radius:3px;padding:0 .3em;text-decoration:none;white-space:nowrap}
a.cite:hover{text-decoration:underline}
.badge{display:inline-block;font-size:.72rem;font-weight:700;letter-spacing:.05em;line-height:1.5;padding:0 .45rem;border-radius:3px;text-decoration:none;vertical-align:.05em}
.badge.missing{background:var(--red);color:#fff}
.badge.ok{background:var(--green);color:#fff}
.badge.withdrawn{background:var(--amber);color:#fff}
.badge.plain{background:var(--soft);color:var(--ink);border:1px solid var(--line)}
.hint{display:block;font-size:.8rem;color:var(--muted);margin-top:.15rem}
.muted{color:var(--muted)}
.ok-text{color:var(--green)}
tr.is-missing td,tr.is-missing th{background:var(--red-bg)}
aside.note{margin:.9rem 0;padding:.6rem .9rem;border-left:4px solid #5b7fa6;background:#f1f5f9}
.missing-block{margin:.9rem 0;padding:.55rem .9rem;border:1px solid #f0c2bc;border-left:4px solid var(--red);background:var(--red-bg)}
ul.missing-list{padding-left:1.2rem;list-style:none}
ul.missing-list li{margin:.25rem 0}
figure.chart{margin:1rem 0;padding:.8rem;border:1px solid var(--line);border-radius:4px}
figure.chart svg{display:block;width:100%;height:auto}
figcaption{margin-top:.4rem;font-size:.8rem;color:var(--muted)}
tr.withdrawn td{color:var(--muted)}
tr.withdrawal td{background:#fdf6e7;font-size:.85rem}
tr:target td{background:#fff5cc}
pre{margin:.6rem 0;padding:.75rem;background:var(--soft);border:1px solid var(--line);font-size:.8rem;white-space:pre-wrap;overflow-wrap:anywhere}
footer{margin-top:2.5rem;padding-top:.6rem;border-top:1px solid var(--line);font-size:.8rem;color:var(--muted)}
@page{size:A4;margin:16mm 14mm 18mm;@bottom-right{content:"Page " counter(page) " of " counter(pages);font:8pt system-ui,sans-serif;color:#59636e}}
@media print{
body{font-size:10pt}
.page{max-width:none;padding:0}
h1,h2,h3{break-after:avoid;page-break-after:avoid;break-inside:avoid}
h2::after{content:"";display:block;height:3.5cm;margin-bottom:-3.5cm}
tr,tbody.sig,figure,svg,aside.note,.missing-block,dl.meta{break-inside:avoid;page-break-inside:avoid}
thead{display:table-header-group}
.table-wrap{overflow:visible}
nav.toc ol{columns:2}
a{text-decoration:none}
tr:target td{background:none}
table.evidence{font-size:.85em}
}`;

/** JSON.stringify throws on a bigint; front matter is plain data, so a bigint is shown as its digits. */
function jsonSafe(_key: string, v: unknown): unknown {
  return typeof v === 'bigint' ? v.toString() : v;
}

/** The document's header, contents, sections, signatures, missing items, evidence and verification. */
function bodyParts(doc: Doc): string[] {
  const ctx: Ctx = { evidence: new Set(doc.evidence.map((e) => e.id)), charts: 0 };
  return [
    header(doc),
    toc(doc),
    '<main>',
    ...doc.sections.map((s) => section(ctx, s)),
    signatures(ctx, doc),
    missing(doc),
    evidence(doc),
    verification(doc),
    doc.frontMatter
      ? `<section id="doc-metadata"><h2>Hugging Face metadata</h2>\n<p class="muted">The model card's YAML front matter, as JSON.</p>\n<pre>${esc(JSON.stringify(doc.frontMatter, jsonSafe, 2))}</pre></section>`
      : '',
    '</main>',
  ].filter(Boolean);
}

/** The stylesheet every rendered document carries; a page that embeds documents uses it too. */
export const DOC_CSS = CSS;

/**
 * The document's body for embedding in another page (`cognify serve`): every id, in-page link and
 * SVG reference is prefixed, so several documents can share one page without their anchors
 * colliding. Text is escaped, so `id="` appears only in markup this file wrote.
 */
export function renderHtmlFragment(doc: Doc, prefix: string): string {
  return prefixIds(bodyParts(doc).join('\n'), prefix);
}

/** Only the sections and the evidence table they cite, prefixed as above: a page's own evidence. */
export function renderSectionsFragment(doc: Doc, prefix: string): string {
  const ctx: Ctx = { evidence: new Set(doc.evidence.map((e) => e.id)), charts: 0 };
  return prefixIds([...doc.sections.map((s) => section(ctx, s)), evidence(doc)].join('\n'), prefix);
}

function prefixIds(html: string, prefix: string): string {
  return html.replace(/(\sid="|\shref="#|\saria-labelledby="|url\(#)/g, `$1${prefix}`);
}

/** The document as one self-contained HTML file. */
export function renderHtml(doc: Doc): string {
  const parts = [
    ...bodyParts(doc),
    `<footer>Generated by Cognify from repository ${esc(doc.repo.name)}. The signed record is authoritative; regenerating this document from the same record and answers gives the same file.</footer>`,
  ];
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(doc.title)}: ${esc(doc.subjectLabel)}</title>`,
    `<style>${CSS}\n</style>`,
    '</head>',
    '<body><div class="page">',
    ...parts,
    '</div></body>',
    '</html>',
    '',
  ].join('\n');
}
