// readSmallFile (src/runs/small-file.ts) over real temp files. node:fs/promises is passed through
// with two hooks: every open() is recorded, to show an over-cap file is refused without being
// opened, and stat() can be made to under-report a size, to stand for a file that grows after its
// stat.
import { mkdir, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { InputError, NotFoundError, type CognifyError } from '../../src/core/errors.js';
import { readSmallFile, type SmallFileOptions } from '../../src/runs/small-file.js';
import { tempDir } from '../_fixtures.js';

const fsHooks = vi.hoisted(() => ({ opened: [] as string[], statSize: new Map<string, number>() }));

vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...fs,
    open: (async (path: string, ...rest: unknown[]) => {
      fsHooks.opened.push(String(path));
      return (fs.open as (...a: unknown[]) => unknown)(path, ...rest);
    }) as typeof fs.open,
    stat: (async (path: string) => {
      const st = await fs.stat(path);
      const size = fsHooks.statSize.get(String(path));
      if (size !== undefined) st.size = size;
      return st;
    }) as typeof fs.stat,
  };
});

const MiB = 1 << 20;
const OPTS: SmallFileOptions = { cap: 16, what: 'test file', hint: 'give a small file' };

async function rejectionOf(p: Promise<unknown>): Promise<CognifyError> {
  try {
    await p;
  } catch (e) {
    return e as CognifyError;
  }
  throw new Error('expected a rejection');
}

describe('readSmallFile', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir('cognify-small-file-'));
  });
  afterAll(() => cleanup());
  beforeEach(() => {
    fsHooks.opened.length = 0;
    fsHooks.statSize.clear();
  });

  it('returns the text, multi-byte characters and a leading byte order mark included', async () => {
    const p = join(dir, 'text.txt');
    const text = '\ufeffhé€𝄞ab\n';
    await writeFile(p, text);
    expect(Buffer.byteLength(text)).toBe(16);
    expect(await readSmallFile(p, OPTS)).toBe(text);
  });

  it('a missing file is NOT_FOUND, named with what it is and what to do', async () => {
    const p = join(dir, 'absent.txt');
    const e = await rejectionOf(readSmallFile(p, OPTS));
    expect(e).toBeInstanceOf(NotFoundError);
    expect(e.code).toBe('NOT_FOUND');
    expect(e.data).toEqual({ path: p });
    expect(e.message).toBe(`no test file ${p}; give a small file`);
  });

  it('a directory is INPUT_INVALID and is not opened', async () => {
    const p = join(dir, 'a-directory');
    await mkdir(p);
    const e = await rejectionOf(readSmallFile(p, OPTS));
    expect(e).toBeInstanceOf(InputError);
    expect(e.code).toBe('INPUT_INVALID');
    expect(e.message).toBe(`${p} is not a file; give a small file`);
    expect(fsHooks.opened).toEqual([]);
  });

  it('refuses a file over the cap by its size, without opening it (a sparse 1 GiB file, cap 64 MiB)', async () => {
    const p = join(dir, 'sparse.bin');
    await writeFile(p, '');
    await truncate(p, 1024 * MiB); // a hole: no bytes written
    const e = await rejectionOf(readSmallFile(p, { ...OPTS, cap: 64 * MiB, limitFor: 'a test file' }));
    expect(e.code).toBe('INPUT_INVALID');
    expect(e.data).toEqual({ path: p, size: 1024 * MiB, limit: 64 * MiB });
    expect(e.message).toBe(`${p} is ${1024 * MiB} bytes, over the 64 MiB limit for a test file; give a small file`);
    expect(fsHooks.opened).toEqual([]);
  });

  it('reads a file of exactly the cap; one byte more is refused', async () => {
    const p = join(dir, 'edge.txt');
    await writeFile(p, 'x'.repeat(16));
    expect(await readSmallFile(p, OPTS)).toBe('x'.repeat(16));
    expect(fsHooks.opened).toEqual([p]); // the hook sees opens, so the empty lists above mean something
    await writeFile(p, 'x'.repeat(17));
    const e = await rejectionOf(readSmallFile(p, OPTS));
    expect(e.data).toEqual({ path: p, size: 17, limit: 16 });
    expect(e.message).toBe(`${p} is 17 bytes, over the 16-byte limit for this file; give a small file`);
  });

  it('reads a larger file whole', async () => {
    const p = join(dir, 'larger.txt');
    const text = 'ab€\n'.repeat(50_000);
    await writeFile(p, text);
    expect(await readSmallFile(p, { ...OPTS, cap: MiB })).toBe(text);
  });

  it('a file that grew after its stat is read up to the cap, and refused past it', async () => {
    const p = join(dir, 'growing.txt');
    await writeFile(p, 'y'.repeat(16));
    fsHooks.statSize.set(p, 1);
    expect(await readSmallFile(p, OPTS)).toBe('y'.repeat(16));
    await writeFile(p, 'y'.repeat(10_000));
    const e = await rejectionOf(readSmallFile(p, OPTS));
    expect(e.code).toBe('INPUT_INVALID');
    expect(e.data).toEqual({ path: p, limit: 16 });
    expect(e.message).toMatch(/ grew past the 16-byte limit while being read/);
  });

  it('refuses bytes that are not UTF-8, unless told to replace them as Buffer#toString does', async () => {
    const p = join(dir, 'latin1.txt');
    const bytes = Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a, 0xf0, 0x9f, 0x98]);
    await writeFile(p, bytes);
    const e = await rejectionOf(readSmallFile(p, OPTS));
    expect(e.code).toBe('INPUT_INVALID');
    expect(e.message).toBe(`${p} is not valid UTF-8; give a small file`);
    expect(await readSmallFile(p, { ...OPTS, invalidUtf8: 'replace' })).toBe(bytes.toString('utf8'));
  });

  it('messages use the given name, and data the given key', async () => {
    await mkdir(join(dir, 'sub'));
    const p = join(dir, 'sub', 'model.safetensors.index.json');
    await writeFile(p, '{}'.padEnd(20));
    const opts = { ...OPTS, name: 'sub/model.safetensors.index.json', data: { file: 'sub/model.safetensors.index.json' } };
    const e = await rejectionOf(readSmallFile(p, opts));
    expect(e.data).toEqual({ file: 'sub/model.safetensors.index.json', size: 20, limit: 16 });
    expect(e.message).toMatch(/^sub\/model\.safetensors\.index\.json is 20 bytes/);
    const missing = await rejectionOf(readSmallFile(join(dir, 'sub', 'gone.json'), opts));
    expect(missing.data).toEqual({ file: 'sub/model.safetensors.index.json' });
  });

  it('other I/O errors are INPUT_INVALID and keep the cause', async () => {
    await writeFile(join(dir, 'plain.txt'), 'a file, not a directory');
    const p = join(dir, 'plain.txt', 'below-a-file'); // ENOTDIR
    const e = await rejectionOf(readSmallFile(p, OPTS));
    expect(e.code).toBe('INPUT_INVALID');
    expect(e.message).toMatch(new RegExp(`^cannot read test file ${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ENOTDIR`));
    expect((e.cause as NodeJS.ErrnoException).code).toBe('ENOTDIR');
  });
});
