// The append-only audit log. Each entry is a signed `log-entry` object stored under its
// sequence number; entries chain by `prev` (the id of the previous entry) and are the leaves of
// an RFC 6962 Merkle tree (leaf = SHA-256(0x00 ‖ entry bytes)). The tree's compact frontier is
// kept in meta so an append costs O(log n); leaf hashes and the hash of every perfect subtree an
// append completes (about one per entry) are indexed, so a root or a proof at any size reads
// O(log² n) of them instead of every leaf. After every operation the actor signs a checkpoint in the
// C2SP signed-note format (src/chain/signed-note.ts).
import type { CryptoProvider } from '../core/crypto-provider.js';
import { decode, encode, type CborValue } from '../core/cbor.js';
import { IntegrityError, NotFoundError, InputError } from '../core/errors.js';
import { fromUtf8, plain, toHex, utf8 } from '../core/bytes.js';
import { idFromDigest, idHex, type ObjectId } from '../core/ids.js';
import type { Store, Transaction } from '../store/store.js';
import { decodeObject } from '../store/object-codec.js';
import type { LogEntry } from './chain-types.js';
import { consistencyProof, frontierAppend, frontierRoot, inclusionProof, leafHash, rootFromLeafHashes, type Frontier, type SubtreeSource } from './merkle.js';
import { formatCheckpointBody, signNote } from './signed-note.js';
import { shortFingerprint, type Signer } from './signer.js';

export const seqKey = (seq: number): string => seq.toString().padStart(12, '0');
const HEAD_KEY = 'log/head';
const CHECKPOINT_KEY = 'checkpoint';
const checkpointKey = (size: number) => `checkpoint/${seqKey(size)}`;
const leafKey = (seq: number) => `leaf/${seqKey(seq)}`;
/**
 * A perfect subtree of level ≥ 1, keyed by the last leaf it covers, then its level: the order
 * appends write them in, so verify reads them in one pass beside the leaves.
 */
export const nodeKey = (level: number, index: number) => `node/${seqKey((index + 1) * 2 ** level - 1)}/${String(level).padStart(2, '0')}`;
const subtreeKey = (level: number, index: number) => (level === 0 ? leafKey(index) : nodeKey(level, index));

export interface LogHead {
  size: number;
  /** Id of the last entry, null for an empty log. */
  head: ObjectId | null;
  frontier: Frontier;
}

export interface StoredEntry {
  seq: number;
  id: ObjectId;
  bytes: Uint8Array;
  entry: LogEntry;
}

export function originOf(repo: ObjectId): string {
  return `cognify/${idHex(repo)}`;
}

/** Key name used in checkpoint signature lines: no spaces or '+', as C2SP signed-note requires. */
export function noteKeyName(fingerprint: string): string {
  return `cognify-${shortFingerprint(fingerprint)}`;
}

export async function readHead(store: Store): Promise<LogHead> {
  const raw = await store.getMeta(HEAD_KEY);
  if (raw === undefined) return { size: 0, head: null, frontier: [] };
  const v = decode(raw) as { size: number; head: ObjectId | null; frontier: Uint8Array[] };
  return { size: v.size, head: v.head, frontier: v.frontier };
}

export function entryId(crypto: CryptoProvider, bytes: Uint8Array): ObjectId {
  return idFromDigest(crypto.sha256(bytes));
}

/** Stage an entry, its leaf hash and the new head into `tx`. Returns the new head. */
export function stageAppend(tx: Transaction, head: LogHead, bytes: Uint8Array, id: ObjectId): LogHead {
  const crypto = tx.store.crypto;
  const leaf = leafHash(crypto, bytes);
  tx.put('log', seqKey(head.size), bytes);
  tx.put('indexes', leafKey(head.size), leaf);
  const frontier = frontierAppend(crypto, head.frontier, head.size, leaf, (level, index, hash) => tx.put('indexes', nodeKey(level, index), hash));
  const next: LogHead = { size: head.size + 1, head: id, frontier };
  tx.put('meta', HEAD_KEY, encode({ size: next.size, head: next.head, frontier: next.frontier } as CborValue));
  return next;
}

