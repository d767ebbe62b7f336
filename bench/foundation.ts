// Foundation-layer benchmarks: `verify` over a large signed repository, appending log entries
// with checkpoints, how an append scales with the number of known identities, and the
// primitives underneath (Ed25519, SHA-256, CBOR) for context.
//
// Goals (issue): verify ≥ 10,000 signatures/s on one core; an append (sign entry + sign
// checkpoint + one atomic batch) ≤ 2 ms.
import { availableParallelism } from 'node:os';
import { seedSigner } from '../src/chain/signer.js';
import { signObject, signedPayload, payloadTypeOf } from '../src/chain/signed-object.js';
import { pae } from '../src/chain/dsse.js';
import { nobleProvider } from '../src/chain/noble-provider.js';
import { decode, encode, type CborValue } from '../src/core/cbor.js';
import type { CryptoProvider } from '../src/core/crypto-provider.js';
import { decodeObject, type CognifyObject } from '../src/store/object-codec.js';
import { schemas } from '../src/api/repo.js';
import { nodeProvider, opensslProvider } from '../src/node/node-crypto.js';
import { buildRepository, openFixture, roleAction, seedOf, tempDir, type Fixture } from './fixture.js';
import { fmt, type Figure } from './report.js';

export const VERIFY_GOAL_SIGS_PER_S = 10_000;
export const APPEND_GOAL_MS = 2;

export interface SuiteContext {
  /** BENCH_SCALE: multiplies sizes and iteration counts (1 = the documented full run). */
  scale: number;
  /** Progress and diagnostics, to stderr. */
  log: (msg: string) => void;
}

export interface SuiteResult {
  figures: Figure[];
  /** Sentences for RESULTS.md saying exactly what was run (sizes, counts). */
  facts: string[];
}

/** Stable keys of figures that run.ts combines into derived facts. */
export const KEY = {
  verifySigs: 'verify.signatures',
  appendFacade: 'append.facade',
  nodeVerify: 'micro.verify.node',
} as const;

const gc = (): void => (globalThis as { gc?: () => void }).gc?.();
const scaled = (ctx: SuiteContext, n: number, min: number): number => Math.max(min, Math.round(n * ctx.scale));
const label = (exported: string, p: CryptoProvider) => `${exported} (${p.name})`;

// ---- the repository for suites 1 and 2 ------------------------------------------------------

const IDENTITIES = 63; // besides the creator: a large team, and within node-crypto's 256-key cache
const ADMINS = 4;
const WARMUP = 5; // untimed appends before each timed series

interface AppendPlan {
  batches: number;
  batchSize: number;
  opensslBatches: number;
  opensslBatchSize: number;
}

function appendPlan(ctx: SuiteContext): AppendPlan {
  return { batches: 5, batchSize: scaled(ctx, 1000, 20), opensslBatches: 3, opensslBatchSize: scaled(ctx, 300, 20) };
}

function plannedAppends(p: AppendPlan): number {
  return 2 * WARMUP + p.batches * p.batchSize + p.opensslBatches * p.opensslBatchSize;
}

export interface BigRepository {
  fixture: Fixture;
  plan: AppendPlan;
  remove: () => Promise<void>;
}

/**
 * 50,000 log entries at scale 1, each naming one signed object and followed by a signed
 * checkpoint: 100,000 signed objects and log entries, 150,000 signatures. The build writes all
 * but the entries the append suite adds, so that verify, which runs after it, sees exactly 50,000.
 */
export async function buildBigRepository(ctx: SuiteContext): Promise<BigRepository> {
  const target = scaled(ctx, 50_000, 500);
  const plan = appendPlan(ctx);
  const roleActions = target - 1 - IDENTITIES - (ADMINS - 1) - plannedAppends(plan);
  if (roleActions < 0) throw new Error(`BENCH_SCALE ${ctx.scale} is too small for the append plan`);
  const tmp = await tempDir('verify');
  ctx.log(`building ${fmt(target - plannedAppends(plan))} of the ${fmt(target)} log entries through the API (the append suite writes the rest) in ${tmp.dir} ...`);
  try {
    const fixture = await buildRepository({
      dir: tmp.dir,
      identities: IDENTITIES,
      admins: ADMINS,
      roleActions,
      onProgress: (done, total) => {
        if (done % 10_000 === 0) ctx.log(`  ${fmt(done)} / ${fmt(total)} actions`);
      },
    });
    ctx.log(`  built in ${(fixture.buildMs / 1000).toFixed(1)} s`);
    return { fixture, plan, remove: tmp.remove };
  } catch (e) {
    await tmp.remove();
    throw e;
  }
}

