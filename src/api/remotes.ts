// Remotes through the repository (issue 7): name a directory or a git URL, push this repository's
// record there as bundles, pull what others pushed, or clone a repository from one. The remote is
// storage, not authority: every pull replays and verifies what it fetched exactly as `bundle
// import` does, before anything changes. A remote's name and URL are kept in the repository's
// local metadata (never credentials); what the remote held when last seen is kept beside them.
import { mkdtemp, rm } from 'node:fs/promises';
import { createWriteStream, existsSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { BundleError, CognifyError, InputError, NotFoundError, tagCaller } from '../core/errors.js';
import { fromUtf8, utf8 } from '../core/bytes.js';
import type { ObjectId } from '../core/ids.js';
import type { Signer } from '../chain/signer.js';
import { DirTransport } from '../node/dir-remote.js';
import { GitTransport, type GitAuth, type GitLimits } from '../node/git-remote.js';
import { REPO_DIRNAME } from '../node/repo-dir.js';
import { chain, checkRemoteName, toFetch, type RemoteBundle, type Transport } from '../sync/remote.js';
import type { BundleManifest } from '../sync/bundle.js';
import { createBundle, createFromBundles, holds, importInto, readManifest, type BundleImportResult, type Progress } from './bundles.js';
import { importOrigin, originSize } from './origins.js';
import { journal, noteRoot } from './sync-journal.js';
import { openRepo } from './open-repo.js';
import type { Repo } from './repo.js';

export interface RemoteInfo {
  name: string;
  /** An absolute directory path, or an http(s) URL of a git repository. */
  url: string;
  kind: 'directory' | 'git';
  /** The remote's log size for this repository when last pushed to or pulled from. */
  seen?: number;
}

export interface SyncOptions {
  /** Git credentials, used for this call only and never stored. */
  auth?: GitAuth;
  /** Git part and pack sizes (tests make them small). */
  gitLimits?: GitLimits;
  onProgress?: Progress;
}

/** The result of a push or pull: the shape of `bundle import`, plus the bytes sent or received. */
export interface SyncResult {
  imported: number;
  skipped: number;
  refs: { name: string; from: string | null; to: string }[];
  bytes: number;
  remote: string;
  /** The log size both sides now hold. */
  size: number;
}

const key = (name: string) => `remote/${name}`;

/** Whether `url` names a git host (smart HTTP) or a directory; other URL schemes are refused. */
function kindOf(url: string): 'directory' | 'git' {
  if (/^https?:\/\//i.test(url)) return 'git';
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url) || /^[^/\\]+@[^/\\]+:/.test(url)) {
    throw new InputError('INPUT_INVALID', `${url}: only git hosts over http(s) and directories can be remotes; use the repository's https URL, or a folder path`, { url });
  }
  return 'directory';
}

function checkUrl(url: string, kind: 'directory' | 'git'): string {
  if (kind === 'directory') {
    DirTransport.check(url);
    return resolve(url);
  }
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new InputError('INPUT_INVALID', `${url} is not a URL; give the repository's https URL`, { url });
  }
  if (u.username || u.password) {
    throw new InputError('INPUT_INVALID', `${u.host}: the URL holds credentials, which would be stored in the repository; give the URL without them and use --user and COGNIFY_GIT_TOKEN`, { host: u.host });
  }
  return u.toString();
}

export async function listRemotes(repo: Repo): Promise<RemoteInfo[]> {
  const out: RemoteInfo[] = [];
  for await (const [k, v] of repo.store.sub.meta.iterator({ gt: 'remote/', lt: 'remote/\uffff' })) {
    out.push({ name: k.slice(7), ...(JSON.parse(fromUtf8(v)) as Omit<RemoteInfo, 'name'>) });
  }
  return out;
}

async function putRemote(repo: Repo, info: RemoteInfo): Promise<void> {
  const { name, ...rest } = info;
  const tx = repo.store.begin();
  tx.put('meta', key(name), utf8(JSON.stringify(rest)));
  await tx.commit();
}

export async function getRemote(repo: Repo, name: string): Promise<RemoteInfo> {
  const v = await repo.store.getMeta(key(name));
  if (v === undefined) {
    const names = (await listRemotes(repo)).map((r) => r.name);
    throw new NotFoundError('NOT_FOUND', `no remote named ${name}${names.length ? ` (there are: ${names.join(', ')})` : ''}; add one with cognify remote add ${name} <folder|https url>`, { name });
  }
  return { name, ...(JSON.parse(fromUtf8(v)) as Omit<RemoteInfo, 'name'>) };
}

