// cognify checkpoint hash <dir> | verify <dir> <ref> | show <ref>: checkpoint manifests (every
// file's size, SHA-256, role and rank, and one root digest), without copying any weights.
import { resolve } from 'node:path';
import { InputError } from '../../src/core/errors.js';
import { resolveCheckpoint, verifyCheckpoint } from '../../src/api/checkpoints.js';
import { hashCheckpoint } from '../../src/runs/checkpoint-hash.js';
import { hashFiles } from '../../src/node/hash-pool.js';
import { nodeProvider } from '../../src/node/node-crypto.js';
import { fromCborJson } from '../../src/runs/run-types.js';
import { need } from '../args.js';
import type { Context } from '../context.js';
import { progressBar, size } from '../format.js';

type FileLine = { path: string; size: number; sha256: string; role: string; rank: number | null; tensors?: { count: number; parameters: number | bigint | string; dtypes: string[] } | null };
const fileLine = (f: FileLine) =>
  `  ${f.sha256.slice(0, 16)}  ${size(f.size).padStart(10)}  ${f.role.padEnd(13)}${f.rank === null ? '   ' : ` r${f.rank}`}  ${f.path}` +
  (f.tensors ? `  (${f.tensors.count} tensors, ${Number(f.tensors.parameters).toLocaleString('en-US')} parameters, ${f.tensors.dtypes.join('/')})` : '');

export async function checkpoint(ctx: Context): Promise<number | void> {
  const [sub, ...rest] = ctx.args.positionals;
  const args = { ...ctx.args, positionals: rest };
  switch (sub) {
    case 'hash': {
      const [dir] = need(args, 1, 'cognify checkpoint hash <dir>');
      const bar = progressBar(ctx.io.stderr, 'hashing');
      let m;
      try {
        // Outside a repository too: hashing needs no record.
        m = await hashCheckpoint({ dir: resolve(ctx.io.cwd, dir!), crypto: nodeProvider, hashFiles, ...(bar.onProgress ? { onProgress: bar.onProgress } : {}) });
      } finally {
        bar.done();
      }
      const files = m.files.map((f) => ({ path: f.path, size: f.size, sha256: f.sha256, role: f.role, rank: f.rank, ...(f.tensors ? { tensors: fromCborJson(f.tensors) } : {}) }));
      ctx.out({ root: m.root, layout: m.layout, worldSize: m.worldSize, bytes: m.bytes, files }, () =>
        [`${m.root}  ${m.files.length} file${m.files.length === 1 ? '' : 's'}, ${size(m.bytes)}, layout ${m.layout}${m.worldSize ? `, ${m.worldSize} ranks` : ''}`, ...m.files.map(fileLine)].join('\n'),
      );
      return;
    }
    case 'verify': {
      const [dir, ref] = need(args, 2, 'cognify checkpoint verify <dir> <manifest id | run/checkpoint>');
      const repo = await ctx.repo();
      const bar = progressBar(ctx.io.stderr, 'verifying');
      let r;
      try {
        r = await verifyCheckpoint(repo, { dir: resolve(ctx.io.cwd, dir!), ref: ref!, ...(bar.onProgress ? { onProgress: bar.onProgress } : {}) });
      } finally {
        bar.done();
      }
      ctx.out(r, () => {
        if (r.ok) return `OK: every file of ${dir} matches manifest ${r.manifest.slice(0, 19)} (root ${r.root.slice(0, 23)}…)`;
        return [
          `MISMATCH: ${dir} differs from manifest ${r.manifest.slice(0, 19)}`,
          ...r.missing.map((p) => `  missing  ${p}`),
          ...r.extra.map((p) => `  extra    ${p}`),
          ...r.changed.map((c) => `  changed  ${c.path}  (recorded ${size(c.expected.size)} ${c.expected.sha256.slice(0, 12)}…, now ${size(c.actual.size)} ${c.actual.sha256.slice(0, 12)}…)`),
        ].join('\n');
      });
      return r.ok ? 0 : 1;
    }
    case 'show': {
      const [ref] = need(args, 1, 'cognify checkpoint show <manifest id | run/checkpoint>');
      const { id, manifest: m } = await resolveCheckpoint(await ctx.repo(), ref!);
      ctx.out({ id, ...(fromCborJson(m) as object) }, () =>
        [`checkpoint manifest ${id}`, `  root ${m.root}, ${m.files.length} files, ${size(m.bytes)}, layout ${m.layout}${m.worldSize ? `, ${m.worldSize} ranks` : ''}, recorded ${m.time}`, ...m.files.map((f) => `${fileLine(f)}${f.recipe ? '  (stored)' : ''}`)].join('\n'),
      );
      return;
    }
    default:
      throw new InputError('USAGE', `unknown checkpoint command "${sub ?? ''}"; use checkpoint hash, verify or show`, {});
  }
}
