// `verify` rechecks everything from the stored bytes alone: the log replayed entry by entry
// (canonical form, schema, hash chain, signature, the signer's role at that point, every subject
// object present and intact), the Merkle root against every stored checkpoint and the latest one,
// every other object and chunk, refs, and the derived indexes. It reports problems in the order
// found, the first broken link first, and never changes anything.
import { encode } from '../core/cbor.js';
import { CognifyError, SignatureError } from '../core/errors.js';
import { bytesEqual, fromUtf8, plain, toHex } from '../core/bytes.js';
import { idHex, type ObjectId } from '../core/ids.js';
import type { CognifyObject } from '../store/object-codec.js';
import type { Store } from '../store/store.js';
import { decodeEntry, nodeKey, noteKeyName, originOf, readHead, seqKey, type LogHead, type StoredEntry } from './audit-log.js';
import { frontierAppend, frontierRoot, leafHash, type Frontier } from './merkle.js';
import { verifyNote } from './signed-note.js';
import { applyEntry, emptyTrustState, type ActionRule, type KnownKey, type TrustState } from './trust.js';
import { keyIndexValue, rolesIndexValue } from './trust-index.js';
import { isSigned, verifyObjectSignature } from './signed-object.js';
import { fingerprintOf } from './signer.js';
import { DerivedCheck, type DerivedSpec } from './derived-check.js';
import { SubjectIds, type IdRuns } from './subject-ids.js';

export interface VerifyProblem {
  where: string;
  what: string;
  code: string;
}

export interface VerifyReport {
  ok: boolean;
  objects: number;
  chunks: number;
  signatures: number;
  logEntries: number;
  checkpoints: number;
  problems: VerifyProblem[];
}

export interface SignatureJob {
  sig: Uint8Array;
  message: Uint8Array;
  publicKey: Uint8Array;
}

export interface VerifyOptions {
  store: Store;
  rules: Record<string, ActionRule>;
  /** Stop collecting after this many problems (default 100). */
  maxProblems?: number;
  onProgress?: (p: { phase: string; done: number }) => void;
  /**
   * Check many Ed25519 signatures, e.g. on worker threads (src/node/verify-pool.ts). Must give
   * the verdicts of the store's crypto provider. Default: the provider, one at a time.
   */
  verifyMany?: (jobs: SignatureJob[]) => Promise<boolean[]>;
  /**
   * What an object refers to besides log subjects (a dataset version's recipe, a recipe node's
   * children and chunks); each must exist. Supplied by the layers that define those types.
   */
  references?: (obj: CognifyObject) => { objects: ObjectId[]; chunks: string[] } | undefined;
  /**
   * Index records derived from log entries alone, under `prefixes`, from `of(entry)`: each checked
   * against the store as the log is replayed, and the store must hold no others (src/chain/derived-check.ts).
   * An `optional` prefix under which the store holds nothing at all is a repository indexed before
   * that index existed, and is skipped (its readers fall back to the log).
   */
  derivedIndex?: DerivedSpec;
  /**
   * Where the log's subject ids go beyond `subjectSlots` (default 2^18, 8 MB), sorted, to be merged
   * with the objects in the last phase (src/node/id-runs.ts). None: they are all held in memory.
   */
  idRuns?: IdRuns;
  subjectSlots?: number;
  signal?: AbortSignal;
}

const MAX_DEFAULT = 100;
const BATCH = 512;

/** One-at-a-time reads over an iterator that fetches `BATCH` records per native call. */
class BatchReader {
  private buf: [string, Uint8Array][] = [];
  private i = 0;
  private done = false;
  constructor(private readonly it: { nextv(n: number): Promise<[string, Uint8Array][]>; close(): Promise<void> }) {}
  async peek(): Promise<[string, Uint8Array] | undefined> {
    if (this.i >= this.buf.length && !this.done) {
      this.buf = await this.it.nextv(BATCH);
      this.i = 0;
      this.done = this.buf.length === 0;
    }
    return this.buf[this.i];
  }
  async next(): Promise<[string, Uint8Array] | undefined> {
    const v = await this.peek();
    this.i++;
    return v;
  }
  close(): Promise<void> {
    return this.it.close();
  }
}

