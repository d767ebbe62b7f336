// Signed checkpoints of the audit log: the C2SP signed-note format (https://c2sp.org/signed-note)
// carrying a tlog-checkpoint body (https://c2sp.org/tlog-checkpoint), with Ed25519 keys
// (signature type 0x01). Byte-compatible with golang.org/x/mod/sumdb/note and
// github.com/transparency-dev/formats, so any tlog tool or witness can check our checkpoints.
//
//   example.com/log42                      ← origin
//   20852163                               ← tree size, decimal, no leading zeros
//   CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=   ← base64 RFC 6962 root
//                                          ← blank line: the body ends before it
//   — example.com/log42 Az3grl…            ← em dash, key name, base64(key ID ‖ signature)
//
// Parsing is strict: anything the spec does not allow is an InputError; a signature that does not
// verify, or the absence of one by the expected key, is a SignatureError.

import type { CryptoProvider } from '../core/crypto-provider.js';
import { bytesEqual, concatBytes, fromBase64, fromHex, fromUtf8, toBase64, toHex, utf8 } from '../core/bytes.js';
import { InputError, SignatureError } from '../core/errors.js';

/** Signature type byte of Ed25519 note keys (signed-note "Signature types"). */
export const NOTE_ED25519 = 0x01;
/** Go's sumdb/note stops at 100; the spec asks verifiers to accept at least 16. */
export const MAX_NOTE_SIGNATURES = 100;

export interface Checkpoint {
  origin: string;
  /** Number of leaves; safe-integer range only (the spec allows up to 2^64 - 1). */
  size: number;
  /** 32-byte RFC 6962 root hash. */
  root: Uint8Array;
  /** Opaque non-empty extension lines (their use is NOT RECOMMENDED by the spec). */
  extensions: string[];
}

export interface NoteSignature {
  keyName: string;
  /** 4-byte key ID, big-endian as on the wire. */
  keyId: Uint8Array;
  /** The signature proper, without the key ID. */
  signature: Uint8Array;
}

export interface ParsedNote {
  /** The signed text: everything before the last blank line, including its final newline. */
  body: string;
  signatures: NoteSignature[];
}

export interface VerifierKey {
  keyName: string;
  keyId: Uint8Array;
  publicKey: Uint8Array;
}

type Sha256 = Pick<CryptoProvider, 'sha256'>;

const SIG_PREFIX = '\u2014 '; // em dash, space
// ASCII controls other than newline (signed-note "Format"), and lone UTF-16 surrogates, which
// cannot be encoded as UTF-8.
const BAD_CHAR = /[\u0000-\u0009\u000b-\u001f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
// Key names: non-empty, no Unicode spaces (White_Space = Go's unicode.IsSpace), no '+'.
const BAD_NAME_CHAR = /[\p{White_Space}+]/u;
const SIZE_RE = /^(?:0|[1-9][0-9]*)$/;

function _bad(message: string, data: Record<string, unknown> = {}): InputError {
  return new InputError('INPUT_INVALID', message, data);
}

function _checkText(text: string, what: string): void {
  const m = BAD_CHAR.exec(text);
  if (m) {
    const cp = m[0].codePointAt(0)!.toString(16).padStart(4, '0');
    throw _bad(`${what}: character U+${cp} at offset ${m.index} is not allowed in a signed note`, { offset: m.index });
  }
}

/** Key name rule of signed-note "Format": non-empty, no Unicode spaces, no '+'. */
export function isValidKeyName(name: string): boolean {
  return typeof name === 'string' && name.length > 0 && !BAD_NAME_CHAR.test(name) && !BAD_CHAR.test(name);
}

function _checkKeyName(name: string): void {
  if (!isValidKeyName(name)) {
    throw _bad(`key name ${JSON.stringify(name)}: must be non-empty without spaces or '+'`, { keyName: name });
  }
}

function _checkBytes(b: Uint8Array, n: number, what: string): void {
  if (!(b instanceof Uint8Array) || b.length !== n) {
    const got = b instanceof Uint8Array ? `${b.length} bytes` : typeof b;
    throw _bad(`${what}: expected ${n} bytes, got ${got}`);
  }
}

// --- Checkpoint body (tlog-checkpoint "Note text") ------------------------------------------

/** "origin\nsize\nbase64(root)\n" plus one line per extension. */
export function formatCheckpointBody(c: { origin: string; size: number; root: Uint8Array; extensions?: string[] }): string {
  // The origin SHOULD be a key-name-like schema-less URL; we produce only such origins, since
  // the log signs under its origin as key name (tlog-checkpoint "Signatures").
  _checkKeyName(c.origin);
  if (!Number.isSafeInteger(c.size) || c.size < 0) throw _bad(`tree size: expected a non-negative safe integer, got ${String(c.size)}`);
  _checkBytes(c.root, 32, 'root hash');
  const ext = c.extensions ?? [];
  ext.forEach((line, i) => {
    if (typeof line !== 'string' || line.length === 0 || line.includes('\n')) {
      throw _bad(`extension line ${i}: must be non-empty and without newlines`);
    }
    _checkText(line, `extension line ${i}`);
  });
  return [c.origin, String(c.size), toBase64(c.root), ...ext].map((l) => `${l}\n`).join('');
}

/** Strictly parse a checkpoint body (the note text, final newline included). */
export function parseCheckpoint(text: string): Checkpoint {
  if (typeof text !== 'string' || !text.endsWith('\n')) throw _bad('checkpoint: text must end with a newline');
  _checkText(text, 'checkpoint');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) throw _bad(`checkpoint: expected at least 3 lines, got ${lines.length}`);
  const [origin, sizeLine, rootLine, ...extensions] = lines as [string, string, string, ...string[]];
  if (origin.length === 0) throw _bad('checkpoint: origin line is empty');
  if (!SIZE_RE.test(sizeLine)) {
    throw _bad(`checkpoint: tree size ${JSON.stringify(sizeLine)} is not a decimal without leading zeros`);
  }
  const size = Number(sizeLine);
  if (!Number.isSafeInteger(size)) throw _bad(`checkpoint: tree size ${sizeLine} exceeds 2^53 - 1`);
  let root: Uint8Array;
  try {
    root = fromBase64(rootLine);
  } catch (e) {
    throw new InputError('INPUT_INVALID', 'checkpoint: root hash is not standard padded base64', {}, e);
  }
  if (root.length !== 32) throw _bad(`checkpoint: root hash: expected 32 bytes, got ${root.length}`);
  const empty = extensions.findIndex((l) => l.length === 0);
  if (empty >= 0) throw _bad(`checkpoint: extension line ${empty} is empty`);
  return { origin, size, root, extensions };
}

