// The public Repo facade. Every method that changes the repository goes through `act`: build
// the objects, make and sign one log entry, check it against the trust rules (the same check
// `verify` replays), then write objects, entry, indexes and a signed checkpoint in one atomic
// batch. Any failure before that batch leaves the repository exactly as it was.
import type { CryptoProvider } from '../core/crypto-provider.js';
import type { CborValue } from '../core/cbor.js';
import { InputError, IntegrityError, NotFoundError, tagCaller } from '../core/errors.js';
import { idFromDigest, isObjectId, type ObjectId } from '../core/ids.js';
import { toHex } from '../core/bytes.js';
import { createSchemaRegistry, type CognifyObject, type SchemaRegistry } from '../store/object-codec.js';
import { Store, type Database, type StoredObject, type Transaction } from '../store/store.js';
import { chainSchemas, ROLES, type IdentityObject, type LogEntry, type Role } from '../chain/chain-types.js';
import {
  latestCheckpoint,
  proveConsistency,
  proveInclusion,
  readEntries,
  readEntry,
  readHead,
  stageAppend,
  stageCheckpoint,
  type StoredEntry,
} from '../chain/audit-log.js';
import { applyEntry, chainRules, holds, type ActionRule, type KnownKey, type TrustState } from '../chain/trust.js';
import { loadTrustState, stageTrustIndex } from '../chain/trust-index.js';
import { signObject } from '../chain/signed-object.js';
import { shortFingerprint, type Signer } from '../chain/signer.js';
import { verifyRepository, type VerifyReport, type VerifyOptions } from '../chain/verify-repo.js';
import { nodeProvider } from '../node/node-crypto.js';
import { recipeSchemas, type RecipeNode } from '../diff/recipe-tree.js';
import { datasetSchemas, type DatasetVersion } from '../diff/dataset-types.js';
import { datasetRules } from '../diff/dataset-rules.js';
import { Datasets } from './datasets.js';
import { Runs } from './runs.js';
import { runSchemas, type CheckpointManifestObject, type RunObject } from '../runs/run-types.js';
import { runRules } from '../runs/run-rules.js';
import { repoDiff, statOf, type RepoDiffOptions } from './diff.js';
import type { DiffSummary, TableDiff } from '../diff/diff.js';
import { createVerifyPool } from '../node/verify-pool.js';
import { fileIdRuns } from '../node/id-runs.js';
import { policySchemas } from '../policy/policy-types.js';
import { policyRules } from '../policy/policy-rules.js';
import { Approvals, Policies } from './approvals.js';
import { Scans, type ScanOptions, type ScanResult } from './scans.js';
import { Cards } from './cards.js';
import { cardRules, cardSchemas } from '../cards/document.js';
import { syncSchemas } from '../sync/bundle.js';
import { importReferences, importRules, importSchemas, type ImportRecord } from '../sync/import-record.js';
import { DERIVED_PREFIXES, derivedRecords } from './subjects.js';
import { versionRecords } from './version-chain.js';

export const schemas: SchemaRegistry = createSchemaRegistry(chainSchemas, recipeSchemas, datasetSchemas, runSchemas, policySchemas, cardSchemas, syncSchemas, importSchemas);
export const rules: Record<string, ActionRule> = { ...chainRules, ...datasetRules, ...runRules, ...policyRules, ...cardRules, ...importRules };

