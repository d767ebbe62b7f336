// SHA-256 of many files at once: large files on worker threads (src/node/hash-worker.ts), one
// file per worker at a time, biggest first; small files batched so that a checkpoint of 200 tiny
// files costs a worker start-up or two, not 200. Hashing is node:crypto (OpenSSL, SHA-NI where the
// CPU has it); reads are positional into one reused buffer per thread, never a read stream.
//
// Every file is read to its end and must yield exactly the size it was listed with, and its size
// and mtime must be the same before and after the read: a file written to while it is hashed is
// refused (InputError), never given a digest for bytes that no longer exist.
//
// The worker runs from compiled JavaScript. From TypeScript sources (vitest), `./hash-worker.js`
// is not beside this file, and hashing falls back to the calling thread — same digests, one core
// (as src/node/chunk-pool.ts does); tests pass `workerUrl` to the compiled worker under dist/.
import { createHash } from 'node:crypto';
import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CognifyError, InputError, NotFoundError } from '../core/errors.js';

export interface HashJob {
  path: string;
  size: number;
}

export interface HashResult {
  size: number;
  /** Lower-case hex SHA-256 of the file's bytes. */
  sha256: string;
}

export interface HashFilesOptions {
  /**
   * Worker threads, at most one per unit of work; 0 hashes on the calling thread. Default: none
   * below INLINE_TOTAL_BYTES in all, else one per core.
   */
  workers?: number;
  /** Bytes hashed so far and the total: called at least every PROGRESS_BYTES or so, and once at the end. */
  onProgress?: (doneBytes: number, totalBytes: number) => void;
  signal?: AbortSignal;
  /** Read buffer per thread (default READ_BYTES); tests make it small to slow a read down. */
  bufferBytes?: number;
  /** The compiled worker script (default: hash-worker.js beside this module). */
  workerUrl?: URL;
}

const MiB = 1 << 20;
/**
 * Read size. Reads from the page cache are a memcpy, then SHA-256 reads the buffer again, so the
 * buffer should stay in cache, while each read(2) should move enough to amortise the call.
 * Measured on the shared 2-core EPYC bench VM (512 KiB L2 per core, 32 MiB L3), two workers over
 * two 512 MiB files, median of 7 interleaved runs, two sessions: 128 KiB 0.86 / 0.71 GB/s,
 * 1 MiB 0.91 / 0.82, 2 MiB 0.91, 4 MiB 1.00 / 0.81, 8 MiB 0.68. One thread alone favoured
 * 128 KiB (1.12 against 0.89 at 1 MiB), but with every core busy the larger reads won; 1 MiB is
 * among the best in every session. The calling-thread path uses it too: each of its reads is a
 * libuv thread-pool round trip, which small reads would multiply.
 */
export const READ_BYTES = 1 * MiB;
/** Files below this go to workers in batches, not one message each. */
export const SMALL_FILE_BYTES = 4 * MiB;
/** Cap of one batch of small files (bytes; and at most BATCH_FILES files). */
const BATCH_BYTES = 64 * MiB;
const BATCH_FILES = 256;
/**
 * Below this total, hash on the calling thread. A worker here took 40–110 ms (median ~55) from
 * `new Worker` to its first reply, and one thread hashes ~1.1 GB/s from the page cache, so n
 * workers only gain above about S·r·n/(n−1): ~130 MB on 2 idle cores, ~75 MB on 8. Measured on
 * the bench VM with 4 files: 48 MiB took 49 ms on the calling thread and 127 ms on 2 workers.
 */
export const INLINE_TOTAL_BYTES = 64 * MiB;
/** A worker reports progress after this many bytes (and at the end of each batch). */
export const PROGRESS_BYTES = 32 * MiB;

const DEFAULT_WORKER = new URL('./hash-worker.js', import.meta.url);

// ---- one file -----------------------------------------------------------------------------

