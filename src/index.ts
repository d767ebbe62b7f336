// The public API of the `cognify` package. Re-exports only.
export { initRepo, type InitRepoOptions } from './api/init-repo.js';
export { openRepo, type OpenRepoOptions } from './api/open-repo.js';
export { Repo, schemas, entryJson, type KnownIdentity, type ActResult } from './api/repo.js';
export * from './core/errors.js';
export { encode as encodeCbor, decode as decodeCbor, type CborValue } from './core/cbor.js';
export { isObjectId, shortId, type ObjectId } from './core/ids.js';
export type { CryptoProvider } from './core/crypto-provider.js';
export { nodeProvider } from './node/node-crypto.js';
export { nobleProvider } from './chain/noble-provider.js';
export { seedSigner, fingerprintOf, type Signer } from './chain/signer.js';
export { createIdentity, identityEnvelope, readIdentityEnvelope } from './chain/identity.js';
export { toDsseEnvelope, verifyObjectSignature, signedPayload, payloadTypeOf } from './chain/signed-object.js';
export { pae, parseEnvelope, type Envelope } from './chain/dsse.js';
export { verifyInclusion, verifyConsistency, leafHash } from './chain/merkle.js';
export { verifyNote, parseCheckpoint } from './chain/signed-note.js';
export { ROLES, type Role, type IdentityObject, type LogEntry } from './chain/chain-types.js';
export type { VerifyReport, VerifyProblem } from './chain/verify-repo.js';
export { createKey, listKeys, findKey, unlockKey, keystoreHome, type KeyInfo } from './node/keystore.js';
