// The bad-input contract: every refusal has its own error code, exactly one stderr line
// `cognify: <message> [CODE]` (no stack trace), a non-zero exit code from the table in
// bin/exit-codes.ts, and leaves the repository byte-for-byte as it was; `cognify verify` passes
// after each. All cases share one repository: none of them may change it, which is asserted.
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRepo } from '../../src/api/open-repo.js';
import { schemas } from '../../src/api/repo.js';
import { readIdentityEnvelope } from '../../src/chain/identity.js';
import { concatBytes, fromBase64, toBase64, utf8 } from '../../src/core/bytes.js';
import { decode, encode, type CborValue } from '../../src/core/cbor.js';
import type { KeyInfo } from '../../src/node/keystore.js';
import { nodeProvider } from '../../src/node/node-crypto.js';
import {
  addPeople,
  envFor,
  expectError,
  expectOk,
  initRepo,
  makeKey,
  run,
  Sandbox,
  signerOf,
  snapshot,
  snapshotOf,
  withRepo,
  writeIdentityFile,
  type RunResult,
} from './_run.js';

const sb = new Sandbox();
let root: string; // holds the identity files
let home: string; // Ada (admin), Bob (no role), Mallory (revoked): --as is always needed
let dir: string;
let ada: KeyInfo;
let bob: KeyInfo;
let mallory: KeyInfo;
let carol: KeyInfo; // not in the repository; her identity file is what we try to import
const file = (name: string) => join(root, name);

beforeAll(async () => {
  root = await sb.dir('cognify-err-');
  home = await sb.dir('cognify-err-home-');
  const other = await sb.dir('cognify-err-other-');
  ada = await makeKey(home, 'Ada Lovelace', 'ada@example.org');
  bob = await makeKey(home, 'Bob Byte', 'bob@example.org');
  mallory = await makeKey(home, 'Mallory Mole', 'mallory@example.org');
  carol = await makeKey(other, 'Carol Cole', 'carol@example.org');
  ({ dir } = await initRepo(root, home, ada));
  await addPeople(dir, ada, [{ key: bob }, { key: mallory, roles: ['ml-engineer'] }]);
  const adaSigner = await signerOf(ada);
  await withRepo(dir, (repo) => repo.revokeKey({ who: mallory.fingerprint, reason: 'left the company', signer: adaSigner }));
  await writeIdentityFile(bob, file('bob.json'));
  await craftIdentityFiles(await writeIdentityFile(carol, file('carol.json')));
});
afterAll(() => sb.cleanup());

// ------------------------------------------------------------------------------ identity files

/** Map with the given encoded entries and raw head bytes (for hand-made non-canonical forms). */
function rawMap(head: number[], entries: [string, Uint8Array][]): Uint8Array {
  return concatBytes(new Uint8Array(head), ...entries.flatMap(([k, v]) => [encode(k), v]));
}

async function craftIdentityFiles(genuineText: string): Promise<void> {
  // The genuine file imports cleanly; every variant below differs from it in one way only.
  expect(readIdentityEnvelope(nodeProvider, schemas, genuineText).email).toBe('carol@example.org');
  const genuine = JSON.parse(genuineText) as { payloadType: string; payload: string; signatures: { keyid: string; sig: string }[] };
  const payload = fromBase64(genuine.payload);
  const body = decode(payload) as Record<string, CborValue>;
  const entries = Object.entries(body); // decode order is the canonical order
  expect(entries).toHaveLength(7);
  expect(payload[0]).toBe(0xa0 | 7); // map of 7, length in the initial byte
  const withPayload = (bytes: Uint8Array) => JSON.stringify({ ...genuine, payload: toBase64(bytes) }, null, 2);
  const withSig = (sig: string, keyid = genuine.signatures[0]!.keyid) => JSON.stringify({ ...genuine, signatures: [{ keyid, sig }] }, null, 2);

  const sig = fromBase64(genuine.signatures[0]!.sig);
  sig[10]! ^= 0x01;
  const name = utf8(body.name as string);
  expect(name.length).toBeLessThan(24);
  const outOfOrder = rawMap([payload[0]!], entries.slice().reverse().map(([k, v]) => [k, encode(v)]));
  expect(outOfOrder.length).toBe(payload.length);

  const files: Record<string, string> = {
    'renamed.json': withPayload(encode({ ...body, name: 'Mallory Mole' })),
    'sig-flipped.json': withSig(toBase64(sig)),
    'keyid-wrong.json': withSig(genuine.signatures[0]!.sig, bob.fingerprint),
    // a1 b8 07: map length 7 in a one-byte argument where the initial byte holds it (RFC 8949 §4.2.1)
    'long-map-head.json': withPayload(concatBytes(new Uint8Array([0xb8, 7]), payload.subarray(1))),
    'keys-out-of-order.json': withPayload(outOfOrder),
    // the name's length in a one-byte argument (78 nn) where the initial byte holds it
    'long-string-head.json': withPayload(
      rawMap([payload[0]!], entries.map(([k, v]) => [k, k === 'name' ? concatBytes(new Uint8Array([0x78, name.length]), name) : encode(v)])),
    ),
    'truncated.json': withPayload(payload.subarray(0, payload.length - 8)),
    'banana.json': withPayload(encode({ ...body, type: 'banana' })),
    'not-json.json': 'payloadType: identity\n{ this is not JSON',
    'not-envelope.json': JSON.stringify({ hello: 'world' }),
    'wrong-payload-type.json': JSON.stringify({ ...genuine, payloadType: 'application/vnd.cognify.repo+cbor' }),
  };
  for (const [n, text] of Object.entries(files)) await writeFile(file(n), text);
}

