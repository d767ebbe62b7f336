import { resolve } from 'node:path';
import { initRepo } from '../../src/api/init-repo.js';
import { identityFor } from './id.js';
import { need, str, type FlagSpec } from '../args.js';
import type { Context } from '../context.js';

export const initFlags: FlagSpec = { name: { type: 'string' } };

export async function init(ctx: Context): Promise<void> {
  const [dirArg] = ctx.args.positionals.length ? need(ctx.args, 1, 'cognify init [dir] [--name N]') : [undefined];
  const dir = resolve(ctx.workDir, dirArg ?? '.');
  const { signer, key } = await ctx.signer();
  const identity = await identityFor(ctx, key, signer);
  const repo = await initRepo({ dir, signer, identity, name: str(ctx.args, 'name') ?? '' });
  try {
    ctx.out({ repo: repo.id, path: dir }, `Initialised Cognify repository ${repo.id}\n  in ${dir}/.cognify\n  admin: ${key.name} <${key.email}> (${key.fingerprint.slice(0, 16)})`);
  } finally {
    await repo.close();
  }
}
