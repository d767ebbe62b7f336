// Benchmark fixtures: temporary repositories built through the public API, deterministic keys,
// and a fake clock.
//
// A repository is made the way a user makes one: initRepo, then repo.addIdentity and
// repo.grantRole / repo.revokeRole, each one action (a signed subject object, a signed log entry
// and a signed checkpoint, written in one LevelDB batch). `verify` must pass on every fixture
// before a figure is reported.
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { initRepo } from '../src/api/init-repo.js';
import { openRepo } from '../src/api/open-repo.js';
import type { Repo } from '../src/api/repo.js';
import type { CryptoProvider } from '../src/core/crypto-provider.js';
import { ROLES, type Role } from '../src/chain/chain-types.js';
import { createIdentity } from '../src/chain/identity.js';
import { seedSigner, type Signer } from '../src/chain/signer.js';
import { nodeProvider } from '../src/node/node-crypto.js';
import type { SuiteContext, SuiteResult } from './foundation.js';
import { consoleTable } from './report.js';

/** A deterministic 32-byte Ed25519 seed for key number `i` (0 is the repository's creator). */
export function seedOf(i: number): Uint8Array {
  const s = new Uint8Array(32);
  const dv = new DataView(s.buffer);
  dv.setUint32(0, 0x636f676e); // "cogn"
  dv.setUint32(4, i);
  return s;
}

export const emailOf = (i: number): string => (i === 0 ? 'admin@bench.example' : `u${i}@bench.example`);

// ---- temporary directories ----------------------------------------------------------------

const liveDirs = new Set<string>();

export async function tempDir(label: string): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `cognify-bench-${label}-`));
  liveDirs.add(dir);
  return {
    dir,
    remove: async () => {
      await rm(dir, { recursive: true, force: true });
      liveDirs.delete(dir);
    },
  };
}

/** Remove every temp directory still present (on an interrupt). */
export function removeTempDirsSync(): void {
  for (const dir of liveDirs) rmSync(dir, { recursive: true, force: true });
  liveDirs.clear();
}

// ---- role actions -------------------------------------------------------------------------

export const NON_ADMIN_ROLES = ROLES.filter((r) => r !== 'admin') as Role[];

/**
 * Role action number `i` over users 1..k: in even phases (k actions each) every user is
 * granted a role, in odd phases it is revoked again, so every action is valid whatever `i`.
 */
export function roleActionAt(i: number, k: number): { user: number; role: Role; grant: boolean } {
  const phase = Math.floor(i / k);
  return { user: (i % k) + 1, role: NON_ADMIN_ROLES[Math.floor(phase / 2) % NON_ADMIN_ROLES.length]!, grant: phase % 2 === 0 };
}

/** Perform role action `i` through the facade, signed by one of `admins` in turn. */
export function roleAction(repo: Repo, i: number, k: number, admins: readonly Signer[]): Promise<unknown> {
  const { user, role, grant } = roleActionAt(i, k);
  const opts = { who: emailOf(user), role, signer: admins[i % admins.length]! };
  return grant ? repo.grantRole(opts) : repo.revokeRole(opts);
}

// ---- fixtures -----------------------------------------------------------------------------

export interface Fixture {
  dir: string;
  /** Identities known to the repository, the creator included. */
  identities: number;
  /** Seeds of the admin keys (the creator first); they act in turn. */
  adminSeeds: Uint8Array[];
  /** Log entries written so far (genesis included); writers that append keep it current. */
  entries: number;
  /** Index of the next role action (see roleActionAt). */
  nextRoleAction: number;
  /** The fake clock: the next timestamp to hand out, in ms since the epoch. */
  clockMs: number;
  /** Actions performed after initRepo by the build, and the time they took (ms). */
  buildActions: number;
  buildMs: number;
}

export interface BuildOptions {
  dir: string;
  /** Identities besides the creator. */
  identities: number;
  /** Admins acting in turn, the creator included; the others are users 1..admins-1. */
  admins: number;
  /** Role grant / revoke actions after the identities are added and the admins appointed. */
  roleActions: number;
  onProgress?: (done: number, total: number) => void;
}

/**
 * initRepo, `identities` × repo.addIdentity, `admins - 1` admin grants, then `roleActions`
 * alternating repo.grantRole / repo.revokeRole, all signed with seedSigner(nodeProvider, seed).
 * Time stamps come from a clock that advances 1 ms per call, so no two objects are identical.
 */
export async function buildRepository(opts: BuildOptions): Promise<Fixture> {
  const f: Fixture = {
    dir: opts.dir,
    identities: opts.identities + 1,
    adminSeeds: [],
    entries: 1,
    nextRoleAction: 0,
    clockMs: Date.UTC(2025, 0, 1),
    buildActions: 0,
    buildMs: 0,
  };
  const now = () => new Date(f.clockMs++);
  const creator = seedSigner(nodeProvider, seedOf(0));
  const repo = await initRepo({
    dir: opts.dir,
    signer: creator,
    identity: createIdentity(nodeProvider, creator, { name: 'Bench Admin', email: emailOf(0), created: now().toISOString() }),
    name: 'bench',
    now,
  });
  const total = opts.identities + Math.max(0, opts.admins - 1) + opts.roleActions;
  const tick = () => {
    f.entries++;
    f.buildActions++;
    if (f.buildActions % 1000 === 0) opts.onProgress?.(f.buildActions, total);
  };
  const started = performance.now();
  try {
    for (let i = 1; i <= opts.identities; i++) {
      const s = seedSigner(nodeProvider, seedOf(i));
      const identity = createIdentity(nodeProvider, s, { name: `Bench User ${i}`, email: emailOf(i), created: now().toISOString() });
      await repo.addIdentity({ identity, signer: creator });
      tick();
    }
    f.adminSeeds.push(seedOf(0));
    for (let a = 1; a < opts.admins && a <= opts.identities; a++) {
      await repo.grantRole({ who: emailOf(a), role: 'admin', signer: creator });
      f.adminSeeds.push(seedOf(a));
      tick();
    }
    const admins = f.adminSeeds.map((s) => seedSigner(nodeProvider, s));
    for (; f.nextRoleAction < opts.roleActions; f.nextRoleAction++) {
      await roleAction(repo, f.nextRoleAction, opts.identities, admins);
      tick();
    }
  } finally {
    f.buildMs = performance.now() - started;
    await repo.close();
  }
  return f;
}

/** Open a fixture with a crypto provider (default native); its clock continues the fixture's. */
export function openFixture(f: Fixture, crypto: CryptoProvider = nodeProvider): Promise<Repo> {
  return openRepo({ dir: f.dir, crypto, now: () => new Date(f.clockMs++) });
}

/**
 * `node dist/bench/<suite>.js`: when `moduleUrl` is the main module, run `suite` alone (BENCH_SCALE
 * as for npm run bench), print its table and facts, and remove its temp dirs on Ctrl-C.
 */
export function runAlone(moduleUrl: string, label: string, suite: (ctx: SuiteContext) => Promise<SuiteResult>): void {
  if (process.argv[1] === undefined || moduleUrl !== pathToFileURL(process.argv[1]).href) return;
  const scale = Number(process.env.BENCH_SCALE || '1');
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      removeTempDirsSync();
      process.exit(130);
    });
  }
  suite({ scale, log: (m) => process.stderr.write(m + '\n') }).then(
    (r) => process.stdout.write(`\n${consoleTable(r.figures)}\n\n${r.facts.join('\n')}\n`),
    (e: unknown) => {
      process.stderr.write(`${label} bench failed: ${(e as Error)?.stack ?? String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
