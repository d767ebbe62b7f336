// Shared helpers for the CLI tests (STYLE.md point 9): run the real bin/cognify.cjs in a child
// process and look at stdout, stderr and the exit code, exactly as a user or a script would.
// Keys for most tests are made through the library with a low scrypt cost: a key made by
// `cognify id new` costs ~0.5 s per unlock (N = 2^17), one made here ~5 ms.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { openRepo } from '../../src/api/open-repo.js';
import type { Repo } from '../../src/api/repo.js';
import { createIdentity, identityEnvelope } from '../../src/chain/identity.js';
import type { IdentityObject } from '../../src/chain/chain-types.js';
import { seedSigner, type Signer } from '../../src/chain/signer.js';
import { createKey, unlockKey, type KeyInfo } from '../../src/node/keystore.js';
import { nodeProvider } from '../../src/node/node-crypto.js';
import { SUBLEVELS } from '../../src/store/store.js';

export const BIN = fileURLToPath(new URL('../../bin/cognify.cjs', import.meta.url));
export const PASS = 'correct horse battery staple';
export const FAST_SCRYPT = { N: 2 ** 12, r: 8, p: 1 };
/** Set on the child so a test that forgets COGNIFY_HOME can never touch a real ~/.cognify. */
const NO_HOME = join(tmpdir(), 'cognify-cli-test-no-home');

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout as bytes (for `cognify cat`). */
  raw: Buffer;
  ms: number;
  args: string[];
}

export interface RunOptions {
  cwd: string;
  /** Added to a minimal environment (PATH, HOME); a value of undefined removes the variable. */
  env?: Record<string, string | undefined>;
  /** Written to the child's stdin (default: nothing). */
  input?: string;
}

/** Run `node bin/cognify.cjs ...args`; stdin is a pipe (never a TTY), holding `input` if given. */
export function run(args: string[], opts: RunOptions): Promise<RunResult> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: NO_HOME };
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.stdin.end(opts.input ?? '');
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const raw = Buffer.concat(out);
      resolve({
        code: code ?? (signal ? 128 : -1),
        stdout: raw.toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        raw,
        ms: performance.now() - t0,
        args,
      });
    });
  });
}

/**
 * Start `cognify -C dir serve --port 0 --json ...args` with `env` (and PATH), and wait for the
 * address it prints. The page asks for passphrases itself.
 */
