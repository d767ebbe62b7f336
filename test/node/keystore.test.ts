import { createCipheriv, createPrivateKey, createPublicKey, randomBytes, scryptSync, sign, verify } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fromBase64, toBase64, toHex } from '../../src/core/bytes.js';
import { CognifyError, InputError, KeystoreError } from '../../src/core/errors.js';
import {
  changePassphrase,
  createKey,
  DEFAULT_SCRYPT,
  findKey,
  fingerprintOf,
  keystoreHome,
  listKeys,
  publicKeyFromSeed,
  shortFingerprint,
  unlockKey,
  type KeyInfo,
} from '../../src/node/keystore.js';
import { getPassphrase } from '../../src/node/passphrase.js';

const FAST = { N: 2 ** 12, r: 8, p: 1 };
const PW = 'correct horse battery';
const posix = process.platform !== 'win32';

let home: string;
beforeEach(async () => {
  home = join(await mkdtemp(join(tmpdir(), 'cognify-ks-')), 'home');
});
afterEach(async () => {
  await rm(join(home, '..'), { recursive: true, force: true });
});

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof CognifyError) return e.code;
    throw e;
  }
  throw new Error('expected a rejection');
}

async function rejection(p: Promise<unknown>): Promise<CognifyError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof CognifyError) return e;
    throw e;
  }
  throw new Error('expected a rejection');
}

function mk(name: string, email: string, extra: { now?: Date; passphrase?: string } = {}): Promise<KeyInfo> {
  return createKey({ home, scrypt: FAST, name, email, passphrase: extra.passphrase ?? PW, now: extra.now });
}

async function readJson(k: KeyInfo): Promise<Record<string, any>> {
  return JSON.parse(await readFile(k.path, 'utf8'));
}

async function writeJson(k: KeyInfo, j: unknown): Promise<void> {
  await writeFile(k.path, JSON.stringify(j), { mode: 0o600 });
}

function flipB64(s: string): string {
  const b = fromBase64(s);
  b[0]! ^= 1;
  return toBase64(b);
}

describe('keystoreHome', () => {
  it('uses COGNIFY_HOME, else ~/.cognify', () => {
    expect(keystoreHome({ COGNIFY_HOME: '/x/y' })).toBe('/x/y');
    expect(keystoreHome({})).toBe(join(homedir(), '.cognify'));
    expect(keystoreHome({ COGNIFY_HOME: '' })).toBe(join(homedir(), '.cognify'));
  });
});

