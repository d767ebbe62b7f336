// Bundles (issue 7): a repository's record in one file, whole or continuing from a log size the
// receiver holds, and its replay, which is how the record reaches an air-gapped site. The bundle holds every object, every
// chunk, then every log entry in order, under a manifest signed by the person who made it (the
// repository id, its refs, the log size and the checkpoint note the source signed at that size).
//
// Replay checks everything before anything counts: each item's id is the SHA-256 of its bytes
// (bundle-format.ts), each object decodes canonically against its schema, and each log entry is
// applied with the same trust rules a live repository applies (signature, role at that point of
// the log, hash chain), building the trust and about indexes as it goes. The caller replays into
// a store no one can see yet (a directory that becomes a repository only when complete) and runs
// `verify` on it before making it visible.
import { z } from 'zod';
import { BundleError, CognifyError, InputError } from '../core/errors.js';
import { fromHex, plain, utf8, fromUtf8 } from '../core/bytes.js';
import type { ObjectId } from '../core/ids.js';
import type { CognifyObject } from '../store/object-codec.js';
import type { Store } from '../store/store.js';
import { zFingerprint, zObjectId, zTime, type LogEntry } from '../chain/chain-types.js';
import { signObject, verifyObjectSignature, type Signed } from '../chain/signed-object.js';
import type { Signer } from '../chain/signer.js';
import { applyEntry, emptyTrustState, type ActionRule } from '../chain/trust.js';
import { loadTrustState, stageTrustIndex } from '../chain/trust-index.js';
import { consistencyAt, latestCheckpoint, readEntries, readHead, stageAppend, stageReceivedCheckpoint, type LogHead } from '../chain/audit-log.js';
import { frontierRoot, verifyConsistency } from '../chain/merkle.js';
import { parseCheckpoint, parseNote } from '../chain/signed-note.js';
import { sealMessage, type BundleEvent, type BundleItem } from './bundle-format.js';

export const bundleManifestSchema = z
  .object({
    type: z.literal('bundle-manifest'),
    v: z.literal(1),
    /** The source repository's id. */
    repo: zObjectId,
    refs: z.record(z.string().min(1).max(1000), zObjectId),
    /** The log size the bundle continues from: 0 for a full bundle; else the receiver must hold exactly this prefix. */
    since: z.number().int().min(0),
    /** The log size after it: entries since … size − 1 are in the bundle. */
    size: z.number().int().min(1),
    /** The checkpoint note the source signed at `size`. */
    checkpoint: z.string().min(1).max(100_000),
    /** Part of the record (--refs): the objects `refs` name and what they reference, with no log entries. */
    partial: z.literal(true).optional(),
    /** For an incremental bundle: the RFC 6962 consistency proof from log size `since` to `size`. */
    proof: z.array(z.instanceof(Uint8Array).refine((b) => b.length === 32)).max(128).optional(),
    time: zTime,
    signer: zFingerprint,
    sig: z.instanceof(Uint8Array).refine((b) => b.length === 64),
  })
  .strict();
export type BundleManifest = Signed<z.infer<typeof bundleManifestSchema>>;

export const syncSchemas = { 'bundle-manifest': bundleManifestSchema };

/** The signed manifest of a bundle of `store` as it is now, continuing from log size `since` (0: full). */
export async function bundleManifest(store: Store, repo: ObjectId, signer: Signer, time: string, since = 0, part?: Record<string, ObjectId>): Promise<BundleManifest> {
  const head = await readHead(store);
  if (!Number.isSafeInteger(since) || since < 0 || since >= head.size) {
    throw new InputError(
      'INPUT_INVALID',
      since === head.size
        ? `the other side already holds all ${head.size} log entries (--since ${since}); there is nothing to carry`
        : `--since ${since} is out of range: the log has ${head.size} entries, so a bundle can continue from 0 to ${head.size - 1}`,
      { since, size: head.size },
    );
  }
  const checkpoint = await latestCheckpoint(store);
  if (!checkpoint || parseCheckpoint(parseNote(checkpoint).body).size !== head.size) {
    throw new BundleError('BUNDLE_INVALID', 'the repository has no checkpoint for its latest log entry; run cognify verify', {});
  }
  const refs: Record<string, ObjectId> = {};
  if (part) Object.assign(refs, part);
  else for await (const [k, v] of store.sub.refs.iterator()) refs[k] = fromUtf8(v) as ObjectId;
  const partial = part ? { partial: true } : {};
  const proof = since > 0 ? { proof: (await consistencyAt(store, since, head.size)).proof } : {};
  return signObject(store.crypto, { type: 'bundle-manifest', v: 1, repo, refs, since, size: head.size, checkpoint, ...partial, ...proof, time } as unknown as CognifyObject, signer) as unknown as BundleManifest;
}

