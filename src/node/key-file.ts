// One key file of the keystore, `<fingerprint>.key.json`: its JSON format, validated with zod
// on every read, and the 32-byte Ed25519 seed sealed in it with a passphrase (scrypt, RFC 7914,
// then AES-256-GCM, NIST SP 800-38D). The public API over a directory of them is keystore.ts.

import { createCipheriv, createDecipheriv, createHash, createPrivateKey, createPublicKey, randomBytes, scrypt } from 'node:crypto';
import { constants as fsc } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { z } from 'zod';
import { bytesEqual, fromBase64, toBase64, utf8 } from '../core/bytes.js';
import { InputError, KeystoreError } from '../core/errors.js';

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

// Node refuses scrypt when 128*N*r*p exceeds maxmem (default 32 MiB); N=2^17, r=8 needs 128 MiB.
const SCRYPT_MAXMEM = 256 * 1024 * 1024;
// Parameters accepted on write and on read: a hostile file must not make us allocate gigabytes.
const SCRYPT_MEM_LIMIT = 128 * 1024 * 1024;

const FORMAT = 'cognify-key';
const VERSION = 1;
export const FILE_SUFFIX = '.key.json';
// PKCS#8 DER prefix for a raw Ed25519 seed (RFC 8410 §7).
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

// ---------------------------------------------------------------- key identity (keystore.ts re-exports these)

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

export function nameProblem(name: string): string | undefined {
  if (name.length === 0) return 'name is empty';
  if (name.length > 200) return `name is ${name.length} characters; at most 200`;
  if (CONTROL.test(name)) return 'name contains control characters';
  return undefined;
}

export function emailProblem(email: string): string | undefined {
  if (email.length > 254) return `email is ${email.length} characters; at most 254`;
  if (!EMAIL.test(email)) return `${JSON.stringify(email)} does not look like an email address`;
  return undefined;
}

export function scryptProblem(s: ScryptParams): string | undefined {
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

export type KeyFile = z.infer<typeof KeyFileSchema>;

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

/** The key file for `seed` sealed under `passphrase`, with a fresh salt and IV. */
export async function sealSeed(
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

// ---------------------------------------------------------------- reading and unsealing

function invalid(path: string, what: string, cause?: unknown): KeystoreError {
  return new KeystoreError('KEYFILE_INVALID', `key file ${path} is invalid: ${what}`, { path }, cause);
}

/**
 * Read and validate one key file. With `checkMode`, refuse a file readable by group or others,
 * as ssh does, checked on the open descriptor so the file cannot be swapped in between.
 */
export async function readKeyFile(path: string, checkMode: boolean): Promise<{ file: KeyFile; info: KeyInfo }> {
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

/**
 * Re-read the file of `key` (mode-checked), decrypt its seed with `passphrase` and check the seed
 * against the public key. The caller should zero the seed when done.
 */
export async function openKey(key: KeyInfo, passphrase: string): Promise<{ file: KeyFile; info: KeyInfo; seed: Uint8Array }> {
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
