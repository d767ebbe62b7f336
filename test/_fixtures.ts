// Shared test fixtures: deterministic signers and a repository built through the public API,
// in a real LevelDB under a temp directory.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initRepo } from '../src/api/init-repo.js';
import type { Repo } from '../src/api/repo.js';
import { createIdentity } from '../src/chain/identity.js';
import { seedSigner, type Signer } from '../src/chain/signer.js';
import { nodeProvider } from '../src/node/node-crypto.js';
import type { IdentityObject } from '../src/chain/chain-types.js';

export interface Person {
  signer: Signer;
  identity: IdentityObject;
  email: string;
}

/** A deterministic person: seed = sha256("person-<n>"). */
export function person(name: string, n = 0): Person {
  const seed = nodeProvider.sha256(new TextEncoder().encode(`person-${name}-${n}`));
  const signer = seedSigner(nodeProvider, seed);
  const email = `${name.toLowerCase()}@example.org`;
  const identity = createIdentity(nodeProvider, signer, { name, email, created: '2026-01-01T00:00:00.000Z' });
  return { signer, identity, email };
}

export async function tempDir(prefix = 'cognify-test-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export async function newRepo(dir: string, admin: Person): Promise<Repo> {
  return initRepo({ dir, signer: admin.signer, identity: admin.identity, name: 'test' });
}

/** A logical snapshot of every key and value in every sublevel, to prove "nothing was written". */
export async function snapshot(repo: Repo): Promise<string> {
  const h = nodeProvider.createSha256();
  for (const [name, sub] of Object.entries(repo.store.sub)) {
    for await (const [k, v] of sub.iterator()) {
      h.update(new TextEncoder().encode(`${name}\0${k}\0`));
      h.update(v);
    }
  }
  return Buffer.from(h.digest()).toString('hex');
}