/** Sign and stage the checkpoint for `head`; returns the note text. */
export function stageCheckpoint(tx: Transaction, repo: ObjectId, head: LogHead, signer: Signer): string {
  const crypto = tx.store.crypto;
  const body = formatCheckpointBody({ origin: originOf(repo), size: head.size, root: frontierRoot(crypto, head.frontier) });
  const note = signNote(crypto, body, noteKeyName(signer.fingerprint), signer);
  tx.put('meta', CHECKPOINT_KEY, utf8(note));
  tx.put('meta', checkpointKey(head.size), utf8(note));
  return note;
}

/** Stage a checkpoint note signed elsewhere (received with a bundle) as the latest, at its size; verify checks it. */
export function stageReceivedCheckpoint(tx: Transaction, size: number, note: string): void {
  tx.put('meta', CHECKPOINT_KEY, utf8(note));
  tx.put('meta', checkpointKey(size), utf8(note));
}

export async function latestCheckpoint(store: Store): Promise<string | undefined> {
  const raw = await store.getMeta(CHECKPOINT_KEY);
  return raw === undefined ? undefined : fromUtf8(raw);
}

/** The checkpoint note written when the log had `size` entries, if one was. */
export async function checkpointAt(store: Store, size: number): Promise<string | undefined> {
  const raw = await store.getMeta(checkpointKey(size));
  return raw === undefined ? undefined : fromUtf8(raw);
}

/** Decode a stored entry strictly. Throws IntegrityError naming the entry. */
export function decodeEntry(store: Store, seq: number, raw: Uint8Array): StoredEntry {
  const bytes = plain(raw);
  const entry = decodeObject(store.schemas, bytes, `log entry ${seq}`) as unknown as LogEntry;
  if (entry.type !== 'log-entry') throw new IntegrityError('LOG_BROKEN', `log entry ${seq}: holds a ${entry.type}, not a log entry`, { seq });
  return { seq, id: entryId(store.crypto, bytes), bytes, entry };
}

/** Entries in order, from `from` (inclusive) to `to` (exclusive). Streams; never loads the whole log. */
export async function* readEntries(store: Store, opts: { from?: number; to?: number } = {}): AsyncIterable<StoredEntry> {
  const range: { gte: string; lt?: string } = { gte: seqKey(opts.from ?? 0) };
  if (opts.to !== undefined) range.lt = seqKey(opts.to);
  for await (const [k, v] of store.sub.log.iterator(range)) {
    yield decodeEntry(store, Number(k), v);
  }
}

export async function readEntry(store: Store, seq: number): Promise<StoredEntry> {
  const raw = await store.sub.log.get(seqKey(seq));
  if (raw === undefined) throw new NotFoundError('NOT_FOUND', `log entry ${seq} does not exist`, { seq });
  return decodeEntry(store, seq, raw);
}

/** The indexed leaf hashes of leaves [from, to) (32 bytes each). */
async function readLeafHashes(store: Store, from: number, to: number): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const [, v] of store.sub.indexes.iterator({ gte: leafKey(from), lt: leafKey(to) })) out.push(plain(v));
  if (out.length !== to - from) throw new IntegrityError('LOG_BROKEN', `leaf index holds ${out.length} of the ${to - from} entries from ${from}; run cognify verify`, { from, to });
  return out;
}

/**
 * Run `f` over the log's stored subtrees. `f` runs twice: once to learn which subtrees it reads
 * (the shape of a root or proof does not depend on the hashes), then over them, read in one
 * batch. A subtree not indexed (a log written before subtrees were) is hashed from its leaves.
 */