/** What objects of each layer refer to, for verify's "every referenced object present". */
export function references(obj: CognifyObject): { objects: ObjectId[]; chunks: string[] } | undefined {
  if (obj.type === 'dataset-version') {
    const recipe = (obj as unknown as DatasetVersion).recipe;
    return recipe ? { objects: [idFromDigest(recipe.root)], chunks: [] } : undefined;
  }
  if (obj.type === 'recipe-node') {
    const node = obj as unknown as RecipeNode;
    const ids = node.entries.map(([id]) => id);
    return node.level === 0 ? { objects: [], chunks: ids.map(toHex) } : { objects: ids.map(idFromDigest), chunks: [] };
  }
  if (obj.type === 'run') {
    const run = obj as unknown as RunObject;
    const objects = [...run.metrics, ...run.checkpoints.map((c) => c.manifest), ...run.outputs.map((c) => c.manifest), ...run.evals, ...run.datasets.map((d) => d.version)] as ObjectId[];
    return { objects, chunks: [] };
  }
  if (obj.type === 'approval') return { objects: [obj.subject as ObjectId], chunks: [] };
  if (obj.type === 'approval-withdrawal') return { objects: [obj.approval as ObjectId, obj.subject as ObjectId], chunks: [] };
  if (obj.type === 'pii-scan') return { objects: [obj.dataset as ObjectId], chunks: [] };
  if (obj.type === 'pii-waiver') return { objects: [obj.scan as ObjectId, obj.dataset as ObjectId], chunks: [] };
  if (obj.type === 'policy') return { objects: obj.parents as ObjectId[], chunks: [] };
  if (obj.type === 'checkpoint-manifest') {
    const m = obj as unknown as CheckpointManifestObject;
    return { objects: m.files.flatMap((f) => (f.recipe ? [idFromDigest(f.recipe.root)] : [])), chunks: [] };
  }
  if (obj.type === 'import') return importReferences(obj as unknown as ImportRecord);
  return undefined;
}

export interface RepoContext {
  db: Database;
  crypto: CryptoProvider;
  dir: string;
  close: () => Promise<void>;
  now?: () => Date;
}

export interface KnownIdentity {
  fingerprint: string;
  name: string;
  email: string;
  identity: ObjectId;
  roles: Role[];
  revoked: boolean;
  revokedAt?: number;
}

export interface ActResult {
  seq: number;
  entry: ObjectId;
  subjects: ObjectId[];
  checkpoint: string;
}

export class Repo {
  readonly store: Store;
  readonly dir: string;
  readonly crypto: CryptoProvider;
  /** Dataset versions: commit, list, resolve, export. */
  readonly datasets: Datasets = new Datasets(this);
  /** Training runs, checkpoint manifests and evaluations. */
  readonly runs: Runs = new Runs(this);
  /** E-signatures (approved, rejected ...) of exact objects, and their withdrawals. */
  readonly approvals: Approvals = new Approvals(this);
  /** The policy in force, and its evaluation for a subject. */
  readonly policy: Policies = new Policies(this);
  /** PII/PHI scans of dataset versions, and privacy officers' waivers. */
  readonly scans: Scans = new Scans(this);
  /** Documents generated from the record (model card, Annex XI, SR 11-7 ...), and committed ones. */
  readonly cards: Cards = new Cards(this);
  private readonly ctx: RepoContext;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private repoId: ObjectId | undefined;
  private trust: TrustState | undefined;
  private emails: { size: number; byEmail: Map<string, KnownKey[]> } | undefined;

  constructor(ctx: RepoContext) {
    this.ctx = ctx;
    this.dir = ctx.dir;
    this.crypto = ctx.crypto;
    this.store = new Store({ db: ctx.db, crypto: ctx.crypto, schemas });
  }

  /** The repository id: the object id of its signed genesis (`repo`) object. */
  get id(): ObjectId {
    if (!this.repoId || !isObjectId(this.repoId)) {
      throw new IntegrityError('LOG_BROKEN', `the repository id stored in ${this.dir} is damaged; run cognify verify`, {});
    }
    return this.repoId;
  }

  /** @internal Used by initRepo before the genesis entry exists. */
  _setId(id: ObjectId): void {
    this.repoId = id;
  }

  /** @internal */
  async _load(): Promise<this> {
    const raw = await this.store.getMeta('repo');
    if (raw === undefined) throw new NotFoundError('REPO_NOT_FOUND', `${this.dir} has a database but no repository record; it was never initialised completely`, {});
    // Not validated here: a damaged record must still let `verify` open the repository and name it.
    this.repoId = new TextDecoder().decode(raw) as ObjectId;
    return this;
  }