function _changed(path: string, expected: number, found: number | null): InputError {
  const what = found === null ? 'it was modified during the read' : `expected ${expected} bytes, found ${found}`;
  return new InputError(
    'INPUT_INVALID',
    `${path} changed while it was hashed (${what}); hash it again once nothing is writing to it`,
    { path, expected, found },
  );
}

function _openError(path: string, e: unknown): CognifyError {
  const code = (e as NodeJS.ErrnoException).code ?? 'error';
  if (code === 'ENOENT') return new NotFoundError('NOT_FOUND', `no file ${path}; it was removed or renamed before it was hashed`, { path }, e);
  return new InputError('INPUT_INVALID', `${path}: cannot read (${code}); check the path and permissions`, { path, errno: code }, e);
}

/** Same size and mtime before and after the read; otherwise the digest may mix two versions. */
function _same(a: { size: bigint; mtimeNs: bigint }, b: { size: bigint; mtimeNs: bigint }): boolean {
  return a.size === b.size && a.mtimeNs === b.mtimeNs;
}

/**
 * Hash one file with blocking reads into `buf` (worker threads only: it holds the thread).
 * `onBytes` gets each read's length. Reads past `size` to prove the file ended there.
 */
export function _hashFileSync(path: string, size: number, buf: Buffer, onBytes: (n: number) => void): HashResult {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw _openError(path, e);
  }
  try {
    const before = fstatSync(fd, { bigint: true });
    if (!before.isFile()) throw new InputError('INPUT_INVALID', `${path} is not a regular file`, { path });
    if (before.size !== BigInt(size)) throw _changed(path, size, Number(before.size));
    const h = createHash('sha256');
    let pos = 0;
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, pos);
      if (n === 0) break;
      pos += n;
      if (pos > size) throw _changed(path, size, pos);
      h.update(n === buf.length ? buf : buf.subarray(0, n));
      onBytes(n);
    }
    if (pos !== size) throw _changed(path, size, pos);
    if (!_same(before, fstatSync(fd, { bigint: true }))) throw _changed(path, size, null);
    return { size, sha256: h.digest('hex') };
  } finally {
    closeSync(fd);
  }
}

/** Hash one file with non-blocking reads (calling thread); checks `signal` between reads. */
export async function _hashFileAsync(path: string, size: number, buf: Buffer, onBytes: (n: number) => void, signal?: AbortSignal): Promise<HashResult> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw _openError(path, e);
  }
  try {
    const before = await fh.stat({ bigint: true });
    if (!before.isFile()) throw new InputError('INPUT_INVALID', `${path} is not a regular file`, { path });
    if (before.size !== BigInt(size)) throw _changed(path, size, Number(before.size));
    const h = createHash('sha256');
    let pos = 0;
    for (;;) {
      signal?.throwIfAborted();
      const { bytesRead: n } = await fh.read(buf, 0, buf.length, pos);
      if (n === 0) break;
      pos += n;
      if (pos > size) throw _changed(path, size, pos);
      h.update(n === buf.length ? buf : buf.subarray(0, n));
      onBytes(n);
    }
    if (pos !== size) throw _changed(path, size, pos);
    if (!_same(before, await fh.stat({ bigint: true }))) throw _changed(path, size, null);
    return { size, sha256: h.digest('hex') };
  } finally {
    await fh.close();
  }
}

// ---- worker protocol ----------------------------------------------------------------------

/** Main → worker: hash these files, in order. */
export interface _Task {
  id: number;
  files: HashJob[];
  bufferBytes: number;
}

/** Worker → main. `progress` and `done` carry bytes hashed since the previous message. */
export type _Reply =
  | { id: number; type: 'progress'; bytes: number }
  | { id: number; type: 'done'; bytes: number; results: HashResult[] }
  | { id: number; type: 'error'; error: _WireError };

export interface _WireError {
  kind: string;
  code?: string;
  message: string;
  data?: Record<string, unknown>;
}

