// cognify bundle create <file> | bundle verify <file> | bundle import <file> [<dir>]
import { resolve } from 'node:path';
import { InputError } from '../../src/core/errors.js';
import { createBundle, importBundle, resolveSince, verifyBundle, type Progress } from '../../src/api/bundles.js';
import { need, str, type FlagSpec } from '../args.js';
import { findRepoDir } from '../../src/node/repo-dir.js';
import type { Context } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { size, transferProgress } from '../format.js';

export const bundleFlags: FlagSpec = { since: { type: 'string' }, name: { type: 'string' }, refs: { type: 'string' } };

export const BUNDLE_USAGE = [
  'bundle create <file> [--since R]   the record in one signed file (objects, chunks, log, refs), for an air gap;',
  '  --since R: only what the other side lacks; R is its log size, a remote\'s name, or a checkpoint file',
  '  it wrote (cognify log checkpoint > site.checkpoint)',
  'bundle create <file> --refs P   part of the record: the refs P names (runs/credit-lora, or a glob such as',
  '  \'runs/*\'; without a "/", any kind) with everything they reference and what the record holds about them',
  '  (approvals, scans, documents), and their signers\' identities; no log. Imported beside a repository\'s own record',
  'bundle verify <file>          check a bundle completely (every hash, signature, role and log link) without a repository',
  '  (an incremental one against the repository it continues: -C <dir>)',
  'bundle import <file> [<dir>] [--name N]   into <dir>: a new repository holding the bundled record, or a copy of',
  '  the same repository brought forward (its log must be a prefix of the bundle\'s); without <dir>, the current',
  '  repository. Another repository\'s record is kept beside this one\'s: verified in .cognify/origins/<N>, its refs',
  '  as remotes/<N>/..., the import logged here and signed by you (N: default its id\'s first 12 hex digits)',
];

export async function bundle(ctx: Context): Promise<number> {
  const [sub, file, dir] = ctx.args.positionals;
  if (!sub || !['create', 'verify', 'import'].includes(sub)) throw new InputError('USAGE', `${sub ? `unknown bundle command "${sub}"` : 'name a bundle command'}; use create, verify or import`, {});
  need(ctx.args, sub === 'import' && dir !== undefined ? 3 : 2, `cognify bundle ${sub} <file>${sub === 'import' ? ' [<dir>]' : ''}`);
  const path = resolve(ctx.io.cwd, file!);
  const bar = transferProgress(ctx.io.stderr);
  const progress = bar.onProgress ? { onProgress: bar.onProgress } : {};
  try {
    if (sub === 'create') {
      const repo = await ctx.repo();
      const { signer } = await ctx.signer();
      const sinceText = str(ctx.args, 'since');
      const since = sinceText === undefined ? 0 : await resolveSince(repo, sinceText);
      const refs = str(ctx.args, 'refs');
      const r = await createBundle(repo, { file: path, signer, since, ...(refs !== undefined ? { refs } : {}), ...progress });
      bar.done();
      ctx.out(
        { bundle: r.bundle, objects: r.objects, bytes: r.bytes, refs: r.refs },
        refs !== undefined
          ? `Wrote ${file}: part of the record, ${r.refs.join(', ')}: ${r.objects.toLocaleString('en-US')} objects and chunks with what they reference and what is recorded about them, no log, ${size(r.bytes)}; signed by you`
          : `Wrote ${file}: ${r.objects.toLocaleString('en-US')} objects, chunks and log entries (${r.since ? `log entries ${r.since} to ${r.size - 1}` : `${r.size} log entries`}), ${size(r.bytes)}, ${r.refs.length} refs; signed by you`,
      );
      return EXIT.ok;
    }
    if (sub === 'verify') {
      const r = await verifyBundle(path, { ...(ctx.dir !== undefined ? { dir: ctx.dir } : {}), ...progress });
      bar.done();
      ctx.out(r, () =>
        !r.ok
          ? `${file}: NOT OK\n  ${r.problems.join('\n  ')}`
          : r.partial
            ? `${file}: ok — part of repository ${r.repo} (${r.refs?.join(', ')}), ${r.objects.toLocaleString('en-US')} objects and chunks; every hash, reference and signature checks against the identities it carries (roles and the log stay with the full record)`
            : `${file}: ok — repository ${r.repo}, ${r.size} log entries, ${r.objects.toLocaleString('en-US')} objects, chunks and entries; every hash, signature, role and log link checks`,
      );
      return r.ok ? EXIT.ok : EXIT.checkFailed;
    }
    return await importCommand(ctx, path, file!, dir, progress);
  } finally {
    bar.done();
  }
}

async function importCommand(ctx: Context, path: string, file: string, dir: string | undefined, progress: { onProgress?: Progress }): Promise<number> {
  // Without <dir>, only an existing repository (found as every command finds it); a new one is made only where named.
  const target = dir !== undefined ? resolve(ctx.io.cwd, dir) : findRepoDir(ctx.workDir);
  const name = str(ctx.args, 'name');
  // A signer is asked for only when the bundle holds another repository's record (that import is logged here).
  const r = await importBundle(path, target, { ...progress, signer: async () => (await ctx.signer()).signer, ...(name !== undefined ? { name } : {}) });
  ctx.out({ imported: r.imported, skipped: r.skipped, refs: r.refs, repo: r.repo, dir: r.dir, created: r.created, ...(r.name !== undefined ? { name: r.name } : {}), ...(r.partial ? { partial: true } : {}) }, () =>
    [
      r.name !== undefined
        ? r.imported === 0 && r.refs.length === 0
          ? `${file}: repository ${r.repo}'s record is already here as ${r.name}; nothing changed`
          : r.partial
            ? `Imported part of repository ${r.repo}'s record from ${file} as ${r.name}, checked against the identities it carries: ${r.imported.toLocaleString('en-US')} new objects and chunks here, its refs under remotes/${r.name}/; logged and signed by you`
            : `Imported repository ${r.repo}'s record from ${file} as ${r.name}, verified on its own (.cognify/origins/${r.name}): ${r.imported.toLocaleString('en-US')} new objects and chunks here, its refs under remotes/${r.name}/; logged and signed by you`
        : r.created
        ? `Created ${r.dir}: repository ${r.repo} from ${file}, ${r.imported.toLocaleString('en-US')} objects, chunks and log entries, verified`
        : r.imported === 0
          ? `${file} is already imported into ${r.dir}: nothing changed`
          : `Imported ${file} into ${r.dir}: ${r.imported.toLocaleString('en-US')} new, ${r.skipped.toLocaleString('en-US')} already here, verified`,
      ...r.refs.map((x) => `  ${x.name}: ${x.from ? x.from.slice(7, 19) : '(new)'} -> ${x.to.slice(7, 19)}`),
    ].join('\n'),
  );
  return EXIT.ok;
}
