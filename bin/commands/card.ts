// cognify card <kind> <subject> [--answers FILE] [--format md|html|json] [-o FILE] [--check]
// cognify card commit <kind> <subject> [--answers FILE]    store the rendered document, signed
// cognify card verify <document>                           rebuild a committed document; same bytes?
// cognify card show <document> [-o FILE]                   a committed document's Markdown
import { resolve } from 'node:path';
import { InputError } from '../../src/core/errors.js';
import { readAnswers, type CardFormat } from '../../src/api/cards.js';
import { CARD_KINDS, CARD_SUBJECTS, isCardKind, type CardKind } from '../../src/cards/kinds.js';
import type { Answers } from '../../src/cards/answers.js';
import type { Doc } from '../../src/cards/types.js';
import { writeAtomic } from '../../src/node/atomic-write.js';
import { bool, need, str, type FlagSpec } from '../args.js';
import type { Context } from '../context.js';
import { EXIT } from '../exit-codes.js';

export const cardFlags: FlagSpec = {
  answers: { type: 'string' },
  format: { type: 'string' },
  output: { type: 'string', short: 'o' },
  check: { type: 'boolean' },
};

const FORMATS: readonly CardFormat[] = ['md', 'html', 'json'];

function kindArg(k: string | undefined): CardKind {
  if (!k || !isCardKind(k)) throw new InputError('USAGE', `${k ? `unknown document kind "${k}"` : 'name a document kind'}; the kinds are ${CARD_KINDS.join(', ')}`, { kind: k ?? null });
  return k;
}

async function answersOf(ctx: Context): Promise<Answers> {
  const file = str(ctx.args, 'answers');
  return file === undefined ? {} : readAnswers(resolve(ctx.io.cwd, file), file);
}

function missingText(doc: Doc): string {
  if (!doc.missing.length) return `${doc.kind} for ${doc.subjectLabel}: complete, nothing MISSING`;
  const bySection = new Map<string, string[]>();
  for (const m of doc.missing) bySection.set(m.section, [...(bySection.get(m.section) ?? []), m.item]);
  return [`${doc.kind} for ${doc.subjectLabel}: ${doc.missing.length} required item${doc.missing.length === 1 ? '' : 's'} MISSING`, ...[...bySection].flatMap(([s, items]) => [`  ${s}`, ...items.map((i) => `    - ${i}`)])].join('\n');
}

async function write(ctx: Context, path: string, text: string): Promise<string> {
  const full = resolve(ctx.io.cwd, path);
  // A document is for reading and sharing: 0644, not the 0600 of a key file.
  await writeAtomic(full, text, true, 0o644).catch((e: NodeJS.ErrnoException) => {
    throw new InputError('INPUT_INVALID', `cannot write ${path}: ${e.code === 'ENOENT' ? 'its folder does not exist' : e.message}; choose another -o path`, { path });
  });
  return full;
}

export async function card(ctx: Context): Promise<number> {
  const [first] = ctx.args.positionals;
  if (first === 'commit') return commit(ctx);
  if (first === 'verify') return verifyDoc(ctx);
  if (first === 'show') return showDoc(ctx);
  const [kindText, subject] = need(ctx.args, 2, 'cognify card <kind> <subject> [--answers FILE] [--format md|html|json] [-o FILE] [--check]');
  const kind = kindArg(kindText);
  const formatText = str(ctx.args, 'format') ?? 'md';
  if (!(FORMATS as readonly string[]).includes(formatText)) throw new InputError('USAGE', `unknown --format "${formatText}"; use md, html or json`, { format: formatText });
  const format = formatText as CardFormat;
  const answers = await answersOf(ctx);
  const repo = await ctx.repo();
  const doc = await repo.cards.build(kind, subject!, answers);
  const out = str(ctx.args, 'output');
  if (bool(ctx.args, 'check')) {
    if (out) await write(ctx, out, repo.cards.render(doc, format));
    ctx.out({ complete: doc.missing.length === 0, missing: doc.missing }, () => missingText(doc));
    return doc.missing.length ? EXIT.checkFailed : EXIT.ok;
  }
  const text = repo.cards.render(doc, format);
  if (out) {
    const full = await write(ctx, out, text);
    ctx.out({ kind, subject: doc.subject, format, file: full, bytes: Buffer.byteLength(text), complete: doc.missing.length === 0, missing: doc.missing, evidence: doc.evidence.length }, () =>
      [`Wrote the ${kind} of ${doc.subjectLabel} to ${out} (${format}, ${doc.sections.length} sections, ${doc.evidence.length} evidence objects, ${doc.signatures.length} signatures)`, doc.missing.length ? missingText(doc) : ''].filter(Boolean).join('\n'),
    );
  } else if (ctx.json) ctx.io.stdout.write(format === 'json' ? text : JSON.stringify({ ...JSON.parse(repo.cards.render(doc, 'json')), format, text }, null, 2) + '\n');
  else {
    ctx.io.stdout.write(text);
    if (doc.missing.length) ctx.io.stderr.write(`cognify: ${doc.missing.length} required item(s) are MISSING in this ${kind}; list them with --check, answer them with --answers\n`);
  }
  return EXIT.ok;
}

