// Bundle benchmark (issue 7, performance): "With a repository holding the 1M-row dataset in two
// versions: full bundle create and import throughput beside `git bundle create` of a git
// repository holding the same two file versions, in the same run (goal: at least as fast)."
//
// Each round, back to back: createBundle of the repository (every object, chunk and log entry,
// deflated, to a file), importBundle of that file into a new directory (replay under the trust
// rules, then the full verify, which re-hashes every chunk), and `git bundle create --all` of a
// git repository whose two commits hold the same two files. Sizes are reported beside the times.
// Then "the incremental bundle for the second version is at most 2% of the full bundle's size":
// createBundle --since the log size after version 1, its bytes over the full bundle's.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { initRepo } from '../src/api/init-repo.js';
import { createBundle, importBundle } from '../src/api/bundles.js';
import { createIdentity } from '../src/chain/identity.js';
import { seedSigner } from '../src/chain/signer.js';
import { nodeProvider } from '../src/node/node-crypto.js';
import { runAlone, seedOf, tempDir } from './fixture.js';
import type { SuiteContext, SuiteResult } from './foundation.js';
import { generateBase, generateModified } from './gen.js';
import { fmt, summarize, type Figure } from './report.js';

export const BUNDLE_KEY = {
  create: 'bundle.create',
  import: 'bundle.import',
  git: 'bundle.git',
} as const;

const MB = (bytes: number, ms: number): number => bytes / 1e6 / (ms / 1000);

export async function bundleSuite(ctx: SuiteContext): Promise<SuiteResult> {
  const rows = Math.max(1000, Math.round(1_000_000 * ctx.scale));
  const rounds = 3;
  const tmp = await tempDir('bundle');
  try {
    ctx.log(`bundle: generating ${rows.toLocaleString('en-US')} rows in two versions ...`);
    const base = join(tmp.dir, 'base.csv');
    const v2 = join(tmp.dir, 'v2.csv');
    await generateBase({ format: 'csv', rows, seed: 71, out: base });
    await generateModified({ from: base, out: v2, seed: 72, edits: 100, inserts: 50, deletes: 50 });
    const signer = seedSigner(nodeProvider, seedOf(0));
    const identity = createIdentity(nodeProvider, signer, { name: 'Bench', email: 'admin@bench.example', created: '2026-01-01T00:00:00.000Z' });
    const repo = await initRepo({ dir: join(tmp.dir, 'repo'), signer, identity, name: 'bench' });
    const git = join(tmp.dir, 'git');
    mkdirSync(git);
    try {
      ctx.log('bundle: committing both versions, and the same two files to git ...');
      await repo.datasets.commit({ name: 'orders', input: base, key: 'id', signer });
      const afterV1 = await repo.logSize();
      await repo.datasets.commit({ name: 'orders', input: v2, signer });
      const g = (...args: string[]) => execFileSync('git', ['-C', git, '-c', 'user.name=Bench', '-c', 'user.email=bench@example.org', ...args], { stdio: 'pipe' });
      g('init', '-q', '-b', 'main');
      copyFileSync(base, join(git, 'orders.csv'));
      g('add', 'orders.csv');
      g('commit', '-q', '-m', 'v1');
      copyFileSync(v2, join(git, 'orders.csv'));
      g('add', 'orders.csv');
      g('commit', '-q', '-m', 'v2');
      const data = statSync(base).size + statSync(v2).size;
      const create: number[] = [];
      const imported: number[] = [];
      const gitMs: number[] = [];
      let ourBytes = 0;
      let gitBytes = 0;
      const incShare: number[] = [];
      let incBytes = 0;
      for (let i = 0; i < rounds; i++) {
        const file = join(tmp.dir, `r${i}.bundle`);
        let t = performance.now();
        ourBytes = (await createBundle(repo, { file, signer })).bytes;
        create.push(performance.now() - t);
        t = performance.now();
        await importBundle(file, join(tmp.dir, `import-${i}`));
        imported.push(performance.now() - t);
        const gfile = join(tmp.dir, `r${i}.git.bundle`);
        t = performance.now();
        g('bundle', 'create', '-q', gfile, '--all');
        gitMs.push(performance.now() - t);
        gitBytes = statSync(gfile).size;
        incBytes = (await createBundle(repo, { file: join(tmp.dir, `r${i}.inc.bundle`), signer, since: afterV1 })).bytes;
        incShare.push((100 * incBytes) / ourBytes);
        ctx.log(`bundle: round ${i + 1}/${rounds}: create ${(create[i]! / 1000).toFixed(2)} s, import ${(imported[i]! / 1000).toFixed(2)} s, git bundle ${(gitMs[i]! / 1000).toFixed(2)} s`);
      }
      const gitMedian = summarize(gitMs).median;
      const figures: Figure[] = [
        { key: BUNDLE_KEY.create, group: 'bundle', name: `bundle create, ${fmt(rows)}-row CSV in two versions`, unit: 'MB/s', samples: create.map((ms) => MB(data, ms)), note: 'MB/s of the two versions\' file bytes (what git bundle carries too), per round' },
        { key: BUNDLE_KEY.import, group: 'bundle', name: 'bundle import into a new repository (replay + verify)', unit: 'MB/s', samples: imported.map((ms) => MB(data, ms)) },
        { key: BUNDLE_KEY.git, group: 'bundle', name: 'git bundle create --all, same two files', unit: 'MB/s', samples: gitMs.map((ms) => MB(data, ms)) },
        { group: 'bundle', name: 'incremental bundle for version 2, share of the full bundle', unit: '%', samples: incShare, goal: { op: '<=', value: 2 }, note: 'bundle create --since <log size after version 1>: the new version\'s objects, the chunks it does not share with version 1, its log entry' },
        { group: 'bundle', name: 'bundle create vs git bundle create', unit: '×', samples: create.map((ms, i) => gitMs[i]! / ms), goal: { op: '>=', value: 1 }, note: 'git bundle create time over ours, per round; above 1×: ours is faster' },
      ];
      const facts = [
        `Bundles: ${fmt(rows)} rows (${(statSync(base).size / 1e6).toFixed(0)} MB) in two versions (100 edits, 50 inserts, 50 deletes); our full bundle ${(ourBytes / 1e6).toFixed(1)} MB (objects, chunks, log entries, deflate level 1), git's ${(gitBytes / 1e6).toFixed(1)} MB (delta-compressed pack); median git bundle create ${(gitMedian / 1000).toFixed(2)} s; the incremental bundle for version 2 ${(incBytes / 1e6).toFixed(2)} MB.`,
      ];
      return { figures, facts };
    } finally {
      await repo.close();
    }
  } finally {
    await tmp.remove();
  }
}

runAlone(import.meta.url, 'bundle', bundleSuite);
