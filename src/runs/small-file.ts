// Reads a small file whole: an lm-eval results file, an objectives mapping, a shard index, the
// JSON a Trainer leaves. Each has a cap on its size, far above any real file of its kind, because a
// file that large is something else (a samples dump, a mixed-up path) and reading it whole would
// cost its size in memory. The cap is checked on the stat, before a byte is read, and again on the
// bytes (a file can grow after its stat); the read stops one byte past the cap, so memory stays
// bounded either way.
//
// Every error names the file as `name` and carries `data` (the caller's key for it: `path` or
// `file`), so the callers' messages and data keep their shape:
//   missing           NotFoundError 'NOT_FOUND'      "no <what> <name>; <hint>"
//   not regular file  InputError 'INPUT_INVALID'     "<name> is not a file; <hint>"
//   over the cap      InputError (+ size, limit)     "<name> is N bytes, over the 64 MiB limit for <limitFor>; <hint>"
//   invalid UTF-8     InputError                     "<name> is not valid UTF-8; <hint>"
//   other I/O errors  InputError                     "cannot read <what> <name>: <errno message>; check ..."
//
// The text is returned as decoded, a leading byte order mark included: callers that accept one
// (lm-eval.ts) or need it gone (hf-trainer.ts) say so themselves.
import { open, stat } from 'node:fs/promises';
import { CognifyError, InputError, NotFoundError } from '../core/errors.js';

export interface SmallFileOptions {
  /** The largest size accepted, in bytes. */
  cap: number;
  /** What the file is, as "no <what> <name>" says it: 'lm-eval results file', 'shard index'. */
  what: string;
  /** What to do about it; ends the messages: 'give the results_<timestamp>.json that lm_eval writes'. */
  hint: string;
  /** Ends "over the 64 MiB limit for …": 'a results file'. Default 'this file'. */
  limitFor?: string;
  /** How messages name the file. Default `path`. */
  name?: string;
  /** Identifies the file in every error's `data`. Default `{ path }`. */
  data?: Record<string, unknown>;
  /** Bytes that are not UTF-8: refused (default), or decoded to U+FFFD as Buffer#toString does. */
  invalidUtf8?: 'refuse' | 'replace';
}

const MiB = 1 << 20;

function _limit(cap: number): string {
  return cap % MiB === 0 ? `${cap / MiB} MiB` : `${cap}-byte`;
}

/** The file at `path` as UTF-8 text, refused without reading when its stat says it is over `cap` bytes. */
export async function readSmallFile(path: string, opts: SmallFileOptions): Promise<string> {
  const { cap, what, hint } = opts;
  const name = opts.name ?? path;
  const data = opts.data ?? { path };
  const invalid = (why: string, more: Record<string, unknown> = {}, cause?: unknown) =>
    new InputError('INPUT_INVALID', `${name} ${why}; ${hint}`, { ...data, ...more }, cause);

  let bytes: Buffer;
  try {
    const st = await stat(path);
    // Also keeps a FIFO or a device from being opened: a read from one need never end.
    if (!st.isFile()) throw invalid('is not a file');
    if (st.size > cap) throw invalid(`is ${st.size} bytes, over the ${_limit(cap)} limit for ${opts.limitFor ?? 'this file'}`, { size: st.size, limit: cap });
    bytes = await _readAtMost(path, cap + 1, st.size);
  } catch (e) {
    if (e instanceof CognifyError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new NotFoundError('NOT_FOUND', `no ${what} ${name}; ${hint}`, { ...data }, e);
    if (code === 'EISDIR') throw invalid('is not a file', {}, e);
    throw new InputError('INPUT_INVALID', `cannot read ${what} ${name}: ${(e as Error).message}; check the path and permissions`, { ...data }, e);
  }
  if (bytes.length > cap) {
    throw new InputError('INPUT_INVALID', `${name} grew past the ${_limit(cap)} limit while being read; retry when nothing is writing to it`, { ...data, limit: cap });
  }
  try {
    // ignoreBOM keeps a leading U+FEFF in the text, as Buffer#toString('utf8') does.
    return new TextDecoder('utf-8', { fatal: opts.invalidUtf8 !== 'replace', ignoreBOM: true }).decode(bytes);
  } catch (e) {
    throw invalid('is not valid UTF-8', {}, e);
  }
}

/** At most `max` bytes of the file at `path`; `expected` (its size by stat) sizes the first buffer. */
async function _readAtMost(path: string, max: number, expected: number): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    // One byte over `expected`, so a file that is the size its stat said ends in one read plus EOF.
    let buf = Buffer.allocUnsafe(Math.min(expected + 1, max));
    let n = 0;
    for (;;) {
      if (n === buf.length) {
        if (n === max) break;
        const bigger = Buffer.allocUnsafe(Math.min(2 * n, max));
        buf.copy(bigger, 0, 0, n);
        buf = bigger;
      }
      const { bytesRead } = await fh.read(buf, n, buf.length - n, n);
      if (bytesRead === 0) break;
      n += bytesRead;
    }
    return buf.subarray(0, n);
  } finally {
    await fh.close();
  }
}
