// Dataset benchmarks (issue 3, performance): commit, and the row-level diff of two stored
// versions and of two plain files, against the tools a team would otherwise use on the same
// files: DuckDB (a FULL OUTER JOIN on the key), GNU diff, daff (100k rows only) and `git add`.
//
// Files come from bench/gen.ts (seeded, so the same on every machine): a base file, a version 2
// with 100 rows modified, 50 inserted and 50 deleted, and a shuffle of the base. gen.ts writes the
// ids it changed; every tool's counts are checked against them (and so against each other), and a
// disagreement fails the run.
//
// Our side runs in a child process per operation (this file with --child), so each figure starts
// from a fresh heap and its peak RSS (VmHWM, bench/child.ts peakRssMB) is that operation's alone,
// not DuckDB's, which runs in the parent. The child times the library call only: not Node's start,
// nor opening the repository.
//
// Cases at BENCH_SCALE=1: CSV and JSONL at 100k rows (with daff) and at 1M rows (the goals; plus
// the shuffle, commit against git add), and, with BENCH_10M=1, CSV at 10M rows (about 1.5 GB) to
// check that a stored diff grows with the change, not the file. At BENCH_SCALE ≤ 0.1 the "10M"
// case (10M × scale rows) is cheap and always runs.
import { peakRssMB, runChild } from './child.js';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { openRepo } from '../src/api/open-repo.js';
import type { Repo } from '../src/api/repo.js';
import { seedSigner } from '../src/chain/signer.js';
import { nodeProvider } from '../src/node/node-crypto.js';
import { buildRepository, seedOf, tempDir } from './fixture.js';
import type { SuiteContext, SuiteResult } from './foundation.js';
import { generateBase, generateModified, type Truth } from './gen.js';
import { daffDiff, DuckDiff, gitAdd, gnuDiff, type LineCounts, type RowCounts, type TableFormat, type Timed } from './peers.js';
import { fmt, summarize, type Figure, type PeerRow } from './report.js';

/** The change between version 1 and 2 (the issue's workload), the same at every scale. */
const CHANGES = { edits: 100, inserts: 50, deletes: 50 } as const;
const SEED = { base: 1, v2: 2, shuffle: 3 } as const;
const DATASET = 'bench';

export const DATASET_GOALS = {
  storedVsDuckDB: 20, // stored diff at least 20× faster than DuckDB's join
  plainVsDuckDB: 1, // plain-file diff at least as fast
  shuffledVsDuckDB: 0.5, // shuffled plain-file diff within 2× of DuckDB
  commitVsGit: 1 / 0.75, // commit at most 0.75× the time of git add
  commitRssMB: 300,
  newBytesPercent: 1, // a version 2 with 200 changed rows stores at most 1% new bytes
  tenMillionVsOneMillion: 2, // a stored diff at 10M rows takes at most 2× its time at 1M
} as const;

// ---- our side: everything the suite asks of Cognify goes through here ----------------------------

/** Row keys as the API reads them: column names for CSV, a JSON pointer for JSONL (src/diff/keys.ts). */
const OUR_KEY: Record<TableFormat, string> = { csv: 'id', jsonl: '/id' };
/** The key column for the peers. */
const PEER_KEY = 'id';

export interface OurCounts extends RowCounts {
  moved: number;
  unchanged: number;
}

interface CommitFigures {
  rows: number;
  bytes: number;
  newBytes: number;
  chunks: number;
  newChunks: number;
  created: boolean;
}

/** The adapter: the two calls of issue 3's API the suite makes. */
export const ours = {
  async commit(repo: Repo, o: { name: string; input: string; key: string }): Promise<CommitFigures> {
    const r = await repo.datasets.commit({ name: o.name, input: o.input, key: o.key, message: 'bench', signer: seedSigner(nodeProvider, seedOf(0)) });
    return { rows: r.rows, bytes: r.bytes, newBytes: r.newBytes, chunks: r.chunks, newChunks: r.newChunks, created: r.created };
  },
  async diffStat(repo: Repo, a: string, b: string, o: { key: string; tmpDir: string }): Promise<OurCounts> {
    const s = await repo.diffStat(a, b, { key: o.key, tmpDir: o.tmpDir });
    return { added: s.added, removed: s.removed, modified: s.modified, moved: s.moved, unchanged: s.unchanged };
  },
};

