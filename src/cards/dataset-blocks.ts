// Statements about one dataset version that the datasheet, the provenance document and the HIPAA
// evidence pack share: a single provenance answer, who committed the version, its shape (columns
// or JSON paths, format, key), its PII/PHI scan findings with their waivers, and the chain of
// earlier versions. Each returns text or rows with the ids they came from; nothing is inferred.
import { PROVENANCE_QUESTIONS } from '../diff/dataset-types.js';
import { num, personText, shortId, type SectionBuilder } from './build.js';
import { datasetLabel, PROVENANCE_LABELS, provenanceText } from './common.js';
import type { ApprovalEntry, CardRecord, Cite, DatasetEntry } from './types.js';

export type Question = (typeof PROVENANCE_QUESTIONS)[number];
type Row = { cells: string[]; cite: Cite };

/** A stable kebab-case piece of a section id. */
export function slug(s: string): string {
  return s.normalize('NFKD').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'x';
}

/** The record's dataset versions, each once (a version used in two roles is one entry, its roles joined). */
export function uniqueDatasets(r: CardRecord): (DatasetEntry & { roles: string })[] {
  const out: (DatasetEntry & { roles: string })[] = [];
  for (const d of r.datasets) {
    const seen = out.find((o) => o.id === d.id);
    if (seen) seen.roles = `${seen.roles}, ${d.role}`;
    else out.push({ ...d, roles: d.role });
  }
  return out;
}

/** One provenance question as a field: the committer's answer, or MISSING (a committed version never changes). */
export function provenanceField(s: SectionBuilder, d: DatasetEntry, q: Question, label: string = PROVENANCE_LABELS[q]): void {
  s.field(label, provenanceText(d.object.provenance, q), [d.id], {
    required: true,
    hint: `answer "${q}" when committing the next version (cognify dataset commit ${d.object.name} <file> --provenance <yaml>); a committed version never changes`,
  });
}

export function answeredCount(d: DatasetEntry): number {
  return PROVENANCE_QUESTIONS.filter((q) => d.object.provenance[q] !== null).length;
}

/** "Ada <ada@example.org> at 2026-…Z" for a cited object, from its signed envelope. */
export function signedBy(r: CardRecord, id: string): string | null {
  const o = r.objects[id];
  return o?.signer ? `${personText(r, o.signer)} at ${o.time}` : null;
}

export function committedText(r: CardRecord, d: DatasetEntry): string {
  return `committed by ${personText(r, d.object.signer)} at ${d.object.time}${d.object.message ? ` ("${d.object.message}")` : ''}`;
}

const DELIMITERS: Record<string, string> = { ',': 'comma-separated', '\t': 'tab-separated', ';': 'semicolon-separated', '|': 'pipe-separated' };

export function formatText(d: DatasetEntry): string {
  const o = d.object;
  const di = o.dialect;
  if (!di) return o.format.toUpperCase();
  const parts = [DELIMITERS[di.delimiter] ?? `delimiter ${JSON.stringify(di.delimiter)}`, di.header ? 'header row' : 'no header row', `${di.lineEnding === '\r\n' ? 'CRLF' : 'LF'} line endings`];
  if (di.bom) parts.push('byte-order mark');
  return `${o.format.toUpperCase()} (${parts.join(', ')})`;
}

export function keyText(d: DatasetEntry): string {
  const k = d.object.key;
  if (!k) return 'none: rows are identified by their content';
  return 'columns' in k ? `${k.columns.join(', ')} (key column${k.columns.length > 1 ? 's' : ''})` : `JSON pointer ${k.pointer}`;
}

/** What the scan found in one column, "date 100, zip 3", or '' when nothing. */
function scanned(d: DatasetEntry, column: string): string {
  const c = d.scan?.object.columns[column];
  return c ? Object.entries(c).map(([k, n]) => `${k} ${num(n)}`).join(', ') : '';
}

/**
 * The columns (or JSON paths) of a version from its schema: name, type, empties (paths: types,
 * rows having it). With `withScan`, a last column says what the PII/PHI scan found in each, and
 * columns the scan names that the schema does not (a capped "(other columns)") are added.
 */
export function columnTable(s: SectionBuilder, d: DatasetEntry, withScan: boolean): void {
  const sc = d.scan;
  const cite = withScan && sc ? [d.id, sc.id] : [d.id];
  const found = (name: string) => (!sc ? 'not scanned' : scanned(d, name) || 'none');
  const schema = d.object.schema;
  const rows: Row[] = [];
  let columns: string[];
  if ('columns' in schema) {
    columns = ['Column', 'Type', 'Empty values'];
    for (const c of schema.columns) rows.push({ cells: [c.name, c.type, num(c.empties)], cite });
  } else {
    columns = ['JSON path', 'Types', 'Rows having it'];
    for (const p of schema.paths) rows.push({ cells: [p.path, p.types.join(' | '), num(p.rows)], cite });
  }
  if (withScan) {
    columns.push('Identifiers found by the scan');
    const names = 'columns' in schema ? schema.columns.map((c) => c.name) : schema.paths.map((p) => p.path);
    rows.forEach((row, i) => row.cells.push(found(names[i]!)));
    for (const extra of Object.keys(sc?.object.columns ?? {}).filter((c) => !names.includes(c))) rows.push({ cells: [extra, '', '', found(extra)], cite });
  }
  s.table(columns, rows, 'The schema records no columns.');
}