describe('createKey / listKeys / findKey', () => {
  it('creates a key file in the documented format', async () => {
    const now = new Date('2025-01-02T03:04:05.678Z');
    const k = await mk('Ada Lovelace', 'ada@example.org', { now });
    expect(k.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(k.fingerprint).toBe(fingerprintOf(k.publicKey));
    expect(k.publicKey.length).toBe(32);
    expect(k.path).toBe(join(home, 'keys', `${k.fingerprint}.key.json`));
    expect(k.created).toBe(now.toISOString());
    const j = await readJson(k);
    expect(Object.keys(j).sort()).toEqual(
      ['cipher', 'ciphertext', 'created', 'email', 'fingerprint', 'format', 'kdf', 'name', 'publicKey', 'version'].sort(),
    );
    expect(j).toMatchObject({
      format: 'cognify-key',
      version: 1,
      name: 'Ada Lovelace',
      email: 'ada@example.org',
      fingerprint: k.fingerprint,
      publicKey: toBase64(k.publicKey),
      created: now.toISOString(),
      kdf: { name: 'scrypt', N: 4096, r: 8, p: 1 },
      cipher: { name: 'aes-256-gcm' },
    });
    expect(fromBase64(j.kdf.salt).length).toBe(16);
    expect(fromBase64(j.cipher.iv).length).toBe(12);
    expect(fromBase64(j.cipher.tag).length).toBe(16);
    expect(fromBase64(j.ciphertext).length).toBe(32);
  });

  it('lists, and finds by email (case-insensitive), full fingerprint and 8+ digit prefix', async () => {
    const a = await mk('Ada', 'ada@example.org');
    const b = await mk('Bob', 'bob@example.org');
    const list = await listKeys({ home });
    expect(list.map((k) => k.fingerprint).sort()).toEqual([a.fingerprint, b.fingerprint].sort());

    expect((await findKey({ home, who: 'ADA@Example.org' })).fingerprint).toBe(a.fingerprint);
    expect((await findKey({ home, who: b.fingerprint })).fingerprint).toBe(b.fingerprint);
    expect((await findKey({ home, who: b.fingerprint.toUpperCase() })).fingerprint).toBe(b.fingerprint);
    expect((await findKey({ home, who: a.fingerprint.slice(0, 8) })).fingerprint).toBe(a.fingerprint);
    expect((await findKey({ home, who: shortFingerprint(a.fingerprint) })).email).toBe('ada@example.org');
    const found = await findKey({ home, who: 'ada@example.org' });
    expect(found).toEqual(a);

    expect(await code(findKey({ home, who: a.fingerprint.slice(0, 7) }))).toBe('INPUT_INVALID');
    expect(await code(findKey({ home, who: 'carol@example.org' }))).toBe('KEY_NOT_FOUND');
    const other = a.fingerprint.startsWith('0') ? 'f'.repeat(10) : '0'.repeat(10);
    if (!b.fingerprint.startsWith(other)) expect(await code(findKey({ home, who: other }))).toBe('KEY_NOT_FOUND');
    expect(await code(findKey({ home, who: 'not a key' }))).toBe('INPUT_INVALID');
  });

  it('returns the only key when `who` is omitted; with two keys it is ambiguous and lists them', async () => {
    const a = await mk('Ada', 'ada@example.org');
    expect((await findKey({ home })).fingerprint).toBe(a.fingerprint);
    const b = await mk('Bob', 'bob@example.org');
    const e = await rejection(findKey({ home }));
    expect(e).toBeInstanceOf(KeystoreError);
    expect(e.code).toBe('KEY_AMBIGUOUS');
    expect(e.message).toContain('ada@example.org');
    expect(e.message).toContain('bob@example.org');
    expect(e.message).toContain('--as <email|fingerprint> or COGNIFY_KEY');
    expect((e.data.candidates as unknown[]).length).toBe(2);
    // the same email on two keys is ambiguous too: name it by fingerprint
    const a2 = await mk('Ada again', 'ADA@example.org');
    expect(await code(findKey({ home, who: 'ada@example.org' }))).toBe('KEY_AMBIGUOUS');
    expect((await findKey({ home, who: a2.fingerprint.slice(0, 12) })).name).toBe('Ada again');
    expect(b.email).toBe('bob@example.org');
  });

  it('sorts by created time, then email', async () => {
    const t1 = new Date('2025-01-01T00:00:00Z');
    const t2 = new Date('2025-02-01T00:00:00Z');
    await mk('Zed', 'zed@example.org', { now: t1 });
    await mk('Carol', 'carol@example.org', { now: t2 });
    await mk('Bob', 'bob@example.org', { now: t1 });
    expect((await listKeys({ home })).map((k) => k.email)).toEqual(['bob@example.org', 'zed@example.org', 'carol@example.org']);
  });

  it('a missing or empty keystore: listKeys gives [], findKey says KEYSTORE_MISSING with the hint', async () => {
    expect(await listKeys({ home })).toEqual([]);
    const e = await rejection(findKey({ home }));
    expect(e.code).toBe('KEYSTORE_MISSING');
    expect(e.message).toContain('cognify id new --name N --email E');
    expect(await code(findKey({ home, who: 'ada@example.org' }))).toBe('KEYSTORE_MISSING');
    await mkdir(join(home, 'keys'), { recursive: true });
    expect(await code(findKey({ home }))).toBe('KEYSTORE_MISSING');
  });

  it('validates name, email, passphrase and scrypt parameters', async () => {
    const bad: Array<Partial<Parameters<typeof createKey>[0]>> = [
      { name: '' },
      { name: '   ' },
      { name: 'a'.repeat(201) },
      { name: 'Ada\nEvil' },
      { name: 'Ada\u0000' },
      { email: 'ada' },
      { email: 'ada@localhost' },
      { email: 'a b@example.org' },
      { email: 'ada@example.org\nx' },
      { passphrase: '' },
      { passphrase: 'short12' },
      { scrypt: { N: 1000, r: 8, p: 1 } },
      { scrypt: { N: 2 ** 21, r: 8, p: 1 } },
    ];
    for (const b of bad) {
      const e = await rejection(createKey({ home, scrypt: FAST, name: 'Ada', email: 'ada@example.org', passphrase: PW, ...b }));
      expect(e, JSON.stringify(b)).toBeInstanceOf(InputError);
      expect(e.code).toBe('INPUT_INVALID');
    }
    expect(await listKeys({ home })).toEqual([]);
    const ok = await createKey({ home, scrypt: FAST, name: '  Ada  ', email: ' ada@example.org ', passphrase: '12345678' });
    expect(ok.name).toBe('Ada');
    expect(ok.email).toBe('ada@example.org');
    await createKey({ home, scrypt: FAST, name: 'x'.repeat(200), email: 'x@y.io', passphrase: 'héllo wörld' });
  });
});

describe('unlockKey', () => {
  it('returns the seed with the right passphrase; the seed signs for the public key', async () => {
    const k = await mk('Ada', 'ada@example.org');
    const seed = await unlockKey(k, PW);
    expect(seed).toBeInstanceOf(Uint8Array);
    expect(seed.length).toBe(32);
    expect(toHex(publicKeyFromSeed(seed))).toBe(toHex(k.publicKey));
    const priv = createPrivateKey({
      key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]),
      format: 'der',
      type: 'pkcs8',
    });
    const msg = Buffer.from('approve sha256:abc');
    const sig = sign(null, msg, priv);
    expect(verify(null, msg, createPublicKey(priv), sig)).toBe(true);
    // the passphrase is NFC-normalised: composed and decomposed forms unlock alike
    const k2 = await mk('Zoë', 'zoe@example.org', { passphrase: 'caf\u00e9 au lait' });
    expect((await unlockKey(k2, 'cafe\u0301 au lait')).length).toBe(32);
  });

  it('a wrong passphrase is PASSPHRASE_WRONG naming the key; an empty one PASSPHRASE_MISSING', async () => {
    const k = await mk('Ada', 'ada@example.org');
    const e = await rejection(unlockKey(k, PW + '!'));
    expect(e.code).toBe('PASSPHRASE_WRONG');
    expect(e.message).toContain(shortFingerprint(k.fingerprint));
    expect(e.message).toContain('ada@example.org');
    expect(e.message).toContain('or the key file was altered');
    expect(await code(unlockKey(k, ''))).toBe('PASSPHRASE_MISSING');
  });

  it('any edit to authenticated fields fails decryption', async () => {
    const k = await mk('Ada', 'ada@example.org');
    const orig = await readJson(k);
    const edits: Array<[string, (j: Record<string, any>) => void]> = [
      ['name', (j) => (j.name = 'Mallory')],
      ['email', (j) => (j.email = 'mallory@example.org')],
      ['ciphertext', (j) => (j.ciphertext = flipB64(j.ciphertext))],
      ['tag', (j) => (j.cipher.tag = flipB64(j.cipher.tag))],
      ['iv', (j) => (j.cipher.iv = flipB64(j.cipher.iv))],
      ['salt', (j) => (j.kdf.salt = flipB64(j.kdf.salt))],
      ['kdf.N', (j) => (j.kdf.N = 2 ** 11)],
      ['kdf.r', (j) => (j.kdf.r = 4)],
    ];
    for (const [what, edit] of edits) {
      const j = structuredClone(orig);
      edit(j);
      await writeJson(k, j);
      expect(await code(unlockKey(k, PW)), what).toBe('PASSPHRASE_WRONG');
    }
    await writeJson(k, orig);
    expect((await unlockKey(k, PW)).length).toBe(32);
  });

  it('header edits that break the fingerprint or file name are KEYFILE_INVALID', async () => {
    const k = await mk('Ada', 'ada@example.org');
    const other = await mk('Bob', 'bob@example.org');
    const orig = await readJson(k);
    const edits: Array<[string, (j: Record<string, any>) => void]> = [
      ['publicKey', (j) => (j.publicKey = flipB64(j.publicKey))],
      ['fingerprint', (j) => (j.fingerprint = other.fingerprint)],
      ['both, consistently', (j) => ((j.fingerprint = other.fingerprint), (j.publicKey = toBase64(other.publicKey)))],
    ];
    for (const [what, edit] of edits) {
      const j = structuredClone(orig);
      edit(j);
      await writeJson(k, j);
      const e = await rejection(unlockKey(k, PW));
      expect(e.code, what).toBe('KEYFILE_INVALID');
      expect(e.message).toContain(k.path);
    }
  });

  it('a secret that decrypts but does not match publicKey is KEYFILE_INVALID', async () => {
    // Forge what only a holder of the passphrase could: a valid envelope around another seed.
    const k = await mk('Ada', 'ada@example.org');
    const j = await readJson(k);
    const dk = scryptSync(PW, fromBase64(j.kdf.salt), 32, { N: j.kdf.N, r: j.kdf.r, p: j.kdf.p });
    const c = createCipheriv('aes-256-gcm', dk, fromBase64(j.cipher.iv));
    c.setAAD(Buffer.from(`cognify-key/v1\n${j.fingerprint}\n${j.name}\n${j.email}`, 'utf8'));
    j.ciphertext = toBase64(Buffer.concat([c.update(randomBytes(32)), c.final()]));
    j.cipher.tag = toBase64(c.getAuthTag());
    await writeJson(k, j);
    const e = await rejection(unlockKey(k, PW));
    expect(e.code).toBe('KEYFILE_INVALID');
    expect(e.message).toContain('does not match publicKey');
  });

  it.skipIf(!posix)('refuses a key file readable by others, as ssh does', async () => {
    const k = await mk('Ada', 'ada@example.org');
    await chmod(k.path, 0o644);
    const e = await rejection(unlockKey(k, PW));
    expect(e.code).toBe('KEYFILE_INVALID');
    expect(e.message).toBe(`permissions 0644 for ${k.path} are too open; chmod 600 ${k.path}`);
    expect((await listKeys({ home })).length).toBe(1); // listing public parts still works
    await chmod(k.path, 0o640);
    expect(await code(unlockKey(k, PW))).toBe('KEYFILE_INVALID');
    await chmod(k.path, 0o400);
    expect((await unlockKey(k, PW)).length).toBe(32);
  });

  it('a key file that disappeared is KEY_NOT_FOUND', async () => {
    const k = await mk('Ada', 'ada@example.org');
    await rm(k.path);
    expect(await code(unlockKey(k, PW))).toBe('KEY_NOT_FOUND');
  });
});