// ---- 1. verify ----------------------------------------------------------------------------

interface VerifyRun {
  wallS: number;
  cpuS: number;
  objects: number;
  signatures: number;
  logEntries: number;
  checkpoints: number;
}

/** One `repo.verify()` on a freshly opened repository, as `cognify verify` runs it. */
async function verifyOnce(fixture: Fixture, crypto: CryptoProvider, workers?: number): Promise<VerifyRun> {
  gc();
  const repo = await openFixture(fixture, crypto);
  try {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const report = await repo.verify(workers === undefined ? {} : { workers });
    const wallS = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    if (!report.ok) throw new Error(`verify found problems in the benchmark repository: ${JSON.stringify(report.problems.slice(0, 3))}`);
    if (report.logEntries !== fixture.entries) throw new Error(`verify saw ${report.logEntries} log entries, the fixture has ${fixture.entries}`);
    return { wallS, cpuS: (cpu.user + cpu.system) / 1e6, ...report };
  } finally {
    await repo.close();
  }
}

export async function verifySuite(ctx: SuiteContext, big: BigRepository): Promise<SuiteResult> {
  const n = ctx.scale <= 0.25 ? 5 : 3;
  const modes = [
    { workers: 0, title: 'one thread (workers: 0)', key: KEY.verifySigs },
    { workers: undefined, title: `signature checks on worker threads (one per core: ${availableParallelism()})`, key: undefined },
  ];
  const figures: SuiteResult['figures'] = [];
  let r0: VerifyRun | undefined;
  for (const mode of modes) {
    const runs: VerifyRun[] = [];
    for (let i = 0; i < n; i++) {
      const r = await verifyOnce(big.fixture, nodeProvider, mode.workers);
      ctx.log(`  verify (${mode.title}) run ${i + 1}/${n}: ${r.wallS.toFixed(1)} s, ${fmt(r.signatures / r.wallS)} signatures/s`);
      runs.push(r);
    }
    r0 ??= runs[0]!;
    const g = `verify, ${label('nodeProvider', nodeProvider)}, ${mode.title}`;
    figures.push(
      { group: g, name: 'verify wall time', unit: 's', samples: runs.map((r) => r.wallS) },
      {
        ...(mode.key ? { key: mode.key } : {}),
        group: g,
        name: 'signatures/s',
        unit: 'sig/s',
        samples: runs.map((r) => r.signatures / r.wallS),
        goal: { op: '>=', value: VERIFY_GOAL_SIGS_PER_S },
        ...(mode.key
          ? {
              note: 'repo.verify({ workers: 0 }) on a freshly opened repository: every log entry, every signed object and every stored checkpoint signature, with hashes, canonical form, schemas, roles, the hash chain and the Merkle roots, on one JavaScript thread (LevelDB reads run on the libuv pool). The goal is per core; the worker-thread rows below are what `cognify verify` does by default on a log of more than 1,024 entries.',
            }
          : {}),
      },
      { group: g, name: 'objects/s', unit: 'obj/s', samples: runs.map((r) => r.objects / r.wallS) },
      { group: g, name: 'log entries/s', unit: 'entries/s', samples: runs.map((r) => r.logEntries / r.wallS) },
      {
        group: g,
        name: 'CPU time / wall time',
        unit: '',
        samples: runs.map((r) => r.cpuS / r.wallS),
        ...(mode.key ? { note: 'process.cpuUsage() over the run, all threads: about 1 means one core was busy; well below 1, the run waited (on LevelDB, or on a busy machine); above 1, worker threads ran alongside.' } : {}),
      },
    );
  }
  return {
    figures,
    facts: [
      `Verify repository: ${fmt(r0!.logEntries)} log entries, ${fmt(r0!.objects)} signed objects, ${fmt(r0!.checkpoints)} checkpoints, so ${fmt(r0!.signatures)} signatures per verify; ` +
        `${big.fixture.identities} identities, ${ADMINS} admins acting in turn. Built through initRepo, repo.addIdentity and repo.grantRole / revokeRole ` +
        `(${fmt(big.fixture.buildActions)} actions in ${(big.fixture.buildMs / 1000).toFixed(1)} s), then the append suite's entries; verified ${n} times in each mode, reopening the repository each time.`,
    ],
  };
}

