// Code provenance over real repositories built with the git binary (setup only; the code under
// test reads them with isomorphic-git): commit, branch, remote without credentials, and every
// kind of difference of the working tree from the commit, hashed from the bytes on disk.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { _classify, readCodeProvenance, stripUrlCredentials } from '../../src/runs/code-provenance.js';
import { tempDir } from '../_fixtures.js';

let base: string;
let cleanup: () => Promise<void>;
const sha = (b: string | Uint8Array) => createHash('sha256').update(b).digest('hex');

// A git that reads no user or system configuration, with a fixed identity and dates.
const ENV = {
  ...process.env,
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'Ada',
  GIT_AUTHOR_EMAIL: 'ada@example.org',
  GIT_COMMITTER_NAME: 'Ada',
  GIT_COMMITTER_EMAIL: 'ada@example.org',
  GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z',
  GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z',
};
function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env: ENV, encoding: 'utf8' }).trim();
}
function write(dir: string, rel: string, text: string): void {
  mkdirSync(join(dir, rel, '..'), { recursive: true });
  writeFileSync(join(dir, rel), text);
}
function newGit(name: string, files: Record<string, string>): string {
  const dir = join(base, name);
  mkdirSync(dir);
  git(dir, 'init', '-q', '-b', 'main');
  for (const [rel, text] of Object.entries(files)) write(dir, rel, text);
  if (Object.keys(files).length > 0) {
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'initial');
  }
  return dir;
}

beforeAll(async () => {
  const t = await tempDir('cognify-code-');
  base = t.dir;
  cleanup = t.cleanup;
});
afterAll(() => cleanup());

