// Schema changes between two diff sides (src/diff/diff.ts), reported once rather than on every
// row: CSV columns from the headers and recorded types, JSON fields from recorded path counts or
// from the rows read.
import type { FieldInfo, SchemaChange } from './changes.js';
import { escapePointerToken } from './jsonl-parse.js';
import { parentOf } from './diff-rows.js';
import type { TableSide } from './table-side.js';

/** The schema of a side for comparison: CSV columns with types where recorded, or JSON paths with types. */
export function recordedColumnTypes(side: TableSide): Map<string, string> | null {
  if (!side.schema || !('columns' in side.schema)) return null;
  return new Map(side.schema.columns.map((c) => [c.name, c.type]));
}

export function jsonPathsOf(side: TableSide): { types: Map<string, Set<string>>; everywhere: (p: string) => boolean } | null {
  if (!side.schema || !('paths' in side.schema)) return null;
  const rows = new Map(side.schema.paths.map((p) => [p.path, p.rows]));
  return { types: new Map(side.schema.paths.map((p) => [p.path, new Set(p.types)])), everywhere: (p) => rows.get(p) === side.rows };
}

/** Added / removed / retyped JSON fields between two path→types maps; `all` says which paths are on every row of each side. */
export function jsonSchemaChanges(pa: Map<string, Set<string>>, pb: Map<string, Set<string>>, everywhere?: { a: (p: string) => boolean; b: (p: string) => boolean }): SchemaChange[] {
  const out: SchemaChange[] = [];
  const typeOf = (s: Set<string>) => [...s].filter((t) => t !== 'null').sort().join('|');
  const topMost = (p: string, other: Map<string, Set<string>>) => p !== '' && !other.has(p) && (parentOf(p) === '' || other.has(parentOf(p)));
  for (const [p, types] of pa) {
    if (topMost(p, pb) && (!everywhere || everywhere.a(p))) out.push({ op: 'schema', change: 'removed', before: { path: p, type: typeOf(types) }, after: null });
  }
  for (const [p, types] of pb) {
    if (topMost(p, pa) && (!everywhere || everywhere.b(p))) out.push({ op: 'schema', change: 'added', before: null, after: { path: p, type: typeOf(types) } });
  }
  for (const [p, ta] of pa) {
    const tb = pb.get(p);
    if (p === '' || !tb) continue;
    const x = typeOf(ta);
    const y = typeOf(tb);
    if (x === '' || y === '' || x === y) continue;
    if (everywhere) {
      // From rows alone, only a clean switch counts: on every row of both sides, no type in common.
      if (!everywhere.a(p) || !everywhere.b(p) || [...ta].some((t) => t !== 'null' && tb.has(t))) continue;
    }
    out.push({ op: 'schema', change: 'retyped', before: { path: p, type: x }, after: { path: p, type: y } });
  }
  return out;
}

export function csvSchemaChanges(a: TableSide, b: TableSide): { changes: SchemaChange[]; renamed: Map<string, string>; retyped: Set<string> } {
  const ha = a.header ?? [];
  const hb = b.header ?? [];
  const inA = new Set(ha);
  const inB = new Set(hb);
  const renamed = new Map<string, string>();
  if (ha.length === hb.length) {
    for (let k = 0; k < ha.length; k++) if (ha[k] !== hb[k] && !inB.has(ha[k]!) && !inA.has(hb[k]!)) renamed.set(ha[k]!, hb[k]!);
  }
  const ta = recordedColumnTypes(a);
  const tb = recordedColumnTypes(b);
  const info = (name: string, types: Map<string, string> | null): FieldInfo => {
    const type = types?.get(name);
    const path = `/${escapePointerToken(name)}`;
    return type ? { path, type } : { path };
  };
  const changes: SchemaChange[] = [];
  for (const [from, to] of renamed) changes.push({ op: 'schema', change: 'renamed', before: info(from, ta), after: info(to, tb) });
  for (const n of ha) if (!inB.has(n) && !renamed.has(n)) changes.push({ op: 'schema', change: 'removed', before: info(n, ta), after: null });
  const renamedTo = new Set(renamed.values());
  for (const n of hb) if (!inA.has(n) && !renamedTo.has(n)) changes.push({ op: 'schema', change: 'added', before: null, after: info(n, tb) });
  const retyped = new Set<string>();
  if (ta && tb) {
    for (const n of ha) {
      const m = renamed.get(n) ?? n;
      const x = ta.get(n);
      const y = tb.get(m);
      if (!inB.has(m) || !x || !y || x === y || x === 'empty' || y === 'empty') continue;
      retyped.add(n);
      changes.push({ op: 'schema', change: 'retyped', before: info(n, ta), after: info(m, tb) });
    }
  }
  return { changes, renamed, retyped };
}
