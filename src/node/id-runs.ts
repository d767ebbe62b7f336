// Verify's sorted runs of subject ids (src/chain/subject-ids.ts) as files in a temporary
// directory (os.tmpdir(), so TMPDIR), made on the first run and removed by close(); verify
// writes nothing to the repository.
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IdRuns } from '../chain/subject-ids.js';
import { RepoError } from '../core/errors.js';

/** Bytes read from a run at a time (a whole number of 32-byte ids). */
const BLOCK = 64 * 1024;

export function fileIdRuns(opts: { tmpDir?: string } = {}): IdRuns {
  let dir: string | undefined;
  const files: string[] = [];
  return {
    async write(run) {
      const base = opts.tmpDir ?? tmpdir();
      try {
        dir ??= await mkdtemp(join(base, 'cognify-verify-'));
        const file = join(dir, `run-${files.length}`);
        await writeFile(file, run, { mode: 0o600 });
        files.push(file);
      } catch (e) {
        throw new RepoError('IO_FAILED', `cannot write verify's temporary files in ${base}: ${(e as Error).message}; set TMPDIR to a writable directory with room for 32 bytes per log entry`, { path: base }, e);
      }
    },
    read() {
      return files.map((file) => blocks(file));
    },
    async close() {
      if (dir) await rm(dir, { recursive: true, force: true });
      dir = undefined;
      files.length = 0;
    },
  };
}

async function* blocks(file: string): AsyncGenerator<Uint8Array> {
  const fh = await open(file, 'r');
  try {
    const buf = new Uint8Array(BLOCK);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, BLOCK);
      if (bytesRead === 0) return;
      yield buf.subarray(0, bytesRead);
    }
  } finally {
    await fh.close();
  }
}
