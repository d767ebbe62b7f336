// Named, versioned objects (datasets, runs): the ref `<kind>s/<name>` names the latest version, and
// each version names the one before it in `parents`. One walk and one resolver serve both.
import { fromUtf8, plain, utf8 } from '../core/bytes.js';
import { NotFoundError } from '../core/errors.js';
import { isObjectId, type ObjectId } from '../core/ids.js';
import type { LogEntry } from '../chain/chain-types.js';
import type { Store } from '../store/store.js';

export interface ChainKind {
  /** The ref prefix, `datasets/` or `runs/`. */
  prefix: string;
  /** The object type of a version. */
  type: string;
  /** The word for the thing in messages: `dataset`, `run`. */
  noun: string;
  /** The command that lists names, and the one that lists a name's versions. */
  listHint: string;
  versionsHint: (name: string) => string;
}

export type Versioned<T> = { id: ObjectId; version: T };

/** The index record of version `number` of `<refPrefix><name>`: the version's id. */
export const versionKey = (refPrefix: string, name: string, number: number): string => `version/${refPrefix}${name}/${String(number).padStart(12, '0')}`;

/** Actions that make a new version, and the ref prefix of what they version. */
const VERSION_ACTIONS: Record<string, string> = { 'dataset.commit': 'datasets/', 'run.start': 'runs/', 'run.event': 'runs/', 'run.finish': 'runs/', 'run.record': 'runs/' };

/**
 * The version-number index records a log entry adds: `name@N` is then one read, not a walk down
 * the whole chain (at 100,000 versions, `name@1` had read every version). Derived from the entry
 * alone (its details name the version's name and number; the version is its last subject), so
 * bundle replay writes them and verify rebuilds and compares them like the other derived indexes.
 */
export function versionRecords(entry: LogEntry): [string, Uint8Array][] {
  const prefix = VERSION_ACTIONS[entry.action];
  const { name, number } = entry.details as { name?: unknown; number?: unknown };
  const id = entry.subjects[entry.subjects.length - 1];
  if (prefix === undefined || typeof name !== 'string' || typeof number !== 'number' || !Number.isSafeInteger(number) || id === undefined) return [];
  return [[versionKey(prefix, name, number), utf8(id)]];
}

/** Versions of `name`, newest first. */
export async function* versionChain<T extends { parents: string[] }>(store: Store, kind: ChainKind, name: string): AsyncIterable<Versioned<T>> {
  let id = await store.getRef(`${kind.prefix}${name}`);
  if (!id) throw new NotFoundError('NOT_FOUND', `no ${kind.noun} named "${name}"; see ${kind.listHint}`, { name });
  while (id) {
    const version = (await store.get(id, kind.type)).value as unknown as T;
    yield { id, version };
    id = version.parents[0] as ObjectId | undefined;
  }
}

/** Every name with its latest version. */
export async function latestVersions<T>(store: Store, kind: ChainKind): Promise<Versioned<T>[]> {
  const out: Versioned<T>[] = [];
  for await (const [, id] of store.refs(kind.prefix)) out.push({ id, version: (await store.get(id, kind.type)).value as unknown as T });
  return out;
}

/** `name` (latest), `name@N` (the N-th version), `name@<id prefix>`, or a version id (prefix). */
export async function resolveVersion<T extends { parents: string[]; number: number }>(store: Store, kind: ChainKind, ref: string): Promise<Versioned<T>> {
  const at = ref.lastIndexOf('@');
  if (at === -1 && (isObjectId(ref) || /^(sha256:)?[0-9a-f]{7,64}$/.test(ref)) && !(await store.getRef(`${kind.prefix}${ref}`))) {
    const id = await store.resolve(ref);
    return { id, version: (await store.get(id, kind.type)).value as unknown as T };
  }
  const name = at === -1 ? ref : ref.slice(0, at);
  const sel = at === -1 ? undefined : ref.slice(at + 1);
  // Digits are a version number; seven or more may also be an id prefix that happens to hold no letter.
  const number = sel !== undefined && /^\d+$/.test(sel) ? Number(sel) : undefined;
  const prefix = sel !== undefined && (number === undefined || sel.length >= 7) ? (sel.startsWith('sha256:') ? sel : `sha256:${sel}`) : undefined;
  if (number !== undefined && prefix === undefined) {
    const raw = await store.sub.indexes.get(versionKey(kind.prefix, name, number));
    if (raw !== undefined) {
      const id = fromUtf8(plain(raw)) as ObjectId;
      const version = (await store.get(id, kind.type)).value as unknown as T & { name?: string };
      if (version.number === number && version.name === name) return { id, version };
    }
  }
  // A repository indexed before the version index, or a name@N that is not there: walk the chain.
  for await (const v of versionChain<T>(store, kind, name)) {
    if (sel === undefined) return v;
    if (v.version.number === number || (prefix !== undefined && v.id.startsWith(prefix))) return v;
  }
  throw new NotFoundError('NOT_FOUND', `${kind.noun} ${name} has no version "${sel}"; see ${kind.versionsHint(name)}`, { ref });
}
