// Code provenance of a run: which commit of which repository produced the model, and exactly how
// the working tree differed from that commit when it ran. EU AI Act Annex IV 2(a)-(b) asks for
// the methods and steps of development; a dirty tree is recorded file by file, never hidden.
//
// Read with isomorphic-git only (no git binary at run time), and read-only: statusMatrix runs
// with `refresh: false`, so the repository's .git/index is not rewritten by recording it.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { lstat, readFile, readlink, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { currentBranch, findRoot, listRemotes, resolveRef, STAGE, statusMatrix, TREE, walk, type FsClient } from 'isomorphic-git';
import { toHex } from '../core/bytes.js';
import { CognifyError, InputError, NotFoundError } from '../core/errors.js';

export interface DirtyFile {
  /** Path relative to the work tree root, "/" separators. */
  path: string;
  /**
   * Relative to the commit: 'modified' (the working-tree bytes differ), 'deleted' (missing from
   * the working tree), 'added' (not in the commit, staged), 'untracked' (not in the commit, not
   * staged, not ignored).
   */
  status: 'modified' | 'added' | 'deleted' | 'untracked';
  /**
   * Hex SHA-256 of the working-tree bytes (a symbolic link: of its target text, as git stores
   * it); null when deleted, and for a submodule checked out at another commit than the recorded one.
   */
  sha256: string | null;
  size: number | null;
}

export interface CodeProvenance {
  /** Absolute path of the work tree root. */
  root: string;
  /** HEAD's commit id; null when the repository has no commits yet. */
  commit: string | null;
  /** Short branch name; null on a detached HEAD. */
  branch: string | null;
  /** 'origin' if there is one, else the first remote; credentials are stripped from the URL. */
  remote: { name: string; url: string } | null;
  /** Sorted by path (UTF-8 bytes). */
  dirty: DirtyFile[];
  /** True when the working tree is byte-for-byte the commit (and there is a commit). */
  clean: boolean;
}

export interface ReadCodeProvenanceOptions {
  /** The training code's directory: the work tree root or any directory below it. */
  dir: string;
  /** Hex SHA-256 of whole bytes; by default node:crypto, streamed. */
  sha256?: (bytes: Uint8Array) => string;
  /** Refuse to record more dirty files than this (default 10000). */
  maxDirtyFiles?: number;
}

export const DEFAULT_MAX_DIRTY_FILES = 10_000;

// statusMatrix columns: [path, HEAD, WORKDIR, STAGE]. HEAD: 0 absent, 1 present. WORKDIR: 0 absent,
// 1 identical to HEAD, 2 different from HEAD. STAGE: 0 absent, 1 identical to HEAD, 2 identical
// to WORKDIR, 3 different from both (isomorphic-git docs, statusMatrix).
type StatusRow = [string, 0 | 1, 0 | 1 | 2, 0 | 1 | 2 | 3];

/**
 * What ran is the working tree, so a row is dirty when the working tree differs from the commit.
 * Differences that live only in the index ([1,1,3] "MM" back to HEAD, [1,1,0] `git rm --cached`,
 * [0,0,3] added then deleted) leave the working tree equal to the commit: they are not dirty.
 */
export function _classify(row: StatusRow): DirtyFile['status'] | null {
  const [, head, workdir, stage] = row;
  if (head === 1) {
    if (workdir === 0) return 'deleted'; // [1,0,*]: " D", "D ", "MD"
    if (workdir === 2) return 'modified'; // [1,2,*]: " M", "M ", "MM", and "D "+"??" with other bytes
    return null; // [1,1,*]: the working tree has HEAD's bytes
  }
  if (workdir === 0) return null; // [0,0,*]: in neither HEAD nor the working tree
  return stage === 0 ? 'untracked' : 'added'; // [0,2,0] "??"; [0,2,2] "A ", [0,2,3] "AM"
}

const HTTPISH = /^(?:[a-z0-9.-]+\+)?(?:https?|ftps?):\/\//i;

/**
 * A URL without credentials. http(s) and ftp(s) URLs (also `git+https://`) lose their whole
 * user-info, since a token is often given as the user name (`https://ghp_…@github.com/…`);
 * other schemes (`ssh://git@host/…`) keep the user name and lose any password. scp-like
 * addresses (`git@github.com:org/repo.git`) cannot carry a password and are kept as they are.
 */
