// Scale (issue 9, point 4): how commit, diff, verify, export, log proofs and bundles grow with the
// size of what they handle, and whether memory stays bounded. `npm run bench:scale` runs the
// cases, checks each curve against what DESIGN.md says it should do, writes bench/scale.json and
// puts the curves in bench/RESULTS.md (the section between the scale markers, which `npm run
// bench` keeps). A check that fails makes the run exit 1.
//
// Cases (SCALE_CASES, comma-separated; all by default):
//   rows      CSV datasets of 100k, 1M and 10M rows, version 2 with 200 rows changed
//   big       one file of SCALE_BIG_GB gigabytes (default 5), committed, diffed, verified, exported
//   row       a JSONL file with one row of SCALE_ROW_MB megabytes (default 50)
//   versions  1,000 → 10,000 → 100,000 versions of one small dataset
//   log       10,000 → 100,000 → 1,000,000 log entries
// SCALE_ROWS, SCALE_VERSIONS, SCALE_LOG override a case's points (comma-separated numbers);
// SCALE_OUT=dir writes the results there instead (for trial runs at small sizes);
// SCALE_HEAP_MB caps each operation's V8 heap (default 256); SCALE_LOG_BUNDLE_MAX (default
// 100,000) is the largest log the case bundles and imports.
//
// Every measured operation runs in a fresh `node` (this file with --child), so its peak RSS
// (VmHWM) and peak anonymous memory (RssAnon, sampled) are that operation's alone,
// Node and the library included; the bounds are checked on the anonymous memory (see watchAnon),
// since RSS also counts LevelDB's mmapped table files; the child times the
// library call from opening the repository (a few ms) to its end, not Node's start. Builders that grow a repository (versions, log) run in this process, and the
// repository is closed while a child works on it.
import { getHeapStatistics } from 'node:v8';
import { peakRssMB, runChild } from './child.js';
import { createWriteStream, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initRepo } from '../src/api/init-repo.js';
import { openRepo } from '../src/api/open-repo.js';
import { createBundle, importBundle } from '../src/api/bundles.js';
import { createIdentity } from '../src/chain/identity.js';
import { seedSigner } from '../src/chain/signer.js';
import { nodeProvider } from '../src/node/node-crypto.js';
import { buildRepository, openFixture, roleAction, seedOf, tempDir, type Fixture } from './fixture.js';
import { benchJsonlRow, generateBase, generateModified, Rng } from './gen.js';
import { fmt, gitCommit, machineInfo, machineMarkdown, summarize } from './report.js';

const THIS_FILE = fileURLToPath(import.meta.url);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** SCALE_OUT=dir: a trial run writes its scale.json and RESULTS.md there, not over the checked-in ones. */
const OUT = process.env.SCALE_OUT ?? join(ROOT, 'bench');
const JSON_FILE = join(OUT, 'scale.json');
const RESULTS_FILE = join(OUT, 'RESULTS.md');
export const SCALE_START = '<!-- scale: written by npm run bench:scale (bench/scale.ts) from bench/scale.json -->';
export const SCALE_END = '<!-- scale: end -->';

