// DSSE v1, the Dead Simple Signing Envelope
// (https://github.com/secure-systems-lab/dsse/blob/master/protocol.md, envelope.md).
// Signatures are computed over PAE(payloadType, payload), never over the envelope JSON, so the
// envelope needs no canonical form; parseEnvelope is strict anyway, because what we accept from
// outside becomes part of an audit record.

import { z } from 'zod';
import { fromBase64, toBase64, utf8 } from '../core/bytes.js';
import { InputError } from '../core/errors.js';

/** A DSSE envelope as JSON: payload and each sig are standard base64 (RFC 4648 §4, padded). */
export interface Envelope {
  payloadType: string;
  payload: string;
  signatures: EnvelopeSignature[];
}

export interface EnvelopeSignature {
  /** Unauthenticated hint naming the key; DSSE makes it optional, we always write it ("" if none). */
  keyid: string;
  sig: string;
}

const _SP = 0x20;
const _PREFIX = utf8('DSSEv1 ');

/**
 * Pre-Authentication Encoding (DSSE protocol.md):
 *   PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body
 * where LEN is the ASCII decimal byte length, with no leading zeros, and type is UTF-8 encoded.
 */
export function pae(payloadType: string, payload: Uint8Array): Uint8Array {
  const type = utf8(payloadType);
  const typeLen = utf8(String(type.length));
  const bodyLen = utf8(String(payload.length));
  const out = new Uint8Array(_PREFIX.length + typeLen.length + 1 + type.length + 1 + bodyLen.length + 1 + payload.length);
  let o = 0;
  const put = (b: Uint8Array) => {
    out.set(b, o);
    o += b.length;
  };
  put(_PREFIX);
  put(typeLen);
  out[o++] = _SP;
  put(type);
  out[o++] = _SP;
  put(bodyLen);
  out[o++] = _SP;
  put(payload);
  return out;
}

/** Build an envelope from raw payload bytes and raw signature bytes. */
export function toEnvelope(
  payloadType: string,
  payload: Uint8Array,
  signatures: readonly { keyid: string; sig: Uint8Array }[],
): Envelope {
  return parseEnvelope({
    payloadType,
    payload: toBase64(payload),
    signatures: signatures.map((s) => ({ keyid: s.keyid, sig: toBase64(s.sig) })),
  });
}

function _isBase64(s: string): boolean {
  try {
    fromBase64(s);
    return true;
  } catch {
    return false;
  }
}

// DSSE allows standard or URL-safe base64 on read; we accept only the standard padded form we
// write, so one envelope has one spelling (in-toto and sigstore also write standard base64).
const _base64 = z.string().refine(_isBase64, 'expected standard padded base64 (RFC 4648 §4)');

const _EnvelopeSchema = z.strictObject({
  payloadType: z.string().min(1, 'expected a non-empty media type'),
  payload: _base64,
  signatures: z
    .array(
      z.strictObject({
        keyid: z.string(),
        sig: _base64.refine((s) => s.length > 0, 'expected a non-empty signature'),
      }),
    )
    .min(1, 'expected at least one signature'),
});

function _path(path: readonly PropertyKey[]): string {
  let s = 'envelope';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : `.${String(p)}`;
  return s;
}

/**
 * Validate untrusted JSON (already parsed) as a DSSE envelope. Unknown fields are refused.
 * Throws InputError('INPUT_INVALID') naming the first offending field.
 */
export function parseEnvelope(json: unknown): Envelope {
  const r = _EnvelopeSchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new InputError(
      'INPUT_INVALID',
      `invalid DSSE envelope: ${_path(issue.path)}: ${issue.message}`,
      { path: issue.path.map(String), issues: r.error.issues.length },
    );
  }
  return r.data;
}

/** The payload bytes of a parsed envelope. */
export function envelopePayload(env: Envelope): Uint8Array {
  return fromBase64(env.payload);
}
