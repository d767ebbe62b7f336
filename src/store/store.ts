// The object store and refs over abstract-level. Sublevels (DESIGN.md "Store"):
//   objects  <64 hex>            -> canonical CBOR of a structured object
//   chunks   <64 hex>            -> raw data bytes (datasets)
//   refs     <name>              -> object id (utf-8)
//   log      <seq, 12 digits>    -> canonical CBOR of a signed log entry
//   meta     <key>               -> repository metadata (repo id, frontier, checkpoints)
//   indexes  <key>               -> derived state rebuilt by verify (roles, identities, leaf hashes)
// Objects are immutable. Everything an operation changes goes into one atomic batch
// (`Transaction.commit`): a crash leaves the repository as it was, plus nothing.
import type { CryptoProvider } from '../core/crypto-provider.js';
import { IntegrityError, NotFoundError, InputError, RepoError } from '../core/errors.js';
import { fromUtf8, plain, toHex, utf8 } from '../core/bytes.js';
import { idFromDigest, idHex, isObjectId, parseIdPrefix, type ObjectId } from '../core/ids.js';
import { decodeObject, encodeObject, type CognifyObject, type SchemaRegistry } from './object-codec.js';

/** The part of an abstract-level sublevel this store uses (values are Uint8Array, keys strings). */
export interface Sublevel {
  get(key: string): Promise<Uint8Array | undefined>;
  getMany(keys: string[]): Promise<(Uint8Array | undefined)[]>;
  /** Which keys exist, without reading their values (classic-level answers it natively). */
  hasMany(keys: string[]): Promise<boolean[]>;
  put(key: string, value: Uint8Array): Promise<void>;
  iterator(options?: RangeOptions): AsyncIterable<[string, Uint8Array]> & { nextv(n: number): Promise<[string, Uint8Array][]>; close(): Promise<void> };
  keys(options?: RangeOptions): AsyncIterable<string> & { close(): Promise<void> };
}

export interface RangeOptions {
  gt?: string;
  gte?: string;
  lt?: string;
  lte?: string;
  limit?: number;
  reverse?: boolean;
}

export interface Database {
  sublevel(name: string, options: { valueEncoding: 'view' }): Sublevel;
  batch(ops: BatchOp[]): Promise<void>;
}

export interface BatchOp {
  type: 'put' | 'del';
  sublevel: Sublevel;
  key: string;
  value?: Uint8Array;
}

export const SUBLEVELS = ['objects', 'chunks', 'refs', 'log', 'meta', 'indexes'] as const;
export type SublevelName = (typeof SUBLEVELS)[number];

export interface StoreOptions {
  db: Database;
  crypto: CryptoProvider;
  schemas: SchemaRegistry;
}

export interface StoredObject<T extends CognifyObject = CognifyObject> {
  id: ObjectId;
  bytes: Uint8Array;
  value: T;
}

export class Store {
  readonly db: Database;
  readonly crypto: CryptoProvider;
  readonly schemas: SchemaRegistry;
  readonly sub: Record<SublevelName, Sublevel>;

  constructor({ db, crypto, schemas }: StoreOptions) {
    this.db = db;
    this.crypto = crypto;
    this.schemas = schemas;
    this.sub = Object.fromEntries(SUBLEVELS.map((n) => [n, db.sublevel(n, { valueEncoding: 'view' })])) as Record<SublevelName, Sublevel>;
  }

  hashId(bytes: Uint8Array): ObjectId {
    return idFromDigest(this.crypto.sha256(bytes));
  }

  /** Raw stored bytes of an object, unchecked; undefined when absent. */
  async getRaw(id: ObjectId): Promise<Uint8Array | undefined> {
    const v = await this.sub.objects.get(idHex(id));
    return v === undefined ? undefined : plain(v);
  }

  async has(id: ObjectId): Promise<boolean> {
    return (await this.sub.objects.hasMany([idHex(id)]))[0]!;
  }

  /**
   * Read an object and check everything about it: the bytes hash to the id, the CBOR is
   * canonical, the type is known and the fields match its schema.
   */
  async get<T extends CognifyObject = CognifyObject>(id: ObjectId, expectType?: T['type']): Promise<StoredObject<T>> {
    const bytes = await this.getRaw(id);
    if (bytes === undefined) throw new NotFoundError('NOT_FOUND', `object ${id} is not in this repository`, { id });
    return this.check<T>(id, bytes, expectType);
  }

  /** Several objects in one store read (fully checked, as `get`), in the order of `ids`. */
  async getMany<T extends CognifyObject = CognifyObject>(ids: ObjectId[], expectType?: T['type']): Promise<StoredObject<T>[]> {
    const values = await this.sub.objects.getMany(ids.map(idHex));
    return values.map((v, k) => {
      if (v === undefined) throw new NotFoundError('NOT_FOUND', `object ${ids[k]} is not in this repository`, { id: ids[k] });
      return this.check<T>(ids[k]!, plain(v), expectType);
    });
  }

