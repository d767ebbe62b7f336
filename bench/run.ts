// `npm run bench`: runs the foundation suites, then the dataset suite (bench/datasets.ts), the
// checkpoint suite, the PII scan suite (bench/scan.ts) and the bundle suite (bench/bundle.ts), prints the tables and writes bench/RESULTS.md.
//   BENCH_SCALE=0.1 npm run bench   quick run (sizes and iteration counts × 0.1); its results go
//                                   to the temp directory, so the checked-in full run stays
//   BENCH_10M=1                     add the 10M-row dataset case (about 1.5 GB; ~10 min more)
//   BENCH_RESULTS=path              write the markdown there instead
// If tools disagree on what changed between two dataset versions, the run exits non-zero and its
// results go to the temp directory, not over the checked-in ones.
// Run with --expose-gc (the npm script does) so that runs start from a collected heap.
import { writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  appendSuite,
  buildBigRepository,
  identityScalingSuite,
  microSuite,
  providerVerifySuite,
  verifySuite,
  APPEND_GOAL_MS,
  KEY,
  VERIFY_GOAL_SIGS_PER_S,
  type SuiteContext,
  type SuiteResult,
} from './foundation.js';
import { datasetSuite, DATASET_GOALS } from './datasets.js';
import { checkpointSuite } from './checkpoints.js';
import { scanSuite, SCAN_GOAL_MB_S } from './scan.js';
import { bundleSuite } from './bundle.js';
import { scaleMarkdown, withScaleSection } from './scale.js';
import { removeTempDirsSync } from './fixture.js';
import { consoleTable, fmt, machineInfo, machineMarkdown, markdownTable, peerTableConsole, peerTableMarkdown, samplesMarkdown, summarize, type Figure } from './report.js';

function resultsPath(scale: number, failed: boolean): string {
  if (process.env.BENCH_RESULTS) return process.env.BENCH_RESULTS;
  // dist/bench/run.js -> <package root>/bench/RESULTS.md
  if (scale === 1 && !failed) return fileURLToPath(new URL('../../bench/RESULTS.md', import.meta.url));
  if (failed) return join(tmpdir(), `cognify-bench-results-scale-${scale}-FAILED.md`);
  return join(tmpdir(), `cognify-bench-results-scale-${scale}.md`);
}

function parseScale(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 1;
  const x = Number(raw);
  if (!Number.isFinite(x) || x <= 0 || x > 10) throw new Error(`BENCH_SCALE must be a number in (0, 10], got "${raw}"`);
  return x;
}

function median(figures: Figure[], key: string): number | undefined {
  const f = figures.find((x) => x.key === key);
  return f ? summarize(f.samples).median : undefined;
}

/** What the figures mean together: how much of verify is Ed25519 itself. */
function derivedFacts(figures: Figure[]): string[] {
  const sigs = median(figures, KEY.verifySigs);
  const perCore = median(figures, KEY.nodeVerify);
  if (sigs === undefined || perCore === undefined) return [];
  const share = Math.round((sigs / perCore) * 100);
  return [
    `nodeProvider verifies ${fmt(perCore)} Ed25519 signatures/s on one core here, the ceiling for verify on one core; ` +
      `at the measured ${fmt(sigs)} signatures/s, signature checks take about ${share}% of verify's wall time and the other ${100 - share}% goes to reading, decoding, hashing and checking.`,
  ];
}