describe('malformed key files', () => {
  it('invalid JSON is KEYFILE_INVALID naming the file, for list, find and unlock', async () => {
    const k = await mk('Ada', 'ada@example.org');
    await writeFile(k.path, '{"format":"cognify-key",', { mode: 0o600 });
    for (const f of [() => listKeys({ home }), () => findKey({ home }), () => unlockKey(k, PW)]) {
      const e = await rejection(f());
      expect(e.code).toBe('KEYFILE_INVALID');
      expect(e.message).toContain(k.path);
      expect(e.message).toContain('not JSON');
    }
  });

  it('schema errors say what is wrong and where', async () => {
    const k = await mk('Ada', 'ada@example.org');
    const orig = await readJson(k);
    const cases: Array<[(j: Record<string, any>) => void, string]> = [
      [(j) => delete j.kdf.salt, 'kdf.salt'],
      [(j) => (j.version = 2), 'version'],
      [(j) => (j.format = 'other'), 'format'],
      [(j) => (j.ciphertext = 'AAAA'), 'ciphertext: expected standard base64 of 32 bytes'],
      [(j) => (j.cipher.name = 'aes-128-gcm'), 'cipher.name'],
      [(j) => (j.kdf.N = 2 ** 24), 'scrypt N must be a power of two'],
      [(j) => (j.kdf.N = 3000), 'scrypt N must be a power of two'],
      [(j) => (j.created = 'yesterday'), 'created'],
      [(j) => (j.extra = 1), 'extra'],
      [(j) => (j.name = 'a\nb'), 'name: name contains control characters'],
    ];
    for (const [edit, expected] of cases) {
      const j = structuredClone(orig);
      edit(j);
      await writeJson(k, j);
      const e = await rejection(listKeys({ home }));
      expect(e.code).toBe('KEYFILE_INVALID');
      expect(e.message).toContain(k.path);
      expect(e.message).toContain(expected);
    }
  });

  it('a file whose name is not its fingerprint is KEYFILE_INVALID', async () => {
    const k = await mk('Ada', 'ada@example.org');
    await writeFile(join(home, 'keys', `${'0'.repeat(64)}.key.json`), await readFile(k.path), { mode: 0o600 });
    const e = await rejection(listKeys({ home }));
    expect(e.code).toBe('KEYFILE_INVALID');
    expect(e.message).toContain('does not match its fingerprint');
  });
});