  /** The name given at init (the genesis object's), or '' when it has none. */
  async name(): Promise<string> {
    const genesis = (await this.store.get(this.id)).value as { name?: unknown };
    return typeof genesis.name === 'string' ? genesis.name : '';
  }

  now(): string {
    return (this.ctx.now?.() ?? new Date()).toISOString();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.queue.catch(() => undefined);
    await this.ctx.close();
  }

  /** @internal Run `fn`, which writes the store directly (an import brought forward), as a writer; cached trust state is rebuilt after. */
  _rewrite<T>(fn: () => Promise<T>): Promise<T> {
    return this.exclusive(async () => {
      try {
        return await fn();
      } finally {
        this.trust = undefined;
        this.emails = undefined;
      }
    });
  }

  /** Serialise writers within this process; LevelDB's lock already excludes other processes. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Perform one logged action. `build` stages the action's objects in `tx` and returns the
   * subject ids and details; the entry is signed by `signer` and checked before anything is written.
   */
  async act(
    signer: Signer,
    action: string,
    build: (tx: Transaction, state: TrustState) => Promise<{ subjects: ObjectId[]; details?: Record<string, CborValue> }> | { subjects: ObjectId[]; details?: Record<string, CborValue> },
  ): Promise<ActResult> {
    return this.exclusive(async () => {
      const state = await this.trustState();
      try {
        return await this.append(state, signer, action, build);
      } catch (e) {
        // applyEntry may have changed the cached state before failing: rebuild it next time.
        this.trust = undefined;
        throw e;
      }
    });
  }

  /**
   * The trust state, loaded from the indexes once and then kept up to date by `act`: this
   * process holds the repository's lock, so nobody else can change it while it is open.
   */
  private async trustState(): Promise<TrustState> {
    return (this.trust ??= await loadTrustState(this.store));
  }

  private async append(
    state: TrustState,
    signer: Signer,
    action: string,
    build: Parameters<Repo['act']>[2],
  ): Promise<ActResult> {
    const tx = this.store.begin();
    const { subjects, details = {} } = await build(tx, state);
    const head = await readHead(this.store);
    const entry = signObject(
      this.crypto,
      { type: 'log-entry', v: 1, repo: this.id, seq: head.size, time: this.now(), action, subjects, details, prev: head.head } as CognifyObject,
      signer,
    ) as unknown as LogEntry;
    const encoded = this.store.encode(entry as unknown as CognifyObject);
    const touched = await applyEntry({ crypto: this.crypto, state, entry, entryId: encoded.id, load: (id) => this.loadStaged(tx, id), rules });
    const next = stageAppend(tx, head, encoded.bytes, encoded.id);
    stageTrustIndex(tx, state, touched);
    for (const [k, v] of versionRecords(entry)) tx.put('indexes', k, v);
    const checkpoint = stageCheckpoint(tx, this.id, next, signer);
    await tx.commit();
    return { seq: head.size, entry: encoded.id, subjects, checkpoint };
  }

  private async loadStaged(tx: Transaction, id: ObjectId): Promise<CognifyObject> {
    const staged = tx.staging(id);
    if (staged) return this.store.check(id, staged).value;
    return (await this.store.get(id)).value;
  }

  // ---- identities and roles -------------------------------------------------------------

  async identities(): Promise<KnownIdentity[]> {
    const state = await this.exclusive(() => this.trustState());
    return [...state.keys.values()].sort((a, b) => a.since - b.since).map((k) => knownIdentity(state, k));
  }

