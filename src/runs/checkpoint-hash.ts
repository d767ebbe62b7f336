// Checkpoint manifests (issue 4): every file of a checkpoint directory with its size, SHA-256,
// role and rank, and one root digest over the sorted entries, so that a set of weights can be
// named by one id and re-checked later. Files are streamed through SHA-256, never loaded whole;
// weights are hashed, not copied.
import { createReadStream } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { CryptoProvider } from '../core/crypto-provider.js';
import { toHex } from '../core/bytes.js';
import { encode } from '../core/cbor.js';
import { InputError, NotFoundError } from '../core/errors.js';
import { classifyCheckpointFile } from './checkpoint-layout.js';

export interface CheckpointFile {
  /** Path relative to the checkpoint directory, with "/" separators. */
  path: string;
  size: number;
  /** Hex SHA-256 of the file's bytes. */
  sha256: string;
  role: string;
  rank: number | null;
}

export interface CheckpointManifest {
  /** `sha256:` of the canonical CBOR of the entries [path, size, sha256] in path order. */
  root: string;
  files: CheckpointFile[];
  bytes: number;
}

/** Every regular file under `dir`, relative, sorted by UTF-8 bytes; symbolic links are refused (a manifest names real bytes). */
async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(d: string): Promise<void> {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const full = join(d, e.name);
      if (e.isSymbolicLink()) throw new InputError('INPUT_INVALID', `${full} is a symbolic link; copy the file it points to into the checkpoint, or hash that directory`, { path: full });
      if (e.isDirectory()) await walk(full);
      else if (e.isFile()) out.push(relative(dir, full).split(sep).join('/'));
    }
  }
  try {
    if (!(await lstat(dir)).isDirectory()) throw new InputError('INPUT_INVALID', `${dir} is not a directory; give the checkpoint's directory`, { dir });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError('NOT_FOUND', `no directory ${dir}`, { dir });
    throw e;
  }
  await walk(dir);
  return out.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

async function hashFile(path: string, crypto: CryptoProvider): Promise<{ size: number; sha256: string }> {
  const h = crypto.createSha256();
  let size = 0;
  for await (const piece of createReadStream(path, { highWaterMark: 1 << 20 })) {
    h.update(piece as Uint8Array);
    size += (piece as Uint8Array).length;
  }
  return { size, sha256: toHex(h.digest()) };
}

/** The root digest of a manifest's entries (see CheckpointManifest.root). */
export function checkpointRoot(files: readonly Pick<CheckpointFile, 'path' | 'size' | 'sha256'>[], crypto: CryptoProvider): string {
  const sorted = [...files].sort((a, b) => Buffer.compare(Buffer.from(a.path), Buffer.from(b.path)));
  const bytes = encode(sorted.map((f) => [f.path, f.size, f.sha256]));
  return `sha256:${toHex(crypto.sha256(bytes))}`;
}

/**
 * Hashes every file of a checkpoint directory. `onProgress` is called after each file with the
 * bytes hashed so far and the total, for a progress bar.
 */
export async function hashCheckpoint(dir: string, crypto: CryptoProvider, onProgress?: (done: number, total: number) => void): Promise<CheckpointManifest> {
  const paths = await listFiles(dir);
  const sizes = await Promise.all(paths.map(async (p) => (await lstat(join(dir, p))).size));
  const total = sizes.reduce((n, s) => n + s, 0);
  const files: CheckpointFile[] = [];
  let done = 0;
  for (const path of paths) {
    const { size, sha256 } = await hashFile(join(dir, path), crypto);
    const c = classifyCheckpointFile(path);
    files.push({ path, size, sha256, role: c.role, rank: c.rank });
    done += size;
    onProgress?.(done, total);
  }
  return { root: checkpointRoot(files, crypto), files, bytes: done };
}
