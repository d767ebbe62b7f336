// The signature statement (21 CFR 11.50: printed name, date and time, meaning) exactly as it will
// be signed, with the key's passphrase asked for every time (11.200). The statement's fields go
// back to the server as they were shown, and the server signs those values, not new ones.
import type { ApprovalPreview } from '../api/approvals.js';
import { csrfField, esc, notice, subjectHref } from './html.js';

/** How long a shown statement stays signable: its time is the signature's time. */
export const STATEMENT_TTL_MS = 10 * 60_000;

export function confirmBody(p: ApprovalPreview, o: { csrf: string; error?: string }): string {
  const rows: [string, string][] = [
    ['Subject', `${esc(p.subject.label)}<span class="hint mono">${esc(p.subject.id)}</span>`],
    ['Printed name', esc(p.name)],
    ['E-mail', esc(p.email)],
    ['Key', `<span class="mono">${esc(p.fingerprint)}</span>`],
    ['Role', esc(p.role)],
    ['Meaning', `<strong>${esc(p.meaning)}</strong>`],
    ['Comment', p.comment ? `<span class="t">${esc(p.comment)}</span>` : '<span class="muted">(none)</span>'],
    ['Date and time (UTC)', esc(p.time)],
  ];
  const hidden = (name: string, value: string) => `<input type="hidden" name="${name}" value="${esc(value)}">`;
  return [
    `<h1>Sign ${esc(p.subject.label)}</h1>`,
    o.error ? notice('error', esc(o.error)) : '',
    '<div class="statement"><h2>You are about to sign</h2>',
    `<table class="fields"><tbody>${rows.map(([k, v]) => `<tr><th scope="row">${k}</th><td>${v}</td></tr>`).join('')}</tbody></table>`,
    `<p>The signature is made with your key over exactly these fields and the subject's id. It is logged, and it cannot be changed afterwards: it can only be withdrawn, which is logged too. This statement can be signed for ${STATEMENT_TTL_MS / 60_000} minutes.</p></div>`,
    `<form method="post" action="${subjectHref(p.subject.id)}/sign" data-once>${csrfField(o.csrf)}`,
    hidden('meaning', p.meaning) + hidden('role', p.role) + hidden('comment', p.comment) + hidden('time', p.time) + hidden('fingerprint', p.fingerprint),
    `<div class="field"><label for="passphrase">Passphrase for ${esc(p.email)}'s key</label><span class="hint">Asked for every signature; used once to unlock the key, never stored.</span>`,
    '<input type="password" id="passphrase" name="passphrase" autocomplete="off" required autofocus></div>',
    `<div class="actions"><button type="submit"${p.meaning === 'rejected' ? ' class="danger"' : ''}>Sign: ${esc(p.meaning)}</button> <a class="button secondary" href="${subjectHref(p.subject.id)}">Cancel</a></div>`,
    '</form>',
  ]
    .filter(Boolean)
    .join('\n');
}