const log = (m: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${m}\n`);
const signer = () => seedSigner(nodeProvider, seedOf(0));

// ---- the child: one operation, timed, with its peak RSS ---------------------------------------

type Job =
  | { op: 'commit'; repo: string; input: string; name: string; key: string }
  | { op: 'diff'; repo: string; a: string; b: string; key?: string; tmpDir: string }
  | { op: 'verify'; repo: string }
  | { op: 'export'; repo: string; ref: string }
  | { op: 'resolve'; repo: string; ref: string }
  | { op: 'proofs'; repo: string; samples: number }
  | { op: 'bundle-create'; repo: string; file: string }
  | { op: 'bundle-import'; file: string; dir: string };

interface Measured {
  ms: number;
  /** Peak RSS (getrusage), file-backed pages included. */
  rssMB: number;
  /** Peak anonymous memory, sampled. */
  anonMB: number;
  /** Peak V8 heap in use after a full collection (forced every 2 s). */
  liveMB: number;
  /** Peak of anonymous memory less the V8 heap: what the heap cap does not bound. */
  offHeapMB: number;
  [k: string]: number;
}

/**
 * Peak memory, sampled every 20 ms. `anon`: anonymous memory (RssAnon in /proc/self/status), what
 * the process holds; getrusage's peak RSS also counts file-backed pages, and LevelDB reads its
 * table files through mmap, so reading a 1.5 GB database shows up to 1 GB of page cache in RSS.
 * `offHeap`: anonymous memory less the V8 heap's pages at the same moment: buffers, LevelDB,
 * worker threads, the allocator's free lists. `live`: the V8 heap in use just after a full
 * collection (forced at the start, every 2 s and at the end; --expose-gc): what the code holds on the heap, without the
 * garbage V8 lets pile up toward the cap on a long run.
 */
function watchMemory(): () => { anonMB: number; offHeapMB: number; liveMB: number } {
  const anon = () => {
    const m = /RssAnon:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  };
  const peak = { anon: 0, offHeap: 0, live: 0 };
  const sample = () => {
    const a = anon();
    peak.anon = Math.max(peak.anon, a);
    peak.offHeap = Math.max(peak.offHeap, a - getHeapStatistics().total_physical_size);
  };
  const collect = () => {
    (globalThis as { gc?: () => void }).gc!();
    peak.live = Math.max(peak.live, getHeapStatistics().used_heap_size);
  };
  sample();
  collect();
  const timers = [setInterval(sample, 20), setInterval(collect, 2000)];
  for (const t of timers) t.unref();
  return () => {
    for (const t of timers) clearInterval(t);
    sample();
    collect();
    return { anonMB: peak.anon / 1e6, offHeapMB: peak.offHeap / 1e6, liveMB: peak.live / 1e6 };
  };
}

async function child(job: Job): Promise<void> {
  const memory = watchMemory();
  let out: Record<string, number> = {};
  const t0 = performance.now();
  if (job.op === 'bundle-import') {
    const r = await importBundle(job.file, job.dir);
    out = { imported: r.imported };
  } else {
    const repo = await openRepo({ dir: job.repo });
    try {
      if (job.op === 'commit') {
        const r = await repo.datasets.commit({ name: job.name, input: job.input, key: job.key, message: 'scale', signer: signer() });
        out = { rows: r.rows, bytes: r.bytes, newBytes: r.newBytes };
      } else if (job.op === 'diff') {
        const s = await repo.diffStat(job.a, job.b, { ...(job.key ? { key: job.key } : {}), tmpDir: job.tmpDir });
        out = { added: s.added, removed: s.removed, modified: s.modified };
      } else if (job.op === 'verify') {
        const r = await repo.verify();
        if (!r.ok) throw new Error(`verify failed: ${JSON.stringify(r.problems.slice(0, 3))}`);
        out = { entries: r.logEntries, objects: r.objects, chunks: r.chunks };
      } else if (job.op === 'export') {
        let bytes = 0;
        for await (const piece of repo.datasets.export(job.ref)) bytes += piece.length;
        out = { bytes };
      } else if (job.op === 'resolve') {
        out = { rows: (await repo.datasets.resolve(job.ref)).version.rows };
      } else if (job.op === 'proofs') {
        const size = await repo.logSize();
        const rng = new Rng(7);
        const inc: number[] = [];
        const con: number[] = [];
        for (let i = 0; i < job.samples; i++) {
          let t = performance.now();
          await repo.logProof(rng.int(size));
          inc.push(performance.now() - t);
          t = performance.now();
          await repo.logConsistency(1 + rng.int(size - 1));
          con.push(performance.now() - t);
        }
        out = { inclusionMs: summarize(inc).median, consistencyMs: summarize(con).median, size };
      } else if (job.op === 'bundle-create') {
        out = { bytes: (await createBundle(repo, { file: job.file, signer: signer() })).bytes };
      }
    } finally {
      await repo.close();
    }
  }
  const ms = performance.now() - t0;
  process.stdout.write(JSON.stringify({ ms, rssMB: peakRssMB(), ...memory(), ...out }) + '\n');
}

/**
 * The V8 heap a child may use (MB). Peak RSS alone does not show whether memory is bounded: V8
 * grows its heap lazily while memory is plentiful, so RSS rises with the work even when what is
 * live does not. Under a fixed cap an operation that held O(n) would run out of heap at the large
 * points and fail the run; one that is bounded finishes, and its RSS stays near the cap.
 */
const HEAP_MB = Number(process.env.SCALE_HEAP_MB ?? 256);
/** The log case makes and imports a bundle up to this many entries. */
const BUNDLE_MAX = Number(process.env.SCALE_LOG_BUNDLE_MAX ?? 100_000);

/** Runs `job` in its own process, measured (child). */
async function run(job: Job, cwd: string, heapMB = HEAP_MB): Promise<Measured> {
  const m = await runChild<Measured>(THIS_FILE, job, { cwd, what: job.op, nodeArgs: [`--max-old-space-size=${heapMB}`, '--expose-gc'] });
  log(`    ${job.op}: ${(m.ms / 1000).toFixed(2)} s, peak RSS ${fmt(m.rssMB)} MB, anonymous ${fmt(m.anonMB)} MB (live heap ${fmt(m.liveMB)} MB, off the heap ${fmt(m.offHeapMB)} MB)`);
  return m;
}

/** A point's memory figures of one operation: `<op>Rss`, `<op>Anon`, `<op>Live`, `<op>Off`. */
const mem = (op: string, m: Measured): Record<string, number> => ({ [`${op}Rss`]: m.rssMB, [`${op}Anon`]: m.anonMB, [`${op}Live`]: m.liveMB, [`${op}Off`]: m.offHeapMB });

// ---- results ------------------------------------------------------------------------------------

interface Point {
  x: number;
  [k: string]: number;
}
interface CaseResult {
  /** What x counts. */
  x: string;
  points: Point[];
  notes: string[];
  ranAt: string;
  commit: string;
  seconds: number;
}
interface Check {
  what: string;
  ok: boolean;
  detail: string;
}
type Results = Partial<Record<CaseName, CaseResult>>;
type CaseName = 'rows' | 'big' | 'row' | 'versions' | 'log';

/** `y` at the largest point stays within `factor` × (and `slackMB` above) its value at `ref`. */
function bounded(what: string, pts: Point[], key: string, refX: number, factor: number, slack = 0, unit = 'MB'): Check {
  const ref = pts.find((p) => p.x === refX)?.[key];
  const last = pts[pts.length - 1]!;
  const y = last[key];
  if (ref === undefined || y === undefined) return { what, ok: false, detail: `no ${key} at ${fmt(refX)} or ${fmt(last.x)}` };
  const limit = ref * factor + slack;
  return { what, ok: y <= limit, detail: `${fmt(y)} ${unit} at ${fmt(last.x)} vs ${fmt(ref)} ${unit} at ${fmt(refX)} (limit ${fmt(limit)} ${unit})` };
}

/**
 * Memory of `op` bounded from the point at `refX` to the largest, in its two parts, each within
 * 1.25× (+64 MB) of its value at `refX`: the live heap (after a full collection), and the peak off
 * the heap. Anonymous memory as a whole is reported, not checked: on a long run V8 lets garbage
 * fill the heap toward its cap before collecting, so a ratio on it fails operations that are bounded.
 */
function memoryBounded(what: string, pts: Point[], op: string, refX: number): Check {
  const live = bounded(what, pts, `${op}Live`, refX, 1.25, 64);
  const off = bounded(what, pts, `${op}Off`, refX, 1.25, 64);
  const last = pts[pts.length - 1]!;
  return { what, ok: live.ok && off.ok, detail: `live heap ${live.detail}; off the heap ${off.detail}; anonymous ${fmt(last[`${op}Anon`] ?? NaN)} MB in all at ${fmt(last.x)}` };
}

// ---- cases --------------------------------------------------------------------------------------

const points = (env: string | undefined, dflt: number[]) => (env ? env.split(',').map(Number) : dflt);

async function newRepo(dir: string) {
  const s = signer();
  return initRepo({ dir, signer: s, identity: createIdentity(nodeProvider, s, { name: 'Scale', email: 'admin@bench.example', created: '2026-01-01T00:00:00.000Z' }), name: 'scale' });
}

/** A dataset of `rows` CSV rows in two versions (200 rows changed): commit, diff, verify, export, bundle. */
async function datasetCurve(dir: string, rows: number, opts: { bundle: boolean }): Promise<Point> {
  const base = join(dir, 'base.csv');
  const v2 = join(dir, 'v2.csv');
  const t = performance.now();
  const g = await generateBase({ format: 'csv', rows, seed: 1, out: base });
  await generateModified({ from: base, out: v2, seed: 2, edits: 100, inserts: 50, deletes: 50 });
  log(`  ${fmt(rows)} rows: generated ${fmt(g.bytes / 1e6)} MB twice in ${((performance.now() - t) / 1000).toFixed(0)} s`);
  const repo = join(dir, 'repo');
  await (await newRepo(repo)).close();
  const c1 = await run({ op: 'commit', repo, input: base, name: 'd', key: 'id' }, dir);
  await rm(base);
  const c2 = await run({ op: 'commit', repo, input: v2, name: 'd', key: 'id' }, dir);
  await rm(v2);
  const d = await run({ op: 'diff', repo, a: 'd@1', b: 'd@2', key: 'id', tmpDir: dir }, dir);
  if (d.added !== 50 || d.removed !== 50 || d.modified !== 100) throw new Error(`diff at ${rows} rows: ${d.added}/${d.removed}/${d.modified}, expected 50/50/100`);
  const v = await run({ op: 'verify', repo }, dir);
  const e = await run({ op: 'export', repo, ref: 'd@1' }, dir);
  if (e.bytes !== g.bytes) throw new Error(`export at ${rows} rows gave ${e.bytes} bytes of ${g.bytes}`);
  const p: Point = {
    x: rows,
    fileMB: g.bytes / 1e6,
    commitS: c1.ms / 1000,
    ...mem('commit', c1),
    commit2S: c2.ms / 1000,
    ...mem('commit2', c2),
    newBytesPct: (100 * c2.newBytes!) / c2.bytes!,
    diffS: d.ms / 1000,
    ...mem('diff', d),
    verifyS: v.ms / 1000,
    ...mem('verify', v),
    exportS: e.ms / 1000,
    ...mem('export', e),
  };
  if (opts.bundle) {
    const file = join(dir, 'all.bundle');
    const b = await run({ op: 'bundle-create', repo, file }, dir);
    const i = await run({ op: 'bundle-import', file, dir: join(dir, 'imported') }, dir);
    Object.assign(p, { bundleMB: b.bytes! / 1e6, bundleS: b.ms / 1000, ...mem('bundle', b), importS: i.ms / 1000, ...mem('import', i) });
  }
  return p;
}

async function rowsCase(): Promise<{ result: Omit<CaseResult, 'ranAt' | 'commit' | 'seconds'>; checks: Check[] }> {
  const xs = points(process.env.SCALE_ROWS, [100_000, 1_000_000, 10_000_000]);
  const pts: Point[] = [];
  for (const rows of xs) {
    const tmp = await tempDir('scale-rows');
    try {
      pts.push(await datasetCurve(tmp.dir, rows, { bundle: true }));
    } finally {
      await tmp.remove();
    }
  }
  const mid = xs[xs.length - 2]!;
  const per = pts.map((p) => ({ ...p, commitUsPerRow: (p.commitS! * 1e6) / p.x, verifyUsPerRow: (p.verifyS! * 1e6) / p.x }));
  const checks = [
    memoryBounded('rows: commit memory stays bounded', per, 'commit', mid),
    memoryBounded('rows: stored diff memory stays bounded', per, 'diff', mid),
    memoryBounded('rows: verify memory stays bounded', per, 'verify', mid),
    memoryBounded('rows: export memory stays bounded', per, 'export', mid),
    memoryBounded('rows: bundle create memory stays bounded', per, 'bundle', mid),
    memoryBounded('rows: bundle import memory stays bounded', per, 'import', mid),
    bounded('rows: commit time grows linearly (per row within 1.5×)', per, 'commitUsPerRow', mid, 1.5, 0, 'µs/row'),
    bounded('rows: a stored diff of 200 changed rows grows with the change, not the file (≤ 2×)', per, 'diffS', mid, 2, 0.1, 's'),
  ];
  return {
    result: {
      x: 'rows',
      points: per,
      notes: ['CSV from bench/gen.ts (seed 1), about 155 bytes a row; version 2 has 100 rows modified, 50 inserted and 50 deleted. Each operation in its own process: commit v1 into a new repository, commit v2, `diffStat d@1 d@2` by key id (counts checked: 50/50/100), `verify`, `export d@1` (byte count checked), `createBundle` of the whole repository and `importBundle` of it into a new directory (replay and full verify).'],
    },
    checks,
  };
}

async function bigCase(): Promise<{ result: Omit<CaseResult, 'ranAt' | 'commit' | 'seconds'>; checks: Check[] }> {
  const gb = Number(process.env.SCALE_BIG_GB ?? 5);
  const rows = Math.round((gb * 1e9) / 155.5);
  const tmp = await tempDir('scale-big');
  try {
    const p = await datasetCurve(tmp.dir, rows, { bundle: false });
    // The reference: the rows case's largest point below this file (10M rows). Memory with a fixed
    // cap grows up to it and then stops: the duplicate-key table reaches its 64 MiB at about 2.9M
    // keys (32 MiB at 1M), and LevelDB keeps the index block of every open table, up to 1,000
    // tables (about 45 at 1M rows, 420 at 10M, 1,000 at 5 GB). Against the 1M-row point the check
    // measured those caps filling, not growth: the table alone took the 64 MB of slack.
    const small = (loadResults().rows?.points ?? []).filter((q) => q.x < rows).pop();
    const checks = small
      ? [
          memoryBounded(`big file: commit memory off the heap within 1.25× (+64 MB) of the ${fmt(small.x)}-row commit`, [small, p], 'commit', small.x),
          memoryBounded(`big file: verify memory off the heap within 1.25× (+64 MB) of the ${fmt(small.x)}-row verify`, [small, p], 'verify', small.x),
          memoryBounded(`big file: stored diff memory off the heap within 1.25× (+64 MB) of the ${fmt(small.x)}-row diff`, [small, p], 'diff', small.x),
          memoryBounded(`big file: export memory off the heap within 1.25× (+64 MB) of the ${fmt(small.x)}-row export`, [small, p], 'export', small.x),
        ]
      : [{ what: 'big file: compared with the rows case', ok: false, detail: 'run the rows case first (bench/scale.json has no point below this file)' }];
    return { result: { x: 'rows', points: [p], notes: [`One CSV file of ${fmt(p.fileMB! / 1000)} GB (${fmt(rows)} rows), in two versions as in the rows case; no bundle.`] }, checks };
  } finally {
    await tmp.remove();
  }
}

/** JSONL: 1,000 ordinary rows and, in the middle, one row whose text field is `mb` megabytes. */
async function writeBigRowFile(path: string, mb: number, edit: boolean): Promise<number> {
  const out = createWriteStream(path);
  const write = (s: string) => new Promise<void>((ok) => (out.write(s) ? ok() : out.once('drain', () => ok())));
  const rng = new Rng(11);
  const words = ['patient', 'reported', 'mild', 'symptoms', 'after', 'the', 'second', 'dose', 'and', 'recovered', 'within', 'days'];
  for (let i = 0; i < 1000; i++) {
    if (i === 500 && mb > 0) {
      await write('{"id":"big","text":"');
      const target = mb * 1e6;
      let n = 0;
      let piece = 0;
      while (n < target) {
        let s = '';
        while (s.length < 65536) s += words[rng.int(words.length)] + ' ';
        if (edit && piece === Math.floor(target / 65536 / 2)) s = 'EDITED ' + s.slice(7);
        await write(s);
        n += s.length;
        piece++;
      }
      await write('"}\n');
    }
    const row = benchJsonlRow(1, i);
    await write((edit && i === 7 ? row.replace('"lang":"en"', '"lang":"fr"') : row) + '\n');
  }
  await new Promise<void>((ok, fail) => out.end((e?: Error | null) => (e ? fail(e) : ok())));
  return statSync(path).size;
}

async function rowCase(): Promise<{ result: Omit<CaseResult, 'ranAt' | 'commit' | 'seconds'>; checks: Check[] }> {
  const mb = Number(process.env.SCALE_ROW_MB ?? 50);
  const tmp = await tempDir('scale-row');
  try {
    const dir = tmp.dir;
    const pts: Point[] = [];
    // the heap may hold a few copies of the row (UTF-16 strings are 2 bytes a character)
    const heap = HEAP_MB + 16 * mb;
    for (const size of [0, mb]) {
      const v1 = join(dir, `v1-${size}.jsonl`);
      const v2 = join(dir, `v2-${size}.jsonl`);
      const bytes = await writeBigRowFile(v1, size, false);
      await writeBigRowFile(v2, size, true);
      const repo = join(dir, `repo-${size}`);
      await (await newRepo(repo)).close();
      const c1 = await run({ op: 'commit', repo, input: v1, name: 'r', key: '/id' }, dir, heap);
      const c2 = await run({ op: 'commit', repo, input: v2, name: 'r', key: '/id' }, dir, heap);
      const d = await run({ op: 'diff', repo, a: 'r@1', b: 'r@2', key: '/id', tmpDir: dir }, dir, heap);
      const expected = size ? 2 : 1;
      if (d.modified !== expected || d.added !== 0 || d.removed !== 0) throw new Error(`row case: diff ${d.added}/${d.removed}/${d.modified}, expected 0/0/${expected}`);
      const pd = await run({ op: 'diff', repo: repo, a: v1, b: v2, key: '/id', tmpDir: dir }, dir, heap);
      const v = await run({ op: 'verify', repo }, dir, heap);
      const e = await run({ op: 'export', repo, ref: 'r@2' }, dir, heap);
      pts.push({ x: size, fileMB: bytes / 1e6, commitS: c1.ms / 1000, ...mem('commit', c1), diffS: d.ms / 1000, ...mem('diff', d), plainDiffS: pd.ms / 1000, ...mem('plainDiff', pd), verifyS: v.ms / 1000, ...mem('verify', v), exportS: e.ms / 1000, ...mem('export', e) });
    }
    const [small, big] = pts as [Point, Point];
    // anonymous memory with the row over that without it, in multiples of the row (+16 MB for noise)
    const limit = (key: string, k: number): Check => {
      const over = big[key]! - small[key]!;
      return { what: `one ${mb} MB row: ${COLUMNS[key]} grows by at most ${k}× the row`, ok: over <= k * mb + 16, detail: `${fmt(big[key]!)} MB with the row, ${fmt(small[key]!)} MB without (${fmt(over)} MB more; limit ${fmt(k * mb + 16)} MB)` };
    };
    const checks = [limit('commitAnon', 12), limit('diffAnon', 12), limit('plainDiffAnon', 12), limit('verifyAnon', 4), limit('exportAnon', 4)];
    return { result: { x: 'MB in one row', points: pts, notes: [`JSONL, 1,000 ordinary rows and one row \`{"id":"big","text":…}\` of ${mb} MB (x = 0: the same file without it); version 2 edits the big row and one ordinary row (x = 0: only the ordinary one). Each in its own process: commit v1, commit v2, the stored diff by /id (2 modified), the plain-file diff of the two files, verify, export.`] }, checks };
  } finally {
    await tmp.remove();
  }
}