  check<T extends CognifyObject = CognifyObject>(id: ObjectId, bytes: Uint8Array, expectType?: string): StoredObject<T> {
    const actual = this.hashId(bytes);
    if (actual !== id) {
      throw new IntegrityError('HASH_MISMATCH', `object ${id}: stored bytes hash to ${actual}; the object was altered`, { id, actual });
    }
    const value = decodeObject(this.schemas, bytes, `object ${id}`) as T;
    if (expectType !== undefined && value.type !== expectType) {
      throw new IntegrityError('OBJECT_INVALID', `object ${id} is a ${value.type}, expected a ${expectType}`, { id, type: value.type, expected: expectType });
    }
    return { id, bytes, value };
  }

  /** Encode (validating) an object and compute its id, without writing it. */
  encode<T extends CognifyObject>(value: T): StoredObject<T> {
    const bytes = encodeObject(this.schemas, value);
    return { id: this.hashId(bytes), bytes, value };
  }

  /**
   * Resolve a full id or a unique prefix of 7+ hex digits. An ambiguous prefix lists the
   * candidates (up to 10) so the user can pick one.
   */
  async resolve(input: string): Promise<ObjectId> {
    if (isObjectId(input) && (await this.has(input))) return input;
    const hex = parseIdPrefix(input);
    const found: string[] = [];
    for await (const key of this.sub.objects.keys({ gte: hex, lt: hex + 'g', limit: 11 })) found.push(key);
    if (found.length === 0) throw new NotFoundError('NOT_FOUND', `no object matches "${input}"; object ids appear in cognify log (log entries themselves: cognify log show <seq>)`, { input });
    if (found.length > 1) {
      const candidates = found.slice(0, 10).map((h) => `sha256:${h}`);
      throw new NotFoundError(
        'ID_AMBIGUOUS',
        `"${input}" matches ${found.length > 10 ? 'more than 10' : found.length} objects (${candidates.join(', ')}); give more digits`,
        { input, candidates },
      );
    }
    return `sha256:${found[0]}`;
  }

  /**
   * Apply one atomic batch: every write to the database goes through here. A write the database
   * refuses (a full disk, a read-only file system, an I/O error) is applied not at all (LevelDB
   * batches are atomic) and comes back as a RepoError saying which, not as LevelDB's own error.
   */
  async write(ops: BatchOp[]): Promise<void> {
    try {
      await this.db.batch(ops);
    } catch (e) {
      throw writeFailed(e);
    }
  }

  /**
   * Store a data chunk under the SHA-256 of its bytes, unless present; true when it was new.
   * Chunks are written before anything refers to them (outside the operation's final batch, so
   * memory stays bounded): after a failure they are unreferenced, and `gc` may remove them.
   */
  async putChunk(id: Uint8Array, bytes: Uint8Array): Promise<boolean> {
    const key = toHex(id);
    if ((await this.sub.chunks.get(key)) !== undefined) return false;
    await this.write([{ type: 'put', sublevel: this.sub.chunks, key, value: bytes }]);
    return true;
  }

  /**
   * putChunk for many chunks at once: one lookup of all ids, then one batch of the new ones (a
   * commit cuts tens of thousands of chunks; one round trip per chunk would dominate it). Returns,
   * per chunk, whether it was new; an id repeated within the call is new only the first time.
   */
  async putChunks(chunks: { id: Uint8Array; bytes: Uint8Array }[]): Promise<boolean[]> {
    return this.putMissing(
      this.sub.chunks,
      chunks.map((c) => toHex(c.id)),
      chunks.map((c) => c.bytes),
    );
  }

  /**
   * Encoded objects (`encode`'s output, bytes as hashed) written ahead of the batch that refers to
   * them, as putChunks writes chunks: a commit's recipe nodes, so a 5 GB file's 50 MB of them are
   * not all held until its final batch. Same lookup, same answer per object.
   */
  async putEncodedMany(objects: { id: ObjectId; bytes: Uint8Array }[]): Promise<boolean[]> {
    return this.putMissing(
      this.sub.objects,
      objects.map((o) => idHex(o.id)),
      objects.map((o) => o.bytes),
    );
  }

  /** Write the values whose keys `sub` lacks, in one batch; per key, whether it was new. */
  private async putMissing(sub: Sublevel, keys: string[], values: Uint8Array[]): Promise<boolean[]> {
    // Existence only: reading the values of chunks already stored (all but ~200 of a new version
    // of a 10M-row file) read back 1.5 GB and peaked at 1.1 GB RSS under a 256 MB heap.
    const have = await sub.hasMany(keys);
    const seen = new Set<string>();
    const ops: BatchOp[] = [];
    const fresh = keys.map((key, k) => {
      if (have[k] || seen.has(key)) return false;
      seen.add(key);
      ops.push({ type: 'put', sublevel: sub, key, value: values[k]! });
      return true;
    });
    if (ops.length) await this.write(ops);
    return fresh;
  }

  /** Several chunks' bytes in one store read, each checked against its id. */
  async getChunks(ids: Uint8Array[]): Promise<Uint8Array[]> {
    const keys = ids.map(toHex);
    const values = await this.sub.chunks.getMany(keys);
    return values.map((v, k) => this.checkedChunk(keys[k]!, v));
  }