// ---- the child process -------------------------------------------------------------------------

type ChildJob =
  | { op: 'commit'; repo: string; input: string; key: string }
  | { op: 'diff'; repo: string; a: string; b: string; key: string; tmpDir: string };

interface ChildResult {
  ms: number;
  /** Peak resident set of the child process, MB (10^6 bytes). */
  rssMB: number;
  commit?: CommitFigures;
  diff?: OurCounts;
}

const THIS_FILE = fileURLToPath(import.meta.url);

async function childMain(job: ChildJob): Promise<void> {
  const repo = await openRepo({ dir: job.repo });
  try {
    const t0 = performance.now();
    const out: Omit<ChildResult, 'ms' | 'rssMB'> =
      job.op === 'commit' ? { commit: await ours.commit(repo, { name: DATASET, input: job.input, key: job.key }) } : { diff: await ours.diffStat(repo, job.a, job.b, job) };
    const ms = performance.now() - t0;
    const result: ChildResult = { ms, rssMB: peakRssMB(), ...out };
    process.stdout.write(JSON.stringify(result) + '\n');
  } finally {
    await repo.close();
  }
}

/** Run one operation of ours in a fresh `node`, with its temp files in `cwd`. */
function ourChild(job: ChildJob, cwd: string): Promise<ChildResult> {
  return runChild<ChildResult>(THIS_FILE, job, { cwd, what: `our ${job.op} (${job.op === 'commit' ? job.input : `${job.a} → ${job.b}`})` });
}

// ---- files ----------------------------------------------------------------------------------------

interface CaseFiles {
  base: string;
  v2: string;
  shuffled?: string;
  bytes: number;
  truth: Truth;
}

