// Another repository's record inside this one (issue 7, "logs across repositories"). The other
// record is first replayed and verified on its own, into a replica repository at
// `.cognify/origins/<name>` that is only ever brought forward (its log must extend the one held,
// so a rewritten or forked log is refused); then, in one action logged here as `sync.import`
// and signed by the person importing, its objects and chunks join this store and its refs
// appear as `remotes/<name>/<ref>`. Read the other record whole with `-C .cognify/origins/<name>`.
import { join } from 'node:path';
import { CognifyError, InputError } from '../core/errors.js';
import type { ObjectId } from '../core/ids.js';
import type { CognifyObject } from '../store/object-codec.js';
import type { Store } from '../store/store.js';
import { signObject } from '../chain/signed-object.js';
import type { Signer } from '../chain/signer.js';
import { mkdirs } from '../node/mkdirs.js';
import { isRepoDir, REPO_DIRNAME } from '../node/repo-dir.js';
import { checkRemoteName } from '../sync/remote.js';
import { createFromBundles, importInto, type BundleImportResult, type Progress } from './bundles.js';
import { openRepo } from './open-repo.js';
import type { Repo } from './repo.js';

export interface OriginImportResult extends BundleImportResult {
  /** The name the other record's refs appear under: remotes/<name>/. */
  name: string;
  /** The log entry recording the import, when anything came in. */
  entry?: ObjectId;
}

export function originDir(repoDir: string, name: string): string {
  return join(repoDir, REPO_DIRNAME, 'origins', name);
}

/** The log size of the record kept as `name`, 0 when there is none yet. */
export async function originSize(repo: Repo, name: string): Promise<{ size: number; repo?: ObjectId }> {
  const dir = originDir(repo.dir, name);
  if (!isRepoDir(dir)) return { size: 0 };
  const o = await openRepo({ dir });
  try {
    return { size: await o.logSize(), repo: o.id };
  } finally {
    await o.close();
  }
}

/**
 * Take in the record in `files` (a chain of bundles of another repository, or of a diverged copy
 * of this one) as `name`: verified into its replica, then its objects, chunks and refs brought in
 * under one `sync.import` log entry signed by `signer`.
 */
export async function importOrigin(repo: Repo, files: string[], opts: { name: string; source: string; signer: () => Promise<Signer>; onProgress?: Progress }): Promise<OriginImportResult> {
  checkRemoteName(opts.name);
  const dir = originDir(repo.dir, opts.name);
  if (isRepoDir(dir)) {
    const o = await openRepo({ dir });
    try {
      await importInto(o, files, opts.onProgress);
    } catch (e) {
      if (e instanceof CognifyError && e.code === 'SYNC_DIVERGED') {
        e.message = `repository ${o.id}'s log is not the one imported here as ${opts.name} before (rewritten or forked): ${e.message}`;
      }
      if (e instanceof CognifyError && e.code === 'REPO_EXISTS') {
        throw new InputError('INPUT_INVALID', `${opts.name} already holds the record of repository ${o.id}; import this one under another name (--name)`, { name: opts.name });
      }
      throw e;
    } finally {
      await o.close();
    }
  } else {
    await mkdirs(join(repo.dir, REPO_DIRNAME, 'origins'));
    await createFromBundles(files, dir, opts.onProgress);
  }
  return bringIn(repo, dir, opts.name, opts.source, opts.signer);
}

/** Copy what the verified replica at `dir` holds and this store lacks, set remotes/<name>/*, and log it. */
async function bringIn(repo: Repo, dir: string, name: string, source: string, signer: () => Promise<Signer>): Promise<OriginImportResult> {
  const o = await openRepo({ dir });
  try {
    const refs: Record<string, ObjectId> = {};
    for await (const [k, v] of o.store.refs()) refs[k] = v;
    const r = await takeIn(repo, { store: o.store, origin: o.id, size: await o.logSize(), checkpoint: await o.checkpoint(), refs }, { name, source, signer, mirror: true });
    return { skipped: 0, repo: o.id, dir: repo.dir, created: false, name, ...r };
  } finally {
    await o.close();
  }
}

/** Another record as it comes in: the store holding its objects and chunks, its id, log size, checkpoint note and refs. */
export interface Incoming {
  store: Store;
  origin: ObjectId;
  size: number;
  checkpoint: string;
  refs: Record<string, ObjectId>;
}

/**
 * Take `from` in as `name`, in one `sync.import` action signed by `signer` (asked only when
 * something is new): the objects and chunks this store lacks, its refs as remotes/<name>/<ref>
 * (with `mirror`, refs it no longer has are removed), and the `import` object. Nothing new:
 * nothing written.
 */
export async function takeIn(repo: Repo, from: Incoming, opts: { name: string; source: string; signer: () => Promise<Signer>; mirror: boolean }): Promise<{ imported: number; refs: { name: string; from: string | null; to: string }[]; entry?: ObjectId }> {
  const prefix = `remotes/${opts.name}/`;
  const held: Record<string, ObjectId> = {};
  for await (const [k, v] of repo.store.refs(prefix)) held[k.slice(prefix.length)] = v;
  const refs = Object.keys(from.refs)
    .sort()
    .filter((k) => from.refs[k] !== held[k])
    .map((k) => ({ name: prefix + k, from: held[k] ?? null, to: from.refs[k]! }));
  const gone = opts.mirror ? Object.keys(held).filter((k) => from.refs[k] === undefined) : [];
  async function* missing() {
    for (const sub of ['objects', 'chunks'] as const) {
      for await (const [k, v] of from.store.sub[sub].iterator()) if ((await repo.store.sub[sub].get(k)) === undefined) yield [sub, k, v] as const;
    }
  }
  let added = 0;
  for await (const _ of missing()) added++;
  if (added === 0 && refs.length === 0 && gone.length === 0) return { imported: 0, refs: [] };
  const me = await opts.signer();
  const act = await repo.act(me, 'sync.import', async (tx) => {
    for await (const [sub, k, v] of missing()) tx.put(sub, k, v);
    for (const k of gone) tx.del('refs', prefix + k);
    for (const r of refs) tx.setRef(r.name, r.from ?? undefined, r.to);
    const rec = tx.putObject(
      signObject(repo.crypto, { type: 'import', v: 1, repo: repo.id, origin: from.origin, name: opts.name, source: opts.source, size: from.size, checkpoint: from.checkpoint, objects: added, refs: from.refs, time: repo.now() } as unknown as CognifyObject, me),
    );
    return { subjects: [rec.id], details: { origin: from.origin, size: from.size, name: opts.name } };
  });
  return { imported: added, refs, entry: act.entry };
}