/** Name a remote: a folder (created on the first push) or the https URL of a git repository. */
export async function addRemote(repo: Repo, name: string, url: string): Promise<RemoteInfo> {
  try {
    checkRemoteName(name);
    if ((await repo.store.getMeta(key(name))) !== undefined) {
      throw new InputError('INPUT_INVALID', `remote ${name} exists (${(await getRemote(repo, name)).url}); remove it first (cognify remote remove ${name}) or choose another name`, { name });
    }
    const kind = kindOf(url);
    const info: RemoteInfo = { name, url: checkUrl(url, kind), kind };
    await putRemote(repo, info);
    return info;
  } catch (e) {
    throw tagCaller(e, 'remote.add');
  }
}

export async function removeRemote(repo: Repo, name: string): Promise<RemoteInfo> {
  const info = await getRemote(repo, name);
  const tx = repo.store.begin();
  tx.del('meta', key(name));
  await tx.commit();
  await rm(gitCache(repo.dir, name), { recursive: true, force: true });
  return info;
}

function gitCache(dir: string, name: string): string {
  return join(dir, REPO_DIRNAME, 'remotes', `${name}.git`);
}

function transport(info: { url: string; kind: 'directory' | 'git' }, cache: string, opts: SyncOptions): Transport {
  return info.kind === 'git' ? new GitTransport(info.url, cache, opts.auth, opts.gitLimits) : new DirTransport(info.url);
}

/** The remote's chain of bundles for `repo`, and the manifest of its last one (checked against its name). */
async function remoteState(t: Transport, repo: ObjectId): Promise<{ chained: RemoteBundle[]; size: number; last?: BundleManifest }> {
  const chained = chain(t.url, await t.bundles(repo));
  const end = chained.at(-1);
  if (!end) return { chained, size: 0 };
  const last = await readManifest(t.read(end), `${t.url}: ${end.where}`);
  if (last.repo !== repo || last.since !== end.since || last.size !== end.size) {
    throw new BundleError('BUNDLE_INVALID', `${t.url}: ${end.where} holds log entries ${last.since} to ${last.size - 1} of ${last.repo}, not what its name says; the remote is damaged`, { where: end.where });
  }
  return { chained, size: end.size, last };
}

/** Refs that differ between here and there, both values shown. */
async function differing(repo: Repo, there: Record<string, string>): Promise<{ name: string; here: string | null; there: string | null }[]> {
  const here: Record<string, string> = {};
  for await (const [k, v] of repo.store.refs()) here[k] = v;
  return [...new Set([...Object.keys(here), ...Object.keys(there)])]
    .sort()
    .filter((n) => here[n] !== there[n])
    .map((n) => ({ name: n, here: here[n] ?? null, there: there[n] ?? null }));
}

/** The error for two logs that each moved on: refused, with both versions of every ref that differs. */
async function diverged(repo: Repo, remote: string, there: Record<string, string>, size: number): Promise<never> {
  const refs = await differing(repo, there);
  const short = (id: string | null) => (id ? id.slice(7, 19) : 'none');
  const shown = refs.slice(0, 5).map((r) => `${r.name} (here ${short(r.here)}, on ${remote} ${short(r.there)})`);
  throw new BundleError(
    'SYNC_DIVERGED',
    `this repository (${await repo.logSize()} log entries) and remote ${remote} (${size}) have each added entries the other lacks${shown.length ? `; refs that differ: ${shown.join(', ')}${refs.length > 5 ? `, and ${refs.length - 5} more` : ''}` : ''}; a log takes one history, so nothing was changed: cognify pull ${remote} --keep-both keeps its version beside yours (under remotes/${remote}/)`,
    { refs, remote },
  );
}

/** Fetch `bundles` from `t` into files under `dir`, in order. */
async function download(t: Transport, bundles: RemoteBundle[], dir: string, onProgress?: Progress): Promise<{ files: string[]; bytes: number }> {
  const files: string[] = [];
  let bytes = 0;
  for (const [i, b] of bundles.entries()) {
    const file = join(dir, `${i}.bundle`);
    const out = createWriteStream(file, { flags: 'wx' });
    await once(out, 'open');
    try {
      for await (const c of t.read(b)) {
        bytes += c.length;
        onProgress?.({ phase: 'receiving', items: i, bytes });
        if (!out.write(c)) await once(out, 'drain');
      }
      out.end();
      await once(out, 'finish');
    } catch (e) {
      out.destroy();
      throw e;
    }
    files.push(file);
  }
  return { files, bytes };
}