describe('readCodeProvenance', () => {
  it('records every difference from the commit, and nothing that is ignored or only staged', async () => {
    const dir = newGit('dirty', {
      '.gitignore': '*.log\nout/\n',
      'README.md': 'readme\n',
      'config.yaml': 'lr: 0.0002\n',
      'old.py': 'print("old")\n',
      'gone.py': 'print("gone")\n',
      'src/train.py': 'print("train")\n',
      'src/data.py': 'print("data")\n',
      'restaged.txt': 'same\n',
    });
    const commit = git(dir, 'rev-parse', 'HEAD');
    git(dir, 'remote', 'add', 'upstream', 'https://github.com/upstream/repo.git');
    git(dir, 'remote', 'add', 'origin', 'https://ada:ghp_SECRET@github.com/org/repo.git');

    write(dir, 'src/train.py', 'print("train, changed")\n'); // modified, unstaged
    write(dir, 'config.yaml', 'lr: 0.0001\n'); // modified, staged
    git(dir, 'add', 'config.yaml');
    rmSync(join(dir, 'old.py')); // deleted, unstaged
    git(dir, 'rm', '-q', 'gone.py'); // deleted, staged
    write(dir, 'src/lora.py', 'print("lora")\n'); // added, staged
    git(dir, 'add', 'src/lora.py');
    write(dir, 'src/lora.py', 'print("lora v2")\n'); // ... and changed again after staging
    write(dir, 'notes.md', '# notes\n'); // untracked
    write(dir, 'extra/more.csv', 'a,b\n1,2\n'); // untracked, in an untracked directory
    write(dir, 'train.log', 'loss 0.1\n'); // ignored
    write(dir, 'out/model.bin', 'weights'); // ignored directory
    write(dir, 'restaged.txt', 'other\n'); // staged, then the working tree put back: only the index differs
    git(dir, 'add', 'restaged.txt');
    write(dir, 'restaged.txt', 'same\n');
    const index = readFileSync(join(dir, '.git/index'));

    const p = await readCodeProvenance({ dir: join(dir, 'src') }); // from a subdirectory
    expect(p).toEqual({
      root: dir,
      commit,
      branch: 'main',
      remote: { name: 'origin', url: 'https://github.com/org/repo.git' },
      dirty: [
        { path: 'config.yaml', status: 'modified', sha256: sha('lr: 0.0001\n'), size: 11 },
        { path: 'extra/more.csv', status: 'untracked', sha256: sha('a,b\n1,2\n'), size: 8 },
        { path: 'gone.py', status: 'deleted', sha256: null, size: null },
        { path: 'notes.md', status: 'untracked', sha256: sha('# notes\n'), size: 8 },
        { path: 'old.py', status: 'deleted', sha256: null, size: null },
        { path: 'src/lora.py', status: 'added', sha256: sha('print("lora v2")\n'), size: 17 },
        { path: 'src/train.py', status: 'modified', sha256: sha('print("train, changed")\n'), size: 24 },
      ],
      clean: false,
    });
    // Read-only: the index git wrote is left as it was.
    expect(readFileSync(join(dir, '.git/index')).equals(index)).toBe(true);
  });

  it('a clean tree: clean, the first remote when there is no origin, scp-like URL kept', async () => {
    const dir = newGit('clean', { 'train.py': 'x = 1\n', '.gitignore': 'wandb/\n' });
    git(dir, 'remote', 'add', 'mirror', 'git@github.com:org/repo.git');
    git(dir, 'remote', 'add', 'zeta', 'https://example.org/zeta.git');
    write(dir, 'wandb/run-1/log.txt', 'ignored');
    const p = await readCodeProvenance({ dir });
    expect(p).toEqual({
      root: dir,
      commit: git(dir, 'rev-parse', 'HEAD'),
      branch: 'main',
      remote: { name: 'mirror', url: 'git@github.com:org/repo.git' },
      dirty: [],
      clean: true,
    });
  });

  it('a detached HEAD has no branch, and no remote is null', async () => {
    const dir = newGit('detached', { 'a.txt': 'one\n' });
    const first = git(dir, 'rev-parse', 'HEAD');
    write(dir, 'a.txt', 'two\n');
    git(dir, 'commit', '-q', '-am', 'second');
    git(dir, 'checkout', '-q', '--detach', first);
    const p = await readCodeProvenance({ dir });
    expect(p).toEqual({ root: dir, commit: first, branch: null, remote: null, dirty: [], clean: true });
  });

  it('a repository with no commits: commit null, every file added or untracked, never clean', async () => {
    const dir = newGit('empty', {});
    write(dir, 'staged.py', 'a\n');
    git(dir, 'add', 'staged.py');
    write(dir, 'loose.py', 'bb\n');
    const p = await readCodeProvenance({ dir });
    expect(p).toEqual({
      root: dir,
      commit: null,
      branch: 'main',
      remote: null,
      dirty: [
        { path: 'loose.py', status: 'untracked', sha256: sha('bb\n'), size: 3 },
        { path: 'staged.py', status: 'added', sha256: sha('a\n'), size: 2 },
      ],
      clean: false,
    });
    const none = newGit('none', {});
    expect(await readCodeProvenance({ dir: none })).toEqual({ root: none, commit: null, branch: 'main', remote: null, dirty: [], clean: false });
  });

  it('a linked worktree (git worktree add): its own HEAD, index and changes; the shared refs and remote', async () => {
    const main = newGit('wt-main', { 'train.py': 'v1\n' });
    git(main, 'remote', 'add', 'origin', 'https://github.com/org/repo.git');
    const linked = join(base, 'wt-linked');
    git(main, 'worktree', 'add', '-q', '-b', 'exp', linked);
    write(linked, 'train.py', 'v2\n');
    git(linked, 'commit', '-q', '-am', 'v2');
    write(linked, 'train.py', 'v3\n');
    write(main, 'scratch.txt', 'main only\n');
    expect(await readCodeProvenance({ dir: linked })).toEqual({
      root: linked,
      commit: git(linked, 'rev-parse', 'HEAD'),
      branch: 'exp',
      remote: { name: 'origin', url: 'https://github.com/org/repo.git' },
      dirty: [{ path: 'train.py', status: 'modified', sha256: sha('v3\n'), size: 3 }],
      clean: false,
    });
    // The main work tree is unaffected by the linked one's branch and index.
    expect(await readCodeProvenance({ dir: main })).toMatchObject({
      commit: git(main, 'rev-parse', 'HEAD'),
      branch: 'main',
      dirty: [{ path: 'scratch.txt', status: 'untracked', sha256: sha('main only\n'), size: 10 }],
    });
  });

  it('submodules: their own work trees, and their changes listed under their path in the outer one', async () => {
    const lib = newGit('sub-lib', { 'lib.py': 'lib\n' });
    const outer = newGit('sub-outer', { 'main.py': 'main\n' });
    git(outer, '-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', lib, 'vendor/lib');
    git(outer, 'commit', '-q', '-m', 'add submodule');
    const recorded = git(lib, 'rev-parse', 'HEAD');
    expect(await readCodeProvenance({ dir: outer })).toMatchObject({ dirty: [], clean: true });

    const inner = join(outer, 'vendor/lib');
    write(inner, 'lib.py', 'patched\n');
    expect(await readCodeProvenance({ dir: inner })).toEqual({
      root: inner,
      commit: recorded,
      branch: 'main',
      remote: { name: 'origin', url: lib },
      dirty: [{ path: 'lib.py', status: 'modified', sha256: sha('patched\n'), size: 8 }],
      clean: false,
    });
    // From the outer work tree: the submodule's changed file, under its path.
    expect(await readCodeProvenance({ dir: outer })).toMatchObject({
      dirty: [{ path: 'vendor/lib/lib.py', status: 'modified', sha256: sha('patched\n'), size: 8 }],
      clean: false,
    });
    // Checked out at another commit than the outer commit records: the submodule itself is listed.
    git(inner, 'commit', '-q', '-am', 'patch');
    expect(await readCodeProvenance({ dir: outer })).toMatchObject({
      dirty: [{ path: 'vendor/lib', status: 'modified', sha256: null, size: null }],
      clean: false,
    });
    // Not checked out (deinit empties its directory): no code of it ran, nothing to list.
    git(outer, 'submodule', 'deinit', '-q', '-f', 'vendor/lib');
    expect(await readCodeProvenance({ dir: outer })).toMatchObject({ dirty: [], clean: true });
    // Its directory removed: deleted.
    rmSync(inner, { recursive: true });
    expect(await readCodeProvenance({ dir: outer })).toMatchObject({ dirty: [{ path: 'vendor/lib', status: 'deleted', sha256: null, size: null }] });
  });

  it('hashes a symbolic link as git stores it: its target text', async () => {
    const dir = newGit('link', { 'a.txt': 'a\n' });
    symlinkSync('a.txt', join(dir, 'alias'));
    const p = await readCodeProvenance({ dir });
    expect(p.dirty).toEqual([{ path: 'alias', status: 'untracked', sha256: sha('a.txt'), size: 5 }]);
  });

  it('uses the injected hash function on the working-tree bytes', async () => {
    const dir = newGit('inject', { 'a.txt': 'a\n' });
    write(dir, 'a.txt', 'changed\n');
    const seen: string[] = [];
    const p = await readCodeProvenance({
      dir,
      sha256: (b) => {
        seen.push(Buffer.from(b).toString());
        return sha(b);
      },
    });
    expect(seen).toEqual(['changed\n']);
    expect(p.dirty).toEqual([{ path: 'a.txt', status: 'modified', sha256: sha('changed\n'), size: 8 }]);
  });

  it('refuses more dirty files than maxDirtyFiles, saying so', async () => {
    const dir = newGit('many', { 'a.txt': 'a\n' });
    for (let i = 0; i < 5; i++) write(dir, `gen/${i}.txt`, `${i}`);
    await expect(readCodeProvenance({ dir, maxDirtyFiles: 5 })).resolves.toMatchObject({ clean: false });
    const err = await readCodeProvenance({ dir, maxDirtyFiles: 4 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'INPUT_INVALID', data: { maxDirtyFiles: 4 } });
    expect((err as Error).message).toMatch(/more than 4 files differ.*maxDirtyFiles/);
    await expect(readCodeProvenance({ dir, maxDirtyFiles: -1 })).rejects.toMatchObject({ code: 'INPUT_INVALID' });
  });

  it('outside a git working tree: one InputError that says what to do', async () => {
    const plain = join(base, 'plain');
    mkdirSync(plain);
    const err = await readCodeProvenance({ dir: plain }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'INPUT_INVALID', data: { dir: plain } });
    expect((err as Error).message).toBe(`${plain}: not inside a git working tree; give --code the directory of the training code's repository, or leave --code out`);
    await expect(readCodeProvenance({ dir: join(base, 'missing') })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('statusMatrix rows', () => {
  // Every combination in isomorphic-git's statusMatrix table, with `git status --short`.
  it.each([
    [[0, 0, 3], null], // AD
    [[0, 2, 0], 'untracked'], // ??
    [[0, 2, 2], 'added'], // A
    [[0, 2, 3], 'added'], // AM
    [[1, 0, 0], 'deleted'], // D
    [[1, 0, 1], 'deleted'], //  D
    [[1, 0, 3], 'deleted'], // MD
    [[1, 1, 0], null], // D + ?? with HEAD's bytes
    [[1, 1, 1], null], // unmodified
    [[1, 1, 3], null], // MM back to HEAD's bytes
    [[1, 2, 0], 'modified'], // D + ?? with other bytes
    [[1, 2, 1], 'modified'], //  M
    [[1, 2, 2], 'modified'], // M
    [[1, 2, 3], 'modified'], // MM
  ] as const)('%j -> %s', (codes, status) => {
    expect(_classify(['f', ...codes] as unknown as Parameters<typeof _classify>[0])).toBe(status);
  });
});

describe('stripUrlCredentials', () => {
  it.each([
    ['https://user:token@github.com/org/repo.git', 'https://github.com/org/repo.git'],
    ['https://ghp_abc123@github.com/org/repo.git', 'https://github.com/org/repo.git'],
    ['http://u:p%40ss@host:8080/r', 'http://host:8080/r'],
    ['git+https://u:t@github.com/org/repo@abc123#egg=x', 'git+https://github.com/org/repo@abc123#egg=x'],
    ['ssh://git:pw@host/r.git', 'ssh://git@host/r.git'],
    ['ssh://git@host/r.git', 'ssh://git@host/r.git'],
    ['git@github.com:org/repo.git', 'git@github.com:org/repo.git'],
    ['https://github.com/org/repo.git', 'https://github.com/org/repo.git'],
    ['file:///tmp/x.whl', 'file:///tmp/x.whl'],
    ['/srv/git/repo.git', '/srv/git/repo.git'],
  ])('%s', (url, want) => {
    expect(stripUrlCredentials(url)).toBe(want);
  });
});
