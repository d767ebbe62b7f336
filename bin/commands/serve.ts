// cognify serve: the reviewer's sign-off page (src/api/serve-review.ts) until Ctrl-C.
import { InputError } from '../../src/core/errors.js';
import { serveReview } from '../../src/api/serve-review.js';
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
  const running = await serveReview({
    dir: ctx.workDir,
    home: ctx.home,
    host,
    port,
    allowRemote: bool(ctx.args, 'allow-remote'),
    ...(ctx.as !== undefined ? { defaultKey: ctx.as } : {}),
    onError: (e) => ctx.io.stderr.write(`cognify serve: ${(e as Error).message}\n`),
  });
  ctx.out(
    { url: running.url, origin: running.origin, repo: running.repo, token: running.token },
    [
      `Review page for ${running.repo}: ${running.url}`,
      running.token ? `Listening on ${host}: the address above carries the access token; give it only to reviewers.` : 'Listening on this machine only (127.0.0.1).',
      'Stop with Ctrl-C.',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await running.close();
  return 0;
}
