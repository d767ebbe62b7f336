// Crash consistency (issue 9, point 1): the real CLI, killed with SIGKILL at a random moment of an
// operation that writes (dataset commit, run record, approve, bundle import, push). After every
// kill the repository must verify (every hash, signature, ref and log link), and doing the
// operation again must succeed, leaving a repository that verifies; after a push, a clone of the
// remote must verify too. Kill times are uniform over the operation's measured duration, with a
// seeded generator: a failure names its seed and trial, and replays with COGNIFY_CRASH_SEED.
import { spawn } from 'node:child_process';
import { cp, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { expect } from 'vitest';
import { listKeys } from '../../src/node/keystore.js';
import { prng } from '../policy/pii-corpus.js';
import { addPeople, BIN, envFor, expectOk, initRepo, makeKey, PASS, run, Sandbox, type RunResult } from '../cli/_run.js';

const LORA = resolve('fixtures/runs/credit-lora');
const V1 = resolve('fixtures/datasets/credit-decisions.v1.csv');
const V2 = resolve('fixtures/datasets/credit-decisions.v2.csv');

export interface CrashOp {
  name: string;
  args: (trial: string) => string[];
  /** Whether running it again after the crash went as it should (`trial`: the repository). */
  redone: (r: RunResult, trial: string) => Promise<boolean> | boolean;
}

export interface CrashBase {
  root: string;
  home: string;
  ops: CrashOp[];
}

/**
 * The state every trial starts from: a repository whose log runs ahead of a folder remote by one
 * dataset version, an incremental bundle from a copy further ahead, and a 4 MB CSV to commit.
 */
export async function makeBase(sb: Sandbox): Promise<CrashBase> {
  const root = await sb.dir('cognify-crash-');
  const home = join(root, 'keystore');
  const ada = await makeKey(home, 'Ada Lovelace', 'ada@example.org');
  await makeKey(home, 'Grace Hopper', 'grace@example.org');
  const grace = (await listKeys({ home })).find((k) => k.email === 'grace@example.org')!;
  const { dir: repo } = await initRepo(root, home, ada);
  await addPeople(repo, ada, [{ key: grace, roles: ['compliance'] }]);
  const cli = (args: string[], where = repo) => run(['--as', 'ada@example.org', '-C', where, ...args], { cwd: root, env: envFor(home) });
  expectOk(await cli(['dataset', 'commit', 'credit', V1, '--key', 'applicant_id']));
  expectOk(await cli(['remote', 'add', 'shared', join(root, 'shared')]));
  expectOk(await cli(['push', 'shared']));
  expectOk(await cli(['dataset', 'commit', 'credit', V2]));
  const size = (JSON.parse(expectOk(await cli(['log', '--json'])).stdout) as unknown[]).length;
  const source = join(root, 'source');
  await cp(join(repo, '.cognify'), join(source, '.cognify'), { recursive: true });
  expectOk(await cli(['dataset', 'commit', 'support', resolve('fixtures/datasets/support-chat.v1.jsonl'), '--key', '/id'], source));
  expectOk(await cli(['bundle', 'create', join(root, 'ahead.bundle'), '--since', String(size)], source));
  const big = join(root, 'big.csv');
  const rows = ['id,amount,region,note'];
  for (let i = 0; i < 60_000; i++) rows.push(`${i},${(i * 7919) % 100_000},r${i % 17},row ${i} of the crash test`);
  await writeFile(big, rows.join('\n') + '\n');
  const ok = (r: RunResult) => r.code === 0;
  const ops: CrashOp[] = [
    { name: 'dataset commit', args: (t) => ['-C', t, 'dataset', 'commit', 'big', big, '--key', 'id'], redone: ok },
    {
      name: 'run record',
      args: (t) => ['-C', t, 'run', 'record', '--hf-trainer', LORA, '--name', 'credit-lora', '--dataset', 'train=credit@2'],
      // When the killed one got through, the name is taken: then the run must be there whole.
      redone: async (r, t) => {
        if (r.code === 0) return true;
        if (r.code !== 2 || !/exists already/.test(r.stderr)) return false;
        const shown = JSON.parse(expectOk(await run(['-C', t, 'run', 'show', 'credit-lora', '--json'], { cwd: t, env: envFor(home) })).stdout) as { status: string; checkpoints: unknown[]; outputs: unknown[] };
        return shown.status === 'finished' && shown.checkpoints.length === 2 && shown.outputs.length === 1;
      },
    },
    {
      name: 'approve',
      args: (t) => ['-C', t, 'approve', 'credit@2', '--meaning', 'approved', '--as', 'grace@example.org'],
      // When the killed one got through, the same signature again is refused (exit 6) and changes nothing.
      redone: (r) => r.code === 0 || (r.code === 6 && /already signed/.test(r.stderr)),
    },
    { name: 'bundle import', args: (t) => ['-C', t, 'bundle', 'import', join(root, 'ahead.bundle')], redone: ok },
    { name: 'push', args: (t) => ['-C', t, 'push', 'shared'], redone: ok },
  ];
  return { root, home, ops };
}

/** Run the CLI and SIGKILL it after `killAfterMs` (unless it finished first). */
function runKilled(args: string[], home: string, cwd: string, killAfterMs: number): Promise<{ killed: boolean; ms: number }> {
  const t0 = performance.now();
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, [BIN, '--as', 'ada@example.org', ...args], { cwd, env: { PATH: process.env.PATH ?? '', COGNIFY_HOME: home, COGNIFY_PASSPHRASE: PASS }, stdio: 'ignore' });
    let killed = false;
    const timer = setTimeout(() => {
      killed = child.kill('SIGKILL');
    }, killAfterMs);
    child.on('error', rej);
    child.on('exit', () => {
      clearTimeout(timer);
      res({ killed, ms: performance.now() - t0 });
    });
  });
}

