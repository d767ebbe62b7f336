// A directory remote (issue 7): a folder on a shared disk or a removable drive holding bundles,
// `repos/<repository id hex>/<since>-<size>.bundle`. Readers only ever see whole bundles: a
// bundle is written to a temporary file, flushed, and renamed into place. Two pushers never
// corrupt it: each first claims the log size it continues from with an exclusive create
// (`claims/<since>`, made by link(), which every local and network file system does atomically);
// the one that loses the claim changes nothing and is told to pull first. A claim left by a push
// from this machine whose process died is taken over by the next push.
import { constants as fsc, createReadStream, existsSync, statSync } from 'node:fs';
import { link, mkdir, open, readdir, readFile, rename, rmdir, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { BundleError, InputError } from '../core/errors.js';
import type { ObjectId } from '../core/ids.js';
import { bundleName, parseBundleName, repoFolder, type RemoteBundle, type Transport } from '../sync/remote.js';
import { syncDir } from './atomic-write.js';
import { mkdirs } from './mkdirs.js';
import { REPO_DIRNAME } from './repo-dir.js';

const ID_HEX = /^[0-9a-f]{64}$/;

function io(e: unknown, what: string): never {
  throw new BundleError('IO_FAILED', `${what}: ${(e as Error).message}`, {}, e);
}

export class DirTransport implements Transport {
  readonly url: string;
  private readonly root: string;

  constructor(path: string) {
    this.root = resolve(path);
    this.url = this.root;
  }

  /** Refuse a path that cannot be a directory remote, before anything is written there. */
  static check(path: string): void {
    const root = resolve(path);
    if (existsSync(root) && !statSync(root).isDirectory()) throw new InputError('INPUT_INVALID', `${root} is a file; a directory remote is a folder (new, empty, or one cognify pushed to)`, { path: root });
    if (existsSync(join(root, REPO_DIRNAME))) {
      throw new InputError('INPUT_INVALID', `${root} is a Cognify repository; a directory remote is a folder of bundles: name a new or empty folder (for example on the shared disk)`, { path: root });
    }
  }

  async refresh(): Promise<void> {
    DirTransport.check(this.root);
  }

  async repos(): Promise<ObjectId[]> {
    const names = await readdir(join(this.root, 'repos')).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? [] : io(e, `cannot read ${this.root}`)));
    return names.filter((n) => ID_HEX.test(n)).map((n) => `sha256:${n}` as ObjectId);
  }

  async bundles(repo: ObjectId): Promise<RemoteBundle[]> {
    const dir = join(this.root, 'repos', repoFolder(repo));
    const names = await readdir(dir).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? [] : io(e, `cannot read ${dir}`)));
    const out: RemoteBundle[] = [];
    for (const n of names) {
      const span = n.endsWith('.bundle') ? parseBundleName(n.slice(0, -7)) : undefined;
      if (span) out.push({ repo, ...span, where: join(dir, n) });
    }
    return out.sort((a, b) => a.since - b.since);
  }

  async *read(b: RemoteBundle): AsyncIterable<Uint8Array> {
    const s = createReadStream(b.where, { highWaterMark: 1 << 20 });
    try {
      for await (const c of s) yield c as Buffer;
    } catch (e) {
      io(e, `cannot read ${b.where}`);
    } finally {
      s.destroy();
    }
  }

  async add(repo: ObjectId, since: number, size: number, file: string, onBytes?: (n: number) => void): Promise<void> {
    const dir = join(this.root, 'repos', repoFolder(repo));
    const claims = join(dir, 'claims');
    await mkdirs(claims).catch((e) => io(e, `cannot create ${claims}`));
    const claim = join(claims, String(since).padStart(12, '0'));
    const content = JSON.stringify({ host: hostname(), pid: process.pid, time: new Date().toISOString(), size }) + '\n';
    for (let attempt = 0; !(await takeClaim(claim, content).catch((e) => io(e, `cannot write in ${dir}`))); attempt++) {
      const done = (await this.bundles(repo)).some((b) => b.since === since);
      // A claim left by a push from this machine whose process is gone (killed, crashed) is
      // taken over once; one from another machine cannot be judged from here.
      if (!done && attempt === 0 && (await takeOverStale(claim))) continue;
      throw new BundleError(
        'SYNC_CONFLICT',
        done
          ? `remote ${this.url} moved on while you pushed: someone else pushed log entries from ${since} first; run cognify pull, then push again`
          : `another push to ${this.url} from log entry ${since} has started and not finished (${claim}); wait for it and pull, or, if no push is running, delete that file and push again`,
        { since },
      );
    }
    const tmp = join(dir, `.${bundleName(since, size)}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      const out = await open(tmp, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, 0o644);
      try {
        for await (const c of createReadStream(file, { highWaterMark: 1 << 20 })) {
          await out.write(c as Buffer);
          onBytes?.((c as Buffer).length);
        }
        await out.sync();
      } finally {
        await out.close();
      }
      await rename(tmp, join(dir, `${bundleName(since, size)}.bundle`));
      await syncDir(dir);
    } catch (e) {
      await unlink(tmp).catch(() => undefined);
      await unlink(claim).catch(() => undefined);
      io(e, `cannot write the bundle into ${dir}`);
    }
    await writeFile(claim, '').catch(() => undefined);
  }
}

/**
 * Claim `claim` with its content in one step: the content goes to a file of our own, which is then
 * hard-linked to the claim's name. link() fails with EEXIST when the name is taken, atomically,
 * on local and network file systems alike (the classic lock-file technique), and a claim is never
 * seen empty or half-written, even when its maker is killed. Returns false when it is taken.
 */
async function takeClaim(claim: string, content: string): Promise<boolean> {
  const mine = `${claim}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(mine, content, { flag: 'wx', mode: 0o644 });
  try {
    await link(mine, claim);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    await unlink(mine).catch(() => undefined);
  }
}

/** Whether the process that made a claim on this machine is gone (a claim of a finished push is empty). */
function staleOwner(text: string): boolean {
  let owner: { host?: unknown; pid?: unknown };
  try {
    owner = JSON.parse(text) as { host?: unknown; pid?: unknown };
  } catch {
    return false;
  }
  if (owner.host !== hostname() || typeof owner.pid !== 'number' || owner.pid === process.pid) return false;
  try {
    process.kill(owner.pid, 0);
    return false; // alive (or a reused pid: judged alive, the safe side)
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Remove a stale claim so that it can be taken again. Only one of several pushers that find the
 * same stale claim does so: each must first create `<claim>.takeover`, and the one that does
 * checks the claim is still the stale one before removing it.
 */
async function takeOverStale(claim: string): Promise<boolean> {
  const seen = await readFile(claim, 'utf8').catch(() => '');
  if (!staleOwner(seen)) return false;
  const guard = `${claim}.takeover`;
  try {
    await mkdir(guard);
  } catch {
    return false;
  }
  try {
    if ((await readFile(claim, 'utf8').catch(() => '')) !== seen) return false;
    await unlink(claim);
    return true;
  } finally {
    await rmdir(guard).catch(() => undefined);
  }
}
