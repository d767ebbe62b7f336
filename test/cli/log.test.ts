// cognify log [-n N] | log proof <seq> [--size N] | log consistency <old> [--size N] | log checkpoint
// The proofs the CLI prints are checked with the library's RFC 9162 verifiers against roots
// taken from signed checkpoints, so a proof that merely looks right does not pass.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../../src/core/bytes.js';
import { checkpointAt } from '../../src/chain/audit-log.js';
import { leafHash, verifyConsistency, verifyInclusion } from '../../src/chain/merkle.js';
import { verifyNote, type Checkpoint } from '../../src/chain/signed-note.js';
import type { KeyInfo } from '../../src/node/keystore.js';
import { nodeProvider } from '../../src/node/node-crypto.js';
import { addPeople, envFor, expectError, expectOk, initRepo, makeKey, okJson, run, Sandbox, snapshot, withRepo } from './_run.js';

const sb = new Sandbox();
afterAll(() => sb.cleanup());

const SIZE = 7;
let home: string;
let dir: string;
let repoId: string;
let ada: KeyInfo;
let bob: KeyInfo;
let carol: KeyInfo;
/** Canonical bytes of every log entry, read through the library. */
let entryBytes: Uint8Array[];
/** Every stored checkpoint, verified with the key of the entry that produced it. */
let checkpoints: Map<number, Checkpoint>;

const keyName = (k: KeyInfo) => `cognify-${k.fingerprint.slice(0, 16)}`;
const cli = (args: string[]) => run(args, { cwd: dir, env: envFor(home) });

beforeAll(async () => {
  const root = await sb.dir('cognify-log-');
  home = await sb.dir('cognify-log-home-');
  ada = await makeKey(home, 'Ada Lovelace', 'ada@example.org');
  bob = await makeKey(home, 'Bob Byte', 'bob@example.org');
  carol = await makeKey(home, 'Carol Cole', 'carol@example.org');
  ({ dir, id: repoId } = await initRepo(root, home, ada)); // entry 0
  // entries 1-5: add bob, grant ml-engineer, grant admin, add carol, grant data-steward
  await addPeople(dir, ada, [{ key: bob, roles: ['ml-engineer', 'admin'] }, { key: carol, roles: ['data-steward'] }]);
  // entry 6, signed by Bob through the CLI: the latest checkpoint is his
  expectOk(await cli(['--as', 'bob@example.org', 'role', 'grant', 'carol@example.org', 'compliance']));

  const byFp = new Map([ada, bob, carol].map((k) => [k.fingerprint, k]));
  ({ entryBytes, checkpoints } = await withRepo(dir, async (repo) => {
    const bytes: Uint8Array[] = [];
    const cps = new Map<number, Checkpoint>();
    for await (const e of repo.log()) {
      bytes.push(e.bytes);
      const note = await checkpointAt(repo.store, e.seq + 1);
      const signer = byFp.get(e.entry.signer)!;
      cps.set(e.seq + 1, verifyNote(nodeProvider, note!, keyName(signer), signer.publicKey));
    }
    return { entryBytes: bytes, checkpoints: cps };
  }));
  expect(entryBytes).toHaveLength(SIZE);
});