function isStoredEntry(d: unknown): d is StoredEntry {
  return typeof d === 'object' && d !== null && 'entry' in d && 'bytes' in d;
}

/** The subject objects of a batch of decoded entries not yet checked, in one getMany. */
async function prefetch(store: Store, decoded: unknown[], checked: SubjectIds): Promise<Map<string, Uint8Array>> {
  const ids = new Set<ObjectId>();
  for (const d of decoded) {
    if (isStoredEntry(d)) for (const id of d.entry.subjects) if (!checked.recent(id)) ids.add(id);
  }
  const list = [...ids];
  const values = await store.sub.objects.getMany(list.map(idHex));
  const out = new Map<string, Uint8Array>();
  list.forEach((id, i) => {
    const v = values[i];
    if (v !== undefined) out.set(id, plain(v));
  });
  return out;
}

function describe(e: unknown): { what: string; code: string } {
  if (e instanceof CognifyError) return { what: e.message, code: e.code };
  return { what: String((e as Error)?.message ?? e), code: 'INTERNAL' };
}

export async function verifyRepository(opts: VerifyOptions): Promise<VerifyReport> {
  const checked = new SubjectIds(opts.idRuns, opts.subjectSlots);
  try {
    return await verifyWith(opts, checked);
  } finally {
    await checked.close();
  }
}

