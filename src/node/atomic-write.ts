// Crash-safe writing of a small file (the keystore's key files): no partial file is ever seen,
// and on request an existing file is never clobbered.

import { randomBytes } from 'node:crypto';
import { constants as fsc } from 'node:fs';
import { access, link, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** fsync a directory so a rename in it survives a crash; not every platform allows it. */
export async function syncDir(dir: string): Promise<void> {
  let fh;
  try {
    fh = await open(dir, fsc.O_RDONLY);
    await fh.sync();
  } catch {
    // Windows and some filesystems refuse to open or fsync a directory; the rename still happened.
  } finally {
    await fh?.close();
  }
}

/**
 * Atomic write: temp file (mode 0600 unless `mode` says otherwise, exclusive) in the same directory, fsync, then rename over
 * the target, or, when `overwrite` is false, link it to the target (which fails with EEXIST rather
 * than clobber a key). A crash leaves the old file or the new one, never a partial one; the temp
 * file is removed on every error path.
 */
export async function writeAtomic(path: string, data: string, overwrite: boolean, mode = 0o600): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(tmp, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, mode);
  try {
    try {
      await fh.chmod(mode); // the umask may only narrow the mode; make it exact anyway
      await fh.writeFile(data, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    if (overwrite) await rename(tmp, path);
    else await linkNoClobber(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  if (!overwrite) await unlink(tmp).catch(() => undefined); // a leftover ".*.tmp" is never read as a key
  await syncDir(dir);
}

async function linkNoClobber(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // Some filesystems (FAT, some network mounts) have no hard links: check, then rename.
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS' && code !== 'EOPNOTSUPP') throw e;
    const exists = await access(to).then(
      () => true,
      () => false,
    );
    if (exists) throw Object.assign(new Error(`${to} exists`), { code: 'EEXIST' });
    await rename(from, to);
  }
}