/** What an object refers to (objects and chunk ids), as the layers above define it. */
export type References = (obj: CognifyObject) => { objects: ObjectId[]; chunks: string[] } | undefined;

/** Ids (object ids, and chunk ids as hex) reachable from the subjects of log entries [from, to). */
async function reachable(store: Store, refs: References, from: number, to: number): Promise<{ objects: Set<string>; chunks: Set<string> }> {
  const objects = new Set<string>();
  const chunks = new Set<string>();
  const todo: string[] = [];
  for await (const e of readEntries(store, { from, to })) for (const id of e.entry.subjects) todo.push(id);
  while (todo.length) {
    const id = todo.pop()!;
    if (objects.has(id)) continue;
    objects.add(id);
    const r = refs((await store.get(id as ObjectId)).value);
    if (!r) continue;
    for (const c of r.chunks) chunks.add(c);
    for (const o of r.objects) if (!objects.has(o)) todo.push(o);
  }
  return { objects, chunks };
}

/**
 * The items of a bundle: for a full one (since 0) every object and chunk of `store`, then every log
 * entry in order; for an incremental one, what the entries from `since` on reach that the entries
 * before it do not, then those entries.
 */
export async function* bundleItems(store: Store, since: number, refs: References): AsyncIterable<BundleItem> {
  if (since === 0) {
    for await (const [, v] of store.sub.objects.iterator()) yield { kind: 'object', bytes: v };
    for await (const [, v] of store.sub.chunks.iterator()) yield { kind: 'chunk', bytes: v };
  } else {
    const size = (await readHead(store)).size;
    const have = await reachable(store, refs, 0, since);
    const need = await reachable(store, refs, since, size);
    for (const id of need.objects) if (!have.objects.has(id)) yield { kind: 'object', bytes: (await store.getRaw(id as ObjectId))! };
    const ids = [...need.chunks].filter((c) => !have.chunks.has(c));
    for (let i = 0; i < ids.length; i += 256) {
      const batch = ids.slice(i, i + 256);
      const bytes = await store.getChunks(batch.map(fromHex));
      for (const b of bytes) yield { kind: 'chunk', bytes: b };
    }
  }
  for await (const e of readEntries(store, { from: since })) yield { kind: 'object', bytes: e.bytes };
}

export interface ReplayResult {
  manifest: BundleManifest;
  objects: number;
  chunks: number;
  entries: number;
  bytes: number;
}

const BATCH = 512;
/** Log entries applied together, their subjects read in one getMany. */
const ENTRY_RUN = 256;

/** Name the item a failure is about, keeping the error's code and family. */
function at(e: unknown, where: string): never {
  if (e instanceof CognifyError) {
    e.message = `${where}: ${e.message}`;
    throw e;
  }
  throw e;
}

/**
 * Replay a full bundle into an empty store: objects and chunks written as they come, each log
 * entry applied under `rules` once its subjects are present, indexes derived, refs and the
 * checkpoint set at the end. Throws on the first problem, naming the byte offset of the item.
 */