async function versionsCase(): Promise<{ result: Omit<CaseResult, 'ranAt' | 'commit' | 'seconds'>; checks: Check[] }> {
  const xs = points(process.env.SCALE_VERSIONS, [1_000, 10_000, 100_000]);
  const tmp = await tempDir('scale-versions');
  try {
    const dir = tmp.dir;
    const repoDir = join(dir, 'repo');
    let repo = await newRepo(repoDir);
    const file = join(dir, 'v.csv');
    const s = signer();
    const rows = Array.from({ length: 20 }, (_, i) => `${i},row ${i},0`);
    const pts: Point[] = [];
    let n = 0;
    try {
      for (const x of xs) {
        const window: number[] = [];
        while (n < x) {
          rows[n % 20] = `${n % 20},row ${n % 20},${n + 1}`;
          await writeFile(file, `id,text,version\n${rows.join('\n')}\n`);
          const t = performance.now();
          await repo.datasets.commit({ name: 'v', input: file, key: 'id', message: `v${n + 1}`, signer: s });
          if (x - n <= 500) window.push(performance.now() - t);
          n++;
          if (n % 10_000 === 0) log(`  versions: ${fmt(n)}`);
        }
        const rss = process.memoryUsage().rss / 1e6;
        await repo.close();
        const v = await run({ op: 'verify', repo: repoDir }, dir);
        const first = await run({ op: 'resolve', repo: repoDir, ref: 'v@1' }, dir);
        const d = await run({ op: 'diff', repo: repoDir, a: 'v@1', b: 'v', key: 'id', tmpDir: dir }, dir);
        pts.push({ x, commitMs: summarize(window).median, builderRss: rss, verifyS: v.ms / 1000, ...mem('verify', v), verifyUsPerVersion: (v.ms * 1000) / x, resolveFirstMs: first.ms, diffFirstLastMs: d.ms, ...mem('diff', d) });
        repo = await openRepo({ dir: repoDir });
      }
    } finally {
      await repo.close();
    }
    const mid = xs[xs.length - 2]!;
    const checks = [
      bounded('versions: a commit costs the same with 100× the history (≤ 1.5×, +1 ms)', pts, 'commitMs', xs[0]!, 1.5, 1, 'ms'),
      memoryBounded('versions: verify memory stays bounded', pts, 'verify', mid),
      bounded('versions: verify time grows linearly (per version within 1.5×)', pts, 'verifyUsPerVersion', mid, 1.5, 0, 'µs'),
      memoryBounded('versions: a diff of the first and the latest version stays bounded in memory', pts, 'diff', mid),
      bounded('versions: name@1 costs the same with 100× the history (≤ 2×, +50 ms)', pts, 'resolveFirstMs', xs[0]!, 2, 50, 'ms'),
      bounded('versions: a diff of the first and the latest version costs the same with 100× the history (≤ 2×, +50 ms)', pts, 'diffFirstLastMs', xs[0]!, 2, 50, 'ms'),
    ];
    return { result: { x: 'versions', points: pts, notes: ['One 20-row CSV dataset committed again and again through repo.datasets.commit in one process, each version changing one row. commitMs: the median of the last 500 commits before the point. Each point then, in its own process: verify, resolving `v@1` (the first version, by number), and the stored diff `v@1` → latest.'] }, checks };
  } finally {
    await tmp.remove();
  }
}