async function commit(ctx: Context): Promise<number> {
  const [, kindText, subject] = need(ctx.args, 3, 'cognify card commit <kind> <subject> [--answers FILE]');
  const kind = kindArg(kindText);
  const answers = await answersOf(ctx);
  const repo = await ctx.repo();
  // A wrong subject or kind fails before the passphrase prompt.
  await repo.cards.prepare(kind, subject!);
  const { signer } = await ctx.signer();
  const r = await repo.cards.commit({ kind, subject: subject!, answers, signer });
  ctx.out(r, () =>
    [
      r.unchanged ? `The same ${kind} of ${subject} is already committed: document ${r.document}` : `Committed the ${kind} of ${subject}: document ${r.document}, log entry ${r.seq}`,
      r.missing.length ? `  it has ${r.missing.length} MISSING item(s); cognify card ${kind} ${subject} --check lists them` : '  complete: nothing MISSING',
      `  approve it with: cognify approve ${r.document.slice(0, 19)} --meaning approved`,
    ].join('\n'),
  );
  return EXIT.ok;
}

async function verifyDoc(ctx: Context): Promise<number> {
  const [, ref] = need(ctx.args, 2, 'cognify card verify <document id>');
  const repo = await ctx.repo();
  const r = await repo.cards.check(ref!);
  ctx.out({ document: r.document, kind: r.kind, subject: r.subject, identical: r.identical }, () =>
    r.identical
      ? `document ${r.document} (${r.kind}): rebuilt from the record and its stored answers, byte for byte identical`
      : `document ${r.document} (${r.kind}): DIFFERS from what the record gives now (evidence about ${r.subject} was added since it was committed); generate it again and commit the new one`,
  );
  return r.identical ? EXIT.ok : EXIT.checkFailed;
}

async function showDoc(ctx: Context): Promise<number> {
  const [, ref] = need(ctx.args, 2, 'cognify card show <document id> [-o FILE]');
  const repo = await ctx.repo();
  const d = await repo.cards.stored(ref!);
  const out = str(ctx.args, 'output');
  if (out) {
    await write(ctx, out, d.content);
    ctx.out({ document: d.document, kind: d.kind, subject: d.subject, file: resolve(ctx.io.cwd, out) }, `Wrote document ${d.document} (${d.kind}) to ${out}`);
  } else if (ctx.json) ctx.out(d, '');
  else ctx.io.stdout.write(d.content);
  return EXIT.ok;
}

export const CARD_USAGE = [
  'card <kind> <subject> [--answers FILE] [--format md|html|json] [-o FILE] [--check]',
  `  kinds: ${CARD_KINDS.map((k) => `${k} (${CARD_SUBJECTS[k].map((s) => (s === 'run' ? 'run' : 'dataset')).join('/')})`).join(', ')}`,
  '  --answers: narrative answers (intended use, limitations ...; see fixtures/cards/); --check: list MISSING items, exit 1 while any',
  'card commit <kind> <subject> [--answers FILE]   store the rendered document, signed, so that it can be approved',
  'card verify <document>       rebuild a committed document from the record and its answers; exit 1 unless byte-identical',
  'card show <document> [-o FILE]   a committed document\'s Markdown',
];
