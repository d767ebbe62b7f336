// Trust is a function of the audit log, not of wall-clock time: replaying the log entry by entry
// gives, at every point, which keys are known, which roles they hold and which are revoked. A
// signature counts only if its key held the needed role at that point of the log. The same
// `applyEntry` checks an entry before it is appended and re-checks it during `verify`, so the
// rules exist once.
import type { CryptoProvider } from '../core/crypto-provider.js';
import { IntegrityError, PolicyError, SignatureError } from '../core/errors.js';
import type { ObjectId } from '../core/ids.js';
import type { CognifyObject } from '../store/object-codec.js';
import type { IdentityObject, KeyRevokeObject, LogEntry, RepoObject, Role, RoleGrantObject, RoleRevokeObject } from './chain-types.js';
import { fingerprintOf, shortFingerprint } from './signer.js';
import { isSigned, signatureMessage } from './signed-object.js';
import type { CognifyError } from '../core/errors.js';

export interface KnownKey {
  fingerprint: string;
  publicKey: Uint8Array;
  name: string;
  email: string;
  identity: ObjectId;
  /** Sequence number of the entry that introduced the key. */
  since: number;
}

export interface TrustState {
  repo: ObjectId | undefined;
  /** Entries applied so far (the next entry's seq). */
  size: number;
  /** Id (SHA-256 of the canonical bytes) of the last applied entry. */
  head: ObjectId | null;
  keys: Map<string, KnownKey>;
  roles: Map<string, Set<Role>>;
  /** Revoked key fingerprint -> seq of the revoking entry. */
  revoked: Map<string, number>;
}

export function emptyTrustState(): TrustState {
  return { repo: undefined, size: 0, head: null, keys: new Map(), roles: new Map(), revoked: new Map() };
}

export type ObjectLoader = (id: ObjectId) => Promise<CognifyObject>;

export interface RuleContext {
  crypto: CryptoProvider;
  state: TrustState;
  entry: LogEntry;
  subjects: CognifyObject[];
  /** Fingerprints whose derived state (key, roles, revocation) this entry changes. */
  touched: Set<string>;
}

export interface ActionRule {
  /** Who may perform the action: holders of one of these roles, anyone holding a role, or only the genesis entry. */
  who: readonly Role[] | 'any-role' | 'genesis' | ((ctx: RuleContext) => boolean);
  /** What the action's subjects must be, and how the trust state changes. Throws on a violation. */
  apply?(ctx: RuleContext): void;
}

export function holds(state: TrustState, fp: string, role: Role): boolean {
  return !state.revoked.has(fp) && (state.roles.get(fp)?.has(role) ?? false);
}

function describe(state: TrustState, fp: string): string {
  const k = state.keys.get(fp);
  return k ? `${k.email} (${shortFingerprint(fp)})` : shortFingerprint(fp);
}

export function expectSubjects<T extends CognifyObject>(ctx: RuleContext, types: string[]): T[] {
  const { subjects, entry } = ctx;
  if (subjects.length !== types.length || subjects.some((s, i) => s.type !== types[i])) {
    throw new IntegrityError('LOG_BROKEN', `log entry ${entry.seq} (${entry.action}) must name ${types.join(', ')}; it names ${subjects.map((s) => s.type).join(', ') || 'nothing'}`, {
      seq: entry.seq,
    });
  }
  return subjects as T[];
}

export function sameSigner(ctx: RuleContext, obj: { signer: string; type: string }): void {
  if (obj.signer !== ctx.entry.signer) {
    throw new IntegrityError('LOG_BROKEN', `log entry ${ctx.entry.seq}: its ${obj.type} is signed by ${shortFingerprint(obj.signer)}, not by the entry's actor`, { seq: ctx.entry.seq });
  }
}