  /** A known key by email (case-insensitive) or fingerprint prefix (8+ hex digits). */
  async resolveIdentity(who: string): Promise<KnownIdentity> {
    const state = await this.exclusive(() => this.trustState());
    const w = who.trim().toLowerCase();
    // Keys are never removed and emails never change, so the index is stale only when keys were added.
    if (this.emails?.size !== state.keys.size) {
      const byEmail = new Map<string, KnownKey[]>();
      for (const k of state.keys.values()) byEmail.set(k.email.toLowerCase(), [...(byEmail.get(k.email.toLowerCase()) ?? []), k]);
      this.emails = { size: state.keys.size, byEmail };
    }
    let hits: KnownKey[] = this.emails.byEmail.get(w) ?? [];
    const exact = state.keys.get(w);
    if (!hits.length && exact) hits = [exact];
    else if (!hits.length && /^[0-9a-f]{8,63}$/.test(w)) for (const k of state.keys.values()) if (k.fingerprint.startsWith(w)) hits.push(k);
    if (hits.length === 1) return knownIdentity(state, hits[0]!);
    if (!hits.length) throw new NotFoundError('KEY_UNKNOWN', `no identity "${who}" in this repository; import it with cognify id import <file>`, { who });
    throw new NotFoundError('KEY_AMBIGUOUS', `"${who}" matches ${hits.length} identities (${hits.map((h) => shortFingerprint(h.fingerprint)).join(', ')}); give the fingerprint`, { who });
  }

  async addIdentity(opts: { identity: IdentityObject; signer: Signer }): Promise<ActResult & { identity: ObjectId }> {
    try {
      const r = await this.act(opts.signer, 'identity.add', (tx) => ({ subjects: [tx.putObject(opts.identity as unknown as CognifyObject).id] }));
      return { ...r, identity: r.subjects[0]! };
    } catch (e) {
      throw tagCaller(e, 'addIdentity');
    }
  }

  private async roleChange(kind: 'role-grant' | 'role-revoke', opts: { who: string; role: string; signer: Signer }): Promise<ActResult & { object: ObjectId }> {
    if (!(ROLES as readonly string[]).includes(opts.role)) {
      throw new InputError('INPUT_INVALID', `unknown role "${opts.role}"; roles are ${ROLES.join(', ')}`, { role: opts.role });
    }
    const subject = await this.resolveIdentity(opts.who);
    const r = await this.act(opts.signer, kind === 'role-grant' ? 'role.grant' : 'role.revoke', (tx) => {
      const obj = signObject(this.crypto, { type: kind, v: 1, repo: this.id, subject: subject.fingerprint, role: opts.role, time: this.now() }, opts.signer);
      return { subjects: [tx.putObject(obj).id], details: { subject: subject.fingerprint, role: opts.role } };
    });
    return { ...r, object: r.subjects[0]! };
  }

  async grantRole(opts: { who: string; role: string; signer: Signer }): Promise<ActResult & { grant: ObjectId }> {
    try {
      const r = await this.roleChange('role-grant', opts);
      return { ...r, grant: r.object };
    } catch (e) {
      throw tagCaller(e, 'grantRole');
    }
  }

  async revokeRole(opts: { who: string; role: string; signer: Signer }): Promise<ActResult & { revocation: ObjectId }> {
    try {
      const r = await this.roleChange('role-revoke', opts);
      return { ...r, revocation: r.object };
    } catch (e) {
      throw tagCaller(e, 'revokeRole');
    }
  }

  async revokeKey(opts: { who: string; reason?: string; signer: Signer }): Promise<ActResult & { revocation: ObjectId }> {
    try {
      const subject = await this.resolveIdentity(opts.who);
      const r = await this.act(opts.signer, 'key.revoke', (tx) => {
        const obj = signObject(this.crypto, { type: 'key-revoke', v: 1, repo: this.id, subject: subject.fingerprint, reason: opts.reason ?? '', time: this.now() }, opts.signer);
        return { subjects: [tx.putObject(obj).id], details: { subject: subject.fingerprint } };
      });
      return { ...r, revocation: r.subjects[0]! };
    } catch (e) {
      throw tagCaller(e, 'revokeKey');
    }
  }

  /** Scan a dataset version for PII/PHI (see repo.scans); a version scanned before is not read again. */
  scan(ref: string, opts: ScanOptions): Promise<ScanResult> {
    return this.scans.scan(ref, opts);
  }

