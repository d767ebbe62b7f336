import { need } from '../args.js';
import type { Context } from '../context.js';
import { EXIT } from '../exit-codes.js';

export async function verify(ctx: Context): Promise<number> {
  need(ctx.args, 0, 'cognify verify');
  const repo = await ctx.repo();
  const r = await repo.verify();
  ctx.out(
    { ok: r.ok, objects: r.objects, signatures: r.signatures, logEntries: r.logEntries, checkpoints: r.checkpoints, chunks: r.chunks, problems: r.problems },
    () => {
      const head = `${r.objects} objects, ${r.signatures} signatures, ${r.logEntries} log entries, ${r.checkpoints} checkpoints`;
      if (r.ok) return `verify: ok — ${head}`;
      return [`verify: FAILED — ${r.problems.length} problem${r.problems.length === 1 ? '' : 's'} (${head})`, ...r.problems.map((p) => `  ${p.where}: ${p.what} [${p.code}]`)].join('\n');
    },
  );
  return r.ok ? EXIT.ok : EXIT.checkFailed;
}