async function main(): Promise<void> {
  const scale = parseScale(process.env.BENCH_SCALE);
  const machine = machineInfo();
  const ctx: SuiteContext = { scale, log: (m) => process.stderr.write(m + '\n') };
  if (typeof (globalThis as { gc?: unknown }).gc !== 'function') ctx.log('note: run node with --expose-gc for steadier figures');
  ctx.log(`cognify bench: scale ${scale}, ${machine.cpu} × ${machine.cores}, Node ${machine.node}, commit ${machine.commit}`);
  const started = performance.now();

  const big = await buildBigRepository(ctx);
  let append: SuiteResult;
  let verify: SuiteResult;
  try {
    append = await appendSuite(ctx, big); // appends first, so verify also checks what they wrote
    ctx.log('verify (nodeProvider) ...');
    verify = await verifySuite(ctx, big);
  } finally {
    await big.remove();
  }
  const providers = await providerVerifySuite(ctx);
  const scaling = await identityScalingSuite(ctx);
  const micro = await microSuite(ctx);
  const datasets = await datasetSuite(ctx);
  const checkpoints = await checkpointSuite(ctx);
  const scan = await scanSuite(ctx);
  const bundles = await bundleSuite(ctx);
  const totalS = (performance.now() - started) / 1000;

  const suites = [verify, providers, append, scaling, micro, datasets, checkpoints, scan, bundles];
  const figures = suites.flatMap((s) => s.figures);
  const facts = [...suites.flatMap((s) => s.facts), ...derivedFacts(figures)];
  machine.loadAtEnd = loadavg()[0] ?? 0;
  const failed = datasets.problems.length > 0;
  const resultsFile = resultsPath(scale, failed);

  process.stdout.write('\n' + consoleTable(figures) + '\n\n' + peerTableConsole(datasets.rows) + '\n\n' + facts.join('\n') + `\n\nTotal ${totalS.toFixed(0)} s. Writing ${resultsFile}\n`);

  const md = [
    '# Cognify benchmark results: foundation layer, datasets, checkpoint hashing, PII scan and bundles',
    '',
    `Produced by \`npm run bench\` (bench/run.ts) at BENCH_SCALE=${scale}; the whole run took ${Math.round(totalS)} s. ` +
      'Each figure is the median of its runs, with min and max; the machine is shared, so expect run-to-run noise. ' +
      `"vs goal" is how many times better than the goal the median is (≥ 1× meets it). Goals: verify ≥ ${fmt(VERIFY_GOAL_SIGS_PER_S)} signatures/s on one core, append ≤ ${APPEND_GOAL_MS} ms per log entry, checkpoint hashing (2 GB in four shards) ≥ 1.5× the speed of sha256sum over the same files, PII scan of the 1M-row CSV ≥ ${SCAN_GOAL_MB_S} MB/s on one core, a full bundle created at least as fast as git bundle create of the same two file versions.`,
    '',
    '## Machine',
    '',
    machineMarkdown(machine),
    '',
    ...(failed ? ['## Count disagreements (this run failed)', '', ...datasets.problems.map((p) => `- ${p}`), ''] : []),
    '## Datasets against other tools',
    '',
    `Median times; "ratio" is the peer's median over ours (above 1×: ours is faster), except where the row says otherwise. ` +
      `Goals (issue 3) are stated for 1M rows: a stored diff ≥ ${DATASET_GOALS.storedVsDuckDB}× faster than DuckDB, a plain-file diff at least as fast, the shuffled one within 2×; ` +
      `commit ≤ 0.75× the time of git add with peak RSS ≤ ${DATASET_GOALS.commitRssMB} MB, a 200-row change storing ≤ ${DATASET_GOALS.newBytesPercent}% new bytes; at 10M rows a stored diff ≤ ${DATASET_GOALS.tenMillionVsOneMillion}× its 1M time.`,
    '',
    peerTableMarkdown(datasets.rows),
    '',
    ...datasets.sql.flatMap((q) => [`DuckDB query, ${q.format.toUpperCase()}:`, '', '```sql', q.sql, '```', '']),
    '## Figures',
    '',
    markdownTable(figures),
    '',
    '## What was run',
    '',
    ...facts.map((f) => `- ${f}`),
    '',
    '## Raw samples',
    '',
    samplesMarkdown(figures),
    '',
  ].join('\n');
  // The scale curves (npm run bench:scale) are kept from bench/scale.json: they take hours, not minutes.
  writeFileSync(resultsFile, withScaleSection(md, scaleMarkdown()));
  if (failed) {
    process.stderr.write(`\nbench FAILED: the tools disagree on what changed:\n${datasets.problems.map((p) => `  ${p}`).join('\n')}\n`);
    process.exitCode = 1;
  }
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    removeTempDirsSync();
    process.exit(130);
  });
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${(e as Error)?.stack ?? String(e)}\n`);
  process.exitCode = 1;
});