/** The scan itself: which one, by whom, when, with which detector, over how many rows. */
export function scanText(r: CardRecord, d: DatasetEntry): string {
  const sc = d.scan!;
  return `PII/PHI scan ${shortId(sc.id)} of ${datasetLabel(d)}: ${num(sc.object.rows)} rows read by detector ${sc.object.detector}, signed by ${signedBy(r, sc.id) ?? 'an unknown key'}.`;
}

/** "waived by Priya <…> at …: reason" for each waiver of `kind`, with their ids. */
export function waiversOf(d: DatasetEntry, kind: string): { text: string; ids: string[] } | null {
  const ws = (d.scan?.waivers ?? []).filter((w) => w.object.kind === kind);
  if (!ws.length) return null;
  return { text: ws.map((w) => `waived by ${w.object.name} <${w.object.email}> at ${w.object.time}: ${w.object.reason}`).join('; '), ids: ws.map((w) => w.id) };
}

/** Where a kind was found: "encounter_date", or with counts when in several columns: "a (3), b (2)". */
export function columnsOf(d: DatasetEntry, kind: string): string {
  const cols = Object.entries(d.scan?.object.columns ?? {}).filter(([, c]) => (c as Record<string, number>)[kind]);
  return cols.map(([col, c]) => (cols.length > 1 ? `${col} (${num((c as Record<string, number>)[kind])})` : col)).join(', ');
}

/** One row per kind the scan found: how many, in which columns, open or waived (citing the waiver). */
export function findingRows(d: DatasetEntry): Row[] {
  const sc = d.scan;
  if (!sc) return [];
  return (Object.entries(sc.object.findings) as [string, number][]).map(([kind, n]) => {
    const w = waiversOf(d, kind);
    return { cells: [kind, num(n), columnsOf(d, kind), w ? w.text : 'open: not waived'], cite: [sc.id, ...(w?.ids ?? [])] };
  });
}

/**
 * The chain of earlier versions as far as the record holds them: each parent with who committed
 * it, and the row and schema changes from it to the next.
 */
export function versionChain(r: CardRecord, d: DatasetEntry): { text: string; cite: Cite }[] {
  const items: { text: string; cite: Cite }[] = [];
  let cur: DatasetEntry | undefined = d;
  const seen = new Set<string>();
  while (cur && !seen.has(cur.id)) {
    seen.add(cur.id);
    const p: DatasetEntry['parent'] = cur.parent;
    if (!p) {
      const text = cur.object.parents.length ? `${datasetLabel(cur)} names a parent version the record does not hold.` : `${datasetLabel(cur)} is the first version of ${cur.object.name}.`;
      items.push({ text, cite: [cur.id] });
      break;
    }
    const x = p.diff;
    const who = signedBy(r, p.id);
    items.push({
      text: `${cur.object.name}@${p.number} (${shortId(p.id)})${who ? `, committed by ${who}` : ''} → @${cur.object.number}: ${num(x.added)} rows added, ${num(x.removed)} removed, ${num(x.modified)} modified, ${num(x.moved)} moved; schema: ${x.schema.length ? x.schema.join("; ") : "unchanged"}.`,
      cite: [p.id, cur.id],
    });
    const next: DatasetEntry | undefined = r.datasets.find((e) => e.id === p.id);
    if (!next && p.number === 1) items.push({ text: `${cur.object.name}@1 is the first version of ${cur.object.name}.`, cite: [p.id] });
    else if (!next) items.push({ text: `Versions before ${cur.object.name}@${p.number} are not in this record.`, cite: [p.id] });
    cur = next;
  }
  return items;
}

/** An approval as a sentence: who, meaning, role, what, when, comment, and a withdrawal if any. */
export function approvalText(r: CardRecord, a: ApprovalEntry): string {
  const o = a.object;
  const ds = r.datasets.find((x) => x.id === o.subject);
  const about = o.subject === r.subject.id ? r.subject.label : ds ? datasetLabel(ds) : shortId(o.subject);
  return `${o.name} <${o.email}> signed "${o.meaning}" as ${o.role} for ${about} at ${o.time}${o.comment ? `: "${o.comment}"` : ''}${a.withdrawal ? `; WITHDRAWN at ${a.withdrawal.object.time}: ${a.withdrawal.object.reason || 'no reason given'}` : ''}`;
}