describe('files on disk', () => {
  it.skipIf(!posix)('key files are 0600, the keystore directories 0700', async () => {
    const k = await mk('Ada', 'ada@example.org');
    expect((await stat(k.path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(home, 'keys'))).mode & 0o777).toBe(0o700);
    expect((await stat(home)).mode & 0o777).toBe(0o700);
  });

  it('writes atomically: no temp files remain, and stray temp files are not read as keys', async () => {
    await mk('Ada', 'ada@example.org');
    await mk('Bob', 'bob@example.org');
    const names = await readdir(join(home, 'keys'));
    expect(names.length).toBe(2);
    expect(names.every((n) => /^[0-9a-f]{64}\.key\.json$/.test(n))).toBe(true);
    await writeFile(join(home, 'keys', `.${'a'.repeat(64)}.key.json.0123456789ab.tmp`), '{partial', { mode: 0o600 });
    expect((await listKeys({ home })).length).toBe(2);
  });

  it('a write failure leaves nothing behind and reports IO_FAILED', async () => {
    await mkdir(home, { recursive: true });
    await writeFile(join(home, 'keys'), 'not a directory');
    expect(await code(mk('Ada', 'ada@example.org'))).toBe('IO_FAILED');
  });
});

describe('changePassphrase', () => {
  it('re-encrypts under the new passphrase with a fresh salt; the old one stops working', async () => {
    const k = await mk('Ada', 'ada@example.org');
    const before = await readJson(k);
    const seed = await unlockKey(k, PW);
    expect(await code(changePassphrase({ key: k, passphrase: 'wrong passphrase', newPassphrase: 'new passphrase', scrypt: FAST }))).toBe(
      'PASSPHRASE_WRONG',
    );
    expect(await code(changePassphrase({ key: k, passphrase: PW, newPassphrase: 'short', scrypt: FAST }))).toBe('INPUT_INVALID');
    await changePassphrase({ key: k, passphrase: PW, newPassphrase: 'new passphrase', scrypt: FAST });
    const after = await readJson(k);
    expect(after.kdf.salt).not.toBe(before.kdf.salt);
    expect(after.created).toBe(before.created);
    expect(toHex(await unlockKey(k, 'new passphrase'))).toBe(toHex(seed));
    expect(await code(unlockKey(k, PW))).toBe('PASSPHRASE_WRONG');
    expect(await readdir(join(home, 'keys'))).toEqual([`${k.fingerprint}.key.json`]);
    if (posix) expect((await stat(k.path)).mode & 0o777).toBe(0o600);
  });
});