// ---- 1b. verify on the other providers ------------------------------------------------------

export async function providerVerifySuite(ctx: SuiteContext): Promise<SuiteResult> {
  const tmp = await tempDir('providers');
  try {
    const roleActions = scaled(ctx, 1000, 100);
    ctx.log(`verify per provider: building ${fmt(roleActions + IDENTITIES + ADMINS)} log entries ...`);
    const f = await buildRepository({ dir: tmp.dir, identities: IDENTITIES, admins: ADMINS, roleActions });
    const g = 'verify, one small repository, one run per provider';
    const figures: Figure[] = [];
    const providers: [string, CryptoProvider][] = [
      ['nobleProvider', nobleProvider],
      ['opensslProvider', opensslProvider],
      ['nodeProvider', nodeProvider],
    ];
    for (const [name, p] of providers) {
      const r = await verifyOnce(f, p, 0);
      ctx.log(`  ${label(name, p)}: ${fmt(r.signatures / r.wallS)} sig/s`);
      figures.push({
        group: g,
        name: `signatures/s, ${label(name, p)}`,
        unit: 'sig/s',
        samples: [r.signatures / r.wallS],
        goal: { op: '>=', value: VERIFY_GOAL_SIGS_PER_S },
        ...(p === nobleProvider
          ? {
              note: `openRepo({ dir, crypto }) then repo.verify(), once per provider, on a repository of ${fmt(r.logEntries)} log entries (${fmt(r.signatures)} signatures). nobleProvider is the portable path (@noble/ed25519 and @noble/hashes, no node:*); opensslProvider is node:crypto alone, what nodeProvider falls back to without sodium-native.`,
            }
          : {}),
      });
    }
    return { figures, facts: [] };
  } finally {
    await tmp.remove();
  }
}

// ---- 2. append ----------------------------------------------------------------------------

type AppendFn = (i: number) => Promise<unknown>;

/** Per-entry ms of `batches` batches of `size` sequential appends, after a short warm-up. */
async function timeBatches(ctx: SuiteContext, what: string, batches: number, size: number, f: Fixture, fn: AppendFn): Promise<number[]> {
  const out: number[] = [];
  const step = async () => {
    await fn(f.nextRoleAction++);
    f.entries++;
  };
  for (let j = 0; j < WARMUP; j++) await step();
  for (let b = 0; b < batches; b++) {
    gc();
    const t0 = performance.now();
    for (let j = 0; j < size; j++) await step();
    out.push((performance.now() - t0) / size);
  }
  ctx.log(`  ${what}: ${out.map((x) => x.toFixed(2)).join(', ')} ms/entry`);
  return out;
}

const APPEND_GROUP = 'append (ms per log entry: sign subject + sign entry + sign checkpoint + one batch)';

