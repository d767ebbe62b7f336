// The review pages' shell: one layout, one stylesheet and one small script, all served by the page
// itself (no request leaves the machine). The stylesheet is the documents' own (DOC_CSS) plus the
// page's controls, so a document shown inline looks as it does when generated with cognify card.
import { esc } from '../cards/svg.js';
import { DOC_CSS } from '../cards/render-html.js';

export { esc };

export interface Viewer {
  fingerprint: string;
  name: string;
  email: string;
  roles: string[];
}

export interface Layout {
  title: string;
  /** Which top link is current. */
  nav: 'inbox' | 'log' | 'subject';
  repoName: string;
  viewer: Viewer | null;
  /** Local keys the viewer may act as, for the switcher. */
  keys: { fingerprint: string; name: string; email: string; known: boolean }[];
  csrf: string;
  /** Where the identity switcher returns to. */
  path: string;
  body: string;
}

export function page(l: Layout): string {
  const link = (href: string, key: Layout['nav'], text: string) => `<a href="${href}"${l.nav === key ? ' aria-current="page"' : ''}>${text}</a>`;
  const options = l.keys
    .filter((k) => k.known)
    .map((k) => `<option value="${esc(k.fingerprint)}"${l.viewer?.fingerprint === k.fingerprint ? ' selected' : ''}>${esc(k.name)} &lt;${esc(k.email)}&gt;</option>`)
    .join('');
  const who = options
    ? `<form class="who" method="post" action="/identity"><input type="hidden" name="csrf" value="${esc(l.csrf)}"><input type="hidden" name="back" value="${esc(l.path)}">` +
      `<label for="who-key">Reviewing as</label> <select id="who-key" name="fingerprint">${l.viewer ? '' : '<option value="">choose…</option>'}${options}</select> <button type="submit">Switch</button></form>`
    : '<p class="who muted">No key in this keystore belongs to an identity of this repository: run cognify id new, then have an admin import it.</p>';
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="same-origin">',
    `<title>${esc(l.title)} · ${esc(l.repoName)} · Cognify review</title>`,
    '<link rel="icon" href="data:,">',
    '<link rel="stylesheet" href="/static/review.css">',
    '<script src="/static/review.js" defer></script>',
    '</head>',
    '<body>',
    '<a class="skip" href="#main">Skip to content</a>',
    `<header class="bar"><div class="bar-in"><span class="brand">Cognify review · <span class="repo">${esc(l.repoName)}</span></span>`,
    `<nav aria-label="Main">${link('/', 'inbox', 'Inbox')} ${link('/log', 'log', 'Audit log')}</nav>${who}</div></header>`,
    `<div class="page"><main id="main" tabindex="-1">`,
    l.body,
    '</main></div>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

/** A badge for an approval state, spelled out (colour is never the only signal). */
export function stateBadge(state: string): string {
  const cls = state === 'approved' ? 'ok' : state === 'rejected' ? 'missing' : state === 'withdrawn' ? 'withdrawn' : 'plain';
  return `<span class="badge ${cls}">${esc(state.toUpperCase().replace('-', ' '))}</span>`;
}

export function notice(kind: 'ok' | 'error' | 'info', text: string): string {
  return `<div class="notice ${kind}" role="${kind === 'error' ? 'alert' : 'status'}">${text}</div>`;
}

/** `/subject/<id>`: ids are `sha256:<hex>`, safe in a path as they are. */
export function subjectHref(id: string): string {
  return `/subject/${encodeURIComponent(id).replace(/%3A/gi, ':')}`;
}

export function csrfField(token: string): string {
  return `<input type="hidden" name="csrf" value="${esc(token)}">`;
}

const APP_CSS = `
.skip{position:absolute;left:-999px;top:0;background:#fff;padding:.5rem 1rem;z-index:10}
.skip:focus{left:1rem}
header.bar{background:#1f4e79;color:#fff}
.bar-in{max-width:1100px;margin:0 auto;padding:.55rem 28px;display:flex;flex-wrap:wrap;gap:.4rem 1.4rem;align-items:center}
.brand{font-weight:600}
.brand .repo{font-weight:400}
header.bar nav a{color:#fff;margin-right:1rem;text-decoration:none;padding:.15rem .1rem;border-bottom:2px solid transparent}
header.bar nav a[aria-current="page"]{border-bottom-color:#fff}
header.bar nav a:hover{text-decoration:underline}
form.who{margin-left:auto;display:flex;gap:.4rem;align-items:center;flex-wrap:wrap}
p.who{margin:0 0 0 auto;color:#e6edf3}
.page{max-width:1100px}
:focus-visible{outline:3px solid #e69f00;outline-offset:2px}
main:focus{outline:none}
button,.button{font:inherit;font-weight:600;padding:.4rem .9rem;border:1px solid #1f4e79;border-radius:4px;background:#1f4e79;color:#fff;cursor:pointer;text-decoration:none;display:inline-block}
button.secondary,.button.secondary{background:#fff;color:#1f4e79}
button.danger{background:#b42318;border-color:#b42318}
button[disabled]{opacity:.6;cursor:wait}
input[type=text],input[type=password],select,textarea{font:inherit;padding:.35rem .5rem;border:1px solid #8c959f;border-radius:4px;max-width:100%}
textarea{width:100%;min-height:6rem}
label{font-weight:600}
fieldset{border:1px solid var(--line);border-radius:4px;margin:1rem 0;padding:.6rem 1rem 1rem}
legend{font-weight:600;padding:0 .3rem}
.field{margin:.7rem 0}
.field .hint{font-weight:400;margin-bottom:.4rem}
.choices label{font-weight:400;margin-right:1.2rem}
.notice{margin:1rem 0;padding:.7rem 1rem;border-radius:4px;border:1px solid var(--line);border-left-width:5px}
.notice.ok{border-color:#1a7f37;background:#eef8f0}
.notice.error{border-color:#b42318;background:#fdf0ee}
.notice.info{border-color:#5b7fa6;background:#f1f5f9}
ul.tabs{list-style:none;padding:0;margin:1rem 0;display:flex;flex-wrap:wrap;gap:.3rem}
ul.tabs a{display:inline-block;padding:.3rem .75rem;border:1px solid var(--line);border-radius:999px;text-decoration:none}
ul.tabs a[aria-current="page"]{background:#1f4e79;color:#fff;border-color:#1f4e79}
form.filters{display:flex;flex-wrap:wrap;gap:.6rem 1rem;align-items:end;margin:.5rem 0 1rem}
form.filters .field{margin:0}
form.filters label{display:block;font-size:.85rem}
table.inbox td:first-child{white-space:nowrap}
.statement{border:2px solid #1f4e79;border-radius:6px;padding:.4rem 1rem 1rem;margin:1rem 0}
.statement h2{margin-top:.8rem}
.statement table.fields th{width:22%}
input[type=password]{width:min(100%,24rem)}
.subject-head{border-bottom:3px solid var(--accent);padding-bottom:1rem;margin-bottom:1rem}
.subject-head ul{margin:.4rem 0 0;padding-left:1.2rem}
details.doc-inline{border:1px solid var(--line);border-radius:4px;margin:.8rem 0;padding:.3rem .9rem}
details.doc-inline>summary{cursor:pointer;font-weight:600;padding:.3rem 0}
details.doc-inline[open]>summary{border-bottom:1px solid var(--line);margin-bottom:.6rem}
details.doc-inline header.doc h1{font-size:1.35rem}
.proof{font-size:.75rem}
.actions{display:flex;gap:.6rem;flex-wrap:wrap;margin-top:1rem}
@media (max-width:640px){.bar-in,.page{padding-left:14px;padding-right:14px}form.who{margin-left:0}}
@media print{
header.bar,.skip,form,.actions,.no-print,ul.tabs{display:none !important}
details.doc-inline{border:0;padding:0}
details.doc-inline>summary{display:none}
}`;

export const REVIEW_CSS = `${DOC_CSS}\n${APP_CSS}\n`;

// The page's only script. Everything works without it; it saves a double submission of a
// signature, opens the collapsed documents before printing, and clears the passphrase field if the
// browser restores the page from its back/forward cache.
export const REVIEW_JS = `'use strict';
document.addEventListener('submit', function (e) {
  var b = e.target.querySelector('button[type=submit]');
  if (e.target.hasAttribute('data-once') && b) { if (b.disabled) { e.preventDefault(); return; } setTimeout(function () { b.disabled = true; }, 0); }
});
window.addEventListener('beforeprint', function () { document.querySelectorAll('details').forEach(function (d) { d.setAttribute('data-was-open', d.open ? '1' : ''); d.open = true; }); });
window.addEventListener('afterprint', function () { document.querySelectorAll('details[data-was-open]').forEach(function (d) { d.open = d.getAttribute('data-was-open') === '1'; d.removeAttribute('data-was-open'); }); });
window.addEventListener('pageshow', function () { document.querySelectorAll('input[type=password]').forEach(function (i) { i.value = ''; }); });
`;
