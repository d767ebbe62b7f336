// Identities: a self-signed statement "this Ed25519 key belongs to <name> <email>". The object is
// repository-independent, so the same identity file imports into any repository; it travels as
// a DSSE envelope (JSON) whose payload is the identity's canonical CBOR.
import type { CryptoProvider } from '../core/crypto-provider.js';
import { decode, encode, type CborValue } from '../core/cbor.js';
import { CognifyError, InputError, SignatureError } from '../core/errors.js';
import { fromBase64 } from '../core/bytes.js';
import { decodeObject, type SchemaRegistry } from '../store/object-codec.js';
import type { IdentityObject } from './chain-types.js';
import { parseEnvelope, type Envelope } from './dsse.js';
import { fingerprintOf, type Signer } from './signer.js';
import { payloadTypeOf, signObject, toDsseEnvelope, verifyObjectSignature } from './signed-object.js';

/**
 * A problem found in a file the user gave us is bad input (exit 2), whatever layer found it; the
 * specific code (CBOR_NONCANONICAL, OBJECT_UNKNOWN_TYPE, ...) is kept and the file is named.
 */
function asInput(e: unknown, source: string): unknown {
  if (!(e instanceof CognifyError) || e instanceof InputError && e.message.startsWith(source)) return e;
  const message = e.message.startsWith(source) ? e.message : `${source}: ${e.message}`;
  return new InputError(e.code, message, { ...e.data, source }, e);
}

export function createIdentity(crypto: CryptoProvider, signer: Signer, who: { name: string; email: string; created: string }): IdentityObject {
  return signObject(crypto, { type: 'identity', v: 1, name: who.name, email: who.email, publicKey: signer.publicKey, created: who.created }, signer) as IdentityObject;
}

export function identityEnvelope(identity: IdentityObject): Envelope {
  return toDsseEnvelope(identity);
}

/**
 * Read an identity file (a DSSE envelope) strictly: JSON shape, payload type, canonical CBOR,
 * schema, key fingerprint and self-signature. Throws InputError / IntegrityError /
 * SignatureError naming what is wrong.
 */
export function readIdentityEnvelope(crypto: CryptoProvider, schemas: SchemaRegistry, text: string, source = 'identity file'): IdentityObject {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new InputError('INPUT_INVALID', `${source} is not JSON; expected a file written by cognify id export`, { source });
  }
  let env: Envelope;
  try {
    env = parseEnvelope(json);
  } catch (e) {
    throw asInput(e, source);
  }
  if (env.payloadType !== payloadTypeOf('identity')) {
    throw new InputError('INPUT_INVALID', `${source} holds "${env.payloadType}", not a Cognify identity`, { source });
  }
  if (env.signatures.length !== 1) throw new InputError('INPUT_INVALID', `${source} must carry exactly one signature, found ${env.signatures.length}`, { source });
  const sig = env.signatures[0]!;
  let payload: Uint8Array;
  let sigBytes: Uint8Array;
  try {
    payload = fromBase64(env.payload);
    sigBytes = fromBase64(sig.sig);
  } catch {
    throw new InputError('INPUT_INVALID', `${source}: payload or signature is not valid base64`, { source });
  }
  let body: CborValue;
  try {
    body = decode(payload);
  } catch (e) {
    throw asInput(e, source);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body) || body instanceof Uint8Array || 'sig' in body) {
    throw new InputError('INPUT_INVALID', `${source}: payload is not an unsigned identity object`, { source });
  }
  const bytes = encode({ ...body, sig: sigBytes });
  let identity: IdentityObject;
  try {
    identity = decodeObject(schemas, bytes, source) as unknown as IdentityObject;
  } catch (e) {
    throw asInput(e, source);
  }
  if (identity.type !== 'identity') throw new InputError('INPUT_INVALID', `${source} holds a ${identity.type}, not an identity`, { source });
  if (sig.keyid !== identity.signer || fingerprintOf(crypto, identity.publicKey) !== identity.signer) {
    throw new SignatureError('SIGNATURE_INVALID', `${source}: key id does not match the identity's public key`, { source });
  }
  if (!verifyObjectSignature(crypto, identity, identity.publicKey)) {
    throw new SignatureError('SIGNATURE_INVALID', `${source}: the identity's self-signature does not verify; the file was altered`, { source });
  }
  return identity;
}