  private checkedChunk(key: string, v: Uint8Array | undefined): Uint8Array {
    if (v === undefined) throw new NotFoundError('NOT_FOUND', `chunk sha256:${key} is not in this repository`, { id: `sha256:${key}` });
    const actual = toHex(this.crypto.sha256(v));
    if (actual !== key) throw new IntegrityError('HASH_MISMATCH', `chunk sha256:${key}: stored bytes hash to sha256:${actual}; the chunk was altered`, { id: `sha256:${key}` });
    return plain(v);
  }

  /** A chunk's bytes, checked against its id. */
  async getChunk(id: Uint8Array): Promise<Uint8Array> {
    const key = toHex(id);
    return this.checkedChunk(key, await this.sub.chunks.get(key));
  }

  async getRef(name: string): Promise<ObjectId | undefined> {
    const v = await this.sub.refs.get(name);
    return v === undefined ? undefined : (fromUtf8(v) as ObjectId);
  }

  async *refs(prefix = ''): AsyncIterable<[string, ObjectId]> {
    for await (const [k, v] of this.sub.refs.iterator({ gte: prefix, lt: prefix + '\uffff' })) yield [k, fromUtf8(v) as ObjectId];
  }

  async getMeta(key: string): Promise<Uint8Array | undefined> {
    const v = await this.sub.meta.get(key);
    return v === undefined ? undefined : plain(v);
  }

  async getIndex(key: string): Promise<Uint8Array | undefined> {
    const v = await this.sub.indexes.get(key);
    return v === undefined ? undefined : plain(v);
  }

  begin(): Transaction {
    return new Transaction(this);
  }
}

const REF_NAME = /^[a-z][a-z0-9-]*(?:\/[A-Za-z0-9._-]+)+$/;

export function checkRefName(name: string): void {
  if (!REF_NAME.test(name) || name.includes('..') || name.length > 255) {
    throw new InputError('INPUT_INVALID', `"${name}" is not a valid ref name; use kind/name with letters, digits, ".", "_" or "-"`, { name });
  }
}

/**
 * Everything one operation writes, applied in a single atomic LevelDB batch. Ref updates are
 * compare-and-swap: `commit` re-reads each ref and fails with REF_CONFLICT, writing nothing,
 * if it moved since the caller read it. Callers hold the repository's write lock, so the
 * check and the batch cannot interleave with another writer.
 */
export class Transaction {
  private readonly ops: BatchOp[] = [];
  private readonly cas: { name: string; expected: ObjectId | undefined }[] = [];
  private readonly staged = new Map<string, Uint8Array>();
  private done = false;

  constructor(readonly store: Store) {}

  putObject<T extends CognifyObject>(value: T): StoredObject<T> {
    const obj = this.store.encode(value);
    this.putEncoded(obj.id, obj.bytes);
    return obj;
  }

  putEncoded(id: ObjectId, bytes: Uint8Array): void {
    const key = idHex(id);
    if (this.staged.has(key)) return;
    this.staged.set(key, bytes);
    this.ops.push({ type: 'put', sublevel: this.store.sub.objects, key, value: bytes });
  }

  /** An object staged in this transaction (not yet committed), if any. */
  staging(id: ObjectId): Uint8Array | undefined {
    return this.staged.get(idHex(id));
  }

  setRef(name: string, expected: ObjectId | undefined, value: ObjectId): void {
    checkRefName(name);
    this.cas.push({ name, expected });
    this.ops.push({ type: 'put', sublevel: this.store.sub.refs, key: name, value: utf8(value) });
  }

  put(sub: SublevelName, key: string, value: Uint8Array): void {
    this.ops.push({ type: 'put', sublevel: this.store.sub[sub], key, value });
  }

  del(sub: SublevelName, key: string): void {
    this.ops.push({ type: 'del', sublevel: this.store.sub[sub], key });
  }

  get size(): number {
    return this.ops.length;
  }

  async commit(): Promise<void> {
    if (this.done) throw new TypeError('transaction already committed');
    this.done = true;
    for (const { name, expected } of this.cas) {
      const now = await this.store.getRef(name);
      if (now !== expected) {
        throw new IntegrityError('REF_CONFLICT', `ref ${name} moved to ${now ?? '(none)'} while this operation ran; nothing was written, run it again`, {
          name,
          expected,
          actual: now,
        });
      }
    }
    if (this.ops.length) await this.store.write(this.ops);
  }
}

/** What a refused write says: the cause in words, and that the action did not happen. */
export function writeFailed(e: unknown): RepoError {
  const text = [e, (e as { cause?: unknown })?.cause].map((x) => (x instanceof Error ? x.message : '')).join(' ');
  const why = /no space left|ENOSPC|disk quota|EDQUOT/i.test(text)
    ? 'the disk is full'
    : /read-only file system|EROFS|permission denied|EACCES|EPERM/i.test(text)
      ? 'the repository cannot be written here (read-only or no permission)'
      : 'the database could not write';
  const detail = text.trim().split('\n')[0];
  return new RepoError('IO_FAILED', `${why}${detail ? ` (${detail})` : ''}; the action did not happen: make room or fix the permissions, then run it again`, {}, e);
}
