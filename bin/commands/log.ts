// cognify log | log proof <seq> | log consistency <old-size> | log checkpoint
import { InputError } from '../../src/core/errors.js';
import { shortId } from '../../src/core/ids.js';
import { entryJson } from '../../src/api/repo.js';
import { render } from './show.js';
import { intArg, need, str, type FlagSpec } from '../args.js';
import type { Context } from '../context.js';

export const logFlags: FlagSpec = { size: { type: 'string' }, limit: { type: 'string', short: 'n' } };

export async function log(ctx: Context): Promise<void> {
  const [sub, ...rest] = ctx.args.positionals;
  const args = { ...ctx.args, positionals: rest };
  const repo = await ctx.repo();
  const sizeFlag = str(args, 'size');
  const size = sizeFlag === undefined ? undefined : intArg(sizeFlag, '--size', 1);
  switch (sub) {
    case undefined: {
      const limitFlag = str(args, 'limit');
      const total = await repo.logSize();
      const from = limitFlag === undefined ? 0 : Math.max(0, total - intArg(limitFlag, '--limit', 1));
      const people = new Map((await repo.identities()).map((k) => [k.fingerprint, k.email]));
      const entries: Record<string, unknown>[] = [];
      const lines: string[] = [];
      for await (const e of repo.log({ from })) {
        if (ctx.json) entries.push(entryJson(e));
        else {
          const who = people.get(e.entry.signer) ?? e.entry.signer.slice(0, 16);
          lines.push(`#${e.entry.seq}  ${e.entry.time}  ${who}  ${e.entry.action}  ${e.entry.subjects.map(shortId).join(' ')}`);
        }
      }
      ctx.out(entries, () => lines.join('\n'));
      return;
    }
    case 'proof': {
      const [seqArg] = need(args, 1, 'cognify log proof <seq> [--size N]');
      const p = await repo.logProof(intArg(seqArg, 'seq'), size);
      ctx.out(p, () => [`inclusion proof for entry ${p.seq} in a tree of ${p.size}`, `leaf hash  ${p.leafHash}`, `root       ${p.root}`, ...p.proof.map((h, i) => `  [${i}] ${h}`)].join('\n'));
      return;
    }
    case 'consistency': {
      const [oldArg] = need(args, 1, 'cognify log consistency <old-size> [--size N]');
      const p = await repo.logConsistency(intArg(oldArg, 'old size', 1), size);
      ctx.out(p, () => [`consistency proof from size ${p.oldSize} to ${p.newSize}`, `old root  ${p.oldRoot}`, `new root  ${p.newRoot}`, ...p.proof.map((h, i) => `  [${i}] ${h}`)].join('\n'));
      return;
    }
    case 'show': {
      const [seqArg] = need(args, 1, 'cognify log show <seq>');
      const e = await repo.logEntry(intArg(seqArg, 'seq'));
      ctx.out({ ...entryJson(e), size: e.bytes.length, entry: e.entry }, () => `log entry ${e.entry.seq} ${e.id} (${e.bytes.length} bytes)${render(e.entry, '  ')}`);
      return;
    }
    case 'checkpoint': {
      need(args, 0, 'cognify log checkpoint');
      const note = await repo.checkpoint();
      if (ctx.json) ctx.out({ checkpoint: note }, '');
      else ctx.io.stdout.write(note);
      return;
    }
    default:
      throw new InputError('USAGE', `unknown log command "${sub}"; use log, log show, log proof, log consistency or log checkpoint`, {});
  }
}
