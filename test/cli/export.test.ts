// cognify export attestation through the real CLI: the envelope on stdout, a signed in-toto
// Statement written with -o, and bad requests as one error line with nothing changed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyInfo } from '../../src/node/keystore.js';
import { ada, buildRecord } from '../cards/_record.js';
import { envFor, expectError, identityOf, makeKey, okJson, run, Sandbox, snapshot, withRepo, expectOk } from './_run.js';

const sb = new Sandbox();
afterAll(() => sb.cleanup());
let home: string;
let dir: string;
let scratch: string;
let rita: KeyInfo;
const cli = (args: string[]) => run(['-C', dir, '--as', 'rita@example.org', ...args], { cwd: scratch, env: envFor(home) });

beforeAll(async () => {
  home = await sb.dir('cognify-export-home-');
  scratch = await sb.dir('cognify-export-scratch-');
  const root = await sb.dir('cognify-export-');
  dir = join(root, 'record');
  await (await buildRecord(dir, join(root, 'code'))).close();
  rita = await makeKey(home, 'Rita Reviewer', 'rita@example.org');
  const identity = await identityOf(rita);
  await withRepo(dir, (r) => r.addIdentity({ identity, signer: ada.signer }));
}, 120_000);

describe('cognify export attestation', () => {
  it('writes the DSSE envelope to stdout, and a signed in-toto Statement with -o', async () => {
    const env = okJson(await cli(['export', 'attestation', 'credit-lora']));
    expect(env).toMatchObject({ payloadType: 'application/vnd.cognify.run+cbor', signatures: [{ keyid: expect.stringMatching(/^[0-9a-f]{64}$/) }] });
    const out = join(scratch, 'run.intoto.json');
    const j = okJson(await cli(['--json', 'export', 'attestation', 'credit-lora', '--format', 'intoto', '--sign', '-o', out]));
    expect(j).toMatchObject({ format: 'intoto', signed: true, type: 'run', keyid: rita.fingerprint });
    const signed = JSON.parse(readFileSync(out, 'utf8'));
    expect(signed.payloadType).toBe('application/vnd.in-toto+json');
    expect(JSON.parse(Buffer.from(signed.payload, 'base64').toString('utf8'))).toMatchObject({ _type: 'https://in-toto.io/Statement/v1', predicateType: 'https://cognify.dev/attestation/run/v1' });
    expect(expectOk(await cli(['export', 'attestation', 'credit-decisions@1', '--format', 'intoto', '-o', join(scratch, 'd.json')])).stdout).toMatch(/^Wrote the in-toto Statement of dataset-version credit-decisions@1 to .*d\.json\n {2}verifies with the Ed25519 key of Ada <ada@example\.org>/);
  });

  it('refuses bad requests with one error line and changes nothing', async () => {
    const before = await snapshot(dir);
    expectError(await cli(['export', 'bundle', 'credit-lora']), 'USAGE', 2);
    expectError(await cli(['export', 'attestation', 'credit-lora', '--format', 'slsa']), 'USAGE', 2);
    expectError(await cli(['export', 'attestation', 'credit-lora', '--sign']), 'USAGE', 2);
    expectError(await cli(['export', 'attestation', 'no-such-run']), 'NOT_FOUND', 3);
    expect(expectError(await cli(['export', 'attestation', 'credit-lora', '-o', join(scratch, 'missing', 'x.json')]), 'INPUT_INVALID', 2)).toMatch(/its folder does not exist/);
    expect(await snapshot(dir)).toEqual(before);
  });
});
