// One subject, as a reviewer reads it before signing: its state against the policy (each
// requirement met or missing), the evidence (lineage, data changes, evals against thresholds, bias,
// PII/PHI scan) built with the same blocks as the documents, the documents themselves, the
// signatures so far, and every log entry about it with its inclusion proof checked here.
import type { ObjectId } from '../core/ids.js';
import type { Role } from '../chain/chain-types.js';
import type { Meaning } from '../policy/policy-types.js';
import type { Repo } from '../api/repo.js';
import type { StatusResult } from '../api/approvals.js';
import { about, resolveSubject, type Subject } from '../api/subjects.js';
import { entriesAbout, type EntriesAbout } from '../api/log-checks.js';
import type { Answers } from '../cards/answers.js';
import { DocBuilder, lineageChart } from '../cards/build.js';
import { biasBlocks, dataChangeBlocks, datasetsTable, evaluationBlocks, scanRows } from '../cards/common.js';
import { buildCard, CARD_KINDS, CARD_SUBJECTS, type CardKind } from '../cards/kinds.js';
import { renderHtmlFragment, renderSectionsFragment } from '../cards/render-html.js';
import { renderMarkdown } from '../cards/render-md.js';
import type { CardRecord } from '../cards/types.js';
import type { DocumentObject } from '../cards/document.js';
import { csrfField, esc, notice, stateBadge, subjectHref, type Viewer } from './html.js';

export interface DocumentView {
  kind: string;
  title: string;
  /** The committed document whose answers it was built from, if any. */
  committed: ObjectId | null;
  /** For a committed document that is the subject: whether rebuilding it gives the same bytes. */
  identical: boolean | null;
  missing: number;
  html: string;
}

export interface SubjectView {
  subject: Subject;
  status: StatusResult;
  evidence: string | null;
  documents: DocumentView[];
  log: EntriesAbout;
  people: Map<string, string>;
  /** What the viewer may sign, by meaning: the roles allowed, or why not. */
  signable: { meaning: Meaning; roles: Role[]; refusal: string | null }[];
}

/** The evidence sections of a run or dataset, built with the documents' own blocks. */
function evidenceDoc(r: CardRecord): string {
  const b = new DocBuilder(r, {});
  if (r.run) {
    const lineage = lineageChart(r);
    if (lineage) b.section('lineage', 'Lineage').chart(lineage, [r.run.id]);
  }
  const data = b.section('data', r.run ? 'Training data and what changed' : 'The dataset and what changed');
  datasetsTable(data, r);
  dataChangeBlocks(data, r);
  if (!r.datasets.some((d) => d.parent)) data.text('No dataset here has an earlier version to compare with.');
  if (r.run) {
    evaluationBlocks(b.section('evals', 'Evaluations against their thresholds'), r, { required: false });
    biasBlocks(b.section('bias', 'Bias'), r, { required: false, charts: true });
  }
  b.section('scan', 'PII/PHI scan').table(['Dataset', 'State', 'Findings', 'Detector'], scanRows(r), 'No dataset to scan.');
  return renderSectionsFragment(b.finish('review', 'Evidence'), 'ev-');
}

async function documents(repo: Repo, subject: Subject, record: CardRecord | null): Promise<DocumentView[]> {
  const records = await about(repo, subject.id);
  const committed = records.filter((r) => r.object.type === 'document').map((r) => ({ id: r.id, object: r.object as unknown as DocumentObject }));
  if (subject.kind === 'document') {
    const d = subject.object as unknown as DocumentObject;
    const doc = await repo.cards.build(d.kind, d.subject, d.answers as Answers);
    return [{ kind: d.kind, title: doc.title, committed: subject.id, identical: renderMarkdown(doc) === d.content, missing: doc.missing.length, html: renderHtmlFragment(doc, 'd0-') }];
  }
  if (!record) return [];
  const type = subject.object.type as 'run' | 'dataset-version';
  return CARD_KINDS.filter((k) => CARD_SUBJECTS[k].includes(type)).map((kind: CardKind, i) => {
    // The latest committed document of this kind lends its answers; otherwise the record alone.
    const last = committed.filter((c) => c.object.kind === kind).pop() ?? null;
    const doc = buildCard(kind, record, (last?.object.answers ?? {}) as Answers);
    return { kind, title: doc.title, committed: last?.id ?? null, identical: null, missing: doc.missing.length, html: renderHtmlFragment(doc, `d${i}-`) };
  });
}

