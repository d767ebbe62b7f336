// repo.datasets: commit a table file as a signed, logged dataset version, list and resolve
// versions, and export the exact bytes back. Versions of a name form a chain through `parents`;
// the ref `datasets/<name>` names the latest and moves by compare-and-swap.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { CborValue } from '../core/cbor.js';
import { CognifyError, InputError, IntegrityError, RepoError, tagCaller } from '../core/errors.js';
import { toHex } from '../core/bytes.js';
import { idHex, type ObjectId } from '../core/ids.js';
import type { CognifyObject } from '../store/object-codec.js';
import type { Signer } from '../chain/signer.js';
import { signObject, type Signed } from '../chain/signed-object.js';
import { DATASET_NAME, missingProvenance, type DatasetVersion, type Provenance } from '../diff/dataset-types.js';
import type { KeySpec } from '../diff/changes.js';
import { describeDuplicates, type DuplicateOptions, type DuplicateReport } from '../diff/duplicates.js';
import { ingestParquet } from '../diff/parquet.js';
import { formatFromName } from '../diff/table-format.js';
import { escapePointerToken } from '../diff/jsonl-parse.js';
import { ingestTable, type TableIngestResult } from '../diff/ingest.js';
import { keyText } from '../diff/keys.js';
import { checkProvenance } from '../diff/provenance.js';
import type { RecipeNode } from '../diff/recipe-tree.js';
import type { TableFormat } from '../diff/rows.js';
import type { ChunkerOptions } from '../diff/row-chunker.js';
import type { Repo } from './repo.js';
import { latestVersions, resolveVersion, versionChain, type ChainKind } from './version-chain.js';

const DATASETS: ChainKind = { prefix: 'datasets/', type: 'dataset-version', noun: 'dataset', listHint: 'cognify dataset list', versionsHint: (name) => `cognify dataset log ${name}` };

export type StoredVersion = { id: ObjectId; version: Signed<DatasetVersion> };

export interface CommitOptions {
  name: string;
  /** A file path, or the file's bytes as a stream. */
  input: string | AsyncIterable<Uint8Array>;
  format?: TableFormat;
  message?: string;
  /**
   * Row key: column names, comma-separated, for CSV/TSV (`id`, `region,id`); a JSON pointer for
   * JSONL (`/meta/uid`). When absent, the previous version's key is reused if it fits the format.
   */
  key?: string;
  /** Refuse the file when key values repeat (otherwise they are reported in `duplicates`). */
  strict?: boolean;
  /** Answers to the six provenance questions; those not given are recorded as null. */
  provenance?: Partial<Provenance>;
  signer: Signer;
  chunker?: ChunkerOptions;
  /** Memory budget of the duplicate-key count (default 64 MiB, then partition files in os.tmpdir()). */
  duplicates?: DuplicateOptions;
  signal?: AbortSignal;
}

export interface CommitResult {
  /** The version id; the existing one when the bytes were already the latest version. */
  version: ObjectId;
  name: string;
  number: number;
  rows: number;
  bytes: number;
  sha256: string;
  chunks: number;
  newChunks: number;
  /** Bytes this version adds to the store: new chunks, plus recipe nodes not stored before. */
  newBytes: number;
  /** False when the bytes equal the latest version's: nothing was written. */
  created: boolean;
  /** The key the rows were checked against (and recorded, when created). */
  key: KeySpec;
  /** The number of the version the key was reused from, when no key was given; else null. */
  keyReusedFrom: number | null;
  /** Repeated key values, null without a key. */
  duplicates: DuplicateReport | null;
  /** Provenance questions left unanswered in the version. */
  missingProvenance: string[];
}

const EMPTY_PROVENANCE: Provenance = { source: null, rights: null, collectionPeriod: null, transformations: null, exclusions: null, contact: null };


/**
 * A commit's recipe nodes, written ahead as the chunks are instead of held for the final batch (a
 * 5 GB file makes about 50 MB of them, all held until its end before). Nodes taken before a chunk
 * batch is sent refer only to chunks in it or before it, and to nodes taken with them or before,
 * so each lot is written just after its chunk batch: a killed commit leaves unreferenced objects
 * whose references all exist, which verify accepts. What the recipe's finish makes (the spine
 * up to the root) is left for the final batch (`rest`).
 */
