// The records a row-level diff yields (issue 3's CLI contract): one per added, removed, modified
// or moved row, and one per schema change, reported once rather than as a change on every row.
// Rows are shown as objects: a CSV/TSV row as {column: text} in header order, a JSONL row as its
// JSON value. Row numbers are 1-based data rows (a CSV header is not a row).

/** How rows are identified: key columns (CSV/TSV), one JSON pointer (JSONL), or their content. */
export type KeySpec = { columns: string[] } | { pointer: string } | null;

/** A row's key as shown: one value for a single column or a pointer, an array for composite keys, null for content-keyed rows. */
export type RowKey = unknown;

/**
 * One changed field, named by a JSON pointer into the row as shown: "/amount" for a CSV column,
 * "/messages/2/content" for a JSONL leaf. A side where the field is absent has no before/after.
 */
export interface FieldChange {
  path: string;
  before?: unknown;
  after?: unknown;
}

/** A column or JSON field as a JSON pointer ("/amount", "/meta/source"), and its type where known. */
export interface FieldInfo {
  path: string;
  type?: string;
}

export type SchemaKind = 'added' | 'removed' | 'renamed' | 'retyped';

export interface AddedRow {
  op: 'added';
  key: RowKey;
  after: unknown;
  /** Row number in B. */
  row: number;
}

export interface RemovedRow {
  op: 'removed';
  key: RowKey;
  before: unknown;
  /** Row number in A. */
  row: number;
}

export interface ModifiedRow {
  op: 'modified';
  key: RowKey;
  before: unknown;
  after: unknown;
  changes: FieldChange[];
  /** Row numbers in A and B. */
  rows: [number, number];
}

export interface MovedRow {
  op: 'moved';
  key: RowKey;
  before: unknown;
  after: unknown;
  /** Row numbers in A and B. */
  rows: [number, number];
}

export interface SchemaChange {
  op: 'schema';
  change: SchemaKind;
  /** The field on each side: before is null for "added", after is null for "removed". */
  before: FieldInfo | null;
  after: FieldInfo | null;
}

export type RowChange = AddedRow | RemovedRow | ModifiedRow | MovedRow | SchemaChange;

/** `--stat`: counts of row changes, and the schema changes in full. */
export interface DiffStat {
  added: number;
  removed: number;
  modified: number;
  moved: number;
  unchanged: number;
  schema: SchemaChange[];
}
