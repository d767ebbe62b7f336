// cognify approve | withdraw | approvals | policy | status: e-signatures and the policy they are
// checked against. Signing shows exactly what will be signed, asks for confirmation on a terminal
// (unless --yes), and then for the key's passphrase, every time (21 CFR 11.200).
import { createInterface } from 'node:readline/promises';
import { InputError, PolicyError } from '../../src/core/errors.js';
import { MEANINGS } from '../../src/policy/policy-types.js';
import type { ApprovalPreview, ApprovalRecord, StatusResult } from '../../src/api/approvals.js';
import { bool, need, str, type FlagSpec } from '../args.js';
import type { Context } from '../context.js';
import { EXIT } from '../exit-codes.js';

export const approveFlags: FlagSpec = {
  meaning: { type: 'string' },
  comment: { type: 'string' },
  role: { type: 'string' },
  yes: { type: 'boolean', short: 'y' },
};
export const withdrawFlags: FlagSpec = { reason: { type: 'string' }, yes: { type: 'boolean', short: 'y' } };
export const statusFlags: FlagSpec = { require: { type: 'string' } };

/** On a terminal, ask before signing; elsewhere (scripts, CI) the command line is the intent. */
async function confirm(ctx: Context, question: string): Promise<void> {
  if (bool(ctx.args, 'yes') || !ctx.io.stdin.isTTY || !ctx.io.stderr.isTTY) return;
  const rl = createInterface({ input: ctx.io.stdin, output: ctx.io.stderr });
  try {
    const answer = (await rl.question(`${question} [y/N] `)).trim().toLowerCase();
    if (answer !== 'y' && answer !== 'yes') throw new InputError('USAGE', 'not signed: you did not confirm', {});
  } finally {
    rl.close();
  }
}

export async function approve(ctx: Context): Promise<void> {
  const [ref] = need(ctx.args, 1, `cognify approve <subject> --meaning ${MEANINGS.join('|')} [--comment TEXT] [--role R] [--yes]`);
  const meaning = str(ctx.args, 'meaning');
  if (meaning === undefined) throw new InputError('USAGE', `say what the signature means: --meaning ${MEANINGS.join('|')}`, {});
  const comment = str(ctx.args, 'comment');
  const role = str(ctx.args, 'role');
  const repo = await ctx.repo();
  const key = await ctx.key();
  const opts = { subject: ref!, meaning, ...(comment !== undefined ? { comment } : {}), ...(role !== undefined ? { role } : {}) };
  const p = await repo.approvals.prepare({ ...opts, signer: key.fingerprint });
  // On a terminal, what will be signed is shown and confirmed first; in scripts the command
  // line is the intent and the same statement is printed with the result (stderr stays for errors).
  const interactive = ctx.io.stderr.isTTY === true;
  if (interactive) {
    ctx.io.stderr.write(['You are about to sign:', ...statement(p)].join('\n') + '\n');
    await confirm(ctx, `Sign "${p.meaning}" for ${p.subject.label}?`);
  }
  const { signer } = await ctx.signer();
  const r = await repo.approvals.sign({ ...opts, signer, time: p.time });
  ctx.out(
    { approval: r.approval, subject: r.subject, signer: r.signer, meaning: r.meaning, comment: r.comment, time: r.time, seq: r.seq },
    [`Signed ${r.approval}, log entry ${r.seq}:`, ...statement(p)].join('\n'),
  );
}

/** The signature manifestation (21 CFR 11.50): subject, printed name, role, meaning, comment, time. */
function statement(p: ApprovalPreview): string[] {
  return [
    ...p.subject.summary.map((l, i) => `  ${i === 0 ? 'subject ' : '        '}  ${l}`),
    `  signer    ${p.name} <${p.email}> (key ${p.fingerprint.slice(0, 16)})`,
    `  role      ${p.role}`,
    `  meaning   ${p.meaning}`,
    `  comment   ${p.comment ? JSON.stringify(p.comment) : '(none)'}`,
    `  time      ${p.time}`,
  ];
}

export async function withdraw(ctx: Context): Promise<void> {
  const [ref] = need(ctx.args, 1, 'cognify withdraw <approval id> [--reason TEXT] [--yes]');
  const reason = str(ctx.args, 'reason');
  const repo = await ctx.repo();
  const key = await ctx.key();
  const w = await repo.approvals.prepareWithdrawal({ approval: ref!, signer: key.fingerprint });
  if (ctx.io.stderr.isTTY === true) {
    ctx.io.stderr.write(
      [`You are about to withdraw your signature:`, `  approval  ${w.id}`, `  meaning   ${w.approval.meaning} (${w.approval.role}, ${w.approval.time})`, `  subject   ${w.subject.label}`, `  reason    ${reason ? JSON.stringify(reason) : '(none)'}`].join('\n') + '\n',
    );
    await confirm(ctx, 'Withdraw it?');
  }
  const { signer } = await ctx.signer();
  const r = await repo.approvals.withdraw({ approval: w.id, signer, ...(reason !== undefined ? { reason } : {}) });
  ctx.out(r, `Withdrawn: approval ${r.approval}\n  withdrawal ${r.withdrawal}, log entry ${r.seq}; both stay in the record`);
}

