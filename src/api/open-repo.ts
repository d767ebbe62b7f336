import type { CryptoProvider } from '../core/crypto-provider.js';
import { tagCaller } from '../core/errors.js';
import { findRepoDir, openRepoDb } from '../node/repo-dir.js';
import { nodeProvider } from '../node/node-crypto.js';
import { Repo } from './repo.js';

export interface OpenRepoOptions {
  /** A directory inside the repository (searched upward for `.cognify`); default: the current directory. */
  dir?: string;
  crypto?: CryptoProvider;
  /** How long to wait for another process holding the repository (default 10 s). */
  lockTimeoutMs?: number;
  /** Called once if the repository is busy and we start waiting. */
  onWait?: () => void;
  now?: () => Date;
}

/** Open an existing repository. Close it with `repo.close()` to release the lock. */
export async function openRepo(opts: OpenRepoOptions = {}): Promise<Repo> {
  try {
    const dir = findRepoDir(opts.dir ?? process.cwd());
    const opened = await openRepoDb(dir, {
      ...(opts.lockTimeoutMs !== undefined ? { lockTimeoutMs: opts.lockTimeoutMs } : {}),
      ...(opts.onWait ? { onWait: opts.onWait } : {}),
    });
    const repo = new Repo({ db: opened.db, crypto: opts.crypto ?? nodeProvider, dir, close: opened.close, ...(opts.now ? { now: opts.now } : {}) });
    try {
      return await repo._load();
    } catch (e) {
      await opened.close();
      throw e;
    }
  } catch (e) {
    throw tagCaller(e, 'openRepo');
  }
}