// --- Keys -----------------------------------------------------------------------------------

/** SHA-256(keyName ‖ 0x0A ‖ 0x01 ‖ publicKey)[:4], signed-note "Ed25519 signatures". */
export function noteKeyId(h: Sha256, keyName: string, publicKey: Uint8Array): Uint8Array {
  _checkKeyName(keyName);
  _checkBytes(publicKey, 32, 'Ed25519 public key');
  return h.sha256(concatBytes(utf8(keyName), new Uint8Array([0x0a, NOTE_ED25519]), publicKey)).slice(0, 4);
}

/** The standard verifier key string "name+hex(keyID)+base64(0x01 ‖ pub)" of sumdb/note. */
export function encodeVerifierKey(h: Sha256, keyName: string, publicKey: Uint8Array): string {
  const id = noteKeyId(h, keyName, publicKey);
  return `${keyName}+${toHex(id)}+${toBase64(concatBytes(new Uint8Array([NOTE_ED25519]), publicKey))}`;
}

/** Inverse of encodeVerifierKey; checks the algorithm byte, the key length and the key ID. */
export function decodeVerifierKey(h: Sha256, vkey: string): VerifierKey {
  // The base64 part may itself contain '+': split at the first two only.
  const a = vkey.indexOf('+');
  const b = a < 0 ? -1 : vkey.indexOf('+', a + 1);
  if (b < 0) throw _bad('verifier key: expected name+keyid+key');
  const keyName = vkey.slice(0, a);
  const idHex = vkey.slice(a + 1, b);
  _checkKeyName(keyName);
  if (!/^[0-9a-f]{8}$/.test(idHex)) throw _bad(`verifier key: key ID ${JSON.stringify(idHex)} is not 8 lowercase hex digits`);
  let key: Uint8Array;
  try {
    key = fromBase64(vkey.slice(b + 1));
  } catch (e) {
    throw new InputError('INPUT_INVALID', 'verifier key: key is not standard padded base64', {}, e);
  }
  if (key.length !== 33 || key[0] !== NOTE_ED25519) {
    throw _bad(`verifier key: expected 0x01 followed by a 32-byte Ed25519 key, got ${key.length} bytes of type ${key[0]}`);
  }
  const publicKey = key.slice(1);
  const keyId = fromHex(idHex);
  if (!bytesEqual(keyId, noteKeyId(h, keyName, publicKey))) {
    throw _bad(`verifier key: key ID ${idHex} does not match the name and key`, { keyName });
  }
  return { keyName, keyId, publicKey };
}

// --- Notes ----------------------------------------------------------------------------------

