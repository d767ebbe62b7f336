// A git remote (issue 7): any git host over smart HTTP, reached with isomorphic-git (no git binary
// at run time). The record travels as bundles committed as blobs on a dedicated branch,
// `cognify`, under `repos/<repository id hex>/<since>-<size>/part-NNNN`. isomorphic-git builds
// every pack in memory (and fails above 2 GiB), so a bundle is cut into parts of at most 16 MiB
// and pushed at most 128 MiB at a time: a large bundle goes up in several commits, in a folder
// named `.partial` that readers ignore until the last commit gives it its name. Pushes are
// fast-forward only: the host updates the branch only if it still points where we fetched it,
// so of two pushers one wins and the other is told to pull. Credentials come from the caller
// (--user, COGNIFY_GIT_TOKEN) for each request and are never written anywhere; the local git
// directory (`.cognify/remotes/<name>.git`) is a cache of what was fetched.
import * as fs from 'node:fs';
import { createReadStream } from 'node:fs';
import git, { type TreeEntry } from 'isomorphic-git';
import nodeHttp, { type GitHttpRequest, type GitHttpResponse } from 'isomorphic-git/http/node';
import { BundleError, InputError } from '../core/errors.js';
import type { ObjectId } from '../core/ids.js';
import { bundleName, parseBundleName, repoFolder, type RemoteBundle, type Transport } from '../sync/remote.js';

export const BRANCH = 'refs/heads/cognify';
const ID_HEX = /^[0-9a-f]{64}$/;

export interface GitAuth {
  user?: string;
  token?: string;
}

export interface GitLimits {
  /** Bytes per blob (default 16 MiB). */
  part?: number;
  /** Bytes of new blobs per pushed commit (default 128 MiB). */
  push?: number;
}

/** What a git error means for the person pushing or pulling. */
function explain(e: unknown, url: string, auth: GitAuth): never {
  const err = e as { code?: string; data?: { statusCode?: number; reason?: string }; message?: string };
  // isomorphic-git asks onAuth on HTTP 401; we cancel when there is no token or it was refused.
  if (err.code === 'UserCanceledError' || (err.code === 'HttpError' && (err.data?.statusCode === 401 || err.data?.statusCode === 403))) {
    throw new InputError(
      'INPUT_INVALID',
      auth.token
        ? `${url} refused the credentials; set COGNIFY_GIT_TOKEN to a token that may read and write the repository (and --user if the host wants a user name)`
        : `${url} asks for credentials; set COGNIFY_GIT_TOKEN to an access token (and --user if the host wants a user name)`,
      { url },
      e,
    );
  }
  if (err.code === 'HttpError' && err.data?.statusCode === 404) {
    throw new BundleError('IO_FAILED', `${url} has no git repository (HTTP 404); create an empty repository on the host and check the URL`, { url }, e);
  }
  if (err.code === 'PushRejectedError' || err.code === 'GitPushError') {
    throw new BundleError('SYNC_CONFLICT', `${url} moved on while you pushed (someone else pushed first); run cognify pull, then push again`, { url }, e);
  }
  throw new BundleError('IO_FAILED', `cannot reach the git remote ${url}: ${err.message ?? String(e)}; check the URL and the network`, { url }, e);
}

const pkt = (line: string) => Buffer.from((line.length + 4).toString(16).padStart(4, '0') + line, 'latin1');

/**
 * isomorphic-git's fetch fails after storing the refs, and before storing the pack, when the host
 * advertises no HEAD (isomorphic-git issue #1654): that is a repository whose default branch does
 * not exist, such as one made only to hold our branch. When the upload-pack advertisement has
 * no HEAD, this adds one naming our branch's commit, as a host with that default branch would.
 */
