// Bundles through the repository (issue 7): write a full bundle of this repository to a file;
// verify a bundle file without any repository; import one, which makes a new repository (a
// replica of the source's record, for an air-gapped site) or brings an existing replica of the
// same repository forward. Every check runs in a repository no one can see yet (a temporary
// directory); only a bundle that replays and verifies completely changes anything.
import { createReadStream, createWriteStream, statSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { once } from 'node:events';
import { BundleError, CognifyError, InputError, RepoError, tagCaller } from '../core/errors.js';
import type { ObjectId } from '../core/ids.js';
import { decodeObject, type CognifyObject } from '../store/object-codec.js';
import { Store, type Database } from '../store/store.js';
import type { Signer } from '../chain/signer.js';
import { originOf, readEntries, rootAt } from '../chain/audit-log.js';
import { parseCheckpoint, parseNote } from '../chain/signed-note.js';
import { fromUtf8, toHex } from '../core/bytes.js';
import { nodeProvider } from '../node/node-crypto.js';
import { createRepoDb, findRepoDir, isRepoDir, REPO_DIRNAME } from '../node/repo-dir.js';
import { readBundle, writeBundle, type BundleEvent } from '../sync/bundle-format.js';
import { zlibCodec } from '../node/zlib-codec.js';
import { bundleItems, bundleManifest, replayBundle, type BundleManifest, type ReplayResult } from '../sync/bundle.js';
import { derivedRecords } from './subjects.js';
import { openRepo } from './open-repo.js';
import { references, Repo, rules, schemas } from './repo.js';
import { importOrigin } from './origins.js';
import { importPartial, partialItems, selectRefs, withPartial } from './partial.js';
import { journal, noteRoot } from './sync-journal.js';

export interface BundleCreateResult {
  bundle: string;
  objects: number;
  bytes: number;
  refs: string[];
  size: number;
  since: number;
}

/** Write a bundle of `repo` to `file` (atomically: a partial file never appears): whole, or continuing from log size `since`. */
export async function createBundle(repo: Repo, opts: { file: string; signer: Signer; since?: number; refs?: string; onProgress?: Progress }): Promise<BundleCreateResult> {
  const file = resolve(opts.file);
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  try {
    const since = opts.since ?? 0;
    if (opts.refs !== undefined && since > 0) throw new InputError('USAGE', '--refs makes a bundle of part of the record, without its log; it cannot continue one from --since: use one or the other', {});
    const all: Record<string, ObjectId> = {};
    for await (const [k, v] of repo.store.refs()) all[k] = v;
    const part = opts.refs === undefined ? undefined : selectRefs(all, opts.refs);
    const manifest = await bundleManifest(repo.store, repo.id, opts.signer, repo.now(), since, part);
    const encoded = repo.store.encode(manifest as unknown as CognifyObject);
    let objects = 0;
    let bytes = 0;
    async function* counted() {
      for await (const item of part ? partialItems(repo, Object.values(part), opts.signer.fingerprint) : bundleItems(repo.store, since, references)) {
        if (++objects % 1024 === 0) opts.onProgress?.({ phase: 'writing', items: objects, bytes });
        yield item;
      }
    }
    const out = createWriteStream(tmp, { flags: 'wx', mode: 0o644 });
    await once(out, 'open');
    try {
      // Pieces are small (a frame header, one chunk's deflate): written to the file about 1 MiB at a time.
      let held: Uint8Array[] = [];
      let heldBytes = 0;
      const drain = async () => {
        if (!out.write(Buffer.concat(held))) await once(out, 'drain');
        held = [];
        heldBytes = 0;
      };
      for await (const piece of writeBundle(repo.crypto, encoded.bytes, counted(), { codec: zlibCodec, seal: (m) => opts.signer.sign(m) })) {
        bytes += piece.length;
        held.push(piece);
        heldBytes += piece.length;
        if (heldBytes >= 1 << 20) await drain();
      }
      await drain();
      out.end();
      await once(out, 'finish');
    } catch (e) {
      out.destroy();
      throw e;
    }
    await rename(tmp, file);
    return { bundle: file, objects, bytes, refs: Object.keys(manifest.refs).sort(), size: manifest.size, since };
  } catch (e) {
    await rm(tmp, { force: true });
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new InputError('INPUT_INVALID', `cannot write ${opts.file}: its folder does not exist; choose another path`, { file: opts.file });
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new InputError('INPUT_INVALID', `${opts.file} is being written by another cognify; wait, or choose another path`, { file: opts.file });
    throw tagCaller(e, 'bundle.create');
  }
}

/** Progress of a long transfer: what is happening, items so far, bytes so far. */
export type Progress = (p: { phase: string; items: number; bytes: number }) => void;

/** Replay bundle files in order (a chain: each continues where the one before ends) into `store`. */
async function replayFiles(store: Store, files: string[], onProgress?: Progress): Promise<ReplayResult> {
  let total: ReplayResult | undefined;
  let before = 0;
  for (const file of files) {
    const source = createReadStream(file);
    let r: ReplayResult;
    try {
      r = await replayBundle(store, progressed(readBundle(nodeProvider, source, { codec: zlibCodec }), before, onProgress), { rules, derived: derivedRecords });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new BundleError('BUNDLE_INVALID', `no bundle file ${file}; give the path of a file made by cognify bundle create`, { file });
      throw e;
    } finally {
      source.destroy();
    }
    before += r.bytes;
    total = total ? { ...r, objects: total.objects + r.objects, chunks: total.chunks + r.chunks, entries: total.entries + r.entries, bytes: total.bytes + r.bytes } : r;
  }
  return total!;
}

/** Report replay progress about ten times a second's worth of items (every 1,024). */
async function* progressed(events: AsyncIterable<BundleEvent>, before: number, onProgress?: Progress): AsyncIterable<BundleEvent> {
  let items = 0;
  for await (const ev of events) {
    if (onProgress && ev.type === 'item' && ++items % 1024 === 0) onProgress({ phase: 'verifying', items, bytes: before + ev.offset });
    yield ev;
  }
}

/** Replay bundle files into a new repository at `dir` and verify it there; throws on the first problem. */
async function replayInto(dir: string, files: string[], onProgress?: Progress): Promise<ReplayResult> {
  return createRepoDb(dir, async (db: Database) => {
    const store = new Store({ db, crypto: nodeProvider, schemas });
    const r = await replayFiles(store, files, onProgress);
    const repo = await new Repo({ db, crypto: nodeProvider, dir, close: async () => undefined })._load();
    const report = await repo.verify();
    if (!report.ok) {
      const p = report.problems[0]!;
      throw new BundleError('BUNDLE_INVALID', `the bundled record does not verify: ${p.what}`, { problems: report.problems.length });
    }
    return r;
  });
}

/** Replay incremental bundles onto a copy of `repo` (open, so no one writes it meanwhile), made in `copy`, and verify it there. */
async function replayOnto(repo: Repo, copy: string, files: string[], onProgress?: Progress): Promise<ReplayResult> {
  await mkdir(join(copy, REPO_DIRNAME), { recursive: true });
  await cp(join(repo.dir, REPO_DIRNAME, 'db'), join(copy, REPO_DIRNAME, 'db'), { recursive: true, filter: (src) => basename(src) !== 'LOCK' });
  const copied = await openRepo({ dir: copy });
  try {
    const r = await replayFiles(copied.store, files, onProgress);
    const report = await copied.verify();
    if (!report.ok) throw new BundleError('BUNDLE_INVALID', `the record with this bundle does not verify: ${report.problems[0]!.what}`, { problems: report.problems.length });
    return r;
  } finally {
    await copied.close();
  }
}

/**
 * Whether `repo` already holds everything the bundle does: the same repository, at least as long
 * a log, and the same Merkle root at the bundle's size as the checkpoint the bundle carries (so
 * the same entries). Importing such a bundle again changes nothing.
 */
export async function holds(repo: Repo, m: BundleManifest): Promise<boolean> {
  const size = await repo.logSize();
  if (repo.id !== m.repo || size < m.size) return false;
  return toHex(await rootAt(repo.store, m.size)) === noteRoot(m.checkpoint);
}

/** The items in a bundle file (its trailer checked on the way). */
async function countItems(file: string): Promise<number> {
  const source = createReadStream(file);
  try {
    for await (const ev of readBundle(nodeProvider, source, { codec: zlibCodec })) if (ev.type === 'end') return ev.items;
    return 0;
  } finally {
    source.destroy();
  }
}

/** A bundle's manifest, read from the front of its bytes (the rest is not read). */
export async function readManifest(source: AsyncIterable<Uint8Array>, name: string): Promise<BundleManifest> {
  for await (const ev of readBundle(nodeProvider, source, { codec: zlibCodec })) {
    if (ev.type !== 'manifest') break;
    const m = decodeObject(schemas, ev.bytes, 'the bundle manifest');
    if (m.type !== 'bundle-manifest') break;
    return m as unknown as BundleManifest;
  }
  throw new BundleError('BUNDLE_INVALID', `${name} has no manifest`, {});
}

/** The manifest of a bundle file. */
async function fileManifest(file: string): Promise<BundleManifest> {
  const source = createReadStream(file);
  try {
    return await readManifest(source, file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new BundleError('BUNDLE_INVALID', `no bundle file ${file}; give the path of a file made by cognify bundle create`, { file });
    throw e;
  } finally {
    source.destroy();
  }
}

export interface BundleVerifyResult {
  ok: boolean;
  objects: number;
  problems: string[];
  repo?: string;
  size?: number;
  refs?: string[];
  /** Part of a record (--refs): checked against the identities it carries; it has no log to replay. */
  partial?: boolean;
}

/** Check a bundle file completely without any repository (it is replayed into a temporary one). */
export async function verifyBundle(file: string, opts: { dir?: string; onProgress?: Progress } = {}): Promise<BundleVerifyResult> {
  const tmp = await mkdtemp(join(tmpdir(), 'cognify-bundle-verify-'));
  try {
    const m = await fileManifest(resolve(file));
    if (m.partial) {
      const c = await withPartial(resolve(file), async (_s, c) => c);
      return { ok: true, objects: c.objects + c.chunks, problems: [], repo: m.repo, size: m.size, refs: Object.keys(m.refs).sort(), partial: true };
    }
    const since = m.since;
    let r: ReplayResult;
    if (since === 0) r = await replayInto(join(tmp, 'replica'), [resolve(file)], opts.onProgress);
    else {
      const target = opts.dir === undefined ? undefined : repoAt(opts.dir);
      if (!target) throw new BundleError('BUNDLE_INVALID', `this bundle continues a log from entry ${since}: verify it against the repository it continues (cognify -C <repository> bundle verify <file>)`, { since });
      const repo = await openRepo({ dir: target });
      try {
        r = await replayOnto(repo, join(tmp, 'copy'), [resolve(file)], opts.onProgress);
      } finally {
        await repo.close();
      }
    }
    return { ok: true, objects: r.objects + r.chunks + r.entries, problems: [], repo: r.manifest.repo, size: r.manifest.size, refs: Object.keys(r.manifest.refs).sort() };
  } catch (e) {
    if (e instanceof CognifyError) return { ok: false, objects: 0, problems: [e.message] };
    throw e;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** The repository at or above `dir`, or undefined. */
function repoAt(dir: string): string | undefined {
  if (isRepoDir(dir)) return dir;
  try {
    return findRepoDir(dir);
  } catch {
    return undefined;
  }
}

export interface BundleImportResult {
  imported: number;
  skipped: number;
  refs: { name: string; from: string | null; to: string }[];
  repo: string;
  dir: string;
  created: boolean;
}

const byName = ([a]: [string, unknown], [b]: [string, unknown]) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Make `dir` a new repository holding the record in `files` (a chain of bundles from log size 0),
 * replayed and verified before the directory becomes a repository.
 */
export async function createFromBundles(files: string[], dir: string, onProgress?: Progress): Promise<BundleImportResult> {
  const since = (await fileManifest(files[0]!)).since;
  if (since > 0) throw new BundleError('BUNDLE_INVALID', `this bundle continues a log from entry ${since}: import it into the repository it continues, or import a full bundle here`, { since });
  const r = await replayInto(dir, files, onProgress);
  return { imported: r.objects + r.chunks + r.entries, skipped: 0, refs: Object.entries(r.manifest.refs).sort(byName).map(([name, to]) => ({ name, from: null, to })), repo: r.manifest.repo, dir: resolve(dir), created: true };
}

/**
 * Bring `repo` forward with the record in `files` (a chain of bundles: a full one and those after
 * it, or incremental ones from `repo`'s log size). They are replayed and verified apart (into an
 * empty replica, or onto a copy of `repo`), then brought in at once; `repo`'s log must be a prefix
 * of theirs. Bundles whose entries `repo` already holds change nothing.
 */
export async function importInto(repo: Repo, files: string[], onProgress?: Progress): Promise<BundleImportResult> {
  const manifests = await Promise.all(files.map(fileManifest));
  if (await holds(repo, manifests.at(-1)!)) {
    let skipped = 0;
    for (const f of files) skipped += await countItems(f);
    return { imported: 0, skipped, refs: [], repo: repo.id, dir: repo.dir, created: false };
  }
  const tmp = await mkdtemp(join(tmpdir(), 'cognify-bundle-import-'));
  try {
    const replica = join(tmp, 'replica');
    const r = manifests[0]!.since === 0 ? await replayInto(replica, files, onProgress) : await replayOnto(repo, replica, files, onProgress);
    return await repo._rewrite(() => fastForward(repo, replica, r));
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

export interface ImportOptions {
  onProgress?: Progress;
  /** Who signs the log entry when the bundle holds another repository's record (asked only then). */
  signer?: () => Promise<Signer>;
  /** The name another repository's refs appear under (remotes/<name>/); default: its id's first 12 hex digits. */
  name?: string;
}

/**
 * Import a bundle into the repository at (or above) `dir`, or, when there is none, make `dir` a
 * new repository holding the bundled record. A copy of the same repository is brought forward
 * (its log must be a prefix of the bundle's); another repository's record is kept beside this
 * one's (see origins.ts), which needs a signer. Importing the same bundle again changes nothing.
 */
export async function importBundle(file: string, dir: string, opts: ImportOptions = {}): Promise<BundleImportResult & { name?: string; partial?: boolean }> {
  try {
    const target = repoAt(dir);
    const m = await fileManifest(resolve(file));
    const record = async (r: Repo, objects: number) =>
      journal(r, { action: 'import', where: resolve(file), repo: m.repo, size: m.size, root: noteRoot(m.checkpoint), objects, bytes: statSync(resolve(file)).size });
    if (m.partial) {
      if (!target) throw new BundleError('BUNDLE_INVALID', `this bundle holds part of a record (made with --refs), without its log, so it cannot make a repository: import it into an existing one (cognify -C <repository> bundle import ${basename(file)})`, {});
      if (!opts.signer) throw new RepoError('REPO_EXISTS', 'taking part of a record in is logged here and signed: give a signer (the CLI asks for your key)', {});
      const repo = await openRepo({ dir: target });
      try {
        const name = opts.name ?? m.repo.slice(7, 19);
        const r = await importPartial(repo, resolve(file), { name, source: basename(file), signer: opts.signer });
        if (r.imported > 0 || r.refs.length > 0) await record(repo, r.imported);
        return { imported: r.imported, skipped: 0, refs: r.refs, repo: r.repo, dir: repo.dir, created: false, name, partial: true };
      } finally {
        await repo.close();
      }
    }
    if (!target) {
      const made = await createFromBundles([resolve(file)], dir, opts.onProgress);
      const r = await openRepo({ dir });
      await record(r, made.imported).finally(() => r.close());
      return made;
    }
    const repo = await openRepo({ dir: target });
    try {
      let r: BundleImportResult & { name?: string };
      if (m.repo === repo.id) r = await importInto(repo, [resolve(file)], opts.onProgress);
      else if (!opts.signer) {
        throw new RepoError('REPO_EXISTS', `this bundle holds repository ${m.repo}, and ${repo.dir} is repository ${repo.id}; taking another repository's record in is logged here and signed: give a signer (the CLI asks for your key)`, { repo: repo.id });
      } else r = await importOrigin(repo, [resolve(file)], { name: opts.name ?? m.repo.slice(7, 19), source: basename(file), signer: opts.signer, ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) });
      if (r.imported > 0 || r.refs.length > 0) await record(repo, r.imported);
      return r;
    } finally {
      await repo.close();
    }
  } catch (e) {
    throw tagCaller(e, 'bundle.import');
  }
}

/** Bring `repo` forward to the verified replica at `replicaDir`, in one batch; refuses anything but a fast-forward. */
async function fastForward(repo: Repo, replicaDir: string, r: ReplayResult): Promise<BundleImportResult> {
  if (repo.id !== r.manifest.repo) {
    throw new RepoError('REPO_EXISTS', `this bundle holds repository ${r.manifest.repo}, and ${repo.dir} is repository ${repo.id}; nothing was imported`, { repo: repo.id });
  }
  const ours = await repo.logSize();
  const replica = await openRepo({ dir: replicaDir });
  try {
    if (ours > r.manifest.size) throw new BundleError('BUNDLE_INVALID', `this bundle is older than the repository: it holds ${r.manifest.size} log entries, the repository ${ours}; nothing to import`, {});
    // Our log must be a prefix of the bundle's: same entries, in order.
    const mine = readEntries(repo.store)[Symbol.asyncIterator]();
    for await (const e of readEntries(replica.store, { to: ours })) {
      const m = (await mine.next()).value as { id: string } | undefined;
      if (!m || m.id !== e.id) throw new BundleError('SYNC_DIVERGED', `the logs have diverged at log entry ${e.seq}: each side added entries the other lacks, and a log takes one history: nothing was changed`, { seq: e.seq });
    }
    const refs: BundleImportResult['refs'] = [];
    for (const [name, to] of Object.entries(r.manifest.refs).sort(byName)) {
      const from = (await repo.store.getRef(name)) ?? null;
      if (from !== to) refs.push({ name, from, to });
    }
    const total = r.objects + r.chunks + r.entries;
    if (ours === r.manifest.size) return { imported: 0, skipped: total, refs, repo: repo.id, dir: repo.dir, created: false };
    let imported = r.manifest.size - ours;
    const ops: { type: 'put'; sublevel: Store['sub'][keyof Store['sub']]; key: string; value: Uint8Array }[] = [];
    for (const sub of ['objects', 'chunks'] as const) {
      for await (const [k, v] of replica.store.sub[sub].iterator()) {
        if ((await repo.store.sub[sub].get(k)) === undefined) {
          ops.push({ type: 'put', sublevel: repo.store.sub[sub], key: k, value: v });
          imported++;
        }
      }
    }
    for (const sub of ['log', 'indexes', 'meta', 'refs'] as const) {
      for await (const [k, v] of replica.store.sub[sub].iterator()) ops.push({ type: 'put', sublevel: repo.store.sub[sub], key: k, value: v });
    }
    await repo.store.write(ops);
    return { imported, skipped: total - imported, refs, repo: repo.id, dir: repo.dir, created: false };
  } finally {
    await replica.close();
  }
}


/**
 * The log size a bundle continues from, given as the user names what the other side holds: a
 * log size, a remote's name (the size it held when last seen), or a checkpoint file the other
 * side wrote (`cognify log checkpoint`). A checkpoint's root must match this log's at its size,
 * so a bundle is never cut for a log that has gone another way; its signature is not needed for
 * that (the receiver verifies whatever arrives).
 */
export async function resolveSince(repo: Repo, value: string): Promise<number> {
  if (/^\d+$/.test(value)) return Number(value);
  const remote = await repo.store.getMeta(`remote/${value}`);
  if (remote !== undefined) {
    const seen = (JSON.parse(fromUtf8(remote)) as { seen?: number }).seen;
    if (seen === undefined) throw new InputError('INPUT_INVALID', `remote ${value} has not been pushed to or pulled from yet, so what it holds is unknown; run cognify pull ${value} first, or give --since a log size`, { since: value });
    return seen;
  }
  let text: string;
  try {
    text = await readFile(resolve(value), 'utf8');
  } catch {
    throw new InputError('INPUT_INVALID', `--since ${value}: not a log size, a remote's name, or a checkpoint file; give what the other side holds (its cognify log checkpoint, saved to a file)`, { since: value });
  }
  let c;
  try {
    c = parseCheckpoint(parseNote(text).body);
  } catch (e) {
    throw new InputError('INPUT_INVALID', `--since ${value}: not a checkpoint note (${(e as Error).message}); save one at the other side with cognify log checkpoint > file`, { since: value });
  }
  if (c.origin !== originOf(repo.id)) throw new InputError('INPUT_INVALID', `--since ${value}: the checkpoint is of another repository (${c.origin}), not this one`, { since: value });
  const size = await repo.logSize();
  const ours = c.size <= size ? toHex(await rootAt(repo.store, c.size)) : undefined;
  if (ours !== toHex(c.root)) {
    throw new BundleError('SYNC_DIVERGED', `--since ${value}: the other side's log (${c.size} entries) is not a prefix of this one (${size}); ${c.size > size ? 'it is ahead: bring its record here first' : 'the logs have diverged'}`, { since: value });
  }
  return c.size;
}