export async function appendSuite(ctx: SuiteContext, big: BigRepository): Promise<SuiteResult> {
  const f = big.fixture;
  const { plan } = big;
  const k = f.identities - 1;
  const startEntries = f.entries;
  const figures: Figure[] = [
    {
      group: APPEND_GROUP,
      name: 'building the verify repository (one run)',
      unit: 'ms',
      samples: [f.buildMs / f.buildActions],
      goal: { op: '<=', value: APPEND_GOAL_MS },
      note: `${fmt(f.buildActions)} actions (repo.addIdentity, repo.grantRole, repo.revokeRole) on a repository growing from 1 to ${fmt(f.entries)} entries, averaged.`,
    },
  ];
  for (const [name, p, batches, size] of [
    ['nodeProvider', nodeProvider, plan.batches, plan.batchSize],
    ['opensslProvider', opensslProvider, plan.opensslBatches, plan.opensslBatchSize],
  ] as const) {
    const repo = await openFixture(f, p);
    try {
      const admins = f.adminSeeds.map((s) => seedSigner(p, s));
      ctx.log(`append: ${batches} batches of ${size} via repo.grantRole / revokeRole, ${label(name, p)} ...`);
      const samples = await timeBatches(ctx, label(name, p), batches, size, f, (i) => roleAction(repo, i, k, admins));
      figures.push({
        ...(p === nodeProvider ? { key: KEY.appendFacade } : {}),
        group: APPEND_GROUP,
        name: `repo.grantRole / revokeRole, seedSigner(${name})`,
        unit: 'ms',
        samples,
        goal: { op: '<=', value: APPEND_GOAL_MS },
        ...(p === nodeProvider
          ? {
              note: `Median over batches of ${fmt(size)} sequential appends to the verify repository (${fmt(startEntries)} entries when the suite starts), alternating role grants and revocations among ${k} users, signed by seedSigner(nodeProvider, seed) as a library user or the CLI does. The opensslProvider row opens the same repository with crypto: opensslProvider.`,
            }
          : {}),
      });
    } finally {
      await repo.close();
    }
  }
  return { figures, facts: [] };
}

// ---- 2b. append cost against the number of known identities --------------------------------

export async function identityScalingSuite(ctx: SuiteContext): Promise<SuiteResult> {
  const sizes = [16, 256, ctx.scale >= 1 ? 4096 : Math.max(512, Math.round(4096 * ctx.scale))];
  const batchSize = scaled(ctx, 100, 10);
  const figures: Figure[] = [];
  const addFigures: Figure[] = [];
  ctx.log(`identity scaling: repo.grantRole / revokeRole with ${sizes.join(' / ')} known identities ...`);
  for (const n of sizes) {
    const tmp = await tempDir(`ids${n}`);
    try {
      const f = await buildRepository({ dir: tmp.dir, identities: n - 1, admins: 1, roleActions: 0 });
      const repo = await openFixture(f);
      const admins = [seedSigner(nodeProvider, seedOf(0))];
      try {
        const addMs = f.buildMs / f.buildActions;
        const samples = await timeBatches(ctx, `${n} identities`, 3, batchSize, f, (i) => roleAction(repo, i, n - 1, admins));
        figures.push({
          group: 'append vs known identities (nodeProvider)',
          name: `repo.grantRole / revokeRole, ${fmt(n)} identities`,
          unit: 'ms',
          samples,
          goal: { op: '<=', value: APPEND_GOAL_MS },
          ...(n === sizes[0] ? { note: `Batches of ${batchSize} appends to a repository holding only identities, each granting or revoking a role, signed by the creator.` } : {}),
        });
        addFigures.push({
          group: 'append vs known identities (nodeProvider)',
          name: `repo.addIdentity, 1 to ${fmt(n)} identities`,
          unit: 'ms',
          samples: [addMs],
          goal: { op: '<=', value: APPEND_GOAL_MS },
          ...(n === sizes[0] ? { note: 'One run: the average of the repo.addIdentity actions that built that repository (each including createIdentity: key derivation and self-signature), from the creator alone to all its identities.' } : {}),
        });
      } finally {
        await repo.close();
      }
    } finally {
      await tmp.remove();
    }
  }
  return { figures: [...figures, ...addFigures], facts: [] };
}

// ---- 3. micro -----------------------------------------------------------------------------

/** Operations per second: call `fn` until `ms` have passed, `rounds` times. */
function opsPerSecond(rounds: number, ms: number, fn: () => void): number[] {
  for (let i = 0; i < 3; i++) fn(); // warm-up
  const out: number[] = [];
  for (let r = 0; r < rounds; r++) {
    gc();
    let n = 0;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < ms) {
      fn();
      n++;
      if ((n & 3) === 0 || n < 4) t = performance.now();
    }
    t = performance.now();
    out.push(n / ((t - t0) / 1000));
  }
  return out;
}