/** A fresh copy of the base repository and remote, with the remote pointed at the copy's folder. */
async function trialCopy(base: CrashBase, trial: string): Promise<void> {
  await cp(join(base.root, 'repo'), trial, { recursive: true });
  await cp(join(base.root, 'shared'), join(trial, '..', 'shared'), { recursive: true });
  const cli = (args: string[]) => run(['-C', trial, ...args], { cwd: trial, env: envFor(base.home) });
  expectOk(await cli(['remote', 'remove', 'shared']));
  expectOk(await cli(['remote', 'add', 'shared', join(trial, '..', 'shared')]));
}

async function verified(trial: string, home: string, why: string): Promise<void> {
  const r = await run(['-C', trial, 'verify', '--json'], { cwd: trial, env: envFor(home) });
  expect(r.code, `${why}: verify exited ${r.code}\n${r.stdout}${r.stderr}`).toBe(0);
}

export async function crashTrials(sb: Sandbox, base: CrashBase, perOp: number, seed: number): Promise<{ trials: number; killed: number }> {
  const rnd = prng(seed);
  let trials = 0;
  let killed = 0;
  for (const op of base.ops) {
    // How long the operation takes when nobody kills it: the window the kills are spread over.
    const probe = join(await sb.dir('cognify-crash-trial-'), 'repo');
    await trialCopy(base, probe);
    const full = await runKilled(op.args(probe), base.home, probe, 120_000);
    expect(full.killed, `${op.name} did not finish in 120 s`).toBe(false);
    await verified(probe, base.home, `${op.name} without a crash`);
    for (let i = 0; i < perOp; i++) {
      const at = Math.round(rnd() * full.ms * 1.1);
      const why = `${op.name}, trial ${i}, killed at ${at} ms of ${Math.round(full.ms)} (COGNIFY_CRASH_SEED=${seed})`;
      const trial = join(await sb.dir('cognify-crash-trial-'), 'repo');
      await trialCopy(base, trial);
      const r = await runKilled(op.args(trial), base.home, trial, at);
      trials++;
      if (r.killed) killed++;
      await verified(trial, base.home, `after the crash: ${why}`);
      const again = await run(['--as', 'ada@example.org', ...op.args(trial)], { cwd: trial, env: envFor(base.home) });
      expect(await op.redone(again, trial), `doing it again: ${why}\nexit ${again.code}\n${again.stdout}${again.stderr}`).toBe(true);
      await verified(trial, base.home, `after doing it again: ${why}`);
      if (op.name === 'push') {
        const clone = await run(['clone', join(trial, '..', 'shared'), join(trial, '..', 'clone')], { cwd: trial, env: envFor(base.home) });
        expect(clone.code, `a clone of the remote: ${why}\n${clone.stderr}`).toBe(0);
        await verified(join(trial, '..', 'clone'), base.home, `the remote's clone: ${why}`);
      }
    }
  }
  return { trials, killed };
}