export function sameRepo(ctx: RuleContext, obj: { repo: string; type: string }): void {
  if (obj.repo !== ctx.state.repo) {
    throw new IntegrityError('LOG_BROKEN', `log entry ${ctx.entry.seq}: its ${obj.type} belongs to repository ${obj.repo}`, { seq: ctx.entry.seq });
  }
}

function addKey(ctx: RuleContext, identity: IdentityObject, id: ObjectId): void {
  const fp = fingerprintOf(ctx.crypto, identity.publicKey);
  if (fp !== identity.signer) {
    throw new IntegrityError('OBJECT_INVALID', `identity ${identity.email}: signer field ${shortFingerprint(identity.signer)} is not the fingerprint of its public key`, { id });
  }
  if (ctx.state.keys.has(fp)) {
    throw new PolicyError('POLICY_VIOLATION', `identity ${identity.email} (${shortFingerprint(fp)}) is already known to this repository`, { fingerprint: fp });
  }
  ctx.state.keys.set(fp, { fingerprint: fp, publicKey: identity.publicKey, name: identity.name, email: identity.email, identity: id, since: ctx.entry.seq });
  ctx.touched.add(fp);
}

function adminsAfter(state: TrustState, without: { fp: string; role?: Role }): number {
  let n = 0;
  for (const [fp, roles] of state.roles) {
    if (!roles.has('admin') || state.revoked.has(fp)) continue;
    if (fp === without.fp && (without.role === undefined || without.role === 'admin')) continue;
    n++;
  }
  return n;
}

/** The rules of the trust layer. Later layers add their own actions to this table. */
export const chainRules: Record<string, ActionRule> = {
  'repo.init': {
    who: 'genesis',
    apply(ctx) {
      const [repo, identity, grant] = expectSubjects<RepoObject | IdentityObject | RoleGrantObject>(ctx, ['repo', 'identity', 'role-grant']) as [
        RepoObject,
        IdentityObject,
        RoleGrantObject,
      ];
      const { entry, state } = ctx;
      if (entry.repo !== entry.subjects[0]) throw new IntegrityError('LOG_BROKEN', `log entry 0 names repository ${entry.repo} but creates ${entry.subjects[0]}`, { seq: 0 });
      state.repo = entry.repo;
      addKey(ctx, identity, entry.subjects[1]!);
      for (const o of [repo, identity, grant]) sameSigner(ctx, o);
      sameRepo(ctx, grant);
      if (grant.subject !== entry.signer || grant.role !== 'admin') {
        throw new IntegrityError('LOG_BROKEN', 'log entry 0 must make the repository creator its first admin', { seq: 0 });
      }
      state.roles.set(entry.signer, new Set<Role>(['admin']));
    },
  },
  'identity.add': {
    who: 'any-role',
    apply(ctx) {
      const [identity] = expectSubjects<IdentityObject>(ctx, ['identity']);
      addKey(ctx, identity!, ctx.entry.subjects[0]!);
    },
  },
  'role.grant': {
    who: ['admin'],
    apply(ctx) {
      const [grant] = expectSubjects<RoleGrantObject>(ctx, ['role-grant']) as [RoleGrantObject];
      sameSigner(ctx, grant);
      sameRepo(ctx, grant);
      const { state } = ctx;
      if (!state.keys.has(grant.subject)) {
        throw new PolicyError('POLICY_VIOLATION', `cannot grant ${grant.role} to ${shortFingerprint(grant.subject)}: that key is not known here; import its identity with cognify id import <file>`, { subject: grant.subject });
      }
      if (state.revoked.has(grant.subject)) throw new SignatureError('KEY_REVOKED', `cannot grant ${grant.role} to ${describe(state, grant.subject)}: the key is revoked`, { subject: grant.subject });
      const roles = state.roles.get(grant.subject) ?? new Set<Role>();
      if (roles.has(grant.role)) throw new PolicyError('POLICY_VIOLATION', `${describe(state, grant.subject)} already holds ${grant.role}`, { subject: grant.subject, role: grant.role });
      roles.add(grant.role);
      state.roles.set(grant.subject, roles);
      ctx.touched.add(grant.subject);
    },
  },
  'role.revoke': {
    who: ['admin'],
    apply(ctx) {
      const [rev] = expectSubjects<RoleRevokeObject>(ctx, ['role-revoke']) as [RoleRevokeObject];
      sameSigner(ctx, rev);
      sameRepo(ctx, rev);
      const { state } = ctx;
      const roles = state.roles.get(rev.subject);
      if (!roles?.has(rev.role)) throw new PolicyError('POLICY_VIOLATION', `${describe(state, rev.subject)} does not hold ${rev.role}`, { subject: rev.subject, role: rev.role });
      if (rev.role === 'admin' && adminsAfter(state, { fp: rev.subject, role: 'admin' }) === 0) {
        throw new PolicyError('POLICY_VIOLATION', `cannot revoke admin from ${describe(state, rev.subject)}: it is the last admin; grant admin to someone else first`, { subject: rev.subject });
      }
      roles.delete(rev.role);
      ctx.touched.add(rev.subject);
    },
  },
  'key.revoke': {
    // An admin may revoke any key; anyone may revoke their own (a leaked key must be stoppable by its owner).
    who: (ctx) => holds(ctx.state, ctx.entry.signer, 'admin') || (ctx.subjects[0] as KeyRevokeObject | undefined)?.subject === ctx.entry.signer,
    apply(ctx) {
      const [rev] = expectSubjects<KeyRevokeObject>(ctx, ['key-revoke']) as [KeyRevokeObject];
      sameSigner(ctx, rev);
      sameRepo(ctx, rev);
      const { state } = ctx;
      if (!state.keys.has(rev.subject)) throw new PolicyError('POLICY_VIOLATION', `key ${shortFingerprint(rev.subject)} is not known to this repository`, { subject: rev.subject });
      if (state.revoked.has(rev.subject)) throw new PolicyError('POLICY_VIOLATION', `key ${describe(state, rev.subject)} is already revoked`, { subject: rev.subject });
      if (adminsAfter(state, { fp: rev.subject }) === 0) {
        throw new PolicyError('POLICY_VIOLATION', `cannot revoke ${describe(state, rev.subject)}: it is the last admin's key; grant admin to another key first`, { subject: rev.subject });
      }
      state.revoked.set(rev.subject, ctx.entry.seq);
      ctx.touched.add(rev.subject);
    },
  },
};

