// Attestations for supply-chain tools (issue 7, point 6). A signed object leaves the repository
// as a DSSE envelope carrying its own signature (nothing is re-signed: the signature was made over
// PAE(payloadType, canonical CBOR) when the object was written), or as an in-toto Statement v1
// whose subjects are named by SHA-256 digests: the object id, and for a dataset version also the
// file's bytes. The Statement carries the original envelope and the signer's public key, so the
// signature can be checked from the Statement alone; signing the Statement itself (DSSE,
// application/vnd.in-toto+json) is the exporter's own act, done only when asked.
import { toBase64 } from '../core/bytes.js';
import { toDsseEnvelope, type Signed } from '../chain/signed-object.js';
import { pae, toEnvelope, type Envelope } from '../chain/dsse.js';
import type { CognifyObject } from '../store/object-codec.js';

export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
/** The media type of an in-toto Statement inside a DSSE envelope. */
export const INTOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

/** An identifier, not a location: the predicate's schema is the object type's, documented in docs/ARCHITECTURE.md. */
export function predicateTypeOf(type: string): string {
  return `https://cognify.dev/attestation/${type}/v1`;
}

export interface ResourceDescriptor {
  name: string;
  digest: { sha256: string };
}

export interface Statement {
  _type: typeof STATEMENT_TYPE;
  subject: ResourceDescriptor[];
  predicateType: string;
  predicate: {
    repository: string;
    /** The object, as JSON: bytes as lowercase hex, integers past 2^53 as decimal strings. */
    object: unknown;
    /** The object's own signature, as a DSSE envelope. */
    envelope: Envelope;
    signer: { name: string; email: string; fingerprint: string; publicKey: string };
  };
}

/** JSON for an object: bytes become hex, bigints numbers when exact, else decimal text. */
export function objectJson(v: unknown): unknown {
  if (v instanceof Uint8Array) return Array.from(v, (b) => b.toString(16).padStart(2, '0')).join('');
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (Array.isArray(v)) return v.map(objectJson);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, objectJson(x)]));
  return v;
}

/** What a statement is about: the object itself, or for an approval the object it approves. */
export function subjectsOf(id: string, obj: Signed<CognifyObject>, label: string): ResourceDescriptor[] {
  const hex = (x: string) => x.replace(/^sha256:/, '');
  if (obj.type === 'approval' || obj.type === 'approval-withdrawal') {
    return [{ name: `${String(obj.subjectType ?? 'object')} ${String(obj.subject)}`, digest: { sha256: hex(String(obj.subject)) } }];
  }
  const out: ResourceDescriptor[] = [{ name: label, digest: { sha256: hex(id) } }];
  if (obj.type === 'dataset-version') out.push({ name: `${label}.${String(obj.format)}`, digest: { sha256: String(obj.sha256) } });
  return out;
}

export function statementOf(opts: {
  id: string;
  object: Signed<CognifyObject>;
  label: string;
  repository: string;
  signer: { name: string; email: string; publicKey: Uint8Array };
}): Statement {
  const { object } = opts;
  return {
    _type: STATEMENT_TYPE,
    subject: subjectsOf(opts.id, object, opts.label),
    predicateType: predicateTypeOf(object.type),
    predicate: {
      repository: opts.repository,
      object: { id: opts.id, ...(objectJson(object) as Record<string, unknown>) },
      envelope: toDsseEnvelope(object),
      signer: { name: opts.signer.name, email: opts.signer.email, fingerprint: object.signer, publicKey: toBase64(opts.signer.publicKey) },
    },
  };
}

/** The Statement in a DSSE envelope signed by the exporter (an act of its own, not the object's signature). */
export function signStatement(statement: Statement, signer: { fingerprint: string; sign(message: Uint8Array): Uint8Array }): Envelope {
  const payload = new TextEncoder().encode(JSON.stringify(statement));
  return toEnvelope(INTOTO_PAYLOAD_TYPE, payload, [{ keyid: signer.fingerprint, sig: signer.sign(pae(INTOTO_PAYLOAD_TYPE, payload)) }]);
}
