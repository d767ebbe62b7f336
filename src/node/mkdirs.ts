// mkdir -p without `recursive: true`: Node's recursive mkdir loops forever on file systems that
// answer ENOENT for a directory they refuse to create (procfs: `cognify init /proc/x` spun at
// 100% CPU). Walk up to the nearest existing ancestor, then create each level once.
import { mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/** Create `dir` and missing parents. Returns the first directory created, or undefined if it existed. */
export async function mkdirs(dir: string, mode = 0o777): Promise<string | undefined> {
  const missing: string[] = [];
  for (let d = resolve(dir); ; d = dirname(d)) {
    const st = await stat(d).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') return undefined;
      throw e;
    });
    if (st) {
      if (!st.isDirectory()) throw Object.assign(new Error(`${d} is not a directory`), { code: 'ENOTDIR' });
      break;
    }
    missing.unshift(d);
    if (dirname(d) === d) break;
  }
  for (const d of missing) {
    await mkdir(d, { mode }).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'EEXIST') throw e;
    });
  }
  return missing[0];
}
