import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fromHex, fromUtf8, toBase64, utf8 } from '../../src/core/bytes.js';
import { isCognifyError } from '../../src/core/errors.js';
import { envelopePayload, pae, parseEnvelope, toEnvelope } from '../../src/chain/dsse.js';
import { nobleProvider } from '../../src/chain/noble-provider.js';
import { nodeProvider } from '../../src/node/node-crypto.js';

type V = { payloadType: string; payload: string; pae: string };
const { vectors } = JSON.parse(readFileSync(new URL('../vectors/dsse-pae.json', import.meta.url), 'utf8')) as { vectors: V[] };

function codeAndMessage(f: () => unknown): [string | undefined, string] {
  try {
    f();
  } catch (e) {
    return [isCognifyError(e) ? e.code : undefined, (e as Error).message];
  }
  return [undefined, 'did not throw'];
}

describe('PAE (DSSE protocol.md)', () => {
  for (const v of vectors) {
    it(`PAE(${JSON.stringify(v.payloadType)}, ${JSON.stringify(v.payload)})`, () => {
      expect(fromUtf8(pae(v.payloadType, utf8(v.payload)))).toBe(v.pae);
    });
  }

  it('lengths are byte lengths, not UTF-16 code units', () => {
    // "é" is 2 bytes, "😀" is 4 bytes (2 UTF-16 units)
    expect(fromUtf8(pae('é/😀', utf8('ü')))).toBe('DSSEv1 7 é/😀 2 ü');
  });

  it('empty type and body', () => {
    expect(fromUtf8(pae('', new Uint8Array(0)))).toBe('DSSEv1 0  0 ');
  });

  it('binary payloads are copied verbatim', () => {
    const body = fromHex('00ff20');
    const out = pae('t', body);
    expect(Array.from(out.subarray(out.length - 3))).toEqual([0x00, 0xff, 0x20]);
    expect(fromUtf8(out.subarray(0, out.length - 3))).toBe('DSSEv1 1 t 3 ');
  });

  it('a body longer than 9 bytes gets a multi-digit length', () => {
    expect(fromUtf8(pae('a', utf8('x'.repeat(1234))))).toBe(`DSSEv1 1 a 1234 ${'x'.repeat(1234)}`);
  });
});

describe('envelopes', () => {
  const seed = new Uint8Array(32).fill(7);
  const type = 'application/vnd.cognify.test+cbor';
  const payload = utf8('{"hello":"world"}');

  it('sign PAE -> envelope -> JSON -> parse -> verify, on both providers', () => {
    for (const p of [nodeProvider, nobleProvider]) {
      const sig = p.ed25519Sign(pae(type, payload), seed);
      const env = toEnvelope(type, payload, [{ keyid: 'k1', sig }]);
      expect(env).toEqual({ payloadType: type, payload: toBase64(payload), signatures: [{ keyid: 'k1', sig: toBase64(sig) }] });
      const back = parseEnvelope(JSON.parse(JSON.stringify(env)));
      expect(back).toEqual(env);
      const pk = p.ed25519PublicKey(seed);
      const body = envelopePayload(back);
      expect(p.ed25519Verify(Uint8Array.from(atob(back.signatures[0]!.sig), (c) => c.charCodeAt(0)), pae(back.payloadType, body), pk)).toBe(true);
      // the signature covers the type: same bytes under another type fail
      expect(p.ed25519Verify(sig, pae(type + 'x', body), pk)).toBe(false);
    }
  });

  it('accepts an empty payload and an empty keyid', () => {
    const env = toEnvelope(type, new Uint8Array(0), [{ keyid: '', sig: new Uint8Array(64) }]);
    expect(env.payload).toBe('');
    expect(parseEnvelope(env).signatures[0]!.keyid).toBe('');
  });

  const good = { payloadType: type, payload: toBase64(payload), signatures: [{ keyid: 'k', sig: toBase64(new Uint8Array(64)) }] };
  const bad: [string, unknown, RegExp][] = [
    ['not an object', 'x', /^invalid DSSE envelope: envelope: /],
    ['null', null, /envelope: /],
    ['missing payloadType', { ...good, payloadType: undefined }, /envelope\.payloadType: /],
    ['empty payloadType', { ...good, payloadType: '' }, /envelope\.payloadType: expected a non-empty media type/],
    ['numeric payload', { ...good, payload: 5 }, /envelope\.payload: /],
    ['URL-safe base64 payload', { ...good, payload: '-_-_' }, /envelope\.payload: expected standard padded base64/],
    ['unpadded base64 payload', { ...good, payload: 'YWI' }, /envelope\.payload: expected standard padded base64/],
    ['non-canonical base64 payload', { ...good, payload: 'YWJ=' }, /envelope\.payload: expected standard padded base64/],
    ['unknown top-level field', { ...good, extra: 1 }, /envelope: .*extra/],
    ['signatures not an array', { ...good, signatures: {} }, /envelope\.signatures: /],
    ['no signatures', { ...good, signatures: [] }, /envelope\.signatures: expected at least one signature/],
    ['signature without keyid', { ...good, signatures: [{ sig: good.signatures[0]!.sig }] }, /envelope\.signatures\[0\]\.keyid: /],
    ['numeric keyid', { ...good, signatures: [{ keyid: 1, sig: good.signatures[0]!.sig }] }, /envelope\.signatures\[0\]\.keyid: /],
    ['empty sig', { ...good, signatures: [{ keyid: 'k', sig: '' }] }, /envelope\.signatures\[0\]\.sig: expected a non-empty signature/],
    ['bad base64 sig', { ...good, signatures: [{ keyid: 'k', sig: 'a b=' }] }, /envelope\.signatures\[0\]\.sig: expected standard padded base64/],
    ['unknown field in signature', { ...good, signatures: [good.signatures[0], { ...good.signatures[0], cert: 'x' }] }, /envelope\.signatures\[1\]: .*cert/],
  ];
  for (const [name, json, re] of bad) {
    it(`rejects ${name} with INPUT_INVALID`, () => {
      const [code, message] = codeAndMessage(() => parseEnvelope(json));
      expect(code).toBe('INPUT_INVALID');
      expect(message).toMatch(re);
    });
  }

  it('accepts the well-formed envelope used above', () => {
    expect(parseEnvelope(good)).toEqual(good);
  });
});
