// Attestations checked the way an outside verifier would: the DSSE envelope's signature against
// PAE written here from the spec with node:crypto (not the project's code), the in-toto
// Statement's shape and digests, and the exporter-signed Statement envelope.
import { createHash, createPublicKey, verify as edVerify } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Repo } from '../../src/api/repo.js';
import { exportAttestation } from '../../src/api/attestations.js';
import type { Envelope } from '../../src/chain/dsse.js';
import type { Statement } from '../../src/sync/attestation.js';
import { tempDir } from '../_fixtures.js';
import { buildRecord, grace } from '../cards/_record.js';

let t: { dir: string; cleanup: () => Promise<void> };
let repo: Repo;

beforeAll(async () => {
  t = await tempDir('cognify-attest-');
  repo = await buildRecord(join(t.dir, 'record'), join(t.dir, 'code'));
}, 120_000);
afterAll(async () => {
  await repo?.close();
  await t?.cleanup();
});

/** DSSE v1 verification from the protocol text: Ed25519 over "DSSEv1 <len> <type> <len> <body>". */
function dsseVerifies(env: Envelope, publicKey: Uint8Array): boolean {
  const body = Buffer.from(env.payload, 'base64');
  const type = Buffer.from(env.payloadType, 'utf8');
  const pae = Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${body.length} `), body]);
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') }, format: 'jwk' });
  return env.signatures.length === 1 && edVerify(null, pae, key, Buffer.from(env.signatures[0]!.sig, 'base64'));
}

describe('export attestation', () => {
  it('a run as a DSSE envelope: its own signature, verifiable by any DSSE implementation', async () => {
    const a = await exportAttestation(repo, { ref: 'credit-lora', format: 'dsse' });
    const env = a.document as Envelope;
    expect(env.payloadType).toBe('application/vnd.cognify.run+cbor');
    expect(env.signatures[0]!.keyid).toBe(a.key.fingerprint);
    expect(createHash('sha256').update(a.key.publicKey).digest('hex')).toBe(a.key.fingerprint);
    expect(dsseVerifies(env, a.key.publicKey)).toBe(true);
    // One changed byte of the payload and the signature no longer holds.
    const body = Buffer.from(env.payload, 'base64');
    body[body.length - 1]! ^= 1;
    expect(dsseVerifies({ ...env, payload: body.toString('base64') }, a.key.publicKey)).toBe(false);
    // Exporting twice gives the same envelope: nothing is re-signed.
    expect((await exportAttestation(repo, { ref: 'credit-lora', format: 'dsse' })).document).toEqual(env);
  });

  it('a dataset version as an in-toto Statement v1: subjects are the object id and the file bytes', async () => {
    const a = await exportAttestation(repo, { ref: 'credit-decisions@2', format: 'intoto' });
    const s = a.document as Statement;
    expect(s._type).toBe('https://in-toto.io/Statement/v1');
    expect(s.predicateType).toBe('https://cognify.dev/attestation/dataset-version/v1');
    const v = await repo.datasets.resolve('credit-decisions@2');
    expect(s.subject).toEqual([
      { name: 'credit-decisions@2', digest: { sha256: v.id.slice(7) } },
      { name: 'credit-decisions@2.csv', digest: { sha256: v.version.sha256 } },
    ]);
    const file = createHash('sha256').update(await import('node:fs').then((fs) => fs.readFileSync('fixtures/datasets/credit-decisions.v2.csv'))).digest('hex');
    expect(s.subject[1]!.digest.sha256).toBe(file);
    expect(s.predicate.object).toMatchObject({ id: v.id, type: 'dataset-version', name: 'credit-decisions', number: 2 });
    expect(dsseVerifies(s.predicate.envelope, Buffer.from(s.predicate.signer.publicKey, 'base64'))).toBe(true);
    expect(JSON.stringify(s)).not.toMatch(/"\d+n"|\[object/);
  });

  it('an approval names the object it approves; signed by the exporter on request', async () => {
    const [approval] = (await repo.approvals.list('credit-lora')).filter((r) => r.type === 'approval');
    const id = approval!.type === 'approval' ? approval!.approval : '';
    const run = await repo.runs.resolve('credit-lora');
    const plain = (await exportAttestation(repo, { ref: id, format: 'intoto' })).document as Statement;
    expect(plain.subject).toEqual([{ name: `run ${run.id}`, digest: { sha256: run.id.slice(7) } }]);
    expect(plain.predicate.object).toMatchObject({ type: 'approval', meaning: 'authored', subject: run.id });
    const signed = await exportAttestation(repo, { ref: id, format: 'intoto', signer: grace.signer });
    const env = signed.document as Envelope;
    expect(env.payloadType).toBe('application/vnd.in-toto+json');
    expect(signed.key.fingerprint).toBe(grace.signer.fingerprint);
    expect(dsseVerifies(env, grace.signer.publicKey)).toBe(true);
    expect(JSON.parse(Buffer.from(env.payload, 'base64').toString('utf8'))).toEqual(plain);
  });

  it('refuses an unsigned object and an unknown reference', async () => {
    const run = await repo.runs.resolve('credit-lora');
    await expect(exportAttestation(repo, { ref: run.version.metrics[0]!, format: 'dsse' })).rejects.toThrow(/is a run-metrics, which is not signed/);
    await expect(exportAttestation(repo, { ref: 'no-such-thing', format: 'dsse' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