class NodeWriter {
  private pending: { id: ObjectId; bytes: Uint8Array }[] = [];
  /** Bytes of the nodes the store did not have. */
  newBytes = 0;

  constructor(private readonly store: Repo['store']) {}

  add(id: ObjectId, bytes: Uint8Array): void {
    this.pending.push({ id, bytes });
  }

  /** The nodes added so far, to be written once what they refer to is. */
  take(): { id: ObjectId; bytes: Uint8Array }[] {
    const out = this.pending;
    this.pending = [];
    return out;
  }

  async write(nodes: { id: ObjectId; bytes: Uint8Array }[]): Promise<void> {
    if (!nodes.length) return;
    const fresh = await this.store.putEncodedMany(nodes);
    fresh.forEach((isNew, k) => void (isNew && (this.newBytes += nodes[k]!.bytes.length)));
  }

  /** The nodes never written, once each, for the final batch; those the store lacks count as new. */
  async rest(): Promise<{ id: ObjectId; bytes: Uint8Array }[]> {
    const nodes = [...new Map(this.take().map((n) => [n.id, n])).values()];
    const have = await this.store.sub.objects.hasMany(nodes.map((n) => idHex(n.id)));
    nodes.forEach((n, k) => void (!have[k] && (this.newBytes += n.bytes.length)));
    return nodes;
  }
}

/** Bytes of chunks read per store call on export. */
const EXPORT_BATCH = 1 << 20;

export class Datasets {
  constructor(private readonly repo: Repo) {}

  private get store() {
    return this.repo.store;
  }

