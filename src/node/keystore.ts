// The private-key keystore: one JSON file per Ed25519 key under `<home>/keys/<fingerprint>.key.json`,
// the 32-byte seed encrypted at rest with a passphrase (scrypt, RFC 7914, then AES-256-GCM,
// NIST SP 800-38D). Key and passphrase are the two distinct identification components that
// 21 CFR 11.200(a)(1) asks of an electronic signature (see DESIGN.md "Identities, signatures,
// approvals").
//
// Cost: scrypt N=2^17, r=8, p=1 uses 128 MiB and took ~580 ms per derivation on the 2-core
// machine this was written on (Node 20). Tests may lower N only through the explicit `scrypt`
// option; the file records the parameters it was written with.

import { createCipheriv, createDecipheriv, createHash, createPrivateKey, createPublicKey, randomBytes, scrypt } from 'node:crypto';
import { constants as fsc } from 'node:fs';
import { access, chmod, link, open, readdir, rename, unlink } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { mkdirs } from './mkdirs.js';
import { bytesEqual, fromBase64, toBase64, utf8 } from '../core/bytes.js';
import { CognifyError, InputError, KeystoreError } from '../core/errors.js';

export interface KeyInfo {
  /** Lowercase hex SHA-256 of the raw 32-byte public key. */
  fingerprint: string;
  name: string;
  email: string;
  /** Raw 32-byte Ed25519 public key (RFC 8032 §5.1.5). */
  publicKey: Uint8Array;
  /** ISO 8601 time of creation. */
  created: string;
  /** Absolute path of the key file. */
  path: string;
}

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

export interface KeystoreOptions {
  /** Keystore directory; default `keystoreHome()` ($COGNIFY_HOME, else ~/.cognify). */
  home?: string;
  /** scrypt cost for keys written by this call; default DEFAULT_SCRYPT. */
  scrypt?: ScryptParams;
}

export const DEFAULT_SCRYPT: Readonly<ScryptParams> = Object.freeze({ N: 2 ** 17, r: 8, p: 1 });

// Node refuses scrypt when 128*N*r*p exceeds maxmem (default 32 MiB); N=2^17, r=8 needs 128 MiB.
const SCRYPT_MAXMEM = 256 * 1024 * 1024;
// Parameters accepted on write and on read: a hostile file must not make us allocate gigabytes.
const SCRYPT_MEM_LIMIT = 128 * 1024 * 1024;

const FORMAT = 'cognify-key';
const VERSION = 1;
const FILE_SUFFIX = '.key.json';
const NEW_KEY_HINT = 'run `cognify id new --name N --email E`';
// PKCS#8 DER prefix for a raw Ed25519 seed (RFC 8410 §7).
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

// ---------------------------------------------------------------- small public helpers

export function keystoreHome(env: NodeJS.ProcessEnv = process.env): string {
  const h = env.COGNIFY_HOME;
  return h !== undefined && h !== '' ? resolve(h) : join(homedir(), '.cognify');
}

/** Lowercase hex SHA-256 of the raw 32-byte public key: the key's fingerprint. */
export function fingerprintOf(publicKey: Uint8Array): string {
  return createHash('sha256').update(publicKey).digest('hex');
}

/** Display form of a fingerprint: its first 16 hex digits. */
export function shortFingerprint(fingerprint: string): string {
  return fingerprint.slice(0, 16);
}

/** Raw 32-byte Ed25519 public key from a 32-byte seed, through node:crypto. */
export function publicKeyFromSeed(seed: Uint8Array): Uint8Array {
  if (seed.length !== 32) throw new InputError('INPUT_INVALID', `expected a 32-byte seed, got ${seed.length}`);
  const der = Buffer.concat([PKCS8_ED25519_PREFIX, seed]);
  try {
    const spki = createPublicKey(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })).export({ format: 'der', type: 'spki' });
    return new Uint8Array(spki.subarray(spki.length - 32));
  } finally {
    der.fill(0);
  }
}

// ---------------------------------------------------------------- validation

const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const EMAIL = /^[^\s@<>"',;]+@[^\s@<>"',;]+\.[^\s@<>"',;.]+$/;

function nameProblem(name: string): string | undefined {
  if (name.length === 0) return 'name is empty';
  if (name.length > 200) return `name is ${name.length} characters; at most 200`;
  if (CONTROL.test(name)) return 'name contains control characters';
  return undefined;
}

