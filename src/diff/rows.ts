// Shared shapes of the dataset layer (src/diff): how a byte stream is cut into rows, and what a
// parsed row looks like. Row boundaries and row parsing are separate on purpose: committing needs
// the boundaries of every row (to cut row-aligned chunks) but diffing parses only the rows of
// chunks that differ.

export type TableFormat = 'csv' | 'tsv' | 'jsonl' | 'parquet';

/**
 * Incremental row-boundary scanner for one file. Feed it the file's bytes in order; it returns,
 * for each row completed so far, the file offset just past that row's terminator ("\n", or
 * "\r\n"; for CSV/TSV only a newline outside quotes ends a row). Offsets are absolute (from the
 * start of the file), strictly increasing, and together with 0 and the file length they partition
 * the file exactly, so the concatenation of rows is the file, byte for byte.
 */
export interface RowBoundaryScanner {
  /** Scan the next piece of the file; returns the row ends completed within it. */
  push(chunk: Uint8Array): number[];
  /** End of input: returns the end of a final row that has no terminator (if any), or throws if the file ends inside a quoted field. */
  end(): number[];
}

/** Where a problem is in an input file, for error messages: 1-based line and column (in characters). */
export interface TextPosition {
  line: number;
  column: number;
  /** Byte offset from the start of the file. */
  offset: number;
}

/** A parsed row: CSV/TSV rows as field arrays (header applied later), JSONL rows as JSON values. */
export type ParsedRow = { kind: 'fields'; fields: string[] } | { kind: 'json'; value: unknown };
