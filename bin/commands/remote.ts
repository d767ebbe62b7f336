// cognify remote add|list|remove, push <remote>, pull <remote>, clone <folder|url> [<dir>]
import { resolve } from 'node:path';
import { InputError } from '../../src/core/errors.js';
import { addRemote, clone, listRemotes, pull, push, removeRemote, type SyncOptions, type SyncResult } from '../../src/api/remotes.js';
import { readJournal, type SyncRecord } from '../../src/api/sync-journal.js';
import { bool, need, str, type FlagSpec } from '../args.js';
import type { Context } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { size, transferProgress } from '../format.js';

export const syncFlags: FlagSpec = { user: { type: 'string' }, repo: { type: 'string' }, 'keep-both': { type: 'boolean' } };

export const REMOTE_USAGE = [
  'remote add <name> <folder|https url>   a folder on a shared disk or drive (created on the first push),',
  '  or a git repository reached over https (the record goes on its branch "cognify")',
  'remote list                   the remotes, and the log size each held when last seen',
  'remote remove <name>          forget a remote (nothing on the remote changes)',
  'remote log                    the sync journal: every push, pull, clone and bundle import here, with where, when,',
  '  the checkpoint (log size, Merkle root) and how much moved; hash-chained and checked as it is read',
];
export const PUSH_USAGE = ['push <remote> [--user NAME]   send what this repository\'s log holds beyond the remote\'s (git: token from COGNIFY_GIT_TOKEN)'];
export const PULL_USAGE = [
  'pull <remote> [--user NAME] [--keep-both] [--repo ID]   fetch what was pushed since, verify it completely, then bring',
  '  this repository forward. A remote holding another repository\'s record (--repo: which one): kept beside this one\'s,',
  '  verified in .cognify/origins/<remote>, its refs as remotes/<remote>/..., the import logged here and signed by you.',
  '  --keep-both: when the logs diverged, keep the remote\'s version that way instead of refusing',
];
export const CLONE_USAGE = ['clone <folder|https url> [<dir>] [--repo ID] [--user NAME]   a new repository holding the record on a remote, verified; the remote is named origin'];

/** Options for the transfer: git credentials for this call only, and progress on a terminal. */
function syncOptions(ctx: Context, bar: ReturnType<typeof transferProgress>): SyncOptions {
  const user = str(ctx.args, 'user');
  const token = ctx.io.env.COGNIFY_GIT_TOKEN || undefined;
  if (user !== undefined && token === undefined) throw new InputError('USAGE', '--user needs a token: set COGNIFY_GIT_TOKEN to the password or access token for that user', {});
  return { auth: { ...(user !== undefined ? { user } : {}), ...(token !== undefined ? { token } : {}) }, ...(bar.onProgress ? { onProgress: bar.onProgress } : {}) };
}

const json = (r: SyncResult) => ({ imported: r.imported, skipped: r.skipped, refs: r.refs, bytes: r.bytes });

function refLines(r: SyncResult): string[] {
  return r.refs.map((x) => `  ${x.name}: ${x.from ? x.from.slice(7, 19) : '(new)'} -> ${x.to.slice(7, 19)}`);
}

