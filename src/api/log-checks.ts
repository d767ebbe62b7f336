// Checks a reviewer can see for themselves, without trusting whoever runs the page: each log entry
// about a subject proven included (RFC 9162 inclusion proof, recomputed from the entry's own bytes)
// in the latest signed checkpoint, and a checkpoint the reviewer kept from earlier proven to be a
// prefix of today's log (consistency proof). Both take (size, root) from one signed note, as
// verifyInclusion and verifyConsistency require.
import { toHex } from '../core/bytes.js';
import type { ObjectId } from '../core/ids.js';
import { consistencyAt, inclusionAt, latestCheckpoint, noteKeyName, originOf, readEntries, readHead, type StoredEntry } from '../chain/audit-log.js';
import { leafHash, verifyConsistency, verifyInclusion } from '../chain/merkle.js';
import { parseNote, verifyNote, type Checkpoint } from '../chain/signed-note.js';
import type { IdentityObject } from '../chain/chain-types.js';
import type { Repo } from './repo.js';

export interface SignedCheckpoint extends Checkpoint {
  /** Who signed the note: a key known to this repository. */
  signer: { fingerprint: string; name: string; email: string };
}

/** Open a checkpoint note with the key of the repository identity that signed it; throws with the reason. */
export async function openCheckpoint(repo: Repo, pasted: string): Promise<SignedCheckpoint> {
  // A browser sends a textarea's line breaks as CRLF, and a paste may lose the final newline.
  const text = pasted.replace(/\r\n?/g, '\n').trim() + '\n';
  const note = parseNote(text);
  const names = note.signatures.map((s) => s.keyName);
  for (const k of await repo.identities()) {
    const keyName = noteKeyName(k.fingerprint);
    if (!names.includes(keyName)) continue;
    const identity = (await repo.store.get(k.identity)).value as unknown as IdentityObject;
    const cp = verifyNote(repo.crypto, text, keyName, identity.publicKey);
    if (cp.origin !== originOf(repo.id)) throw new Error(`it is a checkpoint of another log (${cp.origin}), not this repository's`);
    return { ...cp, signer: { fingerprint: k.fingerprint, name: k.name, email: k.email } };
  }
  throw new Error(`it is signed by ${names.join(', ') || 'nobody'}, not by a key this repository knows`);
}

export interface EntryProof {
  entry: StoredEntry;
  /** Whether the entry's bytes are proven included in the checkpoint; null when it is newer than the checkpoint. */
  included: boolean | null;
  proof: string[];
}

export interface EntriesAbout {
  checkpoint: SignedCheckpoint | null;
  /** Why there is no checkpoint to prove against, when there is none. */
  problem: string | null;
  entries: EntryProof[];
}

/** Every log entry that names `subject` (as a subject or as what it is about), each proven included. */
export async function entriesAbout(repo: Repo, subject: ObjectId): Promise<EntriesAbout> {
  const found: StoredEntry[] = [];
  for await (const e of readEntries(repo.store)) {
    if (e.entry.subjects.includes(subject) || e.entry.details.about === subject) found.push(e);
  }
  let checkpoint: SignedCheckpoint | null = null;
  let problem: string | null = null;
  const text = await latestCheckpoint(repo.store);
  if (text === undefined) problem = 'the log has no signed checkpoint';
  else {
    try {
      checkpoint = await openCheckpoint(repo, text);
    } catch (e) {
      problem = `the latest checkpoint does not verify: ${(e as Error).message}`;
    }
  }
  if (!checkpoint) return { checkpoint, problem, entries: found.map((entry) => ({ entry, included: false, proof: [] })) };
  const h = repo.crypto;
  const entries = [];
  for (const entry of found) {
    if (entry.seq >= checkpoint.size) {
      entries.push({ entry, included: null, proof: [] });
      continue;
    }
    const { proof } = await inclusionAt(repo.store, entry.seq, checkpoint.size);
    // The leaf is hashed from the entry's own bytes, not taken from the stored leaf index.
    const included = verifyInclusion(h, leafHash(h, entry.bytes), entry.seq, checkpoint.size, proof, checkpoint.root);
    entries.push({ entry, included, proof: proof.map(toHex) });
  }
  return { checkpoint, problem, entries };
}

export interface ConsistencyCheck {
  /** The pasted checkpoint, opened. */
  checkpoint: SignedCheckpoint;
  size: number;
  root: string;
  proof: string[];
}

/**
 * Is the log that produced `text` (a checkpoint note saved earlier, perhaps by another site) a
 * prefix of this one? Throws an Error whose message says why not.
 */
export async function checkConsistency(repo: Repo, text: string): Promise<ConsistencyCheck> {
  let cp: SignedCheckpoint;
  try {
    cp = await openCheckpoint(repo, text);
  } catch (e) {
    throw new Error(`the checkpoint does not open: ${(e as Error).message}`);
  }
  const head = await readHead(repo.store);
  if (cp.size > head.size) throw new Error(`the checkpoint is of a log of ${cp.size} entries, and this one has only ${head.size}: this copy is behind, or the logs have forked`);
  const h = repo.crypto;
  const { root, proof } = await consistencyAt(repo.store, cp.size, head.size);
  if (!verifyConsistency(h, cp.size, head.size, proof, cp.root, root)) {
    throw new Error(`the log at ${cp.size} entries had root ${toHex(cp.root)} in that checkpoint, and this log does not extend it: the log was rewritten or forked`);
  }
  return { checkpoint: cp, size: head.size, root: toHex(root), proof: proof.map(toHex) };
}
