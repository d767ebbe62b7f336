// cognify diff <A> <B>: row-level diff of two dataset versions, a file and a version, or two files.
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { CognifyError, InputError, RepoError } from '../../src/core/errors.js';
import type { RowChange } from '../../src/diff/changes.js';
import type { DiffSummary, TableDiff } from '../../src/diff/diff.js';
import { renderCsv, renderHtml, renderJsonl, renderText } from '../../src/diff/render.js';
import { diffFiles, type RepoDiffOptions } from '../../src/api/diff.js';
import { nodeProvider } from '../../src/node/node-crypto.js';
import { bool, intArg, need, str, type FlagSpec } from '../args.js';
import type { Context } from '../context.js';
import { EXIT } from '../exit-codes.js';

export const diffFlags: FlagSpec = {
  key: { type: 'string' },
  columns: { type: 'string' },
  'ignore-columns': { type: 'string' },
  moves: { type: 'boolean' },
  format: { type: 'string' },
  stat: { type: 'boolean' },
  limit: { type: 'string' },
  output: { type: 'string', short: 'o' },
  'exit-code': { type: 'boolean' },
  color: { type: 'string' },
};

const FORMATS = ['text', 'jsonl', 'csv', 'html'] as const;
const USAGE = 'cognify diff <A> <B> [--key K] [--columns a,b] [--ignore-columns c] [--moves] [--format text|jsonl|csv|html] [--stat] [--limit N] [-o FILE]';

const list = (v: string | undefined) => (v === undefined ? undefined : v.split(',').map((s) => s.trim()).filter((s) => s !== ''));

/** Stops after `limit` row records (schema records always pass); counts what it held back. */
async function* limited(changes: AsyncIterable<RowChange>, limit: number | undefined, held: { more: boolean }): AsyncIterable<RowChange> {
  let rows = 0;
  for await (const c of changes) {
    if (c.op !== 'schema' && limit !== undefined && rows++ >= limit) {
      held.more = true;
      return;
    }
    yield c;
  }
}

/**
 * Writes the pieces with backpressure. A reader that goes away (`| head`: EPIPE) ends the output
 * quietly, as for git: the rest of the diff is not wanted.
 */
async function write(out: Writable, pieces: AsyncIterable<string>): Promise<void> {
  let closed = false;
  let failed: Error | undefined;
  const onError = (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') closed = true;
    else failed = e;
  };
  // Stays attached: an EPIPE can be reported after the last write returned.
  out.on('error', onError);
  for await (const p of pieces) {
    if (failed) throw failed;
    if (closed) return;
    if (!out.write(p)) await writable(out);
  }
  if (failed) throw failed;
}

/** Resolves when `out` drains, closes or fails (events.once would reject on 'error', which is handled above). */
function writable(out: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      out.off('drain', done).off('close', done).off('error', done);
      resolve();
    };
    out.on('drain', done).on('close', done).on('error', done);
  });
}

/** Starts the diff (opening both sides, reading the first record) before anything is written, so a bad ref or file fails with no partial output. */
async function primed(changes: AsyncIterable<RowChange>): Promise<AsyncIterable<RowChange>> {
  const it = changes[Symbol.asyncIterator]();
  const head = await it.next();
  return {
    [Symbol.asyncIterator]: () => {
      let first: IteratorResult<RowChange> | undefined = head;
      return {
        next: () => {
          if (first) {
            const r = first;
            first = undefined;
            return Promise.resolve(r);
          }
          return it.next();
        },
        return: async (v?: unknown) => {
          await it.return?.(v);
          return { done: true as const, value: undefined };
        },
      };
    },
  };
}

function statText(s: DiffSummary, labels: { a: string; b: string }): string {
  const n = (x: number) => x.toLocaleString('en');
  const lines = [`${labels.a} → ${labels.b}  (rows keyed by ${s.key})`];
  for (const c of s.schema) {
    const what = c.change === 'renamed' ? `${c.before!.path} → ${c.after!.path}` : c.change === 'retyped' ? `${c.before!.path}: ${c.before!.type} → ${c.after!.type}` : (c.before ?? c.after)!.path;
    lines.push(`  schema: ${c.change} ${what}`);
  }
  lines.push(`  ${n(s.added)} added, ${n(s.removed)} removed, ${n(s.modified)} modified, ${n(s.moved)} moved, ${n(s.unchanged)} unchanged`);
  const matched = s.partitions > 1 ? `, matched in ${s.partitions} partitions on disk` : '';
  // A Parquet side has no row chunks to skip: its rows are all read (chunksRead stays 0).
  if (s.chunksRead === 0 && s.rowsRead > 0) lines.push(`  read all ${n(s.rowsRead)} rows (Parquet rows are not in chunks, so none are skipped)${matched}`);
  else lines.push(`  read ${n(s.rowsRead)} rows in ${n(s.chunksRead)} changed chunk${s.chunksRead === 1 ? '' : 's'}${matched}`);
  return lines.join('\n');
}