function recordLine(r: ApprovalRecord): string {
  if (r.type === 'withdrawal') return `${r.time}  ${`${r.signer.name} <${r.signer.email}>`.padEnd(36)} WITHDREW ${r.approval.slice(0, 19)}${r.reason ? `: ${r.reason}` : ''}`;
  return `${r.time}  ${`${r.signer.name} <${r.signer.email}>`.padEnd(36)} ${r.meaning.padEnd(9)} as ${r.signer.role}${r.withdrawn ? ' (withdrawn)' : ''}${r.comment ? `: ${r.comment}` : ''}\n    ${r.approval}`;
}

export async function approvals(ctx: Context): Promise<void> {
  const [ref] = need(ctx.args, 1, 'cognify approvals <subject>');
  const repo = await ctx.repo();
  const list = await repo.approvals.list(ref!);
  ctx.out(list, () => (list.length ? list.map(recordLine).join('\n') : `no signatures on ${ref} yet`));
}

export async function policy(ctx: Context): Promise<void> {
  const [sub, ...rest] = ctx.args.positionals;
  const args = { ...ctx.args, positionals: rest };
  const repo = await ctx.repo();
  if (sub === 'set') {
    const [file] = need(args, 1, 'cognify policy set <policy.yaml>');
    // Checked before the passphrase prompt; the trust rule checks it again when the entry is made.
    const me = await ctx.key();
    if (!(await repo.hasRole(me.fingerprint, 'admin'))) throw new PolicyError('ROLE_MISSING', `${me.email} is not an admin here; only an admin sets the policy`, {});
    const { signer } = await ctx.signer();
    const r = await repo.policy.set({ file: file!, signer });
    ctx.out(
      { policy: r.policy, name: r.name, number: r.number, seq: r.seq, unchanged: r.unchanged },
      r.unchanged ? `Policy ${r.name} version ${r.number} is already in force with these rules; nothing changed\n  policy ${r.policy}` : `Policy ${r.name} version ${r.number} is in force\n  policy ${r.policy}, log entry ${r.seq}`,
    );
    return;
  }
  if (sub === 'show') {
    need(args, 0, 'cognify policy show');
    const cur = await repo.policy.current();
    if (!cur) {
      ctx.out(null, 'no policy is set: status asks for one approval by someone other than the author; set one with cognify policy set <file>');
      return;
    }
    const p = cur.policy;
    ctx.out({ policy: cur.id, name: p.name, number: p.number, description: p.description, subjects: p.subjects, source: p.source, time: p.time, signer: p.signer }, () => {
      const out = [`policy ${p.name} version ${p.number}, set ${p.time}`, `  ${cur.id}`, ...(p.description ? [`  ${p.description.trim()}`] : [])];
      for (const [kind, r] of Object.entries(p.subjects)) {
        if (!r) continue;
        out.push(`${kind}:`, `  approvals   ${r.approvals.map((a) => `${a.count} × ${a.role}`).join(', ')}`);
        const sep = Object.entries(r.separation).filter(([, v]) => v).map(([k]) => k);
        out.push(`  separation  ${sep.join(', ') || 'none'}`);
        const g = r.gates;
        const gates = [
          ...(g.evals ? [`evals${g.evals.kinds.length ? ` (${g.evals.kinds.join(', ')})` : ''}${g.evals.thresholds ? ' thresholds met' : ''}`] : []),
          ...(g.scan ? ['PII/PHI scan clean or waived'] : []),
          ...(g.provenance.length ? [`provenance: ${g.provenance.join(', ')}`] : []),
          ...(g.documents.length ? [`documents: ${g.documents.join(', ')}`] : []),
        ];
        out.push(`  gates       ${gates.join('; ') || 'none'}`);
      }
      return out.join('\n');
    });
    return;
  }
  throw new InputError('USAGE', `unknown policy command "${sub ?? ''}"; use policy set <file> or policy show`, {});
}

const STATES = ['draft', 'in-review', 'approved', 'rejected', 'withdrawn'];

function statusText(s: StatusResult): string {
  const out = [`${s.label}: ${s.state.toUpperCase().replace('-', ' ')}${s.policy ? ` under policy ${s.policy.name} version ${s.policy.number}` : ' (no policy set: one approval by someone other than the author)'}`];
  out.push(...s.summary.map((l) => `  ${l}`));
  for (const r of s.met) out.push(`  met      ${r.requirement}: ${r.detail}`);
  for (const r of s.missing) out.push(`  MISSING  ${r.requirement}: ${r.detail}`);
  if (s.signatures.length) {
    out.push('Signatures:');
    for (const g of s.signatures) out.push(`  ${g.time}  ${g.name} <${g.email}>  ${g.meaning} as ${g.role}  (${g.note})${g.comment ? `: ${g.comment}` : ''}`);
  }
  return out.join('\n');
}

export async function status(ctx: Context): Promise<number> {
  const [ref] = need(ctx.args, 1, 'cognify status <subject> [--require approved]');
  const want = str(ctx.args, 'require');
  if (want !== undefined && !STATES.includes(want)) throw new InputError('USAGE', `--require takes one of ${STATES.join(', ')}, got ${JSON.stringify(want)}`, {});
  const repo = await ctx.repo();
  const s = await repo.policy.evaluate(ref!);
  ctx.out({ subject: s.subject, state: s.state, met: s.met, missing: s.missing, kind: s.kind, label: s.label, policy: s.policy, signatures: s.signatures }, () => statusText(s));
  if (want !== undefined && s.state !== want) {
    ctx.io.stderr.write(`cognify: ${s.label} is ${s.state}, not ${want}\n`);
    return EXIT.checkFailed;
  }
  return EXIT.ok;
}