/** The named remote, read afresh: its chain of bundles for this repository, and our log size. */
async function connect(repo: Repo, name: string, opts: SyncOptions) {
  const info = await getRemote(repo, name);
  const t = transport(info, gitCache(repo.dir, name), opts);
  await t.refresh();
  return { info, t, ours: await repo.logSize(), there: await remoteState(t, repo.id) };
}

/** Send what this repository's log holds beyond the remote's; refused when the remote moved on meanwhile or the logs diverged. */
export async function push(repo: Repo, name: string, opts: SyncOptions & { signer: Signer }): Promise<SyncResult> {
  try {
    const { info, t, ours, there } = await connect(repo, name, opts);
    if (there.last && !(await holds(repo, there.last))) {
      if (there.size > ours) {
        throw new BundleError('SYNC_CONFLICT', `remote ${name} holds ${there.size} log entries of this repository and you hold ${ours}: pull first (cognify pull ${name}), then push`, { remote: name });
      }
      await diverged(repo, name, there.last.refs, there.size);
    }
    const refs = (await differing(repo, there.last?.refs ?? {})).filter((r) => r.here !== null).map((r) => ({ name: r.name, from: r.there, to: r.here! }));
    if (there.size === ours) {
      await putRemote(repo, { ...info, seen: ours });
      return { imported: 0, skipped: 0, refs: [], bytes: 0, remote: name, size: ours };
    }
    const tmp = await mkdtemp(join(tmpdir(), 'cognify-push-'));
    try {
      const file = join(tmp, 'push.bundle');
      const made = await createBundle(repo, { file, signer: opts.signer, since: there.size, ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) });
      let sent = 0;
      await t.add(repo.id, there.size, made.size, file, (n) => opts.onProgress?.({ phase: 'sending', items: made.objects, bytes: (sent += n) }));
      await putRemote(repo, { ...info, seen: made.size });
      await journal(repo, { action: 'push', where: info.url, remote: name, repo: repo.id, size: made.size, root: noteRoot(await repo.checkpoint()), objects: made.objects, bytes: made.bytes });
      return { imported: made.objects, skipped: 0, refs, bytes: made.bytes, remote: name, size: made.size };
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  } catch (e) {
    throw tagCaller(e, 'push');
  }
}

export interface PullOptions extends SyncOptions {
  /** When the logs diverged: keep the remote's record beside this one (remotes/<name>/...) instead of refusing. */
  keepBoth?: boolean;
  /** Which repository to take from a remote holding several (an id or a prefix of its hex). */
  repo?: string;
  /** Who signs the log entry when another record is kept beside this one (asked only then). */
  signer?: () => Promise<Signer>;
}

/** The one repository of `held` meant by `wanted` (an id, or a prefix of its hex), or the only one; undefined when there is none. */
function pickRepo(held: ObjectId[], wanted: string | undefined, url: string): ObjectId | undefined {
  if (wanted !== undefined) {
    const hex = wanted.replace(/^sha256:/, '');
    const found = held.filter((r) => r.slice(7).startsWith(hex));
    if (found.length !== 1) throw new NotFoundError('NOT_FOUND', `${url} holds ${found.length ? 'several repositories starting' : 'no repository'} ${wanted}; it holds ${held.map((r) => r.slice(7, 19)).join(', ') || 'none'}`, { url });
    return found[0];
  }
  if (held.length > 1) throw new InputError('INPUT_INVALID', `${url} holds ${held.length} repositories (${held.map((r) => r.slice(7, 19)).join(', ')}); name one with --repo <id>`, { repos: held });
  return held[0];
}

/**
 * Bring this repository forward with what was pushed to the remote since; every bundle is verified
 * before anything changes. A remote holding another repository's record (or, with `keepBoth`, a
 * copy of this one that diverged) is kept beside this one's: see origins.ts.
 */