export function _toWire(e: unknown): _WireError {
  return e instanceof CognifyError
    ? { kind: e.constructor.name, code: e.code, message: e.message, data: e.data }
    : { kind: 'Error', message: String((e as Error)?.stack ?? e) };
}

function _fromWire(w: _WireError): Error {
  if (w.kind === 'NotFoundError') return new NotFoundError(w.code as never, w.message, w.data);
  if (w.kind === 'InputError') return new InputError(w.code as never, w.message, w.data);
  if (w.code) return new CognifyError(w.code as never, w.message, w.data);
  return new Error(`hash worker failed: ${w.message}`);
}

// ---- planning -----------------------------------------------------------------------------

export interface _Unit {
  /** Indexes into the caller's jobs. */
  jobs: number[];
  bytes: number;
}

/**
 * Large files one per unit, small ones packed into batches; units biggest first, so that the
 * longest file starts first and the tail is made of small units (longest-processing-time order).
 */
export function _plan(jobs: readonly HashJob[]): _Unit[] {
  const order = jobs.map((_, i) => i).sort((a, b) => jobs[b]!.size - jobs[a]!.size || a - b);
  const units: _Unit[] = [];
  let batch: _Unit | null = null;
  for (const i of order) {
    const size = jobs[i]!.size;
    if (size >= SMALL_FILE_BYTES) {
      units.push({ jobs: [i], bytes: size });
      continue;
    }
    if (!batch || batch.bytes + size > BATCH_BYTES || batch.jobs.length >= BATCH_FILES) units.push((batch = { jobs: [], bytes: 0 }));
    batch.jobs.push(i);
    batch.bytes += size;
  }
  return units.sort((a, b) => b.bytes - a.bytes);
}

function _checkJobs(jobs: unknown): asserts jobs is HashJob[] {
  if (!Array.isArray(jobs)) throw new InputError('INPUT_INVALID', 'hashFiles: expected an array of { path, size } jobs', {});
  jobs.forEach((j: Partial<HashJob> | null, i) => {
    if (typeof j?.path !== 'string' || j.path === '') throw new InputError('INPUT_INVALID', `hashFiles: job ${i} has no path`, { index: i });
    if (!Number.isSafeInteger(j.size) || (j.size as number) < 0) {
      throw new InputError('INPUT_INVALID', `hashFiles: job ${i} (${j.path}) has size ${String(j.size)}; expected a non-negative integer`, { index: i, path: j.path });
    }
  });
}

function _positiveInt(name: string, v: number | undefined, min: number): void {
  if (v !== undefined && (!Number.isSafeInteger(v) || v < min)) {
    throw new InputError('INPUT_INVALID', `hashFiles: ${name} must be an integer ≥ ${min}, got ${String(v)}`, { [name]: v });
  }
}

// ---- hashFiles ----------------------------------------------------------------------------

/**
 * SHA-256 and size of every file, in job order. Each job's `size` is what the file must hold:
 * a file that is shorter, longer or rewritten during the read is an InputError naming it.
 * On error or abort every worker is terminated before the promise settles.
 */
export async function hashFiles(jobs: HashJob[], opts: HashFilesOptions = {}): Promise<HashResult[]> {
  _checkJobs(jobs);
  _positiveInt('workers', opts.workers, 0);
  _positiveInt('bufferBytes', opts.bufferBytes, 1);
  opts.signal?.throwIfAborted();

  const total = jobs.reduce((n, j) => n + j.size, 0);
  let done = 0;
  let last = -1;
  const progress = (n: number): void => {
    if (n <= 0) return;
    done += n;
    last = done;
    opts.onProgress?.(done, total);
  };
  const results: HashResult[] = new Array<HashResult>(jobs.length);

  const units = _plan(jobs);
  const url = opts.workerUrl ?? DEFAULT_WORKER;
  // An explicit count is obeyed (capped by the work); the default weighs start-up against the total.
  const wanted = opts.workers ?? (total < INLINE_TOTAL_BYTES ? 0 : availableParallelism());
  const workers = existsSync(fileURLToPath(url)) ? Math.min(wanted, units.length) : 0;

  if (workers === 0) await _hashInline(jobs, results, progress, opts);
  else await _hashOnWorkers(jobs, units, results, progress, { ...opts, workerUrl: url, workers });
  if (last !== total) opts.onProgress?.(total, total); // e.g. every file empty
  return results;
}

