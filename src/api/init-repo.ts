import type { CryptoProvider } from '../core/crypto-provider.js';
import { InputError, tagCaller } from '../core/errors.js';
import { utf8 } from '../core/bytes.js';
import type { CognifyObject } from '../store/object-codec.js';
import { Store } from '../store/store.js';
import type { IdentityObject } from '../chain/chain-types.js';
import { signObject } from '../chain/signed-object.js';
import type { Signer } from '../chain/signer.js';
import { createRepoDb } from '../node/repo-dir.js';
import { nodeProvider } from '../node/node-crypto.js';
import { Repo, schemas } from './repo.js';
import { openRepo } from './open-repo.js';

export interface InitRepoOptions {
  /** Directory to hold the repository (created if missing; must not already hold one). */
  dir: string;
  /** The creator's key; it becomes the repository's first admin. */
  signer: Signer;
  /** The creator's self-signed identity (see createIdentity); must be the signer's key. */
  identity: IdentityObject;
  name?: string;
  crypto?: CryptoProvider;
  now?: () => Date;
}

/**
 * Create a repository: a signed genesis object (whose id is the repository id), the creator's
 * identity and admin grant, and log entry 0 with its checkpoint, written in one batch into a
 * directory that only becomes `.cognify` once complete. Returns the repository, open.
 */
export async function initRepo(opts: InitRepoOptions): Promise<Repo> {
  try {
    const crypto = opts.crypto ?? nodeProvider;
    if (opts.identity.signer !== opts.signer.fingerprint) {
      throw new InputError('INPUT_INVALID', 'the identity given to initRepo is not the signer\'s', {});
    }
    await createRepoDb(opts.dir, async (db) => {
      const now = () => (opts.now?.() ?? new Date()).toISOString();
      const store = new Store({ db, crypto, schemas });
      const genesis = store.encode(
        signObject(crypto, { type: 'repo', v: 1, name: opts.name ?? '', created: now(), nonce: crypto.randomBytes(16) }, opts.signer) as CognifyObject,
      );
      const repo = new Repo({ db, crypto, dir: opts.dir, close: async () => undefined, ...(opts.now ? { now: opts.now } : {}) });
      repo._setId(genesis.id);
      await repo.act(opts.signer, 'repo.init', (tx) => {
        tx.putEncoded(genesis.id, genesis.bytes);
        const identity = tx.putObject(opts.identity as unknown as CognifyObject);
        const grant = tx.putObject(
          signObject(crypto, { type: 'role-grant', v: 1, repo: genesis.id, subject: opts.signer.fingerprint, role: 'admin', time: now() }, opts.signer) as CognifyObject,
        );
        tx.put('meta', 'repo', utf8(genesis.id));
        return { subjects: [genesis.id, identity.id, grant.id], details: { name: opts.name ?? '' } };
      });
    });
    return await openRepo({ dir: opts.dir, crypto, ...(opts.now ? { now: opts.now } : {}) });
  } catch (e) {
    throw tagCaller(e, 'initRepo');
  }
}
