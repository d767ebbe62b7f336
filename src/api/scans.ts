// repo.scan and repo.scans: PII/PHI scans of dataset versions, stored as signed evidence on the
// version (`scan.record`), and waivers of what a scan found, signed by a privacy officer
// (`scan.waive`). A version already scanned by this detector is not scanned again: the stored
// scan is returned (versions are immutable, so the answer cannot have changed).
import { InputError, PolicyError, tagCaller } from '../core/errors.js';
import type { ObjectId } from '../core/ids.js';
import type { CognifyObject } from '../store/object-codec.js';
import { signObject, type Signed } from '../chain/signed-object.js';
import type { Signer } from '../chain/signer.js';
import { PII_KINDS, type PiiKind } from '../policy/pii-detect.js';
import { scanTable } from '../policy/pii-table.js';
import { PII_DETECTOR, type ScanObject, type WaiverObject } from '../policy/policy-types.js';
import type { Repo } from './repo.js';
import { scanOf } from './approvals.js';
import { stageAbout } from './subjects.js';
import { nodeReader } from './diff.js';
import { recipeChunks, type ChunkAt } from '../diff/recipe-tree.js';
import { storedAsyncBuffer, type RandomAccessBytes } from '../diff/parquet.js';

export interface ScanResult {
  scan: ObjectId;
  dataset: ObjectId;
  name: string;
  number: number;
  rows: number;
  bytes: number;
  findings: Partial<Record<PiiKind, number>>;
  columns: Record<string, Partial<Record<PiiKind, number>>>;
  locations: ScanObject['locations'];
  /** Kinds found and waived, with who waived them and why. */
  waived: Partial<Record<PiiKind, { waiver: ObjectId; name: string; email: string; reason: string; time: string }>>;
  /** true when this call found the scan already stored and did not read the data again. */
  reused: boolean;
  /** Log entry of the scan (or of its first recording when reused). */
  time: string;
}

export interface ScanOptions {
  signer: Signer;
  onProgress?: (bytes: number, total: number) => void;
  signal?: AbortSignal;
}

function result(id: ObjectId, s: Signed<ScanObject>, waivers: { id: ObjectId; waiver: Signed<WaiverObject> }[], reused: boolean): ScanResult {
  const waived: ScanResult['waived'] = {};
  for (const { id: wid, waiver: w } of waivers) waived[w.kind] ??= { waiver: wid, name: w.name, email: w.email, reason: w.reason, time: w.time };
  return { scan: id, dataset: s.dataset as ObjectId, name: s.name, number: s.number, rows: s.rows, bytes: s.bytes, findings: s.findings, columns: s.columns, locations: s.locations, waived, reused, time: s.time };
}

export class Scans {
  constructor(private readonly repo: Repo) {}

  /** The stored scan of a dataset version, or null when it was never scanned by this detector. */
  async get(ref: string): Promise<ScanResult | null> {
    try {
      const { id } = await this.repo.datasets.resolve(ref);
      const s = await scanOf(this.repo, id);
      return s ? result(s.id, s.scan, s.waivers, true) : null;
    } catch (e) {
      throw tagCaller(e, 'scans.get');
    }
  }