async function verifyWith(opts: VerifyOptions, checked: SubjectIds): Promise<VerifyReport> {
  const { store } = opts;
  const crypto = store.crypto;
  const max = opts.maxProblems ?? MAX_DEFAULT;
  const report: VerifyReport = { ok: false, objects: 0, chunks: 0, signatures: 0, logEntries: 0, checkpoints: 0, problems: [] };
  const problem = (where: string, e: unknown | string, code?: string) => {
    if (report.problems.length >= max) return;
    report.problems.push(typeof e === 'string' ? { where, what: e, code: code ?? 'INTEGRITY' } : { where, ...describe(e) });
  };
  const counter = { signatures: 0 };

  // References, checked a few thousand at a time as they are met (existence only, no values
  // read), so memory stays bounded: holding every chunk id of a 10M-row dataset ran verify out
  // of a 256 MB heap. What they find is reported after the chunks, where it always was.
  let pendingRefs: [ObjectId, ObjectId[], string[]][] = [];
  let pendingIds = 0;
  const refProblems: [string, string][] = [];
  // once (a subject repeated after SubjectIds spilled is loaded, and its references noted, again)
  const refProblem = (where: string, what: string) => {
    if (refProblems.length < max && !refProblems.some(([w, x]) => w === where && x === what)) refProblems.push([where, what]);
  };
  const noteRefs = (id: ObjectId, obj: CognifyObject) => {
    const r = opts.references?.(obj);
    if (r && (r.objects.length || r.chunks.length)) {
      pendingRefs.push([id, r.objects, r.chunks]);
      pendingIds += r.objects.length + r.chunks.length;
    }
  };
  const checkRefs = async (all = false) => {
    if (!all && pendingIds < 4096) return;
    const refs = pendingRefs;
    pendingRefs = [];
    pendingIds = 0;
    const objects = refs.flatMap(([, o]) => o);
    const chunks = refs.flatMap(([, , c]) => c);
    const haveObjects = await store.sub.objects.hasMany(objects.map(idHex));
    const haveChunks = await store.sub.chunks.hasMany(chunks);
    let o = 0;
    let c = 0;
    for (const [from, os, cs] of refs) {
      for (const id of os) if (!haveObjects[o++]) refProblem(`object ${from}`, `refers to ${id}, which is not in the repository`);
      for (const hex of cs) if (!haveChunks[c++]) refProblem(`object ${from}`, `refers to chunk sha256:${hex}, which is not in the repository`);
    }
  };
  // Objects referenced by the log are checked on first load and remembered.
  const load = async (id: ObjectId): Promise<CognifyObject> => {
    const obj = (await store.get(id)).value;
    await checked.add(id);
    noteRefs(id, obj);
    return obj;
  };

  // ---- 1. the repository record -------------------------------------------------------------
  let repoId: ObjectId | undefined;
  const rawRepo = await store.getMeta('repo');
  if (rawRepo === undefined) problem('meta repo', 'the repository id is missing', 'LOG_BROKEN');
  else {
    try {
      repoId = fromUtf8(rawRepo) as ObjectId;
    } catch (e) {
      problem('meta repo', e);
    }
  }

  // ---- 2. replay the log --------------------------------------------------------------------
  // Problems found while replaying are kept with the sequence number they belong to, because
  // signature checks may settle later (on worker threads) than the entries after them are read.
  // At the end they are put in log order and cut after the first fatal one: everything after a
  // broken entry was judged on a state that cannot be trusted.
  const found: { seq: number; rank: number; fatal: boolean; where: string; e: unknown; code?: string }[] = [];
  const note = (seq: number, rank: number, fatal: boolean, where: string, e: unknown, code?: string) => found.push({ seq, rank, fatal, where, e, ...(code ? { code } : {}) });
  const state: TrustState = emptyTrustState();
  const derived = opts.derivedIndex ? await DerivedCheck.open(store, opts.derivedIndex, max) : undefined;
  let frontier: Frontier = [];
  let endOfLog = true; // false when the replay stopped at a fatal problem it found itself
  const goodCheckpoints: number[] = [];
  const checkpoints = new BatchReader(store.sub.meta.iterator({ gt: 'checkpoint/', lt: 'checkpoint/\uffff' }));
  const keysByNoteName = new Map<string, KnownKey>();

  // Signature checks: queued per batch with the entry they belong to, settled by `verifyMany`.
  const verifyMany = opts.verifyMany ?? ((jobs: SignatureJob[]) => Promise.resolve(jobs.map((j) => crypto.ed25519Verify(j.sig, j.message, j.publicKey))));
  type QueuedCheck = SignatureJob & { seq: number; where: string; error: () => CognifyError; checkpoint?: number };
  let queue: QueuedCheck[] = [];
  const badCheckpoints = new Set<number>();
  let inFlight: Promise<void> = Promise.resolve();
  const settle = (jobs: typeof queue): Promise<void> =>
    verifyMany(jobs).then((ok) => {
      jobs.forEach((j, i) => {
        if (ok[i]) counter.signatures++;
        else if (j.checkpoint === undefined) note(j.seq, 0, true, j.where, j.error());
        else {
          badCheckpoints.add(j.checkpoint); // a bad checkpoint is a problem, not a broken log
          note(j.seq, 2, false, j.where, j.error());
        }
      });
    });
  const deferTo = (seq: number, where: string, checkpoint?: number) => (sig: Uint8Array, message: Uint8Array, publicKey: Uint8Array, error: () => CognifyError) => {
    queue.push({ sig, message, publicKey, seq, where, error, ...(checkpoint !== undefined ? { checkpoint } : {}) });
  };

  /**
   * Check a checkpoint note against the log's root at `size`. `seq` places its problems in log
   * order; with `now` the signature is checked at once (the latest checkpoint), otherwise queued.
   */
  const checkCheckpoint = (seq: number, label: string, text: string, size: number, root: Uint8Array, now = false): boolean => {
    const bad = (what: string, code: string) => (note(seq, 2, false, label, what, code), false);
    try {
      const keyName = /\n\u2014 (\S+) /.exec(text)?.[1] ?? '';
      // Rebuilt only when an unseen key name signs: a handful of times, not once per checkpoint.
      if (!keysByNoteName.has(keyName)) for (const k of state.keys.values()) keysByNoteName.set(noteKeyName(k.fingerprint), k);
      const key = keysByNoteName.get(keyName);
      if (!key) return bad(`signed by ${keyName || 'no key'}, which is not a key known to this repository`, 'KEY_UNKNOWN');
      let provider = crypto;
      if (!now) {
        const defer = deferTo(seq, label, size);
        const error = () => new SignatureError('SIGNATURE_INVALID', `signature by ${keyName} does not verify`, {});
        provider = { ...crypto, ed25519Verify: (sig, msg, pub) => (defer(sig, msg, pub, error), true) };
      }
      const cp = verifyNote(provider, text, keyName, key.publicKey);
      if (now) counter.signatures++;
      if (repoId && cp.origin !== originOf(repoId)) return bad(`origin "${cp.origin}" is not this repository's log`, 'PROOF_INVALID');
      if (cp.size !== size) return bad(`claims tree size ${cp.size}, expected ${size}`, 'PROOF_INVALID');
      if (!bytesEqual(cp.root, root)) return bad(`root hash ${toHex(cp.root)} does not match the log's root ${toHex(root)} at size ${size}; the log was rewritten`, 'PROOF_INVALID');
      return true;
    } catch (e) {
      note(seq, 2, false, label, e);
      return false;
    }
  };

  // Read in batches: the log, its leaf index and the checkpoints advance together, and each
  // batch's subject objects are fetched with one getMany — random gets were a fifth of the time.
  const logIt = store.sub.log.iterator();
  const leaves = new BatchReader(store.sub.indexes.iterator({ gte: 'leaf/', lt: 'leaf/\uffff' }));
  // The subtree index (audit-log.ts nodeKey), in append order; a log written before it existed has none.
  const nodes = new BatchReader(store.sub.indexes.iterator({ gte: 'node/', lt: 'node/\uffff' }));
  const hasNodes = (await nodes.peek()) !== undefined;
  const madeNodes: [string, Uint8Array][] = [];
  const onNode = hasNodes ? (level: number, index: number, hash: Uint8Array) => void madeNodes.push([nodeKey(level, index), hash]) : undefined;
  let expectSeq = 0;
  // The next batch is read while this one is checked, so LevelDB's thread and ours overlap.
  const fetchBatch = async () => {
    const batch = await logIt.nextv(BATCH);
    const decoded: (StoredEntry | unknown)[] = batch.map(([k, v]) => {
      try {
        return decodeEntry(store, Number(k), v);
      } catch (e) {
        return e;
      }
    });
    return { batch, decoded, prefetched: await prefetch(store, decoded, checked) };
  };
  let pending = fetchBatch();
  replay: for (;;) {
    const { batch, decoded, prefetched } = await pending;
    if (!batch.length) break;
    pending = fetchBatch();
    const loadBatch = async (id: ObjectId): Promise<CognifyObject> => {
      const bytes = prefetched.get(id);
      if (bytes === undefined) return load(id);
      await checked.add(id);
      const value = store.check(id, bytes).value;
      noteRefs(id, value);
      return value;
    };
    for (let i = 0; i < batch.length; i++) {
      opts.signal?.throwIfAborted();
      const k = batch[i]![0];
      const seq = Number(k);
      if (k !== seqKey(expectSeq)) {
        note(expectSeq, 0, true, `log entry ${expectSeq}`, `missing: the next stored entry is ${k}`, 'LOG_BROKEN');
        endOfLog = false;
        break replay;
      }
      try {
        const se = decoded[i];
        if (!isStoredEntry(se)) throw se;
        const where = `log entry ${seq}`;
        await applyEntry({ crypto, state, entry: se.entry, entryId: se.id, load: loadBatch, rules: opts.rules, checkSignature: deferTo(seq, where) });
        derived?.add(se.entry);
        if (seq === 0 && repoId !== undefined && se.entry.repo !== repoId) {
          note(seq, 1, false, 'meta repo', `records repository ${repoId} but the log's genesis creates ${se.entry.repo}`, 'LOG_BROKEN');
        }
        const leaf = leafHash(crypto, se.bytes);
        const stored = await leaves.next();
        if (!stored || stored[0] !== `leaf/${k}` || !bytesEqual(stored[1], leaf)) note(seq, 1, false, `index leaf/${seq}`, 'leaf hash index disagrees with the entry', 'LOG_BROKEN');
        frontier = frontierAppend(crypto, frontier, seq, leaf, onNode);
        for (const [key, hash] of madeNodes.splice(0)) {
          const stored = await nodes.next();
          if (!stored || stored[0] !== key || !bytesEqual(stored[1], hash)) note(seq, 1, false, `index ${key}`, 'subtree hash index disagrees with the log', 'LOG_BROKEN');
        }
      } catch (e) {
        note(seq, 0, true, `log entry ${seq}`, e);
        endOfLog = false;
        break replay;
      }
      expectSeq++;
      // checkpoints written when the log had `expectSeq` entries
      for (let cp = await checkpoints.peek(); cp && Number(cp[0].slice('checkpoint/'.length)) <= expectSeq; cp = await checkpoints.peek()) {
        await checkpoints.next();
        const size = Number(cp[0].slice('checkpoint/'.length));
        if (size !== expectSeq) note(seq, 2, false, `checkpoint at size ${size}`, 'has no matching log position', 'PROOF_INVALID');
        else if (checkCheckpoint(seq, `checkpoint at size ${size}`, fromUtf8(plain(cp[1])), size, frontierRoot(crypto, frontier))) goodCheckpoints.push(size);
      }
      if (expectSeq % 1000 === 0) opts.onProgress?.({ phase: 'log', done: expectSeq });
    }
    await checkRefs();
    await derived?.flush();
    checked.check();
    // One batch of signature checks in flight while the next batch is replayed: memory stays
    // bounded to two batches, and the checks overlap with the decoding.
    await inFlight;
    inFlight = settle(queue);
    queue = [];
  }
  await inFlight;
  await settle(queue);
  await pending.catch(() => undefined);

  found.sort((a, b) => a.seq - b.seq || a.rank - b.rank);
  const cut = found.findIndex((f) => f.fatal);
  const firstFatal = cut === -1 ? undefined : found[cut]!.seq;
  for (const f of cut === -1 ? found : found.slice(0, cut + 1)) problem(f.where, f.e, f.code);
  const logOk = firstFatal === undefined;
  report.logEntries = firstFatal ?? expectSeq;
  report.checkpoints = goodCheckpoints.filter((size) => !badCheckpoints.has(size) && (firstFatal === undefined || size <= firstFatal)).length;

  if (logOk && endOfLog) {
    // records beyond the end of the log: an index or checkpoint for entries that do not exist
    for (let extra = await leaves.next(); extra; extra = await leaves.next()) problem(`index ${extra[0]}`, 'has no log entry', 'LOG_BROKEN');
    for (let extra = await nodes.next(); extra; extra = await nodes.next()) problem(`index ${extra[0]}`, 'is a subtree beyond the log', 'LOG_BROKEN');
    for (let extra = await checkpoints.next(); extra; extra = await checkpoints.next()) {
      problem(`checkpoint at size ${Number(extra[0].slice('checkpoint/'.length))}`, `is beyond the log's ${expectSeq} entries`, 'PROOF_INVALID');
    }
  }
  await logIt.close();
  await leaves.close();
  await nodes.close();
  await checkpoints.close();
  if (report.logEntries === 0 && logOk) problem('log', 'the audit log is empty; the repository was never initialised', 'LOG_BROKEN');

  // ---- 3. head, latest checkpoint, indexes ---------------------------------------------------
  let head: LogHead | undefined;
  try {
    head = await readHead(store);
  } catch (e) {
    problem('meta log/head', e);
  }
  if (logOk && head) {
    if (head.size !== state.size || head.head !== state.head) {
      problem('meta log/head', `records ${head.size} entries ending at ${head.head}, the log has ${state.size} ending at ${state.head}`, 'LOG_BROKEN');
    } else if (head.frontier.length !== frontier.length || head.frontier.some((h, i) => !bytesEqual(h, frontier[i]!))) {
      problem('meta log/head', 'stored Merkle frontier disagrees with the log', 'LOG_BROKEN');
    }
    const latest = await store.getMeta('checkpoint');
    if (latest === undefined) problem('checkpoint', 'no checkpoint is stored', 'PROOF_INVALID');
    else {
      const before = found.length;
      if (checkCheckpoint(state.size, 'latest checkpoint', fromUtf8(latest), state.size, frontierRoot(crypto, frontier), true)) report.checkpoints++;
      for (const f of found.slice(before)) problem(f.where, f.e, f.code);
    }
    await compareIndexes(store, state, problem);
    if (derived) {
      await derived.finish();
      for (const [key, what] of derived.problems) problem(`index ${key}`, what, 'LOG_BROKEN');
    }
  }

  // ---- 4. every other object, chunk and ref --------------------------------------------------
  await checked.written();
  for await (const [hex, raw] of store.sub.objects.iterator()) {
    opts.signal?.throwIfAborted();
    report.objects++;
    const id = `sha256:${hex}` as ObjectId;
    if (await checked.has(hex)) continue;
    try {
      const { value } = store.check(id, plain(raw));
      noteRefs(id, value);
      if (isSigned(value)) {
        const pub = value.type === 'identity' ? (value.publicKey as Uint8Array) : state.keys.get(value.signer)?.publicKey;
        if (value.type === 'identity' && fingerprintOf(crypto, pub!) !== value.signer) problem(`object ${id}`, 'identity signer is not the fingerprint of its key', 'OBJECT_INVALID');
        else if (pub) {
          if (!verifyObjectSignature(crypto, value, pub)) problem(`object ${id}`, `${value.type} signature does not verify`, 'SIGNATURE_INVALID');
          else counter.signatures++;
        }
      }
    } catch (e) {
      problem(`object ${id}`, e);
    }
    if (report.objects % 5000 === 0) opts.onProgress?.({ phase: 'objects', done: report.objects });
    await checkRefs();
  }
  for await (const [hex, raw] of store.sub.chunks.iterator()) {
    report.chunks++;
    const actual = toHex(crypto.sha256(raw));
    if (actual !== hex) problem(`chunk sha256:${hex}`, `bytes hash to sha256:${actual}; the chunk was altered`, 'HASH_MISMATCH');
  }
  await checkRefs(true);
  for (const [where, what] of refProblems) problem(where, what, 'NOT_FOUND');
  for await (const [name, id] of store.refs()) {
    if (!(await store.has(id))) problem(`ref ${name}`, `points to ${id}, which is not in the repository`, 'NOT_FOUND');
  }

  report.signatures = counter.signatures;
  report.ok = report.problems.length === 0;
  return report;
}

