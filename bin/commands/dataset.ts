// cognify dataset commit | export | list | log | show
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { dirname, basename, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { CognifyError, InputError } from '../../src/core/errors.js';
import { missingProvenance } from '../../src/diff/dataset-types.js';
import { describeDuplicates } from '../../src/diff/duplicates.js';
import { keyText } from '../../src/diff/keys.js';
import { mergeProvenance, provenanceFromFlags, readProvenanceFile, type ProvenanceAnswers } from '../../src/diff/provenance.js';
import type { TableFormat } from '../../src/diff/rows.js';
import type { Repo } from '../../src/api/repo.js';
import { bool, need, str, type FlagSpec, type Parsed } from '../args.js';
import type { Context } from '../context.js';
import { size } from '../format.js';

export const datasetFlags: FlagSpec = {
  message: { type: 'string', short: 'm' },
  format: { type: 'string' },
  output: { type: 'string', short: 'o' },
  key: { type: 'string' },
  strict: { type: 'boolean' },
  provenance: { type: 'string' },
  source: { type: 'string' },
  licence: { type: 'string' },
  consent: { type: 'string' },
  'legal-basis': { type: 'string' },
  collected: { type: 'string' },
  transformation: { type: 'string', repeat: true },
  'code-commit': { type: 'string' },
  script: { type: 'string' },
  'derived-from': { type: 'string', repeat: true },
  exclusion: { type: 'string', repeat: true },
  contact: { type: 'string' },
  team: { type: 'string' },
};

const COMMIT_USAGE = 'cognify dataset commit <name> <file> [-m MSG] [--format csv|tsv|jsonl|parquet] [--key COLS|/POINTER] [--strict] [--provenance FILE] [provenance flags]';

const FORMATS = ['csv', 'tsv', 'jsonl', 'parquet'];
const list = (p: Parsed, name: string): string[] => {
  const v = p.flags[name];
  return Array.isArray(v) ? v : [];
};

/** Hex SHA-256 of a file, streamed. */
async function fileSha256(path: string): Promise<string> {
  const h = createHash('sha256');
  try {
    for await (const piece of createReadStream(path)) h.update(piece as Buffer);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError('INPUT_INVALID', `--script: cannot read ${path}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`, { path }, e);
  }
  return h.digest('hex');
}

/**
 * The provenance answers of a commit: the --provenance file, then the flags over it. Everything
 * is checked before the repository is touched, except --derived-from refs, resolved in `repo`.
 */
async function provenanceOf(ctx: Context, args: Parsed): Promise<{ answers: ProvenanceAnswers; resolve: (repo: Repo) => Promise<ProvenanceAnswers> }> {
  const file = str(args, 'provenance');
  const fromFile = file === undefined ? {} : await readProvenanceFile(resolve(ctx.io.cwd, file));
  const script = str(args, 'script');
  const flags = {
    source: str(args, 'source'),
    licence: str(args, 'licence'),
    consent: str(args, 'consent'),
    legalBasis: str(args, 'legal-basis'),
    collected: str(args, 'collected'),
    transformations: list(args, 'transformation'),
    codeCommit: str(args, 'code-commit'),
    scriptSha256: script === undefined ? undefined : await fileSha256(resolve(ctx.io.cwd, script)),
    exclusions: list(args, 'exclusion'),
    contact: str(args, 'contact'),
    team: str(args, 'team'),
  };
  const defined = Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined));
  const refs = list(args, 'derived-from');
  // A placeholder id stands in for each ref, so the flags are checked in full before the repository opens.
  const answers = mergeProvenance(fromFile, provenanceFromFlags({ ...defined, derivedFrom: refs.map(() => `sha256:${'0'.repeat(64)}`) }));
  return {
    answers,
    resolve: async (repo) => {
      if (!refs.length) return answers;
      const ids: string[] = [];
      for (const r of refs) ids.push((await repo.datasets.resolve(r)).id);
      return mergeProvenance(fromFile, provenanceFromFlags({ ...defined, derivedFrom: ids }));
    },
  };
}