async function logCase(): Promise<{ result: Omit<CaseResult, 'ranAt' | 'commit' | 'seconds'>; checks: Check[] }> {
  const xs = points(process.env.SCALE_LOG, [10_000, 100_000, 1_000_000]);
  const tmp = await tempDir('scale-log');
  try {
    const dir = tmp.dir;
    const repoDir = join(dir, 'repo');
    const identities = 63;
    const admins = 4;
    const f: Fixture = await buildRepository({ dir: repoDir, identities, admins, roleActions: 0 });
    const adminSigners = f.adminSeeds.map((x) => seedSigner(nodeProvider, x));
    const pts: Point[] = [];
    for (const x of xs) {
      const repo = await openFixture(f);
      const window: number[] = [];
      try {
        while (f.entries < x) {
          const t = performance.now();
          await roleAction(repo, f.nextRoleAction++, identities, adminSigners);
          if (x - f.entries <= 1000) window.push(performance.now() - t);
          f.entries++;
          if (f.entries % 50_000 === 0) log(`  log: ${fmt(f.entries)} entries`);
        }
      } finally {
        await repo.close();
      }
      const rss = process.memoryUsage().rss / 1e6;
      const v = await run({ op: 'verify', repo: repoDir }, dir);
      if (v.entries !== x) throw new Error(`verify saw ${v.entries} entries, expected ${x}`);
      const pr = await run({ op: 'proofs', repo: repoDir, samples: 20 }, dir);
      const p: Point = { x, appendMs: summarize(window).median, builderRss: rss, verifyS: v.ms / 1000, ...mem('verify', v), verifyUsPerEntry: (v.ms * 1000) / x, inclusionMs: pr.inclusionMs!, consistencyMs: pr.consistencyMs!, ...mem('proofs', pr) };
      if (x <= BUNDLE_MAX) {
        const file = join(dir, 'all.bundle');
        const b = await run({ op: 'bundle-create', repo: repoDir, file }, dir);
        const i = await run({ op: 'bundle-import', file, dir: join(dir, `imported-${x}`) }, dir);
        await rm(join(dir, `imported-${x}`), { recursive: true, force: true });
        await rm(file, { force: true });
        Object.assign(p, { bundleMB: b.bytes! / 1e6, bundleS: b.ms / 1000, ...mem('bundle', b), importS: i.ms / 1000, ...mem('import', i) });
      }
      pts.push(p);
    }
    const first = xs[0]!;
    const mid = xs[xs.length - 2]!;
    const bundled = pts.filter((p) => p.bundleS !== undefined);
    const checks = [
      bounded('log: an append costs the same at 100× the size (≤ 1.5×, +0.5 ms)', pts, 'appendMs', first, 1.5, 0.5, 'ms'),
      bounded('log: an inclusion proof grows with log n, not n (≤ 3× from 100× the entries)', pts, 'inclusionMs', first, 3, 1, 'ms'),
      bounded('log: a consistency proof grows with log n, not n (≤ 3× from 100× the entries)', pts, 'consistencyMs', first, 3, 1, 'ms'),
      memoryBounded('log: proofs memory stays bounded', pts, 'proofs', mid),
      memoryBounded('log: verify memory stays bounded', pts, 'verify', mid),
      bounded('log: verify time grows linearly (per entry within 1.5×)', pts, 'verifyUsPerEntry', mid, 1.5, 0, 'µs'),
      ...(bundled.length >= 2
        ? [
            memoryBounded(`log: bundle create memory stays bounded (to ${fmt(bundled[bundled.length - 1]!.x)} entries)`, bundled, 'bundle', bundled[0]!.x),
            memoryBounded(`log: bundle import memory stays bounded (to ${fmt(bundled[bundled.length - 1]!.x)} entries)`, bundled, 'import', bundled[0]!.x),
          ]
        : []),
    ];
    return { result: { x: 'log entries', points: pts, notes: [`Role grants and revocations among ${identities} users by ${admins} admins in turn (bench/fixture.ts), appended through the API in one process. appendMs: the median of the last 1,000 appends before the point. Each point then, in its own process: verify, 20 inclusion proofs and 20 consistency proofs at random sizes (median time each), and up to ${fmt(BUNDLE_MAX)} entries (SCALE_LOG_BUNDLE_MAX) createBundle of the whole repository and importBundle of it into a new directory (replay under the trust rules, then the full verify; at 100,000 entries the import took 96 s on the loaded machine, so the 1,000,000-entry import, some 20 minutes more, is left out by default).`] }, checks };
  } finally {
    await tmp.remove();
  }
}