// ------------------------------------------------------------------------------ the contract

interface Case {
  args: string[];
  code: string;
  exit: number;
  env?: Record<string, string | undefined>;
  cwd?: string;
  json?: boolean;
}

/**
 * Run a case that must be refused: the error contract, then the repository byte-for-byte
 * unchanged and passing Repo.verify (what `cognify verify` calls) in-process. The real
 * `cognify verify` costs ~0.3 s of Node start-up, so it runs after the last refusal of each test
 * (earlier ones pass FIRST) and once after each table-driven group (usage errors, bad identity
 * files: all refused before the repository is even opened).
 */
async function expectRefused(c: Case, opts: { cliVerify?: boolean } = {}): Promise<{ r: RunResult; message: string }> {
  const before = await snapshot(dir);
  const r = await run(c.args, { cwd: c.cwd ?? dir, env: c.env ?? envFor(home) });
  const message = expectError(r, c.code, c.exit, { json: c.json ?? c.args.includes('--json') });
  const after = await withRepo(dir, async (repo) => {
    const report = await repo.verify();
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    return snapshotOf(repo);
  });
  expect(after, 'the repository must be unchanged').toEqual(before);
  if (opts.cliVerify ?? true) await expectVerifyOk();
  return { r, message };
}

async function expectVerifyOk(): Promise<void> {
  const v = expectOk(await run(['verify'], { cwd: dir, env: envFor(home) }));
  expect(v.stdout).toMatch(/^verify: ok — /);
}

const AS_ADA = ['--as', 'ada@example.org'];
/** For all but the last refusal of a test: checked in-process; the last one runs `cognify verify`. */
const FIRST = { cliVerify: false };

describe('repository errors', () => {
  it('a directory that is not a repository: REPO_NOT_FOUND, exit 8', async () => {
    const empty = await sb.dir();
    await expectRefused({ args: ['log'], cwd: empty, code: 'REPO_NOT_FOUND', exit: 8 }, FIRST);
    await expectRefused({ args: ['-C', empty, 'verify'], cwd: root, code: 'REPO_NOT_FOUND', exit: 8 }, FIRST);
    const { message } = await expectRefused({ args: ['--json', 'role', 'list'], cwd: empty, code: 'REPO_NOT_FOUND', exit: 8 });
    expect(message).toContain(empty);
    expect(await readdir(empty)).toEqual([]);
  });

  it('init where a repository exists: REPO_EXISTS, exit 8', async () => {
    await expectRefused({ args: [...AS_ADA, 'init', dir], cwd: root, code: 'REPO_EXISTS', exit: 8 }, FIRST);
    await expectRefused({ args: ['-C', dir, ...AS_ADA, 'init', '--name', 'again'], cwd: root, code: 'REPO_EXISTS', exit: 8 });
  });

  it('a repository held by another process: REPO_LOCKED, exit 9, saying how long it waited', async () => {
    const held = await openRepo({ dir, crypto: nodeProvider });
    let before;
    let r: RunResult;
    try {
      before = await snapshotOf(held);
      r = await run([...AS_ADA, 'role', 'grant', 'bob@example.org', 'ml-engineer'], { cwd: dir, env: envFor(home, { COGNIFY_LOCK_TIMEOUT_MS: '500' }) });
    } finally {
      await held.close();
    }
    // One line: the "waiting..." progress notice is for terminals only; the error says it waited.
    const message = expectError(r, 'REPO_LOCKED', 9);
    expect(message).toMatch(/in use by another cognify process \(waited [\d.]+s\)/);
    expect(r.ms).toBeGreaterThanOrEqual(500);
    expect(await snapshot(dir)).toEqual(before);
    await expectVerifyOk();
  });

  it('a lock released within COGNIFY_LOCK_TIMEOUT_MS is waited for, and the command succeeds', async () => {
    const held = await openRepo({ dir, crypto: nodeProvider });
    const pending = run(['role', 'list', '--json'], { cwd: dir, env: envFor(home, { COGNIFY_LOCK_TIMEOUT_MS: '20000' }) });
    await new Promise((res) => setTimeout(res, 700));
    await held.close();
    const r = await pending;
    expect(r.ms).toBeGreaterThanOrEqual(700);
    expect(JSON.parse(expectOk(r).stdout).map((k: { email: string }) => k.email)).toEqual(['ada@example.org', 'bob@example.org', 'mallory@example.org']);
  });
});