function emailProblem(email: string): string | undefined {
  if (email.length > 254) return `email is ${email.length} characters; at most 254`;
  if (!EMAIL.test(email)) return `${JSON.stringify(email)} does not look like an email address`;
  return undefined;
}

function scryptProblem(s: ScryptParams): string | undefined {
  const { N, r, p } = s;
  if (!Number.isSafeInteger(N) || N < 2 ** 10 || N > 2 ** 20 || (N & (N - 1)) !== 0) return `scrypt N must be a power of two from 2^10 to 2^20, got ${N}`;
  if (!Number.isSafeInteger(r) || r < 1 || r > 32) return `scrypt r must be 1..32, got ${r}`;
  if (!Number.isSafeInteger(p) || p < 1 || p > 16) return `scrypt p must be 1..16, got ${p}`;
  if (128 * N * r * p > SCRYPT_MEM_LIMIT) return `scrypt memory 128*N*r*p exceeds ${SCRYPT_MEM_LIMIT / 2 ** 20} MiB`;
  return undefined;
}

function b64(bytes: number) {
  return z.string().refine((s) => {
    try {
      return fromBase64(s).length === bytes;
    } catch {
      return false;
    }
  }, `expected standard base64 of ${bytes} bytes`);
}

const KeyFileSchema = z.strictObject({
  format: z.literal(FORMAT),
  version: z.literal(VERSION, { error: `unsupported version; this cognify reads version ${VERSION}` }),
  name: z.string().superRefine((s, ctx) => {
    const m = nameProblem(s);
    if (m) ctx.addIssue({ code: 'custom', message: m });
  }),
  email: z.string().superRefine((s, ctx) => {
    const m = emailProblem(s);
    if (m) ctx.addIssue({ code: 'custom', message: m });
  }),
  fingerprint: z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits'),
  publicKey: b64(32),
  created: z.iso.datetime({ offset: true }),
  kdf: z
    .strictObject({ name: z.literal('scrypt'), N: z.number(), r: z.number(), p: z.number(), salt: b64(16) })
    .superRefine((k, ctx) => {
      const m = scryptProblem(k);
      if (m) ctx.addIssue({ code: 'custom', message: m });
    }),
  cipher: z.strictObject({ name: z.literal('aes-256-gcm'), iv: b64(12), tag: b64(16) }),
  ciphertext: b64(32),
});

type KeyFile = z.infer<typeof KeyFileSchema>;

// ---------------------------------------------------------------- crypto

/** GCM additional data: binds the header, so editing fingerprint, name or email fails decryption. */
function aad(fingerprint: string, name: string, email: string): Uint8Array {
  return utf8(`cognify-key/v1\n${fingerprint}\n${name}\n${email}`);
}

function deriveKey(passphrase: string, salt: Uint8Array, s: ScryptParams): Promise<Buffer> {
  // NFC, so the same passphrase typed on systems that compose accents differently derives the same key.
  const pw = Buffer.from(passphrase.normalize('NFC'), 'utf8');
  return new Promise((res, rej) =>
    scrypt(pw, salt, 32, { N: s.N, r: s.r, p: s.p, maxmem: SCRYPT_MAXMEM }, (err, key) => {
      pw.fill(0);
      if (err) rej(err);
      else res(key);
    }),
  );
}

async function sealSeed(
  seed: Uint8Array,
  header: { fingerprint: string; name: string; email: string; publicKey: Uint8Array; created: string },
  passphrase: string,
  s: ScryptParams,
): Promise<KeyFile> {
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const key = await deriveKey(passphrase, salt, s);
  try {
    const c = createCipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
    c.setAAD(aad(header.fingerprint, header.name, header.email));
    const ct = Buffer.concat([c.update(seed), c.final()]);
    return {
      format: FORMAT,
      version: VERSION,
      name: header.name,
      email: header.email,
      fingerprint: header.fingerprint,
      publicKey: toBase64(header.publicKey),
      created: header.created,
      kdf: { name: 'scrypt', N: s.N, r: s.r, p: s.p, salt: toBase64(salt) },
      cipher: { name: 'aes-256-gcm', iv: toBase64(iv), tag: toBase64(c.getAuthTag()) },
      ciphertext: toBase64(ct),
    };
  } finally {
    key.fill(0);
  }
}