export async function replayBundle(store: Store, events: AsyncIterable<BundleEvent>, opts: { rules: Record<string, ActionRule>; derived: (entry: LogEntry) => [string, Uint8Array][] }): Promise<ReplayResult> {
  const crypto = store.crypto;
  let head: LogHead = await readHead(store);
  // A full bundle starts an empty store; an incremental one continues the exact prefix it names.
  let state = emptyTrustState();
  let manifest: BundleManifest | undefined;
  // Objects, chunks and log entries go in batches of about BATCH writes, one transaction each: an
  // entry's subjects are read from the open batch when they are staged there (a write and a
  // commit per entry kept the import waiting on LevelDB: 3.5 ms an entry). The store replayed
  // into is a new repository or a copy, verified before it is used, so a batch need not stand alone.
  let tx = store.begin();
  const counts = { objects: 0, chunks: 0, entries: 0 };
  const flush = async () => {
    if (!tx.size) return;
    await tx.commit();
    tx = store.begin();
  };
  // A bundle holds its objects before its log entries, so an entry's subjects were written a
  // while before: entries are applied in runs of up to ENTRY_RUN, their subjects read in one
  // getMany (one get each spent 0.3-0.6 ms of the main thread in classic-level).
  const fetched = new Map<ObjectId, Uint8Array>();
  const load = async (id: ObjectId): Promise<CognifyObject> => {
    const bytes = tx.staging(id) ?? fetched.get(id);
    return bytes ? store.check(id, bytes).value : (await store.get(id)).value;
  };
  let run: { entry: LogEntry; id: ObjectId; bytes: Uint8Array; offset: number }[] = [];
  const applyRun = async () => {
    const entries = run;
    run = [];
    const want = [...new Set(entries.flatMap((e) => e.entry.subjects))].filter((id) => !tx.staging(id));
    const values = want.length ? await store.sub.objects.getMany(want.map((id) => id.slice(7))) : [];
    want.forEach((id, i) => values[i] !== undefined && fetched.set(id, plain(values[i]!)));
    for (const { entry, id, bytes, offset } of entries) {
      if (manifest!.since > 0 && entry.seq === manifest!.since && entry.prev !== head.head) {
        throw new BundleError('SYNC_DIVERGED', `the logs have diverged: the bundle's log entry ${entry.seq} follows another entry ${entry.seq - 1} than this repository's; each side added entries the other lacks, and a log takes one history: nothing was changed`, { seq: entry.seq });
      }
      if (entry.seq === 0 && entry.subjects[0] !== manifest!.repo) throw new BundleError('BUNDLE_INVALID', `log entry 0 creates repository ${entry.subjects[0]}, not the manifest's ${manifest!.repo}`, { offset });
      try {
        const touched = await applyEntry({ crypto, state, entry, entryId: id, load, rules: opts.rules });
        head = stageAppend(tx, head, bytes, id);
        stageTrustIndex(tx, state, touched);
        for (const [k, v] of opts.derived(entry)) tx.put('indexes', k, v);
      } catch (e) {
        at(e, `log entry ${entry.seq} (byte ${offset} of the bundle)`);
      }
      counts.entries++;
      if (tx.size >= BATCH) await flush();
    }
    fetched.clear();
  };
  for await (const ev of events) {
    if (ev.type === 'manifest') {
      try {
        manifest = store.check(store.hashId(ev.bytes), ev.bytes, 'bundle-manifest').value as unknown as BundleManifest;
      } catch (e) {
        at(e, `the manifest at byte ${ev.offset}`);
      }
      if (manifest.partial) throw new BundleError('BUNDLE_INVALID', 'this bundle holds part of a record (made with --refs), without its log; import it into an existing repository, where it is kept under remotes/<name>/', {});
      if (manifest.since !== head.size) {
        throw new BundleError(
          'BUNDLE_INVALID',
          manifest.since === 0
            ? 'a full bundle is imported into a new repository, or replayed into a temporary one'
            : `this bundle continues the log from entry ${manifest.since}, and this repository has ${head.size} entries; make one with --since ${head.size}`,
          { since: manifest.since, size: head.size },
        );
      }
      if (manifest.since > 0) {
        const here = await store.getMeta('repo');
        if (!here || fromUtf8(here) !== manifest.repo) throw new BundleError('BUNDLE_INVALID', `this bundle continues repository ${manifest.repo}, not this one`, { repo: manifest.repo });
        // Before any item: the source's log must extend this one, which the consistency proof shows against our own root.
        const cp = parseCheckpoint(parseNote(manifest.checkpoint).body);
        if (cp.size !== manifest.size) throw new BundleError('BUNDLE_INVALID', `the manifest's checkpoint is for ${cp.size} log entries, not the ${manifest.size} it names; the bundle is damaged`, {});
        if (!verifyConsistency(crypto, manifest.since, manifest.size, manifest.proof ?? [], frontierRoot(crypto, head.frontier), cp.root)) {
          throw new BundleError('SYNC_DIVERGED', `the logs have diverged: the bundle's consistency proof from ${manifest.since} to ${manifest.size} entries does not hold against this repository's log (rewritten or forked on one side); nothing was changed`, { since: manifest.since });
        }
        state = await loadTrustState(store);
      }
      continue;
    }
    if (ev.type === 'end') {
      if (run.length) await applyRun();
      await flush();
      if (!manifest) throw new BundleError('BUNDLE_INVALID', 'the bundle has no manifest', {});
      if (head.size !== manifest.size) throw new BundleError('BUNDLE_INVALID', `the manifest says ${manifest.size} log entries but the bundle holds ${head.size - manifest.since}${manifest.since ? ` after entry ${manifest.since}` : ''}; the bundle is incomplete`, {});
      const key = state.keys.get(manifest.signer);
      if (!key || state.revoked.has(manifest.signer) || !verifyObjectSignature(crypto, manifest, key.publicKey)) {
        throw new BundleError('BUNDLE_INVALID', `the manifest's signature does not verify against a key the bundled record knows (${manifest.signer.slice(0, 16)}); do not import it`, {});
      }
      if (!crypto.ed25519Verify(ev.seal, sealMessage(fromHex(ev.hash)), key.publicKey)) {
        throw new BundleError('BUNDLE_INVALID', `the bundle's seal (its trailer, signed by ${manifest.signer.slice(0, 16)}) does not verify: items were changed, added, dropped or reordered after it was made; do not import it`, {});
      }
      const tx = store.begin();
      tx.put('meta', 'repo', utf8(manifest.repo));
      stageReceivedCheckpoint(tx, manifest.size, manifest.checkpoint);
      for (const [name, id] of Object.entries(manifest.refs)) {
        if (!(await store.has(id as ObjectId))) throw new BundleError('BUNDLE_INVALID', `ref ${name} names ${id}, which the bundle does not hold`, { ref: name });
        tx.setRef(name, await store.getRef(name), id as ObjectId);
      }
      await tx.commit();
      return { manifest, ...counts, bytes: ev.bytes };
    }
    if (!manifest) throw new BundleError('BUNDLE_INVALID', `an item at byte ${ev.offset} before the manifest`, { offset: ev.offset });
    if (ev.kind === 'chunk') {
      if (run.length) await applyRun();
      tx.put('chunks', ev.id.slice(7), ev.bytes);
      counts.chunks++;
    } else {
      let obj: CognifyObject;
      try {
        obj = store.check(ev.id as ObjectId, ev.bytes).value;
      } catch (e) {
        at(e, `the object at byte ${ev.offset}`);
      }
      if (obj.type === 'log-entry') {
        run.push({ entry: obj as unknown as LogEntry, id: ev.id as ObjectId, bytes: ev.bytes, offset: ev.offset });
        if (run.length >= ENTRY_RUN) await applyRun();
        continue;
      }
      // an object after entries: those entries are applied first (their subjects came before them)
      if (run.length) await applyRun();
      tx.putEncoded(ev.id as ObjectId, ev.bytes);
      counts.objects++;
    }
    if (tx.size >= BATCH) await flush();
  }
  if (run.length) await applyRun(); // a bad entry is named before the missing trailer, as it is read first
  throw new BundleError('BUNDLE_TRUNCATED', 'the bundle ended without its trailer', {});
}
