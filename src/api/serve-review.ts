// serveReview: the reviewer's page (src/web) on a Node HTTP server, wired to a repository
// directory and a keystore. Each request opens the repository and closes it again, so the CLI can
// use it in between (opening takes ~14 ms on the demo record); signatures are made with the
// keystore's key after the passphrase typed into the page, which is used once and not kept.
import { InputError, tagCaller } from '../core/errors.js';
import { seedSigner } from '../chain/signer.js';
import { findRepoDir } from '../node/repo-dir.js';
import { findKey, keystoreHome, listKeys, unlockKey } from '../node/keystore.js';
import { nodeProvider } from '../node/node-crypto.js';
import { LOOPBACK, startServer, type RunningServer } from '../node/http-server.js';
import { reviewApp } from '../web/review-app.js';
import { openRepo } from './open-repo.js';
import type { Repo } from './repo.js';

export interface ServeReviewOptions {
  /** A directory inside the repository. */
  dir: string;
  /** The keystore (default: $COGNIFY_HOME or ~/.cognify). */
  home?: string;
  /** Default 127.0.0.1. Any other address needs `allowRemote`, and then an access token. */
  host?: string;
  /** Default 7780; 0 picks a free port. */
  port?: number;
  allowRemote?: boolean;
  /** The key to review as until the browser picks another (e-mail or fingerprint). */
  defaultKey?: string;
  /** Told about a request that failed outside the page's own error handling. */
  onError?: (e: unknown) => void;
}

export async function serveReview(opts: ServeReviewOptions): Promise<RunningServer & { repo: string }> {
  try {
    const host = opts.host ?? '127.0.0.1';
    const remote = !LOOPBACK.has(host);
    if (remote && !opts.allowRemote) {
      throw new InputError('USAGE', `the review page listens on 127.0.0.1 only; to serve it on ${host}, where others on the network can reach it, add --allow-remote (an access token is then required)`, { host });
    }
    const dir = findRepoDir(opts.dir);
    const home = opts.home ?? keystoreHome();
    const withRepo = async <T>(fn: (repo: Repo) => Promise<T>): Promise<T> => {
      const repo = await openRepo({ dir, crypto: nodeProvider });
      try {
        return await fn(repo);
      } finally {
        await repo.close();
      }
    };
    // Opened once now, so a directory that is not a repository fails here, not in the browser.
    const name = await withRepo((r) => r.name());
    let origins: string[] = [];
    const handler = reviewApp({
      withRepo,
      keys: async () => (await listKeys({ home }).catch(() => [])).map((k) => ({ fingerprint: k.fingerprint, name: k.name, email: k.email })),
      unlock: async (fingerprint, passphrase) => seedSigner(nodeProvider, await unlockKey(await findKey({ home, who: fingerprint }), passphrase)),
      ...(opts.defaultKey !== undefined ? { defaultKey: opts.defaultKey } : {}),
      isOwnOrigin: (origin) => origins.includes(origin),
    });
    const running = await startServer({ host, port: opts.port ?? 7780, handler, token: remote, ...(opts.onError ? { onError: opts.onError } : {}) });
    const port = new URL(running.origin).port;
    origins = remote ? [running.origin] : [running.origin, `http://localhost:${port}`];
    return { ...running, repo: name };
  } catch (e) {
    throw tagCaller(e, 'serveReview');
  }
}