  async commit(opts: CommitOptions): Promise<CommitResult> {
    try {
      if (!DATASET_NAME.test(opts.name)) {
        throw new InputError('INPUT_INVALID', `"${opts.name}" is not a valid dataset name; use letters, digits, ".", "_" or "-" (up to 128)`, { name: opts.name });
      }
      const provenance: Provenance = { ...EMPTY_PROVENANCE, ...checkProvenance(opts.provenance ?? {}) };
      const path = typeof opts.input === 'string' ? opts.input : undefined;
      const format = opts.format ?? (path ? formatFromName(path) : undefined);
      const ref = `datasets/${opts.name}`;
      const head = await this.store.getRef(ref);
      const previous = head ? ((await this.store.get(head, 'dataset-version')).value as unknown as Signed<DatasetVersion>) : undefined;
      // Reuse the previous version's key only where it fits (columns for CSV/TSV, a pointer for JSONL).
      const reusable = opts.key === undefined && previous?.key ? previous.key : null;
      let keyReusedFrom: number | null = null;
      const key = opts.key ?? ((f: 'csv' | 'tsv' | 'jsonl'): KeySpec => {
        if (!reusable || ('pointer' in reusable) !== (f === 'jsonl')) return null;
        keyReusedFrom = previous!.number;
        return reusable;
      });
      // A file written to while it is read would be recorded half old, half new: its size and
      // modification time must be the same before and after the pass, and equal to what was read.
      // (Taken before the stream opens: an open stream's error must have a reader waiting.)
      const before = path === undefined ? undefined : await stat(path).catch(() => undefined);
      const source = path === undefined ? (opts.input as AsyncIterable<Uint8Array>) : createReadStream(path, { highWaterMark: 1 << 20 });
      const nodes = new NodeWriter(this.store);
      // a chunk batch, then the nodes made before it was sent (they refer to it or to earlier ones)
      const putChunks = async (chunks: { id: Uint8Array; bytes: Uint8Array }[]) => {
        const ahead = nodes.take();
        const fresh = await this.store.putChunks(chunks);
        await nodes.write(ahead);
        return fresh;
      };
      const putChunk = async (id: Uint8Array, bytes: Uint8Array) => (await putChunks([{ id, bytes }]))[0]!;
      let ingested: TableIngestResult;
      try {
        const putNode = (node: RecipeNode) => {
          const obj = this.store.encode(node as unknown as CognifyObject);
          nodes.add(obj.id, obj.bytes);
          return Buffer.from(obj.id.slice('sha256:'.length), 'hex');
        };
        if (format === 'parquet') {
          // Parquet rows are objects: a key column is the pointer to that member. Repeated keys
          // are not counted at commit for Parquet (its rows are read by the diff, not here).
          const text = typeof opts.key === 'string' ? opts.key : undefined;
          const parquetKey: KeySpec = text === undefined ? (reusable && 'pointer' in reusable ? reusable : null) : { pointer: text.startsWith('/') ? text : `/${escapePointerToken(text)}` };
          if (text === undefined && parquetKey) keyReusedFrom = previous!.number;
          const r = await ingestParquet({
            source,
            ...(path !== undefined ? { path } : {}),
            name: path ?? 'input',
            crypto: this.repo.crypto,
            putChunk,
            putNode,
            ...(opts.signal ? { signal: opts.signal } : {}),
          });
          ingested = { ...r, key: parquetKey, duplicates: null } as unknown as TableIngestResult;
        } else {
          ingested = await ingestTable({
            source,
            ...(format ? { format } : {}),
            name: path ?? 'input',
            crypto: this.repo.crypto,
            putChunk,
            putChunks,
            putNode,
            key,
            ...(opts.duplicates ? { duplicates: opts.duplicates } : {}),
            ...(opts.chunker ? { chunker: opts.chunker } : {}),
            ...(opts.signal ? { signal: opts.signal } : {}),
          });
        }
      } catch (e) {
        if (e instanceof CognifyError && keyReusedFrom !== null && ('column' in e.data || 'pointer' in e.data)) {
          const why = `${e.message}; the key ${keyText(reusable)} was reused from ${opts.name} version ${keyReusedFrom}, give --key to choose another`;
          e = new InputError(e.code, why, e.data, e);
        }
        // A problem of the input names the file; one of the repository (a full disk) stays the repository's.
        if (e instanceof CognifyError && !(e instanceof RepoError) && path && !e.message.startsWith(path)) throw new InputError(e.code, `${path}: ${e.message}`, { ...e.data, path }, e);
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new InputError('INPUT_INVALID', `cannot read ${path}: no such file`, { path });
        throw e;
      }
      if (path !== undefined && before) {
        const after = await stat(path).catch(() => undefined);
        if (!after || after.size !== before.size || after.mtimeMs !== before.mtimeMs || after.size !== ingested.bytes) {
          throw new InputError(
            'INPUT_INVALID',
            `${path} changed while it was read (${ingested.bytes} bytes read, ${after ? after.size : 'none'} on disk now); commit it again when nothing is writing to it`,
            { path, read: ingested.bytes, onDisk: after?.size ?? null },
          );
        }
      }
      const duplicates = ingested.duplicates;
      if (opts.strict && duplicates && duplicates.keys > 0) {
        throw new InputError('INPUT_INVALID', `${path ?? 'input'}: key ${keyText(ingested.key)}: ${describeDuplicates(duplicates)}; remove the repeats, choose another --key, or commit without --strict`, { duplicates, path });
      }
      const lastNodes = await nodes.rest();
      const summary = {
        name: opts.name,
        rows: ingested.rows,
        bytes: ingested.bytes,
        sha256: ingested.sha256,
        chunks: ingested.recipe?.chunks ?? 0,
        newChunks: ingested.newChunks,
        newBytes: ingested.newBytes + nodes.newBytes,
        key: ingested.key,
        keyReusedFrom,
        duplicates,
      };
      if (previous && previous.sha256 === ingested.sha256) return { ...summary, version: head!, number: previous.number, created: false, missingProvenance: missingProvenance(previous.provenance) };
      const number = (previous?.number ?? 0) + 1;
      const r = await this.repo.act(opts.signer, 'dataset.commit', (tx) => {
        for (const { id, bytes } of lastNodes) tx.putEncoded(id, bytes);
        const version = signObject(
          this.repo.crypto,
          {
            type: 'dataset-version',
            v: 1,
            repo: this.repo.id,
            name: opts.name,
            number,
            parents: head ? [head] : [],
            format: ingested.format,
            dialect: ingested.dialect,
            sha256: ingested.sha256,
            bytes: ingested.bytes,
            rows: ingested.rows,
            recipe: ingested.recipe,
            schema: ingested.schema,
            key: ingested.key,
            provenance,
            message: opts.message ?? '',
            time: this.repo.now(),
          } as unknown as CognifyObject,
          opts.signer,
        );
        const stored = tx.putObject(version);
        tx.setRef(ref, head, stored.id);
        return { subjects: [stored.id], details: { name: opts.name, number, sha256: ingested.sha256 } as Record<string, CborValue> };
      });
      return { ...summary, version: r.subjects[0]!, number, created: true, missingProvenance: missingProvenance(provenance) };
    } catch (e) {
      throw tagCaller(e, 'datasets.commit');
    }
  }