async function withHead(res: GitHttpResponse): Promise<GitHttpResponse> {
  const parts: Uint8Array[] = [];
  for await (const p of res.body ?? []) parts.push(p);
  const body = Buffer.concat(parts);
  const lines: string[] = [];
  for (let i = 0; i + 4 <= body.length; ) {
    const n = parseInt(body.subarray(i, i + 4).toString('latin1'), 16);
    lines.push(n === 0 ? '' : body.subarray(i + 4, i + n).toString('latin1'));
    i += n === 0 ? 4 : n;
  }
  // "# service=…", flush, then ref lines: the first carries the capabilities after a NUL.
  const first = lines.findIndex((l, i) => i > 0 && l !== '');
  const refs = lines.slice(first).filter((l) => l !== '').map((l) => l.split('\0')[0]!.trim().split(' ') as [string, string]);
  const ours = refs.find(([, name]) => name === BRANCH);
  if (first < 0 || !ours || refs.some(([, name]) => name === 'HEAD')) return { ...res, body: [body][Symbol.iterator]() as unknown as AsyncIterableIterator<Uint8Array> };
  const [line0, caps] = lines[first]!.split('\0') as [string, string | undefined];
  const out = [
    ...lines.slice(0, first).map((l) => (l === '' ? Buffer.from('0000') : pkt(l))),
    pkt(`${ours[0]} HEAD${caps !== undefined ? `\0${caps}` : '\n'}`),
    pkt(`${line0.trim()}\n`),
    ...lines.slice(first + 1).map((l) => (l === '' ? Buffer.from('0000') : pkt(l))),
  ];
  return { ...res, body: [Buffer.concat(out)][Symbol.iterator]() as unknown as AsyncIterableIterator<Uint8Array> };
}

const http = {
  async request(req: GitHttpRequest): Promise<GitHttpResponse> {
    const res = await nodeHttp.request(req);
    return res.statusCode === 200 && req.url.endsWith('/info/refs?service=git-upload-pack') ? withHead(res) : res;
  },
};

export class GitTransport implements Transport {
  private head: string | undefined;
  private readonly part: number;
  private readonly pushMax: number;

  constructor(
    readonly url: string,
    private readonly gitdir: string,
    private readonly auth: GitAuth = {},
    limits: GitLimits = {},
  ) {
    this.part = limits.part ?? 16 << 20;
    this.pushMax = Math.max(limits.push ?? 128 << 20, this.part);
  }

  private get onAuth() {
    const { user, token } = this.auth;
    return () => (token ? { username: user ?? 'cognify', password: token } : { cancel: true });
  }

  async refresh(): Promise<void> {
    await git.init({ fs, gitdir: this.gitdir, bare: true, defaultBranch: 'cognify' });
    // The URL (never credentials) in the cache's config, as isomorphic-git's fetch reads its refspec there.
    await git.addRemote({ fs, gitdir: this.gitdir, remote: 'origin', url: this.url, force: true });
    try {
      await git.fetch({ fs, http, gitdir: this.gitdir, remote: 'origin', ref: 'cognify', singleBranch: true, tags: false, onAuth: this.onAuth, onAuthFailure: () => ({ cancel: true }) });
    } catch (e) {
      const err = e as { code?: string; data?: { what?: string } };
      // isomorphic-git looks up the host's HEAD after storing what it fetched; a host whose
      // default branch does not exist (a repository holding only our branch) fails only there.
      if (err.code === 'NotFoundError' && err.data?.what === 'HEAD') {
        // fetched; fall through
      } else if (err.code === 'NotFoundError' || err.code === 'EmptyServerResponseError') {
        // An empty repository, or one without our branch yet: nothing pushed there so far.
        this.head = undefined;
        return;
      } else explain(e, this.url, this.auth);
    }
    this.head = await git.resolveRef({ fs, gitdir: this.gitdir, ref: 'refs/remotes/origin/cognify' }).catch(() => undefined);
  }

  private async entries(path: string): Promise<TreeEntry[]> {
    if (!this.head) return [];
    try {
      return (await git.readTree({ fs, gitdir: this.gitdir, oid: this.head, filepath: path })).tree;
    } catch (e) {
      if ((e as { code?: string }).code === 'NotFoundError') return [];
      throw e;
    }
  }

  async repos(): Promise<ObjectId[]> {
    return (await this.entries('repos')).filter((e) => e.type === 'tree' && ID_HEX.test(e.path)).map((e) => `sha256:${e.path}` as ObjectId);
  }

  async bundles(repo: ObjectId): Promise<RemoteBundle[]> {
    const out: RemoteBundle[] = [];
    for (const e of await this.entries(`repos/${repoFolder(repo)}`)) {
      const span = e.type === 'tree' ? parseBundleName(e.path) : undefined;
      if (span) out.push({ repo, ...span, where: `repos/${repoFolder(repo)}/${e.path}` });
    }
    return out.sort((a, b) => a.since - b.since);
  }

  async *read(b: RemoteBundle): AsyncIterable<Uint8Array> {
    const parts = (await this.entries(b.where)).filter((e) => e.type === 'blob' && /^part-\d{4}$/.test(e.path)).sort((x, y) => (x.path < y.path ? -1 : 1));
    for (const p of parts) yield (await git.readBlob({ fs, gitdir: this.gitdir, oid: p.oid })).blob;
  }

