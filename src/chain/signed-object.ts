// Signed objects carry `signer` (key fingerprint) inside the signed payload and `sig` beside it.
// The signature follows DSSE: Ed25519 over PAE(payloadType, payload), where the payload is the
// canonical CBOR of the object without `sig`. So any signed object exports as a DSSE envelope
// (payload = those bytes, signatures = [{keyid: signer, sig}]) without re-signing.
import type { CryptoProvider } from '../core/crypto-provider.js';
import { encode, type CborValue } from '../core/cbor.js';
import { toBase64 } from '../core/bytes.js';
import { pae, type Envelope } from './dsse.js';
import type { Signer } from './signer.js';
import type { CognifyObject } from '../store/object-codec.js';

export type Signed<T> = T & { signer: string; sig: Uint8Array };

export function payloadTypeOf(type: string): string {
  return `application/vnd.cognify.${type}+cbor`;
}

const PAYLOAD_TYPE = /^application\/vnd\.cognify\.([a-z][a-z0-9-]*)\+cbor$/;

export function typeOfPayloadType(payloadType: string): string | undefined {
  return PAYLOAD_TYPE.exec(payloadType)?.[1];
}

export function isSigned(obj: CognifyObject): obj is Signed<CognifyObject> {
  return typeof obj.signer === 'string' && obj.sig instanceof Uint8Array;
}

/** Canonical CBOR of the object without `sig`: the DSSE payload. */
export function signedPayload(obj: CognifyObject): Uint8Array {
  const { sig: _sig, ...rest } = obj;
  return encode(rest as CborValue);
}

export function signObject<T extends CognifyObject>(crypto: CryptoProvider, unsigned: T, signer: Signer): Signed<T> {
  if ('sig' in unsigned) throw new TypeError('object is already signed');
  const body = { ...unsigned, signer: signer.fingerprint } as T & { signer: string };
  const sig = signer.sign(pae(payloadTypeOf(body.type), encode(body as CborValue)));
  if (sig.length !== 64) throw new TypeError(`signer returned ${sig.length} bytes, expected a 64-byte Ed25519 signature`);
  return { ...body, sig };
}

/** The exact bytes an object's signature is over: PAE(payloadType, payload). */
export function signatureMessage(obj: CognifyObject): Uint8Array {
  return pae(payloadTypeOf(obj.type), signedPayload(obj));
}

export function verifyObjectSignature(crypto: CryptoProvider, obj: Signed<CognifyObject>, publicKey: Uint8Array): boolean {
  return crypto.ed25519Verify(obj.sig, signatureMessage(obj), publicKey);
}

/** Export a signed object as a DSSE envelope; verifiable by any DSSE implementation. */
export function toDsseEnvelope(obj: Signed<CognifyObject>): Envelope {
  return {
    payloadType: payloadTypeOf(obj.type),
    payload: toBase64(signedPayload(obj)),
    signatures: [{ keyid: obj.signer, sig: toBase64(obj.sig) }],
  };
}