// ---- report --------------------------------------------------------------------------------------

function loadResults(): Results {
  return existsSync(JSON_FILE) ? (JSON.parse(readFileSync(JSON_FILE, 'utf8')) as { cases: Results }).cases : {};
}

const COLUMNS: Record<string, string> = {
  fileMB: 'file MB',
  commitS: 'commit s',
  commitRss: 'commit RSS MB',
  commitAnon: 'commit anon MB',
  commitLive: 'commit live heap MB',
  commitOff: 'commit off-heap MB',
  commit2S: 'commit v2 s',
  commit2Rss: 'commit v2 RSS MB',
  commit2Anon: 'commit v2 anon MB',
  commit2Live: 'commit v2 live heap MB',
  commit2Off: 'commit v2 off-heap MB',
  newBytesPct: 'v2 new bytes %',
  commitUsPerRow: 'commit µs/row',
  diffS: 'diff s',
  diffRss: 'diff RSS MB',
  diffAnon: 'diff anon MB',
  diffLive: 'diff live heap MB',
  diffOff: 'diff off-heap MB',
  plainDiffS: 'plain diff s',
  plainDiffRss: 'plain diff RSS MB',
  plainDiffAnon: 'plain diff anon MB',
  plainDiffLive: 'plain diff live heap MB',
  plainDiffOff: 'plain diff off-heap MB',
  verifyS: 'verify s',
  verifyRss: 'verify RSS MB',
  verifyAnon: 'verify anon MB',
  verifyLive: 'verify live heap MB',
  verifyOff: 'verify off-heap MB',
  verifyUsPerRow: 'verify µs/row',
  verifyUsPerVersion: 'verify µs/version',
  verifyUsPerEntry: 'verify µs/entry',
  exportS: 'export s',
  exportRss: 'export RSS MB',
  exportAnon: 'export anon MB',
  exportLive: 'export live heap MB',
  exportOff: 'export off-heap MB',
  bundleMB: 'bundle MB',
  bundleS: 'bundle s',
  bundleRss: 'bundle RSS MB',
  bundleAnon: 'bundle anon MB',
  bundleLive: 'bundle live heap MB',
  bundleOff: 'bundle off-heap MB',
  importS: 'import s',
  importRss: 'import RSS MB',
  importAnon: 'import anon MB',
  importLive: 'import live heap MB',
  importOff: 'import off-heap MB',
  commitMs: 'commit ms',
  appendMs: 'append ms',
  builderRss: 'builder RSS MB',
  resolveFirstMs: 'resolve @1 ms',
  diffFirstLastMs: 'diff @1→latest ms',
  inclusionMs: 'inclusion proof ms',
  consistencyMs: 'consistency proof ms',
  proofsRss: 'proofs RSS MB',
  proofsAnon: 'proofs anon MB',
  proofsLive: 'proofs live heap MB',
  proofsOff: 'proofs off-heap MB',
};