describe('keystore and passphrase errors', () => {
  const grant = [...AS_ADA, 'role', 'grant', 'bob@example.org', 'ml-engineer'];

  it('wrong passphrase: PASSPHRASE_WRONG, exit 7, and the passphrase is not echoed', async () => {
    const { r } = await expectRefused({ args: grant, env: envFor(home, { COGNIFY_PASSPHRASE: 'not the passphrase' }), code: 'PASSPHRASE_WRONG', exit: 7 });
    expect(r.stderr).not.toContain('not the passphrase');
  });

  it('no passphrase and no terminal: PASSPHRASE_MISSING, exit 7', async () => {
    await expectRefused({ args: grant, env: envFor(home, { COGNIFY_PASSPHRASE: undefined }), code: 'PASSPHRASE_MISSING', exit: 7 });
  });

  it('an empty or absent keystore: KEYSTORE_MISSING, exit 7; init creates nothing', async () => {
    const empty = await sb.dir();
    await expectRefused({ args: ['role', 'grant', 'bob@example.org', 'ml-engineer'], env: envFor(empty), code: 'KEYSTORE_MISSING', exit: 7 }, FIRST);
    await expectRefused({ args: ['id', 'import', file('carol.json')], env: envFor(join(empty, 'nowhere')), code: 'KEYSTORE_MISSING', exit: 7 }, FIRST);
    const fresh = await sb.dir();
    await expectRefused({ args: ['init', '--json'], cwd: fresh, env: envFor(empty), code: 'KEYSTORE_MISSING', exit: 7 });
    expect(await readdir(fresh)).toEqual([]);
  });

  it('two keys and none chosen: KEY_AMBIGUOUS, exit 7, naming the candidates', async () => {
    const { message } = await expectRefused({ args: ['role', 'grant', 'bob@example.org', 'ml-engineer'], code: 'KEY_AMBIGUOUS', exit: 7 });
    for (const k of [ada, bob, mallory]) expect(message).toContain(k.fingerprint.slice(0, 16));
    expect(message).toContain('--as');
  });

  it('--as naming no key: KEY_NOT_FOUND, exit 7; a too-short fingerprint prefix: INPUT_INVALID, exit 2', async () => {
    await expectRefused({ args: ['--as', 'nobody@example.org', 'role', 'grant', 'bob@example.org', 'ml-engineer'], code: 'KEY_NOT_FOUND', exit: 7 }, FIRST);
    await expectRefused({ args: ['--as', ada.fingerprint.slice(0, 5), 'role', 'grant', 'bob@example.org', 'ml-engineer'], code: 'INPUT_INVALID', exit: 2 });
  });
});

