// src/chain/signed-note.ts against the published examples of golang.org/x/mod/sumdb/note and
// C2SP, plus round trips, tampering and strict parsing.
import { describe, expect, it } from 'vitest';
import { fromBase64, fromHex, toHex, utf8 } from '../../src/core/bytes.js';
import {
  decodeVerifierKey,
  encodeVerifierKey,
  formatCheckpointBody,
  isValidKeyName,
  noteKeyId,
  openNote,
  parseCheckpoint,
  parseNote,
  signNote,
  verifyNote,
} from '../../src/chain/signed-note.js';
import { testProvider as P } from './_provider.js';

// golang.org/x/mod/sumdb/note documentation and note_test.go (ExampleSign / ExampleOpen).
const GO_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const GO_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const GO_SIG = '\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';
const GO_NOTE = `${GO_TEXT}\n${GO_SIG}`;
const GO_SEED = fromBase64(GO_SKEY.split('+').slice(4).join('+')).slice(1); // drop the 0x01 type byte
const GO_PUB = fromBase64(GO_VKEY.split('+').slice(2).join('+')).slice(1);

// The C2SP signed-note specification's verifier-key example.
const C2SP_VKEY = 'example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k';
const C2SP_NOTE =
  'This is an example message.\n\n' +
  '\u2014 example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n';

// The tlog-checkpoint specification's example (no public key is given: parse only).
const SPEC_CHECKPOINT =
  'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n' +
  '\u2014 example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n';

const seed = (b: number) => new Uint8Array(32).fill(b);
const LOG = 'cognify.example/log/1f3a';
const LOG_SEED = seed(7);
const LOG_PUB = P.ed25519PublicKey(LOG_SEED);
const ROOT = fromHex('5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328');
const BODY = formatCheckpointBody({ origin: LOG, size: 8, root: ROOT });

const code = (c: string) => expect.objectContaining({ code: c });
const inputError = code('INPUT_INVALID');
const sigError = code('SIGNATURE_INVALID');
/** The signature lines of a note (everything after the blank line). */
const sigLines = (note: string) => note.slice(note.lastIndexOf('\n\n') + 2);

describe('published vectors', () => {
  it('reproduces the sumdb/note example signature byte for byte', () => {
    expect(toHex(P.ed25519PublicKey(GO_SEED))).toBe(toHex(GO_PUB));
    expect(toHex(noteKeyId(P, 'PeterNeumann', GO_PUB))).toBe('c74f20a3');
    expect(encodeVerifierKey(P, 'PeterNeumann', GO_PUB)).toBe(GO_VKEY);
    expect(signNote(P, GO_TEXT, 'PeterNeumann', GO_SEED)).toBe(GO_NOTE);
  });

  it('opens the sumdb/note example', () => {
    const k = decodeVerifierKey(P, GO_VKEY);
    expect(k.keyName).toBe('PeterNeumann');
    expect(toHex(k.keyId)).toBe('c74f20a3');
    expect(openNote(P, GO_NOTE, k.keyName, k.publicKey)).toBe(GO_TEXT);
    expect(openNote(P, utf8(GO_NOTE), k.keyName, k.publicKey)).toBe(GO_TEXT);
    // Not a checkpoint: verifyNote verifies, then rejects the body.
    expect(() => verifyNote(P, GO_NOTE, k.keyName, k.publicKey)).toThrow(inputError);
  });

  it('rejects the sumdb/note malformed messages', () => {
    const bad = [
      GO_TEXT,
      `${GO_TEXT}\n`,
      `${GO_TEXT}\n${GO_SIG.slice(0, -1)}`,
      `\x01${GO_TEXT}\n${GO_SIG}`,
      `${GO_TEXT}\n\u2014 Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`,
      `${GO_TEXT}\n${GO_SIG}Unexpected line.\n`,
    ];
    for (const n of bad) expect(() => parseNote(n), JSON.stringify(n)).toThrow(inputError);
    expect(() => parseNote(new Uint8Array([0xff, ...utf8(GO_NOTE)]))).toThrow(/not valid UTF-8/);
  });

  it('opens the C2SP signed-note verifier-key example', () => {
    const k = decodeVerifierKey(P, C2SP_VKEY);
    expect(k.keyName).toBe('example.com/foo');
    expect(encodeVerifierKey(P, k.keyName, k.publicKey)).toBe(C2SP_VKEY);
    expect(openNote(P, C2SP_NOTE, k.keyName, k.publicKey)).toBe('This is an example message.\n');
  });

  it('parses the tlog-checkpoint example', () => {
    const n = parseNote(SPEC_CHECKPOINT);
    expect(n.signatures).toHaveLength(1);
    expect(n.signatures[0]!.keyName).toBe('example.com/behind-the-sofa');
    expect(toHex(n.signatures[0]!.keyId)).toBe('033de0ae');
    expect(n.signatures[0]!.signature).toHaveLength(64);
    const c = parseCheckpoint(n.body);
    expect(c.origin).toBe('example.com/behind-the-sofa');
    expect(c.size).toBe(20852163);
    expect(c.root).toHaveLength(32);
    expect(formatCheckpointBody(c)).toBe(n.body);
  });
});

