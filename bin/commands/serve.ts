// cognify serve: the reviewer's sign-off page (src/web) on this machine. Each request opens the
// repository and closes it again, so the CLI works beside a running page; signatures are made
// here with the local keystore, after the passphrase typed into the page.
import { InputError } from '../../src/core/errors.js';
import { openRepo } from '../../src/api/open-repo.js';
import type { Repo } from '../../src/api/repo.js';
import { seedSigner } from '../../src/chain/signer.js';
import { findKey, listKeys, unlockKey } from '../../src/node/keystore.js';
import { nodeProvider } from '../../src/node/node-crypto.js';
import { LOOPBACK, startServer } from '../../src/node/http-server.js';
import { reviewApp } from '../../src/web/review-app.js';
import { bool, intArg, need, str, type FlagSpec } from '../args.js';
import type { Context } from '../context.js';

export const serveFlags: FlagSpec = { port: { type: 'string', short: 'p' }, host: { type: 'string' }, 'allow-remote': { type: 'boolean' } };
export const SERVE_USAGE = [
  'serve [--port N] [--as WHO]     the review page on http://127.0.0.1:N/ (default 7780; 0 picks a free port)',
  'serve --host ADDR --allow-remote   on another address; then every browser needs the access token printed at start',
];

export async function serve(ctx: Context): Promise<number> {
  need(ctx.args, 0, 'cognify serve [--port N] [--host ADDR --allow-remote]');
  const port = intArg(str(ctx.args, 'port') ?? '7780', '--port');
  if (port > 65535) throw new InputError('USAGE', `--port must be at most 65535, got ${port}`, {});
  const host = str(ctx.args, 'host') ?? '127.0.0.1';
  const remote = !LOOPBACK.has(host);
  if (remote && !bool(ctx.args, 'allow-remote')) {
    throw new InputError('USAGE', `cognify serve listens on 127.0.0.1 only; to serve on ${host}, where others on the network can reach it, add --allow-remote (an access token is then required)`, { host });
  }
  // Open once now, so a wrong -C fails here rather than in the browser.
  const first = await ctx.repo();
  const name = await first.name();
  await ctx.close();
  const dir = first.dir;
  const home = ctx.home;
  let running: Awaited<ReturnType<typeof startServer>> | undefined;
  const handler = reviewApp({
    withRepo: async <T>(fn: (repo: Repo) => Promise<T>): Promise<T> => {
      const repo = await openRepo({ dir, crypto: nodeProvider });
      try {
        return await fn(repo);
      } finally {
        await repo.close();
      }
    },
    keys: async () => (await listKeys({ home }).catch(() => [])).map((k) => ({ fingerprint: k.fingerprint, name: k.name, email: k.email })),
    unlock: async (fingerprint, passphrase) => seedSigner(nodeProvider, await unlockKey(await findKey({ home, who: fingerprint }), passphrase)),
    ...(ctx.as !== undefined ? { defaultKey: ctx.as } : {}),
    isOwnOrigin: (origin) => origin === running?.origin || (!remote && origin === `http://localhost:${new URL(running?.origin ?? 'http://x').port}`),
  });
  running = await startServer({ host, port, handler, token: remote, onError: (e) => ctx.io.stderr.write(`cognify serve: ${(e as Error).message}\n`) });
  ctx.out(
    { url: running.url, origin: running.origin, repo: name, token: running.token },
    [
      `Review page for ${name}: ${running.url}`,
      remote ? `Listening on ${host}: the address above carries the access token; give it only to reviewers.` : 'Listening on this machine only (127.0.0.1).',
      'Stop with Ctrl-C.',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await running.close();
  return 0;
}
