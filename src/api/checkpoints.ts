// Checkpoint manifests in the repository: hash a checkpoint directory (on worker threads, native
// SHA-256), optionally keep its bytes (`--store`, for small adapters), sign the manifest as part
// of a run action, find a recorded manifest again by id or by run and checkpoint name, and
// re-hash a directory against it.
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { toHex } from '../core/bytes.js';
import { InputError, IntegrityError, NotFoundError } from '../core/errors.js';
import { isObjectId, type ObjectId } from '../core/ids.js';
import type { CognifyObject } from '../store/object-codec.js';
import type { Transaction } from '../store/store.js';
import { signObject } from '../chain/signed-object.js';
import type { Signer } from '../chain/signer.js';
import { ByteChunker } from '../diff/byte-chunker.js';
import { RecipeBuilder, recipeChunks, type RecipeNode } from '../diff/recipe-tree.js';
import { compareCheckpoint, hashCheckpoint, type CheckpointFile } from '../runs/checkpoint-hash.js';
import { excludedBy, type CheckpointManifestObject } from '../runs/run-types.js';
import { hashFiles } from '../node/hash-pool.js';
import type { Repo } from './repo.js';

export type ManifestFields = Omit<CheckpointManifestObject, 'type' | 'v' | 'repo' | 'time' | 'signer' | 'sig'>;

export interface PreparedCheckpoint {
  fields: ManifestFields;
  /** Recipe nodes of stored files, written with the manifest. */
  nodes: Map<ObjectId, Uint8Array>;
}