const TITLES: Record<CaseName, string> = {
  rows: 'Rows: 100k, 1M and 10M-row datasets',
  big: 'A 5 GB file',
  row: 'One 50 MB row',
  versions: '100,000 versions of one dataset',
  log: '1,000,000 log entries',
};

export function scaleMarkdown(res: Results = loadResults(), checks: Check[] = []): string {
  const lines = [SCALE_START, '## Scale (issue 9): curves and bounds', ''];
  lines.push(`\`npm run bench:scale\` (bench/scale.ts). Each operation runs in its own process with its V8 heap capped at ${fmt(HEAP_MB)} MB (the one-big-row case: ${fmt(HEAP_MB)} MB + 16× the row), so an operation that held memory in proportion to its input would fail at the large points. "RSS" is the process's peak resident set (getrusage), Node, LevelDB and the library included; it also counts the pages of LevelDB's table files, which LevelDB reads through mmap, so it rises toward the database's size on a large read though those pages are the kernel's page cache, dropped under pressure. "anon" is the peak anonymous memory (RssAnon, sampled every 20 ms): what the process holds. "live heap" is the V8 heap in use just after a full collection (one forced every 2 s), what the code holds on the heap; "off-heap" is the peak of anonymous memory less the V8 heap's pages at that moment: buffers, LevelDB, worker threads and the allocator's free lists. The memory bounds check those two against a smaller point; anonymous memory as a whole is not checked, because V8 lets garbage fill the heap toward its cap on a long run. The checks are what DESIGN.md asks of each curve: memory bounded whatever the size, costs that grow with the change (diff), with log n (proofs) or linearly (commit, verify). A failed check fails the run.`, '');
  for (const name of Object.keys(TITLES) as CaseName[]) {
    const c = res[name];
    if (!c) {
      lines.push(`### ${TITLES[name]}`, '', 'Not run yet.', '');
      continue;
    }
    lines.push(`### ${TITLES[name]}`, '', `Run ${c.ranAt.slice(0, 10)} at commit ${c.commit}, ${fmt(c.seconds)} s. ${c.notes.join(' ')}`, '');
    const keys = Object.keys(COLUMNS).filter((k) => c.points.some((p) => p[k] !== undefined));
    lines.push(`| ${c.x} | ${keys.map((k) => COLUMNS[k]).join(' | ')} |`, `| ---: | ${keys.map(() => '---:').join(' | ')} |`);
    for (const p of c.points) lines.push(`| ${fmt(p.x)} | ${keys.map((k) => (p[k] === undefined ? '—' : fmt(p[k]!))).join(' | ')} |`);
    lines.push('');
  }
  if (checks.length) {
    lines.push('### Checks', '', '| check | result | figures |', '| --- | --- | --- |', ...checks.map((c) => `| ${c.what} | ${c.ok ? '✓' : '✗ FAILED'} | ${c.detail} |`), '');
  }
  lines.push(SCALE_END);
  return lines.join('\n');
}