export async function withLogTree<T>(store: Store, f: (tree: { subtree: SubtreeSource }) => T): Promise<T> {
  const wanted = new Map<string, [number, number]>();
  const zero = new Uint8Array(32);
  f({ subtree: (level, index) => (wanted.set(subtreeKey(level, index), [level, index]), zero) });
  const keys = [...wanted.keys()];
  const values = await store.sub.indexes.getMany(keys);
  const got = new Map<string, Uint8Array>();
  for (let i = 0; i < keys.length; i++) {
    const v = values[i];
    const [level, index] = wanted.get(keys[i]!)!;
    got.set(keys[i]!, v !== undefined ? plain(v) : rootFromLeafHashes(store.crypto, await readLeafHashes(store, index * 2 ** level, (index + 1) * 2 ** level)));
  }
  return f({ subtree: (level, index) => got.get(subtreeKey(level, index))! });
}

/** The Merkle root of the log's first `size` entries (what a checkpoint at that size signs). */
export function rootAt(store: Store, size: number): Promise<Uint8Array> {
  return withLogTree(store, (t) => rootFromLeafHashes(store.crypto, t, size));
}

/** Inclusion proof of entry `seq` in the log's first `size` entries, with that tree's root and the entry's leaf hash. */
export function inclusionAt(store: Store, seq: number, size: number): Promise<{ leaf: Uint8Array; root: Uint8Array; proof: Uint8Array[] }> {
  return withLogTree(store, (t) => ({ leaf: t.subtree(0, seq), root: rootFromLeafHashes(store.crypto, t, size), proof: inclusionProof(store.crypto, t, seq, size) }));
}

/** Consistency proof from the log's first `oldSize` entries to its first `size`, with both roots. */
export function consistencyAt(store: Store, oldSize: number, size: number): Promise<{ oldRoot: Uint8Array; root: Uint8Array; proof: Uint8Array[] }> {
  return withLogTree(store, (t) => ({ oldRoot: rootFromLeafHashes(store.crypto, t, oldSize), root: rootFromLeafHashes(store.crypto, t, size), proof: consistencyProof(store.crypto, t, oldSize, size) }));
}

/** `n` must be an integer in [min, max]; `range` says what the valid values are, for the error. */
function checkRange(what: string, n: number, min: number, max: number, range: string): void {
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new InputError('INPUT_INVALID', `${what} ${n} is out of range: ${range}`, { n, min, max });
  }
}

const sizes = (size: number) => (size === 1 ? 'the log has 1 entry, so 1 is the only size' : `the log has ${size} entries, so sizes run from 1 to ${size}`);

export interface InclusionProofResult {
  seq: number;
  size: number;
  leafHash: string;
  root: string;
  proof: string[];
}

export async function proveInclusion(store: Store, seq: number, size?: number): Promise<InclusionProofResult> {
  const head = await readHead(store);
  const n = size ?? head.size;
  checkRange('tree size', n, 1, head.size, sizes(head.size));
  checkRange('entry', seq, 0, n - 1, n === head.size ? `the log has ${n} ${n === 1 ? 'entry' : 'entries'}, numbered from 0 to ${n - 1}` : `a tree of size ${n} holds entries 0 to ${n - 1}`);
  const p = await inclusionAt(store, seq, n);
  return { seq, size: n, leafHash: toHex(p.leaf), root: toHex(p.root), proof: p.proof.map(toHex) };
}

export interface ConsistencyProofResult {
  oldSize: number;
  newSize: number;
  oldRoot: string;
  newRoot: string;
  proof: string[];
}

export async function proveConsistency(store: Store, oldSize: number, newSize?: number): Promise<ConsistencyProofResult> {
  const head = await readHead(store);
  const n = newSize ?? head.size;
  checkRange('new size', n, 1, head.size, sizes(head.size));
  checkRange('old size', oldSize, 1, n, `sizes run from 1 to the new size, ${n}`);
  const p = await consistencyAt(store, oldSize, n);
  return { oldSize, newSize: n, oldRoot: toHex(p.oldRoot), newRoot: toHex(p.root), proof: p.proof.map(toHex) };
}
