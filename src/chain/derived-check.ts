// Verify's check of the indexes derived from log entries alone (`about/`, `version/`), in bounded
// memory. Holding every record the log implies and comparing at the end kept O(entries) on the
// heap (about 250 bytes a record). Instead each record is looked up as the replay derives it, a
// few thousand at a time in one getMany: it must be there, with that value. What the index holds
// beyond them is then a count: the records under each prefix, less those the log accounted for.
// Only when that is not zero is the index read again, a window of keys at a time against a
// second pass over the log, to name the records no entry derives.
//
// The count assumes the log derives each key once: about/ keys carry the entry's sequence number,
// and version/ keys a version's name and number, which one version holds.
import { bytesEqual, plain } from '../core/bytes.js';
import type { Store } from '../store/store.js';
import { decodeEntry } from './audit-log.js';
import type { LogEntry } from './chain-types.js';

/** Records looked up per getMany. */
const LOOKUP_BATCH = 2048;
/** Index keys held at once while naming records no entry derives (one pass over the log each). */
const EXTRAS_WINDOW = 50_000;

export interface DerivedSpec {
  prefixes: string[];
  optional?: string[];
  of: (entry: LogEntry) => [string, Uint8Array][];
}

export class DerivedCheck {
  private pending: [string, Uint8Array][] = [];
  private readonly present: number[];
  /** Problems found, as [index key, what], up to `max`. */
  readonly problems: [string, string][] = [];

  private constructor(
    private readonly store: Store,
    private readonly prefixes: string[],
    private readonly of: DerivedSpec['of'],
    private readonly max: number,
    private readonly window: number,
  ) {
    this.present = prefixes.map(() => 0);
  }

  /**
   * An `optional` prefix under which the store holds nothing at all is a repository indexed before
   * that index existed: it is not checked (its readers fall back to the log).
   */
  static async open(store: Store, spec: DerivedSpec, max: number, window = EXTRAS_WINDOW): Promise<DerivedCheck> {
    const prefixes: string[] = [];
    for (const prefix of spec.prefixes) {
      let any = !spec.optional?.includes(prefix);
      if (!any) for await (const _ of store.sub.indexes.keys({ gte: prefix, lt: prefix + '\uffff', limit: 1 })) any = true;
      if (any) prefixes.push(prefix);
    }
    return new DerivedCheck(store, prefixes, spec.of, max, window);
  }

  private prefixOf(key: string): number {
    return this.prefixes.findIndex((p) => key.startsWith(p));
  }

  private note(key: string, what: string): void {
    if (this.problems.length < this.max) this.problems.push([key, what]);
  }

  /** The records `entry` implies, queued for lookup. */
  add(entry: LogEntry): void {
    for (const r of this.of(entry)) if (this.prefixOf(r[0]) >= 0) this.pending.push(r);
  }

  /** Look up the queued records (when a batch is full, or all of them). */
  async flush(all = false): Promise<void> {
    if (!this.pending.length || (!all && this.pending.length < LOOKUP_BATCH)) return;
    const batch = this.pending;
    this.pending = [];
    const values = await this.store.sub.indexes.getMany(batch.map(([k]) => k));
    batch.forEach(([key, want], i) => {
      const v = values[i];
      if (v === undefined) return this.note(key, 'is missing');
      this.present[this.prefixOf(key)]!++;
      if (!bytesEqual(plain(v), want)) this.note(key, 'disagrees with the state rebuilt from the log');
    });
  }

  /** After the whole log is replayed: the records under each prefix that no entry derives. */
  async finish(): Promise<void> {
    await this.flush(true);
    for (let p = 0; p < this.prefixes.length; p++) {
      const prefix = this.prefixes[p]!;
      let held = 0;
      for await (const _ of this.store.sub.indexes.keys({ gte: prefix, lt: prefix + '\uffff' })) held++;
      if (held > this.present[p]!) await this.nameExtras(prefix, held - this.present[p]!);
    }
  }

  private async nameExtras(prefix: string, count: number): Promise<void> {
    let found = 0;
    let after: string | undefined;
    while (found < count && this.problems.length < this.max) {
      const window = new Set<string>();
      for await (const k of this.store.sub.indexes.keys({ ...(after === undefined ? { gte: prefix } : { gt: after }), lt: prefix + '\uffff', limit: this.window })) window.add(k);
      if (!window.size) return;
      after = [...window].pop();
      for await (const [k, v] of this.store.sub.log.iterator()) {
        let entry: LogEntry;
        try {
          entry = decodeEntry(this.store, Number(k), v).entry;
        } catch {
          continue; // reported by the replay
        }
        for (const [key] of this.of(entry)) window.delete(key);
        if (!window.size) break;
      }
      for (const k of window) {
        this.note(k, 'is not derived from the log (an added or leftover record)');
        found++;
      }
    }
  }
}
