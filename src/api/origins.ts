// Another repository's record inside this one (issue 7, "logs across repositories"). The other
// record is first replayed and verified on its own, into a replica repository at
// `.cognify/origins/<name>` that is only ever brought forward (its log must extend the one held,
// so a rewritten or forked log is refused); then, in one action logged here as `sync.import`
// and signed by the person importing, its objects and chunks join this store and its refs
// appear as `remotes/<name>/<ref>`. Read the other record whole with `-C .cognify/origins/<name>`.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CognifyError, InputError } from '../core/errors.js';
import { utf8 } from '../core/bytes.js';
import type { ObjectId } from '../core/ids.js';
import type { CognifyObject } from '../store/object-codec.js';
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
    const size = await o.logSize();
    const prefix = `remotes/${name}/`;
    const theirs: Record<string, ObjectId> = {};
    for await (const [k, v] of o.store.refs()) theirs[k] = v;
    const held: Record<string, ObjectId> = {};
    for await (const [k, v] of repo.store.refs(prefix)) held[k.slice(prefix.length)] = v;
    const refs = Object.keys({ ...theirs, ...held })
      .sort()
      .filter((k) => theirs[k] !== held[k] && theirs[k] !== undefined)
      .map((k) => ({ name: prefix + k, from: held[k] ?? null, to: theirs[k]! }));
    const last = await repo.store.getMeta(`origin/${name}`);
    const same = last !== undefined && JSON.stringify(JSON.parse(new TextDecoder().decode(last))) === JSON.stringify({ repo: o.id, size });
    if (same && refs.length === 0) return { imported: 0, skipped: 0, refs: [], repo: o.id, dir: repo.dir, created: false, name };
    const me = await signer();
    let added = 0;
    const act = await repo.act(me, 'sync.import', async (tx) => {
      for (const sub of ['objects', 'chunks'] as const) {
        for await (const [k, v] of o.store.sub[sub].iterator()) {
          if ((await repo.store.sub[sub].get(k)) === undefined) {
            tx.put(sub, k, v);
            added++;
          }
        }
      }
      for (const k of Object.keys(held)) if (theirs[k] === undefined) tx.del('refs', prefix + k);
      for (const r of refs) tx.setRef(r.name, r.from ?? undefined, r.to);
      const checkpoint = await o.checkpoint();
      const rec = tx.putObject(signObject(repo.crypto, { type: 'import', v: 1, repo: repo.id, origin: o.id, name, source, size, checkpoint, objects: added, refs: theirs, time: repo.now() } as unknown as CognifyObject, me));
      tx.put('meta', `origin/${name}`, utf8(JSON.stringify({ repo: o.id, size })));
      return { subjects: [rec.id], details: { origin: o.id, size, name } };
    });
    return { imported: added, skipped: 0, refs, repo: o.id, dir: repo.dir, created: false, name, entry: act.entry };
  } finally {
    await o.close();
  }
}

/** Whether a record is kept as `name` (so a pull of a remote holding another repository continues it). */
export function hasOrigin(repoDir: string, name: string): boolean {
  return existsSync(originDir(repoDir, name));
}