/** A log entry as Repo.act writes it for a role grant, signed; its DSSE PAE is what gets signed. */
function typicalEntry(): { entry: CognifyObject; bytes: Uint8Array; pae: Uint8Array } {
  const signer = seedSigner(nodeProvider, seedOf(1));
  const id = (c: string) => `sha256:${c.repeat(64)}`;
  const entry = signObject(
    nodeProvider,
    {
      type: 'log-entry',
      v: 1,
      repo: id('a'),
      seq: 12_345,
      time: '2025-06-01T12:34:56.789Z',
      action: 'role.grant',
      subjects: [id('b')],
      details: { subject: signer.fingerprint, role: 'ml-engineer' },
      prev: id('c'),
    } as CognifyObject,
    signer,
  );
  return { entry, bytes: encode(entry as CborValue), pae: pae(payloadTypeOf('log-entry'), signedPayload(entry)) };
}

export async function microSuite(ctx: SuiteContext): Promise<SuiteResult> {
  const rounds = 7;
  const ms = Math.max(40, Math.round(250 * Math.min(1, ctx.scale)));
  const seed = seedOf(1);
  const { entry, bytes, pae: msg } = typicalEntry();
  const providers: [string, CryptoProvider][] = [
    ['nodeProvider', nodeProvider],
    ['opensslProvider', opensslProvider],
    ['nobleProvider', nobleProvider],
  ];
  const figures: Figure[] = [];
  ctx.log('micro: Ed25519, SHA-256, CBOR ...');
  const gS = `Ed25519 sign (${msg.length}-byte message: a log entry's DSSE PAE)`;
  for (const [name, p] of providers) {
    figures.push({ group: gS, name: `${label(name, p)}.ed25519Sign(message, seed)`, unit: 'ops/s', samples: opsPerSecond(rounds, ms, () => p.ed25519Sign(msg, seed)) });
    const prepared = seedSigner(p, seed);
    figures.push({
      group: gS,
      name: `seedSigner(${name}).sign(message)`,
      unit: 'ops/s',
      samples: opsPerSecond(rounds, ms, () => prepared.sign(msg)),
      ...(p === nodeProvider
        ? { note: 'seedSigner uses the provider\'s ed25519Signer when it has one, which prepares the key once (libsodium: the expanded secret key; OpenSSL: a KeyObject) instead of on every signature.' }
        : {}),
    });
  }
  const gV = 'Ed25519 verify (same message; strict byte checks included)';
  for (const [name, p] of providers) {
    const pub = p.ed25519PublicKey(seed);
    const sig = p.ed25519Sign(msg, seed);
    if (!p.ed25519Verify(sig, msg, pub)) throw new Error(`${p.name}: signature does not verify`);
    figures.push({
      ...(p === nodeProvider ? { key: KEY.nodeVerify, note: 'One core. This bounds verify: each signature costs at least 1/rate s before any reading, decoding or hashing.' } : {}),
      group: gV,
      name: `${label(name, p)}.ed25519Verify`,
      unit: 'ops/s',
      samples: opsPerSecond(rounds, ms, () => p.ed25519Verify(sig, msg, pub)),
    });
  }
  const mib = nodeProvider.randomBytes(1 << 20);
  // opensslProvider shares nodeProvider's sha256 (node:crypto), so two rows say it all.
  for (const [name, p] of [providers[0]!, providers[2]!]) {
    figures.push({
      group: 'SHA-256 of a 1 MiB buffer',
      name: `${label(name, p)}.sha256`,
      unit: 'MB/s',
      samples: opsPerSecond(rounds, ms, () => p.sha256(mib)).map((x) => (x * mib.length) / 1e6),
      ...(p === nodeProvider ? { note: 'MB = 10^6 bytes. DESIGN.md quotes about 1.9 GB/s native and 0.2 GB/s noble on its reference machine.' } : {}),
    });
  }
  const gC = `CBOR, a signed role.grant log entry (${bytes.length} bytes)`;
  figures.push({ group: gC, name: 'cbor.encode', unit: 'ops/s', samples: opsPerSecond(rounds, ms, () => encode(entry as CborValue)) });
  figures.push({
    group: gC,
    name: 'cbor.decode',
    unit: 'ops/s',
    samples: opsPerSecond(rounds, ms, () => decode(bytes)),
    note: 'Strict decode: it re-encodes the value and compares bytes, to reject non-canonical input.',
  });
  figures.push({ group: gC, name: 'decodeObject (decode + zod schema)', unit: 'ops/s', samples: opsPerSecond(rounds, ms, () => decodeObject(schemas, bytes)) });
  return { figures, facts: [] };
}
