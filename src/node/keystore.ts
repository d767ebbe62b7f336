// The private-key keystore: one JSON file per Ed25519 key under `<home>/keys/<fingerprint>.key.json`,
// the 32-byte seed encrypted at rest with a passphrase (scrypt, RFC 7914, then AES-256-GCM,
// NIST SP 800-38D). Key and passphrase are the two distinct identification components that
// 21 CFR 11.200(a)(1) asks of an electronic signature (see DESIGN.md "Identities, signatures,
// approvals").
//
// Cost: scrypt N=2^17, r=8, p=1 uses 128 MiB and took ~580 ms per derivation on the 2-core
// machine this was written on (Node 20). Tests may lower N only through the explicit `scrypt`
// option; the file records the parameters it was written with.
//
// This file is the public API over the keys directory; one key file's format, its validation
// and the sealing of the seed are in key-file.ts, the crash-safe write in atomic-write.ts.

import { randomBytes } from 'node:crypto';
import { chmod, readdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { writeAtomic } from './atomic-write.js';
import {
  emailProblem,
  FILE_SUFFIX,
  fingerprintOf,
  nameProblem,
  openKey,
  publicKeyFromSeed,
  readKeyFile,
  scryptProblem,
  sealSeed,
  shortFingerprint,
  type KeyInfo,
  type ScryptParams,
} from './key-file.js';
import { mkdirs } from './mkdirs.js';
import { CognifyError, InputError, KeystoreError } from '../core/errors.js';

export { fingerprintOf, publicKeyFromSeed, shortFingerprint, type KeyInfo, type ScryptParams } from './key-file.js';

export interface KeystoreOptions {
  /** Keystore directory; default `keystoreHome()` ($COGNIFY_HOME, else ~/.cognify). */
  home?: string;
  /** scrypt cost for keys written by this call; default DEFAULT_SCRYPT. */
  scrypt?: ScryptParams;
}

export const DEFAULT_SCRYPT: Readonly<ScryptParams> = Object.freeze({ N: 2 ** 17, r: 8, p: 1 });

const NEW_KEY_HINT = 'run `cognify id new --name N --email E`';

// ---------------------------------------------------------------- keystore directory

export function keystoreHome(env: NodeJS.ProcessEnv = process.env): string {
  const h = env.COGNIFY_HOME;
  return h !== undefined && h !== '' ? resolve(h) : join(homedir(), '.cognify');
}

function keysDir(opts?: KeystoreOptions): string {
  return join(opts?.home !== undefined ? resolve(opts.home) : keystoreHome(), 'keys');
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
