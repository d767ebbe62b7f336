// Where a repository lives on disk and how its LevelDB is opened. A repository is a directory
// holding `.cognify/db` (LevelDB). LevelDB's LOCK file gives one process at a time: a second
// process waits (polling) and, past the timeout, fails with REPO_LOCKED — it never writes.
import { existsSync, statSync } from 'node:fs';
import { mkdir, rename, rm, rmdir } from 'node:fs/promises';
import { mkdirs } from './mkdirs.js';
import { dirname, join, resolve } from 'node:path';
import { Level } from 'level';
import { RepoError } from '../core/errors.js';
import type { Database } from '../store/store.js';

export const REPO_DIRNAME = '.cognify';
export const DEFAULT_LOCK_TIMEOUT_MS = 10_000;

export function dbPath(repoDir: string): string {
  return join(repoDir, REPO_DIRNAME, 'db');
}

export function isRepoDir(dir: string): boolean {
  return existsSync(dbPath(dir));
}

/** The repository containing `start`: the nearest ancestor holding `.cognify`. */
export function findRepoDir(start: string): string {
  let dir = resolve(start);
  for (;;) {
    if (isRepoDir(dir)) return dir;
    const up = dirname(dir);
    if (up === dir) {
      throw new RepoError('REPO_NOT_FOUND', `${resolve(start)} is not inside a Cognify repository; run cognify init, or pass -C <dir>`, { dir: resolve(start) });
    }
    dir = up;
  }
}

export interface OpenDbOptions {
  lockTimeoutMs?: number;
  /** Called once when the lock is busy and we start waiting. */
  onWait?: () => void;
}

function isLocked(e: unknown): boolean {
  for (let c = e as { code?: string; cause?: unknown } | undefined; c; c = c.cause as typeof c) {
    if (c.code === 'LEVEL_LOCKED') return true;
  }
  return false;
}

type LevelDb = Level<string, Uint8Array>;

async function openLevel(location: string, createIfMissing: boolean, opts: OpenDbOptions): Promise<LevelDb> {
  const timeout = opts.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  const started = Date.now();
  let waited = false;
  for (let delay = 25; ; delay = Math.min(delay * 2, 250)) {
    const db = new Level<string, Uint8Array>(location, { valueEncoding: 'view', createIfMissing, errorIfExists: false });
    try {
      await db.open();
      return db;
    } catch (e) {
      if (!isLocked(e)) throw new RepoError('IO_FAILED', `cannot open the repository database at ${location}: ${[(e as Error).message, ((e as { cause?: Error }).cause)?.message].filter(Boolean).join(': ')}`, { location }, e);
      if (Date.now() - started >= timeout) {
        throw new RepoError(
          'REPO_LOCKED',
          `repository is in use by another cognify process (waited ${timeout < 10_000 ? (timeout / 1000).toFixed(1) : Math.round(timeout / 1000)}s); wait for it to finish and try again, or set COGNIFY_LOCK_TIMEOUT_MS to wait longer`,
          { location, timeoutMs: timeout },
          e,
        );
      }
      if (!waited) {
        waited = true;
        opts.onWait?.();
      }
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}

export interface OpenedDb {
  db: Database;
  close(): Promise<void>;
}

function wrap(level: LevelDb): OpenedDb {
  return { db: level as unknown as Database, close: () => level.close() };
}

export async function openRepoDb(repoDir: string, opts: OpenDbOptions = {}): Promise<OpenedDb> {
  if (!isRepoDir(repoDir)) {
    throw new RepoError('REPO_NOT_FOUND', `${repoDir} is not a Cognify repository; run cognify init there, or pass -C <dir>`, { dir: repoDir });
  }
  return wrap(await openLevel(dbPath(repoDir), false, opts));
}

/**
 * Create a repository atomically: the database is built in `.cognify.tmp-<pid>` by `build` and
 * renamed to `.cognify` only when `build` succeeded, so a failed or killed init leaves no
 * half-made repository.
 */
export async function createRepoDb<T>(repoDir: string, build: (db: Database) => Promise<T>): Promise<T> {
  const dir = resolve(repoDir);
  if (existsSync(join(dir, REPO_DIRNAME))) {
    throw new RepoError(
      'REPO_EXISTS',
      isRepoDir(dir)
        ? `${dir} already holds a Cognify repository (.cognify); use it, or choose another directory`
        : `${dir} already has a .cognify that is not a repository (the keystore's default home is ~/.cognify); choose another directory`,
      { dir },
    );
  }
  if (existsSync(dir) && !statSync(dir).isDirectory()) {
    throw new RepoError('IO_FAILED', `${dir} exists and is not a directory`, { dir });
  }
  // The directories this call makes, outermost first: a refused build leaves none of them behind.
  const made: string[] = [];
  for (let p = dir; !existsSync(p) && p !== dirname(p); p = dirname(p)) made.unshift(p);
  const unmake = async () => {
    for (const d of [...made].reverse()) await rmdir(d).catch(() => undefined);
  };
  try {
    await mkdirs(dir);
  } catch (e) {
    await unmake();
    throw new RepoError('IO_FAILED', `cannot create ${dir}: ${(e as Error).message}`, { dir }, e);
  }
  const tmp = join(dir, `${REPO_DIRNAME}.tmp-${process.pid}-${Date.now()}`);
  try {
    await mkdir(tmp, { mode: 0o755 });
    const level = await openLevel(join(tmp, 'db'), true, {});
    let result: T;
    try {
      result = await build(level as unknown as Database);
    } finally {
      await level.close();
    }
    await rename(tmp, join(dir, REPO_DIRNAME));
    return result;
  } catch (e) {
    await rm(tmp, { recursive: true, force: true });
    await unmake();
    throw e;
  }
}
