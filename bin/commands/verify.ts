import { need } from '../args.js';
import type { Context } from '../context.js';
import { EXIT } from '../exit-codes.js';

export async function verify(ctx: Context): Promise<number> {
  need(ctx.args, 0, 'cognify verify');
  const repo = await ctx.repo();
  // Progress on a terminal only, on stderr, overwritten in place (DESIGN.md "CLI conventions").
  const tty = ctx.io.stderr.isTTY === true;
  const total = await repo.logSize();
  const r = await repo.verify(
    tty
      ? {
          onProgress: ({ phase, done }) =>
            ctx.io.stderr.write(`\rverify: ${phase === 'log' ? `log ${done.toLocaleString('en')} / ${total.toLocaleString('en')} entries` : `objects ${done.toLocaleString('en')}`}   `),
        }
      : {},
  );
  if (tty) ctx.io.stderr.write('\r\x1b[K');
  ctx.out(
    { ok: r.ok, objects: r.objects, signatures: r.signatures, logEntries: r.logEntries, checkpoints: r.checkpoints, chunks: r.chunks, problems: r.problems },
    () => {
      const n = (count: number, one: string, many: string) => `${count.toLocaleString('en')} ${count === 1 ? one : many}`;
      const head = [n(r.objects, 'object', 'objects'), n(r.signatures, 'signature', 'signatures'), n(r.logEntries, 'log entry', 'log entries'), n(r.checkpoints, 'checkpoint', 'checkpoints')].join(', ');
      if (r.ok) return `verify: ok — ${head}`;
      return [`verify: FAILED — ${r.problems.length} problem${r.problems.length === 1 ? '' : 's'} (${head})`, ...r.problems.map((p) => `  ${p.where}: ${p.what} [${p.code}]`)].join('\n');
    },
  );
  return r.ok ? EXIT.ok : EXIT.checkFailed;
}