  /** A tree equal to `base` (or empty) with `path` set to `entry` (or removed), written bottom-up; returns its oid. */
  private async setPath(base: string | undefined, path: string[], entry: TreeEntry | undefined): Promise<string> {
    const [name, ...rest] = path as [string, ...string[]];
    const tree = base ? (await git.readTree({ fs, gitdir: this.gitdir, oid: base })).tree : [];
    const kept = tree.filter((e) => e.path !== name);
    if (rest.length === 0) {
      if (entry) kept.push({ ...entry, path: name });
    } else {
      const sub = tree.find((e) => e.path === name && e.type === 'tree');
      kept.push({ mode: '040000', path: name, type: 'tree', oid: await this.setPath(sub?.oid, rest, entry) });
    }
    return git.writeTree({ fs, gitdir: this.gitdir, tree: kept });
  }

  /** Commit `tree` on top of the fetched head and push it; the host refuses it unless the branch is still where we fetched it. */
  private async commitAndPush(tree: string, message: string): Promise<void> {
    const now = Math.floor(Date.now() / 1000);
    const who = { name: 'cognify', email: 'cognify@localhost', timestamp: now, timezoneOffset: 0 };
    const oid = await git.writeCommit({ fs, gitdir: this.gitdir, commit: { message, tree, parent: this.head ? [this.head] : [], author: who, committer: who } });
    await git.writeRef({ fs, gitdir: this.gitdir, ref: BRANCH, value: oid, force: true });
    let r;
    try {
      r = await git.push({ fs, http, gitdir: this.gitdir, url: this.url, ref: BRANCH, remoteRef: BRANCH, onAuth: this.onAuth, onAuthFailure: () => ({ cancel: true }) });
    } catch (e) {
      explain(e, this.url, this.auth);
    }
    if (!r.ok) explain(Object.assign(new Error(r.error ?? 'rejected'), { code: 'GitPushError' }), this.url, this.auth);
    this.head = oid;
  }

  async add(repo: ObjectId, since: number, size: number, file: string, onBytes?: (n: number) => void): Promise<void> {
    if ((await this.bundles(repo)).some((b) => b.since === since)) {
      throw new BundleError('SYNC_CONFLICT', `${this.url} already holds log entries from ${since} (someone else pushed first); run cognify pull, then push again`, { since });
    }
    const folder = ['repos', repoFolder(repo)];
    const partial = [...folder, `${bundleName(since, size)}.partial`];
    const rootOf = async () => (this.head ? (await git.readCommit({ fs, gitdir: this.gitdir, oid: this.head })).commit.tree : undefined);
    let parts: TreeEntry[] = [];
    let pending = 0;
    let buf = new Uint8Array(this.part);
    let fill = 0;
    const flushPart = async () => {
      if (fill === 0) return;
      const oid = await git.writeBlob({ fs, gitdir: this.gitdir, blob: buf.subarray(0, fill) });
      parts.push({ mode: '100644', path: `part-${String(parts.length).padStart(4, '0')}`, type: 'blob', oid });
      pending += fill;
      onBytes?.(fill);
      buf = new Uint8Array(this.part);
      fill = 0;
    };
    const folderTree = () => git.writeTree({ fs, gitdir: this.gitdir, tree: parts });
    for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
      let c = chunk as Buffer;
      while (c.length) {
        const n = Math.min(c.length, this.part - fill);
        buf.set(c.subarray(0, n), fill);
        fill += n;
        c = c.subarray(n);
        if (fill === this.part) await flushPart();
        if (pending >= this.pushMax) {
          // Enough for one pack: push what is written so far under the .partial name.
          await this.commitAndPush(await this.setPath(await rootOf(), partial, { mode: '040000', path: '', type: 'tree', oid: await folderTree() }), `cognify: part of log entries ${since} to ${size - 1} of ${repo}`);
          pending = 0;
        }
      }
    }
    await flushPart();
    let root = await this.setPath(await rootOf(), partial, undefined);
    root = await this.setPath(root, [...folder, bundleName(since, size)], { mode: '040000', path: '', type: 'tree', oid: await folderTree() });
    await this.commitAndPush(root, `cognify: log entries ${since} to ${size - 1} of ${repo}`);
    parts = [];
  }
}
