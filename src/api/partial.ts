// Part of a record (issue 7, `bundle create --refs <pattern>`): the objects some refs name, what
// they reference (a run's metrics, checkpoints, evals and datasets, down to the chunks), what the
// record holds about each of them (approvals, withdrawals, scans, waivers, documents), and the
// identity of every signer, without the log. A log replayed needs every object its entries name,
// so a part cannot be replayed; instead its receiver checks that every object is canonical, that
// every reference resolves inside the bundle, and that every signature verifies against an
// identity the bundle carries (roles are a matter of the log, which stays with the full record).
// It is then taken in as another record is (origins.ts), without a replica: objects here, refs as
// remotes/<name>/..., one signed `sync.import` entry.
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BundleError, InputError } from '../core/errors.js';
import { fromHex } from '../core/bytes.js';
import type { ObjectId } from '../core/ids.js';
import { Store, type Database } from '../store/store.js';
import { isSigned, verifyObjectSignature } from '../chain/signed-object.js';
import { fingerprintOf, type Signer } from '../chain/signer.js';
import { loadTrustState } from '../chain/trust-index.js';
import { nodeProvider } from '../node/node-crypto.js';
import { createRepoDb } from '../node/repo-dir.js';
import { zlibCodec } from '../node/zlib-codec.js';
import { readBundle, sealMessage, type BundleItem } from '../sync/bundle-format.js';
import type { BundleManifest } from '../sync/bundle.js';
import { checkRemoteName } from '../sync/remote.js';
import { about } from './subjects.js';
import { takeIn } from './origins.js';
import { references, schemas, type Repo } from './repo.js';

/** The refs a pattern names: a ref name, or a glob (`*` within one path segment, `**` across); without a "/", any kind (runs/NAME, datasets/NAME ...). */
export function matchRefs(refs: Record<string, ObjectId>, pattern: string): Record<string, ObjectId> {
  const glob = pattern.includes('/') ? pattern : `*/${pattern}`;
  const re = new RegExp(`^${glob.split('**').map((p) => p.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*')).join('.*')}$`);
  return Object.fromEntries(Object.entries(refs).filter(([k]) => re.test(k)));
}

/** The items of a partial bundle: objects reachable from `roots` and about them, their signers' identities and the bundle maker's, then chunks. */
export async function* partialItems(repo: Repo, roots: ObjectId[], maker: string): AsyncIterable<BundleItem> {
  const objects = new Set<string>();
  const chunks = new Set<string>();
  const signers = new Set<string>([maker]);
  const todo: string[] = [...roots];
  while (todo.length) {
    const id = todo.pop()! as ObjectId;
    if (objects.has(id)) continue;
    objects.add(id);
    const obj = (await repo.store.get(id)).value;
    if (isSigned(obj)) signers.add(obj.signer);
    const r = references(obj);
    if (r) {
      for (const c of r.chunks) chunks.add(c);
      todo.push(...r.objects);
    }
    for (const rec of await about(repo, id)) todo.push(rec.id);
  }
  const state = await loadTrustState(repo.store);
  for (const fp of signers) {
    const k = state.keys.get(fp);
    if (k) objects.add(k.identity);
  }
  for (const id of objects) yield { kind: 'object', bytes: (await repo.store.getRaw(id as ObjectId))! };
  const ids = [...chunks];
  for (let i = 0; i < ids.length; i += 256) for (const b of await repo.store.getChunks(ids.slice(i, i + 256).map(fromHex))) yield { kind: 'chunk', bytes: b };
}

export interface PartialCheck {
  manifest: BundleManifest;
  objects: number;
  chunks: number;
}

/**
 * Read a partial bundle into `store` (a scratch store) and check it: canonical objects, every
 * reference inside the bundle, every signature (the manifest's and the seal too) against an
 * identity the bundle carries. Throws a BundleError at the first problem.
 */