export async function startServe(dir: string, env: Record<string, string>, args: string[] = []): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(process.execPath, [BIN, '-C', dir, 'serve', '--port', '0', '--json', ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  const started = await new Promise<string>((res, rej) => {
    child.stdout.on('data', () => {
      try {
        res((JSON.parse(out) as { url: string }).url);
      } catch {
        // not all of it yet
      }
    });
    child.once('exit', (code) => rej(new Error(`cognify serve exited ${code}: ${err}`)));
  });
  return { child, url: started, output: () => out + err };
}

/** SIGTERM a child and wait until it has exited. */
export function stop(child: ChildProcess): Promise<void> {
  return new Promise((res) => {
    if (child.exitCode !== null) return res();
    child.once('exit', () => res());
    child.kill('SIGTERM');
  });
}

/** What a failed expectation prints: the command and everything it wrote. */
export function show(r: RunResult): string {
  return `cognify ${r.args.join(' ')}\n--- exit ${r.code}\n--- stdout\n${r.stdout}--- stderr\n${r.stderr}`;
}

/** Exit 0 and nothing on stderr. */
export function expectOk(r: RunResult): RunResult {
  expect(r.code, show(r)).toBe(0);
  expect(r.stderr, show(r)).toBe('');
  return r;
}

/** Exit 0, nothing on stderr, one JSON document on stdout. */
export function okJson<T = any>(r: RunResult): T {
  expectOk(r);
  return JSON.parse(r.stdout) as T;
}

const ERROR_LINE = /^cognify: (.+) \[([A-Z_]+)\]$/;

/**
 * The error contract: a non-zero exit code, exactly one `cognify: <message> [CODE]` line on
 * stderr (plus only the progress notices named in `notices`), no stack trace, and stdout empty,
 * or with --json exactly `{"error":{"code","message"}}`. Returns the message.
 */
export function expectError(r: RunResult, code: string, exit: number, opts: { json?: boolean; notices?: RegExp[] } = {}): string {
  const s = show(r);
  expect(r.code, s).toBe(exit);
  expect(r.code, s).not.toBe(0);
  const lines = r.stderr.split('\n');
  expect(lines.pop(), `stderr must end with a newline\n${s}`).toBe('');
  expect(lines.filter((l) => l.startsWith('    at ')), `no stack trace\n${s}`).toEqual([]);
  const errors = lines.filter((l) => ERROR_LINE.test(l));
  expect(errors, s).toHaveLength(1);
  expect(lines[lines.length - 1], `the error is the last stderr line\n${s}`).toBe(errors[0]);
  const others = lines.slice(0, -1);
  for (const l of others) expect(opts.notices?.some((n) => n.test(l)) ?? false, `unexpected stderr line ${JSON.stringify(l)}\n${s}`).toBe(true);
  const [, message, got] = ERROR_LINE.exec(errors[0]!)!;
  expect(got, s).toBe(code);
  if (opts.json) {
    expect(JSON.parse(r.stdout), s).toEqual({ error: { code, message } });
    expect(r.stdout.trim().split('\n'), s).toHaveLength(1);
  } else {
    expect(r.stdout, s).toBe('');
  }
  return message!;
}

/** Temporary directories made by one test file, removed in afterAll. */
export class Sandbox {
  private readonly dirs: string[] = [];

  async dir(prefix = 'cognify-cli-'): Promise<string> {
    const d = await realpath(await mkdtemp(join(tmpdir(), prefix)));
    this.dirs.push(d);
    return d;
  }

  async cleanup(): Promise<void> {
    await Promise.all(this.dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  }
}

/** A key in `home`, made through the library with a low scrypt cost. */
export function makeKey(home: string, name: string, email: string, passphrase = PASS): Promise<KeyInfo> {
  return createKey({ home, name, email, passphrase, scrypt: FAST_SCRYPT });
}

export async function signerOf(key: KeyInfo, passphrase = PASS): Promise<Signer> {
  return seedSigner(nodeProvider, await unlockKey(key, passphrase));
}

export async function identityOf(key: KeyInfo, passphrase = PASS): Promise<IdentityObject> {
  return createIdentity(nodeProvider, await signerOf(key, passphrase), { name: key.name, email: key.email, created: key.created });
}

/** The identity file `cognify id export` would write for `key`, written to `path`. */
export async function writeIdentityFile(key: KeyInfo, path: string): Promise<string> {
  const text = JSON.stringify(identityEnvelope(await identityOf(key)), null, 2) + '\n';
  await writeFile(path, text);
  return text;
}

/** Open the repository with the library, run `fn`, close it (the CLI cannot run meanwhile). */
export async function withRepo<T>(dir: string, fn: (repo: Repo) => Promise<T>): Promise<T> {
  const repo = await openRepo({ dir, crypto: nodeProvider, lockTimeoutMs: 5_000 });
  try {
    return await fn(repo);
  } finally {
    await repo.close();
  }
}

export type Snapshot = Record<string, { count: number; sha256: string }>;

/** Hash of every key and value of every sublevel, per sublevel: equal snapshots, unchanged repository. */
export async function snapshotOf(repo: Repo): Promise<Snapshot> {
  const out: Snapshot = {};
  for (const name of SUBLEVELS) {
    const h = createHash('sha256');
    let count = 0;
    for await (const [k, v] of repo.store.sub[name].iterator()) {
      const key = Buffer.from(k, 'utf8');
      h.update(`${key.length}:`).update(key).update(`${v.length}:`).update(v);
      count++;
    }
    out[name] = { count, sha256: h.digest('hex') };
  }
  return out;
}

export function snapshot(dir: string): Promise<Snapshot> {
  return withRepo(dir, snapshotOf);
}

/** Env for acting as someone: their keystore and passphrase. */
export function envFor(home: string, extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return { COGNIFY_HOME: home, COGNIFY_PASSPHRASE: PASS, ...extra };
}

/**
 * A fresh repository in `<root>/repo`, created by `cognify init` with `admin`'s key (which must
 * be in `home`). Returns the repository directory and id.
 */
export async function initRepo(root: string, home: string, admin: KeyInfo, name = 'test'): Promise<{ dir: string; id: string }> {
  const dir = join(root, 'repo');
  const r = await run(['--as', admin.email, 'init', dir, '--name', name, '--json'], { cwd: root, env: envFor(home) });
  const j = okJson<{ repo: string; path: string }>(r);
  return { dir, id: j.repo };
}

/** Add identities (signed by `admin`) and grants through the library: fast setup, not under test. */
export async function addPeople(dir: string, admin: KeyInfo, people: { key: KeyInfo; roles?: string[] }[]): Promise<void> {
  const signer = await signerOf(admin);
  const identities = await Promise.all(people.map((p) => identityOf(p.key)));
  await withRepo(dir, async (repo) => {
    for (let i = 0; i < people.length; i++) {
      await repo.addIdentity({ identity: identities[i]!, signer });
      for (const role of people[i]!.roles ?? []) await repo.grantRole({ who: people[i]!.key.fingerprint, role, signer });
    }
  });
}
