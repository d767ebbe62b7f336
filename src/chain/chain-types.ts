// Object types of the trust layer: identities, the repository's genesis, role grants and
// revocations, key revocations and audit-log entries. Every one is signed (see signed-object.ts);
// schemas are strict so that an unknown field is an error, never silently dropped.
import { z } from 'zod';
import type { ObjectId } from '../core/ids.js';
import type { Signed } from './signed-object.js';

export const ROLES = ['ml-engineer', 'data-steward', 'compliance', 'model-risk', 'privacy-officer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const zBytes = (n?: number) =>
  z.instanceof(Uint8Array).refine((b) => n === undefined || b.length === n, { message: `expected ${n} bytes` });
export const zObjectId = z.string().regex(/^sha256:[0-9a-f]{64}$/, 'expected sha256:<64 hex>');
export const zFingerprint = z.string().regex(/^[0-9a-f]{64}$/, 'expected a 64-hex-digit key fingerprint');
/** RFC 3339 UTC timestamp with milliseconds, as Date.prototype.toISOString writes it. */
export const zTime = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/, 'expected an ISO 8601 UTC time');
export const zRole = z.enum(ROLES);
const signed = { signer: zFingerprint, sig: zBytes(64) };

export const identitySchema = z
  .object({
    type: z.literal('identity'),
    v: z.literal(1),
    name: z.string().min(1).max(200),
    email: z.string().min(3).max(320),
    publicKey: zBytes(32),
    created: zTime,
    ...signed,
  })
  .strict();

export const repoSchema = z
  .object({
    type: z.literal('repo'),
    v: z.literal(1),
    name: z.string().max(200),
    created: zTime,
    nonce: zBytes(16),
    ...signed,
  })
  .strict();

const roleChange = {
  v: z.literal(1),
  repo: zObjectId,
  subject: zFingerprint,
  role: zRole,
  time: zTime,
  ...signed,
};
export const roleGrantSchema = z.object({ type: z.literal('role-grant'), ...roleChange }).strict();
export const roleRevokeSchema = z.object({ type: z.literal('role-revoke'), ...roleChange }).strict();

export const keyRevokeSchema = z
  .object({
    type: z.literal('key-revoke'),
    v: z.literal(1),
    repo: zObjectId,
    subject: zFingerprint,
    reason: z.string().max(1000),
    time: zTime,
    ...signed,
  })
  .strict();

export const logEntrySchema = z
  .object({
    type: z.literal('log-entry'),
    v: z.literal(1),
    repo: zObjectId,
    seq: z.number().int().min(0),
    time: zTime,
    action: z.string().regex(/^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+$/),
    subjects: z.array(zObjectId).max(10_000),
    details: z.record(z.string(), z.any()),
    prev: zObjectId.nullable(),
    ...signed,
  })
  .strict();

export const chainSchemas = {
  identity: identitySchema,
  repo: repoSchema,
  'role-grant': roleGrantSchema,
  'role-revoke': roleRevokeSchema,
  'key-revoke': keyRevokeSchema,
  'log-entry': logEntrySchema,
};

export type IdentityObject = Signed<z.infer<typeof identitySchema>>;
export type RepoObject = Signed<z.infer<typeof repoSchema>>;
export type RoleGrantObject = Signed<z.infer<typeof roleGrantSchema>>;
export type RoleRevokeObject = Signed<z.infer<typeof roleRevokeSchema>>;
export type KeyRevokeObject = Signed<z.infer<typeof keyRevokeSchema>>;
export type LogEntry = Signed<z.infer<typeof logEntrySchema>> & { repo: ObjectId; prev: ObjectId | null; subjects: ObjectId[] };