/** RESULTS.md with its scale section replaced (or appended). */
export function withScaleSection(md: string, section: string): string {
  const a = md.indexOf(SCALE_START);
  const b = md.indexOf(SCALE_END);
  if (a >= 0 && b > a) return md.slice(0, a) + section + md.slice(b + SCALE_END.length);
  return md.trimEnd() + '\n\n' + section + '\n';
}

async function main(): Promise<void> {
  const all: CaseName[] = ['rows', 'big', 'row', 'versions', 'log'];
  const want = (process.env.SCALE_CASES ? process.env.SCALE_CASES.split(',') : all) as CaseName[];
  for (const w of want) if (!all.includes(w)) throw new Error(`SCALE_CASES: unknown case "${w}" (cases: ${all.join(', ')})`);
  const m = machineInfo();
  log(`cognify bench:scale: ${want.join(', ')} on ${m.cpu} × ${m.cores}, Node ${m.node}, commit ${m.commit}`);
  const fns = { rows: rowsCase, big: bigCase, row: rowCase, versions: versionsCase, log: logCase };
  const stored = loadResults();
  const storedChecks: Record<string, Check[]> = existsSync(JSON_FILE) ? ((JSON.parse(readFileSync(JSON_FILE, 'utf8')) as { checks?: Record<string, Check[]> }).checks ?? {}) : {};
  for (const name of want) {
    log(`${name} ...`);
    const t = performance.now();
    const { result, checks } = await fns[name]();
    // Re-read: another bench:scale process may have written other cases meanwhile.
    const now = { cases: loadResults(), checks: existsSync(JSON_FILE) ? ((JSON.parse(readFileSync(JSON_FILE, 'utf8')) as { checks?: Record<string, Check[]> }).checks ?? {}) : storedChecks };
    now.cases[name] = { ...result, ranAt: new Date().toISOString(), commit: gitCommit(), seconds: (performance.now() - t) / 1000 };
    now.checks[name] = checks;
    writeFileSync(JSON_FILE, JSON.stringify({ machine: machineMarkdown(m), ...now }, null, 1) + '\n');
    for (const c of checks) log(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.what}: ${c.detail}`);
    Object.assign(stored, now.cases);
  }
  const final = JSON.parse(readFileSync(JSON_FILE, 'utf8')) as { cases: Results; checks: Record<string, Check[]> };
  const checks = Object.values(final.checks).flat();
  const md = existsSync(RESULTS_FILE) ? readFileSync(RESULTS_FILE, 'utf8') : '# Cognify benchmark results\n';
  writeFileSync(RESULTS_FILE, withScaleSection(md, scaleMarkdown(final.cases, checks)));
  log(`wrote ${JSON_FILE} and the scale section of ${RESULTS_FILE}`);
  const failed = checks.filter((c) => !c.ok);
  if (failed.length) {
    process.stderr.write(`\nbench:scale: ${failed.length} check(s) FAILED:\n${failed.map((c) => `  ${c.what}: ${c.detail}`).join('\n')}\n`);
    process.exitCode = 1;
  }
}

if (process.argv[2] === '--child') {
  child(JSON.parse(process.argv[3]!) as Job).catch((e: unknown) => {
    process.stderr.write(`${(e as Error)?.stack ?? String(e)}\n`);
    process.exitCode = 1;
  });
} else if (process.argv[1] === THIS_FILE) {
  main().catch((e: unknown) => {
    process.stderr.write(`bench:scale failed: ${(e as Error)?.stack ?? String(e)}\n`);
    process.exitCode = 1;
  });
}