export async function remote(ctx: Context): Promise<number> {
  const [sub, name, url] = ctx.args.positionals;
  if (!sub || !['add', 'list', 'remove', 'log'].includes(sub)) throw new InputError('USAGE', `${sub ? `unknown remote command "${sub}"` : 'name a remote command'}; use add, list, remove or log`, {});
  const repo = await ctx.repo();
  if (sub === 'log') {
    need(ctx.args, 1, 'cognify remote log');
    const records: SyncRecord[] = [];
    for await (const r of readJournal(repo)) records.push(r);
    ctx.out({ records }, () =>
      records.length
        ? records.map((r) => `#${r.seq}  ${r.time}  ${r.action.padEnd(6)}  ${r.remote ? `${r.remote} ` : ''}${r.where}  ${r.repo === repo.id ? 'this repository' : `repository ${r.repo.slice(7, 19)}`} at ${r.size} entries (root ${r.root.slice(0, 12)})  ${r.objects.toLocaleString('en-US')} objects, ${size(r.bytes)}`).join('\n')
        : 'Nothing pushed, pulled, cloned or imported here yet',
    );
    return EXIT.ok;
  }
  if (sub === 'list') {
    need(ctx.args, 1, 'cognify remote list');
    const all = await listRemotes(repo);
    ctx.out({ remotes: all }, () => (all.length ? all.map((r) => `${r.name}\t${r.url}\t${r.kind}${r.seen !== undefined ? `\t${r.seen} log entries when last seen` : ''}`).join('\n') : 'No remotes; add one with cognify remote add <name> <folder|https url>'));
    return EXIT.ok;
  }
  if (sub === 'remove') {
    need(ctx.args, 2, 'cognify remote remove <name>');
    const r = await removeRemote(repo, name!);
    ctx.out({ removed: r.name, url: r.url }, `Removed remote ${r.name} (${r.url}); nothing there changed`);
    return EXIT.ok;
  }
  need(ctx.args, 3, 'cognify remote add <name> <folder|https url>');
  const target = /^[a-z][a-z0-9+.-]*:\/\//i.test(url!) || /^[^/\\]+@[^/\\]+:/.test(url!) ? url! : resolve(ctx.io.cwd, url!);
  const r = await addRemote(repo, name!, target);
  ctx.out(r, `Added remote ${r.name}: ${r.kind === 'git' ? 'git repository' : 'folder'} ${r.url}`);
  return EXIT.ok;
}

export async function pushCommand(ctx: Context): Promise<number> {
  const [name] = need(ctx.args, 1, 'cognify push <remote>');
  const repo = await ctx.repo();
  const { signer } = await ctx.signer();
  const bar = transferProgress(ctx.io.stderr);
  let r: SyncResult;
  try {
    r = await push(repo, name!, { ...syncOptions(ctx, bar), signer });
  } finally {
    bar.done();
  }
  ctx.out(json(r), () => (r.bytes === 0 ? `${name} is up to date: it holds all ${r.size} log entries` : [`Pushed to ${name}: ${r.imported.toLocaleString('en-US')} objects, chunks and log entries, ${size(r.bytes)}; it now holds ${r.size} log entries`, ...refLines(r)].join('\n')));
  return EXIT.ok;
}

export async function pullCommand(ctx: Context): Promise<number> {
  const [name] = need(ctx.args, 1, 'cognify pull <remote>');
  const repo = await ctx.repo();
  const bar = transferProgress(ctx.io.stderr);
  let r: SyncResult;
  try {
    const which = str(ctx.args, 'repo');
    r = await pull(repo, name!, { ...syncOptions(ctx, bar), keepBoth: bool(ctx.args, 'keep-both'), signer: async () => (await ctx.signer()).signer, ...(which !== undefined ? { repo: which } : {}) });
  } finally {
    bar.done();
  }
  ctx.out(json(r), () => (r.bytes === 0 ? `Already up to date with ${name} (${r.size} log entries)` : [`Pulled from ${name}: ${r.imported.toLocaleString('en-US')} new, ${r.skipped.toLocaleString('en-US')} already here, ${size(r.bytes)}, verified; ${r.size} log entries`, ...refLines(r)].join('\n')));
  return EXIT.ok;
}

export async function cloneCommand(ctx: Context): Promise<number> {
  const [from, dir] = ctx.args.positionals;
  need(ctx.args, dir === undefined ? 1 : 2, 'cognify clone <folder|https url> [<dir>]');
  const url = /^https?:\/\//i.test(from!) ? from! : resolve(ctx.io.cwd, from!);
  const target = resolve(ctx.workDir, dir ?? (url.replace(/\/+$/, '').split('/').pop() ?? 'record').replace(/\.git$/, ''));
  const bar = transferProgress(ctx.io.stderr);
  const repoId = str(ctx.args, 'repo');
  let r;
  try {
    r = await clone(url, target, { ...syncOptions(ctx, bar), ...(repoId !== undefined ? { repo: repoId } : {}) });
  } finally {
    bar.done();
  }
  ctx.out({ ...json(r), repo: r.repo, dir: r.dir }, () => [`Cloned repository ${r.repo} into ${r.dir}: ${r.imported.toLocaleString('en-US')} objects, chunks and log entries, ${size(r.bytes)}, verified; remote origin is ${url}`, ...refLines(r)].join('\n'));
  return EXIT.ok;
}
