// The sync journal (issue 7: "the local log records every push, pull and import"): this
// repository's own account of what it sent and received, when, where, at which checkpoint, and how
// much. It is kept beside the audit log, not in it: copies of one repository share one audit log,
// and an entry for each copy's own push or pull would fork it at once. (Taking in another
// repository's record is also an audit-log entry, `sync.import`, signed.) Records are hash-chained
// (each names the SHA-256 of the one before), stay in this repository (bundles do not carry
// them) and are checked when read.
import { IntegrityError } from '../core/errors.js';
import { fromUtf8, toHex, utf8 } from '../core/bytes.js';
import { parseCheckpoint, parseNote } from '../chain/signed-note.js';
import type { Repo } from './repo.js';

export interface SyncRecord {
  seq: number;
  time: string;
  action: 'push' | 'pull' | 'clone' | 'import';
  /** The remote's URL or the bundle file. */
  where: string;
  /** The remote's name, for push and pull. */
  remote?: string;
  /** The repository whose record moved (this one's, or another's). */
  repo: string;
  /** That record's log size and Merkle root (hex) after the transfer: the checkpoint. */
  size: number;
  root: string;
  /** Objects, chunks and log entries moved; bytes moved. */
  objects: number;
  bytes: number;
  /** SHA-256 (hex) of the record before, null for the first. */
  prev: string | null;
}

const PREFIX = 'sync/';
const key = (seq: number) => `${PREFIX}${String(seq).padStart(12, '0')}`;

/** The root (hex) of a signed checkpoint note. */
export function noteRoot(note: string): string {
  return toHex(parseCheckpoint(parseNote(note).body).root);
}

/** Append a record for a transfer that changed something. */
export async function journal(repo: Repo, rec: Omit<SyncRecord, 'seq' | 'time' | 'prev'>): Promise<void> {
  let last: Uint8Array | undefined;
  for await (const [, v] of repo.store.sub.meta.iterator({ gt: PREFIX, lt: `${PREFIX}\uffff`, reverse: true, limit: 1 })) last = v;
  const seq = last ? (JSON.parse(fromUtf8(last)) as SyncRecord).seq + 1 : 0;
  const full: SyncRecord = { seq, time: repo.now(), ...rec, prev: last ? toHex(repo.crypto.sha256(last)) : null };
  const tx = repo.store.begin();
  tx.put('meta', key(seq), utf8(JSON.stringify(full)));
  await tx.commit();
}

/** Every record, oldest first, the hash chain checked (IntegrityError at the first break). */
export async function* readJournal(repo: Repo): AsyncIterable<SyncRecord> {
  let prev: string | null = null;
  let seq = 0;
  for await (const [k, v] of repo.store.sub.meta.iterator({ gt: PREFIX, lt: `${PREFIX}\uffff` })) {
    let rec: SyncRecord;
    try {
      rec = JSON.parse(fromUtf8(v)) as SyncRecord;
    } catch {
      throw new IntegrityError('LOG_BROKEN', `sync journal record ${k.slice(PREFIX.length)} is not readable; the journal was altered`, { key: k });
    }
    if (rec.seq !== seq || k !== key(seq) || rec.prev !== prev) {
      throw new IntegrityError('LOG_BROKEN', `sync journal record ${seq} does not follow the one before (missing, reordered or altered); the journal was altered`, { seq });
    }
    yield rec;
    prev = toHex(repo.crypto.sha256(v));
    seq++;
  }
}