async function makeFiles(ctx: SuiteContext, dir: string, format: TableFormat, rows: number, shuffle: boolean): Promise<CaseFiles> {
  const t0 = performance.now();
  const base = join(dir, `base.${format}`);
  const v2 = join(dir, `v2.${format}`);
  // No multiline fields: GNU diff counts lines, and the cross-check wants one row per line.
  const g = await generateBase({ format, rows, seed: SEED.base, out: base });
  const truth = await generateModified({ from: base, out: v2, seed: SEED.v2, ...CHANGES });
  let shuffled: string | undefined;
  if (shuffle) {
    shuffled = join(dir, `shuffled.${format}`);
    await generateModified({ from: base, out: shuffled, seed: SEED.shuffle, edits: 0, inserts: 0, deletes: 0, shuffle: true });
  }
  ctx.log(`  generated ${format.toUpperCase()} ${fmt(rows)} rows (${fmt(g.bytes / 1e6)} MB), v2${shuffle ? ' and a shuffle' : ''} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return { base, v2, ...(shuffled ? { shuffled } : {}), bytes: g.bytes, truth };
}

// ---- one case ---------------------------------------------------------------------------------------

interface CaseSpec {
  id: string;
  format: TableFormat;
  rows: number;
  /** Runs of our stored diff. */
  storedRuns: number;
  /** Runs of our plain-file diffs and of DuckDB and GNU diff. */
  runs: number;
  /** Commits of version 1 into fresh repositories (timed, with peak RSS); the last one is kept. */
  commitRuns: number;
  /** Time `git add` of the base file after each commit run. */
  gitAdd: boolean;
  shuffle: boolean;
  daff: boolean;
  /** The case the issue's goals are stated for (1M rows at scale 1). */
  goals: boolean;
  /** Hold this case to the size-independent goals too (commit RSS, new bytes of v2). */
  limits: boolean;
}

interface CaseResult {
  spec: CaseSpec;
  files: CaseFiles;
  commits: ChildResult[];
  v2: ChildResult;
  git: number[];
  stored: ChildResult[];
  plain: ChildResult[];
  shuffled: ChildResult[];
  duck: Timed<RowCounts>[];
  duckShuffled: Timed<RowCounts>[];
  gnu: Timed<LineCounts>[];
  daff: Timed<RowCounts>[];
  sql: string;
}

/**
 * Our slow operations stop repeating once a series has taken SERIES_BUDGET_MS, so that the default
 * run stays near 10 minutes however slow they are: a 15 s commit still gets 3 runs, a 25 s one 2.
 * The peers' runs are cheap and always complete.
 */
const SERIES_BUDGET_MS = 40_000;
const more = (done: readonly { ms: number }[], max: number): boolean => done.length < max && done.reduce((t, x) => t + x.ms, 0) < SERIES_BUDGET_MS;

async function runCase(ctx: SuiteContext, work: string, duck: DuckDiff, spec: CaseSpec): Promise<CaseResult> {
  const dir = join(work, spec.id);
  await mkdir(dir, { recursive: true });
  ctx.log(`datasets: ${spec.format.toUpperCase()}, ${fmt(spec.rows)} rows ...`);
  try {
    const files = await makeFiles(ctx, dir, spec.format, spec.rows, spec.shuffle);
    const key = OUR_KEY[spec.format];
    const commits: ChildResult[] = [];
    const git: number[] = [];

    // Commit: version 1 into a fresh repository each run, `git add` of the same file alternating.
    let repo = '';
    for (let i = 0; i < spec.commitRuns; i++) {
      let line = `  run ${i + 1}/${spec.commitRuns}:`;
      if (more(commits, spec.commitRuns)) {
        if (repo) await rm(repo, { recursive: true, force: true });
        repo = join(dir, `repo-${i}`);
        await buildRepository({ dir: repo, identities: 0, admins: 1, roleActions: 0 });
        const c = await ourChild({ op: 'commit', repo, input: files.base, key }, dir);
        commits.push(c);
        line += ` commit v1 ${(c.ms / 1000).toFixed(2)} s, peak RSS ${fmt(c.rssMB)} MB;`;
      }
      if (spec.gitAdd) {
        const gitDir = join(dir, `git-${i}`);
        const g = await gitAdd(files.base, gitDir);
        await rm(gitDir, { recursive: true, force: true });
        git.push(g.ms);
        line += ` git add ${(g.ms / 1000).toFixed(2)} s`;
      }
      ctx.log(line);
    }
    const v2 = await ourChild({ op: 'commit', repo, input: files.v2, key }, dir);
    ctx.log(`  commit v2: ${(v2.ms / 1000).toFixed(2)} s, ${fmt(v2.commit!.newBytes)} new bytes of ${fmt(v2.commit!.bytes)}`);

    // Diffs, ours and the peers' interleaved so that a busy spell on the machine hits them alike.
    const tmpDir = dir;
    const sql = await duck.sql(spec.format, files.base, files.v2, PEER_KEY);
    const r: CaseResult = { spec, files, commits, v2, git, stored: [], plain: [], shuffled: [], duck: [], duckShuffled: [], gnu: [], daff: [], sql };
    const sqlShuffled = files.shuffled ? await duck.sql(spec.format, files.base, files.shuffled, PEER_KEY) : '';
    for (let i = 0; i < Math.max(spec.storedRuns, spec.runs); i++) {
      const parts: string[] = [];
      const sec = (x: { ms: number }) => `${(x.ms / 1000).toFixed(2)} s`;
      if (more(r.stored, spec.storedRuns)) {
        r.stored.push(await ourChild({ op: 'diff', repo, a: `${DATASET}@1`, b: `${DATASET}@2`, key, tmpDir }, dir));
        parts.push(`stored ${sec(r.stored.at(-1)!)}`);
      }
      if (i < spec.runs) {
        if (more(r.plain, spec.runs)) {
          r.plain.push(await ourChild({ op: 'diff', repo, a: files.base, b: files.v2, key, tmpDir }, dir));
          parts.push(`plain ${sec(r.plain.at(-1)!)}`);
        }
        r.duck.push(await duck.run(r.sql));
        r.gnu.push(await gnuDiff(files.base, files.v2));
        parts.push(`DuckDB ${sec(r.duck[i]!)}`, `GNU diff ${sec(r.gnu[i]!)}`);
        if (files.shuffled) {
          if (more(r.shuffled, spec.runs)) {
            r.shuffled.push(await ourChild({ op: 'diff', repo, a: files.base, b: files.shuffled, key, tmpDir }, dir));
            parts.push(`shuffled: ours ${sec(r.shuffled.at(-1)!)} (${fmt(r.shuffled.at(-1)!.rssMB)} MB)`);
          }
          r.duckShuffled.push(await duck.run(sqlShuffled));
          parts.push(`shuffled: DuckDB ${sec(r.duckShuffled[i]!)}`);
        }
      }
      ctx.log(`  diff run ${i + 1}: ${parts.join(', ')}`);
    }
    if (spec.daff) {
      // One run per format: 5–20 s each at 100k rows (it holds both tables as JS arrays).
      r.daff.push(await daffDiff(spec.format, files.base, files.v2, PEER_KEY));
      ctx.log(`  daff: ${(r.daff[0]!.ms / 1000).toFixed(1)} s`);
    }
    return r;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// ---- cross-check ----------------------------------------------------------------------------------

const countsText = (c: RowCounts): string => `added ${c.added}, removed ${c.removed}, modified ${c.modified}`;
const sameCounts = (a: RowCounts, b: RowCounts): boolean => a.added === b.added && a.removed === b.removed && a.modified === b.modified;

/** Every tool against gen.ts's record of what it changed; one message per disagreement. */
function crossCheck(r: CaseResult): string[] {
  const t = r.files.truth;
  const expected: RowCounts = { added: t.inserted.length, removed: t.deleted.length, modified: t.modified.length };
  const none: RowCounts = { added: 0, removed: 0, modified: 0 };
  const where = `${r.spec.format.toUpperCase()} ${fmt(r.spec.rows)} rows`;
  const out: string[] = [];
  const check = (tool: string, want: RowCounts, got: readonly RowCounts[]) => {
    for (const g of got) if (!sameCounts(want, g)) return void out.push(`${where}: ${tool} found ${countsText(g)}; the generator made ${countsText(want)}`);
  };
  check('our stored diff (bench@1 → bench@2)', expected, r.stored.map((x) => x.diff!));
  check('our plain-file diff', expected, r.plain.map((x) => x.diff!));
  check('our plain-file diff of the shuffle', none, r.shuffled.map((x) => x.diff!));
  check('DuckDB', expected, r.duck.map((x) => x.value));
  check('DuckDB on the shuffle', none, r.duckShuffled.map((x) => x.value));
  check('daff', expected, r.daff.map((x) => x.value));
  const lines = { left: expected.removed + expected.modified, right: expected.added + expected.modified };
  for (const g of r.gnu) {
    if (g.value.left !== lines.left || g.value.right !== lines.right) {
      out.push(`${where}: GNU diff printed ${g.value.left} "<" and ${g.value.right} ">" lines; expected removed + modified = ${lines.left} and added + modified = ${lines.right}`);
      break;
    }
  }
  for (const c of [...r.commits, r.v2]) {
    const want = c === r.v2 ? t.out.rows : t.base.rows;
    if (c.commit!.rows !== want) out.push(`${where}: our commit recorded ${c.commit!.rows} rows, the file has ${want}`);
    if (!c.commit!.created) out.push(`${where}: our commit created no version`);
  }
  return out;
}

// ---- figures and the comparison table --------------------------------------------------------------

const med = (xs: readonly number[]): number => summarize(xs).median;
const secs = (ms: number): string => (Number.isFinite(ms) ? `${fmt(ms / 1000)} s` : '—');
const times = (x: number): string => (Number.isFinite(x) ? `${x >= 10 ? x.toFixed(0) : x.toFixed(2)}×` : '—');

function caseName(s: CaseSpec, files?: CaseFiles): string {
  return `${s.format.toUpperCase()} ${fmt(s.rows)} rows${files ? ` (${fmt(files.bytes / 1e6)} MB)` : ''}`;
}

function caseFigures(r: CaseResult): Figure[] {
  const s = r.spec;
  const group = `datasets, ${caseName(s, r.files)}; v2: ${CHANGES.edits} modified, ${CHANGES.inserts} inserted, ${CHANGES.deletes} deleted`;
  const f = (name: string, unit: string, samples: number[], extra: Partial<Figure> = {}): Figure[] => (samples.length ? [{ group, name, unit, samples, ...extra }] : []);
  const s1000 = (xs: { ms: number }[]) => xs.map((x) => x.ms / 1000);
  return [
    ...f('ours: commit v1 (fresh repository)', 's', s1000(r.commits)),
    ...f('git add of the same file (fresh repository)', 's', r.git.map((x) => x / 1000)),
    ...f('ours: commit v1, peak RSS of the process', 'MB', r.commits.map((c) => c.rssMB), s.limits ? { goal: { op: '<=', value: DATASET_GOALS.commitRssMB } } : {}),
    ...f('ours: commit v2', 's', [r.v2.ms / 1000]),
    ...f('ours: commit v2, new bytes stored', '% of file', [(100 * r.v2.commit!.newBytes) / r.v2.commit!.bytes], s.limits ? { goal: { op: '<=', value: DATASET_GOALS.newBytesPercent } } : {}),
    ...f('ours: diff bench@1 → bench@2 (stored)', 's', s1000(r.stored)),
    ...f('ours: diff of the two plain files', 's', s1000(r.plain)),
    ...f('DuckDB FULL OUTER JOIN of the two files', 's', s1000(r.duck)),
    ...f('GNU diff', 's', s1000(r.gnu)),
    ...f('daff (in-process, one run)', 's', s1000(r.daff)),
    ...f('ours: plain-file diff, base vs its shuffle', 's', s1000(r.shuffled)),
    ...f('ours: plain-file diff of the shuffle, peak RSS', 'MB', r.shuffled.map((c) => c.rssMB)),
    ...f('DuckDB, base vs its shuffle', 's', s1000(r.duckShuffled)),
  ];
}

function goalRow(row: Omit<PeerRow, 'met'>, value: number, op: '>=' | '<=', target: number, active: boolean): PeerRow {
  if (!active || !Number.isFinite(value)) return { ...row, goal: active ? row.goal : '—' };
  return { ...row, met: op === '>=' ? value >= target : value <= target };
}

function caseRows(r: CaseResult): PeerRow[] {
  const s = r.spec;
  const name = caseName(s);
  const g = s.goals;
  const gnu = secs(med(r.gnu.map((x) => x.ms)));
  const daff = r.daff.length ? secs(med(r.daff.map((x) => x.ms))) : '—';
  const duck = med(r.duck.map((x) => x.ms));
  const rows: PeerRow[] = [];
  const stored = med(r.stored.map((x) => x.ms));
  rows.push(goalRow({ case: `diff of two stored versions, ${name}`, ours: secs(stored), peer: secs(duck), ratio: times(duck / stored), gnuDiff: gnu, daff, goal: `≥ ${DATASET_GOALS.storedVsDuckDB}× DuckDB` }, duck / stored, '>=', DATASET_GOALS.storedVsDuckDB, g));
  const plain = med(r.plain.map((x) => x.ms));
  rows.push(goalRow({ case: `diff of two plain files, ${name}`, ours: secs(plain), peer: secs(duck), ratio: times(duck / plain), gnuDiff: gnu, daff, goal: `≥ ${DATASET_GOALS.plainVsDuckDB}× DuckDB` }, duck / plain, '>=', DATASET_GOALS.plainVsDuckDB, g));
  if (r.shuffled.length) {
    const sh = med(r.shuffled.map((x) => x.ms));
    const dsh = med(r.duckShuffled.map((x) => x.ms));
    const rss = Math.max(...r.shuffled.map((x) => x.rssMB));
    rows.push(
      goalRow(
        { case: `plain files, base vs its shuffle, ${name}`, ours: `${secs(sh)}, peak RSS ${fmt(rss)} MB`, peer: secs(dsh), ratio: times(dsh / sh), gnuDiff: 'not run', daff: '—', goal: `≥ ${DATASET_GOALS.shuffledVsDuckDB}× DuckDB (within 2×)` },
        dsh / sh,
        '>=',
        DATASET_GOALS.shuffledVsDuckDB,
        g,
      ),
    );
  }
  if (r.git.length) {
    const c = med(r.commits.map((x) => x.ms));
    const git = med(r.git);
    rows.push(goalRow({ case: `commit v1, ${name}`, ours: secs(c), peer: `git add ${secs(git)}`, ratio: times(git / c), gnuDiff: '—', daff: '—', goal: `≤ 0.75× git add (ratio ≥ ${times(DATASET_GOALS.commitVsGit)})` }, git / c, '>=', DATASET_GOALS.commitVsGit, g));
  }
  const rss = Math.max(...[...r.commits, r.v2].map((x) => x.rssMB));
  rows.push(goalRow({ case: `commit v1 and v2, peak RSS, ${name}`, ours: `${fmt(rss)} MB`, peer: '—', ratio: '—', gnuDiff: '—', daff: '—', goal: `≤ ${DATASET_GOALS.commitRssMB} MB` }, rss, '<=', DATASET_GOALS.commitRssMB, s.limits));
  const v2 = r.v2.commit!;
  const pct = (100 * v2.newBytes) / v2.bytes;
  rows.push(
    goalRow(
      { case: `commit v2 (${CHANGES.edits + CHANGES.inserts + CHANGES.deletes} rows changed), new bytes, ${name}`, ours: `${fmt(pct)} % (${fmt(v2.newChunks)} of ${fmt(v2.chunks)} chunks)`, peer: '—', ratio: '—', gnuDiff: '—', daff: '—', goal: `≤ ${DATASET_GOALS.newBytesPercent} %` },
      pct,
      '<=',
      DATASET_GOALS.newBytesPercent,
      s.limits,
    ),
  );
  return rows;
}

function scalingRow(main: CaseResult | undefined, big: CaseResult | undefined): PeerRow {
  const base = { peer: '—', gnuDiff: '—', daff: '—', goal: `10M ≤ ${DATASET_GOALS.tenMillionVsOneMillion}× the 1M time` };
  if (!main || !big) return { ...base, case: 'diff of two stored versions, 10M rows vs 1M', ours: 'not run (BENCH_10M=1 runs it)', ratio: '—' };
  const t1 = med(main.stored.map((x) => x.ms));
  const t10 = med(big.stored.map((x) => x.ms));
  return goalRow({ ...base, case: `diff of two stored versions, ${caseName(big.spec)} vs ${fmt(main.spec.rows)}`, ours: `${secs(t10)} vs ${secs(t1)}`, ratio: times(t10 / t1) }, t10 / t1, '<=', DATASET_GOALS.tenMillionVsOneMillion, true);
}

// ---- the suite -------------------------------------------------------------------------------------

export interface DatasetSuiteResult extends SuiteResult {
  /** The comparison table (RESULTS.md "Datasets"). */
  rows: PeerRow[];
  /** The DuckDB queries, one per format, as run on the main case. */
  sql: { format: TableFormat; sql: string }[];
  /** Count disagreements between tools: any fails the run. */
  problems: string[];
}

function plan(ctx: SuiteContext): CaseSpec[] {
  const rows = (n: number, min: number) => Math.max(min, Math.round(n * ctx.scale));
  const tenM = process.env.BENCH_10M === '1' || ctx.scale <= 0.1;
  const specs: CaseSpec[] = [];
  for (const format of ['csv', 'jsonl'] as const) {
    specs.push({ id: `${format}-small`, format, rows: rows(100_000, 2_000), storedRuns: 3, runs: 3, commitRuns: 1, gitAdd: false, shuffle: false, daff: true, goals: false, limits: false });
  }
  for (const format of ['csv', 'jsonl'] as const) {
    specs.push({ id: `${format}-main`, format, rows: rows(1_000_000, 10_000), storedRuns: 3, runs: 3, commitRuns: 3, gitAdd: true, shuffle: true, daff: false, goals: true, limits: true });
  }
  // 10M: one commit each of v1 and v2 (about a minute each), three stored diffs (the figure the
  // goal is about), one run of everything else.
  if (tenM) specs.push({ id: 'csv-10m', format: 'csv', rows: rows(10_000_000, 100_000), storedRuns: 3, runs: 1, commitRuns: 1, gitAdd: false, shuffle: false, daff: false, goals: false, limits: true });
  return specs;
}

export async function datasetSuite(ctx: SuiteContext): Promise<DatasetSuiteResult> {
  const specs = plan(ctx);
  const tmp = await tempDir('datasets');
  const started = performance.now();
  const results: CaseResult[] = [];
  const failures: string[] = [];
  try {
    const duck = await DuckDiff.open({ tempDir: tmp.dir });
    try {
      for (const spec of specs) {
        try {
          results.push(await runCase(ctx, tmp.dir, duck, spec));
        } catch (e) {
          // One failing case should not cost the others' figures; the run still fails at the end.
          const msg = `${caseName(spec)}: the case failed: ${(e as Error)?.message ?? String(e)}`;
          ctx.log(`  ${msg}`);
          failures.push(msg);
        }
      }
    } finally {
      duck.close();
    }
  } finally {
    await tmp.remove();
  }
  const main = results.filter((r) => r.spec.goals);
  const mainCsv = main.find((r) => r.spec.format === 'csv');
  const big = results.find((r) => r.spec.id === 'csv-10m');
  const problems = [...failures, ...results.flatMap(crossCheck)];
  const took = (performance.now() - started) / 1000;
  return {
    figures: results.flatMap(caseFigures),
    rows: [...results.flatMap(caseRows), scalingRow(mainCsv, big)],
    sql: main.map((r) => ({ format: r.spec.format, sql: r.sql })),
    problems,
    facts: [
      `Dataset suite (${took.toFixed(0)} s): files from bench/gen.ts (seeds ${SEED.base}, ${SEED.v2}, ${SEED.shuffle}; no multiline fields), cases ${results.map((r) => caseName(r.spec, r.files)).join('; ')}. ` +
        `Version 2 has ${CHANGES.edits} rows modified, ${CHANGES.inserts} inserted and ${CHANGES.deletes} deleted; every tool's counts were checked against the generator's list of changed ids${problems.length ? ` and ${problems.length} disagreed` : ' and all agreed'}.`,
      `Ours: each commit and diff runs in its own \`node\` process (repo.datasets.commit, repo.diffStat with key id or /id), timed around the call alone; peak RSS is that process's getrusage maxRSS, Node and the library included; a series of our runs stops early once it has taken ${SERIES_BUDGET_MS / 1000} s (see "runs"). ` +
        'Commit runs go to a fresh repository each time, as does `git add` (git init, the file hard-linked in, `git add` timed: SHA-1 and zlib into a loose object).',
      'DuckDB: @duckdb/node-api in the bench process, in-memory, default threads (all cores), one FULL OUTER JOIN query per diff reading both files (the queries are below). GNU diff: /usr/bin/diff a b, "<" and ">" lines counted from its stdout as it streams; not run on the shuffle (a line diff of a reordered file says nothing about rows). ' +
        'daff: daff 1.4 as a library (its CSV or NDJSON reader, compareTables keyed on id, TableDiff summary), one run per format at the smallest size only, file reading and parsing included.',
      `Ratios are the peer's median time over ours (above 1: ours is faster). The 10M-row case ${big ? `ran (${caseName(big.spec, big.files)})` : 'did not run; BENCH_10M=1 adds it (about 10 minutes more)'}.`,
    ],
  };
}

// node dist/bench/datasets.js --child '<job>'   (spawned by ourChild, bench/child.ts)
if (process.argv[2] === '--child' && process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  childMain(JSON.parse(process.argv[3] ?? '{}') as ChildJob).catch((e: unknown) => {
    process.stderr.write(`${(e as Error)?.stack ?? String(e)}\n`);
    process.exitCode = 1;
  });
}