describe('default scrypt parameters', () => {
  it('uses N=2^17, r=8, p=1 and records them', async () => {
    expect(DEFAULT_SCRYPT).toEqual({ N: 131072, r: 8, p: 1 });
    const k = await createKey({ home, name: 'Ada', email: 'ada@example.org', passphrase: PW });
    expect((await readJson(k)).kdf).toMatchObject({ name: 'scrypt', N: 131072, r: 8, p: 1 });
    expect(toHex(publicKeyFromSeed(await unlockKey(k, PW)))).toBe(toHex(k.publicKey));
  });
});

// ---------------------------------------------------------------- getPassphrase

function fakeTty(): { stdin: NodeJS.ReadStream; stderr: NodeJS.WriteStream; out: () => string; raw: boolean[] } {
  const s = new PassThrough();
  const raw: boolean[] = [];
  const tty = Object.assign(s, {
    isTTY: true,
    isRaw: false,
    setRawMode(mode: boolean) {
      tty.isRaw = mode;
      raw.push(mode);
      return tty;
    },
  });
  let written = '';
  const stderr = { write: (c: string) => ((written += c), true) };
  return { stdin: tty as unknown as NodeJS.ReadStream, stderr: stderr as unknown as NodeJS.WriteStream, out: () => written, raw };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('getPassphrase', () => {
  it('takes COGNIFY_PASSPHRASE first, even on a terminal', async () => {
    const t = fakeTty();
    expect(await getPassphrase({ env: { COGNIFY_PASSPHRASE: 'from env' }, prompt: 'P: ', confirm: true, stdin: t.stdin, stderr: t.stderr })).toBe(
      'from env',
    );
    expect(t.out()).toBe('');
  });

  it('without a terminal and no env it is PASSPHRASE_MISSING', async () => {
    const s = new PassThrough() as unknown as NodeJS.ReadStream;
    const e = await rejection(getPassphrase({ env: {}, prompt: 'P: ', stdin: s }));
    expect(e.code).toBe('PASSPHRASE_MISSING');
    expect(e.message).toBe('no passphrase: set COGNIFY_PASSPHRASE or run in a terminal');
  });

  it('prompts on stderr with echo off, handles backspace, Ctrl-U and arrow keys', async () => {
    const t = fakeTty();
    const p = getPassphrase({ env: {}, prompt: 'Passphrase: ', stdin: t.stdin, stderr: t.stderr });
    t.stdin.push('junk\u0015sec');
    t.stdin.push('rx\u007fe\u001b[Dt h\u00e9\u0001\r');
    expect(await p).toBe('secret hé');
    expect(t.out()).toBe('Passphrase: \n');
    expect(t.raw).toEqual([true, false]);
  });

  it('with confirm asks twice and requires equality', async () => {
    const t = fakeTty();
    const p = getPassphrase({ env: {}, prompt: 'New passphrase: ', confirm: true, stdin: t.stdin, stderr: t.stderr });
    t.stdin.push('same one\r');
    await tick();
    t.stdin.push('same one\n');
    expect(await p).toBe('same one');
    expect(t.out()).toBe('New passphrase: \nRepeat the passphrase: \n');

    const u = fakeTty();
    const q = getPassphrase({ env: {}, prompt: 'New passphrase: ', confirm: true, stdin: u.stdin, stderr: u.stderr });
    u.stdin.push('one\r');
    await tick();
    u.stdin.push('two\r');
    expect(await code(q)).toBe('PASSPHRASE_MISSING');
  });

  it('Ctrl-C cancels with PASSPHRASE_MISSING and restores the terminal', async () => {
    const t = fakeTty();
    const p = getPassphrase({ env: {}, prompt: 'P: ', stdin: t.stdin, stderr: t.stderr });
    t.stdin.push('abc\u0003');
    const e = await rejection(p);
    expect(e.code).toBe('PASSPHRASE_MISSING');
    expect(e.message).toBe('cancelled');
    expect(t.raw).toEqual([true, false]);
  });
});