describe('policy errors', () => {
  it('a signer without the role: ROLE_MISSING, exit 6', async () => {
    await expectRefused({ args: ['--as', 'bob@example.org', 'role', 'grant', 'bob@example.org', 'admin'], code: 'ROLE_MISSING', exit: 6 }, FIRST);
    // identity.add needs some role; Bob has none
    await expectRefused({ args: ['--as', 'bob@example.org', '--json', 'id', 'import', file('carol.json')], code: 'ROLE_MISSING', exit: 6 });
  });

  it('a revoked key acting: KEY_REVOKED, exit 5', async () => {
    await expectRefused({ args: ['--as', 'mallory@example.org', 'id', 'import', file('carol.json')], code: 'KEY_REVOKED', exit: 5 }, FIRST);
    await expectRefused({ args: ['--as', mallory.fingerprint, 'role', 'grant', 'bob@example.org', 'ml-engineer'], code: 'KEY_REVOKED', exit: 5 });
  });

  it('an unknown role name: INPUT_INVALID, exit 2', async () => {
    const { message } = await expectRefused({ args: [...AS_ADA, 'role', 'grant', 'bob@example.org', 'wizard'], code: 'INPUT_INVALID', exit: 2 });
    expect(message).toContain('ml-engineer'); // lists the valid roles
  });

  it('a subject the repository does not know: KEY_UNKNOWN, exit 3', async () => {
    await expectRefused({ args: [...AS_ADA, 'role', 'grant', 'carol@example.org', 'ml-engineer'], code: 'KEY_UNKNOWN', exit: 3 });
  });

  it('granting a role twice, or revoking one not held: POLICY_VIOLATION, exit 6', async () => {
    await expectRefused({ args: [...AS_ADA, 'role', 'grant', 'ada@example.org', 'admin'], code: 'POLICY_VIOLATION', exit: 6 }, FIRST);
    await expectRefused({ args: [...AS_ADA, 'role', 'revoke', 'bob@example.org', 'compliance'], code: 'POLICY_VIOLATION', exit: 6 });
  });

  it('revoking the last admin (role or key): POLICY_VIOLATION, exit 6', async () => {
    const { message } = await expectRefused({ args: [...AS_ADA, 'role', 'revoke', 'ada@example.org', 'admin'], code: 'POLICY_VIOLATION', exit: 6 }, FIRST);
    expect(message).toContain('last admin');
    await expectRefused({ args: [...AS_ADA, 'id', 'revoke', 'ada@example.org', '--reason', 'oops'], code: 'POLICY_VIOLATION', exit: 6 });
  });

  it('importing an identity the repository already knows: POLICY_VIOLATION, exit 6', async () => {
    await expectRefused({ args: [...AS_ADA, 'id', 'import', file('bob.json')], code: 'POLICY_VIOLATION', exit: 6 });
  });
});

describe('id import of a bad identity file', () => {
  // A malformed file is bad input (exit 2) whichever check finds it, with the specific code kept;
  // a file whose signature does not verify is a signature error (exit 5).
  const cases: [string, string, number][] = [
    ['renamed.json', 'SIGNATURE_INVALID', 5],
    ['sig-flipped.json', 'SIGNATURE_INVALID', 5],
    ['keyid-wrong.json', 'SIGNATURE_INVALID', 5],
    ['long-map-head.json', 'CBOR_NONCANONICAL', 2],
    ['keys-out-of-order.json', 'CBOR_NONCANONICAL', 2],
    ['long-string-head.json', 'CBOR_NONCANONICAL', 2],
    ['truncated.json', 'CBOR_TRUNCATED', 2],
    ['banana.json', 'OBJECT_UNKNOWN_TYPE', 2],
    ['not-json.json', 'INPUT_INVALID', 2],
    ['not-envelope.json', 'INPUT_INVALID', 2],
    ['wrong-payload-type.json', 'INPUT_INVALID', 2],
    ['does-not-exist.json', 'INPUT_INVALID', 2],
  ];
  for (const [name, code, exit] of cases) {
    it(`${name}: ${code}, exit ${exit}`, async () => {
      const { message } = await expectRefused({ args: [...AS_ADA, 'id', 'import', file(name)], cwd: root, code, exit }, { cliVerify: false });
      expect(message).toContain(file(name));
    });
  }

  it('--json: the same error as a JSON document on stdout', async () => {
    await expectRefused({ args: [...AS_ADA, '--json', 'id', 'import', file('renamed.json')], code: 'SIGNATURE_INVALID', exit: 5, json: true });
  });

  it('a directory instead of a file: INPUT_INVALID, exit 2', async () => {
    await mkdir(file('a-dir.json'), { recursive: true });
    await expectRefused({ args: [...AS_ADA, 'id', 'import', file('a-dir.json')], code: 'INPUT_INVALID', exit: 2 }, { cliVerify: false });
  });

  it('afterwards cognify verify passes', expectVerifyOk);
});

describe('usage errors: exit 2', () => {
  const cases: [string, string[]][] = [
    ['unknown command', ['frobnicate']],
    ['unknown command, --json', ['--json', 'frobnicate']],
    ['unknown flag', ['log', '--frob']],
    ['unknown short flag before the command', ['-x', 'verify']],
    ['boolean flag given a value', ['verify', '--json=yes']],
    ['-C without its value', ['log', '-C']],
    ['missing argument', [...AS_ADA, 'role', 'grant', 'bob@example.org']],
    ['extra argument', ['verify', 'now']],
    ['unknown subcommand', ['role', 'frob']],
    ['no subcommand', ['id']],
    ['id new without --email', ['id', 'new', '--name', 'X']],
  ];
  for (const [what, args] of cases) {
    it(what, async () => {
      await expectRefused({ args, code: 'USAGE', exit: 2 }, { cliVerify: false });
    });
  }

  it('afterwards cognify verify passes', expectVerifyOk);
});