/**
 * How a signature is checked: `check(sig, message, publicKey, error)` throws `error()` when the
 * signature is bad. The default checks at once; `verify` may instead queue the check for a
 * worker and settle it later, reporting `error()` under the entry it belongs to.
 */
export type SignatureCheck = (sig: Uint8Array, message: Uint8Array, publicKey: Uint8Array, error: () => CognifyError) => void;

export function checkNow(crypto: CryptoProvider): SignatureCheck {
  return (sig, message, publicKey, error) => {
    if (!crypto.ed25519Verify(sig, message, publicKey)) throw error();
  };
}

export interface ApplyOptions {
  crypto: CryptoProvider;
  state: TrustState;
  entry: LogEntry;
  /** SHA-256 id of the entry's canonical bytes. */
  entryId: ObjectId;
  load: ObjectLoader;
  rules?: Record<string, ActionRule>;
  /** Default: checkNow(crypto). */
  checkSignature?: SignatureCheck;
}

/**
 * Check one log entry against the state before it and apply it. Throws a typed error naming
 * the entry on any violation; on success returns the fingerprints whose state changed.
 */
export async function applyEntry(opts: ApplyOptions): Promise<Set<string>> {
  const { crypto, state, entry, entryId, load } = opts;
  const check = opts.checkSignature ?? checkNow(crypto);
  const rules = opts.rules ?? chainRules;
  const seq = entry.seq;
  if (seq !== state.size) throw new IntegrityError('LOG_BROKEN', `log entry ${seq} found where entry ${state.size} was expected; an entry is missing or out of order`, { seq, expected: state.size });
  if (entry.prev !== state.head) {
    throw new IntegrityError('LOG_BROKEN', `log entry ${seq}: previous-entry hash ${entry.prev ?? 'null'} does not match entry ${seq - 1} (${state.head ?? 'none'})`, { seq });
  }
  if (state.repo !== undefined && entry.repo !== state.repo) throw new IntegrityError('LOG_BROKEN', `log entry ${seq} belongs to repository ${entry.repo}`, { seq });
  const rule = rules[entry.action];
  if (!rule) throw new IntegrityError('LOG_BROKEN', `log entry ${seq}: unknown action "${entry.action}"`, { seq, action: entry.action });
  if ((rule.who === 'genesis') !== (seq === 0)) {
    throw new IntegrityError('LOG_BROKEN', seq === 0 ? `log entry 0 must be repo.init, found ${entry.action}` : `log entry ${seq}: repo.init may only be the first entry`, { seq });
  }

  const subjects: CognifyObject[] = [];
  for (const id of entry.subjects) subjects.push(await load(id));
  const touched = new Set<string>();
  const ctx: RuleContext = { crypto, state, entry, subjects, touched };

  // Authorisation is decided on the state *before* this entry (for genesis: the key it introduces).
  if (rule.who !== 'genesis') {
    const fp = entry.signer;
    if (!state.keys.has(fp)) throw new SignatureError('KEY_UNKNOWN', `log entry ${seq} is signed by ${shortFingerprint(fp)}, a key this repository does not know`, { seq, signer: fp });
    if (state.revoked.has(fp)) {
      throw new SignatureError('KEY_REVOKED', `${describe(state, fp)} was revoked at log entry ${state.revoked.get(fp)}; its signature no longer counts`, { seq, signer: fp });
    }
    const allowed =
      typeof rule.who === 'function'
        ? rule.who(ctx)
        : rule.who === 'any-role'
          ? (state.roles.get(fp)?.size ?? 0) > 0
          : rule.who.some((r) => holds(state, fp, r));
    if (!allowed) {
      const need = typeof rule.who === 'function' ? 'the required role' : rule.who === 'any-role' ? 'a role in this repository' : `role ${rule.who.join(' or ')}`;
      throw new PolicyError('ROLE_MISSING', `${describe(state, fp)} lacks ${need} needed for ${entry.action}; ask an admin to run cognify role grant`, { seq, signer: fp, action: entry.action });
    }
  }

  rule.apply?.(ctx);

  const actorKey = state.keys.get(entry.signer);
  if (!actorKey) throw new SignatureError('KEY_UNKNOWN', `log entry ${seq} is signed by an unknown key ${shortFingerprint(entry.signer)}`, { seq });
  const actor = describe(state, entry.signer);
  check(entry.sig, signatureMessage(entry), actorKey.publicKey, () => new SignatureError('SIGNATURE_INVALID', `log entry ${seq}: signature by ${actor} does not verify`, { seq }));
  for (let i = 0; i < subjects.length; i++) {
    const obj = subjects[i]!;
    if (!isSigned(obj)) continue;
    const key = state.keys.get(obj.signer);
    if (!key) throw new SignatureError('KEY_UNKNOWN', `object ${entry.subjects[i]} is signed by ${shortFingerprint(obj.signer)}, a key this repository does not know`, { id: entry.subjects[i] });
    const id = entry.subjects[i];
    const by = describe(state, obj.signer);
    check(obj.sig, signatureMessage(obj), key.publicKey, () => new SignatureError('SIGNATURE_INVALID', `object ${id} (${obj.type}): signature by ${by} does not verify`, { id }));
  }

  state.size = seq + 1;
  state.head = entryId;
  return touched;
}
