// cognify scan <dataset ref> [--waive KIND --reason TEXT] [--exit-code]: PII/PHI scan of a dataset
// version, stored as signed evidence; a privacy officer's waiver of one kind it found.
import { InputError, PolicyError } from '../../src/core/errors.js';
import type { ScanResult } from '../../src/api/scans.js';
import { bool, need, str, type FlagSpec } from '../args.js';
import type { Context } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { progressBar, size } from '../format.js';

export const scanFlags: FlagSpec = {
  waive: { type: 'string' },
  reason: { type: 'string' },
  'exit-code': { type: 'boolean' },
};

const n = (x: number) => x.toLocaleString('en-US');

function scanText(r: ScanResult, ms: number | null): string {
  const kinds = Object.entries(r.findings) as [string, number][];
  const head = r.reused
    ? `${r.name}@${r.number} was scanned at ${r.time}; the stored scan is shown (a version never changes, so it is not read again)`
    : `Scanned ${r.name}@${r.number}: ${n(r.rows)} rows, ${size(r.bytes)}${ms !== null ? ` in ${(ms / 1000).toFixed(1)} s` : ''}`;
  const out = [head];
  if (!kinds.length) out.push('  no identifiers found');
  for (const [kind, count] of kinds) {
    const cols = Object.entries(r.columns)
      .filter(([, c]) => c[kind as keyof typeof c])
      .sort((a, b) => (b[1][kind as keyof (typeof b)[1]] ?? 0) - (a[1][kind as keyof (typeof a)[1]] ?? 0))
      .slice(0, 5)
      .map(([c, v]) => `${c} ${n(v[kind as keyof typeof v] ?? 0)}`);
    const w = r.waived[kind as keyof typeof r.waived];
    out.push(`  ${kind.padEnd(12)} ${n(count).padStart(10)}   in ${cols.join(', ')}${w ? `   WAIVED by ${w.name}: ${w.reason}` : ''}`);
  }
  if (r.locations.length) {
    // A few examples of each kind in each column; all stored locations are in --json.
    const shown = new Map<string, number>();
    const lines: string[] = [];
    for (const l of r.locations) {
      const k = `${l.kind}\0${l.column}`;
      if ((shown.get(k) ?? 0) >= 3 || lines.length >= 12) continue;
      shown.set(k, (shown.get(k) ?? 0) + 1);
      lines.push(`  row ${l.row.padEnd(14)} ${l.column.padEnd(20)} ${l.kind.padEnd(12)} ${l.masked}`);
    }
    out.push(`Where (masked; ${lines.length} of the ${r.locations.length} locations stored, all with --json):`, ...lines);
  }
  out.push(`scan ${r.scan}`);
  return out.join('\n');
}

function unwaived(r: ScanResult): string[] {
  return Object.keys(r.findings).filter((k) => !r.waived[k as keyof typeof r.waived]);
}

export async function scan(ctx: Context): Promise<number> {
  const [ref] = need(ctx.args, 1, 'cognify scan <dataset ref> [--waive KIND --reason TEXT] [--exit-code]');
  const repo = await ctx.repo();
  const kind = str(ctx.args, 'waive');
  const reason = str(ctx.args, 'reason');
  if (kind !== undefined) {
    if (reason === undefined || !reason.trim()) throw new InputError('USAGE', 'a waiver needs a reason: --waive <kind> --reason TEXT', {});
    const me = await ctx.key();
    // Checked before the passphrase prompt; the trust rule checks it again when the entry is made.
    if (!(await repo.hasRole(me.fingerprint, 'privacy-officer'))) throw new PolicyError('ROLE_MISSING', `${me.email} is not a privacy-officer; only a privacy officer waives scan findings`, {});
    const { signer } = await ctx.signer();
    const w = await repo.scans.waive({ dataset: ref!, kind, reason, signer });
    ctx.out(w, `Waived ${w.kind} in ${ref}: ${reason}\n  waiver ${w.waiver} of scan ${w.scan}, log entry ${w.seq}`);
    return EXIT.ok;
  }
  if (reason !== undefined) throw new InputError('USAGE', '--reason goes with --waive <kind>', {});
  let r = await repo.scans.get(ref!);
  let ms: number | null = null;
  if (!r) {
    const { signer } = await ctx.signer();
    const bar = progressBar(ctx.io.stderr, 'scanning');
    const t0 = performance.now();
    try {
      r = await repo.scan(ref!, { signer, ...(bar.onProgress ? { onProgress: bar.onProgress } : {}) });
    } finally {
      bar.done();
    }
    ms = performance.now() - t0;
  }
  ctx.out(
    { scan: r.scan, rows: r.rows, findings: r.findings, columns: r.columns, dataset: r.dataset, name: r.name, number: r.number, bytes: r.bytes, locations: r.locations, waived: r.waived, reused: r.reused },
    () => scanText(r, ms),
  );
  return bool(ctx.args, 'exit-code') && unwaived(r).length ? EXIT.checkFailed : EXIT.ok;
}