async function _hashInline(jobs: readonly HashJob[], results: HashResult[], progress: (n: number) => void, opts: HashFilesOptions): Promise<void> {
  const largest = jobs.reduce((m, j) => Math.max(m, j.size), 0);
  const buf = Buffer.allocUnsafe(Math.max(1, Math.min(opts.bufferBytes ?? READ_BYTES, largest + 1)));
  let pending = 0;
  const onBytes = (n: number): void => {
    pending += n;
    if (pending >= PROGRESS_BYTES) {
      progress(pending);
      pending = 0;
    }
  };
  for (let i = 0; i < jobs.length; i++) {
    const j = jobs[i]!;
    results[i] = await _hashFileAsync(j.path, j.size, buf, onBytes, opts.signal);
  }
  progress(pending);
}

function _hashOnWorkers(
  jobs: readonly HashJob[],
  units: _Unit[],
  results: HashResult[],
  progress: (n: number) => void,
  opts: HashFilesOptions & { workerUrl: URL; workers: number },
): Promise<void> {
  const { signal } = opts;
  const bufferBytes = opts.bufferBytes ?? READ_BYTES;
  return new Promise<void>((resolve, reject) => {
    const pool: Worker[] = [];
    const stopped = new Map<Worker, Promise<unknown>>();
    const stop = (w: Worker): Promise<unknown> => {
      let p = stopped.get(w);
      if (!p) stopped.set(w, (p = w.terminate().catch(() => undefined)));
      return p;
    };
    const assigned = new Map<number, _Unit>();
    let nextUnit = 0;
    let nextId = 0;
    let busy = 0;
    let settled = false;

    const finish = (error?: unknown): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      // Settle only once every thread is gone: a caller that sees the promise settle sees no workers.
      void Promise.all(pool.map(stop)).then(() => (error === undefined ? resolve() : reject(error)));
    };
    const onAbort = (): void => finish(signal!.reason);
    signal?.addEventListener('abort', onAbort, { once: true });

    const feed = (w: Worker): void => {
      const unit = units[nextUnit++];
      if (!unit) {
        void stop(w); // nothing left for it; free the thread now
        if (busy === 0) finish();
        return;
      }
      busy++;
      const id = nextId++;
      assigned.set(id, unit);
      const task: _Task = { id, files: unit.jobs.map((i) => ({ path: jobs[i]!.path, size: jobs[i]!.size })), bufferBytes };
      w.postMessage(task);
    };

    for (let k = 0; k < opts.workers; k++) {
      const w = new Worker(opts.workerUrl);
      pool.push(w);
      w.on('message', (m: _Reply) => {
        if (settled) return;
        try {
          if (m.type === 'progress') return progress(m.bytes);
          if (m.type === 'error') return finish(_fromWire(m.error));
          const unit = assigned.get(m.id)!;
          assigned.delete(m.id);
          unit.jobs.forEach((i, k) => (results[i] = m.results[k]!));
          busy--;
          progress(m.bytes);
          feed(w);
        } catch (e) {
          finish(e); // a throwing onProgress stops the run like any other error
        }
      });
      w.on('error', (e) => finish(e));
      w.on('exit', (code) => {
        if (!settled && !stopped.has(w)) finish(new Error(`hash worker exited early (code ${code})`));
      });
      feed(w);
    }
  });
}