export interface HashDirOptions {
  dir: string;
  /** Keep the files' bytes in the chunk store too (sensible for adapters of a few MB). */
  store?: boolean;
  /** Leave out top-level directories matching these name patterns (`*`: any text without "/"): the final model beside its `checkpoint-*` directories. Recorded in the manifest. */
  exclude?: string[];
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/** The progress callback and abort signal of a caller's options, without undefined members. */
export function progressOptions(o: { onProgress?: (done: number, total: number) => void; signal?: AbortSignal }): { onProgress?: (done: number, total: number) => void; signal?: AbortSignal } {
  return { ...(o.onProgress ? { onProgress: o.onProgress } : {}), ...(o.signal ? { signal: o.signal } : {}) };
}

/** Hash every file of `dir` in parallel (see src/node/hash-pool.ts). */
export async function hashDir(repo: Repo, opts: HashDirOptions) {
  return hashCheckpoint({
    dir: opts.dir,
    crypto: repo.crypto,
    hashFiles: (jobs, o) => hashFiles(jobs, o),
    ...(opts.exclude?.length ? { exclude: excludedBy(opts.exclude)! } : {}),
    ...progressOptions(opts),
  });
}

/** Chunk one file into the store; its SHA-256 must still be the one just recorded. */
async function storeFile(repo: Repo, path: string, file: CheckpointFile, nodes: Map<ObjectId, Uint8Array>) {
  const chunker = new ByteChunker();
  const builder = new RecipeBuilder((node: RecipeNode) => {
    const obj = repo.store.encode(node as unknown as CognifyObject);
    nodes.set(obj.id, obj.bytes);
    return Buffer.from(obj.id.slice('sha256:'.length), 'hex');
  });
  const h = repo.crypto.createSha256();
  let chunks = 0;
  const put = async (cut: { bytes: Uint8Array }[]) => {
    for (const c of cut) {
      const id = repo.crypto.sha256(c.bytes);
      await repo.store.putChunk(id, c.bytes);
      builder.add({ id, rows: 0, bytes: c.bytes.length });
      chunks++;
    }
  };
  for await (const piece of createReadStream(path, { highWaterMark: 1 << 20 })) {
    h.update(piece as Uint8Array);
    await put(chunker.push(piece as Uint8Array));
  }
  await put(chunker.end());
  if (toHex(h.digest()) !== file.sha256) {
    throw new InputError('INPUT_INVALID', `${path} changed while it was stored; record the checkpoint again when nothing is writing to it`, { path });
  }
  const tree = builder.finish();
  return tree ? { root: tree.root.id as Uint8Array<ArrayBuffer>, depth: tree.depth, chunks } : null;
}

export async function prepareCheckpoint(repo: Repo, opts: HashDirOptions): Promise<PreparedCheckpoint> {
  const m = await hashDir(repo, opts);
  const nodes = new Map<ObjectId, Uint8Array>();
  const files = [];
  for (const f of m.files) {
    const recipe = opts.store && f.size > 0 ? await storeFile(repo, join(opts.dir, f.path), f, nodes) : null;
    files.push({ path: f.path, size: f.size, sha256: f.sha256, role: f.role, rank: f.rank, tensors: f.tensors ?? null, recipe });
  }
  return { fields: { root: m.root as ObjectId, layout: m.layout, worldSize: m.worldSize, exclude: opts.exclude ?? [], files, bytes: m.bytes }, nodes };
}

/** Stage a prepared manifest, signed, in `tx`; returns its id. */
export function stageCheckpoint(repo: Repo, tx: Transaction, prepared: PreparedCheckpoint, signer: Signer): ObjectId {
  for (const [id, bytes] of prepared.nodes) tx.putEncoded(id, bytes);
  const obj = signObject(repo.crypto, { type: 'checkpoint-manifest', v: 1, repo: repo.id, ...prepared.fields, time: repo.now() } as unknown as CognifyObject, signer);
  return tx.putObject(obj).id;
}

export interface ResolvedCheckpoint {
  id: ObjectId;
  manifest: CheckpointManifestObject;
  /** The run and checkpoint name it was found under, when resolved that way. */
  run?: string;
  name?: string;
}

/**
 * A recorded checkpoint manifest: its id (or a unique prefix), or `<run>/<checkpoint>` (as
 * `cognify run show` lists them: `credit-lora/checkpoint-80`, `credit-lora/final`), where `<run>`
 * may carry `@N` for an earlier version of the run.
 */
export async function resolveCheckpoint(repo: Repo, ref: string): Promise<ResolvedCheckpoint> {
  const slash = ref.indexOf('/');
  if (slash === -1) {
    if (!isObjectId(ref) && !/^(sha256:)?[0-9a-f]{7,64}$/.test(ref)) {
      throw new InputError('USAGE', `"${ref}" is not a checkpoint reference; give a manifest id, or <run>/<checkpoint> as cognify run show lists them`, { ref });
    }
    const id = await repo.store.resolve(ref);
    const obj = await repo.store.get(id);
    if (obj.value.type !== 'checkpoint-manifest') throw new InputError('INPUT_INVALID', `${ref} is a ${obj.value.type}, not a checkpoint manifest`, { ref });
    return { id, manifest: obj.value as unknown as CheckpointManifestObject };
  }
  const runRef = ref.slice(0, slash);
  const name = ref.slice(slash + 1);
  const { version } = await repo.runs.resolve(runRef);
  const hit = [...version.outputs, ...version.checkpoints].find((c) => c.name === name);
  if (!hit) {
    const known = [...version.checkpoints, ...version.outputs].map((c) => c.name);
    throw new NotFoundError('NOT_FOUND', `run ${version.name} has no checkpoint "${name}"; it has ${known.length ? known.join(', ') : 'none'}`, { ref });
  }
  const manifest = (await repo.store.get(hit.manifest as ObjectId, 'checkpoint-manifest')).value as unknown as CheckpointManifestObject;
  return { id: hit.manifest as ObjectId, manifest, run: version.name, name };
}

export interface CheckpointVerifyReport {
  ok: boolean;
  manifest: ObjectId;
  root: string;
  missing: string[];
  extra: string[];
  changed: { path: string; expected: { size: number; sha256: string }; actual: { size: number; sha256: string } }[];
}

/** Re-hash `dir` and compare it with a recorded manifest, file by file. */
export async function verifyCheckpoint(repo: Repo, opts: Omit<HashDirOptions, 'store'> & { ref: string }): Promise<CheckpointVerifyReport> {
  const { id, manifest } = await resolveCheckpoint(repo, opts.ref);
  const actual = await hashDir(repo, { ...opts, exclude: manifest.exclude });
  const r = compareCheckpoint(manifest.files, actual.files);
  return { ok: r.ok, manifest: id, root: manifest.root, missing: r.missing, extra: r.extra, changed: r.changed };
}

/** The bytes of a file recorded with `--store`, checked chunk by chunk and as a whole. */
export async function* storedFileBytes(repo: Repo, manifest: CheckpointManifestObject, path: string): AsyncIterable<Uint8Array> {
  const f = manifest.files.find((x) => x.path === path);
  if (!f) throw new NotFoundError('NOT_FOUND', `the manifest has no file ${path}`, { path });
  if (f.size === 0) return;
  if (!f.recipe) throw new NotFoundError('NOT_FOUND', `${path} was hashed, not stored; record the checkpoint with --store to keep its bytes`, { path });
  const h = repo.crypto.createSha256();
  const getNode = async (id: Uint8Array) => (await repo.store.get(`sha256:${toHex(id)}` as ObjectId, 'recipe-node')).value as unknown as RecipeNode;
  for await (const c of recipeChunks(getNode, { root: { id: f.recipe.root, rows: 0, bytes: f.size }, depth: f.recipe.depth })) {
    const bytes = await repo.store.getChunk(c.id);
    h.update(bytes);
    yield bytes;
  }
  if (toHex(h.digest()) !== f.sha256) throw new IntegrityError('HASH_MISMATCH', `${path}: stored bytes do not hash to the recorded SHA-256; run cognify verify`, { path });
}