  /** Scan every row of a dataset version (one streaming pass) and store the result, signed. */
  async scan(ref: string, opts: ScanOptions): Promise<ScanResult> {
    try {
      const { id, version } = await this.repo.datasets.resolve(ref);
      const existing = await scanOf(this.repo, id);
      if (existing) return result(existing.id, existing.scan, existing.waivers, true);
      // Parquet is read a row group at a time from the stored chunks (its footer comes first);
      // the other formats stream the exact bytes once.
      let parquetFile: RandomAccessBytes | undefined;
      if (version.format === 'parquet' && version.recipe) {
        const chunks: ChunkAt[] = [];
        const tree = { root: { id: version.recipe.root, rows: version.rows, bytes: version.bytes }, depth: version.recipe.depth };
        for await (const c of recipeChunks(nodeReader(this.repo), tree)) chunks.push(c);
        parquetFile = storedAsyncBuffer(chunks, (k) => this.repo.store.getChunk(chunks[k]!.id));
      }
      const r = await scanTable(this.repo.datasets.export({ id, version }), {
        ...(parquetFile ? { parquetFile } : {}),
        name: `${version.name}@${version.number}`,
        format: version.format,
        dialect: version.dialect,
        key: version.key,
        ...(opts.signal ? { signal: opts.signal } : {}),
        ...(opts.onProgress ? { onProgress: (b: number) => opts.onProgress!(b, version.bytes) } : {}),
      });
      const time = this.repo.now();
      let scanId: ObjectId | undefined;
      let stored: Signed<ScanObject> | undefined;
      await this.repo.act(opts.signer, 'scan.record', (tx, state) => {
        stored = signObject(
          this.repo.crypto,
          { type: 'pii-scan', v: 1, repo: this.repo.id, dataset: id, name: version.name, number: version.number, detector: PII_DETECTOR, rows: r.rows, bytes: r.bytes, findings: r.findings, columns: r.columns, locations: r.locations, time } as unknown as CognifyObject,
          opts.signer,
        ) as unknown as Signed<ScanObject>;
        scanId = tx.putObject(stored as unknown as CognifyObject).id;
        stageAbout(tx, id, state.size, scanId);
        const found = (Object.values(r.findings) as number[]).reduce((a, b) => a + b, 0);
        return { subjects: [scanId, id], details: { about: id, rows: r.rows, findings: found } };
      });
      return result(scanId!, stored!, [], false);
    } catch (e) {
      throw tagCaller(e, 'scan');
    }
  }

  /** A privacy officer's signed waiver of one kind a scan found, with the reason. */
  async waive(opts: { dataset: string; kind: string; reason: string; signer: Signer }): Promise<{ waiver: ObjectId; scan: ObjectId; dataset: ObjectId; kind: PiiKind; seq: number }> {
    try {
      if (!(PII_KINDS as readonly string[]).includes(opts.kind)) throw new InputError('USAGE', `unknown identifier kind "${opts.kind}"; kinds are ${PII_KINDS.join(', ')}`, { kind: opts.kind });
      const kind = opts.kind as PiiKind;
      if (!opts.reason.trim()) throw new InputError('USAGE', 'a waiver needs a reason: --reason TEXT', {});
      const { id, version } = await this.repo.datasets.resolve(opts.dataset);
      const s = await scanOf(this.repo, id);
      if (!s) throw new PolicyError('POLICY_VIOLATION', `dataset ${version.name}@${version.number} has not been scanned; run cognify scan ${version.name}@${version.number} first`, { dataset: id });
      if (!s.scan.findings[kind]) throw new PolicyError('POLICY_VIOLATION', `the scan of ${version.name}@${version.number} found no ${kind}; there is nothing to waive`, { kind });
      const prior = s.waivers.find((w) => w.waiver.kind === kind);
      if (prior) throw new PolicyError('POLICY_VIOLATION', `${kind} in ${version.name}@${version.number} was already waived by ${prior.waiver.name} (${prior.id})`, { kind });
      const me = await this.repo.resolveIdentity(opts.signer.fingerprint);
      const r = await this.repo.act(opts.signer, 'scan.waive', (tx, state) => {
        const obj = signObject(
          this.repo.crypto,
          { type: 'pii-waiver', v: 1, repo: this.repo.id, scan: s.id, dataset: id, kind, reason: opts.reason, name: me.name, email: me.email, time: this.repo.now() } as CognifyObject,
          opts.signer,
        );
        const wid = tx.putObject(obj).id;
        stageAbout(tx, id, state.size, wid);
        return { subjects: [wid, s.id], details: { about: id, kind } };
      });
      return { waiver: r.subjects[0]!, scan: s.id, dataset: id, kind, seq: r.seq };
    } catch (e) {
      throw tagCaller(e, 'scans.waive');
    }
  }
}
