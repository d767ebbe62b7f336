// cognify checkpoint hash <dir>: a checkpoint manifest (every file's size, SHA-256, role and rank,
// and one root digest), without copying any weights.
import { resolve } from 'node:path';
import { InputError } from '../../src/core/errors.js';
import { hashCheckpoint } from '../../src/runs/checkpoint-hash.js';
import { nodeProvider } from '../../src/node/node-crypto.js';
import { need } from '../args.js';
import type { Context } from '../context.js';
import { size } from '../format.js';

export async function checkpoint(ctx: Context): Promise<void> {
  const [sub, ...rest] = ctx.args.positionals;
  const args = { ...ctx.args, positionals: rest };
  switch (sub) {
    case 'hash': {
      const [dir] = need(args, 1, 'cognify checkpoint hash <dir>');
      const tty = ctx.io.stderr.isTTY === true;
      const m = await hashCheckpoint(resolve(ctx.io.cwd, dir!), nodeProvider, tty ? (done, total) => ctx.io.stderr.write(`\rhashing ${size(done)} of ${size(total)}   `) : undefined);
      if (tty) ctx.io.stderr.write('\r\x1b[K');
      ctx.out({ root: m.root, files: m.files }, () =>
        [`${m.root}  ${m.files.length} file${m.files.length === 1 ? '' : 's'}, ${size(m.bytes)}`, ...m.files.map((f) => `  ${f.sha256.slice(0, 16)}  ${size(f.size).padStart(10)}  ${f.role.padEnd(13)}${f.rank === null ? '   ' : ` r${f.rank}`}  ${f.path}`)].join('\n'),
      );
      return;
    }
    default:
      throw new InputError('USAGE', `unknown checkpoint command "${sub ?? ''}"; use checkpoint hash`, {});
  }
}
