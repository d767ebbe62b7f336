// Remotes (issue 7): where a repository's record waits for others to pull it. A remote holds, per
// repository, a chain of bundles: the first continues from log size 0, each next one from the
// size the one before it ends at. A push adds one bundle to the end of the chain; a pull fetches
// the bundles after what it holds and imports them as any bundle is imported (replayed and
// verified before anything changes). The remote itself is never trusted: it stores files.
//
// Layout, the same in a directory and on a git branch:
//   repos/<repository id hex>/<since, 12 digits>-<size, 12 digits>     one bundle
// A directory remote stores each bundle as one file; a git remote as a folder of parts of
// bounded size (`part-0000` ...), because isomorphic-git builds packs in memory.
import { BundleError, InputError } from '../core/errors.js';
import type { ObjectId } from '../core/ids.js';

/** A bundle a remote holds: log entries `since` … `size` − 1 of repository `repo`. */
export interface RemoteBundle {
  repo: ObjectId;
  since: number;
  size: number;
  /** Where the transport finds it (a file path, a tree path). */
  where: string;
}

/** What a remote can do: list, read and add bundles. Adding is exclusive: one bundle per `since`. */
export interface Transport {
  /** The remote as the user named it (path or URL, without credentials). */
  readonly url: string;
  /** Read the remote's current state; for a git remote this fetches. */
  refresh(): Promise<void>;
  /** The repositories the remote holds. */
  repos(): Promise<ObjectId[]>;
  /** One repository's bundles, in log order (unchecked: `chain` checks them). */
  bundles(repo: ObjectId): Promise<RemoteBundle[]>;
  /** A bundle's bytes, streamed. */
  read(b: RemoteBundle): AsyncIterable<Uint8Array>;
  /**
   * Add the bundle in `file` (log entries `since` … `size` − 1 of `repo`). Throws SYNC_CONFLICT,
   * changing nothing, when the remote already has a bundle continuing from `since` (someone pushed first).
   */
  add(repo: ObjectId, since: number, size: number, file: string, onBytes?: (n: number) => void): Promise<void>;
}

const NAME = /^(\d{12})-(\d{12})$/;

/** The name of the bundle holding entries `since` … `size` − 1. */
export function bundleName(since: number, size: number): string {
  return `${String(since).padStart(12, '0')}-${String(size).padStart(12, '0')}`;
}

/** A bundle's span from its name, or undefined for anything else (ignored). */
export function parseBundleName(name: string): { since: number; size: number } | undefined {
  const m = NAME.exec(name);
  if (!m) return undefined;
  const since = Number(m[1]);
  const size = Number(m[2]);
  return size > since ? { since, size } : undefined;
}

/** The folder name of a repository on a remote: its id's hex. */
export function repoFolder(repo: ObjectId): string {
  return repo.slice(7);
}

/**
 * Check that `bundles` form one chain from log size 0 and return it in order: each one continues
 * where the one before ended. A gap or two bundles from the same size mean a damaged remote.
 */
export function chain(url: string, bundles: RemoteBundle[]): RemoteBundle[] {
  const sorted = [...bundles].sort((a, b) => a.since - b.since);
  let at = 0;
  for (const b of sorted) {
    if (b.since !== at) {
      throw new BundleError(
        'BUNDLE_INVALID',
        b.since < at
          ? `remote ${url} holds two bundles continuing from log entry ${b.since} of repository ${b.repo}; the remote is damaged: remove the one not pushed by your team`
          : `remote ${url} lacks the bundle with log entries ${at} to ${b.since - 1} of repository ${b.repo}; the remote is damaged: push again from a complete repository`,
        { since: b.since },
      );
    }
    at = b.size;
  }
  return sorted;
}

/** The bundles to fetch for a repository holding `size` entries: from the one continuing exactly there, or all of them. */
export function toFetch(chained: RemoteBundle[], size: number): RemoteBundle[] {
  const i = chained.findIndex((b) => b.since === size);
  return i >= 0 ? chained.slice(i) : chained;
}

/** A remote's name as the user gives it: like a git remote name. */
export function checkRemoteName(name: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name)) {
    throw new InputError('INPUT_INVALID', `"${name}" is not a remote name; use letters, digits, ".", "_" or "-" (like origin or review-site)`, { name });
  }
}