// ---------------------------------------------------------------- files

function keysDir(opts?: KeystoreOptions): string {
  return join(opts?.home !== undefined ? resolve(opts.home) : keystoreHome(), 'keys');
}

function invalid(path: string, what: string, cause?: unknown): KeystoreError {
  return new KeystoreError('KEYFILE_INVALID', `key file ${path} is invalid: ${what}`, { path }, cause);
}

/**
 * Read and validate one key file. With `checkMode`, refuse a file readable by group or others,
 * as ssh does, checked on the open descriptor so the file cannot be swapped in between.
 */
async function readKeyFile(path: string, checkMode: boolean): Promise<{ file: KeyFile; info: KeyInfo }> {
  let text: string;
  let fh;
  try {
    fh = await open(path, fsc.O_RDONLY);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new KeystoreError('KEY_NOT_FOUND', `key file ${path} no longer exists; list keys with \`cognify id list\``, { path }, e);
    }
    throw invalid(path, `cannot open it (${(e as Error).message})`, e);
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw invalid(path, 'not a regular file');
    if (checkMode && process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
      const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
      throw new KeystoreError('KEYFILE_INVALID', `permissions ${mode} for ${path} are too open; chmod 600 ${path}`, { path, mode });
    }
    if (st.size > 64 * 1024) throw invalid(path, `${st.size} bytes is too large for a key file`);
    text = await fh.readFile('utf8');
  } catch (e) {
    if (e instanceof KeystoreError) throw e;
    throw invalid(path, `cannot read it (${(e as Error).message})`, e);
  } finally {
    await fh.close();
  }

  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw invalid(path, `not JSON (${(e as Error).message})`, e);
  }
  const r = KeyFileSchema.safeParse(json);
  if (!r.success) {
    const what = r.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
      .join('; ');
    throw invalid(path, what, r.error);
  }
  const file = r.data;
  const publicKey = fromBase64(file.publicKey);
  if (fingerprintOf(publicKey) !== file.fingerprint) throw invalid(path, 'fingerprint is not the SHA-256 of publicKey');
  if (basename(path) !== file.fingerprint + FILE_SUFFIX) throw invalid(path, `file name does not match its fingerprint ${file.fingerprint}`);
  return {
    file,
    info: { fingerprint: file.fingerprint, name: file.name, email: file.email, publicKey, created: file.created, path },
  };
}