  /** Every dataset name with its latest version. */
  list(): Promise<StoredVersion[]> {
    return latestVersions(this.store, DATASETS);
  }

  /** Versions of `name`, newest first. */
  versions(name: string): AsyncIterable<StoredVersion> {
    return versionChain(this.store, DATASETS, name);
  }

  /** `name` (latest), `name@N` (the N-th version), `name@<id prefix>`, or a version id (prefix). */
  resolve(ref: string): Promise<StoredVersion> {
    return resolveVersion(this.store, DATASETS, ref);
  }

  /** The version's exact bytes, each chunk checked against its id and the whole file against its SHA-256. */
  async *export(ref: string | StoredVersion): AsyncIterable<Uint8Array> {
    const { version } = typeof ref === 'string' ? await this.resolve(ref) : ref;
    const h = this.repo.crypto.createSha256();
    const tree = version.recipe ? { root: { id: version.recipe.root, rows: version.rows, bytes: version.bytes }, depth: version.recipe.depth } : undefined;
    // Chunks are read about 1 MiB at a time in one store call (one read per ~4 KiB chunk cost
    // 170 µs each: 25 MB/s), the next batch while the caller works on this one, and handed out
    // as one buffer per batch.
    // The recipe is walked a node's children at a time (one store read for all of them; one read
    // per node left the walk waiting on LevelDB), in file order, holding one node list per level.
    const store = this.store;
    async function* chunkIds(ids: Uint8Array[]): AsyncIterable<[Uint8Array, number]> {
      const nodes = await store.getMany(ids.map((id) => `sha256:${toHex(id)}` as ObjectId), 'recipe-node');
      for (const { value } of nodes) {
        const node = value as unknown as RecipeNode;
        if (node.level === 0) for (const [id, , bytes] of node.entries) yield [id, bytes];
        else yield* chunkIds(node.entries.map(([id]) => id));
      }
    }
    const batches = (async function* (): AsyncIterable<Uint8Array[]> {
      if (!tree) return;
      let ids: Uint8Array[] = [];
      let size = 0;
      for await (const [id, bytes] of chunkIds([tree.root.id])) {
        ids.push(id);
        size += bytes;
        if (size >= EXPORT_BATCH) {
          yield ids;
          ids = [];
          size = 0;
        }
      }
      if (ids.length) yield ids;
    })()[Symbol.asyncIterator]();
    let next = batches.next().then((b) => (b.done ? undefined : this.store.getChunks(b.value)));
    for (let parts = await next; parts !== undefined; parts = await next) {
      next = batches.next().then((b) => (b.done ? undefined : this.store.getChunks(b.value)));
      next.catch(() => undefined); // settled by the next iteration, or dropped if the caller stops
      const bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
      h.update(bytes);
      yield bytes;
    }
    const actual = toHex(h.digest());
    if (actual !== version.sha256) {
      throw new IntegrityError('HASH_MISMATCH', `dataset ${version.name} version ${version.number}: exported bytes hash to ${actual}, the version records ${version.sha256}`, {});
    }
  }
}