/** The trust indexes must equal the state rebuilt from the log. */
async function compareIndexes(store: Store, state: TrustState, problem: (where: string, e: string, code?: string) => void): Promise<void> {
  const expected = new Map<string, Uint8Array>();
  for (const k of state.keys.values()) expected.set(`key/${k.fingerprint}`, keyIndexValue(k));
  for (const [fp, roles] of state.roles) if (roles.size) expected.set(`roles/${fp}`, rolesIndexValue(roles));
  for (const [fp, seq] of state.revoked) expected.set(`revoked/${fp}`, encode(seq));
  await compareDerived(store, ['key/', 'roles/', 'revoked/'], expected, problem);
}

/** The index records under `prefixes` must be exactly `expected` (which this empties). */
async function compareDerived(store: Store, prefixes: string[], expected: Map<string, Uint8Array>, problem: (where: string, e: string, code?: string) => void): Promise<void> {
  for (const prefix of prefixes) {
    for await (const [k, v] of store.sub.indexes.iterator({ gte: prefix, lt: prefix + '\uffff' })) {
      const want = expected.get(k);
      if (!want) problem(`index ${k}`, 'is not derived from the log (an added or leftover record)', 'LOG_BROKEN');
      else if (!bytesEqual(plain(v), want)) problem(`index ${k}`, 'disagrees with the state rebuilt from the log', 'LOG_BROKEN');
      expected.delete(k);
    }
  }
  for (const k of expected.keys()) problem(`index ${k}`, 'is missing', 'LOG_BROKEN');
}