export async function subjectView(repo: Repo, ref: string, viewer: Viewer | null): Promise<SubjectView> {
  const subject = await resolveSubject(repo, ref);
  const status = await repo.policy.evaluate(subject.id);
  const record = subject.kind === 'run' || subject.kind === 'dataset' ? await repo.cards.gather(subject.id) : null;
  const signable: SubjectView['signable'] = [];
  if (viewer) {
    // A reviewer's choices first: approve, reject, then the weaker statements.
    for (const meaning of ['approved', 'rejected', 'reviewed', 'authored'] as const satisfies readonly Meaning[]) {
      const roles: Role[] = [];
      let refusal: string | null = null;
      for (const role of viewer.roles as Role[]) {
        try {
          await repo.approvals.prepare({ subject: subject.id, meaning, role, signer: viewer.fingerprint });
          roles.push(role);
        } catch (e) {
          refusal ??= (e as Error).message;
        }
      }
      signable.push({ meaning, roles, refusal: roles.length ? null : (refusal ?? `${viewer.email} holds no role here`) });
    }
  }
  return {
    subject,
    status,
    evidence: record ? evidenceDoc(record) : null,
    documents: await documents(repo, subject, record),
    log: await entriesAbout(repo, subject.id),
    people: new Map((await repo.identities()).map((k) => [k.fingerprint, `${k.name} <${k.email}>`])),
    signable,
  };
}

function statusSection(s: StatusResult): string {
  const rows = [
    ...s.missing.map((r) => `<tr class="is-missing"><td><span class="badge missing">MISSING</span></td><th scope="row">${esc(r.requirement)}</th><td class="t">${esc(r.detail)}</td></tr>`),
    ...s.met.map((r) => `<tr><td><span class="badge ok">MET</span></td><th scope="row">${esc(r.requirement)}</th><td class="t">${esc(r.detail)}</td></tr>`),
  ];
  const policy = s.policy ? `policy <strong>${esc(s.policy.name)}</strong> version ${s.policy.number}` : 'no policy (one approval by someone other than the author)';
  return (
    `<section id="status"><h2>Status against the policy</h2><p>${stateBadge(s.state)} under ${policy}.</p>` +
    `<div class="table-wrap"><table><thead><tr><th scope="col">Requirement</th><th scope="col">What</th><th scope="col">Detail</th></tr></thead><tbody>${rows.join('\n') || '<tr><td colspan="3">The policy asks nothing of this kind of subject.</td></tr>'}</tbody></table></div></section>`
  );
}

function signaturesSection(s: StatusResult): string {
  if (!s.signatures.length) return '<section id="signatures"><h2>Signatures so far</h2><p>Nobody has signed this subject yet.</p></section>';
  const rows = s.signatures.map(
    (g) =>
      `<tr${g.withdrawn ? ' class="withdrawn"' : ''}><td>${esc(g.name)}<span class="hint">${esc(g.email)}</span></td><td>${esc(g.role)}</td><td><strong>${esc(g.meaning)}</strong></td><td class="nowrap">${esc(g.time)}</td>` +
      `<td class="t">${g.comment ? esc(g.comment) : '<span class="muted">(none)</span>'}</td><td class="t">${g.counts ? '<span class="badge ok">COUNTS</span> ' : ''}${esc(g.note)}${g.withdrawn ? `<br><span class="badge withdrawn">WITHDRAWN</span> ${esc(g.withdrawn.time)}${g.withdrawn.reason ? `: ${esc(g.withdrawn.reason)}` : ''}` : ''}</td>` +
      `<td class="mono id">${esc(g.approval)}<span class="hint">log entry ${g.seq}</span></td></tr>`,
  );
  return (
    '<section id="signatures"><h2>Signatures so far</h2><div class="table-wrap"><table><thead><tr><th scope="col">Printed name</th><th scope="col">Role</th><th scope="col">Meaning</th><th scope="col">Time (UTC)</th><th scope="col">Comment</th><th scope="col">Counts toward the policy</th><th scope="col">Approval</th></tr></thead>' +
    `<tbody>${rows.join('\n')}</tbody></table></div></section>`
  );
}

