// The inbox: every subject a reviewer might sign (each run's latest version, every dataset version,
// the evals of those runs, committed documents) with its state under the policy, and which of them
// wait for the viewer: the policy asks for a role the viewer holds, the viewer may sign it (not its
// author, not already signed), and it is neither approved nor rejected yet.
import type { ObjectId } from '../core/ids.js';
import type { Role } from '../chain/chain-types.js';
import type { RunObject } from '../runs/run-types.js';
import { readEntries } from '../chain/audit-log.js';
import type { Repo } from '../api/repo.js';
import type { StatusResult } from '../api/approvals.js';
import { esc, stateBadge, subjectHref, type Viewer } from './html.js';

export interface InboxItem {
  id: ObjectId;
  kind: string;
  label: string;
  state: StatusResult['state'];
  /** What the policy still needs. */
  missing: string[];
  /** The roles in which the viewer could sign it now; empty when it does not wait for them. */
  yourRoles: Role[];
  /** The viewer's own live signatures on it. */
  yourSignatures: string[];
  summary: string;
}

export const INBOX_STATES = ['waiting', 'in-review', 'draft', 'approved', 'rejected', 'withdrawn', 'all'] as const;
export const INBOX_KINDS = ['all', 'run', 'dataset', 'eval', 'document'] as const;
export type InboxState = (typeof INBOX_STATES)[number];
export type InboxKind = (typeof INBOX_KINDS)[number];

/** The subjects listed, newest first within each kind. */
async function subjects(repo: Repo): Promise<ObjectId[]> {
  const ids: ObjectId[] = [];
  const runs = await repo.runs.list();
  for (const r of runs) {
    ids.push(r.id);
    for (const e of (r.version as unknown as RunObject).evals) ids.push(e as ObjectId);
  }
  for (const d of await repo.datasets.list()) for await (const v of repo.datasets.versions(d.version.name)) ids.push(v.id);
  for await (const e of readEntries(repo.store)) if (e.entry.action === 'document.commit') ids.push(e.entry.subjects[0]!);
  return [...new Set(ids)];
}

export async function inboxItems(repo: Repo, viewer: Viewer | null): Promise<InboxItem[]> {
  const out: InboxItem[] = [];
  for (const id of await subjects(repo)) {
    const s = await repo.policy.evaluate(id);
    const mine = viewer ? s.signatures.filter((g) => g.signer === viewer.fingerprint && !g.withdrawn) : [];
    const yourRoles: Role[] = [];
    if (viewer && !mine.length && s.state !== 'approved' && s.state !== 'rejected') {
      for (const role of viewer.roles as Role[]) {
        // prepare() is the signing rule itself: role asked for, not the author, not signed yet.
        const ok = await repo.approvals.prepare({ subject: id, meaning: 'approved', role, signer: viewer.fingerprint }).then(
          () => true,
          () => false,
        );
        if (ok) yourRoles.push(role);
      }
    }
    out.push({
      id,
      kind: s.kind,
      label: s.label,
      state: s.state,
      missing: s.missing.map((m) => m.requirement),
      yourRoles,
      yourSignatures: mine.map((g) => `${g.meaning} as ${g.role}`),
      summary: s.summary[0] ?? '',
    });
  }
  return out;
}

export function inboxBody(o: { items: InboxItem[]; state: InboxState; kind: InboxKind; viewer: Viewer | null; canChoose: boolean }): string {
  const count = (st: InboxState) => o.items.filter((i) => (st === 'all' ? true : st === 'waiting' ? i.yourRoles.length > 0 : i.state === st)).length;
  const names: Record<InboxState, string> = { waiting: 'Waiting for you', 'in-review': 'In review', draft: 'Draft', approved: 'Approved', rejected: 'Rejected', withdrawn: 'Withdrawn', all: 'All' };
  const href = (st: InboxState, k: InboxKind) => `/?state=${st}${k === 'all' ? '' : `&kind=${k}`}`;
  const tabs = INBOX_STATES.filter((st) => st !== 'waiting' || o.viewer)
    .map((st) => `<li><a href="${href(st, o.kind)}"${st === o.state ? ' aria-current="page"' : ''}>${names[st]} (${count(st)})</a></li>`)
    .join('');
  const shown = o.items.filter((i) => (o.kind === 'all' || i.kind === o.kind) && (o.state === 'all' ? true : o.state === 'waiting' ? i.yourRoles.length > 0 : i.state === o.state));
  const kindFilter =
    `<form class="filters" method="get" action="/"><input type="hidden" name="state" value="${o.state}"><div class="field"><label for="f-kind">Kind of subject</label>` +
    `<select id="f-kind" name="kind">${INBOX_KINDS.map((k) => `<option value="${k}"${k === o.kind ? ' selected' : ''}>${k === 'all' ? 'all kinds' : k}</option>`).join('')}</select></div>` +
    `<button type="submit" class="secondary">Filter</button></form>`;
  const intro = o.viewer
    ? o.state === 'waiting'
      ? `<p>Subjects whose policy asks for a role you hold (${esc(o.viewer.roles.join(', ') || 'none')}) and that you have not signed yet.</p>`
      : ''
    : o.canChoose
      ? '<p>Choose who you are (top right) to see what waits for your signature.</p>'
      : '<p>Everything here can be read. To sign, you need a key in this machine\'s keystore that is an identity of this repository (see the top right).</p>';
  const rows = shown.map(
    (i) =>
      `<tr><td>${stateBadge(i.state)}</td><td><a href="${subjectHref(i.id)}">${esc(i.label)}</a><span class="hint">${esc(i.summary)}</span></td><td>${esc(i.kind)}</td>` +
      `<td class="t">${i.missing.length ? esc(i.missing.join('\n')) : '<span class="ok-text">nothing</span>'}</td>` +
      `<td>${i.yourRoles.length ? `<strong>sign as ${esc(i.yourRoles.join(' or '))}</strong>` : i.yourSignatures.length ? esc(`you signed: ${i.yourSignatures.join(', ')}`) : '<span class="muted">—</span>'}</td></tr>`,
  );
  return [
    `<h1>Inbox</h1>`,
    intro,
    `<nav aria-label="Filter by state"><ul class="tabs">${tabs}</ul></nav>`,
    kindFilter,
    shown.length
      ? `<div class="table-wrap"><table class="inbox"><caption class="muted">${shown.length} subject${shown.length === 1 ? '' : 's'}</caption><thead><tr><th scope="col">State</th><th scope="col">Subject</th><th scope="col">Kind</th><th scope="col">Still missing</th><th scope="col">You</th></tr></thead><tbody>${rows.join('\n')}</tbody></table></div>`
      : `<p class="notice info">${o.state === 'waiting' ? 'Nothing waits for your signature.' : 'No subject matches.'}</p>`,
  ].join('\n');
}