export async function diff(ctx: Context): Promise<number> {
  const [a, b] = need(ctx.args, 2, USAGE);
  const format = str(ctx.args, 'format') ?? 'text';
  if (!(FORMATS as readonly string[]).includes(format)) throw new InputError('USAGE', `--format must be one of ${FORMATS.join(', ')}`, {});
  const rawLimit = str(ctx.args, 'limit');
  const limit = rawLimit === undefined ? undefined : intArg(rawLimit, '--limit', 0);
  const color = str(ctx.args, 'color') ?? 'auto';
  if (!['auto', 'always', 'never'].includes(color)) throw new InputError('USAGE', '--color must be auto, always or never', {});
  const stat = bool(ctx.args, 'stat');
  const outPath = str(ctx.args, 'output');
  const key = str(ctx.args, 'key');
  const columns = list(str(ctx.args, 'columns'));
  const ignoreColumns = list(str(ctx.args, 'ignore-columns'));
  const opts: RepoDiffOptions = {
    cwd: ctx.workDir,
    ...(key !== undefined ? { key } : {}),
    ...(columns ? { columns } : {}),
    ...(ignoreColumns ? { ignoreColumns } : {}),
    ...(bool(ctx.args, 'moves') ? { moves: true } : {}),
    ...(stat ? { statOnly: true } : {}),
  };

  // Inside a repository, A and B may be dataset refs; outside one, two files still diff.
  let d: TableDiff;
  try {
    d = (await ctx.repo()).diff(a!, b!, opts);
  } catch (e) {
    if (!(e instanceof RepoError && e.code === 'REPO_NOT_FOUND') || ctx.dir !== undefined) throw e;
    d = diffFiles(a!, b!, nodeProvider, opts);
  }
  const labels = { a: a!, b: b! };

  if (stat) {
    for await (const _ of d) {
      // counted by the engine
    }
    const s = d.summary;
    const { added, removed, modified, moved, unchanged, schema } = s;
    const out = { added, removed, modified, moved, unchanged, schema };
    if (outPath) await atomicWrite(resolve(ctx.io.cwd, outPath), (w) => write(w, one(ctx.json ? JSON.stringify(out, null, 2) + '\n' : statText(s, labels) + '\n')));
    else ctx.out(out, () => statText(s, labels));
    return bool(ctx.args, 'exit-code') && changed(s) ? EXIT.checkFailed : EXIT.ok;
  }

  const held = { more: false };
  const records = limited(await primed(d), limit, held);
  const tty = ctx.io.stdout.isTTY === true && !outPath;
  const useColor = color === 'always' || (color === 'auto' && tty && !ctx.io.env.NO_COLOR);
  const pieces =
    format === 'jsonl' || ctx.json
      ? renderJsonl(records)
      : format === 'csv'
        ? renderCsv(records)
        : format === 'html'
          ? renderHtml(records, { labels, title: `Dataset diff: ${a} → ${b}`, ...(limit !== undefined ? { limit } : {}) })
          : renderText(records, { color: useColor, labels });
  if (outPath) {
    const path = resolve(ctx.io.cwd, outPath);
    await atomicWrite(path, (w) => write(w, pieces));
    if (!ctx.json) ctx.io.stderr.write(`Wrote ${format} diff to ${path}\n`);
  } else await write(ctx.io.stdout, pieces);
  if (held.more) ctx.io.stderr.write(`cognify: stopped after --limit ${limit} row changes; more follow (cognify diff ${a} ${b} --stat counts them all)\n`);
  return bool(ctx.args, 'exit-code') && (held.more || changed(d.summary)) ? EXIT.checkFailed : EXIT.ok;
}

function changed(s: DiffSummary): boolean {
  return s.added + s.removed + s.modified + s.moved + s.schema.length > 0;
}

async function* one(s: string): AsyncIterable<string> {
  yield s;
}

/** Writes beside the target and renames once complete: never a partial file under the name asked for. */
async function atomicWrite(path: string, fill: (w: Writable) => Promise<void>): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    const w = createWriteStream(tmp, { flags: 'wx' });
    await once(w, 'open');
    await fill(w);
    w.end();
    await once(w, 'close');
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    if (e instanceof CognifyError) throw e;
    throw new CognifyError('IO_FAILED', `cannot write ${path}: ${(e as Error).message}`, { path }, e);
  }
}
