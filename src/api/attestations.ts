// `cognify export attestation`: a signed object (an approval, a run or dataset version, any
// signed object by id) as a DSSE envelope or an in-toto Statement (src/sync/attestation.ts).
import { InputError, tagCaller } from '../core/errors.js';
import { isSigned, toDsseEnvelope, type Signed } from '../chain/signed-object.js';
import type { Envelope } from '../chain/dsse.js';
import type { Signer } from '../chain/signer.js';
import type { IdentityObject } from '../chain/chain-types.js';
import type { CognifyObject } from '../store/object-codec.js';
import { signStatement, statementOf, type Statement } from '../sync/attestation.js';
import { resolveSubject } from './subjects.js';
import type { Repo } from './repo.js';

export type AttestationFormat = 'dsse' | 'intoto';

export interface Attestation {
  id: string;
  type: string;
  label: string;
  format: AttestationFormat;
  /** The DSSE envelope (dsse, or intoto signed by the exporter), or the unsigned Statement. */
  document: Envelope | Statement;
  /** The key that verifies `document` (for an unsigned Statement, the object's signer, whose envelope it carries). */
  key: { fingerprint: string; name: string; email: string; publicKey: Uint8Array };
}

/** A signed object by reference: a run or dataset (name, name@N ...) or any object id or prefix. */
async function signedObject(repo: Repo, ref: string): Promise<{ id: string; object: Signed<CognifyObject>; label: string }> {
  if (/^(sha256:)?[0-9a-f]{7,64}$/.test(ref)) {
    const o = await repo.getObject(ref);
    if (!isSigned(o.value)) throw new InputError('INPUT_INVALID', `${o.id} is a ${o.value.type}, which is not signed; export an approval, a run, a dataset version or another signed object`, { id: o.id });
    const label = typeof o.value.name === 'string' && typeof o.value.number === 'number' ? `${o.value.name}@${o.value.number}` : `${o.value.type} ${o.id.slice(7, 19)}`;
    return { id: o.id, object: o.value, label };
  }
  const s = await resolveSubject(repo, ref);
  return { id: s.id, object: s.object, label: s.label.replace(/^(run|dataset) /, '') };
}

async function keyOf(repo: Repo, fingerprint: string): Promise<Attestation['key']> {
  const k = await repo.resolveIdentity(fingerprint);
  const identity = (await repo.store.get(k.identity, 'identity')).value as unknown as IdentityObject;
  return { fingerprint: k.fingerprint, name: k.name, email: k.email, publicKey: identity.publicKey };
}

export async function exportAttestation(repo: Repo, opts: { ref: string; format: AttestationFormat; signer?: Signer }): Promise<Attestation> {
  try {
    const { id, object, label } = await signedObject(repo, opts.ref);
    const author = await keyOf(repo, object.signer);
    if (opts.format === 'dsse') return { id, type: object.type, label, format: 'dsse', document: toDsseEnvelope(object), key: author };
    const statement = statementOf({ id, object, label, repository: repo.id, signer: author });
    if (!opts.signer) return { id, type: object.type, label, format: 'intoto', document: statement, key: author };
    return { id, type: object.type, label, format: 'intoto', document: signStatement(statement, opts.signer), key: await keyOf(repo, opts.signer.fingerprint) };
  } catch (e) {
    throw tagCaller(e, 'exportAttestation');
  }
}
