// The trust state (known keys, roles, revocations) is derived from the log. It is also kept as an
// index so that an append does not replay the log; `verify` rebuilds it from the log and reports
// any difference. Index keys: key/<fp>, roles/<fp>, revoked/<fp>.
import { decode, encode, type CborValue } from '../core/cbor.js';
import type { ObjectId } from '../core/ids.js';
import type { Store, Transaction } from '../store/store.js';
import type { Role } from './chain-types.js';
import { readHead } from './audit-log.js';
import { emptyTrustState, type KnownKey, type TrustState } from './trust.js';

async function* prefixed(store: Store, prefix: string): AsyncIterable<[string, unknown]> {
  for await (const [k, v] of store.sub.indexes.iterator({ gte: prefix, lt: prefix + '\uffff' })) {
    yield [k.slice(prefix.length), decode(v)];
  }
}

export async function loadTrustState(store: Store): Promise<TrustState> {
  const state = emptyTrustState();
  const head = await readHead(store);
  state.size = head.size;
  state.head = head.head;
  const repo = await store.getMeta('repo');
  if (repo) state.repo = new TextDecoder().decode(repo) as ObjectId;
  for await (const [fp, v] of prefixed(store, 'key/')) state.keys.set(fp, { ...(v as Omit<KnownKey, 'fingerprint'>), fingerprint: fp });
  for await (const [fp, v] of prefixed(store, 'roles/')) state.roles.set(fp, new Set(v as Role[]));
  for await (const [fp, v] of prefixed(store, 'revoked/')) state.revoked.set(fp, v as number);
  return state;
}

export function keyIndexValue(k: KnownKey): Uint8Array {
  return encode({ publicKey: k.publicKey, name: k.name, email: k.email, identity: k.identity, since: k.since } as CborValue);
}

export function rolesIndexValue(roles: Set<Role>): Uint8Array {
  return encode([...roles].sort());
}

/** Stage the index records of every touched fingerprint. */
export function stageTrustIndex(tx: Transaction, state: TrustState, touched: Iterable<string>): void {
  for (const fp of touched) {
    const key = state.keys.get(fp);
    if (key) tx.put('indexes', `key/${fp}`, keyIndexValue(key));
    const roles = state.roles.get(fp);
    if (roles && roles.size) tx.put('indexes', `roles/${fp}`, rolesIndexValue(roles));
    else tx.del('indexes', `roles/${fp}`);
    const rev = state.revoked.get(fp);
    if (rev !== undefined) tx.put('indexes', `revoked/${fp}`, encode(rev));
  }
}
