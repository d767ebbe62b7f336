// The audit log as a reviewer checks it: the whole-repository verify result as a badge, the entries
// filtered by subject, actor and action, the latest signed checkpoint to keep, and a check that a
// checkpoint kept earlier (or received from another site) is a prefix of today's log.
import { latestCheckpoint, readEntries, type StoredEntry } from '../chain/audit-log.js';
import type { VerifyReport } from '../chain/verify-repo.js';
import type { Repo } from '../api/repo.js';
import { checkConsistency, type ConsistencyCheck } from '../api/log-checks.js';
import { csrfField, esc, notice, subjectHref } from './html.js';

/** At most this many entries are listed (the newest that match); the filters narrow the rest. */
export const LOG_PAGE_LIMIT = 500;

export interface LogFilters {
  subject: string;
  actor: string;
  action: string;
}

export interface LogView {
  verify: VerifyReport;
  entries: StoredEntry[];
  matched: number;
  total: number;
  people: Map<string, { name: string; email: string }>;
  checkpoint: string | null;
  actions: string[];
  consistency: { pasted: string; result: ConsistencyCheck | null; error: string | null } | null;
}

export async function logView(repo: Repo, f: LogFilters, pasted: string | null): Promise<LogView> {
  const people = new Map((await repo.identities()).map((k) => [k.fingerprint, { name: k.name, email: k.email }]));
  const actor = f.actor.trim().toLowerCase();
  const actorKeys = new Set(
    [...people.entries()].filter(([fp, p]) => actor && (fp.startsWith(actor) || p.email.toLowerCase() === actor || p.name.toLowerCase().includes(actor))).map(([fp]) => fp),
  );
  const subject = f.subject.trim();
  const entries: StoredEntry[] = [];
  const actions = new Set<string>();
  let matched = 0;
  let total = 0;
  for await (const e of readEntries(repo.store)) {
    total++;
    actions.add(e.entry.action);
    if (actor && !actorKeys.has(e.entry.signer)) continue;
    if (f.action && e.entry.action !== f.action) continue;
    if (subject && !e.entry.subjects.some((s) => s.startsWith(subject) || s.slice(7).startsWith(subject)) && !(typeof e.entry.details.about === 'string' && e.entry.details.about.startsWith(subject))) continue;
    matched++;
    entries.push(e);
    if (entries.length > LOG_PAGE_LIMIT) entries.shift();
  }
  let consistency: LogView['consistency'] = null;
  if (pasted !== null) {
    try {
      consistency = { pasted, result: await checkConsistency(repo, pasted), error: null };
    } catch (e) {
      consistency = { pasted, result: null, error: (e as Error).message };
    }
  }
  return { verify: await repo.verify(), entries: entries.reverse(), matched, total, people, checkpoint: (await latestCheckpoint(repo.store)) ?? null, actions: [...actions].sort(), consistency };
}

function verifyBadge(v: VerifyReport): string {
  if (v.ok) {
    return notice('ok', `<span class="badge ok">VERIFIED</span> <code>cognify verify</code> passed just now: ${v.objects} objects, ${v.signatures} signatures, ${v.logEntries} log entries and ${v.checkpoints} checkpoints, every hash, signature, role and log link.`);
  }
  return notice(
    'error',
    `<span class="badge missing">VERIFICATION FAILED</span> ${v.problems.length} problem${v.problems.length === 1 ? '' : 's'}:<ul>${v.problems.slice(0, 20).map((p) => `<li>${esc(p.where)}: ${esc(p.what)} [${esc(p.code)}]</li>`).join('')}</ul>`,
  );
}

function consistencyBlock(c: LogView['consistency']): string {
  if (!c) return '';
  if (c.error) return notice('error', `<span class="badge missing">NOT CONSISTENT</span> ${esc(c.error)}.`);
  const r = c.result!;
  return notice(
    'ok',
    `<span class="badge ok">CONSISTENT</span> The log at ${r.checkpoint.size} entries, as ${esc(r.checkpoint.signer.name)} &lt;${esc(r.checkpoint.signer.email)}&gt; signed it, is a prefix of this log of ${r.size} entries (root <span class="mono">${esc(r.root)}</span>): nothing recorded then was changed or removed. RFC 9162 consistency proof of ${r.proof.length} hashes checked.`,
  );
}

export function logBody(v: LogView, f: LogFilters, csrf: string): string {
  const field = (id: keyof LogFilters, label: string, hint: string) =>
    `<div class="field"><label for="f-${id}">${label}</label><input type="text" id="f-${id}" name="${id}" value="${esc(f[id])}" placeholder="${esc(hint)}"></div>`;
  const actionSelect = `<div class="field"><label for="f-action">Action</label><select id="f-action" name="action"><option value="">any action</option>${v.actions.map((a) => `<option${a === f.action ? ' selected' : ''}>${esc(a)}</option>`).join('')}</select></div>`;
  const rows = v.entries.map((e) => {
    const who = v.people.get(e.entry.signer);
    const subjects = e.entry.subjects.map((s) => `<a class="mono" href="${subjectHref(s)}">${esc(s.slice(0, 19))}…</a>`).join(' ');
    return `<tr><td>${e.seq}</td><td class="nowrap">${esc(e.entry.time)}</td><td>${who ? `${esc(who.name)}<span class="hint">${esc(who.email)}</span>` : `<span class="mono">${esc(e.entry.signer.slice(0, 16))}</span>`}</td><td>${esc(e.entry.action)}</td><td>${subjects}</td></tr>`;
  });
  const filtered = f.subject || f.actor || f.action;
  return [
    '<h1>Audit log</h1>',
    verifyBadge(v.verify),
    `<form class="filters" method="get" action="/log">${field('subject', 'Subject', 'object id or prefix')}${field('actor', 'Actor', 'name, e-mail or key')}${actionSelect}<button type="submit" class="secondary">Filter</button>${filtered ? ' <a href="/log">Clear</a>' : ''}</form>`,
    `<p class="muted">${v.matched} of ${v.total} entries match${v.matched > v.entries.length ? `; the newest ${v.entries.length} are shown` : ''}, newest first.</p>`,
    `<div class="table-wrap"><table><thead><tr><th scope="col">Entry</th><th scope="col">Time (UTC)</th><th scope="col">Actor</th><th scope="col">Action</th><th scope="col">Subjects</th></tr></thead><tbody>${rows.join('\n') || '<tr><td colspan="5">No entry matches.</td></tr>'}</tbody></table></div>`,
    '<section id="checkpoint"><h2>Checkpoints</h2>',
    v.checkpoint
      ? `<p>The latest signed checkpoint. Keep a copy: pasting it here later proves the log was only appended to since.</p><pre>${esc(v.checkpoint)}</pre>`
      : '<p>The log has no checkpoint yet.</p>',
    consistencyBlock(v.consistency),
    `<form method="post" action="/log/checkpoint">${csrfField(csrf)}<div class="field"><label for="cp-text">Check a checkpoint against this log</label><span class="hint">Paste a checkpoint kept earlier, or one from another site (cognify log checkpoint).</span>`,
    `<textarea id="cp-text" name="checkpoint" rows="6" required>${esc(v.consistency?.pasted ?? '')}</textarea></div><div class="actions"><button type="submit">Check consistency</button></div></form></section>`,
  ].join('\n');
}