describe('cognify log', () => {
  it('prints one line per entry, oldest first, with the actor by email', async () => {
    const r = expectOk(await cli(['log']));
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(SIZE);
    const LINE = /^#(\d+) {2}(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z) {2}(\S+) {2}([a-z.]+) {2}((?:sha256:[0-9a-f]{12} ?)+)$/;
    const parsed = lines.map((l) => LINE.exec(l));
    expect(parsed.every(Boolean), r.stdout).toBe(true);
    expect(parsed.map((m) => Number(m![1]))).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(parsed.map((m) => m![4])).toEqual(['repo.init', 'identity.add', 'role.grant', 'role.grant', 'identity.add', 'role.grant', 'role.grant']);
    expect(parsed.map((m) => m![3])).toEqual([...Array(6).fill('ada@example.org'), 'bob@example.org']);
    expect(parsed[0]![5]!.split(' ')).toHaveLength(3);
    expect(parsed[0]![5]!.startsWith(repoId.slice(0, 19))).toBe(true);
  });

  it('-n N / --limit N keeps the last N entries', async () => {
    const r = expectOk(await cli(['log', '-n', '2']));
    expect(r.stdout.trimEnd().split('\n').map((l) => l.split(' ')[0])).toEqual(['#5', '#6']);
    const j = okJson<any[]>(await cli(['log', '--limit', '3', '--json']));
    expect(j.map((e) => e.seq)).toEqual([4, 5, 6]);
    const all = okJson<any[]>(await cli(['log', '-n', '100', '--json']));
    expect(all).toHaveLength(SIZE);
  });

  it('--json gives every entry with seq, time, actor, action, subjects, chained by prev', async () => {
    const j = okJson<any[]>(await cli(['--json', 'log']));
    expect(j).toHaveLength(SIZE);
    for (const [i, e] of j.entries()) {
      expect(Object.keys(e)).toEqual(expect.arrayContaining(['seq', 'time', 'actor', 'action', 'subjects', 'id', 'details', 'prev']));
      expect(e.seq).toBe(i);
      expect(e.id).toBe(`sha256:${toHex(nodeProvider.sha256(entryBytes[i]!))}`);
      expect(e.prev).toBe(i === 0 ? null : j[i - 1].id);
      expect(e.subjects.every((s: string) => /^sha256:[0-9a-f]{64}$/.test(s))).toBe(true);
    }
    expect(j[6]).toMatchObject({ actor: bob.fingerprint, action: 'role.grant', details: { subject: carol.fingerprint, role: 'compliance' } });
  });

  it('log show <seq> prints one entry in full, and --json gives the entry with its id', async () => {
    const h = expectOk(await cli(['log', 'show', '6']));
    expect(h.stdout).toMatch(/^log entry 6 sha256:[0-9a-f]{64} \(\d+ bytes\)\n/);
    expect(h.stdout).toContain('action: "role.grant"');
    expect(h.stdout).toContain(`signer: "${bob.fingerprint}"`);
    const j = okJson<any>(await cli(['log', 'show', '3', '--json']));
    expect(j).toMatchObject({ seq: 3, id: `sha256:${toHex(nodeProvider.sha256(entryBytes[3]!))}`, size: entryBytes[3]!.length });
    expect(j.entry).toMatchObject({ type: 'log-entry', seq: 3, action: 'role.grant' });
    expectError(await cli(['log', 'show', '7']), 'NOT_FOUND', 3);
    expectError(await cli(['log', 'show', 'x']), 'USAGE', 2);
  });

  it('log --help lists the subcommands', async () => {
    const r = expectOk(await cli(['log', '--help']));
    for (const u of ['log [-n N]', 'log show <seq>', 'log proof <seq> [--size N]', 'log consistency <old-size> [--size N]', 'log checkpoint']) expect(r.stdout).toContain(`cognify ${u}`);
  });
});

describe('cognify log proof', () => {
  for (const [seq, size] of [
    [0, undefined],
    [3, undefined],
    [6, undefined],
    [2, 5],
    [4, 5],
  ] as const) {
    it(`entry ${seq}${size ? ` --size ${size}` : ''}: the proof verifies against the signed root`, async () => {
      const p = okJson(await cli(['log', 'proof', String(seq), ...(size ? ['--size', String(size)] : []), '--json']));
      const n = size ?? SIZE;
      expect(Object.keys(p).sort()).toEqual(['leafHash', 'proof', 'root', 'seq', 'size']);
      expect(p).toMatchObject({ seq, size: n });
      expect(p.leafHash).toBe(toHex(leafHash(nodeProvider, entryBytes[seq]!)));
      expect(p.root).toBe(toHex(checkpoints.get(n)!.root));
      const proof = p.proof.map(fromHex);
      const leaf = fromHex(p.leafHash);
      const root = fromHex(p.root);
      expect(verifyInclusion(nodeProvider, leaf, seq, n, proof, root)).toBe(true);
      // any flipped bit, another index or another leaf fails
      if (proof.length) {
        const bad = proof.map((h: Uint8Array) => h.slice());
        bad[0][5] ^= 1;
        expect(verifyInclusion(nodeProvider, leaf, seq, n, bad, root)).toBe(false);
      }
      expect(verifyInclusion(nodeProvider, leaf, (seq + 1) % n, n, proof, root)).toBe(false);
      expect(verifyInclusion(nodeProvider, leafHash(nodeProvider, entryBytes[(seq + 1) % SIZE]!), seq, n, proof, root)).toBe(false);
    });
  }

  it('prints the proof readably without --json', async () => {
    const j = okJson(await cli(['log', 'proof', '3', '--json']));
    const r = expectOk(await cli(['log', 'proof', '3']));
    expect(r.stdout).toBe(
      [`inclusion proof for entry 3 in a tree of ${SIZE}`, `leaf hash  ${j.leafHash}`, `root       ${j.root}`, ...j.proof.map((h: string, i: number) => `  [${i}] ${h}`)].join('\n') + '\n',
    );
  });
});