/** Sign `body` (which must end in a newline) and return the whole note with one signature. */
export function signNote(
  provider: CryptoProvider,
  body: string,
  keyName: string,
  key: Uint8Array | { publicKey: Uint8Array; sign(message: Uint8Array): Uint8Array },
): string {
  if (typeof body !== 'string' || !body.endsWith('\n')) throw _bad('note body must end with a newline');
  _checkText(body, 'note body');
  _checkKeyName(keyName);
  // `key` is a 32-byte seed, or a signer that holds the key elsewhere (keystore, HSM).
  if (key instanceof Uint8Array) _checkBytes(key, 32, 'Ed25519 seed');
  const publicKey = key instanceof Uint8Array ? provider.ed25519PublicKey(key) : key.publicKey;
  const id = noteKeyId(provider, keyName, publicKey);
  const sig = key instanceof Uint8Array ? provider.ed25519Sign(utf8(body), key) : key.sign(utf8(body));
  _checkBytes(sig, 64, 'Ed25519 signature');
  return `${body}\n${SIG_PREFIX}${keyName} ${toBase64(concatBytes(id, sig))}\n`;
}

/**
 * Split a note into body and signature lines, checking the syntax of signed-note "Format" only
 * (no signature is verified). Accepts UTF-8 bytes or a string.
 */
export function parseNote(note: string | Uint8Array): ParsedNote {
  let text: string;
  if (typeof note === 'string') text = note;
  else {
    try {
      text = fromUtf8(note);
    } catch (e) {
      throw new InputError('INPUT_INVALID', 'note: not valid UTF-8', {}, e);
    }
  }
  _checkText(text, 'note');
  // The body is separated from the signatures by the last empty line.
  const split = text.lastIndexOf('\n\n');
  if (split < 0) throw _bad('note: no blank line between the text and the signatures');
  const body = text.slice(0, split + 1);
  const block = text.slice(split + 2);
  if (block.length === 0) throw _bad('note: no signature lines after the blank line');
  if (!block.endsWith('\n')) throw _bad('note: the last signature line does not end with a newline');
  const lines = block.slice(0, -1).split('\n');
  if (lines.length > MAX_NOTE_SIGNATURES) throw _bad(`note: more than ${MAX_NOTE_SIGNATURES} signatures`);
  const signatures = lines.map((line, i): NoteSignature => {
    if (!line.startsWith(SIG_PREFIX)) throw _bad(`note: signature line ${i + 1} does not start with an em dash and a space`);
    const rest = line.slice(SIG_PREFIX.length);
    const sp = rest.indexOf(' ');
    const keyName = sp < 0 ? rest : rest.slice(0, sp);
    if (sp < 0 || !isValidKeyName(keyName)) throw _bad(`note: signature line ${i + 1} has no valid key name`);
    let raw: Uint8Array;
    try {
      raw = fromBase64(rest.slice(sp + 1));
    } catch (e) {
      throw new InputError('INPUT_INVALID', `note: signature line ${i + 1} is not standard padded base64`, {}, e);
    }
    if (raw.length < 5) throw _bad(`note: signature line ${i + 1} is shorter than a key ID and a signature`);
    return { keyName, keyId: raw.slice(0, 4), signature: raw.slice(4) };
  });
  return { body, signatures };
}

/**
 * Verify the note against one trusted Ed25519 key and return its body. Signatures by other keys
 * (another name, or the same name with another key ID) are ignored, as the spec requires; every
 * signature by this key must verify (the spec's SHOULD), and at least one must be present.
 */
export function openNote(provider: CryptoProvider, note: string | Uint8Array, keyName: string, publicKey: Uint8Array): string {
  const id = noteKeyId(provider, keyName, publicKey);
  const { body, signatures } = parseNote(note);
  const mine = signatures.filter((s) => s.keyName === keyName && bytesEqual(s.keyId, id));
  const data = { keyName, keyId: toHex(id) };
  if (mine.length === 0) throw new SignatureError('SIGNATURE_INVALID', `note: no signature by key ${keyName}+${toHex(id)}`, data);
  const msg = utf8(body);
  for (const s of mine) {
    if (!provider.ed25519Verify(s.signature, msg, publicKey)) {
      throw new SignatureError('SIGNATURE_INVALID', `note: signature by key ${keyName}+${toHex(id)} does not verify`, data);
    }
  }
  return body;
}

/** openNote, then parseCheckpoint of the verified body. The caller checks the origin it expects. */
export function verifyNote(provider: CryptoProvider, note: string | Uint8Array, keyName: string, publicKey: Uint8Array): Checkpoint {
  return parseCheckpoint(openNote(provider, note, keyName, publicKey));
}