/** fsync a directory so a rename in it survives a crash; not every platform allows it. */
async function syncDir(dir: string): Promise<void> {
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
 * Atomic write: temp file (mode 0600, exclusive) in the same directory, fsync, then rename over
 * the target, or, when `overwrite` is false, link it to the target (which fails with EEXIST rather
 * than clobber a key). A crash leaves the old file or the new one, never a partial one; the temp
 * file is removed on every error path.
 */
async function writeAtomic(path: string, data: string, overwrite: boolean): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(tmp, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, 0o600);
  try {
    try {
      await fh.chmod(0o600); // the umask may only narrow the mode; make it exact anyway
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

async function ensureDir(dir: string): Promise<void> {
  const first = await mkdirs(dir, 0o700);
  // mkdir's mode passes through the umask; make the directories we created exactly 0700.
  if (first === undefined || process.platform === 'win32') return;
  for (let d = dir; ; d = dirname(d)) {
    await chmod(d, 0o700);
    if (d === first || dirname(d) === d) break;
  }
}

// ---------------------------------------------------------------- public API

export async function createKey(
  opts: KeystoreOptions & { name: string; email: string; passphrase: string; now?: Date },
): Promise<KeyInfo> {
  const name = typeof opts.name === 'string' ? opts.name.trim() : '';
  const email = typeof opts.email === 'string' ? opts.email.trim() : '';
  const np = nameProblem(name);
  if (np) throw new InputError('INPUT_INVALID', `${np}; pass --name "Your Name"`, { field: 'name' });
  const ep = emailProblem(email);
  if (ep) throw new InputError('INPUT_INVALID', `${ep}; pass --email you@example.org`, { field: 'email' });
  const passphrase = opts.passphrase;
  if (typeof passphrase !== 'string' || passphrase.length === 0) {
    throw new InputError('INPUT_INVALID', 'the passphrase is empty; choose one of at least 8 characters', { field: 'passphrase' });
  }
  const pwLen = [...passphrase.normalize('NFC')].length;
  if (pwLen < 8) {
    throw new InputError('INPUT_INVALID', `the passphrase has ${pwLen} characters; choose one of at least 8`, { field: 'passphrase' });
  }
  const s = opts.scrypt ?? DEFAULT_SCRYPT;
  const sp = scryptProblem(s);
  if (sp) throw new InputError('INPUT_INVALID', sp, { field: 'scrypt' });
  const now = opts.now ?? new Date();
  if (Number.isNaN(now.getTime())) throw new InputError('INPUT_INVALID', 'now is an invalid Date', { field: 'now' });

  const dir = keysDir(opts);
  const seed = randomBytes(32);
  try {
    const publicKey = publicKeyFromSeed(seed);
    const fingerprint = fingerprintOf(publicKey);
    const created = now.toISOString();
    const file = await sealSeed(seed, { fingerprint, name, email, publicKey, created }, passphrase, s);
    const path = join(dir, fingerprint + FILE_SUFFIX);
    try {
      await ensureDir(dir);
    } catch (e) {
      throw new CognifyError('IO_FAILED', `cannot create keystore directory ${dir}: ${(e as Error).message}`, { path: dir }, e);
    }
    try {
      await writeAtomic(path, JSON.stringify(file, null, 2) + '\n', false);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new KeystoreError('KEY_EXISTS', `key ${shortFingerprint(fingerprint)} already exists at ${path}`, { path, fingerprint }, e);
      }
      throw new CognifyError('IO_FAILED', `cannot write key file ${path}: ${(e as Error).message}`, { path }, e);
    }
    return { fingerprint, name, email, publicKey, created, path };
  } finally {
    seed.fill(0);
  }
}

/** Every key in the keystore, sorted by creation time then email. A missing keystore lists as []. */
export async function listKeys(opts?: KeystoreOptions): Promise<KeyInfo[]> {
  const dir = keysDir(opts);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new CognifyError('IO_FAILED', `cannot read keystore ${dir}: ${(e as Error).message}`, { path: dir }, e);
  }
  const out: KeyInfo[] = [];
  // Temp files of an interrupted write start with "." and are not keys.
  for (const n of names.filter((n) => n.endsWith(FILE_SUFFIX) && !n.startsWith('.')).sort()) {
    out.push((await readKeyFile(join(dir, n), false)).info);
  }
  return out.sort((a, b) => cmp(Date.parse(a.created), Date.parse(b.created)) || cmp(a.email.toLowerCase(), b.email.toLowerCase()) || cmp(a.fingerprint, b.fingerprint));
}

function cmp<T extends string | number>(a: T, b: T): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function label(k: KeyInfo): string {
  return `${shortFingerprint(k.fingerprint)} ${k.name} <${k.email}>`;
}

/**
 * Resolve `who`: an email (case-insensitive, exact), a full fingerprint, or a unique prefix of at
 * least 8 hex digits. Without `who`, the only key if there is exactly one.
 */
export async function findKey(opts: KeystoreOptions & { who?: string }): Promise<KeyInfo> {
  const keys = await listKeys(opts);
  if (keys.length === 0) {
    const dir = keysDir(opts);
    throw new KeystoreError('KEYSTORE_MISSING', `no keys in ${dir}; ${NEW_KEY_HINT}`, { path: dir });
  }
  const ambiguous = (cands: KeyInfo[], what: string): KeystoreError =>
    new KeystoreError(
      'KEY_AMBIGUOUS',
      `${what} ${cands.length} keys (${cands.map(label).join(', ')}); use --as <email|fingerprint> or COGNIFY_KEY`,
      { candidates: cands.map((k) => ({ fingerprint: k.fingerprint, name: k.name, email: k.email })) },
    );

  const who = opts.who?.trim();
  if (who === undefined || who === '') {
    if (keys.length === 1) return keys[0]!;
    throw ambiguous(keys, 'which key? the keystore holds');
  }
  let found: KeyInfo[];
  if (who.includes('@')) {
    const w = who.toLowerCase();
    found = keys.filter((k) => k.email.toLowerCase() === w);
  } else if (/^[0-9a-f]+$/i.test(who)) {
    if (who.length < 8) {
      throw new InputError('INPUT_INVALID', `key prefix ${who} is too short; give at least 8 hex digits of the fingerprint, or the email`, { who });
    }
    const w = who.toLowerCase();
    found = keys.filter((k) => k.fingerprint.startsWith(w));
  } else {
    throw new InputError('INPUT_INVALID', `${JSON.stringify(who)} is neither an email nor a hex fingerprint`, { who });
  }
  if (found.length === 1) return found[0]!;
  if (found.length > 1) throw ambiguous(found, `${JSON.stringify(who)} matches`);
  throw new KeystoreError('KEY_NOT_FOUND', `no key matches ${JSON.stringify(who)}; list keys with \`cognify id list\` or ${NEW_KEY_HINT}`, { who });
}

async function openKey(key: KeyInfo, passphrase: string): Promise<{ file: KeyFile; info: KeyInfo; seed: Uint8Array }> {
  if (typeof passphrase !== 'string' || passphrase === '') {
    throw new KeystoreError('PASSPHRASE_MISSING', `no passphrase given for key ${shortFingerprint(key.fingerprint)} (${key.email})`, {
      fingerprint: key.fingerprint,
    });
  }
  const { file, info } = await readKeyFile(key.path, true);
  if (file.fingerprint !== key.fingerprint) {
    throw invalid(key.path, `it now holds key ${shortFingerprint(file.fingerprint)}, not ${shortFingerprint(key.fingerprint)}`);
  }
  const dk = await deriveKey(passphrase, fromBase64(file.kdf.salt), file.kdf);
  let seedBuf: Buffer;
  try {
    const d = createDecipheriv('aes-256-gcm', dk, fromBase64(file.cipher.iv), { authTagLength: 16 });
    d.setAAD(aad(file.fingerprint, file.name, file.email));
    d.setAuthTag(fromBase64(file.cipher.tag));
    seedBuf = Buffer.concat([d.update(fromBase64(file.ciphertext)), d.final()]);
  } catch (e) {
    // GCM cannot tell a wrong passphrase from an edited salt, tag, ciphertext or header field.
    throw new KeystoreError(
      'PASSPHRASE_WRONG',
      `wrong passphrase for key ${shortFingerprint(file.fingerprint)} (${file.email}), or the key file was altered; try again`,
      { fingerprint: file.fingerprint, path: key.path },
      e,
    );
  } finally {
    dk.fill(0);
  }
  const seed = new Uint8Array(seedBuf);
  seedBuf.fill(0);
  if (!bytesEqual(publicKeyFromSeed(seed), info.publicKey)) {
    seed.fill(0);
    throw invalid(key.path, 'the decrypted secret does not match publicKey');
  }
  return { file, info, seed };
}

/** Decrypt the key: returns its 32-byte Ed25519 seed. The caller should zero it when done. */
export async function unlockKey(key: KeyInfo, passphrase: string): Promise<Uint8Array> {
  return (await openKey(key, passphrase)).seed;
}

/** Re-encrypt a key under a new passphrase (fresh salt and IV), atomically replacing its file. */
export async function changePassphrase(opts: {
  key: KeyInfo;
  passphrase: string;
  newPassphrase: string;
  scrypt?: ScryptParams;
}): Promise<KeyInfo> {
  const np = opts.newPassphrase;
  if (typeof np !== 'string' || [...np.normalize('NFC')].length < 8) {
    throw new InputError('INPUT_INVALID', 'the new passphrase must have at least 8 characters', { field: 'newPassphrase' });
  }
  const s = opts.scrypt ?? DEFAULT_SCRYPT;
  const sp = scryptProblem(s);
  if (sp) throw new InputError('INPUT_INVALID', sp, { field: 'scrypt' });
  const { info, seed } = await openKey(opts.key, opts.passphrase);
  try {
    const file = await sealSeed(seed, info, np, s);
    await writeAtomic(info.path, JSON.stringify(file, null, 2) + '\n', true);
    return info;
  } catch (e) {
    if (e instanceof CognifyError) throw e;
    throw new CognifyError('IO_FAILED', `cannot rewrite key file ${info.path}: ${(e as Error).message}`, { path: info.path }, e);
  } finally {
    seed.fill(0);
  }
}