describe('cognify log consistency', () => {
  it('every older size is consistent with the current tree, against the checkpoints signed at both sizes', async () => {
    for (let m = 1; m <= SIZE; m++) {
      const p = okJson(await cli(['log', 'consistency', String(m), '--json']));
      expect(Object.keys(p).sort()).toEqual(['newRoot', 'newSize', 'oldRoot', 'oldSize', 'proof']);
      expect(p).toMatchObject({ oldSize: m, newSize: SIZE });
      expect(p.oldRoot).toBe(toHex(checkpoints.get(m)!.root));
      expect(p.newRoot).toBe(toHex(checkpoints.get(SIZE)!.root));
      const proof = p.proof.map(fromHex);
      expect(verifyConsistency(nodeProvider, m, SIZE, proof, fromHex(p.oldRoot), fromHex(p.newRoot)), `m=${m}`).toBe(true);
      if (m < SIZE) {
        expect(verifyConsistency(nodeProvider, m, SIZE, proof, fromHex(p.newRoot), fromHex(p.newRoot))).toBe(false);
        const bad = proof.map((h: Uint8Array) => h.slice());
        bad[bad.length - 1][0] ^= 0x80;
        expect(verifyConsistency(nodeProvider, m, SIZE, bad, fromHex(p.oldRoot), fromHex(p.newRoot))).toBe(false);
      } else {
        expect(p.proof).toEqual([]);
      }
    }
  });

  it('--size N proves consistency between two past sizes; human output lists the path', async () => {
    const p = okJson(await cli(['log', 'consistency', '3', '--size', '5', '--json']));
    expect(p).toMatchObject({ oldSize: 3, newSize: 5, oldRoot: toHex(checkpoints.get(3)!.root), newRoot: toHex(checkpoints.get(5)!.root) });
    expect(verifyConsistency(nodeProvider, 3, 5, p.proof.map(fromHex), fromHex(p.oldRoot), fromHex(p.newRoot))).toBe(true);
    const r = expectOk(await cli(['log', 'consistency', '3', '--size', '5']));
    expect(r.stdout).toBe(
      [`consistency proof from size 3 to 5`, `old root  ${p.oldRoot}`, `new root  ${p.newRoot}`, ...p.proof.map((h: string, i: number) => `  [${i}] ${h}`)].join('\n') + '\n',
    );
  });
});

describe('cognify log checkpoint', () => {
  it('prints the latest C2SP signed note, verifiable with the last actor\'s key', async () => {
    const r = expectOk(await cli(['log', 'checkpoint']));
    const cp = verifyNote(nodeProvider, r.stdout, keyName(bob), bob.publicKey);
    expect(cp.origin).toBe(`cognify/${repoId.slice('sha256:'.length)}`);
    expect(cp.size).toBe(SIZE);
    const p = okJson(await cli(['log', 'proof', '0', '--json']));
    expect(toHex(cp.root)).toBe(p.root);
    // signed by Bob, not Ada; and any change to the body breaks the signature
    expect(() => verifyNote(nodeProvider, r.stdout, keyName(ada), ada.publicKey)).toThrow(expect.objectContaining({ code: 'SIGNATURE_INVALID' }));
    const forged = r.stdout.replace(`\n${SIZE}\n`, `\n${SIZE + 1}\n`);
    expect(forged).not.toBe(r.stdout);
    expect(() => verifyNote(nodeProvider, forged, keyName(bob), bob.publicKey)).toThrow(expect.objectContaining({ code: 'SIGNATURE_INVALID' }));

    const j = okJson(await cli(['log', 'checkpoint', '--json']));
    expect(j).toEqual({ checkpoint: r.stdout });
  });
});

describe('cognify log: bad arguments', () => {
  it('each is a usage or input error and changes nothing', async () => {
    const before = await snapshot(dir);
    const cases: [string[], string][] = [
      [['log', 'proof', String(SIZE)], 'INPUT_INVALID'], // no entry 7 in a log of 7
      [['log', 'proof', '1', '--size', '99'], 'INPUT_INVALID'],
      [['log', 'proof', '1', '--size', '0'], 'USAGE'],
      [['log', 'proof', 'one'], 'USAGE'],
      [['log', 'proof'], 'USAGE'],
      [['log', 'proof', '1', '2'], 'USAGE'],
      [['log', 'consistency', '0'], 'USAGE'],
      [['log', 'consistency', String(SIZE + 1)], 'INPUT_INVALID'],
      [['log', '-n', '0'], 'USAGE'],
      [['log', '-n', 'x'], 'USAGE'],
      [['log', 'frob'], 'USAGE'],
      [['log', 'checkpoint', 'extra'], 'USAGE'],
    ];
    for (const [args, code] of cases) expectError(await cli(args), code, 2);
    expect(await snapshot(dir)).toEqual(before);
  });
});