export async function pull(repo: Repo, name: string, opts: PullOptions = {}): Promise<SyncResult> {
  try {
    const { info, t, ours, there } = await connect(repo, name, opts);
    if (!there.last || (opts.repo !== undefined && !repo.id.slice(7).startsWith(opts.repo.replace(/^sha256:/, '')))) {
      const other = pickRepo((await t.repos()).filter((r) => r !== repo.id), opts.repo, info.url);
      if (!other) return { imported: 0, skipped: 0, refs: [], bytes: 0, remote: name, size: ours };
      return await pullOrigin(repo, name, t, other, opts);
    }
    const refuse = async () => (opts.keepBoth ? pullOrigin(repo, name, t, repo.id, opts) : diverged(repo, name, there.last!.refs, there.size));
    if (there.size <= ours) {
      if (!(await holds(repo, there.last))) return await refuse();
      await putRemote(repo, { ...info, seen: there.size });
      return { imported: 0, skipped: 0, refs: [], bytes: 0, remote: name, size: there.size };
    }
    const tmp = await mkdtemp(join(tmpdir(), 'cognify-pull-'));
    try {
      const got = await download(t, toFetch(there.chained, ours), tmp, opts.onProgress);
      let r: BundleImportResult;
      try {
        r = await importInto(repo, got.files, opts.onProgress);
      } catch (e) {
        if (e instanceof CognifyError && e.code === 'SYNC_DIVERGED') return await refuse();
        throw e;
      }
      await putRemote(repo, { ...info, seen: there.size });
      if (r.imported > 0) await journal(repo, { action: 'pull', where: info.url, remote: name, repo: repo.id, size: there.size, root: noteRoot(there.last.checkpoint), objects: r.imported, bytes: got.bytes });
      return { imported: r.imported, skipped: r.skipped, refs: r.refs, bytes: got.bytes, remote: name, size: there.size };
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  } catch (e) {
    throw tagCaller(e, 'pull');
  }
}

/** Pull repository `id`'s record from `t` into the replica kept as `name`, and bring it in beside this repository's own. */
async function pullOrigin(repo: Repo, name: string, t: Transport, id: ObjectId, opts: PullOptions): Promise<SyncResult> {
  if (!opts.signer) throw new InputError('INPUT_INVALID', `taking the record on remote ${name} in beside this repository's is logged here and signed: give a signer`, { remote: name });
  const have = await originSize(repo, name);
  if (have.repo !== undefined && have.repo !== id) {
    throw new InputError('INPUT_INVALID', `remote ${name}'s record is kept here as repository ${have.repo}, and the remote now offers ${id}; add the remote again under another name`, { remote: name });
  }
  const there = await remoteState(t, id);
  const tmp = await mkdtemp(join(tmpdir(), 'cognify-pull-'));
  try {
    const got = there.size > have.size ? await download(t, toFetch(there.chained, have.size), tmp, opts.onProgress) : { files: [], bytes: 0 };
    const r = got.files.length ? await importOrigin(repo, got.files, { name, source: t.url, signer: opts.signer, ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) }) : { imported: 0, skipped: 0, refs: [] };
    if (r.imported > 0 || r.refs.length > 0) await journal(repo, { action: 'pull', where: t.url, remote: name, repo: id, size: there.size, root: noteRoot(there.last!.checkpoint), objects: r.imported, bytes: got.bytes });
    return { imported: r.imported, skipped: r.skipped, refs: r.refs, bytes: got.bytes, remote: name, size: there.size };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/**
 * Make `dir` a new repository holding a record from a remote (the only one it holds, or `repo`),
 * verified before the directory becomes a repository, with the remote named `origin`.
 */
export async function clone(url: string, dir: string, opts: SyncOptions & { repo?: string; name?: string } = {}): Promise<SyncResult & { dir: string; repo: string }> {
  const tmp = await mkdtemp(join(tmpdir(), 'cognify-clone-'));
  try {
    const kind = kindOf(url);
    const info = { url: checkUrl(url, kind), kind };
    if (kind === 'directory' && !existsSync(info.url)) throw new NotFoundError('NOT_FOUND', `no folder ${info.url}; give the folder the record was pushed to`, { url: info.url });
    const target = resolve(dir);
    if (kind === 'directory' && (target === info.url || target.startsWith(info.url + sep))) {
      throw new InputError('INPUT_INVALID', `${target} is inside the remote folder ${info.url}; clone into a directory elsewhere (cognify clone ${info.url} <dir>)`, { dir: target });
    }
    const t = transport(info, join(tmp, 'cache.git'), opts);
    await t.refresh();
    const id = pickRepo(await t.repos(), opts.repo, info.url);
    if (!id) throw new NotFoundError('NOT_FOUND', `${info.url} holds no repository yet; push to it first`, { url: info.url });
    const there = await remoteState(t, id);
    const got = await download(t, there.chained, tmp, opts.onProgress);
    const r = await createFromBundles(got.files, dir, opts.onProgress);
    const made = await openRepo({ dir });
    try {
      await putRemote(made, { name: opts.name ?? 'origin', ...info, seen: there.size });
      await journal(made, { action: 'clone', where: info.url, remote: opts.name ?? 'origin', repo: id, size: there.size, root: noteRoot(there.last!.checkpoint), objects: r.imported, bytes: got.bytes });
    } finally {
      await made.close();
    }
    return { imported: r.imported, skipped: 0, refs: r.refs, bytes: got.bytes, remote: opts.name ?? 'origin', size: there.size, dir: r.dir, repo: r.repo };
  } catch (e) {
    throw tagCaller(e, 'clone');
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