  /**
   * Row-level diff of `a` and `b`, each a dataset ref (`name`, `name@N`, `name@<id prefix>`, a
   * version id) or a file path: an AsyncIterable of RowChange records, read once; its `summary`
   * holds the counts when the iteration has ended.
   */
  diff(a: string, b: string, opts: RepoDiffOptions = {}): TableDiff {
    return repoDiff(this, a, b, opts);
  }

  /** `diff --stat`: the counts and schema changes, without building row objects. */
  diffStat(a: string, b: string, opts: RepoDiffOptions = {}): Promise<DiffSummary> {
    return statOf(repoDiff(this, a, b, { ...opts, statOnly: true }));
  }

  /** Whether `fingerprint` currently holds `role` (and is not revoked). */
  async hasRole(fingerprint: string, role: Role): Promise<boolean> {
    return holds(await this.exclusive(() => this.trustState()), fingerprint, role);
  }

  // ---- objects --------------------------------------------------------------------------

  async resolve(idOrPrefix: string): Promise<ObjectId> {
    return this.store.resolve(idOrPrefix);
  }

  /** An object by id or unique prefix, fully checked (hash, canonical form, schema). */
  async getObject(idOrPrefix: string): Promise<StoredObject> {
    try {
      return await this.store.get(await this.store.resolve(idOrPrefix));
    } catch (e) {
      throw tagCaller(e, 'getObject');
    }
  }

  // ---- audit log ------------------------------------------------------------------------

  async logSize(): Promise<number> {
    return (await readHead(this.store)).size;
  }

  log(opts: { from?: number; to?: number } = {}): AsyncIterable<StoredEntry> {
    return readEntries(this.store, opts);
  }

  logEntry(seq: number): Promise<StoredEntry> {
    return readEntry(this.store, seq);
  }

  logProof(seq: number, size?: number) {
    return proveInclusion(this.store, seq, size);
  }

  logConsistency(oldSize: number, newSize?: number) {
    return proveConsistency(this.store, oldSize, newSize);
  }

  async checkpoint(): Promise<string> {
    const note = await latestCheckpoint(this.store);
    if (note === undefined) throw new NotFoundError('NOT_FOUND', 'this repository has no checkpoint yet', {});
    return note;
  }

  /**
   * Recheck everything (see src/chain/verify-repo.ts). With the native provider and a log of
   * more than 1,024 entries, signatures are checked on `workers` threads (default: one per core;
   * 0 checks them on this thread).
   */
  async verify(opts: Omit<VerifyOptions, 'store' | 'rules' | 'verifyMany'> & { workers?: number } = {}): Promise<VerifyReport> {
    const { workers, ...rest } = opts;
    const big = (await this.logSize()) > 1024 || (workers ?? 0) > 0;
    const pool = this.crypto === nodeProvider && workers !== 0 && big ? createVerifyPool(workers ? { size: workers } : {}) : undefined;
    try {
      return await verifyRepository({ ...rest, store: this.store, rules, references, derivedIndex: { prefixes: DERIVED_PREFIXES, optional: ['version/'], of: derivedRecords }, idRuns: rest.idRuns ?? fileIdRuns(), ...(pool ? { verifyMany: pool.verifyMany } : {}) });
    } finally {
      await pool?.close();
    }
  }
}

function knownIdentity(state: TrustState, k: KnownKey): KnownIdentity {
  const rev = state.revoked.get(k.fingerprint);
  return {
    fingerprint: k.fingerprint,
    name: k.name,
    email: k.email,
    identity: k.identity,
    roles: [...(state.roles.get(k.fingerprint) ?? [])].sort() as Role[],
    revoked: rev !== undefined,
    ...(rev !== undefined ? { revokedAt: rev } : {}),
  };
}

/** The JSON shape of a log entry (`cognify log --json`). */
export function entryJson(e: StoredEntry): Record<string, unknown> {
  const { entry } = e;
  return {
    seq: entry.seq,
    id: e.id,
    time: entry.time,
    actor: entry.signer,
    action: entry.action,
    subjects: entry.subjects,
    details: entry.details,
    prev: entry.prev,
  };
}
