// repo.diff / diffFiles: what `cognify diff A B` runs. Each of A and B is a dataset ref (`name`,
// `name@3`, `name@<id prefix>`, a version id) or a plain file path, so a diff compares two
// versions, a working file against a version, or two files never committed. A name that is both
// a dataset and a file in the working directory is refused as ambiguous rather than guessed.
import { stat } from 'node:fs/promises';
import { isAbsolute, resolve, sep } from 'node:path';
import type { CryptoProvider } from '../core/crypto-provider.js';
import { InputError, NotFoundError, tagCaller } from '../core/errors.js';
import type { ObjectId } from '../core/ids.js';
import type { RowChange } from '../diff/changes.js';
import { diffTables, type DiffOptions, type DiffSummary, type TableDiff } from '../diff/diff.js';
import type { RecipeNode } from '../diff/recipe-tree.js';
import { fileSide, versionSide, type FileSideOptions, type TableSide } from '../diff/table-side.js';
import { workerChunker } from '../node/chunk-pool.js';
import type { Repo } from './repo.js';

export interface RepoDiffOptions extends DiffOptions {
  /** Directory that relative file paths are resolved against (default: the process's). */
  cwd?: string;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

const looksLikePath = (ref: string) => ref.includes('/') || ref.includes(sep) || isAbsolute(ref) || ref.startsWith('.');

async function openSide(repo: Repo | undefined, ref: string, crypto: CryptoProvider, opts: RepoDiffOptions, chunker?: FileSideOptions['chunker']): Promise<TableSide> {
  if (ref === '') throw new InputError('USAGE', 'an empty name is neither a dataset nor a file', {});
  const path = resolve(opts.cwd ?? process.cwd(), ref);
  const sideOpts: FileSideOptions = { label: ref, ...(opts.signal ? { signal: opts.signal } : {}), ...(chunker ? { chunker } : {}) };
  if (!repo || looksLikePath(ref)) return fileSide(path, crypto, sideOpts);
  let found;
  try {
    found = await repo.datasets.resolve(ref);
  } catch (e) {
    if (!(e instanceof NotFoundError || e instanceof InputError)) throw e;
    if (await isFile(path)) return fileSide(path, crypto, sideOpts);
    throw new NotFoundError('NOT_FOUND', `"${ref}" is neither a dataset version in this repository nor a file; see cognify dataset list`, { ref });
  }
  if (await isFile(path)) {
    throw new InputError('USAGE', `"${ref}" is both a dataset and a file here; write ./${ref} for the file, or ${found.version.name}@${found.version.number} for the version`, { ref });
  }
  return versionSide(found.version, `${found.version.name}@${found.version.number}`, { getNode: nodeReader(repo), getChunk: (id) => repo.store.getChunk(id), getChunks: (ids) => repo.store.getChunks(ids) });
}

export function nodeReader(repo: Repo): (id: Uint8Array) => Promise<RecipeNode> {
  return async (id) => (await repo.store.get(`sha256:${Buffer.from(id).toString('hex')}` as ObjectId, 'recipe-node')).value as unknown as RecipeNode;
}

/** A diff whose sides are opened when iteration starts, and closed when it ends. */
function lazyDiff(open: () => Promise<[TableSide, TableSide]>, opts: RepoDiffOptions, getNode: ((id: Uint8Array) => Promise<RecipeNode>) | undefined, caller: string): TableDiff {
  let inner: TableDiff | undefined;
  const summary = {} as DiffSummary;
  async function* iterate(): AsyncIterable<RowChange> {
    let sides: [TableSide, TableSide] | undefined;
    try {
      sides = await open();
      inner = diffTables(sides[0], sides[1], opts, sides[0].tree && sides[1].tree ? getNode : undefined);
      yield* inner;
      Object.assign(summary, inner.summary);
    } catch (e) {
      throw tagCaller(e, caller);
    } finally {
      await Promise.all(sides?.map((s) => s.close()) ?? []);
    }
  }
  return { summary, [Symbol.asyncIterator]: () => iterate()[Symbol.asyncIterator]() };
}

/** Diffs two dataset refs or file paths in `repo`. */
export function repoDiff(repo: Repo, a: string, b: string, opts: RepoDiffOptions = {}): TableDiff {
  return lazyDiff(() => openBoth(repo, a, b, repo.crypto, opts), opts, nodeReader(repo), 'repo.diff');
}

/** Opens both sides at once; a file on the B side is chunked on a worker thread meanwhile. */
async function openBoth(repo: Repo | undefined, a: string, b: string, crypto: CryptoProvider, opts: RepoDiffOptions): Promise<[TableSide, TableSide]> {
  const [ra, rb] = await Promise.allSettled([openSide(repo, a, crypto, opts), openSide(repo, b, crypto, opts, workerChunker())]);
  if (ra.status === 'fulfilled' && rb.status === 'fulfilled') return [ra.value, rb.value];
  for (const r of [ra, rb]) if (r.status === 'fulfilled') await r.value.close();
  throw ra.status === 'rejected' ? ra.reason : (rb as PromiseRejectedResult).reason;
}

/** Diffs two plain files, no repository needed. */
export function diffFiles(a: string, b: string, crypto: CryptoProvider, opts: RepoDiffOptions = {}): TableDiff {
  return lazyDiff(() => openBoth(undefined, a, b, crypto, opts), opts, undefined, 'diffFiles');
}

/** Runs a diff for its counts only. */
export async function statOf(diff: TableDiff): Promise<DiffSummary> {
  for await (const _ of diff) {
    // the engine counts as records pass
  }
  return diff.summary;
}