async function checkPartial(store: Store, file: string): Promise<PartialCheck> {
  const crypto = store.crypto;
  let manifest: BundleManifest | undefined;
  let seal: { hash: string; seal: Uint8Array } | undefined;
  let objects = 0;
  let chunks = 0;
  const source = createReadStream(file);
  try {
    for await (const ev of readBundle(nodeProvider, source, { codec: zlibCodec })) {
      if (ev.type === 'manifest') manifest = store.check(store.hashId(ev.bytes), ev.bytes, 'bundle-manifest').value as unknown as BundleManifest;
      else if (ev.type === 'end') seal = ev;
      else if (ev.kind === 'chunk') {
        await store.sub.chunks.put(ev.id.slice(7), ev.bytes);
        chunks++;
      } else {
        try {
          store.check(ev.id as ObjectId, ev.bytes);
        } catch (e) {
          throw new BundleError('BUNDLE_INVALID', `the object at byte ${ev.offset}: ${(e as Error).message}`, { offset: ev.offset });
        }
        await store.sub.objects.put(ev.id.slice(7), ev.bytes);
        objects++;
      }
    }
  } finally {
    source.destroy();
  }
  if (!manifest || !seal) throw new BundleError('BUNDLE_INVALID', 'the bundle has no manifest', {});
  const keys = new Map<string, Uint8Array>();
  for await (const [, raw] of store.sub.objects.iterator()) {
    const obj = store.check(store.hashId(raw), raw).value;
    if (obj.type === 'identity' && isSigned(obj) && fingerprintOf(crypto, obj.publicKey as Uint8Array) === obj.signer && verifyObjectSignature(crypto, obj, obj.publicKey as Uint8Array)) keys.set(obj.signer, obj.publicKey as Uint8Array);
  }
  for await (const [hex, raw] of store.sub.objects.iterator()) {
    const obj = store.check(`sha256:${hex}` as ObjectId, raw).value;
    if (isSigned(obj)) {
      const key = keys.get(obj.signer);
      if (!key || !verifyObjectSignature(crypto, obj, key)) throw new BundleError('BUNDLE_INVALID', `${obj.type} sha256:${hex} is signed by ${obj.signer.slice(0, 16)}, whose identity the bundle does not carry or whose signature does not verify; do not import it`, { id: hex });
    }
    const r = references(obj);
    for (const o of r?.objects ?? []) if (!(await store.has(o))) throw new BundleError('BUNDLE_INVALID', `${obj.type} sha256:${hex} refers to ${o}, which the bundle does not hold`, { id: hex });
    for (const c of r?.chunks ?? []) if ((await store.sub.chunks.get(c)) === undefined) throw new BundleError('BUNDLE_INVALID', `${obj.type} sha256:${hex} refers to chunk sha256:${c}, which the bundle does not hold`, { id: hex });
  }
  const key = keys.get(manifest.signer);
  if (!key || !verifyObjectSignature(crypto, manifest, key)) throw new BundleError('BUNDLE_INVALID', `the manifest's signature does not verify against an identity the bundle carries (${manifest.signer.slice(0, 16)}); do not import it`, {});
  if (!crypto.ed25519Verify(seal.seal, sealMessage(fromHex(seal.hash)), key)) throw new BundleError('BUNDLE_INVALID', `the bundle's seal does not verify: items were changed, added, dropped or reordered after it was made; do not import it`, {});
  for (const [name, id] of Object.entries(manifest.refs)) if (!(await store.has(id as ObjectId))) throw new BundleError('BUNDLE_INVALID', `ref ${name} names ${id}, which the bundle does not hold`, { ref: name });
  return { manifest, objects, chunks };
}

/** Check a partial bundle in a scratch store that is removed after `use`. */
export async function withPartial<T>(file: string, use: (store: Store, c: PartialCheck) => Promise<T>): Promise<T> {
  const tmp = await mkdtemp(join(tmpdir(), 'cognify-partial-'));
  try {
    return await createRepoDb(join(tmp, 'scratch'), async (db: Database) => {
      const store = new Store({ db, crypto: nodeProvider, schemas });
      return use(store, await checkPartial(store, file));
    });
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Take in a checked partial bundle as `name`: objects and chunks this store lacks, refs as remotes/<name>/..., one signed sync.import entry. */
export async function importPartial(repo: Repo, file: string, opts: { name: string; source: string; signer: () => Promise<Signer> }): Promise<{ imported: number; refs: { name: string; from: string | null; to: string }[]; repo: ObjectId }> {
  checkRemoteName(opts.name);
  return withPartial(file, async (scratch, c) => {
    const m = c.manifest;
    const r = await takeIn(repo, { store: scratch, origin: m.repo as ObjectId, size: m.size, checkpoint: m.checkpoint, refs: m.refs as Record<string, ObjectId> }, { ...opts, mirror: false });
    return { imported: r.imported, refs: r.refs, repo: m.repo as ObjectId };
  });
}

/** Refuse a --refs pattern that names nothing. */
export function selectRefs(refs: Record<string, ObjectId>, pattern: string): Record<string, ObjectId> {
  const picked = matchRefs(refs, pattern);
  if (Object.keys(picked).length === 0) throw new InputError('INPUT_INVALID', `--refs ${pattern} names no ref; see the refs with cognify dataset list and cognify run list (a ref is kind/name, e.g. runs/credit-lora)`, { pattern });
  return picked;
}