export function stripUrlCredentials(url: string): string {
  // user-info runs from "//" to the last "@" before the first "/", "?" or "#" (RFC 3986 3.2).
  const m = /^([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^/?#]*)@/.exec(url);
  if (!m) return url;
  const [whole, scheme, userinfo] = m as unknown as [string, string, string];
  const rest = url.slice(whole.length);
  if (HTTPISH.test(url)) return scheme + rest;
  const colon = userinfo.indexOf(':');
  return colon < 0 ? url : `${scheme}${userinfo.slice(0, colon)}@${rest}`;
}

// gitrepository-layout(5), and the common_list of git's path.c: in a linked worktree
// (`git worktree add`) these live in the main repository's git directory, named by the file
// "commondir"; HEAD, index and everything else belong to the worktree's own git directory.
const SHARED = ['objects', 'refs', 'packed-refs', 'config', 'info', 'hooks', 'logs', 'remotes', 'branches', 'shallow', 'description', 'worktrees', 'rr-cache', 'lost-found', 'common', 'svn'];
const OWN_INSIDE_SHARED = ['refs/bisect', 'refs/worktree', 'refs/rewritten', 'logs/HEAD', 'logs/refs/bisect', 'logs/refs/worktree', 'logs/refs/rewritten', 'info/sparse-checkout'];
const under = (rel: string, prefixes: readonly string[]) => prefixes.some((p) => rel === p || rel.startsWith(`${p}/`));

/**
 * The git directory of a work tree, and an fs that isomorphic-git can read it through. A linked
 * worktree's git directory holds only HEAD and index; isomorphic-git does not follow
 * "commondir", so shared paths are redirected to the main git directory here. Without this it
 * would find no branch ref and report a tree with no commits.
 */
export async function _gitLocation(root: string): Promise<{ gitdir: string; fs: FsClient }> {
  const dotgit = join(root, '.git');
  if ((await stat(dotgit)).isDirectory()) return { gitdir: dotgit, fs };
  // A ".git" file: "gitdir: <path>", relative to the work tree (submodules) or absolute (worktrees).
  const m = /^gitdir:\s*(.+?)\s*$/m.exec(await readFile(dotgit, 'utf8'));
  if (!m) throw new InputError('INPUT_INVALID', `${dotgit} is neither a git directory nor a "gitdir:" file`, { path: dotgit });
  const gitdir = resolve(root, m[1]!);
  let common: string;
  try {
    common = resolve(gitdir, (await readFile(join(gitdir, 'commondir'), 'utf8')).trim());
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { gitdir, fs }; // a submodule: one git directory
    throw e;
  }
  const map = (p: unknown): unknown => {
    if (typeof p !== 'string' || !p.startsWith(gitdir + sep)) return p;
    const rel = p.slice(gitdir.length + 1).split(sep).join('/');
    return under(rel, SHARED) && !under(rel, OWN_INSIDE_SHARED) ? join(common, rel) : p;
  };
  const fsp = fs.promises as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  const promises: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const name of ['readFile', 'writeFile', 'unlink', 'readdir', 'mkdir', 'rmdir', 'stat', 'lstat', 'readlink']) {
    promises[name] = (p, ...rest) => fsp[name]!(map(p), ...rest);
  }
  promises.symlink = (target, p) => fsp.symlink!(target, map(p));
  return { gitdir, fs: { promises } as unknown as FsClient };
}

function isGitNotFound(e: unknown): boolean {
  return (e as { code?: unknown })?.code === 'NotFoundError';
}

async function hashWorkingFile(path: string, sha256?: (bytes: Uint8Array) => string): Promise<{ sha256: string; size: number }> {
  // git stores a symbolic link as a blob of its target text; hash that, not what it points to.
  if ((await lstat(path)).isSymbolicLink()) {
    const bytes = new Uint8Array(Buffer.from(await readlink(path, { encoding: 'buffer' })));
    return { sha256: sha256 ? sha256(bytes) : createHash('sha256').update(bytes).digest('hex'), size: bytes.length };
  }
  if (sha256) {
    const bytes = new Uint8Array(await readFile(path));
    return { sha256: sha256(bytes), size: bytes.length };
  }
  const h = createHash('sha256');
  let size = 0;
  for await (const piece of fs.createReadStream(path, { highWaterMark: 1 << 20 })) {
    h.update(piece as Uint8Array);
    size += (piece as Uint8Array).length;
  }
  return { sha256: toHex(h.digest()), size };
}

/** Reads the commit, branch, remote and every difference of the working tree from the commit. */
export async function readCodeProvenance(opts: ReadCodeProvenanceOptions): Promise<CodeProvenance> {
  const { dir, sha256 } = opts;
  const max = opts.maxDirtyFiles ?? DEFAULT_MAX_DIRTY_FILES;
  if (typeof dir !== 'string' || dir === '') throw new InputError('INPUT_INVALID', 'expected a directory for the code provenance, got none', { dir });
  if (!Number.isSafeInteger(max) || max < 0) throw new InputError('INPUT_INVALID', `maxDirtyFiles must be a whole number ≥ 0, got ${max}`, { maxDirtyFiles: max });

  const abs = resolve(dir);
  try {
    if (!(await stat(abs)).isDirectory()) throw new InputError('INPUT_INVALID', `${abs} is not a directory; give --code the directory of the training code's repository`, { dir: abs });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError('NOT_FOUND', `no directory ${abs}`, { dir: abs });
    throw e;
  }

  let root: string;
  try {
    root = resolve(await findRoot({ fs, filepath: abs }));
  } catch (e) {
    if (!isGitNotFound(e)) throw e;
    throw new InputError('INPUT_INVALID', `${abs}: not inside a git working tree; give --code the directory of the training code's repository, or leave --code out`, { dir: abs }, e);
  }

  const { commit, branch, remote, dirty } = await readWorkTree(root, { max, sha256, counted: { n: 0 }, top: root });
  return { root, commit, branch, remote, dirty, clean: commit !== null && dirty.length === 0 };
}

interface Budget {
  max: number;
  sha256: ((bytes: Uint8Array) => string) | undefined;
  /** Dirty entries so far, over the top work tree and its submodules. */
  counted: { n: number };
  top: string;
}

function count(b: Budget, k = 1): void {
  b.counted.n += k;
  if (b.counted.n > b.max) {
    throw new InputError(
      'INPUT_INVALID',
      `${b.top}: more than ${b.max} files differ from the commit (maxDirtyFiles); commit them or add them to .gitignore, or raise maxDirtyFiles`,
      { root: b.top, maxDirtyFiles: b.max },
    );
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}

/** Submodules (gitlink entries) of HEAD and the index, with the commits they record. */
async function gitlinks(root: string, gitdir: string, gfs: FsClient, cache: object): Promise<{ path: string; head: string | null }[]> {
  const out: { path: string; head: string | null }[] = [];
  await walk({
    fs: gfs,
    dir: root,
    gitdir,
    cache,
    trees: [TREE({ ref: 'HEAD' }), STAGE()],
    map: async (path, [head, stage]) => {
      const [ht, st] = await Promise.all([head?.type(), stage?.type()]);
      if (ht === 'commit' || st === 'commit') out.push({ path, head: ht === 'commit' ? await head!.oid() : null });
      return ht === 'tree' || st === 'tree' || path === '.' ? true : undefined;
    },
  });
  return out;
}

async function readWorkTree(root: string, b: Budget): Promise<Omit<CodeProvenance, 'root' | 'clean'>> {
  const { gitdir, fs: gfs } = await _gitLocation(root);
  let commit: string | null = null;
  try {
    commit = await resolveRef({ fs: gfs, dir: root, gitdir, ref: 'HEAD' });
  } catch (e) {
    if (!isGitNotFound(e)) throw e; // an unborn branch: no commits yet
  }
  // On a detached HEAD currentBranch resolves to undefined; on an unborn branch, to its name.
  const branch = (await currentBranch({ fs: gfs, dir: root, gitdir, fullname: false })) ?? null;

  const remotes = await listRemotes({ fs: gfs, dir: root, gitdir });
  const chosen = remotes.find((r) => r.remote === 'origin') ?? remotes[0];
  const remote = chosen ? { name: chosen.remote, url: stripUrlCredentials(chosen.url) } : null;

  // With no commit, statusMatrix compares against an empty HEAD: every file is added or untracked.
  const cache = {};
  const rows = (await statusMatrix({ fs: gfs, dir: root, gitdir, cache, refresh: false })) as StatusRow[];
  const changed: { path: string; status: DirtyFile['status'] }[] = [];
  for (const row of rows) {
    const status = _classify(row);
    if (status === null) continue;
    count(b);
    changed.push({ path: row[0], status });
  }

  const dirty: DirtyFile[] = [];
  for (const { path, status } of changed) {
    if (status === 'deleted') {
      dirty.push({ path, status, sha256: null, size: null });
      continue;
    }
    try {
      dirty.push({ path, status, ...(await hashWorkingFile(join(root, path), b.sha256)) });
    } catch (e) {
      throw new CognifyError('IO_FAILED', `cannot read ${path} in ${root}: ${(e as Error).message}; record the code again when nothing is writing to the work tree`, { root, path }, e);
    }
  }

  // statusMatrix passes over submodules; the code in them ran too. A submodule checked out at
  // another commit than the one recorded is listed by its path (no bytes to hash), its own
  // changes as files under that path. One not checked out (an empty directory) ran no code.
  for (const link of await gitlinks(root, gitdir, gfs, cache)) {
    const at = join(root, link.path);
    if (!(await exists(at))) {
      if (link.head !== null) {
        count(b);
        dirty.push({ path: link.path, status: 'deleted', sha256: null, size: null });
      }
      continue;
    }
    if (!(await exists(join(at, '.git')))) continue;
    const sub = await readWorkTree(at, b);
    if (link.head === null || sub.commit !== link.head) {
      count(b);
      dirty.push({ path: link.path, status: link.head === null ? 'added' : 'modified', sha256: null, size: null });
    }
    for (const f of sub.dirty) dirty.push({ ...f, path: `${link.path}/${f.path}` });
  }
  dirty.sort((x, y) => Buffer.compare(Buffer.from(x.path), Buffer.from(y.path)));
  return { commit, branch, remote, dirty };
}