function signSection(v: SubjectView, viewer: Viewer | null, csrf: string, canChoose: boolean): string {
  const head = '<section id="sign" class="no-print"><h2>Your signature</h2>';
  if (!viewer) return `${head}<p>${canChoose ? 'Choose who you are (top right) to sign.' : 'To sign, you need a key in this machine\'s keystore that is an identity of this repository (see the top right).'}</p></section>`;
  const open = v.signable.filter((s) => s.roles.length);
  if (!open.length) {
    const why = [...new Set(v.signable.map((s) => s.refusal).filter(Boolean))];
    return `${head}<p>${esc(viewer.name)} cannot sign this subject now:</p><ul>${why.map((w) => `<li>${esc(w!)}</li>`).join('')}</ul></section>`;
  }
  const roles = [...new Set(open.flatMap((s) => s.roles))];
  const radio = open
    .map((s, i) => `<label><input type="radio" name="meaning" value="${s.meaning}"${i === 0 ? ' checked' : ''} required> ${esc(s.meaning)}</label>`)
    .join(' ');
  const role =
    roles.length > 1
      ? `<div class="field"><label for="sign-role">Sign as</label> <select id="sign-role" name="role">${roles.map((r) => `<option>${esc(r)}</option>`).join('')}</select></div>`
      : `<input type="hidden" name="role" value="${esc(roles[0]!)}"><p>You sign as <strong>${esc(roles[0]!)}</strong>.</p>`;
  const closed = v.signable.filter((s) => !s.roles.length && s.refusal);
  return (
    `${head}<form method="post" action="${subjectHref(v.subject.id)}/review">${csrfField(csrf)}` +
    `<fieldset><legend>What your signature means</legend><div class="choices">${radio}</div></fieldset>${role}` +
    `<div class="field"><label for="sign-comment">Comment</label><span class="hint">Part of the signed statement. A rejection needs one.</span><textarea id="sign-comment" name="comment" maxlength="10000"></textarea></div>` +
    `<div class="actions"><button type="submit">Review what you will sign</button></div></form>` +
    (closed.length ? `<p class="muted">Not open to you: ${closed.map((s) => `${esc(s.meaning)} (${esc(s.refusal!)})`).join('; ')}.</p>` : '') +
    '</section>'
  );
}

function logSection(v: SubjectView): string {
  const l = v.log;
  const cp = l.checkpoint;
  const head = cp
    ? `<p>Each entry below is hashed from its own bytes and proven included (RFC 9162 inclusion proof) in the latest checkpoint: ${cp.size} entries, root <span class="mono">${esc(toHexText(cp.root))}</span>, signed by ${esc(cp.signer.name)} &lt;${esc(cp.signer.email)}&gt;.</p>`
    : notice('error', `The inclusion proofs cannot be checked: ${esc(l.problem ?? 'no checkpoint')}. Run cognify verify.`);
  const rows = l.entries.map(({ entry: e, included, proof }) => {
    const badge = included === true ? '<span class="badge ok">INCLUDED</span>' : included === null ? '<span class="badge plain">AFTER CHECKPOINT</span>' : '<span class="badge missing">NOT PROVEN</span>';
    return (
      `<tr><td>${e.seq}</td><td class="nowrap">${esc(e.entry.time)}</td><td>${esc(v.people.get(e.entry.signer) ?? e.entry.signer.slice(0, 16))}</td><td>${esc(e.entry.action)}</td>` +
      `<td>${badge}${proof.length ? `<details class="proof"><summary>${proof.length} hashes</summary><ol class="mono">${proof.map((h) => `<li>${esc(h)}</li>`).join('')}</ol></details>` : ''}</td></tr>`
    );
  });
  return (
    `<section id="log"><h2>Audit-log entries about this subject</h2>${head}` +
    `<div class="table-wrap"><table><thead><tr><th scope="col">Entry</th><th scope="col">Time (UTC)</th><th scope="col">Actor</th><th scope="col">Action</th><th scope="col">Inclusion</th></tr></thead><tbody>${rows.join('\n')}</tbody></table></div>` +
    `<p><a href="/log?subject=${encodeURIComponent(v.subject.id)}">This subject in the audit log</a></p></section>`
  );
}

function toHexText(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

function documentsSection(v: SubjectView): string {
  if (!v.documents.length) return '';
  const items = v.documents.map((d) => {
    const origin =
      d.identical !== null
        ? d.identical
          ? '<span class="badge ok">REBUILT IDENTICAL</span> rebuilt from the record and its stored answers: the same bytes as committed'
          : '<span class="badge missing">DIFFERS</span> rebuilt from the record and its stored answers, it no longer matches what was committed'
        : d.committed
          ? `answers from committed document <span class="mono">${esc(d.committed)}</span>`
          : 'generated now from the record; not committed, no answers';
    return `<details class="doc-inline"><summary>${esc(d.title)} <span class="muted">(${esc(d.kind)}${d.missing ? `, ${d.missing} missing` : ''})</span></summary><p class="muted">${origin}.</p>${d.html}</details>`;
  });
  return `<section id="documents"><h2>Documents</h2><p>As <code>cognify card</code> generates them from this record. Open one to read it; printing opens them all.</p>${items.join('\n')}</section>`;
}

export function subjectBody(v: SubjectView, o: { viewer: Viewer | null; csrf: string; flash: string; canChoose: boolean }): string {
  const s = v.subject;
  return [
    `<div class="subject-head"><p class="kind">${esc(s.kind)}</p><h1>${esc(s.label)} ${stateBadge(v.status.state)}</h1><ul>${s.summary.map((l) => `<li>${esc(l)}</li>`).join('')}</ul></div>`,
    o.flash,
    statusSection(v.status),
    signSection(v, o.viewer, o.csrf, o.canChoose),
    signaturesSection(v.status),
    v.evidence ?? '',
    documentsSection(v),
    logSection(v),
  ]
    .filter(Boolean)
    .join('\n');
}