export async function dataset(ctx: Context): Promise<void> {
  const [sub, ...rest] = ctx.args.positionals;
  const args = { ...ctx.args, positionals: rest };
  switch (sub) {
    case 'commit': {
      const [name, file] = need(args, 2, COMMIT_USAGE);
      const format = str(args, 'format');
      if (format !== undefined && !FORMATS.includes(format)) throw new InputError('USAGE', `--format must be one of ${FORMATS.join(', ')}`, {});
      const key = str(args, 'key');
      if (key !== undefined && key.trim() === '') throw new InputError('USAGE', '--key needs column names (CSV/TSV) or a JSON pointer (JSONL)', {});
      const prov = await provenanceOf(ctx, args);
      const repo = await ctx.repo();
      const provenance = await prov.resolve(repo);
      const { signer } = await ctx.signer();
      const r = await repo.datasets.commit({
        name: name!,
        input: resolve(ctx.io.cwd, file!),
        ...(format ? { format: format as TableFormat } : {}),
        message: str(args, 'message') ?? '',
        ...(key !== undefined ? { key } : {}),
        strict: bool(args, 'strict'),
        provenance,
        signer,
      });
      if (r.duplicates && r.duplicates.keys > 0) ctx.io.stderr.write(`warning: ${describeDuplicates(r.duplicates)}; use --strict to refuse\n`);
      const { created, ...json } = r;
      const lines = created
        ? [`Committed ${r.name} version ${r.number}: ${r.rows} rows, ${size(r.bytes)} in ${r.chunks} chunk${r.chunks === 1 ? '' : 's'} (${r.newChunks} new, ${size(r.newBytes)})`, `  ${r.version}`]
        : [`${r.name} version ${r.number} already has exactly these bytes; nothing committed`, `  ${r.version}`];
      // A version is made only for new bytes: say so when the command asked to record more.
      const extras = [key !== undefined && '--key', Object.values(provenance).some((v) => v !== null && v !== undefined) && 'provenance', str(args, 'message') && '-m'].filter(Boolean);
      if (!created && extras.length) lines.push(`  ${extras.join(', ')} not recorded: a version is made only when the bytes change`);
      if (created && r.key) lines.push(`  key: ${keyText(r.key)}${r.keyReusedFrom !== null ? ` (reused from version ${r.keyReusedFrom}; --key to change it)` : ''}`);
      if (created && r.missingProvenance.length) {
        lines.push(`  provenance: missing ${r.missingProvenance.join(', ')} (answer with --provenance FILE or flags; see cognify dataset commit --help)`);
      }
      ctx.out({ ...json, created }, lines.join('\n'));
      return;
    }
    case 'export': {
      const [ref] = need(args, 1, 'cognify dataset export <ref> [-o file]');
      const repo = await ctx.repo();
      const resolved = await repo.datasets.resolve(ref!);
      const out = str(args, 'output');
      if (!out) {
        await pipeline(Readable.from(repo.datasets.export(resolved)), ctx.io.stdout, { end: false });
        return;
      }
      // Write beside the target and rename only once every byte is checked: never a partial file.
      const path = resolve(ctx.io.cwd, out);
      const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
      try {
        await pipeline(Readable.from(repo.datasets.export(resolved)), createWriteStream(tmp, { flags: 'wx' }));
        await rename(tmp, path);
      } catch (e) {
        await rm(tmp, { force: true });
        if (e instanceof CognifyError) throw e;
        throw new CognifyError('IO_FAILED', `cannot write ${path}: ${(e as Error).message}`, { path }, e);
      }
      const { id, version } = resolved;
      ctx.out({ version: id, path, bytes: version.bytes, sha256: version.sha256 }, `Wrote ${version.name} version ${version.number} (${size(version.bytes)}, sha256 ${version.sha256.slice(0, 16)}…) to ${path}`);
      return;
    }
    case 'list': {
      need(args, 0, 'cognify dataset list');
      const all = await (await ctx.repo()).datasets.list();
      ctx.out(
        all.map(({ id, version: v }) => ({ name: v.name, version: id, number: v.number, rows: v.rows, bytes: v.bytes, format: v.format, time: v.time })),
        () => (all.length ? all.map(({ version: v }) => `${v.name.padEnd(24)} v${String(v.number).padEnd(4)} ${String(v.rows).padStart(10)} rows  ${size(v.bytes).padStart(10)}  ${v.format}  ${v.time}`).join('\n') : 'No datasets yet; commit one with cognify dataset commit <name> <file>'),
      );
      return;
    }
    case 'log': {
      const [name] = need(args, 1, 'cognify dataset log <name>');
      const repo = await ctx.repo();
      const people = new Map((await repo.identities()).map((k) => [k.fingerprint, k.email]));
      const rows: { version: string; number: number; time: string; author: string; rows: number; bytes: number; sha256: string; message: string }[] = [];
      for await (const { id, version: v } of repo.datasets.versions(name!)) rows.push({ version: id, number: v.number, time: v.time, author: people.get(v.signer) ?? v.signer, rows: v.rows, bytes: v.bytes, sha256: v.sha256, message: v.message });
      ctx.out(rows, () => rows.map((r) => `v${r.number}  ${r.version.slice(0, 19)}  ${r.time}  ${r.author}  ${r.rows} rows  ${r.message}`).join('\n'));
      return;
    }
    case 'show': {
      const [ref] = need(args, 1, 'cognify dataset show <ref>');
      const { id, version: v } = await (await ctx.repo()).datasets.resolve(ref!);
      const missing = missingProvenance(v.provenance);
      ctx.out({ id, ...v, missingProvenance: missing }, () =>
        [
          `${v.name} version ${v.number}  ${id}`,
          `  ${v.format}, ${v.rows} rows, ${size(v.bytes)}, sha256 ${v.sha256}`,
          `  committed ${v.time}${v.message ? `: ${v.message}` : ''}`,
          `  key: ${keyText(v.key)}`,
          `  schema: ${'columns' in v.schema ? v.schema.columns.map((c) => `${c.name}:${c.type}`).join(', ') : v.schema.paths.filter((p) => p.path !== '').map((p) => p.path).join(', ')}`,
          `  provenance: ${missing.length ? `missing ${missing.join(', ')}` : 'all six questions answered'}${v.provenance.source ? `; source: ${v.provenance.source}` : ''}`,
        ].join('\n'),
      );
      return;
    }
    default:
      throw new InputError('USAGE', `unknown dataset command "${sub ?? ''}"; use dataset commit, export, list, log or show`, {});
  }
}