describe('checkpoint body', () => {
  it('formats and parses', () => {
    expect(BODY).toBe(`${LOG}\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n`);
    const c = parseCheckpoint(BODY);
    expect(c).toEqual({ origin: LOG, size: 8, root: ROOT, extensions: [] });
    const ext = formatCheckpointBody({ origin: LOG, size: 0, root: ROOT, extensions: ['a b', 'c'] });
    expect(ext.endsWith('\na b\nc\n')).toBe(true);
    expect(parseCheckpoint(ext).extensions).toEqual(['a b', 'c']);
    expect(parseCheckpoint(ext).size).toBe(0);
  });

  it('rejects malformed bodies', () => {
    const b64 = 'XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=';
    const bad = [
      `${LOG}\n8\n${b64}`, // no final newline
      `${LOG}\n8\n`, // two lines
      `\n8\n${b64}\n`, // empty origin
      `${LOG}\n08\n${b64}\n`, // leading zero
      `${LOG}\n-1\n${b64}\n`,
      `${LOG}\n+8\n${b64}\n`,
      `${LOG}\n 8\n${b64}\n`,
      `${LOG}\n8.0\n${b64}\n`,
      `${LOG}\n\n${b64}\n`,
      `${LOG}\n9007199254740992\n${b64}\n`, // 2^53
      `${LOG}\n8\n${b64.slice(0, -1)}\n`, // bad padding
      `${LOG}\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz-Nw7_RgQyg=\n`, // base64url
      `${LOG}\n8\n${b64.slice(0, -4)}\n`, // not 32 bytes
      `${LOG}\n8\nAAAA${b64}\n`,
      `${LOG}\n8\n${b64}\n\n`, // empty extension line
      `${LOG}\n8\n${b64}\next\n\n`,
      `${LOG}\r\n8\n${b64}\n`, // control character
    ];
    for (const b of bad) expect(() => parseCheckpoint(b), JSON.stringify(b)).toThrow(inputError);
    expect(parseCheckpoint(`${LOG}\n9007199254740991\n${b64}\n`).size).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('refuses to format what it could not parse', () => {
    const ok = { origin: LOG, size: 1, root: ROOT };
    expect(() => formatCheckpointBody({ ...ok, origin: '' })).toThrow(inputError);
    expect(() => formatCheckpointBody({ ...ok, origin: 'has space' })).toThrow(inputError);
    expect(() => formatCheckpointBody({ ...ok, origin: 'a+b' })).toThrow(inputError);
    expect(() => formatCheckpointBody({ ...ok, origin: 'a\nb' })).toThrow(inputError);
    expect(() => formatCheckpointBody({ ...ok, size: -1 })).toThrow(inputError);
    expect(() => formatCheckpointBody({ ...ok, size: 1.5 })).toThrow(inputError);
    expect(() => formatCheckpointBody({ ...ok, root: ROOT.subarray(1) })).toThrow(/expected 32 bytes, got 31/);
    expect(() => formatCheckpointBody({ ...ok, extensions: [''] })).toThrow(inputError);
    expect(() => formatCheckpointBody({ ...ok, extensions: ['a\nb'] })).toThrow(inputError);
    expect(() => formatCheckpointBody({ ...ok, extensions: ['a\tb'] })).toThrow(inputError);
  });
});

describe('keys', () => {
  it('key names', () => {
    for (const n of ['a', 'example.com/log', 'PeterNeumann', 'ünïcode/λ']) expect(isValidKeyName(n), n).toBe(true);
    for (const n of ['', 'a b', 'a+b', 'a\tb', 'a\u00a0b', 'a\u2003b', 'a\u3000b', 'a\u0085b', 'a\u2028b', 'a\x01b']) {
      expect(isValidKeyName(n), JSON.stringify(n)).toBe(false);
    }
  });

  it('key ID is SHA-256(name ‖ 0x0A ‖ 0x01 ‖ pub)[:4]', () => {
    const want = P.sha256(new Uint8Array([...utf8(LOG), 0x0a, 0x01, ...LOG_PUB])).slice(0, 4);
    expect(toHex(noteKeyId(P, LOG, LOG_PUB))).toBe(toHex(want));
  });

  it('verifier keys round trip and are checked', () => {
    const vkey = encodeVerifierKey(P, LOG, LOG_PUB);
    expect(vkey).toMatch(/^cognify\.example\/log\/1f3a\+[0-9a-f]{8}\+[A-Za-z0-9+/]{44}$/);
    const k = decodeVerifierKey(P, vkey);
    expect(k.keyName).toBe(LOG);
    expect(toHex(k.publicKey)).toBe(toHex(LOG_PUB));
    const [name, id, key] = [GO_VKEY.slice(0, 12), GO_VKEY.slice(13, 21), GO_VKEY.slice(22)];
    const bad = [
      'PeterNeumann',
      'PeterNeumann+c74f20a3',
      `${name}+c74f20a4+${key}`, // wrong key ID
      `${name}+C74F20A3+${key}`, // not lowercase
      `${name}+c74f20a+${key}`,
      `Peter+${id}+${key}`,
      `${name}+${id}+${key.slice(0, -1)}`,
      `${name}+${id}+Ag${key.slice(2)}`, // type byte 0x02
      `${name}+${id}+${key.slice(0, -4)}`,
      `+${id}+${key}`,
    ];
    for (const v of bad) expect(() => decodeVerifierKey(P, v), v).toThrow(inputError);
    expect(() => encodeVerifierKey(P, 'a b', LOG_PUB)).toThrow(inputError);
    expect(() => encodeVerifierKey(P, LOG, LOG_PUB.subarray(1))).toThrow(/expected 32 bytes, got 31/);
  });
});

describe('sign and verify', () => {
  const note = signNote(P, BODY, LOG, LOG_SEED);

  it('round trip', () => {
    expect(note.startsWith(`${BODY}\n\u2014 ${LOG} `)).toBe(true);
    expect(verifyNote(P, note, LOG, LOG_PUB)).toEqual({ origin: LOG, size: 8, root: ROOT, extensions: [] });
    const raw = fromBase64(sigLines(note).slice(`\u2014 ${LOG} `.length, -1));
    expect(raw).toHaveLength(68);
    expect(toHex(raw.subarray(0, 4))).toBe(toHex(noteKeyId(P, LOG, LOG_PUB)));
    expect(P.ed25519Verify(raw.subarray(4), utf8(BODY), LOG_PUB)).toBe(true); // over the body incl. its final newline
  });

  it('tampered body', () => {
    const other = formatCheckpointBody({ origin: LOG, size: 9, root: ROOT });
    expect(() => verifyNote(P, other + note.slice(BODY.length), LOG, LOG_PUB)).toThrow(sigError);
    expect(() => verifyNote(P, note.replace('\n8\n', '\n7\n'), LOG, LOG_PUB)).toThrow(/does not verify/);
    // Extra or missing text around the body changes the signed bytes.
    expect(() => verifyNote(P, `x${note}`, LOG, LOG_PUB)).toThrow(sigError);
    expect(() => verifyNote(P, `${BODY}\n${note}`, LOG, LOG_PUB)).toThrow(sigError);
  });

  it('tampered signature: every byte of key ID and signature', () => {
    const prefix = `${BODY}\n\u2014 ${LOG} `;
    const raw = fromBase64(note.slice(prefix.length, -1));
    for (let i = 0; i < raw.length; i++) {
      const t = raw.slice();
      t[i]! ^= 0x01;
      const tampered = `${prefix}${Buffer.from(t).toString('base64')}\n`;
      // A changed key ID makes the line some other key's (ignored: none left); a changed
      // signature byte fails verification.
      expect(() => verifyNote(P, tampered, LOG, LOG_PUB), `byte ${i}`).toThrow(
        i < 4 ? /no signature by key/ : /does not verify/,
      );
    }
  });

  it('wrong key name, wrong key, wrong key ID', () => {
    expect(() => verifyNote(P, note, 'cognify.example/other', LOG_PUB)).toThrow(/no signature by key/);
    expect(() => verifyNote(P, note, LOG, P.ed25519PublicKey(seed(8)))).toThrow(/no signature by key/);
    // Same name and key ID but another public key: cannot happen without a collision of the key
    // ID, so forge one by signing with a key whose ID we pretend is LOG's.
    const other = signNote(P, BODY, LOG, seed(9));
    const line = sigLines(other);
    const raw = fromBase64(line.slice(`\u2014 ${LOG} `.length, -1));
    raw.set(noteKeyId(P, LOG, LOG_PUB), 0);
    const forged = `${BODY}\n\u2014 ${LOG} ${Buffer.from(raw).toString('base64')}\n`;
    expect(() => verifyNote(P, forged, LOG, LOG_PUB)).toThrow(/does not verify/);
    try {
      verifyNote(P, forged, LOG, LOG_PUB);
    } catch (e) {
      expect(e).toMatchObject({ name: 'SignatureError', data: { keyName: LOG } });
    }
  });

  it('extra signatures by other keys are ignored, in any order', () => {
    const witness = sigLines(signNote(P, BODY, 'witness.example/w1', seed(1)));
    const sameName = sigLines(signNote(P, BODY, LOG, seed(2))); // same name, other key ID
    const garbage = `\u2014 unknown.example ${Buffer.from(new Uint8Array(68).fill(3)).toString('base64')}\n`;
    const mine = sigLines(note);
    for (const order of [
      [witness, mine],
      [mine, witness, sameName],
      [garbage, sameName, mine, garbage],
    ]) {
      expect(verifyNote(P, `${BODY}\n${order.join('')}`, LOG, LOG_PUB).size).toBe(8);
    }
    // ... but not counted as ours.
    expect(() => verifyNote(P, `${BODY}\n${witness}${sameName}`, LOG, LOG_PUB)).toThrow(sigError);
    // The witness's own key verifies the same note.
    const wpub = P.ed25519PublicKey(seed(1));
    expect(verifyNote(P, `${BODY}\n${mine}${witness}`, 'witness.example/w1', wpub).root).toEqual(ROOT);
    // A duplicate of our valid line is fine; a second, invalid line by our key is not.
    expect(verifyNote(P, `${BODY}\n${mine}${mine}`, LOG, LOG_PUB).size).toBe(8);
    const badMine = mine.replace(/.(=?\n)$/, (m, tail: string) => (m[0] === 'A' ? 'B' : 'A') + tail);
    expect(() => verifyNote(P, `${BODY}\n${mine}${badMine}`, LOG, LOG_PUB)).toThrow(/does not verify/);
  });

  it('body may contain blank lines: the last one separates', () => {
    const body = 'line one\n\nline three\n';
    const n = signNote(P, body, LOG, LOG_SEED);
    expect(openNote(P, n, LOG, LOG_PUB)).toBe(body);
    expect(parseNote(n).body).toBe(body);
  });

  it('rejects malformed notes with InputError', () => {
    const mine = sigLines(note);
    const b64 = mine.slice(`\u2014 ${LOG} `.length, -1);
    const bad = [
      BODY + mine, // no blank line
      `${BODY}\n`, // no signatures
      `${BODY}\n${mine.slice(0, -1)}`, // last line without newline
      `${BODY}\n${mine}\n`, // blank line after the signatures
      `${BODY}\n- ${LOG} ${b64}\n`, // hyphen, not em dash
      `${BODY}\n\u2014${LOG} ${b64}\n`, // no space after the dash
      `${BODY}\n\u2014  ${LOG} ${b64}\n`, // empty key name
      `${BODY}\n\u2014 ${LOG}\n`, // no signature
      `${BODY}\n\u2014 ${LOG} \n`, // empty signature
      `${BODY}\n\u2014 ${LOG}  ${b64}\n`, // two spaces
      `${BODY}\n\u2014 ${LOG} ${b64} \n`, // trailing space
      `${BODY}\n\u2014 a+b ${b64}\n`, // '+' in key name
      `${BODY}\n\u2014 a\u00a0b ${b64}\n`, // Unicode space in key name
      `${BODY}\n\u2014 ${LOG} ${b64.replace(/=$/, '')}\n`, // unpadded base64
      `${BODY}\n\u2014 ${LOG} ${b64.replace(/\+/g, '-').replace(/\//g, '_')}x\n`, // base64url
      `${BODY}\n\u2014 ${LOG} AAAAAA==\n`, // key ID only
      `${BODY}\n\u2014 ${LOG} ${b64}\r\n`, // CR
      `${BODY.replace('\n', '\t\n')}\n${mine}`, // control character in the body
      `${BODY}\n${'\u2014 k AAAAAAAAAAAAAAAAAAAA\n'.repeat(101)}`, // too many signatures
      `${BODY.slice(0, -1)}\ud800\n\n${mine}`, // lone surrogate
    ];
    for (const n of bad) expect(() => verifyNote(P, n, LOG, LOG_PUB), JSON.stringify(n)).toThrow(inputError);
    // 100 signatures is still accepted.
    expect(verifyNote(P, `${BODY}\n${'\u2014 k AAAAAAAAAAAAAAAAAAAA\n'.repeat(99)}${mine}`, LOG, LOG_PUB).size).toBe(8);
  });

  it('rejects bad arguments with InputError', () => {
    expect(() => signNote(P, BODY.slice(0, -1), LOG, LOG_SEED)).toThrow(/must end with a newline/);
    expect(() => signNote(P, `a\x00\n`, LOG, LOG_SEED)).toThrow(/U\+0000 at offset 1/);
    expect(() => signNote(P, BODY, 'bad name', LOG_SEED)).toThrow(inputError);
    expect(() => signNote(P, BODY, LOG, LOG_SEED.subarray(1))).toThrow(/expected 32 bytes, got 31/);
    expect(() => verifyNote(P, note, 'bad+name', LOG_PUB)).toThrow(inputError);
    expect(() => verifyNote(P, note, LOG, new Uint8Array(33))).toThrow(inputError);
  });
});
